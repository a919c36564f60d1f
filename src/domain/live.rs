//! `LiveAgent`: one platform user as skillsync sees it — names and canonical proficiencies, no
//! vendor ids. Connectors build it; the planner compares it with the desired state.

use std::collections::{BTreeMap, BTreeSet};

use super::{AgentKey, AgentKeyKind, Name, Proficiency};

/// A platform user's current assignments.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LiveAgent {
    /// The platform's user id.
    pub user_id: String,
    /// Login email, as the platform has it.
    pub email: Option<String>,
    /// HR employee id (Genesys `employerInfo.employeeId`).
    pub employee_id: Option<String>,
    /// Optimistic-concurrency version of the user record.
    pub version: u64,
    /// Routing skills by name.
    pub skills: BTreeMap<Name, Proficiency>,
    /// Routing languages by name.
    pub languages: BTreeMap<Name, Proficiency>,
    /// Certification strings exactly as the platform lists them.
    pub certifications: BTreeSet<String>,
    /// The platform left out the user's expanded fields even when asked for that user alone:
    /// skills and languages were read from their own endpoints, but `certifications` and
    /// `employee_id` are unknown (there is no endpoint for them), not empty.
    pub incomplete: bool,
}

impl LiveAgent {
    /// This user's key of the given kind, normalized as feed keys are; `None` when the platform
    /// has no such attribute for the user.
    pub fn key(&self, kind: AgentKeyKind) -> Option<AgentKey> {
        let raw = match kind {
            AgentKeyKind::Email => self.email.as_deref(),
            AgentKeyKind::EmployeeId => self.employee_id.as_deref(),
        }?;
        AgentKey::parse(kind, raw).ok()
    }

    /// A human label: the email, else the employee id, else the user id.
    pub fn label(&self) -> &str {
        self.email
            .as_deref()
            .or(self.employee_id.as_deref())
            .unwrap_or(&self.user_id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_normalized_like_feed_keys() {
        let agent = LiveAgent {
            user_id: "u1".into(),
            email: Some("Agent00001@Example.com".into()),
            ..LiveAgent::default()
        };
        assert_eq!(
            agent.key(AgentKeyKind::Email),
            Some(AgentKey::Email("agent00001@example.com".into()))
        );
        assert_eq!(agent.key(AgentKeyKind::EmployeeId), None);
        assert_eq!(agent.label(), "Agent00001@Example.com");
    }
}
