//! Feeds on PostgreSQL: recording them, and accepting a new version of the desired state under
//! an advisory lock that serializes the writers of "the version in force".

use chrono::{DateTime, Utc};
use sqlx::{PgPool, Row};

use crate::domain::DesiredState;
use crate::store::feeds::COLUMNS;
use crate::store::{Accepted, FeedRecord, NewFeed, StoreError};

pub(in crate::store) async fn feed_by_idempotency_key(
    pool: &PgPool,
    key: &str,
) -> Result<Option<FeedRecord>, StoreError> {
    Ok(sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM feeds WHERE idempotency_key = $1"
    ))
    .bind(key)
    .fetch_optional(pool)
    .await?)
}

pub(in crate::store) async fn record_rejected_feed(
    pool: &PgPool,
    feed: &NewFeed,
    errors: serde_json::Value,
    warnings: serde_json::Value,
) -> Result<FeedRecord, StoreError> {
    Ok(sqlx::query_as(&format!(
        "INSERT INTO feeds (source, scope, format, status, errors, warnings, idempotency_key)
         VALUES ($1, $2, $3, 'rejected', $4, $5, $6)
         ON CONFLICT (idempotency_key) DO UPDATE SET idempotency_key = EXCLUDED.idempotency_key
         RETURNING {COLUMNS}"
    ))
    .bind(&feed.source)
    .bind(feed.scope.as_str())
    .bind(&feed.format)
    .bind(errors)
    .bind(warnings)
    .bind(&feed.idempotency_key)
    .fetch_one(pool)
    .await?)
}

pub(in crate::store) async fn accept_feed(
    pool: &PgPool,
    feed: &NewFeed,
    state: &DesiredState,
    hash: &str,
    warnings: serde_json::Value,
) -> Result<Accepted, StoreError> {
    let mut tx = pool.begin().await?;
    // Concurrent ingests of the same org would race on "the version in force".
    sqlx::query("SELECT pg_advisory_xact_lock(7261001)")
        .execute(&mut *tx)
        .await?;
    if let Some(key) = &feed.idempotency_key {
        let replayed: Option<FeedRecord> = sqlx::query_as(&format!(
            "SELECT {COLUMNS} FROM feeds WHERE idempotency_key = $1"
        ))
        .bind(key)
        .fetch_optional(&mut *tx)
        .await?;
        if let Some(replayed) = replayed {
            return Ok(Accepted::Replayed(replayed));
        }
    }
    let current: Option<String> = sqlx::query_scalar(
        "SELECT hash FROM feeds WHERE status = 'accepted' ORDER BY id DESC LIMIT 1",
    )
    .fetch_optional(&mut *tx)
    .await?
    .flatten();
    let counts = state.counts();
    let status = if current.as_deref() == Some(hash) {
        "unchanged"
    } else {
        "accepted"
    };
    let stored: FeedRecord = sqlx::query_as(&format!(
        "INSERT INTO feeds (source, scope, format, status, hash, agents, skills, languages, certifications,
                            warnings, idempotency_key)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
         RETURNING {COLUMNS}"
    ))
    .bind(&feed.source)
    .bind(feed.scope.as_str())
    .bind(&feed.format)
    .bind(status)
    .bind(hash)
    .bind(counts.agents as i32)
    .bind(counts.skills as i32)
    .bind(counts.languages as i32)
    .bind(counts.certifications as i32)
    .bind(warnings)
    .bind(&feed.idempotency_key)
    .fetch_one(&mut *tx)
    .await?;
    if status == "unchanged" {
        tx.commit().await?;
        return Ok(Accepted::Unchanged(stored));
    }
    super::desired::write_state(&mut tx, stored.id, state).await?;
    tx.commit().await?;
    Ok(Accepted::New(stored))
}

pub(in crate::store) async fn set_feed_job(
    pool: &PgPool,
    feed_id: i64,
    job_id: i64,
) -> Result<(), StoreError> {
    sqlx::query("UPDATE feeds SET job_id = $2 WHERE id = $1")
        .bind(feed_id)
        .bind(job_id)
        .execute(pool)
        .await?;
    Ok(())
}

pub(in crate::store) async fn adopt_unchecked_feeds(
    pool: &PgPool,
    job_id: i64,
) -> Result<u64, StoreError> {
    let mut tx = pool.begin().await?;
    let adopted = sqlx::query(
        "UPDATE feeds SET job_id = $1
         WHERE status = 'accepted'
           AND job_id IN (SELECT id FROM jobs WHERE status = 'failed' AND plan IS NULL)",
    )
    .bind(job_id)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if adopted > 0 {
        sqlx::query(
            "UPDATE jobs SET trigger = 'feed', feed_id = (SELECT max(id) FROM feeds WHERE job_id = $1)
             WHERE id = $1",
        )
        .bind(job_id)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(adopted)
}

pub(in crate::store) async fn previous_snapshot_agents(
    pool: &PgPool,
    feed_id: i64,
) -> Result<Option<i32>, StoreError> {
    Ok(sqlx::query_scalar(
        "SELECT agents FROM feeds WHERE status = 'accepted' AND scope = 'snapshot' AND id < $1
         ORDER BY id DESC LIMIT 1",
    )
    .bind(feed_id)
    .fetch_optional(pool)
    .await?)
}

pub(in crate::store) async fn feeds(
    pool: &PgPool,
    limit: i64,
    offset: i64,
) -> Result<(Vec<FeedRecord>, i64), StoreError> {
    let rows = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM feeds ORDER BY id DESC LIMIT $1 OFFSET $2"
    ))
    .bind(limit)
    .bind(offset)
    .fetch_all(pool)
    .await?;
    let total: i64 = sqlx::query_scalar("SELECT count(*) FROM feeds")
        .fetch_one(pool)
        .await?;
    Ok((rows, total))
}

pub(in crate::store) async fn feed(
    pool: &PgPool,
    id: i64,
) -> Result<Option<FeedRecord>, StoreError> {
    Ok(
        sqlx::query_as(&format!("SELECT {COLUMNS} FROM feeds WHERE id = $1"))
            .bind(id)
            .fetch_optional(pool)
            .await?,
    )
}

pub(in crate::store) async fn feeds_of_job(
    pool: &PgPool,
    job_id: i64,
) -> Result<Vec<FeedRecord>, StoreError> {
    Ok(sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM feeds WHERE job_id = $1 ORDER BY id"
    ))
    .bind(job_id)
    .fetch_all(pool)
    .await?)
}

pub(in crate::store) async fn last_feed_per_source(
    pool: &PgPool,
) -> Result<Vec<(String, DateTime<Utc>)>, StoreError> {
    let rows = sqlx::query(
        "SELECT source, max(received_at) AS at FROM feeds WHERE status IN ('accepted', 'unchanged') GROUP BY source",
    )
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|r| Ok((r.try_get("source")?, r.try_get("at")?)))
        .collect::<Result<_, sqlx::Error>>()
        .map_err(StoreError::from)
}
