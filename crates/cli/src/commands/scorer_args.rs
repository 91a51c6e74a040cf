//! Scorer flags shared by `related`, `batch`, `eval` and `suggest-tags`.

use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::Args;
use storyline_related::ScorerSettings;

/// Scorer settings from a TOML file, overridden by flags.
#[derive(Debug, Clone, Args)]
pub struct ScorerArgs {
    /// A TOML file of scorer settings (a `[related]` table; see the README).
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// How many related stories.
    #[arg(long)]
    pub limit: Option<usize>,
    /// Only stories published on or before the story's day.
    #[arg(long)]
    pub older_only: bool,
    /// Only stories at most this many days away.
    #[arg(long)]
    pub max_age: Option<u32>,
    /// A tag that does not count (repeatable).
    #[arg(long = "exclude-tag")]
    pub exclude_tags: Vec<String>,
    /// Only stories in the story's language.
    #[arg(long)]
    pub same_language: bool,
    /// Blend weight of text similarity (0–1).
    #[arg(long)]
    pub text_weight: Option<f32>,
    /// For a story without usable tags: how sure (0–1) a suggested tag must be to stand in for
    /// them; below, its list is ranked on its text.
    #[arg(long)]
    pub min_suggestion_confidence: Option<f32>,
}

impl ScorerArgs {
    /// The resolved settings.
    pub fn settings(&self) -> Result<ScorerSettings> {
        let mut settings = match &self.config {
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .with_context(|| format!("reading {}", path.display()))?;
                ScorerSettings::from_toml(&text)
                    .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?
            }
            None => ScorerSettings::default(),
        };
        if let Some(limit) = self.limit {
            settings.limit = limit;
        }
        settings.older_only |= self.older_only;
        if self.max_age.is_some() {
            settings.max_age_days = self.max_age;
        }
        settings
            .exclude_tags
            .extend(self.exclude_tags.iter().cloned());
        settings.same_language |= self.same_language;
        if let Some(w) = share("--text-weight", self.text_weight)? {
            settings.text_weight = w;
        }
        if let Some(c) = share(
            "--min-suggestion-confidence",
            self.min_suggestion_confidence,
        )? {
            settings.min_suggestion_confidence = c;
        }
        Ok(settings)
    }
}

/// A flag's value that must be a number from 0 to 1, when given.
fn share(flag: &str, value: Option<f32>) -> Result<Option<f32>> {
    if let Some(v) = value {
        anyhow::ensure!(
            (0.0..=1.0).contains(&v),
            "{flag} must be between 0 and 1, not {v}"
        );
    }
    Ok(value)
}
