//! Inclusion and consistency proofs of the tree against a straightforward transcription of
//! RFC 6962 §2.1 (recursive MTH, PATH and SUBPROOF over slices), for random tree sizes; and the
//! RFC 9162 verifiers accept exactly the right proofs.

use proptest::prelude::*;
use tranche_log::merkle::{self, Hash, Tree, empty_root, leaf_hash, node_hash};

fn mth(leaves: &[Hash]) -> Hash {
    match leaves.len() {
        0 => empty_root(),
        1 => leaves[0],
        n => {
            let k = (1..n).rev().find(|k| k.is_power_of_two()).unwrap();
            node_hash(&mth(&leaves[..k]), &mth(&leaves[k..]))
        }
    }
}

fn path(m: usize, leaves: &[Hash]) -> Vec<Hash> {
    let n = leaves.len();
    if n <= 1 {
        return Vec::new();
    }
    let k = (1..n).rev().find(|k| k.is_power_of_two()).unwrap();
    if m < k {
        let mut p = path(m, &leaves[..k]);
        p.push(mth(&leaves[k..]));
        p
    } else {
        let mut p = path(m - k, &leaves[k..]);
        p.push(mth(&leaves[..k]));
        p
    }
}

fn subproof(m: usize, leaves: &[Hash], complete: bool) -> Vec<Hash> {
    let n = leaves.len();
    if m == n {
        return if complete { Vec::new() } else { vec![mth(leaves)] };
    }
    let k = (1..n).rev().find(|k| k.is_power_of_two()).unwrap();
    if m <= k {
        let mut p = subproof(m, &leaves[..k], complete);
        p.push(mth(&leaves[k..]));
        p
    } else {
        let mut p = subproof(m - k, &leaves[k..], false);
        p.push(mth(&leaves[..k]));
        p
    }
}

fn leaves(n: usize, seed: u64) -> Vec<Hash> {
    (0..n).map(|i| leaf_hash(format!("entry {seed} {i}").as_bytes())).collect()
}

fn tree_of(leaves: &[Hash]) -> Tree {
    let mut tree = Tree::new();
    for leaf in leaves {
        tree.push(*leaf);
    }
    tree
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn roots_and_inclusion_proofs_match_the_reference(n in 1usize..200, seed in any::<u64>(), pick in any::<proptest::sample::Index>()) {
        let leaves = leaves(n, seed);
        let tree = tree_of(&leaves);
        prop_assert_eq!(tree.size(), n as u64);
        let size = 1 + pick.index(n);
        let root = mth(&leaves[..size]);
        prop_assert_eq!(tree.root_at(size as u64), Some(root));
        for index in 0..size {
            let proof = tree.inclusion_proof(index as u64, size as u64).unwrap();
            prop_assert_eq!(&proof, &path(index, &leaves[..size]));
            prop_assert!(merkle::verify_inclusion(index as u64, size as u64, &leaves[index], &proof, &root));
            // The same proof does not show another leaf, another index or another root.
            let other = leaf_hash(b"not in the tree");
            prop_assert!(!merkle::verify_inclusion(index as u64, size as u64, &other, &proof, &root));
            if size > 1 {
                let wrong = (index + 1) % size;
                prop_assert!(!merkle::verify_inclusion(wrong as u64, size as u64, &leaves[index], &proof, &root) || leaves[wrong] == leaves[index]);
            }
            if let Some(first) = proof.first() {
                let mut bent = proof.clone();
                bent[0] = node_hash(first, first);
                prop_assert!(!merkle::verify_inclusion(index as u64, size as u64, &leaves[index], &bent, &root));
            }
        }
        prop_assert!(tree.inclusion_proof(size as u64, size as u64).is_none());
    }

    #[test]
    fn consistency_proofs_match_the_reference(n in 1usize..200, seed in any::<u64>(), a in any::<proptest::sample::Index>(), b in any::<proptest::sample::Index>()) {
        let leaves = leaves(n, seed);
        let tree = tree_of(&leaves);
        let (x, y) = (1 + a.index(n), 1 + b.index(n));
        let (from, to) = (x.min(y), x.max(y));
        let proof = tree.consistency_proof(from as u64, to as u64).unwrap();
        let expected = if from == to { Vec::new() } else { subproof(from, &leaves[..to], true) };
        prop_assert_eq!(&proof, &expected);
        let (old, new) = (mth(&leaves[..from]), mth(&leaves[..to]));
        prop_assert!(merkle::verify_consistency(from as u64, to as u64, &old, &new, &proof));
        // A forked history (one leaf changed before `from`) is not consistent with it.
        if from < to {
            let mut forked = leaves[..to].to_vec();
            forked[from - 1] = leaf_hash(b"forked");
            let forked_root = mth(&forked);
            prop_assert!(!merkle::verify_consistency(from as u64, to as u64, &old, &forked_root, &proof));
            let other = tree_of(&forked);
            let other_proof = other.consistency_proof(from as u64, to as u64).unwrap();
            prop_assert!(!merkle::verify_consistency(from as u64, to as u64, &old, &forked_root, &other_proof));
        }
    }
}

#[test]
fn the_empty_tree_and_rfc_sizes() {
    let tree = Tree::new();
    assert_eq!(tree.root_at(0), Some(empty_root()));
    // The empty root is SHA-256 of the empty string (RFC 6962 §2.1).
    let hex: String = empty_root().iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    let leaves = leaves(7, 1);
    let tree = tree_of(&leaves);
    // RFC 6962 §2.1.3's example tree of seven leaves: the proof for d0 is [b, h, l] there.
    let proof = tree.inclusion_proof(0, 7).unwrap();
    assert_eq!(proof, vec![leaves[1], node_hash(&leaves[2], &leaves[3]), mth(&leaves[4..7])]);
    // Consistency 3 -> 7 is [c, d, g, l] in the RFC's example.
    let proof = tree.consistency_proof(3, 7).unwrap();
    assert_eq!(proof, vec![leaves[2], leaves[3], node_hash(&leaves[0], &leaves[1]), mth(&leaves[4..7])]);
}
