//! Each view must serialize exactly as the store record it replaced as a response body did:
//! clients parse these bodies.

use chrono::{TimeZone, Utc};
use serde::Serialize;
use serde_json::json;

use super::*;
use crate::store::{AgentRecord, AuditEntry, AuditIntent, DriftPage, DriftSummary};
use crate::store::{FeedRecord, JobRecord};
use crate::store::{WorkItem, WorkStatus};

/// A status-like field from its stored spelling.
fn stored<T: std::str::FromStr>(spelling: &str) -> T
where
    T::Err: std::fmt::Debug,
{
    spelling.parse().expect("a stored word")
}

fn same_json<R: Serialize, V: Serialize>(record: &R, view: &V) {
    let record = serde_json::to_value(record).expect("record");
    assert_eq!(serde_json::to_value(view).expect("view"), record);
}

fn at(second: u32) -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 5, 6, 7, 8, second).unwrap() + chrono::Duration::milliseconds(123)
}

fn agent(state: &str, failure: Option<&str>) -> AgentRecord {
    AgentRecord {
        user_id: "u-1".into(),
        agent_key: failure.map(|_| "anna@example.com".into()),
        label: "anna@example.com".into(),
        observed: json!({"skills": {"Billing": 3}}),
        observed_at: at(1),
        drift: json!([{"op": "add", "name": "PCI"}]),
        state: stored(state),
        consecutive_failures: 2,
        last_error: failure.map(Into::into),
        last_change_at: failure.map(|_| at(2)),
    }
}

#[test]
fn a_feed_reads_as_its_record_did() {
    for (status, job_id) in [("accepted", Some(4)), ("rejected", None)] {
        let record = FeedRecord {
            id: 3,
            source: "wfm".into(),
            received_at: at(0),
            scope: stored("snapshot"),
            format: stored("csv"),
            status: stored(status),
            hash: job_id.map(|_| "abc".into()),
            agents: 20,
            skills: 40,
            languages: 5,
            certifications: 2,
            errors: job_id.is_none().then(|| json!([{"row": 2}])),
            warnings: Some(json!([])),
            job_id,
            request_hash: job_id.map(|_| "digest".into()),
        };
        same_json(&record, &Feed::from(&record));
    }
}

#[test]
fn a_job_and_its_items_read_as_their_records_did() {
    let job = JobRecord {
        id: 7,
        trigger: stored("feed"),
        feed_id: Some(3),
        agent: None,
        status: stored("held"),
        created_at: at(0),
        started_at: Some(at(1)),
        finished_at: None,
        coalesced: 1,
        held_reasons: Some(json!(["removals"])),
        held_destructive: Some(12),
        decided_by: Some("wfm".into()),
        plan: Some(json!({"summary": {}})),
        counts: None,
        error: None,
        urgent: false,
        transitions_since: Some(at(2)),
        not_before: Some(at(3)),
    };
    same_json(&job, &Job::from(&job));
    for status in ["in_progress", "needs_attention", "converged"] {
        let item = WorkItem {
            job_id: 7,
            user_id: "u-1".into(),
            agent_key: Some("anna@example.com".into()),
            label: "anna@example.com".into(),
            status: stored::<WorkStatus>(status),
            attempts: 2,
            verifications: 1,
            next_attempt_at: at(3),
            last_error: Some("429".into()),
            planned: None,
        };
        same_json(&item, &WorkItemView::from(&item));
    }
}

#[test]
fn an_audit_entry_reads_as_its_record_did() {
    let entry = AuditEntry {
        id: 9,
        at: at(0),
        intent: AuditIntent {
            job_id: Some(7),
            feed_id: None,
            agent_key: Some("anna@example.com".into()),
            user_id: Some("u-1".into()),
            call: "patch_routing_skills".into(),
            changes: json!({"before": [], "after": ["PCI"]}),
            actor: None,
        },
        outcome: stored("ok"),
        http_status: Some(200),
        correlation_id: Some("c-1".into()),
        error: None,
        finished_at: Some(at(1)),
    };
    same_json(&entry, &AuditRecord::from(&entry));
}

#[test]
fn agents_and_drift_pages_read_as_their_records_did() {
    let record = agent("needs_attention", Some("timeout"));
    same_json(&record, &Agent::from(&record));
    let page = DriftPage {
        summary: DriftSummary {
            observed: 20,
            drifted: 2,
            changes: 3,
            needs_attention: 1,
            stuck: 0,
            deferred: 4,
            observed_at: Some(at(4)),
        },
        agents: vec![record, agent("drifted", None)],
        total: 2,
    };
    same_json(&page, &DriftPageView::from(&page));
    let empty = DriftSummary::default();
    same_json(&empty, &DriftTotals::from(&empty));
}
