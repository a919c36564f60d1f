//! An audit row as `GET /v1/audit` shows it in JSON.

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::store::AuditEntry;

/// One platform write or operator action.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AuditRecord {
    /// Id.
    pub id: i64,
    /// When the intent was logged.
    pub at: DateTime<Utc>,
    /// The job.
    pub job_id: Option<i64>,
    /// The feed.
    pub feed_id: Option<i64>,
    /// The agent.
    pub agent_key: Option<String>,
    /// Platform user id.
    pub user_id: Option<String>,
    /// Call or action.
    pub call: String,
    /// Before and after.
    pub changes: serde_json::Value,
    /// `pending`, `ok`, `failed`, `unknown` (the process died during the call) or `recorded`.
    pub outcome: String,
    /// HTTP status.
    pub http_status: Option<i32>,
    /// `ININ-Correlation-Id`.
    pub correlation_id: Option<String>,
    /// Error text.
    pub error: Option<String>,
    /// Operator.
    pub actor: Option<String>,
    /// When the result was logged.
    pub finished_at: Option<DateTime<Utc>>,
}

impl From<&AuditEntry> for AuditRecord {
    fn from(e: &AuditEntry) -> Self {
        Self {
            id: e.id,
            at: e.at,
            job_id: e.job_id,
            feed_id: e.feed_id,
            agent_key: e.agent_key.clone(),
            user_id: e.user_id.clone(),
            call: e.call.to_string(),
            changes: e.changes.clone(),
            // Display, not clone: the outcome may become an enum in the store.
            outcome: e.outcome.to_string(),
            http_status: e.http_status,
            correlation_id: e.correlation_id.clone(),
            error: e.error.clone(),
            actor: e.actor.clone(),
            finished_at: e.finished_at,
        }
    }
}
