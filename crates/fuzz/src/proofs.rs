//! Merkle proofs (crates/log `merkle`) and log entries (crates/store `log::event_of_leaf`), as a
//! verifier receives them from a server it does not trust.

use tranche_log::merkle::{self, Hash, Tree};

/// The input as a proof to check: `index`, `size` (8 bytes each), a leaf and a root (32 each),
/// then the proof's hashes. Checking it as an inclusion and as a consistency proof answers
/// without a panic; then the tree the input describes must prove itself honestly.
pub fn proofs(data: &[u8]) {
    let mut input = Input(data);
    let (index, size) = (input.u64(), input.u64());
    let (leaf, root) = (input.hash(), input.hash());
    let proof: Vec<Hash> = std::iter::from_fn(|| input.next_hash()).collect();
    merkle::verify_inclusion(index, size, &leaf, &proof, &root);
    merkle::verify_consistency(index, size, &leaf, &root, &proof);
    honest_tree(data);
}

/// A tree of 1 to 64 distinct leaves, sizes from the input: its proofs verify, and the same
/// proofs with one bit changed, or for another leaf, do not.
fn honest_tree(data: &[u8]) {
    let byte = |i: usize| u64::from(data.get(i).copied().unwrap_or(0));
    let leaves = 1 + byte(0) % 64;
    let mut tree = Tree::new();
    for i in 0..leaves {
        tree.push(merkle::leaf_hash(&i.to_be_bytes()));
    }
    let (size, index, from) = (1 + byte(1) % leaves, byte(2), byte(3));
    let (index, from) = (index % size, from % (size + 1));
    let root = tree.root_at(size).expect("size is within the tree");
    let leaf = tree.leaf(index).expect("index is within the tree");
    let mut inclusion = tree.inclusion_proof(index, size).expect("index is below size");
    assert!(merkle::verify_inclusion(index, size, &leaf, &inclusion, &root));
    let other = (index + 1) % size;
    assert!(other == index || !merkle::verify_inclusion(other, size, &leaf, &inclusion, &root));
    let old = tree.root_at(from).expect("from is within the tree");
    let mut consistency = tree.consistency_proof(from, size).expect("from is at most size");
    assert!(merkle::verify_consistency(from, size, &old, &root, &consistency));
    let bit = (byte(4) | byte(5) << 8) as usize;
    if flip(&mut inclusion, bit) {
        assert!(!merkle::verify_inclusion(index, size, &leaf, &inclusion, &root), "a bent inclusion proof verifies");
    }
    if flip(&mut consistency, bit) {
        assert!(
            !merkle::verify_consistency(from, size, &old, &root, &consistency),
            "a bent consistency proof verifies"
        );
    }
}

/// Flips one bit of the proof, chosen by `bit`; false when the proof is empty.
fn flip(proof: &mut [Hash], bit: usize) -> bool {
    let bits = proof.len() * 256;
    if bits == 0 {
        return false;
    }
    let bit = bit % bits;
    proof[bit / 256][bit % 256 / 8] ^= 1 << (bit % 8);
    true
}

/// A leaf's bytes as `tranche verify --url` decodes them: an error or an event, never a panic.
pub fn log_entry(data: &[u8]) {
    if let Ok((_, event)) = tranche_store::log::event_of_leaf(data) {
        crate::round_trip_json(&event);
    }
}

/// Reads fixed-size values off the front of the input, zero-padded past its end.
struct Input<'a>(&'a [u8]);

impl Input<'_> {
    fn take<const N: usize>(&mut self) -> [u8; N] {
        let mut out = [0u8; N];
        let n = N.min(self.0.len());
        out[..n].copy_from_slice(&self.0[..n]);
        self.0 = &self.0[n..];
        out
    }

    fn u64(&mut self) -> u64 {
        u64::from_le_bytes(self.take())
    }

    fn hash(&mut self) -> Hash {
        self.take()
    }

    fn next_hash(&mut self) -> Option<Hash> {
        (!self.0.is_empty()).then(|| self.take())
    }
}
