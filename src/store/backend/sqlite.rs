//! SQLite: the embedded default, for one process on one file. Its dialect, connections,
//! database creation and the embedded migrations (`migrations/sqlite/`).
//!
//! Writers are serialized by SQLite itself (every read-then-write runs in `BEGIN IMMEDIATE`), so
//! claims need no row locks; several processes on one file would wait on each other's locks and
//! are not supported: replicas need PostgreSQL. Timestamps are TEXT in one fixed-width form (see
//! [`Lite::ts`] and [`Lite::NOW`]), so that comparing and ordering them as text compares and
//! orders them in time; the schema refuses any other form.

use std::str::FromStr;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde_json::{json, Value};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Connection, Sqlite, SqlitePool, Transaction};

use super::{Batch, Column, Dialect, Q};
use crate::store::StoreError;

/// The embedded SQLite migrations (`migrations/sqlite/`).
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");

/// How long a statement waits for another connection's write lock before failing with "database
/// is locked" (which [`StoreError::is_unavailable`] then reports).
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// The SQLite dialect.
pub(in crate::store) struct Lite;

impl Dialect for Lite {
    type Db = Sqlite;
    /// Never a `DateTime`: sqlx would write a variable-width form that does not sort as time.
    type Ts = String;
    type List = Value;

    /// UTC, milliseconds, always 24 characters.
    const NOW: &'static str = "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')";
    const SKIP_LOCKED: &'static str = "";
    /// Two-argument max() is SQLite's GREATEST; the fixed-width text compares as time.
    const GREATEST: &'static str = "max";

    /// `$1`: the org.
    const DRIFT_SUMMARY: &'static str =
        "SELECT count(*) AS observed, count(*) FILTER (WHERE drift_count > 0) AS drifted,
                COALESCE(sum(drift_count), 0) AS changes,
                count(*) FILTER (WHERE state = 'needs_attention') AS needs_attention,
                count(*) FILTER (WHERE state = 'stuck') AS stuck,
                count(*) FILTER (WHERE state = 'deferred') AS deferred, max(observed_at) AS observed_at
         FROM agents WHERE org = $1";

    fn now_plus(seconds: &str) -> String {
        format!("strftime('%Y-%m-%dT%H:%M:%fZ', 'now', printf('%+.3f seconds', {seconds}))")
    }

    /// `<=`, not PostgreSQL's `<`: at millisecond resolution a row written in this very
    /// millisecond would otherwise never be "older than 0 seconds".
    fn older_than(column: &str, seconds: &str) -> String {
        format!("{column} <= {}", Self::now_plus(&format!("-{seconds}")))
    }

    fn ts(at: DateTime<Utc>) -> String {
        at.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
    }

    fn cast(param: &str, _pg_type: &str) -> String {
        param.to_owned()
    }

    fn in_list(column: &str, param: &str) -> String {
        format!("{column} IN (SELECT value FROM json_each({param}))")
    }

    fn list(items: &[&str]) -> Value {
        json!(items)
    }

    /// One JSON array of rows, each an array of the columns, read with `json_each`.
    fn rows(first: usize, batch: &Batch) -> String {
        let columns: Vec<String> = batch
            .0
            .iter()
            .enumerate()
            .map(|(i, column)| match column {
                Column::Json(_) => format!("value -> {i} AS c{i}"),
                // `->` reads a JSON null as the text 'null', not as SQL NULL.
                Column::NullableJson(_) => format!("NULLIF(value -> {i}, 'null') AS c{i}"),
                Column::Text(_) | Column::Int(_) => format!("value ->> {i} AS c{i}"),
            })
            .collect();
        format!(
            "(SELECT {} FROM json_each(${first})) AS t",
            columns.join(", ")
        )
    }

    fn bind_rows<'q>(query: Q<'q, Sqlite>, batch: Batch) -> Q<'q, Sqlite> {
        let len = batch.0.first().map_or(0, |c| match c {
            Column::Text(v) => v.len(),
            Column::Json(v) => v.len(),
            Column::NullableJson(v) => v.len(),
            Column::Int(v) => v.len(),
        });
        // Written as text, JSON cells embedded as they are: the rows never exist as a
        // `serde_json::Value` tree.
        let mut rows = vec![Vec::with_capacity(batch.0.len()); len];
        for column in batch.0 {
            let cells: Vec<String> = match column {
                Column::Text(v) => v
                    .iter()
                    .map(|t| Value::from(t.as_deref()).to_string())
                    .collect(),
                Column::Json(v) => v,
                Column::NullableJson(v) => v
                    .into_iter()
                    .map(|d| d.unwrap_or_else(|| "null".to_owned()))
                    .collect(),
                Column::Int(v) => v.iter().map(ToString::to_string).collect(),
            };
            for (row, cell) in rows.iter_mut().zip(cells) {
                row.push(cell);
            }
        }
        let rows: Vec<String> = rows.iter().map(|r| format!("[{}]", r.join(","))).collect();
        query.bind(format!("[{}]", rows.join(",")))
    }

    /// What PostgreSQL's `drift @> [{"name": $1}]` says: some planned change is named so.
    fn has_change_named(param: &str) -> String {
        format!(
            "EXISTS (SELECT 1 FROM json_each(agents.drift) AS change
                     WHERE change.value ->> 'name' = {param})"
        )
    }

    fn object_keys(doc: &str, field: &str) -> String {
        format!("json_each({doc}, '$.{field}') AS k")
    }

    /// Takes the write lock at once: a transaction that reads first and writes later could
    /// otherwise fail when another writer committed in between, whatever the busy timeout.
    async fn begin_write(pool: &SqlitePool) -> Result<Transaction<'static, Sqlite>, sqlx::Error> {
        pool.begin_with("BEGIN IMMEDIATE").await
    }

    async fn lock(_tx: &mut Transaction<'_, Sqlite>, _key: i64) -> Result<(), sqlx::Error> {
        Ok(())
    }
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

pub(in crate::store) fn connect_lazy(
    url: &str,
    max_connections: u32,
) -> Result<SqlitePool, StoreError> {
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

pub(in crate::store) async fn create_database_if_missing(url: &str) -> Result<(), StoreError> {
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
