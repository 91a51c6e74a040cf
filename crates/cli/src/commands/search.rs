//! `storyline search`: search an index from the command line.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use clap::Args;
use storyline_index::{Highlighted, SearchRequest, Sort};
use storyline_story::{Date, Language};

use super::index::DEFAULT_INDEX;

/// Arguments of `storyline search`.
#[derive(Debug, Args)]
pub struct SearchArgs {
    /// The query: words, "phrases", -exclusions, OR, tag:"…", date:2017-12..2018-01.
    #[arg(required = true, num_args = 1..)]
    pub query: Vec<String>,
    /// The index directory.
    #[arg(long, default_value = DEFAULT_INDEX)]
    pub index: PathBuf,
    /// Only stories with this context tag (repeatable: all must match).
    #[arg(long = "tag")]
    pub tags: Vec<String>,
    /// Earliest day, YYYY-MM-DD.
    #[arg(long)]
    pub from: Option<Date>,
    /// Latest day, YYYY-MM-DD.
    #[arg(long)]
    pub to: Option<Date>,
    /// Only stories in this language (en or zh).
    #[arg(long)]
    pub lang: Option<Language>,
    /// Result order: relevance, newest or oldest.
    #[arg(long, default_value = "relevance")]
    pub sort: Sort,
    /// Results per page.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=1000))]
    pub limit: u64,
    /// Results to skip.
    #[arg(long, default_value_t = 0)]
    pub offset: usize,
    /// Also count the top tags and stories per month over all matches.
    #[arg(long)]
    pub facets: bool,
    /// Print the results as JSON.
    #[arg(long)]
    pub json: bool,
}

fn marked(text: &Highlighted) -> String {
    let chars: Vec<char> = text.text.chars().collect();
    let mut out = String::new();
    let mut at = 0;
    for [start, end] in &text.highlights {
        out.extend(&chars[at..*start]);
        out.push('[');
        out.extend(&chars[*start..*end]);
        out.push(']');
        at = *end;
    }
    out.extend(&chars[at..]);
    out
}

/// Runs `storyline search`.
pub fn run(args: SearchArgs) -> Result<ExitCode> {
    let index = super::open_index_for_search(&args.index)?;
    let request = SearchRequest {
        query: args.query.join(" "),
        tags: args.tags,
        from: args.from,
        to: args.to,
        language: args.lang,
        sort: args.sort,
        limit: args.limit as usize,
        offset: args.offset,
        facets: args.facets,
    };
    let results = index.search(&request)?;
    for notice in &results.notices {
        eprintln!("note: {notice}");
    }
    if let Some(query) = &results.did_you_mean {
        eprintln!("note: did you mean: {query}");
    }
    if args.json {
        outln!("{}", serde_json::to_string_pretty(&results)?)?;
        return Ok(ExitCode::SUCCESS);
    }
    outln!(
        "{} results{} ({:.2} ms)",
        results.total,
        if results.relaxed {
            ", some matching only part of the query"
        } else {
            ""
        },
        results.took_ms
    )?;
    for (i, hit) in results.hits.iter().enumerate() {
        outln!(
            "\n{:>3}. {}  {}",
            args.offset + i + 1,
            hit.date,
            marked(&hit.title)
        )?;
        if !hit.tags.is_empty() {
            // the tags the query's words matched are marked as the words are
            let tags: Vec<String> = hit
                .tags
                .iter()
                .map(|tag| {
                    if hit.matched_tags.contains(tag) {
                        format!("[{tag}]")
                    } else {
                        tag.clone()
                    }
                })
                .collect();
            outln!("     tags: {}", tags.join(", "))?;
        }
        if hit.snippet != hit.title {
            outln!("     {}", marked(&hit.snippet))?;
        }
        outln!("     id: {}", hit.id)?;
    }
    if let Some(facets) = &results.facets {
        outln!("\ntop tags")?;
        for tag in &facets.tags {
            outln!("  {:>7}  {}", tag.count, tag.tag)?;
        }
        outln!("\nper month")?;
        for month in &facets.months {
            outln!("  {}  {:>7}", month.month, month.count)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
