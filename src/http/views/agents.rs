//! Agents and drift totals as `GET /v1/drift` and `GET /v1/agents/{key}` show them.

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::store::{AgentRecord, DriftPage, DriftSummary};

/// A platform user as last observed, with its drift and reconcile state.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Agent {
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

impl From<&AgentRecord> for Agent {
    fn from(r: &AgentRecord) -> Self {
        Self {
            user_id: r.user_id.clone(),
            agent_key: r.agent_key.clone(),
            label: r.label.clone(),
            observed: r.observed.clone(),
            observed_at: r.observed_at,
            drift: r.drift.clone(),
            // Display, not clone: the state may become an enum in the store.
            state: r.state.to_string(),
            consecutive_failures: r.consecutive_failures,
            last_error: r.last_error.clone(),
            last_change_at: r.last_change_at,
        }
    }
}

/// Drift totals over every observed user.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DriftTotals {
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

impl From<&DriftSummary> for DriftTotals {
    fn from(s: &DriftSummary) -> Self {
        Self {
            observed: s.observed,
            drifted: s.drifted,
            changes: s.changes,
            needs_attention: s.needs_attention,
            stuck: s.stuck,
            observed_at: s.observed_at,
        }
    }
}

/// The answer of `GET /v1/drift`.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DriftPageView {
    /// Totals over everyone.
    pub summary: DriftTotals,
    /// Agents matching the filter with drift, or in a state other than converged.
    pub agents: Vec<Agent>,
    /// How many match the filter.
    pub total: i64,
}

impl From<&DriftPage> for DriftPageView {
    fn from(p: &DriftPage) -> Self {
        Self {
            summary: DriftTotals::from(&p.summary),
            agents: super::all(&p.agents),
            total: p.total,
        }
    }
}
