//! Slow and many clients (issue 12, defect 2): a request head or body sent in part, idle
//! keep-alive connections and more connections than the cap are cut off or held back, the
//! metrics listener keeps answering, and a feed POSTed past the ingest cap is a 503 that stores
//! nothing. Slow clients are raw TCP streams; timeouts are a second, so each test takes a few.

use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::Value;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::helpers::{
    daemon_settings, database_url, small_org, spawn_daemon, spawn_sim, TestDaemon, INGEST_TOKEN,
};

const FEED: &str = "agent,type,name,proficiency\nagent00001@example.com,skill,Billing_L1,3\n";
const OTHER_FEED: &str = "agent,type,name,proficiency\nagent00002@example.com,skill,Billing_L1,2\n";

/// A raw connection to `base` (`http://host:port`).
async fn connect(base: &str) -> TcpStream {
    TcpStream::connect(base.trim_start_matches("http://"))
        .await
        .expect("connects")
}

/// What the server sent until it closed the connection, or `None` if it is still open after
/// `within`. A reset counts as a close: the server may drop a connection with unread bytes.
async fn read_until_closed(
    stream: &mut (impl AsyncRead + Unpin),
    within: Duration,
) -> Option<String> {
    let mut received = Vec::new();
    let read = async {
        let mut buf = [0u8; 4096];
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => received.extend_from_slice(&buf[..n]),
            }
        }
    };
    tokio::time::timeout(within, read).await.ok()?;
    Some(String::from_utf8_lossy(&received).into_owned())
}

/// The head of a feed POST whose body is `len` bytes; the server closes after answering.
fn feed_head(len: usize) -> String {
    format!(
        "POST /v1/feeds?source=hr HTTP/1.1\r\nHost: skillsync\r\nAuthorization: Bearer \
         {INGEST_TOKEN}\r\nContent-Type: text/csv\r\nContent-Length: {len}\r\n\
         Connection: close\r\n\r\n"
    )
}

/// A client with no pooled connection: each request opens its own.
fn fresh_client() -> reqwest::Client {
    reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .build()
        .expect("client")
}

async fn feeds_total(daemon: &TestDaemon) -> Value {
    daemon.get_json("/v1/feeds").await["total"].clone()
}

#[sqlx::test(migrations = false)]
async fn a_request_head_sent_in_part_or_an_idle_connection_is_closed_after_the_header_timeout(
    _: PgPoolOptions,
    db: PgConnectOptions,
) {
    let sim = spawn_sim(small_org()).await;
    let mut settings = daemon_settings(&sim, &database_url(&db));
    settings.server.header_read_timeout_secs = 1;
    let daemon = spawn_daemon(settings).await;

    // Slowloris: a request line and part of the headers, then nothing.
    let started = Instant::now();
    let mut half = connect(&daemon.base).await;
    half.write_all(b"GET /healthz HTTP/1.1\r\nHost: skillsync\r\nX-Slow: ")
        .await
        .expect("sent");
    let answer = read_until_closed(&mut half, Duration::from_secs(5))
        .await
        .expect("the server closes a head that does not come");
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "{:?}",
        started.elapsed()
    );
    assert!(
        answer.is_empty() || answer.starts_with("HTTP/1.1 408"),
        "{answer}"
    );

    // A keep-alive connection is answered, then closed once idle for the same time.
    let started = Instant::now();
    let mut idle = connect(&daemon.base).await;
    idle.write_all(b"GET /healthz HTTP/1.1\r\nHost: skillsync\r\n\r\n")
        .await
        .expect("sent");
    let answer = read_until_closed(&mut idle, Duration::from_secs(5))
        .await
        .expect("the server closes an idle connection");
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "{:?}",
        started.elapsed()
    );
    daemon.stop().await;
}

#[sqlx::test(migrations = false)]
async fn a_feed_body_stalled_or_dripped_past_the_body_timeout_is_a_408_and_stores_nothing(
    _: PgPoolOptions,
    db: PgConnectOptions,
) {
    let sim = spawn_sim(small_org()).await;
    let mut settings = daemon_settings(&sim, &database_url(&db));
    settings.server.body_timeout_secs = 1;
    let daemon = spawn_daemon(settings).await;
    let started = Instant::now();

    // Half the body, then nothing.
    let mut stalled = connect(&daemon.base).await;
    stalled
        .write_all(format!("{}{}", feed_head(FEED.len()), &FEED[..20]).as_bytes())
        .await
        .expect("sent");

    // The whole body, a byte every 200 ms: each byte in time, the body as a whole not.
    let (mut dripped, mut drip) = connect(&daemon.base).await.into_split();
    drip.write_all(feed_head(FEED.len()).as_bytes())
        .await
        .expect("sent");
    let dripping = tokio::spawn(async move {
        for byte in FEED.bytes() {
            tokio::time::sleep(Duration::from_millis(200)).await;
            if drip.write_all(&[byte]).await.is_err() {
                break;
            }
        }
    });

    for answer in [
        read_until_closed(&mut stalled, Duration::from_secs(5)).await,
        read_until_closed(&mut dripped, Duration::from_secs(5)).await,
    ] {
        let answer = answer.expect("answered and closed");
        assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
        assert!(answer.contains("\"body_timeout\""), "{answer}");
    }
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "{:?}",
        started.elapsed()
    );
    dripping.abort();
    assert_eq!(feeds_total(&daemon).await, 0, "nothing stored");

    // A body sent in time still goes through.
    let accepted = daemon.post_feed(FEED, "partial").await;
    assert_eq!(accepted["status"], "accepted", "{accepted}");
    daemon.stop().await;
}

#[sqlx::test(migrations = false)]
async fn stalled_connections_past_the_cap_leave_the_metrics_listener_answering_and_the_api_recovers(
    _: PgPoolOptions,
    db: PgConnectOptions,
) {
    let sim = spawn_sim(small_org()).await;
    let mut settings = daemon_settings(&sim, &database_url(&db));
    settings.server.header_read_timeout_secs = 1;
    settings.server.max_connections = 4;
    settings.server.max_concurrent_ingests = 1;
    let daemon = spawn_daemon(settings).await;

    // Twice the cap of half-sent heads: four are served (and stall), four wait in the backlog.
    let started = Instant::now();
    let mut stalled = Vec::new();
    for _ in 0..8 {
        let mut stream = connect(&daemon.base).await;
        stream
            .write_all(b"GET /healthz HTTP/1.1\r\nHost: skillsync\r\nX-Slow: ")
            .await
            .expect("sent");
        stalled.push(stream);
    }

    // The metrics listener has its own connections: liveness and metrics answer at once.
    for path in ["/healthz", "/metrics"] {
        let resp = fresh_client()
            .get(format!("{}{path}", daemon.metrics))
            .timeout(Duration::from_secs(2))
            .send()
            .await
            .unwrap_or_else(|e| panic!("{path} on the metrics listener: {e}"));
        assert_eq!(resp.status(), StatusCode::OK, "{path}");
    }

    // The API is full: a new request waits for the stalled ones to time out, then is answered.
    let resp = fresh_client()
        .get(daemon.url("/healthz"))
        .timeout(Duration::from_secs(10))
        .send()
        .await
        .expect("the API answers once the stalled connections are closed");
    assert_eq!(resp.status(), StatusCode::OK);
    let waited = started.elapsed();
    assert!(
        waited >= Duration::from_millis(900),
        "answered in {waited:?}: the cap of 4 connections did not hold it back"
    );
    for stream in &mut stalled {
        let answer = read_until_closed(stream, Duration::from_secs(5)).await;
        assert!(answer.is_some(), "every stalled connection is closed");
    }
    daemon.stop().await;
}

#[sqlx::test(migrations = false)]
async fn a_feed_posted_while_the_ingest_cap_is_taken_is_a_503_with_retry_after_and_stores_nothing(
    _: PgPoolOptions,
    db: PgConnectOptions,
) {
    let sim = spawn_sim(small_org()).await;
    let mut settings = daemon_settings(&sim, &database_url(&db));
    settings.server.max_concurrent_ingests = 1;
    let daemon = spawn_daemon(settings).await;

    // One feed being received: its handler holds the only ingest slot while it waits for the
    // rest of the body.
    let mut first = connect(&daemon.base).await;
    first
        .write_all(format!("{}{}", feed_head(FEED.len()), &FEED[..20]).as_bytes())
        .await
        .expect("sent");
    let slots = daemon.ctx.api.ingest_slots.clone();
    let deadline = Instant::now() + Duration::from_secs(5);
    while slots.available_permits() > 0 {
        assert!(
            Instant::now() < deadline,
            "the first feed never took the slot"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    let resp = daemon.post_csv(OTHER_FEED, "partial").await;
    assert_eq!(resp.status(), StatusCode::SERVICE_UNAVAILABLE);
    let retry_after = resp
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    assert!(retry_after.is_some_and(|s| s > 0), "{retry_after:?}");
    let body: Value = resp.json().await.expect("json");
    assert_eq!(body["error"]["code"], "too_many_ingests", "{body}");
    assert_eq!(
        feeds_total(&daemon).await,
        0,
        "the refused feed is not stored"
    );

    // The first feed completes, frees its slot, and the next one is taken.
    first.write_all(&FEED.as_bytes()[20..]).await.expect("sent");
    let answer = read_until_closed(&mut first, Duration::from_secs(10))
        .await
        .expect("answered");
    assert!(answer.starts_with("HTTP/1.1 202"), "{answer}");
    let accepted = daemon.post_feed(OTHER_FEED, "partial").await;
    assert_eq!(accepted["status"], "accepted", "{accepted}");
    assert_eq!(feeds_total(&daemon).await, 2);
    daemon.stop().await;
}
