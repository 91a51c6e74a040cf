//! The whole pipeline at growing corpus sizes: import, index build, search, related (online)
//! and batch on synthetic archives (`storyline_synth`, seed 42, English) of 10k, 100k and 1M
//! stories. Each size is one criterion group whose benchmark ids carry the size
//! (`scaling/import/10k`, `scaling/import/100k` …), so criterion reports the sizes side by side,
//! and throughput is given in stories (or queries) per second. Every iteration checks the result
//! it times, so the bench cannot time nothing.
//!
//! - `import`: a JSON Lines export of the corpus read back (`storyline_story::import_paths`),
//!   checked by its story count;
//! - `index build`: `StoryIndex::build` into a fresh temporary directory (only the build is
//!   timed), checked by the stored story count;
//! - `search`: rotating 1–3 word queries taken from the headlines, each checked `total > 0`;
//! - `related`: `Engine::related` for rotating ordinals, checked bounded by the limit and never
//!   listing the story itself;
//! - `batch 5k`: `storyline_related::batch::generate` over the first 5,000 stories, and
//!   `batch all` over the whole corpus (once per sample, up to 100k stories), checked by length.
//!
//! `cargo bench --bench scaling` runs 10k, 100k and 1M; `STORYLINE_BENCH_SIZES=10k,100k`
//! chooses the sizes, `STORYLINE_BENCH_10M=1` adds 10M. Quick mode (`-- --test`, as CI runs it,
//! or `cargo test --benches`) runs each bench once on 2k stories only. A size's corpus is made
//! only when a selected bench needs it (`-- --list` and `-- search` skip what they do not use),
//! one size at a time, and the stories are dropped once the index is built, to bound peak memory.

use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{
    Bencher, BenchmarkGroup, BenchmarkId, Criterion, SamplingMode, Throughput, criterion_group,
    criterion_main, measurement::WallTime,
};
use storyline_index::{BuildSettings, SearchRequest, StoryIndex};
use storyline_related::eval::SplitMix64;
use storyline_related::{Engine, RankOrder, ScorerSettings};
use storyline_story::{Language, Story};
use storyline_synth::SynthConfig;
use tempfile::TempDir;

/// Sizes run by default.
const DEFAULT_SIZES: [usize; 3] = [10_000, 100_000, 1_000_000];
/// The opt-in size (`STORYLINE_BENCH_10M=1`).
const HUGE_SIZE: usize = 10_000_000;
/// The only size of quick mode (`-- --test`).
const QUICK_SIZE: usize = 2_000;
/// Seed of the synthetic archives.
const SEED: u64 = 42;
/// Stories of the `batch 5k` slice.
const BATCH_SLICE: u32 = 5_000;
/// The whole-corpus batch runs up to this size (at 1M one list run takes minutes).
const FULL_BATCH_MAX: usize = 100_000;
/// Distinct search queries per size (rotated through).
const QUERIES: usize = 1_000;
/// File name of the JSON Lines export.
const JSONL: &str = "synthetic.jsonl";

/// Whether criterion runs in quick mode: `cargo bench -- --test`, or `cargo test --benches`
/// (no `--bench` argument).
fn quick_mode() -> bool {
    let args: Vec<String> = std::env::args().collect();
    args.iter().any(|a| a == "--test") || !args.iter().any(|a| a == "--bench")
}

/// `10k`, `100k`, `1M`, `2500` → a story count.
fn parse_size(text: &str) -> Option<usize> {
    let text = text.trim();
    let (digits, factor) = match text.char_indices().last()? {
        (i, 'k' | 'K') => (&text[..i], 1_000),
        (i, 'm' | 'M') => (&text[..i], 1_000_000),
        _ => (text, 1),
    };
    digits
        .replace('_', "")
        .parse::<usize>()
        .ok()?
        .checked_mul(factor)
        .filter(|&n| n > 0)
}

/// The sizes to run, ascending.
fn sizes() -> Vec<usize> {
    if quick_mode() {
        return vec![QUICK_SIZE];
    }
    let mut sizes = match std::env::var("STORYLINE_BENCH_SIZES") {
        Ok(list) if !list.trim().is_empty() => list
            .split(',')
            .map(|s| {
                parse_size(s).unwrap_or_else(|| {
                    panic!("STORYLINE_BENCH_SIZES: {s:?} is not a size (10k, 100k, 1M …)")
                })
            })
            .collect(),
        _ => DEFAULT_SIZES.to_vec(),
    };
    if std::env::var("STORYLINE_BENCH_10M").is_ok_and(|v| !v.is_empty() && v != "0") {
        sizes.push(HUGE_SIZE);
    }
    sizes.sort_unstable();
    sizes.dedup();
    sizes
}

/// `10000` → `10k`, `1000000` → `1M`.
fn label(n: usize) -> String {
    if n.is_multiple_of(1_000_000) {
        format!("{}M", n / 1_000_000)
    } else if n.is_multiple_of(1_000) {
        format!("{}k", n / 1_000)
    } else {
        n.to_string()
    }
}

/// 1–3 word queries from headlines picked at random (words of 4+ letters).
fn queries(stories: &[Story]) -> Vec<String> {
    let mut rng = SplitMix64(SEED);
    let mut out = Vec::with_capacity(QUERIES);
    for i in 0..QUERIES * 3 {
        if out.len() == QUERIES {
            break;
        }
        let story = &stories[(rng.next_u64() % stories.len() as u64) as usize];
        let words: Vec<&str> = story
            .title
            .split_whitespace()
            .filter(|w| w.len() >= 4 && w.chars().all(char::is_alphanumeric))
            .take(1 + i % 3)
            .collect();
        if !words.is_empty() {
            out.push(words.join(" "));
        }
    }
    assert!(!out.is_empty(), "no query words in the headlines");
    out
}

/// Settings of the benches that take a second or more per iteration at 1M: ten samples, one
/// (or a few) iterations each. At the larger sizes criterion warns that ten samples do not fit
/// in the 5 s target: expected, each sample is then a single iteration.
fn expensive(group: &mut BenchmarkGroup<'_, WallTime>, stories: u64) {
    group
        .sampling_mode(SamplingMode::Flat)
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(5))
        .throughput(Throughput::Elements(stories));
}

/// Settings of the sub-millisecond benches (one query or one list per iteration).
fn cheap(group: &mut BenchmarkGroup<'_, WallTime>) {
    group
        .sampling_mode(SamplingMode::Auto)
        .sample_size(50)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(5))
        .throughput(Throughput::Elements(1));
}

/// Builds an index of `stories` in a new temporary directory; returns the build's duration.
fn build(stories: &[Story]) -> (TempDir, StoryIndex, Duration) {
    let dir = tempfile::tempdir().expect("tempdir");
    let started = Instant::now();
    let index = StoryIndex::build(
        &dir.path().join("index"),
        stories,
        &BuildSettings::default(),
        &|| {},
    )
    .expect("build");
    let took = started.elapsed();
    let stored = index.reader().searcher().num_docs();
    assert_eq!(index.tables().len(), stories.len(), "stories in the tables");
    assert_eq!(stored, stories.len() as u64, "stories in the tantivy index");
    (dir, index, took)
}

/// Reads the JSON Lines export back, checking the count.
fn import(path: &Path, n: usize) -> Vec<Story> {
    let imported = storyline_story::import_paths(&[path.to_path_buf()], None).expect("import");
    assert_eq!(imported.stories.len(), n, "stories imported");
    assert!(imported.report.skipped.is_empty(), "nothing skipped");
    imported.stories
}

/// One size's corpus, made lazily as the selected benches need it (so `--list` or a filter
/// such as `-- search` does not generate, import or index what it does not use). At most one
/// copy of the stories is alive, and none once the index is built.
struct Corpus {
    n: usize,
    /// The temporary directory of the JSON Lines export.
    work: Option<TempDir>,
    queries: Vec<String>,
    stories: Option<Vec<Story>>,
    /// The index and its temporary directory.
    index: Option<(TempDir, StoryIndex)>,
    engine: Option<Engine>,
}

impl Corpus {
    fn new(n: usize) -> Corpus {
        Corpus {
            n,
            work: None,
            queries: Vec::new(),
            stories: None,
            index: None,
            engine: None,
        }
    }

    /// Generates the stories, writes their export and derives the queries (once); the
    /// generated stories are dropped: the benches use the export read back.
    fn jsonl(&mut self) -> PathBuf {
        let work = self.work.get_or_insert_with(|| {
            eprintln!("scaling: generating {} synthetic stories…", self.n);
            let stories = storyline_synth::generate(&SynthConfig::new(self.n, SEED, Language::En));
            assert_eq!(stories.len(), self.n);
            let work = tempfile::tempdir().expect("tempdir");
            storyline_story::write_atomically(&work.path().join(JSONL), |w| {
                storyline_story::formats::jsonl::write_jsonl(w, &stories)
            })
            .expect("write the JSON Lines export");
            self.queries = queries(&stories);
            work
        });
        work.path().join(JSONL)
    }

    fn ensure_stories(&mut self) {
        if self.stories.is_none() {
            let jsonl = self.jsonl();
            self.stories = Some(import(&jsonl, self.n));
        }
    }

    /// Builds the index when no bench did; drops the stories and the export.
    fn ensure_index(&mut self) {
        if self.index.is_none() {
            self.ensure_stories();
            let (dir, index, _) = build(self.stories.as_deref().expect("stories"));
            self.index = Some((dir, index));
        }
        self.stories = None;
        if let Some(work) = &self.work {
            let _ = std::fs::remove_file(work.path().join(JSONL));
        }
    }

    fn index(&self) -> &StoryIndex {
        &self.index.as_ref().expect("ensure_index").1
    }

    fn ensure_engine(&mut self) {
        if self.engine.is_none() {
            self.ensure_index();
            self.engine = Some(Engine::new(Arc::clone(self.index().tables())));
        }
    }
}

fn size(c: &mut Criterion, n: usize) {
    let name = label(n);
    let mut corpus = Corpus::new(n);
    let mut group = c.benchmark_group("scaling");

    // import: the last read is kept as the corpus of the build (one copy of the stories alive)
    expensive(&mut group, n as u64);
    group.bench_function(BenchmarkId::new("import", &name), |b| {
        let jsonl = corpus.jsonl();
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                corpus.stories = None;
                let started = Instant::now();
                let read = import(&jsonl, n);
                total += started.elapsed();
                corpus.stories = Some(std::hint::black_box(read));
            }
            total
        })
    });

    // index build: each iteration into a fresh directory; the last index is kept for the rest
    group.bench_function(BenchmarkId::new("index build", &name), |b| {
        corpus.ensure_stories();
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                corpus.index = None;
                let (dir, index, took) = build(corpus.stories.as_deref().expect("stories"));
                total += took;
                corpus.index = Some((dir, index));
            }
            total
        })
    });

    cheap(&mut group);
    let mut q = 0;
    group.bench_function(BenchmarkId::new("search", &name), |b| {
        corpus.ensure_index();
        let (index, queries) = (corpus.index(), &corpus.queries);
        b.iter(|| {
            q = (q + 1) % queries.len();
            let results = index
                .search(&SearchRequest {
                    query: queries[q].clone(),
                    ..Default::default()
                })
                .expect("search");
            assert!(results.total > 0, "{:?} finds its headline", queries[q]);
            results.hits.len()
        })
    });

    let settings = ScorerSettings::default();
    let mut ord = 0u32;
    group.bench_function(BenchmarkId::new("related", &name), |b| {
        corpus.ensure_engine();
        let engine = corpus.engine.as_ref().expect("engine");
        b.iter(|| {
            ord = (ord + 7_919) % n as u32;
            let items = engine.related(&engine.subject(ord), &settings, RankOrder::Default);
            assert!(items.len() <= settings.limit, "at most limit entries");
            assert!(items.iter().all(|item| item.ord != ord), "never itself");
            items.len()
        })
    });

    let batch = |corpus: &mut Corpus, b: &mut Bencher<'_>, range: Range<u32>| {
        corpus.ensure_engine();
        let engine = corpus.engine.as_ref().expect("engine");
        b.iter(|| {
            let lists = storyline_related::batch::generate(
                engine,
                &settings,
                RankOrder::Default,
                range.clone(),
                &|_| {},
            );
            assert_eq!(lists.len(), range.len());
            assert!(lists.iter().all(|(_, l)| l.len() <= settings.limit));
            lists.len()
        })
    };
    let slice = BATCH_SLICE.min(n as u32);
    expensive(&mut group, slice as u64);
    group.bench_function(BenchmarkId::new("batch 5k", &name), |b| {
        batch(&mut corpus, b, 0..slice)
    });
    if n <= FULL_BATCH_MAX {
        expensive(&mut group, n as u64);
        group.bench_function(BenchmarkId::new("batch all", &name), |b| {
            batch(&mut corpus, b, 0..n as u32)
        });
    }
    group.finish();
}

fn scaling(c: &mut Criterion) {
    for n in sizes() {
        size(c, n);
    }
}

criterion_group!(benches, scaling);
criterion_main!(benches);
