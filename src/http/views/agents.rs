//! Agents and drift totals as `GET /v1/drift` and `GET /v1/agents/{key}` show them.

use chrono::{DateTime, Utc};

use crate::store::{AgentRecord, DriftPage, DriftSummary};

view! {
    /// A platform user as last observed, with its drift and reconcile state.
    Agent from AgentRecord {
        /// Platform user id.
        user_id: String = clone,
        /// Feed key.
        agent_key: Option<String> = clone,
        /// Email, employee id or user id.
        label: String = clone,
        /// Last observed state.
        observed: serde_json::Value = clone,
        /// When.
        observed_at: DateTime<Utc> = copy,
        /// Differences from the desired state, as planned changes.
        drift: serde_json::Value = clone,
        /// `converged`, `drifted`, `pending`, `needs_attention`, `stuck` or `deferred` (the
        /// reason in `last_error`).
        state: String = shown,
        /// Failures in a row.
        consecutive_failures: i32 = copy,
        /// The last failure.
        last_error: Option<String> = clone,
        /// When skillsync last changed it.
        last_change_at: Option<DateTime<Utc>> = copy,
    }
}

view! {
    /// Drift totals over every observed user.
    DriftTotals from DriftSummary {
        /// Users observed.
        observed: i64 = copy,
        /// Users whose state differs from the desired one.
        drifted: i64 = copy,
        /// Planned changes over all users.
        changes: i64 = copy,
        /// Users needing attention.
        needs_attention: i64 = copy,
        /// Users flagged stuck.
        stuck: i64 = copy,
        /// Users whose routine changes wait (busy, or outside the change windows).
        deferred: i64 = copy,
        /// When the newest observation was made.
        observed_at: Option<DateTime<Utc>> = copy,
    }
}

view! {
    /// The answer of `GET /v1/drift`.
    DriftPageView from DriftPage {
        /// Totals over everyone.
        summary: DriftTotals = view,
        /// Agents matching the filter with drift, or in a state other than converged.
        agents: Vec<Agent> = views,
        /// How many match the filter.
        total: i64 = copy,
    }
}
