//! Many approvals and rejections of the same held job at once: exactly one wins, every other
//! gets a 409, and the job, its feed and the audit trail agree on the one decision.

use futures::future::join_all;
use reqwest::{Method, StatusCode};
use serde_json::Value;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use std::time::Duration;

use super::{Target, FEED};
use crate::helpers::{database_url, small_org, spawn_sim, INGEST_TOKEN};

/// Posts `csv` as a snapshot and waits until its job is held or done; the feed and job ids and
/// whether it was held.
async fn settled(target: &Target, csv: &str) -> (i64, i64, bool) {
    let (status, text) = target
        .send(
            Method::POST,
            "/v1/feeds?source=hr&scope=snapshot",
            Some(INGEST_TOKEN),
            Some("text/csv"),
            csv.into(),
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{text}");
    let answer: Value = serde_json::from_str(&text).expect("json");
    let (feed, job) = (
        answer["feed_id"].as_i64().expect("feed"),
        answer["job_id"].as_i64().expect("job"),
    );
    for _ in 0..300 {
        let status = target.get_json(&format!("/v1/jobs/{job}")).await["job"]["status"].clone();
        if status == "held" || status == "succeeded" {
            return (feed, job, status == "held");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("job {job} did not settle");
}

/// Sends 12 approvals and 12 rejections of `job` at once; the winning decision.
async fn race(target: &Target, job: i64) -> &'static str {
    let decisions = (0..24).map(|i| async move {
        let decision = if i % 2 == 0 { "approve" } else { "reject" };
        let path = format!("/v1/jobs/{job}/{decision}");
        let (status, text) = target
            .send(Method::POST, &path, Some(INGEST_TOKEN), None, Vec::new())
            .await;
        (decision, status, text)
    });
    let answers = join_all(decisions).await;
    let winners: Vec<_> = answers
        .iter()
        .filter(|(_, s, _)| *s == StatusCode::OK)
        .collect();
    assert_eq!(winners.len(), 1, "exactly one decision wins: {answers:?}");
    for (_, status, text) in &answers {
        assert!(
            *status == StatusCode::OK || *status == StatusCode::CONFLICT,
            "{status} {text}"
        );
    }
    winners[0].0
}

/// Waits until an approved `job` has run; it must have succeeded.
async fn wait_done(target: &Target, job: i64) {
    for _ in 0..300 {
        let status = target.get_json(&format!("/v1/jobs/{job}")).await["job"]["status"].clone();
        if status != "approved" && status != "running" && status != "queued" {
            assert_eq!(status, "succeeded", "job {job}");
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("job {job} did not finish");
}

/// The operator actions the audit log holds for `job`.
async fn decisions_audited(target: &Target, job: i64) -> Vec<String> {
    let audit = target.get_json("/v1/audit?limit=1000").await;
    audit["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .filter(|e| e["job_id"] == job && (e["call"] == "approve" || e["call"] == "reject"))
        .map(|e| e["call"].as_str().unwrap_or_default().to_string())
        .collect()
}

#[sqlx::test(migrations = false)]
async fn abuse_racing_approvals_and_rejections_of_a_held_job_have_one_winner(
    _: PgPoolOptions,
    db: PgConnectOptions,
) {
    let sim = spawn_sim(small_org()).await;
    // Any removal is held: every feed after the first is decided by an operator.
    let target = Target::start(
        &database_url(&db),
        &sim,
        &[("SKILLSYNC__SAFETY__MAX_DESTRUCTIVE", "0")],
    )
    .await;
    let (_, first, held) = settled(&target, FEED).await;
    if held {
        // The starting state is put in force by one approval, not a race.
        let path = format!("/v1/jobs/{first}/approve");
        let (status, text) = target
            .send(Method::POST, &path, Some(INGEST_TOKEN), None, Vec::new())
            .await;
        assert_eq!(status, StatusCode::OK, "{text}");
        wait_done(&target, first).await;
    }
    // Each round removes one more line from the state in force: a removal, so held.
    let lines: Vec<&str> = FEED.lines().collect();
    for round in 0..3 {
        let csv = format!("{}\n", lines[..lines.len() - 1 - round].join("\n"));
        let (feed, job, held) = settled(&target, &csv).await;
        assert!(held, "a removal is held");
        let winner = race(&target, job).await;
        assert_eq!(
            decisions_audited(&target, job).await,
            vec![winner.to_string()],
            "one audit entry"
        );
        let feed_status = target.get_json(&format!("/v1/feeds/{feed}")).await["status"].clone();
        let job_status = target.get_json(&format!("/v1/jobs/{job}")).await["job"]["status"].clone();
        match winner {
            "reject" => {
                assert_eq!(job_status, "rejected");
                assert_eq!(feed_status, "withdrawn");
            }
            _ => {
                assert_ne!(job_status, "rejected");
                assert_ne!(feed_status, "withdrawn");
                wait_done(&target, job).await;
            }
        }
    }
    assert!(
        target.server_errors().is_empty(),
        "{:?}",
        target.server_errors()
    );
}
