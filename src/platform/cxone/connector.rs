//! The NICE CXone implementation of [`Platform`]: observe = the agents listing plus the
//! tenant-wide assignments listing (pages, never a call per agent); writes handed over in
//! batches and grouped into the fewest calls; incremental reads by `updatedSince`.

use std::collections::HashSet;
use std::sync::atomic::Ordering;
use std::sync::Arc;

use futures::{stream, StreamExt, TryStreamExt};

use super::client::Cxone;
use super::live::{live_agent, Catalog};
use super::observe::AgentAssignments;
use super::wire::{Agent, Assignment, CxoneId};
use crate::domain::{Change, Granularity, LiveAgent};
use crate::platform::{
    AgentWrite, CallCounts, Changed, DefinitionRetired, Journal, Platform, PlatformError,
    SkillDefinition,
};

impl Cxone {
    /// The skill catalog, listed at the first write after a refresh.
    pub(super) async fn catalog(&self) -> Result<Arc<Catalog>, PlatformError> {
        let mut known = self.known.catalog.lock().await;
        if let Some(catalog) = known.as_ref() {
            return Ok(catalog.clone());
        }
        let catalog = Arc::new(Catalog::new(&self.skills().await?));
        *known = Some(catalog.clone());
        Ok(catalog)
    }

    /// The agents with `ids`, from the last listing, listing again if one is not in it (a new
    /// hire since). Ids that are not active agents are left out.
    async fn agents_by_id(&self, ids: &[CxoneId]) -> Result<Vec<Agent>, PlatformError> {
        let all_known = {
            let known = self.known.agents.lock();
            ids.iter().all(|id| known.contains_key(id))
        };
        if !all_known {
            self.remember_agents(self.agents().await?);
        }
        let known = self.known.agents.lock();
        Ok(ids.iter().filter_map(|id| known.get(id).cloned()).collect())
    }

    fn remember_agents(&self, agents: Vec<Agent>) {
        *self.known.agents.lock() = agents
            .into_iter()
            .map(|a| (a.agent_id.clone(), a))
            .collect();
    }

    /// The assignments of `agents`: one call each, or the whole listing when that takes fewer
    /// calls (its size is known from the last full read).
    async fn assignments_of(&self, agents: &[Agent]) -> Result<AgentAssignments, PlatformError> {
        let listing_pages = self
            .known
            .assignments
            .load(Ordering::Relaxed)
            .div_ceil(self.page_size().max(1) as usize)
            .max(1);
        if agents.len() > listing_pages {
            return self.assignments().await;
        }
        let ids: Vec<CxoneId> = agents.iter().map(|a| a.agent_id.clone()).collect();
        stream::iter(ids)
            .map(|id| self.skills_of(id))
            .buffer_unordered(self.concurrency())
            .try_collect()
            .await
    }

    async fn skills_of(&self, id: CxoneId) -> Result<(CxoneId, Vec<Assignment>), PlatformError> {
        let held = self.agent_skills(&id).await?;
        Ok((id, held))
    }

    async fn read(&self, ids: &[CxoneId]) -> Result<Vec<LiveAgent>, PlatformError> {
        let agents = self.agents_by_id(ids).await?;
        let assignments = self.assignments_of(&agents).await?;
        let catalog = self.catalog().await?;
        Ok(agents
            .iter()
            .map(|a| {
                let held = assignments.get(&a.agent_id).map_or(&[][..], Vec::as_slice);
                live_agent(a, held, &catalog)
            })
            .collect())
    }
}

impl Platform for Cxone {
    fn granularity(&self) -> Granularity {
        crate::platform::scales::CXONE
    }

    async fn observe(&self) -> Result<Vec<LiveAgent>, PlatformError> {
        let reader = self.reader().await?;
        let (agents, skills, (assignments, poll_time)) = tokio::try_join!(
            reader.agents(),
            reader.skills(),
            reader.assignments_polled()
        )?;
        let catalog = Arc::new(Catalog::new(&skills));
        *self.known.catalog.lock().await = Some(catalog.clone());
        let records: usize = assignments.values().map(Vec::len).sum();
        self.known.assignments.store(records, Ordering::Relaxed);
        *self.known.cursor.lock() = poll_time;
        let live = agents
            .iter()
            .map(|a| {
                let held = assignments.get(&a.agent_id).map_or(&[][..], Vec::as_slice);
                live_agent(a, held, &catalog)
            })
            .collect();
        self.remember_agents(agents);
        Ok(live)
    }

    async fn read_agents(&self, user_ids: &[String]) -> Result<Vec<LiveAgent>, PlatformError> {
        let ids: Vec<CxoneId> = user_ids.iter().map(|id| CxoneId::new(id.clone())).collect();
        self.read(&ids).await
    }

    async fn apply<J: Journal>(
        &self,
        agent: &LiveAgent,
        changes: &[Change],
        journal: &J,
    ) -> Result<(), PlatformError> {
        let write = AgentWrite {
            agent,
            changes,
            journal,
        };
        self.write_agents(std::slice::from_ref(&write))
            .await
            .pop()
            .unwrap_or(Ok(()))
    }

    fn write_batch(&self) -> usize {
        self.write_batch_size() * self.concurrency()
    }

    async fn apply_batch<J: Journal>(
        &self,
        writes: &[AgentWrite<'_, J>],
    ) -> Vec<Result<(), PlatformError>> {
        self.write_agents(writes).await
    }

    async fn observe_changed(&self, cursor: &str) -> Result<Option<Changed>, PlatformError> {
        let changes = self.read_assignments_since(cursor).await?;
        let next = changes
            .last_poll_time
            .clone()
            .unwrap_or_else(|| cursor.to_string());
        let mut seen = HashSet::new();
        let ids: Vec<CxoneId> = changes
            .records
            .iter()
            .filter(|r| seen.insert(r.agent_id.clone()))
            .map(|r| r.agent_id.clone())
            .collect();
        let agents = if ids.is_empty() {
            Vec::new()
        } else {
            self.read(&ids).await?
        };
        Ok(Some(Changed {
            agents,
            cursor: next,
        }))
    }

    fn scan_cursor(&self) -> Option<String> {
        self.known.cursor.lock().clone()
    }

    async fn skill_definitions(&self) -> Result<Vec<SkillDefinition>, PlatformError> {
        self.skill_definition_list().await
    }

    async fn create_skill(
        &self,
        _name: &str,
        _description: Option<&str>,
    ) -> Result<bool, PlatformError> {
        Err(PlatformError::Unsupported(
            super::definitions::CREATE_UNSUPPORTED,
        ))
    }

    // `skill_groups` keeps the default, none: CXone has no skill groups to name a skill.

    async fn retire_skill_definition(
        &self,
        name: &str,
    ) -> Result<DefinitionRetired, PlatformError> {
        self.deactivate_skill(name).await
    }

    async fn refresh_definitions(&self) {
        *self.known.catalog.lock().await = None;
    }

    async fn check_credentials(&self) -> Result<(), PlatformError> {
        Cxone::check_credentials(self).await
    }

    fn calls(&self) -> CallCounts {
        Cxone::calls(self)
    }
}
