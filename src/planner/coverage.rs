//! The coverage guard (issue 16): a plan that would leave a managed skill held by fewer agents
//! than `safety.min_holders` (or the skill's own minimum) is held, naming the skill and how many
//! hold it now and after. Holders are counted over every agent the org has observed, not only
//! those a feed lists. A certification's gate skill is exempt: losing a lapsed gate is the point
//! (its removal is urgent, and only routine removals are counted).

use std::collections::{BTreeMap, HashMap};

use super::{Plan, SafetySettings, SafetyViolation};
use crate::domain::{Action, AssignmentKind, LiveAgent, Urgency};

/// Agents holding each skill, by name.
pub type Holders = HashMap<String, usize>;

/// The holders of every skill among `agents` (a full read of the org).
pub fn holders_of(agents: &[LiveAgent]) -> Holders {
    let mut holders = Holders::new();
    for agent in agents {
        for name in agent.skills.keys() {
            *holders.entry(name.to_string()).or_default() += 1;
        }
    }
    holders
}

/// The skills `plan` would leave under their minimum of holders, given `holders` now.
pub fn check_coverage(
    plan: &Plan,
    holders: &Holders,
    settings: &SafetySettings,
) -> Vec<SafetyViolation> {
    // Net holders lost per skill: routine removals less additions (a skill moving from some
    // agents to others is not a loss).
    let mut lost: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    for change in plan.agents.iter().flat_map(|a| &a.changes) {
        let retiring = plan.retiring.contains(change.name.as_str());
        if change.kind != AssignmentKind::Skill || !change.writable || retiring {
            continue;
        }
        let entry = lost.entry(change.name.as_str()).or_default();
        match change.action {
            Action::Remove(_) if change.urgency == Urgency::Routine => entry.0 += 1,
            Action::Add(_) => entry.1 += 1,
            _ => {}
        }
    }
    lost.into_iter()
        .filter(|(_, (removed, _))| *removed > 0)
        .filter_map(|(skill, (removed, added))| {
            let now = holders.get(skill).copied().unwrap_or(0);
            let after = (now + added).saturating_sub(removed);
            let min = settings.min_holders_of(skill);
            (after < min && after < now).then(|| SafetyViolation::TooFewHolders {
                skill: skill.to_owned(),
                now,
                after,
                min,
            })
        })
        .collect()
}
