//! The job queue on SQLite: a partial unique index keeps one queued job; claims run inside
//! `BEGIN IMMEDIATE`, which SQLite serializes, so no lock of our own is needed.

use chrono::{DateTime, Utc};
use sqlx::SqlitePool;

use super::{begin_immediate, now_plus, NOW};
use crate::store::jobs::COLUMNS;
use crate::store::{JobRecord, StoreError};

pub(in crate::store) async fn enqueue_job(
    pool: &SqlitePool,
    trigger: &str,
    feed_id: Option<i64>,
    agent: Option<&str>,
) -> Result<JobRecord, StoreError> {
    Ok(sqlx::query_as(&format!(
        "INSERT INTO jobs (trigger, feed_id, agent_key, status) VALUES ($1, $2, $3, 'queued')
         ON CONFLICT (status) WHERE status = 'queued' DO UPDATE SET
             coalesced = jobs.coalesced + 1,
             feed_id = COALESCE(excluded.feed_id, jobs.feed_id),
             agent_key = CASE WHEN jobs.agent_key IS excluded.agent_key
                              THEN jobs.agent_key ELSE NULL END,
             trigger = CASE WHEN excluded.trigger = 'feed' THEN 'feed' ELSE jobs.trigger END
         RETURNING {COLUMNS}"
    ))
    .bind(trigger)
    .bind(feed_id)
    .bind(agent)
    .fetch_one(pool)
    .await?)
}

pub(in crate::store) async fn claim_job(
    pool: &SqlitePool,
    owner: &str,
    lease_secs: f64,
) -> Result<Option<JobRecord>, StoreError> {
    let mut tx = begin_immediate(pool).await?;
    let busy: bool = sqlx::query_scalar(&format!(
        "SELECT EXISTS (SELECT 1 FROM jobs
                        WHERE status = 'running' AND lease_until > {NOW} AND lease_owner <> $1)"
    ))
    .bind(owner)
    .fetch_one(&mut *tx)
    .await?;
    if busy {
        return Ok(None);
    }
    let next: Option<i64> = sqlx::query_scalar(
        "SELECT id FROM jobs WHERE status IN ('running', 'approved', 'queued')
         ORDER BY CASE status WHEN 'running' THEN 0 WHEN 'approved' THEN 1 ELSE 2 END, id
         LIMIT 1",
    )
    .fetch_optional(&mut *tx)
    .await?;
    let Some(id) = next else {
        return Ok(None);
    };
    let job = sqlx::query_as(&format!(
        "UPDATE jobs SET status = 'running', started_at = COALESCE(started_at, {NOW}),
             lease_owner = $2, lease_until = {lease}
         WHERE id = $1 RETURNING {COLUMNS}",
        lease = now_plus("$3"),
    ))
    .bind(id)
    .bind(owner)
    .bind(lease_secs)
    .fetch_one(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(Some(job))
}

pub(in crate::store) async fn renew_job_lease(
    pool: &SqlitePool,
    id: i64,
    owner: &str,
    lease_secs: f64,
) -> Result<bool, StoreError> {
    let done = sqlx::query(&format!(
        "UPDATE jobs SET lease_until = {lease}
         WHERE id = $1 AND lease_owner = $2 AND status = 'running'",
        lease = now_plus("$3"),
    ))
    .bind(id)
    .bind(owner)
    .bind(lease_secs)
    .execute(pool)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub(in crate::store) async fn release_job(
    pool: &SqlitePool,
    id: i64,
    owner: &str,
) -> Result<(), StoreError> {
    sqlx::query(&format!(
        "UPDATE jobs SET lease_until = {NOW}
         WHERE id = $1 AND lease_owner = $2 AND status = 'running'"
    ))
    .bind(id)
    .bind(owner)
    .execute(pool)
    .await?;
    Ok(())
}

pub(in crate::store) async fn set_job_plan(
    pool: &SqlitePool,
    id: i64,
    plan: serde_json::Value,
) -> Result<(), StoreError> {
    sqlx::query("UPDATE jobs SET plan = $2 WHERE id = $1")
        .bind(id)
        .bind(plan)
        .execute(pool)
        .await?;
    Ok(())
}

pub(in crate::store) async fn hold_job(
    pool: &SqlitePool,
    id: i64,
    reasons: serde_json::Value,
    destructive: i32,
    plan: serde_json::Value,
) -> Result<(), StoreError> {
    let mut tx = begin_immediate(pool).await?;
    sqlx::query(&format!(
        "UPDATE jobs SET status = 'superseded', finished_at = {NOW}
         WHERE status = 'held' AND id <> $1 AND (feed_id IS NULL OR trigger <> 'feed')"
    ))
    .bind(id)
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "UPDATE jobs SET status = 'held', held_reasons = $2, held_destructive = $3, plan = $4,
             lease_owner = NULL, lease_until = NULL
         WHERE id = $1",
    )
    .bind(id)
    .bind(reasons)
    .bind(destructive)
    .bind(plan)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Moves a held job to `status`; `None` when it is not held.
pub(in crate::store) async fn decide(
    pool: &SqlitePool,
    id: i64,
    by: &str,
    status: &str,
) -> Result<Option<JobRecord>, StoreError> {
    Ok(sqlx::query_as(&format!(
        "UPDATE jobs SET status = $2, decided_by = $3,
             finished_at = CASE WHEN $2 = 'rejected' THEN {NOW} ELSE NULL END
         WHERE id = $1 AND status = 'held' RETURNING {COLUMNS}"
    ))
    .bind(id)
    .bind(status)
    .bind(by)
    .fetch_optional(pool)
    .await?)
}

pub(in crate::store) async fn finish_job(
    pool: &SqlitePool,
    id: i64,
    status: &str,
    counts: serde_json::Value,
    error: Option<&str>,
) -> Result<(), StoreError> {
    sqlx::query(&format!(
        "UPDATE jobs SET status = $2, counts = $3, error = $4, finished_at = {NOW},
             lease_owner = NULL, lease_until = NULL
         WHERE id = $1"
    ))
    .bind(id)
    .bind(status)
    .bind(counts)
    .bind(error)
    .execute(pool)
    .await?;
    Ok(())
}

pub(in crate::store) async fn record_failed_job(
    pool: &SqlitePool,
    trigger: &str,
    error: &str,
) -> Result<i64, StoreError> {
    Ok(sqlx::query_scalar(&format!(
        "INSERT INTO jobs (trigger, status, error, started_at, finished_at)
         VALUES ($1, 'failed', $2, {NOW}, {NOW}) RETURNING id"
    ))
    .bind(trigger)
    .bind(error)
    .fetch_one(pool)
    .await?)
}

pub(in crate::store) async fn jobs(
    pool: &SqlitePool,
    status: Option<&str>,
    limit: i64,
    offset: i64,
) -> Result<(Vec<JobRecord>, i64), StoreError> {
    let rows = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM jobs WHERE ($1 IS NULL OR status = $1) ORDER BY id DESC LIMIT $2 OFFSET $3"
    ))
    .bind(status)
    .bind(limit)
    .bind(offset)
    .fetch_all(pool)
    .await?;
    let total: i64 =
        sqlx::query_scalar("SELECT count(*) FROM jobs WHERE ($1 IS NULL OR status = $1)")
            .bind(status)
            .fetch_one(pool)
            .await?;
    Ok((rows, total))
}

pub(in crate::store) async fn job(
    pool: &SqlitePool,
    id: i64,
) -> Result<Option<JobRecord>, StoreError> {
    Ok(
        sqlx::query_as(&format!("SELECT {COLUMNS} FROM jobs WHERE id = $1"))
            .bind(id)
            .fetch_optional(pool)
            .await?,
    )
}

pub(in crate::store) async fn job_counts(
    pool: &SqlitePool,
) -> Result<Vec<(String, i64)>, StoreError> {
    Ok(
        sqlx::query_as("SELECT status, count(*) AS n FROM jobs GROUP BY status")
            .fetch_all(pool)
            .await?,
    )
}

pub(in crate::store) async fn state_value(
    pool: &SqlitePool,
    key: &str,
) -> Result<Option<serde_json::Value>, StoreError> {
    Ok(
        sqlx::query_scalar("SELECT value FROM daemon_state WHERE key = $1")
            .bind(key)
            .fetch_optional(pool)
            .await?,
    )
}

pub(in crate::store) async fn set_state_value(
    pool: &SqlitePool,
    key: &str,
    value: serde_json::Value,
) -> Result<(), StoreError> {
    sqlx::query(&format!(
        "INSERT INTO daemon_state (key, value) VALUES ($1, $2)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = {NOW}"
    ))
    .bind(key)
    .bind(value)
    .execute(pool)
    .await?;
    Ok(())
}

pub(in crate::store) async fn last_success(
    pool: &SqlitePool,
) -> Result<Option<DateTime<Utc>>, StoreError> {
    Ok(
        sqlx::query_scalar("SELECT max(finished_at) FROM jobs WHERE status = 'succeeded'")
            .fetch_one(pool)
            .await?,
    )
}
