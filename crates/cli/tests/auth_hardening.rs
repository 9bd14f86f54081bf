//! What a hostile client learns or breaks through authentication and reads, against the real
//! `tranche serve` on a demo store: token guessing (same answer, throttled, no stall), revoked
//! tokens on open event streams, event positions beyond the log, idempotency keys across
//! actors, package entity tags, and who reads requirements.

mod common;

use std::io::{BufRead, BufReader};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use sha2::Digest;

struct Harness {
    served: common::Served,
    database: String,
    _dir: tempfile::TempDir,
}

struct Reply {
    status: u16,
    retry_after: Option<String>,
    etag: Option<String>,
    body: String,
}

impl Reply {
    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }
}

fn reply(response: Result<ureq::http::Response<ureq::Body>, ureq::Error>) -> Reply {
    let mut response = response.unwrap();
    let header = |name: &str| response.headers().get(name).map(|v| v.to_str().unwrap().to_string());
    let (retry_after, etag) = (header("retry-after"), header("etag"));
    Reply { status: response.status().as_u16(), retry_after, etag, body: response.body_mut().read_to_string().unwrap() }
}

/// The token with its secret replaced.
fn wrong_secret(token: &str) -> String {
    let (head, _) = token.rsplit_once('_').unwrap();
    format!("{head}_{}", "0".repeat(48))
}

fn token_id(token: &str) -> &str {
    token.split('_').nth(1).unwrap()
}

impl Harness {
    /// The demo store, served on a free port.
    fn start() -> Harness {
        let dir = tempfile::tempdir().unwrap();
        let database = dir.path().join("tranche.db").to_str().unwrap().to_string();
        common::tranche(&database, &["demo", "--no-serve"]);
        let served = common::Served::start(&database, &[]);
        Harness { served, database, _dir: dir }
    }

    /// A new token for `role` (`contributor:NLD` for a contributor).
    fn token(&self, role: &str) -> String {
        let args = match role.split_once(':') {
            Some((role, party)) => vec!["token", "create", "--role", role, "--party", party],
            None => vec!["token", "create", "--role", role],
        };
        common::tranche(&self.database, &args).trim().to_string()
    }

    /// Revokes `token` and waits until this server no longer accepts it (within RECHECK).
    fn revoke(&self, token: &str) {
        common::tranche(&self.database, &["token", "revoke", token_id(token)]);
        let deadline = Instant::now() + Duration::from_secs(10);
        while self.get("/api/v1/targets", Some(token)).status != 401 {
            assert!(Instant::now() < deadline, "the server still accepts a revoked token");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.served.url)
    }

    fn get(&self, path: &str, token: Option<&str>) -> Reply {
        let mut request = self.served.agent.get(&self.url(path));
        if let Some(token) = token {
            request = request.header("Authorization", &format!("Bearer {token}"));
        }
        reply(request.call())
    }

    fn post(&self, token: &str, key: &str, command: Value) -> Reply {
        self.post_if(token, key, command, None)
    }

    fn post_if(&self, token: &str, key: &str, command: Value, if_match: Option<&str>) -> Reply {
        let mut request = self
            .served
            .agent
            .post(&self.url("/api/v1/commands"))
            .header("Authorization", &format!("Bearer {token}"))
            .header("Idempotency-Key", key)
            .header("Content-Type", "application/json");
        if let Some(tag) = if_match {
            request = request.header("If-Match", tag);
        }
        reply(request.send(json!({ "command": command }).to_string()))
    }

    /// The number of the last event.
    fn head(&self) -> u64 {
        let mut after = 0;
        loop {
            let page = self.get(&format!("/api/v1/events?after={after}&limit=1000"), None).json();
            match page["next"].as_u64().unwrap() {
                next if next == after => return after,
                next => after = next,
            }
        }
    }

    /// Opens the event stream as `token` after `last_event_id`; the lines it sends, read on.
    fn stream(&self, token: &str, last_event_id: &str) -> impl Iterator<Item = String> + use<> {
        let agent: ureq::Agent =
            ureq::Agent::config_builder().timeout_global(Some(Duration::from_secs(20))).build().into();
        let response = agent
            .get(&self.url("/api/v1/events/stream"))
            .header("Authorization", &format!("Bearer {token}"))
            .header("Last-Event-ID", last_event_id)
            .call()
            .unwrap();
        assert_eq!(response.status().as_u16(), 200);
        BufReader::new(response.into_body().into_reader()).lines().map(|line| line.unwrap())
    }

    /// Signs in to the dashboard with `token`; the cookies to send with pages.
    fn sign_in(&self, token: &str) -> String {
        let agent: ureq::Agent =
            ureq::Agent::config_builder().http_status_as_error(false).max_redirects(0).build().into();
        // The CSRF cookie and the form token the server issued for it, from the sign-in form.
        let mut form = agent.get(&self.url("/sign-in")).call().unwrap();
        let set = form.headers().get("set-cookie").unwrap().to_str().unwrap();
        let csrf_cookie = set.split(';').next().unwrap().to_string();
        let page = form.body_mut().read_to_string().unwrap();
        let marker = "name=\"csrf\" value=\"";
        let start = page.find(marker).unwrap() + marker.len();
        let csrf = &page[start..start + page[start..].find('"').unwrap()];
        let response = agent
            .post(&self.url("/sign-in"))
            .header("Cookie", &csrf_cookie)
            .header("Content-Type", "application/x-www-form-urlencoded")
            .send(format!("csrf={csrf}&token={token}"))
            .unwrap();
        assert_eq!(response.status().as_u16(), 303);
        let session = response.headers().get("set-cookie").unwrap().to_str().unwrap();
        session.split(';').next().unwrap().to_string()
    }

    fn page(&self, path: &str, cookies: &str) -> Reply {
        reply(self.served.agent.get(&self.url(path)).header("Cookie", cookies).call())
    }
}

fn problem(reply: &Reply, status: u16, kind: &str) -> Value {
    assert_eq!(reply.status, status, "{}", reply.body);
    let body = reply.json();
    assert_eq!(body["type"], format!("urn:tranche:problem:{kind}"), "{}", reply.body);
    body
}

fn register(party: &str) -> Value {
    json!({"type": "register-party", "party": {"id": party, "name": "Zed", "kind": "state", "role": "contributor", "gdp_2021_bn_eur": null}})
}

fn requirement(description: &str) -> Value {
    json!({"type": "submit-requirement", "requirement": {"id": "Q1", "category": "drones", "estimated_cost": {"amount_minor": 100, "currency": "USD"}, "month": "2026-03", "submitted_on": "2026-02-01", "restricted": {"quantity": 7, "description": description}}})
}

#[test]
fn only_the_right_secret_learns_more_than_not_valid() {
    let harness = Harness::start();
    let (coordinator, revoked) = (harness.token("coordinator"), harness.token("auditor"));
    harness.revoke(&revoked);
    let unknown = format!("trn_0123456789abcdef_{}", "1".repeat(48));
    let answers: Vec<Value> = [unknown, wrong_secret(&coordinator), wrong_secret(&revoked)]
        .iter()
        .map(|token| problem(&harness.get("/api/v1/targets", Some(token)), 401, "unauthorized"))
        .collect();
    assert_eq!(answers[0]["detail"], "the bearer token is not valid");
    assert!(answers.iter().all(|a| *a == answers[0]), "the answers differ: {answers:?}");
    let named = problem(&harness.get("/api/v1/targets", Some(&revoked)), 401, "unauthorized");
    assert_eq!(named["detail"], "the bearer token was revoked");
}

#[test]
fn repeated_wrong_secrets_are_throttled_without_locking_out_the_holder() {
    let harness = Harness::start();
    let coordinator = harness.token("coordinator");
    assert_eq!(harness.get("/api/v1/targets", Some(&coordinator)).status, 200);
    let wrong = wrong_secret(&coordinator);
    for _ in 0..tranche_api::tokens::FAILURES_PER_ID {
        problem(&harness.get("/api/v1/targets", Some(&wrong)), 401, "unauthorized");
    }
    let throttled = harness.get("/api/v1/targets", Some(&wrong));
    problem(&throttled, 429, "rate-limited");
    let seconds: u64 = throttled.retry_after.as_deref().unwrap().parse().unwrap();
    assert!((1..=tranche_api::tokens::FAILURE_WINDOW.as_secs()).contains(&seconds), "Retry-After {seconds}");
    assert_eq!(harness.get("/api/v1/targets", Some(&coordinator)).status, 200, "the verified holder goes on");
}

/// 32 clients send made-up tokens as fast as they are answered: Argon2 runs off the async
/// workers and at most FAILURES_OVERALL times, so liveness answers at once throughout.
#[test]
fn liveness_answers_at_once_while_made_up_tokens_pour_in() {
    const CLIENTS: usize = 32;
    const ATTEMPTS: usize = 8;
    let harness = Harness::start();
    let throttled = std::sync::atomic::AtomicUsize::new(0);
    let slowest = std::thread::scope(|scope| {
        let clients: Vec<_> = (0..CLIENTS)
            .map(|client| {
                let (harness, throttled) = (&harness, &throttled);
                scope.spawn(move || {
                    for attempt in 0..ATTEMPTS {
                        let token = format!("trn_{client:08x}{attempt:08x}_{}", "3".repeat(48));
                        let status = harness.get("/api/v1/targets", Some(&token)).status;
                        assert!(status == 401 || status == 429, "{status}");
                        if status == 429 {
                            throttled.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        }
                    }
                })
            })
            .collect();
        let mut slowest = Duration::ZERO;
        while !clients.iter().all(|c| c.is_finished()) {
            let started = Instant::now();
            assert_eq!(harness.get("/healthz", None).status, 200);
            slowest = slowest.max(started.elapsed());
            std::thread::sleep(Duration::from_millis(20));
        }
        slowest
    });
    eprintln!("slowest /healthz while flooded: {slowest:?}");
    assert!(slowest < Duration::from_secs(1), "/healthz took {slowest:?}");
    let limit = tranche_api::tokens::FAILURES_OVERALL as usize;
    assert!(throttled.into_inner() >= CLIENTS * ATTEMPTS - limit, "fewer than expected were throttled");
}

#[test]
fn a_revoked_token_ends_its_event_stream_before_the_next_event() {
    let harness = Harness::start();
    let (coordinator, recipient) = (harness.token("coordinator"), harness.token("recipient"));
    let lines = harness.stream(&coordinator, &harness.head().to_string());
    harness.revoke(&coordinator);
    assert_eq!(harness.post(&recipient, "q1", requirement("classified widget")).status, 201);
    // The stream ends (the lines run out) without the restricted form of the new event.
    for line in lines {
        assert!(!line.contains("classified widget"), "a revoked token's stream sent: {line}");
    }
}

#[test]
fn an_event_position_beyond_the_log_reads_nothing() {
    let harness = Harness::start();
    for after in [i64::MAX as u64, i64::MAX as u64 + 1, u64::MAX] {
        let page = harness.get(&format!("/api/v1/events?after={after}"), None).json();
        assert_eq!(page["events"], json!([]), "after={after}");
    }
    // A stream resumed beyond the log waits for events that do not come; its token's
    // revocation ends it.
    let coordinator = harness.token("coordinator");
    let lines = harness.stream(&coordinator, &u64::MAX.to_string());
    harness.revoke(&coordinator);
    let sent: Vec<String> = lines.filter(|line| line.starts_with("id:")).collect();
    assert!(sent.is_empty(), "a stream after 2^64 - 1 sent {sent:?}");
}

#[test]
fn idempotency_keys_are_each_actors_own() {
    let harness = Harness::start();
    let (coordinator, admin) = (harness.token("coordinator"), harness.token("admin"));
    let first = harness.post(&coordinator, "same", register("ZZA"));
    assert_eq!(first.status, 201, "{}", first.body);
    assert_eq!(first.json()["command_id"], "same");
    let other = harness.post(&admin, "same", register("ZZB"));
    assert_eq!(other.status, 201, "another actor's key is another command: {}", other.body);
    assert_ne!(other.json()["first_seq"], first.json()["first_seq"]);
    for (token, party, original) in [(&coordinator, "ZZA", &first), (&admin, "ZZB", &other)] {
        let repeat = harness.post(token, "same", register(party));
        assert_eq!((repeat.status, repeat.json()["first_seq"].clone()), (200, original.json()["first_seq"].clone()));
    }
    let reused = problem(&harness.post(&admin, "same", register("ZZC")), 422, "idempotency-key-reused");
    assert_eq!(reused["detail"], "the key same was already used for a different request");
}

#[test]
fn a_package_tag_confirms_no_guess_offline() {
    let harness = Harness::start();
    let (recipient, coordinator, supplier) =
        (harness.token("recipient"), harness.token("coordinator"), harness.token("supplier"));
    assert_eq!(harness.post(&recipient, "q1", requirement("d")).status, 201);
    let draft = json!({"type": "draft-package", "package": "PX", "name": "secret name", "requirements": ["Q1"], "date": "2026-02-05"});
    assert_eq!(harness.post(&coordinator, "d1", draft).status, 201);
    let public = harness.get("/api/v1/packages/PX", None);
    let full = harness.get("/api/v1/packages/PX", Some(&coordinator));
    let tag = public.etag.clone().unwrap();
    assert_eq!(full.etag.as_ref(), Some(&tag), "one tag for every reader");
    // Not the unkeyed SHA-256 of anything a reader can compute, whole or cut short.
    for form in [&public.body, &full.body] {
        let digest: String = sha2::Sha256::digest(form.as_bytes()).iter().map(|b| format!("{b:02x}")).collect();
        assert!(!digest.contains(tag.trim_matches('"')) && !tag.contains(&digest[..24]), "{tag} is {digest}");
    }
    // Another server on the same store gives the same tag.
    let beside = common::Served::start(&harness.database, &[]);
    let again = reply(beside.agent.get(&format!("{}/api/v1/packages/PX", beside.url)).call());
    assert_eq!(again.etag.as_ref(), Some(&tag));
    // If-Match: the current tag passes; the package changes; the stale tag is refused.
    let quote = json!({"type": "quote-package", "package": "PX", "price": {"amount_minor": 100, "currency": "USD"}, "date": "2026-02-06"});
    assert_eq!(harness.post_if(&supplier, "q-1", quote, Some(&tag)).status, 201);
    let changed = harness.get("/api/v1/packages/PX", None).etag.unwrap();
    assert_ne!(changed, tag);
    let propose = json!({"type": "propose-package", "package": "PX", "date": "2026-02-07"});
    problem(&harness.post_if(&coordinator, "p-1", propose.clone(), Some(&tag)), 412, "precondition-failed");
    assert_eq!(harness.post_if(&coordinator, "p-2", propose, Some(&changed)).status, 201);
}

/// Requirements: read in full by the recipient, the coordinator, suppliers, the operator and
/// auditors; as the public reads them by contributors, over the API, in the event log and on the
/// dashboard alike (`Reader::sees_requirements`).
#[test]
fn requirements_are_read_by_one_rule_everywhere() {
    let harness = Harness::start();
    assert_eq!(harness.post(&harness.token("recipient"), "q1", requirement("classified widget")).status, 201);
    for (role, sees, page) in
        [("contributor:NLD", false, 403), ("auditor", true, 200), ("supplier", true, 200), ("coordinator", true, 200)]
    {
        let token = harness.token(role);
        for path in ["/api/v1/requirements", "/api/v1/events?after=0&limit=1000"] {
            let reply = harness.get(path, Some(&token));
            assert_eq!(reply.status, 200);
            assert_eq!(reply.body.contains("classified widget"), sees, "{role} {path}: {}", reply.body);
        }
        let cookies = harness.sign_in(&token);
        assert_eq!(harness.page("/requirements", &cookies).status, page, "{role} on the dashboard");
    }
}
