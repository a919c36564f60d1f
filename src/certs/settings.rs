//! `[certifications]`: how strictly and how often certification windows are enforced and
//! reported. (Per-certification validity and gate skills live in `[feed.certifications.*]`.)

use std::time::Duration;

use serde::{Deserialize, Serialize};

/// `[certifications]`.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct EnforcementSettings {
    /// A certification stops being in force this many seconds before `expires_on`.
    pub safety_margin_secs: f64,
    /// When the expiry report runs and warnings are sent (cron with seconds).
    pub sweep_cron: String,
    /// Windows of the expiry report and its gauges, in days.
    pub report_days: Vec<u32>,
}

impl Default for EnforcementSettings {
    fn default() -> Self {
        Self {
            safety_margin_secs: 0.0,
            sweep_cron: "0 0 6 * * *".into(),
            report_days: vec![1, 7, 30],
        }
    }
}

impl EnforcementSettings {
    /// The margin as a duration (negative or NaN counts as zero).
    pub fn margin(&self) -> Duration {
        Duration::try_from_secs_f64(self.safety_margin_secs).unwrap_or(Duration::ZERO)
    }
}
