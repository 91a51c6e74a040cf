//! Context tags: the story lines and subjects a story belongs to.
//!
//! A tag keeps the spelling the archive used, for display; matching goes through a *key*:
//! Unicode NFKC, case-folded, inner whitespace collapsed, traditional Chinese folded to
//! simplified (so 美國 and 美国 meet), and finally an optional alias table that merges names
//! of the same story line ("ISIS" = "ISIL" = "Islamic State").

use std::collections::HashMap;
use std::path::Path;

use serde::Deserialize;
use unicode_normalization::UnicodeNormalization;

use crate::{Result, StoryError};

/// Turns tag spellings into matching keys, applying an optional alias table.
#[derive(Debug, Clone, Default)]
pub struct TagNormalizer {
    /// normalised alias → normalised canonical name
    aliases: HashMap<String, String>,
}

/// The alias file: each canonical name lists the other names of the same story line.
///
/// ```toml
/// [aliases]
/// "ISIS" = ["ISIL", "Islamic State", "Islamic State of Iraq and the Levant"]
/// "Syrian Civil War" = ["Syrian civil war"]
/// ```
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AliasFile {
    #[serde(default)]
    aliases: HashMap<String, Vec<String>>,
}

impl TagNormalizer {
    /// A normaliser without aliases.
    pub fn new() -> TagNormalizer {
        TagNormalizer::default()
    }

    /// A normaliser with the aliases of a TOML alias file (see [`TagNormalizer::from_toml`]).
    pub fn from_alias_file(path: &Path) -> Result<TagNormalizer> {
        let text = std::fs::read_to_string(path).map_err(|source| StoryError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        TagNormalizer::from_toml(&text).map_err(|message| StoryError::Format {
            path: path.to_path_buf(),
            line: None,
            message,
        })
    }

    /// A normaliser from the text of an alias file: a table `[aliases]` whose keys are
    /// canonical tag names and whose values list the other names that mean the same.
    pub fn from_toml(text: &str) -> std::result::Result<TagNormalizer, String> {
        let file: AliasFile = toml::from_str(text).map_err(|e| e.message().to_string())?;
        let mut normalizer = TagNormalizer::new();
        for (canonical, others) in file.aliases {
            let canonical_key = normalize_tag(&canonical);
            for other in others {
                let key = normalize_tag(&other);
                if let Some(previous) = normalizer.aliases.get(&key)
                    && *previous != canonical_key
                {
                    return Err(format!(
                        "alias {other:?} is listed under both {previous:?} and {canonical_key:?}"
                    ));
                }
                normalizer.aliases.insert(key, canonical_key.clone());
            }
        }
        Ok(normalizer)
    }

    /// The matching key of a tag spelling (empty for a blank tag).
    pub fn key(&self, tag: &str) -> String {
        let key = normalize_tag(tag);
        match self.aliases.get(&key) {
            Some(canonical) => canonical.clone(),
            None => key,
        }
    }

    /// How many alias names the table maps.
    pub fn alias_count(&self) -> usize {
        self.aliases.len()
    }
}

/// The alias-free matching key of a tag: NFKC, case-folded, whitespace collapsed and trimmed,
/// traditional Chinese characters folded to simplified.
pub fn normalize_tag(tag: &str) -> String {
    let folded: String = tag.nfkc().flat_map(char::to_lowercase).collect();
    let mut key = String::with_capacity(folded.len());
    for word in folded.split_whitespace() {
        if !key.is_empty() {
            key.push(' ');
        }
        key.push_str(word);
    }
    fold_chinese(&key)
}

/// Folds traditional Chinese characters to simplified ones (a no-op on text without Han).
pub fn fold_chinese(text: &str) -> String {
    if text.chars().any(is_han) {
        fast2s::convert(text)
    } else {
        text.to_string()
    }
}

/// Whether a character is a CJK ideograph.
pub fn is_han(c: char) -> bool {
    matches!(c as u32, 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x2FA1F)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_fold_case_width_space_and_script() {
        assert_eq!(normalize_tag("  Syrian   Civil War "), "syrian civil war");
        assert_eq!(
            normalize_tag("Syrian civil war"),
            normalize_tag("Syrian Civil War")
        );
        assert_eq!(normalize_tag("美國"), normalize_tag("美国"));
        assert_eq!(normalize_tag("臺灣"), normalize_tag("台湾"));
        assert_eq!(normalize_tag("ＩＳＩＳ"), "isis");
        assert_eq!(normalize_tag("   "), "");
    }

    #[test]
    fn alias_file_merges_story_lines() {
        let normalizer =
            TagNormalizer::from_toml("[aliases]\n\"ISIS\" = [\"ISIL\", \"Islamic State\"]\n")
                .unwrap();
        assert_eq!(normalizer.key("isil"), "isis");
        assert_eq!(normalizer.key("Islamic  State"), "isis");
        assert_eq!(normalizer.key("ISIS"), "isis");
        assert_eq!(normalizer.key("Thomas Fire"), "thomas fire");
        assert_eq!(normalizer.alias_count(), 2);
    }

    #[test]
    fn alias_file_errors_are_explained() {
        let err = TagNormalizer::from_toml("[aliases]\nISIS = \"ISIL\"\n").unwrap_err();
        assert!(err.contains("invalid type"), "{err}");
        let err = TagNormalizer::from_toml("[aliases]\nA = [\"x\"]\nB = [\"X\"]\n").unwrap_err();
        assert!(err.contains("listed under both"), "{err}");
    }
}
