//! # storyline-story: the story model and the archive formats
//!
//! Everything in Storyline flows through one type, [`Story`]: a dated news story with its
//! headline, summary, context tags, sources, versions and the Related list its page carried.
//! This crate reads archives into stories and writes them back; it knows nothing of indexes or
//! scoring.
//!
//! - [`formats::page`]: the news-context site's markdown story pages (English and Chinese),
//!   read leniently and written back by replacing only the Related section.
//! - [`formats::wcep`]: the Current Events Portal's daily YAML, with the documented rule that
//!   decides which headings head which event.
//! - [`formats::jsonl`]: JSON Lines, the interchange format; export and import round-trip.
//! - [`import`]: walking archive trees, detecting formats, parsing in parallel (rayon) and
//!   reporting every skipped file or record with its path, line and reason.
//! - [`tag`]: context tags and their matching keys (NFKC, case folding, traditional/simplified
//!   Chinese folding, user aliases).
//!
//! Design choices: dates are calendar days ([`Date`]) because that is all the archives know;
//! tags are kept in their original spelling and matched through keys computed by a
//! [`TagNormalizer`], so display never loses the archive's wording; all output files are
//! written atomically ([`write_atomically`]).

pub mod atomic;
pub mod date;
pub mod error;
pub mod formats;
pub mod import;
pub mod model;
pub mod stats;
pub mod tag;

pub use atomic::{Staged, write_atomically};
pub use date::{Date, DateError};
pub use error::{Result, StoryError};
pub use import::{
    Format, ImportReport, Imported, Problem, discover, import_chunked, import_files, import_paths,
};
pub use model::{Language, RelatedEntry, Source, Story, Version};
pub use stats::{CorpusStats, corpus_stats};
pub use tag::{TagNormalizer, normalize_tag};
