//! Index and search end to end on the real archives and the bundled sample.

mod common;

use std::collections::HashMap;
use std::sync::OnceLock;

use common::{BuiltIndex, build_index, corpus, s, sample, storyline, storyline_json};
use storyline_index::schema::SCHEMA_VERSION;
use storyline_index::tables::Term;
use storyline_index::{SearchRequest, Sort, StoryIndex, Tables};
use storyline_story::{Date, Story, TagNormalizer};

fn wcep() -> Option<&'static BuiltIndex> {
    static INDEX: OnceLock<Option<BuiltIndex>> = OnceLock::new();
    INDEX
        .get_or_init(|| corpus("wcep-en").map(|p| build_index(&p)))
        .as_ref()
}

fn zh() -> Option<&'static BuiltIndex> {
    static INDEX: OnceLock<Option<BuiltIndex>> = OnceLock::new();
    INDEX
        .get_or_init(|| corpus("thecontext-zh").map(|p| build_index(&p)))
        .as_ref()
}

fn search(index: &StoryIndex, query: &str) -> storyline_index::SearchResults {
    index
        .search(&SearchRequest {
            query: query.into(),
            ..Default::default()
        })
        .expect("search")
}

/// The rank (0-based) of `id` in the first `limit` results of `query`.
fn rank(index: &StoryIndex, query: &str, id: &str, limit: usize) -> Option<usize> {
    let results = index
        .search(&SearchRequest {
            query: query.into(),
            limit,
            ..Default::default()
        })
        .unwrap();
    results.hits.iter().position(|h| h.id == id)
}

/// Every `step`-th story, skipping stories whose headline is shared with another story.
fn probes(stories: &[Story], step: usize) -> Vec<&Story> {
    let mut titles: HashMap<&str, usize> = HashMap::new();
    for story in stories {
        *titles.entry(story.title.as_str()).or_default() += 1;
    }
    stories
        .iter()
        .step_by(step)
        .filter(|s| titles[s.title.as_str()] == 1)
        .collect()
}

#[test]
fn english_stories_come_first_for_their_own_distinctive_words() {
    let Some(built) = wcep() else { return };
    // document frequency of lower-cased words, to pick each probe's rarest words
    let mut df: HashMap<String, usize> = HashMap::new();
    for story in &built.stories {
        let mut words: Vec<String> = story
            .title
            .split_whitespace()
            .map(|w| w.to_lowercase())
            .collect();
        words.dedup();
        for w in words {
            *df.entry(w).or_default() += 1;
        }
    }
    let probes = probes(&built.stories, 1_500);
    let (mut first, mut top3) = (0, 0);
    for story in &probes {
        let mut words: Vec<String> = story
            .title
            .split_whitespace()
            .map(|w| {
                w.trim_matches(|c: char| !c.is_alphanumeric())
                    .to_lowercase()
            })
            .filter(|w| w.len() > 3 && w.chars().all(char::is_alphanumeric))
            .collect();
        words.sort_by_key(|w| (df.get(w).copied().unwrap_or(0), w.clone()));
        words.dedup();
        let query = words.iter().take(3).cloned().collect::<Vec<_>>().join(" ");
        match rank(&built.index, &format!("{query} "), &story.id, 3) {
            Some(0) => {
                first += 1;
                top3 += 1
            }
            Some(_) => top3 += 1,
            None => {}
        }
    }
    let n = probes.len();
    assert!(n >= 60, "{n} probes");
    assert!(first * 100 >= n * 75, "first for {first} of {n}");
    assert!(top3 * 100 >= n * 90, "top 3 for {top3} of {n}");
}

#[test]
fn chinese_stories_are_found_in_simplified_and_traditional() {
    let Some(built) = zh() else { return };
    let probes = probes(&built.stories, 150);
    let (mut found, mut found_folded) = (0, 0);
    for story in &probes {
        let words = storyline_index::analyzer::query_words(&story.title);
        let mut long: Vec<&String> = words.iter().filter(|w| w.chars().count() >= 2).collect();
        long.sort_by_key(|w| std::cmp::Reverse(w.chars().count()));
        let query: Vec<&str> = long.iter().take(3).map(|w| w.as_str()).collect();
        let query = format!("{} ", query.join(" "));
        // the query words come out of jieba folded to simplified; the page itself is often traditional
        found += usize::from(rank(&built.index, &query, &story.id, 3).is_some());
        // the headline as written (often traditional), up to its first punctuation mark
        let traditional_title_words: String = story
            .title
            .chars()
            .take_while(|c| !matches!(c, '，' | '。' | '、' | '；' | '：' | ','))
            .take(24)
            .collect();
        found_folded += usize::from(
            rank(
                &built.index,
                &format!("{traditional_title_words} "),
                &story.id,
                3,
            )
            .is_some(),
        );
    }
    let n = probes.len();
    assert!(n >= 50, "{n} probes");
    assert!(
        found * 100 >= n * 85,
        "simplified words: top 3 for {found} of {n}"
    );
    assert!(
        found_folded * 100 >= n * 85,
        "original (traditional) text: top 3 for {found_folded} of {n}"
    );
    // 美國 and 美国 are the same word to the index
    let a = search(&built.index, "美國 山火");
    let b = search(&built.index, "美国 山火");
    assert!(a.total > 0);
    assert_eq!(a.total, b.total);
    assert_eq!(
        a.hits.iter().map(|h| &h.id).collect::<Vec<_>>(),
        b.hits.iter().map(|h| &h.id).collect::<Vec<_>>()
    );
}

fn tag_count(stories: &[Story], tag: &str) -> usize {
    let normalizer = TagNormalizer::new();
    let key = normalizer.key(tag);
    stories
        .iter()
        .filter(|s| s.contexts.iter().any(|t| normalizer.key(t) == key))
        .count()
}

#[test]
fn tag_and_date_filters_count_exactly() {
    let Some(built) = wcep() else { return };
    for tag in [
        "Syrian Civil War",
        "syrian civil war",
        "COVID-19 pandemic",
        "Thomas Fire",
    ] {
        let expected = tag_count(&built.stories, tag);
        let request = SearchRequest {
            tags: vec![tag.into()],
            ..Default::default()
        };
        assert_eq!(
            built.index.search(&request).unwrap().total,
            expected,
            "tag {tag}"
        );
        let via_syntax = search(&built.index, &format!("tag:\"{tag}\""));
        assert_eq!(via_syntax.total, expected, "tag:\"{tag}\"");
    }
    let from: Date = "2017-12-01".parse().unwrap();
    let to: Date = "2018-01-31".parse().unwrap();
    let expected = built
        .stories
        .iter()
        .filter(|s| s.date >= from && s.date <= to)
        .count();
    let results = search(&built.index, "date:2017-12..2018-01");
    assert_eq!(results.total, expected);
    assert!(
        results.hits.windows(2).all(|w| w[0].date >= w[1].date),
        "a query without words lists newest first"
    );
    let request = SearchRequest {
        from: Some(from),
        to: Some(to),
        sort: Sort::Oldest,
        ..Default::default()
    };
    let oldest = built.index.search(&request).unwrap();
    assert_eq!(oldest.total, expected);
    assert_eq!(oldest.hits[0].date, from);
    // filters combine with words
    let syria = search(&built.index, "syria tag:\"Syrian Civil War\" date:2017");
    assert!(syria.total > 0);
    assert!(syria.hits.iter().all(|h| {
        h.date.year() == 2017
            && h.tags
                .iter()
                .any(|t| t.eq_ignore_ascii_case("Syrian Civil War"))
    }));
}

#[test]
fn facets_match_counts_computed_from_the_stories() {
    let Some(built) = wcep() else { return };
    let by_id: HashMap<&str, &Story> = built.stories.iter().map(|s| (s.id.as_str(), s)).collect();
    let normalizer = TagNormalizer::new();
    let distinct_tags = built.index.tables().tags.len();
    // a few matches (their tags sorted and counted) and many (counted in a dense array)
    for (query, least, most) in [
        ("obama", 300, distinct_tags / 16),
        ("earthquake", distinct_tags / 16, usize::MAX),
    ] {
        let total = search(&built.index, query).total;
        assert!(total > least && total < most, "{query}: {total}");
        let request = SearchRequest {
            query: query.into(),
            facets: true,
            limit: total,
            ..Default::default()
        };
        let results = built.index.search(&request).unwrap();
        assert_eq!(results.hits.len(), total);
        let mut tags: HashMap<String, u64> = HashMap::new();
        let mut months: HashMap<String, u64> = HashMap::new();
        for hit in &results.hits {
            let story = by_id[hit.id.as_str()];
            let mut keys: Vec<String> = story.contexts.iter().map(|t| normalizer.key(t)).collect();
            keys.sort();
            keys.dedup();
            for key in keys {
                *tags.entry(key).or_default() += 1;
            }
            *months
                .entry(story.date.to_string()[..7].to_string())
                .or_default() += 1;
        }
        let facets = results.facets.expect("facets");
        // the 20 most used tags, most used first, ties by key
        let mut expected: Vec<(String, u64)> = tags.into_iter().collect();
        expected.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        expected.truncate(20);
        assert_eq!(
            facets
                .tags
                .iter()
                .map(|t| (t.key.clone(), t.count))
                .collect::<Vec<_>>(),
            expected,
            "{query}"
        );
        let mut expected: Vec<(String, u64)> = months.into_iter().collect();
        expected.sort();
        assert_eq!(
            facets
                .months
                .iter()
                .map(|m| (m.month.clone(), m.count))
                .collect::<Vec<_>>(),
            expected,
            "{query}"
        );
    }
}

#[test]
fn snippets_highlight_the_matched_words() {
    let Some(built) = wcep() else { return };
    let results = search(&built.index, "earthquake tsunami ");
    assert!(!results.hits.is_empty());
    for hit in &results.hits {
        let chars: Vec<char> = hit.title.text.chars().collect();
        let marked: Vec<String> = hit
            .title
            .highlights
            .iter()
            .map(|[a, b]| chars[*a..*b].iter().collect::<String>().to_lowercase())
            .collect();
        assert!(
            marked.iter().any(|m| m.starts_with("earthquake")),
            "{marked:?} in {}",
            hit.title.text
        );
        assert!(
            marked.iter().any(|m| m.starts_with("tsunami")),
            "{marked:?} in {}",
            hit.title.text
        );
        assert!(hit.title.to_html().contains("<mark>"));
    }
    // Chinese highlights point at the original (traditional) characters
    let Some(zh) = zh() else { return };
    let results = search(&zh.index, "美国 ");
    let hit = results
        .hits
        .iter()
        .find(|h| h.title.text.contains("美國"))
        .expect("a traditional headline");
    let chars: Vec<char> = hit.title.text.chars().collect();
    assert!(
        hit.title
            .highlights
            .iter()
            .any(|[a, b]| chars[*a..*b].iter().collect::<String>() == "美國")
    );
}

#[test]
fn words_all_first_then_partial_matches_prefix_and_typos() {
    let Some(built) = wcep() else { return };
    // all-words matches rank above partial ones
    let results = built
        .index
        .search(&SearchRequest {
            query: "thomas fire largest ".into(),
            limit: 50,
            ..Default::default()
        })
        .unwrap();
    let full = |h: &storyline_index::Hit| {
        let t = h.title.text.to_lowercase();
        t.contains("thomas") && t.contains("fire") && t.contains("largest")
    };
    let first_partial = results
        .hits
        .iter()
        .position(|h| !full(h))
        .unwrap_or(results.hits.len());
    assert!(first_partial >= 1);
    assert!(results.hits[first_partial..].iter().all(|h| !full(h)));
    assert!(results.relaxed);
    // search as you type: the last word matches as a prefix
    let typing = search(&built.index, "thomas fi");
    assert!(
        typing
            .hits
            .iter()
            .any(|h| h.title.text.contains("Thomas Fire"))
    );
    // typo tolerance for a word the index does not know, ranked like the real word
    let typo = search(&built.index, "earthqauke ");
    assert!(typo.total > 100, "{}", typo.total);
    assert!(
        typo.hits[0]
            .title
            .text
            .to_lowercase()
            .contains("earthquake")
    );
    // phrases, exclusions and OR
    let phrase = search(&built.index, "\"civil war\" ");
    assert!(
        phrase
            .hits
            .iter()
            .all(|h| h.title.text.to_lowercase().contains("civil war"))
    );
    let without = search(&built.index, "syria -russia -russian ");
    assert!(
        without
            .hits
            .iter()
            .all(|h| !h.title.text.to_lowercase().contains("russia"))
    );
    let either = search(&built.index, "tsunami OR avalanche ");
    assert!(either.total > search(&built.index, "tsunami ").total);
    // malformed input is never an error
    for query in [
        "\"unclosed",
        "tag:",
        "date:2017-99..x",
        "-",
        "OR OR",
        "((",
        "***",
    ] {
        built
            .index
            .search(&SearchRequest {
                query: query.into(),
                ..Default::default()
            })
            .unwrap();
    }
}

/// The text of each highlighted range of `text`.
fn marked(text: &storyline_index::Highlighted) -> Vec<String> {
    let chars: Vec<char> = text.text.chars().collect();
    text.highlights
        .iter()
        .map(|&[a, b]| chars[a..b].iter().collect())
        .collect()
}

/// The ids of the hits, in order.
fn ids(results: &storyline_index::SearchResults) -> Vec<String> {
    results.hits.iter().map(|h| h.id.clone()).collect()
}

/// How many hits' headlines hold `words`, asserting that they all come before the others.
fn first_with(results: &storyline_index::SearchResults, words: &str) -> usize {
    let titles: Vec<&str> = results.hits.iter().map(|h| h.title.text.as_str()).collect();
    let with = titles.iter().filter(|t| t.contains(words)).count();
    assert!(
        titles[..with].iter().all(|t| t.contains(words)),
        "{titles:#?}"
    );
    with
}

#[test]
fn search_as_you_type_puts_the_words_side_by_side_first() {
    let Some(built) = wcep() else { return };
    let page = |query: &str, offset: usize, limit: usize| {
        built
            .index
            .search(&SearchRequest {
                query: query.into(),
                offset,
                limit,
                ..Default::default()
            })
            .unwrap()
    };
    // "fi" begins "Fire" and "files": the stories whose headlines have the two words together
    // come before Thomas Cook's ("... Thomas Cook Group, files for bankruptcy"), the best match
    // by the words alone
    let typing = search(&built.index, "thomas fi");
    let together = first_with(&typing, "Thomas Fire");
    assert!(together >= 5, "{together}");
    // all five headlines that have them, though by the words alone they rank 2nd, 3rd, 7th,
    // 16th and 20th of the 36 stories with both (the letters "fi" begin thousands of words,
    // all scored alike)
    let headlines = built
        .stories
        .iter()
        .filter(|s| s.title.contains("Thomas Fire"))
        .count();
    assert_eq!(headlines, 5);
    let five = page("thomas fi", 0, 5);
    assert_eq!(first_with(&five, "Thomas Fire"), 5);
    // pages follow one order
    let wide = page("thomas fi", 0, 40);
    assert!(
        wide.hits[headlines..]
            .iter()
            .any(|h| h.title.text.contains("Thomas Cook"))
    );
    let mut paged = ids(&five);
    for offset in [5, 10, 15] {
        paged.extend(ids(&page("thomas fi", offset, 5)));
    }
    assert_eq!(paged, ids(&wide)[..20]);
    // a word being typed that is a word of its own, short and frequent (the "Co." of a
    // company, the UN), is taken as begun after other words
    for (query, words) in [
        ("supreme co", "Supreme Court"),
        ("european un", "European Union"),
    ] {
        let results = page(query, 0, 5);
        let with = results
            .hits
            .iter()
            .filter(|h| h.title.text.to_lowercase().contains(&words.to_lowercase()))
            .count();
        assert_eq!(with, 5, "{query}: {:#?}", ids(&results));
    }
    // the typed letters are marked where they begin a word
    let first = marked(&typing.hits[0].title);
    assert!(first.contains(&"Thomas".to_string()), "{first:?}");
    assert!(first.contains(&"Fi".to_string()), "{first:?}");
    // the same stories match as in date order, where it plays no part: side by side is a
    // ranking, not a filter
    let newest = built
        .index
        .search(&SearchRequest {
            query: "thomas fi".into(),
            sort: Sort::Newest,
            ..Default::default()
        })
        .unwrap();
    assert_eq!(typing.total, newest.total);
    // "yo" is a word of its own (Kim Yo-jong) and begins York
    let york = search(&built.index, "new yo");
    assert!(first_with(&york, "New York") >= 5);
    // typed in full, the words as a phrase rank first too
    let whole = search(&built.index, "boris johnson ");
    for hit in &whole.hits[..5] {
        assert!(
            hit.title.text.contains("Boris Johnson"),
            "{}",
            hit.title.text
        );
    }
}

#[test]
fn every_headline_word_begins_as_its_stem_does() {
    // what the side-by-side reading skips words by, checked on every English word of the
    // Current Events headlines: a word begins with its stem's first letter, and with its
    // stem but the last letter (`stem_beginning`) when that says anything
    let Some(built) = wcep() else { return };
    let mut english = storyline_index::analyzer::english();
    let mut seen = std::collections::HashSet::new();
    let mut checked = 0;
    for story in &built.stories {
        for word in story.title.split(|c: char| !c.is_alphanumeric()) {
            let word = word.to_ascii_lowercase();
            if word.is_empty() || !word.is_ascii() || !seen.insert(word.clone()) {
                continue;
            }
            let Some(stem) = storyline_index::analyzer::tokens(&mut english, &word)
                .into_iter()
                .next()
            else {
                continue;
            };
            assert_eq!(stem.chars().next(), word.chars().next(), "{word} -> {stem}");
            if let Some(beginning) = storyline_index::analyzer::stem_beginning(&stem) {
                assert!(word.starts_with(beginning), "{word} -> {stem}");
                checked += 1;
            }
        }
    }
    assert!(checked > 30_000, "{checked}");
}

#[test]
fn hits_are_their_stories_whether_read_from_the_tables_or_the_store() {
    // a story without a summary (every Current Events one) is read from the scorer tables, one
    // with a summary (most Chinese ones) from the stored document: either way a hit is its
    // story, with its tags once each, in its order
    let (mut checked, mut with_summary) = ([0usize; 2], 0);
    for (k, (built, queries)) in [
        (
            wcep(),
            &["thomas fire", "gaza ceasefire", "brexit vote", "earthquake"][..],
        ),
        (zh(), &["香港", "台湾 选举", "美国"][..]),
    ]
    .into_iter()
    .enumerate()
    {
        let Some(built) = built else { return };
        let normalizer = built.index.normalizer();
        let by_id: HashMap<&str, &Story> =
            built.stories.iter().map(|s| (s.id.as_str(), s)).collect();
        for query in queries {
            let results = built
                .index
                .search(&SearchRequest {
                    query: query.to_string(),
                    limit: 50,
                    ..Default::default()
                })
                .unwrap();
            assert!(!results.hits.is_empty(), "{query}");
            for hit in &results.hits {
                let story = by_id[hit.id.as_str()];
                assert_eq!(hit.title.text, story.title);
                assert_eq!(hit.date, story.date);
                assert_eq!(hit.language, story.language);
                let mut keys: Vec<String> = Vec::new();
                for tag in &story.contexts {
                    let key = normalizer.key(tag);
                    if !keys.contains(&key) {
                        keys.push(key);
                    }
                }
                let hit_keys: Vec<String> = hit.tags.iter().map(|t| normalizer.key(t)).collect();
                assert_eq!(hit_keys, keys, "{}", hit.id);
                if story.summary.is_empty() {
                    assert_eq!(hit.snippet, hit.title);
                } else {
                    with_summary += 1;
                }
                checked[k] += 1;
            }
        }
    }
    assert!(checked.iter().all(|&n| n >= 100), "{checked:?}");
    assert!(with_summary >= 10, "{with_summary}");
}

#[test]
fn a_reader_that_stops_early_ends_the_search_quietly() {
    let built = build_index(&sample());
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_storyline"))
        .args(["search", "fire", "--index"])
        .arg(built.dir.path().join("index"))
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run storyline");
    // the reader goes away before the results are written (as `| head -0` does)
    drop(child.stdout.take());
    let out = child.wait_with_output().expect("wait");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{:?}: {stderr}", out.status);
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn a_story_line_is_found_by_its_name() {
    // every story carrying a tag matches its name's words, in its text or not: before, a story
    // tagged "Syrian Civil War" whose headline did not say it was not found (96 of 1,104)
    let Some(built) = wcep() else { return };
    for tag in [
        "Syrian Civil War",
        "Thomas Fire",
        "Brexit",
        "COVID-19 pandemic",
    ] {
        let carrying = tag_count(&built.stories, tag);
        assert!(carrying > 0, "{tag}");
        let named = search(
            &built.index,
            &format!("{} tag:\"{tag}\"", tag.to_lowercase()),
        );
        assert_eq!(named.total, carrying, "{tag}");
        assert!(!named.relaxed, "{tag}: every word matches");
        // each hit says which of its tags the words matched
        for hit in &named.hits {
            assert!(
                hit.matched_tags.contains(&tag.to_string()),
                "{tag}: {hit:?}"
            );
            assert!(hit.matched_tags.iter().all(|t| hit.tags.contains(t)));
        }
        assert!(search(&built.index, &tag.to_lowercase()).total >= carrying);
    }
    // the one story tagged "Thomas Fire" says "a fire begins … near Santa Paula", not "Thomas"
    let thomas = search(&built.index, "thomas fire ");
    let tagged = built
        .stories
        .iter()
        .find(|s| s.contexts.iter().any(|t| t == "Thomas Fire"))
        .unwrap();
    assert!(!tagged.title.contains("Thomas"));
    assert!(thomas.hits.iter().any(|h| h.id == tagged.id));
    // "fire" is not "wildfires": a tag is marked only for a word of the query it holds
    let wildfires = thomas
        .hits
        .iter()
        .find(|h| h.tags.iter().any(|t| t.ends_with("wildfires")))
        .expect("a Thomas Fire story tagged with the wildfires");
    assert!(
        wildfires
            .matched_tags
            .iter()
            .all(|t| !t.ends_with("wildfires")),
        "{wildfires:?}"
    );
    // a phrase matches in a tag's name too
    let phrase = search(&built.index, "\"civil war\" tag:\"Syrian Civil War\"");
    assert_eq!(phrase.total, tag_count(&built.stories, "Syrian Civil War"));
    // Chinese: the most used tags, by their names
    let Some(zh) = zh() else { return };
    let mut counts: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    for story in &zh.stories {
        for tag in &story.contexts {
            *counts.entry(tag.as_str()).or_default() += 1;
        }
    }
    let mut most: Vec<(&str, usize)> = counts.into_iter().collect();
    most.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    for (tag, _) in most.into_iter().take(5) {
        let carrying = tag_count(&zh.stories, tag);
        let named = search(&zh.index, &format!("{tag} tag:\"{tag}\""));
        assert_eq!(named.total, carrying, "{tag}");
    }
}

#[test]
fn a_misspelt_word_is_read_as_the_word_most_likely_meant() {
    let Some(built) = wcep() else { return };
    // "syrain" is one edit from both "syrian" and "strain": the word in more stories is meant,
    // and the results are those of the word typed right (before: every story with either
    // word, at one constant score, oldest first, so "strain" stories came first)
    assert!(search(&built.index, "Syrian ").total > 10 * search(&built.index, "strain ").total);
    for (typed, meant, shown) in [
        ("Syrain ", "Syrian ", "Syrian"),
        ("Syrain refugees ", "Syrian refugees ", "Syrian"),
        ("earthqake Haiti ", "earthquake Haiti ", "earthquake"),
        // two edits in a long word
        (
            "Afganistann Taliban ",
            "Afghanistan Taliban ",
            "Afghanistan",
        ),
        // the last word, typed and continued by no word: read the same way
        ("Pution", "Putin ", "Putin"),
        // one edit from the word as typed, whose stem is further (president → presid)
        ("presidenq ", "president ", "president"),
        ("electioq results ", "election results ", "election"),
    ] {
        let corrected = search(&built.index, typed);
        let right = search(&built.index, meant);
        assert!(right.total > 0, "{meant}");
        assert_eq!(corrected.total, right.total, "{typed}");
        assert_eq!(ids(&corrected), ids(&right), "{typed}");
        let word = typed.split_whitespace().next().unwrap();
        assert_eq!(
            corrected.notices,
            [format!(
                "no story has the word \"{word}\": searched for \"{shown}\" instead"
            )],
            "{typed}"
        );
        assert!(right.notices.is_empty(), "{meant}: {:?}", right.notices);
        assert!(
            corrected
                .hits
                .iter()
                .all(|h| !h.title.highlights.is_empty() || !h.snippet.highlights.is_empty()),
            "{typed}: the word meant is highlighted"
        );
    }
    // so is a word of a phrase
    let phrase = search(&built.index, "\"Syrain refugees\"");
    let right = search(&built.index, "\"Syrian refugees\"");
    assert!(right.total > 0);
    assert_eq!(phrase.total, right.total);
    assert_eq!(ids(&phrase), ids(&right));
    assert_eq!(
        phrase.notices,
        ["no story has the word \"Syrain\": searched for \"Syrian\" instead"]
    );
    // an excluded word is read the same way
    assert_eq!(
        search(&built.index, "refugees -Syrain ").total,
        search(&built.index, "refugees -Syrian ").total
    );
    // a word still being typed that words continue is not corrected
    let typing = search(&built.index, "refug");
    assert!(typing.notices.is_empty(), "{:?}", typing.notices);
    assert!(typing.total > 0);
    // a word no story has and none is near (or too short to guess): said, and the other words
    // are searched
    let nothing = search(&built.index, "Obma healthcare ");
    assert_eq!(nothing.notices, ["no story has the word \"Obma\""]);
    assert!(nothing.relaxed);
    assert_eq!(nothing.total, search(&built.index, "healthcare ").total);
    let unknown = search(&built.index, "xyzzyq ");
    assert_eq!(unknown.total, 0);
    assert_eq!(unknown.notices, ["no story has the word \"xyzzyq\""]);
    // a Chinese word no story has is said, not guessed at
    let Some(zh) = zh() else { return };
    assert!(
        zh.stories
            .iter()
            .all(|s| !s.title.contains("新冠") && !s.summary.contains("新冠"))
    );
    let missing = search(&zh.index, "香港 新冠 ");
    assert_eq!(missing.notices, ["no story has the word \"新冠\""]);
    assert!(missing.relaxed);
    assert_eq!(missing.total, search(&zh.index, "香港 ").total);
    // in a phrase too, written with a space or without (before: 0 results, no word said)
    for phrase in ["\"香港 新冠\"", "\"香港新冠\""] {
        let missing = search(&zh.index, phrase);
        assert_eq!(missing.total, 0, "{phrase}");
        assert_eq!(
            missing.notices,
            ["no story has the word \"新冠\""],
            "{phrase}"
        );
    }
    assert!(search(&zh.index, "\"香港\"").notices.is_empty());
}

#[test]
fn a_joined_word_is_read_as_the_two_words_it_joins() {
    let Some(built) = wcep() else { return };
    for (typed, meant, shown) in [
        ("northkorea", "\"north korea\"", "North Korea"),
        ("primeminister ", "\"prime minister\"", "Prime Minister"),
        (
            "\"northkorea nuclear\"",
            "\"north korea nuclear\"",
            "North Korea",
        ),
    ] {
        let joined = search(&built.index, typed);
        let apart = search(&built.index, meant);
        assert!(apart.total > 5, "{meant}: {}", apart.total);
        assert_eq!(joined.total, apart.total, "{typed}");
        assert_eq!(ids(&joined), ids(&apart), "{typed}");
        let word = typed.trim().trim_matches('"').split(' ').next().unwrap();
        assert_eq!(
            joined.notices,
            [format!(
                "no story has the word \"{word}\": searched for \"{shown}\" instead"
            )],
            "{typed}"
        );
    }
}

#[test]
fn an_abbreviation_with_its_period_finds_the_word_written_out() {
    let Some(built) = wcep() else { return };
    // no story has both `pres` and `bush`: the rare `près` of Granges-près-Marnand ranked first
    let found = search(&built.index, "pres. bush");
    assert_eq!(found.notices, ["\"pres.\" is read as \"president\" too"]);
    assert!(
        found.hits.len() == 10 && found.total > 100,
        "{}",
        found.total
    );
    for hit in &found.hits {
        let title = hit.title.text.to_lowercase();
        assert!(
            title.contains("president") && title.contains("bush"),
            "{}",
            hit.title.text
        );
    }
    // every story of `president bush` is found (the word as typed still counts too)
    let written_out = search(&built.index, "president bush");
    assert!(
        found.total >= written_out.total && written_out.total > 100,
        "{} < {}",
        found.total,
        written_out.total
    );
    let senator = search(&built.index, "sen. mccain");
    assert!(
        senator.hits[0].title.text.contains("Senator"),
        "{}",
        senator.hits[0].title.text
    );
}

#[test]
fn a_rare_joined_word_is_searched_as_the_two_words_too() {
    let Some(built) = wcep() else { return };
    for (typed, apart, shown) in [
        ("hongkong ", "\"hong kong\"", "Hong Kong"),
        ("newyork ", "\"new york\"", "New York"),
        ("whitehouse ", "\"white house\"", "White House"),
    ] {
        let word = typed.trim();
        // the few stories with the word as typed are still found
        let own = built
            .stories
            .iter()
            .filter(|s| {
                let text = format!("{} {} {}", s.title, s.summary, s.contexts.join(" "));
                text.to_lowercase().contains(word)
            })
            .count();
        assert!((1..=5).contains(&own), "{word}: {own}");
        let joined = search(&built.index, typed);
        let phrase = search(&built.index, apart);
        assert!(phrase.total > 100, "{apart}: {}", phrase.total);
        assert!(joined.total >= phrase.total, "{typed}");
        assert!(joined.total <= phrase.total + own, "{typed}");
        assert_eq!(
            joined.notices,
            [format!(
                "few stories have the word \"{word}\": searched for \"{shown}\" too"
            )]
        );
    }
}

#[test]
fn searches_say_what_they_read_otherwise_than_typed() {
    let Some(built) = wcep() else { return };
    let all = built.stories.len();
    // read as typed: nothing to say
    for query in [
        "syria tag:\"Syrian Civil War\" date:2017",
        "",
        "-earthquake",
        "earthquake OR flood",
    ] {
        let results = search(&built.index, query);
        assert!(results.notices.is_empty(), "{query}: {:?}", results.notices);
        assert!(results.total > 0, "{query}");
    }
    // a month that is not one: searched as words, and said so
    let typo = search(&built.index, "fire date:2017-13");
    assert!(typo.total > 0);
    assert_eq!(typo.notices.len(), 1, "{:?}", typo.notices);
    assert!(
        typo.notices[0].starts_with("date:2017-13 is not a date or a range of dates"),
        "{:?}",
        typo.notices
    );
    // a misspelt tag finds nothing; the tag's own spelling finds stories
    let misspelt = search(&built.index, "attack tag:\"Syrian civil wr\"");
    assert_eq!(misspelt.total, 0);
    let stories = |n: usize| format!("{n} {}", if n == 1 { "story" } else { "stories" });
    assert_eq!(
        misspelt.notices,
        [format!(
            "no story carries the tag \"Syrian civil wr\"; did you mean \"Syrian Civil War\" ({})?",
            stories(tag_count(&built.stories, "Syrian Civil War"))
        )]
    );
    assert_eq!(
        misspelt.did_you_mean.as_deref(),
        Some("attack tag:\"Syrian Civil War\"")
    );
    let corrected = search(&built.index, misspelt.did_you_mean.as_deref().unwrap());
    assert!(corrected.total > 0 && corrected.notices.is_empty());
    let unknown = search(&built.index, "tag:\"Xyzzy plugh\"");
    assert_eq!(unknown.did_you_mean, None);
    assert_eq!(
        unknown.notices,
        ["no story carries the tag \"Xyzzy plugh\""]
    );
    let partial = search(&built.index, "tag:covid");
    assert_eq!(
        partial.notices,
        [format!(
            "no story carries the tag \"covid\"; did you mean \"COVID-19 pandemic\" ({})?",
            stories(tag_count(&built.stories, "COVID-19 pandemic"))
        )]
    );
    let request = SearchRequest {
        tags: vec!["Thomas Fires".into(), "Thomas Fire".into()],
        ..Default::default()
    };
    let param = built.index.search(&request).unwrap();
    assert_eq!(param.total, 0);
    assert_eq!(
        param.did_you_mean, None,
        "a tag parameter is not in the query"
    );
    assert_eq!(
        param.notices,
        [format!(
            "no story carries the tag \"Thomas Fires\"; did you mean \"Thomas Fire\" ({})?",
            stories(tag_count(&built.stories, "Thomas Fire"))
        )]
    );
    // nothing to search for: every story, newest first, and why
    let nothing = search(&built.index, "OR (");
    assert_eq!(nothing.total, all);
    assert_eq!(
        nothing.notices,
        [
            "\"OR (\" has no word that can be searched for (only very common words, or no \
          letters): every story is listed, newest first"
        ]
    );
    if let Some(zh) = zh() {
        // in Chinese a part of a name is proposed; two characters, one of them wrong, are not
        let part = search(&zh.index, "tag:香港反送中");
        assert_eq!(part.total, 0);
        assert_eq!(part.notices.len(), 1);
        assert!(
            part.notices[0]
                .starts_with("no story carries the tag \"香港反送中\"; did you mean \"香港反送中"),
            "{:?}",
            part.notices
        );
        let short = search(&zh.index, "tag:新冠");
        assert_eq!(short.notices, ["no story carries the tag \"新冠\""]);
    }
    let bare = search(&built.index, "tag: ");
    assert_eq!(bare.total, all);
    assert_eq!(
        bare.notices,
        ["tag: has nothing after it (write tag:\"Syrian Civil War\"): left out"]
    );
}

/// The stories of `stories` dated in `year`.
fn dated_in(stories: &[Story], year: i32) -> Vec<&Story> {
    stories.iter().filter(|s| s.date.year() == year).collect()
}

/// Every hit of `query` with all its words (one page of them all, none relaxed).
fn all_hits(index: &StoryIndex, query: &str) -> storyline_index::SearchResults {
    let total = search(index, query).total;
    let results = index
        .search(&SearchRequest {
            query: query.into(),
            limit: total.max(1),
            ..Default::default()
        })
        .expect("search");
    assert!(!results.relaxed, "{query}");
    results
}

#[test]
fn a_year_or_a_month_finds_the_stories_dated_in_it_as_well_as_those_naming_it() {
    let Some(built) = wcep() else { return };
    let dated = dated_in(&built.stories, 2005);
    assert!(dated.len() > 1_000);
    let results = all_hits(&built.index, "hurricane 2005");
    assert_eq!(
        results.notices,
        [format!(
            "\"2005\" is read as a year too: the {},{:03} stories dated 2005 match it",
            dated.len() / 1000,
            dated.len() % 1000
        )]
    );
    // hurricane ∧ (dated 2005 ∨ says 2005): the two sets counted apart, less their overlap
    // (a word in quotes is the word alone; a date filter is the date alone)
    let count = |query: &str| search(&built.index, query).total;
    let dated_hurricanes = count("hurricane date:2005");
    let naming = count("hurricane \"2005\"");
    let both = count("hurricane \"2005\" date:2005");
    assert!(naming < dated_hurricanes && both > 0);
    assert_eq!(results.total, dated_hurricanes + naming - both);
    // the 2005 stories on Katrina that never write the year are found: before, they were not
    let katrina: Vec<&str> = dated
        .iter()
        .filter(|s| {
            s.title.contains("Hurricane Katrina")
                && !s.title.contains("2005")
                && !s.summary.contains("2005")
                && !s.contexts.iter().any(|c| c.contains("2005"))
        })
        .map(|s| s.id.as_str())
        .collect();
    assert!(katrina.len() >= 10, "{}", katrina.len());
    let found = ids(&results);
    for id in &katrina {
        assert!(found.iter().any(|f| f == id), "{id} not found");
    }
    // the stories dated that year and naming it lead
    assert!(
        results.hits[..5]
            .iter()
            .all(|h| h.date.year() == 2005 && h.title.text.contains("2005")),
        "{:?}",
        &found[..5]
    );
    // every hit is dated 2005 or names it somewhere
    let by_id: HashMap<&str, &Story> = built.stories.iter().map(|s| (s.id.as_str(), s)).collect();
    for hit in &results.hits {
        let story = by_id[hit.id.as_str()];
        let names = story.title.contains("2005")
            || story.summary.contains("2005")
            || story.contexts.iter().any(|c| c.contains("2005"));
        assert!(story.date.year() == 2005 || names, "{}", hit.id);
    }
    // excluded, a year leaves out the stories of that year and those naming it
    let without = all_hits(&built.index, "katrina -2005");
    assert!(without.total > 0);
    assert_eq!(
        without.notices,
        [format!(
            "\"2005\" is read as a year too: the {},{:03} stories dated 2005 are left out",
            dated.len() / 1000,
            dated.len() % 1000
        )]
    );
    for hit in &without.hits {
        let story = by_id[hit.id.as_str()];
        assert!(
            story.date.year() != 2005 && !story.title.contains("2005"),
            "{}",
            hit.id
        );
    }
    // a year no story is dated in is a word as before, and nothing is said
    assert!(dated_in(&built.stories, 1850).is_empty());
    // (a space after it: a last word being typed also matches as a prefix, `1850s`)
    let old = search(&built.index, "1850 ");
    assert!(old.total > 0 && old.notices.is_empty(), "{:?}", old.notices);
    assert_eq!(old.total, count("\"1850\""));
    // nor are numbers that are not years
    let number = search(&built.index, "killing 250");
    assert!(number.total > 0);
    assert!(number.notices.is_empty(), "{:?}", number.notices);
    // a month beside a year is a date too: the Thomas Fire stories of December 2017 do not
    // write "December"
    let december = dated_in(&built.stories, 2017)
        .into_iter()
        .filter(|s| s.date.month() == 12)
        .count();
    let fires = all_hits(&built.index, "fire december 2017 ");
    assert_eq!(
        fires.notices,
        [format!(
            "\"december 2017\" is read as a month too: the {december} stories dated December \
             2017 match it"
        )]
    );
    let thomas: Vec<&Story> = built
        .stories
        .iter()
        .filter(|s| s.date.year() == 2017 && s.date.month() == 12)
        .filter(|s| s.title.contains("Thomas Fire"))
        .collect();
    assert!(thomas.len() >= 3, "{}", thomas.len());
    let found = ids(&fires);
    for story in &thomas {
        assert!(found.contains(&story.id), "{} not found", story.id);
    }
    for hit in &fires.hits {
        let story = by_id[hit.id.as_str()];
        let says = |word: &str| {
            story.title.to_lowercase().contains(word)
                || story.summary.to_lowercase().contains(word)
                || story
                    .contexts
                    .iter()
                    .any(|c| c.to_lowercase().contains(word))
        };
        assert!(
            (story.date.year() == 2017 || says("2017"))
                && ((story.date.year() == 2017 && story.date.month() == 12) || says("december")),
            "{}",
            hit.id
        );
    }
    // either side of the year
    assert_eq!(
        search(&built.index, "2017 december fire ").total,
        fires.total
    );
    // abbreviated (then the word searched is "dec", not "december")
    let dec = all_hits(&built.index, "fire 2017 dec ");
    assert_eq!(
        dec.notices,
        [format!(
            "\"2017 dec\" is read as a month too: the {december} stories dated December 2017 \
             match it"
        )]
    );
    let found = ids(&dec);
    assert!(thomas.iter().all(|story| found.contains(&story.id)));
    // a month away from a year is a word
    assert!(search(&built.index, "fire december ").notices.is_empty());
    // a day with its month and year is a date too
    let july7: Vec<&Story> = built
        .stories
        .iter()
        .filter(|s| s.date == "2005-07-07".parse().unwrap())
        .collect();
    for query in ["london july 7, 2005 ", "7 july 2005 london "] {
        let bombings = all_hits(&built.index, query);
        let typed = query
            .trim_start_matches("london ")
            .trim_end_matches(" london ")
            .trim();
        assert_eq!(
            bombings.notices,
            [format!(
                "\"{typed}\" is read as a date too: the {} stories dated 7 July 2005 match it",
                july7.len()
            )]
        );
        assert_eq!(bombings.hits[0].date, july7[0].date, "{query}");
    }
    // an ordinal day too; few stories write "7th", so the day's London stories come first and
    // make up the stories with every word
    let seventh = search(&built.index, "london july 7th, 2005 ");
    assert_eq!(
        seventh.notices,
        [format!(
            "\"july 7th, 2005\" is read as a date too: the {} stories dated 7 July 2005 match it",
            july7.len()
        )]
    );
    let london_that_day = july7
        .iter()
        .filter(|s| s.title.to_lowercase().contains("london"))
        .count();
    assert!(london_that_day >= 2, "{london_that_day}");
    for hit in &seventh.hits[..london_that_day] {
        assert_eq!(hit.date, july7[0].date, "{}", hit.id);
    }
    // a day no story is dated on, in a month some are: the month is said (the day is a word)
    let dates: std::collections::HashSet<Date> = built.stories.iter().map(|s| s.date).collect();
    let empty = (2003..2026)
        .flat_map(|y| (1..=12).flat_map(move |m| (1..=28).map(move |d| (y, m, d))))
        .map(|(y, m, d)| Date::new(y, m, d).unwrap())
        .find(|day| !dates.contains(day))
        .expect("a day without stories");
    let months = [
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
    ];
    let month = months[empty.month() as usize - 1];
    let typed = format!("{month} {} {}", empty.day(), empty.year());
    let no_day = search(&built.index, &format!("war {typed} "));
    assert!(
        no_day
            .notices
            .iter()
            .any(|n| n.starts_with(&format!("\"{typed}\" is read as a month too"))),
        "{typed}: {:?}",
        no_day.notices
    );
    // a year written in Chinese text
    if let Some(zh) = zh() {
        let results = all_hits(&zh.index, "奥运 2008");
        assert_eq!(results.notices.len(), 1, "{:?}", results.notices);
        let count = |query: &str| search(&zh.index, query).total;
        let dated = count("奥运 date:2008");
        let naming = count("奥运 \"2008\"");
        let both = count("奥运 \"2008\" date:2008");
        assert!(dated > both && naming > both, "{dated} {naming} {both}");
        assert_eq!(results.total, dated + naming - both);
        // a month written the Chinese way: 2008年5月
        let may: Vec<&Story> = zh
            .stories
            .iter()
            .filter(|s| s.date.year() == 2008 && s.date.month() == 5)
            .collect();
        let quakes = all_hits(&zh.index, "2008年5月 地震");
        assert_eq!(
            quakes.notices,
            [format!(
                "\"2008年5月\" is read as a month too: the {} stories dated 2008年5月 match it",
                may.len()
            )]
        );
        let found = ids(&quakes);
        let of_may: Vec<&&Story> = may.iter().filter(|s| s.title.contains("地震")).collect();
        assert!(of_may.len() >= 5, "{}", of_may.len());
        for story in of_may {
            assert!(found.contains(&story.id), "{} not found", story.id);
        }
        // and a day: 2008年5月12日
        let day = search(&zh.index, "地震 2008年5月12日");
        let on_the_day = may.iter().filter(|s| s.date.day() == 12).count();
        let dated = match on_the_day {
            1 => "the story dated 2008年5月12日 matches it".to_string(),
            n => format!("the {n} stories dated 2008年5月12日 match it"),
        };
        assert_eq!(
            day.notices,
            [format!("\"2008年5月12日\" is read as a date too: {dated}")]
        );
        assert!(
            day.hits
                .iter()
                .any(|h| h.date == "2008-05-12".parse().unwrap())
        );
    }
}

#[test]
fn tied_stories_are_listed_newest_first_whatever_the_build() {
    let Some(built) = wcep() else { return };
    // the same stories, handed over in the reverse order to one indexing thread: every
    // document has another address, and tantivy's own order of ties followed addresses
    let mut reversed = built.stories.clone();
    reversed.reverse();
    let dir = tempfile::tempdir().unwrap();
    let other = StoryIndex::build(
        &dir.path().join("index"),
        &reversed,
        &storyline_index::BuildSettings {
            threads: 1,
            ..Default::default()
        },
        &|| {},
    )
    .unwrap();
    let queries = [
        "earthquake",
        "flood",
        "election",
        "protest police",
        "syria",
        "oil prices",
        "hurricane florida",
        "prime minister resigns",
        "thomas fi",
        "wildfire ",
        "",
    ];
    let (mut pages, mut tied) = (0, 0);
    for query in queries {
        for sort in [Sort::Relevance, Sort::Newest, Sort::Oldest] {
            for (offset, limit) in [(0, 20), (7, 5)] {
                let request = SearchRequest {
                    query: query.into(),
                    sort,
                    offset,
                    limit,
                    ..Default::default()
                };
                let here = built.index.search(&request).unwrap();
                let there = other.search(&request).unwrap();
                assert_eq!(ids(&here), ids(&there), "{query:?} {sort:?} {offset}");
                assert_eq!(here.total, there.total);
                pages += 1;
                // (two words or more: those side by side in a headline come first, so the
                // scores of a page need not fall)
                let one_word = query.split_whitespace().count() == 1;
                for pair in here.hits.windows(2) {
                    let (a, b) = (&pair[0], &pair[1]);
                    match sort {
                        Sort::Relevance if one_word => {
                            assert!(a.score >= b.score, "{query:?}");
                            if a.score == b.score {
                                tied += 1;
                                assert!(a.date >= b.date, "{query:?}: {} before {}", a.id, b.id);
                            }
                        }
                        Sort::Relevance => {}
                        Sort::Newest => assert!(a.date >= b.date, "{query:?}"),
                        Sort::Oldest => assert!(a.date <= b.date, "{query:?}"),
                    }
                }
            }
        }
    }
    // ties are common on one-sentence stories: the check above had work to do
    assert!(tied >= 20, "{tied} ties in {pages} pages");
    // newest first is oldest first reversed, to the story
    let all = |sort| {
        let request = SearchRequest {
            query: "tag:\"Thomas Fire\"".into(),
            sort,
            limit: 100,
            ..Default::default()
        };
        ids(&built.index.search(&request).unwrap())
    };
    let mut oldest = all(Sort::Oldest);
    oldest.reverse();
    assert_eq!(all(Sort::Newest), oldest);
}

#[test]
fn sample_archive_searches_in_both_languages() {
    let built = build_index(&sample());
    let fire = search(&built.index, "thomas fire ");
    assert!(fire.total >= 5, "{}", fire.total);
    assert!(
        fire.hits
            .iter()
            .all(|h| h.language == storyline_story::Language::En)
    );
    let hk = search(&built.index, "香港");
    assert!(hk.total >= 5, "{}", hk.total);
    let hk_trad = search(&built.index, "香港 ");
    assert_eq!(hk.total, hk_trad.total);
    let taiwan_simplified = search(&built.index, "tag:台湾");
    let taiwan_traditional = search(&built.index, "tag:台灣");
    assert!(taiwan_simplified.total >= 6);
    assert_eq!(taiwan_simplified.total, taiwan_traditional.total);
}

#[test]
fn updates_add_replace_and_delete_without_a_rebuild() {
    let mut built = build_index(&sample());
    let count = built.stories.len();
    let mut story = built.stories[0].clone();
    let old_title = story.title.clone();
    story.title = "Zanzibar quokka festival draws record crowds".into();
    let mut new_story = story.clone();
    new_story.id = "news/2024/2/2/quokka".into();
    new_story.title = "Second quokka parade announced".into();
    let report = built
        .index
        .update(
            &[story.clone(), new_story],
            &[built.stories[1].id.clone(), "missing/id".into()],
        )
        .unwrap();
    assert_eq!((report.added, report.replaced, report.deleted), (1, 1, 1));
    assert_eq!(report.missing, ["missing/id"]);
    assert_eq!(search(&built.index, "quokka").total, 2);
    assert_eq!(built.index.tables().len(), count);
    assert!(built.index.story(&built.stories[1].id).unwrap().is_none());
    let reopened = StoryIndex::open(&built.dir.path().join("index")).unwrap();
    assert_eq!(
        reopened.story(&story.id).unwrap().unwrap().title,
        story.title
    );
    assert_eq!(reopened.tables().len(), count);
    let old_words: String = old_title
        .split_whitespace()
        .take(4)
        .collect::<Vec<_>>()
        .join(" ");
    let old = search(&reopened, &format!("\"{old_words}\""));
    assert!(
        old.hits.iter().all(|h| h.id != story.id),
        "the old version is gone"
    );
}

#[test]
fn killing_a_build_half_way_leaves_the_earlier_index_searchable() {
    let Some(wcep_path) = corpus("wcep-en") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let index = dir.path().join("index");
    let out = storyline(&["index", s(&sample()), "--index", s(&index), "--quiet"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let before = storyline_json(
        &["search", "thomas", "fire", "--index", s(&index), "--json"],
        0,
    );
    assert!(before["total"].as_u64().unwrap() >= 5);

    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_storyline"))
        .args(["index", s(&wcep_path), "--index", s(&index), "--quiet"])
        .spawn()
        .unwrap();
    // wait until the new generation is being written, then kill the build
    let started = std::time::Instant::now();
    while !index.join("gen-000002").exists() && started.elapsed().as_secs() < 30 {
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    std::thread::sleep(std::time::Duration::from_millis(300));
    child.kill().unwrap();
    let status = child.wait().unwrap();
    assert!(!status.success(), "the build was killed before it finished");

    let after = storyline_json(
        &["search", "thomas", "fire", "--index", s(&index), "--json"],
        0,
    );
    assert_eq!(before["total"], after["total"]);
    assert_eq!(before["hits"], after["hits"]);
    // the next build cleans the leftovers and replaces the index
    let out = storyline(&["index", s(&sample()), "--index", s(&index), "--quiet"]);
    assert!(out.status.success());
    let generations: Vec<_> = std::fs::read_dir(&index)
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with("gen-"))
        .collect();
    assert_eq!(generations.len(), 1);
}

#[test]
fn an_index_from_an_incompatible_version_says_to_rebuild() {
    let dir = tempfile::tempdir().unwrap();
    let index = dir.path().join("index");
    assert!(
        storyline(&["index", s(&sample()), "--index", s(&index), "--quiet"])
            .status
            .success()
    );
    let current = std::fs::read_to_string(index.join("CURRENT")).unwrap();
    let meta = index.join(current.trim()).join("storyline.json");
    let text = std::fs::read_to_string(&meta).unwrap().replace(
        &format!("\"schema_version\":{SCHEMA_VERSION}"),
        "\"schema_version\":99",
    );
    std::fs::write(&meta, text).unwrap();
    let out = storyline(&["search", "fire", "--index", s(&index)]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("schema version 99") && err.contains("rebuild it with `storyline index`"),
        "{err}"
    );
    let out = storyline(&["search", "fire", "--index", s(&dir.path().join("nothing"))]);
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("no index at"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn scorer_tables_in_an_older_format_or_damaged_are_built_again_at_open() {
    let built = build_index(&sample());
    let root = built.dir.path().join("index");
    let current = std::fs::read_to_string(root.join("CURRENT")).unwrap();
    let file = root.join(current.trim()).join("tables.bin");
    let good = std::fs::read(&file).unwrap();
    let expected = built.index.tables().clone();
    // files before the format mark were postcard from the first byte: without the mark, a file
    // is not read as tables
    let older = good[8..].to_vec();
    // the last format mark before columns were read in place
    let mut postcard_columns = good.clone();
    postcard_columns[7] = 2;
    let cut = good[..good.len() / 2].to_vec();
    // the last text vector's terms overwritten: term ids past the vocabulary
    let mut past = Tables::from_bytes(&good).unwrap();
    let beyond = Term::new(past.terms.len() as u32 + 7, 0.5);
    past.vectors.to_mut().last_mut().unwrap().fill(beyond);
    let damaged = past.to_bytes();
    for (what, bytes, why) in [
        ("older format", older, "not tables in this version's format"),
        (
            "postcard columns",
            postcard_columns,
            "not tables in this version's format",
        ),
        ("cut short", cut, "cut short"),
        ("damaged", damaged, "out of range"),
    ] {
        std::fs::write(&file, &bytes).unwrap();
        let reopened = StoryIndex::open(&root).unwrap();
        let rebuilt = reopened
            .tables_rebuilt()
            .expect("the tables were built again");
        assert!(rebuilt.contains(why), "{what}: {rebuilt}");
        assert_eq!(**reopened.tables(), *expected, "{what}");
        assert_eq!(std::fs::read(&file).unwrap(), good, "{what}: written again");
    }
    let reopened = StoryIndex::open(&root).unwrap();
    assert_eq!(reopened.tables_rebuilt(), None, "read as they are");
    let fire = reopened.tables().tag_id("thomas fire").unwrap();
    assert!(reopened.tables().postings[fire as usize].len() >= 3);
    // a command says so, once
    std::fs::remove_file(&file).unwrap();
    let note = "scorer tables built again from the stories (missing)";
    let first = storyline(&["search", "fire", "--index", s(&root)]);
    assert!(first.status.success());
    assert!(
        String::from_utf8_lossy(&first.stderr).contains(note),
        "{first:?}"
    );
    let second = storyline(&["search", "fire", "--index", s(&root)]);
    assert!(
        !String::from_utf8_lossy(&second.stderr).contains("note:"),
        "{second:?}"
    );
    // the same hits (the first line holds the time taken)
    let hits = |out: &std::process::Output| {
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        text.lines().skip(1).map(String::from).collect::<Vec<_>>()
    };
    assert!(hits(&first).len() > 5);
    assert_eq!(hits(&first), hits(&second));
}

#[test]
fn tables_taken_out_of_an_index_are_its_tables_and_leave_it_none() {
    let built = build_index(&sample());
    let root = built.dir.path().join("index");
    let expected = storyline_index::Tables::clone(built.index.tables());
    let stories = built.index.all_stories().unwrap().len();
    assert!(stories > 10);
    let mut index = StoryIndex::open(&root).unwrap();
    let held = std::sync::Arc::clone(index.tables());
    // shared with another holder: a copy
    let taken = index.take_tables();
    assert_eq!(taken, expected);
    assert!(index.tables().is_empty());
    assert_eq!(*held, expected, "the other holder's tables are untouched");
    // held by the index alone: moved out
    let mut index = StoryIndex::open(&root).unwrap();
    let taken = index.take_tables();
    assert_eq!(taken, expected);
    assert_eq!(taken.len(), stories);
    assert!(index.tables().is_empty());
    // the index still reads its stories
    assert_eq!(index.all_stories().unwrap().len(), stories);
}
