//! One event to one receiver: what is sent, how it is signed, what is retried and what is not.

use chrono::Utc;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use skillsync::notify::{
    verify, CertificationEvent, Enqueued, Outcome, WebhookSettings, WebhookSettingsError,
};

use crate::helpers::{final_outcome, revoked, settings, spawn, Receiver, SECRET};

/// The signature as a receiver computes it, with nothing of skillsync's code.
fn expected_signature(timestamp: &str, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(SECRET.as_bytes()).expect("any key length");
    mac.update(timestamp.as_bytes());
    mac.update(b".");
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

#[tokio::test]
async fn a_delivered_event_carries_a_signature_the_receiver_can_verify() {
    let receiver = Receiver::start(&[]).await;
    let (notifier, log, _shutdown) = spawn(&settings(&receiver.url));
    let event = revoked("anna@example.com").with_user_id("6f1c");

    assert_eq!(notifier.notify(event.clone()), Enqueued::Queued);
    assert_eq!(final_outcome(&log, &event).await, Outcome::Delivered);

    let received = receiver.received();
    assert_eq!(received.len(), 1);
    let request = &received[0];
    assert_eq!(request.header("content-type"), "application/json");
    assert_eq!(request.header("x-skillsync-event-id"), event.id.to_string());
    let timestamp = request.header("x-skillsync-timestamp");
    let sent_at: i64 = timestamp.parse().expect("Unix seconds");
    assert!((Utc::now().timestamp() - sent_at).abs() < 60, "{sent_at}");
    assert_eq!(
        request.header("x-skillsync-signature"),
        expected_signature(timestamp, &request.body)
    );
    assert_eq!(
        verify(
            SECRET.as_bytes(),
            timestamp,
            &request.body,
            request.header("x-skillsync-signature"),
            Utc::now(),
            std::time::Duration::from_secs(300),
        ),
        Ok(())
    );
    let body: CertificationEvent = serde_json::from_slice(&request.body).expect("event JSON");
    assert_eq!(body, event);

    let attempts = log.attempts_for(event.id);
    assert_eq!(attempts.len(), 1);
    assert_eq!((attempts[0].attempt, attempts[0].status), (1, Some(200)));
    assert_eq!(attempts[0].event_type, "certification.revoked");
    assert_eq!(notifier.stats().delivered, 1);
}

#[tokio::test]
async fn a_receiver_failing_twice_gets_the_event_on_the_third_attempt() {
    let receiver = Receiver::start(&[503, 503]).await;
    let (notifier, log, _shutdown) = spawn(&settings(&receiver.url));
    let event = revoked("anna@example.com");

    notifier.notify(event.clone());
    assert_eq!(final_outcome(&log, &event).await, Outcome::Delivered);

    let attempts: Vec<_> = log
        .attempts_for(event.id)
        .into_iter()
        .map(|a| (a.attempt, a.status, a.outcome))
        .collect();
    assert_eq!(
        attempts,
        [
            (1, Some(503), Outcome::Retrying),
            (2, Some(503), Outcome::Retrying),
            (3, Some(200), Outcome::Delivered),
        ]
    );
    let received = receiver.received();
    assert_eq!(received.len(), 3);
    for request in &received {
        assert_eq!(
            request.body, received[0].body,
            "every attempt sends the same body"
        );
        assert_eq!(request.header("x-skillsync-event-id"), event.id.to_string());
        assert_eq!(
            request.header("x-skillsync-signature"),
            expected_signature(request.header("x-skillsync-timestamp"), &request.body)
        );
    }
}

#[tokio::test]
async fn request_timeouts_and_rate_limits_from_the_receiver_are_retried() {
    let receiver = Receiver::start(&[408, 429]).await;
    let (notifier, log, _shutdown) = spawn(&settings(&receiver.url));
    let event = revoked("anna@example.com");

    notifier.notify(event.clone());
    assert_eq!(final_outcome(&log, &event).await, Outcome::Delivered);
    assert_eq!(log.attempts_for(event.id).len(), 3);
}

#[tokio::test]
async fn a_permanent_400_is_not_retried_and_its_reason_is_logged() {
    let receiver = Receiver::start(&[400]).await;
    let (notifier, log, _shutdown) = spawn(&settings(&receiver.url));
    let rejected = revoked("anna@example.com");
    let next = revoked("bob@example.com");

    notifier.notify(rejected.clone());
    notifier.notify(next.clone());
    // Events go out in order, so once the next one is delivered the first is settled.
    assert_eq!(final_outcome(&log, &next).await, Outcome::Delivered);

    let attempts = log.attempts_for(rejected.id);
    assert_eq!(attempts.len(), 1);
    assert_eq!(attempts[0].outcome, Outcome::Rejected);
    assert_eq!(attempts[0].status, Some(400));
    assert_eq!(
        attempts[0].error.as_deref(),
        Some("scripted 400 Bad Request")
    );
    assert_eq!(receiver.received().len(), 2);
    assert_eq!(notifier.stats().failed, 1);
}

#[tokio::test]
async fn an_event_is_given_up_after_max_attempts() {
    let receiver = Receiver::start(&[500, 502, 503, 200]).await;
    let (notifier, log, _shutdown) = spawn(&WebhookSettings {
        max_attempts: 3,
        ..settings(&receiver.url)
    });
    let event = revoked("anna@example.com");

    notifier.notify(event.clone());
    assert_eq!(final_outcome(&log, &event).await, Outcome::Exhausted);
    let statuses: Vec<_> = log
        .attempts_for(event.id)
        .iter()
        .map(|a| a.status)
        .collect();
    assert_eq!(statuses, [Some(500), Some(502), Some(503)]);
}

#[tokio::test]
async fn an_unreachable_receiver_is_retried_and_its_error_keeps_the_url_out() {
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.local_addr().expect("address")
    };
    let url = format!("http://{closed}/hook?token=t0ps3cret");
    let (notifier, log, _shutdown) = spawn(&WebhookSettings {
        max_attempts: 2,
        ..settings(&url)
    });
    let event = revoked("anna@example.com");

    notifier.notify(event.clone());
    assert_eq!(final_outcome(&log, &event).await, Outcome::Exhausted);
    let attempts = log.attempts_for(event.id);
    assert_eq!(attempts.len(), 2);
    for attempt in attempts {
        assert_eq!(attempt.status, None);
        let error = attempt.error.expect("a transport error");
        assert!(
            !error.contains("t0ps3cret") && !error.contains("/hook"),
            "{error}"
        );
    }
}

#[tokio::test]
async fn an_empty_url_disables_the_webhook() {
    let (notifier, log, _shutdown) = spawn(&WebhookSettings::default());

    assert!(!notifier.is_enabled());
    assert_eq!(
        notifier.notify(revoked("anna@example.com")),
        Enqueued::Disabled
    );
    notifier.stopped().await;
    assert!(log.attempts().is_empty());
    assert_eq!(notifier.stats().queued, 0);
}

#[tokio::test]
async fn an_enabled_webhook_without_a_secret_does_not_start() {
    let settings = WebhookSettings {
        secret: skillsync::config::Secret::from(""),
        ..settings("http://127.0.0.1:9/hook")
    };
    let log = std::sync::Arc::new(skillsync::notify::MemoryLog::new());
    let started = skillsync::notify::Notifier::spawn(
        &settings,
        log,
        tokio_util::sync::CancellationToken::new(),
    );
    assert!(matches!(started, Err(WebhookSettingsError::MissingSecret)));
}
