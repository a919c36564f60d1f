//! `DesiredState`: what one feed says agents should hold, keyed and sorted so that the planner
//! can walk it in a deterministic order. Pure data: no reading, no comparing with live state.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, SecondsFormat, Utc};

use super::{AgentKey, Name, Proficiency};

/// How much of the managed population a feed describes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FeedScope {
    /// Only the agents listed are affected.
    #[default]
    Partial,
    /// The complete desired state: managed assignments of agents absent from it are removed.
    Snapshot,
}

impl FeedScope {
    /// `partial` or `snapshot`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Partial => "partial",
            Self::Snapshot => "snapshot",
        }
    }
}

/// A scope spelled other than `partial` or `snapshot`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown scope {0:?}: expected partial or snapshot")]
pub struct UnknownScope(pub String);

impl FromStr for FeedScope {
    type Err = UnknownScope;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "partial" => Ok(Self::Partial),
            "snapshot" => Ok(Self::Snapshot),
            other => Err(UnknownScope(other.to_owned())),
        }
    }
}

impl fmt::Display for FeedScope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The three kinds of assignment an agent can hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum AssignmentKind {
    /// A routing skill with a proficiency.
    Skill,
    /// A routing language with a proficiency.
    Language,
    /// A time-bound certification.
    Certification,
}

impl AssignmentKind {
    /// All kinds, in canonical order.
    pub const ALL: [Self; 3] = [Self::Skill, Self::Language, Self::Certification];

    /// `skill`, `language` or `certification`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Skill => "skill",
            Self::Language => "language",
            Self::Certification => "certification",
        }
    }
}

impl fmt::Display for AssignmentKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// When a certification holds: from `issued_on` (inclusive) until `expires_on` (exclusive).
/// `None` means unbounded on that side.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct CertificationWindow {
    /// The first instant the certification holds.
    pub issued_on: Option<DateTime<Utc>>,
    /// The first instant it no longer holds.
    pub expires_on: Option<DateTime<Utc>>,
}

impl CertificationWindow {
    /// Whether the certification holds at `at`.
    pub fn is_active_at(&self, at: DateTime<Utc>) -> bool {
        self.issued_on.is_none_or(|issued| issued <= at)
            && self.expires_on.is_none_or(|expires| at < expires)
    }
}

impl fmt::Display for CertificationWindow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let show = |t: Option<DateTime<Utc>>| {
            t.map_or_else(
                || "-".to_owned(),
                |t| t.to_rfc3339_opts(SecondsFormat::AutoSi, true),
            )
        };
        write!(
            f,
            "issued {} expires {}",
            show(self.issued_on),
            show(self.expires_on)
        )
    }
}

/// Everything one agent should hold according to a feed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AgentDesired {
    /// Routing skills by platform name.
    pub skills: BTreeMap<Name, Proficiency>,
    /// Routing languages by platform name.
    pub languages: BTreeMap<Name, Proficiency>,
    /// Certifications by platform name.
    pub certifications: BTreeMap<Name, CertificationWindow>,
}

/// How many agents and assignments of each kind a state holds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AssignmentCounts {
    /// Agents listed (including agents listed with no assignment).
    pub agents: usize,
    /// Skill assignments.
    pub skills: usize,
    /// Language assignments.
    pub languages: usize,
    /// Certification assignments.
    pub certifications: usize,
}

/// The normalized desired state of one feed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DesiredState {
    /// Whether agents absent from `agents` are affected.
    pub scope: FeedScope,
    /// Every listed agent, sorted by key.
    pub agents: BTreeMap<AgentKey, AgentDesired>,
}

impl DesiredState {
    /// An empty state with the given scope.
    pub fn new(scope: FeedScope) -> Self {
        Self {
            scope,
            agents: BTreeMap::new(),
        }
    }

    /// Counts agents and assignments by kind.
    pub fn counts(&self) -> AssignmentCounts {
        self.agents.values().fold(
            AssignmentCounts {
                agents: self.agents.len(),
                ..AssignmentCounts::default()
            },
            |mut counts, agent| {
                counts.skills += agent.skills.len();
                counts.languages += agent.languages.len();
                counts.certifications += agent.certifications.len();
                counts
            },
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(hour: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2025, 1, 1, hour, 0, 0)
            .single()
            .expect("valid instant")
    }

    #[test]
    fn a_certification_holds_from_issue_until_just_before_expiry() {
        let window = CertificationWindow {
            issued_on: Some(at(8)),
            expires_on: Some(at(10)),
        };
        assert!(!window.is_active_at(at(7)));
        assert!(window.is_active_at(at(8)));
        assert!(window.is_active_at(at(9)));
        assert!(!window.is_active_at(at(10)));
    }

    #[test]
    fn an_unbounded_certification_always_holds() {
        assert!(CertificationWindow::default().is_active_at(at(0)));
    }

    #[test]
    fn scopes_parse_from_their_lowercase_names_only() {
        assert_eq!("partial".parse(), Ok(FeedScope::Partial));
        assert_eq!("snapshot".parse(), Ok(FeedScope::Snapshot));
        assert!("full".parse::<FeedScope>().is_err());
        assert_eq!(FeedScope::default(), FeedScope::Partial);
    }

    #[test]
    fn counts_add_up_assignments_of_every_agent() {
        let mut state = DesiredState::new(FeedScope::Snapshot);
        let mut agent = AgentDesired::default();
        let name = |s: &str| Name::parse(s).expect("valid name");
        agent.skills.insert(name("Billing"), Proficiency::CEILING);
        agent.skills.insert(name("Sales"), Proficiency::MIN);
        agent
            .certifications
            .insert(name("PCI"), CertificationWindow::default());
        state.agents.insert(AgentKey::EmployeeId("1".into()), agent);
        state
            .agents
            .insert(AgentKey::EmployeeId("2".into()), AgentDesired::default());
        assert_eq!(
            state.counts(),
            AssignmentCounts {
                agents: 2,
                skills: 2,
                languages: 0,
                certifications: 1
            }
        );
    }

    #[test]
    fn a_window_displays_both_ends_in_utc() {
        let window = CertificationWindow {
            issued_on: Some(at(8)),
            expires_on: None,
        };
        assert_eq!(window.to_string(), "issued 2025-01-01T08:00:00Z expires -");
    }
}
