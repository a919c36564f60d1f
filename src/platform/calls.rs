//! Counters of platform calls by kind, the primary cost skillsync reports and benchmarks.

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};

use serde::Serialize;

/// Every kind of platform call skillsync makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CallKind {
    /// Minting an OAuth token.
    Token,
    /// A page of users.
    ListUsers,
    /// One user.
    GetUser,
    /// A page of one user's skills.
    GetUserSkills,
    /// A page of one user's languages.
    GetUserLanguages,
    /// A page of skill definitions.
    ListSkills,
    /// A page of language definitions.
    ListLanguages,
    /// Creating a skill definition.
    CreateSkill,
    /// Bulk upsert of a user's skills.
    PatchSkills,
    /// Removing one skill from a user.
    DeleteSkill,
    /// Bulk upsert of a user's languages.
    PatchLanguages,
    /// Removing one language from a user.
    DeleteLanguage,
    /// Versioned user update (certifications).
    PatchUser,
}

impl CallKind {
    /// All kinds, in display order.
    pub const ALL: [Self; 13] = [
        Self::Token,
        Self::ListUsers,
        Self::GetUser,
        Self::GetUserSkills,
        Self::GetUserLanguages,
        Self::ListSkills,
        Self::ListLanguages,
        Self::CreateSkill,
        Self::PatchSkills,
        Self::DeleteSkill,
        Self::PatchLanguages,
        Self::DeleteLanguage,
        Self::PatchUser,
    ];

    /// True for calls that change platform state.
    pub fn is_write(self) -> bool {
        matches!(
            self,
            Self::CreateSkill
                | Self::PatchSkills
                | Self::DeleteSkill
                | Self::PatchLanguages
                | Self::DeleteLanguage
                | Self::PatchUser
        )
    }

    /// Stable snake_case label.
    pub fn label(self) -> &'static str {
        match self {
            Self::Token => "token",
            Self::ListUsers => "list_users",
            Self::GetUser => "get_user",
            Self::GetUserSkills => "get_user_skills",
            Self::GetUserLanguages => "get_user_languages",
            Self::ListSkills => "list_skills",
            Self::ListLanguages => "list_languages",
            Self::CreateSkill => "create_skill",
            Self::PatchSkills => "patch_skills",
            Self::DeleteSkill => "delete_skill",
            Self::PatchLanguages => "patch_languages",
            Self::DeleteLanguage => "delete_language",
            Self::PatchUser => "patch_user",
        }
    }
}

impl fmt::Display for CallKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
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
#[derive(Debug, Default)]
pub struct CallStats {
    calls: [AtomicU64; CallKind::ALL.len()],
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
    /// Counts one request sent.
    pub fn sent(&self, kind: CallKind) {
        self.calls[kind as usize].fetch_add(1, Ordering::Relaxed);
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
            calls: CallKind::ALL
                .iter()
                .map(|&k| (k, self.calls[k as usize].load(Ordering::Relaxed)))
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

    #[test]
    fn snapshot_counts_writes_separately_from_reads() {
        let stats = CallStats::default();
        stats.sent(CallKind::ListUsers);
        stats.sent(CallKind::PatchSkills);
        stats.sent(CallKind::DeleteSkill);
        let counts = stats.snapshot();
        assert_eq!(counts.total(), 3);
        assert_eq!(counts.writes(), 2);
        assert_eq!(counts.of(CallKind::ListUsers), 1);
        assert_eq!(counts.of(CallKind::PatchUser), 0);
    }
}
