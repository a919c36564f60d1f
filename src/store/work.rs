//! Per-agent work items of a job: claimed with `FOR UPDATE SKIP LOCKED` under a lease, so that
//! one agent is never worked on twice at once and a dead worker's items are taken over.

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::Row;

use super::{Store, StoreError};

/// Where one agent is within a job.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum WorkStatus {
    /// To be written (now or after a backoff).
    Pending,
    /// A worker is writing it.
    InProgress,
    /// Written; to be re-read after the settle time.
    Verifying,
    /// Verified to match.
    Converged,
    /// Could not be processed.
    Failed,
    /// Failed too many times in a row.
    NeedsAttention,
    /// Written and still different, verification after verification.
    Stuck,
}

impl WorkStatus {
    /// The stored spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::InProgress => "in_progress",
            Self::Verifying => "verifying",
            Self::Converged => "converged",
            Self::Failed => "failed",
            Self::NeedsAttention => "needs_attention",
            Self::Stuck => "stuck",
        }
    }

    fn parse(s: &str) -> Self {
        match s {
            "pending" => Self::Pending,
            "in_progress" => Self::InProgress,
            "verifying" => Self::Verifying,
            "converged" => Self::Converged,
            "needs_attention" => Self::NeedsAttention,
            "stuck" => Self::Stuck,
            _ => Self::Failed,
        }
    }
}

/// One agent's item.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct WorkItem {
    /// The job.
    pub job_id: i64,
    /// Platform user id.
    pub user_id: String,
    /// Feed key, when the user has one.
    pub agent_key: Option<String>,
    /// Email, employee id or user id.
    pub label: String,
    /// Status at claim time (`in_progress` items claimed again were taken over from a worker
    /// that died, or released at shutdown).
    #[schema(value_type = String)]
    pub status: WorkStatus,
    /// Write attempts so far.
    pub attempts: i32,
    /// Verifications that still found drift.
    pub verifications: i32,
    /// When it is due.
    pub next_attempt_at: DateTime<Utc>,
    /// The last failure.
    pub last_error: Option<String>,
}

fn item(row: &sqlx::postgres::PgRow) -> Result<WorkItem, sqlx::Error> {
    let status: String = row.try_get("status")?;
    Ok(WorkItem {
        job_id: row.try_get("job_id")?,
        user_id: row.try_get("user_id")?,
        agent_key: row.try_get("agent_key")?,
        label: row.try_get("label")?,
        status: WorkStatus::parse(&status),
        attempts: row.try_get("attempts")?,
        verifications: row.try_get("verifications")?,
        next_attempt_at: row.try_get("next_attempt_at")?,
        last_error: row.try_get("last_error")?,
    })
}

/// A new item: user id, feed key, label.
pub type NewItem<'a> = (&'a str, Option<&'a str>, &'a str);

impl Store {
    /// Creates the items of a job; items that exist already (a job taken over after a crash)
    /// are kept as they are.
    pub async fn create_work_items(
        &self,
        job_id: i64,
        items: &[NewItem<'_>],
    ) -> Result<(), StoreError> {
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
            .execute(&self.pool)
            .await?;
            // Each job gives an agent a fresh run of attempts before `needs_attention`.
            sqlx::query(
                "UPDATE agents SET consecutive_failures = 0 WHERE user_id = ANY($1::text[])",
            )
            .bind(&users)
            .execute(&self.pool)
            .await?;
        }
        Ok(())
    }

    /// True when the job has any items (its plan was made before).
    pub async fn has_work_items(&self, job_id: i64) -> Result<bool, StoreError> {
        Ok(
            sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM work_items WHERE job_id = $1)")
                .bind(job_id)
                .fetch_one(&self.pool)
                .await?,
        )
    }

    /// Claims up to `limit` due items of `job_id` for `owner`. Returned items carry the status
    /// they had: `pending` and `in_progress` are to be written, `verifying` to be verified.
    pub async fn claim_work_items(
        &self,
        job_id: i64,
        owner: &str,
        lease_secs: f64,
        limit: i64,
    ) -> Result<Vec<WorkItem>, StoreError> {
        let rows = sqlx::query(
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
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.iter().map(item).collect::<Result<_, _>>()?)
    }

    /// Moves one item on: to `status`, due at `next` (for pending and verifying), with the
    /// attempt and verification counters bumped as asked, and the lease dropped.
    #[allow(clippy::too_many_arguments)]
    pub async fn update_work_item(
        &self,
        job_id: i64,
        user_id: &str,
        status: WorkStatus,
        next: Option<DateTime<Utc>>,
        attempted: bool,
        verified_drift: bool,
        error: Option<&str>,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE work_items SET status = $3, next_attempt_at = COALESCE($4, next_attempt_at),
                 attempts = attempts + $5, verifications = verifications + $6,
                 last_error = CASE WHEN $3 = 'converged' THEN NULL ELSE COALESCE($7, last_error) END, lease_owner = NULL, lease_until = NULL, updated_at = now()
             WHERE job_id = $1 AND user_id = $2",
        )
        .bind(job_id)
        .bind(user_id)
        .bind(status.as_str())
        .bind(next)
        .bind(i32::from(attempted))
        .bind(i32::from(verified_drift))
        .bind(error)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Drops `owner`'s leases on a job's items (shutdown), so that they are claimable at once.
    pub async fn release_work_items(&self, job_id: i64, owner: &str) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE work_items SET lease_until = NULL, lease_owner = NULL
             WHERE job_id = $1 AND lease_owner = $2",
        )
        .bind(job_id)
        .bind(owner)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Items per status.
    pub async fn work_counts(&self, job_id: i64) -> Result<Vec<(String, i64)>, StoreError> {
        let rows = sqlx::query("SELECT status, count(*) AS n FROM work_items WHERE job_id = $1 GROUP BY status ORDER BY status")
            .bind(job_id)
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| Ok((r.try_get("status")?, r.try_get("n")?)))
            .collect::<Result<_, sqlx::Error>>()
            .map_err(StoreError::from)
    }

    /// When the next open item of a job is due; `None` when every item is finished.
    pub async fn next_work_due(&self, job_id: i64) -> Result<Option<DateTime<Utc>>, StoreError> {
        Ok(sqlx::query_scalar(
            "SELECT min(GREATEST(next_attempt_at, COALESCE(lease_until, next_attempt_at))) FROM work_items
             WHERE job_id = $1 AND status IN ('pending', 'in_progress', 'verifying')",
        )
        .bind(job_id)
        .fetch_one(&self.pool)
        .await?)
    }

    /// Every item of a job.
    pub async fn work_items(
        &self,
        job_id: i64,
        limit: i64,
        offset: i64,
    ) -> Result<Vec<WorkItem>, StoreError> {
        let rows = sqlx::query(
            "SELECT job_id, user_id, agent_key, label, status, attempts, verifications, next_attempt_at, last_error
             FROM work_items WHERE job_id = $1 ORDER BY label LIMIT $2 OFFSET $3",
        )
        .bind(job_id)
        .bind(limit)
        .bind(offset)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.iter().map(item).collect::<Result<_, _>>()?)
    }
}
