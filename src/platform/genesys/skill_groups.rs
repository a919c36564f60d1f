//! Which skills skill groups reference (issue 16): a skill a group's conditions name is in use,
//! and its definition must not be deleted. The listing (`SkillGroupDefinition`) carries no
//! conditions, so each group is read once: one call per 100 groups plus one per group.

use std::collections::BTreeSet;

use reqwest::Method;
use serde::Deserialize;

use super::api::Http;
use super::calls;
use super::wire::Listing;
use crate::platform::transport::Call;
use crate::platform::{PlatformError, SkillGroupUse};

const GROUPS: &str = "/api/v2/routing/skillgroups";

#[derive(Debug, Deserialize)]
struct GroupRef {
    id: String,
}

/// `SkillGroup`, as far as references go.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Group {
    name: String,
    #[serde(default)]
    skill_conditions: Vec<Condition>,
}

/// `SkillGroupCondition`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Condition {
    #[serde(default)]
    routing_skill_conditions: Vec<RoutingCondition>,
    #[serde(default)]
    language_skill_conditions: Vec<LanguageCondition>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RoutingCondition {
    routing_skill: String,
    #[serde(default)]
    child_conditions: Vec<Condition>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct LanguageCondition {
    #[serde(default)]
    child_conditions: Vec<Condition>,
}

/// The skill names `conditions` test, at any depth (a language test's children may test skills).
fn named(conditions: &[Condition], into: &mut BTreeSet<String>) {
    for condition in conditions {
        for routing in &condition.routing_skill_conditions {
            into.insert(routing.routing_skill.clone());
            named(&routing.child_conditions, into);
        }
        for language in &condition.language_skill_conditions {
            named(&language.child_conditions, into);
        }
    }
}

/// Every skill group and the skills it names.
pub async fn list(transport: &Http) -> Result<Vec<SkillGroupUse>, PlatformError> {
    let mut ids = Vec::new();
    let mut next = Some(format!("{GROUPS}?pageSize=100"));
    while let Some(path) = next.take() {
        let listing: Listing<GroupRef> = transport
            .json::<_, ()>(Call {
                kind: calls::LIST_SKILL_GROUPS,
                method: Method::GET,
                path: &path,
                body: None,
            })
            .await?;
        let empty = listing.entities.is_empty();
        ids.extend(listing.entities.into_iter().map(|g| g.id));
        // Cursor paging: `nextUri` (a path with `after=`) until the last page.
        next = listing
            .next_uri
            .filter(|uri| !empty && uri.starts_with(GROUPS));
    }
    let mut uses = Vec::with_capacity(ids.len());
    for id in ids {
        let path = format!("{GROUPS}/{id}");
        let group: Group = match transport
            .json::<_, ()>(Call {
                kind: calls::GET_SKILL_GROUP,
                method: Method::GET,
                path: &path,
                body: None,
            })
            .await
        {
            Ok(group) => group,
            // Deleted between the listing and the read: it references nothing any more.
            Err(e) if e.status() == Some(404) => continue,
            Err(e) => return Err(e),
        };
        let mut skills = BTreeSet::new();
        named(&group.skill_conditions, &mut skills);
        uses.push(SkillGroupUse {
            group: group.name,
            skills,
        });
    }
    Ok(uses)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn skills_are_found_at_any_depth_and_languages_are_not_skills() {
        let group: Group = serde_json::from_value(serde_json::json!({
            "name": "g",
            "skillConditions": [{
                "routingSkillConditions": [{"routingSkill": "A", "comparator": "EqualTo", "proficiency": 1,
                    "childConditions": [{"routingSkillConditions": [{"routingSkill": "B", "comparator": "EqualTo", "proficiency": 1}], "operation": "And"}]}],
                "languageSkillConditions": [{"languageSkill": "German", "comparator": "EqualTo", "proficiency": 1,
                    "childConditions": [{"routingSkillConditions": [{"routingSkill": "C", "comparator": "EqualTo", "proficiency": 1}], "operation": "And"}]}],
                "operation": "And"
            }]
        }))
        .expect("parses");
        let mut skills = BTreeSet::new();
        named(&group.skill_conditions, &mut skills);
        assert_eq!(skills, ["A", "B", "C"].map(String::from).into());
    }
}
