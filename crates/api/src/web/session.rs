//! Dashboard sign-in: an access token exchanged for a session cookie (HttpOnly, SameSite=Strict,
//! random id, eight hours), and a CSRF token for every form post. The CSRF cookie holds a random
//! value the server chose; a form carries the HMAC-SHA256 of that value and of the session id
//! under a key only the server holds ([`Sessions::csrf_token`]), so a token the server did not
//! issue never matches, and signing in (a new value and a new session) replaces it. A post whose
//! `Origin` (or, without one, `Referer`) is another site is refused before the token is read.
//! Sessions live in memory: a restart signs everyone out. The token itself is checked again on
//! every request, so a revoked or expired token ends its sessions at once.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::http::{HeaderMap, HeaderValue, header};

pub const SESSION_COOKIE: &str = "tranche_session";
pub const CSRF_COOKIE: &str = "tranche_csrf";
pub const LIFETIME: Duration = Duration::from_secs(8 * 3600);
/// The most sessions held at once; the oldest go first beyond it.
const MAX_SESSIONS: usize = 10_000;

struct Session {
    token: String,
    created: Instant,
}

pub struct Sessions {
    open: Mutex<HashMap<String, Session>>,
    /// The key of the CSRF tokens (derived from the store's secret: every server on one store agrees).
    csrf_key: [u8; 32],
}

pub fn random_hex() -> String {
    let mut bytes = [0u8; 24];
    getrandom::fill(&mut bytes).expect("the system has randomness");
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

impl Sessions {
    pub fn new(csrf_key: [u8; 32]) -> Sessions {
        Sessions { open: Mutex::default(), csrf_key }
    }

    /// The form token for the CSRF cookie's value `nonce` and the session cookie's value
    /// (empty when signed out): HMAC-SHA256 under the server's key, in hex.
    pub fn csrf_token(&self, nonce: &str, session: Option<&str>) -> String {
        use hmac::{KeyInit, Mac};
        let mut mac =
            hmac::Hmac::<sha2::Sha256>::new_from_slice(&self.csrf_key).expect("HMAC takes a key of any length");
        // The label keeps these tokens apart from anything else keyed with the same secret.
        mac.update(b"tranche csrf v1\n");
        mac.update(nonce.as_bytes());
        mac.update(b"\n");
        mac.update(session.unwrap_or_default().as_bytes());
        mac.finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect()
    }

    /// Why a form post is refused, or `None` when it comes from this server's pages (its
    /// `Origin`, or else its `Referer`, is absent or this server) and its CSRF token is the one
    /// the server issued for its CSRF cookie and session.
    pub fn csrf_refusal(&self, headers: &HeaderMap, submitted: &str) -> Option<&'static str> {
        if let Some(why) = foreign_origin(headers) {
            return Some(why);
        }
        let Some(nonce) = cookie(headers, CSRF_COOKIE) else {
            return Some("the form's security cookie is missing; reload the page and try again");
        };
        let expected = self.csrf_token(&nonce, cookie(headers, SESSION_COOKIE).as_deref());
        match same(&expected, submitted.trim()) {
            true => None,
            false => Some("the form's security token does not match; reload the page and try again"),
        }
    }

    /// Opens a session for a token already verified; returns its id.
    pub fn open(&self, token: String) -> String {
        let id = random_hex();
        let mut open = self.open.lock().expect("the session lock is not poisoned");
        open.retain(|_, s| s.created.elapsed() < LIFETIME);
        if open.len() >= MAX_SESSIONS
            && let Some(oldest) = open.iter().min_by_key(|(_, s)| s.created).map(|(id, _)| id.clone())
        {
            open.remove(&oldest);
        }
        open.insert(id.clone(), Session { token, created: Instant::now() });
        id
    }

    /// The token behind a live session.
    pub fn token(&self, id: &str) -> Option<String> {
        let open = self.open.lock().expect("the session lock is not poisoned");
        open.get(id).filter(|s| s.created.elapsed() < LIFETIME).map(|s| s.token.clone())
    }

    pub fn close(&self, id: &str) {
        self.open.lock().expect("the session lock is not poisoned").remove(id);
    }
}

/// A cookie's value from the request's `Cookie` headers.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value.to_string())
        .filter(|value| !value.is_empty() && value.len() <= 128 && value.bytes().all(|b| b.is_ascii_hexdigit()))
}

pub fn set_cookie(name: &str, value: &str) -> HeaderValue {
    let text = format!("{name}={value}; Path=/; HttpOnly; SameSite=Strict; Max-Age={}", LIFETIME.as_secs());
    HeaderValue::from_str(&text).expect("cookie values are hex")
}

pub fn clear_cookie(name: &str) -> HeaderValue {
    HeaderValue::from_str(&format!("{name}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0")).expect("ascii")
}

fn same(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Why a post is refused as coming from another site: its `Origin` (or, without one, its
/// `Referer`) is present and is not this server (`Host`); `Origin: null` (a sandboxed or
/// privacy-redirected post) is refused too.
fn foreign_origin(headers: &HeaderMap) -> Option<&'static str> {
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok());
    if let Some(origin) = headers.get(header::ORIGIN) {
        let origin = origin.to_str().unwrap_or_default();
        return match authority(origin).zip(host) {
            Some((authority, host)) if authority.eq_ignore_ascii_case(host) => None,
            _ => Some("the form was posted from another site"),
        };
    }
    if let Some(referer) = headers.get(header::REFERER) {
        let referer = referer.to_str().unwrap_or_default();
        return match authority(referer).zip(host) {
            Some((authority, host)) if authority.eq_ignore_ascii_case(host) => None,
            _ => Some("the form was posted from another site (its Referer)"),
        };
    }
    None
}

/// `host[:port]` of an `http(s)://` origin or URL; `None` for anything else (`null`).
fn authority(url: &str) -> Option<&str> {
    let rest = url.strip_prefix("http://").or_else(|| url.strip_prefix("https://"))?;
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    Some(&rest[..end]).filter(|a| !a.is_empty())
}
