//! Storage: feeds and the desired state, observed agents and drift, the job queue and its work
//! items, and the audit log. The only module that knows SQL; it decides nothing.
//!
//! Two backends behind one [`Store`], chosen by the URL's scheme: PostgreSQL (the production
//! store, safe for several processes on one database) and SQLite (one process on one file: the
//! embedded default). Each concept's file here (`feeds.rs`, `jobs.rs`, …) holds its public types
//! and its queries, written once over the seam in `backend.rs`. Both backends pass the same tests
//! (`tests/store/`).

use std::sync::Arc;

use sqlx::{PgPool, SqlitePool};

use backend::{pg, sqlite, Pool};

#[macro_use]
mod backend;
mod agent_history;
mod agents;
#[macro_use]
mod audit;
mod catalog;
mod codec;
mod decisions;
mod deferral;
mod deliveries;
mod desired;
mod error;
mod feeds;
mod holders;
mod jobs;
mod org_leases;
mod planned;
mod queueing;
mod retirements;
mod scan_cursor;
mod settings;
mod vocabulary;
mod waiting;
mod work;

pub use agents::{
    AgentRecord, DriftFilter, DriftPage, DriftSummary, LastChange, ObservedAgent, Scan,
};
pub use audit::{AuditEntry, AuditFilter, AuditIntent, AuditOutcome};
pub use backend::pg::MIGRATOR;
pub use backend::sqlite::MIGRATOR as SQLITE_MIGRATOR;
pub use catalog::CatalogEntry;
pub use codec::{
    changes_from_json, changes_to_json, desired_from_json, desired_to_json, live_from_json,
    live_to_json,
};
pub use decisions::Decision;
pub use deliveries::{Attempt, Deliveries, Outcome, UnknownOutcome};
pub use error::StoreError;
pub use feeds::{Accepted, FeedRecord, NewFeed};
pub use jobs::JobRecord;
pub use org_leases::{OrgLease, Renewal};
pub use planned::PlannedChanges;
pub use queueing::Lane;
pub use retirements::Retirement;
pub use settings::DatabaseSettings;
pub use vocabulary::{
    AgentState, AuditStatus, FeedStatus, JobStatus, Trigger, UnknownWord, WorkStatus,
};
pub use work::{ItemOutcome, PlannedItem, WorkItem};

use error::corrupt;

/// The database a store runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// `postgres://` or `postgresql://`: the production store; several replicas may share it.
    Postgres,
    /// `sqlite://path` (or `sqlite::memory:` in tests): one process on one file.
    Sqlite,
}

impl Backend {
    /// The backend a database URL names by its scheme.
    pub fn of_url(url: &str) -> Result<Self, StoreError> {
        let scheme = url.split_once(':').map_or("", |(scheme, _)| scheme);
        match scheme.to_ascii_lowercase().as_str() {
            "postgres" | "postgresql" => Ok(Self::Postgres),
            "sqlite" => Ok(Self::Sqlite),
            // Only the scheme: the rest of the URL may carry a password.
            _ => Err(StoreError::Database(sqlx::Error::Configuration(
                format!(
                    "database.url: unsupported scheme {scheme:?}; \
                     use postgres://… or sqlite://…"
                )
                .into(),
            ))),
        }
    }

    /// `postgres` or `sqlite`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Postgres => "postgres",
            Self::Sqlite => "sqlite",
        }
    }
}

use crate::domain::DEFAULT_ORG;

/// A handle to the database, scoped to one org: every row it reads or writes is that org's, so
/// that orgs sharing a database never see or change each other's. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Store {
    pool: Pool,
    org: Arc<str>,
}

impl Store {
    /// Connects lazily to the database `url` names (see [`Backend::of_url`]): the pool opens
    /// connections on first use and reopens them after the database restarts, so start-up does
    /// not fail while PostgreSQL is still coming up.
    pub fn connect_lazy(url: &str, max_connections: u32) -> Result<Self, StoreError> {
        Ok(match Backend::of_url(url)? {
            Backend::Postgres => Self::from_pool(pg::connect_lazy(url, max_connections)?),
            Backend::Sqlite => Self::from_sqlite_pool(sqlite::connect_lazy(url, max_connections)?),
        })
    }

    /// A store over an existing PostgreSQL pool (tests).
    pub fn from_pool(pool: PgPool) -> Self {
        Self {
            pool: Pool::Postgres(pool),
            org: Arc::from(DEFAULT_ORG),
        }
    }

    /// A store over an existing SQLite pool (tests). Its connections should have foreign keys
    /// on and a busy timeout, as [`Store::connect_lazy`] sets them.
    pub fn from_sqlite_pool(pool: SqlitePool) -> Self {
        Self {
            pool: Pool::Sqlite(pool),
            org: Arc::from(DEFAULT_ORG),
        }
    }

    /// The same database scoped to `org`; shares this store's pool.
    pub fn for_org(&self, org: &str) -> Store {
        Self {
            pool: self.pool.clone(),
            org: Arc::from(org),
        }
    }

    /// The org whose rows this store reads and writes.
    pub fn org(&self) -> &str {
        &self.org
    }

    /// The advisory lock key `base` for this store's org: each org serializes its own writers
    /// only, so that one org's large feed never waits for another's. The default org keeps the
    /// key it had before orgs existed (a process of the previous version may still hold it during
    /// a rolling update).
    fn lock_key(&self, base: i64) -> i64 {
        if &*self.org == DEFAULT_ORG {
            return base;
        }
        // FNV-1a: stable across processes and versions, unlike the std hasher.
        let hash = self.org.bytes().fold(0x811c_9dc5_u32, |h, b| {
            (h ^ u32::from(b)).wrapping_mul(0x0100_0193)
        });
        (base << 32) ^ i64::from(hash)
    }

    /// Which database this store runs on.
    pub fn backend(&self) -> Backend {
        match self.pool {
            Pool::Postgres(_) => Backend::Postgres,
            Pool::Sqlite(_) => Backend::Sqlite,
        }
    }

    /// Closes the pool: waits for connections in use to come back, then closes them all (on
    /// SQLite this also checkpoints the write-ahead log into the file).
    pub async fn close(&self) {
        match &self.pool {
            Pool::Postgres(pool) => pool.close().await,
            Pool::Sqlite(pool) => pool.close().await,
        }
    }

    /// Creates the database named in `url` when it does not exist yet (a fresh server, or a
    /// SQLite file whose directory may not exist either), so that a first start needs no
    /// manual step.
    pub async fn create_database_if_missing(&self, url: &str) -> Result<(), StoreError> {
        match Backend::of_url(url)? {
            Backend::Postgres => pg::create_database_if_missing(url).await,
            Backend::Sqlite => sqlite::create_database_if_missing(url).await,
        }
    }

    /// Applies pending migrations (`migrations/` or `migrations/sqlite/`).
    pub async fn migrate(&self) -> Result<(), StoreError> {
        match &self.pool {
            Pool::Postgres(pool) => MIGRATOR.run(pool).await?,
            Pool::Sqlite(pool) => SQLITE_MIGRATOR.run(pool).await?,
        }
        Ok(())
    }

    /// True when the database answers and every embedded migration is applied.
    pub async fn ready(&self) -> Result<bool, StoreError> {
        // sqlx keeps the same bookkeeping table on both backends.
        const APPLIED: &str = "SELECT version FROM _sqlx_migrations WHERE success";
        let (applied, migrator): (Vec<i64>, _) = match &self.pool {
            Pool::Postgres(pool) => (
                sqlx::query_scalar(APPLIED).fetch_all(pool).await?,
                &MIGRATOR,
            ),
            Pool::Sqlite(pool) => (
                sqlx::query_scalar(APPLIED).fetch_all(pool).await?,
                &SQLITE_MIGRATOR,
            ),
        };
        Ok(migrator.iter().all(|m| applied.contains(&m.version)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn each_org_has_its_own_lock_keys_and_the_default_org_keeps_the_old_ones() {
        let store = Store::from_sqlite_pool(
            sqlx::sqlite::SqlitePoolOptions::new().connect_lazy_with(Default::default()),
        );
        assert_eq!(store.lock_key(7_261_001), 7_261_001);
        let acme = store.for_org("acme").lock_key(7_261_001);
        let beta = store.for_org("beta").lock_key(7_261_001);
        assert_ne!(acme, 7_261_001);
        assert_ne!(acme, beta);
        assert_ne!(acme, store.for_org("acme").lock_key(7_261_002));
        assert_eq!(acme, store.for_org("acme").lock_key(7_261_001), "stable");
    }
}
