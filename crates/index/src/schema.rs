//! The tantivy schema of a story index, and turning a [`Story`] into a document.

use sha2::{Digest, Sha256};
use tantivy::schema::{
    DateOptions, DateTimePrecision, FAST, Field, INDEXED, IndexRecordOption, STORED, STRING,
    Schema, TextFieldIndexing, TextOptions,
};
use tantivy::{DateTime, TantivyDocument, Term};

use storyline_story::{Language, Story, TagNormalizer};

use crate::analyzer;

/// Bumped whenever the schema or the analyzers change in a way old indexes cannot serve.
/// 2: stories are found by `id_key` (a hash of the id), not by a term of the whole id.
/// 3: the context tags' names are searchable text (`tags_en`, `tags_zh`).
pub const SCHEMA_VERSION: u32 = 3;

/// The term a story is found by for replaces, deletes and lookups: the first 16 bytes of the
/// id's SHA-256. A term of the whole id (often over 100 bytes) made every segment's term
/// dictionary, built at each flush and again at each merge, mostly ids: a 1M-story build
/// spent a fifth of its time on them. Two ids sharing a key is as unlikely as a SHA-256
/// collision, and a lookup still checks the id it finds.
pub fn id_key(id: &str) -> [u8; 16] {
    let digest = Sha256::digest(id.as_bytes());
    let mut key = [0u8; 16];
    key.copy_from_slice(&digest[..16]);
    key
}

/// The fields of a story index.
#[derive(Debug, Clone)]
pub struct Fields {
    /// The story id (stored and a fast column; not a term: see `id_key`).
    pub id: Field,
    /// The story's [`id_key`]: replaces, deletes and lookups by id go through it.
    pub id_key: Field,
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
    /// The context tags' names as English text (stemmed, with positions): searched with the
    /// headline and summary, so `syrian civil war` finds the stories of that story line.
    pub tags_en: Field,
    /// The context tags' names as Chinese text.
    pub tags_zh: Field,
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
        // the stored story holds the tags as written: their text is indexed only
        let unstored = |tokenizer: &str| {
            TextOptions::default().set_indexing_options(
                TextFieldIndexing::default()
                    .set_tokenizer(tokenizer)
                    .set_index_option(IndexRecordOption::WithFreqsAndPositions),
            )
        };
        let text = |tokenizer: &str| unstored(tokenizer).set_stored();
        let fields = Fields {
            id: builder.add_text_field("id", STORED | FAST),
            id_key: builder.add_bytes_field("id_key", INDEXED),
            date: builder.add_date_field(
                "date",
                DateOptions::from(INDEXED | STORED | FAST)
                    .set_precision(DateTimePrecision::Seconds),
            ),
            title_en: builder.add_text_field("title_en", text(analyzer::EN)),
            summary_en: builder.add_text_field("summary_en", text(analyzer::EN)),
            title_zh: builder.add_text_field("title_zh", text(analyzer::ZH)),
            summary_zh: builder.add_text_field("summary_zh", text(analyzer::ZH)),
            tags_en: builder.add_text_field("tags_en", unstored(analyzer::EN)),
            tags_zh: builder.add_text_field("tags_zh", unstored(analyzer::ZH)),
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
            id_key: get("id_key")?,
            date: get("date")?,
            title_en: get("title_en")?,
            summary_en: get("summary_en")?,
            title_zh: get("title_zh")?,
            summary_zh: get("summary_zh")?,
            tags_en: get("tags_en")?,
            tags_zh: get("tags_zh")?,
            tag: get("tag")?,
            category: get("category")?,
            source: get("source")?,
            language: get("language")?,
            story: get("story")?,
        })
    }

    /// The term the story `id` is found by (replaced, deleted, looked up): its [`id_key`].
    pub fn id_term(&self, id: &str) -> Term {
        Term::from_field_bytes(self.id_key, &id_key(id))
    }

    /// The text fields of a language.
    pub fn text_fields(&self, language: Language) -> TextFields {
        match language {
            Language::En => TextFields {
                title: self.title_en,
                summary: self.summary_en,
                tags: self.tags_en,
            },
            Language::Zh => TextFields {
                title: self.title_zh,
                summary: self.summary_zh,
                tags: self.tags_zh,
            },
        }
    }

    /// The document of a story.
    pub fn document(&self, story: &Story, normalizer: &TagNormalizer) -> TantivyDocument {
        let mut doc = TantivyDocument::new();
        doc.add_text(self.id, &story.id);
        doc.add_bytes(self.id_key, &id_key(&story.id)[..]);
        doc.add_date(self.date, date_time(story.date));
        let text = self.text_fields(story.language);
        doc.add_text(text.title, &story.title);
        if !story.summary.is_empty() {
            doc.add_text(text.summary, &story.summary);
        }
        let mut keys: Vec<String> = Vec::new();
        for tag in &story.contexts {
            let key = normalizer.key(tag);
            if !key.is_empty() && !keys.contains(&key) {
                doc.add_text(self.tag, &key);
                doc.add_text(text.tags, tag);
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

/// The text fields of one language: what a word of a query is searched in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TextFields {
    /// The headline.
    pub title: Field,
    /// The summary.
    pub summary: Field,
    /// The context tags' names.
    pub tags: Field,
}

impl TextFields {
    /// The three fields.
    pub fn all(self) -> [Field; 3] {
        [self.title, self.summary, self.tags]
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

#[cfg(test)]
mod tests {
    use super::*;

    // the key is on disk in every index: a change of hash must come with a schema version
    #[test]
    fn id_keys_are_the_first_half_of_the_ids_sha256() {
        // SHA-256 of the empty string and of "abc" (FIPS 180-2 test vectors)
        assert_eq!(
            id_key(""),
            [
                0xe3, 0xb0, 0xc4, 0x42, 0x98, 0xfc, 0x1c, 0x14, 0x9a, 0xfb, 0xf4, 0xc8, 0x99, 0x6f,
                0xb9, 0x24
            ]
        );
        assert_eq!(
            id_key("abc"),
            [
                0xba, 0x78, 0x16, 0xbf, 0x8f, 0x01, 0xcf, 0xea, 0x41, 0x41, 0x40, 0xde, 0x5d, 0xae,
                0x22, 0x23
            ]
        );
        let a = id_key("news/2015/5/27/swiss-police-arrest-seven-fifa-officials");
        let b = id_key("news/2015/5/27/swiss-police-arrest-seven-fifa-officials-");
        assert_ne!(a, b);
    }
}
