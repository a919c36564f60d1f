//! The queue in front of the sender: it never blocks the caller, drops and counts when full,
//! and drains on shutdown within one request timeout.

use std::time::Duration;

use skillsync::notify::{Enqueued, Outcome, WebhookSettings};

use crate::helpers::{
    eventually, final_outcome, requests_arrived, revoked, settings, shut_down_within, spawn,
    Receiver,
};

#[tokio::test]
async fn a_full_queue_drops_and_counts_new_events_without_blocking() {
    let receiver = Receiver::gated().await;
    let (notifier, log, _shutdown) = spawn(&WebhookSettings {
        queue_capacity: 1,
        ..settings(&receiver.url)
    });
    let (first, second, third) = (revoked("a@x.com"), revoked("b@x.com"), revoked("c@x.com"));

    assert_eq!(notifier.notify(first.clone()), Enqueued::Queued);
    requests_arrived(&receiver, 1).await;
    assert_eq!(notifier.notify(second.clone()), Enqueued::Queued);
    assert_eq!(notifier.notify(third.clone()), Enqueued::QueueFull);
    assert_eq!(notifier.stats().dropped, 1);

    receiver.release(2);
    assert_eq!(final_outcome(&log, &second).await, Outcome::Delivered);
    assert_eq!(log.outcome(first.id), Some(Outcome::Delivered));
    assert!(log.attempts_for(third.id).is_empty());
    assert_eq!(receiver.received().len(), 2);
    let stats = notifier.stats();
    assert_eq!((stats.queued, stats.dropped, stats.delivered), (2, 1, 2));
}

#[tokio::test]
async fn shutdown_delivers_what_is_queued_then_refuses_new_events() {
    let receiver = Receiver::gated().await;
    let (notifier, log, shutdown) = spawn(&settings(&receiver.url));
    let events = [revoked("a@x.com"), revoked("b@x.com"), revoked("c@x.com")];
    for event in &events {
        notifier.notify(event.clone());
    }
    requests_arrived(&receiver, 1).await;

    shutdown.cancel();
    receiver.release(3);
    notifier.stopped().await;

    for event in &events {
        assert_eq!(log.outcome(event.id), Some(Outcome::Delivered));
    }
    assert_eq!(notifier.notify(revoked("d@x.com")), Enqueued::ShuttingDown);
    assert_eq!(notifier.stats().dropped, 1);
}

#[tokio::test]
async fn shutdown_abandons_a_failing_delivery_after_one_last_attempt() {
    let receiver = Receiver::start(&[503; 10]).await;
    let (notifier, log, shutdown) = spawn(&WebhookSettings {
        min_backoff_secs: 600,
        max_backoff_secs: 600,
        ..settings(&receiver.url)
    });
    let (waiting, queued) = (revoked("a@x.com"), revoked("b@x.com"));
    notifier.notify(waiting.clone());
    notifier.notify(queued.clone());
    eventually("the first attempt to fail", || {
        (log.attempts_for(waiting.id).len() == 1).then_some(())
    })
    .await;

    shut_down_within(&notifier, &shutdown, Duration::from_secs(5)).await;
    let outcomes = |id| -> Vec<_> {
        log.attempts_for(id)
            .iter()
            .map(|a| (a.attempt, a.outcome))
            .collect()
    };
    assert_eq!(
        outcomes(waiting.id),
        [(1, Outcome::Retrying), (2, Outcome::Abandoned)],
        "the backoff wait is cut short, one more attempt is made"
    );
    assert_eq!(outcomes(queued.id), [(1, Outcome::Abandoned)]);
    assert_eq!(receiver.received().len(), 3);
    assert_eq!(notifier.stats().failed, 2);
}

#[tokio::test]
async fn shutdown_with_a_hanging_receiver_ends_within_one_request_timeout() {
    let receiver = Receiver::gated().await;
    let (notifier, log, shutdown) = spawn(&WebhookSettings {
        timeout_secs: 1,
        ..settings(&receiver.url)
    });
    let events = [revoked("a@x.com"), revoked("b@x.com"), revoked("c@x.com")];
    for event in &events {
        notifier.notify(event.clone());
    }
    requests_arrived(&receiver, 1).await;

    shut_down_within(&notifier, &shutdown, Duration::from_secs(3)).await;
    for event in &events {
        let attempts = log.attempts_for(event.id);
        assert_eq!(attempts.len(), 1, "{attempts:?}");
        assert_eq!(attempts[0].outcome, Outcome::Abandoned);
        assert!(attempts[0].error.is_some());
    }
}
