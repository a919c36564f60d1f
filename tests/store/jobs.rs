//! The job queue: coalescing, one job at a time under a lease, take-over, holds and decisions.

use std::time::Duration;

use serde_json::json;

use skillsync::store::{JobStatus, Lane, Trigger};

use crate::Db;

on_both_backends!(
    triggers_coalesce_into_one_queued_job_and_only_one_job_runs,
    held_jobs_wait_for_a_decision_and_a_newer_hold_supersedes_an_older_scan,
    the_schema_refuses_a_second_queued_job,
    a_released_job_is_claimable_at_once_and_a_failed_source_shows_as_a_job,
    a_restarted_process_takes_over_expired_leases,
);

async fn triggers_coalesce_into_one_queued_job_and_only_one_job_runs(db: Db) {
    let store = &db.store;
    let a = store
        .enqueue_job(Trigger::Manual, None, None)
        .await
        .expect("queued");
    let b = store
        .enqueue_job(Trigger::Feed, Some(7), None)
        .await
        .expect("coalesced");
    assert_eq!(a.id, b.id);
    assert_eq!(
        (
            b.coalesced,
            b.trigger.as_str(),
            b.feed_id,
            b.agent.as_deref()
        ),
        (1, "feed", Some(7), None)
    );

    let running = store
        .claim_job("w1", 30.0, Lane::Routine)
        .await
        .expect("claim")
        .expect("a job");
    assert_eq!(running.id, a.id);
    let next = store
        .enqueue_job(Trigger::Schedule, None, None)
        .await
        .expect("queued");
    assert_ne!(next.id, a.id);
    assert!(
        store
            .claim_job("w2", 30.0, Lane::Routine)
            .await
            .expect("claim")
            .is_none(),
        "w1's job holds the org"
    );
    // w1 dies: its lease runs out and w2 takes the job over before the queued one.
    db.expire_job_lease(a.id).await;
    let taken = store
        .claim_job("w2", 30.0, Lane::Routine)
        .await
        .expect("claim")
        .expect("taken over");
    assert_eq!(taken.id, a.id);
    assert!(
        !store
            .renew_job_lease(a.id, "w1", 30.0)
            .await
            .expect("renew"),
        "w1 lost it"
    );
    store
        .finish_job(a.id, JobStatus::Succeeded, json!({}), None)
        .await
        .expect("finished");
    assert_eq!(
        store
            .claim_job("w2", 30.0, Lane::Routine)
            .await
            .expect("claim")
            .map(|j| j.id),
        Some(next.id)
    );
}

async fn held_jobs_wait_for_a_decision_and_a_newer_hold_supersedes_an_older_scan(db: Db) {
    let store = &db.store;
    let feed_job = store
        .enqueue_job(Trigger::Feed, Some(1), None)
        .await
        .expect("queued");
    store
        .claim_job("w", 30.0, Lane::Routine)
        .await
        .expect("claim");
    store
        .hold_job(
            feed_job.id,
            &["too many removals".into()],
            80,
            json!({}),
            &[],
        )
        .await
        .expect("held");
    let first = store
        .enqueue_job(Trigger::Schedule, None, None)
        .await
        .expect("queued");
    store
        .claim_job("w", 30.0, Lane::Routine)
        .await
        .expect("claim");
    store
        .hold_job(first.id, &["too many removals".into()], 80, json!({}), &[])
        .await
        .expect("held");
    let second = store
        .enqueue_job(Trigger::Schedule, None, None)
        .await
        .expect("queued");
    store
        .claim_job("w", 30.0, Lane::Routine)
        .await
        .expect("claim");
    store
        .hold_job(second.id, &["too many removals".into()], 80, json!({}), &[])
        .await
        .expect("held");
    assert_eq!(
        store
            .job(first.id)
            .await
            .expect("read")
            .expect("job")
            .status
            .as_str(),
        "superseded"
    );
    assert_eq!(
        store
            .job(feed_job.id)
            .await
            .expect("read")
            .expect("job")
            .status
            .as_str(),
        "held",
        "a held feed job waits for its own decision"
    );
    let err = store
        .approve_job(first.id, "ops")
        .await
        .expect_err("not held");
    assert!(err.to_string().contains("not held"), "{err}");
    let approved = store
        .approve_job(second.id, "ops-token")
        .await
        .expect("approved");
    assert!(approved.approved());
    assert_eq!(approved.decided_by.as_deref(), Some("ops-token"));
    let claimed = store
        .claim_job("w", 30.0, Lane::Routine)
        .await
        .expect("claim")
        .expect("approved job runs");
    assert_eq!(claimed.id, second.id);
    assert!(
        store.reject_job(second.id, "ops").await.is_err(),
        "a running job cannot be rejected"
    );
}

async fn the_schema_refuses_a_second_queued_job(db: Db) {
    db.store
        .enqueue_job(Trigger::Manual, None, None)
        .await
        .expect("queued");
    let second = db
        .exec("INSERT INTO jobs (trigger, status) VALUES ('manual', 'queued')")
        .await;
    assert!(second.is_err(), "one queued job at most: {second:?}");
    db.exec("INSERT INTO jobs (trigger, status) VALUES ('manual', 'failed')")
        .await
        .expect("finished jobs are not limited");
}

async fn a_released_job_is_claimable_at_once_and_a_failed_source_shows_as_a_job(db: Db) {
    let store = &db.store;
    let job = store
        .enqueue_job(Trigger::Schedule, None, None)
        .await
        .expect("queued");
    store
        .claim_job("w1", 300.0, Lane::Routine)
        .await
        .expect("claim")
        .expect("job");
    store
        .set_job_plan(job.id, json!({"summary": {"changes": 2}}))
        .await
        .expect("plan");
    assert!(store
        .renew_job_lease(job.id, "w1", 300.0)
        .await
        .expect("renew"));
    // Shutdown: w1 gives the job up, and the next process does not wait for the lease.
    store.release_job(job.id, "w1").await.expect("released");
    let taken = store
        .claim_job("w2", 300.0, Lane::Routine)
        .await
        .expect("claim")
        .expect("taken");
    assert_eq!(taken.id, job.id);
    assert_eq!(taken.plan, Some(json!({"summary": {"changes": 2}})));
    assert!(taken.started_at.is_some());
    assert_eq!(store.last_success().await.expect("read"), None);
    store
        .finish_job(job.id, JobStatus::Succeeded, json!({"converged": 2}), None)
        .await
        .expect("finished");
    let done = store.job(job.id).await.expect("read").expect("job");
    assert_eq!(store.last_success().await.expect("read"), done.finished_at);
    assert!(done.finished_at >= done.started_at);

    let failed = store
        .record_failed_job(Trigger::Schedule, "source hr: 404")
        .await
        .expect("recorded");
    let (failures, total) = store.jobs(Some("failed"), 10, 0).await.expect("jobs");
    assert_eq!(total, 1);
    assert_eq!(failures[0].id, failed);
    assert_eq!(failures[0].error.as_deref(), Some("source hr: 404"));
    let (all, total) = store.jobs(None, 1, 0).await.expect("jobs");
    assert_eq!(
        (all.len(), total, all[0].id),
        (1, 2, failed),
        "newest first"
    );
    let mut counts = store.job_counts().await.expect("counts");
    counts.sort();
    assert_eq!(
        counts,
        [("failed".to_string(), 1), ("succeeded".to_string(), 1)]
    );

    assert_eq!(store.state_value("warned_until").await.expect("read"), None);
    for value in [json!("2026-01-01T00:00:00Z"), json!({"at": 2})] {
        store
            .set_state_value("warned_until", value.clone())
            .await
            .expect("set");
        assert_eq!(
            store.state_value("warned_until").await.expect("read"),
            Some(value)
        );
    }
}

async fn a_restarted_process_takes_over_expired_leases(db: Db) {
    let job = db
        .store
        .enqueue_job(Trigger::Manual, None, None)
        .await
        .expect("queued");
    db.store
        .claim_job("dead", 0.5, Lane::Routine)
        .await
        .expect("claim")
        .expect("job");
    db.store
        .create_work_items(job.id, &[("u1", None, "u1"), ("u2", None, "u2")])
        .await
        .expect("items");
    let claimed = db
        .store
        .claim_work_items(job.id, "dead", 0.5, 10)
        .await
        .expect("claim");
    assert_eq!(claimed.len(), 2);
    // The process dies without releasing anything; a new one opens the same database.
    let successor = db.reopen();
    assert!(
        successor
            .claim_job("next", 30.0, Lane::Routine)
            .await
            .expect("claim")
            .is_none(),
        "the lease is still live"
    );
    tokio::time::sleep(Duration::from_millis(700)).await;
    let taken = successor
        .claim_job("next", 30.0, Lane::Routine)
        .await
        .expect("claim")
        .expect("taken over");
    assert_eq!(taken.id, job.id);
    assert!(!db
        .store
        .renew_job_lease(job.id, "dead", 30.0)
        .await
        .expect("renew"));
    let items = successor
        .claim_work_items(job.id, "next", 30.0, 10)
        .await
        .expect("claim");
    assert_eq!(items.len(), 2);
    assert!(items
        .iter()
        .all(|i| i.status == skillsync::store::WorkStatus::InProgress));
    successor.close().await;
}
