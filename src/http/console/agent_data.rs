//! The agent page's data: desired state with where each item came from, the last observation
//! beside it, the drift the planner recorded, the reconcile state and the newest audit rows.
//! Read through the store; never the platform.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};

use super::changes::{drift_rows, summary, DriftRow};
use super::page::stamp;
use crate::domain::{AgentDesired, CertificationWindow, LiveAgent, Name, Proficiency};
use crate::http::error::ApiError;
use crate::http::Api;
use crate::planner::CertificationRules;
use crate::store::{desired_from_json, live_from_json, AgentRecord, AuditEntry, Retirement};

/// How many audit rows the page lists; the audit page has the rest.
pub const AUDIT_ROWS: i64 = 50;

/// Longest `changes` text an audit row shows before cutting it.
const CHANGES_CHARS: usize = 300;

/// The feed whose row is the agent's desired state in force.
pub struct Origin {
    /// Id.
    pub id: i64,
    /// Source name; empty when the feed row is gone.
    pub source: String,
    /// When it arrived, RFC 3339; empty when the feed row is gone.
    pub received_at: String,
}

/// One skill, language or certification, desired or observed or both.
pub struct ItemRow {
    /// `skill`, `language` or `certification`.
    pub kind: &'static str,
    /// Platform name.
    pub name: String,
    /// Proficiency or validity wanted; empty when not desired.
    pub desired: String,
    /// Proficiency observed, `held` for a certification; empty when not observed.
    pub observed: String,
    /// Listed in the desired state (by the origin feed).
    pub from_feed: bool,
    /// The rule that decides it beyond the feed row (certification window, gate, retirement);
    /// empty when the feed row alone decides.
    pub rule: String,
}

/// One audit row.
pub struct AuditRow {
    /// Id.
    pub id: i64,
    /// When the intent was logged, RFC 3339.
    pub at: String,
    /// Call or action.
    pub call: String,
    /// How it ended.
    pub outcome: &'static str,
    /// The job behind it.
    pub job_id: Option<i64>,
    /// The feed behind it.
    pub feed_id: Option<i64>,
    /// Before and after, as stored (cut when long).
    pub changes: String,
    /// HTTP status; empty when none.
    pub http_status: String,
    /// Error text or operator; empty when none.
    pub note: String,
}

/// Everything the agent page shows.
pub struct AgentData {
    /// The feed key (or user id when the user has none).
    pub key: String,
    /// Email, employee id or user id as last observed; empty before an observation.
    pub label: String,
    /// Platform user id; empty before an observation.
    pub user_id: String,
    /// Reconcile state; empty before an observation.
    pub state: &'static str,
    /// The deferral reason or last failure.
    pub last_error: String,
    /// Since when routine changes have waited, RFC 3339; empty when they do not.
    pub deferred_since: String,
    /// Failures in a row.
    pub failures: i32,
    /// When last observed, RFC 3339; empty when never.
    pub observed_at: String,
    /// When skillsync last changed it, RFC 3339; empty when never.
    pub last_change_at: String,
    /// Where the desired state came from; none when the agent is in no feed in force.
    pub origin: Option<Origin>,
    /// Desired and observed items, by kind and name.
    pub items: Vec<ItemRow>,
    /// The changes planned at the last observation.
    pub drift: Vec<DriftRow>,
    /// The newest audit rows.
    pub audit: Vec<AuditRow>,
}

/// The page of the agent `key` (normalized), or `None` when it is neither desired nor observed.
pub async fn agent_data(
    api: &Api,
    key: &str,
    now: DateTime<Utc>,
) -> Result<Option<AgentData>, ApiError> {
    let record = api.store.agent(key).await?;
    let key = record
        .as_ref()
        .and_then(|r| r.agent_key.clone())
        .unwrap_or_else(|| key.to_string());
    let desired = api.store.desired_for(&key).await?;
    if record.is_none() && desired.is_none() {
        return Ok(None);
    }
    let desired = desired
        .map(desired_from_json)
        .transpose()
        .map_err(ApiError::internal)?;
    let live = record
        .as_ref()
        .map(|r| live_from_json(r.observed.clone()))
        .transpose()
        .map_err(ApiError::internal)?;
    let changes = match &record {
        Some(r) => drift_rows(&r.drift).map_err(ApiError::internal)?,
        None => Vec::new(),
    };
    let origin = match api.store.desired_feed(&key).await? {
        Some(id) => Some(origin(api, id).await?),
        None => None,
    };
    let retirements = api.store.retirements().await?;
    let user_id = record.as_ref().map(|r| r.user_id.as_str());
    let audit = api.store.agent_audit(&key, user_id, AUDIT_ROWS).await?;
    // Newest first, as read: the rule of the latest write of an item wins.
    let written: Vec<(i64, DriftRow)> = audit
        .iter()
        .filter_map(|entry| Some((entry.id, drift_rows(&entry.changes).ok()?)))
        .flat_map(|(id, rows)| rows.into_iter().map(move |row| (id, row)))
        .filter(|(_, row)| !row.rule.is_empty())
        .collect();
    let items = items(
        desired.as_ref(),
        live.as_ref(),
        &Context {
            changes: &changes,
            written: &written,
            rules: &api.certification_rules,
            desired: desired.as_ref(),
            retirements: &retirements,
            now,
        },
    );
    let deferred_since = match &record {
        Some(r) => api.store.deferred_since(&r.user_id).await?.map(stamp),
        None => None,
    };
    Ok(Some(AgentData {
        deferred_since: deferred_since.unwrap_or_default(),
        items,
        drift: changes,
        audit: audit.iter().map(audit_row).collect(),
        origin,
        ..observation(key, record.as_ref())
    }))
}

/// The page's fields a stored observation fills.
fn observation(key: String, record: Option<&AgentRecord>) -> AgentData {
    let at = |t: Option<DateTime<Utc>>| t.map(stamp).unwrap_or_default();
    AgentData {
        key,
        label: record.map(|r| r.label.clone()).unwrap_or_default(),
        user_id: record.map(|r| r.user_id.clone()).unwrap_or_default(),
        state: record.map(|r| r.state.as_str()).unwrap_or_default(),
        last_error: record
            .and_then(|r| r.last_error.clone())
            .unwrap_or_default(),
        failures: record.map(|r| r.consecutive_failures).unwrap_or_default(),
        deferred_since: String::new(),
        observed_at: at(record.map(|r| r.observed_at)),
        last_change_at: at(record.and_then(|r| r.last_change_at)),
        origin: None,
        items: Vec::new(),
        drift: Vec::new(),
        audit: Vec::new(),
    }
}

async fn origin(api: &Api, id: i64) -> Result<Origin, ApiError> {
    // Pruning keeps the feed of a desired row, but a missing one still names its id.
    let feed = api.store.feed(id).await?;
    Ok(Origin {
        id,
        source: feed.as_ref().map(|f| f.source.clone()).unwrap_or_default(),
        received_at: feed.map(|f| stamp(f.received_at)).unwrap_or_default(),
    })
}

/// What, beyond the feed row, decides an item.
struct Context<'a> {
    changes: &'a [DriftRow],
    /// Changes with a rule from the newest audit rows, with each row's id.
    written: &'a [(i64, DriftRow)],
    rules: &'a CertificationRules,
    /// The agent's desired state: a gate skill follows its certification's window.
    desired: Option<&'a AgentDesired>,
    retirements: &'a [Retirement],
    now: DateTime<Utc>,
}

impl Context<'_> {
    /// The proficiency a gate skill is granted while its certification is in force.
    fn gate_grants(&self, skill: &str) -> Option<String> {
        let (certification, gate) = self
            .rules
            .gates
            .iter()
            .find(|(_, g)| g.skill.as_str() == skill)?;
        let window = self.desired?.certifications.get(certification.as_str())?;
        self.rules
            .in_force(window, self.now)
            .then(|| gate.proficiency.to_string())
    }

    fn rule(&self, kind: &str, name: &str, window: Option<&CertificationWindow>) -> String {
        // The planner's own words at the last observation come first: they name gates too.
        let planned = self
            .changes
            .iter()
            .find(|c| c.kind == kind && c.name == name && !c.rule.is_empty());
        if let Some(change) = planned {
            return change.rule.clone();
        }
        if kind == "certification" {
            return self.rules.rule(name, window, self.now);
        }
        if let Some(r) = self.retirements.iter().find(|r| r.skill == name) {
            if kind == "skill" {
                return format!(
                    "retirement {} (requested by {}, removed from every agent from {})",
                    r.state(self.now),
                    r.requested_by,
                    stamp(r.retire_after)
                );
            }
        }
        if kind == "skill" {
            let gate = self
                .rules
                .gates
                .iter()
                .find(|(_, g)| g.skill.as_str() == name);
            if let Some((certification, _)) = gate {
                let window = self
                    .desired
                    .and_then(|d| d.certifications.get(certification.as_str()));
                // The planner's words for a gate skill, so the page and the audit agree.
                let why = self.rules.rule(certification, window, self.now);
                return format!("gate skill of {why}");
            }
        }
        // Otherwise the rule recorded with the item's last write says why skillsync managed it.
        self.written
            .iter()
            .find(|(_, c)| c.kind == kind && c.name == name)
            .map(|(id, c)| format!("{} (when written, audit row {id})", c.rule))
            .unwrap_or_default()
    }
}

/// The union of desired and observed items, by kind then name.
fn items(
    want: Option<&AgentDesired>,
    have: Option<&LiveAgent>,
    context: &Context<'_>,
) -> Vec<ItemRow> {
    let mut rows = Vec::new();
    let rated = |map: Option<&BTreeMap<Name, Proficiency>>| {
        map.map(|m| {
            m.iter()
                .map(|(n, p)| (n.to_string(), p.to_string()))
                .collect::<BTreeMap<_, _>>()
        })
        .unwrap_or_default()
    };
    for (kind, wanted, held) in [
        (
            "skill",
            rated(want.map(|w| &w.skills)),
            rated(have.map(|h| &h.skills)),
        ),
        (
            "language",
            rated(want.map(|w| &w.languages)),
            rated(have.map(|h| &h.languages)),
        ),
    ] {
        let names: BTreeSet<&String> = wanted.keys().chain(held.keys()).collect();
        for name in names {
            let gated = (kind == "skill")
                .then(|| context.gate_grants(name))
                .flatten();
            rows.push(ItemRow {
                kind,
                name: name.clone(),
                desired: wanted.get(name).cloned().or(gated).unwrap_or_default(),
                observed: held.get(name).cloned().unwrap_or_default(),
                from_feed: wanted.contains_key(name),
                rule: context.rule(kind, name, None),
            });
        }
    }
    let windows: BTreeMap<String, &CertificationWindow> = want
        .map(|w| {
            w.certifications
                .iter()
                .map(|(n, w)| (n.to_string(), w))
                .collect()
        })
        .unwrap_or_default();
    let held: BTreeSet<String> = have.map(|h| h.certifications.clone()).unwrap_or_default();
    let names: BTreeSet<&String> = windows.keys().chain(held.iter()).collect();
    for name in names {
        let window = windows.get(name).copied();
        rows.push(ItemRow {
            kind: "certification",
            name: name.clone(),
            desired: window.map(validity).unwrap_or_default(),
            observed: if held.contains(name) {
                "held".into()
            } else {
                String::new()
            },
            from_feed: window.is_some(),
            rule: context.rule("certification", name, window),
        });
    }
    rows
}

/// A certification's validity as the feed gave it.
fn validity(window: &CertificationWindow) -> String {
    match (window.issued_on, window.expires_on) {
        (None, None) => "valid, no expiry".into(),
        (Some(from), None) => format!("valid from {}", stamp(from)),
        (None, Some(until)) => format!("valid until {}", stamp(until)),
        (Some(from), Some(until)) => format!("valid {} to {}", stamp(from), stamp(until)),
    }
}

fn audit_row(entry: &AuditEntry) -> AuditRow {
    // Writes store planned changes, read as the drift table words them; operator actions store
    // anything, shown as JSON.
    let mut changes = match drift_rows(&entry.changes) {
        Ok(rows) if !rows.is_empty() => rows.iter().map(summary).collect::<Vec<_>>().join("; "),
        _ => entry.changes.to_string(),
    };
    if let Some((cut, _)) = changes.char_indices().nth(CHANGES_CHARS) {
        changes.truncate(cut);
        changes.push('…');
    }
    let note = match (&entry.error, &entry.actor) {
        (Some(error), _) => error.clone(),
        (None, Some(actor)) => format!("by {actor}"),
        (None, None) => String::new(),
    };
    AuditRow {
        id: entry.id,
        at: stamp(entry.at),
        call: entry.call.clone(),
        outcome: entry.outcome.as_str(),
        job_id: entry.job_id,
        feed_id: entry.feed_id,
        changes,
        http_status: entry.http_status.map(|s| s.to_string()).unwrap_or_default(),
        note,
    }
}
