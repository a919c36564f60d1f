//! A job's stored plan as the job page lists it: one row per change, who loses what first.
//!
//! The plan is read back from the JSON the worker stored (`GET /v1/jobs/{id}` shows the same),
//! so the page explains exactly what was held, not a plan made again since.

use serde::Deserialize;

use super::changes::{drift_rows, DriftRow};

/// Most rows the page lists; the JSON API has the whole plan.
pub const ROWS_SHOWN: usize = 500;

#[derive(Deserialize)]
struct StoredPlan {
    #[serde(default)]
    summary: Option<StoredCounts>,
    #[serde(default)]
    agents: Vec<StoredAgent>,
    #[serde(default)]
    agents_not_shown: usize,
}

#[derive(Deserialize, Default)]
struct StoredCounts {
    #[serde(default)]
    agents: usize,
    #[serde(default)]
    additions: usize,
    #[serde(default)]
    updates: usize,
    #[serde(default)]
    removals: usize,
    #[serde(default)]
    destructive: usize,
}

#[derive(Deserialize)]
struct StoredAgent {
    key: Option<String>,
    user_id: String,
    label: String,
    #[serde(default)]
    changes: serde_json::Value,
}

/// One change as the page lists it.
pub struct ChangeRow {
    /// The agent's label (email, employee id or user id).
    pub agent: String,
    /// What the agent page is keyed by: the feed key, or the user id.
    pub agent_key: String,
    /// `remove`, `downgrade`, `upgrade` or `add`.
    pub what: &'static str,
    /// The change as the agent page shows drift.
    pub change: DriftRow,
}

/// A stored plan, read for the page.
pub struct PlanView {
    /// Agents with changes.
    pub agents: usize,
    /// Additions, proficiency changes, removals, and how many removals and downgrades.
    pub additions: usize,
    /// Proficiency changes.
    pub updates: usize,
    /// Removals.
    pub removals: usize,
    /// Removals and downgrades that would be written.
    pub destructive: usize,
    /// The rows shown: losses first, then the rest, each in the plan's order.
    pub rows: Vec<ChangeRow>,
    /// Changes not listed (past [`ROWS_SHOWN`], or agents the stored plan left out).
    pub not_shown: usize,
    /// Agents the stored plan itself left out.
    pub agents_not_shown: usize,
}

fn what(change: &DriftRow) -> &'static str {
    match change.action.as_str() {
        "remove" => "remove",
        "update" if change.loses => "downgrade",
        "update" => "upgrade",
        _ => "add",
    }
}

/// `plan` as the page lists it; none when the job has no plan yet or it cannot be read.
pub fn plan_view(plan: Option<&serde_json::Value>) -> Option<PlanView> {
    let stored = StoredPlan::deserialize(plan?).ok()?;
    let mut rows = Vec::new();
    for agent in stored.agents {
        let key = agent.key.unwrap_or(agent.user_id);
        for change in drift_rows(&agent.changes).ok()? {
            rows.push(ChangeRow {
                agent: agent.label.clone(),
                agent_key: key.clone(),
                what: what(&change),
                change,
            });
        }
    }
    // Stable: within each group the plan's order (agents by label, changes by kind and name).
    rows.sort_by_key(|row| !row.change.loses);
    let not_shown = rows.len().saturating_sub(ROWS_SHOWN);
    rows.truncate(ROWS_SHOWN);
    let counts = stored.summary.unwrap_or_default();
    Some(PlanView {
        agents: counts.agents,
        additions: counts.additions,
        updates: counts.updates,
        removals: counts.removals,
        destructive: counts.destructive,
        rows,
        not_shown,
        agents_not_shown: stored.agents_not_shown,
    })
}

#[cfg(test)]
mod tests {
    use super::plan_view;
    use serde_json::json;

    #[test]
    fn losses_come_first_and_keep_the_plans_order() {
        let plan = json!({
            "summary": {"agents": 2, "additions": 1, "updates": 2, "removals": 1, "destructive": 2},
            "agents": [
                {"key": "a@example.com", "user_id": "u1", "label": "a@example.com", "changes": [
                    {"action": "add", "type": "skill", "name": "New", "from": null, "to": 3.0,
                     "writable": true, "urgency": "routine"},
                    {"action": "update", "type": "skill", "name": "Up", "from": 2.0, "to": 4.0,
                     "writable": true, "urgency": "routine"},
                ]},
                {"key": null, "user_id": "u2", "label": "b@example.com", "changes": [
                    {"action": "update", "type": "language", "name": "German", "from": 4.0,
                     "to": 1.0, "writable": false, "urgency": "routine"},
                    {"action": "remove", "type": "certification", "name": "PCI", "from": null,
                     "to": null, "writable": true, "urgency": "urgent", "rule": "expired"},
                ]},
            ],
            "agents_not_shown": 0, "unmatched": [], "ignored": 0,
        });
        let view = plan_view(Some(&plan)).expect("read");
        let order: Vec<(&str, &str)> = view
            .rows
            .iter()
            .map(|r| (r.what, r.change.name.as_str()))
            .collect();
        assert_eq!(
            order,
            [
                ("downgrade", "German"),
                ("remove", "PCI"),
                ("add", "New"),
                ("upgrade", "Up")
            ]
        );
        let pci = &view.rows[1];
        assert!(pci.change.urgency == "urgent" && pci.change.writable && pci.change.loses);
        assert_eq!(
            (pci.agent_key.as_str(), pci.change.rule.as_str()),
            ("u2", "expired")
        );
        let german = &view.rows[0].change;
        assert_eq!((german.from.as_str(), german.to.as_str()), ("4", "1"));
        assert!(!german.writable);
        assert_eq!((view.agents, view.destructive, view.not_shown), (2, 2, 0));
    }

    #[test]
    fn no_plan_or_another_shape_shows_none() {
        assert!(plan_view(None).is_none());
        assert!(plan_view(Some(&json!("text"))).is_none());
        let empty = plan_view(Some(&json!({}))).expect("an empty plan");
        assert!(empty.rows.is_empty());
    }
}
