//! JSON Lines: the interchange format, one [`Story`] per line (schema in the README).

use std::io::Write;
use std::path::Path;

use crate::StoryError;
use crate::model::Story;

/// Reads the stories of a JSON Lines text. Blank lines are skipped; a line that is not a valid
/// story is reported with its line number and the rest are still read.
pub fn parse_jsonl(text: &str, file: &Path) -> (Vec<Story>, Vec<StoryError>) {
    let mut stories = Vec::new();
    let mut problems = Vec::new();
    for (index, line) in text.lines().enumerate() {
        match parse_jsonl_line(line, index + 1, file) {
            Some(Ok(story)) => stories.push(story),
            Some(Err(e)) => problems.push(e),
            None => {}
        }
    }
    (stories, problems)
}

/// Reads one line (1-based `line_number`) of a JSON Lines file: `None` for a blank line.
pub fn parse_jsonl_line(
    line: &str,
    line_number: usize,
    file: &Path,
) -> Option<Result<Story, StoryError>> {
    if line.trim().is_empty() {
        return None;
    }
    Some(match serde_json::from_str::<Story>(line) {
        Ok(story) if story.title.trim().is_empty() => Err(StoryError::format(
            file,
            Some(line_number),
            "story has an empty title",
        )),
        Ok(story) if story.id.trim().is_empty() => Err(StoryError::format(
            file,
            Some(line_number),
            "story has an empty id",
        )),
        Ok(story) => Ok(story),
        Err(e) => Err(StoryError::format(
            file,
            Some(line_number),
            format!("invalid story record: {e}"),
        )),
    })
}

/// Writes stories as JSON Lines.
pub fn write_jsonl<W: Write>(mut out: W, stories: &[Story]) -> std::io::Result<()> {
    for story in stories {
        serde_json::to_writer(&mut out, story)?;
        out.write_all(b"\n")?;
    }
    out.flush()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Date, Language, RelatedEntry, Source, Version};
    use proptest::prelude::*;

    fn arb_text() -> impl Strategy<Value = String> {
        prop_oneof![
            any::<String>(),
            "[a-zA-Z 美國新闻\\[\\]\\(\\)\"_:,.-]{0,40}"
        ]
    }

    prop_compose! {
        fn arb_story()(
            id in "[a-z0-9/_-]{1,30}", days in -20_000i32..40_000, title in "[^\\s]{1}.{0,60}",
            summary in arb_text(), contexts in prop::collection::vec(arb_text(), 0..4),
            category in prop::option::of(arb_text()), zh in any::<bool>(),
            sources in prop::collection::vec((arb_text(), prop::option::of(arb_text())), 0..3),
            images in prop::collection::vec(arb_text(), 0..2), path in prop::option::of(arb_text()),
            versions in prop::collection::vec((arb_text(), arb_text(), prop::option::of(arb_text()), any::<bool>()), 0..3),
            related in prop::collection::vec((arb_text(), arb_text(), prop::collection::vec(arb_text(), 0..3)), 0..4),
        ) -> Story {
            Story {
                id, date: Date::from_days_since_epoch(days), title, summary, contexts, category,
                sources: sources.into_iter().map(|(name, url)| Source { name, url }).collect(),
                images, language: if zh { Language::Zh } else { Language::En }, path,
                versions: versions.into_iter().map(|(id, title, timestamp, current)| Version { id, title, timestamp, current }).collect(),
                related: related.into_iter().map(|(id, title, contexts)| RelatedEntry { id, title, contexts }).collect(),
            }
        }
    }

    proptest! {
        #[test]
        fn export_then_import_round_trips_exactly(stories in prop::collection::vec(arb_story(), 0..8)) {
            let stories: Vec<Story> = stories.into_iter().filter(|s| !s.title.trim().is_empty()).collect();
            let mut bytes = Vec::new();
            write_jsonl(&mut bytes, &stories).unwrap();
            let (back, problems) = parse_jsonl(std::str::from_utf8(&bytes).unwrap(), Path::new("x.jsonl"));
            prop_assert!(problems.is_empty(), "{:?}", problems);
            prop_assert_eq!(back, stories);
        }
    }

    #[test]
    fn bad_lines_are_reported_and_the_rest_read() {
        let text = "{\"id\":\"a\",\"date\":\"2017-12-11\",\"title\":\"A\",\"language\":\"en\"}\n{not json}\n\n{\"id\":\"b\",\"date\":\"2017-02-30\",\"title\":\"B\",\"language\":\"en\"}\n";
        let (stories, problems) = parse_jsonl(text, Path::new("s.jsonl"));
        assert_eq!(stories.len(), 1);
        assert_eq!(problems.len(), 2);
        assert!(
            problems[0]
                .to_string()
                .starts_with("s.jsonl:2: invalid story record"),
            "{}",
            problems[0]
        );
        assert!(
            problems[1].to_string().contains("impossible date"),
            "{}",
            problems[1]
        );
    }
}
