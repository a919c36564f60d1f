//! The one path every skill retirement request takes, from `POST /v1/skills/{name}/retire` or
//! `skillsync skills retire` (issue 16): check the name and the date, record the request once,
//! audit it with its actor. What happens from the date is the reconciler's (`retirement`). Must
//! not answer HTTP nor parse arguments.

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;

use crate::domain::Name;
use crate::store::{AuditIntent, Retirement, Store, StoreError};

/// Why a retirement was not recorded.
#[derive(Debug, thiserror::Error)]
pub enum RetireError {
    /// The skill name is not a usable name.
    #[error("skill name {name:?}: {reason}")]
    Name {
        /// As given.
        name: String,
        /// Why not.
        reason: String,
    },
    /// The date is not a date.
    #[error(
        "after {0:?}: not a date (YYYY-MM-DD, midnight in reconcile.time_zone) nor an RFC 3339 \
         instant (2027-01-15T08:00:00Z)"
    )]
    Date(String),
    /// The skill already has a retirement; it is kept as it is.
    #[error("{}", already(.0))]
    Already(Box<Retirement>),
    /// The database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

fn already(existing: &Retirement) -> String {
    format!(
        "skill {:?} is already being retired: requested by {} at {}, from {}",
        existing.skill,
        existing.requested_by,
        existing
            .requested_at
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        existing
            .retire_after
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
    )
}

/// The instant `text` names: an RFC 3339 instant, or a date (its midnight in `zone`, or the
/// first instant after midnight when a DST gap skips it). Empty: now.
pub fn parse_after(text: &str, zone: Tz) -> Result<DateTime<Utc>, RetireError> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(Utc::now());
    }
    if let Ok(at) = DateTime::parse_from_rfc3339(text) {
        return Ok(at.with_timezone(&Utc));
    }
    let date = NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map_err(|_| RetireError::Date(text.to_owned()))?;
    (0..=3)
        .filter_map(|hour| date.and_hms_opt(hour, 0, 0))
        .find_map(|local| zone.from_local_datetime(&local).earliest())
        .map(|at| at.with_timezone(&Utc))
        .ok_or_else(|| RetireError::Date(text.to_owned()))
}

/// Records that `skill` retires from `after`, asked by `actor`, and audits it.
pub async fn retire(
    store: &Store,
    skill: &str,
    after: DateTime<Utc>,
    actor: &str,
) -> Result<Retirement, RetireError> {
    let name = Name::parse(skill).map_err(|e| RetireError::Name {
        name: skill.to_owned(),
        reason: e.to_string(),
    })?;
    let Some(retirement) = store
        .request_retirement(name.as_str(), after, actor)
        .await?
    else {
        let existing = store.retirement(name.as_str()).await?;
        return Err(match existing {
            Some(existing) => RetireError::Already(Box::new(existing)),
            // Deleted between the insert and the read: impossible, rows are never deleted.
            None => RetireError::Store(StoreError::NotFound(format!(
                "the retirement of skill {skill:?}"
            ))),
        });
    };
    store
        .audit_action(&AuditIntent {
            call: "retire_skill".into(),
            changes: serde_json::json!({
                "skill": retirement.skill,
                "retire_after": retirement.retire_after,
            }),
            actor: Some(actor.to_owned()),
            ..AuditIntent::default()
        })
        .await?;
    tracing::info!(skill = retirement.skill, actor, after = %retirement.retire_after, "skill retirement recorded");
    Ok(retirement)
}

/// Withdraws the retirement of `skill`, asked by `actor`, and audits it: feeds may name it
/// again. What was done stays done — agents that lost the skill get it back from a feed, and a
/// deleted definition must be created again (`skills sync --create`).
pub async fn cancel(store: &Store, skill: &str, actor: &str) -> Result<Retirement, RetireError> {
    let Some(cancelled) = store.cancel_retirement(skill).await? else {
        return Err(RetireError::Store(StoreError::NotFound(format!(
            "a retirement of skill {skill:?}"
        ))));
    };
    store
        .audit_action(&AuditIntent {
            call: "cancel_retirement".into(),
            changes: serde_json::json!({
                "skill": cancelled.skill,
                "retire_after": cancelled.retire_after,
                "requested_by": cancelled.requested_by,
            }),
            actor: Some(actor.to_owned()),
            ..AuditIntent::default()
        })
        .await?;
    tracing::info!(skill = cancelled.skill, actor, "skill retirement withdrawn");
    Ok(cancelled)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_midnight_in_the_zone_and_instants_are_instants() {
        let berlin: Tz = "Europe/Berlin".parse().expect("zone");
        let at = parse_after("2027-01-15", berlin).expect("date");
        assert_eq!(at.to_rfc3339(), "2027-01-14T23:00:00+00:00");
        let at = parse_after("2027-01-15T08:00:00Z", berlin).expect("instant");
        assert_eq!(at.to_rfc3339(), "2027-01-15T08:00:00+00:00");
        assert!(matches!(
            parse_after("15.01.2027", berlin),
            Err(RetireError::Date(_))
        ));
        // Midnight skipped by a DST change (Santiago, 2026-09-06): the first hour after it.
        let santiago: Tz = "America/Santiago".parse().expect("zone");
        assert!(parse_after("2026-09-06", santiago).is_ok());
    }
}
