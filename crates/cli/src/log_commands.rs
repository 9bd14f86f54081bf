//! The verifiable log from the command line: `key generate`, `verify` (offline against a store,
//! or online against a server with a trusted key) and `witness` (follow a log, check each
//! checkpoint is consistent with the last one seen, cosign it; refuse a fork).

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, Result, anyhow, bail, ensure};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use clap::Subcommand;
use tranche_log::note::{Checkpoint, KeyType, SignedNote, Signer25519, VerifierKey, cosign};
use tranche_log::{Tree, leaf_hash, verify_consistency};

use crate::store_commands::{Location, LocationExt};

#[derive(Subcommand)]
pub enum KeyCommand {
    /// Make an Ed25519 key: the private key goes to a file readable by its owner only (0600),
    /// the public key (note verifier format) is printed.
    Generate {
        /// The key's name: the log's origin line (for example `tranche.example.org/purl`), or
        /// the witness's name.
        #[arg(long)]
        name: String,
        /// A witness's cosigning key (cosignature/v1) instead of the log's signing key.
        #[arg(long)]
        witness: bool,
        /// Where to write the private key (default: beside the store, `<store>.key`).
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Print the public key of a private key file.
    Public { file: PathBuf },
}

#[derive(Subcommand)]
pub enum ProofCommand {
    /// RFC 6962 PATH(index, D[size]): the leaf at INDEX (0-based; event INDEX + 1) is in the
    /// tree of SIZE leaves.
    Inclusion { index: u64, size: u64 },
    /// RFC 6962 PROOF(from, D[to]): the tree of FROM leaves is a prefix of the tree of TO.
    Consistency { from: u64, to: u64 },
    /// The latest signed checkpoint with its cosignatures, as served.
    Checkpoint,
}

pub fn run_proof(location: &Location, command: ProofCommand) -> Result<()> {
    let store = location.open_for_checking()?;
    let tree = tranche_store::log::tree_of(&store)?;
    let hashes = match command {
        ProofCommand::Inclusion { index, size } => tree
            .inclusion_proof(index, size)
            .ok_or_else(|| anyhow!("index must be below size, and size at most the tree size {}", tree.size()))?,
        ProofCommand::Consistency { from, to } => tree
            .consistency_proof(from, to)
            .ok_or_else(|| anyhow!("from must be at most to, and to at most the tree size {}", tree.size()))?,
        ProofCommand::Checkpoint => {
            let (_, note) =
                tranche_store::log::latest_note(&store)?.ok_or_else(|| anyhow!("no checkpoint is signed yet"))?;
            print!("{note}");
            return Ok(());
        }
    };
    let hashes: Vec<String> = hashes.iter().map(|h| STANDARD.encode(h)).collect();
    out!("{}", serde_json::json!({ "hashes_b64": hashes }));
    Ok(())
}

/// The log's signing key file beside a store.
pub fn key_path(database: &Path) -> PathBuf {
    let mut name = database.as_os_str().to_owned();
    name.push(".key");
    PathBuf::from(name)
}

pub fn write_key(path: &Path, signer: &Signer25519) -> Result<()> {
    use std::io::Write;
    #[cfg(unix)]
    use std::os::unix::fs::OpenOptionsExt;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    options.mode(0o600);
    let mut file = options
        .open(path)
        .with_context(|| format!("cannot create {} (an existing key is never overwritten)", path.display()))?;
    file.write_all(format!("{}\n", signer.to_text()).as_bytes())?;
    file.sync_all()?;
    Ok(())
}

pub fn read_key(path: &Path) -> Result<Signer25519> {
    let text = std::fs::read_to_string(path).with_context(|| format!("cannot read the key {}", path.display()))?;
    Signer25519::parse(&text).map_err(|e| anyhow!("{}: {e}", path.display()))
}

pub fn run_key(location: &Location, command: KeyCommand) -> Result<()> {
    match command {
        KeyCommand::Generate { name, witness, out } => {
            let kind = if witness { KeyType::Cosignature } else { KeyType::Note };
            let signer = Signer25519::generate(&name, kind).map_err(|e| anyhow!("{e}"))?;
            let path = out.or_else(|| location.key_beside()).ok_or_else(|| {
                anyhow!("a PostgreSQL store has no file to keep a key beside; give --out FILE (and serve --signing-key FILE)")
            })?;
            write_key(&path, &signer)?;
            eprintln!("private key written to {} (keep it; mode 0600); public key:", path.display());
            out!("{}", signer.verifier().to_text());
            Ok(())
        }
        KeyCommand::Public { file } => {
            out!("{}", read_key(&file)?.verifier().to_text());
            Ok(())
        }
    }
}

/// Signs a checkpoint of the store's log (from its frontier) with the key beside it, if there is one (SQLite
/// files; on PostgreSQL the servers sign).
pub fn sign_if_keyed(location: &Location) -> Result<Option<u64>> {
    let Some(path) = location.key_beside().filter(|path| path.exists()) else { return Ok(None) };
    let signer = read_key(&path)?;
    let mut store = location.open()?;
    // The latest snapshot's frontier and the leaves after it: O(log n) hashes, no tree rebuilt.
    let frontier = tranche_store::log::frontier_of(&store)?;
    Ok(tranche_store::log::sign_frontier(&mut store, &frontier, &signer)?.map(|_| frontier.size()))
}

/// The trusted key of `--key`: a public key (`<name>+<hash>+<key>`, as `tranche key public`
/// prints), or a file holding one, or a private key file (`PRIVATE+KEY+...`, as `tranche demo`
/// and `tranche key generate` write), whose public half is trusted. A key's text is never
/// repeated in an error (it may be a private key).
fn parse_verifier(text: &str) -> Result<VerifierKey> {
    let path = Path::new(text);
    if !path.is_file() {
        return VerifierKey::parse(text).map_err(|e| {
            anyhow!(
                "--key: not a file, and not a public key (<name>+<hash>+<key>, as `tranche key public` prints): {e}"
            )
        });
    }
    let content = std::fs::read_to_string(path).with_context(|| format!("cannot read {text}"))?;
    if content.trim_start().starts_with("PRIVATE+KEY+") {
        let signer = Signer25519::parse(&content).map_err(|e| anyhow!("{text}: not a valid private key file: {e}"))?;
        return Ok(signer.verifier());
    }
    VerifierKey::parse(&content).map_err(|e| {
        anyhow!(
            "{text} is neither a public key (<name>+<hash>+<key>, as `tranche key public` prints) nor a private \
             key file (PRIVATE+KEY+..., as `tranche demo` and `tranche key generate` write): {e}"
        )
    })
}

fn read_note(path: &Path, key: &VerifierKey) -> Result<(SignedNote, Checkpoint)> {
    let text = std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let note = SignedNote::parse(&text).map_err(|e| anyhow!("{}: {e}", path.display()))?;
    note.verify(key).map_err(|e| anyhow!("{}: {e}", path.display()))?;
    let checkpoint = note.checkpoint().map_err(|e| anyhow!("{}: {e}", path.display()))?;
    Ok((note, checkpoint))
}

/// `tranche verify` against a store file.
pub fn verify_offline(location: &Location, key: Option<&str>, saved: Option<&Path>) -> Result<()> {
    let beside = location.key_beside().filter(|path| path.exists());
    let key = match (key, beside) {
        (Some(text), _) => Some(parse_verifier(text)?),
        (None, Some(beside)) => {
            let key = read_key(&beside)?.verifier();
            eprintln!("trusting the key beside the store ({}); pass --key to trust another", key.to_text());
            Some(key)
        }
        (None, None) => None,
    };
    // Two independent checks, each on its own read-only connection, on two threads: the tree
    // (every leaf recomputed, every checkpoint) and the replay (books, invariants, projections).
    let (tree_check, replay_check) = std::thread::scope(|scope| {
        let replay = scope.spawn(|| -> Result<Option<String>> {
            let store = location.open_for_checking()?;
            tranche_store::replay_and_compare(&store).map_err(|e| anyhow!("verify failed: the replay: {e}"))
        });
        let tree = (|| -> Result<_> {
            let store = location.open_for_checking()?;
            tranche_store::log::verify_store(&store, key.as_ref()).map_err(|e| anyhow!("verify failed: {e}"))
        })();
        (tree, replay.join().unwrap_or_else(|_| Err(anyhow!("the replay thread panicked"))))
    });
    let (verified, tree) = tree_check?;
    if let Some(path) = saved {
        let key = key.as_ref().ok_or_else(|| anyhow!("--checkpoint needs a trusted --key"))?;
        let (_, checkpoint) = read_note(path, key)?;
        check_saved(&tree, &checkpoint)?;
    }
    if let Some(difference) = replay_check? {
        bail!("verify failed: what is stored differs from the replay: {difference}");
    }
    let snapshots = tranche_store::Store::snapshots(&location.open_for_checking()?)?.len();
    out!(
        "ok: {} entries, root {}, {} signed checkpoint(s) checked{}; the replay balances, and the projections and {} kept snapshot(s) equal it",
        verified.size,
        STANDARD.encode(verified.root),
        verified.checkpoints,
        if key.is_none() { " (no trusted key: signatures not checked)" } else { "" },
        snapshots
    );
    Ok(())
}

fn check_saved(tree: &Tree, saved: &Checkpoint) -> Result<()> {
    match tree.root_at(saved.size) {
        Some(root) if root == saved.root => Ok(()),
        Some(_) => bail!(
            "verify failed: the log is not consistent with the saved checkpoint of size {} (a fork or a rewritten history)",
            saved.size
        ),
        None => bail!(
            "verify failed: the log holds {} entries, fewer than the saved checkpoint's {} (entries were removed)",
            tree.size(),
            saved.size
        ),
    }
}

pub fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(30)))
        .build()
        .into()
}

fn get_text(agent: &ureq::Agent, url: &str) -> Result<String> {
    let mut response = agent.get(url).call().with_context(|| format!("cannot reach {url}"))?;
    let status = response.status();
    let body = response.body_mut().with_config().limit(64 * 1024 * 1024).read_to_string()?;
    ensure!(status.is_success(), "{url} answered {status}: {body}");
    Ok(body)
}

fn hashes(agent: &ureq::Agent, url: &str) -> Result<Vec<tranche_log::Hash>> {
    let body: serde_json::Value = serde_json::from_str(&get_text(agent, url)?)?;
    body["hashes_b64"]
        .as_array()
        .ok_or_else(|| anyhow!("{url}: no hashes_b64"))?
        .iter()
        .map(|h| {
            let bytes = STANDARD.decode(h.as_str().unwrap_or_default())?;
            bytes.try_into().map_err(|_| anyhow!("{url}: a hash is not 32 bytes"))
        })
        .collect()
}

fn latest(agent: &ureq::Agent, base: &str, key: &VerifierKey) -> Result<(SignedNote, Checkpoint)> {
    let text = get_text(agent, &format!("{base}/api/v1/log/checkpoint"))?;
    let note = SignedNote::parse(&text).map_err(|e| anyhow!("the server's checkpoint: {e}"))?;
    note.verify(key).map_err(|e| anyhow!("the server's checkpoint: {e}"))?;
    let checkpoint = note.checkpoint().map_err(|e| anyhow!("the server's checkpoint: {e}"))?;
    Ok((note, checkpoint))
}

/// Fetches a consistency proof and checks it; an error names the fork.
fn consistent(agent: &ureq::Agent, base: &str, old: &Checkpoint, new: &Checkpoint) -> Result<()> {
    let fork = || {
        anyhow!(
            "fork: the checkpoint of size {} is not consistent with the one of size {} seen before",
            new.size,
            old.size
        )
    };
    if new.size < old.size || (new.size == old.size && new.root != old.root) {
        return Err(fork());
    }
    let proof = hashes(agent, &format!("{base}/api/v1/log/proof/consistency?from={}&to={}", old.size, new.size))?;
    ensure!(verify_consistency(old.size, new.size, &old.root, &new.root, &proof), fork());
    Ok(())
}

/// `tranche verify --url`: the whole log from a server, against a trusted key.
pub fn verify_online(base: &str, key: &str, saved: Option<&Path>, save: Option<&Path>) -> Result<()> {
    let key = parse_verifier(key)?;
    let agent = agent();
    let base = base.trim_end_matches('/');
    let (note, checkpoint) = latest(&agent, base, &key)?;
    let mut tree = Tree::new();
    let mut state = tranche_core::State::new();
    while tree.size() < checkpoint.size {
        let end = (tree.size() + 1000).min(checkpoint.size);
        let body: serde_json::Value = serde_json::from_str(&get_text(
            &agent,
            &format!("{base}/api/v1/log/entries?start={}&end={end}", tree.size()),
        )?)?;
        let entries = body["entries"].as_array().ok_or_else(|| anyhow!("entries: not a list"))?;
        ensure!(!entries.is_empty(), "the server returned no entries from {}", tree.size());
        for entry in entries {
            let index = entry["index"].as_u64().ok_or_else(|| anyhow!("an entry without an index"))?;
            ensure!(index == tree.size(), "entry {index}: out of order (expected {})", tree.size());
            let bytes = STANDARD.decode(entry["leaf_b64"].as_str().unwrap_or_default())?;
            let (seq, event) = tranche_store::log::event_of_leaf(&bytes).map_err(|e| anyhow!("entry {index}: {e}"))?;
            ensure!(seq == index + 1, "entry {index}: it says it is event {seq}");
            state.apply(&event).map_err(|e| anyhow!("entry {index}: the replay refuses it: {e}"))?;
            tree.push(leaf_hash(&bytes));
        }
    }
    ensure!(tree.root() == checkpoint.root, "verify failed: the entries do not hash to the checkpoint's root");
    state.check_invariants().map_err(|e| anyhow!("verify failed: the replay breaks an invariant: {e}"))?;
    if let Some(path) = saved {
        let (_, old) = read_note(path, &key)?;
        consistent(&agent, base, &old, &checkpoint)?;
        check_saved(&tree, &old)?;
    }
    if let Some(path) = save {
        std::fs::write(path, note.render()).with_context(|| format!("cannot write {}", path.display()))?;
    }
    out!(
        "ok: {} entries from {base}, root {} signed by {}; the replay balances",
        checkpoint.size,
        STANDARD.encode(checkpoint.root),
        key.name
    );
    Ok(())
}

/// `tranche witness`: one round, or every `interval` until stopped.
pub fn witness(base: &str, log_key: &str, key_file: &Path, state_file: &Path, interval: Option<u64>) -> Result<()> {
    let log_key = parse_verifier(log_key)?;
    let witness = read_key(key_file)?;
    ensure!(
        witness.kind == KeyType::Cosignature,
        "{} is not a witness key (make one with --witness)",
        key_file.display()
    );
    let agent = agent();
    let base = base.trim_end_matches('/');
    loop {
        let (note, checkpoint) = latest(&agent, base, &log_key)?;
        if state_file.exists() {
            let (_, seen) = read_note(state_file, &log_key)?;
            if let Err(fork) = consistent(&agent, base, &seen, &checkpoint) {
                eprintln!("REFUSED: {fork}");
                return Err(fork);
            }
        }
        let time = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH)?.as_secs();
        let (name, signature) = cosign(&note.text, &witness, time);
        let body = serde_json::json!({"size": checkpoint.size, "cosignature": format!("\u{2014} {name} {signature}")});
        let mut response = agent
            .post(&format!("{base}/api/v1/log/cosignatures"))
            .content_type("application/json")
            .send(body.to_string())?;
        let status = response.status();
        let answer = response.body_mut().read_to_string().unwrap_or_default();
        ensure!(status.is_success(), "the server refused the cosignature ({status}): {answer}");
        let own = SignedNote { text: note.text.clone(), signatures: note.signatures.clone() };
        std::fs::write(state_file, own.render()).with_context(|| format!("cannot write {}", state_file.display()))?;
        out!("cosigned {} at size {}, root {}", checkpoint.origin, checkpoint.size, STANDARD.encode(checkpoint.root));
        match interval {
            None => return Ok(()),
            Some(seconds) => std::thread::sleep(Duration::from_secs(seconds.max(1))),
        }
    }
}
