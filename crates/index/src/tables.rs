//! Compact in-memory tables the related-story scorer needs beside the tantivy index: story
//! ordinals with their day, language and tag ids; tags with their display spelling and story
//! counts; tag postings (tag → stories). Built with the index and persisted beside it.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use storyline_story::{Language, Story, TagNormalizer};

/// One context tag of the index.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TagEntry {
    /// The matching key (normalised, aliases applied).
    pub key: String,
    /// The most used spelling, for display.
    pub display: String,
    /// How many stories carry it.
    pub stories: u32,
}

/// The scorer's tables. Story ordinals are positions in `ids`; tag ids are positions in `tags`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Tables {
    /// The tantivy commit these tables describe.
    pub opstamp: u64,
    /// Story ids by ordinal.
    pub ids: Vec<String>,
    /// Story days (days since 1970-01-01) by ordinal.
    pub days: Vec<i32>,
    /// Story languages by ordinal.
    pub languages: Vec<Language>,
    /// Tag ids of each story, in the story's order.
    pub story_tags: Vec<Vec<u32>>,
    /// Ordinals of each story's other versions present in the index.
    pub versions: Vec<Vec<u32>>,
    /// The tags.
    pub tags: Vec<TagEntry>,
    /// Stories of each tag, ordinals ascending.
    pub postings: Vec<Vec<u32>>,
    #[serde(skip)]
    by_id: HashMap<String, u32>,
    #[serde(skip)]
    by_key: HashMap<String, u32>,
}

impl Tables {
    /// Builds the tables of a set of stories (ids unique).
    pub fn build(stories: &[Story], normalizer: &TagNormalizer, opstamp: u64) -> Tables {
        let mut tables = Tables {
            opstamp,
            ..Tables::default()
        };
        let mut spellings: Vec<HashMap<&str, u32>> = Vec::new();
        for (ord, story) in stories.iter().enumerate() {
            tables.ids.push(story.id.clone());
            tables.days.push(story.date.days_since_epoch());
            tables.languages.push(story.language);
            let mut tag_ids = Vec::new();
            for tag in &story.contexts {
                let key = normalizer.key(tag);
                if key.is_empty() {
                    continue;
                }
                let next = tables.tags.len() as u32;
                let id = *tables.by_key.entry(key.clone()).or_insert(next);
                if id == next {
                    tables.tags.push(TagEntry {
                        key,
                        display: String::new(),
                        stories: 0,
                    });
                    tables.postings.push(Vec::new());
                    spellings.push(HashMap::new());
                }
                if !tag_ids.contains(&id) {
                    tag_ids.push(id);
                    tables.tags[id as usize].stories += 1;
                    tables.postings[id as usize].push(ord as u32);
                    *spellings[id as usize].entry(tag.as_str()).or_insert(0) += 1;
                }
            }
            tables.story_tags.push(tag_ids);
        }
        for (entry, counts) in tables.tags.iter_mut().zip(&spellings) {
            let best = counts.iter().max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0)));
            entry.display = best.map(|(s, _)| s.to_string()).unwrap_or_default();
        }
        tables.reindex();
        tables.versions = stories
            .iter()
            .map(|s| {
                s.other_version_ids()
                    .filter_map(|id| tables.ord(id))
                    .collect()
            })
            .collect();
        tables
    }

    /// Rebuilds the lookup maps after deserialising.
    pub fn reindex(&mut self) {
        self.by_id = self
            .ids
            .iter()
            .enumerate()
            .map(|(i, id)| (id.clone(), i as u32))
            .collect();
        self.by_key = self
            .tags
            .iter()
            .enumerate()
            .map(|(i, t)| (t.key.clone(), i as u32))
            .collect();
    }

    /// The ordinal of a story id.
    pub fn ord(&self, id: &str) -> Option<u32> {
        self.by_id.get(id).copied()
    }

    /// The tag id of a matching key.
    pub fn tag_id(&self, key: &str) -> Option<u32> {
        self.by_key.get(key).copied()
    }

    /// Number of stories.
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    /// Whether there are no stories.
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }
}
