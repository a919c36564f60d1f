//! What the API handlers work with, built by the composition root. Must not hold the whole
//! configuration tree (which imports this room's settings).

use std::sync::Arc;

use tokio::sync::Semaphore;

use super::console::history::History;
use super::ServerSettings;
use crate::certs::EnforcementSettings;
use crate::domain::AgentKeyKind;
use crate::ingest::Intake;
use crate::metrics::Metrics;
use crate::platform::Connector;
use crate::signals::Signals;
use crate::store::Store;

/// The API's shared state.
pub struct Api {
    /// The org this state serves: its paths are `/v1/orgs/{org}/…`.
    pub org: String,
    /// `[server]`: tokens and limits.
    pub server: ServerSettings,
    /// How agents are keyed in paths.
    pub agent_key: AgentKeyKind,
    /// `[certifications]`: the expiry report's margin.
    pub certifications: EnforcementSettings,
    /// `[feed.certifications.*]` gates with the margin, as the planner applies them: the
    /// console's agent page says which skill stands for which certification.
    pub certification_rules: crate::planner::CertificationRules,
    /// The database.
    pub store: Store,
    /// The platform connector (for the readiness probe only).
    pub platform: Arc<Connector>,
    /// Prometheus metrics.
    pub metrics: Arc<Metrics>,
    /// Wake-ups of the worker and the certification timer.
    pub signals: Arc<Signals>,
    /// The path POSTed feeds take.
    pub intake: Intake,
    /// One permit per feed being received and ingested (`server.max_concurrent_ingests`): each
    /// holds its whole body in memory, up to `server.body_limit_mb`.
    pub ingest_slots: Arc<Semaphore>,
    /// What the skill catalog endpoints read of the configuration.
    pub skills: SkillsContext,
    /// The org's calls and converged agents as this replica sampled them (the console's charts).
    pub history: Arc<History>,
    /// The console Overview's certification counts, kept a minute (the whole desired state is
    /// read to make them).
    pub expiry_cache: Arc<super::console::expiring::ExpiryCache>,
}

/// The configuration `GET /v1/skills` and `POST /v1/skills/{name}/retire` read.
#[derive(Debug, Clone)]
pub struct SkillsContext {
    /// `[ownership]`: which skills are managed.
    pub ownership: crate::planner::OwnershipSettings,
    /// `reconcile.time_zone`: a retirement date's midnight.
    pub time_zone: chrono_tz::Tz,
    /// `skills.retire_grace_hours`.
    pub retire_grace: chrono::TimeDelta,
}

impl Default for SkillsContext {
    fn default() -> Self {
        Self {
            ownership: Default::default(),
            time_zone: chrono_tz::UTC,
            retire_grace: crate::reconciler::SkillsSettings::default().grace(),
        }
    }
}
