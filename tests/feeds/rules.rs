//! Normalization rules, checked through whole feeds read the way production reads them.

use std::fs;

use chrono::{DateTime, Utc};
use skillsync::domain::{AgentKey, AgentKeyKind, CertificationWindow, FeedScope, Proficiency};
use skillsync::feed::{self, FeedFormat, FeedSettings, FeedSource, ScaleSettings, WarningKind};

use crate::helpers::{
    csv, fixture_settings, fixtures, read_with, rejected, rejected_with, report, rules, valid,
};

const HEADER: &str = "agent,type,name,proficiency,issued_on,expires_on\n";

fn utc(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .expect("test instant")
        .to_utc()
}

fn email(text: &str) -> AgentKey {
    AgentKey::Email(text.to_owned())
}

/// The error report of CSV `rows` (under the standard header), which must be rejected.
fn csv_errors(settings: &FeedSettings, rows: &str) -> String {
    let text = format!("{HEADER}{rows}");
    report(&rejected_with(settings, FeedFormat::Csv, text.as_bytes()))
}

fn level(text: &str) -> Proficiency {
    text.parse().expect("canonical proficiency")
}

#[test]
fn the_german_excel_export_is_normalized_rule_by_rule() {
    let feed = valid(
        FeedFormat::Csv,
        &fs::read(fixtures().join("good/german_excel.csv")).expect("fixture"),
    );
    let anna = &feed.state.agents[&email("anna.schmidt@example.de")];
    // Alias, label in any case, decimal comma, whole-number language.
    assert_eq!(anna.skills["Billing - English"], level("5"));
    assert_eq!(anna.skills["Beschwerden"], level("3.5"));
    assert_eq!(anna.languages["Deutsch"], level("5"));
    // A date alone starts at Berlin midnight; validity_days completes the expiry.
    assert_eq!(
        anna.certifications["PCI DSS"],
        CertificationWindow {
            issued_on: Some(utc("2025-03-29T23:00:00Z")),
            expires_on: Some(utc("2026-03-29T23:00:00Z")),
        }
    );
    let jonas = &feed.state.agents[&email("jonas.mueller@example.de")];
    assert_eq!(jonas.skills["Billing; Premium"], level("3"));
    assert_eq!(jonas.languages["English"], level("2"));
    // An expiry date means the end of that day: the next midnight, here after the clocks went back.
    assert_eq!(
        jonas.certifications["Datenschutz"].expires_on,
        Some(utc("2026-10-25T23:00:00Z"))
    );
    let warnings: Vec<&WarningKind> = feed.warnings.items().iter().map(|w| &w.kind).collect();
    assert_eq!(
        warnings,
        [
            &WarningKind::UnknownColumn("Team".into()),
            &WarningKind::BlankRows(2),
            &WarningKind::DuplicatesMerged(1),
        ]
    );
}

#[test]
fn reordering_rows_does_not_change_the_hash() {
    let rows = [
        "anna@example.com,skill,Billing,3,,",
        "anna@example.com,language,German,4,,",
        "bob@example.com,skill,Billing,Expert,,",
        "bob@example.com,certification,PCI DSS,,2025-01-01T00:00:00Z,",
    ];
    let forward = csv(&format!("{HEADER}{}\n", rows.join("\n")));
    let mut reversed_rows = rows;
    reversed_rows.reverse();
    let reversed = csv(&format!("{HEADER}{}\n", reversed_rows.join("\n")));
    assert_eq!(forward.state, reversed.state);
    assert_eq!(forward.hash, reversed.hash);
}

#[test]
fn the_scope_comes_from_the_source_and_changes_the_hash() {
    let text = format!("{HEADER}anna@example.com,skill,Billing,3,,\n");
    let settings = fixture_settings();
    let read = |scope| {
        let source = FeedSource {
            name: "f.csv".into(),
            format: FeedFormat::Csv,
            scope,
        };
        feed::read(text.as_bytes(), &source, &rules(&settings)).expect("valid")
    };
    let (partial, snapshot) = (read(FeedScope::Partial), read(FeedScope::Snapshot));
    assert_eq!(partial.state.scope, FeedScope::Partial);
    assert_eq!(snapshot.state.scope, FeedScope::Snapshot);
    assert_ne!(partial.hash, snapshot.hash);
}

#[test]
fn employee_ids_are_used_when_configured_and_keep_their_case() {
    let mut settings = fixture_settings();
    settings.agent_key = AgentKeyKind::EmployeeId;
    let text = format!("{HEADER} Ab-17 ,skill,Billing,3,,\n");
    let feed = read_with(&settings, FeedFormat::Csv, text.as_bytes()).expect("valid");
    assert!(feed
        .state
        .agents
        .contains_key(&AgentKey::EmployeeId("Ab-17".into())));
    let json =
        br#"{"agents": [{"agent": 4711, "skills": [{"name": "Billing", "proficiency": 3}]}]}"#;
    let feed = read_with(&settings, FeedFormat::Json, json).expect("numeric ids are read as text");
    assert!(feed
        .state
        .agents
        .contains_key(&AgentKey::EmployeeId("4711".into())));
}

#[test]
fn names_keep_their_case_so_billing_and_billing_are_two_skills() {
    let feed = csv(&format!(
        "{HEADER}a@example.com,skill,Billing,3,,\na@example.com,skill,billing,4,,\n"
    ));
    assert_eq!(feed.counts.skills, 2);
}

#[test]
fn values_that_do_not_apply_to_a_row_type_are_ignored_with_a_warning() {
    let feed = csv(&format!(
        "{HEADER}a@example.com,skill,Billing,3,2025-01-01,\na@example.com,certification,PCI DSS,4,,\n"
    ));
    let warnings: Vec<String> = feed
        .warnings
        .items()
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(
        warnings,
        [
            "line 2: issued_on does not apply to a skill; ignored",
            "line 3: proficiency does not apply to a certification; ignored",
        ]
    );
    assert_eq!(
        feed.state.agents[&email("a@example.com")].certifications["PCI DSS"],
        CertificationWindow::default(),
        "a certification without dates and without validity_days is unbounded"
    );
}

#[test]
fn an_explicit_expiry_wins_over_validity_days() {
    let feed = csv(&format!(
        "{HEADER}a@example.com,certification,PCI DSS,,2025-01-01,2025-02-01\n"
    ));
    let window = feed.state.agents[&email("a@example.com")].certifications["PCI DSS"];
    assert_eq!(window.expires_on, Some(utc("2025-02-01T23:00:00Z")));
}

#[test]
fn dates_without_an_offset_need_a_configured_zone_but_offsets_do_not() {
    let mut settings = fixture_settings();
    settings.time_zone = None;
    let with_offset =
        format!("{HEADER}a@example.com,certification,PCI DSS,,2025-01-01T08:00:00+01:00,\n");
    let feed = read_with(&settings, FeedFormat::Csv, with_offset.as_bytes()).expect("valid");
    let window = feed.state.agents[&email("a@example.com")].certifications["PCI DSS"];
    assert_eq!(window.issued_on, Some(utc("2025-01-01T07:00:00Z")));
    let shown = csv_errors(
        &settings,
        "a@example.com,certification,PCI DSS,,2025-01-01T08:00:00,\n",
    );
    assert!(
        shown.contains("has no UTC offset and feed.time_zone is not set"),
        "{shown}"
    );
}

#[test]
fn new_york_daylight_saving_gaps_and_overlaps_are_rejected_through_a_feed() {
    let mut settings = fixture_settings();
    settings.time_zone = Some("America/New_York".into());
    let shown = csv_errors(
        &settings,
        "a@example.com,certification,A,,2025-03-09T02:30:00,\na@example.com,certification,B,,2025-11-02 01:30,\n",
    );
    assert!(shown.contains("line 2, issued_on \"2025-03-09T02:30:00\": 2025-03-09 02:30:00 does not exist in America/New_York"), "{shown}");
    assert!(
        shown.contains("2025-11-02T01:30:00-04:00 or 2025-11-02T01:30:00-05:00"),
        "{shown}"
    );
}

#[test]
fn the_error_cap_is_configurable() {
    let mut settings = fixture_settings();
    settings.max_errors = 2;
    let rows: String = (0..5)
        .map(|i| format!("bad{i},skill,Billing,3,,\n"))
        .collect();
    let rejection = rejected_with(
        &settings,
        FeedFormat::Csv,
        format!("{HEADER}{rows}").as_bytes(),
    );
    assert_eq!(rejection.errors.items().len(), 2);
    assert_eq!(rejection.errors.omitted(), 3);
    assert!(report(&rejection)
        .ends_with("… and 3 more error(s) not shown (raise feed.max_errors to see them)"));
}

#[test]
fn a_configured_scale_maps_linearly_onto_zero_to_five() {
    let mut settings = fixture_settings();
    settings.skills = ScaleSettings {
        min: Some(1.0),
        max: Some(10.0),
        step: Some(1.0),
        ..ScaleSettings::default()
    };
    let text = format!("{HEADER}a@example.com,skill,A,1,,\na@example.com,skill,B,10,,\na@example.com,skill,C,6,,\n");
    let feed = read_with(&settings, FeedFormat::Csv, text.as_bytes()).expect("valid");
    let skills = &feed.state.agents[&email("a@example.com")].skills;
    assert_eq!(
        (skills["A"], skills["B"], skills["C"]),
        (level("0"), level("5"), level("3"))
    );
}

#[test]
fn a_json_agent_with_empty_lists_is_listed_with_nothing() {
    let feed = valid(
        FeedFormat::Json,
        br#"{"agents": [{"agent": "a@example.com", "skills": [], "languages": null}]}"#,
    );
    assert_eq!(feed.counts.agents, 1);
    assert_eq!(
        feed.state.agents[&email("a@example.com")],
        Default::default()
    );
}

#[test]
fn unknown_json_keys_are_warned_about_by_pointer() {
    let feed = valid(
        FeedFormat::Json,
        br#"{"version": 2, "agents": [{"agent": "a@example.com", "team": "x", "skills": [{"name": "B", "proficiency": 1, "level/x": 3}]}]}"#,
    );
    let warnings: Vec<String> = feed
        .warnings
        .items()
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(
        warnings,
        [
            "/version: key \"version\" is not part of the feed format; ignored",
            "/agents/0/skills/0/level~1x: key \"level/x\" is not part of the feed format; ignored",
            "/agents/0/team: key \"team\" is not part of the feed format; ignored",
        ]
    );
}

#[test]
fn one_bad_row_rejects_the_whole_feed() {
    let text =
        format!("{HEADER}a@example.com,skill,Billing,3,,\nb@example.com,skill,Billing,33,,\n");
    let rejection = rejected(FeedFormat::Csv, text.as_bytes());
    assert_eq!(rejection.errors.total(), 1);
}

#[test]
fn rows_after_a_multi_line_quoted_field_keep_their_line_numbers() {
    let text = format!("{HEADER}a@example.com,skill,\"Bill\r\ning\",3,,\r\nb,skill,X,3,,\r\n");
    let shown = report(&rejected(FeedFormat::Csv, text.as_bytes()));
    assert!(
        shown.contains("line 2, name \"Bill\\r\\ning\": contains a control character"),
        "{shown}"
    );
    assert!(shown.contains("line 4, agent \"b\""), "{shown}");
}
