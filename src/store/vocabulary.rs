//! The fixed sets of words the store keeps in text columns (statuses, triggers, states), as
//! enums decoded at the store boundary: a stored word outside its set reads as a corrupt row.
//! Each serializes as its stored word, which the HTTP API shows as it is.

use std::fmt;
use std::str::FromStr;

use crate::domain::{FeedFormat, FeedScope};

/// A stored word outside the set its column allows.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {what} {value:?}")]
pub struct UnknownWord {
    /// The table it was read from.
    pub table: &'static str,
    /// Which set.
    pub what: &'static str,
    /// The word.
    pub value: String,
}

/// An enum of stored words: `as_str`, `Display`, `FromStr` and `TryFrom<String>` (for
/// `#[sqlx(try_from = "String")]`), serialized as the word.
macro_rules! stored_words {
    (
        $(#[$meta:meta])*
        pub enum $name:ident in $table:literal as $what:literal {
            $($(#[$variant_meta:meta])* $variant:ident = $word:literal,)+
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
        pub enum $name {
            $($(#[$variant_meta])* #[serde(rename = $word)] $variant,)+
        }

        impl $name {
            /// The stored word.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Self::$variant => $word,)+
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl FromStr for $name {
            type Err = UnknownWord;

            fn from_str(s: &str) -> Result<Self, UnknownWord> {
                match s {
                    $($word => Ok(Self::$variant),)+
                    _ => Err(UnknownWord { table: $table, what: $what, value: s.to_owned() }),
                }
            }
        }

        impl TryFrom<String> for $name {
            type Error = UnknownWord;

            fn try_from(s: String) -> Result<Self, UnknownWord> {
                s.parse()
            }
        }
    };
}

stored_words! {
    /// Where a feed stands.
    pub enum FeedStatus in "feeds" as "feed status" {
        /// Part of the desired state's history.
        Accepted = "accepted",
        /// Invalid; its errors are kept.
        Rejected = "rejected",
        /// The same content as the version in force.
        Unchanged = "unchanged",
        /// An operator rejected its job: out of the desired state for good.
        Withdrawn = "withdrawn",
        /// Its job is held: out of the desired state until a decision.
        Held = "held",
    }
}

stored_words! {
    /// What started a job.
    pub enum Trigger in "jobs" as "trigger" {
        /// A feed was accepted.
        Feed = "feed",
        /// The drift-scan schedule.
        Schedule = "schedule",
        /// `POST /v1/reconcile`.
        Manual = "manual",
        /// The daemon started.
        Startup = "startup",
        /// A certification starts or stops being in force.
        Certification = "certification",
        /// The incremental drift-scan schedule, or `POST /v1/reconcile` with `incremental`: plans
        /// only the agents the platform reports changed since the stored scan cursor.
        IncrementalScan = "incremental_scan",
        /// The deferral re-check (`policy.defer_recheck_secs`): plans only the agents whose
        /// routine changes wait, read again one call per 100 agents.
        DeferredRecheck = "deferred_recheck",
    }
}

stored_words! {
    /// Where a job is in its life.
    pub enum JobStatus in "jobs" as "job status" {
        /// Waiting to run.
        Queued = "queued",
        /// Approved after a hold; runs before queued jobs.
        Approved = "approved",
        /// A worker holds its lease.
        Running = "running",
        /// Tripped a safety threshold; waits for approve or reject.
        Held = "held",
        /// Every agent converged.
        Succeeded = "succeeded",
        /// Finished with agents failed, stuck or needing attention, or could not run.
        Failed = "failed",
        /// An operator rejected it.
        Rejected = "rejected",
        /// A newer held or waiting job replaced it.
        Superseded = "superseded",
        /// Planned outside the org's change windows: waits for the next one to open
        /// (`not_before`), then plans again and runs.
        WaitingWindow = "waiting_window",
    }
}

stored_words! {
    /// Where one agent is within a job.
    pub enum WorkStatus in "work_items" as "work item status" {
        /// To be written (now or after a backoff).
        Pending = "pending",
        /// A worker is writing it.
        InProgress = "in_progress",
        /// Written; to be re-read after the settle time.
        Verifying = "verifying",
        /// Verified to match.
        Converged = "converged",
        /// Could not be processed.
        Failed = "failed",
        /// Failed too many times in a row.
        NeedsAttention = "needs_attention",
        /// Written and still different, verification after verification.
        Stuck = "stuck",
        /// Its routine changes wait: the agent is busy, or the change window is closed. Final
        /// for the job; the deferral re-check (or the window's job) picks the agent up again.
        Deferred = "deferred",
    }
}

stored_words! {
    /// Where an audit row stands.
    pub enum AuditStatus in "audit" as "audit outcome" {
        /// Logged before the write; no result yet.
        Pending = "pending",
        /// The platform accepted it.
        Ok = "ok",
        /// The platform refused it, or it never reached the platform.
        Failed = "failed",
        /// The process died during the call.
        Unknown = "unknown",
        /// An operator action, complete in one row.
        Recorded = "recorded",
    }
}

stored_words! {
    /// An agent's reconcile state.
    pub enum AgentState in "agents" as "agent state" {
        /// Matches the desired state.
        Converged = "converged",
        /// Differs from it.
        Drifted = "drifted",
        /// Written; waiting for verification.
        Pending = "pending",
        /// Failed too many times in a row.
        NeedsAttention = "needs_attention",
        /// Written and still different.
        Stuck = "stuck",
        /// Routine changes wait until the agent is free or a change window opens; not a failure.
        Deferred = "deferred",
    }
}

impl TryFrom<String> for FeedScope {
    type Error = UnknownWord;

    fn try_from(s: String) -> Result<Self, UnknownWord> {
        s.parse().map_err(|_| UnknownWord {
            table: "feeds",
            what: "feed scope",
            value: s,
        })
    }
}

impl TryFrom<String> for FeedFormat {
    type Error = UnknownWord;

    fn try_from(s: String) -> Result<Self, UnknownWord> {
        s.parse().map_err(|_| UnknownWord {
            table: "feeds",
            what: "feed format",
            value: s,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::StoreError;

    #[test]
    fn words_serialize_and_parse_as_stored() {
        assert_eq!(
            serde_json::to_value(WorkStatus::NeedsAttention).ok(),
            Some(serde_json::json!("needs_attention"))
        );
        assert_eq!(
            serde_json::to_value(FeedScope::Snapshot).ok(),
            Some("snapshot".into())
        );
        assert_eq!(
            serde_json::to_value(FeedFormat::Csv).ok(),
            Some("csv".into())
        );
        assert_eq!("held".parse(), Ok(FeedStatus::Held));
        assert_eq!(
            JobStatus::try_from("superseded".to_owned()),
            Ok(JobStatus::Superseded)
        );
    }

    #[test]
    fn an_unknown_stored_word_is_a_corrupt_row() {
        let unknown = Trigger::try_from("cron".to_owned()).expect_err("unknown");
        let decoded = sqlx::Error::ColumnDecode {
            index: "trigger".into(),
            source: Box::new(unknown),
        };
        assert!(matches!(
            StoreError::from(decoded),
            StoreError::Corrupt { table: "jobs", .. }
        ));
    }
}
