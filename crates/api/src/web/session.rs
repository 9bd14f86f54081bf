//! Dashboard sign-in: an access token exchanged for a session cookie (HttpOnly, SameSite=Strict,
//! random id, eight hours), and a CSRF token for every form post (a double-submit cookie, also
//! SameSite=Strict, compared in constant time; a cross-origin `Origin` is refused as well).
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

#[derive(Default)]
pub struct Sessions {
    open: Mutex<HashMap<String, Session>>,
}

pub fn random_hex() -> String {
    let mut bytes = [0u8; 24];
    getrandom::fill(&mut bytes).expect("the system has randomness");
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

impl Sessions {
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

/// Why a form post is refused, or `None` when its CSRF token matches the cookie and its
/// `Origin`, when given, is this server.
pub fn csrf_refusal(headers: &HeaderMap, submitted: &str) -> Option<&'static str> {
    if let (Some(origin), Some(host)) = (headers.get(header::ORIGIN), headers.get(header::HOST)) {
        let origin = origin.to_str().unwrap_or_default();
        let host = host.to_str().unwrap_or_default();
        let bare = origin.strip_prefix("http://").or_else(|| origin.strip_prefix("https://")).unwrap_or(origin);
        if bare != host {
            return Some("the form was posted from another site");
        }
    }
    match cookie(headers, CSRF_COOKIE) {
        None => Some("the form's security cookie is missing; reload the page and try again"),
        Some(expected) if same(&expected, submitted) => None,
        Some(_) => Some("the form's security token does not match; reload the page and try again"),
    }
}
