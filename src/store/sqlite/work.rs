//! Work items on SQLite: a claim reads the due items and leases them inside one `BEGIN
//! IMMEDIATE` transaction; writers are serialized, so two claims never pick the same item.

use chrono::{DateTime, Utc};
use serde_json::json;
use sqlx::SqlitePool;

use super::{begin_immediate, now_plus, ts, NOW};
use crate::store::work::{ItemUpdate, NewItem, COLUMNS};
use crate::store::{StoreError, WorkItem};

pub(in crate::store) async fn create_work_items(
    pool: &SqlitePool,
    job_id: i64,
    items: &[NewItem<'_>],
) -> Result<(), StoreError> {
    // All or nothing: a resumed job skips planning when it has items, so a partial set would
    // silently leave agents out of it.
    let mut tx = begin_immediate(pool).await?;
    for batch in items.chunks(5_000) {
        // Each element is [user id, feed key, label].
        let rows: Vec<_> = batch.iter().map(|(u, k, l)| json!([u, k, l])).collect();
        sqlx::query(
            "INSERT INTO work_items (job_id, user_id, agent_key, label)
             SELECT $1, value ->> 0, value ->> 1, value ->> 2 FROM json_each($2) WHERE true
             ON CONFLICT DO NOTHING",
        )
        .bind(job_id)
        .bind(json!(rows))
        .execute(&mut *tx)
        .await?;
        // Each job gives an agent a fresh run of attempts before `needs_attention`.
        sqlx::query(
            "UPDATE agents SET consecutive_failures = 0
             WHERE user_id IN (SELECT value ->> 0 FROM json_each($1))",
        )
        .bind(json!(rows))
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

pub(in crate::store) async fn has_work_items(
    pool: &SqlitePool,
    job_id: i64,
) -> Result<bool, StoreError> {
    Ok(
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM work_items WHERE job_id = $1)")
            .bind(job_id)
            .fetch_one(pool)
            .await?,
    )
}

pub(in crate::store) async fn claim_work_items(
    pool: &SqlitePool,
    job_id: i64,
    owner: &str,
    lease_secs: f64,
    limit: i64,
) -> Result<Vec<WorkItem>, StoreError> {
    let mut tx = begin_immediate(pool).await?;
    // Read before the update: the items are returned with the status they had.
    let picked: Vec<WorkItem> = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM work_items
         WHERE job_id = $1 AND status IN ('pending', 'in_progress', 'verifying')
           AND next_attempt_at <= {NOW} AND (lease_until IS NULL OR lease_until < {NOW})
         ORDER BY next_attempt_at
         LIMIT $2"
    ))
    .bind(job_id)
    .bind(limit)
    .fetch_all(&mut *tx)
    .await?;
    let users: Vec<&str> = picked.iter().map(|i| i.user_id.as_str()).collect();
    sqlx::query(&format!(
        "UPDATE work_items SET
             status = CASE WHEN status = 'verifying' THEN 'verifying' ELSE 'in_progress' END,
             lease_owner = $2, lease_until = {lease}, updated_at = {NOW}
         WHERE job_id = $1 AND user_id IN (SELECT value FROM json_each($4))",
        lease = now_plus("$3"),
    ))
    .bind(job_id)
    .bind(owner)
    .bind(lease_secs)
    .bind(json!(users))
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(picked)
}

pub(in crate::store) async fn update_work_item(
    pool: &SqlitePool,
    job_id: i64,
    user_id: &str,
    update: &ItemUpdate<'_>,
) -> Result<(), StoreError> {
    sqlx::query(&format!(
        "UPDATE work_items SET status = $3, next_attempt_at = COALESCE($4, next_attempt_at),
             attempts = attempts + $5, verifications = verifications + $6,
             last_error = CASE WHEN $3 = 'converged' THEN NULL ELSE COALESCE($7, last_error) END,
             lease_owner = NULL, lease_until = NULL, updated_at = {NOW}
         WHERE job_id = $1 AND user_id = $2"
    ))
    .bind(job_id)
    .bind(user_id)
    .bind(update.status)
    .bind(update.next.map(ts))
    .bind(update.attempts)
    .bind(update.verifications)
    .bind(update.error)
    .execute(pool)
    .await?;
    Ok(())
}

pub(in crate::store) async fn release_work_items(
    pool: &SqlitePool,
    job_id: i64,
    owner: &str,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE work_items SET lease_until = NULL, lease_owner = NULL
         WHERE job_id = $1 AND lease_owner = $2",
    )
    .bind(job_id)
    .bind(owner)
    .execute(pool)
    .await?;
    Ok(())
}

pub(in crate::store) async fn work_counts(
    pool: &SqlitePool,
    job_id: i64,
) -> Result<Vec<(String, i64)>, StoreError> {
    Ok(sqlx::query_as(
        "SELECT status, count(*) AS n FROM work_items WHERE job_id = $1 GROUP BY status ORDER BY status",
    )
    .bind(job_id)
    .fetch_all(pool)
    .await?)
}

pub(in crate::store) async fn next_work_due(
    pool: &SqlitePool,
    job_id: i64,
) -> Result<Option<DateTime<Utc>>, StoreError> {
    // Two-argument max() is SQLite's GREATEST; the fixed-width text compares as time.
    Ok(sqlx::query_scalar(
        "SELECT min(max(next_attempt_at, COALESCE(lease_until, next_attempt_at))) FROM work_items
         WHERE job_id = $1 AND status IN ('pending', 'in_progress', 'verifying')",
    )
    .bind(job_id)
    .fetch_one(pool)
    .await?)
}

pub(in crate::store) async fn work_items(
    pool: &SqlitePool,
    job_id: i64,
    limit: i64,
    offset: i64,
) -> Result<Vec<WorkItem>, StoreError> {
    Ok(sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM work_items WHERE job_id = $1 ORDER BY label, user_id LIMIT $2 OFFSET $3"
    ))
    .bind(job_id)
    .bind(limit)
    .bind(offset)
    .fetch_all(pool)
    .await?)
}
