//! The audit log on PostgreSQL; a trigger (see the init migration) keeps it append-only.

use sqlx::PgPool;

use crate::store::audit::COLUMNS;
use crate::store::{AuditEntry, AuditFilter, AuditIntent, StoreError};

pub(in crate::store) async fn insert_audit(
    pool: &PgPool,
    i: &AuditIntent,
    outcome: &str,
) -> Result<i64, StoreError> {
    Ok(sqlx::query_scalar(
        "INSERT INTO audit (job_id, feed_id, agent_key, user_id, call, changes, actor, outcome,
                            finished_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, CASE WHEN $8 = 'pending' THEN NULL ELSE now() END)
         RETURNING id",
    )
    .bind(i.job_id)
    .bind(i.feed_id)
    .bind(&i.agent_key)
    .bind(&i.user_id)
    .bind(&i.call)
    .bind(&i.changes)
    .bind(&i.actor)
    .bind(outcome)
    .fetch_one(pool)
    .await?)
}

pub(in crate::store) async fn audit_result(
    pool: &PgPool,
    id: i64,
    outcome: &str,
    http_status: Option<i32>,
    correlation_id: Option<&str>,
    error: Option<&str>,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE audit SET outcome = $2, http_status = $3, correlation_id = $4, error = $5, finished_at = now()
         WHERE id = $1 AND outcome = 'pending'",
    )
    .bind(id)
    .bind(outcome)
    .bind(http_status)
    .bind(correlation_id)
    .bind(error)
    .execute(pool)
    .await?;
    Ok(())
}

pub(in crate::store) async fn settle_pending_audit(
    pool: &PgPool,
    older_than_secs: f64,
) -> Result<u64, StoreError> {
    let done = sqlx::query(
        "UPDATE audit SET outcome = 'unknown', finished_at = now()
         WHERE outcome = 'pending' AND at < now() - make_interval(secs => $1)
           AND NOT EXISTS (SELECT 1 FROM jobs
                           WHERE jobs.id = audit.job_id AND status = 'running' AND lease_until > now())",
    )
    .bind(older_than_secs)
    .execute(pool)
    .await?;
    Ok(done.rows_affected())
}

pub(in crate::store) async fn audit(
    pool: &PgPool,
    filter: &AuditFilter,
) -> Result<Vec<AuditEntry>, StoreError> {
    Ok(sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM audit
         WHERE ($1::text IS NULL OR agent_key = $1 OR user_id = $1)
           AND ($2::timestamptz IS NULL OR at >= $2) AND ($3::timestamptz IS NULL OR at < $3)
         ORDER BY id LIMIT $4 OFFSET $5"
    ))
    .bind(&filter.agent)
    .bind(filter.since)
    .bind(filter.until)
    .bind(filter.limit)
    .bind(filter.offset)
    .fetch_all(pool)
    .await?)
}
