//! What only the PostgreSQL backend does: creating its database on first start, and leadership
//! between processes.

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

#[sqlx::test]
async fn replicas_claiming_at_once_never_claim_an_org_twice(pool: PgPool) {
    let store = Store::from_pool(pool);
    let orgs: Vec<String> = (0..8).map(|i| format!("org{i}")).collect();
    let names: Vec<&str> = orgs.iter().map(String::as_str).collect();
    store
        .renew_org_leases("setup", &names, 30.0)
        .await
        .expect("rows");
    let claims = (0..8).map(|i| {
        let store = store.clone();
        let orgs = orgs.clone();
        tokio::spawn(async move {
            let names: Vec<&str> = orgs.iter().map(String::as_str).collect();
            store
                .claim_org_leases(&format!("r{i}"), &names, 8, 30.0)
                .await
                .expect("claim")
        })
    });
    let mut claimed = Vec::new();
    for claim in claims {
        claimed.extend(claim.await.expect("task"));
    }
    claimed.sort();
    assert_eq!(claimed, orgs, "every org claimed exactly once");
}
