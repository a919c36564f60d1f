//! skillsync keeps contact-center agents' routing skills, languages and certifications on a
//! CCaaS platform in line with what HRIS/WFM feeds say they should be. `docs/architecture.md`
//! walks through the rooms below and the path from a feed row to an audit record.
//!
//! # Layout
//! - [`app`]: `skillsync serve` composed: each room's state, leader election, the listeners.
//! - [`certs`]: pure certification timing: in force, next grant or revocation, expiring, warnings.
//! - [`cli`]: the one-shot `plan` and `apply` commands, their rounds and reports.
//! - [`config`]: the typed configuration tree (embedded defaults → file → environment).
//! - [`demo`]: `skillsync demo`: simulator, daemon on SQLite and a sample feed in one process.
//! - [`domain`]: the shared vocabulary: agent keys, names, proficiencies, desired and live state,
//!   planned changes, granularity, secrets.
//! - [`feed`]: reads, validates and normalizes HRIS/WFM feeds (CSV, JSON) into desired state;
//!   pulls `[[sources]]` (`feed::sources`).
//! - [`http`]: the daemon's HTTP API: one file per resource, tokens, errors, OpenAPI.
//! - [`ingest`]: the one path every feed takes, POSTed or pulled: judge, store, queue its job.
//! - [`retire`]: the one path every skill retirement request takes, from the API or the CLI.
//! - [`metrics`]: the Prometheus registry and the state gauges' refresher.
//! - [`notify`]: the certification webhook: signed JSON events, retries, delivery log, queue.
//! - [`planner`]: the pure plan function: desired + live state + policy → changes; safety holds.
//! - [`platform`]: the `Connector` over CCaaS platforms (Genesys Cloud), the vendor-neutral
//!   transport (token cache, pacing, 429 pause, backoff, counting), one folder per vendor.
//! - [`reconciler`]: the worker (claim → observe → plan → work items → writes → verify), its
//!   journal, and `converge`, the per-agent write step the one-shot `apply` uses too.
//! - [`scheduler`]: cron entries → jobs, source pulls, the certification timer and sweep.
//! - [`signals`]: the wake-ups the daemon's parts share.
//! - [`telemetry`]: tracing subscriber setup (plain or JSON).
//! - [`store`]: every SQL query, written once over PostgreSQL and SQLite: feeds and desired state,
//!   observed agents, job queue and work items, audit log, webhook deliveries, leadership.
//! - [`sim`]: the Genesys Cloud simulator every test, benchmark and demo runs against.

pub mod app;
pub mod certs;
pub mod cli;
pub mod config;
pub mod demo;
pub mod domain;
pub mod feed;
pub mod http;
pub mod ingest;
pub mod metrics;
pub mod notify;
pub mod planner;
pub mod platform;
pub mod reconciler;
pub mod retire;
pub mod scheduler;
pub mod signals;
pub mod sim;
pub mod store;
pub mod telemetry;
