//! What the scheduler and the certification timer work with, built by the composition root.
//! Must not hold the whole configuration tree.

use std::sync::Arc;

use crate::certs::EnforcementSettings;
use crate::domain::AgentKeyKind;
use crate::feed::sources::SourceSettings;
use crate::ingest::Intake;
use crate::metrics::Metrics;
use crate::notify::NotifierHandle;
use crate::reconciler::ReconcileSettings;
use crate::signals::Signals;
use crate::store::Store;

/// The parts of the configuration the scheduler reads.
#[derive(Debug, Clone)]
pub struct ScheduleSettings {
    /// `[reconcile]`: the scan schedule, its zone, feed retention.
    pub reconcile: ReconcileSettings,
    /// `[certifications]`: sweep schedule, margin, report windows.
    pub certifications: EnforcementSettings,
    /// `[[sources]]`.
    pub sources: Vec<SourceSettings>,
    /// `server.body_limit_mb`, in bytes: a pulled feed is held to the same limit as a POSTed one.
    pub body_limit: usize,
    /// How feed agents are keyed.
    pub agent_key: AgentKeyKind,
    /// `webhook.warning_days`.
    pub warning_days: Vec<u32>,
}

/// The scheduler's shared state.
pub struct Scheduler {
    /// What the scheduler reads of the configuration.
    pub settings: ScheduleSettings,
    /// The database.
    pub store: Store,
    /// Prometheus metrics.
    pub metrics: Arc<Metrics>,
    /// The certification webhook.
    pub notifier: NotifierHandle,
    /// Wake-ups shared with the other parts.
    pub signals: Arc<Signals>,
    /// The path pulled feeds take.
    pub intake: Intake,
}
