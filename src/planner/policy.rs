//! What the planner may do per attribute (`enforce`, `additive`, `report`), on which scale and
//! at what granularity the platform stores proficiencies, and which kinds it stores at all.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::certifications::{CertificationRules, GateError};
use super::deferral::AfterMaxDefer;
use super::ownership::{Ownership, OwnershipError, OwnershipSettings};
use crate::domain::{AgentKeyKind, AssignmentKind, Granularity, Name, SeenNames};
use crate::feed::CertificationSettings;

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

/// `[policy]` in the configuration: what may be written per attribute, and when routine
/// changes may land (see [`super::DeferralRules`]).
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct PolicySettings {
    /// Routing skills.
    pub skills: AttributePolicy,
    /// Routing languages.
    pub languages: AttributePolicy,
    /// Certifications.
    pub certifications: AttributePolicy,
    /// Routing statuses (and scheduled activity categories) during which routine changes wait.
    pub defer_when: Vec<String>,
    /// Seconds a busy agent's routine changes wait at most.
    pub max_defer_secs: f64,
    /// What happens after that.
    pub after_max_defer: AfterMaxDefer,
    /// Seconds between re-reads of the deferred agents.
    pub defer_recheck_secs: f64,
    /// `HH:MM-HH:MM` windows in `reconcile.time_zone` outside which routine changes wait;
    /// empty: always.
    pub change_windows: Vec<String>,
}

impl Default for PolicySettings {
    fn default() -> Self {
        Self {
            skills: AttributePolicy::default(),
            languages: AttributePolicy::default(),
            certifications: AttributePolicy::default(),
            defer_when: vec!["INTERACTING".into(), "COMMUNICATING".into()],
            max_defer_secs: 7200.0,
            after_max_defer: AfterMaxDefer::default(),
            defer_recheck_secs: 60.0,
            change_windows: Vec::new(),
        }
    }
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
    /// The platform's scales and the kinds it stores.
    pub granularity: Granularity,
    /// The instant certification windows are evaluated at.
    pub now: DateTime<Utc>,
    /// Certification margin and gate skills.
    pub certifications: CertificationRules,
    /// Routine changes are planned but not written (the agent is busy, or the change window is
    /// closed): only urgent ones are.
    pub hold_routine: bool,
    /// Skills whose retirement has begun: removed from every agent holding them, whatever the
    /// feeds and the managed scope say (an operator retired them explicitly).
    pub retiring: BTreeSet<Name>,
}

/// The configuration a [`Policy`] is built from: the parts of `[feed]`, `[policy]`,
/// `[ownership]` and `[certifications]` the planner reads (the composition root picks them out,
/// so that the planner does not depend on the whole configuration tree).
#[derive(Debug, Clone, Default)]
pub struct PlannerSettings {
    /// How feed agents are matched to platform users.
    pub agent_key: AgentKeyKind,
    /// `[policy]`.
    pub attributes: PolicySettings,
    /// `[ownership]`.
    pub ownership: OwnershipSettings,
    /// `[feed.certifications.*]`: validity and gate skills.
    pub certifications: BTreeMap<String, CertificationSettings>,
    /// `[certifications]` safety margin.
    pub margin: Duration,
}

/// The planner configuration cannot work.
#[derive(Debug, thiserror::Error)]
pub enum PolicyError {
    /// `[ownership]`.
    #[error(transparent)]
    Ownership(#[from] OwnershipError),
    /// `[feed.certifications.*]` gates.
    #[error(transparent)]
    Gate(#[from] GateError),
}

impl Policy {
    /// The one way a policy is made, by the daemon and by the one-shot commands alike: the
    /// managed scope widens to the names in `seen`.
    pub fn build(
        settings: &PlannerSettings,
        granularity: Granularity,
        seen: &SeenNames,
        now: DateTime<Utc>,
    ) -> Result<Self, PolicyError> {
        Ok(Self {
            agent_key: settings.agent_key,
            attributes: settings.attributes.clone(),
            ownership: Ownership::build(&settings.ownership, seen)?,
            certifications: CertificationRules::new(
                &settings.certifications,
                settings.margin,
                &granularity,
            )?,
            granularity,
            now,
            hold_routine: false,
            retiring: BTreeSet::new(),
        })
    }
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
