//! `storyline bench` end to end: the real binary on two small synthetic corpora, its JSON rows
//! and its SVG plot; with Hugo installed, the peers too (SKIPPED without it).

use std::path::Path;
use std::process::Command;

use serde_json::Value;

fn storyline(args: &[&str]) -> std::process::Output {
    let output = Command::new(env!("CARGO_BIN_EXE_storyline"))
        .args(args)
        .output()
        .expect("the storyline binary runs");
    assert!(
        output.status.success(),
        "storyline {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

fn positive(row: &Value, key: &str) -> f64 {
    let value = row[key]
        .as_f64()
        .unwrap_or_else(|| panic!("{key} is a number in {row}"));
    assert!(value > 0.0, "{key} is positive in {row}");
    value
}

#[test]
fn bench_prints_json_rows_and_draws_the_plot() {
    let tmp = tempfile::tempdir().unwrap();
    let svg = tmp.path().join("p.svg");
    let output = storyline(&[
        "bench",
        "--sizes",
        "2k,4k",
        "--queries",
        "50",
        "--json",
        "--batch-runs",
        "3",
        "--plot",
        svg.to_str().unwrap(),
    ]);
    let rows: Vec<Value> = serde_json::from_slice(&output.stdout).expect("JSON rows");
    assert_eq!(rows.len(), 2);
    for (row, stories) in rows.iter().zip([2000, 4000]) {
        assert_eq!(row["stories"], stories);
        assert_eq!(row["corpus"], format!("synthetic {stories}"));
        for key in [
            "index_s",
            "index_mib",
            "search_p50_ms",
            "search_p99_ms",
            "related_p50_ms",
            "related_p99_ms",
            "batch_s",
            "batch_stories_per_s",
            "peak_rss_mib",
        ] {
            positive(row, key);
        }
        assert!(row["search_p50_ms"].as_f64() <= row["search_p99_ms"].as_f64());
        // the batch is the median of its three timed runs
        let mut runs: Vec<f64> = row["batch_runs_s"]
            .as_array()
            .expect("batch_runs_s")
            .iter()
            .map(|r| r.as_f64().expect("seconds"))
            .collect();
        assert_eq!(runs.len(), 3, "{row}");
        runs.sort_by(f64::total_cmp);
        assert_eq!(row["batch_s"].as_f64(), Some(runs[1]), "{row}");
        assert!(row.get("peers").is_none(), "no peers without --peers");
    }
    assert!(rows[0]["index_growth"].is_null());
    assert!(rows[1]["index_growth"].is_f64(), "growth from the 1st row");
    assert!(rows[1]["batch_growth"].is_f64());

    let text = std::fs::read_to_string(&svg).expect("the plot was written");
    assert!(text.contains("<svg"), "an SVG document");
    for label in [
        "stories",
        "time (s or ms, see legend)",
        "index build (s)",
        "batch, every list (s)",
        "search p99 (ms)",
        "related p99 (ms)",
        "2k",
        "4k",
    ] {
        assert!(text.contains(label), "the plot shows {label:?}");
    }
    // written atomically: no temporary file left beside it
    let leftovers: Vec<_> = std::fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .filter(|n| n != "p.svg")
        .collect();
    assert!(leftovers.is_empty(), "left behind: {leftovers:?}");
}

#[test]
fn bench_refuses_zero_batch_runs() {
    let output = Command::new(env!("CARGO_BIN_EXE_storyline"))
        .args(["bench", "--sizes", "2k", "--batch-runs", "0"])
        .output()
        .expect("the storyline binary runs");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("--batch-runs") && stderr.contains("0"),
        "names the parameter and the value: {stderr}"
    );
}

fn on_path(program: &str) -> bool {
    std::env::var_os("PATH").is_some_and(|paths| {
        std::env::split_paths(&paths).any(|dir| Path::new(&dir).join(program).is_file())
    })
}

#[test]
fn bench_peers_report_ratios() {
    if !on_path("hugo") || !on_path("python3") {
        eprintln!("SKIPPED: bench --peers needs hugo and python3 on PATH");
        return;
    }
    let output = storyline(&[
        "bench",
        "--sizes",
        "2k",
        "--queries",
        "50",
        "--json",
        "--peers",
    ]);
    let rows: Vec<Value> = serde_json::from_slice(&output.stdout).expect("JSON rows");
    assert_eq!(rows.len(), 1);
    let peers = &rows[0]["peers"];
    assert_eq!(
        peers["skipped"],
        serde_json::json!([]),
        "every peer ran: {peers}"
    );
    let figures = peers["figures"].as_array().expect("peer figures");
    for (peer, figure) in [
        ("tantivy-mlt", "related p50"),
        ("tantivy-mlt", "related p99"),
        ("sqlite-fts5", "index build"),
        ("sqlite-fts5", "search p50"),
        ("sqlite-fts5", "search p99"),
        ("hugo", "batch Related, whole process"),
        ("hugo", "batch Related throughput"),
        (
            "hugo",
            "batch Related, Hugo's task: --order site (shared tags, then date)",
        ),
    ] {
        let found = figures
            .iter()
            .find(|f| f["peer"] == peer && f["figure"] == figure)
            .unwrap_or_else(|| panic!("{peer} {figure} in {peers}"));
        positive(found, "storyline");
        positive(found, "peer_value");
        positive(found, "ratio");
    }
    let hugo = &peers["details"]["hugo"];
    assert_eq!(hugo["pages"], 2000, "one page per story");
    // the site order does Hugo's task: a list of every story sharing a tag, at most 10, so its
    // lists have the lengths Hugo's have (and untagged stories' lists are empty in both)
    assert_eq!(
        hugo["storyline_site_empty_lists"], hugo["empty_lists"],
        "{hugo}"
    );
    assert!(hugo["empty_lists"].as_u64() > Some(200), "{hugo}");
    let (ours, theirs) = (
        hugo["storyline_site_avg_related"].as_f64().unwrap(),
        hugo["avg_related"].as_f64().unwrap(),
    );
    assert!(
        (ours - theirs).abs() < 1e-9 && ours > 1.0,
        "site order {ours} entries a list, Hugo {theirs}"
    );
    // Hugo's builds and Storyline's processes ran side by side, in rounds; the ratio is the
    // median of the rounds' ratios
    let rounds = peers["details"]["hugo"]["rounds"]
        .as_array()
        .expect("the Hugo rounds");
    assert_eq!(rounds.len(), 3, "{rounds:?}");
    let mut ratios: Vec<f64> = rounds
        .iter()
        .map(|r| {
            let (build, batch) = (
                r["build_s"].as_f64().unwrap(),
                r["batch_s"].as_f64().unwrap(),
            );
            assert!(
                build > 0.0
                    && batch > 0.0
                    && r["batch_site_s"].as_f64() > Some(0.0)
                    && r["index_s"].as_f64() > Some(0.0),
                "{r}"
            );
            build / batch
        })
        .collect();
    ratios.sort_by(f64::total_cmp);
    let whole = figures
        .iter()
        .find(|f| f["peer"] == "hugo" && f["figure"] == "batch Related, whole process")
        .expect("the Hugo batch figure");
    assert_eq!(whole["ratio"].as_f64(), Some(ratios[1]), "{whole}");
    assert!(peers["details"]["sqlite-fts5"]["empty_queries"].as_u64() < Some(50));
}
