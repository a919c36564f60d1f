//! `[reconcile]`: leases, retries, verification and settle times, the scan schedule. Settings
//! only; the worker reads them, and they must not name the daemon's other parts.

use std::time::Duration;

use serde::{Deserialize, Serialize};

/// `[reconcile]` in the configuration.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct ReconcileSettings {
    /// Seconds between writing and the verifying re-read.
    pub settle_secs: f64,
    /// Write-and-verify rounds before an agent that still differs is given up on.
    pub verify_rounds: u32,
    /// Re-plans of one agent after write conflicts.
    pub max_replans: u32,
    /// Full drift scans (daemon): a cron expression with seconds. The backstop of incremental
    /// scans: only a full scan is trusted to find removed assignments.
    pub scan_cron: String,
    /// Incremental drift scans between the full ones (a cron expression with seconds); empty =
    /// none. Off by default: a platform that cannot list changes scans everyone instead.
    pub incremental_scan_cron: String,
    /// IANA zone the cron expressions are evaluated in.
    pub time_zone: String,
    /// Seconds a worker's claim on a job or agent lasts without renewal (a dead worker's work
    /// is taken over after this).
    pub lease_secs: f64,
    /// Failures in a row after which an agent is marked `needs_attention`.
    pub max_failures: u32,
    /// First retry delay of a failed agent, doubling per failure.
    pub retry_base_secs: f64,
    /// Longest retry delay.
    pub retry_max_secs: f64,
    /// Days the desired-state history of superseded feeds is kept.
    pub feed_retention_days: u32,
}

impl Default for ReconcileSettings {
    fn default() -> Self {
        Self {
            settle_secs: 60.0,
            verify_rounds: 3,
            max_replans: 5,
            scan_cron: "0 */30 * * * *".into(),
            incremental_scan_cron: String::new(),
            time_zone: "UTC".into(),
            lease_secs: 60.0,
            max_failures: 5,
            retry_base_secs: 30.0,
            retry_max_secs: 1800.0,
            feed_retention_days: 90,
        }
    }
}

impl ReconcileSettings {
    /// The incremental scan schedule, if one is configured.
    pub fn incremental_scan_cron(&self) -> Option<&str> {
        Some(self.incremental_scan_cron.trim()).filter(|c| !c.is_empty())
    }

    /// The settle time as a duration (negative or NaN counts as zero).
    pub fn settle(&self) -> Duration {
        Duration::try_from_secs_f64(self.settle_secs).unwrap_or(Duration::ZERO)
    }

    /// The retry delay after `failures` failures in a row.
    pub fn retry_delay(&self, failures: u32) -> Duration {
        let secs = self.retry_base_secs * 2f64.powi(failures.saturating_sub(1).min(30) as i32);
        Duration::try_from_secs_f64(secs.min(self.retry_max_secs)).unwrap_or(Duration::ZERO)
    }
}

/// `[skills]` in the configuration: how retired skills' definitions are removed (issue 16).
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct SkillsSettings {
    /// Hours a retired skill must have had no holder and no skill-group reference before its
    /// definition is deleted (fractions allowed).
    pub retire_grace_hours: f64,
    /// Seconds between checks of retirements (and refreshes of the listed skill catalog).
    pub check_secs: f64,
}

impl Default for SkillsSettings {
    fn default() -> Self {
        Self {
            retire_grace_hours: 48.0,
            check_secs: 300.0,
        }
    }
}

impl SkillsSettings {
    /// The grace period (negative or NaN counts as zero).
    pub fn grace(&self) -> chrono::TimeDelta {
        let secs = self.retire_grace_hours * 3600.0;
        if secs.is_finite() && secs > 0.0 {
            chrono::TimeDelta::milliseconds((secs * 1000.0).min(1e15) as i64)
        } else {
            chrono::TimeDelta::zero()
        }
    }

    /// Time between checks: at least a second.
    pub fn period(&self) -> Duration {
        Duration::try_from_secs_f64(self.check_secs.max(1.0)).unwrap_or(Duration::from_secs(300))
    }
}
