//! The job queue: triggers coalesce into one queued job, at most one job runs at a time under a
//! lease that a dead owner's successor takes over, and held jobs wait for an operator.

use chrono::{DateTime, Utc};
use serde::Serialize;

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
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct JobRecord {
    /// Id.
    pub id: i64,
    /// `feed`, `schedule`, `manual`, `startup` or `certification`.
    pub trigger: String,
    /// The feed that triggered it (the newest, when several coalesced).
    pub feed_id: Option<i64>,
    /// A one-agent run: the agent key or user id; absent = every agent.
    #[sqlx(rename = "agent_key")]
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

pub(super) const COLUMNS: &str =
    "id, trigger, feed_id, agent_key, status, created_at, started_at, finished_at, coalesced, \
                       held_reasons, held_destructive, decided_by, plan, counts, error";

impl Store {
    /// Queues a job, or merges the trigger into the job already queued: a one-agent request for
    /// another agent, or any full request, widens it to everyone; a feed trigger wins.
    pub async fn enqueue_job(
        &self,
        trigger: Trigger,
        feed_id: Option<i64>,
        agent: Option<&str>,
    ) -> Result<JobRecord, StoreError> {
        dispatch!(self, jobs::enqueue_job(trigger.as_str(), feed_id, agent))
    }

    /// Claims the next job for `owner` under a lease of `lease_secs`: a running job whose owner's
    /// lease expired (taken over), else an approved one, else the queued one. Returns `None`
    /// while another owner's job runs with a live lease: one job per org at a time.
    pub async fn claim_job(
        &self,
        owner: &str,
        lease_secs: f64,
    ) -> Result<Option<JobRecord>, StoreError> {
        dispatch!(self, jobs::claim_job(owner, lease_secs))
    }

    /// Extends the lease; false when `owner` no longer holds the job (it must stop working).
    pub async fn renew_job_lease(
        &self,
        id: i64,
        owner: &str,
        lease_secs: f64,
    ) -> Result<bool, StoreError> {
        dispatch!(self, jobs::renew_job_lease(id, owner, lease_secs))
    }

    /// Gives the job up at shutdown so that the next process takes it over at once.
    pub async fn release_job(&self, id: i64, owner: &str) -> Result<(), StoreError> {
        dispatch!(self, jobs::release_job(id, owner))
    }

    /// Records the plan of a running job.
    pub async fn set_job_plan(&self, id: i64, plan: serde_json::Value) -> Result<(), StoreError> {
        dispatch!(self, jobs::set_job_plan(id, plan))
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
        let reasons = serde_json::json!(reasons);
        dispatch!(self, jobs::hold_job(id, reasons, destructive as i32, plan))
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
        match dispatch!(self, jobs::decide(id, by, status))? {
            Some(job) => Ok(job),
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
        dispatch!(self, jobs::finish_job(id, status.as_str(), counts, error))
    }

    /// Records something that failed before it could become a job (a feed source that could
    /// not be read), so that it shows in the job history.
    pub async fn record_failed_job(
        &self,
        trigger: Trigger,
        error: &str,
    ) -> Result<i64, StoreError> {
        dispatch!(self, jobs::record_failed_job(trigger.as_str(), error))
    }

    /// Jobs, newest first, optionally of one status, and how many there are.
    pub async fn jobs(
        &self,
        status: Option<&str>,
        limit: i64,
        offset: i64,
    ) -> Result<(Vec<JobRecord>, i64), StoreError> {
        dispatch!(self, jobs::jobs(status, limit, offset))
    }

    /// One job.
    pub async fn job(&self, id: i64) -> Result<Option<JobRecord>, StoreError> {
        dispatch!(self, jobs::job(id))
    }

    /// Jobs per status, for metrics.
    pub async fn job_counts(&self) -> Result<Vec<(String, i64)>, StoreError> {
        dispatch!(self, jobs::job_counts())
    }

    /// A named value kept across restarts.
    pub async fn state_value(&self, key: &str) -> Result<Option<serde_json::Value>, StoreError> {
        dispatch!(self, jobs::state_value(key))
    }

    /// Sets a named value.
    pub async fn set_state_value(
        &self,
        key: &str,
        value: serde_json::Value,
    ) -> Result<(), StoreError> {
        dispatch!(self, jobs::set_state_value(key, value))
    }

    /// When the last job that converged everyone finished.
    pub async fn last_success(&self) -> Result<Option<DateTime<Utc>>, StoreError> {
        dispatch!(self, jobs::last_success())
    }
}
