//! What the daemon does with a store around its queries: migrations, readiness, the webhook's
//! delivery log, closing.

use chrono::Utc;
use uuid::Uuid;

use skillsync::notify::{Attempt, Outcome};

use crate::Db;

on_both_backends!(
    a_migrated_database_is_ready_and_migrating_again_changes_nothing,
    the_delivery_log_writes_to_the_same_database,
);

async fn a_migrated_database_is_ready_and_migrating_again_changes_nothing(db: Db) {
    assert!(db.store.ready().await.expect("ready"));
    db.store.migrate().await.expect("again");
    assert!(db.store.ready().await.expect("ready"));
    let reopened = db.reopen();
    assert_eq!(reopened.backend(), db.backend());
    assert!(reopened.ready().await.expect("ready"));
    reopened.close().await;
}

async fn the_delivery_log_writes_to_the_same_database(db: Db) {
    let log = db.store.delivery_log();
    let attempt = Attempt {
        event_id: Uuid::from_u128(7),
        event_type: "certification.granted".into(),
        agent: "agent00001@example.com".into(),
        certification: "PCI DSS".into(),
        attempt: 1,
        attempted_at: Utc::now(),
        status: Some(204),
        error: None,
        outcome: Outcome::Delivered,
    };
    log.record(&attempt).await.expect("recorded");
    assert_eq!(
        db.exec("DELETE FROM webhook_deliveries WHERE attempt = 1")
            .await
            .expect("the row is there"),
        1
    );
}
