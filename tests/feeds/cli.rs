//! `skillsync validate` as a WFM administrator runs it: the real binary, exit codes and output.

use std::io::Write;
use std::process::{Command, Output, Stdio};

use crate::helpers::fixtures;

fn validate(args: &[&str], stdin: &[u8]) -> Output {
    let settings = fixtures().join("settings.toml");
    let mut child = Command::new(env!("CARGO_BIN_EXE_skillsync"))
        .arg("--config")
        .arg(settings)
        .arg("validate")
        .args(args)
        .env_remove("SKILLSYNC_CONFIG")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("skillsync runs");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stdin)
        .expect("write stdin");
    child.wait_with_output().expect("skillsync finishes")
}

fn path(relative: &str) -> String {
    fixtures().join(relative).display().to_string()
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn a_valid_feed_prints_a_summary_and_exits_zero() {
    let output = validate(&["--feed", &path("good/german_excel.csv")], b"");
    let shown = stdout(&output);
    assert_eq!(output.status.code(), Some(0), "{shown}");
    assert!(
        shown.contains("german_excel.csv: valid (csv, partial)"),
        "{shown}"
    );
    for line in [
        "agents          2",
        "skills          3",
        "languages       2",
        "certifications  2",
        "warnings        3",
    ] {
        assert!(shown.contains(line), "{line:?} in {shown}");
    }
    assert!(shown.contains("warning: "), "{shown}");
    let hash_line = shown
        .lines()
        .find(|l| l.trim_start().starts_with("sha256"))
        .expect("hash line");
    assert_eq!(hash_line.split_whitespace().nth(1).map(str::len), Some(64));
}

#[test]
fn csv_and_json_twins_print_the_same_hash() {
    let hash = |file: &str| {
        let shown = stdout(&validate(&["--feed", &path(file)], b""));
        shown
            .lines()
            .find(|l| l.trim_start().starts_with("sha256"))
            .map(str::to_owned)
    };
    let csv = hash("good/german_excel.csv");
    assert!(csv.is_some());
    assert_eq!(csv, hash("good/german_excel.json"));
}

#[test]
fn an_invalid_feed_prints_every_error_and_exits_one() {
    let output = validate(
        &[
            "--feed",
            &path("bad/every_error_at_once.csv"),
            "--scope",
            "snapshot",
        ],
        b"",
    );
    let shown = stdout(&output);
    assert_eq!(output.status.code(), Some(1), "{shown}");
    assert!(
        shown.contains("feed rejected with 4 error(s) (csv, snapshot)"),
        "{shown}"
    );
    assert_eq!(
        shown.lines().filter(|l| l.starts_with("error: ")).count(),
        4,
        "{shown}"
    );
}

#[test]
fn a_dash_reads_standard_input_in_the_given_format() {
    let feed = br#"{"agents": [{"agent": "a@example.com", "skills": [{"name": "Billing", "proficiency": 3}]}]}"#;
    let output = validate(&["--feed", "-", "--format", "json"], feed);
    let shown = stdout(&output);
    assert_eq!(output.status.code(), Some(0), "{shown}");
    assert!(shown.contains("<stdin>: valid (json, partial)"), "{shown}");
}

#[test]
fn standard_input_without_a_format_is_refused_with_a_hint() {
    let output = validate(&["--feed", "-"], b"agent,type,name\n");
    assert_eq!(output.status.code(), Some(1));
    let stderr = stderr(&output);
    assert!(
        stderr.contains("pass --format csv or --format json"),
        "{stderr}"
    );
}

#[test]
fn a_missing_file_is_an_error_naming_it() {
    let output = validate(&["--feed", "/nonexistent/roster.csv"], b"");
    assert_ne!(output.status.code(), Some(0));
    let stderr = stderr(&output);
    assert!(
        stderr.contains("cannot read /nonexistent/roster.csv"),
        "{stderr}"
    );
}

#[test]
fn an_unknown_scope_is_refused_by_the_argument_parser() {
    let output = validate(&["--feed", "-", "--format", "csv", "--scope", "full"], b"");
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("expected partial or snapshot"));
}
