//! `Within`: a look-ahead written as a whole number of days or hours (`7d`, `24h`), as the
//! `within` query parameter takes it. Parsing and printing only.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use serde::{Deserialize, Deserializer};

const SECONDS_PER_HOUR: u64 = 3_600;
const SECONDS_PER_DAY: u64 = 24 * SECONDS_PER_HOUR;

/// A positive look-ahead of whole days (`d`) or hours (`h`); days are 24 hours long.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Within {
    amount: u64,
    unit: Unit,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum Unit {
    Hours,
    Days,
}

/// Why a look-ahead could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WithinError {
    /// Not a whole number followed by `d` or `h`.
    #[error(
        "{0:?} is not a look-ahead: write a whole number of days or hours, e.g. 7d, 30d or 24h"
    )]
    Format(String),
    /// Zero days or hours: nothing can expire within it.
    #[error("{0:?} is empty: the look-ahead must be at least 1h")]
    Zero(String),
    /// More seconds than a duration can count.
    #[error("{0:?} is too long")]
    TooLong(String),
}

impl Within {
    /// `days` days.
    pub fn days(days: u64) -> Self {
        Self {
            amount: days,
            unit: Unit::Days,
        }
    }

    /// `hours` hours.
    pub fn hours(hours: u64) -> Self {
        Self {
            amount: hours,
            unit: Unit::Hours,
        }
    }

    /// The look-ahead as a duration (saturating at the largest one).
    pub fn duration(self) -> Duration {
        Duration::from_secs(self.seconds().unwrap_or(u64::MAX))
    }

    fn seconds(self) -> Option<u64> {
        let per_unit = match self.unit {
            Unit::Hours => SECONDS_PER_HOUR,
            Unit::Days => SECONDS_PER_DAY,
        };
        self.amount.checked_mul(per_unit)
    }
}

impl FromStr for Within {
    type Err = WithinError;

    fn from_str(raw: &str) -> Result<Self, Self::Err> {
        let text = raw.trim();
        let format = || WithinError::Format(raw.to_owned());
        let (digits, unit) = match text.char_indices().last() {
            Some((at, 'd')) => (&text[..at], Unit::Days),
            Some((at, 'h')) => (&text[..at], Unit::Hours),
            _ => return Err(format()),
        };
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(format());
        }
        let amount: u64 = digits
            .parse()
            .map_err(|_| WithinError::TooLong(raw.to_owned()))?;
        if amount == 0 {
            return Err(WithinError::Zero(raw.to_owned()));
        }
        let within = Self { amount, unit };
        match within.seconds() {
            Some(_) => Ok(within),
            None => Err(WithinError::TooLong(raw.to_owned())),
        }
    }
}

impl fmt::Display for Within {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let unit = match self.unit {
            Unit::Hours => 'h',
            Unit::Days => 'd',
        };
        write!(f, "{}{unit}", self.amount)
    }
}

impl<'de> Deserialize<'de> for Within {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(deserializer)?;
        raw.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_and_hours_parse_into_durations() {
        assert_eq!(
            "7d".parse::<Within>().map(Within::duration),
            Ok(Duration::from_secs(7 * 86_400))
        );
        assert_eq!(
            "24h".parse::<Within>().map(Within::duration),
            Ok(Duration::from_secs(86_400))
        );
        assert_eq!(" 30d ".parse::<Within>(), Ok(Within::days(30)));
    }

    #[test]
    fn a_look_ahead_prints_as_it_is_written() {
        for text in ["1d", "7d", "30d", "36h"] {
            assert_eq!(
                text.parse::<Within>().map(|w| w.to_string()).as_deref(),
                Ok(text)
            );
        }
    }

    #[test]
    fn other_spellings_are_rejected_with_an_example_of_the_right_one() {
        for bad in [
            "",
            "7",
            "d",
            "7w",
            "7 d",
            "-7d",
            "+7d",
            "1.5d",
            "7D",
            "７d",
            "seven days",
        ] {
            let err = bad.parse::<Within>().expect_err(bad);
            assert_eq!(err, WithinError::Format(bad.to_owned()), "{bad}");
            assert!(err.to_string().contains("e.g. 7d"), "{err}");
        }
    }

    #[test]
    fn zero_and_absurd_lengths_are_rejected() {
        assert_eq!("0d".parse::<Within>(), Err(WithinError::Zero("0d".into())));
        assert_eq!(
            "99999999999999999999d".parse::<Within>(),
            Err(WithinError::TooLong("99999999999999999999d".into()))
        );
        assert_eq!(
            "999999999999999999d".parse::<Within>(),
            Err(WithinError::TooLong("999999999999999999d".into()))
        );
    }

    #[test]
    fn a_query_value_deserializes_through_the_parser() {
        #[derive(Deserialize)]
        struct Query {
            within: Within,
        }
        let query: Query = serde_json::from_str(r#"{"within":"7d"}"#).expect("valid");
        assert_eq!(query.within, Within::days(7));
        assert!(serde_json::from_str::<Query>(r#"{"within":"7x"}"#).is_err());
    }
}
