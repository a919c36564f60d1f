//! What only the SQLite backend has: its file and directory, WAL, the fixed-width timestamp
//! form, busy locks, in-memory databases, and choosing the backend by the URL's scheme.

use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};

use skillsync::store::{Backend, Lane, Store, Trigger};

use crate::Db;

#[tokio::test]
async fn stored_timestamps_are_fixed_width_utc_text_and_other_forms_are_refused() {
    let db = Db::sqlite().await;
    let job = db
        .store
        .enqueue_job(Trigger::Manual, None, None)
        .await
        .expect("queued");
    db.store
        .claim_job("w", 30.0, Lane::Routine)
        .await
        .expect("claim");
    let stored: Vec<(String, String, String)> =
        sqlx::query_as("SELECT created_at, started_at, lease_until FROM jobs WHERE id = $1")
            .bind(job.id)
            .fetch_all(db.sqlite_raw())
            .await
            .expect("read");
    let (created, started, lease) = &stored[0];
    for text in [created, started, lease] {
        assert_eq!(text.len(), 24, "{text}");
        assert!(text.ends_with('Z') && text.as_bytes()[10] == b'T', "{text}");
    }
    let lease: DateTime<Utc> = lease.parse().expect("RFC 3339");
    let started: DateTime<Utc> = started.parse().expect("RFC 3339");
    let ahead = (lease - started).num_milliseconds();
    assert!((29_990..=30_010).contains(&ahead), "lease {ahead} ms ahead");
    // sqlx's own encoding of a DateTime ('+00:00', 0 to 9 decimals) would not sort as time.
    let loose = sqlx::query("UPDATE jobs SET lease_until = $1 WHERE id = $2")
        .bind(Utc::now())
        .bind(job.id)
        .execute(db.sqlite_raw())
        .await;
    assert!(loose.is_err(), "{loose:?}");
    let loose = sqlx::query("INSERT INTO daemon_state (key, value) VALUES ('k', 'not json')")
        .execute(db.sqlite_raw())
        .await;
    assert!(loose.is_err(), "JSON columns hold JSON: {loose:?}");
}

#[tokio::test]
async fn the_file_is_in_wal_mode() {
    let db = Db::sqlite().await;
    let mode: String = sqlx::query_scalar("PRAGMA journal_mode")
        .fetch_one(db.sqlite_raw())
        .await
        .expect("pragma");
    assert_eq!(mode, "wal", "readers do not block the writer");
}

#[tokio::test]
async fn a_missing_directory_is_a_lasting_error_not_an_outage() {
    let dir = std::env::temp_dir().join(format!("skillsync-missing-{}", uuid::Uuid::new_v4()));
    let url = format!("sqlite://{}/sub/skillsync.db", dir.display());
    let store = Store::connect_lazy(&url, 2).expect("url");
    let err = store.migrate().await.expect_err("no directory");
    assert!(!err.is_unavailable(), "{err}");
    store
        .create_database_if_missing(&url)
        .await
        .expect("created");
    store.migrate().await.expect("migrated");
    assert!(dir.join("sub/skillsync.db").is_file());
    store.close().await;
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn a_database_locked_by_another_writer_is_unavailable() {
    let db = Db::sqlite().await;
    let mut writer = db.sqlite_raw().acquire().await.expect("connection");
    sqlx::query("BEGIN IMMEDIATE")
        .execute(&mut *writer)
        .await
        .expect("write lock");
    let started = Instant::now();
    let err = db
        .store
        .enqueue_job(Trigger::Manual, None, None)
        .await
        .expect_err("locked");
    assert!(err.is_unavailable(), "busy means retry: {err}");
    assert!(
        started.elapsed() >= Duration::from_secs(4),
        "waited for the busy timeout first"
    );
    sqlx::query("ROLLBACK")
        .execute(&mut *writer)
        .await
        .expect("unlocked");
    writer.close().await.expect("closed");
    db.store
        .enqueue_job(Trigger::Manual, None, None)
        .await
        .expect("queued once the lock is gone");
}

#[tokio::test]
async fn an_in_memory_database_keeps_its_data_across_calls() {
    let store = Store::connect_lazy("sqlite::memory:", 8).expect("url");
    store
        .create_database_if_missing("sqlite::memory:")
        .await
        .expect("nothing to create");
    store.migrate().await.expect("migrated");
    let job = store
        .enqueue_job(Trigger::Startup, None, None)
        .await
        .expect("queued");
    let claimed = store
        .claim_job("w", 30.0, Lane::Routine)
        .await
        .expect("claim")
        .expect("job");
    assert_eq!(claimed.id, job.id);
    assert!(store.ready().await.expect("ready"));
}

#[tokio::test]
async fn the_backend_is_chosen_by_the_scheme_and_other_schemes_are_refused() {
    for (url, backend) in [
        ("postgres://u@h/db", Backend::Postgres),
        ("postgresql://u@h/db", Backend::Postgres),
        ("sqlite://data/skillsync.db", Backend::Sqlite),
        ("sqlite::memory:", Backend::Sqlite),
    ] {
        assert_eq!(Backend::of_url(url).expect(url), backend);
    }
    let err = Store::connect_lazy("mysql://root:hunter2@db/skillsync", 2).expect_err("mysql");
    let text = err.to_string();
    assert!(
        text.contains("\"mysql\"") && !text.contains("hunter2"),
        "{text}"
    );
}

/// The migration that lets jobs be `incremental_scan` rebuilds SQLite's jobs table (a CHECK
/// constraint cannot be altered in place): rows, work items, the id sequence and foreign keys
/// must come through it.
#[tokio::test]
async fn rebuilding_the_jobs_table_keeps_jobs_items_ids_and_foreign_keys() {
    const REBUILD: &str = "20261213000000_incremental_scan_trigger.sql";
    let dir = std::env::temp_dir().join(format!(
        "skillsync-rebuild-{}",
        uuid::Uuid::new_v4().simple()
    ));
    let earlier = dir.join("migrations");
    std::fs::create_dir_all(&earlier).expect("dir");
    for entry in std::fs::read_dir("migrations/sqlite").expect("migrations") {
        let path = entry.expect("entry").path();
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if name.ends_with(".sql") && name < REBUILD {
            std::fs::copy(&path, earlier.join(name)).expect("copy");
        }
    }
    let url = format!("sqlite://{}/skillsync.db", dir.display());
    let store = Store::connect_lazy(&url, 1).expect("url");
    store
        .create_database_if_missing(&url)
        .await
        .expect("created");
    let pool = sqlx::sqlite::SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with(
            std::str::FromStr::from_str(&url)
                .map(|o: sqlx::sqlite::SqliteConnectOptions| o.foreign_keys(true))
                .expect("url"),
        )
        .await
        .expect("pool");
    sqlx::migrate::Migrator::new(earlier.as_path())
        .await
        .expect("earlier migrations")
        .run(&pool)
        .await
        .expect("migrated up to the rebuild");
    for sql in [
        "INSERT INTO jobs (trigger, status) VALUES ('manual', 'succeeded')",
        "INSERT INTO jobs (trigger, status) VALUES ('schedule', 'running')",
        "INSERT INTO jobs (trigger, status) VALUES ('feed', 'failed')",
        "INSERT INTO work_items (job_id, user_id, label) VALUES (2, 'u1', 'agent one')",
        // The newest job is gone: its id must not be handed out again.
        "DELETE FROM jobs WHERE id = 3",
    ] {
        sqlx::query(sql).execute(&pool).await.expect(sql);
    }
    skillsync::store::SQLITE_MIGRATOR
        .run(&pool)
        .await
        .expect("the rebuild");

    let on: i64 = sqlx::query_scalar("PRAGMA foreign_keys")
        .fetch_one(&pool)
        .await
        .expect("pragma");
    assert_eq!(on, 1, "foreign keys stay on");
    let items: i64 = sqlx::query_scalar("SELECT count(*) FROM work_items WHERE job_id = 2")
        .fetch_one(&pool)
        .await
        .expect("count");
    assert_eq!(items, 1, "the rebuild did not cascade into work_items");
    let orphan =
        sqlx::query("INSERT INTO work_items (job_id, user_id, label) VALUES (99, 'u', 'l')")
            .execute(&pool)
            .await;
    assert!(
        orphan.is_err(),
        "work_items still refer to jobs: {orphan:?}"
    );
    pool.close().await;

    let next = store
        .enqueue_job(Trigger::IncrementalScan, None, None)
        .await
        .expect("the new trigger is allowed");
    assert_eq!(next.id, 4, "ids continue the old sequence");
    store.close().await;
    let _ = std::fs::remove_dir_all(&dir);
}
