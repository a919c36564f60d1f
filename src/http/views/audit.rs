//! An audit row as `GET /v1/audit` shows it in JSON.

use chrono::{DateTime, Utc};

use crate::store::AuditEntry;

view! {
    /// One platform write or operator action.
    AuditRecord from AuditEntry {
        /// Id.
        id: i64 = copy,
        /// When the intent was logged.
        at: DateTime<Utc> = copy,
        /// The job.
        job_id: Option<i64> = copy,
        /// The feed.
        feed_id: Option<i64> = copy,
        /// The agent.
        agent_key: Option<String> = clone,
        /// Platform user id.
        user_id: Option<String> = clone,
        /// Call or action.
        call: String = shown,
        /// Before and after.
        changes: serde_json::Value = clone,
        /// `pending`, `ok`, `failed`, `unknown` (the process died during the call) or `recorded`.
        outcome: String = shown,
        /// HTTP status.
        http_status: Option<i32> = copy,
        /// `ININ-Correlation-Id`.
        correlation_id: Option<String> = clone,
        /// Error text.
        error: Option<String> = clone,
        /// Operator.
        actor: Option<String> = clone,
        /// When the result was logged.
        finished_at: Option<DateTime<Utc>> = copy,
    }
}
