//! The search box's query language, parsed leniently: a malformed query is never an error, it
//! falls back to plain words, and [`ParsedQuery::notices`] says what was read otherwise than
//! typed.
//!
//! ```text
//! putin syria                 words (all-words matches rank first)
//! "civil war"                 a phrase
//! -russia  -"civil war"       exclusions
//! fire OR flood               either word
//! tag:"Syrian Civil War"      stories carrying a context tag
//! date:2017-12..2018-01       a date range (year, month or day precision; inclusive)
//! ```

use storyline_story::Date;

/// One positive clause of a query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Clause {
    /// A word.
    Word(String),
    /// A phrase.
    Phrase(String),
    /// Any of these clauses (words or phrases joined by `OR`).
    AnyOf(Vec<Clause>),
}

/// A parsed query.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ParsedQuery {
    /// Positive clauses, in order.
    pub clauses: Vec<Clause>,
    /// Excluded words and phrases.
    pub excluded: Vec<Clause>,
    /// Required tags (as typed; keys are made by the index's normaliser).
    pub tags: Vec<String>,
    /// Earliest day (inclusive).
    pub from: Option<Date>,
    /// Latest day (inclusive).
    pub to: Option<Date>,
    /// Whether the last word is still being typed (no trailing space): it also matches as a prefix.
    pub last_is_prefix: bool,
    /// What was read otherwise than typed, and how, for the person who typed it.
    pub notices: Vec<String>,
}

enum Piece {
    Text {
        text: String,
        quoted: bool,
        negated: bool,
    },
    Or,
    /// A `tag:` or `date:` with nothing after it.
    Bare(String),
}

fn lex(input: &str) -> Vec<(String, Piece)> {
    let chars: Vec<char> = input.chars().collect();
    let mut pieces = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        if chars[i].is_whitespace() {
            i += 1;
            continue;
        }
        let negated = chars[i] == '-' && i + 1 < chars.len() && !chars[i + 1].is_whitespace();
        let start = if negated { i + 1 } else { i };
        // field prefix like tag: or date:
        let mut j = start;
        let mut field = String::new();
        while j < chars.len() && (chars[j].is_ascii_alphabetic()) {
            j += 1;
        }
        if j < chars.len() && chars[j] == ':' && j > start {
            field = chars[start..j]
                .iter()
                .collect::<String>()
                .to_ascii_lowercase();
            if field == "tag" || field == "date" {
                j += 1;
            } else {
                field.clear();
                j = start;
            }
        } else {
            j = start;
        }
        let (text, quoted, end) = if j < chars.len() && chars[j] == '"' {
            match chars[j + 1..].iter().position(|c| *c == '"') {
                Some(close) => (
                    chars[j + 1..j + 1 + close].iter().collect(),
                    true,
                    j + close + 2,
                ),
                None => {
                    // unclosed quote: the rest is plain words
                    let rest: String = chars[j + 1..].iter().collect();
                    for word in rest.split_whitespace() {
                        pieces.push((
                            String::new(),
                            Piece::Text {
                                text: word.to_string(),
                                quoted: false,
                                negated: false,
                            },
                        ));
                    }
                    break;
                }
            }
        } else {
            let mut k = j;
            while k < chars.len() && !chars[k].is_whitespace() {
                k += 1;
            }
            (chars[j..k].iter().collect::<String>(), false, k)
        };
        i = end;
        if field.is_empty() && !quoted && !negated && text == "OR" {
            pieces.push((field, Piece::Or));
        } else if text.trim().is_empty() {
            if !field.is_empty() && !negated {
                pieces.push((String::new(), Piece::Bare(field)));
            }
        } else {
            pieces.push((
                field,
                Piece::Text {
                    text,
                    quoted,
                    negated,
                },
            ));
        }
    }
    pieces
}

/// A date bound from `2017`, `2017-12` or `2017-12-11`; `end` picks the last day of the span.
fn date_bound(text: &str, end: bool) -> Option<Date> {
    let parts: Vec<&str> = text.trim().split('-').collect();
    let year: i32 = parts.first()?.parse().ok()?;
    match parts.len() {
        1 => Date::new(year, if end { 12 } else { 1 }, if end { 31 } else { 1 }),
        2 => {
            let month: u32 = parts[1].parse().ok()?;
            if end {
                let next = if month == 12 {
                    Date::new(year + 1, 1, 1)?
                } else {
                    Date::new(year, month + 1, 1)?
                };
                Some(Date::from_days_since_epoch(next.days_since_epoch() - 1))
            } else {
                Date::new(year, month, 1)
            }
        }
        3 => text.parse().ok(),
        _ => None,
    }
}

/// Parses `date:` values: `A..B`, `A..`, `..B` or a single span `A`.
pub fn date_range(text: &str) -> Option<(Option<Date>, Option<Date>)> {
    match text.split_once("..") {
        Some((a, b)) => {
            let from = if a.is_empty() {
                None
            } else {
                Some(date_bound(a, false)?)
            };
            let to = if b.is_empty() {
                None
            } else {
                Some(date_bound(b, true)?)
            };
            Some((from, to))
        }
        None => Some((
            Some(date_bound(text, false)?),
            Some(date_bound(text, true)?),
        )),
    }
}

/// Abbreviations news writes with a period (`Pres. Bush`, `Gov. Newsom`, `Sen. McCain`), and
/// the words stories write out: a query's `pres.` also finds `president`. (Without this, no
/// story has both `pres` and `bush`, and the rare `pres` of `Granges-près-Marnand` ranked
/// first.)
const ABBREVIATIONS: [(&str, &str); 14] = [
    ("pres", "president"),
    ("gov", "governor"),
    ("govt", "government"),
    ("sen", "senator"),
    ("rep", "representative"),
    ("gen", "general"),
    ("lt", "lieutenant"),
    ("col", "colonel"),
    ("sgt", "sergeant"),
    ("capt", "captain"),
    ("dept", "department"),
    ("intl", "international"),
    ("univ", "university"),
    ("assn", "association"),
];

/// The word an abbreviated word typed with its period stands for.
fn abbreviation(word: &str) -> Option<&'static str> {
    let short = word.strip_suffix('.')?.to_ascii_lowercase();
    ABBREVIATIONS
        .iter()
        .find(|(abbreviated, _)| *abbreviated == short)
        .map(|(_, full)| *full)
}

/// Parses a query. Never fails: anything it cannot read is taken as words.
pub fn parse(input: &str) -> ParsedQuery {
    let mut parsed = ParsedQuery {
        last_is_prefix: !input.ends_with(char::is_whitespace),
        ..Default::default()
    };
    let mut pending_or = false;
    let mut last_quoted = false;
    for (field, piece) in lex(input) {
        let (text, quoted, negated) = match piece {
            Piece::Or => {
                pending_or = !parsed.clauses.is_empty();
                continue;
            }
            Piece::Bare(field) => {
                parsed.notices.push(format!(
                    "{field}: has nothing after it (write {field}:{}): left out",
                    if field == "tag" {
                        "\"Syrian Civil War\""
                    } else {
                        "2017-12..2018-01"
                    }
                ));
                continue;
            }
            Piece::Text {
                text,
                quoted,
                negated,
            } => (text, quoted, negated),
        };
        match field.as_str() {
            "tag" => {
                parsed.tags.push(text);
                continue;
            }
            "date" => {
                if let Some((from, to)) = date_range(&text) {
                    parsed.from = from.or(parsed.from);
                    parsed.to = to.or(parsed.to);
                    continue;
                }
                parsed.notices.push(format!(
                    "date:{text} is not a date or a range of dates (2017, 2017-12, \
                     2017-12-11, 2017-12..2018-01, ..2018-01): searched as words"
                ));
            }
            _ => {}
        }
        let text = if field == "date" {
            format!("date:{text}")
        } else {
            text
        };
        let clause = if quoted {
            Clause::Phrase(text)
        } else if let Some(full) = (!negated && !pending_or)
            .then(|| abbreviation(&text))
            .flatten()
        {
            parsed
                .notices
                .push(format!("\"{text}\" is read as \"{full}\" too"));
            Clause::AnyOf(vec![Clause::Word(text), Clause::Word(full.to_string())])
        } else {
            Clause::Word(text)
        };
        last_quoted = quoted;
        if negated {
            parsed.excluded.push(clause);
        } else if pending_or {
            let previous = parsed.clauses.pop().expect("pending_or implies a clause");
            let merged = match previous {
                Clause::AnyOf(mut options) => {
                    options.push(clause);
                    Clause::AnyOf(options)
                }
                other => Clause::AnyOf(vec![other, clause]),
            };
            parsed.clauses.push(merged);
        } else {
            parsed.clauses.push(clause);
        }
        pending_or = false;
    }
    parsed.last_is_prefix &= !last_quoted && matches!(parsed.clauses.last(), Some(Clause::Word(_)));
    parsed
}

#[cfg(test)]
mod tests {
    use super::*;

    fn word(w: &str) -> Clause {
        Clause::Word(w.into())
    }

    #[test]
    fn an_abbreviation_with_its_period_is_read_as_the_word_too() {
        let parsed = parse("Pres. bush");
        assert_eq!(
            parsed.clauses,
            [
                Clause::AnyOf(vec![word("Pres."), word("president")]),
                word("bush")
            ]
        );
        assert_eq!(parsed.notices, ["\"Pres.\" is read as \"president\" too"]);
        // without the period, excluded, or in an OR: as typed
        assert_eq!(parse("pres bush").clauses, [word("pres"), word("bush")]);
        assert_eq!(parse("bush -sen.").excluded, [word("sen.")]);
        assert!(parse("bush OR gov.").notices.is_empty());
    }

    #[test]
    fn parses_the_whole_syntax() {
        let q = parse(
            "putin \"civil war\" -russia fire OR flood tag:\"Syrian Civil War\" tag:ISIS date:2017-12..2018-01 ",
        );
        assert_eq!(
            q.clauses,
            [
                word("putin"),
                Clause::Phrase("civil war".into()),
                Clause::AnyOf(vec![word("fire"), word("flood")])
            ]
        );
        assert_eq!(q.excluded, [word("russia")]);
        assert_eq!(q.tags, ["Syrian Civil War", "ISIS"]);
        assert_eq!(q.from.unwrap().to_string(), "2017-12-01");
        assert_eq!(q.to.unwrap().to_string(), "2018-01-31");
        assert!(!q.last_is_prefix);
    }

    #[test]
    fn malformed_queries_fall_back_to_words() {
        let q = parse("\"unclosed quote here");
        assert_eq!(q.clauses, [word("unclosed"), word("quote"), word("here")]);
        let q = parse("OR - date:garbage tag: -");
        assert_eq!(q.clauses, [word("-"), word("date:garbage"), word("-")]);
        assert_eq!(
            q.notices,
            [
                "date:garbage is not a date or a range of dates (2017, 2017-12, 2017-12-11, \
                 2017-12..2018-01, ..2018-01): searched as words",
                "tag: has nothing after it (write tag:\"Syrian Civil War\"): left out",
            ]
        );
        assert_eq!(
            parse("fire date:2018-13 date: ").notices,
            [
                "date:2018-13 is not a date or a range of dates (2017, 2017-12, 2017-12-11, \
                 2017-12..2018-01, ..2018-01): searched as words",
                "date: has nothing after it (write date:2017-12..2018-01): left out",
            ]
        );
        // what reads as typed says nothing
        assert!(
            parse("putin \"civil war\" -russia tag:ISIS date:2017..2018-02 ")
                .notices
                .is_empty()
        );
        assert!(parse("").clauses.is_empty());
        assert!(parse("putin sy").last_is_prefix);
    }

    #[test]
    fn date_spans() {
        assert_eq!(
            date_range("2017").unwrap().1.unwrap().to_string(),
            "2017-12-31"
        );
        assert_eq!(
            date_range("2016-02").unwrap().1.unwrap().to_string(),
            "2016-02-29"
        );
        assert_eq!(
            date_range("..2018-01-05").unwrap(),
            (None, Some("2018-01-05".parse().unwrap()))
        );
        assert!(date_range("2018-13").is_none());
    }
}
