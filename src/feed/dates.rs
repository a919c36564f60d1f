//! Reads feed dates as UTC instants: ISO 8601 with an offset as given, without one in the feed's
//! configured IANA zone (never silently UTC), a date alone as the start or end of that day.
//! Knows nothing about rows or certifications.

use chrono::{
    DateTime, FixedOffset, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, Offset, SecondsFormat,
    TimeDelta, TimeZone, Utc,
};
use chrono_tz::Tz;

/// Which end of a day a date without a time stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DayEnd {
    /// The first instant of the day (`issued_on`).
    Start,
    /// The first instant of the next day, so the whole day is included (`expires_on`).
    End,
}

/// Why a date cannot be read as an instant.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DateError {
    /// Not one of the accepted ISO 8601 forms.
    #[error("not an ISO 8601 date; write e.g. 2025-03-30, 2025-03-30T09:00:00 or 2025-03-30T09:00:00+02:00")]
    Format,
    /// A date, or a date plus `validity_days`, that chrono cannot represent.
    #[error("outside the supported range of dates")]
    OutOfRange,
    /// No offset in the value and no zone configured to read it in.
    #[error("has no UTC offset and feed.time_zone is not set; add an offset (Z, +02:00) or configure the zone")]
    NoTimeZone,
    /// A local time skipped when the clocks go forward.
    #[error("{local} does not exist in {zone} (the clocks skip it for daylight saving); write the offset you mean: {earlier} or {later}")]
    Nonexistent {
        /// The local time as read.
        local: String,
        /// The configured zone.
        zone: String,
        /// The value read with the offset in force before the change.
        earlier: String,
        /// The value read with the offset in force after the change.
        later: String,
    },
    /// A local time that happens twice when the clocks go back.
    #[error("{local} is ambiguous in {zone} (it happens twice when the clocks go back); write the offset you mean: {earlier} or {later}")]
    Ambiguous {
        /// The local time as read.
        local: String,
        /// The configured zone.
        zone: String,
        /// The first of the two instants, with its offset.
        earlier: String,
        /// The second of the two instants, with its offset.
        later: String,
    },
}

const WITH_OFFSET: &[&str] = &[
    "%Y-%m-%dT%H:%M%:z",
    "%Y-%m-%d %H:%M%:z",
    "%Y-%m-%dT%H:%M:%S%.f%z",
];
const LOCAL: &[&str] = &[
    "%Y-%m-%dT%H:%M:%S%.f",
    "%Y-%m-%d %H:%M:%S%.f",
    "%Y-%m-%dT%H:%M",
    "%Y-%m-%d %H:%M",
];

/// Reads `raw` (trimmed, non-empty) as an instant; `zone` is the feed's configured zone.
pub(crate) fn parse_instant(
    raw: &str,
    zone: Option<Tz>,
    day_end: DayEnd,
) -> Result<DateTime<Utc>, DateError> {
    let text = raw.trim();
    if let Some(instant) = parse_with_offset(text) {
        return Ok(instant);
    }
    if let Some(local) = LOCAL
        .iter()
        .find_map(|format| NaiveDateTime::parse_from_str(text, format).ok())
    {
        let zone = zone.ok_or(DateError::NoTimeZone)?;
        return resolve(zone, local);
    }
    if let Ok(date) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        let zone = zone.ok_or(DateError::NoTimeZone)?;
        let day = match day_end {
            DayEnd::Start => Some(date),
            DayEnd::End => date.succ_opt(),
        };
        return day
            .and_then(|day| start_of_day(zone, day))
            .ok_or(DateError::OutOfRange);
    }
    Err(DateError::Format)
}

fn parse_with_offset(text: &str) -> Option<DateTime<Utc>> {
    if let Ok(instant) = DateTime::parse_from_rfc3339(text) {
        return Some(instant.to_utc());
    }
    // RFC 3339 wants seconds; ISO 8601 does not. `Z` is spelled out so one format list fits.
    let spelled = match text.strip_suffix(['Z', 'z']) {
        Some(rest) => format!("{rest}+00:00"),
        None => text.to_owned(),
    };
    WITH_OFFSET
        .iter()
        .find_map(|format| DateTime::parse_from_str(&spelled, format).ok())
        .map(|instant| instant.to_utc())
}

/// A local time in `zone`; times skipped or repeated by a daylight-saving change are errors
/// naming both candidate readings, because guessing would move a certification by an hour.
fn resolve(zone: Tz, local: NaiveDateTime) -> Result<DateTime<Utc>, DateError> {
    let show = |t: NaiveDateTime| t.format("%Y-%m-%d %H:%M:%S").to_string();
    match zone.from_local_datetime(&local) {
        LocalResult::Single(instant) => Ok(instant.to_utc()),
        LocalResult::Ambiguous(earlier, later) => Err(DateError::Ambiguous {
            local: show(local),
            zone: zone.name().to_owned(),
            earlier: rfc3339(earlier.fixed_offset()),
            later: rfc3339(later.fixed_offset()),
        }),
        LocalResult::None => {
            // The offsets a few hours either side are those before and after the change.
            let offset_at = |delta: TimeDelta| {
                let near = local.checked_add_signed(delta).unwrap_or(local);
                zone.offset_from_utc_datetime(&near).fix()
            };
            let (before, after) = (
                offset_at(TimeDelta::hours(-6)),
                offset_at(TimeDelta::hours(6)),
            );
            let with =
                |offset: FixedOffset| offset.from_local_datetime(&local).single().map(rfc3339);
            match (with(before), with(after)) {
                (Some(earlier), Some(later)) if before != after => Err(DateError::Nonexistent {
                    local: show(local),
                    zone: zone.name().to_owned(),
                    earlier,
                    later,
                }),
                // No clock change here: the instant cannot be represented at all.
                _ => Err(DateError::OutOfRange),
            }
        }
    }
}

/// The first instant of `day` in `zone`; if midnight is skipped there, the first time after it.
fn start_of_day(zone: Tz, day: NaiveDate) -> Option<DateTime<Utc>> {
    (0..=48).find_map(|quarter| {
        let time = NaiveTime::from_hms_opt(0, 0, 0)? + TimeDelta::minutes(15 * quarter);
        zone.from_local_datetime(&day.and_time(time))
            .earliest()
            .map(|instant| instant.to_utc())
    })
}

fn rfc3339(instant: DateTime<FixedOffset>) -> String {
    instant.to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    const BERLIN: Option<Tz> = Some(chrono_tz::Europe::Berlin);
    const NEW_YORK: Option<Tz> = Some(chrono_tz::America::New_York);

    fn utc(raw: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(raw)
            .expect("test instant")
            .to_utc()
    }

    fn read(raw: &str, zone: Option<Tz>) -> Result<DateTime<Utc>, DateError> {
        parse_instant(raw, zone, DayEnd::Start)
    }

    #[test]
    fn values_with_an_offset_or_z_are_taken_as_given() {
        assert_eq!(
            read("2025-03-30T09:00:00+02:00", None),
            Ok(utc("2025-03-30T07:00:00Z"))
        );
        assert_eq!(
            read("2025-03-30T09:00:00Z", BERLIN),
            Ok(utc("2025-03-30T09:00:00Z"))
        );
        assert_eq!(
            read("2025-03-30T09:00Z", None),
            Ok(utc("2025-03-30T09:00:00Z"))
        );
        assert_eq!(
            read("2025-03-30 09:00:00.5-05:00", None),
            Ok(utc("2025-03-30T14:00:00.5Z"))
        );
        assert_eq!(
            read("2025-03-30 09:00+0200", None),
            Ok(utc("2025-03-30T07:00:00Z"))
        );
        assert_eq!(
            read("2025-03-30T09:00-0500", None),
            Ok(utc("2025-03-30T14:00:00Z"))
        );
    }

    #[test]
    fn values_without_an_offset_are_read_in_the_configured_zone() {
        assert_eq!(
            read("2025-01-15T09:00:00", BERLIN),
            Ok(utc("2025-01-15T08:00:00Z"))
        );
        assert_eq!(
            read("2025-07-15 09:00", BERLIN),
            Ok(utc("2025-07-15T07:00:00Z"))
        );
        assert_eq!(
            read("2025-07-15T09:00", NEW_YORK),
            Ok(utc("2025-07-15T13:00:00Z"))
        );
    }

    #[test]
    fn values_without_an_offset_are_errors_when_no_zone_is_configured() {
        assert_eq!(
            read("2025-01-15T09:00:00", None),
            Err(DateError::NoTimeZone)
        );
        assert_eq!(read("2025-01-15", None), Err(DateError::NoTimeZone));
    }

    #[test]
    fn a_date_alone_is_the_start_of_that_day_or_for_expiry_its_end() {
        assert_eq!(read("2025-01-15", BERLIN), Ok(utc("2025-01-14T23:00:00Z")));
        assert_eq!(
            parse_instant("2025-01-15", BERLIN, DayEnd::End),
            Ok(utc("2025-01-15T23:00:00Z"))
        );
    }

    #[test]
    fn the_end_of_a_spring_forward_day_in_berlin_is_next_midnight_in_summer_time() {
        // 2025-03-30 has 23 hours in Berlin; the day ends at 2025-03-31T00:00+02:00.
        assert_eq!(
            parse_instant("2025-03-30", BERLIN, DayEnd::End),
            Ok(utc("2025-03-30T22:00:00Z"))
        );
        assert_eq!(read("2025-03-30", BERLIN), Ok(utc("2025-03-29T23:00:00Z")));
    }

    #[test]
    fn the_end_of_a_fall_back_day_in_new_york_is_next_midnight_in_standard_time() {
        // 2025-11-02 has 25 hours in New York.
        assert_eq!(
            read("2025-11-02", NEW_YORK),
            Ok(utc("2025-11-02T04:00:00Z"))
        );
        assert_eq!(
            parse_instant("2025-11-02", NEW_YORK, DayEnd::End),
            Ok(utc("2025-11-03T05:00:00Z"))
        );
    }

    #[test]
    fn a_local_time_skipped_in_berlin_is_an_error_naming_both_readings() {
        let err = read("2025-03-30T02:30:00", BERLIN).expect_err("gap");
        assert_eq!(
            err,
            DateError::Nonexistent {
                local: "2025-03-30 02:30:00".into(),
                zone: "Europe/Berlin".into(),
                earlier: "2025-03-30T02:30:00+01:00".into(),
                later: "2025-03-30T02:30:00+02:00".into(),
            }
        );
        assert!(err.to_string().contains("does not exist in Europe/Berlin"));
    }

    #[test]
    fn a_local_time_skipped_in_new_york_is_an_error_naming_both_readings() {
        let err = read("2025-03-09 02:15", NEW_YORK).expect_err("gap");
        assert!(
            matches!(
                &err,
                DateError::Nonexistent { earlier, later, .. }
                    if earlier == "2025-03-09T02:15:00-05:00" && later == "2025-03-09T02:15:00-04:00"
            ),
            "{err:?}"
        );
    }

    #[test]
    fn a_repeated_local_time_in_berlin_is_an_error_naming_both_instants() {
        let err = read("2025-10-26T02:30:00", BERLIN).expect_err("ambiguous");
        assert_eq!(
            err,
            DateError::Ambiguous {
                local: "2025-10-26 02:30:00".into(),
                zone: "Europe/Berlin".into(),
                earlier: "2025-10-26T02:30:00+02:00".into(),
                later: "2025-10-26T02:30:00+01:00".into(),
            }
        );
    }

    #[test]
    fn a_repeated_local_time_in_new_york_is_an_error_naming_both_instants() {
        let err = read("2025-11-02T01:30", NEW_YORK).expect_err("ambiguous");
        assert!(
            err.to_string()
                .contains("2025-11-02T01:30:00-04:00 or 2025-11-02T01:30:00-05:00"),
            "{err}"
        );
    }

    #[test]
    fn times_next_to_a_change_are_unambiguous() {
        assert_eq!(
            read("2025-03-30T01:59:59", BERLIN),
            Ok(utc("2025-03-30T00:59:59Z"))
        );
        assert_eq!(
            read("2025-03-30T03:00:00", BERLIN),
            Ok(utc("2025-03-30T01:00:00Z"))
        );
        assert_eq!(
            read("2025-10-26T03:00:00", BERLIN),
            Ok(utc("2025-10-26T02:00:00Z"))
        );
    }

    #[test]
    fn a_day_whose_midnight_is_skipped_starts_at_the_first_time_that_exists() {
        // Sao Paulo moved its clocks from 00:00 to 01:00 on 2018-11-04.
        let zone = Some(chrono_tz::America::Sao_Paulo);
        assert_eq!(read("2018-11-04", zone), Ok(utc("2018-11-04T03:00:00Z")));
    }

    #[test]
    fn dates_at_the_edge_of_the_representable_range_do_not_panic() {
        for raw in [
            "+262142-12-31T23:59:59",
            "+262142-12-31",
            "-262143-01-01T00:00:00",
            "-262143-01-01",
            "+262142-12-31T23:59:59-23:59",
            "-262143-01-01T00:00:00+23:59",
        ] {
            for day_end in [DayEnd::Start, DayEnd::End] {
                for zone in [BERLIN, NEW_YORK, Some(chrono_tz::Pacific::Kiritimati), None] {
                    let result = parse_instant(raw, zone, day_end);
                    assert!(
                        matches!(
                            result,
                            Ok(_)
                                | Err(DateError::Format
                                    | DateError::NoTimeZone
                                    | DateError::OutOfRange)
                        ),
                        "{raw} in {zone:?}: {result:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn other_spellings_are_format_errors() {
        for bad in [
            "30.03.2025",
            "2025-02-30",
            "2025-03-30T25:00:00",
            "next week",
            "2025-3-30x",
        ] {
            assert_eq!(read(bad, BERLIN), Err(DateError::Format), "{bad}");
        }
    }
}
