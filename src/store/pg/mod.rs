//! The PostgreSQL backend: the production store. Several processes may share one database:
//! claims use `FOR UPDATE SKIP LOCKED` and advisory locks. Schema: `migrations/*.sql`.

pub(super) mod agents;
pub(super) mod audit;
pub(super) mod desired;
pub(super) mod feeds;
pub(super) mod jobs;
pub(super) mod work;

use std::time::Duration;

use sqlx::migrate::MigrateDatabase;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::PgPool;

use super::StoreError;

/// The embedded PostgreSQL migrations (`migrations/`; subfolders such as `sqlite/` are not
/// read).
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

pub(super) fn connect_lazy(url: &str, max_connections: u32) -> Result<PgPool, StoreError> {
    let options: PgConnectOptions = url.parse()?;
    Ok(PgPoolOptions::new()
        .max_connections(max_connections.max(2))
        .acquire_timeout(Duration::from_secs(5))
        .connect_lazy_with(options))
}

pub(super) async fn create_database_if_missing(url: &str) -> Result<(), StoreError> {
    if !sqlx::Postgres::database_exists(url).await? {
        tracing::info!("creating the database");
        sqlx::Postgres::create_database(url).await?;
    }
    Ok(())
}
