//! What an agent is doing: routing status and scheduled activity, and what the platform's
//! read models (`RoutingStatus`, `UserConversationSummary`, `UserScheduleAdherence`) make of them.
//! Kept apart from the versioned profile because the platform does not bump a user's `version`
//! when an agent takes a call, and replica lag is only modelled for profile writes.

use serde::Serialize;
use time::macros::format_description;
use time::OffsetDateTime;

/// The agent's routing state (SDK `RoutingStatus.status`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RoutingStatus {
    /// Not on queue.
    OffQueue,
    /// On queue, waiting.
    Idle,
    /// Handling an ACD interaction.
    Interacting,
    /// Alerted and did not answer.
    NotResponding,
    /// On a non-ACD interaction while on queue.
    Communicating,
}

const STATUSES: [(RoutingStatus, &str); 5] = [
    (RoutingStatus::OffQueue, "OFF_QUEUE"),
    (RoutingStatus::Idle, "IDLE"),
    (RoutingStatus::Interacting, "INTERACTING"),
    (RoutingStatus::NotResponding, "NOT_RESPONDING"),
    (RoutingStatus::Communicating, "COMMUNICATING"),
];

impl RoutingStatus {
    /// The wire value.
    pub fn as_str(self) -> &'static str {
        STATUSES
            .iter()
            .find(|(s, _)| *s == self)
            .map_or("OFF_QUEUE", |(_, name)| name)
    }

    /// Parses the wire value; `None` for anything else.
    pub fn parse(s: &str) -> Option<Self> {
        STATUSES.iter().find(|(_, n)| *n == s).map(|(st, _)| *st)
    }

    /// Every wire value, comma-joined, for error messages.
    pub fn allowed() -> String {
        STATUSES.map(|(_, n)| n).join(", ")
    }

    /// On queue, whatever it is doing there.
    pub fn on_queue(self) -> bool {
        self != Self::OffQueue
    }

    /// Busy with an interaction: what the conversation summary counts as active.
    pub fn busy(self) -> bool {
        matches!(self, Self::Interacting | Self::Communicating)
    }
}

/// What WFM scheduled the agent to do now (SDK `UserScheduleAdherence.scheduledActivityCategory`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ActivityCategory {
    /// Scheduled on queue.
    OnQueueWork,
    /// Break.
    Break,
    /// Meal.
    Meal,
    /// Meeting.
    Meeting,
    /// Off-queue work.
    OffQueueWork,
    /// Time off.
    TimeOff,
    /// Training.
    Training,
    /// Unavailable.
    Unavailable,
    /// No schedule.
    Unscheduled,
}

const CATEGORIES: [(ActivityCategory, &str); 9] = [
    (ActivityCategory::OnQueueWork, "OnQueueWork"),
    (ActivityCategory::Break, "Break"),
    (ActivityCategory::Meal, "Meal"),
    (ActivityCategory::Meeting, "Meeting"),
    (ActivityCategory::OffQueueWork, "OffQueueWork"),
    (ActivityCategory::TimeOff, "TimeOff"),
    (ActivityCategory::Training, "Training"),
    (ActivityCategory::Unavailable, "Unavailable"),
    (ActivityCategory::Unscheduled, "Unscheduled"),
];

impl ActivityCategory {
    /// The wire value.
    pub fn as_str(self) -> &'static str {
        CATEGORIES
            .iter()
            .find(|(c, _)| *c == self)
            .map_or("Unscheduled", |(_, name)| name)
    }

    /// Parses the wire value; `None` for anything else.
    pub fn parse(s: &str) -> Option<Self> {
        CATEGORIES.iter().find(|(_, n)| *n == s).map(|(c, _)| *c)
    }

    /// Every wire value, comma-joined, for error messages.
    pub fn allowed() -> String {
        CATEGORIES.map(|(_, n)| n).join(", ")
    }
}

/// One agent's routing status, since when, and its scheduled activity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Presence {
    /// Routing status.
    pub status: RoutingStatus,
    /// When the agent entered `status`.
    pub since: OffsetDateTime,
    /// Scheduled activity category.
    pub activity: ActivityCategory,
}

impl Presence {
    /// `status` since `since`, unscheduled.
    pub fn new(status: RoutingStatus, since: OffsetDateTime) -> Self {
        Self {
            status,
            since,
            activity: ActivityCategory::Unscheduled,
        }
    }

    /// Moves to `status`; the start time only moves on a real transition, as a repeated
    /// "you are idle" does not restart the agent's time in state.
    pub fn set_status(&mut self, status: RoutingStatus, now: OffsetDateTime) {
        if status != self.status {
            self.status = status;
            self.since = now;
        }
    }
}

/// ISO-8601 in UTC to the millisecond, as the platform writes times.
pub fn timestamp(t: OffsetDateTime) -> String {
    let format =
        format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z");
    t.to_offset(time::UtcOffset::UTC)
        .format(&format)
        .unwrap_or_default()
}

/// SDK `RoutingStatus`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RoutingStatusView {
    user_id: String,
    status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    start_time: Option<String>,
}

impl RoutingStatusView {
    /// A known user's status.
    pub fn new(user_id: &str, presence: &Presence) -> Self {
        Self {
            user_id: user_id.to_string(),
            status: presence.status.as_str(),
            start_time: Some(timestamp(presence.since)),
        }
    }

    /// What the platform answers for a user it does not know: `OFF_QUEUE` (SDK docstring). It
    /// has no start time to give, so none is sent; clients must cope with its absence anyway.
    pub fn unknown(user_id: &str) -> Self {
        Self {
            user_id: user_id.to_string(),
            status: RoutingStatus::OffQueue.as_str(),
            start_time: None,
        }
    }
}

/// SDK `MediaSummaryDetail`.
#[derive(Debug, Serialize, Default, Clone, Copy)]
pub struct MediaSummaryDetail {
    active: u32,
    acw: u32,
}

/// SDK `MediaSummary`.
#[derive(Debug, Serialize, Default, Clone, Copy)]
#[serde(rename_all = "camelCase")]
pub struct MediaSummary {
    contact_center: MediaSummaryDetail,
    enterprise: MediaSummaryDetail,
}

/// SDK `UserConversationSummary`, simplified: a busy agent has one active contact-centre call,
/// everything else is zero.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ConversationSummaryView {
    user_id: String,
    call: MediaSummary,
    callback: MediaSummary,
    email: MediaSummary,
    message: MediaSummary,
    chat: MediaSummary,
    social_expression: MediaSummary,
    video: MediaSummary,
}

impl ConversationSummaryView {
    /// The summary of an agent in `status`.
    pub fn new(user_id: &str, status: RoutingStatus) -> Self {
        let mut call = MediaSummary::default();
        call.contact_center.active = u32::from(status.busy());
        Self {
            user_id: user_id.to_string(),
            call,
            callback: MediaSummary::default(),
            email: MediaSummary::default(),
            message: MediaSummary::default(),
            chat: MediaSummary::default(),
            social_expression: MediaSummary::default(),
            video: MediaSummary::default(),
        }
    }
}

/// What WFM makes of a presence: actual activity, system presence, adherence state and impact.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Adherence {
    /// `actualActivityCategory`.
    pub actual: ActivityCategory,
    /// `systemPresence`.
    pub system_presence: &'static str,
    /// `adherenceState`.
    pub state: &'static str,
    /// `impact`.
    pub impact: &'static str,
}

impl Adherence {
    /// Adherence compares the scheduled category with the actual one, which follows from being
    /// on queue or not; off queue, the agent is taken to be doing what an off-queue schedule says.
    pub fn of(presence: &Presence) -> Self {
        use ActivityCategory as A;
        let scheduled = presence.activity;
        let actual = if presence.status.on_queue() {
            A::OnQueueWork
        } else if matches!(scheduled, A::OnQueueWork | A::Unscheduled) {
            A::OffQueueWork
        } else {
            scheduled
        };
        let system_presence = match actual {
            A::OnQueueWork => "OnQueue",
            A::Break => "Break",
            A::Meal => "Meal",
            A::Meeting => "Meeting",
            A::Training => "Training",
            _ => "Available",
        };
        let (state, impact) = if scheduled == A::Unscheduled {
            ("Unscheduled", "Unknown")
        } else if actual == scheduled {
            ("InAdherence", "Neutral")
        } else if scheduled == A::OnQueueWork {
            ("OutOfAdherence", "Negative")
        } else {
            ("OutOfAdherence", "Positive")
        };
        Self {
            actual,
            system_presence,
            state,
            impact,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn presence(status: RoutingStatus, activity: ActivityCategory) -> Presence {
        Presence {
            activity,
            ..Presence::new(status, OffsetDateTime::UNIX_EPOCH)
        }
    }

    #[test]
    fn wire_values_round_trip() {
        for (s, name) in STATUSES {
            assert_eq!(RoutingStatus::parse(name), Some(s));
            assert_eq!(s.as_str(), name);
        }
        for (c, name) in CATEGORIES {
            assert_eq!(ActivityCategory::parse(name), Some(c));
            assert_eq!(c.as_str(), name);
        }
        assert_eq!(RoutingStatus::parse("idle"), None);
    }

    #[test]
    fn adherence_follows_schedule_and_queue_state() {
        use ActivityCategory as A;
        use RoutingStatus as S;
        let cases = [
            (S::Idle, A::Unscheduled, "Unscheduled", "Unknown"),
            (S::Interacting, A::OnQueueWork, "InAdherence", "Neutral"),
            (S::OffQueue, A::OnQueueWork, "OutOfAdherence", "Negative"),
            (S::OffQueue, A::Break, "InAdherence", "Neutral"),
            (S::Idle, A::Meal, "OutOfAdherence", "Positive"),
        ];
        for (status, activity, state, impact) in cases {
            let a = Adherence::of(&presence(status, activity));
            assert_eq!(
                (a.state, a.impact),
                (state, impact),
                "{status:?} {activity:?}"
            );
        }
        assert_eq!(
            Adherence::of(&presence(S::OffQueue, A::Break)).system_presence,
            "Break"
        );
    }

    #[test]
    fn only_a_real_transition_moves_the_start_time() {
        let t1 = OffsetDateTime::UNIX_EPOCH + time::Duration::seconds(10);
        let mut p = Presence::new(RoutingStatus::Idle, OffsetDateTime::UNIX_EPOCH);
        p.set_status(RoutingStatus::Idle, t1);
        assert_eq!(p.since, OffsetDateTime::UNIX_EPOCH);
        p.set_status(RoutingStatus::Interacting, t1);
        assert_eq!(p.since, t1);
    }

    #[test]
    fn a_busy_agent_has_one_active_contact_center_call() {
        let busy = serde_json::to_value(ConversationSummaryView::new(
            "u",
            RoutingStatus::Interacting,
        ))
        .expect("json");
        assert_eq!(busy["call"]["contactCenter"]["active"], 1);
        assert_eq!(busy["socialExpression"]["enterprise"]["active"], 0);
        let idle = serde_json::to_value(ConversationSummaryView::new("u", RoutingStatus::Idle))
            .expect("json");
        assert_eq!(idle["call"]["contactCenter"]["active"], 0);
        assert_eq!(
            timestamp(OffsetDateTime::UNIX_EPOCH),
            "1970-01-01T00:00:00.000Z"
        );
    }
}
