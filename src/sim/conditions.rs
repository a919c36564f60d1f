//! Skill expression conditions (`SkillGroupCondition` and friends in the official SDK) and how a
//! user's skills satisfy them. Conditions name skills and languages by *name*, as the SDK's
//! `routingSkill` / `languageSkill` strings and Genesys's Terraform examples do.

use serde::{Deserialize, Serialize};

use super::catalog::Definition;
use super::error::ApiError;
use super::user::{Assignment, AssignmentState, Profile};

/// `comparator`: the six values the SDK allows, applied as `held <cmp> proficiency`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Comparator {
    /// `==`.
    EqualTo,
    /// `!=`.
    NotEqualTo,
    /// `<`.
    LessThan,
    /// `>`.
    GreaterThan,
    /// `>=`.
    GreaterThanOrEqualTo,
    /// `<=`.
    LessThanOrEqualTo,
}

impl Comparator {
    fn holds(self, held: f32, wanted: f32) -> bool {
        match self {
            Self::EqualTo => held == wanted,
            Self::NotEqualTo => held != wanted,
            Self::LessThan => held < wanted,
            Self::GreaterThan => held > wanted,
            Self::GreaterThanOrEqualTo => held >= wanted,
            Self::LessThanOrEqualTo => held <= wanted,
        }
    }
}

/// `operation`: the SDK's `And`, `Not`, `Or`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Operation {
    /// Every item holds.
    And,
    /// No item holds.
    Not,
    /// At least one item holds.
    Or,
}

/// `SkillGroupCondition`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SkillCondition {
    /// `SkillGroupRoutingCondition`s.
    #[serde(default)]
    pub routing_skill_conditions: Vec<RoutingCondition>,
    /// `SkillGroupLanguageCondition`s.
    #[serde(default)]
    pub language_skill_conditions: Vec<LanguageCondition>,
    /// How the items combine.
    pub operation: Operation,
}

/// `SkillGroupRoutingCondition`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RoutingCondition {
    /// The skill's name.
    pub routing_skill: String,
    /// How the held proficiency compares.
    pub comparator: Comparator,
    /// Whole number 0–5 (the SDK's "Integer range 0-5").
    pub proficiency: i64,
    /// Further conditions that must hold as well.
    #[serde(default)]
    pub child_conditions: Vec<SkillCondition>,
}

/// `SkillGroupLanguageCondition`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LanguageCondition {
    /// The language's name.
    pub language_skill: String,
    /// How the held proficiency compares.
    pub comparator: Comparator,
    /// Whole number 0–5.
    pub proficiency: i64,
    /// Further conditions that must hold as well.
    #[serde(default)]
    pub child_conditions: Vec<SkillCondition>,
}

/// A user's assignments resolved to names, for matching.
pub struct Holdings<'a> {
    /// The user's profile.
    pub profile: &'a Profile,
    /// Skill definitions.
    pub skills: &'a [Definition],
    /// Language definitions.
    pub languages: &'a [Definition],
}

impl Holdings<'_> {
    /// The proficiency of the active assignment whose definition is called `name`. Inactive
    /// assignments do not route, so they do not count towards a routing expression either.
    fn held(list: &[Assignment], defs: &[Definition], name: &str) -> Option<f32> {
        list.iter()
            .filter(|a| a.state == AssignmentState::Active)
            .find(|a| defs.get(a.def as usize).is_some_and(|d| d.name == name))
            .map(|a| a.proficiency)
    }

    /// Whether every top-level condition holds (the top-level list combines with And).
    pub fn satisfy(&self, conditions: &[SkillCondition]) -> bool {
        !conditions.is_empty() && conditions.iter().all(|c| self.condition(c))
    }

    /// An item (skill or language test) holds only for users holding it: a user without the
    /// skill is not "LessThan 3" in it, since there is nothing to compare.
    fn condition(&self, c: &SkillCondition) -> bool {
        let skills = c.routing_skill_conditions.iter().map(|r| {
            Self::held(&self.profile.skills, self.skills, &r.routing_skill)
                .is_some_and(|p| r.comparator.holds(p, r.proficiency as f32))
                && r.child_conditions.iter().all(|k| self.condition(k))
        });
        let languages = c.language_skill_conditions.iter().map(|l| {
            Self::held(&self.profile.languages, self.languages, &l.language_skill)
                .is_some_and(|p| l.comparator.holds(p, l.proficiency as f32))
                && l.child_conditions.iter().all(|k| self.condition(k))
        });
        let mut items = skills.chain(languages).peekable();
        if items.peek().is_none() {
            // An empty condition (as Terraform's examples send for childConditions) is neutral.
            return true;
        }
        match c.operation {
            Operation::And => items.all(|b| b),
            Operation::Or => items.any(|b| b),
            Operation::Not => !items.any(|b| b),
        }
    }
}

/// Checks proficiencies (0–5) and that every named skill or language is an active definition;
/// returns the first problem as the platform's 400.
pub fn validate(
    conditions: &[SkillCondition],
    skills: &[Definition],
    languages: &[Definition],
) -> Result<(), ApiError> {
    use super::catalog::DefinitionState::Active;
    let known =
        |defs: &[Definition], name: &str| defs.iter().any(|d| d.state == Active && d.name == name);
    let range = |p: i64| {
        if (0..=5).contains(&p) {
            Ok(())
        } else {
            Err(ApiError::invalid_value(
                "proficiency",
                format!("Proficiency [{p}] must be between 0 and 5."),
            ))
        }
    };
    for c in conditions {
        for r in &c.routing_skill_conditions {
            range(r.proficiency)?;
            if !known(skills, &r.routing_skill) {
                return Err(ApiError::invalid_value(
                    "routingSkill",
                    format!("Routing skill [{}] does not exist.", r.routing_skill),
                ));
            }
            validate(&r.child_conditions, skills, languages)?;
        }
        for l in &c.language_skill_conditions {
            range(l.proficiency)?;
            if !known(languages, &l.language_skill) {
                return Err(ApiError::invalid_value(
                    "languageSkill",
                    format!("Language [{}] does not exist.", l.language_skill),
                ));
            }
            validate(&l.child_conditions, skills, languages)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use time::OffsetDateTime;

    fn def(name: &str) -> Definition {
        Definition {
            id_str: name.into(),
            name: name.into(),
            state: crate::sim::catalog::DefinitionState::Active,
            version: 1,
            date_modified: OffsetDateTime::UNIX_EPOCH,
            division: 0,
        }
    }

    fn holding(skills: &[(u32, f32)]) -> Profile {
        Profile {
            skills: skills
                .iter()
                .map(|&(def, proficiency)| Assignment {
                    def,
                    proficiency,
                    state: AssignmentState::Active,
                })
                .collect(),
            ..Profile::default()
        }
    }

    fn conditions(v: serde_json::Value) -> Vec<SkillCondition> {
        serde_json::from_value(v).expect("conditions")
    }

    #[test]
    fn comparators_and_operations_follow_the_sdk_names() {
        let defs = [def("A"), def("B")];
        let p = holding(&[(0, 3.0)]);
        let h = Holdings {
            profile: &p,
            skills: &defs,
            languages: &[],
        };
        let one = |cmp: &str, prof: i64| {
            conditions(json!([{"routingSkillConditions": [
                {"routingSkill": "A", "comparator": cmp, "proficiency": prof}],
                "languageSkillConditions": [], "operation": "And"}]))
        };
        assert!(h.satisfy(&one("GreaterThanOrEqualTo", 3)));
        assert!(!h.satisfy(&one("GreaterThan", 3)));
        assert!(h.satisfy(&one("LessThan", 4)));
        assert!(h.satisfy(&one("NotEqualTo", 2)));
        let either = conditions(json!([{"routingSkillConditions": [
            {"routingSkill": "A", "comparator": "EqualTo", "proficiency": 5},
            {"routingSkill": "B", "comparator": "EqualTo", "proficiency": 0}],
            "operation": "Or"}]));
        assert!(!h.satisfy(&either), "a user without B is not B = 0");
        let not_b = conditions(json!([{"routingSkillConditions": [
            {"routingSkill": "B", "comparator": "GreaterThan", "proficiency": 0,
             "childConditions": [{"routingSkillConditions": [], "languageSkillConditions": [],
                                  "operation": "And"}]}],
            "operation": "Not"}]));
        assert!(h.satisfy(&not_b));
        assert!(!h.satisfy(&[]));
    }

    #[test]
    fn unknown_skills_and_out_of_range_proficiencies_are_rejected() {
        let defs = [def("A")];
        let bad = |name: &str, prof: i64| {
            conditions(json!([{"routingSkillConditions": [
                {"routingSkill": name, "comparator": "EqualTo", "proficiency": prof}],
                "operation": "And"}]))
        };
        assert!(validate(&bad("A", 5), &defs, &[]).is_ok());
        assert!(validate(&bad("A", 6), &defs, &[]).is_err());
        assert!(validate(&bad("Z", 1), &defs, &[]).is_err());
    }
}
