//! What an apply run did, for the end-of-run summary and its exit code.

use std::time::Duration;

use serde::Serialize;

use crate::planner::{Plan, SafetyViolation};
use crate::platform::CallCounts;

/// An agent that did not converge, and why.
#[derive(Debug, Clone, Serialize)]
pub struct AgentFailure {
    /// Email, employee id or user id.
    pub agent: String,
    /// Platform user id.
    pub user_id: String,
    /// The platform's message and correlation id, or why verification failed.
    pub reason: String,
}

/// The outcome of one `apply`.
#[derive(Debug, Clone, Serialize)]
pub struct ApplyReport {
    /// The plan as first computed.
    pub plan: Plan,
    /// Agents written to.
    pub agents_changed: usize,
    /// Agents verified to match after writing.
    pub agents_converged: usize,
    /// Agents that failed or still differ.
    pub failures: Vec<AgentFailure>,
    /// Verify-and-repair rounds run.
    pub rounds: u32,
    /// Platform calls.
    pub calls: CallCounts,
    /// Wall-clock time.
    #[serde(serialize_with = "seconds")]
    pub elapsed: Duration,
}

fn seconds<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_f64(d.as_secs_f64())
}

impl ApplyReport {
    /// True when every planned agent converged and every feed agent was found.
    pub fn converged(&self) -> bool {
        self.failures.is_empty() && self.plan.unmatched.is_empty()
    }
}

/// Why `apply` did not run.
#[derive(Debug, thiserror::Error)]
pub enum ApplyError {
    /// The live state could not be read.
    #[error("cannot read the platform: {0}")]
    Observe(#[from] crate::platform::PlatformError),
    /// The plan trips a safety threshold and was not approved.
    #[error("refusing to apply without --approve: {}", describe(.0))]
    Held(Vec<SafetyViolation>, Box<Plan>),
}

fn describe(violations: &[SafetyViolation]) -> String {
    violations
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}
