//! Retiring skills in the plan (issue 16): a skill whose retirement has begun is taken from every
//! agent holding it — listed by the feed or not, managed or not — and its removals, approved by
//! the operator who retired it, are not counted by the safety thresholds or the coverage guard.

use std::collections::BTreeSet;

use super::{AgentPlan, Plan, Policy};
use crate::domain::{Action, AssignmentKind, Change, LiveAgent};

/// Why a retirement removal is planned.
pub(super) const RETIRED: &str = "skill retired (skillsync skills retire)";

/// Whether `change` takes away a skill whose retirement has begun.
pub(super) fn retires(policy: &Policy, change: &Change) -> bool {
    change.kind == AssignmentKind::Skill
        && matches!(change.action, Action::Remove(_))
        && policy.retiring.contains(&change.name)
}

/// The retiring skills `plan` removes.
pub(super) fn retired_in(plan: &Plan, policy: &Policy) -> BTreeSet<String> {
    plan.agents
        .iter()
        .flat_map(|a| &a.changes)
        .filter(|c| retires(policy, c))
        .map(|c| c.name.to_string())
        .collect()
}

/// Plans the retirement removals of agents a partial feed does not list.
pub(super) fn plan_unlisted<'a>(
    plan: &mut Plan,
    unlisted: impl Iterator<Item = &'a LiveAgent>,
    policy: &Policy,
) {
    if policy.retiring.is_empty() {
        return;
    }
    for agent in unlisted {
        let changes = removals(agent, policy);
        if !changes.is_empty() {
            plan.agents.push(AgentPlan {
                key: agent.key(policy.agent_key),
                user_id: agent.user_id.clone(),
                label: agent.label().to_string(),
                changes,
            });
        }
    }
}

/// The removals of the retiring skills `have` holds.
fn removals(have: &LiveAgent, policy: &Policy) -> Vec<Change> {
    let writes = policy.attributes.of(AssignmentKind::Skill).writes();
    have.skills
        .iter()
        .filter(|(name, _)| policy.retiring.contains(*name))
        .map(|(name, &held)| {
            let mut change = Change::new(
                AssignmentKind::Skill,
                name.clone(),
                Action::Remove(Some(held)),
                writes,
            );
            change.rule = Some(RETIRED.into());
            if policy.hold_routine {
                change.hold_if_routine();
            }
            change
        })
        .collect()
}
