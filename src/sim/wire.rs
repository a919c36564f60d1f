//! JSON views of simulator state in the platform's field names. Serialization borrows from the
//! org, because listing pages are the simulator's hot path.

use serde::ser::{SerializeStruct, Serializer};
use serde::Serialize;
use time::format_description::well_known::Rfc3339;

use super::catalog::Definition;
use super::divisions::Division;
use super::kind::Kind;
use super::names;
use super::routing::{ConversationSummaryView, RoutingStatusView};
use super::user::{Assignment, Profile, UserSlot};

/// A user's assignment as `UserRoutingSkill` / `UserRoutingLanguage`.
pub struct AssignmentView<'a> {
    /// Skill or language.
    pub kind: Kind,
    /// Owner's id.
    pub user_id: &'a str,
    /// The definition assigned.
    pub def: &'a Definition,
    /// Proficiency and state.
    pub assignment: Assignment,
}

impl Serialize for AssignmentView<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut st = s.serialize_struct("UserRoutingAssignment", 6)?;
        st.serialize_field("id", &self.def.id_str)?;
        st.serialize_field("name", &self.def.name)?;
        st.serialize_field("proficiency", &f64::from(self.assignment.proficiency))?;
        st.serialize_field("state", self.assignment.state.as_str())?;
        st.serialize_field(
            self.kind.uri_field(),
            &Uri(format_args!(
                "{}/{}",
                self.kind.definitions_path(),
                self.def.id_str
            )),
        )?;
        st.serialize_field(
            "selfUri",
            &Uri(format_args!(
                "/api/v2/users/{}/{}/{}",
                self.user_id,
                self.kind.user_segment(),
                self.def.id_str
            )),
        )?;
        st.end()
    }
}

/// Serializes formatted text without allocating a `String`.
struct Uri<'a>(std::fmt::Arguments<'a>);

impl Serialize for Uri<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&self.0)
    }
}

/// A division as the SDK's `Division` / `WritableDivision` reference: `{id, name, selfUri}`.
#[derive(Serialize, Clone)]
#[serde(rename_all = "camelCase")]
pub struct DivisionRef {
    id: String,
    name: String,
    self_uri: String,
}

impl DivisionRef {
    /// The reference to `division`; an org without divisions (another platform's) gets `None`.
    pub fn new(division: Option<&Division>) -> Option<Self> {
        division.map(|d| Self {
            id: d.id_str.clone(),
            name: d.name.clone(),
            self_uri: format!("/api/v2/authorization/divisions/{}", d.id_str),
        })
    }
}

/// A skill or language definition as `RoutingSkill` / `Language`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DefinitionView {
    id: String,
    name: String,
    /// Skills only: the SDK's `RoutingSkill` has a division, `Language` has none.
    #[serde(skip_serializing_if = "Option::is_none")]
    division: Option<DivisionRef>,
    date_modified: String,
    state: &'static str,
    version: String,
    self_uri: String,
}

impl DefinitionView {
    /// The view of `def`; `division` is the skill's owning division (ignored for languages).
    pub fn new(kind: Kind, def: &Definition, division: Option<&Division>) -> Self {
        Self {
            id: def.id_str.clone(),
            name: def.name.clone(),
            division: match kind {
                Kind::Skill => DivisionRef::new(division),
                Kind::Language => None,
            },
            date_modified: def.date_modified.format(&Rfc3339).unwrap_or_default(),
            state: def.state.as_str(),
            version: def.version.to_string(),
            self_uri: format!("{}/{}", kind.definitions_path(), def.id_str),
        }
    }
}

/// Which optional parts of a user to include (`expand=`).
#[derive(Debug, Clone, Copy, Default)]
pub struct Expand {
    /// `skills`.
    pub skills: bool,
    /// `languages`.
    pub languages: bool,
    /// `certifications`.
    pub certifications: bool,
    /// `employerInfo`.
    pub employer_info: bool,
    /// `routingStatus`.
    pub routing_status: bool,
    /// `conversationSummary`.
    pub conversation_summary: bool,
}

impl Expand {
    /// Parses the `expand` values; unknown ones are ignored, as the platform does.
    pub fn parse(values: &[String]) -> Self {
        let mut e = Self::default();
        for v in values {
            match v.as_str() {
                "skills" => e.skills = true,
                "languages" => e.languages = true,
                "certifications" => e.certifications = true,
                "employerInfo" => e.employer_info = true,
                "routingStatus" => e.routing_status = true,
                "conversationSummary" => e.conversation_summary = true,
                _ => {}
            }
        }
        e
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct EmployerInfo {
    employee_id: String,
    employee_type: &'static str,
    date_hire: String,
}

/// A user as `User`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UserView<'a> {
    id: &'a str,
    name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    division: Option<DivisionRef>,
    email: String,
    username: String,
    state: &'static str,
    version: u32,
    acd_auto_answer: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    employer_info: Option<EmployerInfo>,
    #[serde(skip_serializing_if = "Option::is_none")]
    skills: Option<Vec<AssignmentView<'a>>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    languages: Option<Vec<AssignmentView<'a>>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    certifications: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    routing_status: Option<RoutingStatusView>,
    #[serde(skip_serializing_if = "Option::is_none")]
    conversation_summary: Option<ConversationSummaryView>,
    self_uri: String,
}

/// Definitions to resolve assignment indices against while rendering.
pub struct Catalogs<'a> {
    /// Skill definitions.
    pub skills: &'a [Definition],
    /// Language definitions.
    pub languages: &'a [Definition],
}

impl<'a> UserView<'a> {
    /// The view of `user` with `profile` (which may be a lagging copy) and the given expansions.
    pub fn new(
        user: &'a UserSlot,
        profile: &Profile,
        expand: Expand,
        catalogs: &Catalogs<'a>,
        division: Option<&Division>,
    ) -> Self {
        let email = names::email(user.index);
        let presence = (expand.routing_status || expand.conversation_summary)
            .then(|| user.data.lock().presence);
        let assignments = |kind: Kind, defs: &'a [Definition]| {
            kind.of(profile)
                .iter()
                .map(|a| AssignmentView {
                    kind,
                    user_id: &user.id_str,
                    def: &defs[a.def as usize],
                    assignment: *a,
                })
                .collect()
        };
        Self {
            id: &user.id_str,
            name: names::person_name(user.index),
            division: DivisionRef::new(division),
            username: email.clone(),
            email,
            state: "active",
            version: profile.version,
            acd_auto_answer: false,
            employer_info: expand.employer_info.then(|| EmployerInfo {
                employee_id: names::employee_id(user.index),
                employee_type: "Full-time",
                date_hire: "2020-01-01".into(),
            }),
            skills: expand
                .skills
                .then(|| assignments(Kind::Skill, catalogs.skills)),
            languages: expand
                .languages
                .then(|| assignments(Kind::Language, catalogs.languages)),
            certifications: expand
                .certifications
                .then(|| profile.certifications.clone()),
            routing_status: presence
                .filter(|_| expand.routing_status)
                .map(|p| RoutingStatusView::new(&user.id_str, &p)),
            conversation_summary: presence
                .filter(|_| expand.conversation_summary)
                .map(|p| ConversationSummaryView::new(&user.id_str, p.status)),
            self_uri: format!("/api/v2/users/{}", user.id_str),
        }
    }
}
