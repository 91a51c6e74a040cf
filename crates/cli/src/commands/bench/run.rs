//! The bench's arguments, its rows and the run over every corpus.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

use anyhow::Result;
use clap::Args;
use serde::Serialize;
use storyline_index::{BuildSettings, IndexBuilder, SearchRequest};
use storyline_related::{Engine, RankOrder, ScorerSettings};

use super::super::r#gen::parse_count;
use super::peers::{self, PeerReport};
use super::workload::{median, peak_rss_mib, percentile, queries, reset_peak_rss, subjects};
use super::{plot, table};

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
    /// Print the table as JSON (with --peers, each row carries its peer figures).
    #[arg(long)]
    pub json: bool,
    /// Draw the timings against corpus size into this SVG file (log-log: index build s, batch
    /// s, search p99 ms, related p99 ms against stories), written atomically.
    #[arg(long, value_name = "FILE.svg")]
    pub plot: Option<PathBuf>,
    /// Also measure peers on the same stories and print them as ratios (opt-in, slow: Hugo
    /// builds a whole site per corpus): Hugo's related content against `storyline batch`
    /// (whole processes; the script may `apt-get install hugo`), SQLite FTS5 against index
    /// build and search p50/p99 (python3), tantivy's MoreLikeThis against related p50/p99. A
    /// peer that cannot run is reported with the reason and skipped. Sizes around 20k suit it.
    #[arg(long)]
    pub peers: bool,
    /// With --peers: the folder of the peer scripts (default: benches/peers of this checkout).
    #[arg(long, value_name = "DIR", requires = "peers")]
    pub peers_dir: Option<PathBuf>,
    /// Times the batch of each corpus this many times and reports the median (its growth from
    /// one size to the next is read from medians too): one run moves by ±10% on a busy VM.
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u32).range(1..))]
    pub batch_runs: u32,
}

/// One row of the scaling table.
#[derive(Debug, Serialize)]
pub struct BenchRow {
    /// The corpus: an archive's path or `synthetic N`.
    pub corpus: String,
    /// Stories in the corpus.
    pub stories: usize,
    /// Import seconds: the archive read and parsed (streamed, nothing kept).
    pub import_s: f64,
    /// Index seconds: what `storyline index` does (streamed import, tantivy build, scorer
    /// tables, commit).
    pub index_s: f64,
    /// Index size on disk (MiB).
    pub index_mib: f64,
    /// Search latency, median (ms).
    pub search_p50_ms: f64,
    /// Search latency, 99th percentile (ms).
    pub search_p99_ms: f64,
    /// Related latency, median (ms).
    pub related_p50_ms: f64,
    /// Related latency, 99th percentile (ms).
    pub related_p99_ms: f64,
    /// Every story's list, a block at a time as `storyline batch` computes them (s): the
    /// median of `batch_runs_s`.
    pub batch_s: f64,
    /// Each timed batch (s), in the order run.
    pub batch_runs_s: Vec<f64>,
    /// Batch throughput.
    pub batch_stories_per_s: f64,
    /// The bench process's peak resident memory over this corpus's import, index, search,
    /// related and batch (MiB; the synthetic generation before them is not counted).
    pub peak_rss_mib: f64,
    /// Growth exponent of the index time from the previous synthetic size (1 = linear).
    pub index_growth: Option<f64>,
    /// Growth exponent of the batch time from the previous synthetic size.
    pub batch_growth: Option<f64>,
    /// With --peers: the peers' figures on the same stories, and the peers that were skipped.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub peers: Option<PeerReport>,
}

/// Stories handed from the importer to the index builder at a time (as `storyline index`).
const CHUNK: usize = 50_000;
/// Stories whose lines may be computed ahead of the writer (as `storyline batch`, which writes
/// them to a file where this writes them to nowhere).
const BATCH_AHEAD: usize = 512;

/// Runs the pipeline on the archive files `files` the way the commands do: a streamed import
/// pass (timed alone), `storyline index` (streamed import + build + tables), search and related
/// latencies, and `storyline batch` (every list, a block at a time). The peak memory is the
/// process's high-water mark over this corpus alone.
fn bench_corpus(
    name: String,
    files: &[storyline_story::import::SourceFile],
    args: &BenchArgs,
    dir: &Path,
) -> Result<BenchRow> {
    reset_peak_rss();
    let started = Instant::now();
    let mut imported = 0usize;
    let Ok(_) = storyline_story::import_chunked(files, CHUNK, &|| {}, |chunk| {
        imported += chunk.len();
        Ok::<(), std::convert::Infallible>(())
    });
    let import_s = started.elapsed().as_secs_f64();

    let path = dir.join(format!("index-{imported}"));
    let started = Instant::now();
    let mut builder = IndexBuilder::new(&path, &BuildSettings::default())?;
    storyline_story::import_chunked(files, CHUNK, &|| {}, |chunk| builder.add(&chunk, &|| {}))?;
    let index = builder.finish()?;
    let index_s = started.elapsed().as_secs_f64();
    let index_mib = index.size_on_disk() as f64 / (1 << 20) as f64;
    let stories = index.tables().len();
    anyhow::ensure!(
        stories == imported,
        "indexed {stories} of {imported} stories"
    );

    // what `serve` makes while it starts, before its first search
    index.warm_up()?;
    let queries = queries(index.tables(), args.queries, args.seed);
    let mut search = Vec::new();
    for query in &queries {
        let started = Instant::now();
        let results = index.search(&SearchRequest {
            query: query.clone(),
            ..Default::default()
        })?;
        search.push(started.elapsed().as_secs_f64() * 1000.0);
        anyhow::ensure!(
            results.total > 0,
            "a query from a headline finds it: {query:?}"
        );
    }
    search.sort_by(f64::total_cmp);

    let engine = Engine::new(Arc::clone(index.tables()));
    let settings = ScorerSettings::default();
    let subjects = subjects(args.seed, args.queries, stories);
    let mut related = Vec::new();
    for &ord in &subjects {
        let started = Instant::now();
        let items = engine.related(&engine.subject(ord), &settings, RankOrder::Default);
        related.push(started.elapsed().as_secs_f64() * 1000.0);
        std::hint::black_box(items);
    }
    related.sort_by(f64::total_cmp);

    let mut batch_runs_s = Vec::new();
    for _ in 0..args.batch_runs {
        let started = Instant::now();
        let lists = storyline_related::batch::write_jsonl(
            &engine,
            &settings,
            RankOrder::Default,
            0..stories as u32,
            BATCH_AHEAD,
            &|_| {},
            &mut std::io::sink(),
        )?
        .lists;
        batch_runs_s.push(started.elapsed().as_secs_f64());
        anyhow::ensure!(lists == stories, "batch made {lists} of {stories} lists");
    }
    let batch_s = median(&mut batch_runs_s.clone());
    drop(engine);
    let mut row = BenchRow {
        corpus: name,
        stories,
        import_s,
        index_s,
        index_mib,
        search_p50_ms: percentile(&search, 0.5),
        search_p99_ms: percentile(&search, 0.99),
        related_p50_ms: percentile(&related, 0.5),
        related_p99_ms: percentile(&related, 0.99),
        batch_s,
        batch_runs_s,
        batch_stories_per_s: stories as f64 / batch_s.max(1e-9),
        peak_rss_mib: peak_rss_mib(),
        index_growth: None,
        batch_growth: None,
        peers: None,
    };
    if args.peers {
        eprintln!("bench: peers on {stories} stories…");
        let all = index.all_stories()?;
        let corpus = peers::Corpus {
            stories: &all,
            queries: &queries,
            subjects: &subjects,
            index: &index,
            index_path: &path,
            work: dir.join(format!("peers-{stories}")),
            scripts: args
                .peers_dir
                .clone()
                .unwrap_or_else(peers::default_scripts_dir),
        };
        row.peers = Some(peers::measure(&corpus, &row));
    }
    drop(index);
    let _ = std::fs::remove_dir_all(&path);
    Ok(row)
}

/// Writes a synthetic archive of `size` stories with `storyline gen` in a child process, so the
/// bench's own memory never holds the generated stories (its peak figures are the pipeline's).
fn generate(size: usize, seed: u64, out: &Path) -> Result<()> {
    let status = std::process::Command::new(peers::this_binary()?)
        .args([
            "gen",
            "--stories",
            &size.to_string(),
            "--seed",
            &seed.to_string(),
        ])
        .arg("--out")
        .arg(out)
        .stdout(std::process::Stdio::null())
        .status()?;
    anyhow::ensure!(
        status.success(),
        "storyline gen --stories {size} failed: {status}"
    );
    Ok(())
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
        let (files, _) = storyline_story::discover(std::slice::from_ref(path), None)?;
        eprintln!("bench: {}…", path.display());
        rows.push(bench_corpus(
            path.display().to_string(),
            &files,
            &args,
            &dir,
        )?);
    }
    let mut sizes = args.sizes.clone();
    sizes.sort_unstable();
    let first_synthetic = rows.len();
    for size in sizes {
        eprintln!("bench: synthetic {size} stories…");
        let jsonl = dir.join(format!("synthetic-{size}.jsonl"));
        generate(size, args.seed, &jsonl)?;
        let (files, _) = storyline_story::discover(std::slice::from_ref(&jsonl), None)?;
        let row = bench_corpus(format!("synthetic {size}"), &files, &args, &dir);
        let _ = std::fs::remove_file(&jsonl);
        let mut row = row?;
        if rows.len() > first_synthetic {
            let previous = &rows[rows.len() - 1];
            let ratio = (row.stories as f64 / previous.stories as f64).ln();
            row.index_growth = Some((row.index_s / previous.index_s).ln() / ratio);
            row.batch_growth = Some((row.batch_s / previous.batch_s).ln() / ratio);
        }
        rows.push(row);
    }
    if let Some(path) = &args.plot {
        plot::write_svg(path, &rows)?;
        eprintln!("bench: plot written to {}", path.display());
    }
    if args.json {
        outln!("{}", serde_json::to_string_pretty(&rows)?)?;
        return Ok(ExitCode::SUCCESS);
    }
    table::print_rows(&rows)?;
    if args.peers {
        table::print_peers(&rows)?;
    }
    Ok(ExitCode::SUCCESS)
}
