//! Where a raw assignment came from (`Origin`, a CSV line or a JSON item, small enough to keep
//! one per assignment) and what a reader hands over (`RawAssignment`). No rules live here.

use crate::domain::AssignmentKind;

use super::problem::Location;

/// Where an assignment came from, small enough to keep one per assignment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Origin {
    /// A CSV row, by the line it starts on.
    Line(u64),
    /// An item of a JSON agent's list.
    Json {
        agent: u32,
        kind: AssignmentKind,
        item: u32,
    },
}

impl Origin {
    /// The row or JSON item.
    pub(crate) fn location(self) -> Location {
        match self {
            Self::Line(line) => Location::Line(line),
            Self::Json { agent, kind, item } => {
                Location::Pointer(format!("/agents/{agent}/{}/{item}", list_key(kind)))
            }
        }
    }

    /// One field of the row or JSON item; a JSON item's `agent` is its agent object's.
    pub(crate) fn field(self, field: &'static str) -> Location {
        match self {
            Self::Line(line) => Location::Line(line),
            Self::Json { agent, .. } if field == "agent" => {
                Location::Pointer(format!("/agents/{agent}/agent"))
            }
            Self::Json { agent, kind, item } => {
                Location::Pointer(format!("/agents/{agent}/{}/{item}/{field}", list_key(kind)))
            }
        }
    }
}

/// The JSON key of an agent's list of assignments of `kind`.
pub(crate) fn list_key(kind: AssignmentKind) -> &'static str {
    match kind {
        AssignmentKind::Skill => "skills",
        AssignmentKind::Language => "languages",
        AssignmentKind::Certification => "certifications",
    }
}

/// One assignment as a reader found it: text, not yet normalized.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RawAssignment<'a> {
    pub(crate) origin: Origin,
    pub(crate) kind: AssignmentKind,
    pub(crate) name: &'a str,
    pub(crate) proficiency: Option<&'a str>,
    pub(crate) issued_on: Option<&'a str>,
    pub(crate) expires_on: Option<&'a str>,
    /// Free text for the skill's definition (issue 16); never part of the desired state.
    pub(crate) description: Option<&'a str>,
}
