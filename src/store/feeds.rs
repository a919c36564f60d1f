//! Feeds and the desired state: recording every feed, accepting a new version atomically (its
//! history rows, the state in force, the names seen), and withdrawing one.

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::{Postgres, Row, Transaction};

use super::codec::{desired_from_json, desired_to_json};
use super::{corrupt, Store, StoreError};
use crate::domain::{AgentKey, AgentKeyKind, AssignmentKind, DesiredState, FeedScope};
use crate::planner::SeenNames;

/// Rows written per statement when storing a large feed.
const BATCH: usize = 5_000;

/// What is known about a feed before it is stored.
#[derive(Debug, Clone)]
pub struct NewFeed {
    /// Ingest source name.
    pub source: String,
    /// `partial` or `snapshot`.
    pub scope: FeedScope,
    /// `csv` or `json`.
    pub format: String,
    /// The request's `Idempotency-Key`.
    pub idempotency_key: Option<String>,
}

/// A stored feed.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct FeedRecord {
    /// Id.
    pub id: i64,
    /// Source name.
    pub source: String,
    /// When it arrived.
    pub received_at: DateTime<Utc>,
    /// `partial` or `snapshot`.
    pub scope: String,
    /// `csv` or `json`.
    pub format: String,
    /// `accepted`, `rejected`, `unchanged` or `withdrawn`.
    pub status: String,
    /// Content hash of the normalized state.
    pub hash: Option<String>,
    /// Agents listed.
    pub agents: i32,
    /// Skill assignments.
    pub skills: i32,
    /// Language assignments.
    pub languages: i32,
    /// Certifications.
    pub certifications: i32,
    /// Every row error of a rejected feed.
    pub errors: Option<serde_json::Value>,
    /// Warnings.
    pub warnings: Option<serde_json::Value>,
    /// The job it started.
    pub job_id: Option<i64>,
}

/// The outcome of offering a valid feed.
#[derive(Debug, Clone)]
pub enum Accepted {
    /// A new version of the desired state.
    New(FeedRecord),
    /// Identical (same hash) to the version in force: recorded, nothing else changes.
    Unchanged(FeedRecord),
    /// Seen before under the same `Idempotency-Key`.
    Replayed(FeedRecord),
}

const COLUMNS: &str =
    "id, source, received_at, scope, format, status, hash, agents, skills, languages, \
                       certifications, errors, warnings, job_id";

fn record(row: &sqlx::postgres::PgRow) -> Result<FeedRecord, sqlx::Error> {
    Ok(FeedRecord {
        id: row.try_get("id")?,
        source: row.try_get("source")?,
        received_at: row.try_get("received_at")?,
        scope: row.try_get("scope")?,
        format: row.try_get("format")?,
        status: row.try_get("status")?,
        hash: row.try_get("hash")?,
        agents: row.try_get("agents")?,
        skills: row.try_get("skills")?,
        languages: row.try_get("languages")?,
        certifications: row.try_get("certifications")?,
        errors: row.try_get("errors")?,
        warnings: row.try_get("warnings")?,
        job_id: row.try_get("job_id")?,
    })
}

impl Store {
    /// The feed stored under this idempotency key.
    pub async fn feed_by_idempotency_key(
        &self,
        key: &str,
    ) -> Result<Option<FeedRecord>, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM feeds WHERE idempotency_key = $1"
        ))
        .bind(key)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(|r| record(&r)).transpose()?)
    }

    /// Records a rejected feed with its errors; the desired state is not touched.
    pub async fn record_rejected_feed(
        &self,
        feed: &NewFeed,
        errors: serde_json::Value,
        warnings: serde_json::Value,
    ) -> Result<FeedRecord, StoreError> {
        let row = sqlx::query(&format!(
            "INSERT INTO feeds (source, scope, format, status, errors, warnings, idempotency_key)
             VALUES ($1, $2, $3, 'rejected', $4, $5, $6)
             ON CONFLICT (idempotency_key) DO UPDATE SET idempotency_key = EXCLUDED.idempotency_key
             RETURNING {COLUMNS}"
        ))
        .bind(&feed.source)
        .bind(feed.scope.as_str())
        .bind(&feed.format)
        .bind(errors)
        .bind(warnings)
        .bind(&feed.idempotency_key)
        .fetch_one(&self.pool)
        .await?;
        Ok(record(&row)?)
    }

    /// Stores a valid feed as the new version of the desired state, in one transaction: the feed
    /// row, one history row per agent, the state in force (a snapshot replaces it, a partial feed
    /// replaces only the agents it lists) and the names it mentions. A feed whose hash equals the
    /// version in force is recorded as `unchanged` and changes nothing.
    pub async fn accept_feed(
        &self,
        feed: &NewFeed,
        state: &DesiredState,
        hash: &str,
        warnings: serde_json::Value,
    ) -> Result<Accepted, StoreError> {
        let mut tx = self.pool.begin().await?;
        // Concurrent ingests of the same org would race on "the version in force".
        sqlx::query("SELECT pg_advisory_xact_lock(7261001)")
            .execute(&mut *tx)
            .await?;
        if let Some(key) = &feed.idempotency_key {
            let row = sqlx::query(&format!(
                "SELECT {COLUMNS} FROM feeds WHERE idempotency_key = $1"
            ))
            .bind(key)
            .fetch_optional(&mut *tx)
            .await?;
            if let Some(row) = row {
                return Ok(Accepted::Replayed(record(&row)?));
            }
        }
        let current: Option<String> = sqlx::query_scalar(
            "SELECT hash FROM feeds WHERE status = 'accepted' ORDER BY id DESC LIMIT 1",
        )
        .fetch_optional(&mut *tx)
        .await?
        .flatten();
        let counts = state.counts();
        let status = if current.as_deref() == Some(hash) {
            "unchanged"
        } else {
            "accepted"
        };
        let row = sqlx::query(&format!(
            "INSERT INTO feeds (source, scope, format, status, hash, agents, skills, languages, certifications,
                                warnings, idempotency_key)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
             RETURNING {COLUMNS}"
        ))
        .bind(&feed.source)
        .bind(feed.scope.as_str())
        .bind(&feed.format)
        .bind(status)
        .bind(hash)
        .bind(counts.agents as i32)
        .bind(counts.skills as i32)
        .bind(counts.languages as i32)
        .bind(counts.certifications as i32)
        .bind(warnings)
        .bind(&feed.idempotency_key)
        .fetch_one(&mut *tx)
        .await?;
        let stored = record(&row)?;
        if status == "unchanged" {
            tx.commit().await?;
            return Ok(Accepted::Unchanged(stored));
        }
        write_state(&mut tx, stored.id, state).await?;
        tx.commit().await?;
        Ok(Accepted::New(stored))
    }

    /// Links a feed to the job it started.
    pub async fn set_feed_job(&self, feed_id: i64, job_id: i64) -> Result<(), StoreError> {
        sqlx::query("UPDATE feeds SET job_id = $2 WHERE id = $1")
            .bind(feed_id)
            .bind(job_id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Withdraws a feed (an operator rejected its job): it leaves the desired state for good.
    pub async fn withdraw_feed(&self, feed_id: i64) -> Result<(), StoreError> {
        self.set_feed_status(feed_id, &["accepted", "held"], "withdrawn")
            .await
    }

    /// Takes a feed whose job was held out of the desired state until a decision.
    pub async fn hold_feed(&self, feed_id: i64) -> Result<(), StoreError> {
        self.set_feed_status(feed_id, &["accepted"], "held").await
    }

    /// Puts a held feed back into the desired state (its job was approved).
    pub async fn release_feed(&self, feed_id: i64) -> Result<(), StoreError> {
        self.set_feed_status(feed_id, &["held"], "accepted").await
    }

    /// Moves a feed from one of `from` to `to` and rebuilds the desired state and the names
    /// seen from the accepted history, in one transaction.
    async fn set_feed_status(
        &self,
        feed_id: i64,
        from: &[&str],
        to: &str,
    ) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("SELECT pg_advisory_xact_lock(7261001)")
            .execute(&mut *tx)
            .await?;
        let changed =
            sqlx::query("UPDATE feeds SET status = $3 WHERE id = $1 AND status = ANY($2::text[])")
                .bind(feed_id)
                .bind(from)
                .bind(to)
                .execute(&mut *tx)
                .await?;
        if changed.rows_affected() == 0 {
            return Ok(());
        }
        sqlx::query("DELETE FROM desired").execute(&mut *tx).await?;
        sqlx::query(
            "INSERT INTO desired (agent_key, feed_id, desired)
             SELECT DISTINCT ON (fa.agent_key) fa.agent_key, fa.feed_id, fa.desired
             FROM feed_agents fa JOIN feeds f ON f.id = fa.feed_id
             WHERE f.status = 'accepted'
               AND f.id >= COALESCE((SELECT max(id) FROM feeds WHERE status = 'accepted' AND scope = 'snapshot'), 0)
             ORDER BY fa.agent_key, fa.feed_id DESC",
        )
        .execute(&mut *tx)
        .await?;
        // Names are managed because an accepted feed mentioned them, not a held or withdrawn one.
        sqlx::query(
            "DELETE FROM seen_names s USING feeds f WHERE f.id = s.first_feed_id AND f.status <> 'accepted'",
        )
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO seen_names (kind, name, first_feed_id)
             SELECT k.kind, k.name, min(fa.feed_id)
             FROM feed_agents fa JOIN feeds f ON f.id = fa.feed_id AND f.status = 'accepted',
             LATERAL (SELECT 'skill' AS kind, jsonb_object_keys(fa.desired -> 'skills') AS name
                      UNION ALL SELECT 'language', jsonb_object_keys(fa.desired -> 'languages')
                      UNION ALL SELECT 'certification', jsonb_object_keys(fa.desired -> 'certifications')) AS k
             GROUP BY k.kind, k.name
             ON CONFLICT DO NOTHING",
        )
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The desired state in force. Its scope is `snapshot` once any snapshot has been accepted:
    /// from then on users it does not list hold no managed assignments.
    pub async fn current_desired(&self, kind: AgentKeyKind) -> Result<DesiredState, StoreError> {
        let snapshot: bool = sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM feeds WHERE status = 'accepted' AND scope = 'snapshot')",
        )
        .fetch_one(&self.pool)
        .await?;
        let rows = sqlx::query("SELECT agent_key, desired FROM desired")
            .fetch_all(&self.pool)
            .await?;
        let mut state = DesiredState::new(if snapshot {
            FeedScope::Snapshot
        } else {
            FeedScope::Partial
        });
        for row in rows {
            let key: String = row.try_get("agent_key")?;
            let desired: serde_json::Value = row.try_get("desired")?;
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
        Ok(sqlx::query_scalar("SELECT count(*) FROM desired")
            .fetch_one(&self.pool)
            .await?)
    }

    /// One agent's desired state in force, as stored.
    pub async fn desired_for(
        &self,
        agent_key: &str,
    ) -> Result<Option<serde_json::Value>, StoreError> {
        Ok(
            sqlx::query_scalar("SELECT desired FROM desired WHERE agent_key = $1")
                .bind(agent_key)
                .fetch_optional(&self.pool)
                .await?,
        )
    }

    /// Every name an accepted feed has mentioned: the default managed scope.
    pub async fn seen_names(&self) -> Result<SeenNames, StoreError> {
        let rows = sqlx::query("SELECT kind, name FROM seen_names")
            .fetch_all(&self.pool)
            .await?;
        let mut seen = SeenNames::default();
        for row in rows {
            let kind: String = row.try_get("kind")?;
            let name: String = row.try_get("name")?;
            match kind.as_str() {
                "skill" => seen.skills.insert(name),
                "language" => seen.languages.insert(name),
                _ => seen.certifications.insert(name),
            };
        }
        Ok(seen)
    }

    /// Agents of the newest accepted snapshot before `feed_id`.
    pub async fn previous_snapshot_agents(
        &self,
        feed_id: i64,
    ) -> Result<Option<usize>, StoreError> {
        let agents: Option<i32> = sqlx::query_scalar(
            "SELECT agents FROM feeds WHERE status = 'accepted' AND scope = 'snapshot' AND id < $1
             ORDER BY id DESC LIMIT 1",
        )
        .bind(feed_id)
        .fetch_optional(&self.pool)
        .await?;
        Ok(agents.map(|a| a.max(0) as usize))
    }

    /// Feeds, newest first.
    pub async fn feeds(
        &self,
        limit: i64,
        offset: i64,
    ) -> Result<(Vec<FeedRecord>, i64), StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM feeds ORDER BY id DESC LIMIT $1 OFFSET $2"
        ))
        .bind(limit)
        .bind(offset)
        .fetch_all(&self.pool)
        .await?;
        let total: i64 = sqlx::query_scalar("SELECT count(*) FROM feeds")
            .fetch_one(&self.pool)
            .await?;
        Ok((rows.iter().map(record).collect::<Result<_, _>>()?, total))
    }

    /// One feed.
    pub async fn feed(&self, id: i64) -> Result<Option<FeedRecord>, StoreError> {
        let row = sqlx::query(&format!("SELECT {COLUMNS} FROM feeds WHERE id = $1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(|r| record(&r)).transpose()?)
    }

    /// The newest accepted feed of each source, for feed-age metrics.
    pub async fn last_feed_per_source(&self) -> Result<Vec<(String, DateTime<Utc>)>, StoreError> {
        let rows = sqlx::query(
            "SELECT source, max(received_at) AS at FROM feeds WHERE status IN ('accepted', 'unchanged') GROUP BY source",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| Ok((r.try_get("source")?, r.try_get("at")?)))
            .collect::<Result<_, sqlx::Error>>()
            .map_err(StoreError::from)
    }

    /// Deletes history rows older than `before` that no longer make up the state in force.
    pub async fn prune_feed_history(&self, before: DateTime<Utc>) -> Result<u64, StoreError> {
        let done = sqlx::query(
            "DELETE FROM feed_agents fa USING feeds f
             WHERE f.id = fa.feed_id AND f.received_at < $1
               AND NOT EXISTS (SELECT 1 FROM desired d WHERE d.agent_key = fa.agent_key AND d.feed_id = fa.feed_id)",
        )
        .bind(before)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected())
    }
}

async fn write_state(
    tx: &mut Transaction<'_, Postgres>,
    feed_id: i64,
    state: &DesiredState,
) -> Result<(), StoreError> {
    if state.scope == FeedScope::Snapshot {
        sqlx::query("DELETE FROM desired")
            .execute(&mut **tx)
            .await?;
    }
    let agents: Vec<(&AgentKey, String)> = state
        .agents
        .iter()
        .map(|(k, a)| (k, desired_to_json(a).to_string()))
        .collect();
    for batch in agents.chunks(BATCH) {
        let keys: Vec<&str> = batch.iter().map(|(k, _)| k.as_str()).collect();
        let docs: Vec<&str> = batch.iter().map(|(_, d)| d.as_str()).collect();
        sqlx::query(
            "INSERT INTO feed_agents (feed_id, agent_key, desired)
             SELECT $1, k, d::jsonb FROM UNNEST($2::text[], $3::text[]) AS t(k, d)",
        )
        .bind(feed_id)
        .bind(&keys)
        .bind(&docs)
        .execute(&mut **tx)
        .await?;
        sqlx::query(
            "INSERT INTO desired (agent_key, feed_id, desired)
             SELECT k, $1, d::jsonb FROM UNNEST($2::text[], $3::text[]) AS t(k, d)
             ON CONFLICT (agent_key) DO UPDATE
             SET feed_id = EXCLUDED.feed_id, desired = EXCLUDED.desired, updated_at = now()",
        )
        .bind(feed_id)
        .bind(&keys)
        .bind(&docs)
        .execute(&mut **tx)
        .await?;
    }
    let seen = SeenNames::of(state);
    for (kind, names) in [
        (AssignmentKind::Skill, &seen.skills),
        (AssignmentKind::Language, &seen.languages),
        (AssignmentKind::Certification, &seen.certifications),
    ] {
        let names: Vec<&str> = names.iter().map(String::as_str).collect();
        sqlx::query(
            "INSERT INTO seen_names (kind, name, first_feed_id)
             SELECT $1, n, $2 FROM UNNEST($3::text[]) AS t(n)
             ON CONFLICT DO NOTHING",
        )
        .bind(kind.as_str())
        .bind(feed_id)
        .bind(&names)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}
