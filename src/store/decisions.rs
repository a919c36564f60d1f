//! Holding a job with its feeds, and an operator's decision on it, each whole or not at all. A
//! decision is the job's new status, its feeds put back in force (approved) or withdrawn for
//! good (rejected) with the desired state rebuilt, and the audit row — in one transaction, so
//! that neither a client hanging up nor a crash can leave a decided job whose feeds or audit
//! entry lag behind.

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
    /// Holds a job for approval; an older held scan is superseded by it (held feed jobs wait for
    /// their own decision: their feed is out of the desired state until then).
    pub async fn hold_job(
        &self,
        id: i64,
        reasons: &[String],
        destructive: usize,
        plan: serde_json::Value,
        feeds: &[i64],
    ) -> Result<(), StoreError> {
        let reasons = serde_json::json!(reasons);
        db!(self, |pool, D| {
            let mut tx = D::begin_write(pool).await?;
            if !feeds.is_empty() {
                D::lock(&mut tx, self.lock_key(FEEDS_LOCK)).await?;
            }
            sqlx::query(&format!(
                "UPDATE jobs SET status = 'superseded', finished_at = {}
                 WHERE org = $2 AND status = 'held' AND id <> $1
                   AND (feed_id IS NULL OR trigger <> 'feed')",
                D::NOW
            ))
            .bind(id)
            .bind(&*self.org)
            .execute(&mut *tx)
            .await?;
            sqlx::query(
                "UPDATE jobs SET status = 'held', held_reasons = $2, held_destructive = $3, plan = $4,
                     lease_owner = NULL, lease_until = NULL
                 WHERE id = $1 AND org = $5",
            )
            .bind(id)
            .bind(reasons)
            .bind(destructive as i32)
            .bind(plan)
            .bind(&*self.org)
            .execute(&mut *tx)
            .await?;
            // The job's feeds leave the desired state in the same transaction: nobody may see
            // the job held while its feeds are still in force (a scan would apply them), or
            // the feeds held under a job that a crash left running.
            let mut held = 0;
            for feed in feeds {
                held += sqlx::query(
                    "UPDATE feeds SET status = 'held'
                     WHERE id = $1 AND org = $2 AND status = 'accepted'",
                )
                .bind(feed)
                .bind(&*self.org)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            }
            if held > 0 {
                for statement in rebuild_statements::<D>() {
                    sqlx::query(&statement)
                        .bind(&*self.org)
                        .execute(&mut *tx)
                        .await?;
                }
            }
            tx.commit().await?;
        });
        Ok(())
    }

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
            D::lock(&mut tx, self.lock_key(FEEDS_LOCK)).await?;
            let job: Option<JobRecord> = sqlx::query_as(&decide_sql::<D>())
                .bind(id)
                .bind(status.as_str())
                .bind(by)
                .bind(&*self.org)
                .fetch_optional(&mut *tx)
                .await?;
            let Some(job) = job else {
                tx.rollback().await?;
                return self.decided(id, status, None).await;
            };
            if job.trigger == Trigger::Feed {
                let moved = sqlx::query(&format!(
                    "UPDATE feeds SET status = $3
                     WHERE (job_id = $1 OR id = $2) AND org = $5 AND {}",
                    D::in_list("status", "$4")
                ))
                .bind(job.id)
                .bind(job.feed_id)
                .bind(to.as_str())
                .bind(D::list(from))
                .bind(&*self.org)
                .execute(&mut *tx)
                .await?;
                if moved.rows_affected() > 0 {
                    for statement in rebuild_statements::<D>() {
                        sqlx::query(&statement)
                            .bind(&*self.org)
                            .execute(&mut *tx)
                            .await?;
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
            audit_insert!(D, action, AuditStatus::Recorded, self.org)
                .fetch_one(&mut *tx)
                .await?;
            tx.commit().await?;
            Some(job)
        });
        self.decided(id, status, decided).await
    }
}
