//! The job queue: triggers coalesce into one queued job, at most one job runs at a time under a
//! lease that a dead owner's successor takes over, and held jobs wait for an operator.

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::Row;

use super::{Store, StoreError};

/// What started a job.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Trigger {
    /// A feed was accepted.
    Feed,
    /// The drift-scan schedule.
    Schedule,
    /// `POST /v1/reconcile`.
    Manual,
    /// The daemon started.
    Startup,
    /// A certification starts or stops being in force.
    Certification,
}

impl Trigger {
    /// The stored spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Feed => "feed",
            Self::Schedule => "schedule",
            Self::Manual => "manual",
            Self::Startup => "startup",
            Self::Certification => "certification",
        }
    }
}

/// Where a job is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum JobStatus {
    /// Waiting to run.
    Queued,
    /// Approved after a hold; runs before queued jobs.
    Approved,
    /// A worker holds its lease.
    Running,
    /// Tripped a safety threshold; waits for approve or reject.
    Held,
    /// Every agent converged.
    Succeeded,
    /// Finished with agents failed, stuck or needing attention, or could not run.
    Failed,
    /// An operator rejected it.
    Rejected,
    /// A newer held job replaced it.
    Superseded,
}

impl JobStatus {
    /// The stored spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Queued => "queued",
            Self::Approved => "approved",
            Self::Running => "running",
            Self::Held => "held",
            Self::Succeeded => "succeeded",
            Self::Failed => "failed",
            Self::Rejected => "rejected",
            Self::Superseded => "superseded",
        }
    }
}

/// A stored job.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct JobRecord {
    /// Id.
    pub id: i64,
    /// `feed`, `schedule`, `manual`, `startup` or `certification`.
    pub trigger: String,
    /// The feed that triggered it (the newest, when several coalesced).
    pub feed_id: Option<i64>,
    /// A one-agent run: the agent key or user id; absent = every agent.
    pub agent: Option<String>,
    /// Status.
    pub status: String,
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
}

impl JobRecord {
    /// True when an operator approved it after a hold.
    pub fn approved(&self) -> bool {
        self.decided_by.is_some() && self.held_destructive.is_some()
    }
}

const COLUMNS: &str =
    "id, trigger, feed_id, agent_key, status, created_at, started_at, finished_at, coalesced, \
                       held_reasons, held_destructive, decided_by, plan, counts, error";

fn record(row: &sqlx::postgres::PgRow) -> Result<JobRecord, sqlx::Error> {
    Ok(JobRecord {
        id: row.try_get("id")?,
        trigger: row.try_get("trigger")?,
        feed_id: row.try_get("feed_id")?,
        agent: row.try_get("agent_key")?,
        status: row.try_get("status")?,
        created_at: row.try_get("created_at")?,
        started_at: row.try_get("started_at")?,
        finished_at: row.try_get("finished_at")?,
        coalesced: row.try_get("coalesced")?,
        held_reasons: row.try_get("held_reasons")?,
        held_destructive: row.try_get("held_destructive")?,
        decided_by: row.try_get("decided_by")?,
        plan: row.try_get("plan")?,
        counts: row.try_get("counts")?,
        error: row.try_get("error")?,
    })
}

impl Store {
    /// Queues a job, or merges the trigger into the job already queued: a one-agent request for
    /// another agent, or any full request, widens it to everyone; a feed trigger wins.
    pub async fn enqueue_job(
        &self,
        trigger: Trigger,
        feed_id: Option<i64>,
        agent: Option<&str>,
    ) -> Result<JobRecord, StoreError> {
        let row = sqlx::query(&format!(
            "INSERT INTO jobs (trigger, feed_id, agent_key, status) VALUES ($1, $2, $3, 'queued')
             ON CONFLICT ((status)) WHERE status = 'queued' DO UPDATE SET
                 coalesced = jobs.coalesced + 1,
                 feed_id = COALESCE(EXCLUDED.feed_id, jobs.feed_id),
                 agent_key = CASE WHEN jobs.agent_key IS NOT DISTINCT FROM EXCLUDED.agent_key
                                  THEN jobs.agent_key ELSE NULL END,
                 trigger = CASE WHEN EXCLUDED.trigger = 'feed' THEN 'feed' ELSE jobs.trigger END
             RETURNING {COLUMNS}"
        ))
        .bind(trigger.as_str())
        .bind(feed_id)
        .bind(agent)
        .fetch_one(&self.pool)
        .await?;
        Ok(record(&row)?)
    }

    /// Claims the next job for `owner` under a lease of `lease_secs`: a running job whose owner's
    /// lease expired (taken over), else an approved one, else the queued one. Returns `None`
    /// while another owner's job runs with a live lease: one job per org at a time.
    pub async fn claim_job(
        &self,
        owner: &str,
        lease_secs: f64,
    ) -> Result<Option<JobRecord>, StoreError> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("SELECT pg_advisory_xact_lock(7261002)")
            .execute(&mut *tx)
            .await?;
        let busy: bool = sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM jobs WHERE status = 'running' AND lease_until > now() AND lease_owner <> $1)",
        )
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
        let row = sqlx::query(&format!(
            "UPDATE jobs SET status = 'running', started_at = COALESCE(started_at, now()),
                 lease_owner = $2, lease_until = now() + make_interval(secs => $3)
             WHERE id = $1 RETURNING {COLUMNS}"
        ))
        .bind(id)
        .bind(owner)
        .bind(lease_secs)
        .fetch_one(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(Some(record(&row)?))
    }

    /// Extends the lease; false when `owner` no longer holds the job (it must stop working).
    pub async fn renew_job_lease(
        &self,
        id: i64,
        owner: &str,
        lease_secs: f64,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE jobs SET lease_until = now() + make_interval(secs => $3)
             WHERE id = $1 AND lease_owner = $2 AND status = 'running'",
        )
        .bind(id)
        .bind(owner)
        .bind(lease_secs)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Gives the job up at shutdown so that the next process takes it over at once.
    pub async fn release_job(&self, id: i64, owner: &str) -> Result<(), StoreError> {
        sqlx::query("UPDATE jobs SET lease_until = now() WHERE id = $1 AND lease_owner = $2 AND status = 'running'")
            .bind(id)
            .bind(owner)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Records the plan of a running job.
    pub async fn set_job_plan(&self, id: i64, plan: serde_json::Value) -> Result<(), StoreError> {
        sqlx::query("UPDATE jobs SET plan = $2 WHERE id = $1")
            .bind(id)
            .bind(plan)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Holds a job for approval; an older held scan is superseded by it (held feed jobs wait for
    /// their own decision: their feed is out of the desired state until then).
    pub async fn hold_job(
        &self,
        id: i64,
        reasons: &[String],
        destructive: usize,
        plan: serde_json::Value,
    ) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "UPDATE jobs SET status = 'superseded', finished_at = now()
             WHERE status = 'held' AND id <> $1 AND (feed_id IS NULL OR trigger <> 'feed')",
        )
        .bind(id)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "UPDATE jobs SET status = 'held', held_reasons = $2, held_destructive = $3, plan = $4,
                 lease_owner = NULL, lease_until = NULL
             WHERE id = $1",
        )
        .bind(id)
        .bind(serde_json::json!(reasons))
        .bind(destructive as i32)
        .bind(plan)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Approves a held job; it runs next.
    pub async fn approve_job(&self, id: i64, by: &str) -> Result<JobRecord, StoreError> {
        self.decide(id, by, "approved", "approve").await
    }

    /// Rejects a held job.
    pub async fn reject_job(&self, id: i64, by: &str) -> Result<JobRecord, StoreError> {
        self.decide(id, by, "rejected", "reject").await
    }

    async fn decide(
        &self,
        id: i64,
        by: &str,
        status: &str,
        verb: &str,
    ) -> Result<JobRecord, StoreError> {
        let row = sqlx::query(&format!(
            "UPDATE jobs SET status = $2, decided_by = $3,
                 finished_at = CASE WHEN $2 = 'rejected' THEN now() ELSE NULL END
             WHERE id = $1 AND status = 'held' RETURNING {COLUMNS}"
        ))
        .bind(id)
        .bind(status)
        .bind(by)
        .fetch_optional(&self.pool)
        .await?;
        match row {
            Some(row) => Ok(record(&row)?),
            None => match self.job(id).await? {
                Some(job) => Err(StoreError::Conflict(format!(
                    "job {id} is {}, not held; only held jobs can be {verb}d",
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
        sqlx::query(
            "UPDATE jobs SET status = $2, counts = $3, error = $4, finished_at = now(),
                 lease_owner = NULL, lease_until = NULL
             WHERE id = $1",
        )
        .bind(id)
        .bind(status.as_str())
        .bind(counts)
        .bind(error)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Records something that failed before it could become a job (a feed source that could
    /// not be read), so that it shows in the job history.
    pub async fn record_failed_job(
        &self,
        trigger: Trigger,
        error: &str,
    ) -> Result<i64, StoreError> {
        Ok(sqlx::query_scalar(
            "INSERT INTO jobs (trigger, status, error, started_at, finished_at)
             VALUES ($1, 'failed', $2, now(), now()) RETURNING id",
        )
        .bind(trigger.as_str())
        .bind(error)
        .fetch_one(&self.pool)
        .await?)
    }

    /// Jobs, newest first, optionally of one status.
    pub async fn jobs(
        &self,
        status: Option<&str>,
        limit: i64,
        offset: i64,
    ) -> Result<(Vec<JobRecord>, i64), StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM jobs WHERE ($1::text IS NULL OR status = $1) ORDER BY id DESC LIMIT $2 OFFSET $3"
        ))
        .bind(status)
        .bind(limit)
        .bind(offset)
        .fetch_all(&self.pool)
        .await?;
        let total: i64 =
            sqlx::query_scalar("SELECT count(*) FROM jobs WHERE ($1::text IS NULL OR status = $1)")
                .bind(status)
                .fetch_one(&self.pool)
                .await?;
        Ok((rows.iter().map(record).collect::<Result<_, _>>()?, total))
    }

    /// One job.
    pub async fn job(&self, id: i64) -> Result<Option<JobRecord>, StoreError> {
        let row = sqlx::query(&format!("SELECT {COLUMNS} FROM jobs WHERE id = $1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(|r| record(&r)).transpose()?)
    }

    /// Jobs per status, for metrics.
    pub async fn job_counts(&self) -> Result<Vec<(String, i64)>, StoreError> {
        let rows = sqlx::query("SELECT status, count(*) AS n FROM jobs GROUP BY status")
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| Ok((r.try_get("status")?, r.try_get("n")?)))
            .collect::<Result<_, sqlx::Error>>()
            .map_err(StoreError::from)
    }

    /// A named value kept across restarts.
    pub async fn state_value(&self, key: &str) -> Result<Option<serde_json::Value>, StoreError> {
        Ok(
            sqlx::query_scalar("SELECT value FROM daemon_state WHERE key = $1")
                .bind(key)
                .fetch_optional(&self.pool)
                .await?,
        )
    }

    /// Sets a named value.
    pub async fn set_state_value(
        &self,
        key: &str,
        value: serde_json::Value,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO daemon_state (key, value) VALUES ($1, $2)
             ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, updated_at = now()",
        )
        .bind(key)
        .bind(value)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// When the last job that converged everyone finished.
    pub async fn last_success(&self) -> Result<Option<DateTime<Utc>>, StoreError> {
        Ok(
            sqlx::query_scalar("SELECT max(finished_at) FROM jobs WHERE status = 'succeeded'")
                .fetch_one(&self.pool)
                .await?,
        )
    }
}
