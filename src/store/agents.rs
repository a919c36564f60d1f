//! Platform users as last observed, with their drift and reconcile state, for the reconciler
//! and the status API.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::{Store, StoreError};
use crate::domain::LiveAgent;

/// One observation to store.
pub struct ObservedAgent<'a, D = serde_json::Value> {
    /// The feed key, when the user has one.
    pub agent_key: Option<&'a str>,
    /// What was read.
    pub live: &'a LiveAgent,
    /// The planned changes (empty = matches), serialized as JSON when stored — late, batch by
    /// batch, so that a scan of a large org never holds every agent's drift as a JSON tree.
    pub drift: D,
    /// How many changes.
    pub drift_count: usize,
}

/// An agent as the status API shows it.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct AgentRecord {
    /// Platform user id.
    pub user_id: String,
    /// Feed key.
    pub agent_key: Option<String>,
    /// Email, employee id or user id.
    pub label: String,
    /// Last observed state.
    pub observed: serde_json::Value,
    /// When.
    pub observed_at: DateTime<Utc>,
    /// Differences from the desired state, as planned changes.
    pub drift: serde_json::Value,
    /// `converged`, `drifted`, `pending`, `needs_attention` or `stuck`.
    pub state: String,
    /// Failures in a row.
    pub consecutive_failures: i32,
    /// The last failure.
    pub last_error: Option<String>,
    /// When skillsync last changed it.
    pub last_change_at: Option<DateTime<Utc>>,
}

/// Filters of `GET /v1/drift`.
#[derive(Debug, Clone, Default)]
pub struct DriftFilter {
    /// Only agents whose drift concerns this skill, language or certification name.
    pub name: Option<String>,
    /// Only agents in this state.
    pub state: Option<String>,
    /// Page size.
    pub limit: i64,
    /// Offset.
    pub offset: i64,
}

/// Totals of `GET /v1/drift`.
#[derive(Debug, Clone, Default, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct DriftSummary {
    /// Users observed.
    pub observed: i64,
    /// Users whose state differs from the desired one.
    pub drifted: i64,
    /// Planned changes over all users.
    pub changes: i64,
    /// Users needing attention.
    pub needs_attention: i64,
    /// Users flagged stuck.
    pub stuck: i64,
    /// When the newest observation was made.
    pub observed_at: Option<DateTime<Utc>>,
}

/// A page of drifted agents.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DriftPage {
    /// Totals over everyone.
    pub summary: DriftSummary,
    /// Agents matching the filter with drift, or in a state other than converged.
    pub agents: Vec<AgentRecord>,
    /// How many match the filter.
    pub total: i64,
}

pub(super) const COLUMNS: &str =
    "user_id, agent_key, label, observed, observed_at, drift, state, consecutive_failures, \
                       last_error, last_change_at";

impl Store {
    /// Stores observations. An agent with drift becomes `drifted` unless it is already marked
    /// `needs_attention` or `stuck`; one without drift becomes `converged`. After a full scan
    /// (`full`), users no longer listed are forgotten.
    pub async fn save_observed<D: serde::Serialize + Sync>(
        &self,
        agents: &[ObservedAgent<'_, D>],
        at: DateTime<Utc>,
        full: bool,
    ) -> Result<(), StoreError> {
        dispatch!(self, agents::save_observed(agents, at, full))
    }

    /// Sets an agent's reconcile state: a failure bumps its failure streak, anything else resets
    /// it; `changed` records that skillsync wrote to it now.
    pub async fn set_agent_state(
        &self,
        user_id: &str,
        state: &str,
        error: Option<&str>,
        changed: bool,
    ) -> Result<(), StoreError> {
        dispatch!(
            self,
            agents::set_agent_state(user_id, state, error, changed)
        )
    }

    /// An agent's failure streak.
    pub async fn agent_failures(&self, user_id: &str) -> Result<i32, StoreError> {
        let failures: Option<i32> = dispatch!(self, agents::agent_failures(user_id))?;
        Ok(failures.unwrap_or(0))
    }

    /// The agent with this feed key, else with this user id.
    pub async fn agent(&self, key_or_user: &str) -> Result<Option<AgentRecord>, StoreError> {
        dispatch!(self, agents::agent(key_or_user))
    }

    /// Drift totals and a page of agents that differ or are not converged.
    pub async fn drift(&self, filter: &DriftFilter) -> Result<DriftPage, StoreError> {
        dispatch!(self, agents::drift(filter))
    }
}
