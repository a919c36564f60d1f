//! The planner: a pure function from desired and live state to the smallest set of changes.
//! No IO, no clock (the instant is part of the policy), no platform ids.

mod certifications;
mod change;
mod coverage;
mod deferral;
mod ownership;
mod policy;
mod retirement;
mod safety;

use std::collections::{BTreeMap, BTreeSet, HashMap};

pub use certifications::{CertificationRules, Gate, GateError};
pub use change::{AgentPlan, Ignored, Plan, PlanCounts, Unmatched};
pub use coverage::{check_coverage, holders_of, Holders};
pub use deferral::{AfterMaxDefer, Decision, DeferralError, DeferralRules, Situation};
pub use ownership::{ManagedScope, Ownership, OwnershipError, OwnershipSettings, ScopeSettings};
pub use policy::{AttributePolicy, PlannerSettings, Policy, PolicyError, PolicySettings};
pub use safety::{check_safety, live_snapshot_baseline, SafetySettings, SafetyViolation};

use crate::domain::{
    Action, AgentDesired, AgentKey, AssignmentKind, Change, DesiredState, FeedScope, LiveAgent,
    Name, Proficiency, Urgency,
};

/// Plans the changes that make `live` match `desired` under `policy`.
///
/// Feed agents are matched to users by `policy.agent_key`; for each matched agent the feed is
/// the complete desired set of *managed* assignments. A `snapshot` feed also clears the managed
/// assignments of users it does not list. Unmanaged assignments are never touched.
pub fn plan(desired: &DesiredState, live: &[LiveAgent], policy: &Policy) -> Plan {
    let owned = |agent: &LiveAgent| policy.ownership.owns_division(agent.division.as_deref());
    let mut by_key: HashMap<AgentKey, Vec<usize>> = HashMap::new();
    // Keys of users outside `ownership.divisions`: never planned, and said so.
    let mut outside = std::collections::HashSet::new();
    for (i, agent) in live.iter().enumerate() {
        if let Some(key) = agent.key(policy.agent_key) {
            if owned(agent) {
                by_key.entry(key).or_default().push(i);
            } else {
                outside.insert(key);
            }
        }
    }

    let mut result = Plan::default();
    let mut listed = vec![false; live.len()];
    for (key, want) in &desired.agents {
        match by_key.get(key).map(Vec::as_slice) {
            None | Some([]) => result.unmatched.push(Unmatched {
                key: key.clone(),
                reason: if outside.contains(key) {
                    "the user is in a division outside ownership.divisions".into()
                } else {
                    "no platform user has this key".into()
                },
            }),
            Some([i]) => {
                listed[*i] = true;
                push_agent(&mut result, Some(key), want, &live[*i], policy);
            }
            Some(many) => {
                // Listed, and so left alone: a snapshot must not plan them as absent.
                for i in many {
                    listed[*i] = true;
                }
                result.unmatched.push(Unmatched {
                    key: key.clone(),
                    reason: format!("{} platform users share this key", many.len()),
                });
            }
        }
    }
    if desired.scope == FeedScope::Partial {
        // A retirement reaches every agent, not only those a partial feed lists.
        let unlisted = live
            .iter()
            .zip(&listed)
            .filter(|(agent, listed)| !**listed && owned(agent));
        retirement::plan_unlisted(&mut result, unlisted.map(|(agent, _)| agent), policy);
    }
    if desired.scope == FeedScope::Snapshot {
        let nothing = AgentDesired::default();
        for (i, agent) in live.iter().enumerate() {
            // A user read incompletely may have the key the snapshot lists: not emptied now.
            if !listed[i] && !agent.incomplete && owned(agent) {
                push_agent(
                    &mut result,
                    agent.key(policy.agent_key).as_ref(),
                    &nothing,
                    agent,
                    policy,
                );
            }
        }
    }
    result
        .agents
        .sort_by(|a, b| (&a.label, &a.user_id).cmp(&(&b.label, &b.user_id)));
    result.counts = count(&result, live, policy);
    result.retiring = retirement::retired_in(&result, policy);
    result
}

/// The changes for one agent: `want` is its desired state (empty for a snapshot that does not
/// list it). Desired names outside the managed scope are skipped; `plan` reports them.
pub fn plan_agent(want: &AgentDesired, have: &LiveAgent, policy: &Policy) -> Vec<Change> {
    diff_agent(want, have, policy, &mut |_, _| {})
}

fn diff_agent(
    want: &AgentDesired,
    have: &LiveAgent,
    policy: &Policy,
    ignore: &mut dyn FnMut(AssignmentKind, &Name),
) -> Vec<Change> {
    let rules = &policy.certifications;
    let mut skills = want.skills.clone();
    for (certification, gate) in &rules.gates {
        let held = want
            .certifications
            .get(certification.as_str())
            .is_some_and(|w| rules.in_force(w, policy.now));
        if held {
            skills.insert(gate.skill.clone(), gate.proficiency);
        } else {
            // A feed row naming the gate skill does not outrank the certification it stands for.
            skills.remove(gate.skill.as_str());
        }
    }
    // A retirement outranks the feeds and the certifications alike.
    skills.retain(|name, _| !policy.retiring.contains(name));
    let mut changes = Vec::new();
    for (kind, want_rated, have_rated) in [
        (AssignmentKind::Skill, &skills, &have.skills),
        (AssignmentKind::Language, &want.languages, &have.languages),
    ] {
        diff_rated(
            kind,
            want_rated,
            have_rated,
            policy,
            &mut changes,
            &mut |name| ignore(kind, name),
        );
    }
    diff_certifications(want, have, policy, &mut changes, &mut |name| {
        ignore(AssignmentKind::Certification, name)
    });
    for change in &mut changes {
        change.urgency = urgency(change, rules);
        if policy.hold_routine {
            change.hold_if_routine();
        }
        change.rule = match change.kind {
            AssignmentKind::Certification => {
                let window = want.certifications.get(change.name.as_str());
                change.timing = rules.timing(window, policy.now);
                Some(rules.rule(change.name.as_str(), window, policy.now))
            }
            AssignmentKind::Skill if policy.retiring.contains(&change.name) => {
                Some(retirement::RETIRED.into())
            }
            AssignmentKind::Skill => rules
                .gates
                .iter()
                .find(|(_, g)| g.skill == change.name)
                .map(|(c, _)| {
                    format!(
                        "gate skill of {}",
                        rules.rule(c, want.certifications.get(c.as_str()), policy.now)
                    )
                }),
            AssignmentKind::Language => None,
        };
    }
    changes.sort_by(|a, b| (a.kind, &a.name).cmp(&(b.kind, &b.name)));
    changes
}

/// Compliance goes at once: taking a certification away, or the gate skill that stands for one.
/// Everything else — grants included — may wait for a change window or a free agent.
fn urgency(change: &Change, rules: &certifications::CertificationRules) -> Urgency {
    let revokes = matches!(change.action, Action::Remove(_))
        && match change.kind {
            AssignmentKind::Certification => true,
            AssignmentKind::Skill => rules.is_gate(change.name.as_str()),
            AssignmentKind::Language => false,
        };
    if revokes {
        Urgency::Urgent
    } else {
        Urgency::Routine
    }
}

/// Whether skillsync owns `name`: its managed scope, plus every certification's gate skill.
fn manages(policy: &Policy, kind: AssignmentKind, name: &str) -> bool {
    policy.ownership.of(kind).manages(name)
        || (kind == AssignmentKind::Skill
            && (policy.certifications.is_gate(name) || policy.retiring.contains(name)))
}

fn push_agent(
    plan: &mut Plan,
    key: Option<&AgentKey>,
    want: &AgentDesired,
    have: &LiveAgent,
    policy: &Policy,
) {
    let label = have.label().to_string();
    let changes = diff_agent(want, have, policy, &mut |kind, name| {
        plan.ignored.push(Ignored {
            agent: label.clone(),
            kind,
            name: name.clone(),
        })
    });
    if !changes.is_empty() {
        plan.agents.push(AgentPlan {
            key: key.cloned(),
            user_id: have.user_id.clone(),
            label,
            changes,
        });
    }
}

fn diff_rated(
    kind: AssignmentKind,
    want: &BTreeMap<Name, Proficiency>,
    have: &BTreeMap<Name, Proficiency>,
    policy: &Policy,
    out: &mut Vec<Change>,
    ignore: &mut dyn FnMut(&Name),
) {
    // A kind the platform does not store is never planned: it would read as drift forever.
    let Some(scale) = policy.granularity.scale_of(kind) else {
        return;
    };
    let attr = policy.attributes.of(kind);
    let change = |name: &Name, action| Change::new(kind, name.clone(), action, attr.writes());
    for (name, &wanted) in want {
        if !manages(policy, kind, name) {
            ignore(name);
            continue;
        }
        let target = scale.quantize(wanted);
        match have.get(name) {
            None => out.push(change(name, Action::Add(Some(target)))),
            Some(&current) if scale.quantize(current) != target => out.push(change(
                name,
                Action::Update {
                    from: current,
                    to: target,
                },
            )),
            Some(_) => {}
        }
    }
    for (name, &current) in have {
        // A gate skill follows its certification even under `additive`: a lapsed certification
        // must stop routing, whatever the policy for ordinary skills says. A retired skill goes
        // from everyone, whatever it says too.
        let gate = kind == AssignmentKind::Skill
            && (policy.certifications.is_gate(name) || policy.retiring.contains(name));
        if (attr.removes() || gate) && !want.contains_key(name) && manages(policy, kind, name) {
            out.push(change(name, Action::Remove(Some(current))));
        }
    }
}

/// Certifications hold while their window is open at `policy.now`. A desired certification whose
/// window is closed is removed even under `additive`: the feed says explicitly that it lapsed.
fn diff_certifications(
    want: &AgentDesired,
    have: &LiveAgent,
    policy: &Policy,
    out: &mut Vec<Change>,
    ignore: &mut dyn FnMut(&Name),
) {
    let kind = AssignmentKind::Certification;
    let scope = policy.ownership.of(kind);
    let attr = policy.attributes.of(kind);
    let change = |name: &Name, action| Change::new(kind, name.clone(), action, attr.writes());
    // CXone has no certification strings: there they exist only as gate skills.
    if have.incomplete || !policy.granularity.certifications {
        // Its certifications are unknown, not empty: the versioned PATCH writes the whole list,
        // so any write would wipe the ones skillsync does not own.
        return;
    }
    let mut active = BTreeSet::new();
    for (name, window) in &want.certifications {
        if !scope.manages(name) {
            ignore(name);
            continue;
        }
        let held = have.certifications.contains(name.as_str());
        if policy.certifications.in_force(window, policy.now) {
            active.insert(name.as_str());
            if !held {
                out.push(change(name, Action::Add(None)));
            }
        } else if held {
            out.push(change(name, Action::Remove(None)));
        }
    }
    if attr.removes() {
        for held in &have.certifications {
            let Ok(name) = Name::parse(held) else {
                continue;
            };
            let lapsed_already_planned = want.certifications.contains_key(name.as_str());
            if !active.contains(held.as_str()) && !lapsed_already_planned && scope.manages(&name) {
                out.push(change(&name, Action::Remove(None)));
            }
        }
    }
}

fn count(plan: &Plan, live: &[LiveAgent], policy: &Policy) -> PlanCounts {
    let mut counts = PlanCounts {
        agents: plan.agents.iter().filter(|a| a.has_writes()).count(),
        ..PlanCounts::default()
    };
    for change in plan.agents.iter().flat_map(|a| &a.changes) {
        match change.action {
            Action::Add(_) => counts.additions += 1,
            Action::Update { .. } => counts.updates += 1,
            Action::Remove(_) => counts.removals += 1,
        }
        if change.writable && change.is_destructive() && !retirement::retires(policy, change) {
            counts.destructive += 1;
        }
    }
    for agent in live {
        let managed = |kind: AssignmentKind, names: &mut dyn Iterator<Item = &str>| {
            names.filter(|n| manages(policy, kind, n)).count()
        };
        let held = managed(
            AssignmentKind::Skill,
            &mut agent.skills.keys().map(Name::as_str),
        ) + managed(
            AssignmentKind::Language,
            &mut agent.languages.keys().map(Name::as_str),
        ) + managed(
            AssignmentKind::Certification,
            &mut agent.certifications.iter().map(String::as_str),
        );
        counts.managed_assignments += held;
        if held > 0 {
            counts.managed_agents += 1;
        }
    }
    counts
}

#[cfg(test)]
mod tests;
