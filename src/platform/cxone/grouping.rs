//! Choosing the fewest CXone calls for a batch of agents' planned changes. CXone writes either
//! one agent's several skills (`/agents/{id}/skills`) or one skill for several agents
//! (`/skills/{id}/agents`, at most `write_batch_size` agents a call), for adds and modifies
//! alike; removals of several skills go in one per-agent `DELETE` with a body, which a per-skill
//! removal (one agent a call) never beats. Pure: no ids are resolved and nothing is sent here.

use std::collections::{BTreeMap, BTreeSet};

use super::proficiency::CxoneProficiency;
use super::wire::CxoneId;

/// What a change does to one assignment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum OpKind {
    /// The agent does not hold the skill yet.
    Add,
    /// The agent holds it at another proficiency.
    Modify,
    /// The agent holds it and should not.
    Remove,
}

/// One assignment to write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Op {
    /// The agent.
    pub agent_id: CxoneId,
    /// The skill.
    pub skill_id: CxoneId,
    /// What to do.
    pub kind: OpKind,
    /// The proficiency to set (adds and modifies).
    pub proficiency: Option<CxoneProficiency>,
}

/// Whom one call addresses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// `/agents/{id}/skills`: several skills of one agent.
    Agent(CxoneId),
    /// `/skills/{id}/agents`: several agents of one skill.
    Skill(CxoneId),
}

/// One call to make: its kind, whom it addresses, and the ops (indexes into the input) it
/// carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedCall {
    /// Add, modify or remove.
    pub kind: OpKind,
    /// The agent or the skill in the path.
    pub target: Target,
    /// Indexes of the ops it writes.
    pub ops: Vec<usize>,
}

/// The calls that write every op: removals per agent; adds and modifies each grouped into the
/// fewest calls of the two shapes (see [`split`]). Deterministic: ids in order.
pub fn group(ops: &[Op], batch: usize) -> Vec<PlannedCall> {
    let batch = batch.max(1);
    let mut calls = Vec::new();
    for kind in [OpKind::Remove, OpKind::Add, OpKind::Modify] {
        let of_kind: Vec<usize> = (0..ops.len()).filter(|&i| ops[i].kind == kind).collect();
        let per_skill = if kind == OpKind::Remove {
            BTreeSet::new()
        } else {
            split(ops, &of_kind, batch)
        };
        let mut by_skill: BTreeMap<&CxoneId, Vec<usize>> = BTreeMap::new();
        let mut by_agent: BTreeMap<&CxoneId, Vec<usize>> = BTreeMap::new();
        for &i in &of_kind {
            if per_skill.contains(&ops[i].skill_id) {
                by_skill.entry(&ops[i].skill_id).or_default().push(i);
            } else {
                by_agent.entry(&ops[i].agent_id).or_default().push(i);
            }
        }
        for (skill, indexes) in by_skill {
            for chunk in indexes.chunks(batch) {
                calls.push(PlannedCall {
                    kind,
                    target: Target::Skill(skill.clone()),
                    ops: chunk.to_vec(),
                });
            }
        }
        for (agent, indexes) in by_agent {
            calls.push(PlannedCall {
                kind,
                target: Target::Agent(agent.clone()),
                ops: indexes,
            });
        }
    }
    calls
}

/// The skills to write per skill, the rest going per agent. Greedy: a skill moves to a
/// per-skill call when that saves calls now (more agents left with nothing else to write than
/// the per-skill batches it costs), largest saving first. Greedy alone can miss a saving that
/// needs several skills moved together (two agents sharing the same six skills cost two calls
/// per agent but six per skill), so the all-per-skill split is compared too and the cheaper of
/// the two is taken.
fn split(ops: &[Op], of_kind: &[usize], batch: usize) -> BTreeSet<CxoneId> {
    let mut skills: BTreeMap<&CxoneId, Vec<&CxoneId>> = BTreeMap::new();
    let mut left: BTreeMap<&CxoneId, usize> = BTreeMap::new();
    for &i in of_kind {
        skills
            .entry(&ops[i].skill_id)
            .or_default()
            .push(&ops[i].agent_id);
        *left.entry(&ops[i].agent_id).or_default() += 1;
    }
    let batches = |agents: usize| agents.div_ceil(batch);
    let all_per_skill: usize = skills.values().map(|a| batches(a.len())).sum();
    let mut chosen: BTreeSet<CxoneId> = BTreeSet::new();
    let mut greedy_cost = left.len();
    loop {
        let best = skills
            .iter()
            .filter(|(skill, _)| !chosen.contains(**skill))
            .map(|(skill, agents)| {
                let freed = agents.iter().filter(|a| left[**a] == 1).count();
                (freed as i64 - batches(agents.len()) as i64, *skill)
            })
            .max_by(|a, b| a.0.cmp(&b.0).then_with(|| b.1.cmp(a.1)));
        let Some((saving, skill)) = best.filter(|(saving, _)| *saving > 0) else {
            break;
        };
        greedy_cost -= saving as usize;
        for agent in &skills[skill] {
            if let Some(n) = left.get_mut(*agent) {
                *n -= 1;
            }
        }
        chosen.insert(skill.clone());
    }
    if all_per_skill < greedy_cost {
        skills.keys().map(|s| (*s).clone()).collect()
    } else {
        chosen
    }
}

/// Calls the all-per-agent shape would make: one per agent and kind.
pub fn per_agent_floor(ops: &[Op]) -> usize {
    ops.iter()
        .map(|o| (&o.agent_id, o.kind))
        .collect::<BTreeSet<_>>()
        .len()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn op(agent: u64, skill: u64, kind: OpKind) -> Op {
        Op {
            agent_id: CxoneId::from(agent),
            skill_id: CxoneId::from(skill),
            kind,
            proficiency: (kind != OpKind::Remove)
                .then(|| CxoneProficiency::new(5).expect("in range")),
        }
    }

    fn shapes(calls: &[PlannedCall]) -> Vec<(OpKind, String, usize)> {
        calls
            .iter()
            .map(|c| {
                let target = match &c.target {
                    Target::Agent(id) => format!("agent {id}"),
                    Target::Skill(id) => format!("skill {id}"),
                };
                (c.kind, target, c.ops.len())
            })
            .collect()
    }

    #[test]
    fn groupings_table() {
        use OpKind::*;
        type Case = (
            &'static str,
            Vec<Op>,
            usize,
            Vec<(OpKind, &'static str, usize)>,
        );
        let cases: Vec<Case> = vec![
            ("nothing to write", vec![], 50, vec![]),
            (
                "one agent, several skills: one per-agent call",
                vec![op(1, 10, Add), op(1, 11, Add)],
                50,
                vec![(Add, "agent 1", 2)],
            ),
            (
                "one skill for many agents: one per-skill call",
                (1..=4).map(|a| op(a, 10, Modify)).collect(),
                50,
                vec![(Modify, "skill 10", 4)],
            ),
            (
                "per-skill calls split at the batch size",
                (1..=5).map(|a| op(a, 10, Add)).collect(),
                2,
                vec![
                    (Add, "skill 10", 2),
                    (Add, "skill 10", 2),
                    (Add, "skill 10", 1),
                ],
            ),
            (
                "two agents sharing six skills stay per agent",
                (1..=2)
                    .flat_map(|a| (10..16).map(move |s| op(a, s, Add)))
                    .collect(),
                50,
                vec![(Add, "agent 1", 6), (Add, "agent 2", 6)],
            ),
            (
                "many agents sharing two skills go per skill",
                (1..=10)
                    .flat_map(|a| [op(a, 10, Add), op(a, 11, Add)])
                    .collect(),
                50,
                vec![(Add, "skill 10", 10), (Add, "skill 11", 10)],
            ),
            (
                "a popular skill per skill, the odd one out per agent",
                (1..=5)
                    .map(|a| op(a, 10, Modify))
                    .chain([op(6, 11, Modify)])
                    .collect(),
                50,
                vec![(Modify, "skill 10", 5), (Modify, "agent 6", 1)],
            ),
            (
                "removals are per agent with every skill in one body",
                vec![op(1, 10, Remove), op(1, 11, Remove), op(2, 10, Remove)],
                50,
                vec![(Remove, "agent 1", 2), (Remove, "agent 2", 1)],
            ),
            (
                "adds and modifies of one agent are separate calls",
                vec![op(1, 10, Add), op(1, 11, Modify)],
                50,
                vec![(Add, "agent 1", 1), (Modify, "agent 1", 1)],
            ),
        ];
        for (name, ops, batch, want) in cases {
            let got = shapes(&group(&ops, batch));
            let want: Vec<(OpKind, String, usize)> = want
                .into_iter()
                .map(|(k, t, n)| (k, t.to_string(), n))
                .collect();
            assert_eq!(got, want, "{name}");
        }
    }

    #[test]
    fn every_op_is_written_exactly_once_and_never_costs_more_than_per_agent() {
        use OpKind::*;
        // 200 agents, each drifted in one or two of six skills, in every kind.
        let ops: Vec<Op> = (0..200u64)
            .flat_map(|a| {
                let kind = [Add, Modify, Remove][(a % 3) as usize];
                let first = op(a, 10 + (a / 3) % 6, kind);
                let second = (a % 4 == 0).then(|| op(a, 10 + (a / 3 + 1) % 6, kind));
                std::iter::once(first).chain(second)
            })
            .collect();
        let calls = group(&ops, 50);
        let mut written: Vec<usize> = calls.iter().flat_map(|c| c.ops.clone()).collect();
        written.sort_unstable();
        assert_eq!(written, (0..ops.len()).collect::<Vec<_>>());
        assert!(calls.len() <= per_agent_floor(&ops));
        assert!(calls
            .iter()
            .all(|c| c.ops.iter().all(|&i| ops[i].kind == c.kind)));
        // Adds and modifies go per skill here: 6 skills × 2 kinds, well under 50 agents each.
        let removals = calls.iter().filter(|c| c.kind == Remove).count();
        assert_eq!(calls.len() - removals, 12);
    }
}
