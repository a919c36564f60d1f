//! Per-agent work items of a job: claimed under a lease, so that one agent is never worked on
//! twice at once and a dead worker's items are taken over. Concurrent claims never get the same
//! item: PostgreSQL's claimers skip each other's locked rows, SQLite serializes writers.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::backend::{Batch, Column, Dialect};
use super::codec::changes_to_json;
use super::{PlannedChanges, Store, StoreError, WorkStatus};
use crate::domain::Change;

/// The columns of [`WorkItem`].
pub(super) const COLUMNS: &str =
    "job_id, user_id, agent_key, label, status, attempts, verifications, next_attempt_at, last_error, \
     planned";

/// One agent's item.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
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
    #[sqlx(try_from = "String")]
    pub status: WorkStatus,
    /// Write attempts so far.
    pub attempts: i32,
    /// Verifications that still found drift.
    pub verifications: i32,
    /// When it is due.
    pub next_attempt_at: DateTime<Utc>,
    /// The last failure.
    pub last_error: Option<String>,
    /// The changes planned for the agent, when they were stored with the item. Not shown by
    /// the API.
    #[serde(skip)]
    pub planned: Option<PlannedChanges>,
}

/// A new item: user id, feed key, label.
pub type NewItem<'a> = (&'a str, Option<&'a str>, &'a str);

/// A new item with the changes planned for its agent.
#[derive(Debug, Clone, Copy)]
pub struct PlannedItem<'a> {
    /// User id, feed key, label.
    pub item: NewItem<'a>,
    /// What the plan would change.
    pub planned: &'a [Change],
}

/// What happened to an item, as [`Store::update_work_item`] records it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ItemOutcome<'a> {
    /// No longer in the desired state: nothing to write.
    Unneeded,
    /// Written; to be verified at `verify_at`.
    Written {
        /// After the settle time.
        verify_at: DateTime<Utc>,
    },
    /// A write failed; it is tried again at `retry_at`.
    WriteFailed {
        /// After the backoff.
        retry_at: DateTime<Utc>,
        /// Why.
        reason: &'a str,
    },
    /// A write failed once too often: an operator must look.
    GaveUp {
        /// Why the last attempt failed.
        reason: &'a str,
    },
    /// The platform could not be read to verify; verification is tried again at `retry_at`.
    VerifyLater {
        /// Shortly.
        retry_at: DateTime<Utc>,
    },
    /// The user is no longer there to process.
    Vanished {
        /// Why.
        reason: &'a str,
    },
    /// Verified to match.
    Verified,
    /// Verified and still different: written again at `retry_at`.
    StillDrifted {
        /// When.
        retry_at: DateTime<Utc>,
    },
    /// Verified and still different, round after round.
    Stuck {
        /// Why.
        reason: &'a str,
    },
    /// Its routine changes wait (busy agent, closed window): final for the job.
    Deferred {
        /// Why, and since when.
        reason: &'a str,
    },
}

/// An outcome in stored form.
struct ItemUpdate<'a> {
    status: WorkStatus,
    next: Option<DateTime<Utc>>,
    /// Added to `attempts`.
    attempts: i32,
    /// Added to `verifications`.
    verifications: i32,
    error: Option<&'a str>,
}

impl<'a> ItemOutcome<'a> {
    fn update(self) -> ItemUpdate<'a> {
        let (status, next, attempts, verifications, error) = match self {
            Self::Unneeded | Self::Verified => (WorkStatus::Converged, None, 0, 0, None),
            Self::Written { verify_at } => (WorkStatus::Verifying, Some(verify_at), 1, 0, None),
            Self::WriteFailed { retry_at, reason } => {
                (WorkStatus::Pending, Some(retry_at), 1, 0, Some(reason))
            }
            Self::GaveUp { reason } => (WorkStatus::NeedsAttention, None, 1, 0, Some(reason)),
            Self::VerifyLater { retry_at } => (WorkStatus::Verifying, Some(retry_at), 0, 0, None),
            Self::Vanished { reason } => (WorkStatus::Failed, None, 0, 0, Some(reason)),
            Self::StillDrifted { retry_at } => (WorkStatus::Pending, Some(retry_at), 0, 1, None),
            Self::Stuck { reason } => (WorkStatus::Stuck, None, 0, 1, Some(reason)),
            Self::Deferred { reason } => (WorkStatus::Deferred, None, 0, 0, Some(reason)),
        };
        ItemUpdate {
            status,
            next,
            attempts,
            verifications,
            error,
        }
    }
}

impl Store {
    /// Creates the items of a job; items that exist already (a job taken over after a crash)
    /// are kept as they are.
    pub async fn create_work_items(
        &self,
        job_id: i64,
        items: &[NewItem<'_>],
    ) -> Result<(), StoreError> {
        let items: Vec<_> = items.iter().map(|item| (*item, None)).collect();
        self.insert_work_items(job_id, &items).await
    }

    /// Creates items with their planned changes (or none) as [`Store::create_work_items`]. The
    /// changes are encoded a batch at a time: all of a large job's at once would cost hundreds
    /// of megabytes.
    pub(super) async fn insert_work_items(
        &self,
        job_id: i64,
        items: &[(NewItem<'_>, Option<&[Change]>)],
    ) -> Result<(), StoreError> {
        db!(self, |pool, D| {
            // All or nothing: a resumed job skips planning when it has items, so a partial set
            // would silently leave agents out of it.
            let mut tx = D::begin_write(pool).await?;
            // Job ids are global: another org's job must look as absent as a job that never was.
            let ours: bool =
                sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM jobs WHERE id = $1 AND org = $2)")
                    .bind(job_id)
                    .bind(&*self.org)
                    .fetch_one(&mut *tx)
                    .await?;
            if !ours && !items.is_empty() {
                return Err(StoreError::NotFound(format!("job {job_id}")));
            }
            for batch in items.chunks(5_000) {
                let rows = Batch(vec![
                    Column::Text(batch.iter().map(|(i, _)| Some(i.0.to_owned())).collect()),
                    Column::Text(batch.iter().map(|(i, _)| i.1.map(str::to_owned)).collect()),
                    Column::Text(batch.iter().map(|(i, _)| Some(i.2.to_owned())).collect()),
                    Column::NullableJson(
                        batch
                            .iter()
                            .map(|(_, p)| p.map(|c| changes_to_json(c).to_string()))
                            .collect(),
                    ),
                ]);
                let sql = format!(
                    "INSERT INTO work_items (org, job_id, user_id, agent_key, label, planned)
                     SELECT $2, $1, c0, c1, c2, c3 FROM {}
                     WHERE true
                     ON CONFLICT DO NOTHING",
                    D::rows(3, &rows)
                );
                D::bind_rows(sqlx::query(&sql).bind(job_id).bind(&*self.org), rows)
                    .execute(&mut *tx)
                    .await?;
                // Each job gives an agent a fresh run of attempts before `needs_attention`.
                let users: Vec<&str> = batch.iter().map(|(i, _)| i.0).collect();
                sqlx::query(&format!(
                    "UPDATE agents SET consecutive_failures = 0 WHERE org = $2 AND {}",
                    D::in_list("user_id", "$1")
                ))
                .bind(D::list(&users))
                .bind(&*self.org)
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await?;
        });
        Ok(())
    }

    /// True when the job has any items (its plan was made before).
    pub async fn has_work_items(&self, job_id: i64) -> Result<bool, StoreError> {
        db!(self, |pool, D| Ok(sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM work_items WHERE job_id = $1 AND org = $2)"
        )
        .bind(job_id)
        .bind(&*self.org)
        .fetch_one(pool)
        .await?))
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
        db!(self, |pool, D| {
            let mut tx = D::begin_write(pool).await?;
            // Read before the update: the items are returned with the status they had.
            let picked: Vec<WorkItem> = sqlx::query_as(&format!(
                "SELECT {COLUMNS} FROM work_items
                 WHERE job_id = $1 AND org = $3
                   AND status IN ('pending', 'in_progress', 'verifying')
                   AND next_attempt_at <= {now} AND (lease_until IS NULL OR lease_until < {now})
                 ORDER BY next_attempt_at
                 LIMIT $2
                 {skip_locked}",
                now = D::NOW,
                skip_locked = D::SKIP_LOCKED,
            ))
            .bind(job_id)
            .bind(limit)
            .bind(&*self.org)
            .fetch_all(&mut *tx)
            .await?;
            let users: Vec<&str> = picked.iter().map(|i| i.user_id.as_str()).collect();
            sqlx::query(&format!(
                "UPDATE work_items SET
                     status = CASE WHEN status = 'verifying' THEN 'verifying' ELSE 'in_progress' END,
                     lease_owner = $2, lease_until = {lease}, updated_at = {now}
                 WHERE job_id = $1 AND org = $5 AND {picked}",
                lease = D::now_plus("$3"),
                now = D::NOW,
                picked = D::in_list("user_id", "$4"),
            ))
            .bind(job_id)
            .bind(owner)
            .bind(lease_secs)
            .bind(D::list(&users))
            .bind(&*self.org)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            Ok(picked)
        })
    }

    /// Records what happened to one item: its new status, when it is due again, its attempt
    /// and verification counters and last error as the outcome says; the lease is dropped.
    pub async fn update_work_item(
        &self,
        job_id: i64,
        user_id: &str,
        outcome: ItemOutcome<'_>,
    ) -> Result<(), StoreError> {
        let update = outcome.update();
        db!(self, |pool, D| {
            sqlx::query(&format!(
            "UPDATE work_items SET status = $3, next_attempt_at = COALESCE($4, next_attempt_at),
                 attempts = attempts + $5, verifications = verifications + $6,
                 last_error = CASE WHEN $3 = 'converged' THEN NULL ELSE COALESCE($7, last_error) END,
                 lease_owner = NULL, lease_until = NULL, updated_at = {}
             WHERE job_id = $1 AND user_id = $2 AND org = $8",
            D::NOW
        ))
        .bind(job_id)
        .bind(user_id)
        .bind(update.status.as_str())
        .bind(update.next.map(D::ts))
        .bind(update.attempts)
        .bind(update.verifications)
        .bind(update.error)
        .bind(&*self.org)
        .execute(pool)
        .await?
        .rows_affected()
        });
        Ok(())
    }

    /// Drops `owner`'s leases on a job's items (shutdown), so that they are claimable at once.
    pub async fn release_work_items(&self, job_id: i64, owner: &str) -> Result<(), StoreError> {
        db!(self, |pool, D| sqlx::query(
            "UPDATE work_items SET lease_until = NULL, lease_owner = NULL
             WHERE job_id = $1 AND org = $3 AND lease_owner = $2",
        )
        .bind(job_id)
        .bind(owner)
        .bind(&*self.org)
        .execute(pool)
        .await?
        .rows_affected());
        Ok(())
    }

    /// Items per status.
    pub async fn work_counts(&self, job_id: i64) -> Result<Vec<(String, i64)>, StoreError> {
        db!(self, |pool, D| Ok(sqlx::query_as(
            "SELECT status, count(*) AS n FROM work_items WHERE job_id = $1 AND org = $2
             GROUP BY status ORDER BY status",
        )
        .bind(job_id)
        .bind(&*self.org)
        .fetch_all(pool)
        .await?))
    }

    /// When the next open item of a job is due; `None` when every item is finished.
    pub async fn next_work_due(&self, job_id: i64) -> Result<Option<DateTime<Utc>>, StoreError> {
        db!(self, |pool, D| Ok(sqlx::query_scalar(&format!(
            "SELECT min({}(next_attempt_at, COALESCE(lease_until, next_attempt_at))) FROM work_items
             WHERE job_id = $1 AND org = $2 AND status IN ('pending', 'in_progress', 'verifying')",
            D::GREATEST
        ))
        .bind(job_id)
        .bind(&*self.org)
        .fetch_one(pool)
        .await?))
    }

    /// Every item of a job.
    pub async fn work_items(
        &self,
        job_id: i64,
        limit: i64,
        offset: i64,
    ) -> Result<Vec<WorkItem>, StoreError> {
        db!(self, |pool, D| Ok(sqlx::query_as(&format!(
            "SELECT {COLUMNS} FROM work_items WHERE job_id = $1 AND org = $4
             ORDER BY label, user_id LIMIT $2 OFFSET $3"
        ))
        .bind(job_id)
        .bind(limit)
        .bind(offset)
        .bind(&*self.org)
        .fetch_all(pool)
        .await?))
    }
}
