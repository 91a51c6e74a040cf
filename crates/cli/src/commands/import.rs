//! `storyline import`: read archives, report what was read, optionally export JSON Lines.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Result;
use clap::{Args, ValueEnum};
use serde::Serialize;
use storyline_story::formats::jsonl::write_jsonl;
use storyline_story::{Format, ImportReport, Imported, Story, TagNormalizer, write_atomically};

use crate::progress;

/// Which reader to use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FormatArg {
    /// Detect each file's format from its extension (.md, .yaml, .jsonl).
    Auto,
    /// Story pages (markdown).
    Pages,
    /// Current Events daily YAML.
    Wcep,
    /// JSON Lines.
    Jsonl,
}

impl FormatArg {
    /// The forced format, or `None` to detect.
    pub fn forced(self) -> Option<Format> {
        match self {
            FormatArg::Auto => None,
            FormatArg::Pages => Some(Format::Pages),
            FormatArg::Wcep => Some(Format::Wcep),
            FormatArg::Jsonl => Some(Format::Jsonl),
        }
    }
}

/// Arguments of `storyline import`.
#[derive(Debug, Args)]
pub struct ImportArgs {
    /// Archive directories or files to read.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// The archive format.
    #[arg(long, value_enum, default_value_t = FormatArg::Auto)]
    pub format: FormatArg,
    /// Write the stories as JSON Lines to this file (atomically).
    #[arg(long, short)]
    pub out: Option<PathBuf>,
    /// A TOML file of tag aliases (`[aliases] "ISIS" = ["ISIL", "Islamic State"]`).
    #[arg(long)]
    pub aliases: Option<PathBuf>,
    /// Print the summary as JSON.
    #[arg(long)]
    pub json: bool,
    /// No progress bar.
    #[arg(long, short)]
    pub quiet: bool,
}

/// Reads archives with a progress bar; shared by the commands that take archive paths.
pub fn read_archives(paths: &[PathBuf], format: FormatArg, quiet: bool) -> Result<Imported> {
    let (files, ignored) = storyline_story::discover(paths, format.forced())?;
    let bar = progress::bar(files.len() as u64, "files", quiet);
    bar.set_message("importing");
    let mut imported = storyline_story::import_files(&files, &|| bar.inc(1));
    bar.finish_and_clear();
    imported.report.files_ignored = ignored;
    Ok(imported)
}

/// The closing summary of an import.
#[derive(Debug, Serialize)]
pub struct ImportSummary<'a> {
    /// What was read and skipped.
    #[serde(flatten)]
    pub report: &'a ImportReport,
    /// Distinct context tags (by matching key).
    pub tags: usize,
    /// Stories with at least one tag.
    pub tagged: usize,
    /// Earliest date.
    pub first_date: Option<String>,
    /// Latest date.
    pub last_date: Option<String>,
    /// Wall time in seconds.
    pub seconds: f64,
    /// Where the JSON Lines went.
    pub out: Option<&'a PathBuf>,
}

/// Prints skipped inputs on stderr, at most `limit` of them.
pub fn print_problems(report: &ImportReport, limit: usize) {
    for problem in report.skipped.iter().take(limit) {
        eprintln!("skipped: {}", problem.message);
    }
    if report.skipped.len() > limit {
        eprintln!(
            "skipped: … and {} more (use --json for the full list)",
            report.skipped.len() - limit
        );
    }
}

fn summarize<'a>(
    stories: &[Story],
    report: &'a ImportReport,
    normalizer: &TagNormalizer,
) -> ImportSummary<'a> {
    let mut keys = std::collections::HashSet::new();
    for story in stories {
        for tag in &story.contexts {
            keys.insert(normalizer.key(tag));
        }
    }
    ImportSummary {
        report,
        tags: keys.len(),
        tagged: stories.iter().filter(|s| !s.contexts.is_empty()).count(),
        first_date: stories.iter().map(|s| s.date).min().map(|d| d.to_string()),
        last_date: stories.iter().map(|s| s.date).max().map(|d| d.to_string()),
        seconds: 0.0,
        out: None,
    }
}

/// Runs `storyline import`.
pub fn run(args: ImportArgs) -> Result<ExitCode> {
    let started = Instant::now();
    let normalizer = match &args.aliases {
        Some(path) => TagNormalizer::from_alias_file(path)?,
        None => TagNormalizer::new(),
    };
    let imported = read_archives(&args.paths, args.format, args.quiet)?;
    if let Some(out) = &args.out {
        write_atomically(out, |w| write_jsonl(w, &imported.stories))?;
    }
    let mut summary = summarize(&imported.stories, &imported.report, &normalizer);
    summary.seconds = started.elapsed().as_secs_f64();
    summary.out = args.out.as_ref();
    if args.json {
        outln!("{}", serde_json::to_string_pretty(&summary)?)?;
    } else {
        print_problems(&imported.report, 20);
        let r = &imported.report;
        outln!(
            "read {} files ({} day pages, {} ignored): imported {} stories, {} tagged, {} distinct tags, {} to {}; skipped {} in {:.2}s{}",
            r.files_read,
            r.day_pages,
            r.files_ignored,
            r.stories,
            summary.tagged,
            summary.tags,
            summary.first_date.as_deref().unwrap_or("-"),
            summary.last_date.as_deref().unwrap_or("-"),
            r.skipped.len(),
            summary.seconds,
            args.out
                .as_ref()
                .map(|o| format!("; wrote {}", o.display()))
                .unwrap_or_default(),
        )?;
    }
    Ok(if imported.report.has_problems() {
        ExitCode::from(crate::EXIT_SKIPPED)
    } else {
        ExitCode::SUCCESS
    })
}
