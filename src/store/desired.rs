//! The desired state in force: written when a feed is accepted, rebuilt from the accepted
//! history when a feed is withdrawn, held or released, read by the planner, and pruned.

use super::backend::{Dialect, FEEDS_LOCK};
use super::codec::desired_from_json;
use super::{corrupt, FeedStatus, Store, StoreError};
use crate::domain::{AgentKey, AgentKeyKind, DesiredState, FeedScope, SeenNames};
use chrono::{DateTime, Utc};

impl Store {
    /// Withdraws a feed (an operator rejected its job): it leaves the desired state for good.
    pub async fn withdraw_feed(&self, feed_id: i64) -> Result<(), StoreError> {
        self.set_feed_status(
            feed_id,
            &[FeedStatus::Accepted, FeedStatus::Held],
            FeedStatus::Withdrawn,
        )
        .await
    }

    /// Takes a feed whose job was held out of the desired state until a decision.
    pub async fn hold_feed(&self, feed_id: i64) -> Result<(), StoreError> {
        self.set_feed_status(feed_id, &[FeedStatus::Accepted], FeedStatus::Held)
            .await
    }

    /// Puts a held feed back into the desired state (its job was approved).
    pub async fn release_feed(&self, feed_id: i64) -> Result<(), StoreError> {
        self.set_feed_status(feed_id, &[FeedStatus::Held], FeedStatus::Accepted)
            .await
    }

    /// Moves a feed from one of `from` to `to` and rebuilds the desired state and the names
    /// seen from the accepted history, in one transaction.
    async fn set_feed_status(
        &self,
        feed_id: i64,
        from: &[FeedStatus],
        to: FeedStatus,
    ) -> Result<(), StoreError> {
        db!(self, |pool, D| {
            let mut tx = D::begin_write(pool).await?;
            D::lock(&mut tx, self.lock_key(FEEDS_LOCK)).await?;
            let changed = sqlx::query(&format!(
                "UPDATE feeds SET status = $3 WHERE id = $1 AND org = $4 AND {}",
                D::in_list("status", "$2")
            ))
            .bind(feed_id)
            .bind(D::list(
                &from.iter().map(|s| s.as_str()).collect::<Vec<_>>(),
            ))
            .bind(to.as_str())
            .bind(&*self.org)
            .execute(&mut *tx)
            .await?;
            if changed.rows_affected() == 0 {
                return Ok(());
            }
            for statement in rebuild_statements::<D>() {
                sqlx::query(&statement)
                    .bind(&*self.org)
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
            Ok(())
        })
    }

    /// The desired state in force. Its scope is `snapshot` once any snapshot has been accepted:
    /// from then on users it does not list hold no managed assignments.
    pub async fn current_desired(&self, kind: AgentKeyKind) -> Result<DesiredState, StoreError> {
        let (snapshot, rows): (bool, Vec<(String, serde_json::Value)>) = db!(self, |pool, D| {
            let snapshot: bool = sqlx::query_scalar(
                "SELECT EXISTS (SELECT 1 FROM feeds
                                WHERE org = $1 AND status = 'accepted' AND scope = 'snapshot')",
            )
            .bind(&*self.org)
            .fetch_one(pool)
            .await?;
            let rows = sqlx::query_as("SELECT agent_key, desired FROM desired WHERE org = $1")
                .bind(&*self.org)
                .fetch_all(pool)
                .await?;
            (snapshot, rows)
        });
        let mut state = DesiredState::new(if snapshot {
            FeedScope::Snapshot
        } else {
            FeedScope::Partial
        });
        for (key, desired) in rows {
            let key = AgentKey::parse(kind, &key)
                .map_err(|e| corrupt("desired", format!("{key}: {e}")))?;
            state.agents.insert(
                key,
                desired_from_json(desired).map_err(|e| corrupt("desired", e))?,
            );
        }
        Ok(state)
    }

    /// Agents in the desired state in force.
    pub async fn desired_count(&self) -> Result<i64, StoreError> {
        db!(self, |pool, D| Ok(sqlx::query_scalar(
            "SELECT count(*) FROM desired WHERE org = $1"
        )
        .bind(&*self.org)
        .fetch_one(pool)
        .await?))
    }

    /// One agent's desired state in force, as stored.
    pub async fn desired_for(
        &self,
        agent_key: &str,
    ) -> Result<Option<serde_json::Value>, StoreError> {
        db!(self, |pool, D| Ok(sqlx::query_scalar(
            "SELECT desired FROM desired WHERE org = $2 AND agent_key = $1"
        )
        .bind(agent_key)
        .bind(&*self.org)
        .fetch_optional(pool)
        .await?))
    }

    /// Every name an accepted feed has mentioned: the default managed scope.
    pub async fn seen_names(&self) -> Result<SeenNames, StoreError> {
        let rows: Vec<(String, String)> = db!(self, |pool, D| sqlx::query_as(
            "SELECT kind, name FROM seen_names WHERE org = $1"
        )
        .bind(&*self.org)
        .fetch_all(pool)
        .await?);
        let mut seen = SeenNames::default();
        for (kind, name) in rows {
            match kind.as_str() {
                "skill" => seen.skills.insert(name),
                "language" => seen.languages.insert(name),
                _ => seen.certifications.insert(name),
            };
        }
        Ok(seen)
    }

    /// Deletes history rows older than `before` that no longer make up the state in force.
    /// Nothing is deleted while a feed job is undecided (queued, running, held or approved) or
    /// a feed is held: holding or rejecting a feed rebuilds the state in force from the history
    /// before it, which must still be there.
    pub async fn prune_feed_history(&self, before: DateTime<Utc>) -> Result<u64, StoreError> {
        db!(self, |pool, D| {
            Ok(sqlx::query(
            "DELETE FROM feed_agents
             WHERE org = $2 AND feed_id IN (SELECT id FROM feeds WHERE org = $2 AND received_at < $1)
               AND NOT EXISTS (SELECT 1 FROM desired d
                               WHERE d.org = $2 AND d.agent_key = feed_agents.agent_key
                                 AND d.feed_id = feed_agents.feed_id)
               AND NOT EXISTS (SELECT 1 FROM feeds h WHERE h.org = $2 AND h.status = 'held')
               AND NOT EXISTS (SELECT 1 FROM jobs j
                               WHERE j.org = $2 AND j.trigger = 'feed'
                                 AND j.status IN ('queued', 'approved', 'running', 'held'))",
        )
        .bind(D::ts(before))
        .bind(&*self.org)
        .execute(pool)
        .await?
        .rows_affected())
        })
    }
}

/// The statements that rebuild the desired state and the names seen from the accepted history,
/// run in the transaction that changed a feed's status; each takes the store's org as `$1`.
pub(super) fn rebuild_statements<D: Dialect>() -> [String; 4] {
    let mentioned = |kind: &str, field: &str| {
        format!(
            "SELECT '{kind}' AS kind, k.key AS name, fa.feed_id
             FROM feed_agents fa
                  JOIN feeds f ON f.id = fa.feed_id AND f.org = $1 AND f.status = 'accepted',
                  {}",
            D::object_keys("fa.desired", field)
        )
    };
    [
        "DELETE FROM desired WHERE org = $1".to_string(),
        "INSERT INTO desired (org, agent_key, feed_id, desired)
         SELECT $1, agent_key, feed_id, desired FROM (
             SELECT fa.agent_key, fa.feed_id, fa.desired,
                    row_number() OVER (PARTITION BY fa.agent_key ORDER BY fa.feed_id DESC) AS newest
             FROM feed_agents fa JOIN feeds f ON f.id = fa.feed_id
             WHERE f.org = $1 AND f.status = 'accepted'
               AND f.id >= COALESCE((SELECT max(id) FROM feeds
                                     WHERE org = $1 AND status = 'accepted' AND scope = 'snapshot'),
                                    0)) AS ranked
         WHERE newest = 1"
            .to_string(),
        // Names are managed because an accepted feed mentioned them, not a held or withdrawn one.
        "DELETE FROM seen_names
         WHERE org = $1
           AND first_feed_id IN (SELECT id FROM feeds WHERE org = $1 AND status <> 'accepted')"
            .to_string(),
        format!(
            "INSERT INTO seen_names (org, kind, name, first_feed_id)
             SELECT $1, kind, name, min(feed_id) FROM ({} UNION ALL {} UNION ALL {}) AS named
             WHERE true
             GROUP BY kind, name
             ON CONFLICT DO NOTHING",
            mentioned("skill", "skills"),
            mentioned("language", "languages"),
            mentioned("certification", "certifications"),
        ),
    ]
}
