//! Spans reach an OTLP/HTTP collector when `telemetry.otlp_endpoint` is set. Its own test
//! binary, because the tracing subscriber is process-wide.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use axum::body::Bytes;
use axum::http::HeaderMap;
use axum::routing::post;
use tokio_util::sync::CancellationToken;

use skillsync::config::Settings;
use skillsync::platform::Connector;
use skillsync::platform::Platform;
use skillsync::sim::{Faults, SimConfig, Simulator};
use skillsync::telemetry::{init, TelemetrySettings};
use skillsync::telemetry::{LogFormat, LogSettings};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn platform_calls_are_exported_as_spans_over_otlp() {
    let received = Arc::new(AtomicUsize::new(0));
    let seen = received.clone();
    let collector = axum::Router::new().route(
        "/v1/traces",
        post(move |headers: HeaderMap, body: Bytes| {
            let seen = seen.clone();
            async move {
                let protobuf = headers.get("content-type").and_then(|v| v.to_str().ok())
                    == Some("application/x-protobuf");
                if protobuf && !body.is_empty() {
                    seen.fetch_add(1, Ordering::SeqCst);
                }
                ""
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let endpoint = format!("http://{}/v1/traces", listener.local_addr().expect("addr"));
    tokio::spawn(async move { axum::serve(listener, collector).await });

    let log = LogSettings {
        format: LogFormat::Plain,
        level: "info".into(),
    };
    let mut guard = init(
        &log,
        &TelemetrySettings {
            otlp_endpoint: endpoint,
            service_name: "skillsync-test".into(),
        },
    )
    .expect("telemetry");

    let sim = Simulator::build(SimConfig {
        listen: "127.0.0.1:0".into(),
        agents: 5,
        faults: Faults::none(),
        ..SimConfig::default()
    })
    .await
    .expect("sim");
    let mut settings = Settings::defaults().expect("defaults");
    settings.platform.base_url = sim.base_url();
    let stop = CancellationToken::new();
    tokio::spawn(sim.run_until_stopped(stop.clone()));
    let platform = Connector::from_settings(&settings.platform).expect("connector");
    assert_eq!(platform.observe().await.expect("observed").len(), 5);

    tokio::task::spawn_blocking(move || guard.shutdown())
        .await
        .expect("flushed");
    assert!(
        received.load(Ordering::SeqCst) >= 1,
        "the collector received spans"
    );
    stop.cancel();
}
