//! The query service over a real socket: every route, every error path, token-protected
//! updates that a following search sees, and hostile parameters that must not break it.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use common::{corpus, s, sample, storyline};
use serde_json::{Value, json};

/// A running `storyline serve`, killed when dropped.
struct Server {
    child: Child,
    addr: String,
    _dir: tempfile::TempDir,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start(archive: &std::path::Path, token: Option<&str>) -> Server {
    let dir = tempfile::tempdir().unwrap();
    let index = dir.path().join("index");
    let out = storyline(&["index", s(archive), "--index", s(&index), "--quiet"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut command = Command::new(env!("CARGO_BIN_EXE_storyline"));
    command
        .args(["serve", "--index", s(&index), "--addr", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    command.env_remove("STORYLINE_API_TOKEN");
    if let Some(token) = token {
        command.env("STORYLINE_API_TOKEN", token);
    }
    let mut child = command.spawn().unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let addr = line
        .trim()
        .strip_prefix("listening on http://")
        .unwrap_or_else(|| panic!("{line:?}"))
        .to_string();
    Server {
        child,
        addr,
        _dir: dir,
    }
}

/// A minimal HTTP/1.1 client: (status, headers, body).
fn request(
    server: &Server,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: Option<&[u8]>,
) -> (u16, String, Vec<u8>) {
    let mut stream = TcpStream::connect(&server.addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n",
        server.addr
    );
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    if let Some(body) = body {
        head.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).unwrap();
    if let Some(body) = body {
        let _ = stream.write_all(body);
    }
    let mut raw = Vec::new();
    let _ = stream.read_to_end(&mut raw);
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a response head");
    let head = String::from_utf8_lossy(&raw[..split]).to_string();
    let status = head.split_whitespace().nth(1).unwrap().parse().unwrap();
    let mut body = raw[split + 4..].to_vec();
    if head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        body = dechunk(&body);
    }
    (status, head, body)
}

fn dechunk(mut data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let Some(end) = data.windows(2).position(|w| w == b"\r\n") else {
            return out;
        };
        let size = usize::from_str_radix(std::str::from_utf8(&data[..end]).unwrap().trim(), 16)
            .unwrap_or(0);
        if size == 0 {
            return out;
        }
        out.extend_from_slice(&data[end + 2..end + 2 + size]);
        data = &data[end + 2 + size + 2..];
    }
}

fn get(server: &Server, path: &str) -> (u16, Value) {
    let (status, _, body) = request(server, "GET", path, &[], None);
    (
        status,
        serde_json::from_slice(&body)
            .unwrap_or_else(|e| panic!("{path}: {e}: {}", String::from_utf8_lossy(&body))),
    )
}

fn assert_error(status: u16, body: &Value, expected_status: u16, code: &str) {
    assert_eq!(status, expected_status, "{body}");
    assert_eq!(body["error"]["code"], code, "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty()),
        "{body}"
    );
    assert_eq!(body.as_object().unwrap().len(), 1, "only the error: {body}");
}

fn encode(id: &str) -> String {
    id.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

#[test]
fn every_route_on_the_sample_archive() {
    let server = start(&sample(), Some("secret-token"));
    let (status, health) = get(&server, "/healthz");
    assert_eq!(status, 200);
    assert_eq!(health["status"], "ok");
    assert!(health["stories"].as_u64().unwrap() >= 60);

    let (status, results) = get(&server, "/search?q=thomas+fire&facets=true&limit=3");
    assert_eq!(status, 200);
    assert!(results["total"].as_u64().unwrap() >= 5);
    assert_eq!(results["hits"].as_array().unwrap().len(), 3);
    assert!(results["took_ms"].is_number());
    assert!(
        results["hits"][0]["title"]["highlights"]
            .as_array()
            .is_some_and(|h| !h.is_empty())
    );
    assert_eq!(results["facets"]["tags"][0]["tag"], "Thomas Fire");
    assert_eq!(results["notices"], serde_json::json!([]));
    assert_eq!(results["did_you_mean"], serde_json::Value::Null);
    let id = results["hits"][0]["id"].as_str().unwrap().to_string();

    // a tag no story carries finds nothing, and the answer says why
    let (status, none) = get(&server, "/search?q=fire&tag=Thomas+Fires");
    assert_eq!(status, 200);
    assert_eq!(none["total"], 0);
    let notices = none["notices"].as_array().unwrap();
    assert_eq!(notices.len(), 1);
    let notice = notices[0].as_str().unwrap();
    assert!(
        notice.starts_with(
            "no story carries the tag \"Thomas Fires\"; did you mean \"Thomas Fire\" ("
        ),
        "{notice}"
    );
    let (_, typed) = get(&server, "/search?q=fire+tag:%22Thomas+Fires%22");
    assert_eq!(typed["total"], 0);
    assert_eq!(typed["did_you_mean"], "fire tag:\"Thomas Fire\"");

    // the id with raw slashes, and percent-encoded
    let (status, story) = get(&server, &format!("/stories/{id}"));
    assert_eq!(status, 200);
    assert_eq!(story["id"], id.as_str());
    let (status, same) = get(&server, &format!("/stories/{}", encode(&id)));
    assert_eq!(status, 200);
    assert_eq!(same, story);

    let (status, related) = get(
        &server,
        &format!("/stories/{id}/related?limit=3&explain=true"),
    );
    assert_eq!(status, 200);
    let list = related["related"].as_array().unwrap();
    assert!(!list.is_empty() && list.len() <= 3);
    assert!(
        list.iter()
            .all(|r| r["id"] != id.as_str() && r["explanation"]["date_factor"].is_number())
    );
    let (_, site) = get(
        &server,
        &format!("/stories/{}/related?order=site", encode(&id)),
    );
    assert!(!site["related"].as_array().unwrap().is_empty());

    let (status, tags) = get(&server, "/tags?prefix=tho");
    assert_eq!(status, 200);
    assert_eq!(tags["tags"][0]["tag"], "Thomas Fire");
    let (status, timeline) = get(&server, "/tags/Thomas%20Fire");
    assert_eq!(status, 200);
    let dates: Vec<&str> = timeline["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["date"].as_str().unwrap())
        .collect();
    assert!(dates.len() >= 5 && dates.windows(2).all(|w| w[0] <= w[1]));

    let draft = json!({ "title": "Firefighters contain a wildfire near Ventura", "date": "2017-12-20", "explain": true });
    let (status, _, body) = request(
        &server,
        "POST",
        "/related",
        &[("Content-Type", "application/json")],
        Some(draft.to_string().as_bytes()),
    );
    assert_eq!(status, 200);
    let answer: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(
        answer["suggested_tags"][0]["tag"], "Thomas Fire",
        "{answer}"
    );
    assert!(!answer["related"].as_array().unwrap().is_empty());
    // the draft has no tags: its list stands on the suggestion, which it reports
    let basis = &answer["basis"];
    assert_eq!(basis["ranked_on"], "suggested_tags", "{answer}");
    assert_eq!(basis["best_suggestion"]["tag"], "Thomas Fire");
    assert_eq!(basis["min_suggestion_confidence"], 0.2);

    let (status, head, body) = request(&server, "GET", "/metrics", &[], None);
    assert_eq!(status, 200);
    assert!(head.contains("x-request-id"));
    let text = String::from_utf8(body).unwrap();
    assert!(
        text.contains("storyline_requests_total{route=\"/search\",status=\"200\"}"),
        "{text}"
    );
    assert!(text.contains("storyline_index_stories "));
    let (status, openapi) = get(&server, "/openapi.json");
    assert_eq!(status, 200);
    assert!(
        openapi["paths"]["/search"]["get"]["parameters"]
            .as_array()
            .unwrap()
            .len()
            >= 8
    );
    assert!(openapi["paths"]["/stories/{id}"]["put"]["security"].is_array());
    let (status, head, page) = request(&server, "GET", "/", &[], None);
    assert_eq!(status, 200);
    assert!(head.contains("text/html"));
    assert!(String::from_utf8_lossy(&page).contains("app.js"));
}

#[test]
fn every_error_path_answers_with_one_json_shape() {
    let server = start(&sample(), Some("secret-token"));
    let cases: &[(&str, u16, &str)] = &[
        ("/search?limit=0", 400, "invalid_parameter"),
        ("/search?limit=101", 400, "invalid_parameter"),
        ("/search?limit=abc", 400, "invalid_parameter"),
        ("/search?offset=10001", 400, "invalid_parameter"),
        ("/search?from=2017-02-30", 400, "invalid_parameter"),
        ("/search?sort=sideways", 400, "invalid_parameter"),
        ("/search?facets=maybe", 400, "invalid_parameter"),
        ("/search?lang=fr", 400, "invalid_parameter"),
        ("/stories/news/1999/1/1/nothing", 404, "not_found"),
        ("/stories/news/1999/1/1/nothing/related", 404, "not_found"),
        ("/stories/x/related?order=random", 400, "invalid_parameter"),
        (
            "/stories/x/related?min_suggestion_confidence=2",
            400,
            "invalid_parameter",
        ),
        ("/tags/No%20such%20tag", 404, "not_found"),
        ("/tags?limit=1000", 400, "invalid_parameter"),
        ("/tags?q=war", 400, "invalid_parameter"),
        ("/search?query=fire", 400, "invalid_parameter"),
        ("/stories/x?limit=3", 400, "invalid_parameter"),
        ("/tags/Thomas%20Fire?prefix=t", 400, "invalid_parameter"),
        ("/healthz?verbose=1", 400, "invalid_parameter"),
        ("/no/such/route", 404, "not_found"),
    ];
    for (path, status, code) in cases {
        let (got, body) = get(&server, path);
        assert_error(got, &body, *status, code);
    }
    // an id cut short: the 404 names the ids that start with it
    let (_, found) = get(&server, "/search?q=thomas+fire&limit=1");
    let id = found["hits"][0]["id"].as_str().unwrap().to_string();
    let cut = &id[..id.len() - 3];
    for path in [format!("/stories/{cut}"), format!("/stories/{cut}/related")] {
        let (got, body) = get(&server, &path);
        assert_error(got, &body, 404, "not_found");
        assert_eq!(
            body["error"]["message"],
            format!("no story with id {cut:?}; did you mean {id:?}?"),
            "{path}"
        );
    }
    // a parameter the route does not take is named, with what the route takes and the
    // parameter most likely meant, before any work is done
    let unknown = [
        (
            "/tags?prefix=thomas&limt=3",
            "parameter \"limt\": unknown parameter: GET /tags takes prefix, limit; did you mean \"limit\"?",
        ),
        (
            "/search?q=fire&Sort=newest",
            "parameter \"Sort\": unknown parameter: GET /search takes q, tag, from, to, lang, sort, limit, offset, facets; did you mean \"sort\"?",
        ),
        (
            "/stories/news/1999/1/1/nothing/related?olderOnly=true",
            "parameter \"olderOnly\": unknown parameter: GET /stories/{id}/related takes limit, order, explain, older_only, same_language, max_age_days, exclude_tag, text_weight, min_suggestion_confidence; did you mean \"older_only\"?",
        ),
        (
            "/stories/news/1999/1/1/nothing?explain=true",
            "parameter \"explain\": unknown parameter: GET /stories/{id} takes no parameters",
        ),
    ];
    for (path, message) in unknown {
        let (got, body) = get(&server, path);
        assert_error(got, &body, 400, "invalid_parameter");
        assert_eq!(body["error"]["message"], message, "{path}");
    }
    let (status, _, body) = request(&server, "DELETE", "/stories/x?force=1", &[], None);
    assert_error(
        status,
        &serde_json::from_slice(&body).unwrap(),
        400,
        "invalid_parameter",
    );
    // the page takes any query (links shared with tracking parameters still open it)
    let (status, _, _) = request(&server, "GET", "/?utm_source=mail", &[], None);
    assert_eq!(status, 200);
    let long = format!("/search?q={}", "a".repeat(600));
    let (status, body) = get(&server, &long);
    assert_error(status, &body, 400, "invalid_parameter");

    let (status, _, body) = request(&server, "DELETE", "/search", &[], None);
    assert_error(
        status,
        &serde_json::from_slice(&body).unwrap(),
        405,
        "method_not_allowed",
    );
    let json_type = ("Content-Type", "application/json");
    let (status, _, body) = request(
        &server,
        "POST",
        "/related",
        &[json_type],
        Some(b"{not json"),
    );
    assert_error(
        status,
        &serde_json::from_slice(&body).unwrap(),
        400,
        "malformed_body",
    );
    let (status, _, body) = request(
        &server,
        "POST",
        "/related",
        &[json_type],
        Some(b"{\"titel\": \"typo\"}"),
    );
    assert_error(
        status,
        &serde_json::from_slice(&body).unwrap(),
        422,
        "invalid_body",
    );
    let (status, _, body) = request(
        &server,
        "POST",
        "/related",
        &[],
        Some(b"{\"title\": \"x\"}"),
    );
    assert_error(
        status,
        &serde_json::from_slice(&body).unwrap(),
        400,
        "malformed_body",
    );
    let huge = vec![b'a'; 3 << 20];
    let auth = ("Authorization", "Bearer secret-token");
    let (status, _, body) = request(&server, "POST", "/stories", &[json_type, auth], Some(&huge));
    assert_error(
        status,
        &serde_json::from_slice(&body).unwrap(),
        413,
        "payload_too_large",
    );
}

#[test]
fn token_protected_updates_are_seen_by_the_next_search() {
    let server = start(&sample(), Some("secret-token"));
    let story = json!({ "date": "2024-02-02", "title": "Quokka census on Rottnest Island finds record numbers", "contexts": ["Wildlife"] });
    let body = story.to_string();
    let json_type = ("Content-Type", "application/json");
    let path = "/stories/news/2024/2/2/quokka-census";
    for auth in [None, Some("Bearer wrong-token"), Some("secret-token")] {
        let mut headers = vec![json_type];
        if let Some(a) = auth {
            headers.push(("Authorization", a));
        }
        let (status, _, answer) = request(&server, "PUT", path, &headers, Some(body.as_bytes()));
        assert_error(
            status,
            &serde_json::from_slice(&answer).unwrap(),
            401,
            "unauthorized",
        );
    }
    let (_, nothing) = get(&server, "/search?q=quokka");
    assert_eq!(nothing["total"], 0, "a refused update changes nothing");

    let auth = ("Authorization", "Bearer secret-token");
    let (status, _, answer) = request(
        &server,
        "PUT",
        path,
        &[json_type, auth],
        Some(body.as_bytes()),
    );
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&answer));
    assert_eq!(
        serde_json::from_slice::<Value>(&answer).unwrap()["added"],
        1
    );
    let (_, found) = get(&server, "/search?q=quokka");
    assert_eq!(found["total"], 1);
    assert_eq!(found["hits"][0]["id"], "news/2024/2/2/quokka-census");
    let (_, tags) = get(&server, "/tags?prefix=wildl");
    assert_eq!(tags["tags"][0]["stories"], 1);

    let batch = json!([
        { "id": "news/2024/2/3/quokka-two", "date": "2024-02-03", "title": "Second quokka survey confirms the count", "language": "en", "contexts": ["Wildlife"] },
        { "id": "news/2024/2/2/quokka-census", "date": "2024-02-02", "title": "Quokka census revised upwards", "language": "en", "contexts": ["Wildlife"] }
    ]);
    let (status, _, answer) = request(
        &server,
        "POST",
        "/stories",
        &[json_type, auth],
        Some(batch.to_string().as_bytes()),
    );
    assert_eq!(status, 200);
    let report: Value = serde_json::from_slice(&answer).unwrap();
    assert_eq!(
        (report["added"].as_u64(), report["replaced"].as_u64()),
        (Some(1), Some(1))
    );
    let (_, found) = get(&server, "/search?q=quokka&sort=oldest");
    assert_eq!(found["total"], 2);
    assert_eq!(
        found["hits"][0]["title"]["text"],
        "Quokka census revised upwards"
    );
    let (_, related) = get(&server, "/stories/news/2024/2/3/quokka-two/related");
    assert_eq!(related["related"][0]["id"], "news/2024/2/2/quokka-census");

    let (status, _, answer) = request(&server, "DELETE", path, &[auth], None);
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&answer));
    let (_, after) = get(&server, "/search?q=quokka");
    assert_eq!(after["total"], 1);
    let (status, _, answer) = request(&server, "DELETE", path, &[auth], None);
    assert_error(
        status,
        &serde_json::from_slice(&answer).unwrap(),
        404,
        "not_found",
    );
    let bad = json!({ "id": "other", "date": "2024-02-02", "title": "x", "language": "en" });
    let (status, _, answer) = request(
        &server,
        "PUT",
        path,
        &[json_type, auth],
        Some(bad.to_string().as_bytes()),
    );
    assert_error(
        status,
        &serde_json::from_slice(&answer).unwrap(),
        422,
        "invalid_body",
    );
    let empty_title = json!({ "date": "2024-02-02", "title": "  " });
    let (status, _, answer) = request(
        &server,
        "PUT",
        path,
        &[json_type, auth],
        Some(empty_title.to_string().as_bytes()),
    );
    assert_error(
        status,
        &serde_json::from_slice(&answer).unwrap(),
        422,
        "invalid_body",
    );
}

#[test]
fn updates_are_disabled_without_a_token() {
    let server = start(&sample(), None);
    let (status, _, body) = request(
        &server,
        "DELETE",
        "/stories/anything",
        &[("Authorization", "Bearer x")],
        None,
    );
    assert_error(
        status,
        &serde_json::from_slice(&body).unwrap(),
        403,
        "updates_disabled",
    );
}

#[test]
fn hostile_parameters_never_break_the_server() {
    let server = start(&sample(), Some("t"));
    // a deterministic stream of odd query strings: nothing may answer 5xx or drop the connection
    let pieces = [
        "q=",
        "q=%",
        "q=%ff%fe",
        "q=%22",
        "q=-",
        "q=OR",
        "q=tag:",
        "q=date:..",
        "q=date:2017-99",
        "q=***",
        "q=%00",
        "q=%E7%BE%8E",
        "tag=",
        "tag=%22",
        "from=",
        "to=9999-12-31",
        "from=0000-01-01",
        "limit=1",
        "offset=9999",
        "sort=",
        "facets=1",
        "lang=zh",
        "q=a+b+c+d+e+f+g",
        "q=((((",
        "q=%5C",
        "q=%2F%2F",
        "x=%zz",
        "q=%E7%BE%8E%E5%9C%8B+OR+-%E9%A6%99%E6%B8%AF",
    ];
    let mut seed = 7u64;
    for _ in 0..300 {
        let mut parts = Vec::new();
        for _ in 0..3 {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            parts.push(pieces[(seed >> 33) as usize % pieces.len()]);
        }
        let path = format!("/search?{}", parts.join("&"));
        let (status, _, body) = request(&server, "GET", &path, &[], None);
        assert!(status == 200 || status == 400, "{path} → {status}");
        let value: Value =
            serde_json::from_slice(&body).unwrap_or_else(|_| panic!("{path}: not JSON"));
        assert!(
            status == 200 || value["error"]["code"] == "invalid_parameter",
            "{path}: {value}"
        );
    }
    for body in [
        "",
        "[]",
        "null",
        "{\"title\": 5}",
        "{\"title\": \"x\", \"date\": \"2017-02-30\"}",
        "{\"title\": \"x\", \"limit\": 0}",
        "[1,2",
        "\u{0}",
    ] {
        let (status, _, _) = request(
            &server,
            "POST",
            "/related",
            &[("Content-Type", "application/json")],
            Some(body.as_bytes()),
        );
        assert!((400..500).contains(&status), "{body:?} → {status}");
    }
    let (status, health) = get(&server, "/healthz");
    assert_eq!((status, health["status"].as_str()), (200, Some("ok")));
}

#[test]
fn chinese_archive_over_http() {
    let Some(zh) = corpus("thecontext-zh") else {
        return;
    };
    let server = start(&zh, None);
    let (status, simplified) = get(&server, "/search?q=%E7%BE%8E%E5%9B%BD+%E5%B1%B1%E7%81%AB"); // 美国 山火
    assert_eq!(status, 200);
    let (_, traditional) = get(&server, "/search?q=%E7%BE%8E%E5%9C%8B+%E5%B1%B1%E7%81%AB"); // 美國 山火
    assert!(simplified["total"].as_u64().unwrap() > 0);
    assert_eq!(simplified["total"], traditional["total"]);
    let id = simplified["hits"][0]["id"].as_str().unwrap();
    let (status, related) = get(
        &server,
        &format!("/stories/{}/related?explain=true", encode(id)),
    );
    assert_eq!(status, 200);
    assert!(!related["related"].as_array().unwrap().is_empty());

    // no prefix: the most used tags of all 8,984 stories' (picked, not all sorted), each
    // shorter list the start of a longer one
    let most_used = |limit: usize| -> Vec<(String, u64)> {
        let (status, tags) = get(&server, &format!("/tags?limit={limit}"));
        assert_eq!(status, 200);
        tags["tags"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| {
                (
                    t["key"].as_str().unwrap().to_string(),
                    t["stories"].as_u64().unwrap(),
                )
            })
            .collect()
    };
    let hundred = most_used(100);
    assert_eq!(hundred.len(), 100);
    assert!(
        hundred
            .windows(2)
            .all(|w| w[0].1 > w[1].1 || (w[0].1 == w[1].1 && w[0].0 < w[1].0)),
        "{hundred:?}"
    );
    assert!(hundred[0].1 > 100, "{hundred:?}");
    for limit in [1, 7, 30] {
        assert_eq!(most_used(limit), hundred[..limit], "limit {limit}");
    }
    let (_, timeline) = get(&server, &format!("/tags/{}", encode(&hundred[0].0)));
    assert_eq!(timeline["stories"], hundred[0].1);
}

#[test]
fn sigterm_shuts_down_gracefully() {
    let mut server = start(&sample(), None);
    let (status, _) = get(&server, "/healthz");
    assert_eq!(status, 200);
    let pid = server.child.id().to_string();
    assert!(
        Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    let started = std::time::Instant::now();
    let status = loop {
        if let Some(status) = server.child.try_wait().unwrap() {
            break status;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "the server did not stop"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success(), "{status:?}");
    assert!(
        TcpStream::connect(&server.addr).is_err(),
        "the port is closed"
    );
}

#[test]
fn serve_says_what_it_opens_and_how_many_stories_it_serves() {
    let dir = tempfile::tempdir().unwrap();
    let index = dir.path().join("index");
    let out = storyline(&["index", s(&sample()), "--index", s(&index), "--quiet"]);
    assert!(out.status.success());
    let mut child = Command::new(env!("CARGO_BIN_EXE_storyline"))
        .args(["serve", "--index", s(&index), "--addr", "127.0.0.1:0"])
        .env_remove("STORYLINE_API_TOKEN")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let (lines, received) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if lines.send(line).is_err() {
                break;
            }
        }
    });
    let mut said = Vec::new();
    while let Ok(line) = received.recv_timeout(Duration::from_secs(30)) {
        let serving = line.starts_with("serving ");
        said.push(line);
        if serving {
            break;
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    // said first, before the index is opened; then the count of stories it serves
    assert_eq!(said.first(), Some(&format!("opening {}…", index.display())));
    let serving = said.last().unwrap();
    assert!(
        serving.starts_with(&format!(
            "serving {} (68 stories, opened in ",
            index.display()
        )),
        "{said:?}"
    );
}
