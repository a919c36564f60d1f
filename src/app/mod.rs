//! `skillsync serve`: the long-running daemon. `app` composes it; `worker` runs jobs (plan,
//! write, verify) from the PostgreSQL queue; `scheduler` fires scans and feed pulls; `ingest` is
//! the one path every feed takes; `http` is the API; `metrics` the Prometheus registry.

pub mod app;
mod certifications;
mod config;
mod context;
mod gauges;
mod ingest;
mod journal;
mod leader;
pub mod metrics;
mod scheduler;
mod worker;

pub mod http;

pub use app::Application;
pub use config::{DatabaseSettings, ServerSettings, SourceSettings};
pub use context::Context;
pub use ingest::{ingest, IngestError, IngestOutcome, IngestRequest};
