//! Agents whose routine changes wait (issue 15): busy on an interaction, or outside the change
//! window. `deferred` is an agent state of its own — not a failure, not drift to alert on — and
//! `deferred_since` survives the re-checks, so that `policy.max_defer_secs` counts from the first
//! deferral, not the last.

use chrono::{DateTime, Utc};

use super::backend::Dialect;
use super::{Store, StoreError};

impl Store {
    /// Marks an agent deferred with `reason`; the instant it first became so is kept. Its
    /// failure streak is left as it is: waiting is not failing.
    pub async fn set_agent_deferred(&self, user_id: &str, reason: &str) -> Result<(), StoreError> {
        db!(self, |pool, D| sqlx::query(&format!(
            "UPDATE agents SET state = 'deferred', last_error = $2,
                 deferred_since = COALESCE(deferred_since, {})
             WHERE user_id = $1 AND org = $3",
            D::NOW
        ))
        .bind(user_id)
        .bind(reason)
        .bind(&*self.org)
        .execute(pool)
        .await?
        .rows_affected());
        Ok(())
    }

    /// Since when the agent's routine changes have waited; `None` when they do not.
    pub async fn deferred_since(&self, user_id: &str) -> Result<Option<DateTime<Utc>>, StoreError> {
        let since: Option<Option<DateTime<Utc>>> = db!(self, |pool, D| sqlx::query_scalar(
            "SELECT deferred_since FROM agents WHERE user_id = $1 AND org = $2"
        )
        .bind(user_id)
        .bind(&*self.org)
        .fetch_optional(pool)
        .await?);
        Ok(since.flatten())
    }

    /// The user ids of the deferred agents, for the deferral re-check.
    pub async fn deferred_users(&self) -> Result<Vec<String>, StoreError> {
        db!(self, |pool, D| Ok(sqlx::query_scalar(
            "SELECT user_id FROM agents WHERE org = $1 AND state = 'deferred' ORDER BY user_id"
        )
        .bind(&*self.org)
        .fetch_all(pool)
        .await?))
    }
}
