//! `storyline stats`: corpus statistics of an archive.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use clap::Args;
use storyline_story::{TagNormalizer, corpus_stats};

use super::import::{FormatArg, print_problems, read_archives};

/// Arguments of `storyline stats`.
#[derive(Debug, Args)]
pub struct StatsArgs {
    /// Archive directories or files to read.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// The archive format.
    #[arg(long, value_enum, default_value_t = FormatArg::Auto)]
    pub format: FormatArg,
    /// How many of the most used tags to list.
    #[arg(long, default_value_t = 20)]
    pub top: usize,
    /// A TOML file of tag aliases.
    #[arg(long)]
    pub aliases: Option<PathBuf>,
    /// Print the statistics as JSON.
    #[arg(long)]
    pub json: bool,
    /// No progress bar.
    #[arg(long, short)]
    pub quiet: bool,
}

/// Runs `storyline stats`.
pub fn run(args: StatsArgs) -> Result<ExitCode> {
    let normalizer = match &args.aliases {
        Some(path) => TagNormalizer::from_alias_file(path)?,
        None => TagNormalizer::new(),
    };
    let imported = read_archives(&args.paths, args.format, args.quiet)?;
    print_problems(&imported.report, 20);
    let stats = corpus_stats(&imported.stories, &normalizer, args.top);
    if args.json {
        outln!("{}", serde_json::to_string_pretty(&stats)?)?;
        return Ok(ExitCode::SUCCESS);
    }
    let pct = |n: usize| {
        if stats.stories == 0 {
            0.0
        } else {
            100.0 * n as f64 / stats.stories as f64
        }
    };
    outln!("stories            {}", stats.stories)?;
    if let (Some(first), Some(last)) = (stats.first_date, stats.last_date) {
        outln!("dates              {first} to {last}")?;
    }
    let languages: Vec<String> = stats
        .per_language
        .iter()
        .map(|(l, n)| format!("{} {n}", l.code()))
        .collect();
    outln!("languages          {}", languages.join(", "))?;
    outln!(
        "distinct tags      {} ({} used once)",
        stats.distinct_tags,
        stats.singleton_tags
    )?;
    outln!(
        "without tags       {} ({:.1}%)",
        stats.untagged,
        pct(stats.untagged)
    )?;
    let histogram: Vec<String> = stats
        .tags_per_story
        .iter()
        .enumerate()
        .map(|(i, n)| format!("{i}{}: {n}", if i == 5 { "+" } else { "" }))
        .collect();
    outln!("tags per story     {}", histogram.join(", "))?;
    outln!("median title       {} chars", stats.median_title_chars)?;
    outln!("median summary     {} chars", stats.median_summary_chars)?;
    outln!("with versions      {}", stats.with_versions)?;
    outln!("with Related list  {}", stats.with_related)?;
    outln!("\nstories per year")?;
    for (year, n) in &stats.per_year {
        outln!("  {year}  {n:>7}")?;
    }
    outln!("\ntop tags")?;
    for (tag, n) in &stats.top_tags {
        outln!("  {n:>7}  {tag}")?;
    }
    Ok(if imported.report.has_problems() {
        ExitCode::from(crate::EXIT_SKIPPED)
    } else {
        ExitCode::SUCCESS
    })
}
