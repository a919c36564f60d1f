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
use sqlx::{ConnectOptions, Connection};

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

/// Creates the database when the server answers that it does not exist. The maintenance database
/// is only visited then, so that a role allowed into its own database alone can run skillsync.
pub(super) async fn create_database_if_missing(url: &str) -> Result<(), StoreError> {
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
