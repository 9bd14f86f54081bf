//! Bearer tokens: `trn_<id>_<secret>`. The store keeps only an Argon2 hash of the secret; a
//! token verified once is remembered (by the SHA-256 of its secret) so that Argon2 runs once per
//! token and process, not once per request, and its revocation and expiry are read again from
//! the store at most once a second ([`RECHECK`]).
//!
//! Any other secret costs Argon2, so guessing is bounded: Argon2 runs on the blocking pool, at
//! most [`HASHING_AT_ONCE`] at a time, never on the async workers that answer every other
//! request; an unknown id is verified against a dummy hash, so it costs what a wrong secret
//! for a known id costs; after [`FAILURES_PER_ID`] failures for one id, or [`FAILURES_OVERALL`]
//! in all, within [`FAILURE_WINDOW`], further unproven secrets get 429 without Argon2. A caller
//! without the right secret learns only that the token is not valid: revoked and expired are
//! named only once the secret verified.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use sha2::{Digest, Sha256};
use tranche_core::auth::Role;
use tranche_store::{StoreError, StoredToken};

/// A new token: the text to hand out once, and what the store keeps.
pub struct NewToken {
    pub text: String,
    pub stored: StoredToken,
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Makes a token for `role`, valid until `expires_at` (RFC 3339) when given.
pub fn issue(role: Role, expires_at: Option<String>) -> Result<NewToken, String> {
    let mut id = [0u8; 8];
    let mut secret = [0u8; 24];
    getrandom::fill(&mut id).and_then(|()| getrandom::fill(&mut secret)).map_err(|e| format!("no randomness: {e}"))?;
    let (id, secret) = (hex(&id), hex(&secret));
    let hash = Argon2::default().hash_password(secret.as_bytes()).map_err(|e| format!("cannot hash: {e}"))?;
    Ok(NewToken {
        text: format!("trn_{id}_{secret}"),
        stored: StoredToken {
            token_id: id,
            secret_hash: hash.to_string(),
            role: role.to_string(),
            expires_at,
            revoked: false,
        },
    })
}

/// Why a bearer token is not accepted (each answered with 401, or 429 when throttled).
#[derive(Debug, PartialEq, Eq)]
pub enum Refusal {
    Malformed,
    /// No such token, or not its secret: the caller learns nothing more.
    Unknown,
    /// Named only to a caller who presented the right secret.
    Revoked,
    /// Named only to a caller who presented the right secret.
    Expired,
    /// Too many failed verifications lately (for this id, or in all): retry after this long.
    Throttled {
        retry_after: Duration,
    },
}

impl Refusal {
    pub fn message(&self) -> &'static str {
        match self {
            Refusal::Malformed => "the bearer token is not a tranche token (trn_<id>_<secret>)",
            Refusal::Unknown => "the bearer token is not valid",
            Refusal::Revoked => "the bearer token was revoked",
            Refusal::Expired => "the bearer token has expired",
            Refusal::Throttled { .. } => "too many failed token verifications; retry later",
        }
    }
}

/// How long a verified token's revocation and expiry are trusted before the store is read
/// again: a revocation takes effect within this time, and a busy server does not read the
/// store (a network round trip on PostgreSQL) on every request.
pub const RECHECK: Duration = Duration::from_secs(1);

/// Argon2 runs at once, at most: each takes about 19 MiB and tens of milliseconds of a core,
/// on the blocking pool, never on the async workers that answer every other request.
pub const HASHING_AT_ONCE: usize = 2;

/// Failed verifications allowed per token id within [`FAILURE_WINDOW`]; beyond, that id is
/// answered 429 without running Argon2 until the window ends.
pub const FAILURES_PER_ID: u32 = 5;

/// Failed verifications allowed in all within [`FAILURE_WINDOW`] (ids are free to make up, so
/// the per-id limit alone would not bound the work). Tokens already verified are not affected:
/// they never reach Argon2 again.
pub const FAILURES_OVERALL: u32 = 100;

pub const FAILURE_WINDOW: Duration = Duration::from_secs(60);

/// The longest id and secret looked at (issued ones are 16 and 48 characters).
const MAX_ID: usize = 32;
const MAX_SECRET: usize = 128;

/// An Argon2 hash (of a random secret, thrown away) with the parameters of [`issue`]: an unknown
/// id is verified against it, so that it costs what a wrong secret for a known id costs.
const DUMMY_HASH: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$qR4yi+NmUO3MOER+rAmS7w$SAjBjpUneUtEBlj/hTKSZ7/NWpWT4QSbNdJnJVRvW6I";

struct Known {
    /// SHA-256 of the secret that verified.
    digest: [u8; 32],
    role: Role,
    expires_at: Option<String>,
    revoked: bool,
    checked: Instant,
}

/// Failed verifications in the current fixed window, in all and per token id (an attempt counts
/// from before Argon2 runs, so concurrent attempts cannot overshoot). At most
/// [`FAILURES_OVERALL`] ids are held: one is added only when an attempt is admitted.
#[derive(Default)]
struct Failures {
    since: Option<Instant>,
    overall: u32,
    per_id: HashMap<String, u32>,
}

impl Failures {
    /// Counts an attempt for `id` as failed until [`Failures::refund`] says it verified; or,
    /// when the limits are reached, how long until `id` may be tried again.
    fn admit(&mut self, id: &str, now: Instant) -> Result<(), Duration> {
        let since = *self.since.get_or_insert(now);
        let elapsed = now.duration_since(since);
        if elapsed >= FAILURE_WINDOW {
            *self = Failures { since: Some(now), ..Failures::default() };
        } else if self.overall >= FAILURES_OVERALL || self.per_id.get(id).is_some_and(|n| *n >= FAILURES_PER_ID) {
            return Err(FAILURE_WINDOW - elapsed);
        }
        self.overall += 1;
        *self.per_id.entry(id.to_string()).or_default() += 1;
        Ok(())
    }

    /// The attempt admitted for `id` verified after all.
    fn refund(&mut self, id: &str) {
        self.overall = self.overall.saturating_sub(1);
        if let Some(count) = self.per_id.get_mut(id) {
            *count = count.saturating_sub(1);
        }
    }
}

/// Verified tokens, failed attempts, and the gate around Argon2.
pub struct Verified {
    known: Mutex<HashMap<String, Known>>,
    failures: Mutex<Failures>,
    hashing: Arc<tokio::sync::Semaphore>,
    /// How many times Argon2 has run in this process.
    argon2_runs: AtomicU64,
}

impl Default for Verified {
    fn default() -> Verified {
        Verified {
            known: Mutex::default(),
            failures: Mutex::default(),
            hashing: Arc::new(tokio::sync::Semaphore::new(HASHING_AT_ONCE)),
            argon2_runs: AtomicU64::new(0),
        }
    }
}

/// The id and the secret of `trn_<id>_<secret>`.
fn parts(text: &str) -> Result<(&str, &str), Refusal> {
    let rest = text.strip_prefix("trn_").ok_or(Refusal::Malformed)?;
    let (id, secret) = rest.split_once('_').ok_or(Refusal::Malformed)?;
    match id.is_empty() || id.len() > MAX_ID || secret.is_empty() || secret.len() > MAX_SECRET {
        true => Err(Refusal::Malformed),
        false => Ok((id, secret)),
    }
}

fn expired(expires_at: &Option<String>, now: &str) -> bool {
    expires_at.as_deref().is_some_and(|at| at <= now)
}

impl Verified {
    /// The role of a token (`now` in RFC 3339). A secret seen to verify before is recognised by
    /// its SHA-256, and its revocation and expiry are read from the store (`lookup`) when last
    /// read more than [`RECHECK`] ago; any other secret goes through [`Verified::verify`].
    pub async fn role(
        &self,
        text: &str,
        now: &str,
        lookup: impl Fn(&str) -> Result<Option<StoredToken>, StoreError>,
    ) -> Result<Role, Refusal> {
        let (id, secret) = parts(text)?;
        let digest: [u8; 32] = Sha256::digest(secret.as_bytes()).into();
        if let Some(answer) = self.remembered(id, &digest, now, &lookup) {
            return answer;
        }
        self.verify(id, secret, digest, now, &lookup).await
    }

    /// How many times Argon2 has run in this process.
    pub fn argon2_runs(&self) -> u64 {
        self.argon2_runs.load(Ordering::Relaxed)
    }

    /// The answer for a secret that verified before (`None` for any other).
    fn remembered(
        &self,
        id: &str,
        digest: &[u8; 32],
        now: &str,
        lookup: &impl Fn(&str) -> Result<Option<StoredToken>, StoreError>,
    ) -> Option<Result<Role, Refusal>> {
        let stale = {
            let known = self.known.lock().expect("not poisoned");
            let entry = known.get(id).filter(|k| k.digest == *digest)?;
            entry.checked.elapsed() >= RECHECK && !entry.revoked
        };
        // The store is read without the cache's lock held.
        let stored = if stale { Some(lookup(id)) } else { None };
        let mut known = self.known.lock().expect("not poisoned");
        let entry = known.get_mut(id).filter(|k| k.digest == *digest)?;
        match stored {
            Some(Ok(Some(stored))) => {
                entry.revoked = stored.revoked;
                entry.expires_at = stored.expires_at;
                entry.checked = Instant::now();
            }
            Some(Ok(None)) => {
                known.remove(id);
                return Some(Err(Refusal::Unknown));
            }
            Some(Err(_)) => return Some(Err(Refusal::Unknown)),
            None => {}
        }
        Some(match entry {
            Known { revoked: true, .. } => Err(Refusal::Revoked),
            Known { expires_at, .. } if expired(expires_at, now) => Err(Refusal::Expired),
            Known { role, .. } => Ok(*role),
        })
    }

    /// Runs Argon2 on a secret not seen to verify before, holding one of [`HASHING_AT_ONCE`]
    /// permits: against the stored hash, or the dummy for an unknown id. Each run counts as a
    /// failure towards the limits unless the secret verifies.
    async fn verify(
        &self,
        id: &str,
        secret: &str,
        digest: [u8; 32],
        now: &str,
        lookup: &impl Fn(&str) -> Result<Option<StoredToken>, StoreError>,
    ) -> Result<Role, Refusal> {
        let Ok(permit) = self.hashing.clone().acquire_owned().await else { return Err(Refusal::Unknown) };
        // Another request may have verified this very secret while this one waited.
        if let Some(answer) = self.remembered(id, &digest, now, lookup) {
            return answer;
        }
        let admitted = self.failures.lock().expect("not poisoned").admit(id, Instant::now());
        admitted.map_err(|retry_after| Refusal::Throttled { retry_after })?;
        let stored = lookup(id).ok().flatten();
        let hash = stored.as_ref().map_or(DUMMY_HASH, |s| s.secret_hash.as_str()).to_string();
        let secret = secret.to_string();
        self.argon2_runs.fetch_add(1, Ordering::Relaxed);
        // The permit goes with the run: a request abandoned meanwhile does not free it early.
        let matches = tokio::task::spawn_blocking(move || {
            let _permit = permit;
            PasswordHash::new(&hash)
                .is_ok_and(|hash| Argon2::default().verify_password(secret.as_bytes(), &hash).is_ok())
        })
        .await
        .unwrap_or(false);
        match stored {
            Some(stored) if matches => {
                self.failures.lock().expect("not poisoned").refund(id);
                self.remember(id, digest, stored, now)
            }
            _ => Err(Refusal::Unknown),
        }
    }

    /// Keeps a secret that verified; names a revocation or expiry now that the caller proved it
    /// holds the token.
    fn remember(&self, id: &str, digest: [u8; 32], stored: StoredToken, now: &str) -> Result<Role, Refusal> {
        let role = Role::parse(&stored.role).map_err(|_| Refusal::Unknown)?;
        let answer = if stored.revoked {
            Err(Refusal::Revoked)
        } else if expired(&stored.expires_at, now) {
            Err(Refusal::Expired)
        } else {
            Ok(role)
        };
        let entry =
            Known { digest, role, expires_at: stored.expires_at, revoked: stored.revoked, checked: Instant::now() };
        self.known.lock().expect("not poisoned").insert(id.to_string(), entry);
        answer
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: &str = "2026-06-01T00:00:00Z";

    /// Issued tokens by name, and a lookup over them.
    struct Fixture {
        texts: HashMap<&'static str, String>,
        stored: HashMap<String, StoredToken>,
    }

    impl Fixture {
        fn new() -> Fixture {
            let mut fixture = Fixture { texts: HashMap::new(), stored: HashMap::new() };
            for (name, expires_at, revoked) in
                [("valid", None, false), ("revoked", None, true), ("expired", Some("2026-01-01T00:00:00Z"), false)]
            {
                let mut token = issue(Role::Coordinator, expires_at.map(str::to_string)).unwrap();
                token.stored.revoked = revoked;
                fixture.stored.insert(token.stored.token_id.clone(), token.stored);
                fixture.texts.insert(name, token.text);
            }
            fixture
        }

        fn lookup(&self) -> impl Fn(&str) -> Result<Option<StoredToken>, StoreError> + '_ {
            |id| Ok(self.stored.get(id).cloned())
        }

        /// The token named, with its secret replaced.
        fn wrong(&self, name: &str) -> String {
            let (head, _) = self.texts[name].rsplit_once('_').unwrap();
            format!("{head}_{}", "0".repeat(48))
        }
    }

    #[test]
    fn the_dummy_hash_costs_what_an_issued_one_costs() {
        let issued = issue(Role::Auditor, None).unwrap().stored.secret_hash;
        let params = |phc: &str| phc.rsplitn(3, '$').nth(2).unwrap().to_string();
        assert_eq!(params(DUMMY_HASH), params(&issued));
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn only_the_right_secret_learns_more_than_not_valid() {
        let fixture = Fixture::new();
        let verified = Verified::default();
        let check = async |text: &str, expected: Result<Role, Refusal>| {
            assert_eq!(verified.role(text, NOW, fixture.lookup()).await, expected, "{text}");
        };
        check(&fixture.texts["valid"], Ok(Role::Coordinator)).await;
        check(&fixture.texts["revoked"], Err(Refusal::Revoked)).await;
        check(&fixture.texts["expired"], Err(Refusal::Expired)).await;
        for name in ["valid", "revoked", "expired"] {
            check(&fixture.wrong(name), Err(Refusal::Unknown)).await;
        }
        check(&format!("trn_0123456789abcdef_{}", "1".repeat(48)), Err(Refusal::Unknown)).await;
        check("trn_nosecret", Err(Refusal::Malformed)).await;
        check(&format!("trn_a_{}", "1".repeat(MAX_SECRET + 1)), Err(Refusal::Malformed)).await;
        // Remembered secrets do not run Argon2 again, and neither does a remembered revocation.
        let runs = verified.argon2_runs();
        check(&fixture.texts["valid"], Ok(Role::Coordinator)).await;
        check(&fixture.texts["revoked"], Err(Refusal::Revoked)).await;
        assert_eq!(verified.argon2_runs(), runs);
    }

    /// Runs `attempts` at once; returns how many were throttled.
    async fn flood(verified: &Verified, fixture: &Fixture, attempts: Vec<String>) -> usize {
        let answers =
            futures_util::future::join_all(attempts.iter().map(|text| verified.role(text, NOW, fixture.lookup())))
                .await;
        answers.iter().filter(|a| matches!(a, Err(Refusal::Throttled { .. }))).count()
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_flood_of_wrong_secrets_runs_argon2_a_bounded_number_of_times() {
        let fixture = Fixture::new();
        let verified = Verified::default();
        assert_eq!(verified.role(&fixture.texts["valid"], NOW, fixture.lookup()).await, Ok(Role::Coordinator));
        // One id: the limit per id, plus at most the permits' worth already past the check.
        let throttled = flood(&verified, &fixture, vec![fixture.wrong("valid"); 40]).await;
        let runs = verified.argon2_runs() - 1;
        assert!(runs <= u64::from(FAILURES_PER_ID), "{runs} Argon2 runs for one id");
        assert_eq!(throttled as u64, 40 - runs);
        // Made-up ids: the overall limit.
        let made_up = (0..300).map(|n| format!("trn_{n:016x}_{}", "2".repeat(48))).collect();
        let throttled = flood(&verified, &fixture, made_up).await;
        let runs = verified.argon2_runs() - 1;
        assert!(runs <= u64::from(FAILURES_OVERALL), "{runs} Argon2 runs in all");
        assert!(throttled >= 300 - FAILURES_OVERALL as usize, "{throttled} throttled");
        let answer = verified.role(&fixture.wrong("valid"), NOW, fixture.lookup()).await;
        assert!(matches!(answer, Err(Refusal::Throttled { retry_after }) if retry_after <= FAILURE_WINDOW));
        // A token verified before goes on working, without Argon2.
        assert_eq!(verified.role(&fixture.texts["valid"], NOW, fixture.lookup()).await, Ok(Role::Coordinator));
        assert_eq!(verified.argon2_runs() - 1, runs);
    }
}
