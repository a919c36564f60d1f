//! `LiveAgent`: one platform user as skillsync sees it — names and canonical proficiencies, no
//! vendor ids. Connectors build it; the planner compares it with the desired state.

use std::collections::{BTreeMap, BTreeSet};

use super::{Action, AgentKey, AgentKeyKind, AssignmentKind, Change, Name, Proficiency, Routing};

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
    /// What the agent is doing, when the read carried it (Genesys Cloud's `routingStatus`
    /// expansion, best effort); `None` when unknown.
    pub routing: Option<Routing>,
    /// The user's division (by name), when the platform has divisions.
    pub division: Option<String>,
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

    /// This agent as it is once `change` has landed: what a read sees after the platform has
    /// caught up. A change that does nothing to this kind of assignment leaves it as it is.
    pub fn with_landed(&mut self, change: &Change) {
        let name = &change.name;
        match (change.kind, change.action) {
            (AssignmentKind::Certification, Action::Add(_)) => {
                self.certifications.insert(name.to_string());
            }
            (AssignmentKind::Certification, Action::Remove(_)) => {
                self.certifications.remove(name.as_str());
            }
            (AssignmentKind::Certification, Action::Update { .. }) => {}
            (kind, Action::Add(Some(to)) | Action::Update { to, .. }) => {
                self.rated_mut(kind).insert(name.clone(), to);
            }
            (_, Action::Add(None)) => {}
            (kind, Action::Remove(_)) => {
                self.rated_mut(kind).remove(name);
            }
        }
    }

    fn rated_mut(&mut self, kind: AssignmentKind) -> &mut BTreeMap<Name, Proficiency> {
        if kind == AssignmentKind::Language {
            &mut self.languages
        } else {
            &mut self.skills
        }
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

    #[test]
    fn a_landed_change_shows_as_a_caught_up_read_would_show_it() {
        let name = |s: &str| Name::parse(s).expect("name");
        let p = |v: f64| Proficiency::nearest(v).expect("proficiency");
        let mut agent = LiveAgent::default();
        agent.skills.insert(name("Old"), p(2.0));
        agent.skills.insert(name("Gone"), p(1.0));
        agent.certifications.insert("Lapsed".into());
        let landed = [
            (AssignmentKind::Skill, "New", Action::Add(Some(p(3.0)))),
            (
                AssignmentKind::Skill,
                "Old",
                Action::Update {
                    from: p(2.0),
                    to: p(4.5),
                },
            ),
            (AssignmentKind::Skill, "Gone", Action::Remove(Some(p(1.0)))),
            (
                AssignmentKind::Language,
                "German",
                Action::Add(Some(p(5.0))),
            ),
            (AssignmentKind::Certification, "PCI", Action::Add(None)),
            (
                AssignmentKind::Certification,
                "Lapsed",
                Action::Remove(None),
            ),
        ];
        for (kind, n, action) in landed {
            agent.with_landed(&Change::new(kind, name(n), action, true));
        }
        let skills: Vec<(&str, f64)> = agent
            .skills
            .iter()
            .map(|(n, p)| (n.as_str(), p.value()))
            .collect();
        assert_eq!(skills, [("New", 3.0), ("Old", 4.5)]);
        assert_eq!(agent.languages.get(&name("German")), Some(&p(5.0)));
        assert_eq!(
            agent.certifications.iter().collect::<Vec<_>>(),
            ["PCI"],
            "granted and lapsed"
        );
    }
}
