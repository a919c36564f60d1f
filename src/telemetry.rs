//! Process-wide tracing: log lines (plain or JSON) filtered by config or `RUST_LOG`, and — when
//! `telemetry.otlp_endpoint` is set — spans exported over OTLP/HTTP (a span per job, per agent
//! and per platform call).

use opentelemetry::trace::TracerProvider as _;
use opentelemetry_sdk::trace::SdkTracerProvider;
use serde::{Deserialize, Serialize};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{fmt, EnvFilter};

/// How log lines are written.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct LogSettings {
    /// `plain` or `json`.
    pub format: LogFormat,
    /// A `tracing` filter directive such as `info` or `skillsync=debug,info`.
    pub level: String,
}

/// Log line format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// Human-readable lines.
    Plain,
    /// One JSON object per line.
    Json,
}

/// `[telemetry]`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct TelemetrySettings {
    /// OTLP/HTTP traces endpoint, e.g. `http://otel-collector:4318/v1/traces`; empty = off.
    pub otlp_endpoint: String,
    /// `service.name` of exported spans.
    pub service_name: String,
}

impl Default for TelemetrySettings {
    fn default() -> Self {
        Self {
            otlp_endpoint: String::new(),
            service_name: "skillsync".into(),
        }
    }
}

/// Flushes exported spans when dropped; keep it alive for the life of the process.
#[must_use = "spans are flushed when the guard is dropped"]
pub struct TelemetryGuard {
    provider: Option<SdkTracerProvider>,
}

impl TelemetryGuard {
    /// Exports what is buffered and stops the exporter.
    pub fn shutdown(&mut self) {
        if let Some(provider) = self.provider.take() {
            if let Err(e) = provider.shutdown() {
                eprintln!("skillsync: cannot flush traces: {e}");
            }
        }
    }
}

impl Drop for TelemetryGuard {
    fn drop(&mut self) {
        self.shutdown();
    }
}

/// Why tracing could not be set up.
#[derive(Debug, thiserror::Error)]
#[error("cannot set up OTLP export to {endpoint}: {reason}")]
pub struct TelemetryError {
    endpoint: String,
    reason: String,
}

fn provider(settings: &TelemetrySettings) -> Result<Option<SdkTracerProvider>, TelemetryError> {
    if settings.otlp_endpoint.trim().is_empty() {
        return Ok(None);
    }
    let error = |reason: String| TelemetryError {
        endpoint: settings.otlp_endpoint.clone(),
        reason,
    };
    use opentelemetry_otlp::WithExportConfig;
    let exporter = opentelemetry_otlp::SpanExporter::builder()
        .with_http()
        .with_endpoint(settings.otlp_endpoint.trim())
        .build()
        .map_err(|e| error(e.to_string()))?;
    let resource = opentelemetry_sdk::Resource::builder()
        .with_service_name(settings.service_name.clone())
        .build();
    Ok(Some(
        SdkTracerProvider::builder()
            .with_batch_exporter(exporter)
            .with_resource(resource)
            .build(),
    ))
}

/// Installs the global subscriber. Call once, first thing in `main`.
pub fn init(
    log: &LogSettings,
    telemetry: &TelemetrySettings,
) -> Result<TelemetryGuard, TelemetryError> {
    let filter = EnvFilter::try_from_default_env()
        .or_else(|_| EnvFilter::try_new(&log.level))
        .unwrap_or_else(|_| EnvFilter::new("info"));
    let provider = provider(telemetry)?;
    let otel = provider
        .as_ref()
        .map(|p| tracing_opentelemetry::layer().with_tracer(p.tracer("skillsync")));
    let json = log.format == LogFormat::Json;
    // Colour codes only for a person at a terminal: in a file or a log collector they are noise.
    let colour = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let plain = (!json).then(|| fmt::layer().with_ansi(colour).with_writer(std::io::stderr));
    let structured = json.then(|| {
        fmt::layer()
            .json()
            .flatten_event(true)
            .with_writer(std::io::stderr)
    });
    // A second init (tests, embedding) is harmless, so the error is ignored on purpose.
    let _ = tracing_subscriber::registry()
        .with(filter)
        .with(plain)
        .with(structured)
        .with(otel)
        .try_init();
    Ok(TelemetryGuard { provider })
}
