//! The verifiable log over a store: its tree from the stored leaf hashes, signing checkpoints,
//! and the full offline verification behind `tranche verify` (docs/LOG.md).

use tranche_log::note::{Checkpoint, SignedNote, Signer25519, VerifierKey};
use tranche_log::{Frontier, Hash, Tree, leaf_hash};

use crate::{Store, StoreError, leaf_of};

/// Leaf hashes read per query.
const PAGE: usize = 100_000;

/// The tree of every stored leaf hash.
pub fn tree_of(store: &impl Store) -> Result<Tree, StoreError> {
    let mut tree = Tree::new();
    extend(store, &mut tree)?;
    Ok(tree)
}

/// Adds the leaves stored after the tree's size.
pub fn extend(store: &impl Store, tree: &mut Tree) -> Result<(), StoreError> {
    loop {
        let page = store.leaf_hashes(tree.size(), PAGE)?;
        if page.is_empty() {
            return Ok(());
        }
        for (seq, hash) in page {
            if seq != tree.size() + 1 {
                return Err(StoreError::Corrupt(format!("leaf {} is missing (the next is {seq})", tree.size() + 1)));
            }
            tree.push(hash);
        }
    }
}

/// Adds the leaves stored after the frontier's size.
pub fn extend_frontier<S: Store + ?Sized>(store: &S, frontier: &mut Frontier) -> Result<(), StoreError> {
    loop {
        let page = store.leaf_hashes(frontier.size(), PAGE)?;
        if page.is_empty() {
            return Ok(());
        }
        for (seq, hash) in page {
            if seq != frontier.size() + 1 {
                return Err(StoreError::Corrupt(format!(
                    "leaf {} is missing (the next is {seq})",
                    frontier.size() + 1
                )));
            }
            frontier.push(hash);
        }
    }
}

/// The log's frontier at the head: the latest snapshot's whose checks hold, extended by the
/// leaves stored after it (O(log n) hashes and the leaves since the snapshot; no tree rebuilt).
pub fn frontier_of<S: Store + ?Sized>(store: &S) -> Result<Frontier, StoreError> {
    let head = store.head()?;
    let mut frontier = Frontier::default();
    let mut newest = 0;
    while let Some(row) = store.snapshot_nth(newest)? {
        match crate::snapshot::frontier_of(&row) {
            Ok(kept) if row.seq <= head => {
                frontier = kept;
                break;
            }
            _ => newest += 1,
        }
    }
    extend_frontier(store, &mut frontier)?;
    Ok(frontier)
}

/// Signs and keeps a checkpoint of the log at the frontier's size when the latest kept one is of
/// another size: what a command-line write signs (no tree rebuilt).
pub fn sign_frontier(
    store: &mut impl Store,
    frontier: &Frontier,
    signer: &Signer25519,
) -> Result<Option<SignedNote>, StoreError> {
    let latest = store.checkpoints()?.last().map(|(size, _)| *size);
    if latest == Some(frontier.size()) {
        return Ok(None);
    }
    let checkpoint = Checkpoint { origin: signer.name.clone(), size: frontier.size(), root: frontier.root() };
    let note = SignedNote::sign(checkpoint.text(), signer);
    store.put_checkpoint(frontier.size(), &note.render())?;
    Ok(Some(note))
}

/// The latest kept checkpoint note with its cosignature lines appended.
pub fn latest_note(store: &impl Store) -> Result<Option<(u64, String)>, StoreError> {
    let Some((size, note)) = store.checkpoints()?.pop() else { return Ok(None) };
    let mut text = note;
    for (_, line) in store.cosignatures(size)? {
        text.push_str(&line);
        text.push('\n');
    }
    Ok(Some((size, text)))
}

/// Signs and keeps a checkpoint of the tree when the latest kept one is of another size.
pub fn sign_checkpoint(
    store: &mut impl Store,
    tree: &Tree,
    signer: &Signer25519,
) -> Result<Option<SignedNote>, StoreError> {
    let latest = store.checkpoints()?.last().map(|(size, _)| *size);
    if latest == Some(tree.size()) {
        return Ok(None);
    }
    let checkpoint = Checkpoint { origin: signer.name.clone(), size: tree.size(), root: tree.root() };
    let note = SignedNote::sign(checkpoint.text(), signer);
    store.put_checkpoint(tree.size(), &note.render())?;
    Ok(Some(note))
}

/// What `verify` found: the log's size and root, and how many checkpoints were checked.
#[derive(Debug)]
pub struct Verified {
    pub size: u64,
    pub root: Hash,
    pub checkpoints: usize,
}

/// Recomputes every leaf from its event, checks it against the stored leaf hash, rebuilds the
/// tree, and checks every kept checkpoint's signature (by `key`) and root. Errors name the first
/// entry or checkpoint where the log fails.
pub fn verify_store(store: &impl Store, key: Option<&VerifierKey>) -> Result<(Verified, Tree), String> {
    let secret = store.log_secret();
    let mut tree = Tree::new();
    let mut after = 0u64;
    loop {
        let events = store.events_after(after, crate::MAX_PAGE).map_err(|e| e.to_string())?;
        if events.is_empty() {
            break;
        }
        let stored = store.leaf_hashes(after, events.len()).map_err(|e| e.to_string())?;
        for (i, event) in events.iter().enumerate() {
            let expected = after + 1;
            if event.seq != expected {
                return Err(format!("entry {expected}: missing (the log jumps to entry {})", event.seq));
            }
            let leaf = leaf_hash(&leaf_of(event, &secret).map_err(|e| format!("entry {expected}: {e}"))?);
            match stored.get(i) {
                Some((seq, hash)) if *seq == expected && *hash == leaf => {}
                Some((seq, _)) if *seq == expected => {
                    return Err(format!("entry {expected}: the event does not match its recorded leaf hash"));
                }
                _ => return Err(format!("entry {expected}: no recorded leaf hash")),
            }
            tree.push(leaf);
            after = expected;
        }
    }
    let checkpoints = store.checkpoints().map_err(|e| e.to_string())?;
    let mut previous = 0;
    for (size, text) in &checkpoints {
        match check_checkpoint(&tree, text, key) {
            Ok(_) => {}
            Err(CheckpointError::Note(e)) => return Err(format!("checkpoint of size {size}: {e}")),
            Err(CheckpointError::RootDiffers) => {
                return Err(format!(
                    "checkpoint of size {size}: the log's root differs; the log was changed between entries {} and {size}",
                    previous + 1
                ));
            }
            Err(CheckpointError::Beyond { held }) => {
                return Err(format!(
                    "checkpoint of size {size}: the log holds only {held} entries (entries were removed)"
                ));
            }
        }
        previous = *size;
    }
    Ok((Verified { size: tree.size(), root: tree.root(), checkpoints: checkpoints.len() }, tree))
}

/// Why a kept checkpoint does not hold for a tree.
#[derive(Debug, thiserror::Error)]
pub enum CheckpointError {
    #[error("{0}")]
    Note(#[from] tranche_log::NoteError),
    #[error("the log's root differs")]
    RootDiffers,
    #[error("the log holds only {held} entries")]
    Beyond { held: u64 },
}

/// Checks one checkpoint note against the tree: it parses as a signed note (signed by `key`
/// when one is given), and the tree's root at the checkpoint's size is the checkpoint's root.
/// The one check behind both `verify` and a restore (which may not know the key yet).
pub fn check_checkpoint(tree: &Tree, text: &str, key: Option<&VerifierKey>) -> Result<Checkpoint, CheckpointError> {
    let note = SignedNote::parse(text)?;
    if let Some(key) = key {
        note.verify(key)?;
    }
    let checkpoint = note.checkpoint()?;
    match tree.root_at(checkpoint.size) {
        Some(root) if root == checkpoint.root => Ok(checkpoint),
        Some(_) => Err(CheckpointError::RootDiffers),
        None => Err(CheckpointError::Beyond { held: tree.size() }),
    }
}

/// The public stand-in for a restricted value when a leaf is replayed without it.
fn placeholder(path: &[&str]) -> serde_json::Value {
    match path.last() {
        Some(&"restricted") => serde_json::json!({"quantity": null, "description": "(restricted)"}),
        Some(&"name") => serde_json::Value::from("(restricted)"),
        _ => serde_json::Value::Null,
    }
}

/// Decodes a leaf's committed entry into its sequence number and event, with stand-ins for the
/// restricted values (money is never restricted, so the books replay exactly).
pub fn event_of_leaf(bytes: &[u8]) -> Result<(u64, tranche_core::Event), String> {
    let mut entry: serde_json::Value = serde_json::from_slice(bytes).map_err(|e| format!("not JSON: {e}"))?;
    let seq = entry.get("seq").and_then(serde_json::Value::as_u64).ok_or("no seq")?;
    let kind = entry.get("kind").and_then(serde_json::Value::as_str).ok_or("no kind")?.to_string();
    let mut event = entry.get_mut("event").map(serde_json::Value::take).ok_or("no event")?;
    let Ok(()) =
        tranche_log::leaf::for_each_restricted::<std::convert::Infallible>(&kind, &mut event, |path, map, key| {
            if map[key].get("commitment").is_some() {
                map.insert(key.to_string(), placeholder(path));
            }
            Ok(())
        });
    let event = serde_json::from_value(event).map_err(|e| format!("entry {seq}: the event does not decode: {e}"))?;
    Ok((seq, event))
}
