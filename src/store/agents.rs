//! Platform users as last observed, with their drift and reconcile state, for the reconciler
//! and the status API.

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::Row;

use super::codec::live_to_json;
use super::{Store, StoreError};
use crate::domain::LiveAgent;

/// One observation to store. `drift` is serialized only when its batch is written: a full
/// scan of 100,000 drifted agents held as JSON trees took over 1 GB.
pub struct ObservedAgent<'a, D = serde_json::Value> {
    /// The feed key, when the user has one.
    pub agent_key: Option<&'a str>,
    /// What was read.
    pub live: &'a LiveAgent,
    /// The planned changes (empty = matches), stored as JSON.
    pub drift: D,
    /// How many changes.
    pub drift_count: usize,
}

/// An agent as the status API shows it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
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
#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
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

const COLUMNS: &str =
    "user_id, agent_key, label, observed, observed_at, drift, state, consecutive_failures, \
                       last_error, last_change_at";

fn record(row: &sqlx::postgres::PgRow) -> Result<AgentRecord, sqlx::Error> {
    Ok(AgentRecord {
        user_id: row.try_get("user_id")?,
        agent_key: row.try_get("agent_key")?,
        label: row.try_get("label")?,
        observed: row.try_get("observed")?,
        observed_at: row.try_get("observed_at")?,
        drift: row.try_get("drift")?,
        state: row.try_get("state")?,
        consecutive_failures: row.try_get("consecutive_failures")?,
        last_error: row.try_get("last_error")?,
        last_change_at: row.try_get("last_change_at")?,
    })
}

impl Store {
    /// Stores observations. An agent with drift becomes `drifted` unless it is already marked
    /// `needs_attention` or `stuck`; one without drift becomes `converged`. After a full scan
    /// (`full`), users no longer listed are forgotten.
    pub async fn save_observed<D: Serialize + Sync>(
        &self,
        agents: &[ObservedAgent<'_, D>],
        at: DateTime<Utc>,
        full: bool,
    ) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        for batch in agents.chunks(5_000) {
            let users: Vec<&str> = batch.iter().map(|a| a.live.user_id.as_str()).collect();
            let keys: Vec<Option<&str>> = batch.iter().map(|a| a.agent_key).collect();
            let labels: Vec<&str> = batch.iter().map(|a| a.live.label()).collect();
            let observed: Vec<String> = batch
                .iter()
                .map(|a| live_to_json(a.live).to_string())
                .collect();
            let drift: Vec<String> = batch
                .iter()
                .map(|a| serde_json::to_string(&a.drift).unwrap_or_else(|_| "[]".into()))
                .collect();
            let counts: Vec<i32> = batch.iter().map(|a| a.drift_count as i32).collect();
            sqlx::query(
                "INSERT INTO agents (user_id, agent_key, label, observed, observed_at, drift, drift_count, state)
                 SELECT u, k, l, o::jsonb, $1, d::jsonb, n, CASE WHEN n > 0 THEN 'drifted' ELSE 'converged' END
                 FROM UNNEST($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::int[]) AS t(u, k, l, o, d, n)
                 ON CONFLICT (user_id) DO UPDATE SET
                     agent_key = EXCLUDED.agent_key, label = EXCLUDED.label, observed = EXCLUDED.observed,
                     observed_at = EXCLUDED.observed_at, drift = EXCLUDED.drift, drift_count = EXCLUDED.drift_count,
                     state = CASE
                         WHEN EXCLUDED.drift_count = 0 THEN 'converged'
                         WHEN agents.state IN ('needs_attention', 'stuck', 'pending') THEN agents.state
                         ELSE 'drifted' END,
                     consecutive_failures = CASE WHEN EXCLUDED.drift_count = 0 THEN 0 ELSE agents.consecutive_failures END",
            )
            .bind(at)
            .bind(&users)
            .bind(&keys)
            .bind(&labels)
            .bind(&observed)
            .bind(&drift)
            .bind(&counts)
            .execute(&mut *tx)
            .await?;
        }
        if full {
            let users: Vec<&str> = agents.iter().map(|a| a.live.user_id.as_str()).collect();
            sqlx::query("DELETE FROM agents WHERE NOT (user_id = ANY($1::text[]))")
                .bind(&users)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
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
        sqlx::query(
            "UPDATE agents SET state = $2, last_error = $3,
                 consecutive_failures = CASE WHEN $3::text IS NULL THEN 0 ELSE consecutive_failures + 1 END,
                 last_change_at = CASE WHEN $4 THEN now() ELSE last_change_at END
             WHERE user_id = $1",
        )
        .bind(user_id)
        .bind(state)
        .bind(error)
        .bind(changed)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// An agent's failure streak.
    pub async fn agent_failures(&self, user_id: &str) -> Result<i32, StoreError> {
        Ok(
            sqlx::query_scalar("SELECT consecutive_failures FROM agents WHERE user_id = $1")
                .bind(user_id)
                .fetch_optional(&self.pool)
                .await?
                .unwrap_or(0),
        )
    }

    /// The agent with this feed key, else with this user id.
    pub async fn agent(&self, key_or_user: &str) -> Result<Option<AgentRecord>, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM agents WHERE agent_key = $1 OR user_id = $1 ORDER BY (agent_key = $1) DESC LIMIT 1"
        ))
        .bind(key_or_user)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(|r| record(&r)).transpose()?)
    }

    /// Drift totals and a page of agents that differ or are not converged.
    pub async fn drift(&self, filter: &DriftFilter) -> Result<DriftPage, StoreError> {
        // Everything but the two totals comes from the agents that are not converged (the
        // partial index agents_not_converged): converged rows have no drift and no such state.
        let summary = sqlx::query(
            "SELECT (SELECT count(*) FROM agents) AS observed,
                    count(*) FILTER (WHERE drift_count > 0) AS drifted,
                    COALESCE(sum(drift_count), 0)::bigint AS changes,
                    count(*) FILTER (WHERE state = 'needs_attention') AS needs_attention,
                    count(*) FILTER (WHERE state = 'stuck') AS stuck,
                    (SELECT max(observed_at) FROM agents) AS observed_at
             FROM agents WHERE drift_count > 0 OR state <> 'converged'",
        )
        .fetch_one(&self.pool)
        .await?;
        let summary = DriftSummary {
            observed: summary.try_get("observed")?,
            drifted: summary.try_get("drifted")?,
            changes: summary.try_get("changes")?,
            needs_attention: summary.try_get("needs_attention")?,
            stuck: summary.try_get("stuck")?,
            observed_at: summary.try_get("observed_at")?,
        };
        let condition = "(drift_count > 0 OR state <> 'converged')
             AND ($1::text IS NULL OR drift @> jsonb_build_array(jsonb_build_object('name', $1::text)))
             AND ($2::text IS NULL OR state = $2)";
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM agents WHERE {condition} ORDER BY label LIMIT $3 OFFSET $4"
        ))
        .bind(&filter.name)
        .bind(&filter.state)
        .bind(filter.limit)
        .bind(filter.offset)
        .fetch_all(&self.pool)
        .await?;
        let total: i64 =
            sqlx::query_scalar(&format!("SELECT count(*) FROM agents WHERE {condition}"))
                .bind(&filter.name)
                .bind(&filter.state)
                .fetch_one(&self.pool)
                .await?;
        Ok(DriftPage {
            summary,
            agents: rows.iter().map(record).collect::<Result<_, _>>()?,
            total,
        })
    }
}
