//! Work items on PostgreSQL: claimed with `FOR UPDATE SKIP LOCKED`, so that replicas claiming at
//! the same moment never get the same item and never wait for each other.

use chrono::{DateTime, Utc};
use sqlx::PgPool;

use crate::store::work::{ItemUpdate, NewItem, COLUMNS};
use crate::store::{StoreError, WorkItem};

pub(in crate::store) async fn create_work_items(
    pool: &PgPool,
    job_id: i64,
    items: &[NewItem<'_>],
) -> Result<(), StoreError> {
    // All or nothing: a resumed job skips planning when it has items, so a partial set would
    // silently leave agents out of it.
    let mut tx = pool.begin().await?;
    for batch in items.chunks(5_000) {
        let users: Vec<&str> = batch.iter().map(|i| i.0).collect();
        let keys: Vec<Option<&str>> = batch.iter().map(|i| i.1).collect();
        let labels: Vec<&str> = batch.iter().map(|i| i.2).collect();
        sqlx::query(
            "INSERT INTO work_items (job_id, user_id, agent_key, label)
             SELECT $1, u, k, l FROM UNNEST($2::text[], $3::text[], $4::text[]) AS t(u, k, l)
             ON CONFLICT DO NOTHING",
        )
        .bind(job_id)
        .bind(&users)
        .bind(&keys)
        .bind(&labels)
        .execute(&mut *tx)
        .await?;
        // Each job gives an agent a fresh run of attempts before `needs_attention`.
        sqlx::query("UPDATE agents SET consecutive_failures = 0 WHERE user_id = ANY($1::text[])")
            .bind(&users)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(())
}

pub(in crate::store) async fn has_work_items(
    pool: &PgPool,
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
    pool: &PgPool,
    job_id: i64,
    owner: &str,
    lease_secs: f64,
    limit: i64,
) -> Result<Vec<WorkItem>, StoreError> {
    Ok(sqlx::query_as(
        "WITH picked AS (
             SELECT job_id, user_id, status AS old_status FROM work_items
             WHERE job_id = $1 AND status IN ('pending', 'in_progress', 'verifying')
               AND next_attempt_at <= now() AND (lease_until IS NULL OR lease_until < now())
             ORDER BY next_attempt_at
             LIMIT $4
             FOR UPDATE SKIP LOCKED)
         UPDATE work_items w SET
             status = CASE WHEN picked.old_status = 'verifying' THEN 'verifying' ELSE 'in_progress' END,
             lease_owner = $2, lease_until = now() + make_interval(secs => $3), updated_at = now()
         FROM picked WHERE w.job_id = picked.job_id AND w.user_id = picked.user_id
         RETURNING w.job_id, w.user_id, w.agent_key, w.label, picked.old_status AS status, w.attempts,
                   w.verifications, w.next_attempt_at, w.last_error",
    )
    .bind(job_id)
    .bind(owner)
    .bind(lease_secs)
    .bind(limit)
    .fetch_all(pool)
    .await?)
}

pub(in crate::store) async fn update_work_item(
    pool: &PgPool,
    job_id: i64,
    user_id: &str,
    update: &ItemUpdate<'_>,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE work_items SET status = $3, next_attempt_at = COALESCE($4, next_attempt_at),
             attempts = attempts + $5, verifications = verifications + $6,
             last_error = CASE WHEN $3 = 'converged' THEN NULL ELSE COALESCE($7, last_error) END, lease_owner = NULL, lease_until = NULL, updated_at = now()
         WHERE job_id = $1 AND user_id = $2",
    )
    .bind(job_id)
    .bind(user_id)
    .bind(update.status)
    .bind(update.next)
    .bind(update.attempts)
    .bind(update.verifications)
    .bind(update.error)
    .execute(pool)
    .await?;
    Ok(())
}

pub(in crate::store) async fn release_work_items(
    pool: &PgPool,
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
    pool: &PgPool,
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
    pool: &PgPool,
    job_id: i64,
) -> Result<Option<DateTime<Utc>>, StoreError> {
    Ok(sqlx::query_scalar(
        "SELECT min(GREATEST(next_attempt_at, COALESCE(lease_until, next_attempt_at))) FROM work_items
         WHERE job_id = $1 AND status IN ('pending', 'in_progress', 'verifying')",
    )
    .bind(job_id)
    .fetch_one(pool)
    .await?)
}

pub(in crate::store) async fn work_items(
    pool: &PgPool,
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
