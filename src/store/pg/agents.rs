//! Observed agents and drift on PostgreSQL: observations go in with `UNNEST`, the drift filter
//! is JSONB containment.

use chrono::{DateTime, Utc};
use sqlx::PgPool;

use crate::store::agents::COLUMNS;
use crate::store::codec::live_to_json;
use crate::store::{AgentRecord, DriftFilter, DriftPage, DriftSummary, ObservedAgent, StoreError};

pub(in crate::store) async fn save_observed<D: serde::Serialize + Sync>(
    pool: &PgPool,
    agents: &[ObservedAgent<'_, D>],
    at: DateTime<Utc>,
    full: bool,
) -> Result<(), StoreError> {
    let mut tx = pool.begin().await?;
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

pub(in crate::store) async fn set_agent_state(
    pool: &PgPool,
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
    .execute(pool)
    .await?;
    Ok(())
}

pub(in crate::store) async fn agent_failures(
    pool: &PgPool,
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
    pool: &PgPool,
    key_or_user: &str,
) -> Result<Option<AgentRecord>, StoreError> {
    Ok(sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM agents WHERE agent_key = $1 OR user_id = $1 ORDER BY (agent_key = $1) DESC LIMIT 1"
    ))
    .bind(key_or_user)
    .fetch_optional(pool)
    .await?)
}

pub(in crate::store) async fn drift(
    pool: &PgPool,
    filter: &DriftFilter,
) -> Result<DriftPage, StoreError> {
    // Everything but the two totals comes from the agents that are not converged (the partial
    // index agents_not_converged): converged rows have no drift and no such state.
    let summary: DriftSummary = sqlx::query_as(
        "SELECT (SELECT count(*) FROM agents) AS observed,
                count(*) FILTER (WHERE drift_count > 0) AS drifted,
                COALESCE(sum(drift_count), 0)::bigint AS changes,
                count(*) FILTER (WHERE state = 'needs_attention') AS needs_attention,
                count(*) FILTER (WHERE state = 'stuck') AS stuck,
                (SELECT max(observed_at) FROM agents) AS observed_at
         FROM agents WHERE drift_count > 0 OR state <> 'converged'",
    )
    .fetch_one(pool)
    .await?;
    let condition = "(drift_count > 0 OR state <> 'converged')
         AND ($1::text IS NULL OR drift @> jsonb_build_array(jsonb_build_object('name', $1::text)))
         AND ($2::text IS NULL OR state = $2)";
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
