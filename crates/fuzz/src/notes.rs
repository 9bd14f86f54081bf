//! Checkpoints, signed notes, cosignatures and keys (crates/log `note`): each reader either
//! refuses or returns what its writer gives back; a note signed by a key verifies with it, and
//! verifying any note with any key answers without a panic.

use std::sync::OnceLock;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use tranche_log::{Checkpoint, KeyType, SignedNote, Signer25519, VerifierKey, note};

use crate::text;

pub fn checkpoint_note(data: &[u8]) {
    let Some(text) = text(data) else { return };
    if let Ok(checkpoint) = Checkpoint::parse_text(text) {
        assert_eq!(Checkpoint::parse_text(&checkpoint.text()).as_ref(), Ok(&checkpoint));
        signed_and_verified(&checkpoint);
    }
    if let Ok(note) = SignedNote::parse(text) {
        assert_eq!(SignedNote::parse(&note.render()).as_ref(), Ok(&note), "{:?}", note.render());
        for (signer, _) in keys() {
            let _ = note.verify(&signer.verifier());
        }
        let _ = note.checkpoint();
    }
    if let Ok(key) = VerifierKey::parse(text) {
        assert_eq!(VerifierKey::parse(&key.to_text()).as_ref(), Ok(&key));
    }
    if let Ok(signer) = Signer25519::parse(text) {
        let reread = Signer25519::parse(&signer.to_text()).expect("a written key reads back");
        assert_eq!(reread.verifier(), signer.verifier());
        signs_and_verifies(&signer, text);
    }
}

/// The checkpoint signed by the log key and cosigned by the witness: the rendered note reads
/// back, both signatures verify, and it names the same checkpoint.
fn signed_and_verified(checkpoint: &Checkpoint) {
    let [(log, _), (witness, _)] = keys();
    let mut note = SignedNote::sign(checkpoint.text(), log);
    note.signatures.push(note::cosign(&note.text, witness, 1_700_000_000));
    let read = SignedNote::parse(&note.render()).expect("a rendered note reads back");
    read.verify(&log.verifier()).expect("the log's signature verifies");
    read.verify(&witness.verifier()).expect("the witness's cosignature verifies");
    assert_eq!(read.checkpoint().as_ref(), Ok(checkpoint));
}

/// A key read from the input signs (or cosigns) a note that its verifier accepts.
fn signs_and_verifies(signer: &Signer25519, text: &str) {
    let text = format!("{}\n", text.replace('\n', " "));
    let note = match signer.kind {
        KeyType::Note => SignedNote::sign(text, signer),
        KeyType::Cosignature => {
            let signature = note::cosign(&text, signer, u64::MAX);
            SignedNote { text, signatures: vec![signature] }
        }
    };
    note.verify(&signer.verifier()).expect("a key's own signature verifies");
}

/// The fixed log key, which signs the seeds' checkpoints.
pub fn log_signer() -> &'static Signer25519 {
    &keys()[0].0
}

/// Two fixed keys, a log key and a witness key, with their private key texts (seeds).
fn keys() -> &'static [(Signer25519, String); 2] {
    static KEYS: OnceLock<[(Signer25519, String); 2]> = OnceLock::new();
    KEYS.get_or_init(|| [key("tranche.fuzz/log", KeyType::Note, 7), key("witness.fuzz", KeyType::Cosignature, 9)])
}

fn key(name: &str, kind: KeyType, seed: u8) -> (Signer25519, String) {
    let mut bytes = vec![kind as u8];
    bytes.extend_from_slice(&[seed; 32]);
    // The hash is not checked on a private key; `to_text` writes the right one.
    let text = format!("PRIVATE+KEY+{name}+00000000+{}", STANDARD.encode(bytes));
    let signer = Signer25519::parse(&text).expect("a valid private key");
    let text = signer.to_text();
    (signer, text)
}

/// Seeds for the corpus: a signed, cosigned checkpoint note, both keys' texts, a bare
/// checkpoint.
pub fn seeds() -> Vec<(String, Vec<u8>)> {
    let [(log, log_text), (witness, witness_text)] = keys();
    let checkpoint = Checkpoint { origin: "tranche.fuzz/log".into(), size: 42, root: [3; 32] };
    let mut note = SignedNote::sign(checkpoint.text(), log);
    note.signatures.push(note::cosign(&note.text, witness, 1_700_000_000));
    vec![
        ("note".into(), note.render().into_bytes()),
        ("checkpoint".into(), checkpoint.text().into_bytes()),
        ("log-key".into(), log_text.clone().into_bytes()),
        ("witness-key".into(), witness_text.clone().into_bytes()),
        ("log-verifier".into(), log.verifier().to_text().into_bytes()),
        ("witness-verifier".into(), witness.verifier().to_text().into_bytes()),
    ]
}
