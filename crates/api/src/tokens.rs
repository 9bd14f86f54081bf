//! Bearer tokens: `trn_<id>_<secret>`. The store keeps only an Argon2 hash of the secret; a
//! token verified once is remembered (by the SHA-256 of its secret) so that Argon2 runs once per
//! token and process, not once per request.

use std::collections::HashMap;
use std::sync::Mutex;

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use sha2::{Digest, Sha256};
use tranche_core::auth::Role;
use tranche_store::{Store, StoredToken};

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

#[derive(Default)]
pub struct Verified {
    /// token id -> (SHA-256 of the secret, role)
    known: Mutex<HashMap<String, ([u8; 32], Role)>>,
}

impl Verified {
    /// The role of a token. Revocation and expiry are read from the store on every request.
    pub fn role(&self, store: &dyn Store, text: &str, now: &str) -> Result<Role, Refusal> {
        let rest = text.strip_prefix("trn_").ok_or(Refusal::Malformed)?;
        let (id, secret) = rest.split_once('_').ok_or(Refusal::Malformed)?;
        let stored = store.token(id).map_err(|_| Refusal::Unknown)?.ok_or(Refusal::Unknown)?;
        if stored.revoked {
            return Err(Refusal::Revoked);
        }
        if stored.expires_at.as_deref().is_some_and(|at| at <= now) {
            return Err(Refusal::Expired);
        }
        let digest: [u8; 32] = Sha256::digest(secret.as_bytes()).into();
        if let Some((known, role)) = self.known.lock().expect("not poisoned").get(id) {
            return if *known == digest { Ok(*role) } else { Err(Refusal::Unknown) };
        }
        let hash = PasswordHash::new(&stored.secret_hash).map_err(|_| Refusal::Unknown)?;
        Argon2::default().verify_password(secret.as_bytes(), &hash).map_err(|_| Refusal::Unknown)?;
        let role = Role::parse(&stored.role).map_err(|_| Refusal::Unknown)?;
        self.known.lock().expect("not poisoned").insert(id.to_string(), (digest, role));
        Ok(role)
    }
}
