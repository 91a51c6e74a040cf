//! `storyline batch`: every story's Related list, as JSON Lines or written into story pages.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use anyhow::{Result, bail};
use clap::{Args, ValueEnum};
use serde::Serialize;
use storyline_related::batch::{
    PagesReport, PagesTarget, Shard, Tally, generate, write_jsonl, write_pages,
};
use storyline_related::{Engine, RankOrder, RankedOn};
use storyline_story::write_atomically;

use super::index::DEFAULT_INDEX;
use super::scorer_args::ScorerArgs;
use crate::progress;

/// Stories whose JSON lines may be computed ahead of the writer in a batch (a few blocks per
/// worker: enough to keep the workers busy while a block is written, little memory).
const JSONL_AHEAD: usize = 512;

/// What the batch writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum WriteTo {
    /// One JSON line per story: its id and its ranked related ids with scores and shared tags.
    Jsonl,
    /// The Related section of each story page, in the archive's own format (for JSON Lines
    /// records: their `related` field).
    Pages,
}

/// Arguments of `storyline batch`.
#[derive(Debug, Args)]
pub struct BatchArgs {
    /// The index directory.
    #[arg(long, default_value = DEFAULT_INDEX)]
    pub index: PathBuf,
    /// What to write.
    #[arg(long, value_enum, default_value_t = WriteTo::Jsonl)]
    pub write: WriteTo,
    /// JSON Lines file (default: standard output), or with --write pages a directory for a
    /// rewritten copy of the archive, a file for a JSON Lines archive (default: edit the
    /// archive in place).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// With --write pages: the archive the pages are read from (a directory of story pages
    /// and JSON Lines files, or one JSON Lines file, whose records get their `related` field).
    #[arg(long, required_if_eq("write", "pages"))]
    pub archive: Option<PathBuf>,
    /// Only shard i of n (e.g. 2/4): n processes produce disjoint outputs that concatenate to
    /// the whole.
    #[arg(long)]
    pub shard: Option<Shard>,
    /// Ranking: default or site.
    #[arg(long, default_value = "default")]
    pub order: RankOrder,
    /// With --write pages and --out: write only the pages whose Related list changed.
    #[arg(long)]
    pub changed: bool,
    /// Scorer settings.
    #[command(flatten)]
    pub scorer: ScorerArgs,
    /// Print the summary as JSON (on standard error when the lists go to standard output).
    #[arg(long)]
    pub json: bool,
    /// No progress bar.
    #[arg(long, short)]
    pub quiet: bool,
}

#[derive(Debug, Serialize)]
struct BatchSummary {
    stories: usize,
    lists: usize,
    empty_lists: usize,
    /// lists ranked on the story's own tags, on a tag its text suggests, on its text
    ranked_on_tags: usize,
    ranked_on_suggested_tags: usize,
    ranked_on_text: usize,
    seconds: f64,
    stories_per_second: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pages: Option<PagesReport>,
}

/// Runs `storyline batch`.
pub fn run(args: BatchArgs) -> Result<ExitCode> {
    let started = Instant::now();
    let settings = args.scorer.settings()?;
    let mut index = super::open_index(&args.index)?;
    // every list reads ids, days, tags and versions at random: copied out of the mapped file
    // (the tables are taken, not cloned: a clone would copy the text vectors too)
    let mut tables = index.take_tables();
    tables.make_resident();
    let engine = Engine::new(Arc::new(tables));
    let total = engine.tables().len();
    let range = args.shard.map_or(0..total as u32, |s| s.range(total));
    let bar = progress::bar(range.len() as u64, "stories", args.quiet);
    bar.set_message("related");
    // how many lists stood on each basis (tags, suggested tags, text)
    let bases: [AtomicUsize; 3] = Default::default();
    let on_story = |on: RankedOn| {
        bar.inc(1);
        bases[on as usize].fetch_add(1, Ordering::Relaxed);
    };
    let mut counts = Tally::default();
    let pages = match args.write {
        WriteTo::Jsonl => {
            // lists are computed a few blocks ahead of the writer and written in order, so
            // memory does not grow with the archive
            let mut write = |w: &mut dyn std::io::Write| {
                counts = write_jsonl(
                    &engine,
                    &settings,
                    args.order,
                    range.clone(),
                    JSONL_AHEAD,
                    &on_story,
                    w,
                )?;
                Ok(())
            };
            match &args.out {
                Some(path) => write_atomically(path, |w| write(w))?,
                None => {
                    let stdout = std::io::stdout();
                    let mut lock = std::io::BufWriter::new(stdout.lock());
                    write(&mut lock)?;
                    std::io::Write::flush(&mut lock)?;
                }
            }
            bar.finish_and_clear();
            None
        }
        WriteTo::Pages => {
            let Some(archive) = &args.archive else {
                bail!("--write pages needs --archive DIR")
            };
            if args.out.as_deref() == Some(archive.as_path()) {
                bail!("--out is the archive itself: leave --out out to edit the archive in place");
            }
            let lists = generate(&engine, &settings, args.order, range, &on_story);
            bar.finish_and_clear();
            counts = Tally {
                lists: lists.len(),
                empty: lists.iter().filter(|(_, items)| items.is_empty()).count(),
            };
            let stories = index.all_stories()?;
            let target = PagesTarget {
                archive,
                out: args.out.as_deref(),
                changed_only: args.changed,
            };
            Some(write_pages(
                &engine,
                index.normalizer(),
                &stories,
                &lists,
                &target,
            )?)
        }
    };
    let seconds = started.elapsed().as_secs_f64();
    let summary = BatchSummary {
        stories: total,
        lists: counts.lists,
        empty_lists: counts.empty,
        ranked_on_tags: bases[RankedOn::Tags as usize].load(Ordering::Relaxed),
        ranked_on_suggested_tags: bases[RankedOn::SuggestedTags as usize].load(Ordering::Relaxed),
        ranked_on_text: bases[RankedOn::Text as usize].load(Ordering::Relaxed),
        seconds,
        stories_per_second: counts.lists as f64 / seconds.max(1e-9),
        pages,
    };
    let to_stdout = args.write == WriteTo::Jsonl && args.out.is_none();
    let text = if args.json {
        serde_json::to_string_pretty(&summary)?
    } else {
        let pages = summary.pages.as_ref().map_or(String::new(), |p| {
            let records = if p.records_written + p.records_unchanged > 0 {
                format!(
                    "; JSON Lines records: {} written, {} unchanged",
                    p.records_written, p.records_unchanged
                )
            } else {
                String::new()
            };
            format!("; pages: {} written, {} unchanged, {} other files copied, {} stories without a page{records}", p.written, p.unchanged, p.copied, p.without_page)
        });
        format!(
            "related lists for {} of {} stories ({} empty; ranked on their tags {}, on suggested tags {}, on their text {}) in {:.2}s, {:.0} stories/s{pages}",
            summary.lists,
            summary.stories,
            summary.empty_lists,
            summary.ranked_on_tags,
            summary.ranked_on_suggested_tags,
            summary.ranked_on_text,
            summary.seconds,
            summary.stories_per_second
        )
    };
    if to_stdout {
        eprintln!("{text}");
    } else {
        outln!("{text}")?;
    }
    // the work is written and synced: the process ends here, and the system takes its memory
    // back at once, faster than freeing the engine's and the index's allocations one by one
    std::mem::forget(engine);
    std::mem::forget(index);
    Ok(ExitCode::SUCCESS)
}
