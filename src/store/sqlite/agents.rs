//! Observed agents and drift on SQLite: observations go in as one JSON array read with
//! `json_each`; the drift filter looks for an element named so with `json_each`.

use chrono::{DateTime, Utc};
use serde_json::json;
use sqlx::SqlitePool;

use super::{begin_immediate, ts, NOW};
use crate::store::agents::COLUMNS;
use crate::store::codec::live_to_json;
use crate::store::{AgentRecord, DriftFilter, DriftPage, DriftSummary, ObservedAgent, StoreError};

pub(in crate::store) async fn save_observed<D: serde::Serialize + Sync>(
    pool: &SqlitePool,
    agents: &[ObservedAgent<'_, D>],
    at: DateTime<Utc>,
    full: bool,
) -> Result<(), StoreError> {
    let mut tx = begin_immediate(pool).await?;
    for batch in agents.chunks(5_000) {
        // Each element is [user id, feed key, label, observed, drift, drift count].
        let rows: Vec<_> = batch
            .iter()
            .map(|a| {
                json!([
                    a.live.user_id,
                    a.agent_key,
                    a.live.label(),
                    live_to_json(a.live),
                    serde_json::to_value(&a.drift).unwrap_or_else(|_| json!([])),
                    a.drift_count
                ])
            })
            .collect();
        sqlx::query(
            "INSERT INTO agents (user_id, agent_key, label, observed, observed_at, drift, drift_count, state)
             SELECT value ->> 0, value ->> 1, value ->> 2, value -> 3, $1, value -> 4, value ->> 5,
                    CASE WHEN value ->> 5 > 0 THEN 'drifted' ELSE 'converged' END
             FROM json_each($2) WHERE true
             ON CONFLICT (user_id) DO UPDATE SET
                 agent_key = excluded.agent_key, label = excluded.label, observed = excluded.observed,
                 observed_at = excluded.observed_at, drift = excluded.drift, drift_count = excluded.drift_count,
                 state = CASE
                     WHEN excluded.drift_count = 0 THEN 'converged'
                     WHEN agents.state IN ('needs_attention', 'stuck', 'pending') THEN agents.state
                     ELSE 'drifted' END,
                 consecutive_failures = CASE WHEN excluded.drift_count = 0 THEN 0 ELSE agents.consecutive_failures END",
        )
        .bind(ts(at))
        .bind(json!(rows))
        .execute(&mut *tx)
        .await?;
    }
    if full {
        let users: Vec<&str> = agents.iter().map(|a| a.live.user_id.as_str()).collect();
        sqlx::query("DELETE FROM agents WHERE user_id NOT IN (SELECT value FROM json_each($1))")
            .bind(json!(users))
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(())
}

pub(in crate::store) async fn set_agent_state(
    pool: &SqlitePool,
    user_id: &str,
    state: &str,
    error: Option<&str>,
    changed: bool,
) -> Result<(), StoreError> {
    sqlx::query(&format!(
        "UPDATE agents SET state = $2, last_error = $3,
             consecutive_failures = CASE WHEN $3 IS NULL THEN 0 ELSE consecutive_failures + 1 END,
             last_change_at = CASE WHEN $4 THEN {NOW} ELSE last_change_at END
         WHERE user_id = $1"
    ))
    .bind(user_id)
    .bind(state)
    .bind(error)
    .bind(changed)
    .execute(pool)
    .await?;
    Ok(())
}

pub(in crate::store) async fn agent_failures(
    pool: &SqlitePool,
    user_id: &str,
) -> Result<Option<i32>, StoreError> {
    Ok(
        sqlx::query_scalar("SELECT consecutive_failures FROM agents WHERE user_id = $1")
            .bind(user_id)
            .fetch_optional(pool)
            .await?,
    )
}

pub(in crate::store) async fn agent(
    pool: &SqlitePool,
    key_or_user: &str,
) -> Result<Option<AgentRecord>, StoreError> {
    // A NULL comparison (no feed key) sorts last in descending order, after a key match.
    Ok(sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM agents WHERE agent_key = $1 OR user_id = $1 ORDER BY (agent_key = $1) DESC LIMIT 1"
    ))
    .bind(key_or_user)
    .fetch_optional(pool)
    .await?)
}

pub(in crate::store) async fn drift(
    pool: &SqlitePool,
    filter: &DriftFilter,
) -> Result<DriftPage, StoreError> {
    let summary: DriftSummary = sqlx::query_as(
        "SELECT count(*) AS observed, count(*) FILTER (WHERE drift_count > 0) AS drifted,
                COALESCE(sum(drift_count), 0) AS changes,
                count(*) FILTER (WHERE state = 'needs_attention') AS needs_attention,
                count(*) FILTER (WHERE state = 'stuck') AS stuck, max(observed_at) AS observed_at
         FROM agents",
    )
    .fetch_one(pool)
    .await?;
    // What PostgreSQL's `drift @> [{"name": $1}]` says: some planned change is named $1.
    let condition = "(drift_count > 0 OR state <> 'converged')
         AND ($1 IS NULL OR EXISTS (SELECT 1 FROM json_each(agents.drift) AS change
                                    WHERE change.value ->> 'name' = $1))
         AND ($2 IS NULL OR state = $2)";
    let agents = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM agents WHERE {condition} ORDER BY label, user_id LIMIT $3 OFFSET $4"
    ))
    .bind(&filter.name)
    .bind(&filter.state)
    .bind(filter.limit)
    .bind(filter.offset)
    .fetch_all(pool)
    .await?;
    let total: i64 = sqlx::query_scalar(&format!("SELECT count(*) FROM agents WHERE {condition}"))
        .bind(&filter.name)
        .bind(&filter.state)
        .fetch_one(pool)
        .await?;
    Ok(DriftPage {
        summary,
        agents,
        total,
    })
}
