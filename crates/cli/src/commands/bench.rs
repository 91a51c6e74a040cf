//! `storyline bench`: the whole pipeline at growing corpus sizes, as a scaling table.
//!
//! For each corpus (synthetic at the given sizes, or real archives): import (synthetic: a JSON
//! Lines export read back), index build, index size, search latency p50/p99 over 1–3 word
//! queries, related latency p50/p99, batch throughput, the process's peak memory so far, and
//! the growth exponent of index and batch time from the previous size (1 = linear).

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

use anyhow::Result;
use clap::Args;
use serde::Serialize;
use storyline_index::{BuildSettings, SearchRequest, StoryIndex};
use storyline_related::eval::SplitMix64;
use storyline_related::{Engine, RankOrder, ScorerSettings};
use storyline_story::{Language, Story};
use storyline_synth::SynthConfig;

use super::r#gen::parse_count;

/// Arguments of `storyline bench`.
#[derive(Debug, Args)]
pub struct BenchArgs {
    /// Synthetic corpus sizes, comma-separated (10k, 100k, 1M …).
    #[arg(long, value_delimiter = ',', value_parser = parse_count, default_value = "10k,100k")]
    pub sizes: Vec<usize>,
    /// Real archives to bench as well (each one a row).
    #[arg(long)]
    pub archive: Vec<PathBuf>,
    /// Queries (and related lookups) timed per corpus.
    #[arg(long, default_value_t = 2000)]
    pub queries: usize,
    /// Seed of the synthetic corpora.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Working directory for the indexes (default: a temporary directory, removed after).
    #[arg(long)]
    pub dir: Option<PathBuf>,
    /// Print the table as JSON.
    #[arg(long)]
    pub json: bool,
}

/// One row of the scaling table.
#[derive(Debug, Serialize)]
pub struct BenchRow {
    corpus: String,
    stories: usize,
    import_s: f64,
    index_s: f64,
    index_mib: f64,
    search_p50_ms: f64,
    search_p99_ms: f64,
    related_p50_ms: f64,
    related_p99_ms: f64,
    batch_s: f64,
    batch_stories_per_s: f64,
    peak_rss_mib: f64,
    index_growth: Option<f64>,
    batch_growth: Option<f64>,
}

fn peak_rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        })
        .map_or(0.0, |kb| kb / 1024.0)
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

/// `n` deterministic picks below `below`.
fn picks(seed: u64, n: usize, below: usize) -> Vec<usize> {
    let mut rng = SplitMix64(seed);
    (0..n)
        .map(|_| (rng.next_u64() % below.max(1) as u64) as usize)
        .collect()
}

/// 1–3 word queries taken from stories' headlines (words of 4+ letters).
fn queries(stories: &[Story], n: usize, seed: u64) -> Vec<String> {
    let mut out = Vec::with_capacity(n);
    for (i, pick) in picks(seed, n * 3, stories.len()).into_iter().enumerate() {
        if out.len() == n {
            break;
        }
        let story = &stories[pick];
        let words: Vec<String> = if story.language == Language::Zh {
            // Chinese: the headline's segmented words of two or more characters
            storyline_index::analyzer::query_words(&story.title)
                .into_iter()
                .filter(|w| w.chars().count() >= 2)
                .collect()
        } else {
            story
                .title
                .split_whitespace()
                .filter(|w| w.len() >= 4 && w.chars().all(char::is_alphanumeric))
                .map(String::from)
                .collect()
        };
        if words.is_empty() {
            continue;
        }
        let take = 1 + i % 3;
        out.push(
            words
                .iter()
                .take(take)
                .cloned()
                .collect::<Vec<_>>()
                .join(" "),
        );
    }
    out
}

fn bench_corpus(
    name: String,
    stories: Vec<Story>,
    import_s: f64,
    args: &BenchArgs,
    dir: &std::path::Path,
) -> Result<BenchRow> {
    let path = dir.join(format!("index-{}", stories.len()));
    let started = Instant::now();
    let index = StoryIndex::build(&path, &stories, &BuildSettings::default(), &|| {})?;
    let index_s = started.elapsed().as_secs_f64();
    let index_mib = index.size_on_disk() as f64 / (1 << 20) as f64;

    let mut search = Vec::new();
    for query in queries(&stories, args.queries, args.seed) {
        let started = Instant::now();
        let results = index.search(&SearchRequest {
            query,
            ..Default::default()
        })?;
        search.push(started.elapsed().as_secs_f64() * 1000.0);
        assert!(results.total > 0, "a query from a headline finds it");
    }
    search.sort_by(f64::total_cmp);

    let engine = Engine::new(Arc::clone(index.tables()));
    let settings = ScorerSettings::default();
    let mut related = Vec::new();
    for ord in picks(args.seed ^ 1, args.queries, stories.len()) {
        let started = Instant::now();
        let items = engine.related(&engine.subject(ord as u32), &settings, RankOrder::Default);
        related.push(started.elapsed().as_secs_f64() * 1000.0);
        std::hint::black_box(items);
    }
    related.sort_by(f64::total_cmp);

    let started = Instant::now();
    let lists = storyline_related::batch::generate(
        &engine,
        &settings,
        RankOrder::Default,
        0..stories.len() as u32,
        &|| {},
    );
    let batch_s = started.elapsed().as_secs_f64();
    assert_eq!(lists.len(), stories.len());
    drop(lists);
    drop(engine);
    drop(index);
    let _ = std::fs::remove_dir_all(&path);
    Ok(BenchRow {
        corpus: name,
        stories: stories.len(),
        import_s,
        index_s,
        index_mib,
        search_p50_ms: percentile(&search, 0.5),
        search_p99_ms: percentile(&search, 0.99),
        related_p50_ms: percentile(&related, 0.5),
        related_p99_ms: percentile(&related, 0.99),
        batch_s,
        batch_stories_per_s: stories.len() as f64 / batch_s.max(1e-9),
        peak_rss_mib: peak_rss_mib(),
        index_growth: None,
        batch_growth: None,
    })
}

/// Runs `storyline bench`.
pub fn run(args: BenchArgs) -> Result<ExitCode> {
    let temp = tempfile::tempdir()?;
    let dir = args
        .dir
        .clone()
        .unwrap_or_else(|| temp.path().to_path_buf());
    std::fs::create_dir_all(&dir)?;
    let mut rows: Vec<BenchRow> = Vec::new();
    for path in &args.archive {
        let started = Instant::now();
        let imported = storyline_story::import_paths(std::slice::from_ref(path), None)?;
        let import_s = started.elapsed().as_secs_f64();
        eprintln!(
            "bench: {} ({} stories)…",
            path.display(),
            imported.stories.len()
        );
        rows.push(bench_corpus(
            path.display().to_string(),
            imported.stories,
            import_s,
            &args,
            &dir,
        )?);
    }
    let mut sizes = args.sizes.clone();
    sizes.sort_unstable();
    let first_synthetic = rows.len();
    for size in sizes {
        eprintln!("bench: synthetic {size} stories…");
        let stories = storyline_synth::generate(&SynthConfig::new(size, args.seed, Language::En));
        let jsonl = dir.join(format!("synthetic-{size}.jsonl"));
        storyline_story::write_atomically(&jsonl, |w| {
            storyline_story::formats::jsonl::write_jsonl(w, &stories)
        })?;
        drop(stories);
        let started = Instant::now();
        let imported = storyline_story::import_paths(std::slice::from_ref(&jsonl), None)?;
        let import_s = started.elapsed().as_secs_f64();
        let _ = std::fs::remove_file(&jsonl);
        let mut row = bench_corpus(
            format!("synthetic {size}"),
            imported.stories,
            import_s,
            &args,
            &dir,
        )?;
        if rows.len() > first_synthetic {
            let previous = &rows[rows.len() - 1];
            let ratio = (row.stories as f64 / previous.stories as f64).ln();
            row.index_growth = Some((row.index_s / previous.index_s).ln() / ratio);
            row.batch_growth = Some((row.batch_s / previous.batch_s).ln() / ratio);
        }
        rows.push(row);
    }
    if args.json {
        println!("{}", serde_json::to_string_pretty(&rows)?);
        return Ok(ExitCode::SUCCESS);
    }
    println!(
        "| corpus | stories | import s | index s | index MiB | search p50/p99 ms | related p50/p99 ms | batch s | batch stories/s | peak RSS MiB | growth index/batch |"
    );
    println!("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
    for r in &rows {
        let growth = match (r.index_growth, r.batch_growth) {
            (Some(i), Some(b)) => format!("{i:.2} / {b:.2}"),
            _ => "-".into(),
        };
        println!(
            "| {} | {} | {:.2} | {:.2} | {:.1} | {:.3} / {:.3} | {:.3} / {:.3} | {:.2} | {:.0} | {:.0} | {} |",
            r.corpus,
            r.stories,
            r.import_s,
            r.index_s,
            r.index_mib,
            r.search_p50_ms,
            r.search_p99_ms,
            r.related_p50_ms,
            r.related_p99_ms,
            r.batch_s,
            r.batch_stories_per_s,
            r.peak_rss_mib,
            growth
        );
    }
    Ok(ExitCode::SUCCESS)
}
