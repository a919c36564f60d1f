//! How a platform write becomes an audit row: shared by the daemon's journal and the one-shot
//! `apply`'s, so that both record the same fields in the same words.

use crate::platform::{WriteIntent, WriteResult};
use crate::store::{AuditIntent, AuditOutcome, Store, StoreError};

/// The audit intent of `intent`, under the agent's feed key when one is known (so that
/// `?agent=` finds it however the platform spells the email), else under its label. The caller
/// fills in the job, feed and actor.
pub fn audit_intent(intent: &WriteIntent<'_>, agent_key: Option<&str>) -> AuditIntent {
    AuditIntent {
        job_id: None,
        feed_id: None,
        agent_key: Some(agent_key.unwrap_or(intent.label).to_string()),
        user_id: Some(intent.user_id.to_string()),
        call: intent.kind.label().to_string(),
        changes: serde_json::to_value(&intent.changes).unwrap_or_default(),
        actor: None,
    }
}

/// `ok` when the platform accepted the write, else `failed`.
pub fn audit_outcome(result: &WriteResult) -> AuditOutcome {
    if result.error.is_none() {
        AuditOutcome::Ok
    } else {
        AuditOutcome::Failed
    }
}

/// Completes the audit row `token` with how the write ended.
pub async fn record_result(
    store: &Store,
    token: i64,
    result: &WriteResult,
) -> Result<(), StoreError> {
    store
        .audit_result(
            token,
            audit_outcome(result),
            result.status,
            result.correlation_id.as_deref(),
            result.error.as_deref(),
        )
        .await
}
