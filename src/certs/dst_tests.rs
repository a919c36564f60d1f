//! Certification windows written in local time around daylight-saving changes in Europe/Berlin
//! and America/New_York: the UTC instants of grants, revocations and warnings.

use std::time::Duration;

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use chrono_tz::America::New_York;
use chrono_tz::Europe::Berlin;
use chrono_tz::Tz;

use super::fixtures::{state, window};
use super::{expiring, in_force, next_transition, warnings_due};

const SECOND: Duration = Duration::from_secs(1);

fn utc(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .expect("valid RFC 3339")
        .with_timezone(&Utc)
}

/// A local wall-clock time that exists exactly once in `zone`.
fn local(zone: Tz, y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
    zone.with_ymd_and_hms(y, m, d, h, min, 0)
        .single()
        .expect("an unambiguous local time")
        .with_timezone(&Utc)
}

/// The first instant of a local date, as a date-only `issued_on` is read.
fn start_of(zone: Tz, y: i32, m: u32, d: u32) -> DateTime<Utc> {
    local(zone, y, m, d, 0, 0)
}

/// The first instant after a local date, as a date-only `expires_on` is read.
fn end_of(zone: Tz, y: i32, m: u32, d: u32) -> DateTime<Utc> {
    let next = NaiveDate::from_ymd_opt(y, m, d)
        .and_then(|date| date.succ_opt())
        .and_then(|date| date.and_hms_opt(0, 0, 0))
        .expect("a valid date");
    zone.from_local_datetime(&next)
        .single()
        .expect("midnight is unambiguous in these zones")
        .with_timezone(&Utc)
}

#[test]
fn a_berlin_certification_for_the_short_march_day_lasts_23_hours() {
    let issued = start_of(Berlin, 2026, 3, 29);
    let expires = end_of(Berlin, 2026, 3, 29);
    assert_eq!(
        issued,
        utc("2026-03-28T23:00:00Z"),
        "midnight is still CET (+01:00)"
    );
    assert_eq!(
        expires,
        utc("2026-03-29T22:00:00Z"),
        "the next midnight is CEST (+02:00)"
    );
    let s = state(&[("a@x", "PCI", window(Some(issued), Some(expires)))]);
    let before = utc("2026-03-28T12:00:00Z");
    assert_eq!(next_transition(&s, before, Duration::ZERO), Some(issued));
    assert_eq!(next_transition(&s, issued, Duration::ZERO), Some(expires));
    assert_eq!((expires - issued).num_hours(), 23);
}

#[test]
fn a_berlin_expiry_just_after_the_spring_gap_is_enforced_at_one_utc() {
    let expires = local(Berlin, 2026, 3, 29, 3, 0);
    assert_eq!(expires, utc("2026-03-29T01:00:00Z"));
    let w = window(None, Some(expires));
    assert!(in_force(&w, expires - SECOND, Duration::ZERO));
    assert!(!in_force(&w, expires, Duration::ZERO));
    let margin = Duration::from_secs(30 * 60);
    assert!(
        !in_force(&w, utc("2026-03-29T00:30:00Z"), margin),
        "a 30 minute margin ends it at 01:30 CET, just before the gap"
    );
}

#[test]
fn a_berlin_certification_for_the_long_october_day_lasts_25_hours() {
    let issued = start_of(Berlin, 2026, 10, 25);
    let expires = end_of(Berlin, 2026, 10, 25);
    assert_eq!(issued, utc("2026-10-24T22:00:00Z"));
    assert_eq!(expires, utc("2026-10-25T23:00:00Z"));
    let s = state(&[("a@x", "PCI", window(Some(issued), Some(expires)))]);
    assert_eq!(next_transition(&s, issued, Duration::ZERO), Some(expires));
    assert_eq!((expires - issued).num_hours(), 25);
}

#[test]
fn the_two_berlin_half_past_twos_in_october_are_an_hour_apart() {
    let ambiguous = Berlin.with_ymd_and_hms(2026, 10, 25, 2, 30, 0);
    let first = ambiguous
        .earliest()
        .expect("first 02:30")
        .with_timezone(&Utc);
    let second = ambiguous
        .latest()
        .expect("second 02:30")
        .with_timezone(&Utc);
    assert_eq!(first, utc("2026-10-25T00:30:00Z"));
    assert_eq!(second, utc("2026-10-25T01:30:00Z"));
    let s = state(&[
        ("a@x", "PCI", window(None, Some(first))),
        ("b@x", "PCI", window(None, Some(second))),
    ]);
    let night = utc("2026-10-24T23:00:00Z");
    assert_eq!(next_transition(&s, night, Duration::ZERO), Some(first));
    assert_eq!(next_transition(&s, first, Duration::ZERO), Some(second));
}

#[test]
fn a_new_york_expiry_at_the_march_jump_is_three_o_clock_daylight_time() {
    let expires = local(New_York, 2026, 3, 8, 3, 0);
    assert_eq!(expires, utc("2026-03-08T07:00:00Z"));
    assert_eq!(
        local(New_York, 2026, 3, 8, 1, 59) + chrono::TimeDelta::minutes(1),
        expires,
        "01:59 EST is followed by 03:00 EDT"
    );
    let s = state(&[("a@x", "HIPAA", window(None, Some(expires)))]);
    assert_eq!(
        next_transition(&s, utc("2026-03-08T06:00:00Z"), Duration::ZERO),
        Some(expires)
    );
    assert!(in_force(
        &window(None, Some(expires)),
        expires - SECOND,
        Duration::ZERO
    ));
}

#[test]
fn a_new_york_day_renewed_across_the_november_change_switches_at_the_right_instants() {
    let old_expires = end_of(New_York, 2026, 10, 31);
    let renewed = start_of(New_York, 2026, 11, 2);
    let renewal_expires = end_of(New_York, 2026, 11, 30);
    assert_eq!(
        old_expires,
        utc("2026-11-01T04:00:00Z"),
        "midnight EDT (-04:00)"
    );
    assert_eq!(
        renewed,
        utc("2026-11-02T05:00:00Z"),
        "midnight EST (-05:00)"
    );
    let s = state(&[
        ("a@x", "old", window(None, Some(old_expires))),
        ("a@x", "new", window(Some(renewed), Some(renewal_expires))),
    ]);
    assert_eq!(
        next_transition(&s, utc("2026-10-31T12:00:00Z"), Duration::ZERO),
        Some(old_expires)
    );
    assert_eq!(
        next_transition(&s, old_expires, Duration::ZERO),
        Some(renewed)
    );
    assert_eq!(
        next_transition(&s, renewed, Duration::ZERO),
        Some(utc("2026-12-01T05:00:00Z"))
    );
}

#[test]
fn a_new_york_one_day_warning_across_the_november_change_falls_at_one_in_the_morning() {
    let expires = end_of(New_York, 2026, 11, 1);
    assert_eq!(expires, utc("2026-11-02T05:00:00Z"));
    let s = state(&[("a@x", "HIPAA", window(None, Some(expires)))]);
    let due = warnings_due(
        &s,
        utc("2026-11-01T00:00:00Z"),
        utc("2026-11-01T12:00:00Z"),
        &[1],
    );
    assert_eq!(due.len(), 1);
    assert_eq!(due[0].due_at, utc("2026-11-01T05:00:00Z"));
    assert_eq!(
        due[0].due_at.with_timezone(&New_York).to_rfc3339(),
        "2026-11-01T01:00:00-04:00",
        "24 hours before midnight EST is the first 01:00, still daylight time"
    );
}

#[test]
fn a_berlin_seven_day_look_ahead_across_the_october_change_is_168_hours() {
    let now = start_of(Berlin, 2026, 10, 22);
    let inside = utc("2026-10-28T22:00:00Z");
    let seven_local_days_later = start_of(Berlin, 2026, 10, 29);
    assert_eq!(seven_local_days_later, utc("2026-10-28T23:00:00Z"));
    let s = state(&[
        ("a@x", "PCI", window(None, Some(inside))),
        ("b@x", "PCI", window(None, Some(seven_local_days_later))),
    ]);
    let found = expiring(&s, now, Duration::from_secs(7 * 86_400), Duration::ZERO);
    assert_eq!(now, utc("2026-10-21T22:00:00Z"));
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].expires_on, inside);
}
