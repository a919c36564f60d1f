//! `skillsync apply` keeps the daemon's audit record: a JSON Lines file beside the feed (or
//! `--audit FILE`), or `--database URL`; an intent before every write, and no write without one.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde_json::Value;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

use crate::helpers::{
    daemon_settings, database_url, settings_for, small_org, spawn_daemon, spawn_sim,
};
use skillsync::cli::audit::AuditError;
use skillsync::cli::{ApplyArgs, CliError, FeedArgs, OutputFormat};
use skillsync::domain::FeedScope;
use skillsync::feed::FeedFormat;
use skillsync::store::{AuditFilter, Store};

const FEED: &str = "agent,type,name,proficiency
agent00001@example.com,skill,Billing_L1,3
agent00001@example.com,skill,Sales_L1,Expert
agent00002@example.com,skill,Billing_L1,2
agent00003@example.com,language,German,4
agent00004@example.com,skill,Sales_L1,1
";

/// The fields of a `GET /v1/audit` entry.
const FIELDS: &[&str] = &[
    "id",
    "at",
    "job_id",
    "feed_id",
    "agent_key",
    "user_id",
    "call",
    "changes",
    "outcome",
    "http_status",
    "correlation_id",
    "error",
    "actor",
    "finished_at",
];

/// A fresh directory holding `feed.csv`.
fn feed_dir(csv: &str) -> (PathBuf, PathBuf) {
    let dir =
        std::env::temp_dir().join(format!("skillsync-audit-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let feed = dir.join("feed.csv");
    std::fs::write(&feed, csv).expect("feed written");
    (dir, feed)
}

fn args(feed: &Path, audit: Option<PathBuf>, database: Option<String>) -> ApplyArgs {
    ApplyArgs {
        feed: FeedArgs {
            feed: feed.to_path_buf(),
            scope: FeedScope::Partial,
            feed_format: None,
        },
        approve: true,
        settle: None,
        format: OutputFormat::Json,
        audit,
        database,
    }
}

async fn apply(settings: &skillsync::config::Settings, args: &ApplyArgs) -> Result<i32, CliError> {
    skillsync::cli::run_apply(args, settings, std::io::empty(), &mut Vec::new()).await
}

fn lines(path: &Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .expect("audit file")
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON object per line"))
        .collect()
}

fn keys(entry: &Value) -> BTreeSet<String> {
    entry.as_object().expect("object").keys().cloned().collect()
}

/// Asserts each write has its intent line, then its result line, and returns the intents.
fn intents_before_results(lines: &[Value]) -> Vec<&Value> {
    let fields: BTreeSet<String> = FIELDS.iter().map(|f| f.to_string()).collect();
    let mut intents = Vec::new();
    for (n, line) in lines.iter().enumerate() {
        assert_eq!(keys(line), fields, "line {n}: {line}");
        let id = &line["id"];
        if line["outcome"] == "pending" {
            assert!(line["finished_at"].is_null(), "{line}");
            assert!(!line["changes"].as_array().expect("changes").is_empty());
            assert!(line["actor"].as_str().expect("actor").starts_with("cli"));
            intents.push(line);
            continue;
        }
        let intent = lines[..n]
            .iter()
            .find(|l| l["id"] == *id && l["outcome"] == "pending")
            .unwrap_or_else(|| panic!("result before its intent: {line}"));
        for same in ["at", "agent_key", "user_id", "call", "changes", "actor"] {
            assert_eq!(line[same], intent[same], "{same} of {id}");
        }
        assert!(line["finished_at"].is_string(), "{line}");
    }
    for intent in &intents {
        let results = lines
            .iter()
            .filter(|l| l["id"] == intent["id"] && l["outcome"] != "pending")
            .count();
        assert_eq!(results, 1, "one result for {intent}");
    }
    intents
}

#[tokio::test]
async fn apply_writes_an_audit_file_beside_the_feed_with_an_intent_before_each_write() {
    let sim = spawn_sim(small_org()).await;
    let (dir, feed) = feed_dir(FEED);
    let code = apply(&settings_for(&sim), &args(&feed, None, None)).await;
    assert_eq!(code.expect("ran"), 0);

    let lines = lines(&dir.join("feed.csv.audit.jsonl"));
    let intents = intents_before_results(&lines);
    assert_eq!(intents.len() as u64, sim.stats().await.writes);
    assert!(lines.iter().all(|l| l["outcome"] != "failed"), "{lines:?}");
    assert!(intents
        .iter()
        .any(|i| i["agent_key"] == "agent00003@example.com"));
    let ids: Vec<i64> = intents
        .iter()
        .map(|i| i["id"].as_i64().expect("id"))
        .collect();
    assert_eq!(ids, (1..=ids.len() as i64).collect::<Vec<_>>());
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn apply_appends_to_the_audit_file_it_is_given_and_keeps_earlier_runs() {
    let sim = spawn_sim(small_org()).await;
    let settings = settings_for(&sim);
    let (dir, feed) = feed_dir(FEED);
    let audit = dir.join("records").join("apply.jsonl");
    std::fs::create_dir_all(audit.parent().expect("parent")).expect("dir");

    assert_eq!(
        apply(&settings, &args(&feed, Some(audit.clone()), None))
            .await
            .expect("ran"),
        0
    );
    let first = std::fs::read_to_string(&audit).expect("first run");
    let first_writes = sim.stats().await.writes;
    assert!(first_writes > 0);

    sim.reset_stats().await;
    std::fs::write(&feed, FEED.replace("Billing_L1,2", "Billing_L1,4")).expect("feed changed");
    assert_eq!(
        apply(&settings, &args(&feed, Some(audit.clone()), None))
            .await
            .expect("ran"),
        0
    );
    let both = std::fs::read_to_string(&audit).expect("second run");
    assert!(
        both.starts_with(&first),
        "the first run's lines are kept as they were"
    );
    let all = lines(&audit);
    let intents = intents_before_results(&all);
    assert_eq!(
        intents.len() as u64,
        first_writes + sim.stats().await.writes
    );
    let ids: BTreeSet<i64> = intents
        .iter()
        .map(|i| i["id"].as_i64().expect("id"))
        .collect();
    assert_eq!(ids.len(), intents.len(), "ids continue across runs");
    assert!(
        !dir.join("feed.csv.audit.jsonl").exists(),
        "nothing beside the feed"
    );
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn apply_with_an_audit_file_it_cannot_write_makes_no_platform_write() {
    let sim = spawn_sim(small_org()).await;
    let settings = settings_for(&sim);
    let (dir, feed) = feed_dir(FEED);

    let missing = dir.join("no-such-dir").join("audit.jsonl");
    let err = apply(&settings, &args(&feed, Some(missing), None))
        .await
        .expect_err("refused");
    assert!(
        matches!(err, CliError::Audit(AuditError::Open { .. })),
        "{err}"
    );
    assert!(err.to_string().contains("nothing was written"), "{err}");

    // Never appended to something that is not an audit file, such as the feed itself.
    let err = apply(&settings, &args(&feed, Some(feed.clone()), None))
        .await
        .expect_err("refused");
    assert!(
        matches!(err, CliError::Audit(AuditError::NotAnAuditFile { .. })),
        "{err}"
    );
    assert_eq!(std::fs::read_to_string(&feed).expect("feed"), FEED);

    let mut stdin = args(Path::new("-"), None, None);
    stdin.feed.feed_format = Some(FeedFormat::Csv);
    let err = skillsync::cli::run_apply(&stdin, &settings, FEED.as_bytes(), &mut Vec::new())
        .await
        .expect_err("refused");
    assert!(
        matches!(err, CliError::Audit(AuditError::NoDestination)),
        "{err}"
    );

    // A file that opens but takes no line (a full disk): every intent fails, so every write
    // is refused, and the run fails.
    if Path::new("/dev/full").exists() {
        let full = args(&feed, Some(PathBuf::from("/dev/full")), None);
        assert_eq!(apply(&settings, &full).await.expect("ran"), 1);
    }
    assert_eq!(sim.stats().await.writes, 0);
    let _ = std::fs::remove_dir_all(dir);
}

/// The fields both records have in common with the platform's answers, one write each.
fn writes(entries: &[&Value]) -> Vec<String> {
    let mut out: Vec<String> = entries
        .iter()
        .map(|e| {
            let mut e = (*e).clone();
            let object = e.as_object_mut().expect("object");
            for varies in ["id", "at", "finished_at", "correlation_id"] {
                object.remove(varies);
            }
            e.to_string()
        })
        .collect();
    out.sort();
    out
}

#[sqlx::test(migrations = false)]
async fn apply_with_database_journals_the_rows_the_daemon_shows_and_the_file_matches_them(
    _: PgPoolOptions,
    db: PgConnectOptions,
) {
    let url = database_url(&db);
    let sim = spawn_sim(small_org()).await;
    let (dir, feed) = feed_dir(FEED);
    let code = apply(&settings_for(&sim), &args(&feed, None, Some(url.clone()))).await;
    assert_eq!(code.expect("ran"), 0);
    assert!(
        !dir.join("feed.csv.audit.jsonl").exists(),
        "the database instead of the file"
    );
    let writes_made = sim.stats().await.writes;

    let daemon = spawn_daemon(daemon_settings(&sim, &url)).await;
    let shown = daemon.get_json("/v1/audit?limit=1000").await;
    daemon.stop().await;
    let rows: Vec<&Value> = shown["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .filter(|e| e["actor"].as_str().is_some_and(|a| a.starts_with("cli")))
        .collect();
    assert_eq!(rows.len() as u64, writes_made);
    for row in &rows {
        assert_eq!(row["outcome"], "ok", "{row}");
        assert!(row["job_id"].is_null() && row["feed_id"].is_null(), "{row}");
    }

    // The same feed on a twin platform, recorded in a file: the same entries, field for field.
    let twin = spawn_sim(small_org()).await;
    assert_eq!(
        apply(&settings_for(&twin), &args(&feed, None, None))
            .await
            .expect("ran"),
        0
    );
    let lines = lines(&dir.join("feed.csv.audit.jsonl"));
    let results: Vec<&Value> = lines.iter().filter(|l| l["outcome"] != "pending").collect();
    assert_eq!(keys(results[0]), keys(rows[0]));
    assert_eq!(writes(&results), writes(&rows));
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn apply_with_a_sqlite_database_journals_into_it() {
    let sim = spawn_sim(small_org()).await;
    let (dir, feed) = feed_dir(FEED);
    let url = format!("sqlite://{}", dir.join("audit.db").display());
    let code = apply(&settings_for(&sim), &args(&feed, None, Some(url.clone()))).await;
    assert_eq!(code.expect("ran"), 0);

    let store = Store::connect_lazy(&url, 1).expect("store");
    let filter = AuditFilter {
        limit: 1000,
        ..AuditFilter::default()
    };
    let rows = store.audit(&filter).await.expect("rows");
    store.close().await;
    assert_eq!(rows.len() as u64, sim.stats().await.writes);
    assert!(rows
        .iter()
        .all(|r| r.outcome.as_str() == "ok" && r.finished_at.is_some()));
    assert!(rows
        .iter()
        .any(|r| r.agent_key.as_deref() == Some("agent00001@example.com")));
    let _ = std::fs::remove_dir_all(dir);
}
