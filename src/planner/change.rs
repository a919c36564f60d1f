//! The planner's output: per agent, the additions, updates and removals that make the platform
//! match the desired state, sorted and deterministic.

use std::fmt;

use serde::Serialize;

use super::certifications::Timing;
use crate::domain::{AgentKey, AssignmentKind, Name, Proficiency};

/// What happens to one assignment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Assign it (with this proficiency, for skills and languages).
    Add(Option<Proficiency>),
    /// Change its proficiency.
    Update {
        /// Live value.
        from: Proficiency,
        /// Desired value, at the platform's granularity.
        to: Proficiency,
    },
    /// Take it away (it had this proficiency).
    Remove(Option<Proficiency>),
}

/// One planned change to one agent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// Skill, language or certification.
    pub kind: AssignmentKind,
    /// Platform name.
    pub name: Name,
    /// What to do.
    pub action: Action,
    /// False under the `report` policy: shown, never written.
    pub writable: bool,
    /// Why, when a rule rather than a feed row caused it (certification windows, gate skills).
    pub rule: Option<String>,
    /// For certifications: when the change took effect and when the certification expires.
    /// Not part of the plan's JSON: the webhook events carry it.
    pub timing: Timing,
}

impl Change {
    /// Removals and proficiency decreases: what the safety thresholds count.
    pub fn is_destructive(&self) -> bool {
        match self.action {
            Action::Remove(_) => true,
            Action::Update { from, to } => to < from,
            Action::Add(_) => false,
        }
    }

    /// `+`, `~` or `-`.
    pub fn symbol(&self) -> char {
        match self.action {
            Action::Add(_) => '+',
            Action::Update { .. } => '~',
            Action::Remove(_) => '-',
        }
    }
}

impl fmt::Display for Change {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} {}", self.symbol(), self.kind, self.name)?;
        match self.action {
            Action::Add(Some(p)) | Action::Remove(Some(p)) => write!(f, " ({p})")?,
            Action::Update { from, to } => write!(f, " {from} -> {to}")?,
            Action::Add(None) | Action::Remove(None) => {}
        }
        if !self.writable {
            f.write_str(" [report only]")?;
        }
        Ok(())
    }
}

impl Serialize for Change {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let (action, from, to) = match self.action {
            Action::Add(p) => ("add", None, p),
            Action::Update { from, to } => ("update", Some(from), Some(to)),
            Action::Remove(p) => ("remove", p, None),
        };
        let mut st = s.serialize_struct("Change", 7)?;
        st.serialize_field("action", action)?;
        st.serialize_field("type", self.kind.as_str())?;
        st.serialize_field("name", self.name.as_str())?;
        st.serialize_field("from", &from.map(Proficiency::value))?;
        st.serialize_field("to", &to.map(Proficiency::value))?;
        st.serialize_field("writable", &self.writable)?;
        if let Some(rule) = &self.rule {
            st.serialize_field("rule", rule)?;
        } else {
            st.skip_field("rule")?;
        }
        st.end()
    }
}

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
}

impl Plan {
    /// True when nothing would be written.
    pub fn is_empty(&self) -> bool {
        self.agents.iter().all(|a| !a.has_writes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(v: f64) -> Proficiency {
        Proficiency::nearest(v).expect("in range")
    }

    fn change(action: Action) -> Change {
        Change {
            kind: AssignmentKind::Skill,
            name: Name::parse("Billing_L1").expect("name"),
            action,
            writable: true,
            rule: None,
            timing: Timing::default(),
        }
    }

    #[test]
    fn changes_display_like_a_terraform_plan() {
        assert_eq!(
            change(Action::Add(Some(p(3.0)))).to_string(),
            "+ skill Billing_L1 (3)"
        );
        assert_eq!(
            change(Action::Update {
                from: p(2.0),
                to: p(4.5)
            })
            .to_string(),
            "~ skill Billing_L1 2 -> 4.5"
        );
        let mut removal = change(Action::Remove(Some(p(1.0))));
        removal.writable = false;
        assert_eq!(removal.to_string(), "- skill Billing_L1 (1) [report only]");
    }

    #[test]
    fn removals_and_downgrades_are_destructive_upgrades_are_not() {
        assert!(change(Action::Remove(None)).is_destructive());
        assert!(change(Action::Update {
            from: p(4.0),
            to: p(3.0)
        })
        .is_destructive());
        assert!(!change(Action::Update {
            from: p(3.0),
            to: p(4.0)
        })
        .is_destructive());
        assert!(!change(Action::Add(None)).is_destructive());
    }
}
