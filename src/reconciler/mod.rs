//! The reconciler: the worker that claims a job, observes, plans, turns the plan into work
//! items, converges agents with paced writes and verifies them; its audit journal; and
//! `converge`, the per-agent write/re-plan-on-conflict step the one-shot `apply` uses too, and
//! `converge_batch`, the same for several agents handed to the connector together. Must
//! not serve HTTP, schedule, or read feeds.

mod acknowledged;
mod audit_row;
mod context;
mod converge;
mod converge_batch;
#[cfg(test)]
mod converge_tests;
mod journal;
pub mod retirement;
#[cfg(test)]
pub(crate) mod scripted;
mod settings;
pub mod worker;

pub use audit_row::{audit_intent, audit_outcome, record_result};
pub use context::{Reconciler, ReconcilerSettings};
pub use converge::{converge, AgentOutcome, Target};
pub use converge_batch::converge_batch;
pub use settings::{ReconcileSettings, SkillsSettings};
