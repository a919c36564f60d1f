//! The desired state in force on SQLite: written as JSON-array batches read with `json_each`
//! when a feed is accepted, rebuilt from the accepted history when a feed changes status, pruned.

use chrono::{DateTime, Utc};
use serde_json::json;
use sqlx::{Sqlite, SqlitePool, Transaction};

use super::{begin_immediate, ts, NOW};
use crate::domain::SeenNames;
use crate::domain::{AssignmentKind, DesiredState, FeedScope};
use crate::store::codec::desired_to_json;
use crate::store::feeds::BATCH;
use crate::store::StoreError;

pub(in crate::store) async fn set_feed_status(
    pool: &SqlitePool,
    feed_id: i64,
    from: &[&str],
    to: &str,
) -> Result<(), StoreError> {
    let mut tx = begin_immediate(pool).await?;
    let changed = sqlx::query(
        "UPDATE feeds SET status = $3 WHERE id = $1 AND status IN (SELECT value FROM json_each($2))",
    )
    .bind(feed_id)
    .bind(json!(from))
    .bind(to)
    .execute(&mut *tx)
    .await?;
    if changed.rows_affected() == 0 {
        return Ok(());
    }
    sqlx::query("DELETE FROM desired").execute(&mut *tx).await?;
    sqlx::query(
        "INSERT INTO desired (agent_key, feed_id, desired)
         SELECT agent_key, feed_id, desired FROM (
             SELECT fa.agent_key, fa.feed_id, fa.desired,
                    row_number() OVER (PARTITION BY fa.agent_key ORDER BY fa.feed_id DESC) AS newest
             FROM feed_agents fa JOIN feeds f ON f.id = fa.feed_id
             WHERE f.status = 'accepted'
               AND f.id >= COALESCE((SELECT max(id) FROM feeds WHERE status = 'accepted' AND scope = 'snapshot'), 0))
         WHERE newest = 1",
    )
    .execute(&mut *tx)
    .await?;
    // Names are managed because an accepted feed mentioned them, not a held or withdrawn one.
    sqlx::query(
        "DELETE FROM seen_names
         WHERE first_feed_id IN (SELECT id FROM feeds WHERE status <> 'accepted')",
    )
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "INSERT INTO seen_names (kind, name, first_feed_id)
         SELECT kind, name, min(feed_id) FROM (
             SELECT 'skill' AS kind, k.key AS name, fa.feed_id
             FROM feed_agents fa JOIN feeds f ON f.id = fa.feed_id AND f.status = 'accepted',
                  json_each(fa.desired, '$.skills') k
             UNION ALL
             SELECT 'language', k.key, fa.feed_id
             FROM feed_agents fa JOIN feeds f ON f.id = fa.feed_id AND f.status = 'accepted',
                  json_each(fa.desired, '$.languages') k
             UNION ALL
             SELECT 'certification', k.key, fa.feed_id
             FROM feed_agents fa JOIN feeds f ON f.id = fa.feed_id AND f.status = 'accepted',
                  json_each(fa.desired, '$.certifications') k)
         WHERE true
         GROUP BY kind, name
         ON CONFLICT DO NOTHING",
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Whether a snapshot was ever accepted, and each agent's stored desired state.
pub(in crate::store) async fn desired_rows(
    pool: &SqlitePool,
) -> Result<(bool, Vec<(String, serde_json::Value)>), StoreError> {
    let snapshot: bool = sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM feeds WHERE status = 'accepted' AND scope = 'snapshot')",
    )
    .fetch_one(pool)
    .await?;
    let rows = sqlx::query_as("SELECT agent_key, desired FROM desired")
        .fetch_all(pool)
        .await?;
    Ok((snapshot, rows))
}

pub(in crate::store) async fn desired_count(pool: &SqlitePool) -> Result<i64, StoreError> {
    Ok(sqlx::query_scalar("SELECT count(*) FROM desired")
        .fetch_one(pool)
        .await?)
}

pub(in crate::store) async fn desired_for(
    pool: &SqlitePool,
    agent_key: &str,
) -> Result<Option<serde_json::Value>, StoreError> {
    Ok(
        sqlx::query_scalar("SELECT desired FROM desired WHERE agent_key = $1")
            .bind(agent_key)
            .fetch_optional(pool)
            .await?,
    )
}

/// (kind, name) of every name seen.
pub(in crate::store) async fn seen_names(
    pool: &SqlitePool,
) -> Result<Vec<(String, String)>, StoreError> {
    Ok(sqlx::query_as("SELECT kind, name FROM seen_names")
        .fetch_all(pool)
        .await?)
}

pub(in crate::store) async fn prune_feed_history(
    pool: &SqlitePool,
    before: DateTime<Utc>,
) -> Result<u64, StoreError> {
    let done = sqlx::query(
        "DELETE FROM feed_agents
         WHERE feed_id IN (SELECT id FROM feeds WHERE received_at < $1)
           AND NOT EXISTS (SELECT 1 FROM desired d
                           WHERE d.agent_key = feed_agents.agent_key AND d.feed_id = feed_agents.feed_id)
           AND NOT EXISTS (SELECT 1 FROM feeds h WHERE h.status = 'held')
           AND NOT EXISTS (SELECT 1 FROM jobs j
                           WHERE j.trigger = 'feed' AND j.status IN ('queued', 'approved', 'running', 'held'))",
    )
    .bind(ts(before))
    .execute(pool)
    .await?;
    Ok(done.rows_affected())
}

pub(super) async fn write_state(
    tx: &mut Transaction<'_, Sqlite>,
    feed_id: i64,
    state: &DesiredState,
) -> Result<(), StoreError> {
    if state.scope == FeedScope::Snapshot {
        sqlx::query("DELETE FROM desired")
            .execute(&mut **tx)
            .await?;
    }
    let agents: Vec<serde_json::Value> = state
        .agents
        .iter()
        .map(|(k, a)| json!([k.as_str(), desired_to_json(a)]))
        .collect();
    for batch in agents.chunks(BATCH) {
        // Each element is [agent key, desired state].
        let batch = serde_json::Value::from(batch);
        sqlx::query(
            "INSERT INTO feed_agents (feed_id, agent_key, desired)
             SELECT $1, value ->> 0, value -> 1 FROM json_each($2)",
        )
        .bind(feed_id)
        .bind(&batch)
        .execute(&mut **tx)
        .await?;
        sqlx::query(&format!(
            "INSERT INTO desired (agent_key, feed_id, desired)
             SELECT value ->> 0, $1, value -> 1 FROM json_each($2) WHERE true
             ON CONFLICT (agent_key) DO UPDATE
             SET feed_id = excluded.feed_id, desired = excluded.desired, updated_at = {NOW}"
        ))
        .bind(feed_id)
        .bind(&batch)
        .execute(&mut **tx)
        .await?;
    }
    let seen = SeenNames::of(state);
    for (kind, names) in [
        (AssignmentKind::Skill, &seen.skills),
        (AssignmentKind::Language, &seen.languages),
        (AssignmentKind::Certification, &seen.certifications),
    ] {
        sqlx::query(
            "INSERT INTO seen_names (kind, name, first_feed_id)
             SELECT $1, value, $2 FROM json_each($3) WHERE true
             ON CONFLICT DO NOTHING",
        )
        .bind(kind.as_str())
        .bind(feed_id)
        .bind(json!(names))
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}
