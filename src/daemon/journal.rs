//! The daemon's write journal: every platform write becomes an audit intent before the call and
//! is completed with its HTTP status and correlation id after it.

use std::sync::Arc;

use super::metrics::{ChangeLabels, Metrics};
use crate::platform::{Journal, JournalError, WriteIntent, WriteResult};
use crate::store::{AuditIntent, AuditOutcome, Store};

/// Journals into the audit table.
pub struct StoreJournal {
    /// The database.
    pub store: Store,
    /// The job making the writes.
    pub job_id: i64,
    /// The feed behind the job.
    pub feed_id: Option<i64>,
    /// Where `changes_applied` is counted.
    pub metrics: Arc<Metrics>,
}

impl Journal for StoreJournal {
    async fn before(&self, intent: &WriteIntent<'_>) -> Result<i64, JournalError> {
        let entry = AuditIntent {
            job_id: Some(self.job_id),
            feed_id: self.feed_id,
            agent_key: Some(intent.label.to_string()),
            user_id: Some(intent.user_id.to_string()),
            call: intent.kind.label().to_string(),
            changes: serde_json::to_value(&intent.changes).unwrap_or_default(),
            actor: None,
        };
        self.store
            .audit_intent(&entry)
            .await
            .map_err(|e| JournalError(e.to_string()))
    }

    async fn after(&self, token: i64, result: &WriteResult) {
        let ok = result.error.is_none();
        let outcome = if ok {
            AuditOutcome::Ok
        } else {
            AuditOutcome::Failed
        };
        if let Err(e) = self
            .store
            .audit_result(
                token,
                outcome,
                result.status,
                result.correlation_id.as_deref(),
                result.error.as_deref(),
            )
            .await
        {
            // The intent row stays pending and is marked unknown at the next start.
            tracing::warn!(audit_id = token, error = %e, "cannot record a write's result");
        }
        self.metrics
            .changes
            .get_or_create(&ChangeLabels {
                kind: result.kind.label().into(),
                result: if ok { "ok".into() } else { "failed".into() },
            })
            .inc();
    }
}
