//! NICE CXone write bodies. CXone answers a root-level array with 400 ("Expected object, but
//! got array"), so every body is a wrapping object, and the [`WriteBody`] types here are the
//! only ones the writes accept: no other shape can be sent. Proficiencies are
//! [`CxoneProficiency`], so none is out of range.

use serde::Serialize;

use super::proficiency::CxoneProficiency;
use super::wire::CxoneId;

mod sealed {
    pub trait Sealed {}
}

/// A body a CXone write may carry: one of the wrapping objects of this module.
pub trait WriteBody: Serialize + sealed::Sealed + Send + Sync {}

/// One skill of an agent, added or modified.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SkillGrant {
    /// The skill.
    pub skill_id: CxoneId,
    /// 1 (highest) to 20.
    pub proficiency: CxoneProficiency,
    /// Whether the assignment is active.
    pub is_active: bool,
}

/// `POST` (add) or `PUT` (modify) `/agents/{agentId}/skills`: `{"skills":[…]}`.
#[derive(Debug, Clone, Serialize)]
pub struct AgentSkills {
    skills: Vec<SkillGrant>,
}

impl AgentSkills {
    /// The body for `skills` of one agent.
    pub fn new(skills: Vec<SkillGrant>) -> Self {
        Self { skills }
    }

    /// The skills carried.
    pub fn skills(&self) -> &[SkillGrant] {
        &self.skills
    }
}

/// One skill to take from an agent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SkillRef {
    /// The skill.
    pub skill_id: CxoneId,
}

/// `DELETE /agents/{agentId}/skills` with the body `{"skills":[{"skillId"}]}`.
#[derive(Debug, Clone, Serialize)]
pub struct AgentSkillRemovals {
    skills: Vec<SkillRef>,
}

impl AgentSkillRemovals {
    /// The body removing `skill_ids` from one agent.
    pub fn new(skill_ids: impl IntoIterator<Item = CxoneId>) -> Self {
        Self {
            skills: skill_ids
                .into_iter()
                .map(|skill_id| SkillRef { skill_id })
                .collect(),
        }
    }

    /// The skills carried.
    pub fn skills(&self) -> &[SkillRef] {
        &self.skills
    }
}

/// One agent of a skill, added or modified.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AgentGrant {
    /// The agent.
    pub agent_id: CxoneId,
    /// 1 (highest) to 20.
    pub proficiency: CxoneProficiency,
    /// Whether the assignment is active.
    pub is_active: bool,
}

/// `POST` (add) or `PUT` (modify) `/skills/{skillId}/agents`: `{"agents":[…]}`.
#[derive(Debug, Clone, Serialize)]
pub struct SkillAgents {
    agents: Vec<AgentGrant>,
}

impl SkillAgents {
    /// The body for `agents` of one skill.
    pub fn new(agents: Vec<AgentGrant>) -> Self {
        Self { agents }
    }

    /// Bodies of at most `batch` agents each (`platform.write_batch_size`; 0 counts as 1).
    pub fn batches(agents: Vec<AgentGrant>, batch: usize) -> Vec<Self> {
        agents
            .chunks(batch.max(1))
            .map(|chunk| Self::new(chunk.to_vec()))
            .collect()
    }

    /// The agents carried.
    pub fn agents(&self) -> &[AgentGrant] {
        &self.agents
    }
}

/// The settings of one skill a `PUT /skills/{skillId}` changes; absent ones are left as they
/// are, so only what skillsync means to change is ever sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SkillSettings {
    /// Whether the skill is active.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_active: Option<bool>,
}

/// `PUT /skills/{skillId}`: `{"skill":{…}}`.
#[derive(Debug, Clone, Serialize)]
pub struct SkillUpdate {
    skill: SkillSettings,
}

impl SkillUpdate {
    /// The body deactivating a skill: `{"skill":{"isActive":false}}`. CXone skills cannot be
    /// deleted through the API, so this is how a definition is retired.
    pub fn deactivate() -> Self {
        Self {
            skill: SkillSettings {
                is_active: Some(false),
            },
        }
    }
}

impl sealed::Sealed for AgentSkills {}
impl sealed::Sealed for AgentSkillRemovals {}
impl sealed::Sealed for SkillAgents {}
impl sealed::Sealed for SkillUpdate {}
impl WriteBody for AgentSkills {}
impl WriteBody for AgentSkillRemovals {}
impl WriteBody for SkillAgents {}
impl WriteBody for SkillUpdate {}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(v: i64) -> CxoneProficiency {
        CxoneProficiency::new(v).expect("in range")
    }

    fn json<B: WriteBody>(body: &B) -> serde_json::Value {
        serde_json::to_value(body).expect("serializes")
    }

    #[test]
    fn every_body_is_an_object_wrapping_its_list() {
        let grants = AgentSkills::new(vec![SkillGrant {
            skill_id: CxoneId::from(2001),
            proficiency: p(1),
            is_active: true,
        }]);
        assert_eq!(
            json(&grants),
            serde_json::json!({"skills":[{"skillId":2001,"proficiency":1,"isActive":true}]})
        );
        let removals = AgentSkillRemovals::new([CxoneId::from(7), CxoneId::new("8")]);
        assert_eq!(
            json(&removals),
            serde_json::json!({"skills":[{"skillId":7},{"skillId":8}]})
        );
        let agents = SkillAgents::new(vec![AgentGrant {
            agent_id: CxoneId::from(101),
            proficiency: p(20),
            is_active: false,
        }]);
        assert_eq!(
            json(&agents),
            serde_json::json!({"agents":[{"agentId":101,"proficiency":20,"isActive":false}]})
        );
        assert_eq!(
            json(&SkillUpdate::deactivate()),
            serde_json::json!({"skill":{"isActive":false}})
        );
        let empty = AgentSkills::new(Vec::new());
        assert!(json(&empty).is_object());
        assert!(json(&SkillAgents::new(Vec::new())).is_object());
    }

    #[test]
    fn per_skill_writes_are_split_into_batches() {
        let agents: Vec<AgentGrant> = (1..=5)
            .map(|id| AgentGrant {
                agent_id: CxoneId::from(id),
                proficiency: p(5),
                is_active: true,
            })
            .collect();
        let batches = SkillAgents::batches(agents, 2);
        let sizes: Vec<usize> = batches.iter().map(|b| b.agents().len()).collect();
        assert_eq!(sizes, [2, 2, 1]);
        assert!(batches.iter().all(|b| json(b).is_object()));
    }
}
