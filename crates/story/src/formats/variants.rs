//! Wikipedia's Chinese variant markup, left in the Chinese edition's pages: `-{zh-cn:悉尼;
//! zh-tw:雪梨;}-` names one thing in each regional variant, `-{的}-` marks text not to convert.
//! A reader of the site never sees the markup, so the importer keeps one variant: the mainland
//! one when there is one (the tag keys fold traditional characters to simplified anyway).

use std::borrow::Cow;

/// The variants chosen, best first; otherwise the first one written.
const PREFERRED: [&str; 9] = [
    "zh-cn", "zh-hans", "zh-sg", "zh-my", "zh", "zh-tw", "zh-hant", "zh-hk", "zh-mo",
];

/// `text` with each `-{…}-` on one line replaced by the variant it stands for. Text without the
/// markup is returned as it is; an unclosed `-{` is left alone. A `}-` whose opening was lost
/// takes the variants written before it along (`…决赛:甲;zh-hk:乙;zh-tw:乙;}-` → `…决赛:甲`).
pub fn resolve_variants(text: &str) -> Cow<'_, str> {
    if !text.contains("-{") && !text.contains("}-") {
        return Cow::Borrowed(text);
    }
    let resolved = drop_dangling(&resolve_pairs(text));
    if resolved == text {
        Cow::Borrowed(text)
    } else {
        Cow::Owned(resolved)
    }
}

/// Each `-{…}-` replaced by its variant.
fn resolve_pairs(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(open) = rest.find("-{") {
        let after = &rest[open + 2..];
        let line_end = after.find('\n').unwrap_or(after.len());
        let Some(close) = after[..line_end].find("}-") else {
            out.push_str(&rest[..open + 2]);
            rest = after;
            continue;
        };
        out.push_str(&rest[..open]);
        out.push_str(chosen(&after[..close]));
        rest = &after[close + 2..];
    }
    out.push_str(rest);
    out
}

/// `text` without the variant items and `}-` of a markup whose `-{` was lost.
fn drop_dangling(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(close) = rest.find("}-") {
        let before = &rest[..close];
        let mut cut = before.len();
        loop {
            let kept = before[..cut].trim_end_matches(';');
            let Some(semicolon) = kept.rfind(';') else {
                break;
            };
            if variant_item(&kept[semicolon + 1..]).is_none() {
                break;
            }
            cut = semicolon;
        }
        if cut < before.len() {
            out.push_str(&before[..cut]);
        } else {
            out.push_str(&rest[..close + 2]);
        }
        rest = &rest[close + 2..];
    }
    out.push_str(rest);
    out
}

/// One `zh-xx:text` item of a variant list, as (variant, text).
fn variant_item(item: &str) -> Option<(&str, &str)> {
    let (key, value) = item.split_once(':')?;
    let key = key.trim();
    let variant = key == "zh"
        || key
            .strip_prefix("zh-")
            .is_some_and(|v| !v.is_empty() && v.chars().all(|c| c.is_ascii_alphabetic()));
    variant.then_some((key, value.trim()))
}

/// The text a `-{inner}-` stands for.
fn chosen(inner: &str) -> &str {
    // flags before a `|` (`-{H|…}-`, `-{R|…}-`) say how MediaWiki applies the rule
    let inner = match inner.split_once('|') {
        Some((flags, rule)) if flags.chars().all(|c| c.is_ascii_alphabetic() || c == ';') => rule,
        _ => inner,
    };
    let variants: Option<Vec<(&str, &str)>> = inner
        .split(';')
        .filter(|item| !item.trim().is_empty())
        .map(variant_item)
        .collect();
    let Some(variants) = variants.filter(|v| !v.is_empty()) else {
        // not a list of variants: text kept from conversion
        return inner.trim();
    };
    PREFERRED
        .iter()
        .find_map(|want| variants.iter().find(|(key, _)| key == want))
        .unwrap_or(&variants[0])
        .1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_mainland_variant_is_kept() {
        assert_eq!(
            resolve_variants("澳大利亚-{zh-tw:雪梨; zh-hk:悉尼; zh-cn:悉尼;}-发生暴雨"),
            "澳大利亚悉尼发生暴雨"
        );
        assert_eq!(
            resolve_variants("新的-{zh-hans:软件; zh-hant:軟體}-上线"),
            "新的软件上线"
        );
        // without a mainland variant, the first listed in the preferred order
        assert_eq!(resolve_variants("-{zh-hk:電單車; zh-tw:機車;}-"), "機車");
        assert_eq!(resolve_variants("-{zh-mo:甲; zh-xx:乙}-"), "甲");
    }

    #[test]
    fn protected_text_flags_and_broken_markup() {
        assert_eq!(resolve_variants("以278票-{支}-持"), "以278票支持");
        assert_eq!(resolve_variants("-{H|zh-cn:内存; zh-tw:記憶體;}-"), "内存");
        // a colon that is not a variant key keeps the text as written
        assert_eq!(resolve_variants("-{注意: 原文}-"), "注意: 原文");
        // unclosed on its line: left alone
        assert_eq!(resolve_variants("a -{zh-cn:甲\n}- b"), "a -{zh-cn:甲\n}- b");
        assert!(matches!(resolve_variants("plain text"), Cow::Borrowed(_)));
        // the opening lost: the variants before the `}-` go with it
        assert_eq!(
            resolve_variants("杯赛 Cup Final:自由杯;zh-hk:自由盃;zh-tw:自由盃;}-冠军"),
            "杯赛 Cup Final:自由杯冠军"
        );
        // a `}-` after ordinary text stays
        assert_eq!(resolve_variants("a}- b"), "a}- b");
        assert!(matches!(resolve_variants("a}- b"), Cow::Borrowed(_)));
        assert_eq!(resolve_variants("-{zh-cn:甲;}- and -{乙}-"), "甲 and 乙");
    }
}
