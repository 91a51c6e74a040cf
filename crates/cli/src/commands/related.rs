//! `storyline related` and `storyline suggest-tags`.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Result, bail};
use clap::Args;
use storyline_index::StoryIndex;
use storyline_related::{
    Engine, RankOrder, Subject, describe, describe_basis, describe_suggestions,
};
use storyline_story::{Date, Story};

use super::index::DEFAULT_INDEX;
use super::scorer_args::ScorerArgs;

/// Arguments of `storyline related`.
#[derive(Debug, Args)]
pub struct RelatedArgs {
    /// The story's id (as `storyline search` prints it).
    pub id: String,
    /// The index directory.
    #[arg(long, default_value = DEFAULT_INDEX)]
    pub index: PathBuf,
    /// Ranking: default (tags × date + text) or site (shared-tag count, then newest).
    #[arg(long, default_value = "default")]
    pub order: RankOrder,
    /// Explain each entry: shared tags and weights, date gap and decay, text score.
    #[arg(long)]
    pub explain: bool,
    /// Scorer settings.
    #[command(flatten)]
    pub scorer: ScorerArgs,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

/// The index and an engine over its tables.
fn open(index: &std::path::Path) -> Result<(StoryIndex, Engine)> {
    let index = super::open_index(index)?;
    let engine = Engine::new(Arc::clone(index.tables()));
    Ok((index, engine))
}

fn find(tables: &storyline_index::Tables, id: &str) -> Result<u32> {
    match tables.ord(id) {
        Some(ord) => Ok(ord),
        None => {
            bail!(
                "{} (ids are printed by `storyline search`)",
                tables.unknown_id(id)
            )
        }
    }
}

/// Runs `storyline related`.
pub fn run(args: RelatedArgs) -> Result<ExitCode> {
    let settings = args.scorer.settings()?;
    let index = super::open_index(&args.index)?;
    // an unknown id is said before the engine is built
    let ord = find(index.tables(), &args.id)?;
    let engine = Engine::new(Arc::clone(index.tables()));
    let (items, basis) = engine.related_with_basis(&engine.subject(ord), &settings, args.order);
    let list = describe(&engine, &items, args.explain);
    // what the list as a whole was ranked on, when the why is asked
    let basis = args
        .explain
        .then(|| describe_basis(&engine, &basis, &settings));
    if args.json {
        let story = index.story(&args.id)?;
        let mut out =
            serde_json::json!({ "id": args.id, "title": story.map(|s| s.title), "related": list });
        if let Some(basis) = &basis {
            out["basis"] = serde_json::to_value(basis)?;
        }
        outln!("{}", serde_json::to_string_pretty(&out)?)?;
        return Ok(ExitCode::SUCCESS);
    }
    if let Some(basis) = &basis {
        outln!("{}", basis.description)?;
    }
    for (i, entry) in list.iter().enumerate() {
        outln!(
            "{:>3}. {}  {:.3}  {}",
            i + 1,
            entry.date,
            entry.score,
            entry.title
        )?;
        if !entry.shared_tags.is_empty() {
            outln!("     shared: {}", entry.shared_tags.join(", "))?;
        }
        if let Some(e) = &entry.explanation {
            let weights: Vec<String> = e
                .shared_tags
                .iter()
                .map(|t| format!("{} ({:.2})", t.tag, t.weight))
                .collect();
            outln!(
                "     tags {:.3} [{}]{}, text {:.3} (weight {:.2}), {} days, decay {:.3}",
                e.tag_share,
                weights.join(", "),
                if e.suggested_tags { " (suggested)" } else { "" },
                e.text_similarity,
                e.text_weight,
                e.days_apart,
                e.date_factor
            )?;
        }
        outln!("     id: {}", entry.id)?;
    }
    if list.is_empty() {
        outln!("no related stories")?;
    }
    Ok(ExitCode::SUCCESS)
}

/// Arguments of `storyline suggest-tags`.
#[derive(Debug, Args)]
pub struct SuggestArgs {
    /// The story's id (or give --text).
    #[arg(required_unless_present = "text")]
    pub id: Option<String>,
    /// Suggest tags for this text instead of a stored story.
    #[arg(long, conflicts_with = "id")]
    pub text: Option<String>,
    /// The draft's date (with --text), YYYY-MM-DD; default: the newest story's date.
    #[arg(long)]
    pub date: Option<Date>,
    /// The index directory.
    #[arg(long, default_value = DEFAULT_INDEX)]
    pub index: PathBuf,
    /// How many tags.
    #[arg(long, default_value_t = 5)]
    pub count: usize,
    /// Scorer settings.
    #[command(flatten)]
    pub scorer: ScorerArgs,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

/// Runs `storyline suggest-tags`.
pub fn run_suggest(args: SuggestArgs) -> Result<ExitCode> {
    let settings = args.scorer.settings()?;
    let (_index, engine) = open(&args.index)?;
    let subject = match (&args.id, &args.text) {
        (Some(id), _) => engine.subject(find(engine.tables(), id)?),
        (None, Some(text)) => {
            let tables = engine.tables();
            let day = args
                .date
                .map(Date::days_since_epoch)
                .or_else(|| tables.days.last().copied())
                .unwrap_or(0);
            let draft = Story::new("draft", Date::from_days_since_epoch(day), text.clone());
            Subject {
                ord: None,
                day,
                language: draft.language,
                vector: tables.vector_of(&draft),
                tags: Vec::new(),
            }
        }
        (None, None) => bail!("give a story id or --text"),
    };
    let suggestions = describe_suggestions(
        &engine,
        &engine.suggest_tags(&subject, &settings, args.count),
    );
    if args.json {
        outln!("{}", serde_json::to_string_pretty(&suggestions)?)?;
    } else {
        for s in &suggestions {
            outln!(
                "{:>5.1}%  {}  ({} stories)",
                s.confidence * 100.0,
                s.tag,
                s.stories
            )?;
        }
        if suggestions.is_empty() {
            outln!("no suggestions: no text neighbour carries a tag")?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
