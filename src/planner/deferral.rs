//! When a routine change may be written (issue 15): not while the agent is busy
//! (`policy.defer_when`: routing statuses, and optionally the activity workforce management
//! scheduled now), not outside the org's change windows (`policy.change_windows`), and — for a
//! busy agent — not for longer than `policy.max_defer_secs`. Urgent changes (certification
//! revocations and their gate skills) and an operator's one-agent run never wait. Pure: the
//! caller brings what the agent is doing, since when it waits, and the instant.

use std::collections::BTreeSet;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use super::PolicySettings;
use crate::domain::{
    Change, ChangeWindowError, ChangeWindows, Routing, RoutingStatus, Urgency, ACTIVITY_CATEGORIES,
};

/// `policy.after_max_defer`: what happens to a busy agent's routine changes once they have
/// waited `policy.max_defer_secs`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AfterMaxDefer {
    /// Write them anyway, audited as forced.
    #[default]
    Write,
    /// Keep waiting, flagged as overdue.
    KeepWaiting,
}

/// The deferral settings cannot work.
#[derive(Debug, thiserror::Error)]
pub enum DeferralError {
    /// An entry of `policy.defer_when` is neither kind.
    #[error(
        "policy.defer_when: {0:?} is neither a routing status ({statuses}) nor a scheduled \
         activity category ({categories})",
        statuses = RoutingStatus::ALL.map(RoutingStatus::as_str).join(", "),
        categories = ACTIVITY_CATEGORIES.join(", ")
    )]
    Entry(String),
    /// A change window does not parse.
    #[error("policy.change_windows: {0}")]
    Window(#[from] ChangeWindowError),
    /// A number out of range.
    #[error("policy.{0} must be a finite number of seconds {1}")]
    Seconds(&'static str, &'static str),
    /// The windows' time zone.
    #[error("reconcile.time_zone {0:?} is not an IANA zone")]
    Zone(String),
}

/// The deferral rules of one org, checked.
#[derive(Debug, Clone)]
pub struct DeferralRules {
    statuses: BTreeSet<RoutingStatus>,
    activities: BTreeSet<String>,
    max_defer: chrono::Duration,
    after_max: AfterMaxDefer,
    /// `policy.change_windows` in `reconcile.time_zone`.
    pub windows: ChangeWindows,
}

/// What is known of one agent when its changes are about to be written.
#[derive(Debug, Clone, Default)]
pub struct Situation<'a> {
    /// Its routing status, when the read carried it.
    pub routing: Option<Routing>,
    /// The activity scheduled now, when asked for.
    pub activity: Option<&'a str>,
    /// Since when its routine changes have waited.
    pub deferred_since: Option<DateTime<Utc>>,
    /// An operator asked for this agent (a one-agent run): nothing waits.
    pub forced: bool,
}

/// Whether and what to write for one agent now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// Every writable change. `overdue`: a busy agent's routine changes written because they had
    /// waited `max_defer_secs` — the reason, for the audit.
    Write {
        /// Why a deferral was overridden.
        overdue: Option<String>,
    },
    /// The urgent changes now; the routine ones wait, for `reason`.
    UrgentOnly {
        /// Why the routine changes wait.
        reason: String,
    },
    /// Nothing now.
    Wait {
        /// Why.
        reason: String,
    },
}

impl DeferralRules {
    /// Checks `[policy]`'s deferral keys; `zone` is `reconcile.time_zone`.
    pub fn build(settings: &PolicySettings, zone: &str) -> Result<Self, DeferralError> {
        let zone = Tz::from_str(zone).map_err(|_| DeferralError::Zone(zone.to_owned()))?;
        let mut statuses = BTreeSet::new();
        let mut activities = BTreeSet::new();
        for entry in &settings.defer_when {
            if let Ok(status) = entry.parse::<RoutingStatus>() {
                statuses.insert(status);
            } else if ACTIVITY_CATEGORIES.contains(&entry.as_str()) {
                activities.insert(entry.clone());
            } else {
                return Err(DeferralError::Entry(entry.clone()));
            }
        }
        let max_defer = seconds(settings.max_defer_secs)
            .ok_or(DeferralError::Seconds("max_defer_secs", "of at least 0"))?;
        if !(settings.defer_recheck_secs.is_finite() && settings.defer_recheck_secs >= 1.0) {
            return Err(DeferralError::Seconds(
                "defer_recheck_secs",
                "of at least 1",
            ));
        }
        Ok(Self {
            statuses,
            activities,
            max_defer,
            after_max: settings.after_max_defer,
            windows: ChangeWindows::parse(&settings.change_windows, zone)?,
        })
    }

    /// Whether any routing status defers changes.
    pub fn defers_on_routing(&self) -> bool {
        !self.statuses.is_empty()
    }

    /// Whether the scheduled activity must be read (one adherence call per round of agents).
    pub fn needs_activities(&self) -> bool {
        !self.activities.is_empty()
    }

    /// Why routine changes may not be written now; `busy` when it is the agent (which
    /// `max_defer_secs` overrides), not the clock.
    fn hold(&self, agent: &Situation<'_>, now: DateTime<Utc>) -> Option<(String, bool)> {
        if !self.windows.is_open(now) {
            let opens = self
                .windows
                .next_open(now)
                .map(|t| format!("; the next opens at {}", t.to_rfc3339()))
                .unwrap_or_default();
            let windows = self.windows.describe();
            return Some((
                format!("outside the change windows {windows}{opens}"),
                false,
            ));
        }
        if let Some(routing) = agent.routing.filter(|r| self.statuses.contains(&r.status)) {
            let since = routing
                .since
                .map(|t| format!(" since {}", t.to_rfc3339()))
                .unwrap_or_default();
            return Some((format!("agent is {}{since}", routing.status), true));
        }
        if let Some(activity) = agent.activity.filter(|a| self.activities.contains(*a)) {
            return Some((format!("agent is scheduled for {activity}"), true));
        }
        None
    }

    /// What to write of `changes` for `agent` at `now`.
    pub fn decide(
        &self,
        changes: &[Change],
        agent: &Situation<'_>,
        now: DateTime<Utc>,
    ) -> Decision {
        let write = Decision::Write { overdue: None };
        let writable = || changes.iter().filter(|c| c.writable);
        if agent.forced || !writable().any(|c| c.urgency == Urgency::Routine) {
            return write;
        }
        let Some((mut reason, busy)) = self.hold(agent, now) else {
            return write;
        };
        let waited = agent.deferred_since.map(|since| now - since);
        if busy && waited.is_some_and(|w| w >= self.max_defer) {
            let secs = self.max_defer.num_seconds();
            match self.after_max {
                AfterMaxDefer::Write => {
                    return Decision::Write {
                        overdue: Some(format!(
                            "written although {reason}: deferred for longer than \
                             policy.max_defer_secs ({secs} s)"
                        )),
                    }
                }
                AfterMaxDefer::KeepWaiting => {
                    reason = format!("overdue: {reason}, deferred for longer than {secs} s");
                }
            }
        }
        if writable().any(|c| c.urgency == Urgency::Urgent) {
            Decision::UrgentOnly { reason }
        } else {
            Decision::Wait { reason }
        }
    }
}

fn seconds(secs: f64) -> Option<chrono::Duration> {
    (secs.is_finite() && secs >= 0.0)
        .then(|| std::time::Duration::try_from_secs_f64(secs).ok())
        .flatten()
        .and_then(|d| chrono::Duration::from_std(d).ok())
}
