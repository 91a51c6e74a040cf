//! Writing stories as a story-page archive (FORMATS.md §1): one markdown page per story at
//! `news/YYYY/M/D/<slug>.md`, readable by `storyline_story::import_paths`.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use storyline_story::formats::page::{RelatedLine, render_related_section};
use storyline_story::{Language, Story, StoryError};

/// The site link of a page id (`news/2017/12/11/x` → `/news/2017/12/11/x.md`); Chinese pages
/// link each other with the edition's `/zh` prefix, as the archive does.
fn page_link(id: &str, language: Language) -> String {
    match language {
        Language::En => format!("/{id}.md"),
        Language::Zh => format!("/zh/{id}.md"),
    }
}

/// Whether an id is a page id `news/YYYY/M/D/<slug>` (a slug without `/`).
fn is_page_id(id: &str) -> bool {
    let parts: Vec<&str> = id.split('/').collect();
    parts.len() == 5
        && parts[0] == "news"
        && parts[1..4]
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
        && !parts[4].is_empty()
        && !parts[4].starts_with('.')
}

/// The markdown page of a story, in the site's layout: an optional `Formats:` header (English),
/// the date line, the first context tag as the `#####` context line, the `# ` headline, the
/// summary, `### Sources:` (`### 信息来源:` in Chinese) with cover images, `### Changes:` for
/// stories with versions, and `### Related:` (`### 有关:`) when the story has a Related list.
pub fn render_page(story: &Story) -> String {
    let mut page = String::with_capacity(600 + story.title.len() * 2 + story.summary.len());
    let id = &story.id;
    let date = story.date;
    let day_link = format!(
        "/news/{}/{}/{}/index.md",
        date.year(),
        date.month(),
        date.day()
    );
    if story.language == Language::En {
        page.push_str(&format!(
            "\nFormats: [HTML](/{id}.html)  [JSON](/{id}.json)  [XML](/{id}.xml)  \n\n"
        ));
    }
    page.push_str(&format!("### [{date}]({day_link})\n\n"));
    if let Some(tag) = story.contexts.first() {
        page.push_str(&format!("##### {tag}\n"));
    }
    page.push_str(&format!("# {} \n\n", story.title));
    if !story.summary.is_empty() {
        page.push_str(&story.summary);
        page.push_str("\n\n");
    }
    page.push('\n');
    if !story.sources.is_empty() || !story.images.is_empty() {
        page.push_str(match story.language {
            Language::En => "### Sources:\n\n",
            Language::Zh => "### 信息来源:\n\n",
        });
        match story.language {
            Language::En => {
                for source in &story.sources {
                    let url = source.url.as_deref().unwrap_or_default();
                    page.push_str(&format!("1. [{}]({url})\n", source.name));
                }
                for image in &story.images {
                    page.push_str(&format!("1. [Cover Image]({image})\n"));
                }
            }
            Language::Zh => {
                // the Chinese edition puts the image link after the first source's link
                let mut images = story.images.iter();
                for source in &story.sources {
                    let url = source.url.as_deref().unwrap_or_default();
                    page.push_str(&format!("1. [{}]({url})", source.name));
                    if let Some(image) = images.next() {
                        page.push_str(&format!(" [IMG]({image})"));
                    }
                    page.push('\n');
                }
                for image in images {
                    page.push_str(&format!("1. [IMG]({image})\n"));
                }
            }
        }
        page.push('\n');
    }
    if !story.versions.is_empty() {
        page.push_str("### Changes:\n\n");
        for (i, version) in story.versions.iter().enumerate() {
            page.push_str(&format!(
                "1. [{} ]({})",
                version.title,
                page_link(&version.id, Language::En)
            ));
            let note = match (&version.timestamp, version.current) {
                (_, true) => "(Current version)".to_string(),
                (Some(ts), false) if i == 0 => format!("{ts} (First version)"),
                (Some(ts), false) => ts.clone(),
                (None, false) => String::new(),
            };
            if !note.is_empty() {
                page.push_str(&format!(" _{note}_"));
            }
            page.push('\n');
        }
        page.push('\n');
    }
    if !story.related.is_empty() {
        let lines: Vec<RelatedLine> = story
            .related
            .iter()
            .map(|r| RelatedLine {
                link: page_link(&r.id, story.language),
                title: r.title.clone(),
                contexts: r.contexts.clone(),
            })
            .collect();
        page.push_str(&render_related_section(&lines, story.language));
    }
    page
}

/// Writes every story as a page under `root` (`root/news/YYYY/M/D/<slug>.md`, from the story's
/// id) and returns how many pages were written. See [`write_pages_with_progress`].
pub fn write_pages(stories: &[Story], root: &Path) -> Result<usize, StoryError> {
    write_pages_with_progress(stories, root, &|| {})
}

/// [`write_pages`], calling `on_page` after each page (for progress bars).
///
/// Pages are written in parallel; each one goes to a hidden temporary file beside its target
/// and is renamed into place, so a page is never seen half-written (an interrupted run leaves
/// some pages and no partial ones). Ids must be page ids `news/YYYY/M/D/<slug>`, which is what
/// [`crate::generate`] makes: anything else is reported as a format error before a file is
/// written, as are two stories with the same id.
pub fn write_pages_with_progress(
    stories: &[Story],
    root: &Path,
    on_page: &(dyn Fn() + Sync),
) -> Result<usize, StoryError> {
    let mut ids = std::collections::HashSet::with_capacity(stories.len());
    for (i, story) in stories.iter().enumerate() {
        if !is_page_id(&story.id) {
            return Err(StoryError::format(
                root,
                None,
                format!(
                    "story {} has id {:?}: a page archive needs ids news/YYYY/M/D/<slug>",
                    i + 1,
                    story.id
                ),
            ));
        }
        if !ids.insert(story.id.as_str()) {
            return Err(StoryError::format(
                root,
                None,
                format!("two stories have the id {:?}", story.id),
            ));
        }
    }
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| StoryError::Io { path, source }
    };
    let dirs: BTreeSet<&str> = stories
        .iter()
        .filter_map(|s| s.id.rsplit_once('/').map(|(dir, _)| dir))
        .collect();
    dirs.par_iter().try_for_each(|dir| {
        let dir = root.join(dir);
        std::fs::create_dir_all(&dir).map_err(io(&dir))
    })?;
    stories.par_iter().try_for_each(|story| {
        let target: PathBuf = root.join(format!("{}.md", story.id));
        let (dir, name) = story.id.rsplit_once('/').unwrap_or(("", &story.id));
        let tmp = root.join(dir).join(format!(".{name}.md.tmp"));
        std::fs::write(&tmp, render_page(story)).map_err(io(&tmp))?;
        std::fs::rename(&tmp, &target).map_err(io(&target))?;
        on_page();
        Ok(())
    })?;
    Ok(stories.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_ids_are_checked() {
        assert!(is_page_id("news/2017/12/11/a-b"));
        assert!(!is_page_id("wcep/2017-12-11/a-b"));
        assert!(!is_page_id("news/2017/12/a-b"));
        assert!(!is_page_id("news/2017/12/11/"));
        let story = Story::new(
            "wcep/2017-12-11/x",
            storyline_story::Date::new(2017, 12, 11).unwrap(),
            "T",
        );
        let dir = tempfile::tempdir().unwrap();
        let err = write_pages(&[story], dir.path()).unwrap_err();
        assert!(err.to_string().contains("needs ids news/YYYY/M/D"), "{err}");
    }
}
