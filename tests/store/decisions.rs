//! An operator's decision on a held feed job is one transaction: the job, its feeds, the
//! desired state and the audit row change together, and a second decision changes nothing.

use serde_json::json;

use skillsync::domain::{AgentKeyKind, FeedScope};
use skillsync::store::{AuditFilter, Decision, Lane, Store, Trigger};

use crate::fixtures::{accept_new, state};
use crate::Db;

on_both_backends!(
    an_approval_puts_the_feed_in_force_and_is_audited_once,
    a_rejection_withdraws_the_feed_and_a_late_approval_changes_nothing,
);

/// A held job for a snapshot feed, held with it in one transaction, that replaces agent 1's
/// skill A with B.
async fn held_feed_job(store: &Store) -> (i64, i64) {
    accept_new(
        store,
        &state(FeedScope::Snapshot, vec![(1, &[("A", 1.0)])]),
        "h1",
    )
    .await;
    let risky = accept_new(
        store,
        &state(FeedScope::Snapshot, vec![(1, &[("B", 3.0)])]),
        "h2",
    )
    .await;
    let job = store
        .enqueue_job(Trigger::Feed, Some(risky), None)
        .await
        .expect("queued");
    store.set_feed_job(risky, job.id).await.expect("linked");
    store
        .claim_job("w", 30.0, Lane::Routine)
        .await
        .expect("claim");
    store
        .hold_job(
            job.id,
            &["too many removals".into()],
            1,
            json!({}),
            &[risky],
        )
        .await
        .expect("held, with its feed");
    (job.id, risky)
}

async fn skills_of_agent_1(store: &Store) -> Vec<String> {
    let state = store
        .current_desired(AgentKeyKind::Email)
        .await
        .expect("state");
    state
        .agents
        .values()
        .flat_map(|a| a.skills.keys().map(|n| n.to_string()))
        .collect()
}

async fn decisions(store: &Store) -> Vec<(String, Option<String>)> {
    let filter = AuditFilter {
        limit: 100,
        ..AuditFilter::default()
    };
    store
        .audit(&filter)
        .await
        .expect("audit")
        .into_iter()
        .map(|e| (e.call.clone(), e.actor.clone()))
        .collect()
}

async fn an_approval_puts_the_feed_in_force_and_is_audited_once(db: Db) {
    let store = &db.store;
    let (job, feed) = held_feed_job(store).await;
    assert_eq!(skills_of_agent_1(store).await, ["A"], "held: not in force");

    let approved = store
        .decide_held_job(job, "ops", Decision::Approve)
        .await
        .expect("approved");
    assert!(approved.approved());
    let status = store.feed(feed).await.expect("read").map(|f| f.status);
    assert_eq!(status.map(|s| s.to_string()).as_deref(), Some("accepted"));
    assert_eq!(skills_of_agent_1(store).await, ["B"], "in force");
    assert_eq!(
        decisions(store).await,
        [("approve".into(), Some("ops".into()))]
    );

    let again = store.decide_held_job(job, "ops", Decision::Approve).await;
    assert!(again.is_err_and(|e| e.to_string().contains("not held")));
    assert_eq!(decisions(store).await.len(), 1, "no second audit row");
}

async fn a_rejection_withdraws_the_feed_and_a_late_approval_changes_nothing(db: Db) {
    let store = &db.store;
    let (job, feed) = held_feed_job(store).await;
    let rejected = store
        .decide_held_job(job, "auditor", Decision::Reject)
        .await
        .expect("rejected");
    assert_eq!(rejected.status.to_string(), "rejected");
    let status = store.feed(feed).await.expect("read").map(|f| f.status);
    assert_eq!(status.map(|s| s.to_string()).as_deref(), Some("withdrawn"));
    assert_eq!(skills_of_agent_1(store).await, ["A"]);

    let late = store.decide_held_job(job, "ops", Decision::Approve).await;
    assert!(late.is_err_and(|e| e.to_string().contains("not held")));
    let status = store.feed(feed).await.expect("read").map(|f| f.status);
    assert_eq!(status.map(|s| s.to_string()).as_deref(), Some("withdrawn"));
    assert_eq!(
        decisions(store).await,
        [("reject".into(), Some("auditor".into()))]
    );
}
