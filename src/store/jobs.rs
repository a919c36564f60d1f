//! The job queue: triggers coalesce into one queued job per queue (see `queueing`), at most one
//! job per lane runs at a time under a lease that a dead owner's successor takes over, and held
//! jobs wait for an operator. Claims are serialized (an advisory lock on PostgreSQL, SQLite's
//! write lock).

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::backend::{Dialect, JOBS_LOCK};
use super::{JobStatus, Lane, Store, StoreError, Trigger};

/// A stored job.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct JobRecord {
    /// Id.
    pub id: i64,
    /// What started it.
    #[sqlx(try_from = "String")]
    pub trigger: Trigger,
    /// The feed that triggered it (the newest, when several coalesced).
    pub feed_id: Option<i64>,
    /// A one-agent run: the agent key or user id; absent = every agent.
    #[sqlx(rename = "agent_key")]
    pub agent: Option<String>,
    /// Status.
    #[sqlx(try_from = "String")]
    pub status: JobStatus,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// First started.
    pub started_at: Option<DateTime<Utc>>,
    /// Finished.
    pub finished_at: Option<DateTime<Utc>>,
    /// Triggers merged into it.
    pub coalesced: i32,
    /// Why it was held.
    pub held_reasons: Option<serde_json::Value>,
    /// Removals and downgrades planned when it was held.
    pub held_destructive: Option<i32>,
    /// The token name that approved or rejected it.
    pub decided_by: Option<String>,
    /// The plan: summary and changes.
    pub plan: Option<serde_json::Value>,
    /// Results by state.
    pub counts: Option<serde_json::Value>,
    /// Why it failed.
    pub error: Option<String>,
    /// Runs in the urgent lane, beside the routine job (a certification instant, a one-agent run).
    pub urgent: bool,
    /// A certification job: plans the agents whose certifications started or stopped being in
    /// force after this instant.
    pub transitions_since: Option<DateTime<Utc>>,
    /// A job waiting for a change window: when the window opens and it runs again.
    pub not_before: Option<DateTime<Utc>>,
}

impl JobRecord {
    /// True when an operator approved it after a hold.
    pub fn approved(&self) -> bool {
        self.decided_by.is_some() && self.held_destructive.is_some()
    }
}

pub(super) const COLUMNS: &str =
    "id, trigger, feed_id, agent_key, status, created_at, started_at, finished_at, coalesced, \
                       held_reasons, held_destructive, decided_by, plan, counts, error, \
                       transitions_since, not_before, queue <> 'routine' AS urgent";

impl Store {
    /// Claims the next job of `lane` for `owner` under a lease of `lease_secs`: a running job
    /// whose owner's lease expired (taken over), else an approved one, else one whose change
    /// window has opened, else the oldest queued one. Returns `None` while another owner's job of the lane runs with a live lease: one job
    /// per lane at a time, so an urgent job runs beside a long routine one, never behind it.
    pub async fn claim_job(
        &self,
        owner: &str,
        lease_secs: f64,
        lane: Lane,
    ) -> Result<Option<JobRecord>, StoreError> {
        let of_lane = lane.condition();
        db!(self, |pool, D| {
            let mut tx = D::begin_write(pool).await?;
            D::lock(&mut tx, self.lock_key(JOBS_LOCK)).await?;
            let busy: bool = sqlx::query_scalar(&format!(
                "SELECT EXISTS (SELECT 1 FROM jobs
                                WHERE org = $2 AND status = 'running' AND {of_lane}
                                  AND lease_until > {} AND lease_owner <> $1)",
                D::NOW
            ))
            .bind(owner)
            .bind(&*self.org)
            .fetch_one(&mut *tx)
            .await?;
            if busy {
                return Ok(None);
            }
            // Urgent jobs run side by side (see `Lane::concurrent`): one this owner already
            // runs under a live lease is not claimed again.
            let not_mine = if lane.concurrent() {
                format!(
                    "AND NOT (status = 'running' AND lease_owner = $2 AND lease_until > {})",
                    D::NOW
                )
            } else {
                String::new()
            };
            let sql = format!(
                "SELECT id FROM jobs
                 WHERE org = $1 AND {of_lane} {not_mine}
                   AND (status IN ('running', 'approved', 'queued')
                        OR (status = 'waiting_window' AND not_before <= {now}))
                 ORDER BY CASE status WHEN 'running' THEN 0 WHEN 'approved' THEN 1
                                      WHEN 'waiting_window' THEN 2 ELSE 3 END, id
                 LIMIT 1",
                now = D::NOW,
            );
            let query = sqlx::query_scalar(&sql).bind(&*self.org);
            let query = if lane.concurrent() {
                query.bind(owner)
            } else {
                query
            };
            let next: Option<i64> = query.fetch_optional(&mut *tx).await?;
            let Some(id) = next else {
                return Ok(None);
            };
            let job = sqlx::query_as(&format!(
                "UPDATE jobs SET status = 'running', started_at = COALESCE(started_at, {now}),
                     lease_owner = $2, lease_until = {lease}
                 WHERE id = $1 AND org = $4 RETURNING {COLUMNS}",
                now = D::NOW,
                lease = D::now_plus("$3"),
            ))
            .bind(id)
            .bind(owner)
            .bind(lease_secs)
            .bind(&*self.org)
            .fetch_one(&mut *tx)
            .await?;
            tx.commit().await?;
            Ok(Some(job))
        })
    }

    /// Extends the lease; false when `owner` no longer holds the job (it must stop working).
    pub async fn renew_job_lease(
        &self,
        id: i64,
        owner: &str,
        lease_secs: f64,
    ) -> Result<bool, StoreError> {
        let renewed = db!(self, |pool, D| sqlx::query(&format!(
            "UPDATE jobs SET lease_until = {}
             WHERE id = $1 AND org = $4 AND lease_owner = $2 AND status = 'running'",
            D::now_plus("$3")
        ))
        .bind(id)
        .bind(owner)
        .bind(lease_secs)
        .bind(&*self.org)
        .execute(pool)
        .await?
        .rows_affected());
        Ok(renewed == 1)
    }

    /// Gives the job up at shutdown so that the next process takes it over at once.
    pub async fn release_job(&self, id: i64, owner: &str) -> Result<(), StoreError> {
        db!(self, |pool, D| sqlx::query(&format!(
            "UPDATE jobs SET lease_until = {}
             WHERE id = $1 AND org = $3 AND lease_owner = $2 AND status = 'running'",
            D::NOW
        ))
        .bind(id)
        .bind(owner)
        .bind(&*self.org)
        .execute(pool)
        .await?
        .rows_affected());
        Ok(())
    }

    /// Records the plan of a running job.
    pub async fn set_job_plan(&self, id: i64, plan: serde_json::Value) -> Result<(), StoreError> {
        db!(self, |pool, D| sqlx::query(
            "UPDATE jobs SET plan = $2 WHERE id = $1 AND org = $3"
        )
        .bind(id)
        .bind(plan)
        .bind(&*self.org)
        .execute(pool)
        .await?
        .rows_affected());
        Ok(())
    }

    /// Approves a held job; it runs next.
    pub async fn approve_job(&self, id: i64, by: &str) -> Result<JobRecord, StoreError> {
        self.decide(id, by, JobStatus::Approved).await
    }

    /// Rejects a held job.
    pub async fn reject_job(&self, id: i64, by: &str) -> Result<JobRecord, StoreError> {
        self.decide(id, by, JobStatus::Rejected).await
    }

    /// Moves a held job to `status`, and nothing else.
    async fn decide(&self, id: i64, by: &str, status: JobStatus) -> Result<JobRecord, StoreError> {
        let decided: Option<JobRecord> = db!(self, |pool, D| sqlx::query_as(&decide_sql::<D>())
            .bind(id)
            .bind(status.as_str())
            .bind(by)
            .bind(&*self.org)
            .fetch_optional(pool)
            .await?);
        self.decided(id, status, decided).await
    }

    /// The decision's answer: the job, or why it could not be decided.
    pub(super) async fn decided(
        &self,
        id: i64,
        status: JobStatus,
        decided: Option<JobRecord>,
    ) -> Result<JobRecord, StoreError> {
        match decided {
            Some(job) => Ok(job),
            None => match self.job(id).await? {
                Some(job) => Err(StoreError::Conflict(format!(
                    "job {id} is {}, not held; only held jobs can be {status}",
                    job.status
                ))),
                None => Err(StoreError::NotFound(format!("job {id}"))),
            },
        }
    }

    /// Ends a running job.
    pub async fn finish_job(
        &self,
        id: i64,
        status: JobStatus,
        counts: serde_json::Value,
        error: Option<&str>,
    ) -> Result<(), StoreError> {
        db!(self, |pool, D| sqlx::query(&format!(
            "UPDATE jobs SET status = $2, counts = $3, error = $4, finished_at = {},
                 lease_owner = NULL, lease_until = NULL
             WHERE id = $1 AND org = $5",
            D::NOW
        ))
        .bind(id)
        .bind(status.as_str())
        .bind(counts)
        .bind(error)
        .bind(&*self.org)
        .execute(pool)
        .await?
        .rows_affected());
        Ok(())
    }

    /// Records something that failed before it could become a job (a feed source that could
    /// not be read), so that it shows in the job history.
    pub async fn record_failed_job(
        &self,
        trigger: Trigger,
        error: &str,
    ) -> Result<i64, StoreError> {
        db!(self, |pool, D| Ok(sqlx::query_scalar(&format!(
            "INSERT INTO jobs (trigger, status, error, started_at, finished_at, org)
             VALUES ($1, 'failed', $2, {now}, {now}, $3) RETURNING id",
            now = D::NOW
        ))
        .bind(trigger.as_str())
        .bind(error)
        .bind(&*self.org)
        .fetch_one(pool)
        .await?))
    }

    /// Jobs, newest first, optionally of one status (as the API was asked: a word outside the
    /// set matches nothing), and how many there are.
    pub async fn jobs(
        &self,
        status: Option<&str>,
        limit: i64,
        offset: i64,
    ) -> Result<(Vec<JobRecord>, i64), StoreError> {
        db!(self, |pool, D| {
            let of_status = format!("({} IS NULL OR status = $1)", D::cast("$1", "text"));
            let rows = sqlx::query_as(&format!(
                "SELECT {COLUMNS} FROM jobs WHERE org = $4 AND {of_status}
                 ORDER BY id DESC LIMIT $2 OFFSET $3"
            ))
            .bind(status)
            .bind(limit)
            .bind(offset)
            .bind(&*self.org)
            .fetch_all(pool)
            .await?;
            let total: i64 = sqlx::query_scalar(&format!(
                "SELECT count(*) FROM jobs WHERE org = $2 AND {of_status}"
            ))
            .bind(status)
            .bind(&*self.org)
            .fetch_one(pool)
            .await?;
            Ok((rows, total))
        })
    }

    /// One job.
    pub async fn job(&self, id: i64) -> Result<Option<JobRecord>, StoreError> {
        db!(self, |pool, D| Ok(sqlx::query_as(&format!(
            "SELECT {COLUMNS} FROM jobs WHERE id = $1 AND org = $2"
        ))
        .bind(id)
        .bind(&*self.org)
        .fetch_optional(pool)
        .await?))
    }

    /// Jobs per status, for metrics.
    pub async fn job_counts(&self) -> Result<Vec<(String, i64)>, StoreError> {
        db!(self, |pool, D| Ok(sqlx::query_as(
            "SELECT status, count(*) AS n FROM jobs WHERE org = $1 GROUP BY status"
        )
        .bind(&*self.org)
        .fetch_all(pool)
        .await?))
    }

    /// A named value kept across restarts.
    pub async fn state_value(&self, key: &str) -> Result<Option<serde_json::Value>, StoreError> {
        db!(self, |pool, D| Ok(sqlx::query_scalar(
            "SELECT value FROM daemon_state WHERE org = $2 AND key = $1"
        )
        .bind(key)
        .bind(&*self.org)
        .fetch_optional(pool)
        .await?))
    }

    /// Sets a named value.
    pub async fn set_state_value(
        &self,
        key: &str,
        value: serde_json::Value,
    ) -> Result<(), StoreError> {
        db!(self, |pool, D| sqlx::query(&format!(
            "INSERT INTO daemon_state (org, key, value) VALUES ($3, $1, $2)
             ON CONFLICT (org, key) DO UPDATE SET value = excluded.value, updated_at = {}",
            D::NOW
        ))
        .bind(key)
        .bind(value)
        .bind(&*self.org)
        .execute(pool)
        .await?
        .rows_affected());
        Ok(())
    }

    /// When the last job that converged everyone finished.
    pub async fn last_success(&self) -> Result<Option<DateTime<Utc>>, StoreError> {
        db!(self, |pool, D| Ok(sqlx::query_scalar(
            "SELECT max(finished_at) FROM jobs WHERE org = $1 AND status = 'succeeded'"
        )
        .bind(&*self.org)
        .fetch_one(pool)
        .await?))
    }
}

/// Moves job `$1` of org `$4` from `held` to status `$2`, decided by `$3`; returns the job.
pub(super) fn decide_sql<D: Dialect>() -> String {
    format!(
        "UPDATE jobs SET status = $2, decided_by = $3,
             finished_at = CASE WHEN $2 = 'rejected' THEN {} ELSE NULL END
         WHERE id = $1 AND org = $4 AND status = 'held' RETURNING {COLUMNS}",
        D::NOW
    )
}
