//! Checkpoints, signed notes, keys and cosignatures: round trips, and every kind of tampering
//! refused.

use tranche_log::note::cosign;
use tranche_log::*;

fn checkpoint() -> Checkpoint {
    Checkpoint { origin: "tranche.example/purl".into(), size: 160, root: merkle::leaf_hash(b"root") }
}

#[test]
fn keys_whose_base64_holds_a_plus_sign_round_trip() {
    // Standard base64 uses '+': the name ends at the first '+', the key is the rest.
    let mut seen = 0;
    for _ in 0..64 {
        let signer = Signer25519::generate("log", KeyType::Note).unwrap();
        let text = signer.verifier().to_text();
        seen += usize::from(text.matches('+').count() > 2);
        assert_eq!(VerifierKey::parse(&text).unwrap(), signer.verifier(), "{text}");
        assert_eq!(Signer25519::parse(&signer.to_text()).unwrap().verifier(), signer.verifier());
    }
    assert!(seen > 0, "64 random keys should include one with a '+' in its base64");
}

#[test]
fn a_signed_checkpoint_round_trips_and_verifies() {
    let signer = Signer25519::generate("tranche.example/purl", KeyType::Note).unwrap();
    let verifier = VerifierKey::parse(&signer.verifier().to_text()).unwrap();
    assert_eq!(verifier, signer.verifier());
    let reloaded = Signer25519::parse(&signer.to_text()).unwrap();
    assert_eq!(reloaded.verifier(), signer.verifier());

    let note = SignedNote::sign(checkpoint().text(), &signer);
    let text = note.render();
    assert!(text.starts_with("tranche.example/purl\n160\n"), "{text}");
    assert!(text.contains("\n\n\u{2014} tranche.example/purl "), "{text}");
    let parsed = SignedNote::parse(&text).unwrap();
    assert_eq!(parsed, note);
    assert_eq!(parsed.verify(&verifier), Ok(()));
    assert_eq!(parsed.checkpoint().unwrap(), checkpoint());

    // Another size, another root, another key: refused.
    let forged = text.replacen("\n160\n", "\n161\n", 1);
    assert!(SignedNote::parse(&forged).unwrap().verify(&verifier).is_err());
    let other = Signer25519::generate("tranche.example/purl", KeyType::Note).unwrap();
    assert_eq!(parsed.verify(&other.verifier()), Err(NoteError::Unsigned("tranche.example/purl".into())));
}

#[test]
fn a_witness_cosignature_verifies_with_its_own_key_type() {
    let log = Signer25519::generate("log", KeyType::Note).unwrap();
    let witness = Signer25519::generate("witness.example", KeyType::Cosignature).unwrap();
    let mut note = SignedNote::sign(checkpoint().text(), &log);
    note.signatures.push(cosign(&note.text, &witness, 1_764_000_000));
    let parsed = SignedNote::parse(&note.render()).unwrap();
    assert_eq!(parsed.verify(&log.verifier()), Ok(()));
    assert_eq!(parsed.verify(&witness.verifier()), Ok(()));
    assert!(witness.verifier().to_text().starts_with("witness.example+"));
    // A cosignature over another checkpoint does not verify here.
    let mut moved = SignedNote::sign(Checkpoint { size: 161, ..checkpoint() }.text(), &log);
    moved.signatures.push(note.signatures[1].clone());
    assert!(moved.verify(&witness.verifier()).is_err());
}

#[test]
fn malformed_keys_and_checkpoints_are_named() {
    assert!(VerifierKey::parse("no-plus-signs").unwrap_err().to_string().contains("expected <name>+<hash>+<key>"));
    let signer = Signer25519::generate("log", KeyType::Note).unwrap();
    let text = signer.verifier().to_text();
    let wrong_hash = format!("log+00000000+{}", text.splitn(3, '+').nth(2).unwrap());
    assert!(VerifierKey::parse(&wrong_hash).unwrap_err().to_string().contains("does not match"));
    assert!(Checkpoint::parse_text("origin\n012\nAAAA\n").unwrap_err().to_string().contains("not a tree size"));
    assert!(Checkpoint::parse_text("origin\n12\nnot base64\n").unwrap_err().to_string().contains("not a base64"));
    assert!(Signer25519::generate("has space", KeyType::Note).is_err());
}
