//! Bearer tokens: `trn_<id>_<secret>`. The store keeps only an Argon2 hash of the secret; a
//! token verified once is remembered (by the SHA-256 of its secret) so that Argon2 runs once per
//! token and process, not once per request, and its revocation and expiry are read again from
//! the store at most once a second ([`RECHECK`]).

use std::collections::HashMap;
use std::sync::Mutex;
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

/// Why a bearer token is not accepted (each answered with 401).
#[derive(Debug, PartialEq, Eq)]
pub enum Refusal {
    Malformed,
    Unknown,
    Revoked,
    Expired,
}

impl Refusal {
    pub fn message(&self) -> &'static str {
        match self {
            Refusal::Malformed => "the bearer token is not a tranche token (trn_<id>_<secret>)",
            Refusal::Unknown => "the bearer token is not valid",
            Refusal::Revoked => "the bearer token was revoked",
            Refusal::Expired => "the bearer token has expired",
        }
    }
}

/// How long a verified token's revocation and expiry are trusted before the store is read
/// again: a revocation takes effect within this time, and a busy server does not read the
/// store (a network round trip on PostgreSQL) on every request.
pub const RECHECK: Duration = Duration::from_secs(1);

struct Known {
    /// SHA-256 of the secret.
    digest: [u8; 32],
    role: Role,
    expires_at: Option<String>,
    checked: Instant,
}

#[derive(Default)]
pub struct Verified {
    known: Mutex<HashMap<String, Known>>,
}

impl Verified {
    /// The role of a token. Argon2 runs once per token and process; revocation and expiry are
    /// read from the store (`lookup`) when last read more than [`RECHECK`] ago.
    pub fn role(
        &self,
        text: &str,
        now: &str,
        lookup: impl FnOnce(&str) -> Result<Option<StoredToken>, StoreError>,
    ) -> Result<Role, Refusal> {
        let rest = text.strip_prefix("trn_").ok_or(Refusal::Malformed)?;
        let (id, secret) = rest.split_once('_').ok_or(Refusal::Malformed)?;
        let digest: [u8; 32] = Sha256::digest(secret.as_bytes()).into();
        let expired = |expires_at: &Option<String>| expires_at.as_deref().is_some_and(|at| at <= now);
        if let Some(known) = self.known.lock().expect("not poisoned").get(id)
            && known.checked.elapsed() < RECHECK
        {
            return match known.digest == digest {
                false => Err(Refusal::Unknown),
                true if expired(&known.expires_at) => Err(Refusal::Expired),
                true => Ok(known.role),
            };
        }
        let stored = lookup(id).map_err(|_| Refusal::Unknown)?.ok_or(Refusal::Unknown)?;
        let mut known = self.known.lock().expect("not poisoned");
        if stored.revoked {
            known.remove(id);
            return Err(Refusal::Revoked);
        }
        if expired(&stored.expires_at) {
            return Err(Refusal::Expired);
        }
        let role = match known.get(id) {
            Some(entry) if entry.digest == digest => entry.role,
            Some(_) => return Err(Refusal::Unknown),
            None => {
                drop(known);
                let hash = PasswordHash::new(&stored.secret_hash).map_err(|_| Refusal::Unknown)?;
                Argon2::default().verify_password(secret.as_bytes(), &hash).map_err(|_| Refusal::Unknown)?;
                known = self.known.lock().expect("not poisoned");
                Role::parse(&stored.role).map_err(|_| Refusal::Unknown)?
            }
        };
        known.insert(id.to_string(), Known { digest, role, expires_at: stored.expires_at, checked: Instant::now() });
        Ok(role)
    }
}
