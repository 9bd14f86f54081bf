//! Checkpoints (C2SP tlog-checkpoint), signed notes (C2SP signed-note) with Ed25519 keys, and
//! witness cosignatures (C2SP tlog-cosignature, `cosignature/v1`).
//!
//! A checkpoint's text is three lines: the origin, the tree size in decimal, and the root hash in
//! standard base64. A signed note is that text, a blank line, and one line per signature:
//! `— <key name> <base64(key hash (4 bytes) || signature)>`. The key hash is the first four
//! bytes of SHA-256(name || "\n" || type || public key), type 0x01 for Ed25519 note keys and 0x04
//! for cosignature keys. A cosignature signs `cosignature/v1\ntime <unix seconds>\n` followed
//! by the checkpoint text, and its signature bytes are key hash, the time as 8 big-endian bytes,
//! then the signature.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use sha2::{Digest, Sha256};

use crate::merkle::Hash;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum NoteError {
    #[error("malformed key: {0}")]
    Key(String),
    #[error("malformed checkpoint: {0}")]
    Checkpoint(String),
    #[error("malformed note: {0}")]
    Note(String),
    #[error("no valid signature by {0}")]
    Unsigned(String),
}

/// Ed25519 for note signatures; cosignature/v1 for witnesses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyType {
    Note = 0x01,
    Cosignature = 0x04,
}

fn key_hash(name: &str, kind: KeyType, public: &[u8; 32]) -> [u8; 4] {
    let mut hasher = Sha256::new();
    hasher.update(name.as_bytes());
    hasher.update(b"\n");
    hasher.update([kind as u8]);
    hasher.update(public);
    let digest = hasher.finalize();
    [digest[0], digest[1], digest[2], digest[3]]
}

fn valid_name(name: &str) -> bool {
    !name.is_empty() && !name.contains('+') && name.chars().all(|c| !c.is_whitespace() && !c.is_control())
}

/// A signer: a name, a key type and an Ed25519 key.
#[derive(Clone)]
pub struct Signer25519 {
    pub name: String,
    pub kind: KeyType,
    key: SigningKey,
}

/// The public half, in the note verifier format `<name>+<hash hex>+<base64(type || key)>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifierKey {
    pub name: String,
    pub kind: KeyType,
    pub hash: [u8; 4],
    key: VerifyingKey,
}

impl Signer25519 {
    pub fn generate(name: &str, kind: KeyType) -> Result<Signer25519, NoteError> {
        if !valid_name(name) {
            return Err(NoteError::Key(format!("{name:?} is not a key name (no spaces or '+')")));
        }
        let mut seed = [0u8; 32];
        getrandom::fill(&mut seed).map_err(|e| NoteError::Key(format!("no randomness: {e}")))?;
        Ok(Signer25519 { name: name.to_string(), kind, key: SigningKey::from_bytes(&seed) })
    }

    /// `PRIVATE+KEY+<name>+<hash hex>+<base64(type || seed)>`, the format of Go's note package.
    pub fn to_text(&self) -> String {
        let mut bytes = vec![self.kind as u8];
        bytes.extend_from_slice(self.key.as_bytes());
        format!("PRIVATE+KEY+{}+{}+{}", self.name, hex(&self.verifier().hash), STANDARD.encode(bytes))
    }

    pub fn parse(text: &str) -> Result<Signer25519, NoteError> {
        let rest =
            text.trim().strip_prefix("PRIVATE+KEY+").ok_or_else(|| NoteError::Key("not a private key".into()))?;
        let (name, kind, bytes) = split_key(rest)?;
        let seed: [u8; 32] = bytes.try_into().map_err(|_| NoteError::Key("the key is not 32 bytes".into()))?;
        let signer = Signer25519 { name: name.to_string(), kind, key: SigningKey::from_bytes(&seed) };
        Ok(signer)
    }

    pub fn verifier(&self) -> VerifierKey {
        let public = self.key.verifying_key();
        VerifierKey {
            name: self.name.clone(),
            kind: self.kind,
            hash: key_hash(&self.name, self.kind, public.as_bytes()),
            key: public,
        }
    }

    pub fn sign(&self, message: &[u8]) -> [u8; 64] {
        self.key.sign(message).to_bytes()
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// `<name>+<hash>+<base64>` → (name, type, key bytes), checking the hash.
fn split_key(text: &str) -> Result<(&str, KeyType, Vec<u8>), NoteError> {
    // The name has no '+'; the base64 key may.
    let mut parts = text.splitn(3, '+');
    let (name, hash, encoded) = match (parts.next(), parts.next(), parts.next()) {
        (Some(n), Some(h), Some(e)) => (n, h, e),
        _ => return Err(NoteError::Key("expected <name>+<hash>+<key>".into())),
    };
    if !valid_name(name) {
        return Err(NoteError::Key(format!("{name:?} is not a key name")));
    }
    let bytes = STANDARD.decode(encoded).map_err(|e| NoteError::Key(format!("the key is not base64: {e}")))?;
    let (kind, key) = match bytes.split_first() {
        Some((0x01, key)) => (KeyType::Note, key.to_vec()),
        Some((0x04, key)) => (KeyType::Cosignature, key.to_vec()),
        _ => return Err(NoteError::Key("the key type is not Ed25519 (0x01) or cosignature/v1 (0x04)".into())),
    };
    if hash.len() != 8 || !hash.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(NoteError::Key(format!("{hash:?} is not an 8-digit key hash")));
    }
    Ok((name, kind, key))
}

impl VerifierKey {
    pub fn parse(text: &str) -> Result<VerifierKey, NoteError> {
        let text = text.trim();
        let (name, kind, bytes) = split_key(text)?;
        let public: [u8; 32] = bytes.try_into().map_err(|_| NoteError::Key("the key is not 32 bytes".into()))?;
        let key = VerifyingKey::from_bytes(&public).map_err(|e| NoteError::Key(e.to_string()))?;
        let hash = key_hash(name, kind, &public);
        let stated = text.split('+').nth(1).unwrap_or_default();
        if stated != hex(&hash) {
            return Err(NoteError::Key(format!("the key hash {stated} does not match the key ({})", hex(&hash))));
        }
        Ok(VerifierKey { name: name.to_string(), kind, hash, key })
    }

    pub fn to_text(&self) -> String {
        let mut bytes = vec![self.kind as u8];
        bytes.extend_from_slice(self.key.as_bytes());
        format!("{}+{}+{}", self.name, hex(&self.hash), STANDARD.encode(bytes))
    }

    fn verifies(&self, message: &[u8], signature: &[u8]) -> bool {
        let Ok(signature) = Signature::from_slice(signature) else { return false };
        self.key.verify(message, &signature).is_ok()
    }
}

/// A checkpoint: the log's origin, its size, and its root hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    pub origin: String,
    pub size: u64,
    pub root: Hash,
}

impl Checkpoint {
    pub fn text(&self) -> String {
        format!("{}\n{}\n{}\n", self.origin, self.size, STANDARD.encode(self.root))
    }

    pub fn parse_text(text: &str) -> Result<Checkpoint, NoteError> {
        let bad = |why: &str| NoteError::Checkpoint(why.to_string());
        let mut lines = text.split('\n');
        let origin = lines.next().filter(|o| !o.is_empty()).ok_or_else(|| bad("no origin line"))?;
        let size = lines.next().ok_or_else(|| bad("no size line"))?;
        if size.is_empty() || !size.bytes().all(|b| b.is_ascii_digit()) || (size.len() > 1 && size.starts_with('0')) {
            return Err(bad(&format!("{size:?} is not a tree size")));
        }
        let size: u64 = size.parse().map_err(|_| bad("the tree size is too large"))?;
        let root = lines.next().ok_or_else(|| bad("no root hash line"))?;
        let root: Hash = STANDARD
            .decode(root)
            .ok()
            .and_then(|bytes| bytes.try_into().ok())
            .ok_or_else(|| bad(&format!("{root:?} is not a base64 SHA-256 hash")))?;
        Ok(Checkpoint { origin: origin.to_string(), size, root })
    }
}

/// A note: its text and its signature lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedNote {
    pub text: String,
    /// (key name, base64 signature bytes), in order.
    pub signatures: Vec<(String, String)>,
}

impl SignedNote {
    pub fn sign(text: String, signer: &Signer25519) -> SignedNote {
        let mut bytes = signer.verifier().hash.to_vec();
        bytes.extend_from_slice(&signer.sign(text.as_bytes()));
        SignedNote { text, signatures: vec![(signer.name.clone(), STANDARD.encode(bytes))] }
    }

    pub fn render(&self) -> String {
        let mut out = self.text.clone();
        out.push('\n');
        for (name, signature) in &self.signatures {
            out.push_str(&format!("\u{2014} {name} {signature}\n"));
        }
        out
    }

    pub fn parse(note: &str) -> Result<SignedNote, NoteError> {
        let bad = |why: &str| NoteError::Note(why.to_string());
        let split = note.rfind("\n\n").ok_or_else(|| bad("no blank line before the signatures"))?;
        let (text, rest) = (&note[..split + 1], &note[split + 2..]);
        let mut signatures = Vec::new();
        for line in rest.split_terminator('\n') {
            let line =
                line.strip_prefix("\u{2014} ").ok_or_else(|| bad(&format!("{line:?} is not a signature line")))?;
            let (name, signature) = line.split_once(' ').ok_or_else(|| bad("a signature line without a signature"))?;
            signatures.push((name.to_string(), signature.to_string()));
        }
        if signatures.is_empty() {
            return Err(bad("no signature lines"));
        }
        Ok(SignedNote { text: text.to_string(), signatures })
    }

    /// Whether a signature by `key` over the text verifies.
    pub fn verify(&self, key: &VerifierKey) -> Result<(), NoteError> {
        let signed = self.signatures.iter().filter(|(name, _)| *name == key.name).any(|(_, signature)| {
            let Ok(bytes) = STANDARD.decode(signature) else { return false };
            match key.kind {
                KeyType::Note => {
                    bytes.len() == 68 && bytes[..4] == key.hash && key.verifies(self.text.as_bytes(), &bytes[4..])
                }
                KeyType::Cosignature => {
                    if bytes.len() != 76 || bytes[..4] != key.hash {
                        return false;
                    }
                    let time = u64::from_be_bytes(bytes[4..12].try_into().expect("eight bytes"));
                    key.verifies(cosigned_message(&self.text, time).as_bytes(), &bytes[12..])
                }
            }
        });
        if signed { Ok(()) } else { Err(NoteError::Unsigned(key.name.clone())) }
    }

    /// The checkpoint in the note's text.
    pub fn checkpoint(&self) -> Result<Checkpoint, NoteError> {
        Checkpoint::parse_text(&self.text)
    }
}

fn cosigned_message(text: &str, time: u64) -> String {
    format!("cosignature/v1\ntime {time}\n{text}")
}

/// A witness's cosignature line (without the leading em dash) for a checkpoint text.
pub fn cosign(text: &str, witness: &Signer25519, time: u64) -> (String, String) {
    let mut bytes = witness.verifier().hash.to_vec();
    bytes.extend_from_slice(&time.to_be_bytes());
    bytes.extend_from_slice(&witness.sign(cosigned_message(text, time).as_bytes()));
    (witness.name.clone(), STANDARD.encode(bytes))
}
