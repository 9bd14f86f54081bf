//! The RFC 6962 / RFC 9162 Merkle tree: leaf hash `H(0x00 || entry)`, node hash
//! `H(0x01 || left || right)`, SHA-256. The tree keeps the hash of every complete, aligned
//! subtree (level k holds the subtrees of 2^k leaves), so appending a leaf costs O(log n) hashes
//! and any root, inclusion proof or consistency proof needs O(log n) look-ups and hashes.
//! Proofs are in RFC 6962 order; the verifiers follow RFC 9162 §2.1.3.2 and §2.1.4.2.

use sha2::{Digest, Sha256};

pub type Hash = [u8; 32];

pub fn leaf_hash(entry: &[u8]) -> Hash {
    let mut hasher = Sha256::new();
    hasher.update([0u8]);
    hasher.update(entry);
    hasher.finalize().into()
}

pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    let mut hasher = Sha256::new();
    hasher.update([1u8]);
    hasher.update(left);
    hasher.update(right);
    hasher.finalize().into()
}

/// The root of the empty tree: SHA-256 of nothing.
pub fn empty_root() -> Hash {
    Sha256::digest([]).into()
}

#[derive(Debug, Clone, Default)]
pub struct Tree {
    /// `levels[k][i]`: the hash of leaves `i·2^k .. (i+1)·2^k`.
    levels: Vec<Vec<Hash>>,
}

/// The largest power of two strictly below `n` (n ≥ 2).
fn split(n: u64) -> u64 {
    debug_assert!(n >= 2);
    1 << (63 - (n - 1).leading_zeros())
}

impl Tree {
    pub fn new() -> Tree {
        Tree { levels: vec![Vec::new()] }
    }

    pub fn size(&self) -> u64 {
        self.levels.first().map_or(0, |leaves| leaves.len() as u64)
    }

    /// Appends a leaf (already hashed with [`leaf_hash`]).
    pub fn push(&mut self, leaf: Hash) {
        if self.levels.is_empty() {
            self.levels.push(Vec::new());
        }
        self.levels[0].push(leaf);
        let mut level = 0;
        while self.levels[level].len().is_multiple_of(2) {
            let row = &self.levels[level];
            let parent = node_hash(&row[row.len() - 2], &row[row.len() - 1]);
            if self.levels.len() == level + 1 {
                self.levels.push(Vec::new());
            }
            self.levels[level + 1].push(parent);
            level += 1;
        }
    }

    /// The hash of complete subtree `index` of level `level` (leaves `index·2^level ..`).
    pub(crate) fn complete_subtree(&self, level: usize, index: u64) -> Option<Hash> {
        self.levels.get(level)?.get(usize::try_from(index).ok()?).copied()
    }

    /// The leaf hash at `index`.
    pub fn leaf(&self, index: u64) -> Option<Hash> {
        self.levels.first()?.get(usize::try_from(index).ok()?).copied()
    }

    /// MTH(D[start..end]); `start..end` is a range the RFC recursion produces (its left parts
    /// complete and aligned), within the tree.
    fn subtree(&self, start: u64, end: u64) -> Hash {
        let n = end - start;
        if n.is_power_of_two() && start.is_multiple_of(n) {
            let level = n.trailing_zeros() as usize;
            return self.levels[level][(start >> level) as usize];
        }
        let k = split(n);
        node_hash(&self.subtree(start, start + k), &self.subtree(start + k, end))
    }

    /// The root of the tree's first `size` leaves.
    pub fn root_at(&self, size: u64) -> Option<Hash> {
        match size {
            0 => Some(empty_root()),
            n if n <= self.size() => Some(self.subtree(0, n)),
            _ => None,
        }
    }

    pub fn root(&self) -> Hash {
        self.root_at(self.size()).expect("the whole tree is within itself")
    }

    /// PATH(index, D[0..size]) of RFC 6962 §2.1.1.
    pub fn inclusion_proof(&self, index: u64, size: u64) -> Option<Vec<Hash>> {
        if index >= size || size > self.size() {
            return None;
        }
        let mut proof = Vec::new();
        self.path(index, 0, size, &mut proof);
        Some(proof)
    }

    fn path(&self, index: u64, start: u64, end: u64, proof: &mut Vec<Hash>) {
        let n = end - start;
        if n <= 1 {
            return;
        }
        let k = split(n);
        if index < k {
            self.path(index, start, start + k, proof);
            proof.push(self.subtree(start + k, end));
        } else {
            self.path(index - k, start + k, end, proof);
            proof.push(self.subtree(start, start + k));
        }
    }

    /// PROOF(from, D[0..to]) of RFC 6962 §2.1.2; empty when `from` is 0 or equals `to`.
    pub fn consistency_proof(&self, from: u64, to: u64) -> Option<Vec<Hash>> {
        if from > to || to > self.size() {
            return None;
        }
        let mut proof = Vec::new();
        if from > 0 && from < to {
            self.subproof(from, 0, to, true, &mut proof);
        }
        Some(proof)
    }

    fn subproof(&self, m: u64, start: u64, end: u64, complete: bool, proof: &mut Vec<Hash>) {
        let n = end - start;
        if m == n {
            if !complete {
                proof.push(self.subtree(start, end));
            }
            return;
        }
        let k = split(n);
        if m <= k {
            self.subproof(m, start, start + k, complete, proof);
            proof.push(self.subtree(start + k, end));
        } else {
            self.subproof(m - k, start + k, end, false, proof);
            proof.push(self.subtree(start, start + k));
        }
    }
}

/// RFC 9162 §2.1.3.2: whether `proof` shows `leaf` at `index` in the tree of `size` with `root`.
pub fn verify_inclusion(index: u64, size: u64, leaf: &Hash, proof: &[Hash], root: &Hash) -> bool {
    if index >= size {
        return false;
    }
    let (mut f, mut s) = (index, size - 1);
    let mut r = *leaf;
    for p in proof {
        if s == 0 {
            return false;
        }
        if f & 1 == 1 || f == s {
            r = node_hash(p, &r);
            while f & 1 == 0 && f != 0 {
                f >>= 1;
                s >>= 1;
            }
        } else {
            r = node_hash(&r, p);
        }
        f >>= 1;
        s >>= 1;
    }
    s == 0 && r == *root
}

/// RFC 9162 §2.1.4.2: whether `proof` shows the tree of `from` leaves with `from_root` is a
/// prefix of the tree of `to` leaves with `to_root`.
pub fn verify_consistency(from: u64, to: u64, from_root: &Hash, to_root: &Hash, proof: &[Hash]) -> bool {
    if from > to {
        return false;
    }
    if from == to {
        return proof.is_empty() && from_root == to_root;
    }
    if from == 0 {
        return proof.is_empty() && *from_root == empty_root();
    }
    if proof.is_empty() {
        return false;
    }
    let mut path: Vec<Hash> = Vec::with_capacity(proof.len() + 1);
    if from.is_power_of_two() {
        path.push(*from_root);
    }
    path.extend_from_slice(proof);
    let (mut f, mut s) = (from - 1, to - 1);
    while f & 1 == 1 {
        f >>= 1;
        s >>= 1;
    }
    let (mut fr, mut sr) = (path[0], path[0]);
    for c in &path[1..] {
        if s == 0 {
            return false;
        }
        if f & 1 == 1 || f == s {
            fr = node_hash(c, &fr);
            sr = node_hash(c, &sr);
            while f & 1 == 0 && f != 0 {
                f >>= 1;
                s >>= 1;
            }
        } else {
            sr = node_hash(&sr, c);
        }
        f >>= 1;
        s >>= 1;
    }
    s == 0 && fr == *from_root && sr == *to_root
}
