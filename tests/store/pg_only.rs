//! What only the PostgreSQL backend does: creating its database on first start, and leadership
//! between processes.

use std::time::{Duration, Instant};

use sqlx::PgPool;
use uuid::Uuid;

use skillsync::store::Store;

/// The URL of a database that does not exist yet, on the test server.
fn missing_database_url(pool: &PgPool) -> String {
    let options = pool.connect_options();
    format!(
        "postgres://{}@{}:{}/skillsync_create_{}",
        options.get_username(),
        options.get_host(),
        options.get_port(),
        Uuid::new_v4().simple()
    )
}

#[sqlx::test(migrations = false)]
async fn a_missing_database_is_created_once_even_by_replicas_starting_together(pool: PgPool) {
    let url = missing_database_url(&pool);
    let store = Store::connect_lazy(&url, 2).expect("url");
    // Two replicas racing to create it: both start.
    let (a, b) = tokio::join!(
        store.create_database_if_missing(&url),
        store.create_database_if_missing(&url)
    );
    a.expect("first replica");
    b.expect("second replica");
    // An existing database is left alone.
    store
        .create_database_if_missing(&url)
        .await
        .expect("exists");
    store.migrate().await.expect("migrated");
    assert!(store.ready().await.expect("ready"));
    store.close().await;
    let name = url.rsplit('/').next().expect("name");
    sqlx::query(&format!("DROP DATABASE {name}"))
        .execute(&pool)
        .await
        .expect("dropped");
}

#[sqlx::test(migrations = false)]
async fn a_server_that_refuses_is_an_error_not_a_creation(pool: PgPool) {
    let url = missing_database_url(&pool)
        .replace(&format!(":{}/", pool.connect_options().get_port()), ":1/");
    let store = Store::connect_lazy(&url, 2).expect("url");
    assert!(store.create_database_if_missing(&url).await.is_err());
}

#[sqlx::test(migrations = false)]
async fn leadership_is_exclusive_and_a_cut_lock_connection_ends_the_watch_at_once(pool: PgPool) {
    let store = Store::from_pool(pool.clone());
    let mut leader = store
        .take_leadership("a")
        .await
        .expect("election")
        .expect("the first process leads");
    assert!(!leader.is_sole());
    assert!(
        store
            .take_leadership("b")
            .await
            .expect("election")
            .is_none(),
        "one leader at a time"
    );
    assert!(leader.held_for(Duration::from_millis(50)).await);

    // Cut the lock's connection while the leader is watching it, as a failover would.
    let watch = tokio::spawn(async move {
        let started = Instant::now();
        (
            leader.held_for(Duration::from_secs(30)).await,
            started.elapsed(),
        )
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    let cut: Vec<bool> = sqlx::query_scalar(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
         WHERE application_name = 'skillsync-leader a' AND datname = current_database()",
    )
    .fetch_all(&pool)
    .await
    .expect("terminated");
    assert_eq!(cut, vec![true]);
    let (held, after) = watch.await.expect("watch");
    assert!(!held, "the watch reports the lock lost");
    assert!(
        after < Duration::from_secs(10),
        "at once, not at the end of the 30 s watch: {after:?}"
    );
    assert!(
        store
            .take_leadership("b")
            .await
            .expect("election")
            .is_some(),
        "the lock is free for another process"
    );
}
