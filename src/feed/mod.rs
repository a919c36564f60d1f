//! Feeds: the only door through which desired state enters. Reads a CSV or JSON feed, checks
//! every rule, and returns a normalized [`DesiredState`] with counts, warnings and a content
//! hash, or rejects the feed whole with every problem found. Pure: no network, no database,
//! no async; only `cli` touches files.
//!
//! - `csv`, `json` (+ `json_agent`), `head`, `track`: formats, turning bytes into raw assignments.
//! - `collect` (+ `origin`, `descriptions`): normalization and duplicate handling shared by both formats.
//! - `proficiency`, `dates`: value rules; `config`, `rules`: `[feed]` settings.
//! - `problem`, `error`: what is reported; `hash`: the content hash; `cli`: `skillsync validate`.

pub mod cli;
mod collect;
mod config;
mod csv;
mod dates;
mod descriptions;
mod error;
mod hash;
mod head;
mod json;
mod json_agent;
mod origin;
mod problem;
mod proficiency;
mod rules;
pub mod sources;
mod track;

use std::collections::BTreeMap;
use std::fmt;
use std::io::Read;

use crate::domain::{AssignmentCounts, DesiredState, FeedScope};

pub use config::{
    BestNumber, CertificationSettings, FeedSettings, ScaleSettings, DEFAULT_MAX_ERRORS,
};
pub use dates::DateError;
pub use error::{FeedError, Rejection};
pub use hash::ContentHash;
pub use problem::{Capped, Location, Problem, ProblemKind, Warning, WarningKind};
pub use proficiency::{ProficiencyError, ScaleError};
pub use rules::{FeedConfigError, FeedRules};

pub use crate::domain::{FeedFormat, UnknownFormat};

impl fmt::Display for FeedFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What is known about a feed before its first byte is read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedSource {
    /// A name for messages: the file name, or `<stdin>`.
    pub name: String,
    /// How to read it.
    pub format: FeedFormat,
    /// Given by the feed source's configuration or the request, never guessed from content.
    pub scope: FeedScope,
}

/// An accepted feed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidFeed {
    /// The normalized desired state.
    pub state: DesiredState,
    /// Agents and assignments by kind.
    pub counts: AssignmentCounts,
    /// SHA-256 of the state's canonical form: equal states, equal hashes, whatever the format
    /// or row order.
    pub hash: ContentHash,
    /// What was accepted but looked odd.
    pub warnings: Capped<Warning>,
    /// The `description` the feed gives each skill, by platform name (after aliases): the first
    /// non-empty one. Describes the platform's catalog, so it is neither part of `state` nor of
    /// `hash`.
    pub descriptions: BTreeMap<String, String>,
}

/// Reads, validates and normalizes one feed: all of it is accepted, or none.
pub fn read(
    input: impl Read,
    source: &FeedSource,
    rules: &FeedRules,
) -> Result<ValidFeed, FeedError> {
    let mut collector = collect::Collector::new(rules);
    let outcome = match source.format {
        FeedFormat::Csv => csv::read(input, &mut collector),
        FeedFormat::Json => json::read(input, &mut collector),
    };
    outcome.map_err(|error| FeedError::Io {
        source_name: source.name.clone(),
        error,
    })?;
    match collector.finish(source.scope) {
        Ok((state, descriptions, warnings)) => Ok(ValidFeed {
            counts: state.counts(),
            hash: ContentHash::of(&state),
            state,
            warnings,
            descriptions,
        }),
        Err((errors, warnings)) => Err(FeedError::Rejected(Box::new(Rejection {
            source_name: source.name.clone(),
            errors,
            warnings,
        }))),
    }
}
