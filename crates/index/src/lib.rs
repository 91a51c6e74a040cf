//! # storyline-index: the story index and search
//!
//! A tantivy index of stories on disk, plus the compact tables the related-story scorer needs.
//!
//! - [`schema`]: the fields (id, day as a date fast field, English and Chinese title/summary
//!   fields, tag keys as exact fast fields, category, sources, language, the stored story).
//! - [`analyzer`]: English (stemming, stop words) and Chinese (jieba segmentation with
//!   traditional→simplified folding) analyzers; a story's language picks its fields.
//! - [`store`]: [`StoryIndex`] — build a new generation atomically, open, update (add, replace,
//!   delete) in place through tantivy commits; metadata with the schema version.
//! - [`query`] and [`search`]: the search box's query language and its execution: all-words
//!   matches first, then partial ones; prefix matching of the last word; a word the index does
//!   not know read as the likeliest word a few edits away, and said so; tag/date filters;
//!   snippets with character offsets; exact tag and month facets.
//! - [`builder`]: [`IndexBuilder`] — a new generation from stories handed over in chunks, in
//!   memory bounded by the writer's budget and the scorer tables, not by the archive.
//! - [`tables`]: story ordinals, days, tag ids and postings for the scorer, in flat columns
//!   ([`flat`]: strings end to end in one buffer, short lists end to end in one array).
//!
//! Design choices: stories are stored whole as JSON in the document store, so the index is
//! the single source of truth (tables are rebuilt from it when they lag behind a commit);
//! builds write a fresh generation directory and flip a `CURRENT` file, so a killed build never
//! damages the live index.

pub mod analyzer;
pub mod builder;
pub mod error;
pub mod flat;
pub mod query;
pub mod schema;
pub mod search;
pub mod store;
pub mod tables;
mod top;

pub use builder::IndexBuilder;
pub use error::{IndexError, Result};
pub use flat::{Jagged, Strings};
pub use search::{
    Facets, Highlighted, Hit, MonthCount, SearchRequest, SearchResults, Sort, TagCount,
};
pub use store::{BuildSettings, IndexMeta, StoryIndex, UpdateReport};
pub use tables::{PackedVector, Readers, Tables, TablesBuilder, TagEntry};
