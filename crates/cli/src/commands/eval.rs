//! `storyline eval`: ranking quality on an index.

use std::collections::HashMap;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Result;
use clap::Args;
use storyline_related::Engine;
use storyline_related::eval::{evaluate, sample_queries};

use super::mlt::MoreLikeThis;
use super::scorer_args::ScorerArgs;

/// Arguments of `storyline eval`.
#[derive(Debug, Args)]
pub struct EvalArgs {
    /// The index directory.
    pub index: PathBuf,
    /// How many query stories (stories with tags, sampled), or `all`: every story with tags,
    /// whose figures have no sampling error (a sample is drawn by position among the tagged
    /// stories, so any change to which stories carry tags draws another one).
    #[arg(long, default_value = "2000", value_parser = parse_queries)]
    pub queries: usize,
    /// The sampling seed.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Leave out the BM25 more-like-this baseline (the slowest row).
    #[arg(long)]
    pub no_baseline: bool,
    /// Scorer settings.
    #[command(flatten)]
    pub scorer: ScorerArgs,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

/// Runs `storyline eval`.
pub fn run(args: EvalArgs) -> Result<ExitCode> {
    let settings = args.scorer.settings()?;
    let index = super::open_index(&args.index)?;
    let engine = Engine::new(Arc::clone(index.tables()));
    let tables = engine.tables();
    let queries = sample_queries(&engine, args.queries, args.seed);
    // the pages' own Related sections, where the archive has them
    let mut existing: HashMap<u32, Vec<u32>> = HashMap::new();
    for story in index.all_stories()? {
        let Some(ord) = tables.ord(&story.id) else {
            continue;
        };
        let targets: Vec<u32> = story
            .related
            .iter()
            .filter_map(|r| tables.ord(&r.id))
            .collect();
        if !targets.is_empty() {
            existing.insert(ord, targets);
        }
    }
    let more_like_this =
        MoreLikeThis::new(index.reader().searcher(), index.fields().clone(), tables);
    let mlt = |q: u32| more_like_this.related(q);
    let baseline: Option<&(dyn Fn(u32) -> Vec<u32> + Sync)> =
        if args.no_baseline { None } else { Some(&mlt) };
    let existing_ref = (!existing.is_empty()).then_some(&existing);
    let rows = evaluate(&engine, &settings, &queries, existing_ref, baseline);
    if args.json {
        outln!(
            "{}",
            serde_json::to_string_pretty(
                &serde_json::json!({ "queries": queries.len(), "seed": args.seed, "rows": rows })
            )?
        )?;
        return Ok(ExitCode::SUCCESS);
    }
    let tagged = tables.story_tags.iter().filter(|t| !t.is_empty()).count();
    if queries.len() == tagged {
        outln!("{} queries (every story with tags)\n", queries.len())?;
    } else {
        outln!(
            "{} queries (stories with tags, seed {})\n",
            queries.len(),
            args.seed
        )?;
    }
    outln!("| ranking | tagP@10 | leafP@10 | medDays | len | suggest@3 | existing@10 |")?;
    outln!("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")?;
    let opt = |v: Option<f64>| v.map_or("-".to_string(), |v| format!("{v:.3}"));
    for row in &rows {
        outln!(
            "| {} | {:.3} | {:.3} | {:.0} | {:.1} | {} | {} |",
            row.ranking,
            row.tag_p10,
            row.leaf_p10,
            row.med_days,
            row.avg_len,
            opt(row.suggest_recall3),
            opt(row.existing_recall10)
        )?;
    }
    if let Some(first) = rows.first() {
        outln!(
            "\n{:.1}% of the queries carry only tags no other story has: they cap tagP and leafP at {:.3}",
            first.lone_tag_queries * 100.0,
            1.0 - first.lone_tag_queries
        )?;
    }
    Ok(ExitCode::SUCCESS)
}

/// `--queries`: a whole number, or `all`.
fn parse_queries(text: &str) -> Result<usize, String> {
    if text.eq_ignore_ascii_case("all") {
        return Ok(usize::MAX);
    }
    match text.parse::<usize>() {
        Ok(0) => Err("at least 1 query, or all".to_string()),
        Ok(n) => Ok(n),
        Err(_) => Err(format!("expected a whole number or all, found {text:?}")),
    }
}
