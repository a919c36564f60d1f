//! The delivery log in SQLite (`webhook_deliveries` of `migrations/sqlite/`), the embedded
//! store's twin of `pg_log.rs`: event ids are stored as hyphenated text and instants in the
//! store's fixed-width UTC form (millisecond resolution). Knows nothing about HTTP or retries.

use chrono::{DateTime, Utc};
use futures::future::BoxFuture;
use sqlx::SqlitePool;
use uuid::Uuid;

use super::log::{Attempt, DeliveryLog, LogError};

/// The delivery log in the daemon's SQLite database.
#[derive(Debug, Clone)]
pub struct SqliteDeliveryLog {
    pool: SqlitePool,
}

#[derive(sqlx::FromRow)]
struct Row {
    event_id: String,
    event_type: String,
    agent: String,
    certification: String,
    attempt: i64,
    attempted_at: DateTime<Utc>,
    http_status: Option<i64>,
    error: Option<String>,
    outcome: String,
}

const COLUMNS: &str = "event_id, event_type, agent, certification, attempt, attempted_at, \
                       http_status, error, outcome";

/// The stored form of an instant (as `crate::store` writes them): text order is time order.
fn stored(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

impl SqliteDeliveryLog {
    /// A log writing to `pool`, whose database has had the SQLite migrations applied.
    pub fn new(pool: SqlitePool) -> Self {
        Self { pool }
    }

    /// The attempts for one event, oldest first.
    pub async fn attempts_for(&self, event_id: Uuid) -> Result<Vec<Attempt>, LogError> {
        let rows: Vec<Row> = sqlx::query_as(&format!(
            "SELECT {COLUMNS} FROM webhook_deliveries WHERE event_id = $1 ORDER BY id"
        ))
        .bind(event_id.hyphenated().to_string())
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter().map(Attempt::try_from).collect()
    }

    /// Final failures (rejected, exhausted, abandoned) at or after `since`, newest first.
    pub async fn failures_since(
        &self,
        since: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<Attempt>, LogError> {
        let rows: Vec<Row> = sqlx::query_as(&format!(
            "SELECT {COLUMNS} FROM webhook_deliveries \
             WHERE outcome IN ('rejected', 'exhausted', 'abandoned') AND attempted_at >= $1 \
             ORDER BY attempted_at DESC, id DESC LIMIT $2"
        ))
        .bind(stored(since))
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter().map(Attempt::try_from).collect()
    }
}

impl DeliveryLog for SqliteDeliveryLog {
    fn record<'a>(&'a self, attempt: &'a Attempt) -> BoxFuture<'a, Result<(), LogError>> {
        Box::pin(async move {
            sqlx::query(&format!(
                "INSERT INTO webhook_deliveries ({COLUMNS}) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
            ))
            .bind(attempt.event_id.hyphenated().to_string())
            .bind(&attempt.event_type)
            .bind(&attempt.agent)
            .bind(&attempt.certification)
            .bind(i64::from(attempt.attempt))
            .bind(stored(attempt.attempted_at))
            .bind(attempt.status.map(i64::from))
            .bind(&attempt.error)
            .bind(attempt.outcome.as_str())
            .execute(&self.pool)
            .await?;
            Ok(())
        })
    }
}

impl TryFrom<Row> for Attempt {
    type Error = LogError;

    fn try_from(row: Row) -> Result<Self, LogError> {
        Ok(Self {
            event_id: row
                .event_id
                .parse()
                .map_err(|_| LogError::Corrupt(format!("event id {}", row.event_id)))?,
            event_type: row.event_type,
            agent: row.agent,
            certification: row.certification,
            attempt: u32::try_from(row.attempt)
                .map_err(|_| LogError::Corrupt(format!("attempt {}", row.attempt)))?,
            attempted_at: row.attempted_at,
            status: row
                .http_status
                .map(|s| u16::try_from(s).map_err(|_| LogError::Corrupt(format!("status {s}"))))
                .transpose()?,
            error: row.error,
            outcome: row
                .outcome
                .parse()
                .map_err(|e: super::log::UnknownOutcome| LogError::Corrupt(e.to_string()))?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::notify::Outcome;
    use chrono::{SubsecRound, TimeDelta};
    use sqlx::sqlite::SqlitePoolOptions;

    /// A migrated in-memory database; one connection, kept, so that it stays the same one.
    async fn pool() -> SqlitePool {
        let pool = SqlitePoolOptions::new()
            .max_connections(1)
            .idle_timeout(None)
            .max_lifetime(None)
            .connect("sqlite::memory:")
            .await
            .expect("in-memory database");
        crate::store::SQLITE_MIGRATOR
            .run(&pool)
            .await
            .expect("migrated");
        pool
    }

    fn attempt(event: u128, n: u32, outcome: Outcome, at: DateTime<Utc>) -> Attempt {
        Attempt {
            event_id: Uuid::from_u128(event),
            event_type: "certification.revoked".into(),
            agent: "anna@example.com".into(),
            certification: "PCI DSS".into(),
            attempt: n,
            // Stored with millisecond resolution.
            attempted_at: at.trunc_subsecs(3),
            status: (outcome != Outcome::Exhausted).then_some(503),
            error: (outcome == Outcome::Exhausted).then(|| "connection refused".to_owned()),
            outcome,
        }
    }

    #[tokio::test]
    async fn attempts_are_read_back_as_written_in_order() {
        let log = SqliteDeliveryLog::new(pool().await);
        let now = Utc::now();
        let written = [
            attempt(1, 1, Outcome::Retrying, now),
            attempt(2, 1, Outcome::Delivered, now),
            attempt(1, 2, Outcome::Exhausted, now + TimeDelta::seconds(1)),
        ];
        for a in &written {
            log.record(a).await.expect("insert");
        }
        let read = log.attempts_for(Uuid::from_u128(1)).await.expect("select");
        assert_eq!(read, [written[0].clone(), written[2].clone()]);
    }

    #[tokio::test]
    async fn failures_since_lists_only_final_failures_newest_first() {
        let log = SqliteDeliveryLog::new(pool().await);
        let now = Utc::now();
        let hour = TimeDelta::hours(1);
        for a in [
            attempt(1, 1, Outcome::Retrying, now),
            attempt(1, 2, Outcome::Exhausted, now + hour),
            attempt(2, 1, Outcome::Rejected, now - hour * 3),
            attempt(3, 1, Outcome::Delivered, now),
            attempt(4, 1, Outcome::Abandoned, now + hour * 2),
            // Whole seconds sort with the rest: the stored form always has three decimals.
            attempt(
                5,
                1,
                Outcome::Rejected,
                (now + hour).trunc_subsecs(0) - TimeDelta::seconds(1),
            ),
        ] {
            log.record(&a).await.expect("insert");
        }
        let failures = log.failures_since(now - hour, 10).await.expect("select");
        let ids: Vec<u128> = failures.iter().map(|a| a.event_id.as_u128()).collect();
        assert_eq!(ids, [4, 1, 5]);
        assert_eq!(
            log.failures_since(now - hour, 1)
                .await
                .expect("select")
                .len(),
            1
        );
    }

    #[tokio::test]
    async fn the_table_refuses_an_unknown_outcome_and_a_loose_timestamp() {
        let pool = pool().await;
        let insert = |outcome: &'static str, at: &'static str| {
            sqlx::query(
                "INSERT INTO webhook_deliveries (event_id, event_type, agent, certification, \
                 attempt, attempted_at, outcome) VALUES ($1, 't', 'a', 'c', 1, $2, $3)",
            )
            .bind(Uuid::from_u128(1).hyphenated().to_string())
            .bind(at)
            .bind(outcome)
            .execute(&pool)
        };
        assert!(insert("delivered", "2026-01-01T00:00:00.000Z")
            .await
            .is_ok());
        assert!(insert("lost", "2026-01-01T00:00:00.000Z").await.is_err());
        assert!(insert("delivered", "2026-01-01T00:00:00+00:00")
            .await
            .is_err());
    }
}
