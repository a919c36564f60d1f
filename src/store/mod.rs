//! PostgreSQL storage: feeds and the desired state, observed agents and drift, the job queue and
//! its work items, and the audit log. The only module that knows SQL; it decides nothing.

mod agents;
mod audit;
mod codec;
mod feeds;
mod jobs;
mod work;

use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::PgPool;

pub use agents::{AgentRecord, DriftFilter, DriftPage, DriftSummary, ObservedAgent};
pub use audit::{AuditEntry, AuditFilter, AuditIntent, AuditOutcome};
pub use codec::{desired_from_json, desired_to_json, live_from_json, live_to_json};
pub use feeds::{Accepted, FeedRecord, NewFeed};
pub use jobs::{JobRecord, JobStatus, Trigger};
pub use work::{WorkItem, WorkStatus};

/// Why a storage operation failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database could not be reached or answered with an error.
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    /// Migrations could not be applied.
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// A stored value does not decode (a bug or a hand-edited row).
    #[error("corrupt stored value in {table}: {reason}")]
    Corrupt {
        /// Where.
        table: &'static str,
        /// What.
        reason: String,
    },
    /// The row asked for does not exist.
    #[error("{0} not found")]
    NotFound(String),
    /// The operation does not fit the row's state (e.g. approving a job that is not held).
    #[error("{0}")]
    Conflict(String),
}

fn unavailable(e: &sqlx::Error) -> bool {
    matches!(
        e,
        sqlx::Error::Io(_)
            | sqlx::Error::PoolTimedOut
            | sqlx::Error::PoolClosed
            | sqlx::Error::Tls(_)
    ) || matches!(e, sqlx::Error::Database(db) if db.code().is_some_and(|c| c.starts_with("57") || c.starts_with("08")))
}

impl StoreError {
    /// True when the database could not be reached (as opposed to refusing a statement): the
    /// caller should wait and try again.
    pub fn is_unavailable(&self) -> bool {
        match self {
            Self::Database(e) => unavailable(e),
            Self::Migrate(sqlx::migrate::MigrateError::Execute(e)) => unavailable(e),
            _ => false,
        }
    }

    /// A short, stable label for metrics.
    pub fn label(&self) -> &'static str {
        match self {
            Self::Database(_) => "database",
            Self::Migrate(_) => "migrate",
            Self::Corrupt { .. } => "corrupt",
            Self::NotFound(_) => "not_found",
            Self::Conflict(_) => "conflict",
        }
    }
}

/// The embedded migrations (`migrations/`).
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// A handle to the database; cheap to clone.
#[derive(Debug, Clone)]
pub struct Store {
    pool: PgPool,
}

impl Store {
    /// Connects lazily: the pool opens connections on first use and reopens them after the
    /// database restarts, so start-up does not fail while PostgreSQL is still coming up.
    pub fn connect_lazy(url: &str, max_connections: u32) -> Result<Self, StoreError> {
        let options: PgConnectOptions = url.parse()?;
        let pool = PgPoolOptions::new()
            .max_connections(max_connections.max(2))
            .acquire_timeout(Duration::from_secs(5))
            .connect_lazy_with(options);
        Ok(Self { pool })
    }

    /// A store over an existing pool (tests).
    pub fn from_pool(pool: PgPool) -> Self {
        Self { pool }
    }

    /// The pool, for health checks.
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// Creates the database named in `url` when the server does not have it yet (a fresh
    /// server), so that a first start needs no manual step.
    pub async fn create_database_if_missing(&self, url: &str) -> Result<(), StoreError> {
        use sqlx::migrate::MigrateDatabase;
        if !sqlx::Postgres::database_exists(url).await? {
            tracing::info!("creating the database");
            sqlx::Postgres::create_database(url).await?;
        }
        Ok(())
    }

    /// Applies pending migrations.
    pub async fn migrate(&self) -> Result<(), StoreError> {
        MIGRATOR.run(&self.pool).await?;
        Ok(())
    }

    /// True when the database answers and every embedded migration is applied.
    pub async fn ready(&self) -> Result<bool, StoreError> {
        let applied: Vec<i64> =
            sqlx::query_scalar("SELECT version FROM _sqlx_migrations WHERE success")
                .fetch_all(&self.pool)
                .await?;
        Ok(MIGRATOR.iter().all(|m| applied.contains(&m.version)))
    }
}

fn corrupt(table: &'static str, reason: impl ToString) -> StoreError {
    StoreError::Corrupt {
        table,
        reason: reason.to_string(),
    }
}
