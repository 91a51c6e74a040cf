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
}
