//! Writing a batch of agents' planned changes to CXone: resolve skill names, group the changes
//! into the fewest calls ([`super::grouping`]), announce each call to every agent it writes for,
//! make it, and read its answer item by item — a 200 naming a failed item fails that agent (it
//! is re-read and planned again), and the items that did land are reported as landed.

use std::collections::BTreeMap;

use futures::{stream, StreamExt};

use super::bodies::{AgentGrant, AgentSkillRemovals, AgentSkills, SkillGrant};
use super::calls;
use super::client::Cxone;
use super::grouping::{group, Op, OpKind, PlannedCall, Target};
use super::live::Catalog;
use super::proficiency::CxoneProficiency;
use super::results::WriteReport;
use super::wire::CxoneId;
use crate::domain::{Action, AssignmentKind, Change};
use crate::platform::{AgentWrite, CallKind, Journal, PlatformError, WriteIntent, WriteResult};

/// An op and where it came from: the write (agent) and the change within it.
struct Sourced {
    op: Op,
    write: usize,
    change: usize,
}

/// The op one change needs, or why it cannot be written to CXone.
fn op_of(agent_id: &CxoneId, change: &Change, catalog: &Catalog) -> Result<Op, PlatformError> {
    if change.kind != AssignmentKind::Skill && change.kind != AssignmentKind::Certification {
        return Err(PlatformError::UnknownName {
            kind: change.kind.as_str(),
            name: format!("{} (CXone has routing skills only)", change.name),
        });
    }
    let skill_id =
        catalog
            .id(change.name.as_str())
            .cloned()
            .ok_or_else(|| PlatformError::UnknownName {
                kind: "skill",
                name: change.name.to_string(),
            })?;
    let (kind, to) = match change.action {
        Action::Add(to) => (OpKind::Add, to),
        Action::Update { to, .. } => (OpKind::Modify, Some(to)),
        Action::Remove(_) => (OpKind::Remove, None),
    };
    let proficiency = match (kind, to) {
        (OpKind::Remove, _) => None,
        (_, Some(p)) => {
            Some(
                CxoneProficiency::try_from(p).map_err(|reason| PlatformError::Decode {
                    path: format!("skill {}", change.name),
                    reason,
                })?,
            )
        }
        (_, None) => {
            return Err(PlatformError::Decode {
                path: format!("skill {}", change.name),
                reason: "a CXone skill needs a proficiency".into(),
            })
        }
    };
    Ok(Op {
        agent_id: agent_id.clone(),
        skill_id,
        kind,
        proficiency,
    })
}

fn call_kind(call: &PlannedCall) -> CallKind {
    match (&call.target, call.kind) {
        (Target::Agent(_), OpKind::Add) => calls::ADD_AGENT_SKILLS,
        (Target::Agent(_), OpKind::Modify) => calls::MODIFY_AGENT_SKILLS,
        (Target::Agent(_), OpKind::Remove) => calls::DELETE_AGENT_SKILLS,
        (Target::Skill(_), OpKind::Add) => calls::ADD_SKILL_AGENTS,
        (Target::Skill(_), OpKind::Modify) => calls::MODIFY_SKILL_AGENTS,
        (Target::Skill(_), OpKind::Remove) => calls::DELETE_SKILL_AGENT,
    }
}

impl Cxone {
    /// Writes every agent's writable changes; one result per write, in order.
    pub(super) async fn write_agents<J: Journal>(
        &self,
        writes: &[AgentWrite<'_, J>],
    ) -> Vec<Result<(), PlatformError>> {
        let mut results: Vec<Result<(), PlatformError>> = writes.iter().map(|_| Ok(())).collect();
        if !writes.iter().any(|w| w.changes.iter().any(|c| c.writable)) {
            return results;
        }
        let catalog = match self.catalog().await {
            Ok(catalog) => catalog,
            Err(e) => return writes.iter().map(|_| Err(e.clone())).collect(),
        };
        let mut sourced = Vec::new();
        for (w, write) in writes.iter().enumerate() {
            let agent_id = CxoneId::new(write.agent.user_id.clone());
            let ops: Result<Vec<Sourced>, PlatformError> = write
                .changes
                .iter()
                .enumerate()
                .filter(|(_, c)| c.writable)
                .map(|(change, c)| {
                    op_of(&agent_id, c, &catalog).map(|op| Sourced {
                        op,
                        write: w,
                        change,
                    })
                })
                .collect();
            // One change that cannot be written holds back the agent's others: its plan is
            // written whole or not at all, as on every platform.
            match ops {
                Ok(ops) => sourced.extend(ops),
                Err(e) => results[w] = Err(e),
            }
        }
        let ops: Vec<Op> = sourced.iter().map(|s| s.op.clone()).collect();
        let planned = group(&ops, self.write_batch_size());
        let outcomes: Vec<Vec<(usize, Result<(), PlatformError>)>> = stream::iter(planned)
            .map(|call| self.make(call, &sourced, writes))
            .buffer_unordered(self.concurrency())
            .collect()
            .await;
        for (w, outcome) in outcomes.into_iter().flatten() {
            if let (Ok(()), Err(e)) = (&results[w], outcome) {
                results[w] = Err(e);
            }
        }
        results
    }

    /// Makes one planned call, journaled for every agent it writes for; the outcome per write.
    async fn make<J: Journal>(
        &self,
        call: PlannedCall,
        sourced: &[Sourced],
        writes: &[AgentWrite<'_, J>],
    ) -> Vec<(usize, Result<(), PlatformError>)> {
        let kind = call_kind(&call);
        // The call's ops by write, in the order the write's changes are announced.
        let mut by_write: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
        for &i in &call.ops {
            by_write.entry(sourced[i].write).or_default().push(i);
        }
        let mut outcomes = Vec::new();
        let mut announced: Vec<(usize, i64, Vec<usize>)> = Vec::new();
        for (w, ops) in by_write {
            let write = &writes[w];
            let intent = WriteIntent {
                kind,
                user_id: &write.agent.user_id,
                label: write.agent.label(),
                changes: ops
                    .iter()
                    .map(|&i| &write.changes[sourced[i].change])
                    .collect(),
                realizes: true,
            };
            match write.journal.before(&intent).await {
                Ok(token) => announced.push((w, token, ops)),
                Err(e) => outcomes.push((w, Err(PlatformError::Journal(e.to_string())))),
            }
        }
        if announced.is_empty() {
            return outcomes;
        }
        let ops: Vec<&Op> = announced
            .iter()
            .flat_map(|(_, _, ops)| ops.iter().map(|&i| &sourced[i].op))
            .collect();
        let answer = self.send_planned(&call, &ops).await;
        for (w, token, ops) in announced {
            let (record, outcome) = match &answer {
                Ok(report) => item_outcome(kind, &call.target, report, &ops, sourced),
                Err(e) => (
                    WriteResult {
                        kind,
                        status: e.status(),
                        correlation_id: e.correlation_id().map(str::to_string),
                        error: Some(e.to_string()),
                        landed_items: Vec::new(),
                    },
                    Err(e.clone()),
                ),
            };
            writes[w].journal.after(token, &record).await;
            outcomes.push((w, outcome));
        }
        outcomes
    }

    async fn send_planned(
        &self,
        call: &PlannedCall,
        ops: &[&Op],
    ) -> Result<WriteReport, PlatformError> {
        match (&call.target, call.kind) {
            (Target::Agent(agent), OpKind::Remove) => {
                let body = AgentSkillRemovals::new(ops.iter().map(|o| o.skill_id.clone()));
                self.delete_agent_skills(agent, &body).await
            }
            (Target::Agent(agent), kind) => {
                let skills = ops
                    .iter()
                    .filter_map(|o| grant(o))
                    .map(|(o, proficiency)| SkillGrant {
                        skill_id: o.skill_id.clone(),
                        proficiency,
                        is_active: true,
                    })
                    .collect();
                let body = AgentSkills::new(skills);
                if kind == OpKind::Add {
                    self.add_agent_skills(agent, &body).await
                } else {
                    self.modify_agent_skills(agent, &body).await
                }
            }
            (Target::Skill(skill), OpKind::Remove) => {
                // Never planned (a per-agent removal is never dearer), but correct if it were.
                let mut merged = WriteReport::default();
                for op in ops {
                    let report = self.delete_skill_agent(skill, &op.agent_id).await?;
                    merged.failed.extend(report.failed);
                    merged.unattributed += report.unattributed;
                    merged.status = report.status;
                    merged.correlation_id = report.correlation_id;
                }
                Ok(merged)
            }
            (Target::Skill(skill), kind) => {
                let agents: Vec<AgentGrant> = ops
                    .iter()
                    .filter_map(|o| grant(o))
                    .map(|(o, proficiency)| AgentGrant {
                        agent_id: o.agent_id.clone(),
                        proficiency,
                        is_active: true,
                    })
                    .collect();
                if kind == OpKind::Add {
                    self.add_skill_agents(skill, &agents).await
                } else {
                    self.modify_skill_agents(skill, &agents).await
                }
            }
        }
    }
}

fn grant<'o>(op: &'o &Op) -> Option<(&'o Op, CxoneProficiency)> {
    op.proficiency.map(|p| (*op, p))
}

/// What a 200 means for one agent's `ops` in the call: the items it names as failed fail the
/// agent (so that it is re-read and planned again) and the rest landed; failures it counts but
/// cannot attribute fail every agent of the call, none of whose items is then known to have
/// landed.
fn item_outcome(
    kind: CallKind,
    target: &Target,
    report: &WriteReport,
    ops: &[usize],
    sourced: &[Sourced],
) -> (WriteResult, Result<(), PlatformError>) {
    let failed_ids: Vec<&CxoneId> = report.failed_ids().collect();
    let item_failed = |i: usize| {
        let op = &sourced[i].op;
        match target {
            Target::Agent(_) => failed_ids.contains(&&op.skill_id),
            Target::Skill(_) => failed_ids.contains(&&op.agent_id),
        }
    };
    let unknown = report.unattributed > 0 || report.failed.iter().any(|f| f.id.is_none());
    let landed: Vec<usize> = if unknown {
        Vec::new()
    } else {
        (0..ops.len()).filter(|&n| !item_failed(ops[n])).collect()
    };
    let mut record = WriteResult {
        kind,
        status: Some(report.status),
        correlation_id: Some(report.correlation_id.clone()),
        error: None,
        landed_items: Vec::new(),
    };
    if landed.len() == ops.len() {
        return (record, Ok(()));
    }
    let mine = |id: &CxoneId| {
        ops.iter().any(|&i| match target {
            Target::Agent(_) => sourced[i].op.skill_id == *id,
            Target::Skill(_) => sourced[i].op.agent_id == *id,
        })
    };
    let messages: Vec<&str> = report
        .failed
        .iter()
        .filter(|f| f.id.as_ref().is_none_or(mine))
        .map(|f| f.message.as_str())
        .filter(|m| !m.is_empty())
        .collect();
    let message = format!(
        "CXone answered {} but failed {} of this agent's {} item(s): {}",
        report.status,
        ops.len() - landed.len(),
        ops.len(),
        if messages.is_empty() {
            "no reason given".to_string()
        } else {
            messages.join("; ")
        }
    );
    record.error = Some(message.clone());
    record.landed_items = landed;
    (
        record,
        Err(PlatformError::Conflict {
            message,
            correlation_id: report.correlation_id.clone(),
        }),
    )
}
