//! Wiki and HTML markup left in the archives' text, read as a reader of the page would see it:
//!
//! - templates: `{{DPP}}籍候選人` → `民進黨籍候選人`, `{{link-en|雷曼兄弟|Lehman Brothers}}` →
//!   `雷曼兄弟`; notes that render as a mark, not as words (`{{cn}}`, `{{en}}`, `{{dead link}}`), and a
//!   template cut off by the end of the text (`…中國時報{{dead link`), are dropped;
//! - a wikilink's brackets that lost their other half (`英国航空038号班机]]在`, `2012 [[Nobel Peace
//!   Prize];`), kept as their text;
//! - HTML's inline tags (`M<sub>W</sub>` → `MW`) and character references (`UNESCO&#39;s`,
//!   `04:04&nbsp;UTC`, `leader&rsquo;s`).
//!
//! Text without any of them is returned as it is, unallocated.

use std::borrow::Cow;

/// Templates that render as a note or a mark beside the text, not as words of it.
const MARKS: &[&str] = &[
    "cn",
    "citation needed",
    "fact",
    "dead link",
    "deadlink",
    "失效連結",
    "失效链接",
    "来源请求",
    "來源請求",
    "en",
    "zh",
    "zh-cn",
    "zh-hans",
    "zh-hant",
    "zh-tw",
    "zh-hk",
    "ja",
    "ko",
    "fr",
    "de",
    "ru",
    "le",
    "lang",
];

/// Templates that stand for a name (the Chinese edition's party templates), with the name.
const NAMES: &[(&str, &str)] = &[
    ("dpp", "民進黨"),
    ("kmt", "國民黨"),
    ("nonp", "無黨籍"),
    ("pfp", "親民黨"),
    ("npp", "時代力量"),
    ("tsu", "台聯"),
];

/// Inline HTML tags whose text stays (the tags go).
const INLINE_TAGS: &[&str] = &[
    "sub", "sup", "small", "big", "i", "b", "em", "strong", "u", "s", "span", "br", "abbr",
    "nowiki",
];

/// `text` as a reader sees it (see the module).
pub fn clean(text: &str) -> Cow<'_, str> {
    if !text.contains(['{', '}', '[', ']', '<', '&']) {
        return Cow::Borrowed(text);
    }
    let mut out = Cow::Borrowed(text);
    for step in [templates, stray_brackets, inline_tags, references] {
        if let Cow::Owned(changed) = step(&out) {
            out = Cow::Owned(changed);
        }
    }
    if let Cow::Owned(changed) = &out {
        let tidy = tidy_spaces(changed);
        if tidy != *changed {
            return Cow::Owned(tidy);
        }
    }
    out
}

/// [`clean`] for text already owned: returned as it is when there is nothing to read.
pub fn clean_owned(text: String) -> String {
    match clean(&text) {
        Cow::Borrowed(_) => text,
        Cow::Owned(cleaned) => cleaned,
    }
}

/// Each `{{…}}` replaced by what it renders as; an unclosed one at the end dropped with the rest.
fn templates(text: &str) -> Cow<'_, str> {
    if !text.contains("{{") {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(open) = rest.find("{{") {
        out.push_str(&rest[..open]);
        let inner_start = open + 2;
        let Some(close) = rest[inner_start..].find("}}") else {
            // cut off by the end of the text: what it held is lost
            rest = "";
            break;
        };
        let inner = &rest[inner_start..inner_start + close];
        out.push_str(&rendered(inner));
        rest = &rest[inner_start + close + 2..];
    }
    out.push_str(rest);
    Cow::Owned(out)
}

/// What the template `{{inner}}` shows a reader.
fn rendered(inner: &str) -> String {
    let mut params = inner.split('|').map(str::trim);
    let name = params.next().unwrap_or_default().to_lowercase();
    if let Some((_, shown)) = NAMES.iter().find(|(n, _)| *n == name) {
        return (*shown).to_string();
    }
    // `{{lang-en|text}}` shows its text, and a link to another edition's article its local name
    let shows_first = name == "lang"
        || name.starts_with("lang-")
        || name.starts_with("link-")
        || matches!(name.as_str(), "link" | "tsl" | "internal link");
    if shows_first {
        return params
            .find(|p| !p.is_empty())
            .unwrap_or_default()
            .to_string();
    }
    // a mark shows nothing
    if MARKS.contains(&name.as_str()) || name.is_empty() || inner.contains('=') {
        return String::new();
    }
    // an unknown template with parameters shows its first; a bare one, its name
    params
        .find(|p| !p.is_empty())
        .map_or_else(|| inner.trim().to_string(), str::to_string)
}

/// `[[`/`]]` (and a lone `[[x]` or `[x]]`) whose other half was lost, dropped; the text stays.
/// Whole wikilinks `[[target|label]]` become their label.
fn stray_brackets(text: &str) -> Cow<'_, str> {
    if !text.contains("[[") && !text.contains("]]") {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix("[[") {
            // a whole link: its label (the part after `|`, else the target)
            // a link closed by one bracket (`[[Nobel Peace Prize];`) loses that bracket too
            let close = ["]]", "]"].into_iter().find_map(|close| {
                let end = after.find(close).filter(|&e| !after[..e].contains('['))?;
                Some((end, close.len()))
            });
            match close {
                Some((end, len)) => {
                    let link = &after[..end];
                    out.push_str(link.rsplit('|').next().unwrap_or(link));
                    rest = &after[end + len..];
                }
                None => rest = after,
            }
        } else if let Some(after) = rest.strip_prefix("]]") {
            rest = after;
        } else {
            let next = rest
                .char_indices()
                .skip(1)
                .find(|&(i, _)| rest[i..].starts_with("[[") || rest[i..].starts_with("]]"))
                .map_or(rest.len(), |(i, _)| i);
            out.push_str(&rest[..next]);
            rest = &rest[next..];
        }
    }
    Cow::Owned(out)
}

/// `text` with each `marker` that `read` recognises replaced: `read` gets what follows the
/// marker, writes its replacement to the output and says how many bytes of it it read. A
/// marker it does not recognise stays as written; without any, `text` is returned as it is.
fn rewrite(
    text: &str,
    marker: char,
    mut read: impl FnMut(&str, &mut String) -> Option<usize>,
) -> Cow<'_, str> {
    if !text.contains(marker) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    let mut changed = false;
    while let Some(at) = rest.find(marker) {
        out.push_str(&rest[..at]);
        let after = &rest[at + marker.len_utf8()..];
        match read(after, &mut out) {
            Some(used) => {
                changed = true;
                rest = &after[used..];
            }
            None => {
                out.push(marker);
                rest = after;
            }
        }
    }
    if !changed {
        return Cow::Borrowed(text);
    }
    out.push_str(rest);
    Cow::Owned(out)
}

/// HTML's inline tags dropped, their text kept.
fn inline_tags(text: &str) -> Cow<'_, str> {
    rewrite(text, '<', |tag, _| {
        let end = tag.find('>').filter(|&end| is_inline_tag(&tag[..end]))?;
        Some(end + 1)
    })
}

/// Whether `inside` (what is between `<` and `>`) is an inline tag: `sub`, `/sub`, `br /`,
/// `span class="x"`.
fn is_inline_tag(inside: &str) -> bool {
    if inside.starts_with(char::is_whitespace) {
        return false;
    }
    let inside = inside.trim_end_matches('/').trim();
    let name = inside.strip_prefix('/').unwrap_or(inside);
    let name = name.split_whitespace().next().unwrap_or_default();
    INLINE_TAGS.iter().any(|t| t.eq_ignore_ascii_case(name))
}

/// HTML character references decoded: the named ones news text uses, and numeric ones.
fn references(text: &str) -> Cow<'_, str> {
    rewrite(text, '&', |after, out| {
        let end = after.find(';').filter(|&end| end > 0 && end <= 8)?;
        out.push(reference(&after[..end])?);
        Some(end + 1)
    })
}

/// The character `&name;` stands for.
fn reference(name: &str) -> Option<char> {
    if let Some(number) = name.strip_prefix('#') {
        let code = match number.strip_prefix(['x', 'X']) {
            Some(hex) => u32::from_str_radix(hex, 16).ok()?,
            None => number.parse().ok()?,
        };
        return char::from_u32(code).filter(|c| !c.is_control() || *c == '\n');
    }
    Some(match name {
        "amp" => '&',
        "lt" => '<',
        "gt" => '>',
        "quot" => '"',
        "apos" => '\'',
        "nbsp" => ' ',
        "rsquo" => '’',
        "lsquo" => '‘',
        "rdquo" => '”',
        "ldquo" => '“',
        "ndash" => '–',
        "mdash" => '—',
        "hellip" => '…',
        "middot" => '·',
        "deg" => '°',
        "eacute" => 'é',
        "euro" => '€',
        "pound" => '£',
        "times" => '×',
        _ => return None,
    })
}

/// Runs of spaces that a dropped piece left behind made one, and the ends trimmed.
fn tidy_spaces(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut space = false;
    for c in text.trim().chars() {
        if c == ' ' {
            if !space {
                out.push(c);
            }
            space = true;
        } else {
            out.push(c);
            space = false;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_show_what_a_reader_sees() {
        assert_eq!(
            clean(
                "台灣九合一選舉進行投票，{{DPP}}籍候選人贏得13位縣市長，台北市直轄市時期首任{{nonp}}民選市長柯文哲市長。"
            ),
            "台灣九合一選舉進行投票，民進黨籍候選人贏得13位縣市長，台北市直轄市時期首任無黨籍民選市長柯文哲市長。"
        );
        assert_eq!(clean("性骚扰等。{{cn}}"), "性骚扰等。");
        assert_eq!(clean("回應。中國時報{{dead link"), "回應。中國時報");
        assert_eq!(
            clean("{{link-en|雷曼兄弟|Lehman Brothers}}申請破產"),
            "雷曼兄弟申請破產"
        );
        assert_eq!(clean("查閱。{{en}}"), "查閱。");
        assert_eq!(clean("{{Lang-en|Police}}位"), "Police位");
    }

    #[test]
    fn brackets_that_lost_their_other_half_go() {
        assert_eq!(
            clean("英国航空038号班机]]在英国希思罗机场降落"),
            "英国航空038号班机在英国希思罗机场降落"
        );
        assert_eq!(
            clean("tests a new version of its Shaheen-II missile]] capable of"),
            "tests a new version of its Shaheen-II missile capable of"
        );
        assert_eq!(
            clean("The European Union wins the 2012 [[Nobel Peace Prize]; \"for"),
            "The European Union wins the 2012 Nobel Peace Prize; \"for"
        );
        assert_eq!(
            clean("the [[Thomas Fire|fire]] spreads"),
            "the fire spreads"
        );
        // a single bracket is text
        assert_eq!(clean("[sic] and a[1]"), "[sic] and a[1]");
    }

    #[test]
    fn html_tags_and_references_are_read() {
        assert_eq!(clean("M<sub>W</sub>"), "MW");
        assert_eq!(clean("UNESCO&#39;s list"), "UNESCO's list");
        assert_eq!(clean("04:04&nbsp;UTC"), "04:04 UTC");
        assert_eq!(clean("leader&rsquo;s &ndash; x"), "leader’s – x");
        assert_eq!(clean("AT&amp;T"), "AT&T");
        // not markup: left as written, unallocated
        for plain in [
            "AT&T wins",
            "a < b > c",
            "Q&A; more",
            "x &unknown; y",
            "无标记",
        ] {
            assert!(matches!(clean(plain), Cow::Borrowed(_)), "{plain}");
        }
    }
}
