//! Deferral and change windows in the store (issue 15): a deferred agent keeps the instant it
//! first waited through re-checks and scans, and loses it once written or converged; a job
//! waiting for a window is claimed only once the window opens, and the newest one supersedes the
//! others; partial reads merged into the routine queue.

use chrono::{TimeDelta, Utc};
use serde_json::json;

use skillsync::domain::LiveAgent;
use skillsync::store::{
    AgentState, DriftFilter, JobStatus, Lane, LastChange, ObservedAgent, Scan, Store, Trigger,
};

use crate::Db;

on_both_backends!(
    a_deferred_agent_keeps_its_first_instant_until_written_or_converged,
    a_job_waiting_for_a_window_is_claimed_when_it_opens_and_the_newest_wins,
    partial_reads_merge_into_the_routine_queue,
);

fn live(n: u32) -> LiveAgent {
    LiveAgent {
        user_id: format!("u{n}"),
        email: Some(format!("agent{n:05}@example.com")),
        ..LiveAgent::default()
    }
}

async fn observe(store: &Store, agent: &LiveAgent, drift_count: usize) {
    let row = ObservedAgent {
        agent_key: None,
        live: agent,
        drift: json!([{"name": "Sales"}]),
        drift_count,
    };
    store
        .save_observed(&[row], Utc::now(), Scan::Partial)
        .await
        .expect("saved");
}

async fn state(store: &Store, user: &str) -> (String, Option<String>) {
    let record = store.agent(user).await.expect("read").expect("agent");
    (record.state.to_string(), record.last_error)
}

async fn a_deferred_agent_keeps_its_first_instant_until_written_or_converged(db: Db) {
    let store = &db.store;
    let (a, b) = (live(1), live(2));
    observe(store, &a, 1).await;
    observe(store, &b, 1).await;
    assert_eq!(store.deferred_since(&a.user_id).await.expect("read"), None);

    store
        .set_agent_deferred(&a.user_id, "agent is INTERACTING")
        .await
        .expect("deferred");
    let first = store
        .deferred_since(&a.user_id)
        .await
        .expect("read")
        .expect("since");
    assert_eq!(
        state(store, &a.user_id).await,
        ("deferred".into(), Some("agent is INTERACTING".into()))
    );
    assert_eq!(
        store.agent_failures(&a.user_id).await.expect("failures"),
        0,
        "waiting is not failing"
    );
    // A re-check defers again, a scan observes again: the first instant stays.
    store
        .set_agent_deferred(&a.user_id, "agent is COMMUNICATING")
        .await
        .expect("deferred");
    observe(store, &a, 1).await;
    assert_eq!(state(store, &a.user_id).await.0, "deferred");
    assert_eq!(
        store.deferred_since(&a.user_id).await.expect("read"),
        Some(first)
    );
    assert_eq!(store.deferred_users().await.expect("users"), vec!["u1"]);
    let drift = store.drift(&DriftFilter::default()).await.expect("drift");
    assert_eq!(drift.summary.deferred, 1);

    // Written: the deferral ends.
    store
        .set_agent_state(&a.user_id, AgentState::Pending, None, LastChange::Now)
        .await
        .expect("pending");
    assert_eq!(store.deferred_since(&a.user_id).await.expect("read"), None);
    // Converged by an observation: likewise.
    store
        .set_agent_deferred(&b.user_id, "outside the change windows")
        .await
        .expect("deferred");
    observe(store, &b, 0).await;
    assert_eq!(state(store, &b.user_id).await.0, "converged");
    assert_eq!(store.deferred_since(&b.user_id).await.expect("read"), None);
    assert!(store.deferred_users().await.expect("users").is_empty());
}

async fn a_job_waiting_for_a_window_is_claimed_when_it_opens_and_the_newest_wins(db: Db) {
    let store = &db.store;
    let first = store
        .enqueue_job(Trigger::Feed, Some(1), None)
        .await
        .expect("queued");
    let claimed = store
        .claim_job("w", 30.0, Lane::Routine)
        .await
        .expect("claim")
        .expect("job");
    assert_eq!(claimed.id, first.id);
    let later = Utc::now() + TimeDelta::hours(1);
    store
        .wait_for_window(first.id, later, Some(json!({"summary": {"agents": 5}})))
        .await
        .expect("waits");
    let job = store.job(first.id).await.expect("read").expect("job");
    assert_eq!(job.status, JobStatus::WaitingWindow);
    assert_eq!(job.plan, Some(json!({"summary": {"agents": 5}})));
    assert!(
        (job.not_before.expect("not_before") - later)
            .num_milliseconds()
            .abs()
            <= 1
    );
    assert!(
        store
            .claim_job("w", 30.0, Lane::Routine)
            .await
            .expect("claim")
            .is_none(),
        "not before its window"
    );

    // A newer job planned meanwhile waits too, and supersedes it.
    let second = store
        .enqueue_job(Trigger::Schedule, None, None)
        .await
        .expect("queued");
    assert_ne!(second.id, first.id, "a waiting job takes no more triggers");
    store
        .claim_job("w", 30.0, Lane::Routine)
        .await
        .expect("claim")
        .expect("job");
    let soon = Utc::now() - TimeDelta::milliseconds(10);
    store
        .wait_for_window(second.id, soon, None)
        .await
        .expect("waits");
    let old = store.job(first.id).await.expect("read").expect("job");
    assert_eq!(old.status, JobStatus::Superseded);

    // Its window has opened: it is claimed before queued jobs.
    let queued = store
        .enqueue_job(Trigger::Manual, None, None)
        .await
        .expect("queued");
    let next = store
        .claim_job("w", 30.0, Lane::Routine)
        .await
        .expect("claim")
        .expect("job");
    assert_eq!(next.id, second.id);
    assert_ne!(next.id, queued.id);
    assert_eq!(next.status, JobStatus::Running);

    // Its items of the urgent part are final: it plans again, after clearing them.
    store
        .create_work_items(second.id, &[("u1", None, "u1")])
        .await
        .expect("items");
    assert!(store.has_open_work_items(second.id).await.expect("open"));
    store
        .update_work_item(
            second.id,
            "u1",
            skillsync::store::ItemOutcome::Deferred { reason: "busy" },
        )
        .await
        .expect("deferred");
    assert!(!store.has_open_work_items(second.id).await.expect("open"));
    assert_eq!(
        store.work_counts(second.id).await.expect("counts"),
        vec![("deferred".to_string(), 1)]
    );
    store.clear_work_items(second.id).await.expect("cleared");
    assert!(!store.has_work_items(second.id).await.expect("items"));
}

async fn partial_reads_merge_into_the_routine_queue(db: Db) {
    let store = &db.store;
    let recheck = store
        .enqueue_job(Trigger::DeferredRecheck, None, None)
        .await
        .expect("queued");
    assert!(!recheck.urgent);
    let same = store
        .enqueue_job(Trigger::DeferredRecheck, None, None)
        .await
        .expect("merged");
    assert_eq!(
        (same.id, same.trigger),
        (recheck.id, Trigger::DeferredRecheck)
    );
    // Two different partial reads make a full scan; any full trigger wins over either.
    let both = store
        .enqueue_job(Trigger::IncrementalScan, None, None)
        .await
        .expect("merged");
    assert_eq!((both.id, both.trigger), (recheck.id, Trigger::Schedule));
    let feed = store
        .enqueue_job(Trigger::Feed, Some(4), None)
        .await
        .expect("merged");
    assert_eq!((feed.id, feed.trigger), (recheck.id, Trigger::Feed));
    let after = store
        .enqueue_job(Trigger::DeferredRecheck, None, None)
        .await
        .expect("merged");
    assert_eq!((after.id, after.trigger), (recheck.id, Trigger::Feed));
}
