//! Drives the real `tranche serve` over HTTP: a fresh store per test, port 0, tokens per role.
//! On SQLite by default; with `TRANCHE_TEST_BACKEND=postgres` every test runs unchanged on a
//! fresh PostgreSQL schema instead (`.ci/run` runs both).

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command};

use serde_json::{Value, json};
use tranche_core::auth::Role;

struct Server {
    child: Child,
    url: String,
    /// The store: a file in `_dir`, or a PostgreSQL URL.
    database: String,
    _dir: tempfile::TempDir,
    agent: ureq::Agent,
}

struct Reply {
    status: u16,
    content_type: String,
    body: String,
}

impl Reply {
    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }
}

fn tranche(database: &str) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_tranche"));
    command.arg("--database").arg(database);
    command
}

/// A fresh store on the backend the run asks for.
fn fresh_store(dir: &tempfile::TempDir) -> String {
    if std::env::var("TRANCHE_TEST_BACKEND").is_ok_and(|b| b == "postgres") {
        static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        return common::fresh_postgres(&format!("http{n}")).expect("TRANCHE_TEST_BACKEND=postgres needs a server");
    }
    dir.path().join("tranche.db").to_str().unwrap().to_string()
}

impl Server {
    /// The demo store (public record), then the server on a free port.
    fn start() -> Server {
        Server::start_with(&[])
    }

    /// The server with extra `serve` arguments.
    fn start_with(extra: &[&str]) -> Server {
        Server::start_demo(&["demo", "--no-serve"], extra)
    }

    /// The demo store with the synthetic exercise, then the server.
    fn start_exercise() -> Server {
        Server::start_demo(&["demo", "--no-serve", "--exercise"], &[])
    }

    fn start_demo(demo: &[&str], extra: &[&str]) -> Server {
        let dir = tempfile::tempdir().unwrap();
        let database = fresh_store(&dir);
        let demo = tranche(&database).args(demo).output().unwrap();
        assert!(demo.status.success(), "{}", String::from_utf8_lossy(&demo.stderr));
        let (child, url) = common::serve(&database, extra);
        let agent: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).build().into();
        Server { child, url, database, _dir: dir, agent }
    }

    fn token(&self, role: &str) -> String {
        let (role, party) = match role.split_once(':') {
            Some((role, party)) => (role, Some(party)),
            None => (role, None),
        };
        let mut command = tranche(&self.database);
        command.args(["token", "create", "--role", role]);
        if let Some(party) = party {
            command.args(["--party", party]);
        }
        let output = command.output().unwrap();
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
        String::from_utf8(output.stdout).unwrap().trim().to_string()
    }

    fn reply(response: Result<ureq::http::Response<ureq::Body>, ureq::Error>) -> Reply {
        let mut response = response.unwrap();
        let content_type =
            response.headers().get("content-type").map(|v| v.to_str().unwrap().to_string()).unwrap_or_default();
        Reply { status: response.status().as_u16(), content_type, body: response.body_mut().read_to_string().unwrap() }
    }

    fn get(&self, path: &str, token: Option<&str>) -> Reply {
        let mut request = self.agent.get(&format!("{}{path}", self.url));
        if let Some(token) = token {
            request = request.header("Authorization", &format!("Bearer {token}"));
        }
        Server::reply(request.call())
    }

    fn post(&self, token: Option<&str>, key: &str, body: &str) -> Reply {
        let mut request = self
            .agent
            .post(&format!("{}/api/v1/commands", self.url))
            .header("Idempotency-Key", key)
            .header("Content-Type", "application/json");
        if let Some(token) = token {
            request = request.header("Authorization", &format!("Bearer {token}"));
        }
        Server::reply(request.send(body))
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn problem(reply: &Reply, status: u16, kind: &str) {
    assert_eq!(reply.status, status, "{}", reply.body);
    assert_eq!(reply.content_type, "application/problem+json", "{}", reply.body);
    assert_eq!(reply.json()["type"], format!("urn:tranche:problem:{kind}"), "{}", reply.body);
}

#[test]
fn public_reads_match_the_command_line() {
    let server = Server::start();
    assert_eq!(server.get("/healthz", None).body, "ok");
    let summary = server.get("/api/v1/summary?as_of=2025-12-04", None);
    assert_eq!(summary.status, 200);
    assert_eq!(summary.json()["totals"]["EUR"], "3953094151.45");
    problem(&server.get("/api/v1/summary?as_of=2025-02-30", None), 400, "bad-request");
    // As the log stood after event 45: the parties, mechanism, group and the first records only.
    let early = server.get("/api/v1/summary?as_of=2026-11-26&as_of_seq=45", None).json();
    let full = server.get("/api/v1/summary?as_of=2026-11-26", None).json();
    assert_eq!(full["totals"]["EUR"], "4434608230.02");
    assert_ne!(early["totals"]["EUR"], full["totals"]["EUR"]);
    assert_eq!(server.get("/api/v1/summary?as_of=2026-11-26&as_of_seq=100000", None).status, 400);
    assert_eq!(
        server.get("/api/v1/summary?as_of=2026-11-26&as_of_seq=83", None).json(),
        full,
        "the whole log replays to the same figures"
    );
    problem(&server.get("/api/v1/nothing", None), 404, "not-found");
}

#[test]
fn authentication_authorisation_and_idempotency() {
    let server = Server::start();
    let commit = json!({"command": {"type": "commit-pledge", "pledge": "R02", "amount": null, "date": "2025-08-10"}})
        .to_string();
    problem(&server.post(None, "k1", &commit), 401, "unauthorized");
    problem(&server.post(Some("trn_0000_nope"), "k1", &commit), 401, "unauthorized");
    problem(&server.post(Some("not-a-token"), "k1", &commit), 401, "unauthorized");
    problem(&server.post(Some(&server.token("supplier")), "k1", &commit), 403, "forbidden");
    problem(&server.post(Some(&server.token("contributor:DEU")), "k1", &commit), 403, "forbidden");
    let nld = server.token("contributor:NLD");
    let first = server.post(Some(&nld), "k1", &commit);
    assert_eq!(first.status, 201, "{}", first.body);
    let again = server.post(Some(&nld), "k1", &commit);
    assert_eq!(
        (again.status, again.json()["repeated"].clone(), again.json()["first_seq"].clone()),
        (200, json!(true), first.json()["first_seq"].clone())
    );
    let other = json!({"command": {"type": "commit-pledge", "pledge": "R23", "amount": null, "date": "2025-12-10"}})
        .to_string();
    problem(&server.post(Some(&nld), "k1", &other), 422, "idempotency-key-reused");
    problem(&server.post(Some(&nld), "k2", "{not json"), 422, "invalid-body");
    problem(
        &server.post(Some(&nld), "k3", &json!({"command": {"type": "pay-pledge", "pledge": "R02"}}).to_string()),
        422,
        "invalid-body",
    );
    problem(&server.post(Some(&nld), "k4", &"x".repeat(70_000)), 413, "payload-too-large");
    let overpay = json!({"command": {"type": "pay-pledge", "pledge": "R02", "amount": {"amount_minor": 50000000001i64, "currency": "EUR"}, "date": "2025-08-11"}});
    problem(&server.post(Some(&nld), "k5", &overpay.to_string()), 422, "rejected");
    let head_before = server.get("/readyz", None).body;
    for body in ["{not json", "{}", "[]", "{\"command\": 5}"] {
        assert_eq!(server.post(Some(&nld), "bad", body).status, 422, "{body}");
    }
    assert_eq!(server.get("/readyz", None).body, head_before, "bad input changed the log");
    // A revoked token stops working once the server reads the store again (within RECHECK).
    let id = nld.split('_').nth(1).unwrap().to_string();
    let revoke = tranche(&server.database).args(["token", "revoke", &id]).output().unwrap();
    assert!(revoke.status.success());
    std::thread::sleep(tranche_api::tokens::RECHECK + std::time::Duration::from_millis(100));
    problem(&server.post(Some(&nld), "k6", &commit), 401, "unauthorized");
}

#[test]
fn the_exercise_over_http_and_the_public_view() {
    let server = Server::start();
    let mut tokens = std::collections::HashMap::new();
    for (index, step) in tranche_io::exercise::steps().iter().enumerate() {
        let role = step.actor.to_string();
        let token = tokens.entry(role.clone()).or_insert_with(|| server.token(&role)).clone();
        let body = json!({"command": step.command}).to_string();
        let reply = server.post(Some(&token), step.command_id.as_str(), &body);
        assert_eq!(reply.status, 201, "step {index} ({role}): {}", reply.body);
    }
    assert!(tokens.contains_key(&Role::Recipient.to_string()) && tokens.contains_key("supplier"));
    let requirements = server.get("/api/v1/requirements", None);
    assert!(
        !requirements.body.contains("SYNTHETIC exercise line") && !requirements.body.contains("\"quantity\""),
        "{}",
        requirements.body
    );
    assert_eq!(requirements.json()[0]["requirement"], "EX-R3", "March's list was re-prioritised: EX-R3 first");
    assert!(server.get("/api/v1/requirements", Some(&tokens["recipient"])).body.contains("reconnaissance drones"));
    let months = server.get("/api/v1/reports/months", None).json();
    assert_eq!(months[0]["month"], "2026-03");
    assert_eq!(months[0]["funded"], "760000000.00");
    let public = server.get("/api/v1/packages", None);
    let states: Vec<String> =
        public.json().as_array().unwrap().iter().map(|p| p["state"].as_str().unwrap().to_string()).collect();
    assert_eq!(states, ["closed", "delivering", "open", "cancelled"]);
    assert!(
        !public.body.contains("SYNTHETIC exercise line")
            && !public.body.contains("\"lines\"")
            && !public.body.contains("\"name\""),
        "{}",
        public.body
    );
    let coordinator = server.get("/api/v1/packages", Some(&tokens["coordinator"]));
    assert!(coordinator.body.contains("interceptor missiles"), "{}", coordinator.body);
}

/// Every role against every kind of command: 401 without a token, 403 exactly where the role
/// may not act, and never 401/403 where it may (the expected table is written out here, apart
/// from the code under test). Reads are open to every role and the public.
#[test]
fn authorisation_matrix() {
    let server = Server::start();
    let roles = ["admin", "coordinator", "contributor:NLD", "contributor:DEU", "recipient", "supplier", "auditor"];
    let tokens: Vec<(String, String)> = roles.iter().map(|r| (r.to_string(), server.token(r))).collect();
    let source = json!({"url": null, "date": "2026-01-02", "confidence": "confirmed"});
    let usd = json!({"amount_minor": 100, "currency": "USD"});
    let eur = json!({"amount_minor": 100, "currency": "EUR"});
    let c = "coordinator";
    let nld = "contributor:NLD";
    let cases: Vec<(Value, Vec<&str>)> = vec![
        (
            json!({"type": "register-party", "party": {"id": "ZZZ", "name": "Z", "kind": "state", "role": "contributor", "gdp_2021_bn_eur": null}}),
            vec![c],
        ),
        (
            json!({"type": "define-mechanism", "mechanism": {"id": "M2", "name": "M", "recipient": "UKR", "supplier": "USA", "package_currency": "USD", "reporting_currencies": ["EUR"]}}),
            vec![c],
        ),
        (json!({"type": "define-group", "group": {"id": "G1", "name": "G", "members": ["NLD", "DEU"]}}), vec![c]),
        (
            json!({"type": "record-participation", "party": "NLD", "status": "participating", "source": source, "note": null}),
            vec![c, nld],
        ),
        (
            json!({"type": "set-target", "target": {"id": "TX", "kind": "annual-need", "amount": usd, "date": "2026-12-31", "source": source, "note": null}}),
            vec![c],
        ),
        (
            json!({"type": "announce-pledge", "announcement": {"pledge": "N9", "kind": "solo", "contributor": {"party": "NLD"}, "amount": eur, "package": null, "earmark": null, "date": "2026-01-02", "source": source, "note": null}, "supersedes": null}),
            vec![c, nld],
        ),
        (json!({"type": "commit-pledge", "pledge": "R02", "amount": null, "date": "2025-08-10"}), vec![c, nld]),
        (json!({"type": "pay-pledge", "pledge": "R02", "amount": eur, "date": "2025-08-11"}), vec![c, nld]),
        (json!({"type": "supersede-pledge", "pledge": "R23", "by": "N9", "date": "2026-01-02"}), vec![c, nld]),
        (json!({"type": "withdraw-pledge", "pledge": "R23", "date": "2026-01-03", "reason": null}), vec![c, nld]),
        (
            json!({"type": "submit-requirement", "requirement": {"id": "Q1", "category": "drones", "estimated_cost": usd, "month": "2026-03", "submitted_on": "2026-02-01", "restricted": {"quantity": 1, "description": "d"}}}),
            vec!["recipient"],
        ),
        (
            json!({"type": "prioritise-list", "month": "2026-03", "order": ["Q1"], "date": "2026-02-02"}),
            vec!["recipient"],
        ),
        (
            json!({"type": "open-decision", "decision": "DX", "subject": {"list": {"month": "2026-03", "version": 1}}, "procedure": "consensus", "participants": ["NLD"], "date": "2026-02-03"}),
            vec![c],
        ),
        (
            json!({"type": "respond-to-decision", "decision": "DX", "party": "NLD", "response": "approve", "date": "2026-02-04"}),
            vec![nld],
        ),
        (
            json!({"type": "draft-package", "package": "PX", "name": "n", "requirements": ["Q1"], "date": "2026-02-05"}),
            vec![c],
        ),
        (json!({"type": "quote-package", "package": "PX", "price": usd, "date": "2026-02-06"}), vec!["supplier"]),
        (json!({"type": "propose-package", "package": "PX", "date": "2026-02-06"}), vec![c]),
        (json!({"type": "approve-package", "package": "PX", "decision": "DX", "date": "2026-02-07"}), vec![c]),
        (json!({"type": "open-package", "package": "PX", "date": "2026-02-07"}), vec![c]),
        (json!({"type": "allocate", "package": "PX", "pledge": "R02", "amount": usd, "date": "2026-02-08"}), vec![c]),
        (json!({"type": "declare-trigger", "trigger": "talks-fail", "date": "2026-02-08"}), vec![c]),
        (json!({"type": "convert-cash", "from": eur, "to": "USD", "date": "2026-02-08"}), vec![c]),
        (json!({"type": "contract-package", "package": "PX", "date": "2026-02-09"}), vec!["supplier"]),
        (json!({"type": "disburse", "package": "PX", "amount": usd, "date": "2026-02-10"}), vec!["supplier"]),
        (
            json!({"type": "record-delivery", "package": "PX", "requirement": "Q1", "quantity": null, "value": usd, "date": "2026-02-11"}),
            vec!["supplier"],
        ),
        (
            json!({"type": "confirm-delivery", "package": "PX", "requirement": "Q1", "date": "2026-02-12"}),
            vec!["recipient"],
        ),
        (json!({"type": "close-package", "package": "PX", "date": "2026-02-13"}), vec![c]),
        (json!({"type": "cancel-package", "package": "PX", "date": "2026-02-13", "reason": null}), vec![c]),
    ];
    for (index, (command, allowed)) in cases.iter().enumerate() {
        let kind = command["type"].as_str().unwrap();
        let body = json!({"command": command}).to_string();
        problem(&server.post(None, &format!("m{index}-public"), &body), 401, "unauthorized");
        for (role, token) in &tokens {
            let reply = server.post(Some(token), &format!("m{index}-{role}"), &body);
            let may = role == "admin" || allowed.contains(&role.as_str());
            match may {
                true => assert!(
                    reply.status != 401 && reply.status != 403,
                    "{role} may {kind}: {} {}",
                    reply.status,
                    reply.body
                ),
                false => assert_eq!(reply.status, 403, "{role} may not {kind}: {}", reply.body),
            }
        }
    }
    for path in ["/api/v1/summary", "/api/v1/packages"] {
        assert_eq!(server.get(path, None).status, 200, "public {path}");
        for (role, token) in &tokens {
            assert_eq!(server.get(path, Some(token)).status, 200, "{role} {path}");
        }
    }
}

#[test]
fn the_event_log_pages_and_streams_without_restricted_fields_for_the_public() {
    let server = Server::start();
    let coordinator = server.token("coordinator");
    let recipient = server.token("recipient");
    let requirement = json!({"command": {"type": "submit-requirement", "requirement": {"id": "Q1", "category": "drones", "estimated_cost": {"amount_minor": 100, "currency": "USD"}, "month": "2026-03", "submitted_on": "2026-02-01", "restricted": {"quantity": 7, "description": "classified widget"}}}});
    assert_eq!(server.post(Some(&recipient), "q1", &requirement.to_string()).status, 201);
    let page = server.get("/api/v1/events?after=0&limit=1000", None).json();
    let events = page["events"].as_array().unwrap();
    assert_eq!(page["next"], events.last().unwrap()["seq"]);
    let public = serde_json::to_string(&page).unwrap();
    assert!(
        public.contains("requirement-submitted")
            && !public.contains("classified widget")
            && !public.contains("\"restricted\""),
        "{public}"
    );
    let full = server.get("/api/v1/events?after=0&limit=1000", Some(&coordinator)).body;
    assert!(full.contains("classified widget"));
    let head = events.last().unwrap()["seq"].as_u64().unwrap();
    let second = server.get(&format!("/api/v1/events?after={}&limit=2", head - 3), None).json();
    assert_eq!(second["events"].as_array().unwrap().len(), 2);
    problem(&server.get("/api/v1/events?limit=0", None), 400, "bad-request");
    problem(&server.get("/api/v1/events?limit=5000", None), 400, "bad-request");

    // The stream resumes after Last-Event-ID and delivers new events as they are committed.
    let mut response = server
        .agent
        .get(&format!("{}/api/v1/events/stream", server.url))
        .header("Last-Event-ID", &(head - 1).to_string())
        .call()
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    let mut lines = BufReader::new(response.body_mut().as_reader());
    let mut ids = Vec::new();
    let mut line = String::new();
    while ids.is_empty() {
        line.clear();
        lines.read_line(&mut line).unwrap();
        if let Some(id) = line.trim().strip_prefix("id:") {
            ids.push(id.trim().parse::<u64>().unwrap());
        }
        assert!(!line.contains("classified widget"), "the public stream shows a restricted field: {line}");
    }
    assert_eq!(ids, [head]);
    let party = json!({"command": {"type": "record-participation", "party": "ITA", "status": "participating", "source": {"url": null, "date": "2026-06-01", "confidence": "reported"}, "note": null}});
    assert_eq!(server.post(Some(&coordinator), "ita", &party.to_string()).status, 201);
    loop {
        line.clear();
        lines.read_line(&mut line).unwrap();
        if let Some(id) = line.trim().strip_prefix("id:") {
            assert_eq!(id.trim().parse::<u64>().unwrap(), head + 1);
            break;
        }
    }
}

#[test]
fn sigterm_stops_the_server_with_a_stream_open() {
    let mut server = Server::start();
    let mut response = server.agent.get(&format!("{}/api/v1/events/stream", server.url)).call().unwrap();
    let mut lines = BufReader::new(response.body_mut().as_reader());
    let mut line = String::new();
    lines.read_line(&mut line).unwrap();
    let pid = server.child.id().to_string();
    assert!(Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
    let started = std::time::Instant::now();
    let status = loop {
        if let Some(status) = server.child.try_wait().unwrap() {
            break status;
        }
        assert!(
            started.elapsed() < std::time::Duration::from_secs(20),
            "the server did not stop within 20 s of SIGTERM"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    assert!(status.success(), "{status:?}");
}

#[test]
fn rate_limit_answers_429_with_retry_after_and_metrics_count_requests() {
    let server = Server::start_with(&["--rate-limit", "2"]);
    let token = server.token("auditor");
    let statuses: Vec<u16> = (0..12).map(|_| server.get("/api/v1/packages", Some(&token)).status).collect();
    assert!(statuses.iter().take(4).all(|s| *s == 200), "a burst of twice the rate passes: {statuses:?}");
    assert!(statuses.contains(&429), "{statuses:?}");
    let mut response = server
        .agent
        .get(&format!("{}/api/v1/packages", server.url))
        .header("Authorization", &format!("Bearer {token}"))
        .call()
        .unwrap();
    assert_eq!(response.status().as_u16(), 429);
    let retry_after: u64 = response.headers().get("retry-after").unwrap().to_str().unwrap().parse().unwrap();
    assert!((1..=2).contains(&retry_after), "{retry_after}");
    let body = response.body_mut().read_to_string().unwrap();
    assert!(body.contains("urn:tranche:problem:rate-limited"), "{body}");
    assert_eq!(server.get("/api/v1/packages", None).status, 200, "the public is not limited per token");
    let metrics = server.get("/metrics", None).body;
    assert!(
        metrics.contains("tranche_http_requests_total{method=\"GET\",route=\"/api/v1/packages\",status=\"429\"}"),
        "{metrics}"
    );
    assert!(metrics.contains("tranche_http_request_duration_seconds_bucket"), "{metrics}");
    assert!(metrics.contains("tranche_events_appended_total 0"), "{metrics}");
}

#[test]
fn resource_reads_filter_and_page() {
    let server = Server::start();
    let parties = server.get("/api/v1/parties?as_of=2026-01-01", None).json();
    let hungary = parties.as_array().unwrap().iter().find(|p| p["party"] == "HUN").unwrap();
    assert_eq!((hungary["status"].as_str(), hungary["status_date"].as_str()), (Some("declined"), Some("2025-12-03")));
    let first = server.get("/api/v1/pledges?party=NOR&limit=2", None).json();
    let ids: Vec<&str> = first["pledges"].as_array().unwrap().iter().map(|p| p["pledge"].as_str().unwrap()).collect();
    assert_eq!(ids, ["R03", "R05"]);
    let cursor = first["next_cursor"].as_str().unwrap();
    let second = server.get(&format!("/api/v1/pledges?party=NOR&limit=2&cursor={cursor}"), None).json();
    let ids: Vec<&str> = second["pledges"].as_array().unwrap().iter().map(|p| p["pledge"].as_str().unwrap()).collect();
    assert_eq!(ids, ["R14", "R18"]);
    let superseded = server.get("/api/v1/pledges?status=superseded", None).json();
    assert_eq!(superseded["pledges"][0]["pledge"], "R07");
    assert!(superseded["next_cursor"].is_null());
    let december = server.get("/api/v1/pledges?from=2025-12-01&to=2025-12-03&limit=500", None).json();
    assert_eq!(december["pledges"].as_array().unwrap().len(), 5);
    problem(&server.get("/api/v1/pledges?limit=501", None), 400, "bad-request");
    problem(&server.get("/api/v1/pledges?cursor=abc", None), 400, "bad-request");
    problem(&server.get("/api/v1/pledges?party=nl", None), 400, "bad-request");
    let targets = server.get("/api/v1/targets", None).json();
    assert_eq!(targets.as_array().unwrap().len(), 3);
    assert_eq!(server.get("/api/v1/reports/pipeline", None).json().as_array().unwrap().len(), 10);
    assert_eq!(server.get("/api/v1/decisions", None).json(), json!([]));
    problem(&server.get("/api/v1/packages/NOPE", None), 404, "not-found");
}

#[test]
fn if_match_refuses_a_stale_package_write() {
    let server = Server::start();
    let (recipient, coordinator, supplier) =
        (server.token("recipient"), server.token("coordinator"), server.token("supplier"));
    let requirement = json!({"command": {"type": "submit-requirement", "requirement": {"id": "Q1", "category": "drones", "estimated_cost": {"amount_minor": 100, "currency": "USD"}, "month": "2026-03", "submitted_on": "2026-02-01", "restricted": {"quantity": 7, "description": "d"}}}});
    assert_eq!(server.post(Some(&recipient), "q1", &requirement.to_string()).status, 201);
    let draft = json!({"command": {"type": "draft-package", "package": "PX", "name": "n", "requirements": ["Q1"], "date": "2026-02-05"}});
    assert_eq!(server.post(Some(&coordinator), "d1", &draft.to_string()).status, 201);
    let tag = |server: &Server| {
        let response = server.agent.get(&format!("{}/api/v1/packages/PX", server.url)).call().unwrap();
        response.headers().get("etag").unwrap().to_str().unwrap().to_string()
    };
    let seen = tag(&server);
    let quote = json!({"command": {"type": "quote-package", "package": "PX", "price": {"amount_minor": 100, "currency": "USD"}, "date": "2026-02-06"}}).to_string();
    let post_if = |token: &str, key: &str, body: &str, etag: &str| {
        let request = server
            .agent
            .post(&format!("{}/api/v1/commands", server.url))
            .header("Authorization", &format!("Bearer {token}"))
            .header("Idempotency-Key", key)
            .header("If-Match", etag);
        Server::reply(request.send(body))
    };
    assert_eq!(post_if(&supplier, "q-1", &quote, &seen).status, 201, "the tag read is current");
    assert_ne!(tag(&server), seen, "the quote changed the package");
    let propose = json!({"command": {"type": "propose-package", "package": "PX", "date": "2026-02-07"}}).to_string();
    let stale = post_if(&coordinator, "p-1", &propose, &seen);
    problem(&stale, 412, "precondition-failed");
    assert_eq!(post_if(&coordinator, "p-2", &propose, &tag(&server)).status, 201);
    let not_a_package =
        json!({"command": {"type": "commit-pledge", "pledge": "R02", "amount": null, "date": "2025-08-10"}})
            .to_string();
    problem(&post_if(&coordinator, "c-1", &not_a_package, &seen), 400, "bad-request");
}

/// The dashboard without a browser: every page answers HTML, the headline carries the summary's
/// figures, downloads carry the same data as CSV and JSON, and bad parameters get an HTML page
/// that names the problem (the browser suite in tests/browser goes further).
#[test]
fn dashboard_pages_downloads_and_bad_parameters() {
    let server = Server::start();
    let summary = server.get("/api/v1/summary", None).json();
    let overview = server.get("/", None);
    assert_eq!((overview.status, overview.content_type.as_str()), (200, "text/html; charset=utf-8"));
    for currency in ["EUR", "USD"] {
        let id = format!(
            "id=\"total-{}\" data-value=\"{}\"",
            currency.to_lowercase(),
            summary["totals"][currency].as_str().unwrap()
        );
        assert!(overview.body.contains(&id), "{id} is not on the overview");
    }
    // Two charts, each drawn wide and narrow (the stylesheet shows the one that fits its box).
    assert_eq!(overview.body.matches("class=\"chart wide\"").count(), 2, "the two charts");
    assert_eq!(overview.body.matches("class=\"chart narrow\"").count(), 2, "the two charts, narrow");
    for path in [
        "/contributors",
        "/packages",
        "/fair-share",
        "/records",
        "/log",
        "/sign-in",
        "/records?kind=participation&counts=",
    ] {
        let page = server.get(path, None);
        assert_eq!(page.status, 200, "{path}: {}", page.body);
        assert!(page.body.contains("<main id=\"content\">"), "{path}");
    }
    // The months download holds one row per month from the first record to the record's cut-off.
    let csv = server.get("/?format=csv", None);
    assert_eq!(csv.content_type, "text/csv; charset=utf-8");
    let header = csv.body.lines().next().unwrap();
    assert_eq!(
        header,
        "month,counted_in_month_eur,monthly_target_eur,counted_to_date_usd,committed_to_date_usd,paid_to_date_usd,as_of,\
         record_cutoff"
    );
    let august = csv.body.lines().find(|l| l.starts_with("2025-08,")).unwrap();
    assert_eq!(august.split(',').nth(1).unwrap(), summary["by_month"]["2025-08"]["EUR"].as_str().unwrap());
    let last = csv.body.lines().last().unwrap();
    assert_eq!(last.split(',').nth(3).unwrap(), summary["totals"]["USD"].as_str().unwrap(), "counted to date = total");
    // Contributors as JSON: the counted EUR of every party adds up to the total.
    let contributors = server.get("/contributors?format=json", None).json();
    let cents: i64 = contributors["rows"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| match r["counted_eur"].as_str() {
            Some(counted) => Some(counted.replace('.', "").parse::<i64>().unwrap()),
            // Unknown, never 0.00: a party whose every counted amount is undisclosed.
            None => {
                assert_eq!((&r["counted_eur"], &r["undisclosed"]), (&Value::Null, &Value::Bool(true)), "{r}");
                None
            }
        })
        .sum();
    assert_eq!(cents, summary["totals"]["EUR"].as_str().unwrap().replace('.', "").parse::<i64>().unwrap());
    // Records filtered as CSV: only declined-or-deferred participation rows.
    let records = server.get("/records?kind=participation&format=csv", None);
    assert!(records.body.lines().skip(1).all(|l| l.contains(",participation,")), "{}", records.body);
    assert!(records.body.lines().count() > 5);
    for (path, says) in [
        ("/records?kind=bogus", "kind \"bogus\" is not one of"),
        ("/records?party=xx1", "party"),
        ("/records?month=2025-13", "month"),
        ("/contributors?sort=size", "sort \"size\" is not one of"),
        ("/contributors?dir=up", "dir \"up\" is not asc or desc"),
        ("/?format=xml", "format \"xml\" is not one of html, csv, json"),
    ] {
        let page = server.get(path, None);
        assert_eq!((page.status, page.content_type.as_str()), (400, "text/html; charset=utf-8"), "{path}");
        let shown = page.body.replace("&#34;", "\"");
        assert!(shown.contains(says), "{path}: {}", page.body);
    }
    let restricted = server.get("/requirements", None);
    assert_eq!(restricted.status, 401);
    let css = server.get("/assets/style.css", None);
    assert!(css.body.contains("@media print") && css.content_type.starts_with("text/css"));
}

/// The text of the element that opens with `opening` up to its closing `</{tag}>`.
fn element<'a>(html: &'a str, opening: &str, tag: &str) -> &'a str {
    let start = html.find(opening).unwrap_or_else(|| panic!("{opening} is not on the page"));
    let end = html[start..].find(&format!("</{tag}>")).unwrap_or_else(|| panic!("{opening} is not closed"));
    &html[start..start + end]
}

/// The fair-share page: declined and key-less parties apart, the download the API's figures for
/// the same parameters, bad parameters a 400 page that names them.
#[test]
fn the_fair_share_page_shows_the_apis_figures() {
    let server = Server::start();
    let query = "as_of=2026-06-30&amount=500000000&currency=USD&include_partners=true";
    let page = server.get(&format!("/fair-share?{query}"), None);
    assert_eq!((page.status, page.content_type.as_str()), (200, "text/html; charset=utf-8"), "{}", page.body);
    assert!(page.body.contains("<svg role=\"img\""), "the chart");
    let nav = element(&page.body, "<nav", "nav");
    assert!(nav.contains("aria-current=\"page\">Fair share</a>"), "the navigation marks the page: {nav}");
    let carriers = element(&page.body, "<table id=\"fair-share-table\"", "table");
    let declined = element(&page.body, "<table id=\"declined-table\"", "table");
    let no_key_value = element(&page.body, "<div id=\"no-key-value\"", "div");
    for party in ["CZE", "FRA", "HUN", "ITA", "SVK"] {
        let marker = format!("data-party=\"{party}\"");
        assert!(declined.contains(&marker) && !carriers.contains(&marker), "{party} is listed apart as declined");
    }
    assert!(declined.contains("deferred"), "Italy's status is shown: {declined}");
    for party in ["ALB", "MKD", "MNE"] {
        let marker = format!("data-party=\"{party}\"");
        assert!(no_key_value.contains(&marker) && !carriers.contains(&marker), "{party} has no key value");
    }
    // The record holds announcements only: paid is "not reported" for every party, never 0.00.
    let paid_cells = carriers.matches("data-field=\"paid\"").count();
    assert!(paid_cells > 20, "{paid_cells} paid cells");
    assert_eq!(carriers.matches("data-field=\"paid\" data-value=\"\">not reported</td>").count(), paid_cells);

    // The JSON download holds the API's figures for the same parameters, party by party.
    let api = server.get(&format!("/api/v1/funding/fair-share?{query}"), None).json();
    let download = server.get(&format!("/fair-share?{query}&format=json"), None).json();
    assert_eq!(download["dataset"], "fair-share");
    let rows = download["rows"].as_array().unwrap();
    let api_rows = api["rows"].as_array().unwrap();
    assert_eq!(rows.len(), api_rows.len());
    let text = |value: &Value| value.as_str().map(str::to_string).unwrap_or_default();
    for (row, expected) in rows.iter().zip(api_rows) {
        let party = text(&expected["party"]);
        assert_eq!(text(&row["party"]), party);
        for field in ["standing", "status", "status_date", "status_source_url", "key_value", "key_percent", "proposed"]
        {
            assert_eq!(text(&row[field]), text(&expected[field]), "{party} {field}");
        }
        assert_eq!(text(&row["undisclosed"]), expected["undisclosed"].to_string(), "{party}");
        for currency in ["EUR", "USD"] {
            for field in ["fair_share", "counted", "committed", "paid", "difference", "difference_percent"] {
                let column = format!("{field}_{}", currency.to_lowercase());
                assert_eq!(text(&row[&column]), text(&expected[field][currency]), "{party} {column}");
            }
        }
    }
    let csv = server.get(&format!("/fair-share?{query}&format=csv"), None);
    assert_eq!(csv.content_type, "text/csv; charset=utf-8");
    assert_eq!(csv.body.lines().count(), api_rows.len() + 1, "a header and a line per party");

    for (path, says) in [
        ("/fair-share?key=gni-2030", "unknown share key gni-2030; loaded: gdp-2021"),
        ("/fair-share?key=GDP", "key: share key \"GDP\" is not a share key name"),
        ("/fair-share?amount=12.50&currency=USD", "amount \"12.50\" must be a positive whole number of USD"),
        ("/fair-share?amount=-5", "is negative"),
        ("/fair-share?amount=lots", "not a decimal number"),
        ("/fair-share?currency=GBP", "currency GBP is not a reporting currency (EUR, USD)"),
        ("/fair-share?as_of=2026-02-30", "as_of"),
        ("/fair-share?include_partners=maybe", "include_partners \"maybe\" is not true or false"),
        ("/fair-share?format=pdf", "format \"pdf\" is not one of html, csv, json"),
    ] {
        let page = server.get(path, None);
        assert_eq!((page.status, page.content_type.as_str()), (400, "text/html; charset=utf-8"), "{path}");
        let shown = page.body.replace("&#34;", "\"");
        assert!(shown.contains(says), "{path}: {}", page.body);
    }
    // An empty form field is an absent one (a plain GET form sends every field).
    let empty = server.get("/fair-share?key=&as_of=&amount=&currency=EUR", None);
    assert_eq!(empty.status, 200, "{}", empty.body);
}

#[test]
fn a_server_follows_writes_made_beside_it() {
    let server = Server::start();
    let applied = || server.get("/readyz", None).body;
    let before = applied();
    let out = tranche(&server.database)
        .args(["participation", "record", "ITA", "--status", "participating", "--date", "2026-06-01"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    // The server's reads show the command line's write once its idle writer has followed.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    loop {
        let now = applied();
        let numbers: Vec<u64> = now.split_whitespace().filter_map(|w| w.trim_end_matches(',').parse().ok()).collect();
        if numbers[0] == numbers[1] && now != before {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "the server did not follow: {before} -> {now}");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let parties = server.get("/api/v1/parties", None).json();
    let ita = parties.as_array().unwrap().iter().find(|p| p["party"] == "ITA").unwrap().clone();
    assert_eq!(ita["status"], "participating", "{ita}");

    // Reference rates imported beside it are read again within about a second: a pledge in a
    // currency without rates is refused (the reports could not count it) until they arrive.
    let coordinator = server.token("coordinator");
    let pledge = |key: &str| {
        let command = serde_json::json!({"type": "announce-pledge", "supersedes": null, "announcement": {
            "pledge": key, "kind": "solo", "contributor": {"party": "NLD"},
            "amount": {"amount_minor": 100000, "currency": "UAH"}, "package": null, "earmark": null,
            "date": "2026-06-02", "source": {"url": null, "date": "2026-06-02", "confidence": "reported"},
            "note": null}});
        server.post(Some(&coordinator), key, &serde_json::json!({ "command": command }).to_string())
    };
    let refused = pledge("U1");
    assert_eq!(refused.status, 422, "{}", refused.body);
    assert!(refused.body.contains("no exchange rate for UAH"), "{}", refused.body);
    let rates = server._dir.path().join("uah.csv");
    std::fs::write(&rates, "Date,UAH,\n2026-06-01,45.5,\n").unwrap();
    let out = tranche(&server.database).args(["import", "ecb", rates.to_str().unwrap()]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    let mut attempt = 0;
    while pledge(&format!("U{}", attempt + 2)).status != 201 {
        attempt += 1;
        assert!(std::time::Instant::now() < deadline, "the server did not read the new UAH rate");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    assert_eq!(server.get("/api/v1/summary?as_of=2026-11-26", None).status, 200);
}

/// A dashboard visitor: the CSRF cookie it was given and the form token its pages carry, and its
/// session once signed in. Redirects are not followed, so a form post's `Location` can be read.
struct Visitor<'a> {
    server: &'a Server,
    agent: ureq::Agent,
    /// The form token the server issued for the cookies below.
    csrf: String,
    cookies: String,
}

/// The form token (`name="csrf" value="..."`) on a page.
fn form_token(html: &str) -> String {
    let marker = "name=\"csrf\" value=\"";
    let start = html.find(marker).expect("a form token") + marker.len();
    html[start..start + html[start..].find('"').unwrap()].to_string()
}

struct PageReply {
    status: u16,
    location: Option<String>,
    body: String,
}

impl<'a> Visitor<'a> {
    fn new(server: &'a Server) -> Visitor<'a> {
        let agent: ureq::Agent =
            ureq::Agent::config_builder().http_status_as_error(false).max_redirects(0).build().into();
        let mut response = agent.get(&format!("{}/sign-in", server.url)).call().unwrap();
        let set = response.headers().get("set-cookie").expect("a CSRF cookie").to_str().unwrap().to_string();
        let cookie = set.split(';').next().unwrap().to_string();
        assert!(cookie.starts_with("tranche_csrf="), "the CSRF cookie: {cookie}");
        let csrf = form_token(&response.body_mut().read_to_string().unwrap());
        Visitor { server, agent, csrf, cookies: cookie }
    }

    fn signed_in(server: &'a Server, role: &str) -> Visitor<'a> {
        let mut visitor = Visitor::new(server);
        let token = server.token(role);
        let csrf = visitor.csrf.clone();
        let reply = visitor.post("/sign-in", &[("csrf", &csrf), ("token", &token)]);
        assert_eq!(reply.status, 303, "{}", reply.body);
        assert!(visitor.cookies.contains("tranche_session="), "signed in");
        visitor
    }

    /// The reply, and the session and CSRF cookies it sets.
    fn read(response: Result<ureq::http::Response<ureq::Body>, ureq::Error>) -> (PageReply, Option<(String, String)>) {
        let mut response = response.unwrap();
        let location = response.headers().get("location").map(|v| v.to_str().unwrap().to_string());
        let set: Vec<String> = response
            .headers()
            .get_all("set-cookie")
            .iter()
            .map(|v| v.to_str().unwrap().split(';').next().unwrap().to_string())
            .collect();
        let find = |name: &str| set.iter().find(|c| c.starts_with(name)).cloned();
        let session = find("tranche_session=").zip(find("tranche_csrf="));
        let body = response.body_mut().read_to_string().unwrap();
        (PageReply { status: response.status().as_u16(), location, body }, session)
    }

    fn get(&self, path: &str) -> PageReply {
        let request = self.agent.get(&format!("{}{path}", self.server.url)).header("Cookie", &self.cookies);
        Visitor::read(request.call()).0
    }

    fn post(&mut self, path: &str, fields: &[(&str, &str)]) -> PageReply {
        let body: String = fields
            .iter()
            .map(|(k, v)| format!("{k}={}", v.replace('%', "%25").replace('&', "%26").replace('+', "%2B")))
            .collect::<Vec<_>>()
            .join("&");
        let request = self
            .agent
            .post(&format!("{}{path}", self.server.url))
            .header("Cookie", &self.cookies)
            .header("Content-Type", "application/x-www-form-urlencoded");
        let (reply, session) = Visitor::read(request.send(body));
        // Signing in sets a session and a new CSRF cookie: the pages then carry a new token.
        if let Some((session, csrf)) = session {
            self.cookies = format!("{csrf}; {session}");
            self.csrf = form_token(&self.get("/sign-in").body);
        }
        reply
    }
}

/// The `data-value` of the cell `data-field="{field}"` inside `html`.
fn field_value<'a>(html: &'a str, field: &str) -> &'a str {
    let marker = format!("data-field=\"{field}\" data-value=\"");
    let start = html.find(&marker).unwrap_or_else(|| panic!("no {field} in {html}")) + marker.len();
    &html[start..start + html[start..].find('"').unwrap()]
}

/// The log head of the funding page's proposal.
fn proposal_head(html: &str) -> u64 {
    let marker = "id=\"proposal-head\" data-value=\"";
    let start = html.find(marker).unwrap_or_else(|| panic!("no proposal head on {html}")) + marker.len();
    html[start..start + html[start..].find('"').unwrap()].parse().unwrap()
}

fn accept_form<'v>(csrf: &'v str, head: &'v str) -> Vec<(&'static str, &'v str)> {
    vec![
        ("csrf", csrf),
        ("at_head", head),
        ("as_of", "2026-04-30"),
        ("include_announced", "false"),
        ("assume_triggers", ""),
    ]
}

/// The Funding page on the exercise (as of 2026-04-30 EX-P3 needs USD 350,000,000 and the
/// proposal funds it): restricted to the coordinator, admin and auditor; the API's figures;
/// Accept with a good CSRF token and head writes the allocations once; the old head again, or a
/// missing or wrong token, writes nothing.
#[test]
fn the_funding_page_shows_the_apis_proposal_and_accepts_it_once() {
    let server = Server::start_exercise();
    let path = "/funding?as_of=2026-04-30";
    assert_eq!(Visitor::new(&server).get(path).status, 401, "the public is asked to sign in");
    let contributor = Visitor::signed_in(&server, "contributor:NLD");
    let refused = contributor.get(path);
    assert_eq!(refused.status, 403, "{}", refused.body);
    assert!(!contributor.get("/").body.contains("href=\"/funding\""), "no Funding link for a contributor");
    let auditor = Visitor::signed_in(&server, "auditor");
    let read = auditor.get(path);
    assert_eq!(read.status, 200, "{}", read.body);
    assert!(!read.body.contains("action=\"/funding/accept\""), "an auditor reads, without the Accept button");

    let mut coordinator = Visitor::signed_in(&server, "coordinator");
    let page = coordinator.get(path);
    assert_eq!(page.status, 200, "{}", page.body);
    let nav = element(&page.body, "<nav", "nav");
    assert!(nav.contains("aria-current=\"page\">Funding</a>"), "the navigation marks the page: {nav}");
    assert!(page.body.contains("action=\"/funding/accept\""), "the coordinator sees the Accept button");
    let token = server.token("coordinator");
    let api = server.get("/api/v1/funding/proposal?as_of=2026-04-30", Some(&token)).json();
    let head = api["log_head"].as_u64().unwrap();
    assert_eq!(proposal_head(&page.body), head);
    let packages = element(&page.body, "<table id=\"proposal-packages\"", "table");
    for package in api["packages"].as_array().unwrap() {
        let id = package["package"].as_str().unwrap();
        let row = element(packages, &format!("<tr data-package=\"{id}\""), "tr");
        assert!(row.contains(&format!("data-status=\"{}\"", package["status"].as_str().unwrap())), "{row}");
        for field in ["price", "allocated_before", "need", "proposed"] {
            assert_eq!(field_value(row, field), package[field].as_str().unwrap(), "{id} {field}");
        }
        for explanation in package["explanations"].as_array().unwrap() {
            assert!(row.contains(explanation.as_str().unwrap()), "{id}: {explanation}");
        }
    }
    let p3 = element(packages, "<tr data-package=\"EX-P3\"", "tr");
    assert_eq!((field_value(p3, "need"), field_value(p3, "proposed")), ("350000000.00", "350000000.00"));
    let allocations = element(&page.body, "<table id=\"proposal-allocations\"", "table");
    let api_allocations = api["allocations"].as_array().unwrap();
    assert_eq!(allocations.matches("<tr data-pledge=").count(), api_allocations.len());
    for allocation in api_allocations {
        let (pledge, package) = (allocation["pledge"].as_str().unwrap(), allocation["package"].as_str().unwrap());
        let row = element(allocations, &format!("<tr data-pledge=\"{pledge}\" data-package=\"{package}\""), "tr");
        assert_eq!(field_value(row, "amount"), allocation["amount"].as_str().unwrap(), "{pledge}");
        assert_eq!(field_value(row, "committed"), allocation["committed"].to_string(), "{pledge}");
    }
    let excluded = element(&page.body, "<table id=\"proposal-excluded\"", "table");
    for left_out in api["excluded"].as_array().unwrap() {
        let row = element(excluded, &format!("<tr data-pledge=\"{}\"", left_out["pledge"].as_str().unwrap()), "tr");
        assert!(row.contains(left_out["reason"].as_str().unwrap()), "{row}");
    }

    // Refused posts write nothing: no CSRF token, a wrong one, an auditor.
    let head_text = head.to_string();
    let csrf = coordinator.csrf.clone();
    let mut form = accept_form(&csrf, &head_text);
    form.remove(0);
    assert_eq!(coordinator.post("/funding/accept", &form).status, 400, "no CSRF field");
    let wrong = accept_form("00112233", &head_text);
    let refused = coordinator.post("/funding/accept", &wrong);
    assert_eq!(refused.status, 403, "{}", refused.body);
    assert!(refused.body.contains("security token does not match"), "{}", refused.body);
    let mut auditor = auditor;
    let auditor_csrf = auditor.csrf.clone();
    assert_eq!(auditor.post("/funding/accept", &accept_form(&auditor_csrf, &head_text)).status, 403);
    let unchanged = server.get("/api/v1/funding/proposal?as_of=2026-04-30", Some(&token)).json();
    assert_eq!(unchanged["log_head"].as_u64(), Some(head), "a refused post wrote nothing");

    // Accepted: a redirect to the page, which shows what was written; EX-P3 is funded.
    let accepted = coordinator.post("/funding/accept", &accept_form(&csrf, &head_text));
    assert_eq!(accepted.status, 303, "{}", accepted.body);
    let location = accepted.location.unwrap();
    assert_eq!(location, format!("/funding?as_of=2026-04-30&accepted={head}#written"));
    let after = coordinator.get(location.split('#').next().unwrap());
    assert_eq!(after.status, 200, "{}", after.body);
    let written = element(&after.body, "<table id=\"written-table\"", "table");
    let committed = api_allocations.iter().filter(|a| a["committed"] == true).count();
    assert_eq!(written.matches("<tr data-package=\"EX-P3\"").count(), committed, "{written}");
    assert!(written.contains("<span class=\"badge\">funded</span>"), "{written}");
    let packages = server.get("/api/v1/packages", Some(&token)).json();
    let p3 = packages.as_array().unwrap().iter().find(|p| p["package"] == "EX-P3").unwrap();
    assert_eq!(p3["state"], "funded", "{p3}");
    let moved = server.get("/api/v1/funding/proposal?as_of=2026-04-30", Some(&token)).json();
    let now = moved["log_head"].as_u64().unwrap();
    assert!(now > head, "the allocations were written");

    // The old head again: nothing written, and the page says the log moved on.
    let again = coordinator.post("/funding/accept", &accept_form(&csrf, &head_text));
    assert_eq!(again.status, 409, "{}", again.body);
    assert!(again.body.contains("the log has moved on"), "{}", again.body);
    assert!(again.body.contains("here is the proposal again"), "{}", again.body);
    assert_eq!(proposal_head(&again.body), now, "the proposal again, at the current head");
    let still = server.get("/api/v1/funding/proposal?as_of=2026-04-30", Some(&token)).json();
    assert_eq!(still["log_head"].as_u64(), Some(now), "a second accept wrote nothing");

    for (path, says) in [
        ("/funding?as_of=2026-02-30", "as_of"),
        ("/funding?include_announced=maybe", "include_announced \"maybe\" is not true or false"),
        ("/funding?assume_triggers=Talks%20Fail", "assume_triggers"),
        ("/funding?accepted=lots", "accepted \"lots\" is not a log head"),
    ] {
        let page = coordinator.get(path);
        assert_eq!(page.status, 400, "{path}: {}", page.body);
        assert!(page.body.replace("&#34;", "\"").contains(says), "{path}: {}", page.body);
    }
}

/// The overview's projection for each open goal carries the targets report's figures for the
/// same as-of date, and says they are projections.
#[test]
fn the_overviews_projections_are_the_targets_reports() {
    let server = Server::start();
    for as_of in ["2026-04-30", "2026-11-30"] {
        let report = server.get(&format!("/api/v1/targets/report?as_of={as_of}"), None).json();
        let page = server.get(&format!("/?as_of={as_of}"), None);
        assert_eq!(page.status, 200, "{}", page.body);
        let open: Vec<&Value> =
            report["targets"].as_array().unwrap().iter().filter(|t| t["status"] == "open").collect();
        assert!(!open.is_empty(), "T03 is open on {as_of}");
        // The record ends on 2026-02-17: on 2026-11-30 the trailing 3-month window holds no
        // record, so the projection is left out with a sentence saying why.
        if as_of == "2026-11-30" {
            assert!(page.body.contains("id=\"projection-left-out\""), "{}", page.body);
            assert!(!page.body.contains("<section aria-labelledby=\"projections-heading\""));
            continue;
        }
        let section = element(&page.body, "<section aria-labelledby=\"projections-heading\"", "section");
        assert!(section.contains("Projections, not records"), "{section}");
        for target in open {
            let id = target["id"].as_str().unwrap();
            let item = element(section, &format!("<li data-target=\"{id}\""), "li");
            let rate = target["projected"]["at_trailing_rates"]
                .as_array()
                .unwrap()
                .iter()
                .find(|r| r["window_months"] == 3)
                .unwrap();
            let text = |v: &Value| v.as_str().map(str::to_string).unwrap_or_default();
            for (attribute, expected) in [
                ("data-still-needed", text(&target["still_needed"])),
                ("data-required-per-month", text(&target["required_per_month"])),
                ("data-rate-per-month", text(&rate["per_month"])),
                ("data-reached-kind", text(&rate["reached"]["kind"])),
                ("data-reached-date", text(&rate["reached"]["date"])),
            ] {
                assert!(item.contains(&format!("{attribute}=\"{expected}\"")), "{as_of} {id} {attribute}: {item}");
            }
            let reached = match rate["reached"]["kind"].as_str().unwrap() {
                "never" => "never at this rate".to_string(),
                _ => text(&rate["reached"]["date"]),
            };
            assert!(item.contains(&reached), "{item}");
            assert!(item.contains("projection"), "marked as a projection: {item}");
        }
    }
    assert_eq!(server.get("/?as_of=2026-13-01", None).status, 400);
}

/// A client that lost the answer to a write asks what became of it: the outcome and its events
/// for the actor that sent it (the same events as the event list, where they carry the command
/// id); another actor gets 404, as for a key never sent; admin reads any with `actor`.
#[test]
fn a_commands_outcome_is_read_back_by_its_sender_only() {
    let server = Server::start();
    let nld = server.token("contributor:NLD");
    let deu = server.token("contributor:DEU");
    let admin = server.token("admin");
    let commit = json!({"command": {"type": "commit-pledge", "pledge": "R02", "amount": null, "date": "2025-08-10"}});
    problem(&server.get("/api/v1/commands/lost-1", Some(&nld)), 404, "not-found");
    let sent = server.post(Some(&nld), "lost-1", &commit.to_string());
    assert_eq!(sent.status, 201, "{}", sent.body);
    let sent = sent.json();

    let read = server.get("/api/v1/commands/lost-1", Some(&nld));
    assert_eq!(read.status, 200, "{}", read.body);
    let outcome = read.json();
    assert_eq!(outcome["command_id"], "lost-1");
    assert_eq!(outcome["actor"], "contributor:NLD");
    assert_eq!(outcome["status"], "accepted");
    assert_eq!(outcome["first_seq"], sent["first_seq"]);
    assert_eq!(outcome["event_count"], sent["event_count"]);
    let events = outcome["events"].as_array().unwrap();
    assert_eq!(events.len() as u64, sent["event_count"].as_u64().unwrap());
    assert_eq!(events[0]["kind"], "pledge-committed");
    assert_eq!(events[0]["event"]["pledge-committed"]["pledge"], "R02", "{}", read.body);
    // The event list shows the same events, each with the command it came from.
    let first = sent["first_seq"].as_u64().unwrap();
    let page = server.get(&format!("/api/v1/events?after={}&limit={}", first - 1, events.len()), None).json();
    assert_eq!(page["events"].as_array().unwrap(), events, "the outcome's events are the event list's");
    assert_eq!(page["events"][0]["command_id"], "contributor:NLD/lost-1");

    // Others: 404 whether they name the actor or not; the public: 401.
    problem(&server.get("/api/v1/commands/lost-1", Some(&deu)), 404, "not-found");
    problem(&server.get("/api/v1/commands/lost-1?actor=contributor:NLD", Some(&deu)), 404, "not-found");
    problem(&server.get("/api/v1/commands/lost-1", None), 401, "unauthorized");
    problem(&server.get("/api/v1/commands/lost-1", Some(&admin)), 404, "not-found");
    let by_admin = server.get("/api/v1/commands/lost-1?actor=contributor:NLD", Some(&admin));
    assert_eq!(by_admin.status, 200, "{}", by_admin.body);
    assert_eq!(by_admin.json()["events"], outcome["events"]);
    problem(&server.get("/api/v1/commands/lost-1?actor=nobody", Some(&admin)), 400, "bad-request");

    // A refused command leaves no outcome; a repeat keeps the first.
    let overpay = json!({"command": {"type": "pay-pledge", "pledge": "R02", "amount": {"amount_minor": 50000000001i64, "currency": "EUR"}, "date": "2025-08-11"}});
    problem(&server.post(Some(&nld), "lost-2", &overpay.to_string()), 422, "rejected");
    problem(&server.get("/api/v1/commands/lost-2", Some(&nld)), 404, "not-found");
    assert_eq!(server.post(Some(&nld), "lost-1", &commit.to_string()).status, 200);
    assert_eq!(server.get("/api/v1/commands/lost-1", Some(&nld)).json(), outcome);
}
