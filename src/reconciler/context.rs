//! What the worker works with, built by the composition root: the store, the platform, metrics,
//! the webhook, wake-ups and the settings the worker reads. Must not hold the whole
//! configuration tree (which imports this room's settings).

use std::sync::Arc;

use super::{ReconcileSettings, SkillsSettings};
use crate::metrics::Metrics;
use crate::notify::NotifierHandle;
use crate::planner::{DeferralRules, PlannerSettings, SafetySettings};
use crate::platform::Connector;
use crate::signals::Signals;
use crate::store::Store;

/// The parts of the configuration the worker reads.
#[derive(Debug, Clone)]
pub struct ReconcilerSettings {
    /// `[reconcile]`.
    pub reconcile: ReconcileSettings,
    /// What a job's policy is built from.
    pub planner: PlannerSettings,
    /// `[safety]`.
    pub safety: SafetySettings,
    /// Agents worked on at the same time (`platform.max_concurrency`).
    pub max_concurrency: usize,
    /// When routine changes may land (`[policy]`'s deferral keys and change windows).
    pub deferral: DeferralRules,
    /// `[skills]`: retirements.
    pub skills: SkillsSettings,
}

/// The worker's shared state.
pub struct Reconciler {
    /// What the worker reads of the configuration.
    pub settings: ReconcilerSettings,
    /// The database.
    pub store: Store,
    /// The platform connector.
    pub platform: Arc<Connector>,
    /// Prometheus metrics.
    pub metrics: Arc<Metrics>,
    /// This process's lease owner id.
    pub owner: String,
    /// The certification webhook.
    pub notifier: NotifierHandle,
    /// Wake-ups shared with the other parts.
    pub signals: Arc<Signals>,
}
