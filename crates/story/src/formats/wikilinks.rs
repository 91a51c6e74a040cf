//! Wikipedia's external-link markup, left in the Chinese edition's headlines: `[URL label]`
//! (the site's export wrote the URL's slashes as dashes: `[http:--www.washingtontimes.com-news-…
//! 華盛頓時報]`). A reader of Wikipedia sees only the label. The importer does the same: a link
//! inside the sentence becomes its label (`Google公司推出 [http:--video.google.com- Google Video]
//! 服务。` → `Google公司推出 Google Video 服务。`); the links after the headline's last words
//! are its sources, as trailing groups are in the Current Events archive (`…達成協議。《[… 華盛頓
//! 時報]》` → `…達成協議。`, source 華盛頓時報), with the `date=…` a dead-link template left
//! behind them. A link cut off by the end of the headline is dropped, and so is a bare address.

use std::borrow::Cow;

/// A piece of a headline: text, or an external link with its label (if it has one).
#[derive(Debug, Clone, Copy, PartialEq)]
enum Piece<'a> {
    Text(&'a str),
    Link(Option<&'a str>),
}

/// Where the next external link starts in `text`.
fn link_start(text: &str) -> Option<usize> {
    let mut from = 0;
    while let Some(at) = text[from..].find('[') {
        let at = from + at;
        let rest = &text[at + 1..];
        if rest.starts_with("http:") || rest.starts_with("https:") {
            return Some(at);
        }
        from = at + 1;
    }
    None
}

/// `text` in pieces.
fn pieces(text: &str) -> Vec<Piece<'_>> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(at) = link_start(rest) {
        if at > 0 {
            out.push(Piece::Text(&rest[..at]));
        }
        let inside = &rest[at + 1..];
        let Some(end) = inside.find(']') else {
            // cut off by the end of the headline
            out.push(Piece::Link(None));
            return out;
        };
        let label = inside[..end]
            .split_once(char::is_whitespace)
            .map(|(_, label)| label.trim())
            // a label that is itself an address (`(url=https:--web.archive.org-… )`, what a
            // citation template left) says nothing, nor one that is a template's debris
            // (`(link }})`)
            .filter(|label| {
                !label.is_empty()
                    && address_start(label).is_none()
                    && !label.contains("}}")
                    && !label.contains("{{")
            });
        out.push(Piece::Link(label));
        rest = &inside[end + 1..];
    }
    if !rest.is_empty() {
        out.push(Piece::Text(rest));
    }
    out
}

/// Brackets, spaces and separators that may stand around trailing sources.
fn is_around_sources(c: char) -> bool {
    c.is_whitespace()
        || matches!(
            c,
            '《' | '》'
                | '（'
                | '）'
                | '('
                | ')'
                | '「'
                | '」'
                | '【'
                | '】'
                | ','
                | '，'
                | '、'
                | ';'
                | '；'
        )
}

/// Text after a trailing link that says nothing: brackets and separators, or what a dead-link
/// template left (`date=十一月 2017`).
fn is_residue(text: &str) -> bool {
    let text = text.trim_matches(is_around_sources);
    text.is_empty() || text.starts_with("date=")
}

/// Where a bare address (`http:--www.apple.com-pr-…`: nothing a reader reads) starts in
/// `word`, which may be written right after the sentence (`…電腦。http:--…`).
fn address_start(word: &str) -> Option<usize> {
    [word.find("http:"), word.find("https:")]
        .into_iter()
        .flatten()
        .min()
}

/// `text` without its bare addresses, and the addresses (a `<ref>` written right before one
/// goes with it).
pub(crate) fn split_addresses(text: &str) -> (Cow<'_, str>, Vec<&str>) {
    let mut addresses = Vec::new();
    if !text.contains("http") {
        return (Cow::Borrowed(text), addresses);
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    let mut after_address = false;
    while !rest.is_empty() {
        let word_end = rest.find(char::is_whitespace).unwrap_or(rest.len());
        let space_end = rest[word_end..]
            .find(|c: char| !c.is_whitespace())
            .map_or(rest.len(), |n| word_end + n);
        let word = &rest[..word_end];
        match address_start(word) {
            Some(at) => {
                out.push_str(word[..at].strip_suffix("<ref>").unwrap_or(&word[..at]));
                addresses.push(word[at..].trim_end_matches("</ref>"));
                after_address = true;
            }
            // the end of an address a space broke off (`storydisplay.cfm ?`, `en /`)
            None if after_address
                && word
                    .trim_end_matches("</ref>")
                    .chars()
                    .all(|c| "/?&=#".contains(c)) => {}
            None => {
                out.push_str(&rest[..space_end]);
                after_address = false;
            }
        }
        rest = &rest[space_end..];
    }
    (Cow::Owned(out), addresses)
}

/// The headline without its external-link markup and bare addresses, and the labels of the
/// links that trailed it (its sources); `None` when it has neither.
pub fn strip_external_links(headline: &str) -> Option<(String, Vec<String>)> {
    if !headline.contains("http:") && !headline.contains("https:") {
        return None;
    }
    let mut pieces = pieces(headline);
    let mut sources = Vec::new();
    // the links after the last words, and the residue around them
    while let Some(last) = pieces.last().copied() {
        match last {
            Piece::Link(label) => sources.extend(label.map(str::to_string)),
            Piece::Text(text) if is_residue(text) => {}
            Piece::Text(_) => break,
        }
        pieces.pop();
    }
    sources.reverse();
    if pieces.is_empty() {
        // nothing but links: their labels are the headline
        return Some((sources.join(" "), Vec::new()));
    }
    // what a broken template wrote twice: after a link without a label, the headline's own
    // opening sentence again (`甲。乙。 [… (link }})] 甲。` → `甲。乙。`)
    if let [
        Piece::Text(opening),
        ..,
        Piece::Link(None),
        Piece::Text(again),
    ] = pieces.as_slice()
    {
        let again = again.trim();
        if again.chars().count() >= 8 && opening.trim_start().starts_with(again) {
            pieces.truncate(pieces.len() - 2);
        }
    }
    let mut text = String::with_capacity(headline.len());
    for piece in &pieces {
        match piece {
            Piece::Text(t) => text.push_str(&split_addresses(t).0),
            Piece::Link(label) => text.push_str(label.unwrap_or_default()),
        }
    }
    // opening brackets and separators before the sources go; the text's own closing ones stay
    let kept = text
        .trim_end_matches(|c| is_around_sources(c) && !matches!(c, '）' | ')' | '」' | '》' | '】'))
        .len();
    text.truncate(kept);
    // a link dropped between two spaces leaves one
    Some((
        text.split_whitespace().collect::<Vec<_>>().join(" "),
        sources,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strip(headline: &str) -> (String, Vec<String>) {
        strip_external_links(headline).unwrap_or_else(|| (headline.to_string(), Vec::new()))
    }

    #[test]
    fn a_broken_templates_debris_and_repeat_are_not_read() {
        assert_eq!(
            strip(
                "某工場被查封，懷疑加工有問題的肉類。 發言人表示，當地門市沒有使用。 [http:--news.example.com-20140722.html (link }})] 某工場被查封，懷疑加工有問題的肉類。"
            ),
            (
                "某工場被查封，懷疑加工有問題的肉類。 發言人表示，當地門市沒有使用。".to_string(),
                vec![]
            )
        );
        // text after a link that is not the opening again stays
        assert_eq!(
            strip("某工場被查封。 [http:--news.example.com-1.html (link }})] 發言人否認。").0,
            "某工場被查封。 發言人否認。"
        );
    }

    #[test]
    fn trailing_links_are_sources_and_inline_ones_their_labels() {
        assert_eq!(
            strip(
                "兩國就化學武器問題達成協議。《[http:--www.example-times.com-news-2013-sep-14-deal- 示例時報]》"
            ),
            (
                "兩國就化學武器問題達成協議。".to_string(),
                vec!["示例時報".to_string()]
            )
        );
        assert_eq!(
            strip("某公司推出 [http:--video.example.com- Example Video] 服务。目前仍在测试。"),
            (
                "某公司推出 Example Video 服务。目前仍在测试。".to_string(),
                vec![]
            )
        );
        // two sources, a dead-link template's residue, and a link cut off at the end
        assert_eq!(
            strip(
                "探测器登陆。[http:--news.example.cn-w-1.shtml 甲网] [http:--www.example.tv-a.php?id=3 乙台]date=十一月 2017 [http:--www.exa"
            ),
            (
                "探测器登陆。".to_string(),
                vec!["甲网".to_string(), "乙台".to_string()]
            )
        );
        // a link without a label leaves nothing
        assert_eq!(
            strip("议会通过法案。[https:--web.archive.org-web-2006-http:--example.com-a.html]"),
            ("议会通过法案。".to_string(), vec![])
        );
        // the text's own closing bracket stays
        assert_eq!(
            strip("两国签署协议（草案） [http:--example.com- 丙报]"),
            ("两国签署协议（草案）".to_string(), vec!["丙报".to_string()])
        );
        // a label that is an address says nothing
        assert_eq!(
            strip(
                "客机遭击落。 [http:--www.example.com-news-1.html (url=https:--web.archive.org-web-1-http:--www.example.com-news-1.html )] 乘客全部罹难。"
            ),
            ("客机遭击落。 乘客全部罹难。".to_string(), vec![])
        );
        // a bare address is dropped wherever it is
        assert_eq!(
            strip("公司推出平板電腦。http:--www.example.com-pr-2010-01-27.html"),
            ("公司推出平板電腦。".to_string(), vec![])
        );
        assert_eq!(strip_external_links("没有链接的标题 [注]"), None);
    }
}
