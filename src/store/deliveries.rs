//! The webhook's delivery log (`webhook_deliveries`): one [`Attempt`] per request sent (or
//! abandoned) and its [`Outcome`], written and read back the same way on both backends. Knows
//! nothing about HTTP or retries (that is `notify`'s).

use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::backend::{Dialect, Pool};
use super::{corrupt, Store, StoreError};

/// Where an event stands after one attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Outcome {
    /// A transient failure; another attempt follows.
    Retrying,
    /// The receiver answered 2xx. Final.
    Delivered,
    /// The receiver answered a 4xx other than 408 and 429 (or a redirect): retrying the same
    /// request would not help. Final.
    Rejected,
    /// Every attempt failed transiently. Final.
    Exhausted,
    /// Shutdown came before the event could be delivered. Final.
    Abandoned,
}

impl Outcome {
    /// All outcomes, in lifecycle order.
    pub const ALL: [Self; 5] = [
        Self::Retrying,
        Self::Delivered,
        Self::Rejected,
        Self::Exhausted,
        Self::Abandoned,
    ];

    /// `retrying`, `delivered`, `rejected`, `exhausted` or `abandoned`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Retrying => "retrying",
            Self::Delivered => "delivered",
            Self::Rejected => "rejected",
            Self::Exhausted => "exhausted",
            Self::Abandoned => "abandoned",
        }
    }

    /// Whether no attempt follows.
    pub fn is_final(self) -> bool {
        self != Self::Retrying
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An outcome spelled other than by [`Outcome::as_str`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown delivery outcome {0:?}")]
pub struct UnknownOutcome(pub String);

impl FromStr for Outcome {
    type Err = UnknownOutcome;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|outcome| outcome.as_str() == s)
            .ok_or_else(|| UnknownOutcome(s.to_owned()))
    }
}

/// One attempt to deliver one event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attempt {
    /// The event's id.
    pub event_id: Uuid,
    /// The event's `type`, e.g. `certification.revoked`.
    pub event_type: String,
    /// The agent's key.
    pub agent: String,
    /// The certification.
    pub certification: String,
    /// 1 for the first attempt. An abandoned event's last record numbers the attempt that
    /// was not sent.
    pub attempt: u32,
    /// When it was sent (or abandoned).
    pub attempted_at: DateTime<Utc>,
    /// The receiver's HTTP status, when it answered.
    pub status: Option<u16>,
    /// What went wrong: the transport error, or the start of the receiver's error body.
    pub error: Option<String>,
    /// Where the event stands after this attempt.
    pub outcome: Outcome,
}

/// The delivery log of the store's org in the store's database; cheap to clone.
#[derive(Debug, Clone)]
pub struct Deliveries {
    pool: Pool,
    org: Arc<str>,
}

/// A stored attempt. Event ids travel as hyphenated text: SQLite stores them so, and PostgreSQL
/// casts them to and from `uuid`.
#[derive(sqlx::FromRow)]
struct Row {
    event_id: String,
    event_type: String,
    agent: String,
    certification: String,
    attempt: i32,
    attempted_at: DateTime<Utc>,
    http_status: Option<i16>,
    error: Option<String>,
    outcome: String,
}

const TABLE: &str = "webhook_deliveries";

/// The columns of [`Row`], read back.
fn columns<D: Dialect>() -> String {
    format!(
        "{} AS event_id, event_type, agent, certification, attempt, attempted_at, http_status, \
         error, outcome",
        D::cast("event_id", "text")
    )
}

impl Store {
    /// The webhook's delivery log of this store's org.
    pub fn delivery_log(&self) -> Deliveries {
        Deliveries {
            pool: self.pool.clone(),
            org: self.org.clone(),
        }
    }
}

impl Deliveries {
    /// Stores one attempt.
    pub async fn record(&self, attempt: &Attempt) -> Result<(), StoreError> {
        db!(self, |pool, D| sqlx::query(&format!(
            "INSERT INTO {TABLE} (event_id, event_type, agent, certification, attempt, \
                                  attempted_at, http_status, error, outcome, org) \
             VALUES ({}, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
            D::cast("$1", "uuid")
        ))
        .bind(attempt.event_id.hyphenated().to_string())
        .bind(&attempt.event_type)
        .bind(&attempt.agent)
        .bind(&attempt.certification)
        .bind(i32::try_from(attempt.attempt).unwrap_or(i32::MAX))
        .bind(D::ts(attempt.attempted_at))
        .bind(attempt.status.and_then(|s| i16::try_from(s).ok()))
        .bind(&attempt.error)
        .bind(attempt.outcome.as_str())
        .bind(&*self.org)
        .execute(pool)
        .await?
        .rows_affected());
        Ok(())
    }

    /// The attempts for one event, oldest first.
    pub async fn attempts_for(&self, event_id: Uuid) -> Result<Vec<Attempt>, StoreError> {
        let rows: Vec<Row> = db!(self, |pool, D| sqlx::query_as(&format!(
            "SELECT {} FROM {TABLE} WHERE org = $2 AND event_id = {} ORDER BY id",
            columns::<D>(),
            D::cast("$1", "uuid")
        ))
        .bind(event_id.hyphenated().to_string())
        .bind(&*self.org)
        .fetch_all(pool)
        .await?);
        rows.into_iter().map(Attempt::try_from).collect()
    }

    /// Final failures (rejected, exhausted, abandoned) at or after `since`, newest first.
    pub async fn failures_since(
        &self,
        since: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<Attempt>, StoreError> {
        let rows: Vec<Row> = db!(self, |pool, D| sqlx::query_as(&format!(
            "SELECT {} FROM {TABLE} \
             WHERE org = $3 AND outcome IN ('rejected', 'exhausted', 'abandoned') \
               AND attempted_at >= $1 \
             ORDER BY attempted_at DESC, id DESC LIMIT $2",
            columns::<D>()
        ))
        .bind(D::ts(since))
        .bind(i64::from(limit))
        .bind(&*self.org)
        .fetch_all(pool)
        .await?);
        rows.into_iter().map(Attempt::try_from).collect()
    }
}

impl TryFrom<Row> for Attempt {
    type Error = StoreError;

    fn try_from(row: Row) -> Result<Self, StoreError> {
        Ok(Self {
            event_id: row
                .event_id
                .parse()
                .map_err(|_| corrupt(TABLE, format!("event id {}", row.event_id)))?,
            event_type: row.event_type,
            agent: row.agent,
            certification: row.certification,
            attempt: u32::try_from(row.attempt)
                .map_err(|_| corrupt(TABLE, format!("attempt {}", row.attempt)))?,
            attempted_at: row.attempted_at,
            status: row
                .http_status
                .map(|s| u16::try_from(s).map_err(|_| corrupt(TABLE, format!("status {s}"))))
                .transpose()?,
            error: row.error,
            outcome: row.outcome.parse().map_err(|e| corrupt(TABLE, e))?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outcomes_parse_from_their_names() {
        for outcome in Outcome::ALL {
            assert_eq!(outcome.to_string().parse(), Ok(outcome));
        }
        assert_eq!(
            "failed".parse::<Outcome>(),
            Err(UnknownOutcome("failed".into()))
        );
    }

    #[test]
    fn only_retrying_is_not_final() {
        let finals: Vec<_> = Outcome::ALL.into_iter().filter(|o| o.is_final()).collect();
        assert_eq!(finals.len(), 4);
        assert!(!Outcome::Retrying.is_final());
    }
}
