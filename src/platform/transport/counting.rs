//! Counters of platform calls by kind, the primary cost skillsync reports and benchmarks.
//! Each connector defines its own kinds; this module only counts them and never names a
//! vendor's call.

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};

use serde::Serialize;

/// One kind of platform call, defined by the connector that makes it. Its label is what
/// summaries, metrics and reports print, so a connector must keep labels stable.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct CallKind {
    label: &'static str,
    write: bool,
}

impl CallKind {
    /// Minting an access token: every connector's transport does it.
    pub const TOKEN: Self = Self::read("token");

    /// A call that only reads; `label` is stable snake_case.
    pub const fn read(label: &'static str) -> Self {
        Self {
            label,
            write: false,
        }
    }

    /// A call that changes platform state; `label` is stable snake_case.
    pub const fn write(label: &'static str) -> Self {
        Self { label, write: true }
    }

    /// True for calls that change platform state.
    pub fn is_write(self) -> bool {
        self.write
    }

    /// Stable snake_case label.
    pub fn label(self) -> &'static str {
        self.label
    }
}

impl fmt::Display for CallKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label)
    }
}

/// CamelCase of the label (`patch_skills` → `PatchSkills`), as the benchmark has always
/// printed kinds.
impl fmt::Debug for CallKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for word in self.label.split('_') {
            let mut chars = word.chars();
            if let Some(first) = chars.next() {
                write!(f, "{}{}", first.to_ascii_uppercase(), chars.as_str())?;
            }
        }
        Ok(())
    }
}

impl Serialize for CallKind {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.label)
    }
}

/// Receives every platform call as it happens (the daemon's metrics).
pub trait CallObserver: Send + Sync {
    /// A response arrived (`status`), or the request failed without one (`None`).
    fn response(&self, kind: CallKind, status: Option<u16>, latency: std::time::Duration);
    /// Time spent waiting for the pacing limiter or a 429 pause before a call.
    fn waited(&self, wait: std::time::Duration);
    /// A call is about to be sent again after a transient failure or a 429.
    fn retried(&self);
}

/// Thread-safe counters, shared by every task of one connector.
#[derive(Debug)]
pub struct CallStats {
    kinds: &'static [CallKind],
    calls: Vec<AtomicU64>,
    retries: AtomicU64,
    throttled: AtomicU64,
    conflicts: AtomicU64,
}

/// A snapshot of [`CallStats`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct CallCounts {
    /// HTTP requests sent, by kind (retries included).
    pub calls: Vec<(CallKind, u64)>,
    /// Requests re-sent after a transient failure or 429.
    pub retries: u64,
    /// 429 responses.
    pub throttled: u64,
    /// 409 / version conflicts.
    pub conflicts: u64,
}

impl CallCounts {
    /// All requests sent.
    pub fn total(&self) -> u64 {
        self.calls.iter().map(|(_, n)| n).sum()
    }

    /// Requests that change platform state.
    pub fn writes(&self) -> u64 {
        self.calls
            .iter()
            .filter(|(k, _)| k.is_write())
            .map(|(_, n)| n)
            .sum()
    }

    /// Requests of one kind.
    pub fn of(&self, kind: CallKind) -> u64 {
        self.calls
            .iter()
            .find(|(k, _)| *k == kind)
            .map_or(0, |(_, n)| *n)
    }
}

impl CallStats {
    /// Counters for a connector's `kinds`, listed in the order reports show them.
    pub fn new(kinds: &'static [CallKind]) -> Self {
        Self {
            kinds,
            calls: kinds.iter().map(|_| AtomicU64::new(0)).collect(),
            retries: AtomicU64::new(0),
            throttled: AtomicU64::new(0),
            conflicts: AtomicU64::new(0),
        }
    }

    /// Counts one request sent.
    pub fn sent(&self, kind: CallKind) {
        match self.kinds.iter().position(|k| *k == kind) {
            Some(i) => {
                self.calls[i].fetch_add(1, Ordering::Relaxed);
            }
            // A connector that forgets to list a kind loses its counts; tests catch that.
            None => debug_assert!(false, "call kind {kind} is not listed by its connector"),
        }
    }

    /// Counts one retry.
    pub fn retried(&self) {
        self.retries.fetch_add(1, Ordering::Relaxed);
    }

    /// Counts one 429.
    pub fn throttled(&self) {
        self.throttled.fetch_add(1, Ordering::Relaxed);
    }

    /// Counts one conflict.
    pub fn conflicted(&self) {
        self.conflicts.fetch_add(1, Ordering::Relaxed);
    }

    /// The counts so far; kinds never used are left out.
    pub fn snapshot(&self) -> CallCounts {
        CallCounts {
            calls: self
                .kinds
                .iter()
                .zip(&self.calls)
                .map(|(&k, n)| (k, n.load(Ordering::Relaxed)))
                .filter(|(_, n)| *n > 0)
                .collect(),
            retries: self.retries.load(Ordering::Relaxed),
            throttled: self.throttled.load(Ordering::Relaxed),
            conflicts: self.conflicts.load(Ordering::Relaxed),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIST_USERS: CallKind = CallKind::read("list_users");
    const PATCH_SKILLS: CallKind = CallKind::write("patch_skills");
    const DELETE_SKILL: CallKind = CallKind::write("delete_skill");
    const PATCH_USER: CallKind = CallKind::write("patch_user");
    const KINDS: [CallKind; 4] = [LIST_USERS, PATCH_SKILLS, DELETE_SKILL, PATCH_USER];

    #[test]
    fn snapshot_counts_writes_separately_from_reads() {
        let stats = CallStats::new(&KINDS);
        stats.sent(LIST_USERS);
        stats.sent(PATCH_SKILLS);
        stats.sent(DELETE_SKILL);
        let counts = stats.snapshot();
        assert_eq!(counts.total(), 3);
        assert_eq!(counts.writes(), 2);
        assert_eq!(counts.of(LIST_USERS), 1);
        assert_eq!(counts.of(PATCH_USER), 0);
    }

    #[test]
    fn kinds_print_as_labels_and_debug_as_camel_case() {
        assert_eq!(PATCH_SKILLS.to_string(), "patch_skills");
        assert_eq!(format!("{PATCH_SKILLS:?}"), "PatchSkills");
        assert_eq!(
            serde_json::to_string(&(LIST_USERS, 2)).expect("json"),
            r#"["list_users",2]"#
        );
    }
}
