//! The JSON reader: `{"agents": [...]}` read as a stream, one agent object in memory at a time,
//! with the shapes people send by mistake named as such. Hands each agent to `json_agent`;
//! does no normalization itself.

use std::fmt;
use std::io::{self, BufReader, Read};

use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::error::Category;

use super::collect::Collector;
use super::head::{read_head, Head, Until};
use super::json_agent::{escape, read_agent};
use super::problem::{Location, Problem, ProblemKind, WarningKind};

const ROOT_SHAPE: &str = r#"an object {"agents": [...]}"#;
const AGENTS_SHAPE: &str = r#"an array of agent objects [{"agent": ..., "skills": [...]}]"#;

/// Reads a JSON feed from `input` into `collector`. Only I/O failures are returned; everything
/// wrong with the content is recorded in `collector`.
pub(crate) fn read(input: impl Read, collector: &mut Collector<'_>) -> io::Result<()> {
    let mut input = BufReader::with_capacity(64 * 1024, input);
    let head = match read_head(&mut input, Until::Token)? {
        Head::Empty => return root_problem(collector, Location::File, ProblemKind::EmptyFile),
        Head::Utf16 => return root_problem(collector, Location::File, ProblemKind::Utf16),
        Head::Text(head) => head,
    };
    let found = match head.last() {
        Some(b'{') => None,
        Some(b'[') => Some("an array at the root"),
        Some(b'"') => Some("a string"),
        Some(b'-' | b'0'..=b'9') => Some("a number"),
        Some(b't' | b'f') => Some("a boolean"),
        Some(b'n') => Some("null"),
        _ => Some("something that is not JSON"),
    };
    if let Some(found) = found {
        let kind = ProblemKind::WrongShape {
            expected: ROOT_SHAPE,
            found,
        };
        return root_problem(collector, Location::Pointer(String::new()), kind);
    }
    let mut deserializer =
        serde_json::Deserializer::from_reader(io::Cursor::new(head).chain(input));
    let parsed = deserializer
        .deserialize_map(Root {
            collector: &mut *collector,
        })
        .and_then(|()| deserializer.end());
    match parsed {
        Ok(()) => Ok(()),
        Err(error) => syntax_problem(collector, error),
    }
}

fn root_problem(
    collector: &mut Collector<'_>,
    location: Location,
    kind: ProblemKind,
) -> io::Result<()> {
    collector.error(Problem::at(location, kind));
    Ok(())
}

fn syntax_problem(collector: &mut Collector<'_>, error: serde_json::Error) -> io::Result<()> {
    let location = Location::Position {
        line: error.line() as u64,
        column: error.column() as u64,
    };
    let kind = match error.classify() {
        Category::Io => return Err(error.into()),
        Category::Eof => ProblemKind::TruncatedJson,
        _ => {
            let message = error.to_string();
            let suffix = format!(" at line {} column {}", error.line(), error.column());
            let message = message.strip_suffix(&suffix).unwrap_or(&message);
            if message.contains("invalid unicode code point") {
                ProblemKind::NotUtf8
            } else {
                ProblemKind::Syntax(message.to_owned())
            }
        }
    };
    root_problem(collector, location, kind)
}

/// The root object: `agents` is read, anything else is skipped with a warning.
struct Root<'c, 'r> {
    collector: &'c mut Collector<'r>,
}

impl<'de> Visitor<'de> for Root<'_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(ROOT_SHAPE)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut agents = None;
        while let Some(key) = map.next_key::<String>()? {
            if key == "agents" {
                agents = Some(map.next_value_seed(Agents {
                    collector: &mut *self.collector,
                })?);
            } else {
                let location = Location::Pointer(format!("/{}", escape(&key)));
                self.collector
                    .warn(location, WarningKind::unknown_key(&key));
                map.next_value::<IgnoredAny>()?;
            }
        }
        let kind = match agents {
            None => ProblemKind::WrongShape {
                expected: ROOT_SHAPE,
                found: r#"an object without "agents""#,
            },
            Some(Some(0)) => ProblemKind::NoRows("the feed lists no agents"),
            Some(_) => return Ok(()),
        };
        self.collector
            .error(Problem::at(Location::Pointer("/agents".into()), kind));
        Ok(())
    }
}

/// The `agents` value: an array is read agent by agent; other shapes are recorded.
/// Produces the number of agents, or `None` when `agents` was not an array.
struct Agents<'c, 'r> {
    collector: &'c mut Collector<'r>,
}

impl Agents<'_, '_> {
    fn wrong<E>(self, found: &'static str) -> Result<Option<u32>, E> {
        let kind = ProblemKind::WrongShape {
            expected: AGENTS_SHAPE,
            found,
        };
        self.collector
            .error(Problem::at(Location::Pointer("/agents".into()), kind));
        Ok(None)
    }
}

impl<'de> DeserializeSeed<'de> for Agents<'_, '_> {
    type Value = Option<u32>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Agents<'_, '_> {
    type Value = Option<u32>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(AGENTS_SHAPE)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut index = 0_u32;
        while let Some(agent) = seq.next_element::<serde_json::Value>()? {
            read_agent(self.collector, index, agent);
            index = index.saturating_add(1);
        }
        Ok(Some(index))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        self.wrong("an object (agents keyed by name?)")
    }

    fn visit_str<E>(self, _: &str) -> Result<Self::Value, E> {
        self.wrong("a string")
    }

    fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
        self.wrong("a boolean")
    }

    fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
        self.wrong("a number")
    }

    fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
        self.wrong("a number")
    }

    fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
        self.wrong("a number")
    }

    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        self.wrong("null")
    }
}
