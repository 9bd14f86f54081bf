//! The HTTP edge of the real `tranche serve`: connections that never finish their headers,
//! idle keep-alive connections and connections over the cap are closed; made-up methods do not
//! grow `/metrics`; the framework's own errors are problem+json; every response carries the
//! security headers; logs are JSON lines carrying the request id. Raw TCP where a client
//! library would not send what a hostile client sends.

mod common;

use std::io::{BufRead, BufReader, ErrorKind, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A `tranche serve` on a demo store, its stderr lines collected as they come.
struct Edge {
    child: Child,
    addr: String,
    stderr: Arc<Mutex<Vec<String>>>,
    _dir: tempfile::TempDir,
}

impl Edge {
    /// `tranche [GLOBAL] serve --listen 127.0.0.1:0 [SERVE]` on a fresh demo store.
    fn start(global: &[&str], serve: &[&str]) -> Edge {
        let dir = tempfile::tempdir().unwrap();
        let database = dir.path().join("tranche.db").to_str().unwrap().to_string();
        common::tranche(&database, &["demo", "--no-serve"]);
        let mut child = Command::new(env!("CARGO_BIN_EXE_tranche"))
            .args(["--database", &database])
            .args(global)
            .args(["serve", "--listen", "127.0.0.1:0"])
            .args(serve)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stderr = Arc::new(Mutex::new(Vec::new()));
        let lines = stderr.clone();
        let pipe = child.stderr.take().unwrap();
        // Drained all along, so that the server never blocks on a full pipe.
        std::thread::spawn(move || {
            for line in BufReader::new(pipe).lines().map_while(Result::ok) {
                lines.lock().unwrap().push(line);
            }
        });
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
        let url = line.trim().strip_prefix("listening on ").unwrap_or_else(|| panic!("first line {line:?}"));
        let addr = url.strip_prefix("http://").unwrap().to_string();
        Edge { child, addr, stderr, _dir: dir }
    }

    fn connect(&self) -> TcpStream {
        let stream = TcpStream::connect(&self.addr).unwrap();
        stream.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        stream
    }

    /// Sends `request` as it is and reads the response until the server closes.
    fn exchange(&self, request: &[u8]) -> Reply {
        let mut stream = self.connect();
        stream.write_all(request).unwrap();
        let mut bytes = Vec::new();
        match stream.read_to_end(&mut bytes) {
            Ok(_) => {}
            // The server may close with request bytes unread (a refused body): a reset.
            Err(error) if error.kind() == ErrorKind::ConnectionReset && !bytes.is_empty() => {}
            Err(error) => panic!("reading the response to {:?}: {error}", String::from_utf8_lossy(request)),
        }
        Reply::parse(&bytes)
    }

    fn get(&self, path: &str) -> Reply {
        self.exchange(&raw(&format!("GET {path}"), "", ""))
    }
}

impl Drop for Edge {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A request as bytes: `line` is the method and target, `headers` more header lines (each
/// ending in CRLF); the connection closes after the response.
fn raw(line: &str, headers: &str, body: &str) -> Vec<u8> {
    format!("{line} HTTP/1.1\r\nHost: t\r\n{headers}Connection: close\r\n\r\n{body}").into_bytes()
}

struct Reply {
    status: u16,
    /// Lower-case names.
    headers: Vec<(String, String)>,
    body: String,
}

impl Reply {
    fn parse(bytes: &[u8]) -> Reply {
        let text = String::from_utf8_lossy(bytes);
        let (head, body) = text.split_once("\r\n\r\n").unwrap_or_else(|| panic!("no response head in {text:?}"));
        let mut lines = head.lines();
        let status = lines.next().unwrap().split(' ').nth(1).unwrap().parse().unwrap();
        let headers = lines
            .filter_map(|l| l.split_once(':'))
            .map(|(name, value)| (name.trim().to_ascii_lowercase(), value.trim().to_string()))
            .collect();
        Reply { status, headers, body: body.to_string() }
    }

    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }
}

/// Whether the server closed `stream` (end of file or a reset) within its read timeout.
fn closed_by_server(stream: &mut TcpStream) -> bool {
    let mut buffer = [0u8; 1024];
    loop {
        match stream.read(&mut buffer) {
            Ok(0) => return true,
            Ok(_) => continue,
            Err(error) if matches!(error.kind(), ErrorKind::ConnectionReset | ErrorKind::ConnectionAborted) => {
                return true;
            }
            Err(_) => return false,
        }
    }
}

#[test]
fn half_sent_requests_are_closed_within_the_header_timeout_and_health_answers_meanwhile() {
    let edge = Edge::start(&[], &["--header-timeout-seconds", "1"]);
    let started = Instant::now();
    let partial: [&[u8]; 3] = [b"GET /healthz HT", b"GET /healthz HTTP/1.1\r\nHost: t\r\n", b"POST /api/v1/com"];
    let mut streams: Vec<TcpStream> = (0..200)
        .map(|i| {
            let mut stream = edge.connect();
            stream.write_all(partial[i % partial.len()]).unwrap();
            stream
        })
        .collect();
    let health = edge.get("/healthz");
    assert_eq!((health.status, health.body.as_str()), (200, "ok"));
    for (i, stream) in streams.iter_mut().enumerate() {
        stream.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        assert!(closed_by_server(stream), "half-sent request {i} is still open after {:?}", started.elapsed());
    }
    assert!(started.elapsed() < Duration::from_secs(8), "closing took {:?}", started.elapsed());
}

#[test]
fn an_idle_keep_alive_connection_is_closed() {
    let edge = Edge::start(&[], &["--header-timeout-seconds", "1"]);
    let mut stream = edge.connect();
    stream.write_all(b"GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n").unwrap();
    let mut buffer = [0u8; 4096];
    let read = stream.read(&mut buffer).unwrap();
    assert!(buffer[..read].starts_with(b"HTTP/1.1 200"), "{}", String::from_utf8_lossy(&buffer[..read]));
    stream.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    assert!(closed_by_server(&mut stream), "the idle keep-alive connection stayed open");
}

#[test]
fn connections_over_the_cap_are_closed_at_once() {
    let edge = Edge::start(&[], &["--max-connections", "8", "--header-timeout-seconds", "60"]);
    let mut held: Vec<TcpStream> = (0..8).map(|_| edge.connect()).collect();
    let mut over = edge.connect();
    over.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    assert!(closed_by_server(&mut over), "the ninth connection was kept waiting");
    // A slot freed is a slot served again.
    held.pop();
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let mut stream = edge.connect();
        stream.write_all(b"GET /healthz HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n").unwrap();
        let mut bytes = Vec::new();
        if stream.read_to_end(&mut bytes).is_ok() && bytes.starts_with(b"HTTP/1.1 200") {
            break;
        }
        assert!(Instant::now() < deadline, "no connection served after one closed");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The request series `/metrics` holds.
fn request_series(edge: &Edge) -> Vec<String> {
    let metrics = edge.get("/metrics");
    assert_eq!(metrics.status, 200);
    metrics.body.lines().filter(|l| l.starts_with("tranche_http_requests_total{")).map(str::to_string).collect()
}

fn send_made_up_methods(edge: &Edge, range: std::ops::Range<u32>) {
    for i in range {
        let reply = edge.exchange(&raw(&format!("XMETHOD{i} /healthz"), "", ""));
        assert_eq!(reply.status, 405);
    }
}

#[test]
fn made_up_methods_do_not_add_metric_series() {
    let edge = Edge::start(&[], &[]);
    send_made_up_methods(&edge, 0..20);
    // The first read of /metrics is counted after it is rendered: read it twice.
    request_series(&edge);
    let before = request_series(&edge);
    send_made_up_methods(&edge, 20..120);
    let after = request_series(&edge);
    let labels = |series: &[String]| -> Vec<String> {
        series.iter().map(|s| s.split_once(' ').unwrap().0.to_string()).collect()
    };
    assert_eq!(labels(&before), labels(&after), "the series grew with made-up methods");
    let known = ["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "other"];
    for series in &after {
        let method = series.split("method=\"").nth(1).and_then(|rest| rest.split('"').next()).unwrap();
        assert!(known.contains(&method), "{series}");
    }
}

fn check_security_headers(edge: &Edge, path: &str) {
    let reply = edge.get(path);
    assert!(reply.status < 500, "{path}: {}", reply.status);
    let policy = reply.header("content-security-policy").unwrap_or_else(|| panic!("{path}: no CSP"));
    for directive in ["default-src 'self'", "script-src 'self'", "frame-ancestors 'none'", "object-src 'none'"] {
        assert!(policy.contains(directive), "{path}: {policy}");
    }
    assert!(!policy.contains("unsafe-inline") && !policy.contains("unsafe-eval"), "{path}: {policy}");
    assert_eq!(reply.header("x-content-type-options"), Some("nosniff"), "{path}");
    assert_eq!(reply.header("referrer-policy"), Some("same-origin"), "{path}");
    assert_eq!(reply.header("x-frame-options"), Some("DENY"), "{path}");
}

#[test]
fn every_response_carries_the_security_headers() {
    let edge = Edge::start(&[], &[]);
    for path in ["/", "/records", "/contributors", "/api/v1/summary", "/assets/htmx.min.js", "/no-such-page"] {
        check_security_headers(&edge, path);
    }
}

/// Sends a raw request; the answer must be `status` as problem+json of `kind`.
fn check_problem(edge: &Edge, request: &[u8], status: u16, kind: &str) {
    let started = Instant::now();
    let reply = edge.exchange(request);
    let shown = String::from_utf8_lossy(&request[..request.len().min(60)]).to_string();
    assert_eq!(reply.status, status, "{shown}: {}", reply.body);
    assert_eq!(reply.header("content-type"), Some("application/problem+json"), "{shown}");
    assert!(reply.body.contains(&format!("\"urn:tranche:problem:{kind}\"")), "{shown}: {}", reply.body);
    assert!(started.elapsed() < Duration::from_secs(5), "{shown}: answered after {:?}", started.elapsed());
}

#[test]
fn the_frameworks_own_errors_are_problems() {
    let edge = Edge::start(&[], &["--timeout-seconds", "1"]);
    let post = |length: &str, body: &str| {
        let headers = format!("Content-Type: application/json\r\nContent-Length: {length}\r\n");
        raw("POST /api/v1/commands", &headers, body)
    };
    // A declared body over the limit: refused at once, not after waiting for it.
    check_problem(&edge, &post("99999999999", ""), 413, "payload-too-large");
    check_problem(&edge, &post("70000", "{"), 413, "payload-too-large");
    // A body that never comes: the request timeout.
    check_problem(&edge, &post("10", "{\"com"), 408, "timeout");
    check_problem(&edge, &raw(&format!("GET /api/v1/{}", "a".repeat(9000)), "", ""), 414, "uri-too-long");
    let many: String = (0..120).map(|i| format!("X-Filler-{i}: {i}\r\n")).collect();
    check_problem(&edge, &raw("GET /healthz", &many, ""), 431, "headers-too-large");
    let big = format!("X-Big: {}\r\n", "b".repeat(40_000));
    check_problem(&edge, &raw("GET /healthz", &big, ""), 431, "headers-too-large");
    check_problem(&edge, &raw("DELETE /healthz", "", ""), 405, "method-not-allowed");
}

#[test]
fn logs_are_json_lines_carrying_the_request_id() {
    let edge = Edge::start(&["--log-format", "json"], &[]);
    let reply = edge.exchange(&raw("GET /api/v1/summary", "X-Request-Id: edge-test-42\r\n", ""));
    assert_eq!(reply.status, 200);
    assert_eq!(reply.header("x-request-id"), Some("edge-test-42"));
    let made = edge.exchange(&raw("GET /healthz", "X-Request-Id: not ok\"\r\n", ""));
    let made = made.header("x-request-id").unwrap().to_string();
    assert!(!made.is_empty() && made != "not ok\"", "{made}");
    // The access line of each request, in its span.
    let logged = |id: &str| {
        let lines = edge.stderr.lock().unwrap();
        let mut json = lines.iter().filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok());
        json.any(|line| line["span"]["id"] == id && line["fields"]["message"] == "answered")
    };
    // The line is written as the response goes out: wait for the pipe, briefly.
    let deadline = Instant::now() + Duration::from_secs(5);
    while !(logged("edge-test-42") && logged(&made)) {
        let lines = edge.stderr.lock().unwrap().join("\n");
        assert!(Instant::now() < deadline, "no JSON log line with both request ids in:\n{lines}");
        std::thread::sleep(Duration::from_millis(20));
    }
}
