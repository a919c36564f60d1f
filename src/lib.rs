//! skillsync keeps contact-center agents' routing skills, languages and certifications on a
//! CCaaS platform in line with what HRIS/WFM feeds say they should be.
//!
//! # Layout
//! - [`config`]: the typed configuration tree (embedded defaults → file → environment).
//! - [`telemetry`]: tracing subscriber setup (plain or JSON).
//! - [`sim`]: the Genesys Cloud simulator every test, benchmark and demo runs against.

pub mod config;
pub mod sim;
pub mod telemetry;
