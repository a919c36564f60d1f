//! `skillsync skills sync` and `validate --check-platform` (issue 16) against the Genesys
//! simulator: missing skills are listed without a write, created only with `--create` (in
//! `platform.division`), refused names never, and validation fails on missing names.

use std::collections::BTreeMap;

use reqwest::Method;
use serde_json::Value;

use crate::helpers::{settings_for, small_org, spawn_sim, TestSim};
use skillsync::cli::{FeedArgs, OutputFormat, SkillsSyncArgs};
use skillsync::config::Settings;
use skillsync::domain::FeedScope;
use skillsync::feed::cli::ValidateArgs;
use skillsync::feed::FeedFormat;

const SKILLS: &str = "/api/v2/routing/skills";

/// A feed naming `existing` and the missing `New_Billing` (described) and `New_Sales`.
fn feed(existing: &str) -> String {
    format!(
        "agent,type,name,proficiency,description\n\
         agent00001@example.com,skill,{existing},3,\n\
         agent00001@example.com,skill,New_Billing,3,Invoices and refunds\n\
         agent00002@example.com,skill,New_Sales,2,\n"
    )
}

fn args(create: bool, format: OutputFormat) -> SkillsSyncArgs {
    SkillsSyncArgs {
        feed: FeedArgs {
            feed: "-".into(),
            scope: FeedScope::Partial,
            feed_format: Some(FeedFormat::Csv),
        },
        create,
        format,
    }
}

async fn sync(
    settings: &Settings,
    csv: &str,
    create: bool,
    refused: &BTreeMap<String, String>,
) -> (i32, String) {
    sync_as(OutputFormat::Json, settings, csv, create, refused).await
}

async fn sync_as(
    format: OutputFormat,
    settings: &Settings,
    csv: &str,
    create: bool,
    refused: &BTreeMap<String, String>,
) -> (i32, String) {
    let mut out = Vec::new();
    let code = skillsync::cli::run_skills_sync(
        &args(create, format),
        settings,
        refused,
        csv.as_bytes(),
        &mut out,
    )
    .await
    .expect("ran");
    (code, String::from_utf8(out).expect("utf-8"))
}

fn json(text: &str) -> Value {
    serde_json::from_str(text).expect("a JSON report")
}

fn names(list: &Value) -> Vec<&str> {
    list.as_array()
        .expect("a list")
        .iter()
        .map(|item| item["name"].as_str().expect("name"))
        .collect()
}

async fn existing_skill(sim: &TestSim) -> String {
    sim.skills().await.remove(0).1
}

async fn creates(sim: &TestSim) -> u64 {
    sim.stats().await.served("POST", |path| path == SKILLS)
}

#[tokio::test]
async fn without_create_the_missing_names_are_listed_and_nothing_is_written() {
    let sim = spawn_sim(small_org()).await;
    let settings = settings_for(&sim);
    let csv = feed(&existing_skill(&sim).await);
    sim.reset_stats().await;
    let (code, text) = sync(&settings, &csv, false, &BTreeMap::new()).await;
    assert_eq!(code, 2, "{text}");
    let report = json(&text);
    assert_eq!(names(&report["missing"]), ["New_Billing", "New_Sales"]);
    assert_eq!(report["missing"][0]["description"], "Invoices and refunds");
    assert_eq!(report["missing"][1]["description"], Value::Null);
    assert_eq!(report["present"], 1);
    assert_eq!(report["created"], serde_json::json!([]));
    assert_eq!(creates(&sim).await, 0);
    assert_eq!(sim.stats().await.writes, 0);

    let (code, text) = sync_as(OutputFormat::Text, &settings, &csv, false, &BTreeMap::new()).await;
    assert_eq!(code, 2, "{text}");
    assert!(
        text.contains("\"New_Billing\" — Invoices and refunds"),
        "{text}"
    );
    assert!(
        text.contains("Run again with --create to create 2 skill(s)"),
        "{text}"
    );
    assert_eq!(creates(&sim).await, 0);
}

#[tokio::test]
async fn with_create_the_missing_names_are_created_in_the_division_once() {
    let sim = spawn_sim(small_org()).await;
    let unit = sim.other_division().await;
    let mut settings = settings_for(&sim);
    settings.platform.division = unit["name"].as_str().expect("name").to_owned();
    let csv = feed(&existing_skill(&sim).await);
    sim.reset_stats().await;

    let (code, text) = sync(&settings, &csv, true, &BTreeMap::new()).await;
    assert_eq!(code, 0, "{text}");
    let report = json(&text);
    assert_eq!(names(&report["created"]), ["New_Billing", "New_Sales"]);
    // Genesys Cloud skills have no description: given for one, stored for none.
    assert_eq!(report["created"][0]["description_stored"], false);
    assert_eq!(report["created"][1]["description_stored"], Value::Null);
    assert_eq!(report["failed"], serde_json::json!([]));
    assert_eq!(creates(&sim).await, 2);
    let listed = sim
        .ok(Method::GET, "/api/v2/routing/skills?pageSize=500", None)
        .await;
    for name in ["New_Billing", "New_Sales"] {
        let skill = listed["entities"]
            .as_array()
            .expect("skills")
            .iter()
            .find(|s| s["name"] == name)
            .unwrap_or_else(|| panic!("{name} created: {listed}"));
        assert_eq!(skill["division"]["id"], unit["id"], "{skill}");
    }

    sim.reset_stats().await;
    let (code, text) = sync(&settings, &csv, true, &BTreeMap::new()).await;
    assert_eq!(code, 0, "{text}");
    assert_eq!(json(&text)["missing"], serde_json::json!([]));
    assert_eq!(json(&text)["present"], 3);
    assert_eq!(creates(&sim).await, 0);
}

#[tokio::test]
async fn the_text_report_says_the_description_was_not_stored() {
    let sim = spawn_sim(small_org()).await;
    let settings = settings_for(&sim);
    let csv = feed(&existing_skill(&sim).await);
    let (code, text) = sync_as(OutputFormat::Text, &settings, &csv, true, &BTreeMap::new()).await;
    assert_eq!(code, 0, "{text}");
    assert!(
        text.contains(
            "created      \"New_Billing\" (description not stored: Genesys Cloud skills have no description)"
        ),
        "{text}"
    );
    assert!(text.contains("created      \"New_Sales\"\n"), "{text}");
}

#[tokio::test]
async fn a_refused_name_is_never_created() {
    let sim = spawn_sim(small_org()).await;
    let settings = settings_for(&sim);
    let csv = feed(&existing_skill(&sim).await);
    let refused = BTreeMap::from([("New_Sales".to_owned(), "being retired".to_owned())]);
    sim.reset_stats().await;
    let (code, text) = sync(&settings, &csv, true, &refused).await;
    assert_eq!(code, 1, "{text}");
    let report = json(&text);
    assert_eq!(names(&report["created"]), ["New_Billing"]);
    assert_eq!(report["refused"][0]["name"], "New_Sales");
    assert_eq!(report["refused"][0]["reason"], "being retired");
    assert_eq!(creates(&sim).await, 1);
    assert!(!sim.skills().await.iter().any(|(_, n)| n == "New_Sales"));
}

#[tokio::test]
async fn an_invalid_feed_prints_its_errors_and_checks_nothing() {
    let sim = spawn_sim(small_org()).await;
    let settings = settings_for(&sim);
    sim.reset_stats().await;
    let mut out = Vec::new();
    let code = skillsync::cli::run_skills_sync(
        &args(true, OutputFormat::Text),
        &settings,
        &BTreeMap::new(),
        "agent,type,name,proficiency\nbob,skil,X,3\n".as_bytes(),
        &mut out,
    )
    .await
    .expect("ran");
    let text = String::from_utf8(out).expect("utf-8");
    assert_eq!(code, 1, "{text}");
    assert!(text.contains("error: <stdin>: line 2"), "{text}");
    assert_eq!(sim.stats().await.total, 0);
}

async fn validate(settings: &Settings, csv: &str) -> (i32, String) {
    let args = ValidateArgs {
        feed: "-".into(),
        scope: FeedScope::Partial,
        format: Some(FeedFormat::Csv),
        check_platform: true,
    };
    let mut out = Vec::new();
    let code = skillsync::cli::run_validate(&args, settings, csv.as_bytes(), &mut out)
        .await
        .expect("ran");
    (code, String::from_utf8(out).expect("utf-8"))
}

#[tokio::test]
async fn validate_check_platform_fails_on_missing_names_and_passes_once_they_exist() {
    let sim = spawn_sim(small_org()).await;
    let mut settings = settings_for(&sim);
    let csv = feed(&existing_skill(&sim).await);

    let (code, text) = validate(&settings, &csv).await;
    assert_eq!(code, 1, "{text}");
    assert!(
        text.contains(
            "error: -: the platform has no skill named \"New_Billing\"; create it with \
             `skillsync skills sync --feed - --create`"
        ),
        "{text}"
    );
    assert!(text.contains("\"New_Sales\""), "{text}");

    settings.platform.create_missing_skills = true;
    let (code, text) = validate(&settings, &csv).await;
    assert_eq!(code, 0, "{text}");
    assert!(
        text.contains("warning: -: the platform has no skill named \"New_Sales\""),
        "{text}"
    );
    assert_eq!(creates(&sim).await, 0, "validate never writes");

    settings.platform.create_missing_skills = false;
    let (code, _) = sync(&settings, &csv, true, &BTreeMap::new()).await;
    assert_eq!(code, 0);
    let (code, text) = validate(&settings, &csv).await;
    assert_eq!(code, 0, "{text}");
    assert!(
        text.contains("3 skill(s) used, 3 defined, 0 missing"),
        "{text}"
    );
}

#[tokio::test]
async fn a_name_whose_only_definition_is_deleted_is_missing_and_created_again() {
    let sim = spawn_sim(small_org()).await;
    let settings = settings_for(&sim);
    let (id, name) = sim.skills().await.remove(0);
    sim.ok(Method::DELETE, &format!("{SKILLS}/{id}"), None)
        .await;
    let csv = format!("agent,type,name,proficiency\nagent00001@example.com,skill,{name},3\n");
    let (code, text) = sync(&settings, &csv, false, &BTreeMap::new()).await;
    assert_eq!(code, 2, "{text}");
    assert_eq!(names(&json(&text)["missing"]), [name.as_str()]);
    let (code, text) = sync(&settings, &csv, true, &BTreeMap::new()).await;
    assert_eq!(code, 0, "{text}");
    assert!(sim.skills().await.iter().any(|(_, n)| *n == name));
}

#[tokio::test]
async fn on_cxone_missing_names_are_reported_and_create_is_refused_per_name() {
    let sim = crate::cxone_helpers::spawn_cxone_sim(crate::cxone_helpers::cx_org()).await;
    let settings = crate::cxone_apply::cx_settings(&sim);
    sim.reset_stats().await;
    let csv = "agent,type,name,proficiency\nagent00001@example.com,skill,New_Skill,1\n";
    let (code, text) = sync(&settings, csv, false, &BTreeMap::new()).await;
    assert_eq!(code, 2, "{text}");
    assert_eq!(names(&json(&text)["missing"]), ["New_Skill"]);
    let (code, text) = sync(&settings, csv, true, &BTreeMap::new()).await;
    assert_eq!(code, 1, "{text}");
    assert!(text.contains("not supported on this platform"), "{text}");
    assert_eq!(sim.stats().await.writes, 0);
}
