//! Feeds and the desired state: recording every feed, accepting a new version atomically (its
//! history rows, the state in force, the names seen) under a lock that serializes the writers of
//! "the version in force", and linking feeds to jobs.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::backend::{Batch, Column, Dialect, FEEDS_LOCK};
use super::codec::desired_to_json;
use super::{FeedStatus, JobRecord, Store, StoreError};
use crate::domain::{AgentKey, AssignmentKind, DesiredState, FeedFormat, FeedScope, SeenNames};

/// Rows written per statement when storing a large feed.
pub(super) const BATCH: usize = 5_000;

/// What is known about a feed before it is stored.
#[derive(Debug, Clone)]
pub struct NewFeed {
    /// Ingest source name.
    pub source: String,
    /// `partial` or `snapshot`.
    pub scope: FeedScope,
    /// `csv` or `json`.
    pub format: FeedFormat,
    /// The request's `Idempotency-Key`.
    pub idempotency_key: Option<String>,
    /// What that request asked for (a digest), compared when the key comes again.
    pub request_hash: Option<String>,
}

/// A stored feed.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct FeedRecord {
    /// Id.
    pub id: i64,
    /// Source name.
    pub source: String,
    /// When it arrived.
    pub received_at: DateTime<Utc>,
    /// `partial` or `snapshot`.
    #[sqlx(try_from = "String")]
    pub scope: FeedScope,
    /// `csv` or `json`.
    #[sqlx(try_from = "String")]
    pub format: FeedFormat,
    /// Where it stands.
    #[sqlx(try_from = "String")]
    pub status: FeedStatus,
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
    /// The digest of the request that stored it under an Idempotency-Key; not shown.
    #[serde(skip)]
    pub request_hash: Option<String>,
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

pub(super) const COLUMNS: &str =
    "id, source, received_at, scope, format, status, hash, agents, skills, languages, \
                       certifications, errors, warnings, job_id, request_hash";

impl Store {
    /// The feed stored under this idempotency key.
    pub async fn feed_by_idempotency_key(
        &self,
        key: &str,
    ) -> Result<Option<FeedRecord>, StoreError> {
        db!(self, |pool, D| Ok(sqlx::query_as(&format!(
            "SELECT {COLUMNS} FROM feeds WHERE org = $2 AND idempotency_key = $1"
        ))
        .bind(key)
        .bind(&*self.org)
        .fetch_optional(pool)
        .await?))
    }

    /// Records a rejected feed with its errors; the desired state is not touched.
    pub async fn record_rejected_feed(
        &self,
        feed: &NewFeed,
        errors: serde_json::Value,
        warnings: serde_json::Value,
    ) -> Result<FeedRecord, StoreError> {
        db!(self, |pool, D| {
            Ok(sqlx::query_as(&format!(
            "INSERT INTO feeds (source, scope, format, status, errors, warnings, idempotency_key,
                                request_hash, org)
             VALUES ($1, $2, $3, 'rejected', $4, $5, $6, $7, $8)
             ON CONFLICT (org, idempotency_key) DO UPDATE SET idempotency_key = excluded.idempotency_key
             RETURNING {COLUMNS}"
        ))
        .bind(&feed.source)
        .bind(feed.scope.as_str())
        .bind(feed.format.as_str())
        .bind(errors)
        .bind(warnings)
        .bind(&feed.idempotency_key)
        .bind(&feed.request_hash)
        .bind(&*self.org)
        .fetch_one(pool)
        .await?)
        })
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
        db!(self, |pool, D| {
            let mut tx = D::begin_write(pool).await?;
            // Concurrent ingests of the same org would race on "the version in force".
            D::lock(&mut tx, self.lock_key(FEEDS_LOCK)).await?;
            if let Some(key) = &feed.idempotency_key {
                let replayed: Option<FeedRecord> = sqlx::query_as(&format!(
                    "SELECT {COLUMNS} FROM feeds WHERE org = $2 AND idempotency_key = $1"
                ))
                .bind(key)
                .bind(&*self.org)
                .fetch_optional(&mut *tx)
                .await?;
                if let Some(replayed) = replayed {
                    return Ok(Accepted::Replayed(replayed));
                }
            }
            let current: Option<String> = sqlx::query_scalar(
                "SELECT hash FROM feeds WHERE org = $1 AND status = 'accepted'
                 ORDER BY id DESC LIMIT 1",
            )
            .bind(&*self.org)
            .fetch_optional(&mut *tx)
            .await?
            .flatten();
            let counts = state.counts();
            let status = if current.as_deref() == Some(hash) {
                FeedStatus::Unchanged
            } else {
                FeedStatus::Accepted
            };
            let stored: FeedRecord = sqlx::query_as(&format!(
                "INSERT INTO feeds (source, scope, format, status, hash, agents, skills, languages,
                                    certifications, warnings, idempotency_key, request_hash, org)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
                 RETURNING {COLUMNS}"
            ))
            .bind(&feed.source)
            .bind(feed.scope.as_str())
            .bind(feed.format.as_str())
            .bind(status.as_str())
            .bind(hash)
            .bind(counts.agents as i32)
            .bind(counts.skills as i32)
            .bind(counts.languages as i32)
            .bind(counts.certifications as i32)
            .bind(warnings)
            .bind(&feed.idempotency_key)
            .bind(&feed.request_hash)
            .bind(&*self.org)
            .fetch_one(&mut *tx)
            .await?;
            if status == FeedStatus::Unchanged {
                tx.commit().await?;
                return Ok(Accepted::Unchanged(stored));
            }
            if state.scope == FeedScope::Snapshot {
                sqlx::query("DELETE FROM desired WHERE org = $1")
                    .bind(&*self.org)
                    .execute(&mut *tx)
                    .await?;
            }
            let agents: Vec<(&AgentKey, String)> = state
                .agents
                .iter()
                .map(|(k, a)| (k, desired_to_json(a).to_string()))
                .collect();
            for batch in agents.chunks(BATCH) {
                let rows = || {
                    Batch(vec![
                        Column::Text(batch.iter().map(|(k, _)| Some(k.to_string())).collect()),
                        Column::Json(batch.iter().map(|(_, d)| d.clone()).collect()),
                    ])
                };
                let history = rows();
                let history_sql = format!(
                    "INSERT INTO feed_agents (org, feed_id, agent_key, desired)
                     SELECT $2, $1, c0, c1 FROM {}",
                    D::rows(3, &history)
                );
                let query = sqlx::query(&history_sql).bind(stored.id).bind(&*self.org);
                D::bind_rows(query, history).execute(&mut *tx).await?;
                let in_force = rows();
                let in_force_sql = format!(
                    "INSERT INTO desired (org, agent_key, feed_id, desired)
                     SELECT $2, c0, $1, c1 FROM {} WHERE true
                     ON CONFLICT (org, agent_key) DO UPDATE
                     SET feed_id = excluded.feed_id, desired = excluded.desired, updated_at = {}",
                    D::rows(3, &in_force),
                    D::NOW
                );
                let query = sqlx::query(&in_force_sql).bind(stored.id).bind(&*self.org);
                D::bind_rows(query, in_force).execute(&mut *tx).await?;
            }
            let seen = SeenNames::of(state);
            for (kind, names) in [
                (AssignmentKind::Skill, &seen.skills),
                (AssignmentKind::Language, &seen.languages),
                (AssignmentKind::Certification, &seen.certifications),
            ] {
                let names = Batch(vec![Column::Text(
                    names.iter().map(|n| Some((*n).to_owned())).collect(),
                )]);
                let sql = format!(
                    "INSERT INTO seen_names (org, kind, name, first_feed_id)
                     SELECT $3, $1, c0, $2 FROM {} WHERE true
                     ON CONFLICT DO NOTHING",
                    D::rows(4, &names)
                );
                let query = sqlx::query(&sql)
                    .bind(kind.as_str())
                    .bind(stored.id)
                    .bind(&*self.org);
                D::bind_rows(query, names).execute(&mut *tx).await?;
            }
            tx.commit().await?;
            Ok(Accepted::New(stored))
        })
    }

    /// Links a feed to the job it started.
    pub async fn set_feed_job(&self, feed_id: i64, job_id: i64) -> Result<(), StoreError> {
        db!(self, |pool, D| {
            sqlx::query("UPDATE feeds SET job_id = $2 WHERE id = $1 AND org = $3")
                .bind(feed_id)
                .bind(job_id)
                .bind(&*self.org)
                .execute(pool)
                .await?;
            Ok(())
        })
    }

    /// Agents of the newest accepted snapshot before `feed_id`.
    pub async fn previous_snapshot_agents(
        &self,
        feed_id: i64,
    ) -> Result<Option<usize>, StoreError> {
        let agents: Option<i32> = db!(self, |pool, D| {
            sqlx::query_scalar(
                "SELECT agents FROM feeds
             WHERE org = $2 AND status = 'accepted' AND scope = 'snapshot' AND id < $1
             ORDER BY id DESC LIMIT 1",
            )
            .bind(feed_id)
            .bind(&*self.org)
            .fetch_optional(pool)
            .await?
        });
        Ok(agents.map(|a| a.max(0) as usize))
    }

    /// Feeds, newest first, and how many there are.
    pub async fn feeds(
        &self,
        limit: i64,
        offset: i64,
    ) -> Result<(Vec<FeedRecord>, i64), StoreError> {
        db!(self, |pool, D| {
            let rows = sqlx::query_as(&format!(
                "SELECT {COLUMNS} FROM feeds WHERE org = $3 ORDER BY id DESC LIMIT $1 OFFSET $2"
            ))
            .bind(limit)
            .bind(offset)
            .bind(&*self.org)
            .fetch_all(pool)
            .await?;
            let total: i64 = sqlx::query_scalar("SELECT count(*) FROM feeds WHERE org = $1")
                .bind(&*self.org)
                .fetch_one(pool)
                .await?;
            Ok((rows, total))
        })
    }

    /// One feed.
    pub async fn feed(&self, id: i64) -> Result<Option<FeedRecord>, StoreError> {
        db!(self, |pool, D| Ok(sqlx::query_as(&format!(
            "SELECT {COLUMNS} FROM feeds WHERE id = $1 AND org = $2"
        ))
        .bind(id)
        .bind(&*self.org)
        .fetch_optional(pool)
        .await?))
    }

    /// The feeds a job was started for, oldest first: more than one when feeds arrived while
    /// their job was still queued and were coalesced into it, or when it adopted unchecked ones.
    /// The job's own `feed_id` counts even before the ingest has linked that feed to it.
    pub async fn feeds_of_job(&self, job: &JobRecord) -> Result<Vec<FeedRecord>, StoreError> {
        let mut feeds: Vec<FeedRecord> = db!(self, |pool, D| sqlx::query_as(&format!(
            "SELECT {COLUMNS} FROM feeds WHERE job_id = $1 AND org = $2 ORDER BY id"
        ))
        .bind(job.id)
        .bind(&*self.org)
        .fetch_all(pool)
        .await?);
        if let Some(newest) = job.feed_id.filter(|id| !feeds.iter().any(|f| f.id == *id)) {
            feeds.extend(self.feed(newest).await?);
            feeds.sort_by_key(|f| f.id);
        }
        Ok(feeds)
    }

    /// Makes job `job_id` responsible for the accepted feeds whose own job failed before its plan
    /// was checked (say, the platform was unreachable), so that they still meet the safety
    /// checks and can be held; the job becomes a `feed` job. Returns how many it adopted.
    pub async fn adopt_unchecked_feeds(&self, job_id: i64) -> Result<u64, StoreError> {
        db!(self, |pool, D| {
            let mut tx = D::begin_write(pool).await?;
            let adopted = sqlx::query(
                "UPDATE feeds SET job_id = $1
                 WHERE org = $2 AND status = 'accepted'
                   AND job_id IN (SELECT id FROM jobs
                                  WHERE org = $2 AND status = 'failed' AND plan IS NULL)",
            )
            .bind(job_id)
            .bind(&*self.org)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if adopted > 0 {
                sqlx::query(
                    "UPDATE jobs SET trigger = 'feed',
                         feed_id = (SELECT max(id) FROM feeds WHERE job_id = $1 AND org = $2)
                     WHERE id = $1 AND org = $2",
                )
                .bind(job_id)
                .bind(&*self.org)
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await?;
            Ok(adopted)
        })
    }

    /// The newest accepted feed of each source, for feed-age metrics.
    pub async fn last_feed_per_source(&self) -> Result<Vec<(String, DateTime<Utc>)>, StoreError> {
        db!(self, |pool, D| Ok(sqlx::query_as(
            "SELECT source, max(received_at) AS at FROM feeds
             WHERE org = $1 AND status IN ('accepted', 'unchanged') GROUP BY source",
        )
        .bind(&*self.org)
        .fetch_all(pool)
        .await?))
    }
}
