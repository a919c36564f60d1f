//! The seam between the store's queries, written once, and the two databases: the pool enum,
//! the [`db!`] macro that expands a body once per backend, and the [`Dialect`] each backend
//! implements with only what differs (clock, timestamp binding, locking, list and batch binding,
//! a few JSON and window-function spellings).

pub(super) mod pg;
pub(super) mod sqlite;

use chrono::{DateTime, Utc};
use sqlx::query::Query;
use sqlx::{Database, Transaction};

pub(super) use pg::Pg;
pub(super) use sqlite::Lite;

/// Runs `$body` against the store's pool, with `$pool` bound to it and `$d` naming the
/// backend's [`Dialect`] (`Pg` or `Lite`). The body is type-checked once per backend, so it may
/// bind values whose type differs between them (`$d::ts(at)`).
macro_rules! db {
    ($store:expr, |$pool:ident, $d:ident| $body:expr) => {
        match &$store.pool {
            $crate::store::backend::Pool::Postgres($pool) => {
                #[allow(dead_code)]
                type $d = $crate::store::backend::Pg;
                $body
            }
            $crate::store::backend::Pool::Sqlite($pool) => {
                #[allow(dead_code)]
                type $d = $crate::store::backend::Lite;
                $body
            }
        }
    };
}

/// The database a [`crate::store::Store`] runs on, with its connections.
#[derive(Debug, Clone)]
pub(super) enum Pool {
    Postgres(sqlx::PgPool),
    Sqlite(sqlx::SqlitePool),
}

/// A query of backend `DB` before execution.
pub(super) type Q<'q, DB> = Query<'q, DB, <DB as Database>::Arguments<'q>>;

/// What differs between PostgreSQL and SQLite for queries otherwise written once.
pub(super) trait Dialect {
    /// The sqlx database.
    type Db: Database;
    /// How an instant is bound.
    type Ts;
    /// How a list of texts is bound (see [`Dialect::in_list`]).
    type List;

    /// SQL for the current instant, as the backend stores instants.
    const NOW: &'static str;
    /// The row lock that lets concurrent claimers skip each other's rows ("" when writers are
    /// serialized anyway).
    const SKIP_LOCKED: &'static str;
    /// The larger of two values.
    const GREATEST: &'static str;

    /// `GET /v1/drift`'s totals for the org bound as `$1`.
    const DRIFT_SUMMARY: &'static str;

    /// SQL for the current instant plus `seconds` (a parameter or expression; may be negative).
    fn now_plus(seconds: &str) -> String;
    /// `column` is older than `seconds` (a parameter) ago.
    fn older_than(column: &str, seconds: &str) -> String;
    /// An instant in its bound form.
    fn ts(at: DateTime<Utc>) -> Self::Ts;
    /// `param` typed as the PostgreSQL type `pg_type` where the backend needs to be told (a
    /// parameter only ever compared with NULL has no type otherwise).
    fn cast(param: &str, pg_type: &str) -> String;
    /// `column` is one of the texts bound as `param` (see [`Dialect::list`]).
    fn in_list(column: &str, param: &str) -> String;
    /// Texts in their bound form for [`Dialect::in_list`].
    fn list(items: &[&str]) -> Self::List;
    /// A row source `AS t(c0, c1, …)` over `batch` bound from parameter `$first` on.
    fn rows(first: usize, batch: &Batch) -> String;
    /// Binds `batch` as [`Dialect::rows`] reads it.
    fn bind_rows<'q>(query: Q<'q, Self::Db>, batch: Batch) -> Q<'q, Self::Db>;
    /// The planned changes in `agents.drift` include one whose name is `param`.
    fn has_change_named(param: &str) -> String;
    /// A set `AS k` of the keys (`k.key`) of the JSON object in `field` of the document `doc`.
    fn object_keys(doc: &str, field: &str) -> String;

    /// A transaction that may read and then write without another writer in between.
    async fn begin_write(
        pool: &sqlx::Pool<Self::Db>,
    ) -> Result<Transaction<'static, Self::Db>, sqlx::Error>;
    /// Serializes the transactions that take lock `key` until `tx` ends (on PostgreSQL, where
    /// several processes share the database; SQLite's write lock does so already).
    async fn lock(tx: &mut Transaction<'_, Self::Db>, key: i64) -> Result<(), sqlx::Error>;
}

/// One column of a [`Batch`].
pub(super) enum Column {
    /// Text, possibly NULL.
    Text(Vec<Option<String>>),
    /// A JSON document, as JSON text: a `serde_json::Value` tree of a large feed's batch costs
    /// several times its text.
    Json(Vec<String>),
    /// A JSON document (as JSON text) or SQL NULL.
    NullableJson(Vec<Option<String>>),
    /// An integer.
    Int(Vec<i32>),
}

/// Rows to insert in one statement, column by column.
pub(super) struct Batch(pub Vec<Column>);

/// Advisory lock keys: the writers of "the version in force", and job claims.
pub(super) const FEEDS_LOCK: i64 = 7_261_001;
pub(super) const JOBS_LOCK: i64 = 7_261_002;
