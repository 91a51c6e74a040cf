//! The importers on the real archives and on corrupted copies of real files.

mod common;

use std::collections::HashSet;
use std::path::Path;

use common::{corpus, s, sample, storyline, storyline_json};
use storyline_story::{Format, Language, Story, import_paths};

fn import(path: &Path) -> storyline_story::Imported {
    import_paths(&[path.to_path_buf()], None).expect("import")
}

/// What a reader reads of a story: its title, summary and tags, and its Related titles.
fn read_texts(s: &Story) -> impl Iterator<Item = &str> {
    [s.title.as_str(), s.summary.as_str()]
        .into_iter()
        .chain(s.contexts.iter().map(String::as_str))
        .chain(s.related.iter().map(|r| r.title.as_str()))
}

/// The texts of `stories` ([`read_texts`]) that hold any of `marks`.
fn texts_holding<'a>(stories: &'a [Story], marks: &[&str]) -> Vec<&'a str> {
    stories
        .iter()
        .flat_map(read_texts)
        .filter(|text| marks.iter().any(|mark| text.contains(mark)))
        .collect()
}

/// The events of one Current Events day file (a path under the archive), if it is here.
fn wcep_day(file: &str) -> Option<Vec<Story>> {
    corpus("wcep-en").map(|wcep| import(&wcep.join(file)).stories)
}

/// The story of `day` whose title starts with `start`.
fn titled<'a>(day: &'a [Story], start: &str) -> &'a Story {
    day.iter()
        .find(|s| s.title.starts_with(start))
        .unwrap_or_else(|| panic!("no story titled {start:?}…"))
}

#[test]
fn thecontext_zh_imports_every_story_without_errors() {
    let Some(zh) = corpus("thecontext-zh") else {
        return;
    };
    let imported = import(&zh);
    let report = &imported.report;
    assert!(
        report.skipped.is_empty(),
        "{:?}",
        &report.skipped[..report.skipped.len().min(5)]
    );
    assert_eq!(report.stories, 8_984);
    assert_eq!(
        report.day_pages,
        3_414 * 2,
        "index.md and README.md of each day"
    );
    assert!(imported.stories.iter().all(|s| !s.title.is_empty()));
    assert!(imported.stories.iter().all(|s| s.id.starts_with("news/")));
    // FORMATS.md: 881 pages have no Related section, 1,797 no sources; 272 of those name
    // theirs only as links after the headline (below)
    assert_eq!(
        imported
            .stories
            .iter()
            .filter(|s| s.related.is_empty())
            .count(),
        881
    );
    assert_eq!(
        imported
            .stories
            .iter()
            .filter(|s| s.sources.is_empty())
            .count(),
        1_525
    );
    // Wikipedia's external links (`[http:--… label]`, in 343 headlines) read as their labels,
    // or as sources after the headline's last words; no address reaches a title
    let addressed: Vec<&str> = imported
        .stories
        .iter()
        .flat_map(|s| {
            std::iter::once(s.title.as_str()).chain(s.related.iter().map(|r| r.title.as_str()))
        })
        .filter(|text| text.contains("[http") || text.contains("http:") || text.contains("https:"))
        .collect();
    assert!(
        addressed.is_empty(),
        "{:?}",
        &addressed[..addressed.len().min(3)]
    );
    let deal = imported
        .stories
        .iter()
        .find(|s| {
            s.id.starts_with("news/2013/9/14/美國和俄羅斯就敘利亞化學武器問題達成協議")
        })
        .expect("2013-09-14's chemical weapons deal");
    assert_eq!(deal.title, "美國和俄羅斯就敘利亞化學武器問題達成協議。");
    // nor does the opening bracket of a link the export cut off (`…證明資料。《`, 6 headlines)
    let dangling: Vec<&str> = imported
        .stories
        .iter()
        .map(|s| s.title.as_str())
        .filter(|title| title.ends_with(['《', '（', '(', '「', '【', '[']))
        .collect();
    assert!(dangling.is_empty(), "{dangling:?}");
    let names: Vec<&str> = deal.sources.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["華盛頓時報"]);
    // templates (`{{DPP}}`, `{{cn}}`, a cut-off `{{dead link`), wikilink brackets that lost
    // their other half (`班机]]在`), HTML tags (`M<sub>W</sub>`) and character references
    // (`&#39;`, `&nbsp;`) are read as a reader sees them: in 5 headlines, 130 Related titles, 6
    // summaries and one tag
    let markup = |text: &str| {
        [
            "{{", "]]", "[[", "<sub>", "&#39;", "&nbsp;", "&rsquo;", "&ndash;",
        ]
        .iter()
        .any(|m| text.contains(m))
    };
    let marked: Vec<&str> = imported
        .stories
        .iter()
        .flat_map(|s| {
            read_texts(s)
                .chain(s.sources.iter().map(|x| x.name.as_str()))
                .chain(
                    s.related
                        .iter()
                        .flat_map(|r| r.contexts.iter().map(String::as_str)),
                )
        })
        .filter(|text| markup(text))
        .collect();
    assert!(marked.is_empty(), "{:?}", &marked[..marked.len().min(3)]);
    let election = imported
        .stories
        .iter()
        .find(|s| s.id.starts_with("news/2014/11/29/台灣九合一選舉進行投票"))
        .expect("2014-11-29's local elections");
    assert_eq!(
        election.title,
        "台灣九合一選舉進行投票，民進黨籍候選人贏得13位縣市長，台北市直轄市時期首任無黨籍民選市長柯文哲市長。"
    );
    let quake_line = imported
        .stories
        .iter()
        .filter(|s| s.contexts.iter().any(|c| c == "MW"))
        .count();
    assert!(quake_line >= 8, "{quake_line} stories on the MW story line");
    // a source label that is a citation template's residue (`url=…|date=…`, `…，查閱。{{en}}`)
    // names the site instead: 100 sources
    let residue: Vec<&str> = imported
        .stories
        .iter()
        .flat_map(|s| s.sources.iter().map(|x| x.name.as_str()))
        .filter(|name| {
            name.is_empty()
                || name.contains("url=")
                || name.contains('|')
                || name.ends_with("查閱。")
        })
        .collect();
    assert!(residue.is_empty(), "{:?}", &residue[..residue.len().min(3)]);
    let archived = imported
        .stories
        .iter()
        .flat_map(|s| &s.sources)
        .filter(|x| x.name == "www2.cna.com.tw")
        .count();
    assert!(
        archived >= 10,
        "{archived} archived CNA sources named by their site"
    );
    let zh_count = imported
        .stories
        .iter()
        .filter(|s| s.language == Language::Zh)
        .count();
    assert!(zh_count > 8_500, "{zh_count} stories detected as Chinese");
    // Related links use padded dates and a /zh/ prefix; their ids still meet the page ids.
    let ids: HashSet<&str> = imported.stories.iter().map(|s| s.id.as_str()).collect();
    let links: Vec<&str> = imported
        .stories
        .iter()
        .flat_map(|s| s.related.iter().map(|r| r.id.as_str()))
        .collect();
    let resolved = links.iter().filter(|id| ids.contains(*id)).count();
    assert!(
        resolved * 10 >= links.len() * 9,
        "only {resolved} of {} related links resolve",
        links.len()
    );
    assert!(
        imported
            .stories
            .iter()
            .all(|s| s.related.iter().all(|r| !r.contexts.is_empty()))
    );
    // Wikipedia's variant markup (`-{zh-cn:…; zh-tw:…}-`, in 158 headlines and 69 stories'
    // contexts) is read as one variant: none of it reaches a title, a summary or a tag
    let marked = texts_holding(&imported.stories, &["-{", "}-"]);
    assert!(marked.is_empty(), "{:?}", &marked[..marked.len().min(3)]);
    let copyright = imported
        .stories
        .iter()
        .find(|s| s.id.starts_with("news/2018/7/5/欧洲议会以278票"))
        .expect("the 2018-07-05 copyright vote");
    assert!(
        copyright.title.starts_with("欧洲议会以278票支持"),
        "{}",
        copyright.title
    );
    // a context line written as variants is its mainland variant
    assert!(
        imported
            .stories
            .iter()
            .any(|s| s.contexts.iter().any(|c| c == "数字化单一市场版权指令"))
    );
    // a broken link template's debris (`(link }})`) and the opening sentence it wrote again
    // (2 headlines) are not read
    let debris = texts_holding(&imported.stories, &["}}", "{{"]);
    assert!(debris.is_empty(), "{debris:?}");
    for (id, end) in [
        (
            "news/2014/7/21/中國食品安全人員查封福喜食品的工場",
            "生產的原材料。",
        ),
        (
            "news/2014/6/7/来自中国大陆的彭帅和台湾的谢淑薇",
            "的第一人。",
        ),
    ] {
        let story = imported
            .stories
            .iter()
            .find(|s| s.id.starts_with(id))
            .expect(id);
        assert!(story.title.ends_with(end), "{}", story.title);
    }
}

#[test]
fn zh_story_keeps_related_contexts_and_image_links() {
    let Some(zh) = corpus("thecontext-zh") else {
        return;
    };
    let imported = import(&zh.join("news/2017/12/8"));
    let fire = imported
        .stories
        .iter()
        .find(|s| s.title.starts_with("面對南加州山火蔓延"))
        .expect("story");
    assert_eq!(
        fire.id,
        "news/2017/12/8/面對南加州山火蔓延-美國總統唐納德-川普宣佈加州進入緊急狀態"
    );
    assert_eq!(fire.date.to_string(), "2017-12-08");
    assert_eq!(fire.contexts[0], "南加州山火");
    assert!(fire.contexts.contains(&"特朗普".to_string()));
    assert_eq!(fire.sources.len(), 1);
    assert_eq!(fire.sources[0].name, "美國之音");
    assert_eq!(fire.images.len(), 1);
    assert_eq!(fire.related.len(), 10);
    assert_eq!(fire.related[0].contexts, ["特朗普"]);
    assert_eq!(
        fire.related[0].id.split('/').take(4).collect::<Vec<_>>(),
        ["news", "2019", "7", "14"]
    );
}

#[test]
fn seed_page_imports_with_all_its_parts() {
    let Some(seed) = corpus("seed") else { return };
    let imported = import(&seed);
    assert_eq!(imported.stories.len(), 1);
    let story = &imported.stories[0];
    assert!(
        story
            .title
            .starts_with("During a visit to Syria, his first, President Vladimir Putin")
    );
    assert_eq!(story.date.to_string(), "2017-12-11");
    assert_eq!(story.sources.len(), 1);
    assert_eq!(story.sources[0].name, "RT");
    assert_eq!(story.images.len(), 1);
    assert!(story.images[0].ends_with(".jpg"));
    assert_eq!(story.versions.len(), 2);
    assert!(story.versions[1].current);
    assert_eq!(
        story.versions[0].timestamp.as_deref(),
        Some("2017-12-11 18:30:07")
    );
    assert_eq!(story.other_version_ids().count(), 1);
    assert_eq!(story.related.len(), 5);
    assert_eq!(
        story.related[0].contexts,
        ["ISIS", "Syrian Civil War", "Vladimir Putin"]
    );
    assert_eq!(
        story.related[1].contexts,
        [
            "ISIS",
            "Russian intervention in the Syrian Civil War",
            "Syrian Civil War"
        ]
    );
    assert_eq!(
        story.related[2].id,
        "news/2017/12/6/president-vladimir-putin-declares-victory-over-the-islamic-state-terror-group-across-both-banks-of-the-river-euphrates"
    );
    assert_eq!(
        story.contexts,
        [
            "ISIS",
            "Syrian Civil War",
            "Vladimir Putin",
            "Russian intervention in the Syrian Civil War"
        ]
    );
}

#[test]
fn wcep_imports_every_day_with_about_half_the_events_tagged() {
    let Some(wcep) = corpus("wcep-en") else {
        return;
    };
    let imported = import(&wcep);
    let report = &imported.report;
    assert!(
        report.skipped.is_empty(),
        "{:?}",
        &report.skipped[..report.skipped.len().min(5)]
    );
    assert_eq!(report.files_read, 8_587, "every day file is read");
    assert!(
        (110_000..118_000).contains(&report.stories),
        "{} events",
        report.stories
    );
    // `Greek local elections, 2014` is one context: no bare year is a tag
    let years: Vec<&String> = imported
        .stories
        .iter()
        .flat_map(|s| &s.contexts)
        .filter(|c| c.len() >= 4 && c.chars().all(|ch| ch.is_ascii_digit() || ch == '–'))
        .collect();
    assert!(
        years.is_empty(),
        "bare years as contexts: {:?}",
        &years[..years.len().min(5)]
    );
    // nor is the end of a list (`Attacks on U.S. bases in Iraq, Jordan, and Syria` is one) or
    // an abbreviation (`COVID-19 pandemic in Washington, D.C.`)
    let cut: Vec<&String> = imported
        .stories
        .iter()
        .flat_map(|s| &s.contexts)
        .filter(|c| c.starts_with("and ") || c.as_str() == "D.C.")
        .collect();
    assert!(
        cut.is_empty(),
        "cut contexts: {:?}",
        &cut[..cut.len().min(5)]
    );
    assert!(
        imported.stories.iter().any(|s| s
            .contexts
            .iter()
            .any(|c| c == "Attacks on U.S. bases in Iraq, Jordan, and Syria")),
        "the list in a name was cut"
    );
    // the last item of a category, without a period or sources, is still an event
    assert!(
        imported.stories.iter().any(
            |s| s.id.starts_with("wcep/2003-04-05/") && s.title.ends_with("the Grand National")
        ),
        "the last event of 2003-04-05's category was lost"
    );
    // a source after the last sentence, without parentheses, does not make a heading of it
    assert!(
        imported
            .stories
            .iter()
            .any(|s| s.id.starts_with("wcep/2005-06-12/") && s.title.ends_with("boxing. Wikinews")),
        "2005-06-12's event with an unbracketed source was lost"
    );
    // sources written with commas between them (`(Bloomberg), (The Telegraph)`) are sources,
    // not part of the title: 1,829 titles ended with such groups
    let with_sources = imported
        .stories
        .iter()
        .filter(|s| {
            let title = s.title.trim_end_matches([',', ';', '.']);
            title.ends_with(')') && title.contains(". (") && !title.ends_with(".)")
        })
        .count();
    assert!(
        with_sources < 100,
        "{with_sources} titles end with source groups after their last sentence"
    );
    let pound = imported
        .stories
        .iter()
        .find(|s| {
            s.id.starts_with("wcep/2016-06-24/")
                && s.title.starts_with("The British pound and FTSE")
        })
        .expect("2016-06-24's story of the pound");
    assert!(
        pound
            .title
            .ends_with("a stronger than expected result for Leave."),
        "{}",
        pound.title
    );
    let names: Vec<&str> = pound.sources.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["Bloomberg", "The Telegraph"]);
    // sources with commas between or after them are sources even where no sentence ends before
    // them (`… support Egyptian army (Haaretz),`, 22 events)
    let listed: Vec<&str> = imported
        .stories
        .iter()
        .map(|s| s.title.as_str())
        .filter(|title| title.ends_with("),"))
        .collect();
    assert!(listed.is_empty(), "{listed:?}");
    let army = imported
        .stories
        .iter()
        .find(|s| s.title == "Israel to call on US, EU to support Egyptian army")
        .expect("the Egyptian army story, its source out of its title");
    let names: Vec<&str> = army.sources.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["Haaretz", "New York Times"]);
    // notes about a link (`(New York Times) (registration required)`, `(in Spanish)`) are
    // neither sources nor part of the title
    let notes: Vec<(&str, &str)> = imported
        .stories
        .iter()
        .flat_map(|s| {
            s.sources
                .iter()
                .map(move |src| (s.id.as_str(), src.name.as_str()))
        })
        .filter(|(_, name)| {
            let name = name.to_lowercase();
            name.ends_with(" required") || name == "in spanish" || name == "pdf"
        })
        .collect();
    assert!(notes.is_empty(), "{notes:?}");
    let curfew = imported
        .stories
        .iter()
        .filter(|s| s.date.to_string() == "2005-11-08")
        .find(|s| s.title.ends_with("to impose curfews."))
        .expect("2005-11-08's curfew story");
    let names: Vec<&str> = curfew.sources.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["New York Times"]);
    // how a source was reached (`(Reuters), via MSN,`) is neither a source nor in the title
    let via: Vec<&str> = imported
        .stories
        .iter()
        .map(|s| s.title.as_str())
        .filter(|title| title.contains("via MSN"))
        .collect();
    assert!(via.is_empty(), "{via:?}");
    let encyclical = imported
        .stories
        .iter()
        .filter(|s| s.date.to_string() == "2015-06-18")
        .find(|s| s.title.contains("Laudato si'"))
        .expect("2015-06-18's encyclical story");
    assert!(encyclical.title.ends_with("had been previously leaked."));
    let names: Vec<&str> = encyclical.sources.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["Reuters", "CNN", "Vatican"]);
    // wikilink brackets that lost their other half (5 events) are not part of the title
    let bracketed: Vec<&str> = imported
        .stories
        .iter()
        .map(|s| s.title.as_str())
        .filter(|title| title.contains("[[") || title.contains("]]"))
        .collect();
    assert!(bracketed.is_empty(), "{bracketed:?}");
    assert!(imported.stories.iter().any(|s| s.title
        == "Pakistan successfully tests a new version of its Shaheen-II missile capable of carrying nuclear warheads."));
    // an address written after the text (72 events) is a source, not part of the title
    let addressed: Vec<&str> = imported
        .stories
        .iter()
        .map(|s| s.title.as_str())
        .filter(|title| title.contains("http:") || title.contains("https:"))
        .collect();
    assert!(
        addressed.is_empty(),
        "{:?}",
        &addressed[..addressed.len().min(3)]
    );
    let pier = imported
        .stories
        .iter()
        .find(|s| {
            s.title
                .starts_with("Brighton, England's historic West Pier")
        })
        .expect("the West Pier's collapse");
    assert!(
        pier.title.ends_with("until it was closed in 1975."),
        "{}",
        pier.title
    );
    assert_eq!(
        pier.sources.last().map(|s| s.name.as_str()),
        Some("www.guardian.co.uk")
    );
    let tagged = imported
        .stories
        .iter()
        .filter(|s| !s.contexts.is_empty())
        .count();
    let share = tagged as f64 / report.stories as f64;
    assert!((0.4..0.65).contains(&share), "tagged share {share}");
    assert!(
        imported
            .stories
            .iter()
            .all(|s| s.category.is_some() && s.language == Language::En)
    );
    // ids are stable: a second import gives the same ids in the same order
    let again = import(&wcep.join("2017"));
    let first: Vec<&Story> = imported
        .stories
        .iter()
        .filter(|s| s.date.year() == 2017)
        .collect();
    assert_eq!(first.len(), again.stories.len());
    assert!(first.iter().zip(&again.stories).all(|(a, b)| a.id == b.id));
}

#[test]
fn wcep_2017_12_11_events_carry_their_headings() {
    let Some(day) = wcep_day("2017/12/2017-12-11.yaml") else {
        return;
    };
    assert_eq!(day.len(), 14);
    let putin = day
        .iter()
        .find(|s| s.title.starts_with("During a visit to Syria"))
        .expect("Putin event");
    assert_eq!(
        putin.contexts,
        ["Russian military intervention in the Syrian Civil War"]
    );
    assert_eq!(
        putin.category.as_deref(),
        Some("Armed conflicts and attacks")
    );
    assert_eq!(
        putin
            .sources
            .iter()
            .map(|s| s.name.as_str())
            .collect::<Vec<_>>(),
        ["BBC", "RT"]
    );
    assert!(
        putin.title.ends_with("defeated in the country."),
        "{}",
        putin.title
    );
    let fire = day
        .iter()
        .find(|s| s.title.starts_with("The Thomas Fire"))
        .expect("fire event");
    assert_eq!(
        fire.contexts,
        ["December 2017 Southern California wildfires"]
    );
    assert_eq!(fire.category.as_deref(), Some("Disasters and accidents"));
}

#[test]
fn wcep_a_heading_of_two_long_context_names_heads_the_event_below_it() {
    // 2020-08-03, Armed conflicts and attacks: the Afghanistan headings and their event, then a
    // heading of 16 words naming two contexts, then the event it heads
    let Some(day) = wcep_day("2020/08/2020-08-03.yaml") else {
        return;
    };
    assert!(
        day.iter()
            .all(|s| !s.title.starts_with("Israeli–Syrian ceasefire")),
        "the heading was imported as a story"
    );
    assert_eq!(
        titled(&day, "Israeli Air Force helicopters strike").contexts,
        [
            "Israeli–Syrian ceasefire line incidents during the Syrian Civil War",
            "Israeli involvement in the Syrian Civil War"
        ]
    );
    assert_eq!(
        titled(&day, "The military retake a prison in Jalalabad").contexts,
        [
            "War in Afghanistan",
            "August 2020 Afghanistan attacks",
            "Jalalabad prison attack"
        ]
    );
}

#[test]
fn wcep_a_heading_group_heads_only_the_events_that_share_a_word_with_it() {
    // 2023-06-14: two election headings, the candidate's filing below them, then two science
    // stories of no story line
    let Some(day) = wcep_day("2023/06/2023-06-14.yaml") else {
        return;
    };
    assert_eq!(
        titled(&day, "Mayor of Miami, Florida, Francis Suarez").contexts,
        [
            "2024 United States presidential election",
            "2024 Republican Party presidential primaries"
        ]
    );
    assert!(
        titled(&day, "At the International Society for Stem Cell Research")
            .contexts
            .is_empty()
    );
    assert!(
        titled(&day, "Astronomers report that the presence of phosphates")
            .contexts
            .is_empty()
    );
}

#[test]
fn wcep_a_heading_group_ends_at_the_first_event_that_is_not_its_own() {
    // 2017-12-16, Disasters and accidents: the wildfires heading, the Thomas Fire event below
    // it, a helicopter crash in Honduras, then a mudslide in Villa Santa Lucía, Chile, which
    // shares a name (`Santa`, of the Santa Ana winds) with the Thomas Fire event only
    let Some(day) = wcep_day("2017/12/2017-12-16.yaml") else {
        return;
    };
    assert_eq!(
        titled(&day, "More evacuations are ordered").contexts,
        ["December 2017 Southern California wildfires"]
    );
    for other in [
        "Six people are killed, including Hilda",
        "Five people are killed and at least 15",
    ] {
        let story = titled(&day, other);
        assert!(
            story.contexts.is_empty(),
            "{}: {:?}",
            story.title,
            story.contexts
        );
    }
}

#[test]
fn wcep_after_its_run_a_heading_group_takes_an_event_that_names_what_it_names() {
    // 2010-09-30, Armed conflicts and incidents: `2010 Ecuador crisis`, the state of emergency
    // below it, Correa injured (no word or name in common: the run ends there), then the army
    // rescuing him, which names what the heading names (`Ecuadorian`), then a convoy in
    // Afghanistan, which does not
    let Some(day) = wcep_day("2010/09/2010-09-30.yaml") else {
        return;
    };
    for line in [
        "A state of emergency is declared in Ecuador",
        "The Ecuadorian Army rescues President Correa",
    ] {
        assert_eq!(
            titled(&day, line).contexts,
            ["2010 Ecuador crisis"],
            "{line}"
        );
    }
    let convoy = titled(&day, "A convoy of at least 27 fuel tankers");
    assert!(convoy.contexts.is_empty(), "{:?}", convoy.contexts);
}

#[test]
fn bundled_sample_imports_cleanly() {
    let imported = import(&sample());
    assert!(
        imported.report.skipped.is_empty(),
        "{:?}",
        imported.report.skipped
    );
    assert!(imported.stories.len() >= 60);
    let zh = imported
        .stories
        .iter()
        .filter(|s| s.language == Language::Zh)
        .count();
    assert!(
        zh >= 20 && imported.stories.len() - zh >= 40,
        "{zh} Chinese stories"
    );
    assert!(
        imported
            .stories
            .iter()
            .filter(|s| s.versions.len() > 1)
            .count()
            >= 5
    );
    assert!(
        imported
            .stories
            .iter()
            .filter(|s| !s.related.is_empty())
            .count()
            >= 10
    );
    assert!(
        imported
            .stories
            .iter()
            .filter(|s| s.contexts.is_empty())
            .count()
            >= 3
    );
}

#[test]
fn corrupted_copies_of_real_files_are_reported_and_the_rest_imported() {
    let Some(zh) = corpus("thecontext-zh") else {
        return;
    };
    let Some(wcep) = corpus("wcep-en") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let day = dir.path().join("news/2017/12/8");
    std::fs::create_dir_all(&day).unwrap();
    let mut good = 0;
    for entry in std::fs::read_dir(zh.join("news/2017/12/8")).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), day.join(entry.file_name())).unwrap();
        good += usize::from(!matches!(
            entry.file_name().to_str(),
            Some("index.md" | "README.md")
        ));
    }
    let page = std::fs::read(
        zh.join("news/2017/12/8/面對南加州山火蔓延-美國總統唐納德-川普宣佈加州進入緊急狀態.md"),
    )
    .unwrap();
    let mut invalid = page.clone();
    invalid.insert(40, 0xff);
    std::fs::write(day.join("bad-utf8.md"), invalid).unwrap();
    let text = String::from_utf8(page).unwrap();
    std::fs::write(day.join("no-title.md"), text.replace("\n# ", "\n")).unwrap();
    std::fs::write(
        day.join("bad-date.md"),
        text.replace("2017-12-8]", "2017-02-30]"),
    )
    .unwrap();
    let yaml = std::fs::read_to_string(wcep.join("2017/12/2017-12-11.yaml")).unwrap();
    std::fs::write(
        dir.path().join("2017-12-11.yaml"),
        yaml.replacen("  - ", "  - [", 1),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("2017-12-12.yaml"),
        yaml.replace("'2017-12-11'", "'2017-12-41'"),
    )
    .unwrap();
    std::fs::write(dir.path().join("ok.yaml"), &yaml).unwrap();

    let summary = storyline_json(&["import", s(dir.path()), "--json", "--quiet"], 3);
    assert_eq!(summary["stories"], good + 14);
    let messages: Vec<String> = summary["skipped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["message"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(messages.len(), 5, "{messages:#?}");
    let find = |needle: &str| {
        messages
            .iter()
            .find(|m| m.contains(needle))
            .unwrap_or_else(|| panic!("no {needle:?} in {messages:#?}"))
    };
    assert!(find("bad-utf8.md").contains("not valid UTF-8"));
    assert!(find("no-title.md").contains("no headline: expected a line `# <title>`"));
    assert!(find("bad-date.md:1: bad date line: impossible date").contains("2017-02-30"));
    assert!(find("2017-12-11.yaml:").contains("YAML syntax error"));
    assert!(find("2017-12-12.yaml").contains("field Date: impossible date"));
    let lines: Vec<Option<u64>> = summary["skipped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["line"].as_u64())
        .collect();
    assert!(lines.iter().filter(|l| l.is_some()).count() >= 2);
}

#[test]
fn jsonl_export_of_a_real_archive_imports_back_identically() {
    let Some(zh) = corpus("thecontext-zh") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let first = dir.path().join("first.jsonl");
    let second = dir.path().join("second.jsonl");
    let out = storyline(&[
        "import",
        s(&zh.join("news/2018")),
        "--out",
        s(&first),
        "--quiet",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = storyline(&["import", s(&first), "--out", s(&second), "--quiet"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let a = std::fs::read(&first).unwrap();
    assert!(a.len() > 100_000);
    assert_eq!(a, std::fs::read(&second).unwrap());
    let back = import_paths(&[first], Some(Format::Jsonl)).unwrap();
    assert_eq!(back.stories, import(&zh.join("news/2018")).stories);
    // nothing but the two outputs in the directory: no temporary files left behind
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 2);
}

#[test]
fn stats_reports_years_tags_and_untagged() {
    let Some(zh) = corpus("thecontext-zh") else {
        return;
    };
    let stats = storyline_json(&["stats", s(&zh), "--json", "--quiet", "--top", "5"], 0);
    assert_eq!(stats["stories"], 8_984);
    let per_year = stats["per_year"].as_object().unwrap();
    assert_eq!(
        per_year.values().map(|v| v.as_u64().unwrap()).sum::<u64>(),
        8_984
    );
    assert_eq!(stats["top_tags"].as_array().unwrap().len(), 5);
    assert_eq!(stats["first_date"], "2003-04-01");
    let text = storyline(&["stats", s(&sample()), "--quiet"]);
    let text = String::from_utf8(text.stdout).unwrap();
    assert!(
        text.contains("stories per year")
            && text.contains("top tags")
            && text.contains("without tags"),
        "{text}"
    );
}

#[test]
fn import_without_archives_is_a_clear_error() {
    let out = storyline(&["import", "/nonexistent/archive"]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("/nonexistent/archive") && err.contains("No such file"),
        "{err}"
    );
}
