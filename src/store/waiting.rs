//! Jobs waiting for a change window (issue 15): a routine job planned while the org's windows are
//! closed keeps its plan for all to see and waits as `waiting_window` until `not_before`, when
//! the routine lane claims it again and it plans afresh (the desired state and the agents may
//! have moved on). Only the newest waiting job matters: it plans everything in force.

use chrono::{DateTime, Utc};

use super::backend::Dialect;
use super::{Store, StoreError};

impl Store {
    /// Puts a running job to wait for `not_before` (with its `plan`, when given), its lease given up; an older
    /// job waiting for a window is superseded by it.
    pub async fn wait_for_window(
        &self,
        id: i64,
        not_before: DateTime<Utc>,
        plan: Option<serde_json::Value>,
    ) -> Result<(), StoreError> {
        db!(self, |pool, D| {
            let mut tx = D::begin_write(pool).await?;
            sqlx::query(&format!(
                "UPDATE jobs SET status = 'superseded', finished_at = {}
                 WHERE org = $2 AND status = 'waiting_window' AND id <> $1",
                D::NOW
            ))
            .bind(id)
            .bind(&*self.org)
            .execute(&mut *tx)
            .await?;
            sqlx::query(
                "UPDATE jobs SET status = 'waiting_window', not_before = $2, plan = COALESCE($3, plan),
                     lease_owner = NULL, lease_until = NULL
                 WHERE id = $1 AND org = $4",
            )
            .bind(id)
            .bind(D::ts(not_before))
            .bind(plan)
            .bind(&*self.org)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
        });
        Ok(())
    }

    /// True when the job has items still to write or verify: a job taken over mid-work resumes
    /// them; one whose items are all final (it waited for a window since) plans again.
    pub async fn has_open_work_items(&self, job_id: i64) -> Result<bool, StoreError> {
        db!(self, |pool, D| Ok(sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM work_items WHERE job_id = $1 AND org = $2
                            AND status IN ('pending', 'in_progress', 'verifying'))"
        )
        .bind(job_id)
        .bind(&*self.org)
        .fetch_one(pool)
        .await?))
    }

    /// Drops a job's finished items before it plans again; what was written stays in the audit.
    pub async fn clear_work_items(&self, job_id: i64) -> Result<(), StoreError> {
        db!(self, |pool, D| sqlx::query(
            "DELETE FROM work_items WHERE job_id = $1 AND org = $2"
        )
        .bind(job_id)
        .bind(&*self.org)
        .execute(pool)
        .await?
        .rows_affected());
        Ok(())
    }
}
