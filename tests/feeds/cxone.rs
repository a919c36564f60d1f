//! Feeds for a NICE CXone org (`platform.kind = "cxone"`): numbers on CXone's own scale (1–20,
//! 1 the highest) reach the platform as written; labels and other scales map onto it.

use skillsync::domain::{AgentKey, Proficiency};
use skillsync::feed::{BestNumber, FeedError, FeedFormat, FeedSettings, ScaleSettings, ValidFeed};
use skillsync::platform::scales::{granularity_for, CXONE};

use crate::helpers::{read_for, report};

const HEADER: &str = "agent,type,name,proficiency,issued_on,expires_on\n";

fn read(settings: &FeedSettings, format: FeedFormat, text: &str) -> Result<ValidFeed, FeedError> {
    let cxone = granularity_for("cxone").expect("a known kind");
    assert_eq!(cxone, CXONE);
    read_for(settings, &cxone, format, text.as_bytes())
}

/// The skills of `a@example.com` in a CSV of `skill,<name>,<proficiency>` rows, as numbers.
fn skills(settings: &FeedSettings, rows: &[(&str, &str)]) -> Vec<(String, f64)> {
    let body: String = rows
        .iter()
        .map(|(name, value)| format!("a@example.com,skill,{name},{value},,\n"))
        .collect();
    let feed = match read(settings, FeedFormat::Csv, &format!("{HEADER}{body}")) {
        Ok(feed) => feed,
        Err(FeedError::Rejected(r)) => panic!("rejected:\n{}", report(&r)),
        Err(e) => panic!("{e}"),
    };
    let agent = &feed.state.agents[&AgentKey::Email("a@example.com".into())];
    rows.iter()
        .map(|(name, _)| {
            let level = agent.skills[*name];
            ((*name).to_owned(), Proficiency::value(level))
        })
        .collect()
}

fn errors(settings: &FeedSettings, format: FeedFormat, text: &str) -> String {
    match read(settings, format, text) {
        Ok(feed) => panic!("accepted: {:?}", feed.state),
        Err(FeedError::Rejected(r)) => report(&r),
        Err(e) => panic!("{e}"),
    }
}

fn values(got: Vec<(String, f64)>) -> Vec<f64> {
    got.into_iter().map(|(_, v)| v).collect()
}

#[test]
fn cxone_numbers_are_read_on_its_own_scale_and_kept_as_written() {
    let rows: Vec<(String, String)> = (1..=20).map(|v| (format!("S{v}"), v.to_string())).collect();
    let rows: Vec<(&str, &str)> = rows.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
    let got = values(skills(&FeedSettings::default(), &rows));
    assert_eq!(got, (1..=20).map(f64::from).collect::<Vec<_>>());
}

#[test]
fn numbers_off_the_cxone_scale_are_errors_naming_the_line_and_the_allowed_values() {
    let text = format!(
        "{HEADER}a@example.com,skill,A,0,,\na@example.com,skill,B,21,,\na@example.com,skill,C,2.5,,\n"
    );
    let report = errors(&FeedSettings::default(), FeedFormat::Csv, &text);
    let allowed = "allowed: 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, \
                   20 (1 = highest), or Novice, Basic, Proficient, Advanced, Expert (any case)";
    assert_eq!(
        report,
        [
            format!("test.csv: line 2, proficiency \"0\": outside the scale; {allowed}"),
            format!("test.csv: line 3, proficiency \"21\": outside the scale; {allowed}"),
            format!("test.csv: line 4, proficiency \"2.5\": not on a step of the scale; {allowed}"),
        ]
        .join("\n")
    );
}

#[test]
fn labels_map_onto_cxone_with_expert_highest() {
    let rows = [
        ("E", "Expert"),
        ("A", "Advanced"),
        ("P", "Proficient"),
        ("B", "Basic"),
        ("N", "novice"),
    ];
    let got = values(skills(&FeedSettings::default(), &rows));
    assert_eq!(got, [1.0, 5.0, 9.0, 12.0, 16.0]);
}

#[test]
fn a_configured_scale_maps_its_best_end_onto_one() {
    let percent = FeedSettings {
        skills: ScaleSettings {
            min: Some(0.0),
            max: Some(100.0),
            step: Some(1.0),
            ..ScaleSettings::default()
        },
        ..FeedSettings::default()
    };
    // 50 → 20 - 0.5 × 19 = 10.5, halves toward the best end: 10. 75 → 5.75 → 6.
    let rows = [("Top", "100"), ("Bottom", "0"), ("Mid", "50"), ("Q", "75")];
    assert_eq!(values(skills(&percent, &rows)), [1.0, 20.0, 10.0, 6.0]);
}

#[test]
fn a_configured_scale_with_the_low_number_best_keeps_that_direction() {
    let low_best = FeedSettings {
        skills: ScaleSettings {
            min: Some(1.0),
            max: Some(5.0),
            best: Some(BestNumber::Min),
            ..ScaleSettings::default()
        },
        ..FeedSettings::default()
    };
    let rows = [("One", "1"), ("Five", "5"), ("Three", "3")];
    assert_eq!(values(skills(&low_best, &rows)), [1.0, 20.0, 10.0]);
    let text = format!("{HEADER}a@example.com,skill,X,6,,\n");
    assert!(
        errors(&low_best, FeedFormat::Csv, &text).contains("allowed: 1, 2, 3, 4, 5 (1 = highest)"),
        "the allowed values say which end is best"
    );
}

#[test]
fn a_language_is_an_error_on_a_platform_without_languages() {
    let text = format!("{HEADER}a@example.com,language,German,5,,\n");
    assert_eq!(
        errors(&FeedSettings::default(), FeedFormat::Csv, &text),
        "test.csv: line 2, type \"language\": CXone has no routing languages"
    );
    let json = r#"{"agents": [{"agent": "a@example.com", "languages": [{"name": "German", "proficiency": 5}]}]}"#;
    assert_eq!(
        errors(&FeedSettings::default(), FeedFormat::Json, json),
        "test.json: /agents/0/languages/0: CXone has no routing languages"
    );
}

#[test]
fn a_label_and_its_cxone_number_are_the_same_desired_state() {
    let hash = |value: &str| {
        let text = format!("{HEADER}a@example.com,skill,Billing,{value},,\n");
        read(&FeedSettings::default(), FeedFormat::Csv, &text)
            .map(|feed| feed.hash)
            .map_err(|e| e.to_string())
    };
    assert_eq!(hash("Expert"), hash("1"));
    assert_ne!(hash("Expert"), hash("20"));
}

#[test]
fn certifications_are_read_on_cxone_they_drive_gate_skills() {
    let text = format!("{HEADER}a@example.com,certification,PCI DSS,,2026-01-01,2027-01-01\n");
    let settings = FeedSettings {
        time_zone: Some("Europe/Berlin".into()),
        ..FeedSettings::default()
    };
    let feed = read(&settings, FeedFormat::Csv, &text).expect("valid");
    assert_eq!(feed.counts.certifications, 1);
}
