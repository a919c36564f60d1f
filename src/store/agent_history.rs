//! What the console's agent page reads beyond the status API: which feed put an agent's desired
//! state in force, and the agent's newest audit rows. Reads only.

use super::audit::COLUMNS;
use super::{AuditEntry, Store, StoreError};

impl Store {
    /// The feed whose row for `agent_key` is the desired state in force: a feed lists an
    /// agent's whole managed set, so every item of it came from that feed.
    pub async fn desired_feed(&self, agent_key: &str) -> Result<Option<i64>, StoreError> {
        db!(self, |pool, D| Ok(sqlx::query_scalar(
            "SELECT feed_id FROM desired WHERE org = $2 AND agent_key = $1"
        )
        .bind(agent_key)
        .bind(&*self.org)
        .fetch_optional(pool)
        .await?))
    }

    /// At most `limit` audit rows of the agent with feed key `agent_key` or platform user
    /// `user_id`, newest first.
    pub async fn agent_audit(
        &self,
        agent_key: &str,
        user_id: Option<&str>,
        limit: i64,
    ) -> Result<Vec<AuditEntry>, StoreError> {
        db!(self, |pool, D| Ok(sqlx::query_as(&format!(
            "SELECT {COLUMNS} FROM audit
             WHERE org = $4 AND (agent_key = $1 OR user_id = $1 OR user_id = $2)
             ORDER BY id DESC LIMIT $3"
        ))
        .bind(agent_key)
        .bind(user_id)
        .bind(limit)
        .bind(&*self.org)
        .fetch_all(pool)
        .await?))
    }
}
