//! Feeds and the desired state: versions, snapshots, idempotency, holds, withdrawals, history.

use chrono::{TimeDelta, Utc};
use serde_json::json;

use skillsync::domain::{AgentKeyKind, FeedScope};
use skillsync::store::Accepted;

use crate::fixtures::{accept, accept_new, agent, feed, key, state};
use crate::Db;

on_both_backends!(
    a_partial_feed_replaces_only_its_agents_and_a_snapshot_replaces_everyone,
    the_same_content_twice_is_unchanged_and_an_idempotency_key_replays,
    withdrawing_a_feed_restores_the_state_before_it,
    a_rejected_feed_is_recorded_once_per_idempotency_key_and_changes_nothing,
    a_held_feed_leaves_the_desired_state_until_it_is_released,
    old_history_is_pruned_but_the_state_in_force_stays,
    feeds_whose_job_failed_before_planning_are_adopted_by_the_next_job,
);

async fn a_partial_feed_replaces_only_its_agents_and_a_snapshot_replaces_everyone(db: Db) {
    let store = &db.store;
    accept(
        store,
        &state(
            FeedScope::Partial,
            vec![(1, &[("A", 1.0)]), (2, &[("B", 2.0)])],
        ),
        "h1",
    )
    .await;
    accept(
        store,
        &state(FeedScope::Partial, vec![(2, &[("C", 3.0)])]),
        "h2",
    )
    .await;
    let now = store
        .current_desired(AgentKeyKind::Email)
        .await
        .expect("state");
    assert_eq!(now.scope, FeedScope::Partial);
    assert_eq!(now.agents[&key(1)], agent(&[("A", 1.0)]));
    assert_eq!(now.agents[&key(2)], agent(&[("C", 3.0)]));

    accept(
        store,
        &state(FeedScope::Snapshot, vec![(3, &[("D", 4.0)])]),
        "h3",
    )
    .await;
    let now = store
        .current_desired(AgentKeyKind::Email)
        .await
        .expect("state");
    assert_eq!(now.scope, FeedScope::Snapshot);
    assert_eq!(now.agents.keys().cloned().collect::<Vec<_>>(), vec![key(3)]);
    let seen = store.seen_names().await.expect("seen");
    assert_eq!(
        seen.skills.into_iter().collect::<Vec<_>>(),
        ["A", "B", "C", "D"]
    );
}

async fn the_same_content_twice_is_unchanged_and_an_idempotency_key_replays(db: Db) {
    let store = &db.store;
    let s = state(FeedScope::Partial, vec![(1, &[("A", 1.0)])]);
    assert!(matches!(accept(store, &s, "h1").await, Accepted::New(_)));
    assert!(matches!(
        accept(store, &s, "h1").await,
        Accepted::Unchanged(_)
    ));
    let first = store
        .accept_feed(&feed(FeedScope::Partial, Some("k-1")), &s, "h2", json!([]))
        .await
        .expect("stored");
    let Accepted::New(first) = first else {
        panic!("new version expected")
    };
    let again = store
        .accept_feed(&feed(FeedScope::Partial, Some("k-1")), &s, "h9", json!([]))
        .await
        .expect("stored");
    assert!(matches!(again, Accepted::Replayed(ref f) if f.id == first.id));
}

async fn withdrawing_a_feed_restores_the_state_before_it(db: Db) {
    let store = &db.store;
    accept(
        store,
        &state(
            FeedScope::Snapshot,
            vec![(1, &[("A", 1.0)]), (2, &[("A", 2.0)])],
        ),
        "h1",
    )
    .await;
    let Accepted::New(bad) = accept(
        store,
        &state(FeedScope::Snapshot, vec![(1, &[("A", 5.0)])]),
        "h2",
    )
    .await
    else {
        panic!("new version expected")
    };
    store.withdraw_feed(bad.id).await.expect("withdrawn");
    let now = store
        .current_desired(AgentKeyKind::Email)
        .await
        .expect("state");
    assert_eq!(now.agents.len(), 2);
    assert_eq!(now.agents[&key(1)], agent(&[("A", 1.0)]));
    assert_eq!(
        store
            .feed(bad.id)
            .await
            .expect("read")
            .expect("exists")
            .status
            .as_str(),
        "withdrawn"
    );
}

async fn a_rejected_feed_is_recorded_once_per_idempotency_key_and_changes_nothing(db: Db) {
    let store = &db.store;
    let errors = json!([{"line": 2, "message": "unknown proficiency"}]);
    let first = store
        .record_rejected_feed(
            &feed(FeedScope::Partial, Some("k-9")),
            errors.clone(),
            json!([]),
        )
        .await
        .expect("recorded");
    let again = store
        .record_rejected_feed(
            &feed(FeedScope::Partial, Some("k-9")),
            errors.clone(),
            json!([]),
        )
        .await
        .expect("recorded");
    assert_eq!((first.id, first.status.as_str()), (again.id, "rejected"));
    assert_eq!(first.errors, Some(errors));
    let stored = store
        .feed_by_idempotency_key("k-9")
        .await
        .expect("read")
        .expect("stored");
    assert_eq!(stored.id, first.id);
    assert!(store
        .feed_by_idempotency_key("k-0")
        .await
        .expect("read")
        .is_none());
    assert_eq!(store.desired_count().await.expect("count"), 0);
    let (feeds, total) = store.feeds(10, 0).await.expect("feeds");
    assert_eq!((feeds.len(), total), (1, 1));
    assert!(
        store.last_feed_per_source().await.expect("ages").is_empty(),
        "a rejected feed is no feed of its source"
    );
}

async fn a_held_feed_leaves_the_desired_state_until_it_is_released(db: Db) {
    let store = &db.store;
    let base = accept_new(
        store,
        &state(
            FeedScope::Snapshot,
            vec![(1, &[("A", 1.0)]), (2, &[("A", 2.0)])],
        ),
        "h1",
    )
    .await;
    let risky = accept_new(
        store,
        &state(FeedScope::Snapshot, vec![(1, &[("B", 3.0)])]),
        "h2",
    )
    .await;
    assert_eq!(
        store.previous_snapshot_agents(risky).await.expect("read"),
        Some(2)
    );
    assert_eq!(
        store.previous_snapshot_agents(base).await.expect("read"),
        None
    );
    store.set_feed_job(risky, 41).await.expect("linked");
    store.hold_feed(risky).await.expect("held");
    let now = store
        .current_desired(AgentKeyKind::Email)
        .await
        .expect("state");
    assert_eq!(now.agents.len(), 2, "the held snapshot is out");
    assert_eq!(
        store
            .seen_names()
            .await
            .expect("seen")
            .skills
            .into_iter()
            .collect::<Vec<_>>(),
        ["A"],
        "a held feed's names are not managed"
    );
    store.release_feed(risky).await.expect("released");
    assert_eq!(store.desired_count().await.expect("count"), 1);
    let desired = store
        .desired_for("agent00001@example.com")
        .await
        .expect("read")
        .expect("in force");
    assert_eq!(desired["skills"]["B"], 3.0);
    assert!(store
        .desired_for("agent00002@example.com")
        .await
        .expect("read")
        .is_none());
    let released = store.feed(risky).await.expect("read").expect("feed");
    assert_eq!(
        (released.status.as_str(), released.job_id),
        ("accepted", Some(41))
    );
    // Releasing twice changes nothing.
    store.release_feed(risky).await.expect("no-op");
    assert_eq!(store.desired_count().await.expect("count"), 1);
}

async fn old_history_is_pruned_but_the_state_in_force_stays(db: Db) {
    let store = &db.store;
    accept_new(
        store,
        &state(
            FeedScope::Partial,
            vec![(1, &[("A", 1.0)]), (2, &[("A", 2.0)])],
        ),
        "h1",
    )
    .await;
    let second = accept_new(
        store,
        &state(FeedScope::Partial, vec![(1, &[("A", 4.0)])]),
        "h2",
    )
    .await;
    let before = Utc::now() - TimeDelta::hours(1);
    assert_eq!(store.prune_feed_history(before).await.expect("pruned"), 0);
    let later = Utc::now() + TimeDelta::seconds(1);
    // While the second feed's job is undecided it may yet be held, and holding it rebuilds the
    // state from the rows before it.
    let job = store
        .enqueue_job(skillsync::store::Trigger::Feed, Some(second), None)
        .await
        .expect("queued");
    assert_eq!(store.prune_feed_history(later).await.expect("pruned"), 0);
    store
        .finish_job(
            job.id,
            skillsync::store::JobStatus::Succeeded,
            json!({}),
            None,
        )
        .await
        .expect("finished");
    // Agent 1's first row is superseded; agent 2's first row and agent 1's second are in force.
    assert_eq!(store.prune_feed_history(later).await.expect("pruned"), 1);
    let now = store
        .current_desired(AgentKeyKind::Email)
        .await
        .expect("state");
    assert_eq!(now.agents[&key(1)], agent(&[("A", 4.0)]));
    assert_eq!(now.agents[&key(2)], agent(&[("A", 2.0)]));
    let ages = store.last_feed_per_source().await.expect("ages");
    let received = store
        .feed(second)
        .await
        .expect("read")
        .expect("feed")
        .received_at;
    assert_eq!(ages, vec![("hr".to_string(), received)]);
    assert!(
        (Utc::now() - received).abs() < TimeDelta::minutes(1),
        "{received}"
    );
}

async fn feeds_whose_job_failed_before_planning_are_adopted_by_the_next_job(db: Db) {
    use skillsync::store::{JobStatus, Trigger};
    let store = &db.store;
    let unchecked = accept_new(
        store,
        &state(FeedScope::Snapshot, vec![(1, &[("A", 1.0)])]),
        "h1",
    )
    .await;
    let failed = store
        .enqueue_job(Trigger::Feed, Some(unchecked), None)
        .await
        .expect("queued");
    store
        .set_feed_job(unchecked, failed.id)
        .await
        .expect("linked");
    store
        .finish_job(
            failed.id,
            JobStatus::Failed,
            json!({}),
            Some("platform down"),
        )
        .await
        .expect("failed before planning");
    let checked = accept_new(
        store,
        &state(FeedScope::Partial, vec![(2, &[("A", 1.0)])]),
        "h2",
    )
    .await;
    let planned = store
        .enqueue_job(Trigger::Feed, Some(checked), None)
        .await
        .expect("queued");
    store
        .set_feed_job(checked, planned.id)
        .await
        .expect("linked");
    store
        .set_job_plan(planned.id, json!({}))
        .await
        .expect("planned");
    store
        .finish_job(planned.id, JobStatus::Failed, json!({}), Some("later"))
        .await
        .expect("failed after planning");

    let scan = store
        .enqueue_job(Trigger::Schedule, None, None)
        .await
        .expect("queued");
    assert_eq!(
        store.adopt_unchecked_feeds(scan.id).await.expect("adopted"),
        1
    );
    let scan = store.job(scan.id).await.expect("job").expect("exists");
    assert_eq!(
        (scan.trigger.as_str(), scan.feed_id),
        ("feed", Some(unchecked))
    );
    let feeds: Vec<i64> = store
        .feeds_of_job(&scan)
        .await
        .expect("feeds")
        .iter()
        .map(|f| f.id)
        .collect();
    assert_eq!(
        feeds,
        vec![unchecked],
        "a feed whose plan was checked is not adopted"
    );
    store
        .set_job_plan(scan.id, json!({}))
        .await
        .expect("planned");
    store
        .finish_job(scan.id, JobStatus::Succeeded, json!({}), None)
        .await
        .expect("finished");
    let next = store
        .enqueue_job(Trigger::Schedule, None, None)
        .await
        .expect("queued");
    assert_eq!(
        store.adopt_unchecked_feeds(next.id).await.expect("adopted"),
        0,
        "adopted once: the adopting job checked it"
    );
}
