//! What is wrong with a feed, and where: `Location`, `Problem` (an error), `Warning`, and the
//! capped lists they are collected in. Describes problems; never decides what is one.

use std::fmt;

use crate::domain::{AgentKeyError, NameError};

use super::dates::DateError;
use super::proficiency::ProficiencyError;

/// Where in a feed something was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// The file as a whole.
    File,
    /// A CSV line (1-based; the header is line 1). A row spanning lines is named by its first.
    Line(u64),
    /// A JSON pointer (RFC 6901) such as `/agents/3/skills/0/proficiency`.
    Pointer(String),
    /// A position in a JSON text that could not be parsed.
    Position {
        /// 1-based line.
        line: u64,
        /// 1-based column.
        column: u64,
    },
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::File => f.write_str("file"),
            Self::Line(line) => write!(f, "line {line}"),
            Self::Pointer(pointer) if pointer.is_empty() => f.write_str("root"),
            Self::Pointer(pointer) => f.write_str(pointer),
            Self::Position { line, column } => write!(f, "line {line} column {column}"),
        }
    }
}

/// Why a feed is rejected; one variant per class of error.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProblemKind {
    /// No bytes, or only white space.
    #[error("the file is empty")]
    EmptyFile,
    /// A CSV header with no row under it, or a JSON feed listing no agent.
    #[error("{0}")]
    NoRows(&'static str),
    /// A UTF-16 file (Excel's "Unicode text").
    #[error("the file is UTF-16 encoded; save it as UTF-8 (in Excel: \"CSV UTF-8\")")]
    Utf16,
    /// Bytes that are not UTF-8.
    #[error("not valid UTF-8: save the file as UTF-8 (it looks like Latin-1 or Windows-1252)")]
    NotUtf8,
    /// The file ends inside a quoted CSV field.
    #[error("truncated file: the quoted field opened on line {opened_on} is never closed")]
    UnclosedQuote {
        /// Where the quote was opened.
        opened_on: u64,
    },
    /// The JSON text ends before it is complete.
    #[error("truncated file: the JSON document ends before it is complete")]
    TruncatedJson,
    /// A JSON syntax error.
    #[error("invalid JSON: {0}")]
    Syntax(String),
    /// A required CSV column is not in the header.
    #[error("missing required column `{column}`; the header has: {header}")]
    MissingColumn {
        /// The column's name.
        column: &'static str,
        /// The header as read, for comparison.
        header: String,
    },
    /// A column appears twice in the header.
    #[error("column `{0}` appears more than once in the header")]
    DuplicateColumn(&'static str),
    /// A row whose number of fields differs from the header's.
    #[error("the row has {found} fields but the header has {expected} (an unquoted delimiter inside a value?)")]
    FieldCount {
        /// Fields in the row.
        found: usize,
        /// Fields in the header.
        expected: usize,
    },
    /// A value the shape of the feed requires is missing or empty.
    #[error("missing value")]
    Missing,
    /// A JSON value of the wrong type or shape.
    #[error("expected {expected}, found {found}")]
    WrongShape {
        /// What the feed format requires here.
        expected: &'static str,
        /// What the file has.
        found: &'static str,
    },
    /// A `type` other than skill, language or certification.
    #[error("unknown type; allowed: skill, language, certification")]
    UnknownType,
    /// The agent key cannot be normalized.
    #[error("{0}")]
    Agent(#[from] AgentKeyError),
    /// The name cannot be normalized.
    #[error("{0}")]
    Name(#[from] NameError),
    /// A skill being retired (`skills retire`): no feed may assign it again.
    #[error("{0}")]
    Retired(String),
    /// The proficiency is not on the configured scale.
    #[error("{0}")]
    Proficiency(#[from] ProficiencyError),
    /// A language on a platform without routing languages (CXone).
    #[error("{0} has no routing languages")]
    NoLanguages(&'static str),
    /// The date cannot be read as an instant.
    #[error("{0}")]
    Date(#[from] DateError),
    /// `expires_on` lies before `issued_on`.
    #[error("expires before it is issued ({issued_on})")]
    ExpiresBeforeIssued {
        /// The normalized `issued_on`, RFC 3339.
        issued_on: String,
    },
    /// Two rows give different values for the same agent, type and name.
    #[error("conflicts with {first} for the same agent, {kind} and name ({first} says {first_value}, this says {value})")]
    Conflict {
        /// Where the first value was given.
        first: Location,
        /// `skill`, `language` or `certification`.
        kind: &'static str,
        /// The first value, normalized.
        first_value: String,
        /// This value, normalized.
        value: String,
    },
}

/// One error in a feed: where, which field, which value, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// Where it is.
    pub location: Location,
    /// The field (column or JSON key), when the problem is in one.
    pub field: Option<&'static str>,
    /// The offending value as read, shortened when long.
    pub value: Option<String>,
    /// Why it is an error.
    pub kind: ProblemKind,
}

/// Longest value quoted in a message; longer ones are cut with an ellipsis.
const MAX_SHOWN_VALUE: usize = 80;

impl Problem {
    /// A problem that concerns the file or a whole line or object.
    pub fn at(location: Location, kind: ProblemKind) -> Self {
        Self {
            location,
            field: None,
            value: None,
            kind,
        }
    }

    /// A problem in one field with the value that was read.
    pub fn in_field(
        location: Location,
        field: &'static str,
        value: &str,
        kind: ProblemKind,
    ) -> Self {
        Self {
            location,
            field: Some(field),
            value: Some(shorten(value)),
            kind,
        }
    }
}

fn shorten(value: &str) -> String {
    match value.char_indices().nth(MAX_SHOWN_VALUE) {
        Some((cut, _)) => format!("{}…", &value[..cut]),
        None => value.to_owned(),
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.location)?;
        if let Some(field) = self.field {
            write!(f, ", {field}")?;
        }
        if let Some(value) = &self.value {
            write!(f, " {value:?}")?;
        }
        write!(f, ": {}", self.kind)
    }
}

/// Something in a feed that is accepted but probably not what its author meant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning {
    /// Where it is.
    pub location: Location,
    /// What was noticed.
    pub kind: WarningKind,
}

/// The kinds of warning.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WarningKind {
    /// A CSV column that is not a feed column.
    #[error("column {0:?} is not a feed column; ignored")]
    UnknownColumn(String),
    /// A JSON key that is not part of the feed format.
    #[error("key {0:?} is not part of the feed format; ignored")]
    UnknownKey(String),
    /// A value in a column that does not apply to the row's type.
    #[error("{field} does not apply to a {kind}; ignored")]
    NotApplicable {
        /// The column.
        field: &'static str,
        /// The row's type.
        kind: &'static str,
    },
    /// Rows with every field empty (spreadsheet exports often end with some).
    #[error("{0} empty row(s) skipped")]
    BlankRows(u64),
    /// Rows repeating an earlier row exactly (after normalization).
    #[error("{0} duplicate row(s) identical to an earlier one merged")]
    DuplicatesMerged(u64),
    /// A skill described differently in two places; the first description is kept.
    #[error("skill {name:?} is described differently at {first} and at {this}; the description at {first} is kept")]
    DescriptionConflict {
        /// The skill's platform name, shortened.
        name: String,
        /// Where the kept description is.
        first: Location,
        /// Where the ignored one is.
        this: Location,
    },
}

impl WarningKind {
    /// An unknown CSV column, its name shortened as error values are: a warning is stored with
    /// the feed, and a 40 MB header cell must not be.
    pub fn unknown_column(name: &str) -> Self {
        Self::UnknownColumn(shorten(name))
    }

    /// An unknown JSON key, shortened likewise.
    pub fn unknown_key(key: &str) -> Self {
        Self::UnknownKey(shorten(key))
    }

    /// Two descriptions of skill `name`, the one at `first` kept.
    pub fn description_conflict(name: &str, first: Location, this: Location) -> Self {
        Self::DescriptionConflict {
            name: shorten(name),
            first,
            this,
        }
    }
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.location, self.kind)
    }
}

/// A list that keeps its first `cap` items and counts the rest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Capped<T> {
    items: Vec<T>,
    omitted: u64,
    cap: usize,
}

impl<T> Capped<T> {
    /// An empty list keeping at most `cap` items.
    pub fn new(cap: usize) -> Self {
        Self {
            items: Vec::new(),
            omitted: 0,
            cap,
        }
    }

    /// Keeps `item`, or counts it when the list is full.
    pub fn push(&mut self, item: T) {
        if self.items.len() < self.cap {
            self.items.push(item);
        } else {
            self.omitted += 1;
        }
    }

    /// The items kept.
    pub fn items(&self) -> &[T] {
        &self.items
    }

    /// How many items were counted but not kept.
    pub fn omitted(&self) -> u64 {
        self.omitted
    }

    /// Whether nothing was pushed.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty() && self.omitted == 0
    }

    /// How many items were pushed in all.
    pub fn total(&self) -> u64 {
        self.items.len() as u64 + self.omitted
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_capped_list_keeps_the_first_items_and_counts_the_rest() {
        let mut list = Capped::new(2);
        assert!(list.is_empty());
        for i in 0..5 {
            list.push(i);
        }
        assert_eq!(list.items(), &[0, 1]);
        assert_eq!(list.omitted(), 3);
        assert_eq!(list.total(), 5);
    }

    #[test]
    fn a_problem_shows_location_field_value_and_reason() {
        let problem =
            Problem::in_field(Location::Line(4), "type", "skil", ProblemKind::UnknownType);
        assert_eq!(
            problem.to_string(),
            "line 4, type \"skil\": unknown type; allowed: skill, language, certification"
        );
    }

    #[test]
    fn unknown_columns_and_keys_are_kept_short_however_long_they_came() {
        let huge = "x".repeat(40_000);
        for warning in [
            WarningKind::unknown_column(&huge),
            WarningKind::unknown_key(&huge),
        ] {
            assert!(
                warning.to_string().len() < 200,
                "{}",
                warning.to_string().len()
            );
        }
    }

    #[test]
    fn long_values_are_shortened_on_a_character_boundary() {
        let long = "ü".repeat(200);
        let problem = Problem::in_field(Location::File, "name", &long, ProblemKind::Missing);
        let shown = problem.value.expect("value kept");
        assert_eq!(shown.chars().count(), MAX_SHOWN_VALUE + 1);
        assert!(shown.ends_with('…'));
    }

    #[test]
    fn json_locations_show_the_pointer_and_the_root_by_name() {
        assert_eq!(
            Location::Pointer("/agents/0".into()).to_string(),
            "/agents/0"
        );
        assert_eq!(Location::Pointer(String::new()).to_string(), "root");
        assert_eq!(
            Location::Position { line: 2, column: 7 }.to_string(),
            "line 2 column 7"
        );
    }
}
