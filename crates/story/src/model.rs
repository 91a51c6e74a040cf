//! The `Story` type every format reads into and writes from.

use serde::{Deserialize, Serialize};

use crate::date::Date;
use crate::tag::is_han;

/// One dated news story, whatever archive it came from.
///
/// This is also the JSON Lines record (see the README for the schema): field names and
/// optionality here are the interchange format.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Story {
    /// Stable id: for story pages the page path without extension and with unpadded date
    /// parts (`news/2017/12/11/<slug>`); for Current Events days `wcep/2017-12-11/<slug>`.
    pub id: String,
    /// The day the story is filed under.
    pub date: Date,
    /// The headline, trimmed.
    pub title: String,
    /// The summary paragraph(s), trimmed; empty when the page has none.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub summary: String,
    /// Context tags in page order, as spelled in the archive (deduplicated by matching key).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub contexts: Vec<String>,
    /// The archive's category, where it has one (Current Events: "Armed conflicts and attacks").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    /// Named sources.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sources: Vec<Source>,
    /// Image links (cover images), which are not sources.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub images: Vec<String>,
    /// The story's language.
    pub language: Language,
    /// Where the story was read from, relative to the archive root (`news/2017/12/11/x.md`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// Versions from the page's Changes section, oldest first (the current one included).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub versions: Vec<Version>,
    /// The Related list found on the page, in page order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub related: Vec<RelatedEntry>,
}

/// A named source of a story.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Source {
    /// The outlet's name ("Reuters").
    pub name: String,
    /// The link, when the archive gives one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

/// One entry of a story's Changes section.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Version {
    /// The id that version was published under.
    pub id: String,
    /// Its headline.
    pub title: String,
    /// The timestamp shown for it (`2017-12-11 18:30:07`), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timestamp: Option<String>,
    /// Whether this is the current version.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub current: bool,
}

/// One entry of a Related list: the target story and the context tags the two share.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RelatedEntry {
    /// The related story's id.
    pub id: String,
    /// Its title as shown in the list.
    pub title: String,
    /// The shared context tags as shown.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub contexts: Vec<String>,
}

/// The language of a story; it chooses the text analyzer and the Related section's wording.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    /// English.
    En,
    /// Chinese (simplified or traditional).
    Zh,
}

impl Language {
    /// The language a text is written in: Chinese when at least a fifth of its letters are Han
    /// or it holds at least 8 Han characters (Chinese stories quote English names and even raw
    /// URLs), English otherwise.
    pub fn detect(text: &str) -> Language {
        let (mut han, mut letters) = (0usize, 0usize);
        for c in text.chars() {
            if is_han(c) {
                han += 1;
                letters += 1;
            } else if c.is_alphabetic() {
                letters += 1;
            }
        }
        if han >= 8 || (han > 0 && han * 5 >= letters) {
            Language::Zh
        } else {
            Language::En
        }
    }

    /// The ISO 639-1 code.
    pub fn code(self) -> &'static str {
        match self {
            Language::En => "en",
            Language::Zh => "zh",
        }
    }
}

impl std::str::FromStr for Language {
    type Err = String;

    fn from_str(text: &str) -> Result<Language, String> {
        match text.trim().to_ascii_lowercase().as_str() {
            "en" | "english" => Ok(Language::En),
            "zh" | "chinese" => Ok(Language::Zh),
            other => Err(format!("unknown language {other:?} (expected en or zh)")),
        }
    }
}

impl Story {
    /// A story with only the required fields set.
    pub fn new(id: impl Into<String>, date: Date, title: impl Into<String>) -> Story {
        let title = title.into();
        Story {
            id: id.into(),
            date,
            language: Language::detect(&title),
            title,
            summary: String::new(),
            contexts: Vec::new(),
            category: None,
            sources: Vec::new(),
            images: Vec::new(),
            path: None,
            versions: Vec::new(),
            related: Vec::new(),
        }
    }

    /// Ids of the story's other versions (from its Changes section), excluding its own id.
    pub fn other_version_ids(&self) -> impl Iterator<Item = &str> {
        self.versions
            .iter()
            .map(|v| v.id.as_str())
            .filter(move |id| *id != self.id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_chinese_even_when_it_quotes_english() {
        assert_eq!(
            Language::detect("芝加哥期權交易所 Board Options Exchange 成為"),
            Language::Zh
        );
        assert_eq!(Language::detect("Putin visits Syria"), Language::En);
        assert_eq!(
            Language::detect("The word 中 appears once in English text"),
            Language::En
        );
    }
}
