//! NICE CXone writes: per agent (add, modify, remove several skills) and per skill (add or
//! modify many agents in batches of `platform.write_batch_size`, remove one agent). Each
//! answers with a [`WriteReport`]: a 200 may carry failed items, so the caller must look.
//! Bodies are only the wrapping [`WriteBody`] types. Journaling is the caller's.

use reqwest::Method;
use serde::Serialize;

use super::api::Http;
use super::bodies::{AgentGrant, AgentSkillRemovals, AgentSkills, SkillAgents, WriteBody};
use super::calls;
use super::client::Cxone;
use super::results::{read_write_answer, WriteReport};
use super::wire::CxoneId;
use crate::platform::transport::Call;
use crate::platform::{CallKind, PlatformError};

fn segment(id: &CxoneId) -> String {
    form_urlencoded::byte_serialize(id.as_str().as_bytes()).collect()
}

async fn send<B: Serialize>(
    transport: &Http,
    kind: CallKind,
    method: Method,
    path: &str,
    body: Option<&B>,
) -> Result<WriteReport, PlatformError> {
    let reply = transport
        .send(Call {
            kind,
            method,
            path,
            body,
        })
        .await?;
    let mut report = read_write_answer(&reply.body);
    report.status = reply.status;
    report.correlation_id = reply.correlation_id.clone();
    if !report.is_clean() {
        tracing::warn!(
            %kind,
            path,
            failed = report.failed.len(),
            unattributed = report.unattributed,
            correlation_id = reply.correlation_id,
            "CXone answered the write with failed items"
        );
    }
    Ok(report)
}

impl Cxone {
    async fn agent_write<B: WriteBody>(
        &self,
        kind: CallKind,
        method: Method,
        agent_id: &CxoneId,
        body: &B,
    ) -> Result<WriteReport, PlatformError> {
        let path = format!("/agents/{}/skills", segment(agent_id));
        send(self.transport().await?, kind, method, &path, Some(body)).await
    }

    /// `POST /agents/{agentId}/skills`: gives the agent new skills.
    pub async fn add_agent_skills(
        &self,
        agent_id: &CxoneId,
        body: &AgentSkills,
    ) -> Result<WriteReport, PlatformError> {
        self.agent_write(calls::ADD_AGENT_SKILLS, Method::POST, agent_id, body)
            .await
    }

    /// `PUT /agents/{agentId}/skills`: changes proficiencies or activity of held skills.
    pub async fn modify_agent_skills(
        &self,
        agent_id: &CxoneId,
        body: &AgentSkills,
    ) -> Result<WriteReport, PlatformError> {
        self.agent_write(calls::MODIFY_AGENT_SKILLS, Method::PUT, agent_id, body)
            .await
    }

    /// `DELETE /agents/{agentId}/skills` with a body: takes several skills away at once.
    pub async fn delete_agent_skills(
        &self,
        agent_id: &CxoneId,
        body: &AgentSkillRemovals,
    ) -> Result<WriteReport, PlatformError> {
        self.agent_write(calls::DELETE_AGENT_SKILLS, Method::DELETE, agent_id, body)
            .await
    }

    /// `POST` or `PUT /skills/{skillId}/agents`, one call per `write_batch_size` agents; the
    /// reports are merged. An error stops at the failed batch (earlier ones were made).
    async fn skill_write(
        &self,
        kind: CallKind,
        method: Method,
        skill_id: &CxoneId,
        agents: &[AgentGrant],
    ) -> Result<WriteReport, PlatformError> {
        let transport = self.transport().await?;
        let path = format!("/skills/{}/agents", segment(skill_id));
        let mut merged = WriteReport::default();
        for body in SkillAgents::batches(agents.to_vec(), self.write_batch_size()) {
            let report = send(transport, kind, method.clone(), &path, Some(&body)).await?;
            merged.failed.extend(report.failed);
            merged.unattributed += report.unattributed;
            merged.status = report.status;
            merged.correlation_id = report.correlation_id;
        }
        Ok(merged)
    }

    /// Gives a skill to many agents (in batches).
    pub async fn add_skill_agents(
        &self,
        skill_id: &CxoneId,
        agents: &[AgentGrant],
    ) -> Result<WriteReport, PlatformError> {
        self.skill_write(calls::ADD_SKILL_AGENTS, Method::POST, skill_id, agents)
            .await
    }

    /// Changes many agents' proficiency or activity in one skill (in batches).
    pub async fn modify_skill_agents(
        &self,
        skill_id: &CxoneId,
        agents: &[AgentGrant],
    ) -> Result<WriteReport, PlatformError> {
        self.skill_write(calls::MODIFY_SKILL_AGENTS, Method::PUT, skill_id, agents)
            .await
    }

    /// `DELETE /skills/{skillId}/agents/{agentId}`: takes one skill from one agent.
    pub async fn delete_skill_agent(
        &self,
        skill_id: &CxoneId,
        agent_id: &CxoneId,
    ) -> Result<WriteReport, PlatformError> {
        let path = format!("/skills/{}/agents/{}", segment(skill_id), segment(agent_id));
        send::<()>(
            self.transport().await?,
            calls::DELETE_SKILL_AGENT,
            Method::DELETE,
            &path,
            None,
        )
        .await
    }
}
