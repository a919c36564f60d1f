//! What the planner may do per attribute (`enforce`, `additive`, `report`) and at what
//! granularity the platform stores proficiencies.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::ownership::Ownership;
use crate::domain::{AgentKeyKind, AssignmentKind, Granularity};

/// How one attribute is reconciled.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum AttributePolicy {
    /// Add, update and remove until the platform matches.
    #[default]
    Enforce,
    /// Add and update; never remove.
    Additive,
    /// Plan everything, write nothing.
    Report,
}

impl AttributePolicy {
    /// Whether managed assignments missing from the desired state are planned for removal.
    pub fn removes(self) -> bool {
        !matches!(self, Self::Additive)
    }

    /// Whether planned changes are written.
    pub fn writes(self) -> bool {
        !matches!(self, Self::Report)
    }
}

/// `[policy]` in the configuration.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct PolicySettings {
    /// Routing skills.
    pub skills: AttributePolicy,
    /// Routing languages.
    pub languages: AttributePolicy,
    /// Certifications.
    pub certifications: AttributePolicy,
}

impl PolicySettings {
    /// The policy for one kind of assignment.
    pub fn of(&self, kind: AssignmentKind) -> AttributePolicy {
        match kind {
            AssignmentKind::Skill => self.skills,
            AssignmentKind::Language => self.languages,
            AssignmentKind::Certification => self.certifications,
        }
    }
}

/// Everything the planner needs besides the two states.
#[derive(Debug, Clone)]
pub struct Policy {
    /// How feed agents are matched to platform users.
    pub agent_key: AgentKeyKind,
    /// Per-attribute policies.
    pub attributes: PolicySettings,
    /// Which names skillsync owns.
    pub ownership: Ownership,
    /// The platform's proficiency granularity.
    pub granularity: Granularity,
    /// The instant certification windows are evaluated at.
    pub now: DateTime<Utc>,
    /// Certification margin and gate skills.
    pub certifications: super::CertificationRules,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn additive_never_removes_and_report_never_writes() {
        assert!(!AttributePolicy::Additive.removes() && AttributePolicy::Additive.writes());
        assert!(AttributePolicy::Report.removes() && !AttributePolicy::Report.writes());
        assert!(AttributePolicy::Enforce.removes() && AttributePolicy::Enforce.writes());
    }
}
