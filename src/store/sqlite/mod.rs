//! The SQLite backend: the embedded default, for one process on one file. Writers are
//! serialized by SQLite itself (every read-then-write runs in `BEGIN IMMEDIATE`), so claims need
//! no row locks; several processes on one file would wait on each other's locks and are not
//! supported: replicas need PostgreSQL. Schema: `migrations/sqlite/`.
//!
//! Timestamps are TEXT in one fixed-width form (see [`ts`] and [`NOW`]), so that comparing and
//! ordering them as text compares and orders them in time; the schema refuses any other form.

pub(super) mod agents;
pub(super) mod audit;
pub(super) mod desired;
pub(super) mod feeds;
pub(super) mod jobs;
pub(super) mod work;

use std::str::FromStr;
use std::time::Duration;

use chrono::{DateTime, Utc};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Connection, Sqlite, SqlitePool, Transaction};

use super::StoreError;

/// The embedded SQLite migrations (`migrations/sqlite/`).
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");

/// How long a statement waits for another connection's write lock before failing with "database
/// is locked" (which [`StoreError::is_unavailable`] then reports).
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// The current instant in SQL, in the stored form: UTC, milliseconds, always 24 characters.
pub(super) const NOW: &str = "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')";

/// SQL for the current instant plus `seconds` (a parameter or expression; may be negative).
pub(super) fn now_plus(seconds: &str) -> String {
    format!("strftime('%Y-%m-%dT%H:%M:%fZ', 'now', printf('%+.3f seconds', {seconds}))")
}

/// The stored form of an instant, as [`NOW`] writes it. Bind this, never a `DateTime` (sqlx
/// would write a variable-width form that does not sort as time).
pub(super) fn ts(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

fn options(url: &str) -> Result<SqliteConnectOptions, StoreError> {
    Ok(SqliteConnectOptions::from_str(url)?
        // A missing file is created; a missing directory is an error (see
        // `create_database_if_missing`).
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal)
        .foreign_keys(true)
        .busy_timeout(BUSY_TIMEOUT))
}

fn in_memory(url: &str) -> bool {
    url.contains(":memory:") || url.contains("mode=memory")
}

pub(super) fn connect_lazy(url: &str, max_connections: u32) -> Result<SqlitePool, StoreError> {
    let pool = SqlitePoolOptions::new().acquire_timeout(Duration::from_secs(5));
    let pool = if in_memory(url) {
        // An in-memory database lives as long as its one connection: keep it for good.
        pool.max_connections(1)
            .min_connections(1)
            .idle_timeout(None)
            .max_lifetime(None)
    } else {
        pool.max_connections(max_connections.max(2))
    };
    Ok(pool.connect_lazy_with(options(url)?))
}

pub(super) async fn create_database_if_missing(url: &str) -> Result<(), StoreError> {
    if in_memory(url) {
        return Ok(());
    }
    let options = options(url)?;
    let file = options.get_filename();
    if let Some(dir) = file.parent().filter(|d| !d.as_os_str().is_empty()) {
        if !dir.exists() {
            tracing::info!(directory = %dir.display(), "creating the database directory");
            // Not `Io`: that would read as "unavailable, retry", and retrying will not help.
            tokio::fs::create_dir_all(dir).await.map_err(|e| {
                sqlx::Error::Configuration(
                    format!(
                        "cannot create the database directory {}: {e}",
                        dir.display()
                    )
                    .into(),
                )
            })?;
        }
    }
    if !file.exists() {
        tracing::info!(file = %file.display(), "creating the database");
        sqlx::sqlite::SqliteConnection::connect_with(&options)
            .await?
            .close()
            .await?;
    }
    Ok(())
}

/// A transaction that takes the write lock at once: one that reads first and writes later
/// could otherwise fail when another writer committed in between, whatever the busy timeout.
pub(super) async fn begin_immediate(
    pool: &SqlitePool,
) -> Result<Transaction<'static, Sqlite>, StoreError> {
    Ok(pool.begin_with("BEGIN IMMEDIATE").await?)
}
