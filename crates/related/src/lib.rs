//! # storyline-related: related stories
//!
//! The heart of Storyline: for any story, the stories a reader should see next — same story
//! line, close in time — and the batch job that writes every story's Related section.
//!
//! - [`settings`]: [`ScorerSettings`] and [`DateDecay`], documented, TOML-loadable.
//! - [`scorer`]: the [`Engine`]: candidates from tag postings and text neighbours, scored by
//!   tag specificity × date proximity blended with text similarity; `site` order; explanations;
//!   tag suggestion for untagged or unsaved stories.
//! - [`batch`]: every story's list in parallel (rayon), sharded, as JSON Lines or written back
//!   into story pages.
//! - [`eval`]: quality measures (tagP@10, leafP@10, medDays, suggestion recall, recall of an
//!   archive's existing Related sections).
//!
//! Design choice: the scorer works only on the compact tables persisted with the index (date
//! ordered ordinals, tag postings, 16-term TF-IDF vectors), never on the tantivy index, so a
//! related query costs microseconds and a whole archive's batch a few seconds.

pub mod batch;
pub mod describe;
pub mod eval;
pub mod scorer;
pub mod settings;

pub use describe::{
    BasisView, RelatedStory, SuggestedTag, describe, describe_basis, describe_suggestions,
};
pub use scorer::{
    Basis, Engine, Explanation, RankOrder, RankedOn, RelatedItem, Subject, TagSuggestion,
};
pub use settings::{DateDecay, DecayFunction, ScorerSettings};
