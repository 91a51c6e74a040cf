//! Related lists as users see them: ids, dates, titles and tag names instead of ordinals.

use serde::Serialize;
use storyline_story::Date;

use crate::ScorerSettings;
use crate::scorer::{Basis, Engine, RankedOn, RelatedItem, TagSuggestion};

/// A shared tag and its weight in the score.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WeightedTag {
    /// The tag (display spelling).
    pub tag: String,
    /// Its weight.
    pub weight: f32,
}

/// The explanation of one entry, with tag names.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExplanationView {
    /// Shared tags that counted, with their weights.
    pub shared_tags: Vec<WeightedTag>,
    /// Share of the subject's tag weight shared (0–1).
    pub tag_share: f32,
    /// Text cosine (0–1).
    pub text_similarity: f32,
    /// The text blend weight.
    pub text_weight: f32,
    /// Days between the stories (positive: newer).
    pub days_apart: i32,
    /// Date decay factor.
    pub date_factor: f32,
    /// Whether the subject's tags were suggested from its text.
    pub suggested_tags: bool,
}

/// One entry of a related list.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RelatedStory {
    /// The related story's id.
    pub id: String,
    /// Its day.
    pub date: Date,
    /// Its headline.
    pub title: String,
    /// The score.
    pub score: f32,
    /// Tags both stories carry (display spelling).
    pub shared_tags: Vec<String>,
    /// Why it is here (when asked).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub explanation: Option<ExplanationView>,
}

/// A suggested tag with its name.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SuggestedTag {
    /// The tag (display spelling).
    pub tag: String,
    /// Stories carrying it.
    pub stories: u32,
    /// Confidence (0–1).
    pub confidence: f32,
}

/// What a list was ranked on, with tag names.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BasisView {
    /// `tags`, `suggested_tags` or `text`.
    pub ranked_on: RankedOn,
    /// For a story without usable tags of its own: the best tag its text neighbours suggest,
    /// used or not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub best_suggestion: Option<SuggestedTag>,
    /// With a best suggestion: the confidence a suggestion needs to stand in.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_suggestion_confidence: Option<f64>,
    /// All of that in a sentence, for people.
    pub description: String,
}

impl BasisView {
    /// One line for people: what the list was ranked on, and why.
    fn sentence(&self) -> String {
        let best = self.best_suggestion.as_ref();
        let percent = |s: &SuggestedTag| format!("{:.1}%", 100.0 * s.confidence);
        match (self.ranked_on, best) {
            (RankedOn::Tags, _) => "ranked on its tags".to_string(),
            (RankedOn::SuggestedTags, Some(s)) => format!(
                "ranked on a tag its text neighbours suggest: {} ({} of their weight)",
                s.tag,
                percent(s)
            ),
            (RankedOn::SuggestedTags, None) => {
                "ranked on tags its text neighbours suggest".to_string()
            }
            (RankedOn::Text, Some(s)) => format!(
                "ranked on its text: the best tag its text neighbours suggest, {}, carries {} of \
                 their weight ({:.0}% needed)",
                s.tag,
                percent(s),
                100.0 * self.min_suggestion_confidence.unwrap_or_default()
            ),
            (RankedOn::Text, None) => {
                "ranked on its text: it has no usable tag, and none is suggested".to_string()
            }
        }
    }
}

/// Resolves what a list was ranked on.
pub fn describe_basis(engine: &Engine, basis: &Basis, settings: &ScorerSettings) -> BasisView {
    let best_suggestion = basis
        .best_suggestion
        .as_ref()
        .map(|s| describe_suggestion(engine, s));
    let mut view = BasisView {
        ranked_on: basis.ranked_on,
        // as written in the settings (`0.2`, not the f32's 0.20000000298…)
        min_suggestion_confidence: best_suggestion.is_some().then(|| {
            let written = settings.min_suggestion_confidence.to_string();
            written
                .parse()
                .unwrap_or(f64::from(settings.min_suggestion_confidence))
        }),
        best_suggestion,
        description: String::new(),
    };
    view.description = view.sentence();
    view
}

/// The display name of a tag id.
pub fn tag_name(engine: &Engine, tag: u32) -> String {
    engine.tables().tags[tag as usize].display.clone()
}

/// Resolves a ranked list: ids, dates and titles come from the engine's tables.
pub fn describe(engine: &Engine, items: &[RelatedItem], explain: bool) -> Vec<RelatedStory> {
    let t = engine.tables();
    items
        .iter()
        .map(|item| {
            let id = &t.ids[item.ord as usize];
            let title = t
                .titles
                .get(item.ord as usize)
                .unwrap_or_default()
                .to_string();
            let e = &item.explanation;
            RelatedStory {
                id: id.to_string(),
                date: Date::from_days_since_epoch(t.days[item.ord as usize]),
                title,
                score: item.score,
                shared_tags: item
                    .shared_tags
                    .iter()
                    .map(|tag| tag_name(engine, *tag))
                    .collect(),
                explanation: explain.then(|| ExplanationView {
                    shared_tags: e
                        .tag_weights
                        .iter()
                        .map(|(tag, weight)| WeightedTag {
                            tag: tag_name(engine, *tag),
                            weight: *weight,
                        })
                        .collect(),
                    tag_share: e.tag_share,
                    text_similarity: e.text_similarity,
                    text_weight: e.text_weight,
                    days_apart: e.days_apart,
                    date_factor: e.date_factor,
                    suggested_tags: e.suggested_tags,
                }),
            }
        })
        .collect()
}

/// Names suggested tags.
pub fn describe_suggestions(engine: &Engine, suggestions: &[TagSuggestion]) -> Vec<SuggestedTag> {
    suggestions
        .iter()
        .map(|s| describe_suggestion(engine, s))
        .collect()
}

/// Names a suggested tag.
fn describe_suggestion(engine: &Engine, suggestion: &TagSuggestion) -> SuggestedTag {
    SuggestedTag {
        tag: tag_name(engine, suggestion.tag),
        stories: engine.tables().tags[suggestion.tag as usize].stories,
        confidence: suggestion.confidence,
    }
}
