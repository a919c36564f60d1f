//! The name a feed is recorded under (`?source=`, a `[[sources]]` entry, or the ingest token's
//! name): short and plain, because it becomes a metrics label, a log field and a CSV cell.

use std::fmt;

/// Longest source name.
pub const MAX_LEN: usize = 64;

/// A checked source name: 1 to 64 of ASCII letters, digits, `.`, `_` and `-`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SourceName(String);

/// Why a source name was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "source {shown:?} is not a source name: use 1 to {MAX_LEN} letters, digits, '.', '_' or '-'"
)]
pub struct SourceNameError {
    /// The refused value, cut short and with control characters escaped by `Debug`.
    shown: String,
}

impl SourceName {
    /// Checks `name`.
    pub fn parse(name: &str) -> Result<Self, SourceNameError> {
        let plain = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-');
        if (1..=MAX_LEN).contains(&name.len()) && name.chars().all(plain) {
            Ok(Self(name.to_owned()))
        } else {
            Err(SourceNameError {
                shown: name.chars().take(MAX_LEN).collect(),
            })
        }
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for SourceName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<SourceName> for String {
    fn from(name: SourceName) -> Self {
        name.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_short_names_pass_and_anything_a_label_or_log_line_could_trip_on_is_refused() {
        for good in ["wfm", "hris.nightly", "WFM_2026-12", "a"] {
            assert_eq!(
                SourceName::parse(good).map(String::from),
                Ok(good.to_owned())
            );
        }
        let long = "x".repeat(MAX_LEN + 1);
        for bad in [
            "",
            "a\"b",
            "a\nb",
            "a b",
            "\u{1b}[31m",
            "a\0b",
            "ä",
            long.as_str(),
        ] {
            assert!(SourceName::parse(bad).is_err(), "{bad:?}");
        }
    }
}
