//! Change windows (`policy.change_windows`): local times of day, `HH:MM-HH:MM`, in which routine
//! writes may be sent. A window whose end is not after its start runs past midnight
//! (`22:00-06:00`); `00:00-00:00` is the whole day. Evaluated in the org's time zone, so that a
//! window means the same wall-clock hours in summer and winter.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Duration, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;

/// One window, as configured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChangeWindow {
    start: NaiveTime,
    end: NaiveTime,
}

/// Why a window does not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a change window: use HH:MM-HH:MM, e.g. \"22:00-06:00\"")]
pub struct ChangeWindowError(pub String);

impl FromStr for ChangeWindow {
    type Err = ChangeWindowError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let bad = || ChangeWindowError(text.to_owned());
        let (start, end) = text.trim().split_once('-').ok_or_else(bad)?;
        let time = |part: &str| {
            let part = part.trim();
            // Exactly HH:MM: chrono alone would also take "9:5".
            (part.len() == 5)
                .then(|| NaiveTime::parse_from_str(part, "%H:%M").ok())
                .flatten()
                .ok_or_else(bad)
        };
        Ok(Self {
            start: time(start)?,
            end: time(end)?,
        })
    }
}

impl fmt::Display for ChangeWindow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}-{}",
            self.start.format("%H:%M"),
            self.end.format("%H:%M")
        )
    }
}

impl ChangeWindow {
    /// Whether the local time of day `t` is inside the window (start included, end not).
    fn contains(&self, t: NaiveTime) -> bool {
        if self.start < self.end {
            self.start <= t && t < self.end
        } else {
            // Past midnight, or the whole day when start == end.
            t >= self.start || t < self.end
        }
    }
}

/// An org's windows and its time zone. No windows: always open.
#[derive(Debug, Clone, PartialEq)]
pub struct ChangeWindows {
    windows: Vec<ChangeWindow>,
    zone: Tz,
}

/// How far ahead [`ChangeWindows::next_open`] looks: any window opens within a day, plus a
/// daylight-saving shift.
const HORIZON_MINUTES: i64 = 26 * 60;

impl ChangeWindows {
    /// Windows evaluated in `zone`.
    pub fn new(windows: Vec<ChangeWindow>, zone: Tz) -> Self {
        Self { windows, zone }
    }

    /// Parses `policy.change_windows`, naming the first bad entry.
    pub fn parse(texts: &[String], zone: Tz) -> Result<Self, ChangeWindowError> {
        let windows = texts
            .iter()
            .map(|t| t.parse())
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self::new(windows, zone))
    }

    /// Whether windows restrict anything at all.
    pub fn is_always_open(&self) -> bool {
        self.windows.is_empty()
    }

    /// Whether routine writes may be sent at `at`.
    pub fn is_open(&self, at: DateTime<Utc>) -> bool {
        if self.windows.is_empty() {
            return true;
        }
        let local = self.zone.from_utc_datetime(&at.naive_utc()).time();
        self.windows.iter().any(|w| w.contains(local))
    }

    /// The first instant at or after `at` when a window is open (`at` itself when one is), to
    /// the minute; `None` when no window ever opens (only possible with windows of no length,
    /// which do not parse, so in practice always `Some`).
    pub fn next_open(&self, at: DateTime<Utc>) -> Option<DateTime<Utc>> {
        if self.is_open(at) {
            return Some(at);
        }
        // Minute steps from the next whole minute: windows start on whole minutes, local time
        // is evaluated the way `is_open` does, and a daylight-saving gap or repeat needs no
        // special case.
        let secs = at.timestamp();
        let first = DateTime::from_timestamp(secs - secs.rem_euclid(60) + 60, 0)?;
        (0..HORIZON_MINUTES)
            .map(|m| first + Duration::minutes(m))
            .find(|t| self.is_open(*t))
    }

    /// The windows as configured, for messages.
    pub fn describe(&self) -> String {
        let list: Vec<String> = self.windows.iter().map(ToString::to_string).collect();
        format!("{} ({})", list.join(", "), self.zone)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .expect("instant")
            .with_timezone(&Utc)
    }

    fn windows(list: &[&str], zone: &str) -> ChangeWindows {
        let texts: Vec<String> = list.iter().map(|s| (*s).to_owned()).collect();
        ChangeWindows::parse(&texts, zone.parse().expect("zone")).expect("windows")
    }

    #[test]
    fn windows_parse_strictly_and_print_back() {
        for good in [
            "22:00-06:00",
            "09:30-17:00",
            "00:00-00:00",
            " 08:00 - 12:00 ",
        ] {
            assert!(good.parse::<ChangeWindow>().is_ok(), "{good}");
        }
        for bad in [
            "",
            "22:00",
            "9:00-17:00",
            "25:00-06:00",
            "22:00-06:60",
            "22-06",
            "a-b",
        ] {
            let err = bad.parse::<ChangeWindow>().expect_err(bad);
            assert!(err.to_string().contains("HH:MM-HH:MM"), "{err}");
        }
        let w: ChangeWindow = "22:00-06:00".parse().expect("window");
        assert_eq!(w.to_string(), "22:00-06:00");
    }

    #[test]
    fn open_and_next_open_in_the_orgs_zone() {
        let night = windows(&["22:00-06:00"], "Europe/Berlin");
        let table = [
            // (instant, open, next opening)
            ("2026-12-07T20:59:00Z", false, "2026-12-07T21:00:00Z"), // 21:59 CET
            ("2026-12-07T21:00:00Z", true, "2026-12-07T21:00:00Z"),  // 22:00 CET
            ("2026-12-08T04:59:59Z", true, "2026-12-08T04:59:59Z"),  // 05:59:59 CET
            ("2026-12-08T05:00:00Z", false, "2026-12-08T21:00:00Z"), // 06:00 CET
            ("2026-07-07T20:30:00Z", true, "2026-07-07T20:30:00Z"),  // 22:30 CEST
            ("2026-07-07T19:30:10Z", false, "2026-07-07T20:00:00Z"), // 21:30 CEST
        ];
        for (at, open, next) in table {
            assert_eq!(night.is_open(utc(at)), open, "{at}");
            assert_eq!(night.next_open(utc(at)), Some(utc(next)), "{at}");
        }
    }

    #[test]
    fn no_windows_is_always_open_and_several_windows_combine() {
        let always = windows(&[], "UTC");
        assert!(always.is_always_open());
        assert!(always.is_open(utc("2026-12-07T12:00:00Z")));
        let split = windows(&["06:00-07:00", "12:00-13:00"], "UTC");
        assert!(!split.is_open(utc("2026-12-07T09:00:00Z")));
        assert_eq!(
            split.next_open(utc("2026-12-07T09:00:00Z")),
            Some(utc("2026-12-07T12:00:00Z"))
        );
        let whole_day = windows(&["00:00-00:00"], "UTC");
        assert!(whole_day.is_open(utc("2026-12-07T09:00:00Z")));
        assert_eq!(split.describe(), "06:00-07:00, 12:00-13:00 (UTC)");
    }

    #[test]
    fn a_window_starting_in_a_daylight_saving_gap_opens_after_the_gap() {
        // 2027-03-28 in Berlin: 02:00 CET jumps to 03:00 CEST; a 02:30 start never happens
        // that day, and the window opens at 03:00 local (01:00 UTC).
        let gap = windows(&["02:30-04:00"], "Europe/Berlin");
        assert_eq!(
            gap.next_open(utc("2027-03-28T00:00:00Z")),
            Some(utc("2027-03-28T01:00:00Z"))
        );
    }
}
