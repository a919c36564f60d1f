//! skillsync keeps contact-center agents' routing skills, languages and certifications on a
//! CCaaS platform in line with what HRIS/WFM feeds say they should be.
//!
//! # Layout
//! - [`apply`]: one-shot apply: observe, plan, safety, concurrent writes, settle, verify, repair.
//! - [`certs`]: pure certification timing: in force, next grant or revocation, expiring, warnings.
//! - [`cli`]: the one-shot `plan` and `apply` commands and their reports.
//! - [`config`]: the typed configuration tree (embedded defaults → file → environment).
//! - [`daemon`]: `skillsync serve`: worker, scheduler, ingest, HTTP API, metrics.
//! - [`demo`]: `skillsync demo`: simulator, daemon on SQLite and a sample feed in one process.
//! - [`domain`]: the desired-state types (agent keys, names, proficiencies, certifications).
//! - [`feed`]: reads, validates and normalizes HRIS/WFM feeds (CSV, JSON) into desired state.
//! - [`notify`]: the certification webhook: signed JSON events, retries, delivery log, queue.
//! - [`planner`]: the pure plan function: desired + live state + policy → changes; safety holds.
//! - [`platform`]: connectors to CCaaS platforms (Genesys Cloud): pacing, retries, wire types.
//! - [`telemetry`]: tracing subscriber setup (plain or JSON).
//! - [`store`]: PostgreSQL or SQLite: feeds and desired state, observed agents, job queue, audit log.
//! - [`sim`]: the Genesys Cloud simulator every test, benchmark and demo runs against.

pub mod apply;
pub mod certs;
pub mod cli;
pub mod config;
pub mod daemon;
pub mod demo;
pub mod domain;
pub mod feed;
pub mod notify;
pub mod planner;
pub mod platform;
pub mod sim;
pub mod store;
pub mod telemetry;
