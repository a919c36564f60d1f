//! The org migration (issue 14) on a database that already holds rows: they all end up in org
//! 'default', the org of a store that names none, and no other org sees them.

use std::path::{Path, PathBuf};
use std::str::FromStr;

use sqlx::migrate::Migrator;
use sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions};
use sqlx::PgPool;
use uuid::Uuid;

use skillsync::store::{AuditFilter, JobStatus, Store};

/// The first migration that knows orgs.
const ORG_SCOPE: &str = "20261227000000";

/// A migrator of the migrations in `dir` that come before the org migration.
async fn before_orgs(dir: &Path, scratch: &Path) -> Migrator {
    migrator_before(dir, scratch, ORG_SCOPE).await
}

/// A migrator of the migrations in `dir` whose version comes before `version`, copied into
/// `scratch` (created here).
pub(crate) async fn migrator_before(dir: &Path, scratch: &Path, version: &str) -> Migrator {
    std::fs::create_dir_all(scratch).expect("scratch directory");
    for entry in std::fs::read_dir(dir).expect("migrations") {
        let path = entry.expect("entry").path();
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        if path.is_file() && name.ends_with(".sql") && name < version {
            std::fs::copy(&path, scratch.join(name)).expect("copied");
        }
    }
    Migrator::new(scratch).await.expect("migrator")
}

/// A directory of its own in the temp dir, not created yet.
pub(crate) fn scratch() -> PathBuf {
    std::env::temp_dir().join(format!("skillsync-orgmig-{}", Uuid::new_v4().simple()))
}

/// The PostgreSQL migrations; SQLite's are in its `sqlite` subfolder.
/// A new SQLite database file in `scratch`, with foreign keys on as the store runs it.
pub(crate) fn sqlite_options(scratch: &Path) -> SqliteConnectOptions {
    SqliteConnectOptions::from_str(&format!(
        "sqlite://{}",
        scratch.join("skillsync.db").display()
    ))
    .expect("url")
    .create_if_missing(true)
    .foreign_keys(true)
}

pub(crate) fn migrations() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations")
}

/// Rows in every table, as a daemon before orgs wrote them; `now` is the backend's instant.
fn rows(now: &str) -> Vec<String> {
    vec![
        "INSERT INTO feeds (id, source, scope, format, status, hash, agents, idempotency_key)
         VALUES (1, 'hr', 'snapshot', 'csv', 'accepted', 'h', 1, 'key-1')"
            .into(),
        "INSERT INTO feed_agents (feed_id, agent_key, desired) VALUES (1, 'a@x', '{}')".into(),
        "INSERT INTO desired (agent_key, feed_id, desired) VALUES ('a@x', 1, '{}')".into(),
        "INSERT INTO seen_names (kind, name, first_feed_id) VALUES ('skill', 'Billing', 1)".into(),
        format!(
            "INSERT INTO agents (user_id, agent_key, label, observed, observed_at)
             VALUES ('u1', 'a@x', 'a@x', '{{}}', {now})"
        ),
        "INSERT INTO jobs (id, trigger, status) VALUES (5, 'manual', 'queued')".into(),
        "INSERT INTO work_items (job_id, user_id, label) VALUES (5, 'u1', 'a@x')".into(),
        "INSERT INTO audit (job_id, call) VALUES (5, 'patch_skills')".into(),
        format!(
            "INSERT INTO webhook_deliveries (event_id, event_type, agent, certification, attempt,
                                             attempted_at, outcome)
             VALUES ('00000000-0000-0000-0000-000000000007', 'certification.revoked', 'a@x',
                     'PCI', 1, {now}, 'rejected')"
        ),
        "INSERT INTO daemon_state (key, value) VALUES ('scan_cursor', '\"c-1\"')".into(),
    ]
}

/// Everything written before the migration is the default org's, and only its.
async fn all_in_default(store: &Store) {
    let other = store.for_org("acme");
    for (s, mine) in [(store, true), (&other, false)] {
        let org = s.org();
        assert_eq!(s.feed(1).await.expect("feed").is_some(), mine, "{org}");
        assert_eq!(
            s.feed_by_idempotency_key("key-1")
                .await
                .expect("key")
                .is_some(),
            mine
        );
        assert_eq!(s.desired_count().await.expect("desired"), i64::from(mine));
        assert_eq!(
            s.seen_names()
                .await
                .expect("names")
                .skills
                .contains("Billing"),
            mine
        );
        assert_eq!(s.agent("u1").await.expect("agent").is_some(), mine);
        assert_eq!(
            s.job(5).await.expect("job").map(|j| j.status),
            mine.then_some(JobStatus::Queued)
        );
        assert_eq!(s.has_work_items(5).await.expect("items"), mine);
        let audit = AuditFilter {
            limit: 10,
            ..AuditFilter::default()
        };
        assert_eq!(
            s.audit(&audit).await.expect("audit").len(),
            usize::from(mine)
        );
        let attempts = s
            .delivery_log()
            .attempts_for(Uuid::from_u128(7))
            .await
            .expect("deliveries");
        assert_eq!(attempts.len(), usize::from(mine));
        assert_eq!(
            s.scan_cursor().await.expect("cursor").is_some(),
            mine,
            "{org}"
        );
    }
    // The feed's history survived (SQLite rebuilt the feeds table it points to): the state in
    // force is rebuilt from it.
    store.hold_feed(1).await.expect("held");
    assert_eq!(store.desired_count().await.expect("desired"), 0);
    store.release_feed(1).await.expect("released");
    assert_eq!(store.desired_count().await.expect("desired"), 1);
    // The default org's queued routine job is the one from before.
    let next = store
        .enqueue_job(skillsync::store::Trigger::Schedule, None, None)
        .await
        .expect("merged into the queued job");
    assert_eq!(next.id, 5);
}

#[sqlx::test(migrations = false)]
async fn postgres_rows_stored_before_orgs_belong_to_the_default_org(pool: PgPool) {
    let scratch = scratch();
    before_orgs(&migrations(), &scratch)
        .await
        .run(&pool)
        .await
        .expect("migrated to before orgs");
    for sql in rows("now()") {
        sqlx::query(&sql).execute(&pool).await.expect(&sql);
    }
    let store = Store::from_pool(pool);
    store.migrate().await.expect("org migration");
    all_in_default(&store).await;
    let _ = std::fs::remove_dir_all(scratch);
}

#[tokio::test]
async fn sqlite_rows_stored_before_orgs_belong_to_the_default_org() {
    let scratch = scratch();
    let options = sqlite_options(&scratch);
    let migrator = before_orgs(&migrations().join("sqlite"), &scratch.join("m")).await;
    let pool = SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with(options)
        .await
        .expect("pool");
    migrator.run(&pool).await.expect("migrated to before orgs");
    for sql in rows("strftime('%Y-%m-%dT%H:%M:%fZ', 'now')") {
        sqlx::query(&sql).execute(&pool).await.expect(&sql);
    }
    let store = Store::from_sqlite_pool(pool);
    store.migrate().await.expect("org migration");
    all_in_default(&store).await;
    store.close().await;
    let _ = std::fs::remove_dir_all(scratch);
}
