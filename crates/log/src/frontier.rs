//! The right edge of an RFC 6962 tree: the roots of its complete subtrees, one per set bit of
//! its size, largest first. Enough to append a leaf (O(1) amortised hashes) and to compute the
//! root (O(log n) hashes) without the leaves; what a snapshot keeps of the log, and what the
//! command line signs a checkpoint from.

use crate::merkle::{Hash, Tree, empty_root, node_hash};

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Frontier {
    size: u64,
    /// `hashes[i]`: the root of the i-th complete subtree from the left; its size is the i-th
    /// set bit of `size` from the top.
    hashes: Vec<Hash>,
}

/// Stored frontier hashes that cannot be the right edge of a tree of the stated size.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a tree of {size} leaves has a right edge of {expected} hashes, not {found}")]
pub struct FrontierError {
    pub size: u64,
    pub expected: u32,
    pub found: usize,
}

impl Frontier {
    pub fn new() -> Frontier {
        Frontier::default()
    }

    /// The right edge of a whole tree.
    pub fn of(tree: &Tree) -> Frontier {
        let size = tree.size();
        let mut hashes = Vec::with_capacity(size.count_ones() as usize);
        let mut start = 0u64;
        for level in (0..64usize).rev() {
            let width = 1u64 << level;
            if size & width != 0 {
                let hash = tree.complete_subtree(level, start >> level).expect("a set bit names a complete subtree");
                hashes.push(hash);
                start += width;
            }
        }
        Frontier { size, hashes }
    }

    /// A frontier from its stored parts; the number of hashes must fit the size.
    pub fn from_parts(size: u64, hashes: Vec<Hash>) -> Result<Frontier, FrontierError> {
        let expected = size.count_ones();
        if hashes.len() != expected as usize {
            return Err(FrontierError { size, expected, found: hashes.len() });
        }
        Ok(Frontier { size, hashes })
    }

    pub fn size(&self) -> u64 {
        self.size
    }

    /// The complete subtrees' roots, largest (leftmost) first.
    pub fn hashes(&self) -> &[Hash] {
        &self.hashes
    }

    /// Appends a leaf (already hashed with [`crate::leaf_hash`]): merges the equal-sized
    /// subtrees at the right edge, as a binary counter carries.
    pub fn push(&mut self, leaf: Hash) {
        let mut node = leaf;
        let mut carry = self.size;
        while carry & 1 == 1 {
            let left = self.hashes.pop().expect("a set bit has its subtree");
            node = node_hash(&left, &node);
            carry >>= 1;
        }
        self.hashes.push(node);
        self.size += 1;
    }

    pub fn extend(&mut self, leaves: impl IntoIterator<Item = Hash>) {
        for leaf in leaves {
            self.push(leaf);
        }
    }

    /// MTH of the whole tree: the subtrees' roots combined from the right.
    pub fn root(&self) -> Hash {
        let mut from_right = self.hashes.iter().rev();
        let Some(last) = from_right.next() else { return empty_root() };
        from_right.fold(*last, |right, left| node_hash(left, &right))
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::leaf_hash;

    fn leaves(n: u64) -> Vec<Hash> {
        (0..n).map(|i| leaf_hash(&i.to_be_bytes())).collect()
    }

    /// Built leaf by leaf, and taken from a tree: both have the tree's root at every size.
    fn check(n: u64) {
        let mut tree = Tree::new();
        let mut frontier = Frontier::new();
        for leaf in leaves(n) {
            tree.push(leaf);
            frontier.push(leaf);
            assert_eq!(frontier.root(), tree.root(), "root at size {}", tree.size());
            assert_eq!(frontier, Frontier::of(&tree), "frontier at size {}", tree.size());
        }
        assert_eq!(frontier.size(), n);
        assert_eq!(frontier.hashes().len(), n.count_ones() as usize);
    }

    #[test]
    fn matches_the_tree_up_to_300_leaves() {
        check(300);
    }

    #[test]
    fn empty_frontier_has_the_empty_root() {
        assert_eq!(Frontier::new().root(), Tree::new().root());
        assert_eq!(Frontier::of(&Tree::new()), Frontier::new());
    }

    #[test]
    fn parts_must_fit_the_size() {
        let hash = leaf_hash(b"x");
        assert!(Frontier::from_parts(3, vec![hash, hash]).is_ok());
        let error = Frontier::from_parts(3, vec![hash]).unwrap_err();
        assert_eq!(error, FrontierError { size: 3, expected: 2, found: 1 });
        assert!(Frontier::from_parts(0, vec![hash]).is_err());
    }

    proptest! {
        /// Taken from a tree of any size and extended by more leaves, the frontier's root is
        /// the root of the tree of all of them.
        #[test]
        fn taken_then_extended_matches_the_tree(first in 0u64..2_000, more in 0u64..300) {
            let all = leaves(first + more);
            let mut tree = Tree::new();
            for leaf in &all[..first as usize] {
                tree.push(*leaf);
            }
            let mut frontier = Frontier::of(&tree);
            let parts = Frontier::from_parts(frontier.size(), frontier.hashes().to_vec()).unwrap();
            prop_assert_eq!(&parts, &frontier);
            frontier.extend(all[first as usize..].iter().copied());
            for leaf in &all[first as usize..] {
                tree.push(*leaf);
            }
            prop_assert_eq!(frontier.size(), tree.size());
            prop_assert_eq!(frontier.root(), tree.root());
        }
    }
}
