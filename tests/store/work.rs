//! Work items: claimed once, taken over when a lease expires, due in time order.

use chrono::{SubsecRound, TimeDelta, Utc};

use skillsync::store::{ItemOutcome, Trigger, WorkStatus};

use crate::Db;

on_both_backends!(
    work_items_are_never_claimed_twice_and_expired_leases_are_taken_over,
    items_fall_due_in_time_order_and_released_items_are_claimable_at_once,
    items_of_a_job_that_does_not_exist_are_refused,
);

async fn work_items_are_never_claimed_twice_and_expired_leases_are_taken_over(db: Db) {
    let store = &db.store;
    let job = store
        .enqueue_job(Trigger::Manual, None, None)
        .await
        .expect("queued");
    let items: Vec<(String, String)> = (0..50)
        .map(|i| (format!("u{i}"), format!("agent{i}")))
        .collect();
    let new: Vec<(&str, Option<&str>, &str)> = items
        .iter()
        .map(|(u, l)| (u.as_str(), Some(l.as_str()), l.as_str()))
        .collect();
    store
        .create_work_items(job.id, &new)
        .await
        .expect("created");
    store
        .create_work_items(job.id, &new)
        .await
        .expect("idempotent");

    let (a, b) = tokio::join!(
        store.claim_work_items(job.id, "w1", 30.0, 30),
        store.claim_work_items(job.id, "w2", 30.0, 30)
    );
    let (a, b) = (a.expect("claimed"), b.expect("claimed"));
    assert_eq!(a.len() + b.len(), 50);
    let mut all: Vec<&str> = a.iter().chain(&b).map(|i| i.user_id.as_str()).collect();
    all.sort();
    all.dedup();
    assert_eq!(all.len(), 50, "no item went to both workers");
    assert!(store
        .claim_work_items(job.id, "w3", 30.0, 100)
        .await
        .expect("claim")
        .is_empty());

    db.expire_item_leases("w1").await;
    let taken = store
        .claim_work_items(job.id, "w3", 30.0, 100)
        .await
        .expect("claim");
    assert_eq!(taken.len(), a.len());
    assert!(
        taken.iter().all(|i| i.status == WorkStatus::InProgress),
        "taken over mid-write"
    );

    let done = &taken[0];
    store
        .update_work_item(job.id, &done.user_id, ItemOutcome::Verified)
        .await
        .expect("updated");
    let counts = store.work_counts(job.id).await.expect("counts");
    assert!(counts.contains(&("converged".to_string(), 1)), "{counts:?}");
}

async fn items_fall_due_in_time_order_and_released_items_are_claimable_at_once(db: Db) {
    let store = &db.store;
    let job = store
        .enqueue_job(Trigger::Manual, None, None)
        .await
        .expect("queued");
    assert!(!store.has_work_items(job.id).await.expect("read"));
    store
        .create_work_items(
            job.id,
            &[
                ("u1", Some("c@x"), "c@x"),
                ("u2", Some("a@x"), "a@x"),
                ("u3", None, "b"),
            ],
        )
        .await
        .expect("created");
    assert!(store.has_work_items(job.id).await.expect("read"));
    // Due times on both sides of second boundaries, whole seconds among them: each must
    // compare as an instant, not as text of varying width.
    let second = (Utc::now() - TimeDelta::seconds(10)).trunc_subsecs(0);
    let due = [
        ("u1", second + TimeDelta::milliseconds(1_500)),
        ("u2", second),
        ("u3", second + TimeDelta::milliseconds(999)),
    ];
    for (user, at) in due {
        store
            .update_work_item(
                job.id,
                user,
                ItemOutcome::WriteFailed {
                    retry_at: at,
                    reason: "429",
                },
            )
            .await
            .expect("updated");
    }
    assert_eq!(
        store.next_work_due(job.id).await.expect("due"),
        Some(second)
    );
    let mut order = Vec::new();
    for _ in 0..3 {
        let claimed = store
            .claim_work_items(job.id, "w", 30.0, 1)
            .await
            .expect("claim");
        order.push(claimed[0].user_id.clone());
        assert_eq!(claimed[0].last_error.as_deref(), Some("429"));
    }
    assert_eq!(order, ["u2", "u3", "u1"]);
    // Leased: due when the lease runs out.
    let due = store
        .next_work_due(job.id)
        .await
        .expect("due")
        .expect("open");
    assert!(due > Utc::now() + TimeDelta::seconds(20), "{due}");
    store
        .release_work_items(job.id, "w")
        .await
        .expect("released");
    assert_eq!(
        store
            .claim_work_items(job.id, "w2", 30.0, 10)
            .await
            .expect("claim")
            .len(),
        3
    );
    store
        .update_work_item(job.id, "u1", ItemOutcome::Verified)
        .await
        .expect("updated");
    let items = store.work_items(job.id, 10, 0).await.expect("items");
    let labels: Vec<&str> = items.iter().map(|i| i.label.as_str()).collect();
    assert_eq!(labels, ["a@x", "b", "c@x"]);
    let converged = &items[2];
    assert_eq!(
        (
            converged.status,
            converged.attempts,
            converged.last_error.as_deref()
        ),
        (WorkStatus::Converged, 1, None)
    );
    assert_eq!(
        converged.next_attempt_at,
        second + TimeDelta::milliseconds(1_500)
    );
}

async fn items_of_a_job_that_does_not_exist_are_refused(db: Db) {
    let refused = db.store.create_work_items(404, &[("u1", None, "u1")]).await;
    assert!(refused.is_err(), "foreign keys are enforced: {refused:?}");
}
