//! What the planner may do per attribute (`enforce`, `additive`, `report`) and at what
//! granularity the platform stores proficiencies.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::ownership::Ownership;
use crate::domain::{AgentKeyKind, AssignmentKind, Proficiency};

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

/// The smallest proficiency difference a platform stores.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// 0, 0.5, 1, … 5.
    Half,
    /// 0, 1, … 5 (Genesys rounds language proficiency to whole numbers).
    Whole,
}

impl Step {
    /// `p` as the platform will store it (halves round up, as the platform rounds).
    pub fn quantize(self, p: Proficiency) -> Proficiency {
        match self {
            Self::Half => p,
            Self::Whole => {
                let rounded = p.half_steps().div_ceil(2) * 2;
                Proficiency::from_half_steps(rounded).unwrap_or(Proficiency::MAX)
            }
        }
    }
}

/// A platform's granularity per rated attribute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Granularity {
    /// Routing skills.
    pub skills: Step,
    /// Routing languages.
    pub languages: Step,
}

impl Granularity {
    /// Genesys Cloud: skills in half steps, languages whole.
    pub const GENESYS: Self = Self {
        skills: Step::Half,
        languages: Step::Whole,
    };

    /// The step for one kind (certifications have no proficiency; `Half` is a no-op).
    pub fn of(&self, kind: AssignmentKind) -> Step {
        match kind {
            AssignmentKind::Language => self.languages,
            AssignmentKind::Skill | AssignmentKind::Certification => self.skills,
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

    fn p(v: f64) -> Proficiency {
        Proficiency::nearest(v).expect("in range")
    }

    #[test]
    fn whole_steps_round_halves_up_and_half_steps_keep_everything() {
        assert_eq!(Step::Whole.quantize(p(3.5)), p(4.0));
        assert_eq!(Step::Whole.quantize(p(3.0)), p(3.0));
        assert_eq!(Step::Whole.quantize(p(4.5)), p(5.0));
        assert_eq!(Step::Half.quantize(p(3.5)), p(3.5));
    }

    #[test]
    fn additive_never_removes_and_report_never_writes() {
        assert!(!AttributePolicy::Additive.removes() && AttributePolicy::Additive.writes());
        assert!(AttributePolicy::Report.removes() && !AttributePolicy::Report.writes());
        assert!(AttributePolicy::Enforce.removes() && AttributePolicy::Enforce.writes());
    }
}
