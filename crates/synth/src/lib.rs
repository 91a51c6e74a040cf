//! # storyline-synth: synthetic news archives shaped like the real ones
//!
//! [`generate`] writes a deterministic corpus of [`Story`]s for tests, benchmarks and scale
//! experiments, in English or Chinese, without any text from the real archives: the vocabulary
//! is a hand-written list of common news words plus invented, syllable-built names (or, for
//! Chinese, characters drawn from a pool of common and generated Han characters, mixing
//! simplified and traditional variants).
//!
//! The corpus is built around latent **story lines** ([`StoryLine`]): every story belongs to
//! one, and the line decides its date, its words and its tags. The shape follows what the real
//! archives show (measured on the Current Events archive `wcep-en`, 113k stories, and the
//! Chinese story pages `thecontext-zh`):
//!
//! - **Popularity** is Zipf–Mandelbrot over lines, so tag use is skewed: a few broad tags
//!   (countries, long wars) carry hundreds of stories, about half the tags are used once.
//! - **Time**: lines live from a day to decades (life grows with size), with bursts of stories
//!   around a few days and a background spread over their life; years differ in how much news
//!   they have. Dates span `years` years from `first_date` (25 years from 2001 by default).
//! - **Tags**: a story carries its line's tag with the line's tag rate (about half of all
//!   stories are untagged, as in `wcep-en`), sometimes followed by broader tags (the line's
//!   parent, its country, a related line): 0–5 tags per story.
//! - **Text**: headlines of about 24 words (one or two sentences with clauses), optional
//!   summaries, Zipfian word frequencies; the line's own names and words recur in most of its
//!   stories, so text similarity can find the line of an untagged story.
//! - **Sources** (mostly one per story), cover images, and **versions** (a Changes section)
//!   for a few percent of stories.
//!
//! Generation is parallel (rayon) but its output depends only on the configuration: lines are
//! drawn from per-line random streams and stories from per-story streams, then sorted by date.
//! A million stories take a few seconds; [`generate_each`] hands them out a batch of whole days
//! at a time, so ten million are written without being held in memory.
//!
//! [`write_pages`] writes stories as a story-page archive that `storyline_story::import_paths`
//! reads back with the same ids, titles, dates and first context tag; JSON Lines output is
//! `storyline_story::formats::jsonl::write_jsonl`.

mod lexicon;
mod pages;
mod rng;
mod text;
mod world;

use rayon::prelude::*;
use storyline_story::{Date, Language, RelatedEntry, Story, Version};

pub use pages::{render_page, write_pages, write_pages_with_progress};
pub use text::slug;
pub use world::StoryLine;

use crate::rng::Rng;
use crate::text::{Templates, Writer};
use crate::world::{World, streams};

/// What to generate.
#[derive(Debug, Clone, PartialEq)]
pub struct SynthConfig {
    /// How many stories.
    pub stories: usize,
    /// The random seed: the same configuration always gives the same corpus.
    pub seed: u64,
    /// The language of the stories.
    pub language: Language,
    /// The first day stories can have.
    pub first_date: Date,
    /// How many years the corpus spans from `first_date`.
    pub years: u32,
    /// How many latent story lines; `None` for one per three stories in English (which gives
    /// about the Current Events archive's ratio of distinct tags to stories) and three per two
    /// stories in Chinese (the Chinese pages have many tags used once).
    pub story_lines: Option<usize>,
    /// Share of stories without any context tag (0.47 in `wcep-en`, 0.01 in `thecontext-zh`).
    pub untagged_share: f64,
    /// Chance of each further tag after a tagged story's first (geometric, at most 5 tags).
    pub extra_tag_rate: f64,
    /// Share of stories with a summary paragraph.
    pub summary_share: f64,
    /// Share of stories with a cover image.
    pub image_share: f64,
    /// Share of stories with versions (a Changes section).
    pub version_share: f64,
    /// Length of the Related list given to each tagged story (earlier stories sharing the most
    /// tags, newest first, as the site ranked them); 0 for none.
    pub related: usize,
    /// Whether stories carry a Current Events style category (pages have none).
    pub categories: bool,
}

impl Default for SynthConfig {
    /// 10,000 English stories, seed 42, shaped like the Current Events archive.
    fn default() -> SynthConfig {
        SynthConfig::new(10_000, 42, Language::En)
    }
}

impl SynthConfig {
    /// A configuration with the defaults of a language: English follows the Current Events
    /// archive (about half the stories untagged, one tag for most of the rest); Chinese
    /// follows the Chinese story pages (almost every story tagged, often with a country too,
    /// more cover images, fewer summaries).
    pub fn new(stories: usize, seed: u64, language: Language) -> SynthConfig {
        let first_date = Date::new(2001, 1, 1).expect("a valid date");
        match language {
            Language::En => SynthConfig {
                stories,
                seed,
                language,
                first_date,
                years: 25,
                story_lines: None,
                untagged_share: 0.47,
                extra_tag_rate: 0.26,
                summary_share: 0.3,
                image_share: 0.15,
                version_share: 0.03,
                related: 0,
                categories: false,
            },
            Language::Zh => SynthConfig {
                stories,
                seed,
                language,
                first_date,
                years: 25,
                story_lines: None,
                untagged_share: 0.01,
                extra_tag_rate: 0.62,
                summary_share: 0.14,
                image_share: 0.27,
                version_share: 0.03,
                related: 0,
                categories: false,
            },
        }
    }
}

/// A generated corpus with its ground truth: the latent story line of every story.
#[derive(Debug, Clone)]
pub struct Corpus {
    /// The stories, by date (ties in generation order); ids are unique.
    pub stories: Vec<Story>,
    /// All story lines, most popular first (some may have no stories in a small corpus).
    pub lines: Vec<StoryLine>,
    /// For each story (same order), the index of its line in `lines`.
    pub line_of: Vec<usize>,
}

/// Generates the stories of a configuration (see [`generate_corpus`] for the ground truth).
/// It holds the whole corpus in memory; [`generate_each`] hands it out in batches instead.
pub fn generate(config: &SynthConfig) -> Vec<Story> {
    build(config, false).stories
}

/// Generates the stories of a configuration with their latent story lines.
pub fn generate_corpus(config: &SynthConfig) -> Corpus {
    build(config, true)
}

/// Generates the stories of a configuration in date order and hands them to `each` in batches
/// of whole days (about [`BATCH`] stories each), so that a corpus of any size is written
/// without being held: what stays is the story lines and each story's line and day (ten
/// million stories peak at 2.7 GiB in `storyline gen`, against 15 GiB held whole). The
/// batches, concatenated, are exactly [`generate`]'s stories. Stops at `each`'s first error
/// and returns it.
///
/// With [`SynthConfig::related`] set, the ids and titles of the stories handed out so far are
/// kept, since a Related list names earlier stories.
pub fn generate_each<E>(
    config: &SynthConfig,
    each: impl FnMut(Vec<Story>) -> Result<(), E>,
) -> Result<(), E> {
    match Plan::new(config) {
        Some(plan) => plan.stories(config, BATCH, each),
        None => Ok(()),
    }
}

/// Stories per batch of [`generate_each`], before rounding up to the end of a day.
pub const BATCH: usize = 1 << 16;

/// Stories per random stream when drawing lines and dates.
const CHUNK: usize = 4096;

/// What a corpus is drawn from: its lines, and each story's line and day in date order.
struct Plan {
    world: World,
    /// (day, story number, line), sorted
    keys: Vec<(i32, u32, u32)>,
}

impl Plan {
    /// The plan of a configuration; `None` for no stories.
    fn new(config: &SynthConfig) -> Option<Plan> {
        let n = config.stories;
        if n == 0 {
            return None;
        }
        let world = World::build(config);
        // which line each story belongs to and its day, then chronological order
        let mut keys: Vec<(i32, u32, u32)> = (0..n.div_ceil(CHUNK))
            .into_par_iter()
            .flat_map_iter(|chunk| {
                let mut rng = Rng::stream(config.seed, streams::DATES, chunk as u64);
                let world = &world;
                (chunk * CHUNK..n.min((chunk + 1) * CHUNK)).map(move |i| {
                    let line = world.line_pick.sample(&mut rng);
                    let day = world.lines[line].sample_day(&mut rng);
                    (day, i as u32, line as u32)
                })
            })
            .collect();
        keys.par_sort_unstable();
        Some(Plan { world, keys })
    }

    /// The stories, drafted about `batch` stories (whole days) at a time (see
    /// [`generate_each`]).
    fn stories<E>(
        &self,
        config: &SynthConfig,
        batch: usize,
        mut each: impl FnMut(Vec<Story>) -> Result<(), E>,
    ) -> Result<(), E> {
        let templates = Templates::new(config.language);
        let writer = Writer::new(&self.world, &templates);
        let mut earlier = (config.related > 0).then(|| Earlier::new(self.world.lines.len()));
        let keys = &self.keys;
        let mut start = 0;
        while start < keys.len() {
            // a day is never split: page ids are made unique within a day
            let mut end = (start + batch.max(1)).min(keys.len());
            while end < keys.len() && keys[end].0 == keys[end - 1].0 {
                end += 1;
            }
            let (mut stories, tag_lines): (Vec<Story>, Vec<Vec<u32>>) = keys[start..end]
                .par_iter()
                .map(|&(day, i, line)| draft(config, &self.world, &writer, day, i, line))
                .unzip();
            // page ids must be unique: a rare repeated slug on a day gets a numeric suffix
            stories
                .par_chunk_by_mut(|a, b| a.date == b.date)
                .for_each(make_ids_unique);
            if let Some(earlier) = &mut earlier {
                earlier.add_related(&mut stories, &tag_lines, config.related);
            }
            each(stories)?;
            start = end;
        }
        Ok(())
    }
}

fn build(config: &SynthConfig, with_lines: bool) -> Corpus {
    let Some(plan) = Plan::new(config) else {
        return Corpus {
            stories: Vec::new(),
            lines: Vec::new(),
            line_of: Vec::new(),
        };
    };
    let mut stories = Vec::with_capacity(config.stories);
    plan.stories(config, BATCH, |batch| {
        stories.extend(batch);
        Ok::<(), std::convert::Infallible>(())
    })
    .unwrap_or_else(|never| match never {});
    let line_of = if with_lines {
        plan.keys.iter().map(|k| k.2 as usize).collect()
    } else {
        Vec::new()
    };
    let lines = if with_lines {
        (0..plan.world.lines.len())
            .into_par_iter()
            .map(|i| plan.world.story_line(i))
            .collect()
    } else {
        Vec::new()
    };
    Corpus {
        stories,
        lines,
        line_of,
    }
}

fn draft(
    config: &SynthConfig,
    world: &World,
    writer: &Writer<'_>,
    day: i32,
    index: u32,
    line_index: u32,
) -> (Story, Vec<u32>) {
    let mut rng = Rng::stream(config.seed, streams::TEXT, u64::from(index));
    let line = &world.lines[line_index as usize];
    let date = Date::from_days_since_epoch(day);
    let language = config.language;

    // tags: the line's own (with its rate), then broader ones
    let mut tag_lines: Vec<u32> = Vec::new();
    if rng.chance(line.tag_rate) {
        tag_lines.push(line_index);
        let wanted = rng.geometric(config.extra_tag_rate.clamp(0.0, 0.95), 4);
        if wanted > 0 {
            // broader lines alive on the story's day, drawn by their chances without repeats
            let mut pool: Vec<(u32, f64)> = line
                .extras
                .iter()
                .copied()
                .filter(|&(other, _)| {
                    let broader = &world.lines[other as usize];
                    other != line_index && (broader.start..=broader.end).contains(&day)
                })
                .collect();
            while tag_lines.len() <= wanted && !pool.is_empty() {
                let total: f64 = pool.iter().map(|p| p.1).sum();
                let mut target = rng.f64() * total;
                let chosen = pool
                    .iter()
                    .position(|p| {
                        target -= p.1;
                        target < 0.0
                    })
                    .unwrap_or(pool.len() - 1);
                let (other, _) = pool.swap_remove(chosen);
                if !tag_lines.contains(&other) {
                    tag_lines.push(other);
                }
            }
        }
    }
    let contexts: Vec<String> = tag_lines
        .iter()
        .map(|&l| {
            let tagged = &world.lines[l as usize];
            match &tagged.tag_variant {
                Some(variant) if rng.chance(0.15) => variant.clone(),
                _ => tagged.tag.clone(),
            }
        })
        .collect();

    let versioned = rng.chance(config.version_share);
    let text = writer.story_text(line, date.year(), &mut rng, config.summary_share, versioned);
    let max_slug = match language {
        Language::En => 140,
        Language::Zh => 60,
    };
    let mut slug_text = text::slug(&text.title, language, max_slug);
    if slug_text.is_empty() {
        slug_text = format!("story-{index}");
    }
    let sources = writer.sources(&mut rng, &slug_text, date);
    let images = if rng.chance(config.image_share) {
        vec![writer.image(&mut rng)]
    } else {
        Vec::new()
    };
    let dir = format!("news/{}/{}/{}", date.year(), date.month(), date.day());
    let id = format!("{dir}/{slug_text}");
    let versions = match &text.first_title {
        Some(first) => {
            let mut first_slug = text::slug(first, language, max_slug);
            if first_slug.is_empty() || first_slug == slug_text {
                first_slug = format!("{slug_text}-v1");
            }
            let seconds = rng.below(86_400);
            let timestamp = format!(
                "{date} {:02}:{:02}:{:02}",
                seconds / 3600,
                seconds / 60 % 60,
                seconds % 60
            );
            vec![
                Version {
                    id: format!("{dir}/{first_slug}"),
                    title: first.clone(),
                    timestamp: Some(timestamp),
                    current: false,
                },
                Version {
                    id: id.clone(),
                    title: text.title.clone(),
                    timestamp: None,
                    current: true,
                },
            ]
        }
        None => Vec::new(),
    };
    let category = config.categories.then(|| {
        let genre = &lexicon::GENRES[line.genre];
        match language {
            Language::En => genre.category.to_string(),
            Language::Zh => genre.category_zh.to_string(),
        }
    });
    (
        Story {
            path: Some(format!("{id}.md")),
            id,
            date,
            title: text.title,
            summary: text.summary,
            contexts,
            category,
            sources,
            images,
            language,
            versions,
            related: Vec::new(),
        },
        tag_lines,
    )
}

/// FNV-1a: ids are hashed a million times, and need no protection from adversaries.
#[derive(Default)]
struct Fnv(u64);

impl std::hash::Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        let mut hash = if self.0 == 0 {
            0xcbf2_9ce4_8422_2325
        } else {
            self.0
        };
        for &b in bytes {
            hash = (hash ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
        self.0 = hash;
    }
}

type IdSet = std::collections::HashSet<String, std::hash::BuildHasherDefault<Fnv>>;

/// Makes the page ids of one day's stories (and of their earlier versions) unique.
fn make_ids_unique(day: &mut [Story]) {
    let mut seen: IdSet = IdSet::with_capacity_and_hasher(day.len() * 2, Default::default());
    for story in day.iter_mut() {
        if !seen.contains(&story.id) {
            seen.insert(story.id.clone());
        } else {
            let id = free_id(&story.id, &seen);
            seen.insert(id.clone());
            for version in story.versions.iter_mut().filter(|v| v.current) {
                version.id = id.clone();
            }
            story.path = Some(format!("{id}.md"));
            story.id = id;
        }
        for version in story.versions.iter_mut().filter(|v| !v.current) {
            if seen.contains(&version.id) {
                version.id = free_id(&version.id, &seen);
            }
            seen.insert(version.id.clone());
        }
    }
}

fn free_id(id: &str, seen: &IdSet) -> String {
    (2..)
        .map(|k| format!("{id}-{k}"))
        .find(|candidate| !seen.contains(candidate))
        .expect("an unused suffix")
}

/// The stories handed out so far, as Related lists name them: each line's stories (by their
/// place in the corpus, ascending) and every story's id and title.
struct Earlier {
    by_line: Vec<Vec<u32>>,
    named: Vec<(String, String)>,
}

impl Earlier {
    fn new(line_count: usize) -> Earlier {
        Earlier {
            by_line: vec![Vec::new(); line_count],
            named: Vec::new(),
        }
    }

    /// Gives each tagged story of the next batch a Related list: earlier stories sharing its
    /// tags, ranked by the number of shared tags, then newest first (looking back at most
    /// `4 × limit` stories per tag); then counts the batch as handed out.
    fn add_related(&mut self, batch: &mut [Story], tag_lines: &[Vec<u32>], limit: usize) {
        let first = self.named.len();
        for (k, lines) in tag_lines.iter().enumerate() {
            for &l in lines {
                self.by_line[l as usize].push((first + k) as u32);
            }
        }
        self.named
            .extend(batch.iter().map(|s| (s.id.clone(), s.title.clone())));
        let window = 4 * limit;
        let (by_line, named) = (&self.by_line, &self.named);
        batch
            .par_iter_mut()
            .zip(tag_lines)
            .enumerate()
            .for_each(|(k, (story, lines))| {
                let position = first + k;
                let mut candidates: Vec<(u32, Vec<usize>)> = Vec::new();
                for (tag_index, &l) in lines.iter().enumerate() {
                    let list = &by_line[l as usize];
                    let end = list.partition_point(|&p| (p as usize) < position);
                    for &other in list[end.saturating_sub(window)..end].iter().rev() {
                        match candidates.iter_mut().find(|(p, _)| *p == other) {
                            Some((_, shared)) => shared.push(tag_index),
                            None => candidates.push((other, vec![tag_index])),
                        }
                    }
                }
                candidates.sort_by(|a, b| b.1.len().cmp(&a.1.len()).then(b.0.cmp(&a.0)));
                story.related = candidates
                    .into_iter()
                    .take(limit)
                    .map(|(other, mut shared)| {
                        let (id, title) = &named[other as usize];
                        shared.sort_unstable();
                        RelatedEntry {
                            id: id.clone(),
                            title: title.clone(),
                            contexts: shared.iter().map(|&t| story.contexts[t].clone()).collect(),
                        }
                    })
                    .collect();
            });
    }
}

#[cfg(test)]
mod tests {
    use std::collections::{HashMap, HashSet};

    use storyline_story::formats::jsonl::{parse_jsonl, write_jsonl};
    use storyline_story::{TagNormalizer, corpus_stats, import_paths, normalize_tag};

    use super::*;

    fn english(stories: usize, seed: u64) -> SynthConfig {
        SynthConfig::new(stories, seed, Language::En)
    }

    #[test]
    fn the_same_config_gives_the_same_corpus() {
        let config = english(5_000, 7);
        let a = generate(&config);
        let b = generate(&config);
        assert_eq!(a.len(), 5_000);
        assert_eq!(a, b);
        assert_eq!(generate_corpus(&config).stories, a);
        let zh = SynthConfig::new(2_000, 7, Language::Zh);
        assert_eq!(generate(&zh), generate(&zh));
    }

    #[test]
    fn different_seeds_give_different_corpora() {
        let a = generate(&english(2_000, 1));
        let b = generate(&english(2_000, 2));
        let ids_a: HashSet<&str> = a.iter().map(|s| s.id.as_str()).collect();
        let shared = b.iter().filter(|s| ids_a.contains(s.id.as_str())).count();
        assert!(shared < 20, "{shared} ids in common");
        let tags_a: HashSet<&str> = a
            .iter()
            .flat_map(|s| s.contexts.iter().map(String::as_str))
            .collect();
        let tags_b: HashSet<&str> = b
            .iter()
            .flat_map(|s| s.contexts.iter().map(String::as_str))
            .collect();
        assert!(tags_a.intersection(&tags_b).count() * 10 < tags_a.len());
    }

    #[test]
    fn about_half_the_stories_are_untagged_and_none_has_more_than_five_tags() {
        let stories = generate(&english(20_000, 42));
        let untagged = stories.iter().filter(|s| s.contexts.is_empty()).count();
        let share = untagged as f64 / stories.len() as f64;
        assert!((0.4..=0.6).contains(&share), "untagged share {share}");
        let most = stories.iter().map(|s| s.contexts.len()).max().unwrap();
        assert!(most <= 5, "a story has {most} tags");
        assert!(
            stories.iter().any(|s| s.contexts.len() >= 3),
            "some stories have several tags"
        );
        for story in &stories {
            let keys: HashSet<String> = story.contexts.iter().map(|t| normalize_tag(t)).collect();
            assert_eq!(keys.len(), story.contexts.len(), "{:?}", story.contexts);
        }
    }

    #[test]
    fn tag_popularity_is_skewed() {
        let stories = generate(&english(20_000, 42));
        let mut counts: HashMap<String, usize> = HashMap::new();
        for story in &stories {
            for tag in &story.contexts {
                *counts.entry(normalize_tag(tag)).or_default() += 1;
            }
        }
        let mut counts: Vec<usize> = counts.into_values().collect();
        counts.sort_unstable_by(|a, b| b.cmp(a));
        let median = counts[counts.len() / 2];
        assert!(
            counts[0] >= 20 * median,
            "top {} median {median}",
            counts[0]
        );
        let singletons = counts.iter().filter(|&&n| n == 1).count();
        assert!(
            singletons * 4 > counts.len(),
            "a long tail of tags used once"
        );
        assert!(counts.len() > 1_000, "{} distinct tags", counts.len());
    }

    #[test]
    fn dates_span_more_than_twenty_years_within_the_configured_range() {
        let config = english(20_000, 3);
        let stories = generate(&config);
        let first = stories.iter().map(|s| s.date).min().unwrap();
        let last = stories.iter().map(|s| s.date).max().unwrap();
        assert!(first >= config.first_date);
        assert!(last.year() < config.first_date.year() + config.years as i32);
        assert!(
            last.days_since_epoch() - first.days_since_epoch() >= 20 * 365,
            "{first} to {last}"
        );
        assert!(stories.windows(2).all(|w| w[0].date <= w[1].date));
        // years differ, but none is empty
        let stats = corpus_stats(&stories, &TagNormalizer::new(), 10);
        assert_eq!(stats.per_year.len(), 25);
    }

    #[test]
    fn ids_are_unique_page_ids_and_versions_are_few() {
        let stories = generate(&english(20_000, 5));
        let ids: HashSet<&str> = stories.iter().map(|s| s.id.as_str()).collect();
        assert_eq!(ids.len(), stories.len());
        let mut version_ids = HashSet::new();
        for story in &stories {
            let (d, m, y) = (story.date.day(), story.date.month(), story.date.year());
            assert!(
                story.id.starts_with(&format!("news/{y}/{m}/{d}/")),
                "{}",
                story.id
            );
            assert_eq!(
                story.path.as_deref(),
                Some(format!("{}.md", story.id).as_str())
            );
            for version in story.other_version_ids() {
                assert!(!ids.contains(version), "{version} is also a story");
                assert!(version_ids.insert(version.to_string()));
            }
        }
        let versioned = stories.iter().filter(|s| !s.versions.is_empty()).count();
        let share = versioned as f64 / stories.len() as f64;
        assert!((0.02..0.04).contains(&share), "{share}");
    }

    #[test]
    fn text_looks_like_news_in_both_languages() {
        let stories = generate(&english(5_000, 9));
        let stats = corpus_stats(&stories, &TagNormalizer::new(), 5);
        assert!(
            (110..=190).contains(&stats.median_title_chars),
            "median title {}",
            stats.median_title_chars
        );
        assert!(stories.iter().all(|s| s.language == Language::En));
        assert!(
            stories
                .iter()
                .all(|s| Language::detect(&s.title) == Language::En)
        );
        let with_sources = stories.iter().filter(|s| !s.sources.is_empty()).count();
        assert!(with_sources * 10 > stories.len() * 9);

        let zh = generate(&SynthConfig::new(3_000, 9, Language::Zh));
        assert!(
            zh.iter()
                .all(|s| Language::detect(&s.title) == Language::Zh)
        );
        let traditional = zh.iter().filter(|s| s.title.contains('國')).count();
        let simplified = zh.iter().filter(|s| s.title.contains('国')).count();
        assert!(
            traditional > 0 && simplified > 0,
            "{traditional} {simplified}"
        );
        let untagged = zh.iter().filter(|s| s.contexts.is_empty()).count();
        assert!(
            untagged * 20 < zh.len(),
            "the Chinese pages are almost all tagged"
        );
    }

    #[test]
    fn chinese_spelling_variants_share_a_tag_key() {
        for (simplified, traditional) in lexicon::ZH_VARIANTS {
            assert_eq!(
                normalize_tag(&traditional.to_string()),
                normalize_tag(&simplified.to_string()),
                "{simplified}/{traditional}"
            );
        }
        let corpus = generate_corpus(&SynthConfig::new(3_000, 4, Language::Zh));
        let mut spellings: HashMap<String, HashSet<&str>> = HashMap::new();
        for story in &corpus.stories {
            for tag in &story.contexts {
                spellings
                    .entry(normalize_tag(tag))
                    .or_default()
                    .insert(tag.as_str());
            }
        }
        assert!(
            spellings.values().any(|s| s.len() > 1),
            "both scripts occur"
        );
    }

    /// Untagged stories still belong to a story line and use its words, so text similarity
    /// can find their line.
    #[test]
    fn untagged_stories_use_their_lines_words() {
        let corpus = generate_corpus(&english(20_000, 11));
        assert_eq!(corpus.line_of.len(), corpus.stories.len());
        let (mut untagged, mut with_words) = (0, 0);
        for (story, &line) in corpus.stories.iter().zip(&corpus.line_of) {
            if !story.contexts.is_empty() {
                assert_eq!(story.contexts[0], corpus.lines[line].tag);
                continue;
            }
            untagged += 1;
            let text = format!("{} {}", story.title, story.summary);
            if corpus.lines[line].words[..4]
                .iter()
                .any(|w| text.contains(w.as_str()))
            {
                with_words += 1;
            }
        }
        assert!(untagged > 5_000);
        let share = with_words as f64 / untagged as f64;
        assert!(share > 0.8, "{share} of untagged stories name their line");
    }

    #[test]
    fn pages_round_trip_through_the_importer() {
        for language in [Language::En, Language::Zh] {
            let mut config = SynthConfig::new(200, 21, language);
            config.version_share = 0.1;
            config.image_share = 0.3;
            let stories = generate(&config);
            let dir = tempfile::tempdir().unwrap();
            assert_eq!(write_pages(&stories, dir.path()).unwrap(), stories.len());
            let imported = import_paths(&[dir.path().to_path_buf()], None).unwrap();
            assert!(
                imported.report.skipped.is_empty(),
                "{:?}",
                imported.report.skipped
            );
            assert_eq!(imported.stories.len(), stories.len());
            let by_id: HashMap<&str, &Story> = stories.iter().map(|s| (s.id.as_str(), s)).collect();
            for back in &imported.stories {
                let story = by_id[back.id.as_str()];
                assert_eq!(back.title, story.title);
                assert_eq!(back.date, story.date);
                assert_eq!(back.contexts.first(), story.contexts.first());
                assert_eq!(back.language, story.language);
                if story.contexts.len() <= 1 {
                    // a page shows one context tag: with at most one, nothing is lost
                    assert_eq!(back, story);
                }
            }
            assert!(stories.iter().any(|s| !s.versions.is_empty()));
        }
    }

    #[test]
    fn related_lists_bring_back_shared_tags_through_pages() {
        let mut config = english(400, 8);
        config.related = 5;
        config.untagged_share = 0.1;
        let stories = generate(&config);
        assert!(stories.iter().any(|s| s.related.len() == 5));
        let position: HashMap<&str, usize> = stories
            .iter()
            .enumerate()
            .map(|(i, s)| (s.id.as_str(), i))
            .collect();
        for (i, story) in stories.iter().enumerate() {
            for entry in &story.related {
                assert!(
                    position[entry.id.as_str()] < i,
                    "related stories are earlier"
                );
                assert!(!entry.contexts.is_empty());
                assert!(entry.contexts.iter().all(|c| story.contexts.contains(c)));
            }
        }
        let dir = tempfile::tempdir().unwrap();
        write_pages(&stories, dir.path()).unwrap();
        let imported = import_paths(&[dir.path().to_path_buf()], None).unwrap();
        let by_id: HashMap<&str, &Story> = stories.iter().map(|s| (s.id.as_str(), s)).collect();
        for back in &imported.stories {
            let story = by_id[back.id.as_str()];
            assert_eq!(back.related, story.related);
            let shared: HashSet<&String> = story
                .related
                .iter()
                .flat_map(|r| r.contexts.iter())
                .collect();
            assert!(shared.iter().all(|t| back.contexts.contains(t)));
        }
    }

    #[test]
    fn batches_of_whole_days_concatenate_to_the_whole_corpus() {
        let mut config = english(4_000, 21);
        config.related = 5;
        let plan = Plan::new(&config).unwrap();
        let in_batches = |size: usize| {
            let mut batches: Vec<Vec<Story>> = Vec::new();
            plan.stories(&config, size, |batch| {
                batches.push(batch);
                Ok::<(), ()>(())
            })
            .unwrap();
            batches
        };
        let whole = in_batches(usize::MAX / 2);
        assert_eq!(whole.len(), 1);
        let whole = &whole[0];
        assert!(whole.iter().filter(|s| !s.related.is_empty()).count() > 1_000);
        for size in [1, 37, 500] {
            let batches = in_batches(size);
            assert!(batches.len() > 4_000 / size / 4, "batch {size}");
            for pair in batches.windows(2) {
                let last = pair[0].last().unwrap().date;
                assert!(last < pair[1][0].date, "a day split at batch {size}");
                assert!(pair[0].len() >= size, "a batch short of {size}");
            }
            assert_eq!(&batches.concat(), whole, "batches of {size}");
        }
        assert_eq!(&generate(&config), whole);
        // an error from a batch stops the generation
        let mut seen = 0;
        let stopped = plan.stories(&config, 500, |batch| {
            seen += batch.len();
            Err("disk full")
        });
        assert_eq!(stopped, Err("disk full"));
        assert!((500..4_000).contains(&seen));
    }

    #[test]
    fn jsonl_round_trips() {
        let mut config = english(300, 13);
        config.categories = true;
        config.related = 3;
        let stories = generate(&config);
        assert!(stories.iter().all(|s| s.category.is_some()));
        let mut bytes = Vec::new();
        write_jsonl(&mut bytes, &stories).unwrap();
        let (back, problems) = parse_jsonl(
            std::str::from_utf8(&bytes).unwrap(),
            std::path::Path::new("x.jsonl"),
        );
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(back, stories);
    }

    #[test]
    fn tiny_and_empty_corpora_work() {
        assert!(generate(&english(0, 1)).is_empty());
        assert_eq!(generate(&english(1, 1)).len(), 1);
        let mut config = english(50, 1);
        config.years = 1;
        config.story_lines = Some(1);
        let stories = generate(&config);
        assert_eq!(stories.len(), 50);
        assert!(stories.iter().all(|s| s.date.year() == 2001));
    }
}
