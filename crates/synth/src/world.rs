//! The invented world a corpus is written about: countries with their cities and regions,
//! news outlets, and the latent story lines with their names, characteristic words,
//! popularity and life in time.

use rayon::prelude::*;
use storyline_story::{Date, Language};

use crate::SynthConfig;
use crate::lexicon::{self, COUNTRY_GENRE, GENRES};
use crate::rng::{Alias, Rng};

/// RNG stream numbers: every part of the generator draws from its own streams.
pub(crate) mod streams {
    pub const WORLD: u64 = 1;
    pub const LINES: u64 = 2;
    pub const DATES: u64 = 3;
    pub const TEXT: u64 = 4;
    pub const LANGUAGE: u64 = 5;
    pub const EXTRAS: u64 = 6;
}

/// One latent story line: the thread of news a context tag names.
///
/// Every generated story belongs to exactly one story line (see [`crate::Corpus::line_of`]),
/// whether or not it carries the line's tag: untagged stories still use the line's words.
#[derive(Debug, Clone, PartialEq)]
pub struct StoryLine {
    /// The context tag that names the line, as stories spell it most of the time.
    pub tag: String,
    /// The line's news category ("Armed conflicts and attacks", …).
    pub category: String,
    /// The line's characteristic names and words, most characteristic first: the ones its
    /// stories keep mentioning.
    pub words: Vec<String>,
    /// The first day the line can have stories.
    pub first_date: Date,
    /// The last day the line can have stories.
    pub last_date: Date,
    /// The broader line this one is part of (its tag is often given too).
    pub parent: Option<usize>,
    /// Share of the line's stories that carry its tag.
    pub tag_rate: f64,
    /// Relative popularity: the expected share of all stories that belong to the line.
    pub share: f64,
}

/// A country of the invented world.
#[derive(Debug, Clone)]
pub(crate) struct Country {
    pub name: String,
    pub cities: Vec<String>,
    pub regions: Vec<String>,
    /// The country's own story line, if it has one.
    pub line: Option<u32>,
}

/// A news outlet: its name and web domain.
#[derive(Debug, Clone)]
pub(crate) struct Outlet {
    pub name: String,
    pub domain: String,
}

/// A burst of activity of a story line.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Burst {
    pub center: i32,
    pub width: f64,
    pub cumulative: f64,
}

/// Everything the text generator needs about a line.
#[derive(Debug, Clone)]
pub(crate) struct Line {
    pub genre: usize,
    pub country: u32,
    pub country2: u32,
    pub city: String,
    pub region: String,
    pub person: String,
    pub role: &'static str,
    pub org: String,
    pub kw: String,
    pub special: String,
    pub start: i32,
    pub end: i32,
    pub bursts: Vec<Burst>,
    pub background: f64,
    pub tag: String,
    /// The tag in the other Chinese script (same matching key), when it differs.
    pub tag_variant: Option<String>,
    pub tag_rate: f64,
    pub parent: Option<u32>,
    /// Broader lines whose tags this line's stories may carry too, each with the chance that
    /// a story with room for another tag takes it (when the story's day is in that line's life).
    pub extras: Vec<(u32, f64)>,
}

impl Line {
    /// A day for one of the line's stories: uniform over its life for the background share,
    /// otherwise around one of its bursts.
    pub(crate) fn sample_day(&self, rng: &mut Rng) -> i32 {
        if self.end <= self.start {
            return self.start;
        }
        if self.bursts.is_empty() || rng.chance(self.background) {
            return rng.range(i64::from(self.start), i64::from(self.end)) as i32;
        }
        let total = self.bursts.last().map_or(1.0, |b| b.cumulative);
        let target = rng.f64() * total;
        let burst = self
            .bursts
            .iter()
            .find(|b| b.cumulative > target)
            .unwrap_or(&self.bursts[self.bursts.len() - 1]);
        // Laplace around the burst centre: most stories within a few days of it
        let offset = burst.width * rng.exp() * if rng.chance(0.5) { 1.0 } else { -1.0 };
        (burst.center + offset.round() as i32).clamp(self.start, self.end)
    }
}

/// The whole invented world of one configuration.
#[derive(Debug)]
pub(crate) struct World {
    pub language: Language,
    pub countries: Vec<Country>,
    pub outlets: Vec<Outlet>,
    pub outlet_pick: Alias,
    pub rare_words: Vec<String>,
    pub rare_pick: Alias,
    pub common_pick: Alias,
    pub adjective_pick: Alias,
    pub lines: Vec<Line>,
    pub line_pick: Alias,
    pub line_weights: Vec<f64>,
}

/// Zipf–Mandelbrot parameters of story-line popularity.
const LINE_ZIPF_S: f64 = 0.92;
const LINE_ZIPF_Q: f64 = 14.0;

fn capitalize(word: &str) -> String {
    let mut chars = word.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// An invented lowercase word of `syllables` syllables.
pub(crate) fn pseudo_word(rng: &mut Rng, syllables: usize) -> String {
    let mut word = String::new();
    for i in 0..syllables {
        let onset = rng.word(lexicon::ONSETS);
        // no vowel clusters across syllables: give later syllables an onset
        let onset = if onset.is_empty() && i > 0 {
            "l"
        } else {
            onset
        };
        word.push_str(onset);
        word.push_str(rng.word(lexicon::VOWELS));
        if i + 1 == syllables || rng.chance(0.3) {
            word.push_str(rng.word(lexicon::CODAS));
        }
    }
    word
}

fn name_en(rng: &mut Rng, endings: &[&str]) -> String {
    let syllables = 1 + rng.below(2) + usize::from(rng.chance(0.3));
    let mut word = pseudo_word(rng, syllables);
    let ending = rng.word(endings);
    if !ending.is_empty() && word.ends_with(|c: char| "aeiouy".contains(c)) {
        word.pop();
    }
    word.push_str(ending);
    capitalize(&word)
}

fn zh_chars(rng: &mut Rng, pool: &[char], n: usize) -> String {
    (0..n).map(|_| *rng.pick(pool)).collect()
}

/// Names in the world's language.
pub(crate) struct Namer<'a> {
    language: Language,
    phonetic: &'a [char],
    surnames: &'a [char],
    common: &'a [char],
}

impl Namer<'_> {
    fn country(&self, rng: &mut Rng) -> String {
        match self.language {
            Language::En => name_en(rng, lexicon::PLACE_ENDINGS),
            Language::Zh => {
                let n = 2 + usize::from(rng.chance(0.4));
                zh_chars(rng, self.phonetic, n)
            }
        }
    }

    fn city(&self, rng: &mut Rng) -> String {
        match self.language {
            Language::En => name_en(rng, lexicon::CITY_ENDINGS),
            Language::Zh => {
                let n = 2 + usize::from(rng.chance(0.3));
                zh_chars(rng, self.phonetic, n)
            }
        }
    }

    fn region(&self, rng: &mut Rng) -> String {
        match self.language {
            Language::En => {
                let name = name_en(rng, lexicon::PLACE_ENDINGS);
                let kind = rng.word(lexicon::REGION_KINDS);
                if rng.chance(0.5) {
                    format!("{name} {kind}")
                } else {
                    name
                }
            }
            Language::Zh => {
                let base = zh_chars(rng, self.phonetic, 2);
                let kind = rng.pick(&["省", "州", "地区", "", ""]);
                format!("{base}{kind}")
            }
        }
    }

    fn person(&self, rng: &mut Rng) -> String {
        match self.language {
            Language::En => {
                let syllables = 1 + rng.below(2);
                let first = capitalize(&pseudo_word(rng, syllables));
                let last = name_en(rng, &["", "", "ov", "ez", "son", "i", "er", "ani"]);
                format!("{first} {last}")
            }
            Language::Zh => {
                if rng.chance(0.4) {
                    let surname = rng.pick(self.surnames);
                    let len = 1 + rng.below(2);
                    let given = zh_chars(rng, self.common, len);
                    format!("{surname}{given}")
                } else {
                    let len = 2 + rng.below(2);
                    let first = zh_chars(rng, self.phonetic, len);
                    let len = 2 + rng.below(2);
                    let last = zh_chars(rng, self.phonetic, len);
                    format!("{first}·{last}")
                }
            }
        }
    }

    fn word(&self, rng: &mut Rng) -> String {
        match self.language {
            Language::En => {
                let syllables = 2 + usize::from(rng.chance(0.4));
                pseudo_word(rng, syllables)
            }
            Language::Zh => zh_chars(rng, self.common, 2),
        }
    }

    fn org(&self, rng: &mut Rng, genre: &lexicon::Genre) -> String {
        match self.language {
            Language::En => {
                let base = name_en(rng, &["", "", "a", "on", "ex", "ia"]);
                format!("{base} {}", rng.word(genre.org_suffixes))
            }
            Language::Zh => {
                let len = 2 + rng.below(2);
                let base = zh_chars(rng, self.phonetic, len);
                format!("{base}{}", rng.word(genre.org_suffixes_zh))
            }
        }
    }

    fn special(&self, rng: &mut Rng, genre: &lexicon::Genre) -> String {
        match self.language {
            Language::En => {
                let base = name_en(rng, &["", "", "a", "o", "is"]);
                let suffix = rng.word(genre.special_suffixes);
                if suffix.is_empty() {
                    base
                } else {
                    format!("{base} {suffix}")
                }
            }
            Language::Zh => {
                let len = 2 + rng.below(2);
                let base = zh_chars(rng, self.phonetic, len);
                format!("{base}{}", rng.word(genre.special_suffixes_zh))
            }
        }
    }
}

/// Characters of the Chinese pools, deduplicated, in the order written.
fn chars_of(text: &str) -> Vec<char> {
    let mut seen = std::collections::HashSet::new();
    text.chars().filter(|c| seen.insert(*c)).collect()
}

fn fill_tag(template: &str, values: &dyn Fn(&str) -> String) -> String {
    let mut out = String::new();
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let close = rest[open..].find('}').map_or(rest.len(), |c| open + c);
        out.push_str(&values(&rest[open + 1..close]));
        rest = &rest[(close + 1).min(rest.len())..];
    }
    out.push_str(rest);
    out
}

/// The other script's spelling of a Chinese text, if it has convertible characters.
pub(crate) fn to_traditional(text: &str) -> String {
    text.chars()
        .map(|c| {
            lexicon::ZH_VARIANTS
                .iter()
                .find(|(s, _)| *s == c)
                .map_or(c, |(_, t)| *t)
        })
        .collect()
}

impl World {
    /// Builds the world of a configuration: deterministic for its seed and size.
    pub(crate) fn build(config: &SynthConfig) -> World {
        let seed = config.seed;
        let language = config.language;
        let mut rng = Rng::stream(seed, streams::WORLD, 0);
        let first_day = config.first_date.days_since_epoch();
        let last_day = Date::new(
            config.first_date.year() + config.years.max(1) as i32,
            config.first_date.month(),
            1,
        )
        .map_or(first_day + 365 * config.years.max(1) as i32, |d| {
            d.days_since_epoch()
        })
        .max(first_day + 1)
            - 1;

        let phonetic = chars_of(lexicon::ZH_PHONETIC);
        let surnames = chars_of(lexicon::ZH_SURNAMES);
        let zh_common = build_zh_common(&mut Rng::stream(0, streams::LANGUAGE, 0));
        let namer = Namer {
            language,
            phonetic: &phonetic,
            surnames: &surnames,
            common: &zh_common,
        };

        // countries, with cities and regions
        let country_count = 60 + (config.stories as f64).sqrt().min(140.0) as usize;
        let mut countries: Vec<Country> = (0..country_count)
            .map(|_| {
                let name = namer.country(&mut rng);
                let cities = (0..4 + rng.below(6))
                    .map(|_| namer.city(&mut rng))
                    .collect();
                let regions = (0..2 + rng.below(4))
                    .map(|_| namer.region(&mut rng))
                    .collect();
                Country {
                    name,
                    cities,
                    regions,
                    line: None,
                }
            })
            .collect();
        let country_pick = Alias::zipf(country_count, 1.0, 3.0);

        // outlets
        let outlet_count = 150 + (config.stories / 500).min(850);
        let outlets: Vec<Outlet> = (0..outlet_count)
            .map(|i| outlet(&mut rng, &namer, language, i))
            .collect();
        let outlet_pick = Alias::zipf(outlet_count, 1.15, 1.0);

        // the language's rare words (the long tail of the vocabulary), fixed for a language
        let mut lang_rng = Rng::stream(0, streams::LANGUAGE, 1);
        let rare_count = 40_000;
        let rare_words: Vec<String> = (0..rare_count).map(|_| namer.word(&mut lang_rng)).collect();
        let rare_pick = Alias::zipf(rare_count, 1.0, 15.0);
        let common_pick = Alias::zipf(lexicon::COMMON_NOUNS.len(), 0.9, 3.0);
        let adjective_pick = Alias::zipf(lexicon::ADJECTIVES.len(), 0.9, 2.0);

        // story lines: popularity by rank; countries' own lines are spread through the head
        let line_count = config
            .story_lines
            .unwrap_or(match language {
                Language::En => config.stories / 3,
                Language::Zh => config.stories * 3 / 2,
            })
            .max(1)
            .max(country_count.min(config.stories / 40));
        let line_weights: Vec<f64> = (0..line_count)
            .map(|r| (r as f64 + 1.0 + LINE_ZIPF_Q).powf(-LINE_ZIPF_S))
            .collect();
        let total_weight: f64 = line_weights.iter().sum();
        let mut country_of_line = vec![None; line_count];
        let country_lines = match language {
            Language::En => 20,
            Language::Zh => country_count,
        };
        for (c, country) in countries.iter_mut().enumerate().take(country_lines) {
            let rank = 3 + 6 * c;
            if rank < line_count / 3 {
                country_of_line[rank] = Some(c as u32);
                country.line = Some(rank as u32);
            }
        }
        let head = (line_count / 40).max(8).min(line_count);
        let head_weights: Vec<f64> = line_weights[..head].iter().map(|w| w.sqrt()).collect();
        let head_pick = Alias::new(&head_weights);

        // years differ in how much news they have: a smooth random walk of intensities
        let years = config.years.max(1) as usize;
        let mut level: f64 = 0.0;
        let year_weights: Vec<f64> = (0..years)
            .map(|_| {
                level = 0.6 * level + 0.35 * rng.normal();
                level.exp()
            })
            .collect();
        let year_pick = Alias::new(&year_weights);

        let context = LineContext {
            config,
            namer: &namer,
            countries: &countries,
            country_pick: &country_pick,
            year_pick: &year_pick,
            head_pick: &head_pick,
            country_of_line: &country_of_line,
            line_weights: &line_weights,
            total_weight,
            first_day,
            last_day,
        };
        // head lines first (children refer to them), then the rest in parallel
        let head_lines: Vec<Line> = (0..head)
            .into_par_iter()
            .map(|i| context.line(i, None))
            .collect();
        let tail_lines: Vec<Line> = (head..line_count)
            .into_par_iter()
            .map(|i| context.line(i, Some(&head_lines)))
            .collect();
        let mut lines = head_lines;
        lines.extend(tail_lines);
        let extras: Vec<Vec<(u32, f64)>> = (0..line_count)
            .into_par_iter()
            .map(|i| context.extras(i, &lines))
            .collect();
        for (line, extra) in lines.iter_mut().zip(extras) {
            line.extras.extend(extra);
        }
        let line_pick = Alias::new(&line_weights);

        World {
            language,
            countries,
            outlets,
            outlet_pick,
            rare_words,
            rare_pick,
            common_pick,
            adjective_pick,
            lines,
            line_pick,
            line_weights,
        }
    }

    /// The public description of line `i`.
    pub(crate) fn story_line(&self, i: usize) -> StoryLine {
        let line = &self.lines[i];
        let genre = &GENRES[line.genre];
        let country = &self.countries[line.country as usize].name;
        let mut words: Vec<String> = Vec::new();
        let mut push = |w: &str| {
            if !w.is_empty() && !words.iter().any(|x| x == w) {
                words.push(w.to_string());
            }
        };
        let country_line = self.countries[line.country as usize].line == Some(i as u32);
        if country_line {
            push(country);
        }
        for w in [&line.special, &line.org, &line.person, &line.city, &line.kw] {
            if line.tag.contains(w.as_str()) {
                push(w);
            }
        }
        for w in [
            &line.org,
            &line.person,
            &line.special,
            &line.city,
            &line.kw,
            &line.region,
            country,
        ] {
            push(w);
        }
        let total: f64 = self.line_weights.iter().sum();
        StoryLine {
            tag: line.tag.clone(),
            category: match self.language {
                Language::En => genre.category.to_string(),
                Language::Zh => genre.category_zh.to_string(),
            },
            words,
            first_date: Date::from_days_since_epoch(line.start),
            last_date: Date::from_days_since_epoch(line.end),
            parent: line.parent.map(|p| p as usize),
            tag_rate: line.tag_rate,
            share: self.line_weights[i] / total,
        }
    }
}

fn outlet(rng: &mut Rng, namer: &Namer<'_>, language: Language, i: usize) -> Outlet {
    let latin = name_en(rng, &["", "", "a", "on", "ia"]);
    let domain = format!(
        "{}{}.example",
        latin.to_lowercase(),
        if i.is_multiple_of(3) { "news" } else { "" }
    );
    let name = match language {
        Language::En => {
            if rng.chance(0.12) {
                // a wire-service style acronym
                let letters: String = (0..3 + rng.below(2))
                    .map(|_| (b'A' + rng.below(26) as u8) as char)
                    .collect();
                letters
            } else {
                format!("The {latin} {}", rng.word(lexicon::OUTLET_ENDINGS))
            }
        }
        Language::Zh => {
            let place = namer.city(rng);
            format!("{place}{}", rng.word(lexicon::OUTLET_ENDINGS_ZH))
        }
    };
    Outlet { name, domain }
}

/// The Chinese character pool: the hand-written common characters first (most frequent),
/// then Han characters drawn from the CJK block to make up a few thousand.
fn build_zh_common(rng: &mut Rng) -> Vec<char> {
    let mut pool = chars_of(lexicon::ZH_COMMON);
    let mut seen: std::collections::HashSet<char> = pool.iter().copied().collect();
    while pool.len() < 2_500 {
        let c = char::from_u32(0x4E00 + rng.below(0x9FA5 - 0x4E00) as u32).unwrap_or('中');
        if seen.insert(c) {
            pool.push(c);
        }
    }
    pool
}

struct LineContext<'a> {
    config: &'a SynthConfig,
    namer: &'a Namer<'a>,
    countries: &'a [Country],
    country_pick: &'a Alias,
    year_pick: &'a Alias,
    head_pick: &'a Alias,
    country_of_line: &'a [Option<u32>],
    line_weights: &'a [f64],
    total_weight: f64,
    first_day: i32,
    last_day: i32,
}

impl LineContext<'_> {
    /// The broader lines (besides its parent) whose tags line `i`'s stories may carry too:
    /// its countries' lines and a few popular lines alive at the same time.
    fn extras(&self, i: usize, lines: &[Line]) -> Vec<(u32, f64)> {
        let mut rng = Rng::stream(self.config.seed, streams::EXTRAS, i as u64);
        let line = &lines[i];
        let mut extras: Vec<(u32, f64)> = Vec::new();
        let country_chance = match self.config.language {
            Language::En => 0.05,
            Language::Zh => 0.8,
        };
        if let Some(l) = self.countries[line.country as usize].line {
            extras.push((l, country_chance));
        }
        if self.country_of_line[i].is_none() {
            for _ in 0..3 {
                for _ in 0..4 {
                    let c = self.head_pick.sample(&mut rng);
                    let other = &lines[c];
                    let alive = other.start <= line.end && other.end >= line.start;
                    let is_country = self.country_of_line[c].is_some();
                    if c != i
                        && alive
                        && !is_country
                        && line.parent != Some(c as u32)
                        && !extras.iter().any(|e| e.0 as usize == c)
                    {
                        extras.push((c as u32, 0.5));
                        break;
                    }
                }
            }
        }
        if let Some(l) = self.countries[line.country2 as usize].line {
            extras.push((l, country_chance / 2.0));
        }
        extras.retain(|e| e.0 as usize != i);
        extras
    }

    fn line(&self, i: usize, head: Option<&[Line]>) -> Line {
        let config = self.config;
        let mut rng = Rng::stream(config.seed, streams::LINES, i as u64);
        let language = config.language;
        let namer = self.namer;
        let expected = config.stories as f64 * self.line_weights[i] / self.total_weight;
        let own_country = self.country_of_line[i];

        let parent = match (head, own_country) {
            (Some(head), None) if rng.chance(0.18) => {
                let p = self.head_pick.sample(&mut rng);
                (self.country_of_line[p].is_none() && p != i).then_some((p as u32, &head[p]))
            }
            _ => None,
        };

        let genre = match (own_country, parent) {
            (Some(_), _) => COUNTRY_GENRE,
            (None, Some((_, p))) => p.genre,
            _ => {
                let weights: Vec<f64> = GENRES.iter().map(|g| g.weight).collect();
                let target = rng.f64() * weights.iter().sum::<f64>();
                let mut acc = 0.0;
                weights
                    .iter()
                    .position(|w| {
                        acc += w;
                        acc > target
                    })
                    .unwrap_or(0)
            }
        };
        let g = &GENRES[genre];
        let country = own_country.unwrap_or_else(|| self.country_pick.sample(&mut rng) as u32);
        let mut country2 = self.country_pick.sample(&mut rng) as u32;
        if country2 == country {
            country2 = ((country as usize + 1 + rng.below(self.countries.len() - 1))
                % self.countries.len()) as u32;
        }
        let home = &self.countries[country as usize];
        let city = if rng.chance(0.5) {
            rng.pick(&home.cities).clone()
        } else {
            namer.city(&mut rng)
        };
        let region = if rng.chance(0.5) {
            rng.pick(&home.regions).clone()
        } else {
            namer.region(&mut rng)
        };
        let person = namer.person(&mut rng);
        let role = match language {
            Language::En => rng.word(g.roles),
            Language::Zh => rng.word(g.roles_zh),
        };
        let (mut org, mut kw, mut special) = (
            namer.org(&mut rng, g),
            namer.word(&mut rng),
            namer.special(&mut rng, g),
        );
        if let Some((_, p)) = parent {
            special = p.special.clone();
            kw = p.kw.clone();
            if rng.chance(0.5) {
                org = p.org.clone();
            }
        }

        // life in time: bigger lines live longer; children live inside their parent
        let total_days = self.last_day - self.first_day;
        let (start, end) = if own_country.is_some() {
            (self.first_day, self.last_day)
        } else {
            let median = 9.0 * expected.max(0.3).powf(0.95);
            let sigma = 2.4 / (1.0 + (1.0 + expected).ln() / 3.0);
            let life = (rng.lognormal(median, sigma) as i32).clamp(0, total_days);
            let (lo, hi) = match parent {
                Some((_, p)) => (p.start, p.end),
                None => {
                    let year = self.year_pick.sample(&mut rng) as i32;
                    let lo = self.first_day + year * 365;
                    (lo, (lo + 364).min(self.last_day))
                }
            };
            let center = rng.range(i64::from(lo), i64::from(hi.max(lo))) as i32;
            let start = center - (f64::from(life) * rng.f64()) as i32;
            let start = start.clamp(self.first_day, self.last_day - life);
            (start, start + life)
        };
        let burst_count = 1 + rng.poisson(0.8 * (1.0 + expected).ln()).min(14);
        let mut cumulative = 0.0;
        let bursts = (0..burst_count)
            .map(|_| {
                cumulative += rng.exp();
                Burst {
                    center: rng.range(i64::from(start), i64::from(end)) as i32,
                    width: rng.lognormal(2.5, 0.9),
                    cumulative,
                }
            })
            .collect();
        let background = if own_country.is_some() {
            0.7
        } else {
            0.08 + 0.37 * rng.f64()
        };

        let year = Date::from_days_since_epoch(start).year();
        let tag = match (own_country, parent) {
            (Some(c), _) => self.countries[c as usize].name.clone(),
            (None, Some((_, p))) => match language {
                Language::En if rng.chance(0.6) => {
                    format!("{} in {}", p.tag, home.name)
                }
                Language::En => format!("{year} {}", p.tag),
                Language::Zh => format!("{}{}", home.name, p.tag),
            },
            (None, None) => {
                let template = match language {
                    Language::En => rng.word(g.tags),
                    Language::Zh => rng.word(g.tags_zh),
                };
                // long-running lines are not named after the year they started
                let template = match template.strip_prefix("{year} ") {
                    Some(rest) if end - start > 730 => rest,
                    _ => template,
                };
                let country2_name = &self.countries[country2 as usize].name;
                fill_tag(template, &|slot| match slot {
                    "country" => home.name.clone(),
                    "country2" => country2_name.clone(),
                    "city" => city.clone(),
                    "region" => region.clone(),
                    "person" => person.clone(),
                    "org" => org.clone(),
                    "special" => special.clone(),
                    "year" => year.to_string(),
                    _ => kw.clone(),
                })
            }
        };
        // Chinese tags come in both scripts; a line's usual spelling is one of them
        let (tag, tag_variant) = match language {
            Language::Zh => {
                let traditional = to_traditional(&tag);
                if traditional == tag {
                    (tag, None)
                } else if rng.chance(0.35) {
                    (traditional, Some(tag))
                } else {
                    (tag, Some(traditional))
                }
            }
            Language::En => (tag, None),
        };
        let tagged = (1.0 - config.untagged_share).clamp(0.0, 1.0);
        let spread = 0.45 * tagged.min(1.0 - tagged);
        let tag_rate = (tagged + spread * rng.normal()).clamp(0.0, 1.0);
        let mut extras: Vec<(u32, f64)> = Vec::new();
        if let Some((p, _)) = parent {
            extras.push((p, 0.85));
        }
        Line {
            genre,
            country,
            country2,
            city,
            region,
            person,
            role,
            org,
            kw,
            special,
            start,
            end,
            bursts,
            background,
            tag,
            tag_variant,
            tag_rate,
            parent: parent.map(|(p, _)| p),
            extras,
        }
    }
}
