//! Routing skills and routing languages are one family of endpoints with a few real differences;
//! [`Kind`] carries those differences so the handlers exist once.

use parking_lot::RwLock;

use super::catalog::Catalog;
use super::error::ApiError;
use super::org::Org;
use super::user::{Assignment, Profile};

/// Which family an endpoint belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `/routingskills`, `/api/v2/routing/skills`.
    Skill,
    /// `/routinglanguages`, `/api/v2/routing/languages`.
    Language,
}

impl Kind {
    /// Path segment under a user.
    pub fn user_segment(self) -> &'static str {
        match self {
            Self::Skill => "routingskills",
            Self::Language => "routinglanguages",
        }
    }

    /// Path of the definitions.
    pub fn definitions_path(self) -> &'static str {
        match self {
            Self::Skill => "/api/v2/routing/skills",
            Self::Language => "/api/v2/routing/languages",
        }
    }

    /// Name of the field linking an assignment to its definition.
    pub fn uri_field(self) -> &'static str {
        match self {
            Self::Skill => "skillUri",
            Self::Language => "languageUri",
        }
    }

    /// Singular noun for messages.
    pub fn noun(self) -> &'static str {
        match self {
            Self::Skill => "skill",
            Self::Language => "language",
        }
    }

    /// The org's definitions of this kind.
    pub fn catalog(self, org: &Org) -> &RwLock<Catalog> {
        match self {
            Self::Skill => &org.skills,
            Self::Language => &org.languages,
        }
    }

    /// A profile's assignments of this kind.
    pub fn of(self, profile: &Profile) -> &Vec<Assignment> {
        match self {
            Self::Skill => &profile.skills,
            Self::Language => &profile.languages,
        }
    }

    /// A profile's assignments of this kind, for writing.
    pub fn of_mut(self, profile: &mut Profile) -> &mut Vec<Assignment> {
        match self {
            Self::Skill => &mut profile.skills,
            Self::Language => &mut profile.languages,
        }
    }

    /// Validates a proficiency and brings it to what the platform stores: skills take 0–5 in
    /// half steps (4.2 is rejected, as seen on the real API), languages are rounded to whole
    /// numbers.
    pub fn proficiency(self, value: Option<f64>) -> Result<f32, ApiError> {
        let Some(value) = value else {
            return Err(ApiError::invalid_value(
                "proficiency",
                "proficiency is required",
            ));
        };
        if !(0.0..=5.0).contains(&value) {
            return Err(ApiError::invalid_value(
                "proficiency",
                format!("Proficiency [{value}] must be between 0 and 5."),
            ));
        }
        match self {
            Self::Skill if (value * 2.0).fract() != 0.0 => Err(ApiError::invalid_value(
                "proficiency",
                format!("Proficiency [{value}] must be a multiple of 0.5."),
            )),
            Self::Skill => Ok(value as f32),
            Self::Language => Ok(value.round() as f32),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn skills_take_half_steps_and_languages_round() {
        assert_eq!(Kind::Skill.proficiency(Some(3.5)).ok(), Some(3.5));
        assert!(Kind::Skill.proficiency(Some(4.2)).is_err());
        assert!(Kind::Skill.proficiency(Some(5.5)).is_err());
        assert!(Kind::Skill.proficiency(None).is_err());
        assert_eq!(Kind::Language.proficiency(Some(3.6)).ok(), Some(4.0));
        assert!(Kind::Language.proficiency(Some(-1.0)).is_err());
    }
}
