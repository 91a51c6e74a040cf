//! Search: the query language turned into tantivy queries, all-words-first ranking with a
//! relaxed fallback, prefix matching of the last word, typo tolerance, tag and date filters,
//! snippets with match offsets, and exact facet counts.

use std::collections::HashMap;
use std::ops::Bound;
use std::sync::Arc;
use std::time::Instant;

use serde::Serialize;
use storyline_story::{Date, Language};
use tantivy::collector::{Collector, Count, SegmentCollector};
use tantivy::query::{
    AllQuery, BooleanQuery, BoostQuery, ConstScoreQuery, EnableScoring, FuzzyTermQuery, Occur,
    PhraseQuery, Query, RangeQuery, TermQuery,
};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::snippet::SnippetGenerator;
use tantivy::tokenizer::TextAnalyzer;
use tantivy::{DocAddress, DocSet, Searcher, SegmentReader, Term};

use crate::analyzer;
use crate::error::Result;
use crate::query::{Clause, ParsedQuery, parse};
use crate::schema::{TextFields, date_time};
use crate::store::{NO_ORDINAL, StoryIndex};
use crate::tables::{Tables, TagEntry};
use crate::top::{By, TopStories};

/// How results are ordered.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Sort {
    /// Best match first (newest first for a query without words).
    #[default]
    Relevance,
    /// Newest first.
    Newest,
    /// Oldest first.
    Oldest,
}

impl std::str::FromStr for Sort {
    type Err = String;

    fn from_str(text: &str) -> std::result::Result<Sort, String> {
        match text {
            "relevance" => Ok(Sort::Relevance),
            "newest" => Ok(Sort::Newest),
            "oldest" => Ok(Sort::Oldest),
            other => Err(format!(
                "unknown sort {other:?} (expected relevance, newest or oldest)"
            )),
        }
    }
}

/// A search.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchRequest {
    /// The query text (see [`crate::query`]).
    pub query: String,
    /// Required tags, besides any `tag:` in the query.
    pub tags: Vec<String>,
    /// Earliest day.
    pub from: Option<Date>,
    /// Latest day.
    pub to: Option<Date>,
    /// Only stories in this language.
    pub language: Option<Language>,
    /// Result order.
    pub sort: Sort,
    /// Page size (at least 1).
    pub limit: usize,
    /// Results to skip.
    pub offset: usize,
    /// Whether to count tags and months over all matches.
    pub facets: bool,
}

impl Default for SearchRequest {
    fn default() -> Self {
        SearchRequest {
            query: String::new(),
            tags: Vec::new(),
            from: None,
            to: None,
            language: None,
            sort: Sort::Relevance,
            limit: 10,
            offset: 0,
            facets: false,
        }
    }
}

/// Text with highlighted ranges.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Highlighted {
    /// The text (plain, not escaped).
    pub text: String,
    /// Highlighted ranges as `[start, end)` character offsets into `text`.
    pub highlights: Vec<[usize; 2]>,
}

impl Highlighted {
    /// Marks the beginning `prefix` (lower-case ASCII letters and digits) of each word that
    /// begins so and has no mark yet, as search as you type shows what the typed letters
    /// matched: `fi` marks the "Fi" of "Fire".
    pub fn mark_beginnings(&mut self, prefix: &str) {
        let want: Vec<char> = prefix.chars().collect();
        if want.is_empty() || !prefix.chars().all(|c| c.is_ascii_alphanumeric()) {
            return;
        }
        let chars: Vec<char> = self.text.chars().collect();
        let mut added = Vec::new();
        for word in words_after(&chars, 0) {
            let begins = word.len() >= want.len()
                && chars[word.start..word.start + want.len()]
                    .iter()
                    .zip(&want)
                    .all(|(c, w)| c.to_ascii_lowercase() == *w);
            let marked = self
                .highlights
                .iter()
                .any(|&[s, e]| s < word.end && word.start < e);
            if begins && !marked {
                added.push([word.start, word.start + want.len()]);
            }
        }
        if !added.is_empty() {
            self.highlights.extend(added);
            self.highlights.sort_unstable();
        }
    }

    /// The text as HTML with `<mark>` around matches and everything else escaped.
    pub fn to_html(&self) -> String {
        let chars: Vec<char> = self.text.chars().collect();
        let mut out = String::new();
        let mut at = 0;
        let escape = |s: &[char], out: &mut String| {
            for c in s {
                match c {
                    '<' => out.push_str("&lt;"),
                    '>' => out.push_str("&gt;"),
                    '&' => out.push_str("&amp;"),
                    '"' => out.push_str("&quot;"),
                    '\'' => out.push_str("&#39;"),
                    c => out.push(*c),
                }
            }
        };
        for [start, end] in &self.highlights {
            escape(&chars[at..*start], &mut out);
            out.push_str("<mark>");
            escape(&chars[*start..*end], &mut out);
            out.push_str("</mark>");
            at = *end;
        }
        escape(&chars[at..], &mut out);
        out
    }
}

/// One search result.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Hit {
    /// The story id.
    pub id: String,
    /// Its day.
    pub date: Date,
    /// Its headline, with the matched words highlighted.
    pub title: Highlighted,
    /// Its context tags (display spelling).
    pub tags: Vec<String>,
    /// Those of `tags` whose names hold a word of the query: why a story whose text does not
    /// say them was found.
    pub matched_tags: Vec<String>,
    /// Its language.
    pub language: Language,
    /// A fragment of the summary (or the headline) around the matches.
    pub snippet: Highlighted,
    /// The relevance score (0 when sorted by date).
    pub score: f32,
}

/// A tag and how many matching stories carry it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TagCount {
    /// The display spelling.
    pub tag: String,
    /// The matching key.
    pub key: String,
    /// Matching stories with the tag.
    pub count: u64,
}

/// A month and how many matching stories fall in it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MonthCount {
    /// `YYYY-MM`.
    pub month: String,
    /// Matching stories in the month.
    pub count: u64,
}

/// Facet counts over every matching story.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Facets {
    /// The most frequent tags, most frequent first (ties by key).
    pub tags: Vec<TagCount>,
    /// Matching stories per month, in calendar order.
    pub months: Vec<MonthCount>,
}

/// A page of results.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SearchResults {
    /// Matching stories (see `relaxed`).
    pub total: usize,
    /// Whether stories matching only some of the words were appended (all-words matches first).
    pub relaxed: bool,
    /// The page.
    pub hits: Vec<Hit>,
    /// Facet counts, when asked for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub facets: Option<Facets>,
    /// What in the request was read otherwise than typed, or found nothing, and how: a date
    /// that is not one, a tag no story carries, a query with nothing to search for.
    pub notices: Vec<String>,
    /// The query with each tag it names that no story carries replaced by the tag most likely
    /// meant (see `notices`), when there is one: what a "did you mean" link runs.
    pub did_you_mean: Option<String>,
    /// Time spent, in milliseconds.
    pub took_ms: f64,
}

/// The tag a person who typed `key` (a tag key no story carries) most likely meant: the most
/// used tag whose key starts with it, or has a word that does (`civil war` → `Syrian Civil
/// War`; in Chinese, any part of it); else the nearest by edit distance, up to one edit per
/// four letters (at least one) or per three Chinese characters, the most used first among
/// equals.
fn closest_tag<'a>(tags: &'a [TagEntry], key: &str) -> Option<&'a TagEntry> {
    let typed: Vec<char> = key.chars().collect();
    if typed.is_empty() {
        return None;
    }
    let used = |t: &&TagEntry| t.stories > 0;
    // Chinese is written without spaces: any part of a name may be the part typed
    let han = typed.iter().any(|&c| storyline_story::tag::is_han(c));
    let by_use = |a: &&TagEntry, b: &&TagEntry| a.stories.cmp(&b.stories).then(b.key.cmp(&a.key));
    let continued = tags
        .iter()
        .filter(used)
        .filter(|t| t.continues(key) || (han && t.key.contains(key)))
        .max_by(by_use);
    if continued.is_some() {
        return continued;
    }
    // a Chinese character says more than a letter: one edit in three at most, none in two
    let most = if han {
        typed.len() / 3
    } else {
        (typed.len() / 4).max(1)
    };
    if most == 0 {
        return None;
    }
    let mut best: Option<(usize, &TagEntry)> = None;
    let mut row = Vec::new();
    for tag in tags.iter().filter(used) {
        let chars: Vec<char> = tag.key.chars().collect();
        if chars.len().abs_diff(typed.len()) > most {
            continue;
        }
        let Some(d) = edit_distance(&typed, &chars, most, &mut row) else {
            continue;
        };
        let better = match best {
            None => true,
            Some((bd, bt)) => d < bd || (d == bd && by_use(&tag, &bt).is_gt()),
        };
        if better {
            best = Some((d, tag));
        }
    }
    best.map(|(_, tag)| tag)
}

/// The parts of a joined word as typed (`northkorea` → `north`, `korea`) that analyse to
/// `words`; none when `words` is one word.
fn typed_cut(english: &mut TextAnalyzer, typed: &str, words: &[String]) -> Vec<String> {
    let [left, right] = words else {
        return Vec::new();
    };
    (1..typed.len())
        .filter(|&at| typed.is_char_boundary(at))
        .map(|at| typed.split_at(at))
        .find(|(a, b)| {
            analyzer::tokens(english, a) == [left.as_str()]
                && analyzer::tokens(english, b) == [right.as_str()]
        })
        .map(|(a, b)| vec![a.to_string(), b.to_string()])
        .unwrap_or_default()
}

/// Whether any story matches `query` (the first match found ends the search).
fn matches_any(searcher: &Searcher, query: &dyn Query) -> Result<bool> {
    let weight = query.weight(EnableScoring::disabled_from_searcher(searcher))?;
    for reader in searcher.segment_readers() {
        if weight.scorer(reader, 1.0)?.doc() != tantivy::TERMINATED {
            return Ok(true);
        }
    }
    Ok(false)
}

/// [`shown_word`] of each of `words`, separated by spaces (`None` unless each is shown); a
/// form written as in `typed` (the parts of a joined word as typed, if any) is preferred.
fn shown_words(
    mut analyzers: Vec<&mut TextAnalyzer>,
    hits: &[Hit],
    words: &[String],
    typed: &[String],
) -> Option<String> {
    let shown = words
        .iter()
        .enumerate()
        .map(|(k, word)| {
            let analyzers = analyzers.iter_mut().map(|a| &mut **a).collect();
            shown_word(analyzers, hits, word, typed.get(k).map(String::as_str))
        })
        .collect::<Option<Vec<String>>>()?;
    Some(shown.join(" "))
}

/// How a corrected word (`meant`, as analysed) is written in the results: the most frequent
/// of the highlighted words of `hits` that analyse to it, compared without case (ties: the
/// first met), as first met (`syrian` → `Syrian`, `refuge` → `refugees`); the form `prefer`
/// (compared without case) when the results write it.
fn shown_word(
    mut analyzers: Vec<&mut TextAnalyzer>,
    hits: &[Hit],
    meant: &str,
    prefer: Option<&str>,
) -> Option<String> {
    // (lower-cased form, as first met, count, first met at)
    let mut forms: Vec<(String, String, usize, usize)> = Vec::new();
    for hit in hits {
        for highlighted in [&hit.title, &hit.snippet] {
            for &[start, end] in &highlighted.highlights {
                let word: String = highlighted
                    .text
                    .chars()
                    .skip(start)
                    .take(end.saturating_sub(start))
                    .collect();
                let lower = word.to_lowercase();
                if let Some(form) = forms.iter_mut().find(|f| f.0 == lower) {
                    form.2 += 1;
                    continue;
                }
                let analyses_to_it = analyzers
                    .iter_mut()
                    .any(|analyzer| analyzer::tokens(analyzer, &word) == [meant]);
                if analyses_to_it {
                    let at = forms.len();
                    forms.push((lower, word, 1, at));
                }
            }
        }
    }
    if let Some(form) = prefer.and_then(|p| forms.iter().find(|f| f.0 == p.to_lowercase())) {
        return Some(form.1.clone());
    }
    forms
        .into_iter()
        .max_by(|a, b| a.2.cmp(&b.2).then(b.3.cmp(&a.3)))
        .map(|form| form.1)
}

/// The words one edit from `word` (lower-case ASCII): a letter deleted, inserted or replaced,
/// or two neighbours swapped.
fn one_edit_away(word: &str) -> Vec<String> {
    let chars: Vec<u8> = word.bytes().collect();
    let mut out = Vec::with_capacity(chars.len() * 54 + 26);
    let spell = |bytes: Vec<u8>| String::from_utf8(bytes).expect("ASCII");
    for i in 0..=chars.len() {
        if i < chars.len() {
            let mut w = chars.clone();
            w.remove(i);
            out.push(spell(w));
            for c in b'a'..=b'z' {
                if c != chars[i] {
                    let mut w = chars.clone();
                    w[i] = c;
                    out.push(spell(w));
                }
            }
        }
        if i + 1 < chars.len() && chars[i] != chars[i + 1] {
            let mut w = chars.clone();
            w.swap(i, i + 1);
            out.push(spell(w));
        }
        for c in b'a'..=b'z' {
            let mut w = chars.clone();
            w.insert(i, c);
            out.push(spell(w));
        }
    }
    out
}

/// How many times `term` is indexed in a language's text fields (stories counted once per
/// field: headline, summary, tag names).
fn in_fields(searcher: &Searcher, fields: TextFields, term: &str) -> u64 {
    fields
        .all()
        .iter()
        .map(|&field| {
            searcher
                .doc_freq(&Term::from_field_text(field, term))
                .unwrap_or(0)
        })
        .sum()
}

/// Whether a (prefix) fuzzy query matches any term of `field`.
fn has_terms(searcher: &Searcher, field: Field, query: &FuzzyTermQuery) -> bool {
    let Ok(automaton) = query.automaton() else {
        return false;
    };
    searcher.segment_readers().iter().any(|segment| {
        segment.inverted_index(field).is_ok_and(|inverted| {
            inverted
                .terms()
                .search(&automaton)
                .into_stream()
                .is_ok_and(|mut stream| stream.advance())
        })
    })
}

/// The word most likely meant by a word no story has (`stems`: its analysed form with the
/// fields it is searched in): among the indexed words fewest edits away (letters inserted,
/// deleted, replaced, or two neighbours swapped; at most `most`), the one in the most stories'
/// headlines, summaries and tag names, then the first in alphabetical order. `syrain` →
/// `syrian` (2,466 stories of wcep-en), not `strain` (104). Edits to the stem, not the word as
/// typed: what [`StoryIndex::respelled`] does not find (two edits in a long word, a word in
/// Chinese stories).
fn correction(searcher: &Searcher, stems: &[(String, TextFields)], most: u8) -> Option<String> {
    for distance in 1..=most {
        let mut found: HashMap<String, u64> = HashMap::new();
        for (stem, fields) in stems {
            let query =
                FuzzyTermQuery::new(Term::from_field_text(fields.title, stem), distance, true);
            let Ok(automaton) = query.automaton() else {
                continue;
            };
            for segment in searcher.segment_readers() {
                for field in fields.all() {
                    let Ok(inverted) = segment.inverted_index(field) else {
                        continue;
                    };
                    let Ok(mut stream) = inverted.terms().search(&automaton).into_stream() else {
                        continue;
                    };
                    while stream.advance() {
                        if let Ok(word) = std::str::from_utf8(stream.key()) {
                            *found.entry(word.to_string()).or_default() +=
                                u64::from(stream.value().doc_freq);
                        }
                    }
                }
            }
        }
        let best = found
            .into_iter()
            .max_by(|a, b| a.1.cmp(&b.1).then_with(|| b.0.cmp(&a.0)));
        if let Some((word, _)) = best {
            return Some(word);
        }
    }
    None
}

/// `query` with its `tag:` terms naming `typed` (quoted or not, `tag:` in any case) naming
/// `meant` instead, quoted.
fn replace_tag(query: &str, typed: &str, meant: &str) -> String {
    let mut out = String::with_capacity(query.len() + meant.len());
    let mut rest = query;
    while let Some(at) = rest.char_indices().map(|(i, _)| i).find(|&i| {
        rest[i..]
            .get(..4)
            .is_some_and(|f| f.eq_ignore_ascii_case("tag:"))
    }) {
        let value = &rest[at + 4..];
        let taken = if let Some(quoted) = value.strip_prefix('"') {
            quoted
                .find('"')
                .filter(|&end| quoted[..end] == *typed)
                .map(|end| end + 2)
        } else {
            let end = value.find(char::is_whitespace).unwrap_or(value.len());
            (value[..end] == *typed).then_some(end)
        };
        out.push_str(&rest[..at]);
        match taken {
            Some(len) => {
                out.push_str(&format!("tag:\"{meant}\""));
                rest = &value[len..];
            }
            None => {
                out.push_str(&rest[at..at + 4]);
                rest = value;
            }
        }
    }
    out.push_str(rest);
    out
}

/// The Levenshtein distance of `a` and `b` when it is at most `most` (`None` beyond), one row
/// of the table at a time in `row`.
pub fn edit_distance(a: &[char], b: &[char], most: usize, row: &mut Vec<usize>) -> Option<usize> {
    row.clear();
    row.extend(0..=b.len());
    for (i, &ca) in a.iter().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        let mut lowest = row[0];
        for (j, &cb) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = (diagonal + usize::from(ca != cb))
                .min(above + 1)
                .min(row[j] + 1);
            diagonal = above;
            lowest = lowest.min(row[j + 1]);
        }
        if lowest > most {
            return None;
        }
    }
    let d = row[b.len()];
    (d <= most).then_some(d)
}

/// A last word found in at least this many field postings is taken as typed in full: no prefix
/// expansion (search as you type still expands partial words).
const PREFIX_SKIP_FREQ: u64 = 100;

/// A last word after others of at most this many letters is expanded however frequent it is.
const SHORT_BEGUN: usize = 3;

/// A word in at most this many stories' fields may be searched as the two words it joins too
/// (when at least [`JOINED_RATIO`] times as many stories have those side by side).
const RARE_JOINED: u64 = 5;

/// See [`RARE_JOINED`].
const JOINED_RATIO: u64 = 10;

/// How many cuts of a joined word are tried as phrases ([`StoryIndex::split`]), most likely
/// first.
const SPLITS_TRIED: usize = 3;

/// Of a search's best stories by relevance, how many are read for the query's words side by
/// side in their headline (those come first: [`StoryIndex::top_together`]).
pub const TOGETHER_WINDOW: usize = 50;

/// How many tags a facet lists.
pub const FACET_TAGS: usize = 20;

/// A query's words as a headline has them side by side ([`StoryIndex::together`]).
struct Together {
    /// English: the words, and while the last is being typed, the words before it and the
    /// typed letters, each of two words or more, ready to be sought
    english: Vec<Phrase>,
    /// Chinese: the words analysed, with their positions from the first (empty when fewer
    /// than two; a Chinese word is not taken as begun)
    chinese: Positioned,
}

impl Together {
    /// From, per language of the archive, the words analysed with their positions from the
    /// first, and (English) the words before the one being typed, then the typed letters
    /// (lower-cased), which begin the word at the next position.
    fn new(languages: Vec<(Language, Positioned, Positioned)>) -> Together {
        let mut together = Together {
            english: Vec::new(),
            chinese: Vec::new(),
        };
        for (language, whole, begun) in languages {
            match language {
                Language::En => together.english.extend(
                    [(whole, false), (begun, true)]
                        .into_iter()
                        .filter(|(words, _)| words.len() >= 2)
                        .map(|(words, last_begins)| Phrase::new(words, last_begins)),
                ),
                Language::Zh if whole.len() >= 2 => together.chinese = whole,
                Language::Zh => {}
            }
        }
        together
    }
}

/// English words side by side, as [`english_phrase`] seeks them.
struct Phrase {
    /// the words, analysed, at their positions from the first
    words: Positioned,
    /// whether the last one is being typed (it begins a word's stem)
    last_begins: bool,
    /// what a headline with them has somewhere: each complete word's stem's beginning
    needles: Vec<memchr::memmem::Finder<'static>>,
    /// where the first word can begin, when it is the phrase's first place: its stem's
    /// beginning, or its first letter
    opening: Option<memchr::memmem::Finder<'static>>,
}

impl Phrase {
    fn new(words: Positioned, last_begins: bool) -> Phrase {
        let complete = words.len() - usize::from(last_begins);
        let needles = words[..complete]
            .iter()
            .filter_map(|(_, word)| analyzer::stem_beginning(word))
            .map(|beginning| memchr::memmem::Finder::new(beginning).into_owned())
            .collect();
        let opening = words
            .first()
            .filter(|(at, word)| *at == 0 && word.is_ascii() && !word.is_empty())
            .map(|(_, word)| {
                let opening = analyzer::stem_beginning(word).unwrap_or(&word[..1]);
                memchr::memmem::Finder::new(opening).into_owned()
            });
        Phrase {
            words,
            last_begins,
            needles,
            opening,
        }
    }
}

/// The words (runs of letters and digits) of `chars` from `from` on, as ranges.
fn words_after(chars: &[char], from: usize) -> impl Iterator<Item = std::ops::Range<usize>> + '_ {
    let mut at = from.min(chars.len());
    std::iter::from_fn(move || {
        while at < chars.len() && !chars[at].is_alphanumeric() {
            at += 1;
        }
        let start = at;
        while at < chars.len() && chars[at].is_alphanumeric() {
            at += 1;
        }
        (start < at).then_some(start..at)
    })
}

/// Analysed words with their positions from the first word.
type Positioned = Vec<(usize, String)>;

/// Whether an English headline has `words` (analysed, at their positions from the first) side
/// by side, with only words the analysis drops (stop words) between them, as many as `words`
/// leave room for; with `last_begins`, the last one begins a word's stem. The headline is
/// read as the index reads it (a word is a run of letters and digits, its position its rank),
/// but only where its words can begin the phrase is it analysed, and only the phrase's place:
/// a word begins as its stem does ([`analyzer::stem_beginning`]; its first letter at least).
fn english_phrase(analyzer: &mut TextAnalyzer, headline: &Headline, phrase: &Phrase) -> bool {
    let (words, last_begins) = (&phrase.words, phrase.last_begins);
    let Some(((first_at, first), (last_at, _))) = words.first().zip(words.last()) else {
        return false;
    };
    // most headlines lack a word: they are told by a plain search for how its stem begins
    if headline.ascii
        && phrase
            .needles
            .iter()
            .any(|needle| needle.find(headline.lower.as_bytes()).is_none())
    {
        return false;
    }
    // whether a word can be one analysed as `stem` (a word begins as its stem does)
    let may_be = |word: &str, stem: &str| {
        let head = word.chars().next().unwrap_or(' ');
        !head.is_ascii()
            || (stem.starts_with(head.to_ascii_lowercase())
                && (!word.is_ascii()
                    || analyzer::stem_beginning(stem).is_none_or(|beginning| {
                        word.get(..beginning.len())
                            .is_some_and(|begins| begins.eq_ignore_ascii_case(beginning))
                    })))
    };
    // whether `word`, `offset` places from the phrase's start, is what the phrase has there
    let mut fits = |offset: usize, word: &str| match words.iter().position(|(at, _)| *at == offset)
    {
        // a place between the words: a stop word
        None => WordTokens::with(analyzer, word, |token| token.is_none()),
        Some(k) if last_begins && k + 1 == words.len() => {
            WordTokens::with(analyzer, word, |token| {
                token.is_some_and(|found| found.starts_with(words[k].1.as_str()))
            })
        }
        Some(k) => {
            may_be(word, &words[k].1)
                && WordTokens::with(analyzer, word, |token| token == Some(words[k].1.as_str()))
        }
    };
    let lower = &headline.lower;
    if headline.ascii
        && let Some(opening) = &phrase.opening
    {
        // only where the first word's stem begins a word: the words from there
        let bytes = lower.as_bytes();
        return opening.find_iter(bytes).any(|at| {
            if at > 0 && bytes[at - 1].is_ascii_alphanumeric() {
                return false;
            }
            let mut from = at;
            (0..=*last_at).all(|offset| {
                while from < bytes.len() && !bytes[from].is_ascii_alphanumeric() {
                    from += 1;
                }
                let start = from;
                while from < bytes.len() && bytes[from].is_ascii_alphanumeric() {
                    from += 1;
                }
                start < from && fits(offset, &lower[start..from])
            })
        });
    }
    let spans = headline.spans();
    (0..spans.len()).any(|i| {
        if !may_be(&lower[spans[i].clone()], first) {
            return false;
        }
        let Some(start) = i.checked_sub(*first_at) else {
            return false;
        };
        (start + first_at..=start + last_at).all(|place| {
            spans
                .get(place)
                .is_some_and(|span| fits(place - start, &lower[span.clone()]))
        })
    })
}

/// The tables ordinals of a search's documents ([`StoryIndex::ordinals`]), each segment's
/// taken once.
struct DocOrdinals<'a> {
    index: &'a StoryIndex,
    searcher: &'a Searcher,
    segments: HashMap<u32, std::sync::Arc<[u32]>>,
}

impl<'a> DocOrdinals<'a> {
    fn new(index: &'a StoryIndex, searcher: &'a Searcher) -> DocOrdinals<'a> {
        DocOrdinals {
            index,
            searcher,
            segments: HashMap::new(),
        }
    }

    /// The ordinal of the story at `address`, if the tables hold it.
    fn of(&mut self, address: DocAddress) -> Result<Option<u32>> {
        let ordinals = match self.segments.entry(address.segment_ord) {
            std::collections::hash_map::Entry::Occupied(entry) => entry.into_mut(),
            std::collections::hash_map::Entry::Vacant(entry) => entry.insert(
                self.index
                    .ordinals(self.searcher.segment_reader(address.segment_ord))?,
            ),
        };
        Ok(ordinals
            .get(address.doc_id as usize)
            .copied()
            .filter(|&ord| ord != NO_ORDINAL))
    }
}

/// A headline as [`english_phrase`] reads it: lower-cased when it is ASCII (as is), its words
/// found at the first need.
struct Headline<'t> {
    lower: std::borrow::Cow<'t, str>,
    ascii: bool,
    /// its words, as byte ranges
    spans: std::cell::OnceCell<Vec<std::ops::Range<usize>>>,
}

impl<'t> Headline<'t> {
    fn new(text: &'t str) -> Headline<'t> {
        let ascii = text.is_ascii();
        Headline {
            lower: if ascii {
                std::borrow::Cow::Owned(text.to_ascii_lowercase())
            } else {
                std::borrow::Cow::Borrowed(text)
            },
            ascii,
            spans: std::cell::OnceCell::new(),
        }
    }

    fn spans(&self) -> &[std::ops::Range<usize>] {
        self.spans.get_or_init(|| {
            let mut spans = Vec::with_capacity(32);
            let mut start = None;
            let mut close = |at: usize, alphanumeric: bool| match (alphanumeric, start) {
                (true, None) => start = Some(at),
                (false, Some(from)) => {
                    spans.push(from..at);
                    start = None;
                }
                _ => {}
            };
            if self.ascii {
                for (at, b) in self.lower.bytes().enumerate() {
                    close(at, b.is_ascii_alphanumeric());
                }
            } else {
                for (at, c) in self.lower.char_indices() {
                    close(at, c.is_alphanumeric());
                }
            }
            close(self.lower.len(), false);
            spans
        })
    }
}

/// Words as the English analyzer reads each alone, remembered per thread: the headlines of
/// a search, and of the next ones, repeat their vocabulary ([`english_phrase`]).
struct WordTokens;

/// Words a thread remembers the tokens of; past it the memo starts over.
const MEMO_WORD_TOKENS: usize = 50_000;

thread_local! {
    static WORD_TOKENS: std::cell::RefCell<rustc_hash::FxHashMap<String, Option<String>>> =
        std::cell::RefCell::default();
}

impl WordTokens {
    /// `f` of the token the English analyzer makes of `word` (one word), if any.
    fn with<R>(analyzer: &mut TextAnalyzer, word: &str, f: impl FnOnce(Option<&str>) -> R) -> R {
        WORD_TOKENS.with(|memo| {
            let mut memo = memo.borrow_mut();
            if !memo.contains_key(word) {
                if memo.len() >= MEMO_WORD_TOKENS {
                    memo.clear();
                }
                let token = analyzer::tokens(analyzer, word).into_iter().next();
                memo.insert(word.to_string(), token);
            }
            f(memo.get(word).and_then(Option::as_deref))
        })
    }
}

impl Together {
    /// Whether a headline, in `language`, has the words side by side: analysed as the index
    /// analyses it, the words at their positions, and between them only words the analysis
    /// drops (stop words), as many as the query has there; an English word being typed begins
    /// a word.
    fn in_headline(&self, language: Language, analyzer: &mut TextAnalyzer, text: &str) -> bool {
        if language == Language::En {
            let headline = Headline::new(text);
            return self
                .english
                .iter()
                .any(|phrase| english_phrase(analyzer, &headline, phrase));
        }
        let words = &self.chinese;
        if words.is_empty() {
            return false;
        }
        // the headline's tokens: positions, and where each one's text is in `texts`
        let mut texts = String::with_capacity(text.len());
        let mut tokens: Vec<(usize, std::ops::Range<usize>)> = Vec::new();
        let mut stream = analyzer.token_stream(text);
        while stream.advance() {
            let token = stream.token();
            let from = texts.len();
            texts.push_str(&token.text);
            tokens.push((token.position, from..texts.len()));
        }
        // whether a token at `position` (from the token `from` on, in position order) matches
        let at = |from: usize, position: usize, matches: &dyn Fn(&str) -> bool| {
            tokens[from..]
                .iter()
                .skip_while(|(p, _)| *p < position)
                .take_while(|(p, _)| *p == position)
                .any(|(_, range)| matches(&texts[range.clone()]))
        };
        // the words from the headline's token `i` on (the first word's place)
        (0..tokens.len()).any(|i| {
            let Some(start) = tokens[i].0.checked_sub(words[0].0) else {
                return false;
            };
            let end = start + words[words.len() - 1].0;
            // no other word among them
            let others = tokens[i..]
                .iter()
                .take_while(|(p, _)| *p <= end)
                .any(|(p, _)| !words.iter().any(|(offset, _)| start + offset == *p));
            !others
                && words
                    .iter()
                    .all(|(offset, word)| at(i, start + offset, &|text| text == word))
        })
    }
}

struct Families {
    en: TextAnalyzer,
    zh: TextAnalyzer,
    /// words no story has, with the (analysed) words searched for instead if any (two for a
    /// joined word), in query order
    corrections: Vec<(String, Option<Vec<String>>)>,
    /// the Latin word being typed (lower-cased) when words it begins were searched for too
    typing: Option<String>,
    /// words of a few stories searched as the two words they join too, with those (analysed)
    apart: Vec<(String, Vec<String>)>,
    /// whether the query has plain words before its last one
    words_before: bool,
    /// years, months and days typed as words that stories are dated in, in query order
    dated: Vec<Dated>,
    /// months named beside a year (`december 2017`)
    months: Vec<MonthOfYear>,
}

/// A year, month or day typed as words that stories are dated in, for the notice that says
/// so.
struct Dated {
    /// the words as typed
    typed: String,
    /// "year", "month" or "date"
    kind: &'static str,
    /// the period as the notice names it ("2005", "December 2017", "7 July 2005")
    period: String,
    /// the stories dated in it
    stories: u64,
    /// whether the word was excluded (`-2005`): its stories are left out
    left_out: bool,
}

/// A month named beside a year among a query's words, and the day named with them if any.
#[derive(Debug, Clone, PartialEq, Eq)]
struct MonthOfYear {
    /// the month's word, lower-cased
    word: String,
    year: i32,
    /// 1 to 12
    month: u32,
    /// the day's word, lower-cased, and the day
    day: Option<(String, u32)>,
    /// the words as typed
    typed: String,
}

impl StoryIndex {
    /// Runs a search.
    pub fn search(&self, request: &SearchRequest) -> Result<SearchResults> {
        let started = Instant::now();
        let searcher = self.reader().searcher();
        let mut parsed = parse(&request.query);
        // a run of Chinese is several words (written without spaces): each is its own clause,
        // so all-words-first ranking and the relaxed fallback apply to them as to English words
        parsed.clauses = parsed
            .clauses
            .into_iter()
            .flat_map(|clause| match clause {
                Clause::Word(text) if text.chars().any(storyline_story::tag::is_han) => {
                    chinese_dates(analyzer::query_words(&text))
                        .into_iter()
                        .map(Clause::Word)
                        .collect()
                }
                other => vec![other],
            })
            .collect();
        let typed_tags = parsed.tags.len();
        parsed.tags.extend(request.tags.iter().cloned());
        parsed.from = max_opt(parsed.from, request.from);
        parsed.to = min_opt(parsed.to, request.to);
        let mut families = Families {
            en: analyzer::english(),
            zh: analyzer::chinese(),
            corrections: Vec::new(),
            typing: None,
            apart: Vec::new(),
            words_before: false,
            dated: Vec::new(),
            months: Vec::new(),
        };

        let mut did_you_mean = None::<String>;
        for (i, tag) in parsed.tags.iter().enumerate() {
            let key = self.normalizer().key(tag);
            if searcher.doc_freq(&Term::from_field_text(self.fields().tag, &key))? > 0 {
                continue;
            }
            let Some(near) = closest_tag(&self.tables().tags, &key) else {
                parsed
                    .notices
                    .push(format!("no story carries the tag \"{tag}\""));
                continue;
            };
            let stories = if near.stories == 1 {
                "story"
            } else {
                "stories"
            };
            parsed.notices.push(format!(
                "no story carries the tag \"{tag}\"; did you mean \"{}\" ({} {stories})?",
                near.display, near.stories
            ));
            // a tag typed in the query: the query that names the proposal instead
            if i < typed_tags {
                let query = did_you_mean.as_deref().unwrap_or(&request.query);
                did_you_mean = Some(replace_tag(query, tag, &near.display));
            }
        }
        let filters = self.filters(&parsed, request.language);
        let exclusions: Vec<Box<dyn Query>> = parsed
            .excluded
            .iter()
            .filter_map(|c| self.clause_query(&searcher, &mut families, c, false))
            .collect();
        for date in &mut families.dated {
            date.left_out = true;
        }
        families.months = months_of_years(&parsed.clauses);
        let last = parsed.clauses.len().saturating_sub(1);
        families.words_before = parsed.clauses[..last]
            .iter()
            .any(|c| matches!(c, Clause::Word(_)));
        let positives: Vec<Box<dyn Query>> = parsed
            .clauses
            .iter()
            .enumerate()
            .filter_map(|(i, c)| {
                self.clause_query(
                    &searcher,
                    &mut families,
                    c,
                    parsed.last_is_prefix && i == last,
                )
            })
            .collect();

        let compose =
            |musts: Vec<Box<dyn Query>>, extra_not: Option<Box<dyn Query>>| -> Box<dyn Query> {
                let mut parts: Vec<(Occur, Box<dyn Query>)> = Vec::new();
                parts.extend(musts.into_iter().map(|q| (Occur::Must, q)));
                parts.extend(filters.iter().map(|q| (Occur::Must, q.box_clone())));
                parts.extend(exclusions.iter().map(|q| (Occur::MustNot, q.box_clone())));
                if let Some(q) = extra_not {
                    parts.push((Occur::MustNot, q));
                }
                if parts.iter().all(|(occur, _)| *occur == Occur::MustNot) {
                    parts.push((Occur::Must, Box::new(AllQuery)));
                }
                Box::new(BooleanQuery::new(parts))
            };
        let no_words = positives.is_empty();
        if no_words
            && exclusions.is_empty()
            && filters.is_empty()
            && parsed.notices.is_empty()
            && !request.query.trim().is_empty()
        {
            parsed.notices.push(format!(
                "\"{}\" has no word that can be searched for (only very common words, or no letters): every story is listed, newest first",
                request.query.trim()
            ));
        }
        let sort = match request.sort {
            Sort::Relevance if no_words => Sort::Newest,
            other => other,
        };
        let all_words = compose(positives.iter().map(|q| q.box_clone()).collect(), None);
        let limit = request.limit.max(1);
        let wanted = request.offset + limit;

        // the words side by side in a headline rank first among the best stories
        let together = if sort == Sort::Relevance {
            self.together(&mut families, &parsed)
        } else {
            None
        };
        let (mut page, total_all) = match &together {
            Some(together) => self.top_together(
                &searcher,
                all_words.as_ref(),
                together,
                &mut families,
                request.offset,
                limit,
            )?,
            None => self.top(&searcher, all_words.as_ref(), sort, request.offset, limit)?,
        };
        let mut total = total_all;
        let mut relaxed = false;
        let mut facet_query = all_words.box_clone();
        if positives.len() > 1 && total_all < wanted {
            let any: Vec<(Occur, Box<dyn Query>)> = positives
                .iter()
                .map(|q| (Occur::Should, q.box_clone()))
                .collect();
            let rest = compose(
                vec![Box::new(BooleanQuery::new(any))],
                Some(all_words.box_clone()),
            );
            let skip = request.offset.saturating_sub(total_all);
            let take = wanted - total_all.max(request.offset);
            let (more, total_rest) = self.top(&searcher, rest.as_ref(), sort, skip, take)?;
            if total_rest > 0 {
                relaxed = true;
                total += total_rest;
                page.extend(more);
                let union: Vec<(Occur, Box<dyn Query>)> = vec![
                    (Occur::Should, all_words.box_clone()),
                    (Occur::Should, rest),
                ];
                facet_query = Box::new(BooleanQuery::new(union));
            }
        }

        let mut hits = self.hits(&searcher, all_words.as_ref(), &page)?;
        let corrections = std::mem::take(&mut families.corrections);
        for (i, (typed, meant)) in corrections.iter().enumerate() {
            if corrections[..i].iter().any(|(t, _)| t == typed) {
                continue;
            }
            let Some(words) = meant else {
                parsed
                    .notices
                    .push(format!("no story has the word \"{typed}\""));
                continue;
            };
            // as the results write it; when none of this page's does, as the stories where the
            // word counts most do
            // (a joined word is two words meant: each is shown so)
            let typed_parts = typed_cut(&mut families.en, typed, words);
            let mut shown = shown_words(self.analyzers(&mut families), &hits, words, &typed_parts);
            if shown.is_none() {
                let fields = self.fields();
                let mut options = Vec::new();
                for language in [Language::En, Language::Zh] {
                    if self.tables().has_language(language) {
                        options.extend(text_queries(words, fields.text_fields(language)));
                    }
                }
                let query = BooleanQuery::new(options);
                let (best, _) = self.top(&searcher, &query, Sort::Relevance, 0, 10)?;
                let found = self.hits(&searcher, &query, &best)?;
                shown = shown_words(self.analyzers(&mut families), &found, words, &typed_parts);
            }
            let shown = shown.unwrap_or_else(|| words.join(" "));
            parsed.notices.push(format!(
                "no story has the word \"{typed}\": searched for \"{shown}\" instead"
            ));
        }
        let apart = std::mem::take(&mut families.apart);
        for (i, (typed, words)) in apart.iter().enumerate() {
            if apart[..i].iter().any(|(t, _)| t == typed) {
                continue;
            }
            let typed_parts = typed_cut(&mut families.en, typed, words);
            let shown = shown_words(self.analyzers(&mut families), &hits, words, &typed_parts)
                .unwrap_or_else(|| typed_parts.join(" "));
            parsed.notices.push(format!(
                "few stories have the word \"{typed}\": searched for \"{shown}\" too"
            ));
        }
        let dated = std::mem::take(&mut families.dated);
        for (i, date) in dated.iter().enumerate() {
            if dated[..i].iter().any(|d| d.typed == date.typed) {
                continue;
            }
            let stories = match (date.stories, date.left_out) {
                (1, false) => format!("the story dated {} matches it", date.period),
                (1, true) => format!("the story dated {} is left out", date.period),
                (n, left_out) => format!(
                    "the {} stories dated {} {}",
                    thousands(n),
                    date.period,
                    if left_out { "are left out" } else { "match it" }
                ),
            };
            parsed.notices.push(format!(
                "\"{}\" is read as a {} too: {stories}",
                date.typed, date.kind
            ));
        }
        // the beginnings of the words that continue the word being typed are marked too
        if let Some(typing) = &families.typing {
            for hit in &mut hits {
                hit.title.mark_beginnings(typing);
                hit.snippet.mark_beginnings(typing);
            }
        }
        let facets = if request.facets {
            Some(self.facets(&searcher, facet_query.as_ref())?)
        } else {
            None
        };
        Ok(SearchResults {
            total,
            relaxed,
            hits,
            facets,
            notices: parsed.notices,
            did_you_mean,
            took_ms: started.elapsed().as_secs_f64() * 1000.0,
        })
    }

    /// [`StoryIndex::top`] by relevance, where of the best [`TOGETHER_WINDOW`] stories those
    /// whose headline has the query's words side by side come first (each group in score
    /// order), the rest after: the page `offset..offset + limit` of that order, and the total.
    /// Headlines are read from the tables; reading stops once the page is made of stories
    /// with the words side by side.
    fn top_together(
        &self,
        searcher: &Searcher,
        query: &dyn Query,
        together: &Together,
        families: &mut Families,
        offset: usize,
        limit: usize,
    ) -> Result<(Vec<(f32, DocAddress)>, usize)> {
        let wanted = offset + limit;
        let (ranked, total) = self.top(
            searcher,
            query,
            Sort::Relevance,
            0,
            wanted.max(TOGETHER_WINDOW),
        )?;
        let window = ranked.len().min(TOGETHER_WINDOW);
        let tables = self.tables();
        let mut ordinals = DocOrdinals::new(self, searcher);
        let (mut first, mut rest) = (Vec::new(), Vec::new());
        for (i, &(score, address)) in ranked[..window].iter().enumerate() {
            if first.len() >= wanted {
                rest.extend_from_slice(&ranked[i..window]);
                break;
            }
            let side_by_side = ordinals.of(address)?.is_some_and(|ord| {
                let language = tables.languages[ord as usize];
                let analyzer = match language {
                    Language::En => &mut families.en,
                    Language::Zh => &mut families.zh,
                };
                let headline = tables.titles.get(ord as usize).unwrap_or_default();
                together.in_headline(language, analyzer, headline)
            });
            if side_by_side {
                first.push((score, address));
            } else {
                rest.push((score, address));
            }
        }
        let page = first
            .into_iter()
            .chain(rest)
            .chain(ranked[window..].iter().copied())
            .skip(offset)
            .take(limit)
            .collect();
        Ok((page, total))
    }

    fn top(
        &self,
        searcher: &Searcher,
        query: &dyn Query,
        sort: Sort,
        offset: usize,
        limit: usize,
    ) -> Result<(Vec<(f32, DocAddress)>, usize)> {
        if limit == 0 {
            return Ok((Vec::new(), searcher.search(query, &Count)?));
        }
        let by = match sort {
            Sort::Relevance => By::Relevance,
            Sort::Newest => By::Newest,
            Sort::Oldest => By::Oldest,
        };
        let top = TopStories {
            index: self,
            by,
            wanted: offset + limit,
        };
        let (mut docs, count) = searcher.search(query, &(top, Count))?;
        docs.drain(..offset.min(docs.len()));
        Ok((docs, count))
    }

    fn filters(&self, parsed: &ParsedQuery, language: Option<Language>) -> Vec<Box<dyn Query>> {
        let fields = self.fields();
        let mut filters: Vec<Box<dyn Query>> = Vec::new();
        for tag in &parsed.tags {
            let term = Term::from_field_text(fields.tag, &self.normalizer().key(tag));
            filters.push(Box::new(ConstScoreQuery::new(
                Box::new(TermQuery::new(term, IndexRecordOption::Basic)),
                0.0,
            )));
        }
        if parsed.from.is_some() || parsed.to.is_some() {
            let bound = |d: Option<Date>| match d {
                Some(d) => Bound::Included(Term::from_field_date(fields.date, date_time(d))),
                None => Bound::Unbounded,
            };
            let range = RangeQuery::new(bound(parsed.from), bound(parsed.to));
            filters.push(Box::new(ConstScoreQuery::new(Box::new(range), 0.0)));
        }
        if let Some(language) = language {
            let term = Term::from_field_text(fields.language, language.code());
            filters.push(Box::new(ConstScoreQuery::new(
                Box::new(TermQuery::new(term, IndexRecordOption::Basic)),
                0.0,
            )));
        }
        filters
    }

    /// The query of one clause across both language families, or `None` when it has no terms.
    fn clause_query(
        &self,
        searcher: &Searcher,
        families: &mut Families,
        clause: &Clause,
        prefix: bool,
    ) -> Option<Box<dyn Query>> {
        let mut options: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        match clause {
            Clause::AnyOf(clauses) => {
                for c in clauses {
                    if let Some(q) = self.clause_query(searcher, families, c, false) {
                        options.push((Occur::Should, q));
                    }
                }
            }
            Clause::Phrase(text) => {
                // a word no story has is read as the word most likely meant, as a word alone is
                let mut meant_for: Vec<(String, Vec<String>)> = Vec::new();
                for word in text.split_whitespace() {
                    let word = word.trim_matches(|c: char| !c.is_alphanumeric());
                    let lower = word.to_lowercase();
                    if lower.chars().any(storyline_story::tag::is_han) {
                        // a Chinese word no story has is said, not guessed at (as alone)
                        for part in analyzer::query_words(word) {
                            let analysed = self.analysed(families, &part);
                            let stories: u64 = analysed
                                .iter()
                                .flat_map(|(tokens, fields)| {
                                    tokens.iter().map(|t| in_fields(searcher, *fields, t))
                                })
                                .sum();
                            if !analysed.is_empty() && stories == 0 {
                                families.corrections.push((part, None));
                            }
                        }
                        continue;
                    }
                    if !lower.chars().all(|c| c.is_ascii_alphanumeric()) {
                        continue;
                    }
                    let stems: Vec<(String, TextFields)> = self
                        .analysed(families, word)
                        .into_iter()
                        .filter_map(|(tokens, fields)| match &tokens[..] {
                            [stem] => Some((stem.clone(), fields)),
                            _ => None,
                        })
                        .collect();
                    let known = stems
                        .iter()
                        .any(|(stem, fields)| in_fields(searcher, *fields, stem) > 0);
                    if stems.is_empty() || known {
                        continue;
                    }
                    let meant = self.meant(searcher, families, &lower, &stems);
                    if let Some(meant) = &meant {
                        meant_for
                            .extend(stems.iter().map(|(stem, _)| (stem.clone(), meant.clone())));
                    }
                    families.corrections.push((word.to_string(), meant));
                }
                for (words, fields) in self.analysed(families, text) {
                    let words: Vec<String> = words
                        .into_iter()
                        .flat_map(
                            |word| match meant_for.iter().find(|(stem, _)| *stem == word) {
                                Some((_, meant)) => meant.clone(),
                                None => vec![word],
                            },
                        )
                        .collect();
                    options.extend(text_queries(&words, fields));
                }
            }
            Clause::Word(text) => {
                // a run of Chinese is several words: each must match (a month beside a year,
                // `12月`, is its words or its date)
                let words = analyzer::query_words(text);
                if words.len() > 1 {
                    let all: Vec<(Occur, Box<dyn Query>)> = words
                        .iter()
                        .filter_map(|w| {
                            self.clause_query(searcher, families, &Clause::Word(w.clone()), false)
                        })
                        .map(|q| (Occur::Must, q))
                        .collect();
                    let mut either: Vec<(Occur, Box<dyn Query>)> = Vec::new();
                    if !all.is_empty() {
                        either.push((Occur::Should, Box::new(BooleanQuery::new(all))));
                    }
                    match self.date_clause(families, &text.to_lowercase()) {
                        Some((month, _)) => either.push((Occur::Should, month)),
                        None => return either.pop().map(|(_, q)| q),
                    }
                    return Some(Box::new(BooleanQuery::new(either)));
                }
                let mut exact_freq = 0u64;
                let mut stems = Vec::new();
                for (tokens, fields) in self.analysed(families, text) {
                    exact_freq += tokens
                        .iter()
                        .map(|t| in_fields(searcher, fields, t))
                        .sum::<u64>();
                    if tokens.len() == 1 {
                        stems.push((tokens[0].clone(), fields));
                    }
                    options.extend(text_queries(&tokens, fields));
                }
                let lower = text.to_lowercase();
                let han = lower.chars().any(storyline_story::tag::is_han);
                let latin = !han && lower.chars().all(char::is_alphanumeric);
                // a last word that is already a frequent complete word gains nothing from expansion:
                // its prefix matches score a constant far below the exact ones; but after other
                // words, a short one is more likely begun (`supreme co`, `european un`): the
                // words it begins can stand beside them in a headline, and those come first
                let complete = exact_freq >= PREFIX_SKIP_FREQ
                    && !(families.words_before && lower.chars().count() <= SHORT_BEGUN);
                let mut continued = false;
                if prefix && !complete && ((latin && lower.chars().count() >= 2) || han) {
                    let fields = self.fields();
                    let targets: Vec<Field> = if han {
                        fields.text_fields(Language::Zh).all().to_vec()
                    } else {
                        self.present_text_fields()
                    };
                    let folded = analyzer::fold(&lower);
                    if latin {
                        families.typing = Some(lower.clone());
                    }
                    for field in targets {
                        let term = Term::from_field_text(field, &folded);
                        let q = FuzzyTermQuery::new_prefix(term, 0, true);
                        continued = continued || has_terms(searcher, field, &q);
                        options.push((Occur::Should, Box::new(BoostQuery::new(Box::new(q), 0.5))));
                    }
                }
                // a year is a date too: the stories of that year match it, whether or not their
                // text names it (`hurricane 2005` finds Katrina)
                // (a month beside a year is a date too: `fire december 2017` finds the Thomas
                // Fire stories of that month, which do not write "December")
                let mut dated = 0;
                if let Some(year) = named_year(text)
                    && let Some((query, stories)) = self.dated_query(year, None, None)
                {
                    options.push((Occur::Should, query));
                    // a year named with its month is said once, with the month
                    if !families.months.iter().any(|m| m.year == year) {
                        families.dated.push(Dated {
                            typed: text.clone(),
                            kind: "year",
                            period: year.to_string(),
                            stories,
                            left_out: false,
                        });
                    }
                    dated = stories;
                } else if let Some((query, stories)) = self.date_clause(families, &lower) {
                    options.push((Occur::Should, query));
                    dated = stories;
                }
                // a word no story has (and, being typed, that no word continues) is read as the
                // word most likely meant, scored as if typed so
                if (latin || han)
                    && exact_freq == 0
                    && dated == 0
                    && !continued
                    && !stems.is_empty()
                {
                    // (a Chinese word is said to be missing, not guessed at: a character
                    // replaced is another word)
                    let meant = if han {
                        None
                    } else {
                        self.meant(searcher, families, &lower, &stems)
                    };
                    if let Some(meant) = &meant {
                        for (_, fields) in &stems {
                            options.extend(text_queries(meant, *fields));
                        }
                    }
                    families.corrections.push((text.clone(), meant));
                }
                // a word of a few stories that joins two words which many more stories have
                // side by side (hongkong, newyork) is searched as those two words too
                if latin
                    && (1..=RARE_JOINED).contains(&exact_freq)
                    && let Some(apart) = self.split(searcher, &mut families.en, &lower)
                {
                    let fields = self.fields().text_fields(Language::En);
                    let phrase = BooleanQuery::new(text_queries(&apart, fields));
                    let stories = searcher.search(&phrase, &Count).unwrap_or(0) as u64;
                    if stories >= JOINED_RATIO * exact_freq {
                        options.extend(text_queries(&apart, fields));
                        families.apart.push((text.clone(), apart));
                    }
                }
            }
        }
        (!options.is_empty()).then(|| Box::new(BooleanQuery::new(options)) as Box<dyn Query>)
    }

    /// The date clause of a month or day word named beside a year ([`months_of_years`];
    /// `word` lower-cased), with its stories' count, and the notice that says so (for the day
    /// when one is named, else for the month); `None` for another word, or a period no story
    /// is dated in.
    fn date_clause(&self, families: &mut Families, word: &str) -> Option<(Box<dyn Query>, u64)> {
        let (date, day) = families.months.iter().find_map(|m| {
            let day = m.day.as_ref().map(|(_, day)| *day);
            if m.word == word {
                Some((m.clone(), None))
            } else if m.day.as_ref().is_some_and(|(w, _)| w == word) {
                Some((m.clone(), day))
            } else {
                None
            }
        })?;
        let (query, stories) = self.dated_query(date.year, Some(date.month), day)?;
        let chinese = date.word.ends_with('月');
        let name = MONTHS[date.month as usize - 1].0;
        let (kind, period) = match day {
            Some(day) if chinese => ("date", format!("{}年{}{day}日", date.year, date.word)),
            Some(day) => ("date", format!("{day} {name} {}", date.year)),
            None if chinese => ("month", format!("{}年{}", date.year, date.word)),
            None => ("month", format!("{name} {}", date.year)),
        };
        // a month named with its day is said once, with the day (when some story has it)
        let said_with_day = day.is_none()
            && date.day.as_ref().is_some_and(|&(_, d)| {
                days_of(date.year, Some(date.month), Some(d))
                    .is_some_and(|(first, last)| self.dated_between(first, last) > 0)
            });
        if !said_with_day {
            families.dated.push(Dated {
                typed: date.typed.clone(),
                kind,
                period,
                stories,
                left_out: false,
            });
        }
        Some((query, stories))
    }

    /// The stories dated in `year` (in its `month`, on its `day`, when given), as a clause that
    /// scores each of them what a word of that many stories scores once in a field of average
    /// length (its BM25 idf), with their count; `None` when no story is dated so.
    fn dated_query(
        &self,
        year: i32,
        month: Option<u32>,
        day: Option<u32>,
    ) -> Option<(Box<dyn Query>, u64)> {
        let (first, last) = days_of(year, month, day)?;
        let stories = self.dated_between(first, last);
        if stories == 0 {
            return None;
        }
        let (n, dated) = (self.tables().days.len() as f32, stories as f32);
        let idf = (1.0 + (n - dated + 0.5) / (dated + 0.5)).ln();
        let field = self.fields().date;
        let range = RangeQuery::new(
            Bound::Included(Term::from_field_date(field, date_time(first))),
            Bound::Included(Term::from_field_date(field, date_time(last))),
        );
        Some((
            Box::new(ConstScoreQuery::new(Box::new(range), idf)),
            stories,
        ))
    }

    /// How many stories are dated from `first` to `last` (inclusive): two binary searches, as
    /// the tables keep stories in day order.
    fn dated_between(&self, first: Date, last: Date) -> u64 {
        let days = &self.tables().days[..];
        let from = days.partition_point(|&d| d < first.days_since_epoch());
        let to = days.partition_point(|&d| d <= last.days_since_epoch());
        (to - from) as u64
    }

    /// The query's words as a headline would have them side by side, in the order typed (the
    /// stories of a page that have them so come first): `None` unless the query is two plain
    /// words or more.
    /// A misspelt word counts as the word searched for instead.
    fn together(&self, families: &mut Families, parsed: &ParsedQuery) -> Option<Together> {
        let words = parsed
            .clauses
            .iter()
            .map(|c| match c {
                Clause::Word(word) => Some(word.as_str()),
                _ => None,
            })
            .collect::<Option<Vec<&str>>>()?;
        let (last, head) = words.split_last()?;
        if head.is_empty() {
            return None;
        }
        let typing = last.to_lowercase();
        let typing = (parsed.last_is_prefix && typing.chars().all(|c| c.is_ascii_alphanumeric()))
            .then_some(typing);
        let mut languages = Vec::new();
        for language in [Language::En, Language::Zh] {
            if !self.tables().has_language(language) {
                continue;
            }
            let (whole, _) = self.positioned(families, language, &words);
            let (mut before, next) = self.positioned(families, language, head);
            let begun = match (&typing, language) {
                (Some(prefix), Language::En) if !before.is_empty() => {
                    before.push((next, prefix.clone()));
                    before
                }
                _ => Vec::new(),
            };
            languages.push((language, whole, begun));
        }
        Some(Together::new(languages))
    }

    /// `words` analysed as `language` analyses them, with their positions from the first word
    /// (a word with no token, a stop word, still takes its place), and the position after
    /// them; a misspelt word is the word searched for instead.
    fn positioned(
        &self,
        families: &mut Families,
        language: Language,
        words: &[&str],
    ) -> (Positioned, usize) {
        let mut out = Vec::new();
        let mut at = 0;
        for word in words {
            let meant = families
                .corrections
                .iter()
                .find(|(typed, _)| typed == word)
                .and_then(|(_, meant)| meant.clone());
            let analyzer = match language {
                Language::En => &mut families.en,
                Language::Zh => &mut families.zh,
            };
            let mut stream = analyzer.token_stream(word);
            let mut width = 1;
            let mut tokens = Vec::new();
            while stream.advance() {
                let token = stream.token();
                width = width.max(token.position + 1);
                if tokens.last().is_none_or(|(p, _)| *p != token.position) {
                    tokens.push((token.position, token.text.clone()));
                }
            }
            match meant {
                Some(meant) if language == Language::En && !tokens.is_empty() => {
                    width = width.max(meant.len());
                    out.extend(meant.into_iter().enumerate().map(|(k, w)| (at + k, w)));
                }
                _ => out.extend(tokens.into_iter().map(|(p, t)| (at + p, t))),
            }
            at += width;
        }
        (out, at)
    }

    /// The word (as analysed) most likely meant by a Latin-script word no story has (`lower`,
    /// lower-cased; `stems`: its analysed forms with their fields): one edit away as typed
    /// ([`StoryIndex::respelled`]), else up to one edit from its stem from 5 letters, two from 9
    /// ([`correction`]).
    fn meant(
        &self,
        searcher: &Searcher,
        families: &mut Families,
        lower: &str,
        stems: &[(String, TextFields)],
    ) -> Option<Vec<String>> {
        let most = match lower.chars().count() {
            0..5 => return None,
            5..9 => 1,
            _ => 2,
        };
        self.respelled(searcher, &mut families.en, lower)
            .map(|word| vec![word])
            .or_else(|| self.split(searcher, &mut families.en, lower))
            .or_else(|| correction(searcher, stems, most).map(|word| vec![word]))
    }

    /// The English text fields, when the archive has English stories and `typed` is ASCII
    /// (what edits and cuts of a typed word are tried on).
    fn english_fields_for(&self, typed: &str) -> Option<TextFields> {
        (self.tables().has_language(Language::En) && typed.is_ascii())
            .then(|| self.fields().text_fields(Language::En))
    }

    /// The two words most likely joined in an English word no story has (`northkorea`,
    /// `primeminister`): of the places it can be cut into two words of two letters or more,
    /// each a word of some stories (analysed as the index analyses it), the cut whose rarer
    /// word is in the most stories, among those whose two words stand side by side in some
    /// story. The two analysed words.
    fn split(
        &self,
        searcher: &Searcher,
        english: &mut TextAnalyzer,
        typed: &str,
    ) -> Option<Vec<String>> {
        let fields = self.english_fields_for(typed)?;
        let mut cuts: Vec<(u64, String, String)> = Vec::new();
        for at in 2..typed.len().saturating_sub(1) {
            let (left, right) = typed.split_at(at);
            let (left, right) = (
                analyzer::tokens(english, left),
                analyzer::tokens(english, right),
            );
            let ([left], [right]) = (&left[..], &right[..]) else {
                continue;
            };
            let rarer = in_fields(searcher, fields, left).min(in_fields(searcher, fields, right));
            if rarer > 0 {
                cuts.push((rarer, left.clone(), right.clone()));
            }
        }
        cuts.sort_by_key(|cut| std::cmp::Reverse(cut.0));
        cuts.into_iter()
            .take(SPLITS_TRIED)
            .find_map(|(_, left, right)| {
                let words = vec![left, right];
                let together = BooleanQuery::new(text_queries(&words, fields));
                matches_any(searcher, &together).ok()?.then_some(words)
            })
    }

    /// The word most likely meant by an English word no story has, one edit away as typed
    /// (a letter inserted, deleted or replaced, or two neighbours swapped): of the words so
    /// spelt, analysed (stemmed) as the index analyses them, the one in the most stories'
    /// headlines, summaries and tag names (then the first in alphabetical order). The edits
    /// are made to the word as typed, not to its stem: `presidenq` is one edit from
    /// `president`, whose stem is `presid`, three from it.
    fn respelled(
        &self,
        searcher: &Searcher,
        english: &mut TextAnalyzer,
        typed: &str,
    ) -> Option<String> {
        let fields = self.english_fields_for(typed)?;
        let mut seen: HashMap<String, u64> = HashMap::new();
        for word in one_edit_away(typed) {
            let tokens = analyzer::tokens(english, &word);
            let [stem] = &tokens[..] else {
                continue;
            };
            if !seen.contains_key(stem) {
                seen.insert(stem.clone(), in_fields(searcher, fields, stem));
            }
        }
        seen.into_iter()
            .filter(|(_, stories)| *stories > 0)
            .max_by(|a, b| a.1.cmp(&b.1).then_with(|| b.0.cmp(&a.0)))
            .map(|(stem, _)| stem)
    }

    /// The analyzers of the languages the archive has (an archive without Chinese stories
    /// never loads the Chinese dictionary).
    fn analyzers<'f>(&self, families: &'f mut Families) -> Vec<&'f mut TextAnalyzer> {
        if self.tables().has_language(Language::Zh) {
            vec![&mut families.en, &mut families.zh]
        } else {
            vec![&mut families.en]
        }
    }

    /// The text fields of the languages the archive has.
    fn present_text_fields(&self) -> Vec<Field> {
        let f = self.fields();
        let mut fields = Vec::with_capacity(6);
        if self.tables().has_language(Language::En) {
            fields.extend([f.title_en, f.summary_en, f.tags_en]);
        }
        if self.tables().has_language(Language::Zh) {
            fields.extend([f.title_zh, f.summary_zh, f.tags_zh]);
        }
        fields
    }

    /// The text analysed by each family: (tokens, the family's text fields), one token per
    /// position (the sub-words jieba adds share their word's position and are left out).
    fn analysed(&self, families: &mut Families, text: &str) -> Vec<(Vec<String>, TextFields)> {
        let fields = self.fields();
        let mut out = Vec::new();
        for (analyzer, text_fields, language) in [
            (
                &mut families.en,
                fields.text_fields(Language::En),
                Language::En,
            ),
            (
                &mut families.zh,
                fields.text_fields(Language::Zh),
                Language::Zh,
            ),
        ] {
            // an archive in one language has empty fields for the other: no terms to look up
            if !self.tables().has_language(language) {
                continue;
            }
            let mut stream = analyzer.token_stream(text);
            let mut tokens: Vec<(usize, String)> = Vec::new();
            while tantivy::tokenizer::TokenStream::advance(&mut stream) {
                let token = tantivy::tokenizer::TokenStream::token(&stream);
                match tokens.last_mut() {
                    Some((position, last)) if *position == token.position => {
                        *last = token.text.clone()
                    }
                    _ => tokens.push((token.position, token.text.clone())),
                }
            }
            if !tokens.is_empty() {
                out.push((tokens.into_iter().map(|(_, t)| t).collect(), text_fields));
            }
        }
        out
    }

    fn hits(
        &self,
        searcher: &Searcher,
        query: &dyn Query,
        page: &[(f32, DocAddress)],
    ) -> Result<Vec<Hit>> {
        let fields = self.fields();
        let tables = self.tables();
        let mut generators: HashMap<Field, SnippetGenerator> = HashMap::new();
        let mut ordinals = DocOrdinals::new(self, searcher);
        let mut norms: HashMap<(u32, Field), tantivy::fieldnorm::FieldNormReader> = HashMap::new();
        let mut hits = Vec::with_capacity(page.len());
        for (score, address) in page {
            let segment = searcher.segment_reader(address.segment_ord);
            let ord = ordinals.of(*address)?.map(|ord| ord as usize);
            // a story with no summary (its summary field has no word) is read from the tables:
            // no block of the compressed store to read
            let from_tables = match ord {
                Some(ord) => {
                    let summary = fields.text_fields(tables.languages[ord]).summary;
                    let norm = match norms.entry((address.segment_ord, summary)) {
                        std::collections::hash_map::Entry::Occupied(entry) => entry.into_mut(),
                        std::collections::hash_map::Entry::Vacant(entry) => {
                            entry.insert(segment.get_fieldnorms_reader(summary)?)
                        }
                    };
                    (norm.fieldnorm(address.doc_id) == 0).then(|| HitFields {
                        id: tables.ids.get(ord).unwrap_or_default().to_string(),
                        date: Date::from_days_since_epoch(tables.days[ord]),
                        title: tables.titles.get(ord).unwrap_or_default().to_string(),
                        summary: String::new(),
                        contexts: tables.story_tags[ord]
                            .iter()
                            .map(|&tag| tables.tags[tag as usize].display.clone())
                            .collect(),
                        language: tables.languages[ord],
                    })
                }
                None => None,
            };
            let story = match from_tables {
                Some(story) => story,
                None => {
                    let doc: tantivy::TantivyDocument = searcher.doc(*address)?;
                    let json = doc
                        .get_first(fields.story)
                        .and_then(|v| tantivy::schema::Value::as_str(&v))
                        .unwrap_or_default();
                    serde_json::from_str::<HitFields>(json).map_err(|e| {
                        crate::IndexError::Corrupt {
                            path: self.root().to_path_buf(),
                            message: format!("stored story: {e}"),
                        }
                    })?
                }
            };
            let text_fields = fields.text_fields(story.language);
            let mut highlight =
                |field: Field, text: &str, max_chars: usize| -> Result<Highlighted> {
                    let generator = match generators.entry(field) {
                        std::collections::hash_map::Entry::Occupied(entry) => entry.into_mut(),
                        std::collections::hash_map::Entry::Vacant(entry) => {
                            entry.insert(SnippetGenerator::create(searcher, query, field)?)
                        }
                    };
                    generator.set_max_num_chars(max_chars);
                    Ok(highlighted(&generator.snippet(text), text, max_chars))
                };
            let title = highlight(text_fields.title, &story.title, usize::MAX / 2)?;
            let snippet = if story.summary.is_empty() {
                title.clone()
            } else {
                let summary = highlight(text_fields.summary, &story.summary, 200)?;
                if summary.highlights.is_empty() && !title.highlights.is_empty() {
                    title.clone()
                } else {
                    summary
                }
            };
            let tags: Vec<String> = story
                .contexts
                .iter()
                .map(|t| {
                    let key = self.normalizer().key(t);
                    tables
                        .tag_id(&key)
                        .map_or_else(|| t.clone(), |id| tables.tags[id as usize].display.clone())
                })
                .collect();
            let mut matched_tags = Vec::new();
            for tag in &tags {
                if !highlight(text_fields.tags, tag, usize::MAX / 2)?
                    .highlights
                    .is_empty()
                {
                    matched_tags.push(tag.clone());
                }
            }
            hits.push(Hit {
                id: story.id,
                date: story.date,
                title,
                tags,
                matched_tags,
                language: story.language,
                snippet,
                score: *score,
            });
        }
        Ok(hits)
    }

    fn facets(&self, searcher: &Searcher, query: &dyn Query) -> Result<Facets> {
        let matched = searcher.search(query, &FacetCollector { index: self })?;
        let tables = self.tables();
        let mut counts = tag_counts(tables, &matched);
        let order = |a: &(u32, u64), b: &(u32, u64)| {
            b.1.cmp(&a.1).then_with(|| {
                tables.tags[a.0 as usize]
                    .key
                    .cmp(&tables.tags[b.0 as usize].key)
            })
        };
        if counts.len() > FACET_TAGS {
            counts.select_nth_unstable_by(FACET_TAGS - 1, order);
            counts.truncate(FACET_TAGS);
        }
        counts.sort_by(order);
        let tags = counts
            .into_iter()
            .map(|(tag, count)| {
                let entry = &tables.tags[tag as usize];
                TagCount {
                    tag: entry.display.clone(),
                    key: entry.key.clone(),
                    count,
                }
            })
            .collect();
        let months = month_counts(tables, &matched)
            .into_iter()
            .map(|(m, count)| MonthCount {
                month: format!("{:04}-{:02}", m.div_euclid(12), m.rem_euclid(12) + 1),
                count,
            })
            .collect();
        Ok(Facets { tags, months })
    }
}

fn max_opt(a: Option<Date>, b: Option<Date>) -> Option<Date> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.max(b)),
        (a, b) => a.or(b),
    }
}

fn min_opt(a: Option<Date>, b: Option<Date>) -> Option<Date> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// The years a query word is read as: four digits from 1800 to 2199.
const YEARS: std::ops::RangeInclusive<i32> = 1800..=2199;

/// The year a query word names: four digits within [`YEARS`].
fn named_year(word: &str) -> Option<i32> {
    if word.len() != 4 || !word.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    word.parse().ok().filter(|year| YEARS.contains(year))
}

/// The first and last days of `year`, of its `month` when given, or of one `day` of that
/// month; `None` for a day the calendar lacks.
fn days_of(year: i32, month: Option<u32>, day: Option<u32>) -> Option<(Date, Date)> {
    Some(match (month, day) {
        (Some(month), Some(day)) => (Date::new(year, month, day)?, Date::new(year, month, day)?),
        (Some(month), None) => (
            Date::new(year, month, 1)?,
            (28..=31)
                .rev()
                .find_map(|day| Date::new(year, month, day))?,
        ),
        _ => (Date::new(year, 1, 1)?, Date::new(year, 12, 31)?),
    })
}

/// English month names with their abbreviations, January first.
const MONTHS: [(&str, &[&str]); 12] = [
    ("January", &["january", "jan"]),
    ("February", &["february", "feb"]),
    ("March", &["march", "mar"]),
    ("April", &["april", "apr"]),
    ("May", &["may"]),
    ("June", &["june", "jun"]),
    ("July", &["july", "jul"]),
    ("August", &["august", "aug"]),
    ("September", &["september", "sep", "sept"]),
    ("October", &["october", "oct"]),
    ("November", &["november", "nov"]),
    ("December", &["december", "dec"]),
];

/// The month (1 to 12) a word names: English, in any case, with a full stop after an
/// abbreviation allowed; or Chinese, a number and 月 (`12月`).
fn named_month(word: &str) -> Option<u32> {
    if let Some(number) = word.strip_suffix('月') {
        return number.parse().ok().filter(|m| (1..=12).contains(m));
    }
    let lower = word.to_lowercase();
    let lower = lower.strip_suffix('.').unwrap_or(&lower);
    MONTHS
        .iter()
        .position(|(_, names)| names.contains(&lower))
        .map(|i| i as u32 + 1)
}

/// The words of a Chinese run with its dates as year, month and day words: `2017年12月5日`
/// is cut into 2017, 年, 12, 月, 5 and 日; the 年 after a year goes (the year is a date of
/// its own), a month's number joins its 月 (`12月`, a month beside the year) and a day's its
/// 日 or 号 (`5日`).
fn chinese_dates(words: Vec<String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::with_capacity(words.len());
    let mut words = words.into_iter().peekable();
    while let Some(word) = words.next() {
        let after_year = out.last().is_some_and(|w| named_year(w).is_some());
        if word == "年" && after_year {
            continue;
        }
        if words.peek().is_some_and(|next| next == "月")
            && word.parse::<u32>().is_ok_and(|m| (1..=12).contains(&m))
            && after_year
        {
            words.next();
            out.push(format!("{word}月"));
            continue;
        }
        let after_month = out
            .last()
            .is_some_and(|w| w.ends_with('月') && named_month(w).is_some());
        if words
            .peek()
            .is_some_and(|next| next == "日" || next == "号")
            && word.parse::<u32>().is_ok_and(|d| (1..=31).contains(&d))
            && after_month
        {
            words.next();
            out.push(format!("{word}日"));
            continue;
        }
        out.push(word);
    }
    out
}

/// The day (1 to 31) a word names: a number, as an ordinal too (`7th`, `1st`), with a comma
/// after it allowed (`12,`, `7th,`), or a number and 日 (`12日`).
fn named_day(word: &str) -> Option<u32> {
    let number = word
        .strip_suffix('日')
        .or_else(|| word.strip_suffix(','))
        .unwrap_or(word);
    let lower = number.to_ascii_lowercase();
    let number = ["st", "nd", "rd", "th"]
        .iter()
        .find_map(|suffix| lower.strip_suffix(suffix))
        .unwrap_or(&lower);
    if number.is_empty() || number.len() > 2 || !number.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    number.parse().ok().filter(|d| (1..=31).contains(d))
}

/// The months named beside a year among a query's words, either side (`december 2017`,
/// `2017 dec`), with the day when one is named with them (`may 12 2008`, `12 may 2008`,
/// `2008 may 12`, `2008年5月12日`, a day the calendar has).
fn months_of_years(clauses: &[Clause]) -> Vec<MonthOfYear> {
    let words: Vec<Option<&str>> = clauses
        .iter()
        .map(|c| match c {
            Clause::Word(w) => Some(w.as_str()),
            _ => None,
        })
        .collect();
    let at = |i: usize| words.get(i).copied().flatten();
    let mut months = Vec::new();
    let mut i = 0;
    while i < words.len() {
        // (month, day, year) positions of the patterns, longest first
        let patterns: [(usize, Option<usize>, usize, usize); 5] = [
            (i, Some(i + 1), i + 2, 3),
            (i + 1, Some(i), i + 2, 3),
            (i + 1, Some(i + 2), i, 3),
            (i, None, i + 1, 2),
            (i + 1, None, i, 2),
        ];
        let found = patterns.iter().find_map(|&(m, d, y, len)| {
            let month = named_month(at(m)?)?;
            let year = named_year(at(y)?)?;
            let day = match d {
                Some(d) => {
                    let day = named_day(at(d)?)?;
                    Date::new(year, month, day)?;
                    Some((at(d)?.to_lowercase(), day))
                }
                None => None,
            };
            Some((m, year, month, day, len))
        });
        let Some((m, year, month, day, len)) = found else {
            i += 1;
            continue;
        };
        let word = at(m).expect("matched").to_lowercase();
        // as written: 2017年12月5日, december 2017
        let typed = if word.ends_with('月') {
            let day = day.as_ref().map(|(w, _)| w.as_str()).unwrap_or_default();
            format!("{year}年{word}{day}")
        } else {
            (i..i + len).filter_map(at).collect::<Vec<_>>().join(" ")
        };
        months.push(MonthOfYear {
            word,
            year,
            month,
            day,
            typed,
        });
        i += len;
    }
    months
}

/// A count with thousands separated by commas.
fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Title (boost 2), summary and tag-name queries for analysed tokens: a term, or a phrase.
fn text_queries(tokens: &[String], fields: TextFields) -> Vec<(Occur, Box<dyn Query>)> {
    let mut out: Vec<(Occur, Box<dyn Query>)> = Vec::new();
    for (field, boost) in [
        (fields.title, 2.0),
        (fields.summary, 1.0),
        (fields.tags, 1.0),
    ] {
        let query: Box<dyn Query> = match tokens {
            [] => continue,
            [one] => Box::new(TermQuery::new(
                Term::from_field_text(field, one),
                IndexRecordOption::WithFreqs,
            )),
            many => Box::new(PhraseQuery::new(
                many.iter()
                    .map(|t| Term::from_field_text(field, t))
                    .collect(),
            )),
        };
        out.push((Occur::Should, Box::new(BoostQuery::new(query, boost))));
    }
    out
}

/// A tantivy snippet as plain text with character-offset highlights. A text shorter than the
/// fragment limit is returned whole.
fn highlighted(snippet: &tantivy::snippet::Snippet, text: &str, max_chars: usize) -> Highlighted {
    let fragment = snippet.fragment();
    let (full, base) = if text.chars().count() <= max_chars || fragment.is_empty() {
        (
            text,
            if fragment.is_empty() {
                0
            } else {
                snippet.fragment_range().start
            },
        )
    } else {
        (fragment, 0)
    };
    let chars_before = |byte: usize| full[..byte.min(full.len())].chars().count();
    let highlights = snippet
        .highlighted()
        .iter()
        .filter(|r| base + r.end <= full.len())
        .map(|r| [chars_before(base + r.start), chars_before(base + r.end)])
        .collect();
    Highlighted {
        text: full.to_string(),
        highlights,
    }
}

/// The fields of a stored story a hit shows; the rest of the record (sources, related lists,
/// versions) is skipped without being built.
#[derive(serde::Deserialize)]
struct HitFields {
    id: String,
    date: Date,
    title: String,
    #[serde(default)]
    summary: String,
    #[serde(default)]
    contexts: Vec<String>,
    language: Language,
}

/// The scorer tables' ordinals of every matching story (per segment, then concatenated), for
/// [`StoryIndex::facets`] to count their tags and months from the tables: reading tag keys
/// from tantivy's columns cost a compressed dictionary block per distinct tag, which made
/// facets over a broad query take seconds on a large archive.
struct FacetCollector<'a> {
    index: &'a StoryIndex,
}

struct FacetSegment {
    ordinals: Arc<[u32]>,
    matched: Vec<u32>,
}

impl Collector for FacetCollector<'_> {
    type Fruit = Vec<u32>;
    type Child = FacetSegment;

    fn for_segment(&self, _: u32, segment: &SegmentReader) -> tantivy::Result<FacetSegment> {
        let ordinals = self
            .index
            .ordinals(segment)
            .map_err(|e| tantivy::TantivyError::InternalError(e.to_string()))?;
        Ok(FacetSegment {
            ordinals,
            matched: Vec::new(),
        })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, fruits: Vec<Vec<u32>>) -> tantivy::Result<Vec<u32>> {
        Ok(fruits.concat())
    }
}

impl SegmentCollector for FacetSegment {
    type Fruit = Vec<u32>;

    fn collect(&mut self, doc: u32, _: f32) {
        if let Some(&ord) = self.ordinals.get(doc as usize)
            && ord != NO_ORDINAL
        {
            self.matched.push(ord);
        }
    }

    fn harvest(self) -> Vec<u32> {
        self.matched
    }
}

/// How many stories of `matched` (tables ordinals, each once) carry each tag: `(tag id,
/// count)` in tag id order. A dense count when the stories are many, else their tags sorted.
fn tag_counts(tables: &Tables, matched: &[u32]) -> Vec<(u32, u64)> {
    let tags = tables.tags.len();
    if matched.len() >= tags / 16 {
        let mut counts = vec![0u32; tags];
        for &ord in matched {
            for &tag in &tables.story_tags[ord as usize] {
                counts[tag as usize] += 1;
            }
        }
        return (0..)
            .zip(counts)
            .filter(|&(_, count)| count > 0)
            .map(|(tag, count)| (tag, u64::from(count)))
            .collect();
    }
    let mut all: Vec<u32> = matched
        .iter()
        .flat_map(|&ord| tables.story_tags[ord as usize].iter().copied())
        .collect();
    all.sort_unstable();
    all.chunk_by(|a, b| a == b)
        .map(|run| (run[0], run.len() as u64))
        .collect()
}

/// How many stories of `matched` (tables ordinals) are dated in each month: `(year · 12 +
/// month - 1, count)`, in calendar order. Counted by day, then by month.
fn month_counts(tables: &Tables, matched: &[u32]) -> Vec<(i32, u64)> {
    let days = &tables.days[..];
    let (Some(&first), Some(&last)) = (days.first(), days.last()) else {
        return Vec::new();
    };
    let mut by_day = vec![0u32; (last - first + 1) as usize];
    for &ord in matched {
        by_day[(days[ord as usize] - first) as usize] += 1;
    }
    let mut months: Vec<(i32, u64)> = Vec::new();
    for (day, count) in (first..).zip(by_day) {
        if count == 0 {
            continue;
        }
        let date = Date::from_days_since_epoch(day);
        let month = date.year() * 12 + date.month() as i32 - 1;
        match months.last_mut() {
            Some((m, total)) if *m == month => *total += u64::from(count),
            _ => months.push((month, u64::from(count))),
        }
    }
    months
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tag(key: &str, stories: u32) -> TagEntry {
        TagEntry {
            key: key.into(),
            display: key.to_uppercase(),
            stories,
        }
    }

    #[test]
    fn words_side_by_side_in_a_headline() {
        let words = |list: &[(usize, &str)]| -> Positioned {
            list.iter().map(|&(p, w)| (p, w.to_string())).collect()
        };
        let mut en = analyzer::english();
        let mut check = |together: &Together, cases: &[(&str, bool)]| {
            for &(text, side_by_side) in cases {
                assert_eq!(
                    together.in_headline(Language::En, &mut en, text),
                    side_by_side,
                    "{text}"
                );
            }
        };
        // "thomas fi", being typed
        let typing = Together::new(vec![(
            Language::En,
            words(&[(0, "thoma"), (1, "fi")]),
            words(&[(0, "thoma"), (1, "fi")]),
        )]);
        check(
            &typing,
            &[
                ("The Thomas Fire is the fifth largest", true),
                ("A firefighter dies battling the Thomas Fire.", true),
                ("Thomas Cook Group files for bankruptcy", false),
                ("Fire near Thomas", false),
            ],
        );
        // "bank of america": a stop word between the words keeps its place
        let bank = Together::new(vec![(
            Language::En,
            words(&[(0, "bank"), (2, "america")]),
            Vec::new(),
        )]);
        check(
            &bank,
            &[
                ("Bank of America reports a loss", true),
                ("Bank America reports a loss", false),
                ("Bank in America reports a loss", true),
                ("Bank X America reports a loss", false),
                ("Bank of North America", false),
                ("America's bank of choice", false),
            ],
        );
        // "bank of am", being typed
        let typed = Together::new(vec![(
            Language::En,
            Vec::new(),
            words(&[(0, "bank"), (2, "am")]),
        )]);
        check(
            &typed,
            &[
                ("Bank of America reports a loss", true),
                ("Bank of North America", false),
                ("Bank Amsterdam", false),
            ],
        );
        let mut zh = analyzer::chinese();
        assert!(!typing.in_headline(Language::Zh, &mut zh, "The Thomas Fire"));
    }

    #[test]
    fn a_stem_begins_with_its_words_first_letter() {
        // what `english_phrase` skips words by: Snowball's exceptions and its `y` included
        let mut en = analyzer::english();
        for word in [
            "Dying",
            "lying",
            "tying",
            "skies",
            "idly",
            "ugly",
            "early",
            "only",
            "Yes",
            "youth",
            "yearly",
            "ies",
            "sses",
            "Agreed",
            "generously",
            "2017s",
            "Zyx",
        ] {
            let stem = analyzer::tokens(&mut en, word).concat();
            assert_eq!(
                stem.chars().next(),
                word.chars().next().map(|c| c.to_ascii_lowercase()),
                "{word} -> {stem}"
            );
        }
    }

    #[test]
    fn the_beginnings_of_words_are_marked() {
        let mut title = Highlighted {
            text: "The Thomas Fire: a firefighter, five fires, Café Fi".into(),
            highlights: vec![[4, 10]],
        };
        title.mark_beginnings("fi");
        let marked: Vec<String> = title
            .highlights
            .iter()
            .map(|&[a, b]| title.text.chars().skip(a).take(b - a).collect())
            .collect();
        assert_eq!(marked, ["Thomas", "Fi", "fi", "fi", "fi", "Fi"]);
        assert!(title.highlights.windows(2).all(|w| w[0][1] <= w[1][0]));
        // a word already marked is left as it is, and nothing else is marked twice
        let before = title.clone();
        title.mark_beginnings("fi");
        assert_eq!(title, before);
        title.mark_beginnings("thom");
        assert_eq!(title, before);
        // only Latin letters and digits are compared
        title.mark_beginnings("fé");
        assert_eq!(title, before);
    }

    #[test]
    fn tags_are_replaced_where_the_query_names_them() {
        assert_eq!(
            replace_tag(
                "fire tag:\"Thomas Fires\" smoke ",
                "Thomas Fires",
                "Thomas Fire"
            ),
            "fire tag:\"Thomas Fire\" smoke "
        );
        assert_eq!(
            replace_tag("TAG:covid deaths", "covid", "COVID-19 pandemic"),
            "tag:\"COVID-19 pandemic\" deaths"
        );
        // other tags, and the words, stay as typed
        assert_eq!(
            replace_tag("covid tag:covidx tag:covid", "covid", "COVID-19"),
            "covid tag:covidx tag:\"COVID-19\""
        );
        assert_eq!(
            replace_tag("tag:\"unclosed", "unclosed", "x"),
            "tag:\"unclosed"
        );
        assert_eq!(
            replace_tag("香港 tag:香港反送中", "香港反送中", "香港反送中运动"),
            "香港 tag:\"香港反送中运动\""
        );
    }

    #[test]
    fn words_one_edit_away() {
        let words = one_edit_away("ab");
        // 2 deletions, 2 × 25 replacements, 1 swap, 3 × 26 insertions
        assert_eq!(words.len(), 2 + 50 + 1 + 78);
        for word in ["b", "a", "xb", "az", "ba", "cab", "acb", "abc"] {
            assert!(words.iter().any(|w| w == word), "{word}");
        }
        assert!(
            words.iter().all(|w| w != "ab"),
            "the word itself is not an edit"
        );
        let mut row = Vec::new();
        for word in &words {
            let (a, b): (Vec<char>, Vec<char>) = ("ab".chars().collect(), word.chars().collect());
            // a swap is two edits to Levenshtein, one here
            assert!(
                edit_distance(&a, &b, 2, &mut row).is_some_and(|d| d >= 1),
                "{word}"
            );
        }
        // a doubled letter swapped with itself is the word again: left out
        assert!(one_edit_away("aa").iter().all(|w| w != "aa"));
    }

    #[test]
    fn years_and_months_beside_them_are_read_from_words() {
        assert_eq!(super::named_year("2017"), Some(2017));
        for word in ["217", "20170", "1799", "2200", "2o17", "２０１７"] {
            assert_eq!(super::named_year(word), None, "{word}");
        }
        assert_eq!(super::named_month("December"), Some(12));
        assert_eq!(super::named_month("sept."), Some(9));
        assert_eq!(super::named_month("MAY"), Some(5));
        assert_eq!(super::named_month("decembre"), None);
        let words = |text: &str| -> Vec<Clause> {
            text.split_whitespace()
                .map(|w| Clause::Word(w.to_string()))
                .collect()
        };
        let month = |word: &str, year, month, typed: &str| super::MonthOfYear {
            word: word.into(),
            year,
            month,
            day: None,
            typed: typed.into(),
        };
        let day = |word: &str, year, m, (d, day): (&str, u32), typed: &str| super::MonthOfYear {
            day: Some((d.into(), day)),
            ..month(word, year, m, typed)
        };
        assert_eq!(
            super::months_of_years(&words("fire Dec 2017")),
            [month("dec", 2017, 12, "Dec 2017")]
        );
        assert_eq!(
            super::months_of_years(&words("2004 december tsunami")),
            [month("december", 2004, 12, "2004 december")]
        );
        // not side by side, or not a year
        assert!(super::months_of_years(&words("december fire 2017")).is_empty());
        assert!(super::months_of_years(&words("march 10")).is_empty());
        let phrase = [Clause::Phrase("march".into()), Clause::Word("2011".into())];
        assert!(super::months_of_years(&phrase).is_empty());
        // Chinese: a year's 年 goes, a month's number joins its 月
        let cut = |words: &[&str]| -> Vec<String> {
            super::chinese_dates(words.iter().map(|w| w.to_string()).collect())
        };
        assert_eq!(
            cut(&["2017", "年", "12", "月", "火灾"]),
            ["2017", "12月", "火灾"]
        );
        assert_eq!(cut(&["2008", "年", "地震"]), ["2008", "地震"]);
        // not after a year: as cut
        assert_eq!(cut(&["12", "月", "火灾"]), ["12", "月", "火灾"]);
        assert_eq!(cut(&["2017", "年", "13", "月"]), ["2017", "13", "月"]);
        assert_eq!(cut(&["新", "年"]), ["新", "年"]);
        assert_eq!(super::named_month("12月"), Some(12));
        assert_eq!(super::named_month("13月"), None);
        assert_eq!(
            super::months_of_years(&words("2017 12月")),
            [month("12月", 2017, 12, "2017年12月")]
        );
        // with a day, in each order, when the calendar has it
        assert_eq!(
            super::months_of_years(&words("london July 7, 2005")),
            [day("july", 2005, 7, ("7,", 7), "July 7, 2005")]
        );
        assert_eq!(
            super::months_of_years(&words("7 july 2005 bombings")),
            [day("july", 2005, 7, ("7", 7), "7 july 2005")]
        );
        assert_eq!(
            super::months_of_years(&words("2008 5月 12日")),
            [day("5月", 2008, 5, ("12日", 12), "2008年5月12日")]
        );
        // a day the calendar does not have: no date (nor the month: it is not beside the year)
        assert!(super::months_of_years(&words("february 30 2008")).is_empty());
        assert_eq!(super::named_day("31"), Some(31));
        assert_eq!(super::named_day("1st"), Some(1));
        assert_eq!(super::named_day("22ND,"), Some(22));
        for word in ["0", "32", "123", "", "st", "32nd", "7x", "7 th"] {
            assert_eq!(super::named_day(word), None, "{word}");
        }
        assert_eq!(
            super::months_of_years(&words("July 7th, 2005 London")),
            [day("july", 2005, 7, ("7th,", 7), "July 7th, 2005")]
        );
        assert_eq!(
            super::months_of_years(&words("the 7th july 2005")),
            [day("july", 2005, 7, ("7th", 7), "7th july 2005")]
        );
        assert_eq!(
            cut(&["2008", "年", "5", "月", "12", "日", "地震"]),
            ["2008", "5月", "12日", "地震"]
        );
        assert_eq!(cut(&["12", "日"]), ["12", "日"]);
    }

    #[test]
    fn edit_distances_within_a_bound() {
        let chars = |s: &str| s.chars().collect::<Vec<char>>();
        let mut row = Vec::new();
        let d = |a: &str, b: &str, most, row: &mut Vec<usize>| {
            edit_distance(&chars(a), &chars(b), most, row)
        };
        assert_eq!(
            d("syrian civil wr", "syrian civil war", 3, &mut row),
            Some(1)
        );
        assert_eq!(d("kitten", "sitting", 3, &mut row), Some(3));
        assert_eq!(d("kitten", "sitting", 2, &mut row), None);
        assert_eq!(d("", "abc", 3, &mut row), Some(3));
        assert_eq!(d("美国总统选举", "美國总统选举", 1, &mut row), Some(1));
    }

    #[test]
    fn the_closest_tag_continues_the_typing_then_is_nearest_then_most_used() {
        let tags = [
            tag("syrian civil war", 1104),
            tag("sri lankan civil war", 300),
            tag("syrian refugee crisis", 90),
            tag("thomas fire", 1),
            tag("thomas fires of 1800", 0),
            tag("2020年美国总统选举", 40),
            tag("美国", 900),
        ];
        let closest = |key: &str| closest_tag(&tags, key).map(|t| t.key.as_str());
        // typed from the start of the name, or of one of its words: the most used
        assert_eq!(closest("syrian"), Some("syrian civil war"));
        assert_eq!(closest("civil war"), Some("syrian civil war"));
        assert_eq!(closest("refugee"), Some("syrian refugee crisis"));
        // a tag no story carries any more is not proposed
        assert_eq!(closest("thomas fires"), Some("thomas fire"));
        // misspelt: the nearest within a quarter of its length
        assert_eq!(closest("syrian civil wr"), Some("syrian civil war"));
        assert_eq!(closest("sri lankan civl war"), Some("sri lankan civil war"));
        assert_eq!(closest("xyzzy plugh"), None);
        assert_eq!(closest("ab"), None);
        assert_eq!(closest(""), None);
        // Chinese: any part of the name; one character in two changed is too far
        assert_eq!(closest("总统选举"), Some("2020年美国总统选举"));
        assert_eq!(closest("美国总统大选"), None);
        assert_eq!(closest("美国总统选手"), None);
        assert_eq!(closest("2020年美国总统选手"), Some("2020年美国总统选举"));
        assert_eq!(closest("美图"), None);
    }
}
