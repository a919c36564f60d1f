//! CXone skill definitions as the catalog commands see them (issue 16): every skill with its
//! state, and retiring one. CXone skills cannot be deleted through the API skillsync uses, so
//! retiring a definition deactivates it (`PUT /skills/{skillId}` `{"skill":{"isActive":false}}`)
//! and it goes on being listed as inactive. The name → id catalog of writes stays in `live`.

use reqwest::Method;
use serde_json::Value;

use super::api::Http;
use super::bodies::SkillUpdate;
use super::calls;
use super::client::Cxone;
use super::wire::{CxoneId, Skill};
use crate::platform::transport::{Call, Reply};
use crate::platform::{DefinitionRetired, DefinitionState, PlatformError, SkillDefinition};

/// Why [`crate::platform::Platform::create_skill`] is refused on CXone.
pub const CREATE_UNSUPPORTED: &str = "creating skills on NICE CXone (a CXone skill needs a media \
     type and many routing settings: create it in CXone admin, then sync)";

/// `skill` as a definition; a skill without a usable name cannot be managed by name and has
/// none. Only an explicit `isActive: false` is inactive: the listing may leave the flag out.
pub fn definition(skill: &Skill) -> Option<SkillDefinition> {
    let name = skill
        .skill_name
        .as_deref()
        .filter(|n| !n.trim().is_empty())?;
    Some(SkillDefinition {
        id: skill.skill_id.to_string(),
        name: name.to_string(),
        state: if skill.is_active == Some(false) {
            DefinitionState::Inactive
        } else {
            DefinitionState::Active
        },
    })
}

/// The active skills named exactly `name` (case-sensitive): what retiring it must deactivate.
fn active_named<'a>(skills: &'a [Skill], name: &'a str) -> impl Iterator<Item = &'a Skill> {
    skills
        .iter()
        .filter(move |s| s.skill_name.as_deref() == Some(name) && s.is_active != Some(false))
}

/// Reads the `{success, skillId}` answer of a skill update. `success: false` in a 2xx is a
/// refusal all the same; a body without the flag is taken at its status's word.
fn check_update(path: &str, reply: &Reply) -> Result<(), PlatformError> {
    let success = serde_json::from_slice::<Value>(&reply.body)
        .ok()
        .and_then(|v| v.get("success").and_then(Value::as_bool));
    if success == Some(false) {
        return Err(PlatformError::Rejected {
            status: reply.status,
            code: String::new(),
            message: format!("CXone answered success: false to PUT {path}"),
            correlation_id: reply.correlation_id.clone(),
        });
    }
    Ok(())
}

/// `PUT /skills/{skillId}` `{"skill":{"isActive":false}}`. `Ok(false)`: the skill is not there
/// any more (404), which is what retiring wanted.
async fn deactivate(transport: &Http, id: &CxoneId) -> Result<bool, PlatformError> {
    let segment: String = form_urlencoded::byte_serialize(id.as_str().as_bytes()).collect();
    let path = format!("/skills/{segment}");
    let sent = transport
        .send(Call {
            kind: calls::UPDATE_SKILL,
            method: Method::PUT,
            path: &path,
            body: Some(&SkillUpdate::deactivate()),
        })
        .await;
    match sent {
        Ok(reply) => check_update(&path, &reply).map(|()| true),
        Err(e) if e.status() == Some(404) => Ok(false),
        Err(e) => Err(e),
    }
}

impl Cxone {
    /// Every skill definition with its state (nameless skills left out).
    pub async fn skill_definition_list(&self) -> Result<Vec<SkillDefinition>, PlatformError> {
        Ok(self.skills().await?.iter().filter_map(definition).collect())
    }

    /// Deactivates every active skill named exactly `name`: [`DefinitionRetired::AlreadyGone`]
    /// without a call when there is none. The catalog is listed afresh at the next write.
    pub async fn deactivate_skill(&self, name: &str) -> Result<DefinitionRetired, PlatformError> {
        let skills = self.skills().await?;
        let ids: Vec<&CxoneId> = active_named(&skills, name).map(|s| &s.skill_id).collect();
        if ids.is_empty() {
            return Ok(DefinitionRetired::AlreadyGone);
        }
        let transport = self.transport().await?;
        let mut deactivated = false;
        let mut outcome = Ok(());
        for id in ids {
            match deactivate(transport, id).await {
                Ok(true) => {
                    tracing::info!(skill = name, %id, "deactivated skill definition");
                    deactivated = true;
                }
                Ok(false) => {}
                Err(e) => {
                    outcome = Err(e);
                    break;
                }
            }
        }
        // As after any change of definitions (a failed call may have made it): the next write
        // lists the skills again rather than trust a listing from before.
        *self.known.catalog.lock().await = None;
        outcome?;
        Ok(if deactivated {
            DefinitionRetired::Deactivated
        } else {
            DefinitionRetired::AlreadyGone
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn skill(id: u64, name: Option<&str>, active: Option<bool>) -> Skill {
        serde_json::from_value(serde_json::json!({
            "skillId": id, "skillName": name, "isActive": active,
        }))
        .expect("skill")
    }

    #[test]
    fn only_an_explicit_false_is_inactive_and_nameless_skills_are_left_out() {
        let states: Vec<Option<DefinitionState>> = [
            skill(1, Some("A"), Some(true)),
            skill(2, Some("B"), None),
            skill(3, Some("C"), Some(false)),
            skill(4, None, Some(true)),
            skill(5, Some(" "), Some(true)),
        ]
        .iter()
        .map(|s| definition(s).map(|d| d.state))
        .collect();
        assert_eq!(
            states,
            [
                Some(DefinitionState::Active),
                Some(DefinitionState::Active),
                Some(DefinitionState::Inactive),
                None,
                None
            ]
        );
    }

    #[test]
    fn retiring_picks_the_active_skills_of_exactly_that_name() {
        let skills = [
            skill(1, Some("Billing"), Some(true)),
            skill(2, Some("billing"), Some(true)),
            skill(3, Some("Billing"), Some(false)),
            skill(4, Some("Billing"), None),
        ];
        let ids: Vec<String> = active_named(&skills, "Billing")
            .map(|s| s.skill_id.to_string())
            .collect();
        assert_eq!(ids, ["1", "4"]);
    }

    #[test]
    fn a_200_saying_success_false_is_a_refusal() {
        let reply = |body: &'static str| Reply {
            body: bytes::Bytes::from_static(body.as_bytes()),
            status: 200,
            correlation_id: "-".into(),
        };
        assert!(check_update("/skills/1", &reply(r#"{"success":true,"skillId":1}"#)).is_ok());
        assert!(check_update("/skills/1", &reply("")).is_ok());
        let refused = check_update("/skills/1", &reply(r#"{"success":false}"#));
        assert!(matches!(
            refused,
            Err(PlatformError::Rejected { status: 200, .. })
        ));
    }
}
