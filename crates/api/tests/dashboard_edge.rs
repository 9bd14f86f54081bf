//! A hostile client against the dashboard's HTML routes, on the real server in process: bad
//! queries, wrong methods and oversized requests answer HTML pages on the dashboard's paths and
//! problem+json under `/api/`; unknown values and contributors are named; form posts need a token
//! the server issued, from this server's pages; the log's CSV fits a spreadsheet.

use tranche_core::auth::Role;
use tranche_core::*;
use tranche_store::synthetic::{date, envelope, lifecycle, open, seed};
use tranche_store::{AnyStore, Ledger, SqliteStore, Store};

struct Server {
    url: String,
    /// The address without the scheme, as a browser's `Host` header carries it.
    host: String,
    admin: String,
    agent: ureq::Agent,
    _dir: tempfile::TempDir,
}

#[derive(Debug)]
struct Reply {
    status: u16,
    content_type: String,
    location: String,
    allow: String,
    /// The `name=value` of every `Set-Cookie`.
    cookies: Vec<String>,
    body: String,
}

/// A joint pledge by `members` (in that order) on 2025-09-01.
fn joint(id: &str, members: &[&str]) -> Envelope {
    let day = date("2025-09-01");
    let announcement = Announcement {
        pledge: PledgeId::parse(id).unwrap(),
        kind: PledgeKind::JointPackage,
        contributor: Contributor::Joint(members.iter().map(|m| PartyId::parse(m).unwrap()).collect()),
        amount: Some(Money::new(5_000_000_00, Currency::EUR).unwrap()),
        package: None,
        earmark: None,
        date: day,
        source: Source { url: None, date: day, confidence: Confidence::Confirmed },
        note: None,
        contingent_on: None,
        cap_per_package: None,
        shares: Vec::new(),
    };
    envelope(format!("j-{id}"), Command::AnnouncePledge { announcement, supersedes: None })
}

/// `count` more parties (`ZQAAAA`, `ZQAAAB`, ...) and one group of all of them: an event whose
/// JSON is longer than a spreadsheet cell.
fn big_group(count: usize) -> Vec<Envelope> {
    let ids: Vec<String> = (0..count)
        .map(|n| {
            let letters: String = (0..4).rev().map(|k| char::from(b'A' + ((n / 26usize.pow(k)) % 26) as u8)).collect();
            format!("ZQ{letters}")
        })
        .collect();
    let mut commands: Vec<Envelope> = ids
        .iter()
        .map(|id| {
            let party = Party {
                id: PartyId::parse(id).unwrap(),
                name: Name::parse(id).unwrap(),
                kind: PartyKind::State,
                role: PartyRole::Contributor,
                gdp_2021_bn_eur: None,
                nato_member_since: None,
            };
            envelope(format!("party:{id}"), Command::RegisterParty { party })
        })
        .collect();
    let group = Group {
        id: GroupId::parse("BIG").unwrap(),
        name: Name::parse("All of them").unwrap(),
        members: ids.iter().map(|id| PartyId::parse(id).unwrap()).collect(),
    };
    commands.push(envelope("group:BIG".into(), Command::DefineGroup { group }));
    commands
}

impl Server {
    /// Eight parties, a paid pledge by NLD, a joint pledge by NOR+SWE, and `extra` commands;
    /// served on a port of its own by a runtime on a thread of its own.
    fn start(extra: Vec<Envelope>) -> Server {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("tranche.db");
        let mut ledger = open(&path);
        seed(&mut ledger);
        ledger.execute_all(&lifecycle(0, 1)).unwrap();
        ledger.execute_all(&[joint("J1", &["NOR", "SWE"])]).unwrap();
        if !extra.is_empty() {
            ledger.execute_all(&extra).unwrap();
        }
        drop(ledger);
        let mut store = SqliteStore::open(&path).unwrap();
        let admin = tranche_api::tokens::issue(Role::Admin, None).unwrap();
        store.insert_token(&admin.stored).unwrap();
        let writes: AnyStore = Box::new(store);
        let reads: AnyStore = Box::new(SqliteStore::open(&path).unwrap());
        let (address, listening) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
            runtime.block_on(async move {
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
                address.send(listener.local_addr().unwrap()).unwrap();
                let ledger = Ledger::open(writes).unwrap();
                let log = tranche_api::log::LogConfig { signer: None, witnesses: Vec::new() };
                tranche_api::serve(listener, ledger, reads, tranche_api::Limits::default(), log).await.unwrap();
            });
        });
        let url = tranche_api::local_url(listening.recv().unwrap());
        let host = url.strip_prefix("http://").unwrap().to_string();
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .timeout_global(Some(std::time::Duration::from_secs(60)))
            .build()
            .into();
        Server { url, host, admin: admin.text, agent, _dir: dir }
    }

    fn reply(response: Result<ureq::http::Response<ureq::Body>, ureq::Error>) -> Reply {
        let mut response = response.unwrap();
        let header =
            |name: &str| response.headers().get(name).map(|v| v.to_str().unwrap().to_string()).unwrap_or_default();
        let (content_type, location, allow) = (header("content-type"), header("location"), header("allow"));
        let cookies = response
            .headers()
            .get_all("set-cookie")
            .iter()
            .map(|v| v.to_str().unwrap().split(';').next().unwrap().to_string())
            .collect();
        let body = response.body_mut().with_config().limit(64 << 20).read_to_string().unwrap();
        Reply { status: response.status().as_u16(), content_type, location, allow, cookies, body }
    }

    fn get(&self, path: &str, headers: &[(&str, &str)]) -> Reply {
        let mut request = self.agent.get(&format!("{}{path}", self.url));
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        Server::reply(request.call())
    }

    fn post(&self, path: &str, headers: &[(&str, &str)], body: &str) -> Reply {
        let mut request = self.agent.post(&format!("{}{path}", self.url));
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        Server::reply(request.send(body))
    }
}

const HTML: &str = "text/html; charset=utf-8";
const PROBLEM: &str = "application/problem+json";

/// `path` answers `status` as an HTML page (in the language `accept_language` asks for) whose
/// text holds every one of `says`.
fn check_page(server: &Server, path: &str, accept_language: &str, status: u16, says: &[&str]) {
    let reply = server.get(path, &[("Accept-Language", accept_language)]);
    assert_eq!((reply.status, reply.content_type.as_str()), (status, HTML), "{path}: {}", reply.body);
    let shown = reply.body.replace("&#34;", "\"").replace("&#39;", "'");
    for text in says {
        assert!(shown.contains(text), "{path} does not say {text:?}: {shown}");
    }
}

#[test]
fn repeated_or_unparsable_query_parameters_answer_an_html_400_naming_them() {
    let server = Server::start(Vec::new());
    check_page(&server, "/records?party=NLD&party=DEU", "en", 400, &["The parameter party is given more than once"]);
    check_page(
        &server,
        "/?as_of=2025-09-01&as_of=2025-10-01",
        "en",
        400,
        &["The parameter as_of is given more than once"],
    );
    check_page(&server, "/contributors?sort=party&dir=asc&sort=counted", "en", 400, &["parameter sort is given"]);
    check_page(&server, "/my?format=csv&format=json", "en", 400, &["parameter format"]);
    // In the page's language.
    check_page(
        &server,
        "/records?party=NLD&party=DEU",
        "fr",
        400,
        &["Requête incorrecte", "Le paramètre party figure"],
    );
    check_page(&server, "/log?as_of=2025-09-01&as_of=2025-09-01", "fr-FR,fr;q=0.9", 400, &["paramètre as_of"]);
    // A parameter no page reads stays ignored, even twice; one given once still works.
    check_page(&server, "/records?utm=a&utm=b&party=NLD", "en", 200, &["<main id=\"content\">"]);
    // The API keeps its problems.
    let api = server.get("/api/v1/summary?as_of=2025-09-01&as_of=2025-10-01", &[]);
    assert_eq!((api.status, api.content_type.as_str()), (400, PROBLEM), "{}", api.body);
}

#[test]
fn unknown_values_of_known_parameters_are_refused_naming_the_values_allowed() {
    let server = Server::start(Vec::new());
    for (path, says) in [
        ("/months?table=foo", "table \"foo\" is not one of months, per-gdp"),
        ("/months?table=foo&format=csv", "table \"foo\" is not one of months, per-gdp"),
        ("/?basis=then", "basis \"then\" is not one of as-of, at-the-time"),
        ("/packages?synthetic=maybe", "synthetic \"maybe\" is not show or hide"),
        ("/records?counts=perhaps", "counts \"perhaps\" is not one of"),
        ("/contributors?dir=sideways", "dir \"sideways\" is not asc or desc"),
        ("/decisions?format=pdf", "format \"pdf\" is not one of html, csv, json"),
        ("/log?as_of=2025-02-30", "as_of"),
        // Pages without a download say so instead of ignoring the format.
        ("/my?format=csv", "the My country page has no download"),
        ("/my/statement?format=json", "the statement has no download"),
        ("/rules?format=csv", "the rules page has no download"),
    ] {
        check_page(&server, path, "en", 400, &[says]);
    }
    check_page(&server, "/months?table=per-gdp", "en", 200, &["<main id=\"content\">"]);
}

#[test]
fn an_unknown_contributor_is_a_404_and_a_reordered_joint_key_redirects_to_the_recorded_one() {
    let server = Server::start(Vec::new());
    check_page(&server, "/records?party=ZZZ", "en", 404, &["No contributor has the key ZZZ"]);
    check_page(&server, "/records?party=ZZZ&format=csv", "en", 404, &["ZZZ"]);
    check_page(&server, "/records?party=NOR%2BDNK", "en", 404, &["NOR+DNK"]);
    check_page(&server, "/records?party=ZZZ", "fr", 404, &["Aucun contributeur ne porte la clé ZZZ"]);
    // A registered party without records, and the joint key as recorded.
    check_page(&server, "/records?party=GBR", "en", 200, &["<main id=\"content\">"]);
    check_page(&server, "/records?party=NOR%2BSWE", "en", 200, &["J1"]);
    let reordered = server.get("/records?kind=joint-package&party=SWE%2BNOR&format=csv", &[]);
    assert_eq!(reordered.status, 308, "{}", reordered.body);
    assert_eq!(reordered.location, "/records?kind=joint-package&party=NOR%2BSWE&format=csv");
    let followed = server.get(&reordered.location, &[]);
    assert_eq!(followed.status, 200, "{}", followed.body);
    assert!(followed.body.lines().skip(1).any(|l| l.starts_with("J1,")), "{}", followed.body);
}

#[test]
fn refusals_before_a_page_answer_html_on_the_dashboard_and_problems_under_the_api() {
    let server = Server::start(Vec::new());
    let check = |reply: Reply, status: u16, html: bool, says: &str| {
        let content_type = if html { HTML } else { PROBLEM };
        assert_eq!((reply.status, reply.content_type.as_str()), (status, content_type), "{}", reply.body);
        assert!(reply.body.contains(says), "{says:?} not in {}", reply.body);
        reply
    };
    // 405, with its Allow header kept; decided by path, whatever Accept says.
    let wrong = check(server.post("/records", &[], ""), 405, true, "Method not allowed");
    assert!(wrong.allow.contains("GET"), "{wrong:?}");
    check(server.post("/records", &[("Accept", "application/json")], ""), 405, true, "does not take that kind");
    check(server.get("/sign-out", &[("Accept-Language", "fr")]), 405, true, "Méthode non autorisée");
    check(server.post("/api/v1/summary", &[("Accept", "text/html")], ""), 405, false, "method-not-allowed");
    // 413: a declared body over the limit.
    let big = "x".repeat(tranche_api::MAX_BODY_BYTES + 1);
    check(server.post("/sign-in", &[], &big), 413, true, "The request’s body is over 65536 bytes");
    check(server.post("/api/v1/commands", &[], &big), 413, false, "payload-too-large");
    // 414: a target over the limit.
    let long = "a".repeat(tranche_api::edge::MAX_URI_BYTES);
    check(server.get(&format!("/records?x={long}"), &[]), 414, true, "The address is over 8192 bytes long");
    check(server.get(&format!("/api/v1/summary?x={long}"), &[]), 414, false, "uri-too-long");
    // 431: too many header fields.
    let names: Vec<String> = (0..=tranche_api::edge::MAX_HEADERS).map(|n| format!("x-pad-{n}")).collect();
    let many: Vec<(&str, &str)> = names.iter().map(|n| (n.as_str(), "1")).collect();
    check(server.get("/", &many), 431, true, "more than 100 header fields");
    check(server.get("/api/v1/summary", &many), 431, false, "headers-too-large");
    // The machine endpoints beside the API keep problems too.
    check(server.post("/healthz", &[], ""), 405, false, "method-not-allowed");
}

/// A browser's visit: the CSRF cookie it was given and the token of the page's forms.
struct Visit {
    cookies: Vec<String>,
    token: String,
}

impl Visit {
    fn of(server: &Server, cookies: Vec<String>) -> Visit {
        let page = server.get("/sign-in", &[("Cookie", &cookies.join("; "))]);
        assert_eq!(page.status, 200, "{}", page.body);
        let mut cookies = cookies;
        cookies.extend(page.cookies);
        let marker = "name=\"csrf\" value=\"";
        let start = page.body.find(marker).expect("a form token") + marker.len();
        let token = page.body[start..start + page.body[start..].find('"').unwrap()].to_string();
        Visit { cookies, token }
    }

    fn cookie(&self, name: &str) -> String {
        let prefix = format!("{name}=");
        self.cookies.iter().rev().find_map(|c| c.strip_prefix(&prefix)).unwrap_or_default().to_string()
    }

    fn header(&self) -> String {
        self.cookies.join("; ")
    }
}

fn form(csrf: &str, token: &str) -> String {
    format!("csrf={csrf}&token={token}")
}

#[test]
fn form_posts_need_a_server_issued_token_from_this_server() {
    let server = Server::start(Vec::new());
    let visit = Visit::of(&server, Vec::new());
    let nonce = visit.cookie("tranche_csrf");
    assert!(!nonce.is_empty() && visit.token != nonce, "the form token is not the cookie: {}", visit.token);
    let cookie = visit.header();
    let form_type = ("Content-Type", "application/x-www-form-urlencoded");
    let sign_in = |headers: &[(&str, &str)], csrf: &str| server.post("/sign-in", headers, &form(csrf, &server.admin));
    let refused = |reply: Reply, says: &str| {
        assert_eq!((reply.status, reply.content_type.as_str()), (403, HTML), "{}", reply.body);
        assert!(reply.body.contains(says), "{says:?} not in {}", reply.body);
        assert!(!reply.cookies.iter().any(|c| c.starts_with("tranche_session=")), "{reply:?}");
    };
    // The old double submit: a token equal to the cookie, the server's or one of the client's making.
    refused(sign_in(&[form_type, ("Cookie", &cookie)], &nonce), "does not match");
    refused(sign_in(&[form_type, ("Cookie", "tranche_csrf=aaaa")], "aaaa"), "does not match");
    refused(sign_in(&[form_type], &visit.token), "cookie is missing");
    // Another site, by Origin, or by Referer when there is no Origin; Origin null.
    let foreign = ("Origin", "http://evil.example");
    refused(sign_in(&[form_type, ("Cookie", &cookie), foreign], &visit.token), "posted from another site");
    let lookalike = format!("http://{}.evil.example", server.host);
    refused(sign_in(&[form_type, ("Cookie", &cookie), ("Origin", &lookalike)], &visit.token), "another site");
    refused(sign_in(&[form_type, ("Cookie", &cookie), ("Origin", "null")], &visit.token), "another site");
    let referer = ("Referer", "https://evil.example/sign-in");
    refused(sign_in(&[form_type, ("Cookie", &cookie), referer], &visit.token), "another site (its Referer)");
    // From this server's page: signed in, with a new CSRF cookie.
    let own_referer = format!("http://{}/sign-in", server.host);
    let own = [form_type, ("Cookie", &cookie), ("Referer", own_referer.as_str())];
    let signed_in = sign_in(&own, &visit.token);
    assert_eq!(signed_in.status, 303, "{}", signed_in.body);
    let rotated = signed_in.cookies.iter().find_map(|c| c.strip_prefix("tranche_csrf=")).expect("a new CSRF cookie");
    assert_ne!(rotated, nonce, "the CSRF cookie is rotated at sign-in");
    let session = signed_in.cookies.iter().find(|c| c.starts_with("tranche_session=")).expect("a session").clone();
    let after = Visit::of(&server, vec![session, format!("tranche_csrf={rotated}")]);
    assert!(after.body_is_signed_in(&server));
    assert_ne!(after.token, visit.token, "the form token changes with the sign-in");
    // The token read before signing in no longer posts; the new one does.
    let origin = format!("http://{}", server.host);
    let sign_out = |token: &str| {
        let headers = [form_type, ("Cookie", &after.header()), ("Origin", origin.as_str())];
        server.post("/sign-out", &headers, &format!("csrf={token}"))
    };
    refused(sign_out(&visit.token), "does not match");
    let out = sign_out(&after.token);
    assert_eq!(out.status, 303, "{}", out.body);
    assert!(out.cookies.iter().any(|c| c == "tranche_session="), "the session cookie is cleared: {out:?}");
}

impl Visit {
    fn body_is_signed_in(&self, server: &Server) -> bool {
        let page = server.get("/", &[("Cookie", &self.header())]);
        page.status == 200 && page.body.contains("action=\"/sign-out\"")
    }
}

/// The cells of a CSV body, the header first.
fn csv_rows(body: &str) -> Vec<Vec<String>> {
    let mut reader = csv::ReaderBuilder::new().has_headers(false).from_reader(body.as_bytes());
    reader.records().map(|r| r.unwrap().iter().map(str::to_string).collect()).collect()
}

#[test]
fn the_log_csv_cuts_an_event_to_a_spreadsheet_cell_and_says_so() {
    let server = Server::start(big_group(5_000));
    let rows = csv_rows(&server.get("/log?format=csv", &[]).body);
    let header = &rows[0];
    let column = |name: &str| header.iter().position(|c| c == name).unwrap_or_else(|| panic!("no {name}: {header:?}"));
    let (seq, kind, event, cut) = (column("seq"), column("kind"), column("event"), column("event_cut"));
    let json: serde_json::Value = serde_json::from_str(&server.get("/log?format=json", &[]).body).unwrap();
    let whole = json["rows"].as_array().unwrap();
    assert_eq!(whole.len(), rows.len() - 1, "one row per event in both");
    let mut cut_rows = 0;
    for (row, complete) in rows[1..].iter().zip(whole) {
        assert_eq!(row[seq], complete["seq"].to_string().trim_matches('"'));
        let full = complete["event"].as_str().unwrap();
        let units = full.encode_utf16().count();
        match units > tranche_api::datasets::MAX_CELL_CHARS {
            true => {
                cut_rows += 1;
                assert_eq!((row[kind].as_str(), row[cut].as_str()), ("group-defined", "true"));
                assert_eq!(row[event].encode_utf16().count(), tranche_api::datasets::MAX_CELL_CHARS);
                assert!(full.starts_with(&row[event]), "the cell is the event's beginning");
            }
            false => assert_eq!((row[event].as_str(), row[cut].as_str()), (full, "false"), "{}", row[seq]),
        }
    }
    assert_eq!(cut_rows, 1, "the group's event is over the limit: {}", whole.len());
    assert!(whole.iter().all(|r| r.get("event_cut").is_none()), "the JSON download is whole");
}
