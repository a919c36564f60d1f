//! A job and its per-agent items as `GET /v1/jobs[/{id}]` and the approve/reject answers show
//! them.

use chrono::{DateTime, Utc};

use crate::store::{JobRecord, WorkItem};

view! {
    /// A reconcile job.
    Job from JobRecord {
        /// Id.
        id: i64 = copy,
        /// `feed`, `schedule`, `manual`, `startup`, `certification`, `incremental_scan` or
        /// `deferred_recheck`.
        trigger: String = shown,
        /// The feed that triggered it (the newest, when several coalesced).
        feed_id: Option<i64> = copy,
        /// A one-agent run: the agent key or user id; absent = every agent.
        agent: Option<String> = clone,
        /// `queued`, `approved`, `running`, `held`, `succeeded`, `failed`, `rejected`,
        /// `superseded` or `waiting_window` (planned outside the change windows; runs again at
        /// `not_before`).
        status: String = shown,
        /// Created.
        created_at: DateTime<Utc> = copy,
        /// First started.
        started_at: Option<DateTime<Utc>> = copy,
        /// Finished.
        finished_at: Option<DateTime<Utc>> = copy,
        /// Triggers merged into it.
        coalesced: i32 = copy,
        /// Why it was held.
        held_reasons: Option<serde_json::Value> = clone,
        /// Removals and downgrades planned when it was held.
        held_destructive: Option<i32> = copy,
        /// The token name that approved or rejected it.
        decided_by: Option<String> = clone,
        /// The plan: summary and changes.
        plan: Option<serde_json::Value> = clone,
        /// Results by state.
        counts: Option<serde_json::Value> = clone,
        /// Why it failed.
        error: Option<String> = clone,
        /// Runs in the urgent lane, beside the routine job: a certification instant or a
        /// one-agent run.
        urgent: bool = copy,
        /// A certification job: plans the agents whose certifications started or stopped being
        /// in force after this instant.
        transitions_since: Option<DateTime<Utc>> = copy,
        /// A job waiting for a change window: when the window opens and it plans again.
        not_before: Option<DateTime<Utc>> = copy,
    }
}

view! {
    /// One agent's progress within a job.
    WorkItemView from WorkItem {
        /// The job.
        job_id: i64 = copy,
        /// Platform user id.
        user_id: String = clone,
        /// Feed key, when the user has one.
        agent_key: Option<String> = clone,
        /// Email, employee id or user id.
        label: String = clone,
        /// `pending`, `in_progress`, `verifying`, `converged`, `failed`, `needs_attention`,
        /// `stuck` or `deferred` (the reason in `last_error`).
        status: String = shown,
        /// Write attempts so far.
        attempts: i32 = copy,
        /// Verifications that still found drift.
        verifications: i32 = copy,
        /// When it is due.
        next_attempt_at: DateTime<Utc> = copy,
        /// The last failure.
        last_error: Option<String> = clone,
    }
}
