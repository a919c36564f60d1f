//! Change windows (`policy.change_windows`): local times of day, `HH:MM-HH:MM`, in which routine
//! writes may be sent. A window whose end is not after its start runs past midnight
//! (`22:00-06:00`); `00:00-00:00` is the whole day. Evaluated in the org's time zone, so that a
//! window means the same wall-clock hours in summer and winter.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Duration, NaiveTime, TimeZone, Timelike, Utc};
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
            // Exactly HH:MM (or HH:MM:SS, for windows that must open to the second, as in
            // tests): chrono alone would also take "9:5".
            let format = match part.len() {
                5 => "%H:%M",
                8 => "%H:%M:%S",
                _ => return Err(bad()),
            };
            NaiveTime::parse_from_str(part, format).map_err(|_| bad())
        };
        Ok(Self {
            start: time(start)?,
            end: time(end)?,
        })
    }
}

impl fmt::Display for ChangeWindow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let show = |t: NaiveTime| match t.second() {
            0 => t.format("%H:%M").to_string(),
            _ => t.format("%H:%M:%S").to_string(),
        };
        write!(f, "{}-{}", show(self.start), show(self.end))
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

/// The longest daylight-saving gap a window's start may fall into (zones shift by up to two
/// hours).
const HORIZON_GAP_MINUTES: i64 = 2 * 60;

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
    /// the second; `None` when no window opens within a day and a daylight-saving shift.
    pub fn next_open(&self, at: DateTime<Utc>) -> Option<DateTime<Utc>> {
        if self.is_open(at) {
            return Some(at);
        }
        // Each window's start on the local days around `at`, as instants. A start that falls
        // in a daylight-saving gap does not exist that day: the window opens at the first
        // local minute after the gap instead.
        let local = self.zone.from_utc_datetime(&at.naive_utc()).date_naive();
        (-1..=2)
            .filter_map(|d| local.checked_add_signed(Duration::days(d)))
            .flat_map(|day| self.windows.iter().map(move |w| day.and_time(w.start)))
            .filter_map(|start| {
                (0..=HORIZON_GAP_MINUTES).find_map(|m| {
                    let t = start + Duration::minutes(m);
                    self.zone.from_local_datetime(&t).earliest()
                })
            })
            .map(|t| t.with_timezone(&Utc))
            .filter(|t| *t > at && self.is_open(*t))
            .min()
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

    #[test]
    fn a_window_may_open_to_the_second() {
        let soon = windows(&["12:00:05-13:00"], "UTC");
        assert!(!soon.is_open(utc("2026-12-07T12:00:04Z")));
        assert!(soon.is_open(utc("2026-12-07T12:00:05Z")));
        assert_eq!(
            soon.next_open(utc("2026-12-07T11:59:30Z")),
            Some(utc("2026-12-07T12:00:05Z"))
        );
        assert_eq!(soon.describe(), "12:00:05-13:00 (UTC)");
        for bad in ["12:00:5-13:00", "12:0-13:00", "12:00:05:00-13:00"] {
            assert!(bad.parse::<ChangeWindow>().is_err(), "{bad}");
        }
    }
}
