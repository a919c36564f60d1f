//! The audit log: append-only, intents completed once, settled when their process died.

use chrono::TimeDelta;
use serde_json::json;

use skillsync::store::{AuditFilter, AuditIntent, AuditOutcome, AuditStatus, Lane};

use crate::Db;

on_both_backends!(
    the_audit_log_is_append_only,
    a_running_jobs_pending_intents_are_not_settled_while_its_lease_lives,
    audit_rows_filter_by_agent_and_by_a_half_open_time_range,
    audit_rows_filter_by_job_call_and_outcome_and_come_newest_first_when_asked,
);

async fn the_audit_log_is_append_only(db: Db) {
    let store = &db.store;
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
    assert!(db
        .exec(&format!("DELETE FROM audit WHERE id = {done}"))
        .await
        .is_err());
    assert!(db
        .exec(&format!(
            "UPDATE audit SET http_status = 500 WHERE id = {done}"
        ))
        .await
        .is_err());
    assert!(
        db.exec(&format!(
            "UPDATE audit SET call = 'delete_skill' WHERE id = {dangling}"
        ))
        .await
        .is_err(),
        "a pending intent is completed, not rewritten"
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

async fn audit_rows_filter_by_agent_and_by_a_half_open_time_range(db: Db) {
    let store = &db.store;
    let write = |agent: &str| AuditIntent {
        call: "patch_skills".into(),
        agent_key: Some(agent.into()),
        user_id: Some(format!("user-{agent}")),
        job_id: Some(1),
        changes: json!([]),
        ..AuditIntent::default()
    };
    let a = store.audit_intent(&write("a@x")).await.expect("intent");
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    let b = store.audit_intent(&write("b@x")).await.expect("intent");
    let action = store
        .audit_action(&AuditIntent {
            call: "approve".into(),
            actor: Some("ops".into()),
            ..AuditIntent::default()
        })
        .await
        .expect("action");
    let all = store
        .audit(&AuditFilter {
            limit: 10,
            ..Default::default()
        })
        .await
        .expect("rows");
    assert_eq!(all.iter().map(|r| r.id).collect::<Vec<_>>(), [a, b, action]);
    let recorded = &all[2];
    assert_eq!(recorded.outcome.as_str(), "recorded");
    assert!(recorded.finished_at.is_some() && all[0].finished_at.is_none());
    assert_eq!(recorded.actor.as_deref(), Some("ops"));

    let of = |agent: &str| AuditFilter {
        agent: Some(agent.into()),
        limit: 10,
        ..Default::default()
    };
    let by_key = store.audit(&of("b@x")).await.expect("rows");
    let by_user = store.audit(&of("user-b@x")).await.expect("rows");
    assert_eq!(by_key.iter().map(|r| r.id).collect::<Vec<_>>(), [b]);
    assert_eq!(by_user.iter().map(|r| r.id).collect::<Vec<_>>(), [b]);

    let (at_a, at_b) = (all[0].at, all[1].at);
    assert!(at_b - at_a >= TimeDelta::milliseconds(10), "{at_a} {at_b}");
    let range = |since, until| AuditFilter {
        since,
        until,
        limit: 10,
        ..Default::default()
    };
    let from_b = store.audit(&range(Some(at_b), None)).await.expect("rows");
    assert_eq!(from_b.first().map(|r| r.id), Some(b), "since is inclusive");
    let before_b = store.audit(&range(None, Some(at_b))).await.expect("rows");
    assert_eq!(
        before_b.iter().map(|r| r.id).collect::<Vec<_>>(),
        [a],
        "until is exclusive"
    );
    store
        .audit_result(a, AuditOutcome::Failed, None, None, Some("timeout"))
        .await
        .expect("result");
    let a_row = &store.audit(&of("a@x")).await.expect("rows")[0];
    assert_eq!(
        (a_row.outcome.as_str(), a_row.error.as_deref()),
        ("failed", Some("timeout"))
    );
}

async fn a_running_jobs_pending_intents_are_not_settled_while_its_lease_lives(db: Db) {
    let store = &db.store;
    let job = store
        .enqueue_job(skillsync::store::Trigger::Manual, None, None)
        .await
        .expect("queued");
    let claimed = store
        .claim_job("worker-a", 60.0, Lane::Routine)
        .await
        .expect("claim");
    assert_eq!(claimed.map(|j| j.id), Some(job.id));
    let slow_call = store
        .audit_intent(&AuditIntent {
            job_id: Some(job.id),
            call: "patch_skills".into(),
            ..AuditIntent::default()
        })
        .await
        .expect("intent");
    assert_eq!(
        store.settle_pending_audit(0.0).await.expect("settled"),
        0,
        "the worker holding the job may still record the result"
    );
    store
        .audit_result(slow_call, AuditOutcome::Ok, Some(200), None, None)
        .await
        .expect("a late result is still recorded");

    let orphan = store
        .audit_intent(&AuditIntent {
            job_id: Some(job.id),
            call: "delete_skill".into(),
            ..AuditIntent::default()
        })
        .await
        .expect("intent");
    db.expire_job_lease(job.id).await;
    assert_eq!(store.settle_pending_audit(0.0).await.expect("settled"), 1);
    let rows = store
        .audit(&AuditFilter {
            limit: 10,
            ..Default::default()
        })
        .await
        .expect("rows");
    let outcomes: Vec<_> = rows.iter().map(|r| (r.id, r.outcome.as_str())).collect();
    assert_eq!(outcomes, vec![(slow_call, "ok"), (orphan, "unknown")]);
}

async fn audit_rows_filter_by_job_call_and_outcome_and_come_newest_first_when_asked(db: Db) {
    let store = &db.store;
    let write = |job: i64, call: &str| AuditIntent {
        call: call.into(),
        job_id: Some(job),
        changes: json!([]),
        ..AuditIntent::default()
    };
    let patched = store
        .audit_intent(&write(1, "patch"))
        .await
        .expect("intent");
    let deleted = store
        .audit_intent(&write(1, "delete"))
        .await
        .expect("intent");
    let other_job = store
        .audit_intent(&write(2, "patch"))
        .await
        .expect("intent");
    store
        .audit_result(patched, AuditOutcome::Ok, Some(200), None, None)
        .await
        .expect("result");
    store
        .audit_result(other_job, AuditOutcome::Failed, Some(500), None, None)
        .await
        .expect("result");
    let ids = |filter: AuditFilter| async move {
        let filter = AuditFilter {
            limit: 10,
            ..filter
        };
        let rows = store.audit(&filter).await.expect("rows");
        rows.iter().map(|r| r.id).collect::<Vec<_>>()
    };
    let of_job = AuditFilter {
        job_id: Some(1),
        ..AuditFilter::default()
    };
    assert_eq!(ids(of_job.clone()).await, [patched, deleted]);
    let patches = AuditFilter {
        call: Some("patch".into()),
        ..AuditFilter::default()
    };
    assert_eq!(ids(patches.clone()).await, [patched, other_job]);
    let newest_first = AuditFilter {
        newest_first: true,
        ..patches
    };
    assert_eq!(ids(newest_first).await, [other_job, patched]);
    let failed = AuditFilter {
        outcome: Some(AuditStatus::Failed),
        ..AuditFilter::default()
    };
    assert_eq!(ids(failed).await, [other_job]);
    let pending_of_job = AuditFilter {
        outcome: Some(AuditStatus::Pending),
        ..of_job
    };
    assert_eq!(ids(pending_of_job).await, [deleted]);
    assert_eq!(
        store.audit_calls().await.expect("calls"),
        ["delete", "patch"]
    );
}
