//! One JSON agent object, already parsed: checks its shape and hands each list item to the
//! `Collector` with a JSON pointer for every field. Does no normalization itself.

use std::borrow::Cow;

use serde_json::{Map, Value};

use crate::domain::AssignmentKind;

use super::collect::Collector;
use super::origin::{list_key, Origin, RawAssignment};
use super::problem::{Location, Problem, ProblemKind, WarningKind};

const AGENT_SHAPE: &str = r#"an agent object {"agent": ..., "skills": [...], "languages": [...], "certifications": [...]}"#;
const LEVEL_LIST: &str = r#"an array of {"name": ..., "proficiency": ...} objects"#;
const CERTIFICATION_LIST: &str =
    r#"an array of {"name": ..., "issued_on": ..., "expires_on": ...} objects"#;
const LEVEL_ITEM: &str = r#"an object {"name": ..., "proficiency": ..., "description": ...}"#;
const CERTIFICATION_ITEM: &str = r#"an object {"name": ..., "issued_on": ..., "expires_on": ...}"#;

/// Reads `/agents/{index}`.
pub(crate) fn read_agent(collector: &mut Collector<'_>, index: u32, value: Value) {
    let pointer = format!("/agents/{index}");
    let Value::Object(fields) = value else {
        let kind = ProblemKind::WrongShape {
            expected: AGENT_SHAPE,
            found: kind_of(&value),
        };
        collector.error(Problem::at(Location::Pointer(pointer), kind));
        return;
    };
    let origin = Origin::Json {
        agent: index,
        kind: AssignmentKind::Skill,
        item: 0,
    };
    let agent = match text(&fields, "agent") {
        Field::Text(raw) => collector.agent(origin, &raw),
        Field::Absent => {
            collector.error(Problem::in_field(
                origin.field("agent"),
                "agent",
                "",
                ProblemKind::Missing,
            ));
            None
        }
        Field::Wrong(found) => {
            let kind = ProblemKind::WrongShape {
                expected: "a string",
                found,
            };
            collector.error(Problem::at(origin.field("agent"), kind));
            None
        }
    };
    if let Some(agent) = &agent {
        collector.list_agent(agent.clone());
    }
    for (key, value) in &fields {
        let kind = match key.as_str() {
            "agent" => continue,
            "skills" => AssignmentKind::Skill,
            "languages" => AssignmentKind::Language,
            "certifications" => AssignmentKind::Certification,
            other => {
                let location = Location::Pointer(format!("{pointer}/{}", escape(other)));
                collector.warn(location, WarningKind::unknown_key(other));
                continue;
            }
        };
        read_list(collector, agent.as_ref(), index, kind, value);
    }
}

fn read_list(
    collector: &mut Collector<'_>,
    agent: Option<&crate::domain::AgentKey>,
    index: u32,
    kind: AssignmentKind,
    value: &Value,
) {
    let expected = match kind {
        AssignmentKind::Certification => CERTIFICATION_LIST,
        _ => LEVEL_LIST,
    };
    let found = match value {
        Value::Array(items) => {
            for (item, value) in (0_u32..).zip(items) {
                let origin = Origin::Json {
                    agent: index,
                    kind,
                    item,
                };
                read_item(collector, agent.cloned(), origin, kind, value);
            }
            return;
        }
        Value::Null => return,
        Value::Object(_) => "an object (a map of name to value is not accepted)",
        other => kind_of(other),
    };
    let location = Location::Pointer(format!("/agents/{index}/{}", list_key(kind)));
    collector.error(Problem::at(
        location,
        ProblemKind::WrongShape { expected, found },
    ));
}

fn read_item(
    collector: &mut Collector<'_>,
    agent: Option<crate::domain::AgentKey>,
    origin: Origin,
    kind: AssignmentKind,
    value: &Value,
) {
    let (expected, keys): (_, &[&str]) = match kind {
        // `description` is read on every item so that one on a language or certification is
        // reported as not applying rather than as an unknown key.
        AssignmentKind::Certification => (
            CERTIFICATION_ITEM,
            &["name", "issued_on", "expires_on", "description"],
        ),
        _ => (LEVEL_ITEM, &["name", "proficiency", "description"]),
    };
    let Value::Object(fields) = value else {
        let kind = ProblemKind::WrongShape {
            expected,
            found: kind_of(value),
        };
        collector.error(Problem::at(origin.location(), kind));
        return;
    };
    for key in fields.keys().filter(|key| !keys.contains(&key.as_str())) {
        let Location::Pointer(item) = origin.location() else {
            continue;
        };
        let location = Location::Pointer(format!("{item}/{}", escape(key)));
        collector.warn(location, WarningKind::unknown_key(key));
    }
    let mut values: [Option<Cow<'_, str>>; 4] = [None, None, None, None];
    let mut valid = true;
    for (slot, &key) in values.iter_mut().zip(keys) {
        match text(fields, key) {
            Field::Text(raw) => *slot = Some(raw),
            Field::Absent => {}
            Field::Wrong(found) => {
                let expected = if key == "proficiency" {
                    "a number or a label"
                } else {
                    "a string"
                };
                let kind = ProblemKind::WrongShape { expected, found };
                collector.error(Problem::at(origin.field(key), kind));
                valid = false;
            }
        }
    }
    if !valid {
        return;
    }
    let [name, second, third, fourth] = values;
    let (proficiency, issued_on, expires_on, description) = match kind {
        AssignmentKind::Certification => (None, second, third, fourth),
        _ => (second, None, None, third),
    };
    let raw = RawAssignment {
        origin,
        kind,
        name: name.as_deref().unwrap_or_default(),
        proficiency: proficiency.as_deref(),
        issued_on: issued_on.as_deref(),
        expires_on: expires_on.as_deref(),
        description: description.as_deref(),
    };
    collector.assignment(agent, raw);
}

/// A field read as text: strings as they are, numbers in their JSON spelling.
enum Field<'v> {
    Absent,
    Text(Cow<'v, str>),
    Wrong(&'static str),
}

fn text<'v>(fields: &'v Map<String, Value>, key: &str) -> Field<'v> {
    match fields.get(key) {
        None | Some(Value::Null) => Field::Absent,
        Some(Value::String(text)) => Field::Text(Cow::Borrowed(text)),
        Some(Value::Number(number)) => Field::Text(Cow::Owned(number.to_string())),
        Some(other) => Field::Wrong(kind_of(other)),
    }
}

fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// A key as a JSON pointer segment (RFC 6901).
pub(crate) fn escape(key: &str) -> Cow<'_, str> {
    if key.contains(['~', '/']) {
        Cow::Owned(key.replace('~', "~0").replace('/', "~1"))
    } else {
        Cow::Borrowed(key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pointer_segments_escape_tilde_and_slash() {
        assert_eq!(escape("a/b~c"), "a~1b~0c");
        assert_eq!(escape("plain"), "plain");
    }
}
