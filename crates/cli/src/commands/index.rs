//! `storyline index`: build an index from archives, or update one in place.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Context, Result};
use clap::Args;
use serde::Serialize;
use storyline_index::{BuildSettings, IndexBuilder, UpdateReport};

use super::import::{FormatArg, print_problems, read_archives};
use crate::progress;

/// Where indexes live unless `--index` says otherwise.
pub const DEFAULT_INDEX: &str = "index-data/index";

/// Stories handed from the importer to the index builder at a time.
const CHUNK: usize = 50_000;

/// Arguments of `storyline index`.
#[derive(Debug, Args)]
pub struct IndexArgs {
    /// Archive directories or files (story pages, Current Events YAML, stories.jsonl).
    pub paths: Vec<PathBuf>,
    /// The index directory.
    #[arg(long, default_value = DEFAULT_INDEX)]
    pub index: PathBuf,
    /// The archive format.
    #[arg(long, value_enum, default_value_t = FormatArg::Auto)]
    pub format: FormatArg,
    /// A TOML file of tag aliases, recorded in the index.
    #[arg(long)]
    pub aliases: Option<PathBuf>,
    /// Add or replace the given stories (and apply --delete) in the existing index instead of
    /// building a new one.
    #[arg(long)]
    pub update: bool,
    /// With --update: delete the story with this id (repeatable).
    #[arg(long, requires = "update")]
    pub delete: Vec<String>,
    /// Indexing threads (0: one per core).
    #[arg(long, default_value_t = 0)]
    pub threads: usize,
    /// Print the summary as JSON.
    #[arg(long)]
    pub json: bool,
    /// No progress bar.
    #[arg(long, short)]
    pub quiet: bool,
}

#[derive(Debug, Serialize)]
struct IndexSummary {
    index: PathBuf,
    stories: usize,
    tags: usize,
    size_bytes: u64,
    seconds: f64,
    skipped: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    update: Option<UpdateReport>,
}

/// Runs `storyline index`.
pub fn run(args: IndexArgs) -> Result<ExitCode> {
    let started = Instant::now();
    if args.paths.is_empty() && args.delete.is_empty() {
        anyhow::bail!("nothing to index: give archive paths (or --update --delete ID)");
    }
    let (index, update, report) = if args.update {
        let imported = if args.paths.is_empty() {
            storyline_story::Imported::default()
        } else {
            read_archives(&args.paths, args.format, args.quiet)?
        };
        print_problems(&imported.report, 20);
        let mut index = super::open_index(&args.index)?;
        let update = index.update(&imported.stories, &args.delete)?;
        (index, Some(update), imported.report)
    } else {
        let aliases = match &args.aliases {
            Some(path) => Some(
                std::fs::read_to_string(path)
                    .with_context(|| format!("reading {}", path.display()))?,
            ),
            None => None,
        };
        let settings = BuildSettings {
            aliases,
            threads: args.threads,
        };
        let (files, ignored) = storyline_story::discover(&args.paths, args.format.forced())?;
        let bar = progress::bar(files.len() as u64, "files", args.quiet);
        bar.set_message("indexing");
        // stories stream from the archives into the index a chunk at a time: memory stays
        // bounded by the writer's budget and the scorer tables, whatever the archive's size
        let mut builder = IndexBuilder::new(&args.index, &settings)?;
        let mut report = storyline_story::import_chunked(&files, CHUNK, &|| bar.inc(1), |chunk| {
            builder.add(&chunk, &|| {})?;
            bar.set_message(format!("indexing ({} stories)", builder.len()));
            Ok::<(), storyline_index::IndexError>(())
        })?;
        report.files_ignored = ignored;
        bar.set_message(format!("committing ({} stories)", builder.len()));
        let index = builder.finish()?;
        bar.finish_and_clear();
        print_problems(&report, 20);
        (index, None, report)
    };
    let summary = IndexSummary {
        index: args.index.clone(),
        stories: index.tables().len(),
        tags: index.tables().tags.len(),
        size_bytes: index.size_on_disk(),
        seconds: started.elapsed().as_secs_f64(),
        skipped: report.skipped.len(),
        update,
    };
    if args.json {
        outln!("{}", serde_json::to_string_pretty(&summary)?)?;
    } else {
        let what = match &summary.update {
            Some(u) => format!(
                "updated {}: {} added, {} replaced, {} deleted{};",
                summary.index.display(),
                u.added,
                u.replaced,
                u.deleted,
                if u.missing.is_empty() {
                    String::new()
                } else {
                    format!(" ({} ids not found)", u.missing.len())
                }
            ),
            None => format!("indexed into {}:", summary.index.display()),
        };
        outln!(
            "{what} {} stories, {} tags, {:.1} MiB on disk, {:.2}s{}",
            summary.stories,
            summary.tags,
            summary.size_bytes as f64 / (1 << 20) as f64,
            summary.seconds,
            if summary.skipped > 0 {
                format!("; skipped {} inputs", summary.skipped)
            } else {
                String::new()
            }
        )?;
    }
    Ok(if report.has_problems() {
        ExitCode::from(crate::EXIT_SKIPPED)
    } else {
        ExitCode::SUCCESS
    })
}
