//! The names accepted feeds have mentioned: the default managed scope of each attribute.

use std::collections::BTreeSet;

/// Names seen in feeds, per attribute: the default managed scope.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SeenNames {
    /// Skill names.
    pub skills: BTreeSet<String>,
    /// Language names.
    pub languages: BTreeSet<String>,
    /// Certification names.
    pub certifications: BTreeSet<String>,
}

impl SeenNames {
    /// The names one desired state mentions.
    pub fn of(state: &super::DesiredState) -> Self {
        let mut seen = Self::default();
        for agent in state.agents.values() {
            seen.skills
                .extend(agent.skills.keys().map(|n| n.to_string()));
            seen.languages
                .extend(agent.languages.keys().map(|n| n.to_string()));
            seen.certifications
                .extend(agent.certifications.keys().map(|n| n.to_string()));
        }
        seen
    }
}
