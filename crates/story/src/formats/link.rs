//! Markdown list items with one link, as the story pages write them, and page ids.

/// A parsed list item `N. [text](target) rest`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkItem<'a> {
    /// The link text (may itself contain brackets).
    pub text: &'a str,
    /// The link target.
    pub target: &'a str,
    /// What follows the link on the line, trimmed.
    pub rest: &'a str,
}

/// Strips a list marker (`1.`, `10.`, `-`, `*`) from the start of a line.
pub fn strip_list_marker(line: &str) -> Option<&str> {
    let line = line.trim_start();
    let digits = line.bytes().take_while(u8::is_ascii_digit).count();
    if digits > 0 && line[digits..].starts_with('.') {
        return Some(line[digits + 1..].trim_start());
    }
    line.strip_prefix("- ")
        .or_else(|| line.strip_prefix("* "))
        .map(str::trim_start)
}

/// Parses `[text](target) rest`. Link texts may contain `[`, `]` and even `](`: the link is
/// taken to end at the first `](target)` after which the line either ends or continues with
/// an `_annotation_` or another link, which is how every list in the archives continues.
pub fn parse_link(item: &str) -> Option<LinkItem<'_>> {
    let body = item.strip_prefix('[')?;
    let mut search_from = 0;
    while let Some(found) = body[search_from..].find("](") {
        let close = search_from + found;
        let target_start = close + 2;
        if let Some(target_len) = balanced_target_len(&body[target_start..]) {
            let rest = body[target_start + target_len + 1..].trim();
            if rest.is_empty() || rest.starts_with('_') || rest.starts_with('[') {
                return Some(LinkItem {
                    text: &body[..close],
                    target: body[target_start..target_start + target_len].trim(),
                    rest,
                });
            }
        }
        search_from = close + 2;
    }
    None
}

/// Length of a link target up to its closing parenthesis (parentheses inside are balanced).
fn balanced_target_len(text: &str) -> Option<usize> {
    let mut depth = 0usize;
    for (i, c) in text.char_indices() {
        match c {
            '(' => depth += 1,
            ')' if depth == 0 => return Some(i),
            ')' => depth -= 1,
            _ => {}
        }
    }
    None
}

/// The stable id of a story page from its path or a site link to it.
///
/// `/zh/news/2019/09/12/slug.md` → `news/2019/9/12/slug`: leading slash, language prefix and
/// extension go, and the date parts lose their zero padding, because the archives link the
/// same page both ways.
pub fn story_id_from_link(link: &str) -> String {
    let link = link.split(['?', '#']).next().unwrap_or(link);
    let mut segments: Vec<&str> = link.split('/').filter(|s| !s.is_empty()).collect();
    if let Some(news) = segments.iter().position(|s| *s == "news") {
        segments.drain(..news);
    }
    if let Some(last) = segments.last_mut() {
        for ext in [".md", ".html", ".json", ".xml"] {
            if let Some(stem) = last.strip_suffix(ext) {
                *last = stem;
                break;
            }
        }
    }
    let mut id = String::with_capacity(link.len());
    for (i, segment) in segments.iter().enumerate() {
        if i > 0 {
            id.push('/');
        }
        let is_date_part = segments[0] == "news" && (1..=3).contains(&i);
        if is_date_part && segment.bytes().all(|b| b.is_ascii_digit()) && segment.len() > 1 {
            let trimmed = segment.trim_start_matches('0');
            id.push_str(if trimmed.is_empty() { "0" } else { trimmed });
        } else {
            id.push_str(segment);
        }
    }
    id
}

/// The host of an address: `http://uk.news.yahoo.com/031123/…` → `uk.news.yahoo.com`.
pub fn host(url: &str) -> &str {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    rest.split(['/', '?', '#']).next().unwrap_or(rest)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_related_lines_with_brackets_in_the_title() {
        let line = "2. [Title with [brackets] and ] inside ](/news/2017/11/3/x.md) _Context: ISIS_";
        let item = parse_link(strip_list_marker(line).unwrap()).unwrap();
        assert_eq!(item.text, "Title with [brackets] and ] inside ");
        assert_eq!(item.target, "/news/2017/11/3/x.md");
        assert_eq!(item.rest, "_Context: ISIS_");
    }

    #[test]
    fn parses_a_source_followed_by_an_image_link() {
        let item =
            parse_link("[美國之音](https://v.com/a.html) [IMG](https://i.com/b.jpg)").unwrap();
        assert_eq!(item.text, "美國之音");
        assert_eq!(item.rest, "[IMG](https://i.com/b.jpg)");
    }

    #[test]
    fn link_targets_may_hold_parentheses() {
        let item = parse_link("[W](https://en.wikipedia.org/wiki/Georgia_(country))").unwrap();
        assert_eq!(
            item.target,
            "https://en.wikipedia.org/wiki/Georgia_(country)"
        );
    }

    #[test]
    fn ids_drop_language_prefix_padding_and_extension() {
        assert_eq!(
            story_id_from_link("/zh/news/2019/09/02/slug.md"),
            "news/2019/9/2/slug"
        );
        assert_eq!(
            story_id_from_link("news/2017/12/11/a-b.md"),
            "news/2017/12/11/a-b"
        );
        assert_eq!(
            story_id_from_link("/srv/archive/news/2017/12/11/a.md"),
            "news/2017/12/11/a"
        );
    }

    #[test]
    fn list_markers_repeat_or_vary() {
        assert_eq!(strip_list_marker("10. [a](b)"), Some("[a](b)"));
        assert_eq!(strip_list_marker("- [a](b)"), Some("[a](b)"));
        assert_eq!(strip_list_marker("[a](b)"), None);
    }
}
