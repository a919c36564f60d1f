//! An operator's decision on a held job, whole or not at all: the job's new status, its feeds
//! put back in force (approved) or withdrawn for good (rejected) with the desired state rebuilt,
//! and the audit row — in one transaction, so that neither a client hanging up nor a crash can
//! leave a decided job whose feeds or audit entry lag behind.

use super::backend::{Dialect, FEEDS_LOCK};
use super::desired::rebuild_statements;
use super::jobs::{decide_sql, JobRecord};
use super::{AuditIntent, AuditStatus, FeedStatus, JobStatus, Store, StoreError, Trigger};

/// What an operator decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// The job runs next.
    Approve,
    /// The job ends; its feeds leave the desired state for good.
    Reject,
}

impl Decision {
    fn status(self) -> JobStatus {
        match self {
            Self::Approve => JobStatus::Approved,
            Self::Reject => JobStatus::Rejected,
        }
    }

    /// The feed statuses the decision moves from, and the one it moves to.
    fn feeds(self) -> (&'static [&'static str], FeedStatus) {
        match self {
            Self::Approve => (&["held"], FeedStatus::Accepted),
            Self::Reject => (&["accepted", "held"], FeedStatus::Withdrawn),
        }
    }

    /// The audit row's `call`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Approve => "approve",
            Self::Reject => "reject",
        }
    }
}

impl Store {
    /// Decides held job `id` as `by`; a job that is not held is a conflict, an unknown one not
    /// found, and either leaves everything as it was.
    pub async fn decide_held_job(
        &self,
        id: i64,
        by: &str,
        decision: Decision,
    ) -> Result<JobRecord, StoreError> {
        let status = decision.status();
        let (from, to) = decision.feeds();
        let decided: Option<JobRecord> = db!(self, |pool, D| {
            let mut tx = D::begin_write(pool).await?;
            D::lock(&mut tx, FEEDS_LOCK).await?;
            let job: Option<JobRecord> = sqlx::query_as(&decide_sql::<D>())
                .bind(id)
                .bind(status.as_str())
                .bind(by)
                .fetch_optional(&mut *tx)
                .await?;
            let Some(job) = job else {
                tx.rollback().await?;
                return self.decided(id, status, None).await;
            };
            if job.trigger == Trigger::Feed {
                let moved = sqlx::query(&format!(
                    "UPDATE feeds SET status = $3
                     WHERE (job_id = $1 OR id = $2) AND {}",
                    D::in_list("status", "$4")
                ))
                .bind(job.id)
                .bind(job.feed_id)
                .bind(to.as_str())
                .bind(D::list(from))
                .execute(&mut *tx)
                .await?;
                if moved.rows_affected() > 0 {
                    for statement in rebuild_statements::<D>() {
                        sqlx::query(&statement).execute(&mut *tx).await?;
                    }
                }
            }
            let action = AuditIntent {
                job_id: Some(job.id),
                feed_id: job.feed_id,
                call: decision.as_str().into(),
                changes: job.held_reasons.clone().unwrap_or_default(),
                actor: Some(by.to_string()),
                ..AuditIntent::default()
            };
            audit_insert!(D, action, AuditStatus::Recorded)
                .fetch_one(&mut *tx)
                .await?;
            tx.commit().await?;
            Some(job)
        });
        self.decided(id, status, decided).await
    }
}
