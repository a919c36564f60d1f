//! Safety holds: a plan that would remove or downgrade too much, or a snapshot that lost too
//! many agents, is refused unless an operator approves it.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use super::coverage::{check_coverage, Holders};
use super::Plan;

/// `[safety]` in the configuration.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct SafetySettings {
    /// Most removals plus downgrades one run may make without approval.
    pub max_destructive: usize,
    /// Most removals plus downgrades, as a percentage of managed assignments on the platform.
    pub max_destructive_percent: f64,
    /// A snapshot feed must list at least this share of the agents of the previous one.
    pub min_snapshot_share: f64,
    /// Fewest agents a managed skill may be left with by a plan that removes it from some.
    pub min_holders: usize,
    /// Per skill, instead of `min_holders`.
    pub skill_min_holders: BTreeMap<String, usize>,
}

impl SafetySettings {
    /// The fewest holders `skill` may be left with.
    pub fn min_holders_of(&self, skill: &str) -> usize {
        self.skill_min_holders
            .get(skill)
            .copied()
            .unwrap_or(self.min_holders)
    }
}

impl Default for SafetySettings {
    fn default() -> Self {
        Self {
            max_destructive: 50,
            max_destructive_percent: 10.0,
            min_snapshot_share: 0.9,
            min_holders: 1,
            skill_min_holders: BTreeMap::new(),
        }
    }
}

/// Why a plan needs approval.
#[derive(Debug, Clone, PartialEq)]
pub enum SafetyViolation {
    /// Too many removals and downgrades.
    TooDestructive {
        /// Removals plus downgrades planned.
        destructive: usize,
        /// Managed assignments on the platform.
        managed: usize,
        /// The count limit.
        max: usize,
        /// The percentage limit.
        max_percent: f64,
    },
    /// A managed skill would be left with too few holders.
    TooFewHolders {
        /// The skill.
        skill: String,
        /// Agents holding it now.
        now: usize,
        /// After the plan.
        after: usize,
        /// The minimum.
        min: usize,
    },
    /// A snapshot lists far fewer agents than the previous one.
    SnapshotShrank {
        /// Agents in this snapshot.
        agents: usize,
        /// Agents in the previous one.
        previous: usize,
        /// The required share.
        min_share: f64,
    },
}

impl fmt::Display for SafetyViolation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::TooDestructive { destructive, managed, max, max_percent } => {
                let percent = if *managed == 0 { 100.0 } else { *destructive as f64 * 100.0 / *managed as f64 };
                write!(
                    f,
                    "the plan removes or downgrades {destructive} of {managed} managed assignments ({percent:.1} %); \
                     the limits are {max} and {max_percent} % (safety.max_destructive, safety.max_destructive_percent)"
                )
            }
            Self::TooFewHolders { skill, now, after, min } => write!(
                f,
                "skill {skill} would be held by {now} → {after} agents, fewer than {min} \
                 (safety.min_holders); a queue routed on it would lose everyone who can take it"
            ),
            Self::SnapshotShrank { agents, previous, min_share } => write!(
                f,
                "the snapshot lists {agents} agents, fewer than {:.0} % of the previous {previous} \
                 (safety.min_snapshot_share); a truncated export would remove everyone else's skills",
                min_share * 100.0
            ),
        }
    }
}

/// The snapshot comparison for a run without history: `(agents in this feed, platform users
/// holding managed assignments now)`, or `None` for a partial feed.
pub fn live_snapshot_baseline(
    desired: &crate::domain::DesiredState,
    plan: &Plan,
) -> Option<(usize, usize)> {
    (desired.scope == crate::domain::FeedScope::Snapshot)
        .then_some((desired.agents.len(), plan.counts.managed_agents))
}

/// Checks `plan` against the limits. `snapshot` is `Some((agents in this feed, agents in the
/// previous snapshot))` for snapshot feeds; `holders` counts each skill's holders among every
/// agent the org has observed, for the coverage guard.
pub fn check_safety(
    plan: &Plan,
    settings: &SafetySettings,
    snapshot: Option<(usize, usize)>,
    holders: &Holders,
) -> Vec<SafetyViolation> {
    let mut violations = Vec::new();
    let destructive = plan.counts.destructive;
    let managed = plan.counts.managed_assignments;
    let over_percent =
        destructive as f64 > settings.max_destructive_percent / 100.0 * managed as f64;
    if destructive > 0 && (destructive > settings.max_destructive || over_percent) {
        violations.push(SafetyViolation::TooDestructive {
            destructive,
            managed,
            max: settings.max_destructive,
            max_percent: settings.max_destructive_percent,
        });
    }
    // A shrunk snapshot matters for what it would take away; with nothing destructive planned
    // (an additive policy, say) holding it would only block its additions.
    if let Some((agents, previous)) = snapshot.filter(|_| destructive > 0) {
        if (agents as f64) < settings.min_snapshot_share * previous as f64 {
            violations.push(SafetyViolation::SnapshotShrank {
                agents,
                previous,
                min_share: settings.min_snapshot_share,
            });
        }
    }
    violations.extend(check_coverage(plan, holders, settings));
    violations
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::planner::PlanCounts;

    fn plan(destructive: usize, managed: usize) -> Plan {
        Plan {
            counts: PlanCounts {
                destructive,
                managed_assignments: managed,
                ..PlanCounts::default()
            },
            ..Plan::default()
        }
    }

    #[test]
    fn thresholds_trip_on_either_the_count_or_the_percentage() {
        let s = SafetySettings::default();
        let cases = [
            (0, 0, false),
            (10, 1000, false),
            (50, 1000, false),
            (51, 1000, true),
            (11, 100, true),
            (10, 100, false),
        ];
        for (destructive, managed, trips) in cases {
            let violations = check_safety(&plan(destructive, managed), &s, None, &Holders::new());
            assert_eq!(!violations.is_empty(), trips, "{destructive} of {managed}");
        }
    }

    #[test]
    fn a_snapshot_with_under_90_percent_of_the_previous_agents_is_held() {
        let s = SafetySettings::default();
        assert!(check_safety(&plan(1, 100), &s, Some((90, 100)), &Holders::new()).is_empty());
        assert!(
            check_safety(&plan(0, 100), &s, Some((10, 100)), &Holders::new()).is_empty(),
            "nothing to take away, nothing to hold"
        );
        let v = check_safety(&plan(1, 100), &s, Some((89, 100)), &Holders::new());
        assert!(matches!(
            v.as_slice(),
            [SafetyViolation::SnapshotShrank {
                agents: 89,
                previous: 100,
                ..
            }]
        ));
        assert!(v[0].to_string().contains("min_snapshot_share"));
    }
}
