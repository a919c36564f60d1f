//! The corpus of bad feeds: `bad/<name>.<csv|json>` must be rejected with every line of
//! `bad/<name>.expected` somewhere in the report. One test per error class.

use std::collections::BTreeSet;
use std::fs;

use skillsync::feed::FeedFormat;

use crate::helpers::{fixtures, rejected, report, valid};

fn check(file: &str) {
    let path = fixtures().join("bad").join(file);
    let bytes = fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let format = FeedFormat::from_path(&path).expect("fixture has a .csv or .json extension");
    let expected_path = path.with_extension("expected");
    let expected = fs::read_to_string(&expected_path)
        .unwrap_or_else(|e| panic!("{}: {e}", expected_path.display()));
    let shown = report(&rejected(format, &bytes));
    let wanted: Vec<&str> = expected
        .lines()
        .filter(|line| !line.trim().is_empty())
        .collect();
    assert!(!wanted.is_empty(), "{file}: the .expected file is empty");
    for line in wanted {
        assert!(
            shown.contains(line),
            "{file}: expected {line:?} in:\n{shown}"
        );
    }
}

macro_rules! bad_feeds {
    ($($test:ident => $file:literal,)*) => {
        $(
            #[test]
            fn $test() {
                check($file);
            }
        )*

        const FILES: &[&str] = &[$($file),*];
    };
}

bad_feeds! {
    an_empty_csv_file_is_rejected => "empty.csv",
    a_header_without_rows_is_rejected => "header_only.csv",
    a_missing_required_column_is_named_with_the_header_read => "missing_column.csv",
    a_column_given_twice_is_rejected => "duplicate_column.csv",
    an_unclosed_quote_is_a_truncated_file_naming_its_line => "truncated.csv",
    latin1_bytes_are_rejected_naming_line_and_field => "latin1.csv",
    a_utf16_file_is_rejected_with_a_hint => "utf16.csv",
    a_row_with_an_unquoted_comma_has_the_wrong_field_count => "field_count.csv",
    an_unknown_type_lists_the_allowed_types => "unknown_type.csv",
    an_agent_that_is_not_an_email_is_rejected => "bad_agent.csv",
    a_blank_name_is_missing => "missing_name.csv",
    an_unknown_proficiency_lists_the_allowed_values => "bad_proficiency.csv",
    a_proficiency_above_the_scale_is_rejected => "proficiency_out_of_range.csv",
    a_half_step_language_proficiency_is_off_the_whole_number_scale => "proficiency_off_step.csv",
    a_skill_without_proficiency_is_rejected => "missing_proficiency.csv",
    skills_without_a_proficiency_column_are_reported_once => "no_proficiency_column.csv",
    a_non_iso_date_is_rejected => "bad_date.csv",
    a_local_time_in_the_spring_forward_gap_is_rejected => "dst_gap.csv",
    an_ambiguous_local_time_at_fall_back_is_rejected => "dst_ambiguous.csv",
    expiry_before_issue_is_rejected => "expires_before_issued.csv",
    conflicting_duplicates_name_both_lines => "conflicting_duplicate.csv",
    errors_beyond_the_cap_are_counted_not_shown => "many_errors.csv",
    every_error_of_a_feed_is_reported_in_one_pass => "every_error_at_once.csv",
    an_empty_json_file_is_rejected => "json_empty.json",
    a_json_root_array_names_the_expected_shape => "root_array.json",
    a_json_map_of_skill_to_proficiency_names_the_expected_shape => "skills_map.json",
    json_agents_keyed_by_name_name_the_expected_shape => "agents_map.json",
    json_without_agents_names_the_expected_shape => "no_agents_key.json",
    json_listing_no_agents_is_rejected => "no_agents.json",
    truncated_json_is_rejected => "json_truncated.json",
    json_syntax_errors_give_line_and_column => "syntax.json",
    latin1_bytes_in_json_are_rejected => "json_latin1.json",
    a_json_value_of_the_wrong_type_is_named_by_pointer => "wrong_type.json",
    a_json_agent_that_is_not_an_object_is_rejected => "agent_not_object.json",
    a_json_agent_without_agent_key_is_rejected => "missing_agent.json",
    conflicting_json_duplicates_name_both_pointers => "conflict.json",
    json_certification_errors_name_each_field => "bad_certification.json",
}

#[test]
fn every_bad_fixture_has_a_test_and_an_expected_file() {
    let dir = fixtures().join("bad");
    let mut feeds = BTreeSet::new();
    for entry in fs::read_dir(&dir).expect("bad fixtures directory") {
        let path = entry.expect("directory entry").path();
        let file = path
            .file_name()
            .and_then(|n| n.to_str())
            .expect("utf-8 name")
            .to_owned();
        if path.extension().is_some_and(|e| e == "expected") {
            let stem = path
                .file_stem()
                .and_then(|n| n.to_str())
                .expect("utf-8 name");
            let has_feed = ["csv", "json"]
                .iter()
                .any(|ext| dir.join(format!("{stem}.{ext}")).exists());
            assert!(has_feed, "{file} has no feed next to it");
        } else {
            feeds.insert(file);
        }
    }
    let tested: BTreeSet<String> = FILES.iter().map(|f| (*f).to_owned()).collect();
    assert_eq!(feeds, tested, "fixtures and tests must match one to one");
}

#[test]
fn the_german_excel_export_and_its_json_twin_give_the_same_state_and_hash() {
    let csv = valid(
        FeedFormat::Csv,
        &fs::read(fixtures().join("good/german_excel.csv")).expect("fixture"),
    );
    let json = valid(
        FeedFormat::Json,
        &fs::read(fixtures().join("good/german_excel.json")).expect("fixture"),
    );
    assert_eq!(csv.state, json.state);
    assert_eq!(csv.hash, json.hash);
    let counts = csv.counts;
    assert_eq!(
        (
            counts.agents,
            counts.skills,
            counts.languages,
            counts.certifications
        ),
        (2, 3, 2, 2)
    );
}
