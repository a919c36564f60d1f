//! The write journal: connectors announce every platform write before making it and report its
//! result after, so that the daemon's audit log never misses a write (and a crash in between
//! leaves a visible intent). `skillsync apply` journals too (a file or a store); [`NoJournal`]
//! serves benchmarks and tests.
//! It records; it must not decide whether a write is made beyond refusing an unrecorded one.

use std::future::Future;

use serde::Serialize;

use super::CallKind;
use crate::domain::Change;

/// A write about to be made.
#[derive(Debug, Serialize)]
pub struct WriteIntent<'a> {
    /// The call.
    pub kind: CallKind,
    /// The user written to.
    pub user_id: &'a str,
    /// The agent's label, for people.
    pub label: &'a str,
    /// What the call changes (before and after of each assignment).
    pub changes: Vec<&'a Change>,
    /// True when the call, once acknowledged, makes `changes` hold on the agent; false for a
    /// call made on their behalf that assigns nothing (creating a missing skill definition).
    /// A re-plan after a conflict counts the acknowledged ones as done, whatever a lagging read
    /// says.
    #[serde(skip)]
    pub realizes: bool,
}

/// How a write ended.
#[derive(Debug, Clone)]
pub struct WriteResult {
    /// The call.
    pub kind: CallKind,
    /// HTTP status, when a response came.
    pub status: Option<u16>,
    /// The correlation id, when a response came.
    pub correlation_id: Option<String>,
    /// Why it failed.
    pub error: Option<String>,
    /// When the platform failed only some of the call's items (a CXone 200 naming failed
    /// items), the indexes into the intent's `changes` that did land; empty otherwise.
    pub landed_items: Vec<usize>,
}

/// Why a write was not attempted.
#[derive(Debug, thiserror::Error)]
#[error("cannot record the write before making it: {0}")]
pub struct JournalError(pub String);

/// Receives write intents and results.
pub trait Journal: Send + Sync {
    /// Records an intent; the returned token identifies it in [`Journal::after`]. An error
    /// stops the write: nothing is written that could not be recorded.
    fn before(
        &self,
        intent: &WriteIntent<'_>,
    ) -> impl Future<Output = Result<i64, JournalError>> + Send;

    /// Records the result of the write announced as `token`.
    fn after(&self, token: i64, result: &WriteResult) -> impl Future<Output = ()> + Send;
}

/// A journal that records nothing.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoJournal;

impl Journal for NoJournal {
    async fn before(&self, _: &WriteIntent<'_>) -> Result<i64, JournalError> {
        Ok(0)
    }

    async fn after(&self, _: i64, _: &WriteResult) {}
}
