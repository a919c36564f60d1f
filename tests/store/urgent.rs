//! The urgent lane (issue 14): certification instants and one-agent runs are queued apart from
//! routine jobs, never merged into them, and claimed beside a running routine job.

use chrono::{TimeDelta, Utc};
use serde_json::json;

use skillsync::store::{JobStatus, Lane, Trigger};

use crate::Db;

on_both_backends!(
    urgent_jobs_are_never_merged_into_routine_ones,
    an_urgent_job_runs_beside_a_routine_job_one_per_lane,
);

async fn urgent_jobs_are_never_merged_into_routine_ones(db: Db) {
    let store = &db.store;
    let routine = store
        .enqueue_job(Trigger::Feed, Some(3), None)
        .await
        .expect("queued");
    assert!(!routine.urgent);
    let later = Utc::now();
    let earlier = later - TimeDelta::seconds(30);
    let cert = store
        .enqueue_certification_job(later)
        .await
        .expect("queued");
    assert!(cert.urgent);
    assert_ne!(cert.id, routine.id, "not coalesced behind the feed job");
    let merged = store
        .enqueue_certification_job(earlier)
        .await
        .expect("merged");
    assert_eq!((merged.id, merged.coalesced), (cert.id, 1));
    let since = merged.transitions_since.expect("since");
    assert!(
        (since - earlier).num_milliseconds().abs() <= 1,
        "the earlier instant wins, so no transition is left out: {since} vs {earlier}"
    );

    let one = store
        .enqueue_job(Trigger::Manual, None, Some("a@example.com"))
        .await
        .expect("queued");
    let same = store
        .enqueue_job(Trigger::Manual, None, Some("a@example.com"))
        .await
        .expect("merged");
    let other = store
        .enqueue_job(Trigger::Manual, None, Some("b@example.com"))
        .await
        .expect("queued");
    assert!(one.urgent);
    assert_eq!(same.id, one.id, "the same agent's runs merge");
    assert_eq!(same.agent.as_deref(), Some("a@example.com"));
    assert_ne!(
        other.id, one.id,
        "another agent's run is not widened to everyone"
    );
    let scan = store
        .enqueue_job(Trigger::Schedule, None, None)
        .await
        .expect("merged");
    assert_eq!(scan.id, routine.id, "routine triggers still merge");
}

async fn an_urgent_job_runs_beside_a_routine_job_one_per_lane(db: Db) {
    let store = &db.store;
    let feed = store
        .enqueue_job(Trigger::Feed, Some(1), None)
        .await
        .expect("queued");
    let running = store
        .claim_job("w", 30.0, Lane::Routine)
        .await
        .expect("claim")
        .expect("the feed job");
    assert_eq!(running.id, feed.id);
    let cert = store
        .enqueue_certification_job(Utc::now())
        .await
        .expect("queued");
    let agent = store
        .enqueue_job(Trigger::Manual, None, Some("a@example.com"))
        .await
        .expect("queued");
    let urgent = store
        .claim_job("w", 30.0, Lane::Urgent)
        .await
        .expect("claim")
        .expect("claimed while the feed job runs");
    assert_eq!(urgent.id, cert.id, "oldest urgent job first");
    assert!(
        store
            .claim_job("other", 30.0, Lane::Urgent)
            .await
            .expect("claim")
            .is_none(),
        "one urgent job at a time"
    );
    let scan = store
        .enqueue_job(Trigger::Schedule, None, None)
        .await
        .expect("queued");
    assert!(
        store
            .claim_job("other", 30.0, Lane::Routine)
            .await
            .expect("claim")
            .is_none(),
        "one routine job at a time"
    );
    store
        .finish_job(cert.id, JobStatus::Succeeded, json!({}), None)
        .await
        .expect("finished");
    let next = store
        .claim_job("w", 30.0, Lane::Urgent)
        .await
        .expect("claim")
        .expect("the one-agent run");
    assert_eq!(
        next.id, agent.id,
        "the urgent lane never takes routine jobs"
    );
    store
        .finish_job(feed.id, JobStatus::Succeeded, json!({}), None)
        .await
        .expect("finished");
    let routine = store
        .claim_job("w", 30.0, Lane::Routine)
        .await
        .expect("claim")
        .expect("the scan");
    assert_eq!(routine.id, scan.id);
}
