//! Current Events daily YAML (the Wikipedia Current Events Portal, one file per day; FORMATS §2).
//!
//! Each category holds a flat list in which story-line headings and events are interleaved;
//! the page's nesting is lost. **The rule used here to give events their contexts:**
//!
//! 1. An item is an *event* when, after removing its trailing parenthesised groups, it ends
//!    like a sentence (`.`, `!`, `?`, a closing quote), or it had trailing groups that look like
//!    sources (the last group does not contain a digit and does not start lowercase, so
//!    `War in Afghanistan (2001–2021)` and `Georgia (country)` stay headings while
//!    `… in Asir province (Reuters)` is an event), or a sentence ends inside it before more
//!    text (`… retire from boxing. Wikinews`: a source written without parentheses), or it
//!    holds a link (`http://`, `https://`), or it has more than 15 words, unless it
//!    reads as a list of contexts: two or more names separated by `", "`, each at most 11
//!    words long and starting with a capital or a digit. The last item of a category heads
//!    nothing, so it is an event from 6 words on (`Monty's Pass wins the Grand National`,
//!    written without a period or sources, would otherwise be lost). Everything else is a
//!    heading.
//! 2. A run of consecutive headings is one *heading group* (a parent line and its sub-lines).
//!    The event right below it takes its contexts. The next events take them while each
//!    shares a word with the group's headings, or a name (a word written with a capital,
//!    within a sentence) with the events the group already took (words of 4 letters or more,
//!    compared by their first 5, a possessive `'s` dropped, common words, months, days of the
//!    week and numbers left out): the page's nesting is lost, and a category often goes on
//!    with stories of no line after a line's own (`2024 United States presidential election`
//!    does not head the Enceladus discovery that follows its candidate's filing). The first
//!    event that does not ends the run, as a line's events end on the page, nested one after
//!    the other below their heading: a later event takes the group only when it names what a
//!    heading names (both written with a capital). So a mudslide in Villa Santa Lucía, two
//!    events below the Thomas Fire's, does not take the California wildfires through the
//!    Santa Ana winds. A new run of headings replaces the group. Events before the first
//!    heading have none.
//! 3. A heading naming several contexts separated by `", "` is split into them. A part that is
//!    only a year (`2016`, `2015–16`) ends the name before it, as in `Tornado outbreak of March
//!    3, 2019` or `United States presidential election in Ohio, 2016`: it is not a context.
//!    Nor is an abbreviation (`Washington, D.C.`); and a list in a name (`Attacks on U.S. bases
//!    in Iraq, Jordan, and Syria`) is one name with the part it starts in (the one before its
//!    members of at most two words).
//! 4. Older days (2002–2011) write the story line inline, `Israeli-Palestinian conflict: A …`;
//!    an event that starts with such a short capitalised prefix (at most 6 words) takes the
//!    prefix as a context too, after its heading group's: under `Arab Spring`, `2011 Libyan
//!    civil war: …` names the event's own, more specific line.
//!
//! Trailing groups of an event become its sources (names only: the YAML has no links), also
//! when `,` `;` or `.` separate them (`… for Leave. (Bloomberg), (The Telegraph)`), up to
//! where a sentence last ends before them. Ids are
//! `wcep/<date>/<slug of the event's first words>`, with `-2`, `-3` … for repeats within a day,
//! so they are stable across re-imports of the same archive.

use std::collections::HashSet;
use std::path::Path;

use yaml_rust2::{Yaml, YamlLoader};

use crate::date::Date;
use crate::formats::link::host;
use crate::formats::markup;
use crate::formats::wikilinks::split_addresses;
use crate::model::{Language, Source, Story};
use crate::{Result, StoryError};

/// Reads one day file into its events, in file order.
pub fn parse_wcep_day(text: &str, file: &Path) -> Result<Vec<Story>> {
    let docs = YamlLoader::load_from_str(text).map_err(|e| {
        StoryError::format(
            file,
            Some(e.marker().line()),
            format!("YAML syntax error: {}", e.info()),
        )
    })?;
    let Some(Yaml::Hash(day)) = docs.first() else {
        return Err(StoryError::format(
            file,
            Some(1),
            "expected a mapping with Date and Intelligence_Payload",
        ));
    };
    let date = match day.get(&Yaml::String("Date".into())) {
        Some(Yaml::String(text)) => text
            .parse::<Date>()
            .map_err(|e| StoryError::format(file, None, format!("field Date: {e}")))?,
        Some(_) => {
            return Err(StoryError::format(
                file,
                None,
                "field Date: expected a string like '2017-12-11'",
            ));
        }
        None => date_from_file_name(file).ok_or_else(|| {
            StoryError::format(file, None, "no Date field and no date in the file name")
        })?,
    };
    let categories = match day.get(&Yaml::String("Intelligence_Payload".into())) {
        Some(Yaml::Hash(categories)) => categories,
        None | Some(Yaml::Null) => return Ok(Vec::new()),
        Some(_) => {
            return Err(StoryError::format(
                file,
                None,
                "field Intelligence_Payload: expected a mapping of categories",
            ));
        }
    };
    let mut stories = Vec::new();
    let mut slugs = std::collections::HashMap::new();
    for (category, items) in categories {
        let category = yaml_text(category).unwrap_or_default();
        let items = match items {
            Yaml::Array(items) => items.as_slice(),
            Yaml::Null => &[],
            _ => {
                let message =
                    format!("category {category:?}: expected a list of headings and events");
                return Err(StoryError::format(file, None, message));
            }
        };
        let mut group = HeadingGroup::default();
        let mut previous_was_heading = false;
        for (k, item) in items.iter().enumerate() {
            let Some(text) = yaml_text(item) else {
                let message = format!("category {category:?}: expected text items, found {item:?}");
                return Err(StoryError::format(file, None, message));
            };
            // wikilink brackets that lost their other half (`missile]] capable`) are read as text
            let text = without_placeholder(collapse_whitespace(&markup::clean(&text)));
            match classify(&text, k + 1 == items.len()) {
                Item::Heading => {
                    if !previous_was_heading {
                        group = HeadingGroup::default();
                    }
                    group.add_heading(&text);
                    previous_was_heading = true;
                }
                Item::Event { body, sources } => {
                    previous_was_heading = false;
                    // an address written after the text (`… seven.http://uk.news.yahoo.com/…`)
                    // is a source too
                    let (text, mut addresses) = split_addresses(body);
                    let body = match text.trim_end() {
                        // nothing but an address: it is the event's text, as written
                        "" => {
                            addresses.clear();
                            body
                        }
                        text => text,
                    };
                    let mut contexts = Vec::new();
                    if group.takes(body) {
                        contexts.extend(group.contexts.iter().cloned());
                    }
                    if let Some(prefix) = inline_context(body) {
                        contexts.push(prefix.to_string());
                    }
                    dedup_keep_order(&mut contexts);
                    let slug = slugify(body, 60);
                    let n = slugs
                        .entry(slug.clone())
                        .and_modify(|n| *n += 1)
                        .or_insert(1usize);
                    let id = if *n == 1 {
                        format!("wcep/{date}/{slug}")
                    } else {
                        format!("wcep/{date}/{slug}-{n}")
                    };
                    let mut story = Story::new(id, date, body);
                    story.language = Language::En;
                    story.contexts = contexts;
                    story.category = Some(category.clone());
                    story.sources = sources
                        .into_iter()
                        .filter(|name| !is_link_note(name))
                        .map(|name| Source { name, url: None })
                        .chain(addresses.into_iter().map(|url| Source {
                            name: host(url).to_string(),
                            url: Some(url.to_string()),
                        }))
                        .collect();
                    stories.push(story);
                }
            }
        }
    }
    Ok(stories)
}

fn yaml_text(item: &Yaml) -> Option<String> {
    match item {
        Yaml::String(s) | Yaml::Real(s) => Some(s.clone()),
        Yaml::Integer(i) => Some(i.to_string()),
        Yaml::Boolean(b) => Some(b.to_string()),
        _ => None,
    }
}

fn date_from_file_name(file: &Path) -> Option<Date> {
    file.file_stem()?.to_str()?.parse().ok()
}

enum Item<'a> {
    Heading,
    Event { body: &'a str, sources: Vec<String> },
}

/// Splits trailing `(…)` groups off and decides heading or event (rule 1 above); `last`: the
/// item is the last of its category.
fn classify(text: &str, last: bool) -> Item<'_> {
    // groups written with separators (`(Bloomberg), (The Telegraph)`, `(NYT), (VOA).`) are
    // taken as such up to where a sentence ends before them: `… continue (next week).` and
    // `… from "elevated" (yellow) to "high" (orange).` keep their groups and period
    let (body, mut groups) = separated_groups(text).unwrap_or_else(|| trailing_groups(text));
    if body.is_empty() {
        // nothing but parentheses: treat the whole text as the event
        return Item::Event {
            body: text.trim(),
            sources: Vec::new(),
        };
    }
    groups.reverse();
    let words = body.split_whitespace().count();
    let sentence_end = ends_like_a_sentence(body);
    let sourcy = groups.last().is_some_and(|g| {
        !g.chars().any(|c| c.is_ascii_digit()) && !g.starts_with(|c: char| c.is_lowercase())
    });
    let event_length = if last {
        words >= 6
    } else {
        words > 15 && !names_contexts(body)
    };
    let inner_sentence =
        sentence_ends_inside(body) || body.contains("http://") || body.contains("https://");
    if sentence_end || sourcy || inner_sentence || event_length {
        Item::Event {
            body,
            sources: groups,
        }
    } else {
        Item::Heading
    }
}

/// `text` without its trailing `(…)` groups (of at most 80 bytes each), and the groups, last
/// first.
fn trailing_groups(text: &str) -> (&str, Vec<String>) {
    let mut body = text.trim_end();
    let mut groups = Vec::new();
    while let Some((before, inner)) = last_group(body) {
        groups.push(inner.to_string());
        body = before;
    }
    (body, groups)
}

/// [`trailing_groups`] with a `,` `;` or `.` between or after the groups going with them, cut
/// where the rest last ends a sentence (`.`, `!`, `?`, then maybe a closing quote). Where it
/// never does, trailing groups with a comma between or after them (`… up to 2,000 deaths
/// (Guardian), (USGS), (CNN)`, `… Egyptian army (Haaretz),`) are a list of sources all the
/// same: a sentence's own groups do not come with commas between them. `None` otherwise.
fn separated_groups(text: &str) -> Option<(&str, Vec<String>)> {
    let mut body = text.trim_end();
    let mut groups = Vec::new();
    let mut cut = None;
    // every trailing group, once a comma was seen after one of them
    let mut listed = None;
    let mut listing = false;
    loop {
        if let Some(before) = body.strip_suffix([',', ';', '.'])
            && before.trim_end().ends_with(')')
        {
            listing |= body.ends_with(',');
            body = before.trim_end();
        }
        if let Some(before) = via_note(body) {
            body = before;
        }
        let Some((before, inner)) = last_group(body) else {
            break;
        };
        groups.push(inner.to_string());
        body = before;
        if listing {
            listed = Some((body, groups.len()));
        }
        if body
            .trim_end_matches(['"', '\'', '”', '’'])
            .ends_with(['.', '!', '?'])
        {
            cut = Some((body, groups.len()));
        }
    }
    cut.or(listed).map(|(body, n)| {
        groups.truncate(n);
        (body, groups)
    })
}

/// Languages a link's note can name (`(in Spanish)`).
const NOTE_LANGUAGES: &[&str] = &[
    "arabic",
    "bulgarian",
    "catalan",
    "chinese",
    "croatian",
    "czech",
    "danish",
    "dutch",
    "english",
    "finnish",
    "french",
    "german",
    "greek",
    "hebrew",
    "hungarian",
    "indonesian",
    "italian",
    "japanese",
    "korean",
    "norwegian",
    "persian",
    "polish",
    "portuguese",
    "romanian",
    "russian",
    "serbian",
    "spanish",
    "swedish",
    "turkish",
    "ukrainian",
];

/// Whether a trailing group is a note about the link before it rather than a source:
/// `(registration required)`, `(subscription required)`, `(in Spanish)`, `(PDF)`.
fn is_link_note(group: &str) -> bool {
    let note = group.trim().to_lowercase();
    let note = note.as_str();
    matches!(
        note,
        "registration required"
            | "free registration required"
            | "subscription required"
            | "paywall"
            | "pdf"
    ) || note
        .strip_prefix("in ")
        .is_some_and(|language| NOTE_LANGUAGES.contains(&language))
}

/// `text` without a note on how its last source was reached, between sources
/// (`… leaked. (Reuters), via MSN,` → `… leaked. (Reuters)`): `via` and at most three words,
/// the first a capital, after a `(…)` group.
fn via_note(text: &str) -> Option<&str> {
    let text = text.trim_end();
    let (before, note) = text
        .strip_suffix(',')
        .unwrap_or(text)
        .rsplit_once(" via ")?;
    let note = note.trim();
    let before = before.trim_end();
    let before = before.strip_suffix(',').unwrap_or(before).trim_end();
    (note.starts_with(|c: char| c.is_uppercase())
        && note.split_whitespace().count() <= 3
        && !note.contains(['(', ')', '.', ','])
        && before.ends_with(')'))
    .then_some(before)
}

/// `text`'s last `(…)` group, if it ends with one of at most 80 bytes: the text before it and
/// the group's inside, trimmed.
fn last_group(text: &str) -> Option<(&str, &str)> {
    if !text.ends_with(')') {
        return None;
    }
    let open = matching_open(text)?;
    let inner = text[open + 1..text.len() - 1].trim();
    (inner.len() <= 80).then(|| (text[..open].trim_end(), inner))
}

/// Whether `text` ends as a sentence does.
fn ends_like_a_sentence(text: &str) -> bool {
    text.ends_with(['.', '!', '?', '"', '\'', '”', '’', ';'])
}

/// Whether a sentence ends inside `text` and more follows (rule 1): a word of at least three
/// lowercase letters, `.`, `!` or `?`, a space, then a capital or a bracket. `Jr. `, `St. `,
/// `vs. ` and `Dept. of` do not count.
fn sentence_ends_inside(text: &str) -> bool {
    text.as_bytes().windows(6).any(|w| {
        w[..3].iter().all(u8::is_ascii_lowercase)
            && matches!(w[3], b'.' | b'!' | b'?')
            && w[4] == b' '
            && (w[5].is_ascii_uppercase() || w[5] == b'(' || w[5] == b'[')
    })
}

/// Months and days of the week, as their first 5 letters: written as names, but they name a
/// time, not a story line (`July` ties the July 2009 Ürümqi riots to nothing of July).
const CALENDAR_WORDS: [&str; 18] = [
    "janua", "febru", "march", "april", "june", "july", "augus", "septe", "octob", "novem",
    "decem", "monda", "tuesd", "wedne", "thurs", "frida", "satur", "sunda",
];

/// Words too common in the portal's events to tie one to a story line (rule 2), as their
/// first 5 letters: each is in 2% or more of the Current Events archive's events (`united` and
/// `states` in 11%), and none names a place, a people or a thing of its own.
const COMMON_WORDS: [&str; 96] = [
    "that", "peopl", "state", "with", "from", "after", "unite", "presi", "kille", "gover", "minis",
    "natio", "repor", "injur", "least", "annou", "count", "will", "first", "other", "inter",
    "attac", "south", "offic", "force", "polic", "have", "milit", "elect", "over", "three",
    "again", "north", "death", "their", "prime", "forme", "says", "inclu", "which", "been", "more",
    "city", "court", "durin", "arres", "near", "into", "follo", "missi", "suspe", "killi", "leade",
    "four", "secur", "were", "betwe", "world", "cases", "party", "than", "membe", "provi", "since",
    "recor", "claim", "years", "ameri", "also", "five", "group", "alleg", "civil", "confi", "they",
    "sever", "milli", "this", "order", "while", "contr", "charg", "under", "autho", "respo",
    "commi", "inves", "being", "secon", "time", "gener", "dead", "when", "agree", "publi", "begin",
];

/// A run of headings, and what ties the events below it to it (rule 2).
#[derive(Debug, Default)]
struct HeadingGroup {
    /// the context names of its headings
    contexts: Vec<String>,
    /// the words of its headings
    heading_words: HashSet<String>,
    /// those written with a capital (`Trump`, not `administration`)
    heading_names: HashSet<String>,
    /// the words of the events it heads
    event_words: HashSet<String>,
    /// whether it has headed an event yet
    headed: bool,
    /// an event below it was not its own: the line's events (nested below it on the page) have
    /// ended
    closed: bool,
}

impl HeadingGroup {
    fn add_heading(&mut self, heading: &str) {
        self.contexts.extend(context_names(heading));
        for word in line_words(heading) {
            if word.capital {
                self.heading_names.insert(word.stem.clone());
            }
            self.heading_words.insert(word.stem);
        }
    }

    /// Whether the event `body` (the next one below the group) is one of the group's events,
    /// noted if so. The first one is. A later one is when it shares a word with the headings,
    /// or a name (a capitalised word within a sentence) with the events taken. Once an event
    /// was not, the line's events have ended (they are nested below the heading on the page,
    /// one after the other), and a later event is only when it names what a heading names
    /// (both with a capital: `Administration` in an event does not name the `administration` of
    /// a heading). (An event below no heading has no group.)
    fn takes(&mut self, body: &str) -> bool {
        if self.contexts.is_empty() {
            return false;
        }
        let words: Vec<Word> = line_words(body).collect();
        let belongs = !self.headed
            || words.iter().any(|word| {
                if self.closed {
                    word.name && self.heading_names.contains(&word.stem)
                } else {
                    self.heading_words.contains(&word.stem)
                        || (word.name && self.event_words.contains(&word.stem))
                }
            });
        if belongs {
            self.event_words
                .extend(words.into_iter().map(|word| word.stem));
            self.headed = true;
        } else {
            self.closed = true;
        }
        belongs
    }
}

/// A word that ties an event to a heading group (rule 2).
#[derive(Debug)]
struct Word {
    /// lowercased, its first 5 letters (so `protests` meets `protesters`)
    stem: String,
    /// written with a capital
    capital: bool,
    /// written as a name: with a capital, and not as the first word of a sentence
    name: bool,
}

/// The words that tie an event to a heading group (rule 2): 4 letters or more, common ones and
/// numbers (a year ties nothing) left out. A word may come more than once.
fn line_words(text: &str) -> impl Iterator<Item = Word> + '_ {
    // whether the next word starts a sentence: the text's first, or one after `.` `!` `?` `:`
    // that do not end a one-letter abbreviation (`U.S. Navy`: `Navy` is a name)
    let mut sentence_start = true;
    let mut previous_len = 0;
    text.split_inclusive(|c: char| !is_word_char(c))
        .filter_map(move |piece| {
            let word = piece.trim_end_matches(|c: char| !is_word_char(c));
            let after = &piece[word.len()..];
            let word = word.trim_matches(|c| c == '\'' || c == '-');
            // a possessive is the name (`Iran's` ties to `Iran`)
            let word = word.strip_suffix("'s").unwrap_or(word);
            let starts = sentence_start;
            if !word.is_empty() {
                previous_len = word.chars().count();
                sentence_start = false;
            }
            if after.contains(['.', '!', '?', ':']) && previous_len > 1 {
                sentence_start = true;
            }
            let capital = word.starts_with(char::is_uppercase);
            let lower = word.to_lowercase();
            (lower.chars().count() >= 4 && !lower.chars().all(|c| c.is_ascii_digit())).then(|| {
                Word {
                    stem: lower.chars().take(5).collect(),
                    capital,
                    name: capital && !starts,
                }
            })
        })
        .filter(|word| {
            let stem = word.stem.as_str();
            !COMMON_WORDS.contains(&stem) && !CALENDAR_WORDS.contains(&stem)
        })
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '\'' || c == '-'
}

/// The context names of a heading (rule 3).
fn context_names(heading: &str) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for part in heading.split(", ").map(str::trim).filter(|t| !t.is_empty()) {
        let year = part.starts_with(|c: char| c.is_ascii_digit())
            && part.len() >= 4
            && part
                .chars()
                .all(|c| c.is_ascii_digit() || c == '–' || c == '-');
        // the end of a list in a name (`Attacks on U.S. bases in Iraq, Jordan, and Syria`) makes
        // one name of the list's short members and the part the list starts in
        if (part.starts_with("and ") || part.starts_with("or ")) && !names.is_empty() {
            let mut from = names.len() - 1;
            while from > 0 && names[from].split_whitespace().count() <= 2 {
                from -= 1;
            }
            let name = format!("{}, {part}", names[from..].join(", "));
            names.truncate(from);
            names.push(name);
            continue;
        }
        // an abbreviation (`Washington, D.C.`) goes on the name before it too
        let abbreviation = part.len() <= 6
            && part.contains('.')
            && part.chars().all(|c| c.is_ascii_uppercase() || c == '.');
        match names.last_mut() {
            Some(name) if year || abbreviation => {
                name.push_str(", ");
                name.push_str(part);
            }
            _ => names.push(part.to_string()),
        }
    }
    names
}

/// Whether `body` reads as several context names (rule 1): `Syrian Civil War, Turkish
/// involvement in the Syrian Civil War` does, `A bridge collapses in Genoa, killing dozens`
/// does not (a lowercase part), nor does a sentence broken by `". "`.
fn names_contexts(body: &str) -> bool {
    body.contains(", ")
        && body.split(", ").all(|part| {
            (1..=11).contains(&part.split_whitespace().count())
                && part.starts_with(|c: char| c.is_uppercase() || c.is_ascii_digit())
                && !part.contains(". ")
        })
}

/// The byte index of the `(` matching the `)` that ends `text`.
fn matching_open(text: &str) -> Option<usize> {
    let mut depth = 0usize;
    for (i, c) in text.char_indices().rev() {
        match c {
            ')' => depth += 1,
            '(' => {
                depth -= 1;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
    }
    None
}

/// `text` without the editors' placeholder for a source not yet found (`… occurs.[Newslink
/// missing]`, `… Malta. [NEWSLINK MISSING].`, `<<NEWSLINK MISSING>>`): it is no part of the
/// event, and it hid the sentence's end, so the event was read as a heading.
fn without_placeholder(text: String) -> String {
    const PLACEHOLDER: &[u8] = b"newslink missing";
    let Some(at) = text
        .as_bytes()
        .windows(PLACEHOLDER.len())
        .position(|w| w.eq_ignore_ascii_case(PLACEHOLDER))
    else {
        return text;
    };
    let from = text[..at].trim_end_matches(['[', '<']).len();
    let after = &text[at + PLACEHOLDER.len()..];
    let rest = after.trim_start_matches([']', '>']);
    let rest = rest.strip_prefix('.').unwrap_or(rest);
    format!("{}{}", text[..from].trim_end(), rest)
        .trim()
        .to_string()
}

/// `Israeli-Palestinian conflict: A suicide bombing …` → `Israeli-Palestinian conflict`.
fn inline_context(body: &str) -> Option<&str> {
    let (prefix, rest) = body.split_once(": ")?;
    let words = prefix.split_whitespace().count();
    let capitalised = prefix.starts_with(|c: char| c.is_uppercase() || c.is_ascii_digit());
    let plain = !prefix.contains(['.', '"', '(', ')']);
    (words <= 6 && capitalised && plain && rest.len() > 20).then_some(prefix.trim())
}

fn collapse_whitespace(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn dedup_keep_order(tags: &mut Vec<String>) {
    let mut seen = std::collections::HashSet::new();
    tags.retain(|t| seen.insert(crate::tag::normalize_tag(t)));
}

/// A URL-safe slug of the first words of a text, at most `max` bytes.
pub fn slugify(text: &str, max: usize) -> String {
    let mut slug = String::new();
    for c in text.chars() {
        if c.is_alphanumeric() {
            for lower in c.to_lowercase() {
                slug.push(lower);
            }
        } else if !slug.ends_with('-') && !slug.is_empty() {
            slug.push('-');
        }
        if slug.len() >= max {
            break;
        }
    }
    while slug.len() > max || slug.ends_with('-') {
        slug.pop();
    }
    if slug.is_empty() {
        "event".to_string()
    } else {
        slug
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY: &str = "Date: '2017-12-11'\nSource_URI: Portal:Current events/2017 December 11\nIntelligence_Payload:\n  Armed conflicts and attacks:\n  - A bomb explodes in a station, injuring three. (NYT)\n  - Syrian Civil War, Russian military intervention in the Syrian Civil War\n  - Battle of Raqqa (2017)\n  - Forces withdraw from the\n    region now. (BBC) (RT)\n  - A second event near Raqqa, in the same story line. (AP)\n  - Unrelated lottery winners collect their prize. (AP)\n  - War in Afghanistan (2001–2021)\n  - Strike near Kabul (Reuters)\n  Uncategorized:\n  - 'Extreme weather: A flood surges through the Czech Republic into Germany.'\n";

    #[test]
    fn headings_head_the_events_below_them() {
        let events = parse_wcep_day(DAY, Path::new("2017-12-11.yaml")).unwrap();
        assert_eq!(events.len(), 6);
        assert!(events[0].contexts.is_empty());
        assert_eq!(events[0].sources[0].name, "NYT");
        assert_eq!(
            events[1].contexts,
            [
                "Syrian Civil War",
                "Russian military intervention in the Syrian Civil War",
                "Battle of Raqqa (2017)"
            ]
        );
        assert_eq!(events[1].title, "Forces withdraw from the region now.");
        assert_eq!(
            events[1]
                .sources
                .iter()
                .map(|s| s.name.as_str())
                .collect::<Vec<_>>(),
            ["BBC", "RT"]
        );
        // below the first event, one that shares a word with the group (`Raqqa`) is in it, one
        // that shares none is a story of no line that followed
        assert_eq!(events[2].contexts, events[1].contexts);
        assert!(events[3].contexts.is_empty(), "{:?}", events[3].contexts);
        assert_eq!(events[4].contexts, ["War in Afghanistan (2001–2021)"]);
        assert_eq!(events[4].title, "Strike near Kabul");
        assert_eq!(events[5].contexts, ["Extreme weather"]);
        assert_eq!(events[5].category.as_deref(), Some("Uncategorized"));
        assert_eq!(
            events[1].id,
            "wcep/2017-12-11/forces-withdraw-from-the-region-now"
        );
    }

    #[test]
    fn a_group_heads_the_run_of_events_that_share_its_words_and_names() {
        // a line's events, then stories of no line; the last ones share words with the line's
        // events, but not as the line's own would
        let day = "Date: '2019-03-02'\nIntelligence_Payload:\n  Disasters:\n  - Floods in the Sylvania valley\n  - Heavy rain cuts roads around Port Vell and the Marra valley. (Reuters)\n  - The Marra river bursts its banks, and rescuers reach the stranded villages. (AP)\n  - Rising water closes the last open road. (AP)\n  - A ferry sinks off Freedonia; eleven are missing. (BBC)\n  - A fire destroys a market in Port Vell. (AP)\n  - Troops of Sylvania's army are sent to the flooded towns. (AP)\n  - Officials in Freedonia count the rescuers' costs. (AP)\n  - The Valley Authority opens an inquiry. (AP)\n";
        let events = parse_wcep_day(day, Path::new("2019-03-02.yaml")).unwrap();
        let tagged: Vec<(&str, bool)> = events
            .iter()
            .map(|e| (&e.title[..12], !e.contexts.is_empty()))
            .collect();
        let expected = [
            // the first event below the heading
            ("Heavy rain c", true),
            // shares a name with it (`Marra`)
            ("The Marra ri", true),
            // shares no word with the heading, nor a name with the events (`road` is not
            // `roads`): the line's events have ended here
            ("Rising water", false),
            ("A ferry sink", false),
            // a name of the line's events (`Port Vell`), but below an event of no line
            ("A fire destr", false),
            // a name of the heading (`Sylvania's`): still the line's
            ("Troops of Sy", true),
            // `rescuers` is a word of the line's events, not a name
            ("Officials in", false),
            // `Valley` is a name, but the heading's `valley` is not
            ("The Valley A", false),
        ];
        assert_eq!(tagged, expected);
        assert_eq!(events[5].contexts, ["Floods in the Sylvania valley"]);
    }

    #[test]
    fn words_that_tie_are_stems_and_names_are_capitalised_within_a_sentence() {
        let words: Vec<Word> = line_words(
            "Rebels enter Freedonia's capital on Monday. Talks in U.S. Congress; the rebels' leader Ana Marra-Vell speaks",
        )
        .collect();
        let read: Vec<(&str, bool)> = words.iter().map(|w| (w.stem.as_str(), w.name)).collect();
        assert!(words[0].capital && words[4].capital);
        assert_eq!(
            read,
            [
                // a sentence's first word is not a name
                ("rebel", false),
                ("enter", false),
                // a possessive is its name
                ("freed", true),
                ("capit", false),
                // `Monday` names a day, not a line; `Talks` starts a sentence
                ("talks", false),
                // `U.S.` does not end a sentence
                ("congr", true),
                // (`leader` is too common, `Ana` too short)
                ("rebel", false),
                ("marra", true),
                ("speak", false),
            ]
        );
    }

    /// Each event's title and source names.
    fn titles_and_sources(events: &[Story]) -> Vec<(&str, Vec<&str>)> {
        events
            .iter()
            .map(|e| {
                let sources = e.sources.iter().map(|s| s.name.as_str()).collect();
                (e.title.as_str(), sources)
            })
            .collect()
    }

    #[test]
    fn sources_with_commas_between_them_are_sources() {
        let day = "Date: '2020-08-03'\nIntelligence_Payload:\n  A:\n  - Markets fall in Freedonia. (Bloomberg), (The Freedonian Times)\n  - Elections were held in 1996. (NYT), (VOA).\n  - The alert goes from \"elevated\" (yellow) to \"high\" (orange).\n  - Talks will continue in Geneva after a pause (next week).\n  - Troops cross the river at dawn in the north of Sylvania. (Sylvania Post), (Reuters)\n  - Officials say the army leaves the capital (Freedonia News) (Reuters),\n  - The death toll rises to 2,000 (Freedonia News), (AP) (Reuters)\n";
        let events = parse_wcep_day(day, Path::new("2020-08-03.yaml")).unwrap();
        let read = titles_and_sources(&events);
        assert_eq!(
            read,
            [
                (
                    "Markets fall in Freedonia.",
                    vec!["Bloomberg", "The Freedonian Times"]
                ),
                ("Elections were held in 1996.", vec!["NYT", "VOA"]),
                // no sentence ends before the groups: they are the text's own
                (
                    "The alert goes from \"elevated\" (yellow) to \"high\" (orange).",
                    vec![]
                ),
                (
                    "Talks will continue in Geneva after a pause (next week).",
                    vec![]
                ),
                (
                    "Troops cross the river at dawn in the north of Sylvania.",
                    vec!["Sylvania Post", "Reuters"]
                ),
                // no sentence ends before them, but a text ending `),` ends in its sources
                (
                    "Officials say the army leaves the capital",
                    vec!["Freedonia News", "Reuters"]
                ),
                (
                    "The death toll rises to 2,000",
                    vec!["Freedonia News", "AP", "Reuters"]
                ),
            ]
        );
        // the id is made of the title, not of its sources
        assert_eq!(events[0].id, "wcep/2020-08-03/markets-fall-in-freedonia");
    }

    #[test]
    fn notes_about_a_link_are_not_sources() {
        let day = "Date: '2005-07-06'\nIntelligence_Payload:\n  A:\n  - Curfews are imposed in Freedonia. (Freedonia Times) (registration required)\n  - The army leaves the capital (Sylvania Post) (subscription required), (Reuters)\n  - A coup is feared in Lowland. (El Diario) (in Spanish)\n  - The report is published. (Ministry of Health) (PDF)\n  - Lessons are held in Spanish. (Lowland News)\n";
        let events = parse_wcep_day(day, Path::new("2005-07-06.yaml")).unwrap();
        let read = titles_and_sources(&events);
        assert_eq!(
            read,
            [
                ("Curfews are imposed in Freedonia.", vec!["Freedonia Times"]),
                (
                    "The army leaves the capital",
                    vec!["Sylvania Post", "Reuters"]
                ),
                ("A coup is feared in Lowland.", vec!["El Diario"]),
                ("The report is published.", vec!["Ministry of Health"]),
                ("Lessons are held in Spanish.", vec!["Lowland News"]),
            ]
        );
        assert!(!is_link_note("El Pais in English"));
        // how a source was reached is not a source, nor part of the headline
        let day = "Date: '2015-06-18'\nIntelligence_Payload:\n  A:\n  - The text had been leaked. (Reuters), via MSN, (CNN), (Vatican)\n  - Aid arrives via Turkey. (AP)\n";
        assert_eq!(
            titles_and_sources(&parse_wcep_day(day, Path::new("2015-06-18.yaml")).unwrap()),
            [
                (
                    "The text had been leaked.",
                    vec!["Reuters", "CNN", "Vatican"]
                ),
                ("Aid arrives via Turkey.", vec!["AP"]),
            ]
        );
        assert!(!is_link_note("in Iraq"));
        assert!(is_link_note(" Registration Required "));
    }

    #[test]
    fn a_placeholder_for_a_missing_source_is_dropped() {
        let day = "Date: '2005-03-25'\nIntelligence_Payload:\n  A:\n  - Processions are held all over Lowland. [NEWSLINK MISSING].\n  - Freedonia border war\n  - The first shipment leaves the port.[Newslink missing]\n  - A well owned by Lowland Oil explodes. <<NEWSLINK MISSING>>\n  - Another event. (AP)\n";
        let events = parse_wcep_day(day, Path::new("2005-03-25.yaml")).unwrap();
        let titles: Vec<&str> = events.iter().map(|e| e.title.as_str()).collect();
        assert_eq!(
            titles,
            [
                "Processions are held all over Lowland.",
                "The first shipment leaves the port.",
                "A well owned by Lowland Oil explodes.",
                "Another event."
            ]
        );
        assert_eq!(events[1].contexts, ["Freedonia border war"]);
    }

    #[test]
    fn an_address_after_the_text_is_a_source() {
        let day = "Date: '2020-08-03'\nIntelligence_Payload:\n  A:\n  - The old pier collapses.http://news.example.com/arts/story/0,1,866,00.html\n  - A second launch in a week.<ref>http://www.example.co.nz/story.cfm ?</ref>\n";
        let events = parse_wcep_day(day, Path::new("2020-08-03.yaml")).unwrap();
        assert_eq!(events[0].title, "The old pier collapses.");
        assert_eq!(events[0].id, "wcep/2020-08-03/the-old-pier-collapses");
        assert_eq!(
            events[0].sources,
            [Source {
                name: "news.example.com".to_string(),
                url: Some("http://news.example.com/arts/story/0,1,866,00.html".to_string()),
            }]
        );
        assert_eq!(events[1].title, "A second launch in a week.");
        assert_eq!(
            events[1].sources[0].url.as_deref(),
            Some("http://www.example.co.nz/story.cfm")
        );
        // an event that is nothing but an address keeps it as its text
        let day = "Date: '2020-08-03'\nIntelligence_Payload:\n  A:\n  - http://news.example.com/story.html\n";
        let events = parse_wcep_day(day, Path::new("2020-08-03.yaml")).unwrap();
        assert_eq!(events[0].title, "http://news.example.com/story.html");
    }

    #[test]
    fn a_long_list_of_contexts_is_a_heading_and_a_long_event_without_sources_is_not() {
        // 16 words in two context names, no sources: a heading, so the event below takes its
        // contexts and not those of the group above it
        let day = "Date: '2020-08-03'\nIntelligence_Payload:\n  A:\n  - Freedonia border war\n  - Troops cross the river at dawn. (AP)\n  - Ceasefire line incidents during the Freedonian border war, Sylvanian military involvement in the Freedonian border war\n  - Sylvanian helicopters strike observation posts near the line. (Reuters)\n  - A flood in Lowtown, Sylvania damages two hundred homes and closes every school in the valley\n  B:\n  - Ministers of Freedonia and Sylvania meet in Geneva, agreeing on a new round of border talks next month\n  - Another event. (AP)\n  - Freedonian league champions lift the cup again\n  C:\n  - Freedonian media\n";
        let events = parse_wcep_day(day, Path::new("2020-08-03.yaml")).unwrap();
        let titles: Vec<&str> = events.iter().map(|e| e.title.as_str()).collect();
        assert_eq!(
            titles,
            [
                "Troops cross the river at dawn.",
                "Sylvanian helicopters strike observation posts near the line.",
                // last in its category: an event, though its two parts look like names
                "A flood in Lowtown, Sylvania damages two hundred homes and closes every school in the valley",
                // a lowercase part: a sentence, not names
                "Ministers of Freedonia and Sylvania meet in Geneva, agreeing on a new round of border talks next month",
                "Another event.",
                // last in its category and 6 words: it heads nothing, so it is an event
                "Freedonian league champions lift the cup again",
                // (the last item of C, 2 words, is a heading that heads nothing)
            ]
        );
        assert_eq!(events[0].contexts, ["Freedonia border war"]);
        assert_eq!(
            events[1].contexts,
            [
                "Ceasefire line incidents during the Freedonian border war",
                "Sylvanian military involvement in the Freedonian border war"
            ]
        );
        assert_eq!(events[2].contexts, events[1].contexts);
        assert!(events[3].contexts.is_empty());
    }

    #[test]
    fn a_sentence_ending_inside_or_a_link_makes_an_event() {
        for text in [
            "Lowtown mayor announces he will retire. Freedonia Herald",
            "Sylvania reports a record harvest. (Sylvanian Times",
            "Floods close the Lowtown bridge https://example.org/floods",
        ] {
            assert!(
                matches!(classify(text, false), Item::Event { .. }),
                "{text}"
            );
        }
        for text in [
            "Floyd Mayweather Jr. vs. Conor McGregor",
            "St. Lowtown Dept. of Water",
            "Freedonia border war",
        ] {
            assert!(matches!(classify(text, false), Item::Heading), "{text}");
        }
    }

    #[test]
    fn an_inline_story_line_adds_to_the_heading_group() {
        let day = "Date: '2011-03-19'\nIntelligence_Payload:\n  A:\n  - Lowland Spring\n  - 'Freedonian uprising: Protesters fill the main square of the capital. (AP)'\n  - Crowds gather again in the Freedonian capital. (AP)\n";
        let events = parse_wcep_day(day, Path::new("2011-03-19.yaml")).unwrap();
        assert_eq!(
            events[0].contexts,
            ["Lowland Spring", "Freedonian uprising"]
        );
        assert_eq!(events[1].contexts, ["Lowland Spring"]);
    }

    #[test]
    fn a_year_after_a_comma_belongs_to_the_name_before_it() {
        assert_eq!(
            context_names("Hailstorm of May 3, 2019, Flooding in Lowtown, 2018–19"),
            ["Hailstorm of May 3, 2019", "Flooding in Lowtown, 2018–19"]
        );
        assert_eq!(
            context_names("2019 Lowtown floods, Freedonia"),
            ["2019 Lowtown floods", "Freedonia"]
        );
        // a year alone is a context (nothing before it to belong to)
        assert_eq!(context_names("2016"), ["2016"]);
        // so does an abbreviation; a list in a name is one name with the part it starts in
        assert_eq!(
            context_names(
                "Lowland Spring, Attacks on bases in Freedonia, Sylvania, and Lowland, COVID-19 pandemic in Lowtown, D.C."
            ),
            [
                "Lowland Spring",
                "Attacks on bases in Freedonia, Sylvania, and Lowland",
                "COVID-19 pandemic in Lowtown, D.C."
            ]
        );
        assert_eq!(
            context_names("Parole for Freedonians, Sylvanians, and Lowlanders"),
            ["Parole for Freedonians, Sylvanians, and Lowlanders"]
        );
    }

    #[test]
    fn yaml_errors_carry_the_line() {
        let err = parse_wcep_day(
            "Date: '2017-12-11'\nIntelligence_Payload:\n  A:\n  - [unclosed\n",
            Path::new("d.yaml"),
        )
        .unwrap_err();
        assert!(err.to_string().starts_with("d.yaml:"), "{err}");
        assert!(err.to_string().contains("YAML syntax error"), "{err}");
        let err = parse_wcep_day("Date: '2017-02-30'\n", Path::new("d.yaml")).unwrap_err();
        assert!(err.to_string().contains("impossible date"), "{err}");
    }

    #[test]
    fn repeated_events_get_distinct_stable_ids() {
        let day = "Date: '2020-01-01'\nIntelligence_Payload:\n  A:\n  - Same text here. (X)\n  - Same text here. (Y)\n";
        let events = parse_wcep_day(day, Path::new("d.yaml")).unwrap();
        assert_eq!(events[0].id, "wcep/2020-01-01/same-text-here");
        assert_eq!(events[1].id, "wcep/2020-01-01/same-text-here-2");
    }
}
