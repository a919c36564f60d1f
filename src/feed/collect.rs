//! The `Collector`: turns raw assignments from any reader into normalized desired state, merging
//! identical duplicates and recording every problem. Knows no file format.

use std::collections::btree_map::{self, BTreeMap};
use std::collections::{HashMap, HashSet};
use std::fmt::Display;

use chrono::{DateTime, SecondsFormat, TimeDelta, Utc};

use crate::domain::{
    AgentDesired, AgentKey, AssignmentKind, CertificationWindow, DesiredState, FeedScope, Name,
    Proficiency,
};

use super::dates::{parse_instant, DateError, DayEnd};
use super::descriptions::Descriptions;
use super::origin::{Origin, RawAssignment};
use super::problem::{Capped, Location, Problem, ProblemKind, Warning, WarningKind};
use super::rules::FeedRules;

struct Entry<V> {
    value: V,
    origin: Origin,
}

#[derive(Default)]
struct AgentBuild {
    skills: BTreeMap<Name, Entry<Proficiency>>,
    languages: BTreeMap<Name, Entry<Proficiency>>,
    certifications: BTreeMap<Name, Entry<CertificationWindow>>,
}

/// Normalized assignments so far, and every problem met on the way.
pub(crate) struct Collector<'r> {
    rules: &'r FeedRules,
    names: HashSet<Name>,
    agents: HashMap<AgentKey, AgentBuild>,
    errors: Capped<Problem>,
    warnings: Capped<Warning>,
    merged: u64,
    first_merged: Option<Origin>,
    descriptions: Descriptions,
}

/// An accepted collection: the state, the skill descriptions by platform name (not part of the
/// state), and the warnings.
pub(crate) type Accepted = (DesiredState, BTreeMap<String, String>, Capped<Warning>);

/// What a finished collection produced.
pub(crate) type Collected = Result<Accepted, (Capped<Problem>, Capped<Warning>)>;

impl<'r> Collector<'r> {
    pub(crate) fn new(rules: &'r FeedRules) -> Self {
        Self {
            rules,
            names: HashSet::new(),
            agents: HashMap::new(),
            errors: Capped::new(rules.max_errors),
            warnings: Capped::new(rules.max_errors),
            merged: 0,
            first_merged: None,
            descriptions: Descriptions::default(),
        }
    }

    pub(crate) fn error(&mut self, problem: Problem) {
        self.errors.push(problem);
    }

    pub(crate) fn warn(&mut self, location: Location, kind: WarningKind) {
        self.warnings.push(Warning { location, kind });
    }

    /// Normalizes an agent key, recording why when it cannot be.
    pub(crate) fn agent(&mut self, origin: Origin, raw: &str) -> Option<AgentKey> {
        AgentKey::parse(self.rules.agent_key, raw)
            .map_err(|e| {
                self.error(Problem::in_field(
                    origin.field("agent"),
                    "agent",
                    raw,
                    e.into(),
                ))
            })
            .ok()
    }

    /// Lists an agent even if it has no assignment (a JSON agent with empty lists).
    pub(crate) fn list_agent(&mut self, agent: AgentKey) {
        self.agents.entry(agent).or_default();
    }

    /// Normalizes one assignment and adds it to `agent` (when that key was valid).
    pub(crate) fn assignment(&mut self, agent: Option<AgentKey>, raw: RawAssignment<'_>) {
        let name = self.name(&raw).filter(|name| self.allowed(&raw, name));
        self.describe(&raw, name.as_ref());
        match raw.kind {
            AssignmentKind::Skill | AssignmentKind::Language => {
                self.not_applicable(&raw, "issued_on", raw.issued_on);
                self.not_applicable(&raw, "expires_on", raw.expires_on);
                let (Some(level), Some(agent), Some(name)) = (self.proficiency(&raw), agent, name)
                else {
                    return;
                };
                let build = self.agents.entry(agent).or_default();
                let map = match raw.kind {
                    AssignmentKind::Skill => &mut build.skills,
                    _ => &mut build.languages,
                };
                let outcome = record(map, name, level, raw.origin);
                self.settle(outcome, raw);
            }
            AssignmentKind::Certification => {
                self.not_applicable(&raw, "proficiency", raw.proficiency);
                let window = self.window(&raw, name.as_ref());
                let (Some(window), Some(agent), Some(name)) = (window, agent, name) else {
                    return;
                };
                let build = self.agents.entry(agent).or_default();
                let outcome = record(&mut build.certifications, name, window, raw.origin);
                self.settle(outcome, raw);
            }
        }
    }

    /// The accepted state with its warnings, or every error if there was any.
    pub(crate) fn finish(mut self, scope: FeedScope) -> Collected {
        if let Some(first) = self.first_merged {
            self.warn(first.location(), WarningKind::DuplicatesMerged(self.merged));
        }
        if !self.errors.is_empty() {
            return Err((self.errors, self.warnings));
        }
        let agents = self
            .agents
            .into_iter()
            .map(|(key, build)| {
                let desired = AgentDesired {
                    skills: values(build.skills),
                    languages: values(build.languages),
                    certifications: values(build.certifications),
                };
                (key, desired)
            })
            .collect();
        let state = DesiredState { scope, agents };
        Ok((state, self.descriptions.into_map(), self.warnings))
    }

    /// Keeps a skill's description; only skills have definitions skillsync creates.
    fn describe(&mut self, raw: &RawAssignment<'_>, name: Option<&Name>) {
        if raw.kind != AssignmentKind::Skill {
            self.not_applicable(raw, "description", raw.description);
            return;
        }
        let (Some(name), Some(text)) = (name, raw.description) else {
            return;
        };
        if let Some((location, kind)) = self.descriptions.record(name, text, raw.origin) {
            self.warn(location, kind);
        }
    }

    fn name(&mut self, raw: &RawAssignment<'_>) -> Option<Name> {
        let platform = self.rules.platform_name(raw.name.trim());
        if let Some(name) = self.names.get(platform) {
            return Some(name.clone());
        }
        match Name::parse(platform) {
            Ok(name) => {
                self.names.insert(name.clone());
                Some(name)
            }
            Err(e) => {
                let problem =
                    Problem::in_field(raw.origin.field("name"), "name", raw.name, e.into());
                self.error(problem);
                None
            }
        }
    }

    /// False, with the error recorded, for a skill no feed may assign (it is being retired).
    fn allowed(&mut self, raw: &RawAssignment<'_>, name: &Name) -> bool {
        if raw.kind != AssignmentKind::Skill {
            return true;
        }
        let Some(reason) = self.rules.refusal(name.as_str()) else {
            return true;
        };
        let kind = ProblemKind::Retired(reason.to_owned());
        self.error(Problem::in_field(
            raw.origin.field("name"),
            "name",
            raw.name,
            kind,
        ));
        false
    }

    fn proficiency(&mut self, raw: &RawAssignment<'_>) -> Option<Proficiency> {
        let Some(scale) = self.rules.scale(raw.kind) else {
            if raw.kind == AssignmentKind::Language {
                let kind = ProblemKind::NoLanguages(self.rules.platform);
                self.error(match raw.origin {
                    Origin::Line(_) => {
                        Problem::in_field(raw.origin.location(), "type", "language", kind)
                    }
                    // The item sits in the `languages` list: its pointer names it.
                    Origin::Json { .. } => Problem::at(raw.origin.location(), kind),
                });
            }
            return None;
        };
        let location = raw.origin.field("proficiency");
        let Some(text) = present(raw.proficiency) else {
            self.error(Problem::in_field(
                location,
                "proficiency",
                "",
                ProblemKind::Missing,
            ));
            return None;
        };
        scale
            .parse(text)
            .map_err(|e| self.error(Problem::in_field(location, "proficiency", text, e.into())))
            .ok()
    }

    fn window(
        &mut self,
        raw: &RawAssignment<'_>,
        name: Option<&Name>,
    ) -> Option<CertificationWindow> {
        let issued_on = self.date(raw, "issued_on", raw.issued_on, DayEnd::Start);
        let expires_on = self.date(raw, "expires_on", raw.expires_on, DayEnd::End);
        let (Some(issued_on), Some(mut expires_on)) = (issued_on, expires_on) else {
            return None;
        };
        if expires_on.is_none() {
            let days = name.and_then(|name| self.rules.validity_days(name));
            if let (Some(issued), Some(days)) = (issued_on, days) {
                let Some(expiry) = issued.checked_add_signed(TimeDelta::days(i64::from(days)))
                else {
                    let text = raw.issued_on.unwrap_or_default();
                    let problem = Problem::in_field(
                        raw.origin.field("issued_on"),
                        "issued_on",
                        text,
                        DateError::OutOfRange.into(),
                    );
                    self.error(problem);
                    return None;
                };
                expires_on = Some(expiry);
            }
        }
        if let (Some(issued), Some(expires)) = (issued_on, expires_on) {
            if expires < issued {
                let kind = ProblemKind::ExpiresBeforeIssued {
                    issued_on: issued.to_rfc3339_opts(SecondsFormat::AutoSi, true),
                };
                let text = raw.expires_on.unwrap_or_default();
                self.error(Problem::in_field(
                    raw.origin.field("expires_on"),
                    "expires_on",
                    text,
                    kind,
                ));
                return None;
            }
        }
        Some(CertificationWindow {
            issued_on,
            expires_on,
        })
    }

    /// `Some(None)` when the date is absent, `None` when it is invalid (and recorded).
    fn date(
        &mut self,
        raw: &RawAssignment<'_>,
        field: &'static str,
        value: Option<&str>,
        day_end: DayEnd,
    ) -> Option<Option<DateTime<Utc>>> {
        let Some(text) = present(value) else {
            return Some(None);
        };
        match parse_instant(text, self.rules.time_zone, day_end) {
            Ok(instant) => Some(Some(instant)),
            Err(e) => {
                self.error(Problem::in_field(
                    raw.origin.field(field),
                    field,
                    text,
                    e.into(),
                ));
                None
            }
        }
    }

    fn not_applicable(
        &mut self,
        raw: &RawAssignment<'_>,
        field: &'static str,
        value: Option<&str>,
    ) {
        if present(value).is_some() {
            let kind = raw.kind.as_str();
            self.warn(
                raw.origin.field(field),
                WarningKind::NotApplicable { field, kind },
            );
        }
    }

    fn settle(&mut self, outcome: Outcome, raw: RawAssignment<'_>) {
        match outcome {
            Outcome::Added => {}
            Outcome::Merged => {
                self.merged += 1;
                self.first_merged.get_or_insert(raw.origin);
            }
            Outcome::Conflict {
                first,
                first_value,
                value,
            } => {
                let kind = ProblemKind::Conflict {
                    first: first.location(),
                    kind: raw.kind.as_str(),
                    first_value,
                    value,
                };
                self.error(Problem::in_field(
                    raw.origin.location(),
                    "name",
                    raw.name.trim(),
                    kind,
                ));
            }
        }
    }
}

enum Outcome {
    Added,
    Merged,
    Conflict {
        first: Origin,
        first_value: String,
        value: String,
    },
}

fn record<V: PartialEq + Display>(
    map: &mut BTreeMap<Name, Entry<V>>,
    name: Name,
    value: V,
    origin: Origin,
) -> Outcome {
    match map.entry(name) {
        btree_map::Entry::Vacant(slot) => {
            slot.insert(Entry { value, origin });
            Outcome::Added
        }
        btree_map::Entry::Occupied(slot) if slot.get().value == value => Outcome::Merged,
        btree_map::Entry::Occupied(slot) => Outcome::Conflict {
            first: slot.get().origin,
            first_value: slot.get().value.to_string(),
            value: value.to_string(),
        },
    }
}

fn values<V>(entries: BTreeMap<Name, Entry<V>>) -> BTreeMap<Name, V> {
    entries
        .into_iter()
        .map(|(name, entry)| (name, entry.value))
        .collect()
}

/// A value that is there and not blank.
fn present(value: Option<&str>) -> Option<&str> {
    value.filter(|text| !text.trim().is_empty())
}
