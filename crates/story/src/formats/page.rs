//! Story pages: the news-context site's markdown, one page per story (see FORMATS.md §1).
//!
//! Reading is line-oriented and forgiving: every part except the headline may be missing, list
//! numbers repeat, and Chinese pages use their own section names (and Wikipedia's variant
//! markup, read as one variant: `formats/variants.rs`). Writing touches only the Related
//! section, so every other byte of a page stays as the archive had it.

use std::path::Path;

use crate::date::Date;
use crate::formats::link::{host, parse_link, story_id_from_link, strip_list_marker};
use crate::formats::markup;
use crate::formats::variants::resolve_variants;
use crate::formats::wikilinks::strip_external_links;
use crate::model::{Language, RelatedEntry, Source, Story, Version};
use crate::tag::normalize_tag;
use crate::{Result, StoryError};

/// What a markdown file in a story-page archive turned out to be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Page {
    /// A story page.
    Story(Box<Story>),
    /// A day page (`index.md`, `README.md`): a list of the day's stories, not a story.
    Day,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Section {
    Head,
    Sources,
    Changes,
    Related,
    Other,
}

/// Whether a file name is one of a day's index pages.
pub fn is_day_page_name(path: &Path) -> bool {
    matches!(
        path.file_name().and_then(|n| n.to_str()),
        Some("index.md" | "README.md")
    )
}

fn section_of(heading: &str) -> Option<Section> {
    let name = heading.strip_prefix("### ")?.trim();
    let name = name
        .strip_suffix(':')
        .or_else(|| name.strip_suffix('：'))?
        .trim();
    Some(match name {
        "Sources" | "Source" | "信息来源" | "信息來源" | "来源" | "來源" => {
            Section::Sources
        }
        "Changes" => Section::Changes,
        "Related" | "有关" | "有關" | "相关" | "相關" => Section::Related,
        _ => Section::Other,
    })
}

/// The date of a `### [2017-12-11](…)` line, if the line is one.
fn date_line(line: &str) -> Option<&str> {
    let rest = line.strip_prefix("### [")?;
    let end = rest.find(']')?;
    let candidate = &rest[..end];
    candidate
        .starts_with(|c: char| c.is_ascii_digit())
        .then_some(candidate)
}

/// The date in a page path `news/YYYY/M/D/…`.
fn date_from_id(id: &str) -> Option<Date> {
    let mut parts = id.split('/');
    if parts.next()? != "news" {
        return None;
    }
    let (y, m, d) = (
        parts.next()?.parse().ok()?,
        parts.next()?.parse().ok()?,
        parts.next()?.parse().ok()?,
    );
    Date::new(y, m, d)
}

/// Splits a `_Context: a, b_` / `_消息: a_` annotation into its tags.
fn annotation_contexts(rest: &str) -> Vec<String> {
    let inner = rest.trim().trim_matches('_').trim();
    let Some((label, list)) = inner.split_once(':').or_else(|| inner.split_once('：')) else {
        return Vec::new();
    };
    if !matches!(label.trim(), "Context" | "Contexts" | "消息" | "背景") {
        return Vec::new();
    }
    list.split([',', '，', '、'])
        .map(|t| markup::clean(t.trim()).into_owned())
        .filter(|t| !t.is_empty())
        .collect()
}

/// Parses one story page. `rel_path` is the page's path relative to the archive root (it gives
/// the id); `file` is only used in error messages.
pub fn parse_page(text: &str, rel_path: &str, file: &Path) -> Result<Page> {
    if is_day_page_name(Path::new(rel_path)) {
        return Ok(Page::Day);
    }
    let id = story_id_from_link(rel_path);
    // `-{zh-cn:…; zh-tw:…}-` becomes one variant before anything is read: context lists are
    // split on `、`, which the markup may hold
    let text = resolve_variants(text);
    let mut section = Section::Head;
    let mut date = None;
    let mut title: Option<String> = None;
    let mut summary_lines: Vec<&str> = Vec::new();
    let mut own_contexts: Vec<String> = Vec::new();
    let mut story_sources = Vec::new();
    let mut images = Vec::new();
    let mut versions = Vec::new();
    let mut related = Vec::new();
    let mut day_links = 0usize;

    for (index, raw) in text.lines().enumerate() {
        let line_no = index + 1;
        let line = raw.trim_end_matches('\r');
        if let Some(next) = section_of(line) {
            section = next;
            continue;
        }
        match section {
            Section::Head => {
                if let Some(found) = date_line(line) {
                    if date.is_none() {
                        let parsed = found.parse::<Date>().map_err(|e| {
                            StoryError::format(file, Some(line_no), format!("bad date line: {e}"))
                        })?;
                        date = Some(parsed);
                    }
                } else if let Some(context) = line.strip_prefix("#####") {
                    let context = markup::clean(context.trim());
                    if title.is_none() && !context.is_empty() {
                        own_contexts.push(context.into_owned());
                    }
                } else if let Some(headline) =
                    line.strip_prefix("# ").or((line == "#").then_some(""))
                {
                    if title.is_none() {
                        title = Some(headline.trim().to_string());
                    } else {
                        summary_lines.push(line.trim());
                    }
                } else if line.starts_with("### [") {
                    day_links += 1; // a day page lists its stories as `### [title](link)`
                } else if line.starts_with("Formats:") && title.is_none() {
                } else if title.is_some() {
                    summary_lines.push(line.trim());
                }
            }
            Section::Sources => {
                let Some(item) = strip_list_marker(line) else {
                    continue;
                };
                read_source_item(item, &mut story_sources, &mut images);
            }
            Section::Changes => {
                let Some(link) = strip_list_marker(line).and_then(parse_link) else {
                    continue;
                };
                let note = link.rest.trim().trim_matches('_').trim();
                let current = note.contains("Current version");
                let timestamp = note
                    .split('(')
                    .next()
                    .map(str::trim)
                    .filter(|t| !t.is_empty())
                    .map(String::from);
                versions.push(Version {
                    id: story_id_from_link(link.target),
                    title: headline_text(link.text),
                    timestamp,
                    current,
                });
            }
            Section::Related => {
                let Some(item) = strip_list_marker(line) else {
                    continue;
                };
                let link = parse_link(item).ok_or_else(|| {
                    StoryError::format(
                        file,
                        Some(line_no),
                        "related entry is not a `[title](link)` item",
                    )
                })?;
                related.push(RelatedEntry {
                    id: story_id_from_link(link.target),
                    title: headline_text(link.text),
                    contexts: annotation_contexts(link.rest),
                });
            }
            Section::Other => {}
        }
    }

    let title = title.map(|title| {
        let (text, sources) = clean_headline(&title);
        story_sources.extend(sources.into_iter().map(|name| Source { name, url: None }));
        text
    });
    let Some(title) = title.filter(|t| !t.is_empty()) else {
        if day_links > 0 {
            return Ok(Page::Day);
        }
        return Err(StoryError::format(
            file,
            None,
            "no headline: expected a line `# <title>`",
        ));
    };
    let date = date.or_else(|| date_from_id(&id)).ok_or_else(|| {
        StoryError::format(
            file,
            None,
            "no date: expected a line `### [YYYY-M-D](…)` or a news/YYYY/M/D/ path",
        )
    })?;
    let summary = markup::clean_owned(join_paragraphs(&summary_lines));
    let mut contexts = Vec::new();
    let mut seen = Vec::new();
    let related_contexts = related
        .iter()
        .flat_map(|r: &RelatedEntry| r.contexts.iter().cloned());
    for tag in own_contexts.into_iter().chain(related_contexts) {
        let key = normalize_tag(&tag);
        if !key.is_empty() && !seen.contains(&key) {
            seen.push(key);
            contexts.push(tag);
        }
    }
    // the headline decides: Chinese pages often quote their English source as the summary
    let language = Language::detect(&title);
    Ok(Page::Story(Box::new(Story {
        id,
        date,
        title,
        summary,
        contexts,
        category: None,
        sources: story_sources,
        images,
        language,
        path: Some(rel_path.to_string()),
        versions,
        related,
    })))
}

/// A headline as a reader sees it, and the sources that trailed it: external-link markup read
/// (inline links as their labels, trailing ones as sources), templates, stray wikilink brackets,
/// HTML tags and character references read (see [`markup`]), and an opening bracket at the very
/// end, which opened what the export cut off (`…證明資料。《`), dropped.
fn clean_headline(headline: &str) -> (String, Vec<String>) {
    let (text, sources) =
        strip_external_links(headline).unwrap_or_else(|| (headline.trim().to_string(), Vec::new()));
    let mut text = markup::clean_owned(text);
    let kept = text
        .trim_end_matches(['《', '（', '(', '「', '【', '[', ' '])
        .len();
    text.truncate(kept);
    (text, sources)
}

/// A headline as another page links it (Related, Changes), as a reader sees it.
fn headline_text(text: &str) -> String {
    clean_headline(text).0
}

fn read_source_item(item: &str, sources: &mut Vec<Source>, images: &mut Vec<String>) {
    let mut rest = item;
    while let Some(link) = parse_link(rest) {
        let name = markup::clean(link.text.trim());
        if matches!(&*name, "Cover Image" | "IMG" | "Image" | "图片" | "圖片") {
            images.push(link.target.to_string());
        } else {
            let name = source_name(&name, link.target);
            sources.push(Source {
                name,
                url: Some(link.target.to_string()),
            });
        }
        rest = link.rest;
    }
}

/// A source's name from its link's label: the label as a reader sees it, or the site's host
/// where the label is what a citation template left behind (`[{{link-en](…)`, `[url=https://
/// web.archive.org/… |date=… ，中央廣播電臺，，查閱。{{zh-tw}}](…)`, `[22, 2014 6:25 AM EDT，查閱。
/// {{en}}](…)`). A name written after the residue (`… |bot=InternetArchiveBot }} 立場新聞`) is
/// the name.
fn source_name(label: &str, url: &str) -> String {
    let label = match label.rfind("}}") {
        Some(end) => &label[end + 2..],
        None => label,
    };
    let label = label.trim();
    let residue = label.is_empty()
        || label.contains("url=")
        || label.contains("date=")
        || label.contains('|')
        || label.ends_with("查閱。")
        || label.ends_with("查阅。");
    if residue {
        return site_host(url).to_string();
    }
    label.to_string()
}

/// The host of the site an address points to; for an archived copy
/// (`https://web.archive.org/web/2014…/http://www.krem.com/…`), the archived site's.
fn site_host(url: &str) -> &str {
    let inner = ["http://", "https://"]
        .iter()
        .filter_map(|scheme| url.get(1..)?.rfind(scheme).map(|at| at + 1))
        .max();
    host(inner.map_or(url, |at| &url[at..]))
}

fn join_paragraphs(lines: &[&str]) -> String {
    let mut out = String::new();
    let mut blank = false;
    for line in lines {
        if line.is_empty() {
            blank = true;
            continue;
        }
        if !out.is_empty() {
            out.push_str(if blank { "\n\n" } else { " " });
        }
        out.push_str(line);
        blank = false;
    }
    out
}

/// One entry of a Related section to write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RelatedLine {
    /// The link to the related page, as the site writes it (`/news/2017/11/3/slug.md`).
    pub link: String,
    /// The related story's title.
    pub title: String,
    /// Shared context tags, in their original spelling.
    pub contexts: Vec<String>,
}

/// Renders a Related section in the page's language (`### Related:` + `_Context: …_`, or
/// `### 有关:` + `_消息: …_`).
pub fn render_related_section(lines: &[RelatedLine], language: Language) -> String {
    let (heading, label) = match language {
        Language::En => ("### Related:", "Context"),
        Language::Zh => ("### 有关:", "消息"),
    };
    let mut out = format!("{heading}\n\n");
    for (i, line) in lines.iter().enumerate() {
        out.push_str(&format!("{}. [{}]({})", i + 1, line.title, line.link));
        if !line.contexts.is_empty() {
            out.push_str(&format!(" _{label}: {}_", line.contexts.join(", ")));
        }
        out.push('\n');
    }
    out
}

/// Replaces the page's Related section with `section` (or appends it), leaving every other byte
/// of the page as it was. With an empty `section` an existing Related section is removed.
pub fn replace_related_section(page: &str, section: &str) -> String {
    let mut start = None;
    let mut end = page.len();
    let mut offset = 0;
    for line in page.split_inclusive('\n') {
        let bare = line.trim_end_matches(['\n', '\r']);
        match (start, section_of(bare)) {
            (None, Some(Section::Related)) => start = Some(offset),
            (Some(_), Some(_)) => {
                end = offset;
                break;
            }
            _ => {}
        }
        offset += line.len();
    }
    match start {
        Some(start) => {
            let mut out = String::with_capacity(page.len() + section.len());
            out.push_str(&page[..start]);
            out.push_str(section);
            if end < page.len() {
                out.push('\n');
            }
            out.push_str(&page[end..]);
            out
        }
        None if section.is_empty() => page.to_string(),
        None => {
            let mut out = page.to_string();
            if !out.is_empty() && !out.ends_with('\n') {
                out.push('\n');
            }
            if !out.is_empty() && !out.ends_with("\n\n") {
                out.push('\n');
            }
            out.push_str(section);
            out
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAGE: &str = "Formats: [HTML](/x.html)\n\n### [2017-12-4](/news/2017/12/4/index.md)\n\n##### Thomas Fire\n# A wildfire spreads near Ventura. \n\nCrews fight the fire.\nMore crews arrive.\n\n### Sources:\n\n1. [NPR](https://npr.org/a)\n1. [Cover Image](https://img/a.jpg)\n\n### Changes:\n\n1. [Old title](/news/2017/12/4/old.md) _2017-12-04 10:00:00 (First version)_\n1. [A wildfire spreads near Ventura.](/news/2017/12/4/a-wildfire.md) _(Current version)_\n\n### Related:\n\n1. [Fire grows](/news/2017/12/05/fire-grows.md) _Context: Thomas Fire, California_\n1. [Rain](/zh/news/2017/12/6/rain.md)\n";

    fn story(text: &str, path: &str) -> Story {
        match parse_page(text, path, Path::new(path)).unwrap() {
            Page::Story(story) => *story,
            Page::Day => panic!("read as a day page"),
        }
    }

    #[test]
    fn a_citation_templates_residue_is_named_by_its_site() {
        let archived = "https://web.archive.org/web/20110303083622/http://hk.news.yahoo.com/a/1";
        for (label, url, name) in [
            (
                "{{link-en",
                "http://www.gdacs.org/report.aspx?x=1",
                "www.gdacs.org",
            ),
            (
                "url=https://web.archive.org/web/2011/ |date= ，中央社，，查閱。",
                archived,
                "hk.news.yahoo.com",
            ),
            (
                "22, 2014 6:25 AM EDT，查閱。{{en}}",
                "http://bigstory.ap.org/article/x",
                "bigstory.ap.org",
            ),
            (
                "link|date=2019年5月 |bot=InternetArchiveBot }} 立場新聞",
                "https://thestandnews.com/x",
                "立場新聞",
            ),
            (
                "華盛頓時報",
                "http://www.washingtontimes.com/news/x",
                "華盛頓時報",
            ),
        ] {
            let page = format!(
                "### [2014-5-22](/news/2014/5/22/index.md)\n\n# 標題\n\n### 信息来源:\n\n1. [{label}]({url})\n"
            );
            let story = story(&page, "news/2014/5/22/x.md");
            assert_eq!(story.sources[0].name, name, "{label}");
            assert_eq!(story.sources[0].url.as_deref(), Some(url));
        }
    }

    #[test]
    fn reads_every_part_of_a_story_page() {
        let s = story(PAGE, "news/2017/12/4/a-wildfire.md");
        assert_eq!(s.id, "news/2017/12/4/a-wildfire");
        assert_eq!(s.date.to_string(), "2017-12-04");
        assert_eq!(s.title, "A wildfire spreads near Ventura.");
        assert_eq!(s.summary, "Crews fight the fire. More crews arrive.");
        assert_eq!(s.contexts, ["Thomas Fire", "California"]);
        assert_eq!(
            s.sources,
            [Source {
                name: "NPR".into(),
                url: Some("https://npr.org/a".into())
            }]
        );
        assert_eq!(s.images, ["https://img/a.jpg"]);
        assert_eq!(s.versions.len(), 2);
        assert_eq!(
            s.versions[0].timestamp.as_deref(),
            Some("2017-12-04 10:00:00")
        );
        assert!(s.versions[1].current && !s.versions[0].current);
        assert_eq!(
            s.other_version_ids().collect::<Vec<_>>(),
            ["news/2017/12/4/old"]
        );
        assert_eq!(s.related[0].id, "news/2017/12/5/fire-grows");
        assert_eq!(s.related[0].contexts, ["Thomas Fire", "California"]);
        assert_eq!(s.related[1].id, "news/2017/12/6/rain");
        assert!(s.related[1].contexts.is_empty());
        assert_eq!(s.language, Language::En);
    }

    #[test]
    fn reads_chinese_sections_and_image_links() {
        let page = "### [2017-12-8](/news/2017/12/8/index.md)\n\n##### \n# 加州山火蔓延 \n\n### 信息来源:\n\n1. [美國之音](https://v/a) [IMG](https://v/b.jpg)\n\n### 有关:\n\n1. [ 另一篇 ](/zh/news/2019/07/14/x.md) _消息: 特朗普, 加利福尼亚州_\n";
        let s = story(page, "news/2017/12/8/加州山火蔓延.md");
        assert_eq!(s.language, Language::Zh);
        assert_eq!(s.contexts, ["特朗普", "加利福尼亚州"]);
        assert_eq!(s.sources.len(), 1);
        assert_eq!(s.images, ["https://v/b.jpg"]);
        assert_eq!(s.related[0].title, "另一篇");
        assert_eq!(s.related[0].id, "news/2019/7/14/x");
    }

    #[test]
    fn variant_markup_is_read_as_the_mainland_variant_before_contexts_are_split() {
        let page = "### [2018-7-5](/news/2018/7/5/index.md)\n\n##### -{zh-tw:南、北韓; zh-cn:朝鲜与韩国;}-\n# 两国代表以12票-{支}-持通过决议\n\n### 有关:\n\n1. [-{zh-tw:雪梨; zh-cn:悉尼;}-暴雨](/zh/news/2018/07/4/x.md) _消息: -{zh-tw:南、北韓; zh-cn:朝鲜与韩国;}-, 悉尼_\n";
        let s = story(page, "news/2018/7/5/两国代表以12票-支-持通过决议.md");
        assert_eq!(s.title, "两国代表以12票支持通过决议");
        assert_eq!(s.contexts, ["朝鲜与韩国", "悉尼"]);
        assert_eq!(s.related[0].title, "悉尼暴雨");
        assert_eq!(s.related[0].contexts, ["朝鲜与韩国", "悉尼"]);
        assert_eq!(s.id, "news/2018/7/5/两国代表以12票-支-持通过决议");
    }

    #[test]
    fn page_errors_name_the_line_and_what_was_expected() {
        let err = parse_page(
            "### [2019-02-30](/x)\n# T\n",
            "news/a.md",
            Path::new("news/a.md"),
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "news/a.md:1: bad date line: impossible date \"2019-02-30\" (no such day in the calendar)"
        );
        let err = parse_page(
            "### [2019-02-3](/x)\n\nno title\n",
            "news/a.md",
            Path::new("news/a.md"),
        )
        .unwrap_err();
        assert!(err.to_string().contains("no headline"), "{err}");
    }

    #[test]
    fn day_pages_are_recognised() {
        assert_eq!(
            parse_page("anything", "news/2017/12/8/index.md", Path::new("x")).unwrap(),
            Page::Day
        );
        let day =
            "## [2017-12-8](/zh/news/2017/12/8/index.md)\n\n### [A](/zh/news/2017/12/8/a.md)\n";
        assert_eq!(
            parse_page(day, "news/2017/12/8/list.md", Path::new("x")).unwrap(),
            Page::Day
        );
    }

    #[test]
    fn replacing_related_keeps_every_other_byte() {
        let lines = [RelatedLine {
            link: "/news/2017/12/5/b.md".into(),
            title: "B".into(),
            contexts: vec!["Thomas Fire".into()],
        }];
        let section = render_related_section(&lines, Language::En);
        let out = replace_related_section(PAGE, &section);
        let before = &PAGE[..PAGE.find("### Related:").unwrap()];
        assert!(out.starts_with(before));
        assert!(
            out.ends_with("### Related:\n\n1. [B](/news/2017/12/5/b.md) _Context: Thomas Fire_\n")
        );
        let reread = story(&out, "news/2017/12/4/a-wildfire.md");
        assert_eq!(reread.related.len(), 1);
        // a page without a Related section gets one appended after a blank line
        let appended = replace_related_section("# T\n", &section);
        assert_eq!(appended, format!("# T\n\n{section}"));
        // a following section is kept, separated by a blank line
        let middle =
            replace_related_section("# T\n### Related:\n1. [x](y)\n### Other:\nz\n", &section);
        assert!(
            middle.ends_with("_Context: Thomas Fire_\n\n### Other:\nz\n"),
            "{middle}"
        );
    }
}
