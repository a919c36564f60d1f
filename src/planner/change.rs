//! The planner's output: per agent, the additions, updates and removals that make the platform
//! match the desired state, sorted and deterministic.

use std::collections::BTreeSet;

use serde::Serialize;

use crate::domain::{AgentKey, AssignmentKind, Change, Name};

/// The changes for one platform user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AgentPlan {
    /// The feed key, when the agent is in the feed (snapshot removals may address agents that
    /// are not).
    #[serde(serialize_with = "key_text")]
    pub key: Option<AgentKey>,
    /// Platform user id.
    pub user_id: String,
    /// Email, employee id or user id, for people.
    pub label: String,
    /// Sorted by kind, then name.
    pub changes: Vec<Change>,
}

fn key_text<S: serde::Serializer>(key: &Option<AgentKey>, s: S) -> Result<S::Ok, S::Error> {
    match key {
        Some(k) => s.serialize_some(k.as_str()),
        None => s.serialize_none(),
    }
}

impl AgentPlan {
    /// True when something would be written.
    pub fn has_writes(&self) -> bool {
        self.changes.iter().any(|c| c.writable)
    }
}

/// Why a feed agent has no plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Unmatched {
    /// The feed key.
    #[serde(serialize_with = "plain_key")]
    pub key: AgentKey,
    /// `not found` or how many users share the key.
    pub reason: String,
}

fn plain_key<S: serde::Serializer>(key: &AgentKey, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(key.as_str())
}

/// A desired assignment outside the managed scope, left alone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Ignored {
    /// Agent label.
    pub agent: String,
    /// Skill, language or certification.
    #[serde(serialize_with = "kind_text")]
    pub kind: AssignmentKind,
    /// The name.
    #[serde(serialize_with = "name_text")]
    pub name: Name,
}

fn kind_text<S: serde::Serializer>(kind: &AssignmentKind, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(kind.as_str())
}

fn name_text<S: serde::Serializer>(name: &Name, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(name.as_str())
}

/// Totals over a plan.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct PlanCounts {
    /// Agents with at least one change.
    pub agents: usize,
    /// Additions.
    pub additions: usize,
    /// Proficiency changes.
    pub updates: usize,
    /// Removals.
    pub removals: usize,
    /// Writable removals and downgrades.
    pub destructive: usize,
    /// Managed assignments currently on the platform (the base of the percentage threshold).
    pub managed_assignments: usize,
    /// Platform users holding at least one managed assignment.
    pub managed_agents: usize,
}

/// The whole plan.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Plan {
    /// Agents with changes, sorted by label.
    pub agents: Vec<AgentPlan>,
    /// Feed agents with no (or no unique) platform user.
    pub unmatched: Vec<Unmatched>,
    /// Desired assignments outside the managed scope.
    pub ignored: Vec<Ignored>,
    /// Totals.
    pub counts: PlanCounts,
    /// Skills being retired that the plan removes: an operator approved those removals, so the
    /// safety thresholds and the coverage guard do not count them.
    #[serde(skip)]
    pub retiring: BTreeSet<String>,
}

impl Plan {
    /// True when nothing would be written.
    pub fn is_empty(&self) -> bool {
        self.agents.iter().all(|a| !a.has_writes())
    }
}
