//! Related stories and batch generation end to end on the real archives and the sample.

mod common;

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use common::{BuiltIndex, build_index, corpus, s, sample, storyline, storyline_json};
use storyline_related::eval::{evaluate, sample_queries};
use storyline_related::{Engine, RankOrder, RankedOn, ScorerSettings, describe_basis};
use storyline_story::Language;

fn wcep() -> Option<&'static (BuiltIndex, Engine)> {
    static INDEX: OnceLock<Option<(BuiltIndex, Engine)>> = OnceLock::new();
    INDEX
        .get_or_init(|| {
            corpus("wcep-en").map(|p| {
                let built = build_index(&p);
                let engine = Engine::new(Arc::clone(built.index.tables()));
                (built, engine)
            })
        })
        .as_ref()
}

/// One index of the Chinese archive, built once for the tests that need it.
fn zh_index() -> Option<(&'static std::path::Path, &'static std::path::Path)> {
    static INDEX: OnceLock<Option<(tempfile::TempDir, std::path::PathBuf)>> = OnceLock::new();
    INDEX
        .get_or_init(|| {
            let zh = corpus("thecontext-zh")?;
            let dir = tempfile::tempdir().unwrap();
            let index = dir.path().join("index");
            assert!(
                storyline(&["index", s(&zh), "--index", s(&index), "--quiet"])
                    .status
                    .success()
            );
            Some((dir, zh))
        })
        .as_ref()
        .map(|(dir, zh)| (dir.path(), zh.as_path()))
}

#[test]
fn the_putin_withdrawal_finds_its_story_line_close_in_time() {
    let Some((built, engine)) = wcep() else {
        return;
    };
    let putin = built
        .stories
        .iter()
        .find(|s| {
            s.date.to_string() == "2017-12-11" && s.title.starts_with("During a visit to Syria")
        })
        .unwrap();
    let ord = engine.tables().ord(&putin.id).unwrap();
    let items = engine.related(
        &engine.subject(ord),
        &ScorerSettings::default(),
        RankOrder::Default,
    );
    assert!(items.len() >= 5, "{} items", items.len());
    let tag = engine
        .tables()
        .tag_id("russian military intervention in the syrian civil war")
        .unwrap();
    assert!(
        items.iter().all(|i| i.shared_tags.contains(&tag)),
        "every entry shares the story line"
    );
    assert!(items.iter().all(|i| i.ord != ord));
    assert!(items.windows(2).all(|w| w[0].score >= w[1].score));
    let gaps: Vec<u32> = items
        .iter()
        .map(|i| i.explanation.days_apart.unsigned_abs())
        .collect();
    assert!(gaps[0] <= 60, "the best entry is close in time: {gaps:?}");
    let e = &items[0].explanation;
    assert!(e.tag_share > 0.0 && e.tag_share <= 1.0 && e.date_factor > 0.0 && e.date_factor <= 1.0);
    // site order: shared-tag count first, then newest
    let site = engine.related(
        &engine.subject(ord),
        &ScorerSettings::default(),
        RankOrder::Site,
    );
    let t = engine.tables();
    assert!(site.windows(2).all(|w| w[0].score > w[1].score
        || (w[0].score == w[1].score && t.days[w[0].ord as usize] >= t.days[w[1].ord as usize])));
}

#[test]
fn the_thomas_fire_lists_the_fire_and_not_a_chilean_mudslide() {
    let Some((built, engine)) = wcep() else {
        return;
    };
    let day = |date: &str, start: &str| {
        built
            .stories
            .iter()
            .find(|s| s.date.to_string() == date && s.title.starts_with(start))
            .unwrap_or_else(|| panic!("no event of {date} titled {start:?}"))
    };
    let fire = day("2017-12-16", "More evacuations are ordered");
    let mudslide = day(
        "2017-12-16",
        "Five people are killed and at least 15 missing",
    );
    let t = engine.tables();
    let (fire_ord, mudslide_ord) = (t.ord(&fire.id).unwrap(), t.ord(&mudslide.id).unwrap());
    let items = engine.related(
        &engine.subject(fire_ord),
        &ScorerSettings::default(),
        RankOrder::Default,
    );
    // the mudslide shared the `Santa` of the Santa Ana winds with the fire, and was its second
    // entry while the import gave it the wildfires' line
    assert!(items.iter().all(|i| i.ord != mudslide_ord));
    let wildfires = t
        .tag_id("december 2017 southern california wildfires")
        .unwrap();
    // the list: the line's other events (three), each sharing the line
    assert!(items.len() >= 3, "{} items", items.len());
    for item in &items {
        assert!(
            item.shared_tags.contains(&wildfires),
            "{}",
            t.titles.get(item.ord as usize).unwrap_or_default()
        );
    }
}

#[test]
fn an_untagged_event_with_a_weak_suggestion_lists_its_text_neighbours() {
    let Some((built, engine)) = wcep() else {
        return;
    };
    let find = |date: &str, start: &str| {
        let story = built
            .stories
            .iter()
            .find(|s| s.date.to_string() == date && s.title.starts_with(start))
            .unwrap_or_else(|| panic!("no event of {date} titled {start:?}"));
        engine.tables().ord(&story.id).unwrap()
    };
    let herd = find("2016-08-26", "A large herd of wild reindeer");
    let strike = find("2016-08-29", "A lightning strike from a freak thunderstorm");
    let settings = ScorerSettings::default();
    let subject = engine.subject(herd);
    assert!(subject.tags.is_empty());
    // its text neighbours point nowhere in particular: the best suggestion, a German COVID-19
    // line (through the `323` of case counts), carries under a tenth of their weight
    let suggested = engine.suggest_tags(&subject, &settings, 1);
    let t = engine.tables();
    assert_eq!(
        t.tags[suggested[0].tag as usize].display,
        "COVID-19 pandemic in Germany"
    );
    assert!(
        suggested[0].confidence < settings.min_suggestion_confidence,
        "{suggested:?}"
    );
    // so the list is ranked on the text: the same event reported three days later comes first,
    // and no story of the suggested line is listed (all ten were, when any suggestion counted)
    let (items, basis) = engine.related_with_basis(&subject, &settings, RankOrder::Default);
    assert_eq!(items.first().map(|i| i.ord), Some(strike), "{items:?}");
    assert!(items.iter().all(|i| !i.explanation.suggested_tags));
    // and the list says why
    assert_eq!(basis.ranked_on, RankedOn::Text);
    assert_eq!(basis.best_suggestion.as_ref(), suggested.first());
    let said = describe_basis(engine, &basis, &settings).description;
    assert_eq!(
        said,
        "ranked on its text: the best tag its text neighbours suggest, COVID-19 pandemic in \
         Germany, carries 7.7% of their weight (20% needed)"
    );
    assert!(
        items
            .iter()
            .all(|i| !t.story_tags[i.ord as usize].contains(&suggested[0].tag))
    );
    let any = ScorerSettings {
        min_suggestion_confidence: 0.0,
        ..ScorerSettings::default()
    };
    let (lined, basis) = engine.related_with_basis(&subject, &any, RankOrder::Default);
    assert!(lined.len() == 10 && lined.iter().all(|i| i.explanation.suggested_tags));
    assert!(lined.iter().all(|i| i.ord != strike));
    assert_eq!(basis.ranked_on, RankedOn::SuggestedTags);
    // the same through the command line, whose flag sets the floor for one run
    let index = built.dir.path().join("index");
    let herd_id = &t.ids[herd as usize];
    let listed = |floor: &str| {
        storyline_json(
            &[
                "related",
                herd_id,
                "--index",
                s(&index),
                "--explain",
                "--json",
                "--min-suggestion-confidence",
                floor,
            ],
            0,
        )
    };
    let (text, line) = (listed("0.2"), listed("0"));
    assert_eq!(text["basis"]["ranked_on"], "text", "{text}");
    assert_eq!(text["related"][0]["id"], t.ids[strike as usize].to_string());
    assert_eq!(line["basis"]["ranked_on"], "suggested_tags", "{line}");
    assert_eq!(line["related"].as_array().unwrap().len(), 10);
    let out = storyline(&[
        "related",
        herd_id,
        "--index",
        s(&index),
        "--min-suggestion-confidence",
        "2",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("--min-suggestion-confidence must be between 0 and 1, not 2"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn quality_on_the_current_events_archive() {
    let Some((_, engine)) = wcep() else { return };
    let settings = ScorerSettings::default();
    // every story with tags is a query (48,047 of them, in about 2 s), not a sample: a sample
    // is drawn by position among the tagged stories, so a change that gives or takes one
    // story's tags draws another sample, and leafP moved by up to ±0.013 from one draw to the
    // next (2,000 queries: 0.816–0.836 over seeds 42, 7 and 99 on one import; 8,000: 0.818–0.833
    // on imports whose whole-archive figures are equal to four digits)
    let queries = sample_queries(engine, usize::MAX, 42);
    assert!(queries.len() > 47_000, "{} queries", queries.len());
    let rows = evaluate(engine, &settings, &queries, None, None);
    let (default, site, text_only) = (&rows[0], &rows[1], &rows[2]);
    eprintln!("{rows:#?}");
    // The archive's tags are the measure, so these figures move with how the importer reads
    // them. Read as now (a heading group heads the run of events below it that share its
    // headings' words or its events' names), over every tagged story: leafP@10 0.814, tagP@10
    // 0.850, medDays 20; 14.9% of the stories carry only lone tags, which caps tagP and leafP at
    // 0.851, so issue 4's 0.88 cannot be reached on this reading. Before (an event below a
    // line's run that shared any word with it, such as `Santa` of a Chilean village with the
    // Santa Ana winds of a California fire, was the line's too): 0.828 / 0.862 / 17 days, cap
    // 0.863. About 2,100 events lost a line, 7 in 10 of them wrongly given (40 read by hand);
    // those were mostly same-day events, easy to find. The text-only row, which does not read
    // the tags to rank, agrees a little better with the new reading (0.458 against 0.453).
    // Before that, about 10,000 unrelated events inherited the heading group above them
    // (0.891 / 9 days, cap 0.912). leafP is held to 95% of its cap.
    // A story whose own tags find nothing (lone tags) takes a suggested line only when at least
    // a fifth of its text neighbours' weight carries it; its list is otherwise ranked on its
    // text, over years rather than the week of a line it does not belong to: medDays 20 → 22.
    let cap = 1.0 - default.lone_tag_queries;
    assert!(
        default.leaf_p10 >= 0.80 && default.leaf_p10 >= 0.95 * cap,
        "default leafP@10 {} (cap {cap})",
        default.leaf_p10
    );
    assert!(
        default.med_days <= 22.0,
        "default medDays {}",
        default.med_days
    );
    assert!(default.leaf_p10 > site.leaf_p10 + 0.05 && default.med_days * 5.0 < site.med_days);
    // text only: 0.429 over every tagged story (issue 4's target 0.40; TF-IDF cosine with
    // decay: about 0.21). It was 0.458 while any suggestion stood in for the hidden tags: these
    // stories all have a line, and a weak suggestion's line is still theirs 7–30% of the time
    // (0.05–0.2 sure), while on the archive's untagged events such lists were mostly unrelated
    // (39 read by hand below 0.2 sure: the text list was the better one 32 times, the line's
    // once, 6 alike).
    // Before the import stopped giving events unrelated headings: 0.399; 0.409 while the bare
    // years of `… election, 2016` were tags.
    assert!(
        text_only.tag_p10 >= 0.40,
        "text-only tagP@10 {}",
        text_only.tag_p10
    );
    assert!(text_only.suggest_recall3.unwrap() >= 0.45);
    assert!(default.lone_tag_queries > 0.08 && default.lone_tag_queries < 0.16);
}

#[test]
fn no_list_holds_the_story_itself_or_its_versions() {
    let Some((built, engine)) = wcep() else {
        return;
    };
    let t = engine.tables();
    let lists = storyline_related::batch::generate(
        engine,
        &ScorerSettings::default(),
        RankOrder::Default,
        0..t.len() as u32,
        &|_| {},
    );
    assert_eq!(lists.len(), built.stories.len());
    let empty = lists.iter().filter(|(_, items)| items.is_empty()).count();
    assert!(empty * 100 < lists.len(), "{empty} empty lists");
    for (ord, items) in &lists {
        let versions = &t.versions[*ord as usize];
        assert!(
            items
                .iter()
                .all(|i| i.ord != *ord && !versions.contains(&i.ord)),
            "story {ord}"
        );
        let distinct: HashSet<u32> = items.iter().map(|i| i.ord).collect();
        assert_eq!(distinct.len(), items.len());
    }
}

#[test]
fn zh_pages_get_their_related_sections_rewritten_in_their_own_format() {
    let Some((shared, zh)) = zh_index() else {
        return;
    };
    let index = shared.join("index");
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let summary = batch_pages(&index, zh, Some(&out), &[]);
    assert_eq!(summary["lists"], 8_984);
    assert_eq!(
        summary["pages"]["written"].as_u64().unwrap()
            + summary["pages"]["unchanged"].as_u64().unwrap(),
        8_984
    );
    assert_eq!(
        summary["pages"]["copied"],
        3_414 * 2,
        "day pages are copied as they are"
    );

    // the rewritten tree imports cleanly, with the new lists
    let again = storyline_story::import_paths(std::slice::from_ref(&out), None).unwrap();
    assert!(
        again.report.skipped.is_empty(),
        "{:?}",
        &again.report.skipped[..again.report.skipped.len().min(3)]
    );
    assert_eq!(again.stories.len(), 8_984);
    let ids: HashSet<&str> = again.stories.iter().map(|s| s.id.as_str()).collect();
    let (mut checked, mut annotated) = (0, 0);
    for story in &again.stories {
        assert!(
            story
                .related
                .iter()
                .all(|r| r.id != story.id && ids.contains(r.id.as_str())),
            "{}",
            story.id
        );
        let rel = story.path.as_deref().unwrap();
        let before = std::fs::read_to_string(zh.join(rel)).unwrap();
        let after = std::fs::read_to_string(out.join(rel)).unwrap();
        let keep = |text: &str| {
            text.split("### 有关:")
                .next()
                .unwrap()
                .trim_end()
                .to_string()
        };
        assert_eq!(
            keep(&before),
            keep(&after),
            "everything but the Related section is unchanged: {rel}"
        );
        if !story.related.is_empty() {
            assert!(after.contains("\n### 有关:\n\n1. ["), "{rel}");
            assert!(!after.contains("### Related:"), "{rel}");
            // entries found through suggested tags share none of the page's own tags: no _消息_
            annotated += usize::from(after.contains("_消息: "));
            checked += 1;
        }
    }
    assert!(checked > 8_000, "{checked} pages with a Related section");
    assert!(
        annotated * 100 > checked * 85,
        "{annotated} of {checked} sections show shared contexts"
    );
    // a second run over the rewritten tree changes nothing
    let index2 = dir.path().join("index2");
    assert!(
        storyline(&["index", s(&out), "--index", s(&index2), "--quiet"])
            .status
            .success()
    );
}

#[test]
fn shards_concatenate_to_the_unsharded_output() {
    let Some((shared, _)) = zh_index() else {
        return;
    };
    let index = shared.join("index");
    let dir = tempfile::tempdir().unwrap();
    let whole = dir.path().join("whole.jsonl");
    let summary = storyline_json(
        &[
            "batch",
            "--index",
            s(&index),
            "--out",
            s(&whole),
            "--quiet",
            "--json",
        ],
        0,
    );
    // what the lists stood on: 7,726 on their tags, 457 on a suggested tag, 801 on their text
    // (stories without usable tags whose best suggestion is under a fifth sure)
    let on = |basis: &str| summary[format!("ranked_on_{basis}")].as_u64().unwrap();
    assert_eq!(summary["lists"], 8_984, "{summary}");
    assert_eq!(on("tags") + on("suggested_tags") + on("text"), 8_984);
    assert!(
        on("tags") > 7_500 && on("suggested_tags") > 300 && on("text") > 600,
        "{summary}"
    );
    let mut joined = Vec::new();
    for i in 1..=3 {
        let part = dir.path().join(format!("part{i}.jsonl"));
        let shard = format!("{i}/3");
        assert!(
            storyline(&[
                "batch",
                "--index",
                s(&index),
                "--shard",
                &shard,
                "--out",
                s(&part),
                "--quiet"
            ])
            .status
            .success()
        );
        joined.extend(std::fs::read(&part).unwrap());
    }
    let whole = std::fs::read(&whole).unwrap();
    assert_eq!(whole.iter().filter(|b| **b == b'\n').count(), 8_984);
    assert!(
        whole == joined,
        "shards 1/3 2/3 3/3 concatenate to the whole"
    );
    let first: serde_json::Value =
        serde_json::from_slice(whole.split(|b| *b == b'\n').next().unwrap()).unwrap();
    assert!(first["id"].is_string() && first["related"].is_array());
    let bad = storyline(&["batch", "--index", s(&index), "--shard", "4/3"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("expected a shard like 2/4"));
}

#[test]
fn site_order_reproduces_the_zh_archives_own_related_sections() {
    let Some((shared, _)) = zh_index() else {
        return;
    };
    let index = shared.join("index");

    let eval = storyline_json(&["eval", s(&index), "--queries", "1000", "--json"], 0);
    let rows = eval["rows"].as_array().unwrap();
    let recall = |name: &str| {
        rows.iter().find(|r| r["ranking"] == name).unwrap()["existing_recall10"]
            .as_f64()
            .unwrap()
    };
    eprintln!(
        "existing@10: site {}, default {}",
        recall("site"),
        recall("default")
    );
    // measured: site 0.349, default 0.258, bm25 0.230 (pages show only part of each story's tags)
    assert!(
        recall("site") >= 0.3,
        "site order recall {}",
        recall("site")
    );
    assert!(recall("site") > recall("default") && recall("default") > 0.2);
    // `--queries all`: every story with tags, no sample
    let all = storyline(&["eval", s(&index), "--queries", "all", "--no-baseline"]);
    assert!(all.status.success());
    let table = String::from_utf8_lossy(&all.stdout);
    assert!(
        table.starts_with("8890 queries (every story with tags)"),
        "{table}"
    );
    // a sample says it is one, and with which seed
    let sampled = storyline(&["eval", s(&index), "--queries", "500", "--no-baseline"]);
    let table = String::from_utf8_lossy(&sampled.stdout);
    assert!(
        table.starts_with("500 queries (stories with tags, seed 42)"),
        "{table}"
    );
    let none = storyline(&["eval", s(&index), "--queries", "0"]);
    assert_eq!(none.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&none.stderr).contains("at least 1 query, or all"));
}

#[test]
fn sample_related_explain_and_suggested_tags() {
    let dir = tempfile::tempdir().unwrap();
    let index = dir.path().join("index");
    assert!(
        storyline(&["index", s(&sample()), "--index", s(&index), "--quiet"])
            .status
            .success()
    );
    let hits = storyline_json(
        &[
            "search",
            "tag:\"Thomas Fire\"",
            "--index",
            s(&index),
            "--json",
            "--sort",
            "oldest",
        ],
        0,
    );
    let first = hits["hits"][0]["id"].as_str().unwrap().to_string();
    let related = storyline_json(
        &[
            "related",
            &first,
            "--index",
            s(&index),
            "--explain",
            "--json",
        ],
        0,
    );
    let list = related["related"].as_array().unwrap();
    assert!(list.len() >= 3);
    assert!(list.iter().all(|r| r["id"] != first.as_str()));
    assert!(
        list[0]["shared_tags"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t == "Thomas Fire")
    );
    let e = &list[0]["explanation"];
    for field in [
        "tag_share",
        "text_similarity",
        "text_weight",
        "days_apart",
        "date_factor",
    ] {
        assert!(e[field].is_number(), "{field} in {e}");
    }
    assert!(e["shared_tags"][0]["weight"].as_f64().unwrap() > 0.0);
    // the list as a whole: ranked on the story's own tags, so no suggestion is reported
    assert_eq!(
        related["basis"],
        serde_json::json!({ "ranked_on": "tags", "description": "ranked on its tags" })
    );
    let plain = storyline(&["related", &first, "--index", s(&index), "--explain"]);
    assert!(
        String::from_utf8_lossy(&plain.stdout).starts_with("ranked on its tags\n"),
        "{}",
        String::from_utf8_lossy(&plain.stdout)
    );
    let without = storyline_json(&["related", &first, "--index", s(&index), "--json"], 0);
    assert!(without.get("basis").is_none(), "{without}");
    // an untagged draft finds its story line through its text
    let suggested = storyline_json(
        &[
            "suggest-tags",
            "--text",
            "Wildfire near Ventura grows as firefighters battle the blaze",
            "--date",
            "2017-12-20",
            "--index",
            s(&index),
            "--json",
        ],
        0,
    );
    assert_eq!(suggested[0]["tag"], "Thomas Fire", "{suggested}");
    // an unknown id is a clear error
    let out = storyline(&["related", "news/1999/1/1/nothing", "--index", s(&index)]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no story with id"));
    // options: same language only, older only
    let zh_hits = storyline_json(&["search", "香港", "--index", s(&index), "--json"], 0);
    let zh_id = zh_hits["hits"][0]["id"].as_str().unwrap().to_string();
    let same = storyline_json(
        &[
            "related",
            &zh_id,
            "--index",
            s(&index),
            "--same-language",
            "--older-only",
            "--json",
        ],
        0,
    );
    let by_id: HashMap<String, Language> = storyline_story::import_paths(&[sample()], None)
        .unwrap()
        .stories
        .into_iter()
        .map(|s| (s.id, s.language))
        .collect();
    let own = hits_date(&zh_hits, &zh_id);
    for entry in same["related"].as_array().unwrap() {
        assert_eq!(by_id[entry["id"].as_str().unwrap()], Language::Zh);
        assert!(entry["date"].as_str().unwrap() <= own.as_str());
    }
}

/// The README's main command, without the server: `storyline demo --no-serve` imports the
/// bundled sample, indexes it, and writes a copy of it with every page's Related section.
#[test]
fn the_demo_prepares_the_sample_end_to_end() {
    let dir = tempfile::tempdir().unwrap();
    let (index, pages) = (dir.path().join("index"), dir.path().join("pages"));
    let out = storyline(&[
        "demo",
        "--archive",
        s(&sample()),
        "--index",
        s(&index),
        "--pages",
        s(&pages),
        "--no-serve",
    ]);
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{said}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(said.contains("imported 68 stories from"), "{said}");
    assert!(
        said.contains("wrote Related sections: 68 pages into"),
        "{said}"
    );
    // the copy: each story page has its Related section, in its language's own heading
    let written: Vec<String> = walk(&pages)
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .map(|p| std::fs::read_to_string(p).unwrap())
        .collect();
    let (en, zh) = (
        written
            .iter()
            .filter(|p| p.contains("### Related:"))
            .count(),
        written.iter().filter(|p| p.contains("### 有关:")).count(),
    );
    assert!(
        en > 30 && zh > 10 && en + zh == 68,
        "{en} English and {zh} Chinese sections"
    );
    // the index answers
    let hits = storyline_json(
        &["search", "thomas fire", "--index", s(&index), "--json"],
        0,
    );
    assert!(hits["total"].as_u64().unwrap() >= 5, "{hits}");
}

fn hits_date(results: &serde_json::Value, id: &str) -> String {
    results["hits"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["id"] == id)
        .unwrap()["date"]
        .as_str()
        .unwrap()
        .to_string()
}

#[test]
fn after_an_update_batch_changed_rewrites_only_the_pages_whose_list_changed() {
    let dir = tempfile::tempdir().unwrap();
    let index = dir.path().join("index");
    let pages = dir.path().join("pages");
    assert!(
        storyline(&["index", s(&sample()), "--index", s(&index), "--quiet"])
            .status
            .success()
    );
    let first = batch_pages(&index, &sample(), Some(&pages), &[]);
    assert!(first["pages"]["written"].as_u64().unwrap() > 50);
    let before = dir.path().join("before.jsonl");
    assert!(
        storyline(&[
            "batch",
            "--index",
            s(&index),
            "--out",
            s(&before),
            "--quiet"
        ])
        .status
        .success()
    );

    // a new Thomas Fire story arrives as a page of the archive
    let rel = "news/2017/12/9/evacuations-widen-as-the-thomas-fire-nears-montecito.md";
    let page = "### [2017-12-9](/news/2017/12/9/index.md)\n\n##### Thomas Fire\n# Evacuations widen as the Thomas Fire nears Montecito\n\nCrews prepare for strong winds over the weekend.\n";
    std::fs::create_dir_all(pages.join("news/2017/12/9")).unwrap();
    std::fs::write(pages.join(rel), page).unwrap();
    let update = storyline_json(
        &[
            "index",
            s(&pages.join(rel)),
            "--index",
            s(&index),
            "--update",
            "--json",
            "--quiet",
        ],
        0,
    );
    assert_eq!(update["update"]["added"], 1);
    let after = dir.path().join("after.jsonl");
    assert!(
        storyline(&["batch", "--index", s(&index), "--out", s(&after), "--quiet"])
            .status
            .success()
    );
    // what a page shows: the linked ids and shared tags (scores move with the corpus size)
    let lines = |path: &std::path::Path| -> HashMap<String, String> {
        std::fs::read_to_string(path)
            .unwrap()
            .lines()
            .map(|l| {
                let v: serde_json::Value = serde_json::from_str(l).unwrap();
                let shown: Vec<String> = v["related"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|r| format!("{}{}", r["id"], r["shared_tags"]))
                    .collect();
                (v["id"].as_str().unwrap().to_string(), shown.join("|"))
            })
            .collect()
    };
    let (old, new_lists) = (lines(&before), lines(&after));
    let changed = old
        .iter()
        .filter(|(id, shown)| new_lists.get(*id) != Some(*shown))
        .count()
        + 1;
    assert!(changed > 1, "the new story enters some lists");

    let mtimes = |root: &std::path::Path| -> HashMap<std::path::PathBuf, std::time::SystemTime> {
        walk(root)
            .into_iter()
            .map(|p| {
                let t = std::fs::metadata(&p).unwrap().modified().unwrap();
                (p, t)
            })
            .collect()
    };
    let stamps = mtimes(&pages);
    std::thread::sleep(Duration::from_millis(20));
    let second = batch_pages(&index, &pages, None, &["--changed"]);
    assert_eq!(second["pages"]["without_page"], 0);
    let written = second["pages"]["written"].as_u64().unwrap() as usize;
    assert_eq!(
        written, changed,
        "exactly the pages whose list changed (and the new page) are rewritten"
    );
    let touched = mtimes(&pages)
        .into_iter()
        .filter(|(p, t)| stamps.get(p) != Some(t))
        .count();
    assert_eq!(touched, written, "no other file is touched");
}

fn walk(root: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(root).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            files.extend(walk(&path));
        } else {
            files.push(path);
        }
    }
    files
}

#[test]
fn zh_pages_are_written_all_or_none() {
    let Some((shared, zh)) = zh_index() else {
        return;
    };
    let index = shared.join("index");
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    // the place of a year's directory taken by a file: that year's pages cannot be written
    std::fs::create_dir_all(out.join("news")).unwrap();
    std::fs::write(out.join("news/2016"), "not a directory").unwrap();
    let run = storyline(&[
        "batch",
        "--index",
        s(&index),
        "--write",
        "pages",
        "--archive",
        s(zh),
        "--out",
        s(&out),
        "--quiet",
    ]);
    assert_eq!(run.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(
        stderr.contains("news/2016/"),
        "the error names the page: {stderr}"
    );
    // none of the other 8,000 pages and 6,800 copies was put in place, nor left half done,
    // nor a directory made for them
    assert_eq!(walk(&out), [out.join("news/2016")]);
    let entries = |dir: &std::path::Path| std::fs::read_dir(dir).unwrap().count();
    assert_eq!((entries(&out), entries(&out.join("news"))), (1, 1));
}

#[test]
fn a_temporary_file_a_killed_run_left_in_the_archive_is_not_copied() {
    let dir = tempfile::tempdir().unwrap();
    let archive = dir.path().join("archive");
    for path in walk(&sample()) {
        let to = archive.join(path.strip_prefix(sample()).unwrap());
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::copy(&path, &to).unwrap();
    }
    let leftover = archive.join("news/.storyline-Xa12bc.tmp");
    std::fs::create_dir_all(leftover.parent().unwrap()).unwrap();
    std::fs::write(&leftover, "half a page").unwrap();
    let index = dir.path().join("index");
    assert!(
        storyline(&["index", s(&archive), "--index", s(&index), "--quiet"])
            .status
            .success()
    );
    let out = dir.path().join("out");
    let summary = batch_pages(&index, &archive, Some(&out), &[]);
    let files = walk(&out);
    assert_eq!(
        files.len() as u64,
        summary["pages"]["written"].as_u64().unwrap()
            + summary["pages"]["unchanged"].as_u64().unwrap()
            + summary["pages"]["copied"].as_u64().unwrap()
    );
    assert_eq!(files.len(), walk(&archive).len() - 1);
    assert!(
        !files
            .iter()
            .any(|f| f.to_string_lossy().contains(".storyline-"))
    );
}

/// `storyline batch --write pages` from the index `index` over `archive`, into `out` (in
/// place without), with `extra` flags; its JSON summary (the run must succeed).
fn batch_pages(
    index: &std::path::Path,
    archive: &std::path::Path,
    out: Option<&std::path::Path>,
    extra: &[&str],
) -> serde_json::Value {
    let mut args = vec![
        "batch",
        "--index",
        s(index),
        "--write",
        "pages",
        "--archive",
        s(archive),
    ];
    if let Some(out) = out {
        args.extend(["--out", s(out)]);
    }
    args.extend(extra);
    args.extend(["--json", "--quiet"]);
    storyline_json(&args, 0)
}

/// The stories of a JSON Lines file, by id, with their `related` field left out.
fn records_without_related(path: &std::path::Path) -> HashMap<String, serde_json::Value> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .filter(|v| v.get("id").is_some())
        .map(|mut v| {
            v.as_object_mut().unwrap().remove("related");
            (v["id"].as_str().unwrap().to_string(), v)
        })
        .collect()
}

#[test]
fn json_lines_archives_get_their_related_field_rewritten() {
    let dir = tempfile::tempdir().unwrap();
    let archive = dir.path().join("archive");
    std::fs::create_dir_all(&archive).unwrap();
    let records = archive.join("stories.jsonl");
    assert!(
        storyline(&["import", s(&sample()), "--out", s(&records), "--quiet"])
            .status
            .success()
    );
    let index = dir.path().join("index");
    assert!(
        storyline(&["index", s(&records), "--index", s(&index), "--quiet"])
            .status
            .success()
    );
    let stories = std::fs::read_to_string(&records).unwrap().lines().count();
    // what is not a story of the index is kept as it is: a line that is not a record, a
    // blank line, a record the index does not hold, and a file that is not JSON Lines
    let stranger = r#"{"id":"elsewhere/1","date":"2020-01-01","title":"Not indexed","language":"en","related":[{"id":"x","title":"Kept"}]}"#;
    let mut text = std::fs::read_to_string(&records).unwrap();
    text.push_str("not json\n\n");
    text.push_str(stranger);
    text.push('\n');
    std::fs::write(&records, &text).unwrap();
    std::fs::write(archive.join("README.txt"), "an archive\n").unwrap();

    let out = dir.path().join("out");
    let summary = batch_pages(&index, &archive, Some(&out), &[]);
    let pages = &summary["pages"];
    assert_eq!(
        pages["records_written"].as_u64().unwrap() + pages["records_unchanged"].as_u64().unwrap(),
        stories as u64
    );
    assert!(pages["records_written"].as_u64().unwrap() > 0);
    assert_eq!(pages["without_page"], 0);
    assert_eq!(pages["copied"], 1, "README.txt");
    assert_eq!(
        std::fs::read_to_string(out.join("README.txt")).unwrap(),
        "an archive\n"
    );

    // every record now carries its list: the ids `batch --write jsonl` gives, with titles
    let rewritten = std::fs::read_to_string(out.join("stories.jsonl")).unwrap();
    assert!(
        rewritten.contains("\nnot json\n\n"),
        "kept lines stay in place"
    );
    assert!(rewritten.ends_with(&format!("{stranger}\n")));
    let lists = storyline(&["batch", "--index", s(&index), "--quiet"]);
    assert!(lists.status.success());
    let expected: HashMap<String, Vec<String>> = String::from_utf8(lists.stdout)
        .unwrap()
        .lines()
        .map(|line| {
            let v: serde_json::Value = serde_json::from_str(line).unwrap();
            let ids = v["related"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r["id"].as_str().unwrap().to_string())
                .collect();
            (v["id"].as_str().unwrap().to_string(), ids)
        })
        .collect();
    let mut with_shared = 0;
    for line in rewritten.lines().take(stories) {
        let story: storyline_story::Story = serde_json::from_str(line).unwrap();
        let ids: Vec<String> = story.related.iter().map(|r| r.id.clone()).collect();
        assert_eq!(ids, expected[&story.id], "{}", story.id);
        assert!(story.related.iter().all(|r| !r.title.is_empty()));
        with_shared += usize::from(story.related.iter().any(|r| !r.contexts.is_empty()));
    }
    assert!(
        with_shared * 2 > stories,
        "{with_shared} of {stories} lists show shared tags"
    );
    // nothing else changed
    assert_eq!(
        records_without_related(&records),
        records_without_related(&out.join("stories.jsonl"))
    );

    // one JSON Lines file as the archive gives the same file; run again in place, nothing
    // changes
    let single = dir.path().join("single.jsonl");
    let summary = batch_pages(&index, &records, Some(&single), &[]);
    assert_eq!(summary["pages"]["copied"], 0);
    assert_eq!(std::fs::read_to_string(&single).unwrap(), rewritten);
    let again = batch_pages(&index, &single, None, &[]);
    assert_eq!(again["pages"]["records_written"], 0);
    assert_eq!(again["pages"]["records_unchanged"], stories);
    assert_eq!(std::fs::read_to_string(&single).unwrap(), rewritten);
}

#[test]
fn zh_lists_are_the_same_in_pages_and_in_json_lines_records() {
    let Some((shared, zh)) = zh_index() else {
        return;
    };
    let index = shared.join("index");
    let dir = tempfile::tempdir().unwrap();
    let records = dir.path().join("zh.jsonl");
    assert!(
        storyline(&["import", s(zh), "--out", s(&records), "--quiet"])
            .status
            .success()
    );
    let out = dir.path().join("zh-related.jsonl");
    let summary = batch_pages(&index, &records, Some(&out), &[]);
    let pages = &summary["pages"];
    assert_eq!(
        pages["records_written"].as_u64().unwrap() + pages["records_unchanged"].as_u64().unwrap(),
        8_984
    );
    assert_eq!(
        records_without_related(&records),
        records_without_related(&out),
        "only the related field changes"
    );
    // the same lists written into the pages read back as the records hold them
    let pages_out = dir.path().join("pages");
    batch_pages(&index, zh, Some(&pages_out), &[]);
    let from_pages: HashMap<String, Vec<storyline_story::RelatedEntry>> =
        storyline_story::import_paths(std::slice::from_ref(&pages_out), None)
            .unwrap()
            .stories
            .into_iter()
            .map(|story| (story.id, story.related))
            .collect();
    let mut compared = 0;
    for line in std::fs::read_to_string(&out).unwrap().lines() {
        let story: storyline_story::Story = serde_json::from_str(line).unwrap();
        assert_eq!(story.related, from_pages[&story.id], "{}", story.id);
        compared += usize::from(!story.related.is_empty());
    }
    assert!(compared > 8_000, "{compared}");
}
