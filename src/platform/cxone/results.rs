//! Reading a NICE CXone write answer. A 200 may carry failed items:
//! `{"resultSet":{"errorCount":N,"skillResults"|"agentResults":[{…,"success"?,"errorMessage"?}]}}`.
//! The shape is only partly confirmed, so this reads it as loose JSON: unknown fields, missing
//! arrays, ids as numbers or text and an empty body are all accepted.

use serde_json::Value;

use super::wire::CxoneId;

/// One item a write did not make.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemFailure {
    /// The skill (per-agent writes) or agent (per-skill writes) that failed, when named.
    pub id: Option<CxoneId>,
    /// CXone's message (empty when it gave none).
    pub message: String,
}

/// What a write answer says about its items.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WriteReport {
    /// The items reported as failed.
    pub failed: Vec<ItemFailure>,
    /// Failures `errorCount` announces beyond the items found failed (unattributable).
    pub unattributed: u64,
    /// The answer's HTTP status (0 until the write fills it in).
    pub status: u16,
    /// The answer's correlation id (empty until the write fills it in).
    pub correlation_id: String,
}

impl WriteReport {
    /// True when nothing failed.
    pub fn is_clean(&self) -> bool {
        self.failed.is_empty() && self.unattributed == 0
    }

    /// The ids of the failed items that named one.
    pub fn failed_ids(&self) -> impl Iterator<Item = &CxoneId> {
        self.failed.iter().filter_map(|f| f.id.as_ref())
    }
}

/// Reads a successful write's answer. A body that is not JSON (or is empty) reports nothing
/// failed: a 2xx without a result set is taken at its word.
pub fn read_write_answer(body: &[u8]) -> WriteReport {
    let Ok(root) = serde_json::from_slice::<Value>(body) else {
        return WriteReport::default();
    };
    let set = root.get("resultSet").unwrap_or(&root);
    // An item may name both its agent and its skill: the list says which one it stands for.
    let lists = [
        ("skillResults", ["skillId", "agentId"]),
        ("agentResults", ["agentId", "skillId"]),
        ("results", ["skillId", "agentId"]),
    ];
    let failed: Vec<ItemFailure> = lists
        .iter()
        .filter_map(|(key, ids)| Some((set.get(*key)?.as_array()?, ids)))
        .flat_map(|(items, ids)| items.iter().filter_map(|item| item_failure(item, ids)))
        .collect();
    let error_count = set
        .get("errorCount")
        .and_then(|n| n.as_u64().or_else(|| n.as_str()?.trim().parse().ok()))
        .unwrap_or(0);
    WriteReport {
        unattributed: error_count.saturating_sub(failed.len() as u64),
        failed,
        ..WriteReport::default()
    }
}

/// An item failed when `success` is false, or when it carries an error message and does not
/// say it succeeded. `ids`: the id fields that name it, the one its list stands for first.
fn item_failure(item: &Value, ids: &[&str; 2]) -> Option<ItemFailure> {
    let success = item.get("success").and_then(|s| match s {
        Value::Bool(b) => Some(*b),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    });
    let message = ["errorMessage", "message", "error"]
        .iter()
        .find_map(|key| item.get(*key).and_then(Value::as_str))
        .map(str::trim)
        .unwrap_or("")
        .to_string();
    let failed = match success {
        Some(ok) => !ok,
        None => !message.is_empty(),
    };
    if !failed {
        return None;
    }
    let id = ids.iter().find_map(|key| match item.get(*key)? {
        Value::Number(n) => Some(CxoneId::new(n.to_string())),
        Value::String(s) if !s.trim().is_empty() => Some(CxoneId::new(s.trim())),
        _ => None,
    });
    Some(ItemFailure { id, message })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_200_with_failed_items_names_them() {
        let body = br#"{"resultSet":{"errorCount":2,"skillResults":[
            {"skillId":1,"success":true},
            {"skillId":2,"success":false,"errorMessage":"Skill is inactive"},
            {"skillId":"3","errorMessage":"Invalid proficiency","extra":[1]}]}}"#;
        let report = read_write_answer(body);
        assert!(!report.is_clean());
        let ids: Vec<&str> = report.failed_ids().map(CxoneId::as_str).collect();
        assert_eq!(ids, ["2", "3"]);
        assert_eq!(report.failed[0].message, "Skill is inactive");
        assert_eq!(report.unattributed, 0);
    }

    #[test]
    fn per_skill_answers_name_agents() {
        // Items may name the skill too; in agentResults the agent is what failed.
        let body = br#"{"resultSet":{"errorCount":"1","agentResults":[
            {"skillId":7,"agentId":101,"success":"false"},
            {"skillId":7,"agentId":102,"success":true,"errorMessage":""}]}}"#;
        let report = read_write_answer(body);
        assert_eq!(report.failed.len(), 1);
        assert_eq!(report.failed[0].id, Some(CxoneId::from(101)));
    }

    #[test]
    fn an_error_count_without_items_is_still_a_failure() {
        let report = read_write_answer(br#"{"resultSet":{"errorCount":3}}"#);
        assert!(report.failed.is_empty());
        assert_eq!(report.unattributed, 3);
        assert!(!report.is_clean());
    }

    #[test]
    fn clean_empty_and_unknown_answers_report_nothing_failed() {
        for body in [
            &br#"{"resultSet":{"errorCount":0,"skillResults":[{"skillId":1,"success":true}]}}"#[..],
            b"",
            b"OK",
            br#"{"somethingElse":{}}"#,
            br#"{"resultSet":{"skillResults":null}}"#,
        ] {
            assert!(read_write_answer(body).is_clean(), "{body:?}");
        }
    }
}
