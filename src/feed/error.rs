//! How reading a feed fails: the feed could not be read at all, or it was read and rejected
//! with every problem found. Decides nothing about what a problem is.

use std::fmt;
use std::io;

use super::problem::{Capped, Problem, Warning};

/// Why a feed yielded no desired state.
#[derive(Debug, thiserror::Error)]
pub enum FeedError {
    /// The bytes could not be read (a disk or pipe failure); retrying may help.
    #[error("{source_name}: cannot read the feed: {error}")]
    Io {
        /// The feed's name (file name, or `<stdin>`).
        source_name: String,
        /// What failed.
        #[source]
        error: io::Error,
    },
    /// The feed was read and is invalid; its author has to fix it. Nothing of it is accepted.
    #[error("{0}")]
    Rejected(Box<Rejection>),
}

/// Every problem found in a rejected feed, in the order met.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    /// The feed's name (file name, or `<stdin>`).
    pub source_name: String,
    /// The errors; at most `feed.max_errors` are kept, the rest counted.
    pub errors: Capped<Problem>,
    /// Warnings met on the way, capped likewise.
    pub warnings: Capped<Warning>,
}

impl Rejection {
    /// One line per kept error, prefixed with the feed's name, then one counting the rest.
    pub fn lines(&self) -> impl Iterator<Item = String> + '_ {
        let omitted = self.errors.omitted();
        let rest = (omitted > 0).then(|| {
            format!(
                "{}: … and {omitted} more error(s) not shown (raise feed.max_errors to see them)",
                self.source_name
            )
        });
        self.errors
            .items()
            .iter()
            .map(|problem| format!("{}: {problem}", self.source_name))
            .chain(rest)
    }
}

impl fmt::Display for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: feed rejected with {} error(s)",
            self.source_name,
            self.errors.total()
        )
    }
}
