//! The notifier writing its delivery log to PostgreSQL (a fresh database per test).

use std::sync::Arc;

use sqlx::PgPool;
use tokio_util::sync::CancellationToken;

use skillsync::notify::{Notifier, Outcome};
use skillsync::store::Store;

use crate::helpers::{requests_arrived, revoked, settings, Receiver};

#[sqlx::test(migrations = "./migrations")]
async fn every_attempt_lands_in_the_postgres_delivery_log(pool: PgPool) {
    let receiver = Receiver::start(&[503]).await;
    let log = Arc::new(Store::from_pool(pool).delivery_log());
    let shutdown = CancellationToken::new();
    let notifier =
        Notifier::spawn(&settings(&receiver.url), log.clone(), shutdown.clone()).expect("starts");
    let event = revoked("anna@example.com");

    notifier.notify(event.clone());
    requests_arrived(&receiver, 2).await;
    shutdown.cancel();
    notifier.stopped().await;

    let attempts = log.attempts_for(event.id).await.expect("select");
    let rows: Vec<_> = attempts
        .iter()
        .map(|a| {
            (
                a.attempt,
                a.status,
                a.outcome,
                a.agent.as_str(),
                a.certification.as_str(),
            )
        })
        .collect();
    assert_eq!(
        rows,
        [
            (
                1,
                Some(503),
                Outcome::Retrying,
                "anna@example.com",
                "PCI DSS"
            ),
            (
                2,
                Some(200),
                Outcome::Delivered,
                "anna@example.com",
                "PCI DSS"
            ),
        ]
    );
}
