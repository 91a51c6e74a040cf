//! The tantivy schema of a story index, and turning a [`Story`] into a document.

use tantivy::schema::{
    DateOptions, DateTimePrecision, FAST, Field, INDEXED, IndexRecordOption, STORED, STRING,
    Schema, TextFieldIndexing, TextOptions,
};
use tantivy::{DateTime, TantivyDocument};

use storyline_story::{Language, Story, TagNormalizer};

use crate::analyzer;

/// Bumped whenever the schema or the analyzers change in a way old indexes cannot serve.
pub const SCHEMA_VERSION: u32 = 1;

/// The fields of a story index.
#[derive(Debug, Clone)]
pub struct Fields {
    /// The story id (exact; replaces and deletes go through it).
    pub id: Field,
    /// The story's day (date fast field, day precision).
    pub date: Field,
    /// English headline (stemmed, with positions).
    pub title_en: Field,
    /// English summary.
    pub summary_en: Field,
    /// Chinese headline (segmented, folded).
    pub title_zh: Field,
    /// Chinese summary.
    pub summary_zh: Field,
    /// Context tag keys (normalised, aliases applied): exact, filterable, countable.
    pub tag: Field,
    /// The archive's category.
    pub category: Field,
    /// Source names.
    pub source: Field,
    /// `en` or `zh`.
    pub language: Field,
    /// The whole story as JSON (what search results and `GET /stories/{id}` return).
    pub story: Field,
}

impl Fields {
    /// The schema with its fields.
    pub fn build() -> (Schema, Fields) {
        let mut builder = Schema::builder();
        let text = |tokenizer: &str| {
            TextOptions::default().set_stored().set_indexing_options(
                TextFieldIndexing::default()
                    .set_tokenizer(tokenizer)
                    .set_index_option(IndexRecordOption::WithFreqsAndPositions),
            )
        };
        let fields = Fields {
            id: builder.add_text_field("id", STRING | STORED | FAST),
            date: builder.add_date_field(
                "date",
                DateOptions::from(INDEXED | STORED | FAST)
                    .set_precision(DateTimePrecision::Seconds),
            ),
            title_en: builder.add_text_field("title_en", text(analyzer::EN)),
            summary_en: builder.add_text_field("summary_en", text(analyzer::EN)),
            title_zh: builder.add_text_field("title_zh", text(analyzer::ZH)),
            summary_zh: builder.add_text_field("summary_zh", text(analyzer::ZH)),
            tag: builder.add_text_field("tag", STRING | FAST),
            category: builder.add_text_field("category", STRING | FAST),
            source: builder.add_text_field("source", STRING),
            language: builder.add_text_field("language", STRING | FAST),
            story: builder.add_text_field("story", STORED),
        };
        (builder.build(), fields)
    }

    /// Re-reads the fields from an opened index's schema.
    pub fn from_schema(schema: &Schema) -> tantivy::Result<Fields> {
        let get = |name: &str| schema.get_field(name);
        Ok(Fields {
            id: get("id")?,
            date: get("date")?,
            title_en: get("title_en")?,
            summary_en: get("summary_en")?,
            title_zh: get("title_zh")?,
            summary_zh: get("summary_zh")?,
            tag: get("tag")?,
            category: get("category")?,
            source: get("source")?,
            language: get("language")?,
            story: get("story")?,
        })
    }

    /// The title and summary fields of a language.
    pub fn text_fields(&self, language: Language) -> (Field, Field) {
        match language {
            Language::En => (self.title_en, self.summary_en),
            Language::Zh => (self.title_zh, self.summary_zh),
        }
    }

    /// The document of a story.
    pub fn document(&self, story: &Story, normalizer: &TagNormalizer) -> TantivyDocument {
        let mut doc = TantivyDocument::new();
        doc.add_text(self.id, &story.id);
        doc.add_date(self.date, date_time(story.date));
        let (title, summary) = self.text_fields(story.language);
        doc.add_text(title, &story.title);
        if !story.summary.is_empty() {
            doc.add_text(summary, &story.summary);
        }
        let mut keys: Vec<String> = Vec::new();
        for tag in &story.contexts {
            let key = normalizer.key(tag);
            if !key.is_empty() && !keys.contains(&key) {
                doc.add_text(self.tag, &key);
                keys.push(key);
            }
        }
        if let Some(category) = &story.category {
            doc.add_text(self.category, category);
        }
        for source in &story.sources {
            doc.add_text(self.source, &source.name);
        }
        doc.add_text(self.language, story.language.code());
        doc.add_text(
            self.story,
            serde_json::to_string(story).expect("a story serialises"),
        );
        doc
    }
}

/// Days tantivy dates can hold (they count nanoseconds in an i64: about 1678 to 2262).
const DAY_RANGE: std::ops::RangeInclusive<i64> = -106_000..=106_000;

/// A story day as a tantivy date (midnight UTC), clamped to the range tantivy can represent:
/// a date outside it (a typo such as year 9999, or a far filter bound) sorts and filters as
/// that range's end instead of overflowing.
pub fn date_time(date: storyline_story::Date) -> DateTime {
    let days = i64::from(date.days_since_epoch()).clamp(*DAY_RANGE.start(), *DAY_RANGE.end());
    DateTime::from_timestamp_secs(days * 86_400)
}

/// The story day of a tantivy date.
pub fn day_of(date: DateTime) -> storyline_story::Date {
    storyline_story::Date::from_days_since_epoch(
        date.into_timestamp_secs().div_euclid(86_400) as i32
    )
}
