//! Platform users as last observed, with their drift and reconcile state, for the reconciler
//! and the status API.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::backend::{Batch, Column, Dialect};
use super::codec::live_to_json;
use super::{AgentState, Store, StoreError};
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
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
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
    /// Its reconcile state.
    #[sqlx(try_from = "String")]
    pub state: AgentState,
    /// Failures in a row.
    pub consecutive_failures: i32,
    /// The last failure.
    pub last_error: Option<String>,
    /// When skillsync last changed it.
    pub last_change_at: Option<DateTime<Utc>>,
}

/// Which users a batch of observations covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scan {
    /// Every platform user: users not listed are gone and are forgotten.
    Full,
    /// Some users: the others are left as they are.
    Partial,
}

/// Whether skillsync has just written to an agent, for its `last_change_at`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LastChange {
    /// It wrote to the agent now.
    Now,
    /// It did not: the last change stays as recorded.
    Kept,
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
#[derive(Debug, Clone, Default, Serialize, sqlx::FromRow)]
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
    /// Users whose routine changes wait (busy, or outside the change windows).
    pub deferred: i64,
    /// When the newest observation was made.
    pub observed_at: Option<DateTime<Utc>>,
}

/// A page of drifted agents.
#[derive(Debug, Clone, Serialize)]
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
    /// `needs_attention`, `stuck`, `pending` or `deferred`; one without drift becomes `converged`. After a full scan,
    /// users no longer listed are forgotten.
    pub async fn save_observed<D: serde::Serialize + Sync>(
        &self,
        agents: &[ObservedAgent<'_, D>],
        at: DateTime<Utc>,
        scan: Scan,
    ) -> Result<(), StoreError> {
        db!(self, |pool, B| {
            let mut tx = B::begin_write(pool).await?;
            for batch in agents.chunks(5_000) {
                let rows = Batch(vec![
                    Column::Text(batch.iter().map(|a| Some(a.live.user_id.clone())).collect()),
                    Column::Text(
                        batch
                            .iter()
                            .map(|a| a.agent_key.map(str::to_owned))
                            .collect(),
                    ),
                    Column::Text(
                        batch
                            .iter()
                            .map(|a| Some(a.live.label().to_owned()))
                            .collect(),
                    ),
                    Column::Json(
                        batch
                            .iter()
                            .map(|a| live_to_json(a.live).to_string())
                            .collect(),
                    ),
                    Column::Json(
                        batch
                            .iter()
                            .map(|a| {
                                serde_json::to_string(&a.drift).unwrap_or_else(|_| "[]".into())
                            })
                            .collect(),
                    ),
                    Column::Int(batch.iter().map(|a| a.drift_count as i32).collect()),
                ]);
                let sql = format!(
                    "INSERT INTO agents (org, user_id, agent_key, label, observed, observed_at,
                                         drift, drift_count, state)
                     SELECT $2, c0, c1, c2, c3, $1, c4, c5,
                            CASE WHEN c5 > 0 THEN 'drifted' ELSE 'converged' END
                     FROM {} WHERE true
                     ON CONFLICT (org, user_id) DO UPDATE SET
                         agent_key = excluded.agent_key, label = excluded.label,
                         observed = excluded.observed, observed_at = excluded.observed_at,
                         drift = excluded.drift, drift_count = excluded.drift_count,
                         state = CASE
                             WHEN excluded.drift_count = 0 THEN 'converged'
                             WHEN agents.state IN ('needs_attention', 'stuck', 'pending', 'deferred')
                                 THEN agents.state
                             ELSE 'drifted' END,
                         deferred_since = CASE WHEN excluded.drift_count = 0 THEN NULL
                                               ELSE agents.deferred_since END,
                         consecutive_failures = CASE WHEN excluded.drift_count = 0 THEN 0
                                                     ELSE agents.consecutive_failures END",
                    B::rows(3, &rows)
                );
                B::bind_rows(sqlx::query(&sql).bind(B::ts(at)).bind(&*self.org), rows)
                    .execute(&mut *tx)
                    .await?;
            }
            if scan == Scan::Full {
                let users: Vec<&str> = agents.iter().map(|a| a.live.user_id.as_str()).collect();
                sqlx::query(&format!(
                    "DELETE FROM agents WHERE org = $2 AND NOT ({})",
                    B::in_list("user_id", "$1")
                ))
                .bind(B::list(&users))
                .bind(&*self.org)
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await?;
        });
        Ok(())
    }

    /// Sets an agent's reconcile state (ending any deferral): a failure bumps its failure
    /// streak, anything else resets it; [`LastChange::Now`] records that skillsync wrote to it now.
    pub async fn set_agent_state(
        &self,
        user_id: &str,
        state: AgentState,
        error: Option<&str>,
        change: LastChange,
    ) -> Result<(), StoreError> {
        db!(self, |pool, D| {
            sqlx::query(&format!(
            "UPDATE agents SET state = $2, last_error = $3, deferred_since = NULL,
                 consecutive_failures = CASE WHEN {} IS NULL THEN 0 ELSE consecutive_failures + 1 END,
                 last_change_at = CASE WHEN $4 THEN {} ELSE last_change_at END
             WHERE user_id = $1 AND org = $5",
            D::cast("$3", "text"),
            D::NOW
        ))
        .bind(user_id)
        .bind(state.as_str())
        .bind(error)
        .bind(change == LastChange::Now)
        .bind(&*self.org)
        .execute(pool)
        .await?
        .rows_affected()
        });
        Ok(())
    }

    /// An agent's failure streak.
    pub async fn agent_failures(&self, user_id: &str) -> Result<i32, StoreError> {
        let failures: Option<i32> = db!(self, |pool, D| sqlx::query_scalar(
            "SELECT consecutive_failures FROM agents WHERE user_id = $1 AND org = $2"
        )
        .bind(user_id)
        .bind(&*self.org)
        .fetch_optional(pool)
        .await?);
        Ok(failures.unwrap_or(0))
    }

    /// The agent with this feed key, else with this user id.
    pub async fn agent(&self, key_or_user: &str) -> Result<Option<AgentRecord>, StoreError> {
        // A NULL comparison (no feed key) sorts last in descending order, after a key match.
        db!(self, |pool, D| Ok(sqlx::query_as(&format!(
            "SELECT {COLUMNS} FROM agents WHERE org = $2 AND (agent_key = $1 OR user_id = $1)
             ORDER BY (agent_key = $1) DESC LIMIT 1"
        ))
        .bind(key_or_user)
        .bind(&*self.org)
        .fetch_optional(pool)
        .await?))
    }

    /// Drift totals and a page of agents that differ or are not converged.
    pub async fn drift(&self, filter: &DriftFilter) -> Result<DriftPage, StoreError> {
        db!(self, |pool, D| {
            let summary: DriftSummary = sqlx::query_as(D::DRIFT_SUMMARY)
                .bind(&*self.org)
                .fetch_one(pool)
                .await?;
            // The org is the page query's last parameter and the count's third.
            let condition = |org: &str| {
                format!(
                    "org = {org} AND (drift_count > 0 OR state <> 'converged')
                 AND ({name} IS NULL OR {named})
                 AND ({state} IS NULL OR state = $2)",
                    name = D::cast("$1", "text"),
                    named = D::has_change_named("$1"),
                    state = D::cast("$2", "text"),
                )
            };
            let agents = sqlx::query_as(&format!(
                "SELECT {COLUMNS} FROM agents WHERE {}
                 ORDER BY label, user_id LIMIT $3 OFFSET $4",
                condition("$5")
            ))
            .bind(&filter.name)
            .bind(&filter.state)
            .bind(filter.limit)
            .bind(filter.offset)
            .bind(&*self.org)
            .fetch_all(pool)
            .await?;
            let total: i64 = sqlx::query_scalar(&format!(
                "SELECT count(*) FROM agents WHERE {}",
                condition("$3")
            ))
            .bind(&filter.name)
            .bind(&filter.state)
            .bind(&*self.org)
            .fetch_one(pool)
            .await?;
            Ok(DriftPage {
                summary,
                agents,
                total,
            })
        })
    }
}
