//! The PostgreSQL store against a real database: each test gets its own, migrated.

use std::collections::BTreeMap;

use chrono::Utc;
use serde_json::json;
use sqlx::PgPool;

use skillsync::domain::{
    AgentDesired, AgentKey, AgentKeyKind, DesiredState, FeedScope, LiveAgent, Name, Proficiency,
};
use skillsync::store::{
    Accepted, AuditIntent, AuditOutcome, DriftFilter, JobStatus, NewFeed, ObservedAgent, Store,
    Trigger, WorkStatus,
};

fn agent(skills: &[(&str, f64)]) -> AgentDesired {
    AgentDesired {
        skills: skills
            .iter()
            .map(|(n, p)| {
                (
                    Name::parse(n).expect("name"),
                    Proficiency::nearest(*p).expect("p"),
                )
            })
            .collect::<BTreeMap<_, _>>(),
        ..AgentDesired::default()
    }
}

fn key(n: u32) -> AgentKey {
    AgentKey::Email(format!("agent{n:05}@example.com"))
}

fn state(scope: FeedScope, agents: Vec<(u32, &[(&str, f64)])>) -> DesiredState {
    DesiredState {
        scope,
        agents: agents
            .into_iter()
            .map(|(n, s)| (key(n), agent(s)))
            .collect(),
    }
}

fn feed(scope: FeedScope, idempotency_key: Option<&str>) -> NewFeed {
    NewFeed {
        source: "hr".into(),
        scope,
        format: "csv".into(),
        idempotency_key: idempotency_key.map(str::to_string),
    }
}

async fn accept(store: &Store, s: &DesiredState, hash: &str) -> Accepted {
    store
        .accept_feed(&feed(s.scope, None), s, hash, json!([]))
        .await
        .expect("stored")
}

#[sqlx::test(migrator = "skillsync::store::MIGRATOR")]
async fn a_partial_feed_replaces_only_its_agents_and_a_snapshot_replaces_everyone(pool: PgPool) {
    let store = Store::from_pool(pool);
    accept(
        &store,
        &state(
            FeedScope::Partial,
            vec![(1, &[("A", 1.0)]), (2, &[("B", 2.0)])],
        ),
        "h1",
    )
    .await;
    accept(
        &store,
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
        &store,
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

#[sqlx::test(migrator = "skillsync::store::MIGRATOR")]
async fn the_same_content_twice_is_unchanged_and_an_idempotency_key_replays(pool: PgPool) {
    let store = Store::from_pool(pool);
    let s = state(FeedScope::Partial, vec![(1, &[("A", 1.0)])]);
    assert!(matches!(accept(&store, &s, "h1").await, Accepted::New(_)));
    assert!(matches!(
        accept(&store, &s, "h1").await,
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

#[sqlx::test(migrator = "skillsync::store::MIGRATOR")]
async fn withdrawing_a_feed_restores_the_state_before_it(pool: PgPool) {
    let store = Store::from_pool(pool);
    accept(
        &store,
        &state(
            FeedScope::Snapshot,
            vec![(1, &[("A", 1.0)]), (2, &[("A", 2.0)])],
        ),
        "h1",
    )
    .await;
    let Accepted::New(bad) = accept(
        &store,
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
            .status,
        "withdrawn"
    );
}

#[sqlx::test(migrator = "skillsync::store::MIGRATOR")]
async fn triggers_coalesce_into_one_queued_job_and_only_one_job_runs(pool: PgPool) {
    let store = Store::from_pool(pool);
    let a = store
        .enqueue_job(Trigger::Manual, None, Some("agent00001@example.com"))
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
        .claim_job("w1", 30.0)
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
        store.claim_job("w2", 30.0).await.expect("claim").is_none(),
        "w1's job holds the org"
    );
    // w1 dies: its lease runs out and w2 takes the job over before the queued one.
    sqlx::query("UPDATE jobs SET lease_until = now() - interval '1 second' WHERE id = $1")
        .bind(a.id)
        .execute(store.pool())
        .await
        .expect("expire");
    let taken = store
        .claim_job("w2", 30.0)
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
            .claim_job("w2", 30.0)
            .await
            .expect("claim")
            .map(|j| j.id),
        Some(next.id)
    );
}

#[sqlx::test(migrator = "skillsync::store::MIGRATOR")]
async fn held_jobs_wait_for_a_decision_and_a_newer_hold_supersedes_an_older_scan(pool: PgPool) {
    let store = Store::from_pool(pool);
    let feed_job = store
        .enqueue_job(Trigger::Feed, Some(1), None)
        .await
        .expect("queued");
    store.claim_job("w", 30.0).await.expect("claim");
    store
        .hold_job(feed_job.id, &["too many removals".into()], 80, json!({}))
        .await
        .expect("held");
    let first = store
        .enqueue_job(Trigger::Schedule, None, None)
        .await
        .expect("queued");
    store.claim_job("w", 30.0).await.expect("claim");
    store
        .hold_job(first.id, &["too many removals".into()], 80, json!({}))
        .await
        .expect("held");
    let second = store
        .enqueue_job(Trigger::Schedule, None, None)
        .await
        .expect("queued");
    store.claim_job("w", 30.0).await.expect("claim");
    store
        .hold_job(second.id, &["too many removals".into()], 80, json!({}))
        .await
        .expect("held");
    assert_eq!(
        store
            .job(first.id)
            .await
            .expect("read")
            .expect("job")
            .status,
        "superseded"
    );
    assert_eq!(
        store
            .job(feed_job.id)
            .await
            .expect("read")
            .expect("job")
            .status,
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
        .claim_job("w", 30.0)
        .await
        .expect("claim")
        .expect("approved job runs");
    assert_eq!(claimed.id, second.id);
    assert!(
        store.reject_job(second.id, "ops").await.is_err(),
        "a running job cannot be rejected"
    );
}

#[sqlx::test(migrator = "skillsync::store::MIGRATOR")]
async fn work_items_are_never_claimed_twice_and_expired_leases_are_taken_over(pool: PgPool) {
    let store = Store::from_pool(pool);
    let job = store
        .enqueue_job(Trigger::Manual, None, None)
        .await
        .expect("queued");
    let items: Vec<(String, String)> = (0..50)
        .map(|i| (format!("u{i}"), format!("agent{i}")))
        .collect();
    let new: Vec<(&str, Option<&str>, &str)> = items
        .iter()
        .map(|(u, l)| (u.as_str(), Some(l.as_str()), l.as_str()))
        .collect();
    store
        .create_work_items(job.id, &new)
        .await
        .expect("created");
    store
        .create_work_items(job.id, &new)
        .await
        .expect("idempotent");

    let (a, b) = tokio::join!(
        store.claim_work_items(job.id, "w1", 30.0, 30),
        store.claim_work_items(job.id, "w2", 30.0, 30)
    );
    let (a, b) = (a.expect("claimed"), b.expect("claimed"));
    assert_eq!(a.len() + b.len(), 50);
    let mut all: Vec<&str> = a.iter().chain(&b).map(|i| i.user_id.as_str()).collect();
    all.sort();
    all.dedup();
    assert_eq!(all.len(), 50, "no item went to both workers");
    assert!(store
        .claim_work_items(job.id, "w3", 30.0, 100)
        .await
        .expect("claim")
        .is_empty());

    sqlx::query(
        "UPDATE work_items SET lease_until = now() - interval '1 second' WHERE lease_owner = 'w1'",
    )
    .execute(store.pool())
    .await
    .expect("expire");
    let taken = store
        .claim_work_items(job.id, "w3", 30.0, 100)
        .await
        .expect("claim");
    assert_eq!(taken.len(), a.len());
    assert!(
        taken.iter().all(|i| i.status == WorkStatus::InProgress),
        "taken over mid-write"
    );

    let done = &taken[0];
    store
        .update_work_item(
            job.id,
            &done.user_id,
            WorkStatus::Converged,
            None,
            true,
            false,
            None,
        )
        .await
        .expect("updated");
    let counts = store.work_counts(job.id).await.expect("counts");
    assert!(counts.contains(&("converged".to_string(), 1)), "{counts:?}");
}

#[sqlx::test(migrator = "skillsync::store::MIGRATOR")]
async fn the_audit_log_is_append_only(pool: PgPool) {
    let store = Store::from_pool(pool);
    let intent = AuditIntent {
        call: "patch_skills".into(),
        agent_key: Some("agent00001@example.com".into()),
        changes: json!([{"name": "A", "to": 3.0}]),
        ..AuditIntent::default()
    };
    let done = store.audit_intent(&intent).await.expect("intent");
    store
        .audit_result(done, AuditOutcome::Ok, Some(200), Some("corr-1"), None)
        .await
        .expect("result");
    let dangling = store.audit_intent(&intent).await.expect("intent");
    assert!(sqlx::query("DELETE FROM audit WHERE id = $1")
        .bind(done)
        .execute(store.pool())
        .await
        .is_err());
    assert!(
        sqlx::query("UPDATE audit SET http_status = 500 WHERE id = $1")
            .bind(done)
            .execute(store.pool())
            .await
            .is_err()
    );
    assert_eq!(
        store.settle_pending_audit(3600.0).await.expect("settled"),
        0,
        "young intents may be a live worker's"
    );
    assert_eq!(store.settle_pending_audit(0.0).await.expect("settled"), 1);
    let rows = store
        .audit(&skillsync::store::AuditFilter {
            limit: 10,
            ..Default::default()
        })
        .await
        .expect("rows");
    assert_eq!(
        rows.iter()
            .map(|r| (r.id, r.outcome.as_str()))
            .collect::<Vec<_>>(),
        vec![(done, "ok"), (dangling, "unknown")]
    );
    assert_eq!(rows[0].correlation_id.as_deref(), Some("corr-1"));
}

#[sqlx::test(migrator = "skillsync::store::MIGRATOR")]
async fn observations_drive_drift_totals_and_filters(pool: PgPool) {
    let store = Store::from_pool(pool);
    let live = |n: u32| LiveAgent {
        user_id: format!("u{n}"),
        email: Some(format!("agent{n:05}@example.com")),
        ..LiveAgent::default()
    };
    let (a, b, c) = (live(1), live(2), live(3));
    let observed = [
        ObservedAgent {
            agent_key: Some("agent00001@example.com"),
            live: &a,
            drift: json!([{"name": "Billing_L1"}]),
            drift_count: 1,
        },
        ObservedAgent {
            agent_key: Some("agent00002@example.com"),
            live: &b,
            drift: json!([{"name": "Sales_L1"}]),
            drift_count: 1,
        },
        ObservedAgent {
            agent_key: None,
            live: &c,
            drift: json!([]),
            drift_count: 0,
        },
    ];
    store
        .save_observed(&observed, Utc::now(), true)
        .await
        .expect("saved");
    let page = store
        .drift(&DriftFilter {
            name: Some("Billing_L1".into()),
            limit: 10,
            ..Default::default()
        })
        .await
        .expect("drift");
    assert_eq!(
        (page.summary.observed, page.summary.drifted, page.total),
        (3, 2, 1)
    );
    assert_eq!(page.agents[0].user_id, "u1");
    store
        .set_agent_state("u2", "needs_attention", Some("boom"), false)
        .await
        .expect("state");
    let page = store
        .drift(&DriftFilter {
            state: Some("needs_attention".into()),
            limit: 10,
            ..Default::default()
        })
        .await
        .expect("drift");
    assert_eq!(
        page.agents
            .iter()
            .map(|a| a.user_id.as_str())
            .collect::<Vec<_>>(),
        ["u2"]
    );
    assert_eq!(page.agents[0].consecutive_failures, 1);
    // A full scan without u3 forgets it.
    store
        .save_observed(&observed[..2], Utc::now(), true)
        .await
        .expect("saved");
    assert!(store.agent("u3").await.expect("read").is_none());
    assert!(store
        .agent("agent00001@example.com")
        .await
        .expect("read")
        .is_some());
}
