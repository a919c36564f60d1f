//! Per-agent work items of a job: claimed under a lease, so that one agent is never worked on
//! twice at once and a dead worker's items are taken over.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::{Store, StoreError};

/// The columns of [`WorkItem`].
pub(super) const COLUMNS: &str =
    "job_id, user_id, agent_key, label, status, attempts, verifications, next_attempt_at, last_error";

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
}

/// Reads the stored spelling back; an unknown one reads as `failed`.
impl From<String> for WorkStatus {
    fn from(s: String) -> Self {
        match s.as_str() {
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
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
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
}

/// A new item: user id, feed key, label.
pub type NewItem<'a> = (&'a str, Option<&'a str>, &'a str);

/// What [`Store::update_work_item`] changes, in stored form.
pub(super) struct ItemUpdate<'a> {
    pub status: &'static str,
    pub next: Option<DateTime<Utc>>,
    /// Added to `attempts`.
    pub attempts: i32,
    /// Added to `verifications`.
    pub verifications: i32,
    pub error: Option<&'a str>,
}

impl Store {
    /// Creates the items of a job; items that exist already (a job taken over after a crash)
    /// are kept as they are.
    pub async fn create_work_items(
        &self,
        job_id: i64,
        items: &[NewItem<'_>],
    ) -> Result<(), StoreError> {
        dispatch!(self, work::create_work_items(job_id, items))
    }

    /// True when the job has any items (its plan was made before).
    pub async fn has_work_items(&self, job_id: i64) -> Result<bool, StoreError> {
        dispatch!(self, work::has_work_items(job_id))
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
        dispatch!(
            self,
            work::claim_work_items(job_id, owner, lease_secs, limit)
        )
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
        let update = ItemUpdate {
            status: status.as_str(),
            next,
            attempts: i32::from(attempted),
            verifications: i32::from(verified_drift),
            error,
        };
        dispatch!(self, work::update_work_item(job_id, user_id, &update))
    }

    /// Drops `owner`'s leases on a job's items (shutdown), so that they are claimable at once.
    pub async fn release_work_items(&self, job_id: i64, owner: &str) -> Result<(), StoreError> {
        dispatch!(self, work::release_work_items(job_id, owner))
    }

    /// Items per status.
    pub async fn work_counts(&self, job_id: i64) -> Result<Vec<(String, i64)>, StoreError> {
        dispatch!(self, work::work_counts(job_id))
    }

    /// When the next open item of a job is due; `None` when every item is finished.
    pub async fn next_work_due(&self, job_id: i64) -> Result<Option<DateTime<Utc>>, StoreError> {
        dispatch!(self, work::next_work_due(job_id))
    }

    /// Every item of a job.
    pub async fn work_items(
        &self,
        job_id: i64,
        limit: i64,
        offset: i64,
    ) -> Result<Vec<WorkItem>, StoreError> {
        dispatch!(self, work::work_items(job_id, limit, offset))
    }
}
