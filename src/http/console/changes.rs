//! Planned changes as the agents table's drift column and the audit log store them, read as
//! rows for the console. Reads JSON only; plans nothing.

use serde::Deserialize;

use crate::domain::Proficiency;

/// One planned change.
pub struct DriftRow {
    /// `add`, `update` or `remove`.
    pub action: String,
    /// `+`, `~` or `-`.
    pub symbol: char,
    /// `skill`, `language` or `certification`.
    pub kind: String,
    /// Platform name.
    pub name: String,
    /// Observed proficiency; empty for an addition.
    pub from: String,
    /// Desired proficiency; empty for a removal.
    pub to: String,
    /// `routine` or `urgent`.
    pub urgency: String,
    /// False when the change is reported, or waits, rather than written.
    pub writable: bool,
    /// Why, when a rule rather than a feed row caused it.
    pub rule: String,
    /// A removal or a lower proficiency: what the safety checks count as a loss.
    pub loses: bool,
}

/// One change as the drift column stores it: a plan's change as `GET /v1/agents/{key}` shows it.
#[derive(Deserialize)]
struct StoredChange {
    action: String,
    #[serde(rename = "type")]
    kind: String,
    name: String,
    from: Option<f64>,
    to: Option<f64>,
    #[serde(default = "yes")]
    writable: bool,
    #[serde(default)]
    urgency: Option<String>,
    #[serde(default)]
    rule: Option<String>,
}

fn yes() -> bool {
    true
}

/// A change in one line: `~ language German 2 -> 1 (rule)`.
pub fn summary(row: &DriftRow) -> String {
    let mut text = format!("{} {} {}", row.symbol, row.kind, row.name);
    match (row.from.is_empty(), row.to.is_empty()) {
        (false, false) => text.push_str(&format!(" {} -> {}", row.from, row.to)),
        (true, false) => text.push_str(&format!(" ({})", row.to)),
        (false, true) => text.push_str(&format!(" ({})", row.from)),
        (true, true) => {}
    }
    if !row.rule.is_empty() {
        text.push_str(&format!(" [{}]", row.rule));
    }
    text
}

/// The stored drift as rows.
pub fn drift_rows(stored: &serde_json::Value) -> Result<Vec<DriftRow>, serde_json::Error> {
    let changes: Vec<StoredChange> = match stored {
        serde_json::Value::Null => Vec::new(),
        other => Vec::<StoredChange>::deserialize(other)?,
    };
    let shown = |p: Option<f64>| {
        p.and_then(Proficiency::nearest)
            .map(|p| p.to_string())
            .unwrap_or_default()
    };
    Ok(changes
        .into_iter()
        .map(|c| DriftRow {
            loses: match (c.action.as_str(), c.from, c.to) {
                ("remove", _, _) => true,
                ("update", Some(from), Some(to)) => to < from,
                _ => false,
            },
            symbol: match c.action.as_str() {
                "add" => '+',
                "remove" => '-',
                _ => '~',
            },
            action: c.action,
            kind: c.kind,
            name: c.name,
            from: shown(c.from),
            to: shown(c.to),
            urgency: c.urgency.unwrap_or_else(|| "routine".into()),
            writable: c.writable,
            rule: c.rule.unwrap_or_default(),
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::{drift_rows, summary};
    use serde_json::json;

    #[test]
    fn stored_changes_read_as_rows_and_one_line_summaries() {
        let stored = json!([
            {"action": "update", "type": "language", "name": "German", "from": 2.0, "to": 1.0,
             "writable": false, "urgency": "routine"},
            {"action": "remove", "type": "skill", "name": "Gate_PCI", "from": 5.0, "to": null,
             "writable": true, "urgency": "urgent", "rule": "gate skill of PCI: expired"}
        ]);
        let rows = drift_rows(&stored).expect("readable");
        assert_eq!(summary(&rows[0]), "~ language German 2 -> 1");
        assert!(!rows[0].writable);
        assert_eq!(
            summary(&rows[1]),
            "- skill Gate_PCI (5) [gate skill of PCI: expired]"
        );
        assert_eq!(rows[1].urgency, "urgent");
        assert!(rows[0].loses && rows[1].loses, "a downgrade and a removal");
        assert!(drift_rows(&json!(null)).expect("none").is_empty());
        assert!(drift_rows(&json!({"approve": true})).is_err());
    }
}
