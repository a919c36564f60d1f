//! The daemon's write journal: every platform write becomes an audit intent before the call and
//! is completed with its HTTP status and correlation id after it. A certification entry granted
//! or revoked also becomes a webhook event once the platform has accepted it.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::Utc;

use super::audit_row::{audit_intent, audit_outcome, record_result};
use crate::domain::Action;
use crate::domain::{AgentKey, AssignmentKind, Name};
use crate::metrics::{ChangeLabels, Metrics};
use crate::notify::{CertificationEvent, EventKind, NotifierHandle};
use crate::platform::{Journal, JournalError, WriteIntent, WriteResult};
use crate::store::{AuditIntent, AuditOutcome, Store};

/// Journals into the audit table.
pub struct StoreJournal<'a> {
    /// The database.
    pub store: Store,
    /// The job making the writes.
    pub job_id: i64,
    /// The feed behind the job.
    pub feed_id: Option<i64>,
    /// Where `changes_applied` is counted.
    pub metrics: Arc<Metrics>,
    /// The agent's feed key: the audit row's agent (so that `?agent=` finds it however the
    /// platform spells the email) and the webhook events'.
    pub agent_key: Option<AgentKey>,
    /// Where certification events go.
    pub notifier: &'a NotifierHandle,
    /// Certification events announced with an intent, sent when the write succeeds.
    pub pending: parking_lot::Mutex<HashMap<i64, Vec<CertificationEvent>>>,
}

impl StoreJournal<'_> {
    fn certification_events(&self, intent: &WriteIntent<'_>) -> Vec<CertificationEvent> {
        let Some(agent) = &self.agent_key else {
            return Vec::new();
        };
        intent
            .changes
            .iter()
            .filter(|c| c.kind == AssignmentKind::Certification)
            .filter_map(|c| {
                let kind = match c.action {
                    Action::Add(_) => EventKind::Granted,
                    Action::Remove(_) => EventKind::Revoked,
                    Action::Update { .. } => return None,
                };
                let name: &Name = &c.name;
                let rule = c.rule.clone().unwrap_or_else(|| "desired state".into());
                // An expiry's instant makes the event, and so its id, the same however often it
                // is built; a change a feed caused took effect now.
                let at = c.timing.at.unwrap_or_else(Utc::now);
                Some(
                    CertificationEvent::new(kind, agent, name, at, rule)
                        .with_user_id(intent.user_id)
                        .with_expires_on(c.timing.expires_on),
                )
            })
            .collect()
    }
}

impl Journal for StoreJournal<'_> {
    async fn before(&self, intent: &WriteIntent<'_>) -> Result<i64, JournalError> {
        let entry = AuditIntent {
            job_id: Some(self.job_id),
            feed_id: self.feed_id,
            ..audit_intent(intent, self.agent_key.as_ref().map(AgentKey::as_str))
        };
        let token = self
            .store
            .audit_intent(&entry)
            .await
            .map_err(|e| JournalError(e.to_string()))?;
        let events = self.certification_events(intent);
        if !events.is_empty() {
            self.pending.lock().insert(token, events);
        }
        Ok(token)
    }

    async fn after(&self, token: i64, result: &WriteResult) {
        let outcome = audit_outcome(result);
        let ok = outcome == AuditOutcome::Ok;
        if let Err(e) = record_result(&self.store, token, result).await {
            // The intent row stays pending; once its job no longer runs under a live lease, the
            // gauge refresher marks it unknown.
            tracing::warn!(audit_id = token, error = %e, "cannot record a write's result");
        }
        let events = self.pending.lock().remove(&token).unwrap_or_default();
        if ok {
            for event in events {
                self.notifier.notify(event);
            }
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
