//! `storyline bench --peers`: other tools on the same stories, as ratios.
//!
//! - **Hugo's related content** (the scripts' `hugo_related.py`): a Hugo site of the same
//!   stories whose single-page template renders `.Site.RegularPages.Related .` (first 10), built
//!   as a whole process, against `storyline batch --index DIR --out FILE.jsonl` as a whole
//!   process on the index already built (and, from the stories, `storyline index` + `batch`);
//!   also `storyline batch --order site`, Hugo's own task: lists of the stories that share a
//!   tag, by shared tags then date, untagged stories' lists empty as Hugo's are (the JSON
//!   details give both tools' list lengths).
//! - **SQLite FTS5** (`fts5_search.py`, python3's sqlite3, in process): table build against the
//!   index build, top-10 bm25 search p50/p99 against search p50/p99, same queries.
//! - **tantivy's MoreLikeThis** (in this process, the `eval` baseline): p50/p99 against related
//!   p50/p99, same subjects.
//!
//! A peer that cannot run (no python3, hugo not installable) is reported with the reason and
//! skipped; the bench goes on.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use serde::Serialize;
use storyline_index::StoryIndex;
use storyline_story::Story;

use super::super::mlt::MoreLikeThis;
use super::run::BenchRow;
use super::workload::{median, percentile};

/// The Hugo peer's script, in the scripts folder.
const HUGO_SCRIPT: &str = "hugo_related.py";
/// The FTS5 peer's script, in the scripts folder.
const FTS5_SCRIPT: &str = "fts5_search.py";
/// Runs of each peer's whole-process figure; the median counts.
const PROCESS_RUNS: usize = 3;
/// Runs of each Storyline whole-process figure: more, because a run is short (a tenth of a
/// second for a 20k batch), so one slow start on a virtual machine would move a median of
/// three; the median counts.
const STORYLINE_RUNS: usize = 9;

/// One peer figure next to Storyline's.
#[derive(Debug, Serialize)]
pub struct PeerFigure {
    /// The peer: `hugo`, `sqlite-fts5`, `tantivy-mlt`.
    pub peer: &'static str,
    /// What is compared.
    pub figure: &'static str,
    /// The unit of both values: `s`, `ms` or `stories/s`.
    pub unit: &'static str,
    /// Storyline's value (none for a figure shown for context only).
    pub storyline: Option<f64>,
    /// The peer's value.
    pub peer_value: f64,
    /// How many times faster Storyline is (above 1: Storyline wins).
    pub ratio: Option<f64>,
}

/// A peer that did not run, and why.
#[derive(Debug, Serialize)]
pub struct PeerSkip {
    /// The peer.
    pub peer: &'static str,
    /// Why it was skipped.
    pub reason: String,
}

/// The peers' figures on one corpus.
#[derive(Debug, Default, Serialize)]
pub struct PeerReport {
    /// The figures, peer by peer.
    pub figures: Vec<PeerFigure>,
    /// The peers that could not run.
    pub skipped: Vec<PeerSkip>,
    /// What each peer reported besides (versions, list lengths, empty results, runs).
    pub details: BTreeMap<&'static str, serde_json::Value>,
}

/// One corpus as the peers see it: the same stories, queries and related subjects.
pub struct Corpus<'a> {
    /// The stories (written as JSON Lines for the scripts).
    pub stories: &'a [Story],
    /// The search queries Storyline was timed with.
    pub queries: &'a [String],
    /// The related subjects Storyline was timed with.
    pub subjects: &'a [u32],
    /// Storyline's index of the stories.
    pub index: &'a StoryIndex,
    /// Where that index lives (for `storyline batch --index`).
    pub index_path: &'a Path,
    /// A scratch folder for this corpus, removed after.
    pub work: PathBuf,
    /// The folder of the peer scripts.
    pub scripts: PathBuf,
}

/// `benches/peers` under the current directory when it is there, else in the checkout this
/// binary was built from.
pub fn default_scripts_dir() -> PathBuf {
    let here = PathBuf::from("benches/peers");
    if here.join(HUGO_SCRIPT).is_file() {
        return here;
    }
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../benches/peers"))
}

fn ratio(storyline: f64, peer: f64) -> Option<f64> {
    (storyline > 0.0 && peer > 0.0).then(|| peer / storyline)
}

impl PeerReport {
    /// A time figure: lower is better, ratio = peer / storyline.
    fn time(
        &mut self,
        peer: &'static str,
        figure: &'static str,
        unit: &'static str,
        s: f64,
        p: f64,
    ) {
        self.paired_time(peer, figure, unit, s, p, ratio(s, p));
    }

    /// A time figure whose ratio was found otherwise (the median of paired runs' ratios).
    fn paired_time(
        &mut self,
        peer: &'static str,
        figure: &'static str,
        unit: &'static str,
        s: f64,
        p: f64,
        ratio: Option<f64>,
    ) {
        self.figures.push(PeerFigure {
            peer,
            figure,
            unit,
            storyline: Some(s),
            peer_value: p,
            ratio,
        });
    }

    fn skip(&mut self, peer: &'static str, reason: String) {
        eprintln!("bench: peer {peer} skipped: {reason}");
        self.skipped.push(PeerSkip { peer, reason });
    }
}

/// Measures every peer on `corpus` and compares it with Storyline's `row`.
pub fn measure(corpus: &Corpus<'_>, row: &BenchRow) -> PeerReport {
    let mut report = PeerReport::default();
    let inputs = write_inputs(corpus);
    more_like_this(corpus, row, &mut report);
    match &inputs {
        Ok((stories, queries)) => {
            fts5(corpus, row, stories, queries, &mut report);
            hugo(corpus, row, stories, &mut report);
        }
        Err(e) => {
            let reason = format!("writing the stories for the scripts failed: {e:#}");
            report.skip("sqlite-fts5", reason.clone());
            report.skip("hugo", reason);
        }
    }
    let _ = std::fs::remove_dir_all(&corpus.work);
    report
}

/// The stories as JSON Lines and the queries one per line, in the corpus's scratch folder.
fn write_inputs(corpus: &Corpus<'_>) -> Result<(PathBuf, PathBuf)> {
    std::fs::create_dir_all(&corpus.work)?;
    let stories = corpus.work.join("stories.jsonl");
    storyline_story::write_atomically(&stories, |w| {
        storyline_story::formats::jsonl::write_jsonl(w, corpus.stories)
    })?;
    let queries = corpus.work.join("queries.txt");
    storyline_story::write_atomically(&queries, |w| {
        for q in corpus.queries {
            writeln!(w, "{}", q.replace('\n', " "))?;
        }
        Ok(())
    })?;
    Ok((stories, queries))
}

/// tantivy's MoreLikeThis on the same subjects, in this process.
fn more_like_this(corpus: &Corpus<'_>, row: &BenchRow, report: &mut PeerReport) {
    let index = corpus.index;
    let mlt = MoreLikeThis::new(
        index.reader().searcher(),
        index.fields().clone(),
        index.tables(),
    );
    let mut times = Vec::with_capacity(corpus.subjects.len());
    let mut entries = 0usize;
    for &ord in corpus.subjects {
        let started = Instant::now();
        let list = mlt.related(ord);
        times.push(started.elapsed().as_secs_f64() * 1000.0);
        entries += list.len().min(10);
    }
    times.sort_by(f64::total_cmp);
    let peer = "tantivy-mlt";
    let (p50, p99) = (percentile(&times, 0.5), percentile(&times, 0.99));
    report.time(peer, "related p50", "ms", row.related_p50_ms, p50);
    report.time(peer, "related p99", "ms", row.related_p99_ms, p99);
    report.details.insert(
        peer,
        serde_json::json!({
            "subjects": corpus.subjects.len(),
            "avg_list_len": entries as f64 / corpus.subjects.len().max(1) as f64,
            "p50_ms": p50,
            "p99_ms": p99,
        }),
    );
}

/// Runs a peer script with python3 and parses the JSON it prints.
fn run_script(
    corpus: &Corpus<'_>,
    script: &str,
    args: &[&std::ffi::OsStr],
) -> Result<serde_json::Value> {
    let path = corpus.scripts.join(script);
    if !path.is_file() {
        bail!(
            "{} not found (give the folder of the peer scripts with --peers-dir)",
            path.display()
        );
    }
    let output = Command::new("python3")
        .arg(&path)
        .args(args)
        .output()
        .context("python3 could not be started")?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let last = stderr
            .lines()
            .rev()
            .find(|l| !l.trim().is_empty())
            .unwrap_or("no message");
        bail!("{script} exited with {}: {}", output.status, last.trim());
    }
    serde_json::from_slice(&output.stdout)
        .with_context(|| format!("{script} printed no JSON summary"))
}

fn number(value: &serde_json::Value, key: &str) -> Result<f64> {
    value
        .get(key)
        .and_then(serde_json::Value::as_f64)
        .with_context(|| format!("the peer's summary has no number `{key}`"))
}

/// SQLite FTS5 (python3's sqlite3, in process): build and search on the same stories/queries.
fn fts5(
    corpus: &Corpus<'_>,
    row: &BenchRow,
    stories: &Path,
    queries: &Path,
    report: &mut PeerReport,
) {
    let peer = "sqlite-fts5";
    let result = run_script(
        corpus,
        FTS5_SCRIPT,
        &[
            "--stories".as_ref(),
            stories.as_os_str(),
            "--queries".as_ref(),
            queries.as_os_str(),
            "--work".as_ref(),
            corpus.work.as_os_str(),
        ],
    )
    .and_then(|v| {
        Ok((
            number(&v, "build_s")?,
            number(&v, "p50_ms")?,
            number(&v, "p99_ms")?,
            v,
        ))
    });
    match result {
        Ok((build, p50, p99, details)) => {
            report.time(peer, "index build", "s", row.index_s, build);
            report.time(peer, "search p50", "ms", row.search_p50_ms, p50);
            report.time(peer, "search p99", "ms", row.search_p99_ms, p99);
            report.details.insert(peer, details);
        }
        Err(e) => report.skip(peer, format!("{e:#}")),
    }
}

/// This very binary: `/proc/self/exe` where there is one (it stays valid when a rebuild
/// replaces the file meanwhile, and runs the same code as the in-process figures), else its
/// path.
pub fn this_binary() -> Result<PathBuf> {
    let proc_exe = Path::new("/proc/self/exe");
    if proc_exe.exists() {
        return Ok(proc_exe.to_path_buf());
    }
    std::env::current_exe().context("this binary's path")
}

/// Runs this binary `runs` times with the arguments `args` gives for each run (numbered from
/// `first`); the median wall time in seconds. Each run writes to its own new path, as each Hugo
/// build writes into a new folder: replacing the previous run's output would time its deletion
/// too.
fn storyline_process(
    runs: usize,
    first: usize,
    args: impl Fn(usize) -> Vec<std::ffi::OsString>,
) -> Result<f64> {
    let exe = this_binary()?;
    let mut times = Vec::with_capacity(runs);
    for run in first..first + runs {
        let args = args(run);
        // the peer's builds leave their output unwritten in the page cache (Hugo does not sync):
        // flushed first, so this run's own sync does not wait behind it
        let _ = Command::new("sync").status();
        let started = Instant::now();
        let output = Command::new(&exe)
            .args(&args)
            .output()
            .with_context(|| format!("running {}", exe.display()))?;
        times.push(started.elapsed().as_secs_f64());
        if !output.status.success() {
            bail!(
                "storyline {:?} failed: {}",
                args,
                String::from_utf8_lossy(&output.stderr).trim()
            );
        }
    }
    Ok(median(&mut times))
}

/// One round of the Hugo comparison: a build of each kind, then Storyline's processes.
#[derive(Debug, Clone, Copy, Serialize)]
struct HugoRound {
    build_s: f64,
    build_norelated_s: f64,
    batch_s: f64,
    /// `storyline batch --order site`: Hugo's own task (lists by shared tags, then date)
    batch_site_s: f64,
    index_s: f64,
}

/// Where run `run` of the peers' `storyline batch --order ORDER` writes its lists.
fn batch_out(corpus: &Corpus<'_>, order: &str, run: usize) -> PathBuf {
    corpus.work.join(format!("related-{order}-{run}.jsonl"))
}

/// How many related entries a batch's JSON lines hold: (lines, entries, empty lists).
fn list_lengths(path: &Path) -> Result<(usize, usize, usize)> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let (mut lines, mut entries, mut empty) = (0, 0, 0);
    for line in text.lines() {
        let value: serde_json::Value = serde_json::from_str(line)
            .with_context(|| format!("{} line {}", path.display(), lines + 1))?;
        let n = value["related"].as_array().map_or(0, Vec::len);
        lines += 1;
        entries += n;
        empty += usize::from(n == 0);
    }
    Ok((lines, entries, empty))
}

/// Hugo's related content against `storyline batch`, whole processes on the same stories, in
/// `PROCESS_RUNS` rounds: a Hugo build of each kind, then Storyline's batch and index runs
/// (`STORYLINE_RUNS` in all, spread over the rounds). Each figure is the median over the
/// rounds, and each ratio the median of the rounds' ratios: side by side, a drift of the
/// machine's speed moves both sides of a ratio.
fn hugo(corpus: &Corpus<'_>, row: &BenchRow, stories: &Path, report: &mut PeerReport) {
    let peer = "hugo";
    let site = corpus.work.join("hugo");
    let per_round = STORYLINE_RUNS.div_ceil(PROCESS_RUNS);
    let mut rounds: Vec<HugoRound> = Vec::with_capacity(PROCESS_RUNS);
    let mut details = serde_json::Value::Null;
    for round in 0..PROCESS_RUNS {
        let mut args: Vec<&std::ffi::OsStr> = vec![
            "--stories".as_ref(),
            stories.as_os_str(),
            "--work".as_ref(),
            site.as_os_str(),
            "--runs".as_ref(),
            "1".as_ref(),
        ];
        if round > 0 {
            args.push("--reuse-site".as_ref());
        }
        let measured = run_script(corpus, HUGO_SCRIPT, &args)
            .and_then(|v| Ok((number(&v, "build_s")?, number(&v, "build_norelated_s")?, v)));
        let (build_s, build_norelated_s, reported) = match measured {
            Ok(m) => m,
            Err(e) => return report.skip(peer, format!("{e:#}")),
        };
        let first = round * per_round;
        // `storyline batch` in `order`, each run into its own new file
        let batch_in = |order: &str| {
            storyline_process(per_round, first, |run| {
                vec![
                    "batch".into(),
                    "--quiet".into(),
                    "--order".into(),
                    order.into(),
                    "--index".into(),
                    corpus.index_path.into(),
                    "--out".into(),
                    batch_out(corpus, order, run).into(),
                ]
            })
        };
        let (batch, batch_site) = (batch_in("default"), batch_in("site"));
        let index = storyline_process(per_round, first, |run| {
            vec![
                "index".into(),
                "--quiet".into(),
                stories.into(),
                "--index".into(),
                corpus.work.join(format!("index-{run}")).into(),
            ]
        });
        let (batch_s, batch_site_s, index_s) = match (batch, batch_site, index) {
            (Ok(b), Ok(s), Ok(i)) => (b, s, i),
            (Err(e), _, _) | (_, Err(e), _) | (_, _, Err(e)) => {
                return report.skip(peer, format!("the storyline processes failed: {e:#}"));
            }
        };
        rounds.push(HugoRound {
            build_s,
            build_norelated_s,
            batch_s,
            batch_site_s,
            index_s,
        });
        details = reported;
    }
    let middle =
        |value: fn(&HugoRound) -> f64| median(&mut rounds.iter().map(value).collect::<Vec<f64>>());
    let (build, bare) = (middle(|r| r.build_s), middle(|r| r.build_norelated_s));
    let (batch, index) = (middle(|r| r.batch_s), middle(|r| r.index_s));
    let batch_site = middle(|r| r.batch_site_s);
    let batch_ratio = middle(|r| r.build_s / r.batch_s);
    let site_ratio = middle(|r| r.build_s / r.batch_site_s);
    // the site order's lists beside Hugo's: the same stories share a tag, so the same lengths
    let site_lists = list_lengths(&batch_out(corpus, "site", 0));
    let whole_ratio = middle(|r| r.build_s / (r.index_s + r.batch_s));
    if let serde_json::Value::Object(fields) = &mut details {
        // the last round's script summary, with every round's figures
        fields.insert("build_s".into(), build.into());
        fields.insert("build_norelated_s".into(), bare.into());
        fields.insert(
            "build_runs_s".into(),
            rounds.iter().map(|r| r.build_s).collect(),
        );
        fields.insert(
            "build_norelated_runs_s".into(),
            rounds.iter().map(|r| r.build_norelated_s).collect(),
        );
        fields.insert(
            "rounds".into(),
            serde_json::to_value(&rounds).unwrap_or_default(),
        );
        fields.insert("stories_per_s".into(), (row.stories as f64 / build).into());
        match &site_lists {
            Ok((lines, entries, empty)) => {
                fields.insert(
                    "storyline_site_avg_related".into(),
                    (*entries as f64 / (*lines).max(1) as f64).into(),
                );
                fields.insert("storyline_site_empty_lists".into(), (*empty).into());
            }
            Err(e) => eprintln!("bench: the site order's lists could not be read: {e:#}"),
        }
        fields.remove("site_reused");
    }
    let n = row.stories as f64;
    report.paired_time(
        peer,
        "batch Related, whole process",
        "s",
        batch,
        build,
        Some(batch_ratio),
    );
    report.figures.push(PeerFigure {
        peer,
        figure: "batch Related throughput",
        unit: "stories/s",
        storyline: Some(n / batch),
        peer_value: n / build,
        ratio: Some(batch_ratio),
    });
    report.paired_time(
        peer,
        "batch Related, Hugo's task: --order site (shared tags, then date)",
        "s",
        batch_site,
        build,
        Some(site_ratio),
    );
    report.paired_time(
        peer,
        "from the stories: index + batch vs site build",
        "s",
        index + batch,
        build,
        Some(whole_ratio),
    );
    report.figures.push(PeerFigure {
        peer,
        figure: "site build without the Related call, for context",
        unit: "s",
        storyline: None,
        peer_value: bare,
        ratio: None,
    });
    report.details.insert(peer, details);
}
