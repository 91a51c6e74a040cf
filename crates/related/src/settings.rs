//! Scorer settings: a plain struct with documented public fields and defaults, loadable from
//! TOML (`[related]` table or top level) and overridable per request.

use serde::{Deserialize, Serialize};

/// The shape of the date decay, as Elasticsearch's decay functions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DecayFunction {
    /// `decay ^ (d / scale)`: halves every `scale` days with the default `decay` of 0.5.
    Exp,
    /// `decay ^ ((d / scale)²)`: flat near the story, then falls fast.
    Gauss,
    /// Straight down to `decay` at `scale` days, zero at `scale / (1 - decay)`.
    Linear,
}

/// Date proximity: a factor in `[floor, 1]` from the days between two stories.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DateDecay {
    /// The decay curve.
    pub function: DecayFunction,
    /// Days at which the curve reaches `decay`.
    pub scale_days: f32,
    /// Days around the story that count as no distance at all.
    pub offset_days: f32,
    /// The curve's value at `scale_days` (0 < decay < 1).
    pub decay: f32,
    /// The least the factor can be, so a story line's old stories still rank above unrelated
    /// new ones (0 lets very old stories score nothing).
    pub floor: f32,
}

impl Default for DateDecay {
    fn default() -> Self {
        DateDecay {
            function: DecayFunction::Exp,
            scale_days: 14.0,
            offset_days: 1.0,
            decay: 0.5,
            floor: 0.3,
        }
    }
}

impl DateDecay {
    /// The factor for stories `days` apart.
    pub fn factor(&self, days: i32) -> f32 {
        let d = ((days.unsigned_abs() as f32) - self.offset_days).max(0.0);
        let scale = self.scale_days.max(f32::EPSILON);
        let decay = self.decay.clamp(1e-6, 1.0 - 1e-6);
        let curve = match self.function {
            DecayFunction::Exp => decay.powf(d / scale),
            DecayFunction::Gauss => decay.powf((d / scale).powi(2)),
            DecayFunction::Linear => (1.0 - (1.0 - decay) * d / scale).max(0.0),
        };
        self.floor + (1.0 - self.floor) * curve
    }
}

/// How related stories are scored and filtered.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ScorerSettings {
    /// How many related stories to return.
    pub limit: usize,
    /// A shared tag weighs `idf ^ tag_idf_power`, idf = ln(stories / stories with the tag):
    /// higher values favour rare, specific story lines more strongly over broad subjects.
    pub tag_idf_power: f32,
    /// Tags carried by more than this share of all stories are too broad to count (1 keeps all).
    pub max_tag_share: f32,
    /// Date proximity.
    pub decay: DateDecay,
    /// Blend weight of text similarity against tags: score = ((1 - w) · tag share + w · text
    /// cosine) · date factor, where tag share is the part of the story's tag weight the
    /// candidate shares (0–1) and text cosine compares TF-IDF vectors of title and summary (0–1).
    pub text_weight: f32,
    /// Text neighbours gathered per term as candidates (besides stories sharing a tag).
    pub text_candidates: usize,
    /// For stories with many tag candidates: how many of each large tag's stories nearest in
    /// time are scanned (keeps very broad tags cheap; 0 scans all).
    pub scan_window: usize,
    /// Only stories published on or before the story's day.
    pub older_only: bool,
    /// Only stories at most this many days away.
    pub max_age_days: Option<u32>,
    /// Tags that do not count (neither as candidates nor in the score).
    pub exclude_tags: Vec<String>,
    /// Only stories in the story's language.
    pub same_language: bool,
    /// Two results at least this similar in text and at most `duplicate_days` apart report the
    /// same event: only the better one is kept.
    pub duplicate_similarity: f32,
    /// See `duplicate_similarity`.
    pub duplicate_days: u32,
    /// For a story without tags: how many suggested tags stand in for its own (weighted by
    /// their confidence).
    pub suggested_tags: usize,
    /// A suggested tag stands in only when at least this share of the text neighbours' weight
    /// carries it; a story whose suggestions are all weaker is ranked on its text alone (0 takes
    /// any suggestion).
    pub min_suggestion_confidence: f32,
    /// Entries whose relevance (the score before the date decay) is below this share of the
    /// best entry's are left out: a short list of clearly related stories beats one padded
    /// with weak matches, while a story line's older stories stay (0 keeps all).
    pub min_relative_score: f32,
}

impl Default for ScorerSettings {
    fn default() -> Self {
        ScorerSettings {
            limit: 10,
            tag_idf_power: 6.0,
            max_tag_share: 0.005,
            decay: DateDecay::default(),
            text_weight: 0.03,
            text_candidates: 64,
            scan_window: 1_000,
            older_only: false,
            max_age_days: None,
            exclude_tags: Vec::new(),
            same_language: false,
            duplicate_similarity: 0.9,
            duplicate_days: 3,
            suggested_tags: 1,
            min_suggestion_confidence: 0.2,
            min_relative_score: 0.8,
        }
    }
}

#[derive(Deserialize)]
struct SettingsFile {
    related: Option<ScorerSettings>,
}

impl ScorerSettings {
    /// Settings from TOML text: either a `[related]` table or the fields at top level.
    pub fn from_toml(text: &str) -> Result<ScorerSettings, String> {
        if let Ok(SettingsFile {
            related: Some(settings),
        }) = toml::from_str::<SettingsFile>(text)
        {
            return Ok(settings);
        }
        toml::from_str(text).map_err(|e| e.message().to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decay_functions_meet_decay_at_scale() {
        for function in [
            DecayFunction::Exp,
            DecayFunction::Gauss,
            DecayFunction::Linear,
        ] {
            let decay = DateDecay {
                function,
                scale_days: 10.0,
                offset_days: 0.0,
                decay: 0.5,
                floor: 0.0,
            };
            assert!((decay.factor(10) - 0.5).abs() < 1e-5, "{function:?}");
            assert!((decay.factor(0) - 1.0).abs() < 1e-6);
            assert!(decay.factor(-30) < decay.factor(5));
        }
        let floored = DateDecay {
            floor: 0.1,
            ..DateDecay::default()
        };
        assert!(floored.factor(100_000) >= 0.1);
        let offset = DateDecay {
            offset_days: 3.0,
            ..DateDecay::default()
        };
        assert_eq!(offset.factor(3), 1.0);
    }

    #[test]
    fn settings_load_from_toml_with_defaults() {
        let s = ScorerSettings::from_toml(
            "[related]\nlimit = 5\n[related.decay]\nfunction = \"gauss\"\n",
        )
        .unwrap();
        assert_eq!(s.limit, 5);
        assert_eq!(s.decay.function, DecayFunction::Gauss);
        assert_eq!(s.text_weight, ScorerSettings::default().text_weight);
        let top = ScorerSettings::from_toml("text_weight = 0.5\n").unwrap();
        assert_eq!(top.text_weight, 0.5);
        let err = ScorerSettings::from_toml("limt = 5\n").unwrap_err();
        assert!(err.contains("unknown field"), "{err}");
    }
}
