//! The deferral and change-window migration (issue 15) on a database that already holds rows:
//! jobs, work items and agents keep every value (SQLite rebuilt their tables), and the new
//! statuses, trigger and columns are accepted by raw SQL while anything else is still refused.
//! Raw SQL throughout: the store's enums do not name the new values here.

use sqlx::sqlite::{SqlitePool, SqlitePoolOptions};
use sqlx::{PgPool, Row};

use skillsync::store::{JobStatus, Store};

use crate::org_migration::{migrations, migrator_before, scratch, sqlite_options};

/// The migration under test.
const DEFER_AND_WINDOWS: &str = "20261228000000";

/// The tables the migration changes (and SQLite rebuilds).
const TABLES: [&str; 3] = ["jobs", "work_items", "agents"];

/// A pool of either backend, for raw SQL written once for both.
enum Raw {
    Postgres(PgPool),
    Sqlite(SqlitePool),
}

type Rows = Vec<Vec<Option<String>>>;

impl Raw {
    async fn exec(&self, sql: &str) -> Result<u64, sqlx::Error> {
        Ok(match self {
            Raw::Postgres(pool) => sqlx::query(sql).execute(pool).await?.rows_affected(),
            Raw::Sqlite(pool) => sqlx::query(sql).execute(pool).await?.rows_affected(),
        })
    }

    /// Every row of `sql`, each column read as optional text (the query casts what is not).
    async fn texts(&self, sql: &str) -> Rows {
        fn read<R: Row>(rows: Vec<R>) -> Rows
        where
            for<'r> Option<String>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
            usize: sqlx::ColumnIndex<R>,
        {
            rows.iter()
                .map(|row| {
                    (0..row.len())
                        .map(|i| row.try_get::<Option<String>, _>(i).expect("text column"))
                        .collect()
                })
                .collect()
        }
        match self {
            Raw::Postgres(pool) => read(sqlx::query(sql).fetch_all(pool).await.expect(sql)),
            Raw::Sqlite(pool) => read(sqlx::query(sql).fetch_all(pool).await.expect(sql)),
        }
    }

    /// The one integer `sql` returns (an id, a count).
    async fn int(&self, sql: &str) -> i64 {
        match self {
            Raw::Postgres(pool) => sqlx::query_scalar(sql).fetch_one(pool).await.expect(sql),
            Raw::Sqlite(pool) => sqlx::query_scalar(sql).fetch_one(pool).await.expect(sql),
        }
    }

    /// Each column of `table` in order: name, type, nullability, default, key.
    async fn columns(&self, table: &str) -> Rows {
        let sql = match self {
            Raw::Postgres(_) => format!(
                "SELECT CAST(column_name AS TEXT), CAST(data_type AS TEXT),
                        CAST(is_nullable AS TEXT), CAST(column_default AS TEXT)
                 FROM information_schema.columns
                 WHERE table_schema = current_schema() AND table_name = '{table}'
                 ORDER BY ordinal_position"
            ),
            Raw::Sqlite(_) => format!(
                "SELECT name, type, CAST(\"notnull\" AS TEXT), dflt_value, CAST(pk AS TEXT)
                 FROM pragma_table_info('{table}') ORDER BY cid"
            ),
        };
        self.texts(&sql).await
    }

    /// The indexes, triggers, keys and foreign keys of the changed tables, by name.
    async fn schema(&self) -> Rows {
        let sql = match self {
            Raw::Postgres(_) => "SELECT CAST(indexname AS TEXT), indexdef FROM pg_indexes
                 WHERE schemaname = current_schema()
                   AND tablename IN ('jobs', 'work_items', 'agents')
                 UNION ALL
                 SELECT CAST(tgname AS TEXT), pg_get_triggerdef(oid) FROM pg_trigger
                 WHERE NOT tgisinternal
                   AND tgrelid IN ('jobs'::regclass, 'work_items'::regclass, 'agents'::regclass)
                 UNION ALL
                 SELECT CAST(conname AS TEXT), pg_get_constraintdef(oid) FROM pg_constraint
                 WHERE contype IN ('p', 'u', 'f')
                   AND conrelid IN ('jobs'::regclass, 'work_items'::regclass, 'agents'::regclass)
                 ORDER BY 1"
                .to_owned(),
            Raw::Sqlite(_) => "SELECT name, sql FROM sqlite_master
                 WHERE type IN ('index', 'trigger')
                   AND tbl_name IN ('jobs', 'work_items', 'agents')
                 UNION ALL
                 SELECT 'fk:' || t.name, f.\"from\" || ' -> ' || f.\"table\" || '(' || f.\"to\" || ')'
                        || ' on delete ' || f.on_delete || ' on update ' || f.on_update
                 FROM (SELECT 'jobs' AS name UNION ALL SELECT 'work_items' UNION ALL SELECT 'agents')
                      AS t, pragma_foreign_key_list(t.name) AS f
                 ORDER BY 1"
                .to_owned(),
        };
        self.texts(&sql).await
    }
}

/// What the migration must keep: each table's columns and rows (every column as text, in key
/// order), and the indexes, triggers and keys.
struct Snapshot {
    columns: Vec<Rows>,
    rows: Vec<Rows>,
    schema: Rows,
}

async fn snapshot(raw: &Raw) -> Snapshot {
    let mut columns = Vec::new();
    let mut rows = Vec::new();
    for (table, key) in TABLES
        .into_iter()
        .zip(["id", "job_id, user_id", "org, user_id"])
    {
        let cols = raw.columns(table).await;
        let list = cols
            .iter()
            .map(|c| format!("CAST({} AS TEXT)", c[0].as_deref().expect("name")))
            .collect::<Vec<_>>()
            .join(", ");
        rows.push(
            raw.texts(&format!("SELECT {list} FROM {table} ORDER BY {key}"))
                .await,
        );
        columns.push(cols);
    }
    Snapshot {
        columns,
        rows,
        schema: raw.schema().await,
    }
}

/// A job with work items (and one job deleted, the highest) and agents, as a daemon before the
/// migration wrote them. Returns the ids of the surviving jobs and of the deleted one.
async fn store_rows(raw: &Raw) -> (i64, i64, i64) {
    let held = raw
        .int(
            "INSERT INTO jobs (trigger, feed_id, status, created_at, started_at, coalesced,
                               held_reasons, held_destructive, plan, counts, lease_owner,
                               lease_until, queue, org)
             VALUES ('incremental_scan', 3, 'held', '2026-12-20T08:00:00.125Z',
                     '2026-12-20T08:00:01.250Z', 2, '[\"mass_removal\"]', 4,
                     '{\"summary\": {\"agents\": 2}}', '{\"converged\": 1}', 'replica-a',
                     '2026-12-20T08:05:00.000Z', 'routine', 'acme')
             RETURNING id",
        )
        .await;
    let done = raw
        .int(
            "INSERT INTO jobs (trigger, agent_key, status, created_at, started_at, finished_at,
                               decided_by, error, queue, transitions_since)
             VALUES ('certification', 'a@x', 'succeeded', '2026-12-21T09:00:00.000Z',
                     '2026-12-21T09:00:00.500Z', '2026-12-21T09:01:00.000Z', 'ops', 'partial',
                     'certification', '2026-12-21T08:00:00.000Z')
             RETURNING id",
        )
        .await;
    let gone = raw
        .int("INSERT INTO jobs (trigger, status) VALUES ('manual', 'failed') RETURNING id")
        .await;
    assert!(held < done && done < gone);
    for sql in [
        format!(
            "INSERT INTO work_items (job_id, user_id, agent_key, label, status, attempts,
                                     verifications, next_attempt_at, lease_owner, lease_until,
                                     last_error, updated_at, planned, org)
             VALUES ({held}, 'u1', 'a@x', 'a@x', 'in_progress', 2, 1, '2026-12-20T08:02:00.000Z',
                     'replica-a', '2026-12-20T08:03:00.000Z', 'timeout',
                     '2026-12-20T08:01:00.000Z', '{{\"skills\": []}}', 'acme')"
        ),
        format!(
            "INSERT INTO work_items (job_id, user_id, label, status, org)
             VALUES ({held}, 'u2', 'u2', 'stuck', 'acme')"
        ),
        format!(
            "INSERT INTO work_items (job_id, user_id, agent_key, label, status)
             VALUES ({done}, 'u1', 'a@x', 'a@x', 'converged')"
        ),
        format!("INSERT INTO work_items (job_id, user_id, label) VALUES ({gone}, 'u1', 'a@x')"),
        "INSERT INTO agents (org, user_id, agent_key, label, observed, observed_at, drift,
                             drift_count, state, consecutive_failures, last_error, last_change_at)
         VALUES ('acme', 'u1', 'a@x', 'a@x', '{\"skills\": []}', '2026-12-20T07:00:00.000Z',
                 '[{\"op\": \"add\"}]', 1, 'pending', 1, 'timeout', '2026-12-19T07:00:00.000Z')"
            .into(),
        "INSERT INTO agents (user_id, label, observed, observed_at)
         VALUES ('u1', 'u1', '{}', '2026-12-21T07:00:00.000Z')"
            .into(),
        // The highest job goes (and its item with it): its id must not come back.
        format!("DELETE FROM jobs WHERE id = {gone}"),
    ] {
        raw.exec(&sql).await.expect(&sql);
    }
    (held, done, gone)
}

/// After the migration: the rows and schema from before, and the new values accepted.
async fn check_migrated(raw: &Raw, store: &Store, before: Snapshot, ids: (i64, i64, i64)) {
    let (held, done, gone) = ids;
    let after = snapshot(raw).await;
    // Every column as it was (name, type, default, nullability, key), then the new ones.
    for (i, (table, new)) in TABLES
        .into_iter()
        .zip([&["not_before"][..], &[], &["deferred_since"]])
        .enumerate()
    {
        let (old, added) = after.columns[i].split_at(before.columns[i].len());
        assert_eq!(old, &before.columns[i][..], "{table}");
        let added: Vec<_> = added.iter().map(|c| c[0].as_deref()).collect();
        let new: Vec<_> = new.iter().map(|n| Some(*n)).collect();
        assert_eq!(added, new, "{table}");
        // Every value as it was; the new columns are NULL.
        let width = before.columns[i].len();
        let rows: Rows = after.rows[i]
            .iter()
            .map(|row| {
                assert!(row[width..].iter().all(Option::is_none), "{table}: {row:?}");
                row[..width].to_vec()
            })
            .collect();
        assert_eq!(rows, before.rows[i], "{table}");
    }
    assert_eq!(after.rows[0].len(), 2, "two jobs");
    assert_eq!(after.rows[1].len(), 3, "three work items");
    assert_eq!(after.rows[2].len(), 2, "two agents");
    // Every index, trigger and key as it was, except that jobs_open now covers waiting jobs.
    let is_open = |r: &&Vec<Option<String>>| r[0].as_deref() == Some("jobs_open");
    let others = |s: &Rows| s.iter().filter(|r| !is_open(r)).cloned().collect::<Rows>();
    assert_eq!(others(&after.schema), others(&before.schema));
    let open = |s: &Rows| s.iter().find(is_open).expect("jobs_open")[1].clone();
    let open_before = open(&before.schema).expect("definition");
    let open_after = open(&after.schema).expect("definition");
    assert!(!open_before.contains("waiting_window"), "{open_before}");
    assert!(open_after.contains("waiting_window"), "{open_after}");
    let plain = |def: &str| {
        def.replace(", 'waiting_window'::text", "")
            .replace(", 'waiting_window'", "")
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    };
    assert_eq!(plain(&open_after), plain(&open_before));
    if let Raw::Sqlite(pool) = raw {
        let broken = sqlx::query("PRAGMA foreign_key_check")
            .fetch_all(pool)
            .await
            .expect("foreign key check");
        assert!(broken.is_empty(), "{} dangling rows", broken.len());
    }

    // The store reads the migrated rows.
    let acme = store.for_org("acme");
    assert_eq!(
        acme.job(held).await.expect("job").map(|j| j.status),
        Some(JobStatus::Held)
    );
    assert_eq!(
        store.job(done).await.expect("job").map(|j| j.status),
        Some(JobStatus::Succeeded)
    );
    assert!(acme.agent("u1").await.expect("agent").is_some());

    // The new values. A new job's id continues after the deleted highest one.
    let waiting = raw
        .int(
            "INSERT INTO jobs (trigger, status, not_before, org)
             VALUES ('schedule', 'waiting_window', '2026-12-28T22:00:00.000Z', 'acme')
             RETURNING id",
        )
        .await;
    assert_eq!(waiting, gone + 1, "ids are never reused");
    assert_eq!(
        raw.int(&format!(
            "SELECT count(*) FROM jobs
             WHERE id = {waiting} AND not_before = '2026-12-28T22:00:00.000Z'"
        ))
        .await,
        1
    );
    let recheck = raw
        .int(
            "INSERT INTO jobs (trigger, status) VALUES ('deferred_recheck', 'queued') RETURNING id",
        )
        .await;
    assert!(recheck > waiting);
    for sql in [
        format!(
            "INSERT INTO work_items (job_id, user_id, label, status, org)
             VALUES ({held}, 'u3', 'u3', 'deferred', 'acme')"
        ),
        "UPDATE agents SET state = 'deferred', deferred_since = '2026-12-28T10:00:00.000Z'
         WHERE org = 'acme' AND user_id = 'u1'"
            .into(),
        "INSERT INTO agents (user_id, label, observed, observed_at, state, deferred_since)
         VALUES ('u9', 'u9', '{}', '2026-12-28T09:00:00.000Z', 'deferred',
                 '2026-12-28T09:30:00.000Z')"
            .into(),
    ] {
        assert_eq!(raw.exec(&sql).await.expect(&sql), 1, "{sql}");
    }
    assert_eq!(
        raw.int(
            "SELECT count(*) FROM agents
             WHERE state = 'deferred' AND deferred_since IS NOT NULL"
        )
        .await,
        2
    );
    assert_eq!(
        raw.int("SELECT count(*) FROM work_items WHERE status = 'deferred'")
            .await,
        1
    );

    // Anything else is still refused.
    for sql in [
        "INSERT INTO jobs (trigger, status) VALUES ('manual', 'bogus')".to_owned(),
        "INSERT INTO jobs (trigger, status) VALUES ('bogus', 'succeeded')".into(),
        "INSERT INTO jobs (trigger, status, not_before)
         VALUES ('manual', 'waiting_window', 'not a time')"
            .into(),
        format!(
            "INSERT INTO work_items (job_id, user_id, label, status)
             VALUES ({done}, 'u4', 'u4', 'bogus')"
        ),
        "INSERT INTO agents (user_id, label, observed, observed_at, state)
         VALUES ('u8', 'u8', '{}', '2026-12-28T09:00:00.000Z', 'bogus')"
            .into(),
        "UPDATE agents SET deferred_since = 'not a time' WHERE user_id = 'u9'".into(),
    ] {
        assert!(raw.exec(&sql).await.is_err(), "accepted: {sql}");
    }

    // Work items still go with their job.
    raw.exec(&format!("DELETE FROM jobs WHERE id = {held}"))
        .await
        .expect("deleted");
    assert_eq!(
        raw.int("SELECT count(*) FROM work_items").await,
        1,
        "only the other job's item is left"
    );
}

#[sqlx::test(migrations = false)]
async fn postgres_jobs_items_and_agents_survive_and_take_the_new_values(pool: PgPool) {
    let scratch = scratch();
    migrator_before(&migrations(), &scratch, DEFER_AND_WINDOWS)
        .await
        .run(&pool)
        .await
        .expect("migrated to before the deferral migration");
    let raw = Raw::Postgres(pool.clone());
    let ids = store_rows(&raw).await;
    let before = snapshot(&raw).await;
    let store = Store::from_pool(pool);
    store.migrate().await.expect("deferral migration");
    check_migrated(&raw, &store, before, ids).await;
    let _ = std::fs::remove_dir_all(scratch);
}

#[tokio::test]
async fn sqlite_jobs_items_and_agents_survive_and_take_the_new_values() {
    let scratch = scratch();
    let options = sqlite_options(&scratch);
    let migrator = migrator_before(
        &migrations().join("sqlite"),
        &scratch.join("m"),
        DEFER_AND_WINDOWS,
    )
    .await;
    let pool = SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with(options)
        .await
        .expect("pool");
    migrator
        .run(&pool)
        .await
        .expect("migrated to before the deferral migration");
    let raw = Raw::Sqlite(pool.clone());
    let ids = store_rows(&raw).await;
    let before = snapshot(&raw).await;
    let store = Store::from_sqlite_pool(pool);
    store.migrate().await.expect("deferral migration");
    check_migrated(&raw, &store, before, ids).await;
    store.close().await;
    let _ = std::fs::remove_dir_all(scratch);
}
