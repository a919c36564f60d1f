//! PostgreSQL: the production store, which several processes may share. Its dialect, its
//! connections (a pool), database creation and the
//! embedded migrations (`migrations/*.sql`).

use std::time::Duration;

use chrono::{DateTime, Utc};
use sqlx::migrate::MigrateDatabase;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{ConnectOptions, Connection, PgPool, Postgres, Transaction};

use super::{Batch, Column, Dialect, Q};
use crate::store::StoreError;

/// The embedded PostgreSQL migrations (`migrations/`; subfolders such as `sqlite/` are not
/// read).
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// The PostgreSQL dialect.
pub(in crate::store) struct Pg;

impl Dialect for Pg {
    type Db = Postgres;
    type Ts = DateTime<Utc>;
    type List = Vec<String>;

    const NOW: &'static str = "now()";
    const SKIP_LOCKED: &'static str = "FOR UPDATE SKIP LOCKED";
    const GREATEST: &'static str = "GREATEST";

    /// Everything but the two totals comes from the agents that are not converged (the partial
    /// index agents_not_converged): converged rows have no drift and no such state. `$1`: the org.
    const DRIFT_SUMMARY: &'static str =
        "SELECT (SELECT count(*) FROM agents WHERE org = $1) AS observed,
                count(*) FILTER (WHERE drift_count > 0) AS drifted,
                COALESCE(sum(drift_count), 0)::bigint AS changes,
                count(*) FILTER (WHERE state = 'needs_attention') AS needs_attention,
                count(*) FILTER (WHERE state = 'stuck') AS stuck,
                count(*) FILTER (WHERE state = 'deferred') AS deferred,
                (SELECT max(observed_at) FROM agents WHERE org = $1) AS observed_at
         FROM agents WHERE org = $1 AND (drift_count > 0 OR state <> 'converged')";

    fn now_plus(seconds: &str) -> String {
        format!("now() + make_interval(secs => {seconds})")
    }

    fn older_than(column: &str, seconds: &str) -> String {
        format!("{column} < now() - make_interval(secs => {seconds})")
    }

    fn ts(at: DateTime<Utc>) -> DateTime<Utc> {
        at
    }

    fn cast(param: &str, pg_type: &str) -> String {
        format!("{param}::{pg_type}")
    }

    fn in_list(column: &str, param: &str) -> String {
        format!("{column} = ANY({param}::text[])")
    }

    fn list(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| (*s).to_owned()).collect()
    }

    /// `UNNEST` of one array per column; JSON travels as text and is cast back.
    fn rows(first: usize, batch: &Batch) -> String {
        let mut arrays = Vec::new();
        let mut names = Vec::new();
        let mut outer = Vec::new();
        for (i, column) in batch.0.iter().enumerate() {
            let (ty, out) = match column {
                Column::Text(_) => ("text", format!("c{i}")),
                Column::Json(_) | Column::NullableJson(_) => {
                    ("text", format!("c{i}::jsonb AS c{i}"))
                }
                Column::Int(_) => ("int", format!("c{i}")),
            };
            arrays.push(format!("${}::{ty}[]", first + i));
            names.push(format!("c{i}"));
            outer.push(out);
        }
        format!(
            "(SELECT {} FROM UNNEST({}) AS u({})) AS t",
            outer.join(", "),
            arrays.join(", "),
            names.join(", ")
        )
    }

    fn bind_rows<'q>(mut query: Q<'q, Postgres>, batch: Batch) -> Q<'q, Postgres> {
        for column in batch.0 {
            query = match column {
                Column::Text(v) => query.bind(v),
                Column::Json(v) => query.bind(v),
                Column::NullableJson(v) => query.bind(v),
                Column::Int(v) => query.bind(v),
            };
        }
        query
    }

    fn has_change_named(param: &str) -> String {
        format!("drift @> jsonb_build_array(jsonb_build_object('name', {param}::text))")
    }

    fn object_keys(doc: &str, field: &str) -> String {
        format!("jsonb_each({doc} -> '{field}') AS k")
    }

    async fn begin_write(pool: &PgPool) -> Result<Transaction<'static, Postgres>, sqlx::Error> {
        pool.begin().await
    }

    async fn lock(tx: &mut Transaction<'_, Postgres>, key: i64) -> Result<(), sqlx::Error> {
        sqlx::query("SELECT pg_advisory_xact_lock($1)")
            .bind(key)
            .execute(&mut **tx)
            .await?;
        Ok(())
    }
}

pub(in crate::store) fn connect_lazy(
    url: &str,
    max_connections: u32,
) -> Result<PgPool, StoreError> {
    let options: PgConnectOptions = url.parse()?;
    Ok(PgPoolOptions::new()
        .max_connections(max_connections.max(2))
        .acquire_timeout(Duration::from_secs(5))
        .connect_lazy_with(options))
}

/// Creates the database when the server answers that it does not exist. The maintenance database
/// is only visited then, so that a role allowed into its own database alone can run skillsync.
pub(in crate::store) async fn create_database_if_missing(url: &str) -> Result<(), StoreError> {
    /// `invalid_catalog_name`: the database does not exist.
    const NO_SUCH_DATABASE: &str = "3D000";
    let options: PgConnectOptions = url.parse()?;
    match options.connect().await {
        Ok(connection) => {
            connection.close().await.ok();
            Ok(())
        }
        Err(sqlx::Error::Database(e)) if e.code().as_deref() == Some(NO_SUCH_DATABASE) => {
            tracing::info!("creating the database");
            match sqlx::Postgres::create_database(url).await {
                Ok(()) => Ok(()),
                // Another replica starting at the same moment may have created it first (the
                // server then answers 42P04, or 23505 when both got past its own check).
                Err(e) => match options.connect().await {
                    Ok(connection) => {
                        connection.close().await.ok();
                        Ok(())
                    }
                    Err(_) => Err(e.into()),
                },
            }
        }
        Err(e) => Err(e.into()),
    }
}
