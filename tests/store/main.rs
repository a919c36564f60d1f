//! The store against real databases. Every test body is written once, as `async fn name(db: Db)`,
//! and runs on both backends: `module::postgres::name` on a fresh PostgreSQL database
//! (`#[sqlx::test]` makes one per test) and `module::sqlite::name` on a fresh SQLite file in a
//! directory of its own. `sqlite_only` holds what only SQLite has (files, WAL, busy locks).

use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

use sqlx::sqlite::{SqliteConnectOptions, SqlitePool, SqlitePoolOptions};
use sqlx::PgPool;

use skillsync::store::{Backend, Store};

/// Runs each listed `async fn name(db: Db)` of the calling module on both backends, as
/// `postgres::name` and `sqlite::name`.
macro_rules! on_both_backends {
    ($($name:ident),+ $(,)?) => {
        mod postgres {
            $(
                #[sqlx::test(migrator = "skillsync::store::MIGRATOR")]
                async fn $name(pool: sqlx::PgPool) {
                    super::$name(crate::Db::postgres(pool)).await;
                }
            )+
        }
        mod sqlite {
            $(
                #[tokio::test]
                async fn $name() {
                    super::$name(crate::Db::sqlite().await).await;
                }
            )+
        }
    };
}

mod audit;
mod decisions;
mod defer_migration;
mod deferral;
mod deliveries;
mod feeds;
mod fixtures;
mod holders;
mod jobs;
mod lifecycle;
mod observed;
mod org_leases;
mod org_migration;
mod orgs;
mod pg_only;
mod planned;
mod retirements;
mod scan_cursor;
mod sqlite_only;
mod urgent;
mod work;

enum Raw {
    Postgres(PgPool),
    Sqlite(SqlitePool),
}

/// A migrated, empty database, the store under test on it, and a second pool for what the
/// store will not do (tampering, expiring leases).
pub struct Db {
    pub store: Store,
    raw: Raw,
    /// The SQLite database's directory, removed on drop.
    dir: Option<PathBuf>,
}

impl Db {
    pub fn postgres(pool: PgPool) -> Self {
        Self {
            store: Store::from_pool(pool.clone()),
            raw: Raw::Postgres(pool),
            dir: None,
        }
    }

    /// A fresh file in a directory that does not exist yet: the store creates both.
    pub async fn sqlite() -> Self {
        let dir =
            std::env::temp_dir().join(format!("skillsync-store-{}", uuid::Uuid::new_v4().simple()));
        let url = format!("sqlite://{}/db/skillsync.db", dir.display());
        let store = Store::connect_lazy(&url, 4).expect("sqlite url");
        store
            .create_database_if_missing(&url)
            .await
            .expect("database created");
        store.migrate().await.expect("migrated");
        let raw = SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(
                SqliteConnectOptions::from_str(&url)
                    .expect("url")
                    .busy_timeout(Duration::from_secs(5)),
            )
            .await
            .expect("raw pool");
        Self {
            store,
            raw: Raw::Sqlite(raw),
            dir: Some(dir),
        }
    }

    pub fn backend(&self) -> Backend {
        self.store.backend()
    }

    /// Runs a statement the store would not; the same SQL must suit both backends.
    pub async fn exec(&self, sql: &str) -> Result<u64, sqlx::Error> {
        Ok(match &self.raw {
            Raw::Postgres(pool) => sqlx::query(sql).execute(pool).await?.rows_affected(),
            Raw::Sqlite(pool) => sqlx::query(sql).execute(pool).await?.rows_affected(),
        })
    }

    /// SQL for "one second ago" in the backend's stored form.
    fn one_second_ago(&self) -> &'static str {
        match self.raw {
            Raw::Postgres(_) => "now() - interval '1 second'",
            Raw::Sqlite(_) => "strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-1 seconds')",
        }
    }

    /// The owner of job `id` died: its lease ran out a second ago.
    pub async fn expire_job_lease(&self, id: i64) {
        let sql = format!(
            "UPDATE jobs SET lease_until = {} WHERE id = {id}",
            self.one_second_ago()
        );
        assert_eq!(self.exec(&sql).await.expect("expired"), 1);
    }

    /// Worker `owner` died: its item leases ran out a second ago.
    pub async fn expire_item_leases(&self, owner: &str) {
        let sql = format!(
            "UPDATE work_items SET lease_until = {} WHERE lease_owner = '{owner}'",
            self.one_second_ago()
        );
        self.exec(&sql).await.expect("expired");
    }

    /// The same database as a new process would open it.
    pub fn reopen(&self) -> Store {
        match &self.raw {
            Raw::Postgres(pool) => Store::from_pool(
                sqlx::postgres::PgPoolOptions::new()
                    .connect_lazy_with(pool.connect_options().as_ref().clone()),
            ),
            Raw::Sqlite(_) => {
                let dir = self.dir.as_ref().expect("sqlite directory");
                let url = format!("sqlite://{}/db/skillsync.db", dir.display());
                Store::connect_lazy(&url, 4).expect("sqlite url")
            }
        }
    }

    /// The pool's SQLite file (SQLite only).
    pub fn sqlite_raw(&self) -> &SqlitePool {
        match &self.raw {
            Raw::Sqlite(pool) => pool,
            Raw::Postgres(_) => panic!("a SQLite database expected"),
        }
    }
}

impl Drop for Db {
    fn drop(&mut self) {
        if let Some(dir) = &self.dir {
            // Best effort: a leftover directory in the temp dir harms nothing.
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}
