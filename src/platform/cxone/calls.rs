//! The NICE CXone call kinds, with stable labels for summaries, metrics and benchmarks. Only
//! names and the read/write flag live here, no paths.

use crate::platform::CallKind;

/// Minting an access-key token.
pub const TOKEN: CallKind = CallKind::TOKEN;
/// A page of agents.
pub const LIST_AGENTS: CallKind = CallKind::read("list_agents");
/// A page of skill definitions.
pub const LIST_SKILLS: CallKind = CallKind::read("list_skills");
/// A page of the tenant's agent–skill assignments.
pub const LIST_ASSIGNMENTS: CallKind = CallKind::read("list_assignments");
/// One agent's skills.
pub const GET_AGENT_SKILLS: CallKind = CallKind::read("get_agent_skills");
/// Adding skills to one agent.
pub const ADD_AGENT_SKILLS: CallKind = CallKind::write("add_agent_skills");
/// Changing one agent's skills.
pub const MODIFY_AGENT_SKILLS: CallKind = CallKind::write("modify_agent_skills");
/// Removing skills from one agent.
pub const DELETE_AGENT_SKILLS: CallKind = CallKind::write("delete_agent_skills");
/// Adding agents to one skill.
pub const ADD_SKILL_AGENTS: CallKind = CallKind::write("add_skill_agents");
/// Changing agents of one skill.
pub const MODIFY_SKILL_AGENTS: CallKind = CallKind::write("modify_skill_agents");
/// Removing one agent from one skill.
pub const DELETE_SKILL_AGENT: CallKind = CallKind::write("delete_skill_agent");

/// Changing one skill definition (deactivating it, to retire it).
pub const UPDATE_SKILL: CallKind = CallKind::write("update_skill");

/// All kinds, in the order reports list them.
pub const ALL: [CallKind; 12] = [
    TOKEN,
    LIST_AGENTS,
    LIST_SKILLS,
    LIST_ASSIGNMENTS,
    GET_AGENT_SKILLS,
    ADD_AGENT_SKILLS,
    MODIFY_AGENT_SKILLS,
    DELETE_AGENT_SKILLS,
    ADD_SKILL_AGENTS,
    MODIFY_SKILL_AGENTS,
    DELETE_SKILL_AGENT,
    UPDATE_SKILL,
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_unique_and_writes_are_marked() {
        let labels: std::collections::BTreeSet<&str> = ALL.iter().map(|k| k.label()).collect();
        assert_eq!(labels.len(), ALL.len());
        let writes: Vec<&str> = ALL
            .iter()
            .filter(|k| k.is_write())
            .map(|k| k.label())
            .collect();
        assert_eq!(
            writes,
            [
                "add_agent_skills",
                "modify_agent_skills",
                "delete_agent_skills",
                "add_skill_agents",
                "modify_skill_agents",
                "delete_skill_agent",
                "update_skill"
            ]
        );
    }
}
