//! One agent's writes, in the order that keeps it safe: the versioned certification PATCH first
//! (it is the call that conflicts), then removals (freeing room under the 50-skill cap), then
//! bulk upserts in chunks of 50. Never `PUT …/bulk`.

use reqwest::Method;
use serde::Serialize;

use super::api::Http;
use super::calls;
use super::catalog::Catalog;
use super::divisions::Division;
use super::wire::{AssignmentWrite, CertificationsUpdate, Definition, NewDefinition};
use crate::domain::{Action, Change, Step};
use crate::domain::{AssignmentKind, LiveAgent};
use crate::platform::transport::{Call, Reply};
use crate::platform::{CallKind, Journal, PlatformError, WriteIntent, WriteResult};

/// Largest bulk body the platform takes.
pub const BULK_LIMIT: usize = 50;

/// Everything a write needs besides the agent.
pub struct Writer<'a> {
    /// The HTTP layer.
    pub transport: &'a Http,
    /// Name → id.
    pub catalog: &'a tokio::sync::Mutex<Catalog>,
    /// Definitions page size, for catalog loads.
    pub page_size: u32,
    /// Whether unknown skills are created.
    pub create_missing: bool,
    /// Where created skills go.
    pub division: &'a Division,
}

struct Family {
    kind: AssignmentKind,
    segment: &'static str,
    patch: CallKind,
    delete: CallKind,
    step: Step,
}

const FAMILIES: [Family; 2] = [
    Family {
        kind: AssignmentKind::Skill,
        segment: "routingskills",
        patch: calls::PATCH_SKILLS,
        delete: calls::DELETE_SKILL,
        step: Step::Half,
    },
    Family {
        kind: AssignmentKind::Language,
        segment: "routinglanguages",
        patch: calls::PATCH_LANGUAGES,
        delete: calls::DELETE_LANGUAGE,
        step: Step::Whole,
    },
];

impl Writer<'_> {
    /// Writes `changes` (writable ones only) for `agent`, journaling every call.
    pub async fn apply<J: Journal>(
        &self,
        agent: &LiveAgent,
        changes: &[Change],
        journal: &J,
    ) -> Result<(), PlatformError> {
        let writable: Vec<&Change> = changes.iter().filter(|c| c.writable).collect();
        self.certifications(agent, &writable, journal).await?;
        for family in &FAMILIES {
            self.rated(agent, family, &writable, journal).await?;
        }
        Ok(())
    }

    /// Sends one write, announced to the journal before and reported after.
    async fn journaled<B: Serialize, J: Journal>(
        &self,
        journal: &J,
        agent: &LiveAgent,
        call: Call<'_, B>,
        changes: Vec<&Change>,
        realizes: bool,
    ) -> Result<Reply, PlatformError> {
        let intent = WriteIntent {
            kind: call.kind,
            user_id: &agent.user_id,
            label: agent.label(),
            changes,
            realizes,
        };
        let token = journal
            .before(&intent)
            .await
            .map_err(|e| PlatformError::Journal(e.to_string()))?;
        let kind = call.kind;
        let result = self.transport.send(call).await;
        let record = match &result {
            Ok(reply) => WriteResult {
                kind,
                status: Some(reply.status),
                correlation_id: Some(reply.correlation_id.clone()),
                error: None,
                landed_items: Vec::new(),
            },
            Err(e) => WriteResult {
                kind,
                status: e.status(),
                correlation_id: e.correlation_id().map(str::to_string),
                error: Some(e.to_string()),
                landed_items: Vec::new(),
            },
        };
        journal.after(token, &record).await;
        result
    }

    /// The id of the skill or language `change` names; with `create`, a missing skill is
    /// created (a journaled write like any other).
    async fn resolve<J: Journal>(
        &self,
        agent: &LiveAgent,
        change: &Change,
        create: bool,
        journal: &J,
    ) -> Result<String, PlatformError> {
        let (kind, name) = (change.kind, change.name.as_str());
        let mut catalog = self.catalog.lock().await;
        if let Some(id) = catalog
            .resolve(self.transport, self.page_size, kind, name)
            .await?
        {
            return Ok(id);
        }
        if !(create && kind == AssignmentKind::Skill) {
            return Err(PlatformError::UnknownName {
                kind: kind.as_str(),
                name: name.to_string(),
            });
        }
        let division_id = self.division.id(self.transport).await?;
        let body = NewDefinition { name, division_id };
        let call = Call {
            kind: calls::CREATE_SKILL,
            method: Method::POST,
            path: "/api/v2/routing/skills",
            body: Some(&body),
        };
        let reply = match self
            .journaled(journal, agent, call, vec![change], false)
            .await
        {
            Ok(reply) => reply,
            // A create answered 504 may have landed, and its retry then finds the name taken
            // (409); or the outcome is simply unknown. Look before creating it again.
            Err(e @ (PlatformError::Conflict { .. } | PlatformError::Unavailable { .. })) => {
                catalog.forget_miss(kind, name);
                return match catalog
                    .resolve(self.transport, self.page_size, kind, name)
                    .await?
                {
                    Some(id) => Ok(id),
                    None => Err(e),
                };
            }
            Err(e) => return Err(e),
        };
        let created: Definition =
            serde_json::from_slice(&reply.body).map_err(|e| PlatformError::Decode {
                path: "/api/v2/routing/skills".into(),
                reason: e.to_string(),
            })?;
        tracing::info!(skill = name, id = created.id, "created missing skill");
        catalog.insert(kind, created.name, created.id.clone());
        Ok(created.id)
    }

    async fn certifications<J: Journal>(
        &self,
        agent: &LiveAgent,
        changes: &[&Change],
        journal: &J,
    ) -> Result<(), PlatformError> {
        let mut list = agent.certifications.clone();
        let mut applied = Vec::new();
        for c in changes
            .iter()
            .filter(|c| c.kind == AssignmentKind::Certification)
        {
            let changed = match c.action {
                Action::Add(_) => list.insert(c.name.to_string()),
                Action::Remove(_) => list.remove(c.name.as_str()),
                Action::Update { .. } => false,
            };
            if changed {
                applied.push(*c);
            }
        }
        if applied.is_empty() {
            return Ok(());
        }
        let list: Vec<String> = list.into_iter().collect();
        let path = format!("/api/v2/users/{}", agent.user_id);
        let body = CertificationsUpdate {
            version: agent.version,
            certifications: &list,
        };
        let call = Call {
            kind: calls::PATCH_USER,
            method: Method::PATCH,
            path: &path,
            body: Some(&body),
        };
        self.journaled(journal, agent, call, applied, true)
            .await
            .map(|_| ())
    }

    async fn rated<J: Journal>(
        &self,
        agent: &LiveAgent,
        family: &Family,
        changes: &[&Change],
        journal: &J,
    ) -> Result<(), PlatformError> {
        let mine = changes.iter().filter(|c| c.kind == family.kind);
        let mut upserts = Vec::new();
        for change in mine {
            match change.action {
                Action::Remove(_) => {
                    let id = self.resolve(agent, change, false, journal).await?;
                    let path = format!("/api/v2/users/{}/{}/{id}", agent.user_id, family.segment);
                    let call = Call::<()> {
                        kind: family.delete,
                        method: Method::DELETE,
                        path: &path,
                        body: None,
                    };
                    self.journaled(journal, agent, call, vec![*change], true)
                        .await?;
                }
                Action::Add(Some(p)) | Action::Update { to: p, .. } => {
                    let id = self
                        .resolve(agent, change, self.create_missing, journal)
                        .await?;
                    upserts.push((id, family.step.quantize(p).value(), *change));
                }
                Action::Add(None) => {}
            }
        }
        let path = format!("/api/v2/users/{}/{}/bulk", agent.user_id, family.segment);
        for chunk in upserts.chunks(BULK_LIMIT) {
            let body: Vec<AssignmentWrite<'_>> = chunk
                .iter()
                .map(|(id, proficiency, _)| AssignmentWrite {
                    id,
                    proficiency: *proficiency,
                })
                .collect();
            let call = Call {
                kind: family.patch,
                method: Method::PATCH,
                path: &path,
                body: Some(&body),
            };
            let changes = chunk.iter().map(|(_, _, c)| *c).collect();
            self.journaled(journal, agent, call, changes, true).await?;
        }
        Ok(())
    }
}
