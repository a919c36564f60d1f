//! The webhook's delivery log: attempts read back as written, in order, and the failures of a
//! period (moved here from the notifier's PostgreSQL and SQLite logs, now one store API).

use chrono::{DateTime, SubsecRound, TimeDelta, Utc};
use uuid::Uuid;

use skillsync::store::{Attempt, Backend, Outcome};

use crate::Db;

on_both_backends!(
    attempts_are_read_back_as_written_in_order,
    the_same_event_may_be_sent_again_after_a_restart,
    failures_since_lists_only_final_failures_newest_first,
    the_table_refuses_an_unknown_outcome_and_a_loose_timestamp,
);

fn attempt(db: &Db, event: u128, n: u32, outcome: Outcome, at: DateTime<Utc>) -> Attempt {
    // PostgreSQL keeps microseconds, SQLite's stored form milliseconds.
    let digits = match db.backend() {
        Backend::Postgres => 6,
        Backend::Sqlite => 3,
    };
    Attempt {
        event_id: Uuid::from_u128(event),
        event_type: "certification.revoked".into(),
        agent: "anna@example.com".into(),
        certification: "PCI DSS".into(),
        attempt: n,
        attempted_at: at.trunc_subsecs(digits),
        status: (outcome != Outcome::Exhausted).then_some(503),
        error: (outcome == Outcome::Exhausted).then(|| "connection refused".to_owned()),
        outcome,
    }
}

async fn attempts_are_read_back_as_written_in_order(db: Db) {
    let log = db.store.delivery_log();
    let now = Utc::now();
    let written = [
        attempt(&db, 1, 1, Outcome::Retrying, now),
        attempt(&db, 2, 1, Outcome::Delivered, now),
        attempt(&db, 1, 2, Outcome::Exhausted, now + TimeDelta::seconds(1)),
    ];
    for a in &written {
        log.record(a).await.expect("insert");
    }
    let read = log.attempts_for(Uuid::from_u128(1)).await.expect("select");
    assert_eq!(read, [written[0].clone(), written[2].clone()]);
}

async fn the_same_event_may_be_sent_again_after_a_restart(db: Db) {
    let log = db.store.delivery_log();
    let now = Utc::now();
    log.record(&attempt(&db, 1, 1, Outcome::Delivered, now))
        .await
        .expect("first");
    log.record(&attempt(&db, 1, 1, Outcome::Delivered, now))
        .await
        .expect("again");
    let read = log.attempts_for(Uuid::from_u128(1)).await.expect("select");
    assert_eq!(read.len(), 2);
}

async fn failures_since_lists_only_final_failures_newest_first(db: Db) {
    let log = db.store.delivery_log();
    let now = Utc::now();
    let hour = TimeDelta::hours(1);
    for a in [
        attempt(&db, 1, 1, Outcome::Retrying, now),
        attempt(&db, 1, 2, Outcome::Exhausted, now + hour),
        attempt(&db, 2, 1, Outcome::Rejected, now - hour * 3),
        attempt(&db, 3, 1, Outcome::Delivered, now),
        attempt(&db, 4, 1, Outcome::Abandoned, now + hour * 2),
        // Whole seconds sort with the rest (SQLite's stored form always has three decimals).
        attempt(
            &db,
            5,
            1,
            Outcome::Rejected,
            (now + hour).trunc_subsecs(0) - TimeDelta::seconds(1),
        ),
    ] {
        log.record(&a).await.expect("insert");
    }
    let failures = log.failures_since(now - hour, 10).await.expect("select");
    let ids: Vec<u128> = failures.iter().map(|a| a.event_id.as_u128()).collect();
    assert_eq!(ids, [4, 1, 5]);
    let first = log.failures_since(now - hour, 1).await.expect("select");
    assert_eq!(first.len(), 1);
}

async fn the_table_refuses_an_unknown_outcome_and_a_loose_timestamp(db: Db) {
    let insert = |outcome: &str, at: &str| {
        format!(
            "INSERT INTO webhook_deliveries (event_id, event_type, agent, certification, \
             attempt, attempted_at, outcome) \
             VALUES ('00000000-0000-0000-0000-000000000001', 't', 'a', 'c', 1, '{at}', '{outcome}')"
        )
    };
    let canonical = "2026-01-01T00:00:00.000Z";
    assert!(db.exec(&insert("delivered", canonical)).await.is_ok());
    assert!(db.exec(&insert("lost", canonical)).await.is_err());
    if db.backend() == Backend::Sqlite {
        let loose = insert("delivered", "2026-01-01T00:00:00+00:00");
        assert!(db.exec(&loose).await.is_err());
    }
}
