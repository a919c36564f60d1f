//! A job and its per-agent items as `GET /v1/jobs[/{id}]` and the approve/reject answers show
//! them.

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::store::{JobRecord, WorkItem};

/// A reconcile job.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Job {
    /// Id.
    pub id: i64,
    /// `feed`, `schedule`, `manual`, `startup` or `certification`.
    pub trigger: String,
    /// The feed that triggered it (the newest, when several coalesced).
    pub feed_id: Option<i64>,
    /// A one-agent run: the agent key or user id; absent = every agent.
    pub agent: Option<String>,
    /// `queued`, `approved`, `running`, `held`, `succeeded`, `failed`, `rejected` or
    /// `superseded`.
    pub status: String,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// First started.
    pub started_at: Option<DateTime<Utc>>,
    /// Finished.
    pub finished_at: Option<DateTime<Utc>>,
    /// Triggers merged into it.
    pub coalesced: i32,
    /// Why it was held.
    pub held_reasons: Option<serde_json::Value>,
    /// Removals and downgrades planned when it was held.
    pub held_destructive: Option<i32>,
    /// The token name that approved or rejected it.
    pub decided_by: Option<String>,
    /// The plan: summary and changes.
    pub plan: Option<serde_json::Value>,
    /// Results by state.
    pub counts: Option<serde_json::Value>,
    /// Why it failed.
    pub error: Option<String>,
}

impl From<&JobRecord> for Job {
    fn from(r: &JobRecord) -> Self {
        // Display, not clone: trigger and status may become enums in the store.
        Self {
            id: r.id,
            trigger: r.trigger.to_string(),
            feed_id: r.feed_id,
            agent: r.agent.clone(),
            status: r.status.to_string(),
            created_at: r.created_at,
            started_at: r.started_at,
            finished_at: r.finished_at,
            coalesced: r.coalesced,
            held_reasons: r.held_reasons.clone(),
            held_destructive: r.held_destructive,
            decided_by: r.decided_by.clone(),
            plan: r.plan.clone(),
            counts: r.counts.clone(),
            error: r.error.clone(),
        }
    }
}

/// One agent's progress within a job.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct WorkItemView {
    /// The job.
    pub job_id: i64,
    /// Platform user id.
    pub user_id: String,
    /// Feed key, when the user has one.
    pub agent_key: Option<String>,
    /// Email, employee id or user id.
    pub label: String,
    /// `pending`, `in_progress`, `verifying`, `converged`, `failed`, `needs_attention` or
    /// `stuck`.
    pub status: String,
    /// Write attempts so far.
    pub attempts: i32,
    /// Verifications that still found drift.
    pub verifications: i32,
    /// When it is due.
    pub next_attempt_at: DateTime<Utc>,
    /// The last failure.
    pub last_error: Option<String>,
}

impl From<&WorkItem> for WorkItemView {
    fn from(r: &WorkItem) -> Self {
        Self {
            job_id: r.job_id,
            user_id: r.user_id.clone(),
            agent_key: r.agent_key.clone(),
            label: r.label.clone(),
            // `WorkStatus` has no `Display` (yet); its stored spelling is what serde wrote.
            status: r.status.as_str().to_string(),
            attempts: r.attempts,
            verifications: r.verifications,
            next_attempt_at: r.next_attempt_at,
            last_error: r.last_error.clone(),
        }
    }
}
