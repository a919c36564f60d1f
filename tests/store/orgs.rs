//! Orgs sharing one database (issue 14): a store scoped to one org never reads, claims, decides
//! or changes another org's rows, and what was unique is unique per org.

use chrono::{TimeDelta, Utc};
use serde_json::json;
use uuid::Uuid;

use skillsync::domain::{FeedScope, LiveAgent};
use skillsync::store::{
    Accepted, AgentState, Attempt, AuditEntry, AuditFilter, AuditIntent, AuditOutcome, AuditStatus,
    Decision, DriftFilter, FeedStatus, JobStatus, Lane, LastChange, ObservedAgent, Outcome, Scan,
    StoreError, Trigger,
};

use crate::fixtures::{feed, state};
use crate::Db;

on_both_backends!(
    feeds_desired_state_and_names_are_per_org,
    the_same_idempotency_key_may_be_used_by_two_orgs,
    queued_jobs_are_per_org_and_a_claim_takes_only_its_own,
    another_orgs_job_is_not_found,
    observed_agents_and_drift_totals_are_per_org,
    audit_rows_are_per_org_and_cannot_move,
    daemon_state_is_per_org,
    deliveries_are_per_org,
);

async fn feeds_desired_state_and_names_are_per_org(db: Db) {
    let (acme, beta) = (db.store.for_org("acme"), db.store.for_org("beta"));
    assert_eq!(
        (acme.org(), beta.org(), db.store.org()),
        ("acme", "beta", "default")
    );
    let s = state(FeedScope::Snapshot, vec![(1, &[("Billing", 3.0)])]);
    let Accepted::New(stored) = acme
        .accept_feed(&feed(FeedScope::Snapshot, None), &s, "h1", json!([]))
        .await
        .expect("accepted")
    else {
        panic!("a new version expected");
    };
    assert_eq!(acme.feeds(10, 0).await.expect("feeds").1, 1);
    assert_eq!(acme.desired_count().await.expect("count"), 1);
    assert!(acme
        .seen_names()
        .await
        .expect("names")
        .skills
        .contains("Billing"));

    for other in [&beta, &db.store] {
        let (feeds, total) = other.feeds(10, 0).await.expect("feeds");
        assert!(feeds.is_empty() && total == 0, "{}: {feeds:?}", other.org());
        assert!(other.feed(stored.id).await.expect("feed").is_none());
        assert_eq!(other.desired_count().await.expect("count"), 0);
        assert!(other.seen_names().await.expect("names").skills.is_empty());
        assert!(other.last_feed_per_source().await.expect("ages").is_empty());
    }
    // The same content is a new version in another org, and an empty snapshot there leaves the
    // first org's state in force.
    let mine = beta
        .accept_feed(&feed(FeedScope::Snapshot, None), &s, "h1", json!([]))
        .await
        .expect("accepted");
    assert!(matches!(mine, Accepted::New(_)), "{mine:?}");
    let empty = state(FeedScope::Snapshot, vec![]);
    beta.accept_feed(&feed(FeedScope::Snapshot, None), &empty, "h2", json!([]))
        .await
        .expect("accepted");
    assert_eq!(beta.desired_count().await.expect("count"), 0);
    assert_eq!(acme.desired_count().await.expect("count"), 1);

    // Withdrawing or holding acme's feed through beta changes nothing.
    beta.withdraw_feed(stored.id).await.expect("no-op");
    beta.hold_feed(stored.id).await.expect("no-op");
    let kept = acme.feed(stored.id).await.expect("feed").expect("acme's");
    assert_eq!(kept.status, FeedStatus::Accepted);
    assert_eq!(acme.desired_count().await.expect("count"), 1);
    assert!(acme
        .seen_names()
        .await
        .expect("names")
        .skills
        .contains("Billing"));
}

async fn the_same_idempotency_key_may_be_used_by_two_orgs(db: Db) {
    let (acme, beta) = (db.store.for_org("acme"), db.store.for_org("beta"));
    let s = state(FeedScope::Partial, vec![(1, &[("Billing", 3.0)])]);
    let with_key = feed(FeedScope::Partial, Some("key-1"));
    let Accepted::New(a) = acme
        .accept_feed(&with_key, &s, "h", json!([]))
        .await
        .expect("acme")
    else {
        panic!("new expected");
    };
    let Accepted::New(b) = beta
        .accept_feed(&with_key, &s, "h", json!([]))
        .await
        .expect("beta")
    else {
        panic!("new expected in the other org, not a replay");
    };
    assert_ne!(a.id, b.id);
    let again = acme
        .accept_feed(&with_key, &s, "h", json!([]))
        .await
        .expect("acme again");
    assert!(
        matches!(again, Accepted::Replayed(ref r) if r.id == a.id),
        "{again:?}"
    );
    for (store, id) in [(&acme, Some(a.id)), (&beta, Some(b.id)), (&db.store, None)] {
        let found = store
            .feed_by_idempotency_key("key-1")
            .await
            .expect("by key");
        assert_eq!(found.map(|f| f.id), id, "{}", store.org());
    }
    // A rejected feed under a key another org used is stored, not merged into theirs.
    let rejected = db
        .store
        .record_rejected_feed(&with_key, json!([]), json!([]))
        .await
        .expect("rejected");
    assert!(rejected.id != a.id && rejected.id != b.id);
}

async fn queued_jobs_are_per_org_and_a_claim_takes_only_its_own(db: Db) {
    let (acme, beta) = (db.store.for_org("acme"), db.store.for_org("beta"));
    let a = acme
        .enqueue_job(Trigger::Manual, None, None)
        .await
        .expect("acme queued");
    let b = beta
        .enqueue_job(Trigger::Schedule, None, None)
        .await
        .expect("beta queued");
    assert_ne!(a.id, b.id, "each org has its own queued routine job");
    assert_eq!((a.coalesced, b.coalesced), (0, 0));
    let merged = beta
        .enqueue_job(Trigger::Manual, None, None)
        .await
        .expect("merged");
    assert_eq!((merged.id, merged.coalesced), (b.id, 1));

    let claimed = beta
        .claim_job("w", 30.0, Lane::Routine)
        .await
        .expect("claim")
        .expect("beta's job");
    assert_eq!(claimed.id, b.id);
    assert!(beta
        .claim_job("w2", 30.0, Lane::Routine)
        .await
        .expect("claim")
        .is_none());
    let untouched = acme.job(a.id).await.expect("job").expect("acme's");
    assert_eq!(untouched.status, JobStatus::Queued);
    // acme's lane is free although beta's job runs.
    let mine = acme
        .claim_job("w2", 30.0, Lane::Routine)
        .await
        .expect("claim")
        .expect("acme's job");
    assert_eq!(mine.id, a.id);
    assert!(db
        .store
        .claim_job("w3", 30.0, Lane::Routine)
        .await
        .expect("claim")
        .is_none());

    // Work items: beta cannot add to, claim or count acme's job's items.
    acme.create_work_items(a.id, &[("u1", None, "u1")])
        .await
        .expect("items");
    assert!(matches!(
        beta.create_work_items(a.id, &[("u2", None, "u2")]).await,
        Err(StoreError::NotFound(_))
    ));
    assert!(!beta.has_work_items(a.id).await.expect("has"));
    assert!(beta
        .claim_work_items(a.id, "w", 30.0, 10)
        .await
        .expect("claim")
        .is_empty());
    assert_eq!(
        acme.claim_work_items(a.id, "w", 30.0, 10)
            .await
            .expect("claim")
            .len(),
        1
    );
    let (jobs, total) = beta.jobs(None, 10, 0).await.expect("jobs");
    assert_eq!((jobs.len(), total), (1, 1));
    assert_eq!(jobs[0].id, b.id);
}

async fn another_orgs_job_is_not_found(db: Db) {
    let (acme, beta) = (db.store.for_org("acme"), db.store.for_org("beta"));
    let a = acme
        .enqueue_job(Trigger::Manual, None, None)
        .await
        .expect("queued");
    acme.claim_job("w", 30.0, Lane::Routine)
        .await
        .expect("claim")
        .expect("claimed");
    acme.hold_job(a.id, &["too many removals".into()], 80, json!({}), &[])
        .await
        .expect("held");

    assert!(beta.job(a.id).await.expect("job").is_none());
    assert!(matches!(
        beta.approve_job(a.id, "ops").await,
        Err(StoreError::NotFound(_))
    ));
    assert!(matches!(
        beta.decide_held_job(a.id, "ops", Decision::Reject).await,
        Err(StoreError::NotFound(_))
    ));
    beta.finish_job(a.id, JobStatus::Failed, json!({}), Some("no"))
        .await
        .expect("no-op");
    assert!(!beta.renew_job_lease(a.id, "w", 30.0).await.expect("renew"));
    let held = acme.job(a.id).await.expect("job").expect("acme's");
    assert_eq!(held.status, JobStatus::Held);
    assert!(beta.audit(&all()).await.expect("audit").is_empty());

    let approved = acme.approve_job(a.id, "ops").await.expect("approved");
    assert_eq!(approved.status, JobStatus::Approved);
}

fn observed(live: &LiveAgent, drift: usize) -> ObservedAgent<'_> {
    ObservedAgent {
        agent_key: live.email.as_deref(),
        live,
        drift: json!(vec![json!({"name": "Billing"}); drift]),
        drift_count: drift,
    }
}

async fn observed_agents_and_drift_totals_are_per_org(db: Db) {
    let (acme, beta) = (db.store.for_org("acme"), db.store.for_org("beta"));
    let user = |email: &str| LiveAgent {
        user_id: "u1".into(),
        email: Some(email.into()),
        ..LiveAgent::default()
    };
    let (at_acme, at_beta, other) = (
        user("anna@acme.example"),
        user("bo@beta.example"),
        LiveAgent {
            user_id: "u2".into(),
            ..LiveAgent::default()
        },
    );
    acme.save_observed(&[observed(&at_acme, 2)], Utc::now(), Scan::Full)
        .await
        .expect("acme");
    beta.save_observed(
        &[observed(&at_beta, 0), observed(&other, 1)],
        Utc::now(),
        Scan::Full,
    )
    .await
    .expect("beta");
    // A full scan of beta forgets beta's missing users only.
    beta.save_observed(&[observed(&other, 1)], Utc::now(), Scan::Full)
        .await
        .expect("beta again");

    let mine = acme.agent("u1").await.expect("agent").expect("acme's u1");
    assert_eq!(mine.label, "anna@acme.example");
    assert!(beta.agent("u1").await.expect("agent").is_none());
    assert!(acme.agent("u2").await.expect("agent").is_none());

    let filter = DriftFilter {
        limit: 10,
        ..Default::default()
    };
    let a = acme.drift(&filter).await.expect("acme");
    let b = beta.drift(&filter).await.expect("beta");
    let d = db.store.drift(&filter).await.expect("default");
    assert_eq!(
        (
            a.summary.observed,
            a.summary.drifted,
            a.summary.changes,
            a.total
        ),
        (1, 1, 2, 1)
    );
    assert_eq!(
        (
            b.summary.observed,
            b.summary.drifted,
            b.summary.changes,
            b.total
        ),
        (1, 1, 1, 1)
    );
    assert_eq!(b.agents[0].user_id, "u2");
    assert_eq!((d.summary.observed, d.total), (0, 0));
    assert!(d.summary.observed_at.is_none());

    acme.set_agent_state(
        "u1",
        AgentState::NeedsAttention,
        Some("boom"),
        LastChange::Kept,
    )
    .await
    .expect("state");
    assert_eq!(acme.agent_failures("u1").await.expect("failures"), 1);
    assert_eq!(beta.agent_failures("u1").await.expect("failures"), 0);
}

fn all() -> AuditFilter {
    AuditFilter {
        limit: 100,
        ..AuditFilter::default()
    }
}

async fn audit_rows_are_per_org_and_cannot_move(db: Db) {
    let (acme, beta) = (db.store.for_org("acme"), db.store.for_org("beta"));
    let intent = AuditIntent {
        call: "patch_skills".into(),
        agent_key: Some("anna@example.com".into()),
        changes: json!([]),
        ..AuditIntent::default()
    };
    let a = acme.audit_intent(&intent).await.expect("acme intent");
    let b = beta.audit_action(&intent).await.expect("beta action");
    let listed = |rows: Vec<AuditEntry>| -> Vec<i64> { rows.into_iter().map(|r| r.id).collect() };
    assert_eq!(listed(acme.audit(&all()).await.expect("acme")), [a]);
    assert_eq!(listed(beta.audit(&all()).await.expect("beta")), [b]);
    assert!(db.store.audit(&all()).await.expect("default").is_empty());

    // beta can neither complete nor settle acme's pending intent.
    beta.audit_result(a, AuditOutcome::Ok, Some(200), None, None)
        .await
        .expect("no-op");
    assert_eq!(beta.settle_pending_audit(0.0).await.expect("settle"), 0);
    let row = acme.audit(&all()).await.expect("acme").remove(0);
    assert_eq!(row.outcome, AuditStatus::Pending);

    // Moving a row to another org is refused, pending or not.
    for id in [a, b] {
        let moved = db
            .exec(&format!(
                "UPDATE audit SET org = 'elsewhere' WHERE id = {id}"
            ))
            .await;
        assert!(moved.is_err(), "row {id} moved: {moved:?}");
    }
    acme.audit_result(a, AuditOutcome::Ok, Some(200), None, None)
        .await
        .expect("completed");
    let row = acme.audit(&all()).await.expect("acme").remove(0);
    assert_eq!(row.outcome, AuditStatus::Ok);
}

async fn daemon_state_is_per_org(db: Db) {
    let (acme, beta) = (db.store.for_org("acme"), db.store.for_org("beta"));
    acme.set_scan_cursor("acme-1").await.expect("set");
    assert_eq!(beta.scan_cursor().await.expect("get"), None);
    assert_eq!(db.store.scan_cursor().await.expect("get"), None);
    beta.set_scan_cursor("beta-1").await.expect("set");
    acme.set_scan_cursor("acme-2").await.expect("set");
    assert_eq!(
        acme.scan_cursor().await.expect("get").as_deref(),
        Some("acme-2")
    );
    assert_eq!(
        beta.scan_cursor().await.expect("get").as_deref(),
        Some("beta-1")
    );
    beta.set_state_value("warned_until", json!("x"))
        .await
        .expect("set");
    assert_eq!(acme.state_value("warned_until").await.expect("get"), None);
}

async fn deliveries_are_per_org(db: Db) {
    let (acme, beta) = (db.store.for_org("acme"), db.store.for_org("beta"));
    let at = Utc::now() - TimeDelta::seconds(5);
    let attempt = |agent: &str| Attempt {
        event_id: Uuid::from_u128(7),
        event_type: "certification.revoked".into(),
        agent: agent.into(),
        certification: "PCI DSS".into(),
        attempt: 1,
        attempted_at: at,
        status: Some(410),
        error: None,
        outcome: Outcome::Rejected,
    };
    // The same event id in both orgs: ids are deterministic per org's events.
    acme.delivery_log()
        .record(&attempt("anna@acme.example"))
        .await
        .expect("acme");
    beta.delivery_log()
        .record(&attempt("bo@beta.example"))
        .await
        .expect("beta");
    for (store, agent) in [(&acme, "anna@acme.example"), (&beta, "bo@beta.example")] {
        let log = store.delivery_log();
        let attempts = log
            .attempts_for(Uuid::from_u128(7))
            .await
            .expect("attempts");
        assert_eq!(attempts.len(), 1);
        assert_eq!(attempts[0].agent, agent);
        let failures = log
            .failures_since(at - TimeDelta::seconds(1), 10)
            .await
            .expect("failures");
        assert_eq!(failures.len(), 1);
        assert_eq!(failures[0].agent, agent);
    }
    let default = db.store.delivery_log();
    assert!(default
        .attempts_for(Uuid::from_u128(7))
        .await
        .expect("attempts")
        .is_empty());
}
