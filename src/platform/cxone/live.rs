//! CXone records as skillsync sees them: an agent and its assignments become a [`LiveAgent`]
//! (skills by name, proficiencies on CXone's own 1–20 scale, which is the org's scale); the
//! skill listing becomes the name ↔ id catalog. Pure conversions, no calls.

use std::collections::HashMap;

use super::wire::{Agent, Assignment, CxoneId, Skill};
use crate::domain::{LiveAgent, Name, Proficiency};

/// Skill names and ids of the tenant.
#[derive(Debug, Clone, Default)]
pub struct Catalog {
    by_name: HashMap<Name, CxoneId>,
    by_id: HashMap<CxoneId, Name>,
}

impl Catalog {
    /// The catalog of `skills`. A name given twice keeps its first id (the listing's order),
    /// and a skill without a usable name cannot be managed by name and is left out.
    pub fn new(skills: &[Skill]) -> Self {
        let mut catalog = Self::default();
        for skill in skills {
            let Some(name) = skill
                .skill_name
                .as_deref()
                .and_then(|n| Name::parse(n).ok())
            else {
                continue;
            };
            catalog
                .by_name
                .entry(name.clone())
                .or_insert_with(|| skill.skill_id.clone());
            catalog.by_id.insert(skill.skill_id.clone(), name);
        }
        catalog
    }

    /// The id of the skill named `name`.
    pub fn id(&self, name: &str) -> Option<&CxoneId> {
        self.by_name.get(name)
    }

    /// The name of skill `id`.
    pub fn name(&self, id: &CxoneId) -> Option<&Name> {
        self.by_id.get(id)
    }
}

/// `agent` with `assignments` as skillsync sees it. Skills are named from the catalog, else
/// from the record; an assignment whose proficiency CXone did not give (or gave off its scale)
/// is held at 0, which no CXone value equals, so that it is written again rather than added
/// twice. An inactive assignment is held: CXone refuses to add a skill an agent already has.
pub fn live_agent(agent: &Agent, assignments: &[Assignment], catalog: &Catalog) -> LiveAgent {
    let mut live = LiveAgent {
        user_id: agent.agent_id.to_string(),
        email: agent.email_address.clone().filter(|e| !e.trim().is_empty()),
        employee_id: agent.internal_id.clone(),
        ..LiveAgent::default()
    };
    for record in assignments {
        let name = catalog.name(&record.skill_id).cloned().or_else(|| {
            record
                .skill_name
                .as_deref()
                .and_then(|n| Name::parse(n).ok())
        });
        let Some(name) = name else {
            tracing::warn!(skill = %record.skill_id, agent = %agent.agent_id, "a CXone skill without a usable name is not managed");
            continue;
        };
        let proficiency = record
            .agent_proficiency_value
            .map(Proficiency::from)
            .unwrap_or(Proficiency::MIN);
        live.skills.insert(name, proficiency);
    }
    live
}

#[cfg(test)]
mod tests {
    use super::*;

    fn skill(id: u64, name: &str) -> Skill {
        serde_json::from_value(serde_json::json!({"skillId": id, "skillName": name}))
            .expect("skill")
    }

    fn record(skill: u64, proficiency: serde_json::Value) -> Assignment {
        serde_json::from_value(serde_json::json!({
            "agentId": 7, "skillId": skill, "skillName": "From record",
            "agentProficiencyValue": proficiency,
        }))
        .expect("assignment")
    }

    #[test]
    fn an_agent_reads_with_its_skills_by_name_on_the_cxone_scale() {
        let catalog = Catalog::new(&[skill(10, "Billing"), skill(11, "Sales"), skill(12, " ")]);
        let agent: Agent = serde_json::from_value(serde_json::json!({
            "agentId": 7, "emailAddress": "a@example.com", "internalId": 4711,
        }))
        .expect("agent");
        let live = live_agent(
            &agent,
            &[
                record(10, 1.into()),
                record(11, 20.into()),
                record(99, 3.into()),
                record(12, serde_json::Value::Null),
            ],
            &catalog,
        );
        assert_eq!(live.user_id, "7");
        assert_eq!(live.email.as_deref(), Some("a@example.com"));
        assert_eq!(live.employee_id.as_deref(), Some("4711"));
        let skills: Vec<(&str, String)> = live
            .skills
            .iter()
            .map(|(n, p)| (n.as_str(), p.to_string()))
            .collect();
        assert_eq!(
            skills,
            [
                ("Billing", "1".to_string()),
                ("From record", "0".to_string()),
                ("Sales", "20".to_string()),
            ],
            "unnamed skill 12 falls back to the record's name; 99 is named by the record too"
        );
        assert_eq!(catalog.id("Sales"), Some(&CxoneId::from(11)));
        assert_eq!(catalog.id(" "), None);
    }
}
