//! One planned change to one assignment of one agent: what the planner produces, the store
//! keeps and the connectors write.

use std::fmt;

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::{AssignmentKind, Name, Proficiency};

/// What happens to one assignment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Assign it (with this proficiency, for skills and languages).
    Add(Option<Proficiency>),
    /// Change its proficiency.
    Update {
        /// Live value.
        from: Proficiency,
        /// Desired value, at the platform's granularity.
        to: Proficiency,
    },
    /// Take it away (it had this proficiency).
    Remove(Option<Proficiency>),
}

/// Whether a change may wait for a change window or for the agent to be free (issue 15).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum Urgency {
    /// Obeys deferral and change windows.
    #[default]
    Routine,
    /// Goes at once: compliance (a certification's revocation and its gate skill's removal).
    Urgent,
}

impl Urgency {
    /// `routine` or `urgent`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Routine => "routine",
            Self::Urgent => "urgent",
        }
    }

    /// The urgency named `text`.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "routine" => Some(Self::Routine),
            "urgent" => Some(Self::Urgent),
            _ => None,
        }
    }
}

/// One planned change to one agent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// Skill, language or certification.
    pub kind: AssignmentKind,
    /// Platform name.
    pub name: Name,
    /// What to do.
    pub action: Action,
    /// False under the `report` policy: shown, never written.
    pub writable: bool,
    /// Why, when a rule rather than a feed row caused it (certification windows, gate skills).
    pub rule: Option<String>,
    /// For certifications: when the change took effect and when the certification expires.
    /// Not part of the plan's JSON: the webhook events carry it.
    pub timing: Timing,
    /// Whether it may wait (deferral, change windows) or goes at once.
    pub urgency: Urgency,
}

impl Change {
    /// A change a feed row caused (no rule, no certification timing).
    pub fn new(kind: AssignmentKind, name: Name, action: Action, writable: bool) -> Self {
        Self {
            kind,
            name,
            action,
            writable,
            rule: None,
            timing: Timing::default(),
            urgency: Urgency::Routine,
        }
    }

    /// Keeps a routine change in the plan without writing it now (the agent is busy, or the
    /// change window is closed); an urgent one stays as it is.
    pub fn hold_if_routine(&mut self) {
        self.writable &= self.urgency == Urgency::Urgent;
    }

    /// Removals and proficiency decreases: what the safety thresholds count.
    pub fn is_destructive(&self) -> bool {
        match self.action {
            Action::Remove(_) => true,
            Action::Update { from, to } => to < from,
            Action::Add(_) => false,
        }
    }

    /// `+`, `~` or `-`.
    pub fn symbol(&self) -> char {
        match self.action {
            Action::Add(_) => '+',
            Action::Update { .. } => '~',
            Action::Remove(_) => '-',
        }
    }
}

impl fmt::Display for Change {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} {}", self.symbol(), self.kind, self.name)?;
        match self.action {
            Action::Add(Some(p)) | Action::Remove(Some(p)) => write!(f, " ({p})")?,
            Action::Update { from, to } => write!(f, " {from} -> {to}")?,
            Action::Add(None) | Action::Remove(None) => {}
        }
        if !self.writable {
            f.write_str(" [report only]")?;
        }
        Ok(())
    }
}

impl Serialize for Change {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let (action, from, to) = match self.action {
            Action::Add(p) => ("add", None, p),
            Action::Update { from, to } => ("update", Some(from), Some(to)),
            Action::Remove(p) => ("remove", p, None),
        };
        let mut st = s.serialize_struct("Change", 8)?;
        st.serialize_field("action", action)?;
        st.serialize_field("type", self.kind.as_str())?;
        st.serialize_field("name", self.name.as_str())?;
        st.serialize_field("from", &from.map(Proficiency::value))?;
        st.serialize_field("to", &to.map(Proficiency::value))?;
        st.serialize_field("writable", &self.writable)?;
        st.serialize_field("urgency", self.urgency.as_str())?;
        if let Some(rule) = &self.rule {
            st.serialize_field("rule", rule)?;
        } else {
            st.skip_field("rule")?;
        }
        st.end()
    }
}

/// When a certification change took effect, for its webhook event.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Timing {
    /// The instant that caused the change when time caused it (an expiry reached), so that the
    /// event is the same however often it is built; `None` when a feed caused it.
    pub at: Option<DateTime<Utc>>,
    /// When the certification expires, if it does (as the feed gives it, before the margin).
    pub expires_on: Option<DateTime<Utc>>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(v: f64) -> Proficiency {
        Proficiency::nearest(v).expect("in range")
    }

    fn change(action: Action) -> Change {
        Change {
            kind: AssignmentKind::Skill,
            name: Name::parse("Billing_L1").expect("name"),
            action,
            writable: true,
            rule: None,
            timing: Timing::default(),
            urgency: Urgency::Routine,
        }
    }

    #[test]
    fn changes_display_like_a_terraform_plan() {
        assert_eq!(
            change(Action::Add(Some(p(3.0)))).to_string(),
            "+ skill Billing_L1 (3)"
        );
        assert_eq!(
            change(Action::Update {
                from: p(2.0),
                to: p(4.5)
            })
            .to_string(),
            "~ skill Billing_L1 2 -> 4.5"
        );
        let mut removal = change(Action::Remove(Some(p(1.0))));
        removal.writable = false;
        assert_eq!(removal.to_string(), "- skill Billing_L1 (1) [report only]");
    }

    #[test]
    fn holding_keeps_routine_changes_unwritten_and_urgent_ones_as_they_are() {
        let mut routine = change(Action::Add(Some(p(3.0))));
        routine.hold_if_routine();
        assert!(!routine.writable);
        let mut urgent = Change {
            urgency: Urgency::Urgent,
            ..change(Action::Remove(None))
        };
        urgent.hold_if_routine();
        assert!(urgent.writable);
        let mut reported = Change {
            urgency: Urgency::Urgent,
            writable: false,
            ..change(Action::Remove(None))
        };
        reported.hold_if_routine();
        assert!(!reported.writable, "holding never makes a change writable");
    }

    #[test]
    fn removals_and_downgrades_are_destructive_upgrades_are_not() {
        assert!(change(Action::Remove(None)).is_destructive());
        assert!(change(Action::Update {
            from: p(4.0),
            to: p(3.0)
        })
        .is_destructive());
        assert!(!change(Action::Update {
            from: p(3.0),
            to: p(4.0)
        })
        .is_destructive());
        assert!(!change(Action::Add(None)).is_destructive());
    }
}
