//! `[orgs.NAME]`: several CCaaS orgs in one configuration. Each org table sets only what differs
//! from the top level; resolving lays it over the top-level sections key by key and checks the
//! result with the sections' own types, at load, so that a bad org stops start-up.

use std::collections::BTreeMap;
use std::fmt;

use config::{Map, Value, ValueKind};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize};

use super::merge::merge;
use super::{ConfigError, Settings};
use crate::feed::sources::SourceSettings;
use crate::feed::FeedSettings;
use crate::planner::{OwnershipSettings, PolicySettings, SafetySettings};
use crate::platform::PlatformSettings;

/// The sections an org table may set; the rest of the configuration is the process's.
pub const ORG_SECTIONS: &[&str] = &[
    "platform",
    "policy",
    "ownership",
    "safety",
    "feed",
    "sources",
    "reconcile",
];

/// The `[reconcile]` keys an org may set: its scan schedules and the settle time its platform
/// needs. Leases, retries, verification rounds, retention and the cron time zone stay global:
/// they describe the process and its database, not an org.
pub const ORG_RECONCILE_KEYS: &[&str] = &["scan_cron", "incremental_scan_cron", "settle_secs"];

pub use crate::domain::DEFAULT_ORG;

/// Longest org name; names end up in metrics labels and database keys.
const MAX_NAME_LEN: usize = 32;

/// One `[orgs.NAME]` table as written: only the keys the org sets, untyped until resolved (a
/// typed section would fill in defaults and hide which keys fall back to the top level).
#[derive(Clone, Default)]
pub struct OrgOverrides(Map<String, Value>);

impl OrgOverrides {
    /// The sections the table sets.
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.0.keys().map(String::as_str)
    }
}

impl fmt::Debug for OrgOverrides {
    // Keys only: the values may be secrets.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.keys()).finish()
    }
}

impl<'de> Deserialize<'de> for OrgOverrides {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = Value::deserialize(deserializer)?;
        value
            .into_table()
            .map(Self)
            .map_err(serde::de::Error::custom)
    }
}

/// The per-org `[reconcile]` keys, resolved.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OrgReconcileSettings {
    /// Seconds between writing and the verifying re-read (the org's platform's if unset).
    pub settle_secs: f64,
    /// Full drift scans: a cron expression with seconds.
    pub scan_cron: String,
    /// Incremental drift scans; empty = none.
    pub incremental_scan_cron: String,
}

/// `[orgs.NAME.reconcile]` as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ReconcileOverride {
    #[serde(default)]
    settle_secs: Option<f64>,
    #[serde(default)]
    scan_cron: Option<String>,
    #[serde(default)]
    incremental_scan_cron: Option<String>,
}

/// One org's fully resolved sections: the top level with the org's keys laid over it.
#[derive(Debug, Clone, Serialize)]
pub struct OrgSettings {
    /// `NAME` of `[orgs.NAME]`, or `default`.
    #[serde(skip)]
    pub name: String,
    /// The org's platform: kind, credentials, budget.
    pub platform: PlatformSettings,
    /// Per-attribute reconciliation policy.
    pub policy: PolicySettings,
    /// Which assignments skillsync owns in this org.
    pub ownership: OwnershipSettings,
    /// Thresholds above which a plan waits for approval.
    pub safety: SafetySettings,
    /// Feed rules, certifications included.
    pub feed: FeedSettings,
    /// Scan schedules and settle time.
    pub reconcile: OrgReconcileSettings,
    /// Feeds pulled on a schedule for this org.
    pub sources: Vec<SourceSettings>,
}

impl OrgSettings {
    /// The org the top-level sections form on their own.
    fn of_top_level(name: &str, settings: &Settings) -> Self {
        Self {
            name: name.to_owned(),
            platform: settings.platform.clone(),
            policy: settings.policy.clone(),
            ownership: settings.ownership.clone(),
            safety: settings.safety.clone(),
            feed: settings.feed.clone(),
            reconcile: OrgReconcileSettings {
                settle_secs: settings.reconcile.settle_secs,
                scan_cron: settings.reconcile.scan_cron.clone(),
                incremental_scan_cron: settings.reconcile.incremental_scan_cron.clone(),
            },
            sources: settings.sources.clone(),
        }
    }
}

impl OrgSettings {
    /// The parts of the org's configuration a planner policy is built from; the certification
    /// margin (`[certifications]`) is the process's.
    pub fn planner(
        &self,
        enforcement: &crate::certs::EnforcementSettings,
    ) -> crate::planner::PlannerSettings {
        crate::planner::PlannerSettings {
            agent_key: self.feed.agent_key,
            attributes: self.policy.clone(),
            ownership: self.ownership.clone(),
            certifications: self.feed.certifications.clone(),
            margin: enforcement.margin(),
        }
    }
}

impl Settings {
    /// Every org, resolved. Without `[orgs]` (or with an empty one) the one org `default`, the
    /// top-level sections as they are now; with `[orgs]`, the orgs as resolved at load, and the
    /// top level is only their defaults.
    pub fn org_settings(&self) -> Vec<OrgSettings> {
        if self.orgs.is_empty() {
            vec![OrgSettings::of_top_level(DEFAULT_ORG, self)]
        } else {
            self.resolved_orgs.clone()
        }
    }

    /// The one org a command that runs a single org runs; several orgs are refused rather than
    /// all but one silently ignored.
    pub fn single_org(&self) -> Result<OrgSettings, ConfigError> {
        let mut orgs = self.org_settings();
        if orgs.len() > 1 {
            return Err(ConfigError::SeveralOrgs(
                orgs.into_iter().map(|org| org.name).collect(),
            ));
        }
        Ok(orgs.remove(0))
    }

    /// These settings with the top-level per-org sections replaced by the single org's, for the
    /// parts of skillsync that read the top level. An error when several orgs are configured.
    pub fn into_single_org(self) -> Result<Self, ConfigError> {
        let org = self.single_org()?;
        Ok(self.for_org(org))
    }

    /// Every org's effective settings: these settings with the top-level per-org sections
    /// replaced by that org's, so that each org runs the single-org parts of skillsync as is.
    pub fn per_org(&self) -> Vec<(String, Self)> {
        self.org_settings()
            .into_iter()
            .map(|org| (org.name.clone(), self.clone().for_org(org)))
            .collect()
    }

    fn for_org(mut self, org: OrgSettings) -> Self {
        self.platform = org.platform;
        self.policy = org.policy;
        self.ownership = org.ownership;
        self.safety = org.safety;
        self.feed = org.feed;
        self.sources = org.sources;
        self.reconcile.settle_secs = org.reconcile.settle_secs;
        self.reconcile.scan_cron = org.reconcile.scan_cron;
        self.reconcile.incremental_scan_cron = org.reconcile.incremental_scan_cron;
        self
    }

    /// These settings narrowed to org `name` (`--org`): every command then runs that org only.
    pub fn only_org(mut self, name: &str) -> Result<Self, ConfigError> {
        let org = self
            .org_settings()
            .into_iter()
            .find(|org| org.name == name)
            .ok_or_else(|| {
                ConfigError::UnknownOrg(
                    name.to_owned(),
                    self.org_settings().into_iter().map(|o| o.name).collect(),
                )
            })?;
        if !self.orgs.is_empty() {
            self.orgs.retain(|key, _| key == name);
            self.resolved_orgs = vec![org];
        }
        Ok(self)
    }

    /// Adds org `name` with the per-org sections of `like` (settings built in code, as the demo
    /// builds one per simulated platform). The first org added replaces the implicit `default`.
    pub fn add_org_like(&mut self, name: &str, like: &Settings) -> Result<(), ConfigError> {
        check_org_name(name)?;
        self.orgs.insert(name.to_owned(), OrgOverrides::default());
        self.resolved_orgs.retain(|org| org.name != name);
        self.resolved_orgs
            .push(OrgSettings::of_top_level(name, like));
        Ok(())
    }

    /// The resolved orgs keyed by name, as `print-config` shows them.
    pub(super) fn printed_orgs(&self) -> BTreeMap<String, OrgSettings> {
        self.org_settings()
            .into_iter()
            .map(|org| (org.name.clone(), org))
            .collect()
    }
}

/// Resolves every `[orgs.NAME]` table against the loaded configuration `built` (the layered
/// file and environment, secrets unredacted). `settle_given`: whether `reconcile.settle_secs`
/// was set at the top level (otherwise each org gets its own platform's settle time).
pub(super) fn resolve(
    settings: &Settings,
    built: &config::Config,
    settle_given: bool,
) -> Result<Vec<OrgSettings>, ConfigError> {
    settings
        .orgs
        .iter()
        .map(|(name, overrides)| {
            Resolver {
                name,
                overrides,
                built,
            }
            .resolve(settings, settle_given)
        })
        .collect()
}

/// Org names: 1–32 of `[a-z0-9_-]`, so that they are safe in paths, labels and keys.
pub fn check_org_name(name: &str) -> Result<(), ConfigError> {
    let allowed = |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-';
    if (1..=MAX_NAME_LEN).contains(&name.len()) && name.bytes().all(allowed) {
        Ok(())
    } else {
        Err(ConfigError::OrgName(name.to_owned()))
    }
}

struct Resolver<'a> {
    name: &'a str,
    overrides: &'a OrgOverrides,
    built: &'a config::Config,
}

impl Resolver<'_> {
    fn resolve(&self, top: &Settings, settle_given: bool) -> Result<OrgSettings, ConfigError> {
        check_org_name(self.name)?;
        if let Some(key) = self.overrides.keys().find(|k| !ORG_SECTIONS.contains(k)) {
            return Err(self.error(
                key,
                format!(
                    "not a per-org key (an org may set {})",
                    ORG_SECTIONS.join(", ")
                ),
            ));
        }
        let platform: PlatformSettings = self.section("platform", &top.platform)?;
        let reconcile = self.reconcile()?;
        let settle_secs = reconcile.settle_secs.unwrap_or(if settle_given {
            top.reconcile.settle_secs
        } else {
            crate::platform::settings::default_settle_secs(&platform.kind)
        });
        Ok(OrgSettings {
            name: self.name.to_owned(),
            policy: self.section("policy", &top.policy)?,
            ownership: self.section("ownership", &top.ownership)?,
            safety: self.section("safety", &top.safety)?,
            feed: self.section("feed", &top.feed)?,
            sources: self.section("sources", &top.sources)?,
            reconcile: OrgReconcileSettings {
                settle_secs,
                scan_cron: reconcile
                    .scan_cron
                    .unwrap_or_else(|| top.reconcile.scan_cron.clone()),
                incremental_scan_cron: reconcile
                    .incremental_scan_cron
                    .unwrap_or_else(|| top.reconcile.incremental_scan_cron.clone()),
            },
            platform,
        })
    }

    /// The top-level section `key` with the org's keys laid over it, typed by the section's own
    /// type so that its defaults and checks apply; the top level's typed value when the org sets
    /// nothing in it.
    fn section<T: DeserializeOwned + Clone>(&self, key: &str, top: &T) -> Result<T, ConfigError> {
        let Some(over) = self.overrides.0.get(key).cloned() else {
            return Ok(top.clone());
        };
        // Absent at the top level (no `[feed]`, no `[[sources]]`): the org's keys alone, with
        // the section's defaults, as the top level itself would load them.
        let mut merged = self
            .built
            .get::<Value>(key)
            .unwrap_or_else(|_| Value::new(None, ValueKind::Nil));
        merge(&mut merged, over);
        merged
            .try_deserialize()
            .map_err(|e| self.error(key, e.to_string()))
    }

    fn reconcile(&self) -> Result<ReconcileOverride, ConfigError> {
        match self.overrides.0.get("reconcile") {
            None => Ok(ReconcileOverride::default()),
            Some(value) => value.clone().try_deserialize().map_err(|e| {
                self.error(
                    "reconcile",
                    format!(
                        "{e} (an org may set {}; the other keys are global)",
                        ORG_RECONCILE_KEYS.join(", ")
                    ),
                )
            }),
        }
    }

    fn error(&self, key: &str, message: String) -> ConfigError {
        ConfigError::Org {
            path: format!("orgs.{}.{key}", self.name),
            message,
        }
    }
}
