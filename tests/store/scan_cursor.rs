//! The scan cursor of incremental drift scans, and how an incremental scan coalesces with the
//! other triggers.

use skillsync::store::{JobStatus, Lane, Trigger};

use crate::Db;

on_both_backends!(
    the_scan_cursor_is_kept_and_replaced,
    an_incremental_scan_gives_way_to_any_other_trigger,
);

async fn the_scan_cursor_is_kept_and_replaced(db: Db) {
    let store = &db.store;
    assert_eq!(
        store.scan_cursor().await.expect("read"),
        None,
        "no scan yet"
    );
    store
        .set_scan_cursor("2026-12-13T10:00:00.000Z")
        .await
        .expect("set");
    // Another handle on the same database (a replica, or the process after a restart) reads it.
    let other = store.clone();
    assert_eq!(
        other.scan_cursor().await.expect("read").as_deref(),
        Some("2026-12-13T10:00:00.000Z")
    );
    store.set_scan_cursor("opaque:42").await.expect("replace");
    assert_eq!(
        store.scan_cursor().await.expect("read").as_deref(),
        Some("opaque:42")
    );
}

async fn an_incremental_scan_gives_way_to_any_other_trigger(db: Db) {
    let store = &db.store;
    let first = store
        .enqueue_job(Trigger::IncrementalScan, None, None)
        .await
        .expect("queued");
    assert_eq!(first.trigger, Trigger::IncrementalScan);
    let again = store
        .enqueue_job(Trigger::IncrementalScan, None, None)
        .await
        .expect("coalesced");
    assert_eq!(
        (again.id, again.trigger, again.coalesced),
        (first.id, Trigger::IncrementalScan, 1),
        "two incremental ticks are one incremental scan"
    );
    let widened = store
        .enqueue_job(Trigger::Schedule, None, None)
        .await
        .expect("coalesced");
    assert_eq!(
        (widened.id, widened.trigger),
        (first.id, Trigger::Schedule),
        "a full scan reads everyone, which covers the incremental one"
    );
    let kept = store
        .enqueue_job(Trigger::IncrementalScan, None, None)
        .await
        .expect("coalesced");
    assert_eq!(kept.trigger, Trigger::Schedule, "and is not narrowed again");

    // A one-agent run is urgent: it has a queue of its own, and an incremental scan is not
    // merged into it (nor it into the scan).
    let running = store
        .claim_job("w1", 30.0, Lane::Routine)
        .await
        .expect("claim");
    assert_eq!(running.map(|j| j.id), Some(first.id));
    store
        .finish_job(first.id, JobStatus::Succeeded, serde_json::json!({}), None)
        .await
        .expect("finish");
    let one = store
        .enqueue_job(Trigger::Manual, None, Some("agent00001@example.com"))
        .await
        .expect("queued");
    let merged = store
        .enqueue_job(Trigger::IncrementalScan, None, None)
        .await
        .expect("queued");
    assert_ne!(merged.id, one.id);
    assert_eq!(merged.trigger, Trigger::IncrementalScan);
    let feed = store
        .enqueue_job(Trigger::Feed, Some(3), None)
        .await
        .expect("coalesced");
    assert_eq!(feed.trigger, Trigger::Feed);
}
