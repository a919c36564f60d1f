//! Skill retirements (issue 16): the operator's request, when agents start losing the skill,
//! what still holds or references it, and how the definition ended. One row per skill and org;
//! the row stays after the definition is gone, so that feeds naming the skill stay refused until
//! an operator withdraws it (the row is deleted; the audit log keeps both actions).

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::backend::Dialect;
use super::{Store, StoreError};

/// One retirement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct Retirement {
    /// Id.
    pub id: i64,
    /// The skill's platform name.
    pub skill: String,
    /// From when agents lose it.
    pub retire_after: DateTime<Utc>,
    /// Who asked (a token name, or the CLI's `--actor`).
    pub requested_by: String,
    /// When they asked.
    pub requested_at: DateTime<Utc>,
    /// When a scan removing it from every agent was first queued.
    pub started_at: Option<DateTime<Utc>>,
    /// The last check of holders and references.
    pub checked_at: Option<DateTime<Utc>>,
    /// What still holds or references it, as last checked.
    pub blocked_by: Option<String>,
    /// Since when nothing has held or referenced it: the grace period runs from here.
    pub clear_since: Option<DateTime<Utc>>,
    /// When the definition was deleted or deactivated.
    pub retired_at: Option<DateTime<Utc>>,
    /// `deleted`, `deactivated` or `already_gone`.
    pub outcome: Option<String>,
}

impl Retirement {
    /// `scheduled` (before the date), `removing` (agents losing it, or waiting for references and
    /// the grace period) or `retired`.
    pub fn state(&self, now: DateTime<Utc>) -> &'static str {
        if self.retired_at.is_some() {
            "retired"
        } else if self.retire_after <= now {
            "removing"
        } else {
            "scheduled"
        }
    }

    /// Why a feed naming this skill is refused.
    pub fn refusal(&self) -> String {
        match (&self.retired_at, &self.outcome) {
            (Some(at), Some(outcome)) => format!(
                "skill {:?} was retired (requested by {}; definition {outcome} at {}); feeds may \
                 not assign it",
                self.skill,
                self.requested_by,
                at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
            ),
            _ => format!(
                "skill {:?} is being retired (requested by {}, removed from every agent from {}); \
                 feeds may not assign it",
                self.skill,
                self.requested_by,
                self.retire_after
                    .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
            ),
        }
    }
}

const COLUMNS: &str =
    "id, skill, retire_after, requested_by, requested_at, started_at, checked_at, \
                       blocked_by, clear_since, retired_at, outcome";

impl Store {
    /// Records a retirement; `Ok(None)` when the skill already has one (it is kept as it is).
    pub async fn request_retirement(
        &self,
        skill: &str,
        retire_after: DateTime<Utc>,
        requested_by: &str,
    ) -> Result<Option<Retirement>, StoreError> {
        db!(self, |pool, D| Ok(sqlx::query_as(&format!(
            "INSERT INTO skill_retirements (org, skill, retire_after, requested_by, requested_at)
             VALUES ($1, $2, $3, $4, {})
             ON CONFLICT (org, skill) DO NOTHING
             RETURNING {COLUMNS}",
            D::NOW
        ))
        .bind(&*self.org)
        .bind(skill)
        .bind(D::ts(retire_after))
        .bind(requested_by)
        .fetch_optional(pool)
        .await?))
    }

    /// Every retirement of the org, oldest request first.
    pub async fn retirements(&self) -> Result<Vec<Retirement>, StoreError> {
        db!(self, |pool, D| Ok(sqlx::query_as(&format!(
            "SELECT {COLUMNS} FROM skill_retirements WHERE org = $1 ORDER BY id"
        ))
        .bind(&*self.org)
        .fetch_all(pool)
        .await?))
    }

    /// The retirement of `skill`, if any.
    pub async fn retirement(&self, skill: &str) -> Result<Option<Retirement>, StoreError> {
        db!(self, |pool, D| Ok(sqlx::query_as(&format!(
            "SELECT {COLUMNS} FROM skill_retirements WHERE org = $1 AND skill = $2"
        ))
        .bind(&*self.org)
        .bind(skill)
        .fetch_optional(pool)
        .await?))
    }

    /// Withdraws the retirement of `skill`; returns it, or `None` when there is none.
    pub async fn cancel_retirement(&self, skill: &str) -> Result<Option<Retirement>, StoreError> {
        db!(self, |pool, D| Ok(sqlx::query_as(&format!(
            "DELETE FROM skill_retirements WHERE org = $1 AND skill = $2
             RETURNING {COLUMNS}"
        ))
        .bind(&*self.org)
        .bind(skill)
        .fetch_optional(pool)
        .await?))
    }

    /// Notes that agents started losing the skill (a scan was queued).
    pub async fn retirement_started(&self, id: i64) -> Result<(), StoreError> {
        db!(self, |pool, D| sqlx::query(&format!(
            "UPDATE skill_retirements SET started_at = {} WHERE id = $1 AND org = $2
               AND started_at IS NULL",
            D::NOW
        ))
        .bind(id)
        .bind(&*self.org)
        .execute(pool)
        .await?
        .rows_affected());
        Ok(())
    }

    /// Records a check: what blocks the deletion (`None`: nothing) and since when nothing has.
    pub async fn retirement_checked(
        &self,
        id: i64,
        blocked_by: Option<&str>,
        clear_since: Option<DateTime<Utc>>,
    ) -> Result<(), StoreError> {
        db!(self, |pool, D| sqlx::query(&format!(
            "UPDATE skill_retirements SET checked_at = {}, blocked_by = $3, clear_since = $4
             WHERE id = $1 AND org = $2",
            D::NOW
        ))
        .bind(id)
        .bind(&*self.org)
        .bind(blocked_by)
        .bind(clear_since.map(D::ts))
        .execute(pool)
        .await?
        .rows_affected());
        Ok(())
    }

    /// Records that the definition was deleted (or deactivated, or was already gone).
    pub async fn retirement_done(&self, id: i64, outcome: &str) -> Result<(), StoreError> {
        db!(self, |pool, D| sqlx::query(&format!(
            "UPDATE skill_retirements SET retired_at = {now}, checked_at = {now}, outcome = $3,
                 blocked_by = NULL
             WHERE id = $1 AND org = $2",
            now = D::NOW
        ))
        .bind(id)
        .bind(&*self.org)
        .bind(outcome)
        .execute(pool)
        .await?
        .rows_affected());
        Ok(())
    }
}
