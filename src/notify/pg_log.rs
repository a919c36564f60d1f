//! The delivery log in PostgreSQL (`webhook_deliveries`, see its migration): writes attempts
//! and reads them back. Runtime queries only; knows nothing about HTTP or retries.

use chrono::{DateTime, Utc};
use futures::future::BoxFuture;
use sqlx::PgPool;
use uuid::Uuid;

use super::log::{Attempt, DeliveryLog, LogError};

/// The delivery log in the daemon's database.
#[derive(Debug, Clone)]
pub struct PgDeliveryLog {
    pool: PgPool,
}

#[derive(sqlx::FromRow)]
struct Row {
    event_id: Uuid,
    event_type: String,
    agent: String,
    certification: String,
    attempt: i32,
    attempted_at: DateTime<Utc>,
    http_status: Option<i16>,
    error: Option<String>,
    outcome: String,
}

const COLUMNS: &str = "event_id, event_type, agent, certification, attempt, attempted_at, \
                       http_status, error, outcome";

impl PgDeliveryLog {
    /// A log writing to `pool`, whose database has had the migrations applied.
    pub fn new(pool: PgPool) -> Self {
        Self { pool }
    }

    /// The attempts for one event, oldest first.
    pub async fn attempts_for(&self, event_id: Uuid) -> Result<Vec<Attempt>, LogError> {
        let rows: Vec<Row> = sqlx::query_as(&format!(
            "SELECT {COLUMNS} FROM webhook_deliveries WHERE event_id = $1 ORDER BY id"
        ))
        .bind(event_id)
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
        .bind(since)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter().map(Attempt::try_from).collect()
    }
}

impl DeliveryLog for PgDeliveryLog {
    fn record<'a>(&'a self, attempt: &'a Attempt) -> BoxFuture<'a, Result<(), LogError>> {
        Box::pin(async move {
            sqlx::query(&format!(
                "INSERT INTO webhook_deliveries ({COLUMNS}) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
            ))
            .bind(attempt.event_id)
            .bind(&attempt.event_type)
            .bind(&attempt.agent)
            .bind(&attempt.certification)
            .bind(i32::try_from(attempt.attempt).unwrap_or(i32::MAX))
            .bind(attempt.attempted_at)
            .bind(attempt.status.and_then(|s| i16::try_from(s).ok()))
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
            event_id: row.event_id,
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

    fn attempt(event: u128, n: u32, outcome: Outcome, at: DateTime<Utc>) -> Attempt {
        Attempt {
            event_id: Uuid::from_u128(event),
            event_type: "certification.revoked".into(),
            agent: "anna@example.com".into(),
            certification: "PCI DSS".into(),
            attempt: n,
            // PostgreSQL keeps microseconds.
            attempted_at: at.trunc_subsecs(6),
            status: (outcome != Outcome::Exhausted).then_some(503),
            error: (outcome == Outcome::Exhausted).then(|| "connection refused".to_owned()),
            outcome,
        }
    }

    #[sqlx::test(migrations = "./migrations")]
    async fn attempts_are_read_back_as_written_in_order(pool: PgPool) {
        let log = PgDeliveryLog::new(pool);
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

    #[sqlx::test(migrations = "./migrations")]
    async fn the_same_event_may_be_sent_again_after_a_restart(pool: PgPool) {
        let log = PgDeliveryLog::new(pool);
        let now = Utc::now();
        log.record(&attempt(1, 1, Outcome::Delivered, now))
            .await
            .expect("first");
        log.record(&attempt(1, 1, Outcome::Delivered, now))
            .await
            .expect("again");
        assert_eq!(
            log.attempts_for(Uuid::from_u128(1))
                .await
                .expect("select")
                .len(),
            2
        );
    }

    #[sqlx::test(migrations = "./migrations")]
    async fn failures_since_lists_only_final_failures_newest_first(pool: PgPool) {
        let log = PgDeliveryLog::new(pool);
        let now = Utc::now();
        let hour = TimeDelta::hours(1);
        for a in [
            attempt(1, 1, Outcome::Retrying, now),
            attempt(1, 2, Outcome::Exhausted, now + hour),
            attempt(2, 1, Outcome::Rejected, now - hour * 3),
            attempt(3, 1, Outcome::Delivered, now),
            attempt(4, 1, Outcome::Abandoned, now + hour * 2),
        ] {
            log.record(&a).await.expect("insert");
        }
        let failures = log.failures_since(now - hour, 10).await.expect("select");
        let ids: Vec<u128> = failures.iter().map(|a| a.event_id.as_u128()).collect();
        assert_eq!(ids, [4, 1]);
        assert_eq!(
            log.failures_since(now - hour, 1)
                .await
                .expect("select")
                .len(),
            1
        );
    }

    #[sqlx::test(migrations = "./migrations")]
    async fn the_table_refuses_an_unknown_outcome(pool: PgPool) {
        let inserted = sqlx::query(
            "INSERT INTO webhook_deliveries (event_id, event_type, agent, certification, \
             attempt, attempted_at, outcome) VALUES ($1, 't', 'a', 'c', 1, now(), 'lost')",
        )
        .bind(Uuid::from_u128(1))
        .execute(&pool)
        .await;
        assert!(inserted.is_err());
    }
}
