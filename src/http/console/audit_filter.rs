//! The audit page's filters: the GET form's fields read into the store's [`AuditFilter`] (a
//! bad value names its field), and written back out as links: the page's own, and the API's
//! query for the CSV export. Pure: no store, no request.

use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, TimeDelta, Utc};

use super::form::Form;
use super::page::stamp;
use crate::store::{AuditFilter, AuditStatus};

/// Rows a page shows.
pub const PAGE: i64 = 100;

/// A filter value that cannot be read: the field, and what it must be.
#[derive(Debug, PartialEq, Eq)]
pub struct BadField {
    /// The form field.
    pub field: &'static str,
    /// What is wrong, as a sentence.
    pub message: String,
}

fn bad(field: &'static str, message: impl Into<String>) -> BadField {
    BadField {
        field,
        message: message.into(),
    }
}

/// The filters as the form holds them (trimmed, blank as empty), to show them back.
#[derive(Debug, Default, Clone)]
pub struct Fields {
    /// Agent key or user id.
    pub agent: String,
    /// Job id.
    pub job: String,
    /// From, UTC.
    pub from: String,
    /// To, UTC.
    pub to: String,
    /// Call or action.
    pub call: String,
    /// Outcome.
    pub outcome: String,
}

impl Fields {
    pub fn read(form: &Form) -> Self {
        let get = |name: &str| form.get(name).unwrap_or_default().to_string();
        Self {
            agent: get("agent"),
            job: get("job"),
            from: get("from"),
            to: get("to"),
            call: get("call"),
            outcome: get("outcome"),
        }
    }
}

/// An instant typed as `YYYY-MM-DD` or `YYYY-MM-DDTHH:MM` (seconds allowed, as some browsers
/// send them), in UTC. A date alone is its midnight, or with `end_of_day` the next midnight, so
/// that "to 2026-12-07" includes that day.
pub fn instant(text: &str, end_of_day: bool) -> Option<DateTime<Utc>> {
    let at = if let Ok(date) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        let midnight = date.and_hms_opt(0, 0, 0)?;
        if end_of_day {
            midnight.checked_add_signed(TimeDelta::days(1))?
        } else {
            midnight
        }
    } else {
        let text = text.replacen(' ', "T", 1);
        NaiveDateTime::parse_from_str(&text, "%Y-%m-%dT%H:%M")
            .or_else(|_| NaiveDateTime::parse_from_str(&text, "%Y-%m-%dT%H:%M:%S"))
            .ok()?
    };
    // Instants the database can hold, as the API requires.
    (1..=9999).contains(&at.year()).then(|| at.and_utc())
}

/// The store's filter for `fields` (the agent as typed: the caller normalizes it) and `offset`.
pub fn filter(fields: &Fields, offset: Option<&str>) -> Result<AuditFilter, BadField> {
    let some = |v: &String| (!v.is_empty()).then(|| v.clone());
    let job_id = match some(&fields.job) {
        None => None,
        Some(text) => match text.parse::<i64>() {
            Ok(id) if id > 0 => Some(id),
            _ => {
                return Err(bad(
                    "job",
                    format!("job must be a job number, not {text:?}."),
                ))
            }
        },
    };
    let when = |field: &'static str, text: &String, end: bool| match some(text) {
        None => Ok(None),
        Some(text) => instant(&text, end).map(Some).ok_or_else(|| {
            bad(
                field,
                format!(
                    "{field} must be a date (YYYY-MM-DD) or a date and time \
                     (YYYY-MM-DDTHH:MM) in UTC, not {text:?}."
                ),
            )
        }),
    };
    let since = when("from", &fields.from, false)?;
    let until = when("to", &fields.to, true)?;
    if let (Some(since), Some(until)) = (since, until) {
        if until <= since {
            return Err(bad("to", "to must come after from."));
        }
    }
    let outcome = match some(&fields.outcome) {
        None => None,
        Some(text) => Some(text.parse::<AuditStatus>().map_err(|_| {
            bad(
                "outcome",
                format!("outcome must be one of pending, ok, failed, unknown or recorded, not {text:?}."),
            )
        })?),
    };
    let offset = match offset.map(str::trim).filter(|o| !o.is_empty()) {
        None => 0,
        Some(text) => match text.parse::<i64>() {
            Ok(n) if n >= 0 => n,
            _ => {
                return Err(bad(
                    "offset",
                    format!("offset must be a row count, not {text:?}."),
                ))
            }
        },
    };
    Ok(AuditFilter {
        agent: some(&fields.agent),
        since,
        until,
        job_id,
        call: some(&fields.call),
        outcome,
        // One row more than a page says whether there is a next one.
        limit: PAGE + 1,
        offset,
        newest_first: true,
    })
}

/// `filter` as the API's query: the same rows, as CSV when `csv`.
pub fn api_query(filter: &AuditFilter, csv: bool) -> String {
    let mut query = form_urlencoded::Serializer::new(String::new());
    if let Some(agent) = &filter.agent {
        query.append_pair("agent", agent);
    }
    if let Some(since) = filter.since {
        query.append_pair("since", &stamp(since));
    }
    if let Some(until) = filter.until {
        query.append_pair("until", &stamp(until));
    }
    if let Some(job) = filter.job_id {
        query.append_pair("job", &job.to_string());
    }
    if let Some(call) = &filter.call {
        query.append_pair("call", call);
    }
    if let Some(outcome) = filter.outcome {
        query.append_pair("outcome", outcome.as_str());
    }
    if csv {
        query.append_pair("format", "csv");
    }
    query.finish()
}

/// The console path of the page at `offset` with `fields` as typed.
pub fn page_link(org: &str, fields: &Fields, offset: i64) -> String {
    let mut query = form_urlencoded::Serializer::new(String::new());
    for (name, value) in [
        ("agent", &fields.agent),
        ("job", &fields.job),
        ("from", &fields.from),
        ("to", &fields.to),
        ("call", &fields.call),
        ("outcome", &fields.outcome),
    ] {
        if !value.is_empty() {
            query.append_pair(name, value);
        }
    }
    if offset > 0 {
        query.append_pair("offset", &offset.to_string());
    }
    let org = form_urlencoded::byte_serialize(org.as_bytes()).collect::<String>();
    match query.finish() {
        query if query.is_empty() => format!("/orgs/{org}/audit"),
        query => format!("/orgs/{org}/audit?{query}"),
    }
}

#[cfg(test)]
#[path = "audit_filter_tests.rs"]
mod tests;
