//! Which skills a feed uses and how each stands on the platform (issue 16): the read-only check
//! shared by `skills sync` and `validate --check-platform`. Makes one listing call; never writes.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use crate::feed::{CertificationSettings, ValidFeed};
use crate::platform::{DefinitionState, Platform, PlatformError, SkillDefinition};

/// A skill the feed uses that the platform has no usable definition of.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MissingSkill {
    /// The exact platform name.
    pub name: String,
    /// The feed's description of it, if any.
    pub description: Option<String>,
}

/// How the skills a feed uses stand on the platform.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CatalogCheck {
    /// Names with an active definition.
    pub present: Vec<String>,
    /// Names whose only live definitions are inactive: creating another would make a twin, so
    /// they are left to an administrator.
    pub inactive: Vec<String>,
    /// Names with no definition, or only deleted ones.
    pub missing: Vec<MissingSkill>,
}

/// The skill names `feed` uses: its skills, and the gate skills `[feed.certifications.NAME]`
/// maps the certifications it names to (the planner grants those too).
pub fn skills_used(
    feed: &ValidFeed,
    certifications: &BTreeMap<String, CertificationSettings>,
) -> BTreeSet<String> {
    let mut used = BTreeSet::new();
    for agent in feed.state.agents.values() {
        used.extend(agent.skills.keys().map(|name| name.as_str().to_owned()));
        let gates = agent
            .certifications
            .keys()
            .filter_map(|name| certifications.get(name.as_str()))
            .filter_map(|settings| settings.gate_skill.as_deref())
            .map(|gate| gate.trim().to_owned());
        used.extend(gates);
    }
    used
}

/// Sorts `used` by what `definitions` say of each name (exact, case-sensitive, as writes
/// resolve names); `descriptions` go with the missing ones.
pub fn classify(
    used: &BTreeSet<String>,
    definitions: &[SkillDefinition],
    descriptions: &BTreeMap<String, String>,
) -> CatalogCheck {
    let mut check = CatalogCheck::default();
    for name in used {
        let states: Vec<DefinitionState> = definitions
            .iter()
            .filter(|d| d.name == *name)
            .map(|d| d.state)
            .collect();
        if states.contains(&DefinitionState::Active) {
            check.present.push(name.clone());
        } else if states.contains(&DefinitionState::Inactive) {
            check.inactive.push(name.clone());
        } else {
            check.missing.push(MissingSkill {
                name: name.clone(),
                description: descriptions.get(name).cloned(),
            });
        }
    }
    check
}

/// Reads the platform's definitions once and checks the skills `feed` uses against them.
pub async fn check_feed(
    platform: &impl Platform,
    feed: &ValidFeed,
    certifications: &BTreeMap<String, CertificationSettings>,
) -> Result<CatalogCheck, PlatformError> {
    let definitions = platform.skill_definitions().await?;
    let used = skills_used(feed, certifications);
    Ok(classify(&used, &definitions, &feed.descriptions))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn definition(name: &str, state: DefinitionState) -> SkillDefinition {
        SkillDefinition {
            id: format!("id-{name}"),
            name: name.to_owned(),
            state,
        }
    }

    #[test]
    fn a_name_with_only_deleted_definitions_is_missing_and_an_inactive_one_is_not() {
        let used: BTreeSet<String> = ["Active", "Gone", "Asleep", "New", "active_case"]
            .map(String::from)
            .into();
        let definitions = [
            definition("Active", DefinitionState::Active),
            definition("Active", DefinitionState::Deleted),
            definition("Gone", DefinitionState::Deleted),
            definition("Asleep", DefinitionState::Inactive),
            definition("Active_Case", DefinitionState::Active),
        ];
        let descriptions = BTreeMap::from([("New".to_owned(), "Fresh".to_owned())]);
        let check = classify(&used, &definitions, &descriptions);
        assert_eq!(check.present, ["Active"]);
        assert_eq!(check.inactive, ["Asleep"]);
        let missing: Vec<(&str, Option<&str>)> = check
            .missing
            .iter()
            .map(|m| (m.name.as_str(), m.description.as_deref()))
            .collect();
        assert_eq!(
            missing,
            [
                ("Gone", None),
                ("New", Some("Fresh")),
                ("active_case", None)
            ]
        );
    }

    #[test]
    fn the_gate_skill_of_a_certification_the_feed_names_is_used_too() {
        let rules = crate::feed::FeedRules::from_settings(
            &crate::feed::FeedSettings::default(),
            &crate::platform::scales::GENESYS,
        )
        .expect("rules");
        let source = crate::feed::FeedSource {
            name: "test".into(),
            format: crate::feed::FeedFormat::Csv,
            scope: crate::domain::FeedScope::Partial,
        };
        let csv = "agent,type,name,proficiency,issued_on\n\
                   a@example.com,skill,Billing,3,\n\
                   a@example.com,certification,PCI,,2026-01-01T00:00:00Z\n";
        let feed = crate::feed::read(csv.as_bytes(), &source, &rules).expect("valid");
        let gate = |skill: &str| CertificationSettings {
            gate_skill: Some(skill.into()),
            ..CertificationSettings::default()
        };
        let certifications = BTreeMap::from([
            ("PCI".to_owned(), gate("Gate_PCI")),
            ("HIPAA".to_owned(), gate("Gate_HIPAA")),
        ]);
        let used: Vec<String> = skills_used(&feed, &certifications).into_iter().collect();
        assert_eq!(used, ["Billing", "Gate_PCI"]);
    }
}
