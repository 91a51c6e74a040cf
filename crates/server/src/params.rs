//! Query-string parsing with the API's own errors (so every bad parameter gets the same JSON
//! error shape, naming the parameter and what was expected).

use std::str::FromStr;

use crate::error::{ApiError, ApiResult};

/// The query string's parameters, in order (repeated names allowed).
#[derive(Debug, Clone, Default)]
pub struct Params(pub Vec<(String, String)>);

impl Params {
    /// Parses a raw query string (`None`: no parameters).
    pub fn parse(raw: Option<&str>) -> Params {
        let Some(raw) = raw else {
            return Params::default();
        };
        Params(
            raw.split('&')
                .filter(|p| !p.is_empty())
                .map(|pair| {
                    let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
                    (decode(k), decode(v))
                })
                .collect(),
        )
    }

    /// The last value of a parameter.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// Every value of a parameter.
    pub fn all(&self, name: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .collect()
    }

    /// A parsed parameter, or `default` when absent or empty.
    pub fn parse_or<T: FromStr>(&self, name: &str, default: T, expected: &str) -> ApiResult<T> {
        match self.get(name).map(str::trim) {
            None | Some("") => Ok(default),
            Some(text) => text.parse().map_err(|_| {
                ApiError::parameter(name, format!("expected {expected}, found {text:?}"))
            }),
        }
    }

    /// An optional parsed parameter.
    pub fn parse_opt<T: FromStr>(&self, name: &str, expected: &str) -> ApiResult<Option<T>> {
        match self.get(name).map(str::trim) {
            None | Some("") => Ok(None),
            Some(text) => text.parse().map(Some).map_err(|_| {
                ApiError::parameter(name, format!("expected {expected}, found {text:?}"))
            }),
        }
    }

    /// A whole number within `range`.
    pub fn number(&self, name: &str, default: usize, max: usize, min: usize) -> ApiResult<usize> {
        let value: usize = self.parse_or(name, default, "a whole number")?;
        if value < min || value > max {
            return Err(ApiError::parameter(
                name,
                format!("must be between {min} and {max}, found {value}"),
            ));
        }
        Ok(value)
    }

    /// Checks that every parameter is one `route` takes (`known`: its names). An unknown one
    /// is an error naming it, the route and what the route takes, with the name most likely
    /// meant: a misspelt parameter is never silently ignored.
    pub fn only(&self, route: &str, known: &[&str]) -> ApiResult<()> {
        let Some((name, _)) = self.0.iter().find(|(k, _)| !known.contains(&k.as_str())) else {
            return Ok(());
        };
        let takes = if known.is_empty() {
            "takes no parameters".to_string()
        } else {
            format!("takes {}", known.join(", "))
        };
        let meant = known
            .iter()
            .filter_map(|k| Some((name_distance(name, k)?, *k)))
            .min()
            .map_or(String::new(), |(_, k)| format!("; did you mean {k:?}?"));
        Err(ApiError::parameter(
            name,
            format!("unknown parameter: {route} {takes}{meant}"),
        ))
    }

    /// A boolean (`true`/`false`/`1`/`0`; present without value: true).
    pub fn flag(&self, name: &str) -> ApiResult<bool> {
        match self.get(name).map(str::trim) {
            None => Ok(false),
            Some("" | "true" | "1" | "yes") => Ok(true),
            Some("false" | "0" | "no") => Ok(false),
            Some(other) => Err(ApiError::parameter(
                name,
                format!("expected true or false, found {other:?}"),
            )),
        }
    }
}

/// How far a parameter name typed is from a known one, when it is close enough to be the one
/// meant: the same letters but for case, `-` or `_` (`olderOnly`, `older-only`), or at most
/// one edit in four letters (`limt`, `ofset`, `exclude_tags`).
fn name_distance(typed: &str, known: &str) -> Option<usize> {
    let plain = |s: &str| -> Vec<char> {
        s.chars()
            .filter(|c| *c != '_' && *c != '-')
            .flat_map(char::to_lowercase)
            .collect()
    };
    let (a, b) = (plain(typed), plain(known));
    storyline_index::search::edit_distance(&a, &b, b.len() / 4, &mut Vec::new())
}

/// Percent-decoding with `+` as space; invalid escapes are kept as written.
pub fn decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3])
                    .ok()
                    .and_then(|h| u8::from_str_radix(h, 16).ok());
                match hex {
                    Some(b) => {
                        out.push(b);
                        i += 2;
                    }
                    None => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_and_validates() {
        let p = Params::parse(Some(
            "q=%E7%BE%8E%E5%9B%BD+fire&tag=a&tag=b&limit=5&bad=%zz&end=%4",
        ));
        assert_eq!(p.get("q"), Some("美国 fire"));
        assert_eq!(p.all("tag"), ["a", "b"]);
        assert_eq!(p.number("limit", 10, 100, 1).unwrap(), 5);
        assert_eq!(p.get("bad"), Some("%zz"));
        assert_eq!(p.get("end"), Some("%4"));
        let err = Params::parse(Some("limit=500"))
            .number("limit", 10, 100, 1)
            .unwrap_err();
        assert_eq!(
            err.message,
            "parameter \"limit\": must be between 1 and 100, found 500"
        );
        let err = Params::parse(Some("limit=ten"))
            .number("limit", 10, 100, 1)
            .unwrap_err();
        assert!(err.message.contains("expected a whole number"));
        assert!(Params::parse(Some("facets")).flag("facets").unwrap());
        assert!(Params::parse(Some("facets=maybe")).flag("facets").is_err());
    }

    #[test]
    fn an_unknown_parameter_is_named_with_the_one_meant() {
        let known = ["prefix", "limit"];
        assert!(
            Params::parse(Some("prefix=war&limit=3"))
                .only("GET /tags", &known)
                .is_ok()
        );
        let message = |query: &str, known: &[&str]| {
            Params::parse(Some(query))
                .only("GET /tags", known)
                .unwrap_err()
                .message
        };
        assert_eq!(
            message("q=war", &known),
            "parameter \"q\": unknown parameter: GET /tags takes prefix, limit"
        );
        assert_eq!(
            message("prefix=war&limt=3", &known),
            "parameter \"limt\": unknown parameter: GET /tags takes prefix, limit; did you mean \"limit\"?"
        );
        assert!(message("Prefix=war", &known).ends_with("did you mean \"prefix\"?"));
        assert_eq!(
            message("x=1", &[]),
            "parameter \"x\": unknown parameter: GET /tags takes no parameters"
        );
        let related = ["older_only", "exclude_tag", "max_age_days"];
        assert!(message("olderOnly", &related).ends_with("did you mean \"older_only\"?"));
        assert!(message("exclude_tags=a", &related).ends_with("did you mean \"exclude_tag\"?"));
        assert!(message("max_age=3", &related).ends_with("older_only, exclude_tag, max_age_days"));
    }
}
