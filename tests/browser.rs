//! The search page end to end in a real browser: index an archive, start `storyline serve`,
//! and let `tests/browser/search.mjs` (Playwright driving headless Chromium) type a query,
//! check the results, open a story and wait for its Related list.
//!
//! Needs `/usr/bin/chromium`, `node` and `npm ci` in `tests/browser`; without them the test
//! prints why and passes without running. Set `STORYLINE_SCREENSHOT=/tmp/page.png` to keep
//! screenshots of each run.

mod common;

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use common::{corpus, s, sample, storyline};

const CHROMIUM: &str = "/usr/bin/chromium";
/// How long the server may take to say where it listens.
const SERVER_START: Duration = Duration::from_secs(60);
/// How long one browser run may take (the script gives up on its own after 60 s).
const BROWSER_RUN: Duration = Duration::from_secs(120);

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Why the browser test cannot run on this machine, if it cannot.
fn missing_tools() -> Option<String> {
    if !Path::new(CHROMIUM).exists() {
        return Some(format!("{CHROMIUM} not found"));
    }
    let node = Command::new("node")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
    if !matches!(node, Ok(status) if status.success()) {
        return Some("node not found".into());
    }
    if !root()
        .join("tests/browser/node_modules/playwright-core")
        .is_dir()
    {
        return Some(
            "tests/browser/node_modules/playwright-core not found (run `npm ci` in tests/browser)"
                .into(),
        );
    }
    None
}

/// A running `storyline serve`, killed when dropped (also when the test panics).
struct Server {
    child: Child,
    url: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `storyline serve` on a free port and waits for its `listening on …` line.
fn serve(index: &Path) -> Server {
    let mut child = Command::new(env!("CARGO_BIN_EXE_storyline"))
        .args(["serve", "--index", s(index), "--addr", "127.0.0.1:0"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start storyline serve");
    let stdout = child.stdout.take().expect("server stdout");
    let mut server = Server {
        child,
        url: String::new(),
    };

    // Read stdout on a thread so a silent server cannot hang the test; after the first line
    // keep draining it so the server never blocks on a full pipe.
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        let mut reader = BufReader::new(stdout);
        let mut first = String::new();
        let read = reader.read_line(&mut first).map(|_| first);
        let _ = tx.send(read);
        let _ = std::io::copy(&mut reader, &mut std::io::sink());
    });
    let line = match rx.recv_timeout(SERVER_START) {
        Ok(Ok(line)) => line,
        Ok(Err(e)) => panic!("reading the server's output: {e}"),
        Err(_) => panic!(
            "storyline serve did not print `listening on …` within {} s",
            SERVER_START.as_secs()
        ),
    };
    let url = line.trim().strip_prefix("listening on ").unwrap_or_else(|| {
        let status = server.child.try_wait().ok().flatten();
        panic!("storyline serve printed {line:?} instead of `listening on http://…` (exit status: {status:?})")
    });
    assert!(
        url.starts_with("http://127.0.0.1:"),
        "unexpected server address {url:?}"
    );
    server.url = url.to_string();
    server
}

/// Indexes `archive` into `dir/index`.
fn index(archive: &Path, dir: &Path) -> PathBuf {
    let index = dir.join("index");
    let out = storyline(&["index", s(archive), "--index", s(&index), "--quiet"]);
    assert!(
        out.status.success(),
        "storyline index {} failed: {}",
        archive.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    index
}

/// Collects a child's output pipe on a thread.
fn collect(pipe: impl Read + Send + 'static) -> thread::JoinHandle<String> {
    thread::spawn(move || {
        let mut text = String::new();
        let _ = BufReader::new(pipe).read_to_string(&mut text);
        text
    })
}

/// Runs `node tests/browser/search.mjs <url> <query> <expected>` and asserts it passes.
fn browse(label: &str, url: &str, query: &str, expected: &str) {
    let mut command = Command::new("node");
    command
        .current_dir(root())
        .args(["tests/browser/search.mjs", url, query, expected])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if let Some(shot) = std::env::var_os("STORYLINE_SCREENSHOT") {
        // one set of screenshots per run: /tmp/page.png → /tmp/page-sample-en.png
        let shot = PathBuf::from(shot);
        let stem = shot.file_stem().unwrap_or_default().to_string_lossy();
        command.env(
            "STORYLINE_SCREENSHOT",
            shot.with_file_name(format!("{stem}-{label}.png")),
        );
    }
    let mut child = command.spawn().expect("run node");
    let stdout = collect(child.stdout.take().expect("node stdout"));
    let stderr = collect(child.stderr.take().expect("node stderr"));
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for node") {
            break Some(status);
        }
        if started.elapsed() > BROWSER_RUN {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        thread::sleep(Duration::from_millis(100));
    };
    let (stdout, stderr) = (stdout.join().unwrap(), stderr.join().unwrap());
    eprint!("[{label}] {stdout}{stderr}");
    match status {
        Some(status) => assert!(
            status.success(),
            "browser test {label} ({query:?} on {url}) failed with {status}:\n{stdout}{stderr}"
        ),
        None => panic!(
            "browser test {label} ({query:?} on {url}) was killed after {} s:\n{stdout}{stderr}",
            BROWSER_RUN.as_secs()
        ),
    }
}

#[test]
fn search_page_works_in_a_browser() {
    if let Some(why) = missing_tools() {
        eprintln!("SKIPPED: browser test: {why}");
        return;
    }

    // the bundled sample: English and Chinese stories
    let dir = tempfile::tempdir().expect("tempdir");
    let server = serve(&index(&sample(), dir.path()));
    browse("sample-en", &server.url, "thomas fire", "Thomas Fire");
    browse("sample-zh", &server.url, "香港", "香港");
    drop(server);

    // the real Chinese archive
    let Some(archive) = corpus("thecontext-zh") else {
        eprintln!("SKIPPED: browser test on thecontext-zh (archive missing)");
        return;
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let server = serve(&index(&archive, dir.path()));
    browse("thecontext-zh", &server.url, "香港", "香港");
}
