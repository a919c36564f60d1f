//! The desired state in force on PostgreSQL: written with `UNNEST` batches when a feed is
//! accepted, rebuilt from the accepted history when a feed changes status, pruned.

use chrono::{DateTime, Utc};
use sqlx::{PgPool, Postgres, Transaction};

use crate::domain::SeenNames;
use crate::domain::{AgentKey, AssignmentKind, DesiredState, FeedScope};
use crate::store::codec::desired_to_json;
use crate::store::feeds::BATCH;
use crate::store::StoreError;

pub(in crate::store) async fn set_feed_status(
    pool: &PgPool,
    feed_id: i64,
    from: &[&str],
    to: &str,
) -> Result<(), StoreError> {
    let mut tx = pool.begin().await?;
    sqlx::query("SELECT pg_advisory_xact_lock(7261001)")
        .execute(&mut *tx)
        .await?;
    let changed =
        sqlx::query("UPDATE feeds SET status = $3 WHERE id = $1 AND status = ANY($2::text[])")
            .bind(feed_id)
            .bind(from)
            .bind(to)
            .execute(&mut *tx)
            .await?;
    if changed.rows_affected() == 0 {
        return Ok(());
    }
    sqlx::query("DELETE FROM desired").execute(&mut *tx).await?;
    sqlx::query(
        "INSERT INTO desired (agent_key, feed_id, desired)
         SELECT DISTINCT ON (fa.agent_key) fa.agent_key, fa.feed_id, fa.desired
         FROM feed_agents fa JOIN feeds f ON f.id = fa.feed_id
         WHERE f.status = 'accepted'
           AND f.id >= COALESCE((SELECT max(id) FROM feeds WHERE status = 'accepted' AND scope = 'snapshot'), 0)
         ORDER BY fa.agent_key, fa.feed_id DESC",
    )
    .execute(&mut *tx)
    .await?;
    // Names are managed because an accepted feed mentioned them, not a held or withdrawn one.
    sqlx::query(
        "DELETE FROM seen_names s USING feeds f WHERE f.id = s.first_feed_id AND f.status <> 'accepted'",
    )
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "INSERT INTO seen_names (kind, name, first_feed_id)
         SELECT k.kind, k.name, min(fa.feed_id)
         FROM feed_agents fa JOIN feeds f ON f.id = fa.feed_id AND f.status = 'accepted',
         LATERAL (SELECT 'skill' AS kind, jsonb_object_keys(fa.desired -> 'skills') AS name
                  UNION ALL SELECT 'language', jsonb_object_keys(fa.desired -> 'languages')
                  UNION ALL SELECT 'certification', jsonb_object_keys(fa.desired -> 'certifications')) AS k
         GROUP BY k.kind, k.name
         ON CONFLICT DO NOTHING",
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Whether a snapshot was ever accepted, and each agent's stored desired state.
pub(in crate::store) async fn desired_rows(
    pool: &PgPool,
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

pub(in crate::store) async fn desired_count(pool: &PgPool) -> Result<i64, StoreError> {
    Ok(sqlx::query_scalar("SELECT count(*) FROM desired")
        .fetch_one(pool)
        .await?)
}

pub(in crate::store) async fn desired_for(
    pool: &PgPool,
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
    pool: &PgPool,
) -> Result<Vec<(String, String)>, StoreError> {
    Ok(sqlx::query_as("SELECT kind, name FROM seen_names")
        .fetch_all(pool)
        .await?)
}

pub(in crate::store) async fn prune_feed_history(
    pool: &PgPool,
    before: DateTime<Utc>,
) -> Result<u64, StoreError> {
    let done = sqlx::query(
        "DELETE FROM feed_agents fa USING feeds f
         WHERE f.id = fa.feed_id AND f.received_at < $1
           AND NOT EXISTS (SELECT 1 FROM desired d WHERE d.agent_key = fa.agent_key AND d.feed_id = fa.feed_id)
           AND NOT EXISTS (SELECT 1 FROM feeds h WHERE h.status = 'held')
           AND NOT EXISTS (SELECT 1 FROM jobs j
                           WHERE j.trigger = 'feed' AND j.status IN ('queued', 'approved', 'running', 'held'))",
    )
    .bind(before)
    .execute(pool)
    .await?;
    Ok(done.rows_affected())
}

pub(super) async fn write_state(
    tx: &mut Transaction<'_, Postgres>,
    feed_id: i64,
    state: &DesiredState,
) -> Result<(), StoreError> {
    if state.scope == FeedScope::Snapshot {
        sqlx::query("DELETE FROM desired")
            .execute(&mut **tx)
            .await?;
    }
    let agents: Vec<(&AgentKey, String)> = state
        .agents
        .iter()
        .map(|(k, a)| (k, desired_to_json(a).to_string()))
        .collect();
    for batch in agents.chunks(BATCH) {
        let keys: Vec<&str> = batch.iter().map(|(k, _)| k.as_str()).collect();
        let docs: Vec<&str> = batch.iter().map(|(_, d)| d.as_str()).collect();
        sqlx::query(
            "INSERT INTO feed_agents (feed_id, agent_key, desired)
             SELECT $1, k, d::jsonb FROM UNNEST($2::text[], $3::text[]) AS t(k, d)",
        )
        .bind(feed_id)
        .bind(&keys)
        .bind(&docs)
        .execute(&mut **tx)
        .await?;
        sqlx::query(
            "INSERT INTO desired (agent_key, feed_id, desired)
             SELECT k, $1, d::jsonb FROM UNNEST($2::text[], $3::text[]) AS t(k, d)
             ON CONFLICT (agent_key) DO UPDATE
             SET feed_id = EXCLUDED.feed_id, desired = EXCLUDED.desired, updated_at = now()",
        )
        .bind(feed_id)
        .bind(&keys)
        .bind(&docs)
        .execute(&mut **tx)
        .await?;
    }
    let seen = SeenNames::of(state);
    for (kind, names) in [
        (AssignmentKind::Skill, &seen.skills),
        (AssignmentKind::Language, &seen.languages),
        (AssignmentKind::Certification, &seen.certifications),
    ] {
        let names: Vec<&str> = names.iter().map(String::as_str).collect();
        sqlx::query(
            "INSERT INTO seen_names (kind, name, first_feed_id)
             SELECT $1, n, $2 FROM UNNEST($3::text[]) AS t(n)
             ON CONFLICT DO NOTHING",
        )
        .bind(kind.as_str())
        .bind(feed_id)
        .bind(&names)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}
