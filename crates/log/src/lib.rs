//! The verifiable log: every event of the store is a leaf of an RFC 6962 Merkle tree (`merkle`),
//! in a committed, canonical form (`leaf`); the operator signs checkpoints of the tree as C2SP
//! signed notes and witnesses cosign them (`note`). A [`Frontier`] keeps only the tree's right
//! edge: enough to append and to compute the root, in O(log n) space. Formats with examples: docs/LOG.md.

pub mod frontier;
pub mod leaf;
pub mod merkle;
pub mod note;

pub use frontier::{Frontier, FrontierError};
pub use merkle::{Hash, Tree, leaf_hash, verify_consistency, verify_inclusion};
pub use note::{Checkpoint, KeyType, NoteError, SignedNote, Signer25519, VerifierKey};
