//! The append-only audit log: an intent row before every platform write, completed with the
//! result after it, so that a crash between the two leaves a visible `pending` (later `unknown`)
//! entry instead of a silent gap.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::backend::Dialect;
use super::{AuditStatus, Store, StoreError};

/// The insert of one audit row (`$i`: an [`AuditIntent`], `$outcome`: its [`AuditStatus`], `$org`:
/// the store's org) for dialect `$d`, bound and ready to run on a pool or inside a transaction;
/// returns the row's id.
macro_rules! audit_insert {
    ($d:ident, $i:expr, $outcome:expr, $org:expr) => {
        sqlx::query_scalar::<_, i64>(&format!(
            "INSERT INTO audit (job_id, feed_id, agent_key, user_id, call, changes, actor, outcome,
                                finished_at, org)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, CASE WHEN $8 = 'pending' THEN NULL ELSE {} END,
                     $9)
             RETURNING id",
            $d::NOW
        ))
        .bind($i.job_id)
        .bind($i.feed_id)
        .bind(&$i.agent_key)
        .bind(&$i.user_id)
        .bind(&$i.call)
        .bind(&$i.changes)
        .bind(&$i.actor)
        .bind($outcome.as_str())
        .bind(&*$org)
    };
}

/// The columns of [`AuditEntry`].
pub(super) const COLUMNS: &str =
    "id, at, job_id, feed_id, agent_key, user_id, call, changes, outcome, \
     http_status, correlation_id, error, actor, finished_at";

/// A write about to be made, or an operator action.
#[derive(Debug, Clone, Default, Serialize, sqlx::FromRow)]
pub struct AuditIntent {
    /// The job.
    pub job_id: Option<i64>,
    /// The feed behind it.
    pub feed_id: Option<i64>,
    /// Agent label or key.
    pub agent_key: Option<String>,
    /// Platform user id.
    pub user_id: Option<String>,
    /// The call (`patch_skills`, `delete_skill`, …) or action (`approve`, `reject`).
    pub call: String,
    /// Before and after of each assignment.
    pub changes: serde_json::Value,
    /// Who, for operator actions (a token name).
    pub actor: Option<String>,
}

/// How a write ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuditOutcome {
    /// The platform accepted it.
    Ok,
    /// The platform refused it, or it never reached the platform.
    Failed,
}

/// One audit row: the intent as it was logged, and how it ended. Reads as its intent too
/// (`entry.call`), since every row starts as one.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct AuditEntry {
    /// Id.
    pub id: i64,
    /// When the intent was logged.
    pub at: DateTime<Utc>,
    /// What was about to happen, and who asked.
    #[sqlx(flatten)]
    #[serde(flatten)]
    pub intent: AuditIntent,
    /// Where it stands.
    #[sqlx(try_from = "String")]
    pub outcome: AuditStatus,
    /// HTTP status.
    pub http_status: Option<i32>,
    /// `ININ-Correlation-Id`.
    pub correlation_id: Option<String>,
    /// Error text.
    pub error: Option<String>,
    /// When the result was logged.
    pub finished_at: Option<DateTime<Utc>>,
}

impl std::ops::Deref for AuditEntry {
    type Target = AuditIntent;

    fn deref(&self) -> &AuditIntent {
        &self.intent
    }
}

/// Filters of `GET /v1/audit` and the console's audit page; `None` matches every row.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    /// Agent key, label or user id.
    pub agent: Option<String>,
    /// From (inclusive).
    pub since: Option<DateTime<Utc>>,
    /// Until (exclusive).
    pub until: Option<DateTime<Utc>>,
    /// The job the row belongs to.
    pub job_id: Option<i64>,
    /// The call or action (`patch_routing_skills`, `approve`, …).
    pub call: Option<String>,
    /// Where the row stands.
    pub outcome: Option<AuditStatus>,
    /// Newest rows first (the console); oldest first otherwise (the API, as it always was).
    pub newest_first: bool,
    /// Page size.
    pub limit: i64,
    /// Offset.
    pub offset: i64,
}

impl Store {
    /// Logs a write before it is made; returns the row to complete.
    pub async fn audit_intent(&self, intent: &AuditIntent) -> Result<i64, StoreError> {
        self.insert_audit(intent, AuditStatus::Pending).await
    }

    /// Logs an operator action, complete in one row.
    pub async fn audit_action(&self, intent: &AuditIntent) -> Result<i64, StoreError> {
        self.insert_audit(intent, AuditStatus::Recorded).await
    }

    async fn insert_audit(&self, i: &AuditIntent, outcome: AuditStatus) -> Result<i64, StoreError> {
        db!(self, |pool, D| Ok(audit_insert!(D, i, outcome, self.org)
            .fetch_one(pool)
            .await?))
    }

    /// Completes an intent with the call's result.
    pub async fn audit_result(
        &self,
        id: i64,
        outcome: AuditOutcome,
        http_status: Option<u16>,
        correlation_id: Option<&str>,
        error: Option<&str>,
    ) -> Result<(), StoreError> {
        let outcome = match outcome {
            AuditOutcome::Ok => AuditStatus::Ok,
            AuditOutcome::Failed => AuditStatus::Failed,
        };
        db!(self, |pool, D| sqlx::query(&format!(
            "UPDATE audit SET outcome = $2, http_status = $3, correlation_id = $4, error = $5,
                 finished_at = {}
             WHERE id = $1 AND org = $6 AND outcome = 'pending'",
            D::NOW
        ))
        .bind(id)
        .bind(outcome.as_str())
        .bind(http_status.map(i32::from))
        .bind(correlation_id)
        .bind(error)
        .bind(&*self.org)
        .execute(pool)
        .await?
        .rows_affected());
        Ok(())
    }

    /// Marks intents pending for longer than `older_than_secs` as `unknown`: the process that
    /// logged them died before recording the result, and whether the write reached the platform
    /// is for the next observation to tell. Younger intents, and those of a job still running
    /// under a live lease (a call held back by pacing or retries can take minutes), may belong
    /// to a live worker: settling them would make its result unrecordable.
    pub async fn settle_pending_audit(&self, older_than_secs: f64) -> Result<u64, StoreError> {
        db!(self, |pool, D| {
            Ok(sqlx::query(&format!(
                "UPDATE audit SET outcome = 'unknown', finished_at = {now}
             WHERE org = $2 AND outcome = 'pending' AND {old}
               AND NOT EXISTS (SELECT 1 FROM jobs
                               WHERE jobs.id = audit.job_id AND jobs.org = $2
                                 AND status = 'running' AND lease_until > {now})",
                now = D::NOW,
                old = D::older_than("at", "$1"),
            ))
            .bind(older_than_secs)
            .bind(&*self.org)
            .execute(pool)
            .await?
            .rows_affected())
        })
    }

    /// Audit rows matching `filter`, oldest first unless it asks for the newest first.
    pub async fn audit(&self, filter: &AuditFilter) -> Result<Vec<AuditEntry>, StoreError> {
        let order = if filter.newest_first { "DESC" } else { "ASC" };
        db!(self, |pool, D| Ok(sqlx::query_as(&format!(
            "SELECT {COLUMNS} FROM audit
             WHERE org = $6 AND ({agent} IS NULL OR agent_key = $1 OR user_id = $1)
               AND ({since} IS NULL OR at >= $2) AND ({until} IS NULL OR at < $3)
               AND ({job} IS NULL OR job_id = $7) AND ({call} IS NULL OR call = $8)
               AND ({outcome} IS NULL OR outcome = $9)
             ORDER BY id {order} LIMIT $4 OFFSET $5",
            agent = D::cast("$1", "text"),
            since = D::cast("$2", "timestamptz"),
            until = D::cast("$3", "timestamptz"),
            job = D::cast("$7", "bigint"),
            call = D::cast("$8", "text"),
            outcome = D::cast("$9", "text"),
        ))
        .bind(&filter.agent)
        .bind(filter.since.map(D::ts))
        .bind(filter.until.map(D::ts))
        .bind(filter.limit)
        .bind(filter.offset)
        .bind(&*self.org)
        .bind(filter.job_id)
        .bind(&filter.call)
        .bind(filter.outcome.map(AuditStatus::as_str))
        .fetch_all(pool)
        .await?))
    }

    /// The calls and actions the org's audit log holds, sorted: what a filter can ask for.
    pub async fn audit_calls(&self) -> Result<Vec<String>, StoreError> {
        db!(self, |pool, D| Ok(sqlx::query_scalar(
            "SELECT DISTINCT call FROM audit WHERE org = $1 ORDER BY call"
        )
        .bind(&*self.org)
        .fetch_all(pool)
        .await?))
    }
}
