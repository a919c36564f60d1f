//! `CertificationEvent`: what the webhook tells a receiver, its JSON body and its stable id.
//! Describes events; deciding when one happens is the daemon's job, sending is `sender.rs`'s.

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::certs::Warning;
use crate::domain::{AgentKey, Name, DEFAULT_ORG};

/// What happened to the agent's certification; serialized as the body's `type` (and `days`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum EventKind {
    /// The certification stopped being in force; its platform effects were removed.
    #[serde(rename = "certification.revoked")]
    Revoked,
    /// The certification came (back) into force; its platform effects were applied.
    #[serde(rename = "certification.granted")]
    Granted,
    /// The certification expires in `days` days (one of `webhook.warning_days`).
    #[serde(rename = "certification.expiring_soon")]
    ExpiringSoon {
        /// The warning threshold that was reached.
        days: u32,
    },
}

impl EventKind {
    /// The body's `type`: `certification.revoked`, `certification.granted` or
    /// `certification.expiring_soon`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Revoked => "certification.revoked",
            Self::Granted => "certification.granted",
            Self::ExpiringSoon { .. } => "certification.expiring_soon",
        }
    }
}

/// One event, exactly as it is sent (see `docs/notifications.md`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CertificationEvent {
    /// Derived from kind, agent, certification and `at`: the same event built twice (say, by a
    /// daemon restarted before it recorded the first) has the same id, so receivers can drop
    /// repeats.
    pub id: Uuid,
    /// What happened.
    #[serde(flatten)]
    pub kind: EventKind,
    /// The org (`[orgs.NAME]`, or `default`) the agent belongs to.
    #[serde(default = "default_org")]
    pub org: String,
    /// The agent's key as feeds name it (email or employee id).
    pub agent: String,
    /// The platform user id, when the agent has been matched to one.
    pub user_id: Option<String>,
    /// The certification's platform name.
    pub certification: String,
    /// When it took effect: the expiry or issue instant, the warning threshold, or when a feed
    /// change was applied.
    pub at: DateTime<Utc>,
    /// When the certification expires (the new expiry for a grant), if it does.
    pub expires_on: Option<DateTime<Utc>>,
    /// Why, in a few words: `PCI-DSS: expired at 2026-11-30T23:00:00Z`.
    pub rule: String,
}

impl CertificationEvent {
    /// An event with its id; add what else is known with [`Self::with_user_id`] and
    /// [`Self::with_expires_on`], which leave the id alone.
    pub fn new(
        kind: EventKind,
        agent: &AgentKey,
        certification: &Name,
        at: DateTime<Utc>,
        rule: impl Into<String>,
    ) -> Self {
        Self {
            id: event_id(
                DEFAULT_ORG,
                kind,
                agent.as_str(),
                certification.as_str(),
                at,
            ),
            kind,
            org: DEFAULT_ORG.to_owned(),
            agent: agent.as_str().to_owned(),
            user_id: None,
            certification: certification.as_str().to_owned(),
            at,
            expires_on: None,
            rule: rule.into(),
        }
    }

    /// The `expiring_soon` event of a warning that fell due.
    pub fn expiring_soon(warning: &Warning) -> Self {
        let rule = format!(
            "expires {}, {} days ahead",
            warning
                .expires_on
                .to_rfc3339_opts(SecondsFormat::AutoSi, true),
            warning.days
        );
        Self::new(
            EventKind::ExpiringSoon { days: warning.days },
            &warning.agent,
            &warning.certification,
            warning.due_at,
            rule,
        )
        .with_expires_on(Some(warning.expires_on))
    }

    /// The same event in `org`. Its id includes the org (but for `default`, whose ids stay as
    /// they were before orgs existed), so that the same change in two orgs is two events.
    pub fn in_org(mut self, org: &str) -> Self {
        self.id = event_id(org, self.kind, &self.agent, &self.certification, self.at);
        self.org = org.to_owned();
        self
    }

    /// The same event naming the platform user.
    pub fn with_user_id(mut self, user_id: impl Into<String>) -> Self {
        self.user_id = Some(user_id.into());
        self
    }

    /// The same event with the certification's expiry.
    pub fn with_expires_on(mut self, expires_on: Option<DateTime<Utc>>) -> Self {
        self.expires_on = expires_on;
        self
    }

    /// The JSON body as sent: these exact bytes are signed.
    pub fn body(&self) -> Vec<u8> {
        // Only strings, numbers, nulls and timestamps: serde_json cannot fail on them.
        serde_json::to_vec(self).expect("a certification event always serializes")
    }
}

fn default_org() -> String {
    DEFAULT_ORG.to_owned()
}

fn event_id(
    org: &str,
    kind: EventKind,
    agent: &str,
    certification: &str,
    at: DateTime<Utc>,
) -> Uuid {
    let days = match kind {
        EventKind::ExpiringSoon { days } => days,
        EventKind::Revoked | EventKind::Granted => 0,
    };
    let mut hash = Sha256::new();
    // NUL separators: no field can contain one (names and keys reject control characters), so
    // different field values never hash the same text.
    for part in [
        "skillsync.certification.v1",
        kind.as_str(),
        &days.to_string(),
        agent,
        certification,
        &at.to_rfc3339_opts(SecondsFormat::Nanos, true),
    ] {
        hash.update(part.as_bytes());
        hash.update([0]);
    }
    if org != DEFAULT_ORG {
        hash.update(org.as_bytes());
        hash.update([0]);
    }
    let digest = hash.finalize();
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    uuid::Builder::from_custom_bytes(bytes).into_uuid()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 30, 23, 0, 0)
            .single()
            .expect("valid instant")
    }

    fn key() -> AgentKey {
        AgentKey::Email("anna@example.com".into())
    }

    fn pci() -> Name {
        Name::parse("PCI DSS").expect("valid name")
    }

    #[test]
    fn a_revocation_serializes_to_the_documented_body() {
        let event = CertificationEvent::new(
            EventKind::Revoked,
            &key(),
            &pci(),
            at(),
            "expired 2026-11-30T23:00:00Z",
        )
        .with_user_id("6f1c")
        .with_expires_on(Some(at()));
        let body = String::from_utf8(event.body()).expect("UTF-8");
        assert_eq!(
            body,
            format!(
                concat!(
                    r#"{{"id":"{}","type":"certification.revoked","org":"default","#,
                    r#""agent":"anna@example.com","#,
                    r#""user_id":"6f1c","certification":"PCI DSS","at":"2026-11-30T23:00:00Z","#,
                    r#""expires_on":"2026-11-30T23:00:00Z","rule":"expired 2026-11-30T23:00:00Z"}}"#
                ),
                event.id
            )
        );
    }

    #[test]
    fn the_same_change_in_two_orgs_is_two_events_and_default_ids_are_unchanged() {
        let event = CertificationEvent::new(EventKind::Revoked, &key(), &pci(), at(), "expired");
        let default = event.clone().in_org("default");
        assert_eq!(
            default.id, event.id,
            "ids from before orgs stay as they were"
        );
        let acme = event.clone().in_org("acme");
        let beta = event.in_org("beta");
        assert_ne!(acme.id, default.id);
        assert_ne!(acme.id, beta.id);
        assert_eq!(acme.org, "acme");
        let body: serde_json::Value = serde_json::from_slice(&acme.body()).expect("json");
        assert_eq!(body["org"], "acme");
    }

    #[test]
    fn a_warning_carries_its_days_and_round_trips() {
        let warning = Warning {
            agent: key(),
            certification: pci(),
            days: 7,
            expires_on: at(),
            due_at: at() - chrono::TimeDelta::days(7),
        };
        let event = CertificationEvent::expiring_soon(&warning);
        let json: serde_json::Value = serde_json::from_slice(&event.body()).expect("JSON");
        assert_eq!(json["type"], "certification.expiring_soon");
        assert_eq!(json["days"], 7);
        assert_eq!(json["at"], "2026-11-23T23:00:00Z");
        assert_eq!(json["user_id"], serde_json::Value::Null);
        assert_eq!(json["rule"], "expires 2026-11-30T23:00:00Z, 7 days ahead");
        let back: CertificationEvent = serde_json::from_slice(&event.body()).expect("parses");
        assert_eq!(back, event);
    }

    #[test]
    fn the_same_event_built_twice_has_the_same_id() {
        let build = || CertificationEvent::new(EventKind::Granted, &key(), &pci(), at(), "renewed");
        assert_eq!(build().id, build().id);
        assert_eq!(
            build().id,
            build().with_user_id("u").id,
            "descriptive fields do not count"
        );
        assert_eq!(build().id.get_version_num(), 8);
    }

    #[test]
    fn events_differing_in_kind_agent_certification_or_instant_have_different_ids() {
        let base = CertificationEvent::new(EventKind::Granted, &key(), &pci(), at(), "r").id;
        let other_agent = AgentKey::Email("bob@example.com".into());
        let hipaa = Name::parse("HIPAA").expect("valid name");
        let variants = [
            CertificationEvent::new(EventKind::Revoked, &key(), &pci(), at(), "r").id,
            CertificationEvent::new(
                EventKind::ExpiringSoon { days: 7 },
                &key(),
                &pci(),
                at(),
                "r",
            )
            .id,
            CertificationEvent::new(
                EventKind::ExpiringSoon { days: 1 },
                &key(),
                &pci(),
                at(),
                "r",
            )
            .id,
            CertificationEvent::new(EventKind::Granted, &other_agent, &pci(), at(), "r").id,
            CertificationEvent::new(EventKind::Granted, &key(), &hipaa, at(), "r").id,
            CertificationEvent::new(
                EventKind::Granted,
                &key(),
                &pci(),
                at() + chrono::TimeDelta::nanoseconds(1),
                "r",
            )
            .id,
        ];
        let mut all = vec![base];
        all.extend(variants);
        let distinct: std::collections::HashSet<_> = all.iter().collect();
        assert_eq!(distinct.len(), all.len());
    }
}
