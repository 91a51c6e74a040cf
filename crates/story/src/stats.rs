//! Corpus statistics: what an archive holds, for `storyline stats` and for checking that a
//! synthetic archive looks like a real one.

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;

use crate::date::Date;
use crate::model::{Language, Story};
use crate::tag::TagNormalizer;

/// Statistics of a set of stories.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CorpusStats {
    /// Number of stories.
    pub stories: usize,
    /// Earliest and latest date.
    pub first_date: Option<Date>,
    /// The latest date.
    pub last_date: Option<Date>,
    /// Stories per year.
    pub per_year: BTreeMap<i32, usize>,
    /// Stories per language.
    pub per_language: BTreeMap<Language, usize>,
    /// Distinct tags (by matching key).
    pub distinct_tags: usize,
    /// Stories without any context tag.
    pub untagged: usize,
    /// Histogram of tags per story: index i counts stories with i tags (the last bucket, 5+).
    pub tags_per_story: [usize; 6],
    /// The most used tags (display spelling, story count), most used first.
    pub top_tags: Vec<(String, usize)>,
    /// Tags used by exactly one story.
    pub singleton_tags: usize,
    /// Median title length in characters.
    pub median_title_chars: usize,
    /// Median summary length in characters (stories with a summary).
    pub median_summary_chars: usize,
    /// Stories with more than one version.
    pub with_versions: usize,
    /// Stories whose page carries a Related list.
    pub with_related: usize,
}

/// Computes the statistics, listing the `top` most used tags.
pub fn corpus_stats(stories: &[Story], normalizer: &TagNormalizer, top: usize) -> CorpusStats {
    let mut per_year = BTreeMap::new();
    let mut per_language = BTreeMap::new();
    let mut tag_counts: HashMap<String, (usize, HashMap<&str, usize>)> = HashMap::new();
    let mut tags_per_story = [0usize; 6];
    let mut titles = Vec::with_capacity(stories.len());
    let mut summaries = Vec::new();
    for story in stories {
        *per_year.entry(story.date.year()).or_insert(0) += 1;
        *per_language.entry(story.language).or_insert(0) += 1;
        let mut keys: Vec<String> = Vec::new();
        for tag in &story.contexts {
            let key = normalizer.key(tag);
            if key.is_empty() || keys.contains(&key) {
                continue;
            }
            let entry = tag_counts.entry(key.clone()).or_default();
            entry.0 += 1;
            *entry.1.entry(tag.as_str()).or_insert(0) += 1;
            keys.push(key);
        }
        tags_per_story[keys.len().min(5)] += 1;
        titles.push(story.title.chars().count());
        if !story.summary.is_empty() {
            summaries.push(story.summary.chars().count());
        }
    }
    let mut top_tags: Vec<(String, usize)> = tag_counts
        .values()
        .map(|(count, spellings)| {
            let spelling = spellings
                .iter()
                .max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0)))
                .map(|(s, _)| *s);
            (spelling.unwrap_or_default().to_string(), *count)
        })
        .collect();
    top_tags.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    let singleton_tags = top_tags.iter().filter(|(_, n)| *n == 1).count();
    top_tags.truncate(top);
    CorpusStats {
        stories: stories.len(),
        first_date: stories.iter().map(|s| s.date).min(),
        last_date: stories.iter().map(|s| s.date).max(),
        per_year,
        per_language,
        distinct_tags: tag_counts.len(),
        untagged: tags_per_story[0],
        tags_per_story,
        top_tags,
        singleton_tags,
        median_title_chars: median(&mut titles),
        median_summary_chars: median(&mut summaries),
        with_versions: stories.iter().filter(|s| s.versions.len() > 1).count(),
        with_related: stories.iter().filter(|s| !s.related.is_empty()).count(),
    }
}

fn median(values: &mut [usize]) -> usize {
    if values.is_empty() {
        return 0;
    }
    values.sort_unstable();
    values[values.len() / 2]
}
