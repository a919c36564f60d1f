//! Genesys Cloud request and response bodies: serde types only, field names as the API spells
//! them. Nothing here decides anything.

use serde::{Deserialize, Serialize};

/// `POST /oauth/token` success.
#[derive(Debug, Deserialize)]
pub struct TokenResponse {
    /// The bearer token.
    pub access_token: String,
    /// Lifetime in seconds.
    pub expires_in: u64,
}

/// `POST /oauth/token` failure.
#[derive(Debug, Deserialize)]
pub struct OAuthError {
    /// Error code, e.g. `invalid_client`.
    #[serde(default)]
    pub error: String,
    /// Human-readable reason.
    #[serde(default)]
    pub error_description: Option<String>,
}

impl OAuthError {
    /// `code: reason` for messages.
    pub fn describe(&self) -> String {
        match &self.error_description {
            Some(d) if !d.is_empty() => format!("{}: {d}", self.error),
            _ => self.error.clone(),
        }
    }
}

/// The platform's error body; only the fields skillsync reports.
#[derive(Debug, Default, Deserialize)]
pub struct ErrorBody {
    /// Human-readable message.
    #[serde(default)]
    pub message: String,
    /// Machine-readable code, e.g. `invalid.value`.
    #[serde(default)]
    pub code: String,
}

/// A page of entities.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Listing<T> {
    /// The page's items.
    #[serde(default = "Vec::new")]
    pub entities: Vec<T>,
    /// Number of pages, when the API reports it.
    #[serde(default)]
    pub page_count: Option<u32>,
    /// Link to the next page; absent on the last.
    #[serde(default)]
    pub next_uri: Option<String>,
}

/// A user's skill or language assignment (`UserRoutingSkill` / `UserRoutingLanguage`).
#[derive(Debug, Clone, Deserialize)]
pub struct UserAssignment {
    /// Skill or language id.
    pub id: String,
    /// Its name.
    #[serde(default)]
    pub name: Option<String>,
    /// 0.0–5.0.
    #[serde(default)]
    pub proficiency: Option<f64>,
}

/// `employerInfo`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EmployerInfo {
    /// HR employee id.
    #[serde(default)]
    pub employee_id: Option<String>,
}

/// A user; expanded fields are `None` when the expansion did not come back.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct User {
    /// User id.
    pub id: String,
    /// Login email.
    #[serde(default)]
    pub email: Option<String>,
    /// Optimistic-concurrency version.
    #[serde(default)]
    pub version: Option<u64>,
    /// HR data (`expand=employerInfo`).
    #[serde(default)]
    pub employer_info: Option<EmployerInfo>,
    /// `expand=skills`.
    #[serde(default)]
    pub skills: Option<Vec<UserAssignment>>,
    /// `expand=languages`.
    #[serde(default)]
    pub languages: Option<Vec<UserAssignment>>,
    /// `expand=certifications`.
    #[serde(default)]
    pub certifications: Option<Vec<String>>,
    /// `expand=routingStatus`; best effort like the others, and never a reason to re-read.
    #[serde(default)]
    pub routing_status: Option<RoutingStatusBody>,
    /// The user's division (always part of a user read).
    #[serde(default)]
    pub division: Option<DivisionRef>,
}

/// SDK `RoutingStatus`, as `expand=routingStatus` carries it. Both fields stay strings so that
/// a status or time this build does not know costs only the routing, never the whole page.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RoutingStatusBody {
    /// `OFF_QUEUE`, `IDLE`, `INTERACTING`, `NOT_RESPONDING` or `COMMUNICATING`.
    #[serde(default)]
    pub status: Option<String>,
    /// ISO-8601 time the agent entered `status`.
    #[serde(default)]
    pub start_time: Option<String>,
}

/// A reference to a user, as other entities embed one.
#[derive(Debug, Clone, Deserialize)]
pub struct UserReference {
    /// User id.
    pub id: String,
}

/// One item of `GET /api/v2/workforcemanagement/adherence` (SDK `UserScheduleAdherence`); only
/// the fields skillsync reads.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UserScheduleAdherence {
    /// The user's id.
    #[serde(default)]
    pub id: Option<String>,
    /// The user, again as a reference.
    #[serde(default)]
    pub user: Option<UserReference>,
    /// What WFM scheduled the user to do now, e.g. `OnQueueWork` or `Break`.
    #[serde(default)]
    pub scheduled_activity_category: Option<String>,
}

/// A skill or language definition.
#[derive(Debug, Clone, Deserialize)]
pub struct Definition {
    /// Id.
    pub id: String,
    /// Case-sensitive name.
    pub name: String,
    /// `active` or `deleted`.
    #[serde(default)]
    pub state: Option<String>,
}

/// One item of a bulk PATCH body.
#[derive(Debug, Clone, Serialize)]
pub struct AssignmentWrite<'a> {
    /// Skill or language id.
    pub id: &'a str,
    /// 0.0–5.0.
    pub proficiency: f64,
}

/// `PATCH /api/v2/users/{id}` body for certifications.
#[derive(Debug, Serialize)]
pub struct CertificationsUpdate<'a> {
    /// The version read before the change.
    pub version: u64,
    /// The complete new list.
    pub certifications: &'a [String],
}

/// `POST /api/v2/routing/skills` body (the SDK's `CreateRoutingSkill`).
#[derive(Debug, Serialize)]
pub struct NewDefinition<'a> {
    /// Name.
    pub name: &'a str,
    /// The division to create it in; absent: the home division.
    #[serde(rename = "divisionId", skip_serializing_if = "Option::is_none")]
    pub division_id: Option<&'a str>,
}

/// A division in `GET /api/v2/authorization/divisions`, and a user's.
#[derive(Debug, Clone, Deserialize)]
pub struct DivisionRef {
    /// Id.
    pub id: String,
    /// Name.
    pub name: String,
}
