//! Skill descriptions a feed gives (issue 16): kept apart from the desired state and its hash,
//! since they describe the platform's catalog, not any agent. The first non-empty description
//! of a skill wins; a different one later is reported, not an error, because it changes no
//! assignment.

use std::collections::BTreeMap;

use crate::domain::Name;

use super::origin::Origin;
use super::problem::{Location, WarningKind};

/// The first description seen per skill platform name, and where it was.
#[derive(Default)]
pub(crate) struct Descriptions {
    first: BTreeMap<Name, (String, Origin)>,
}

impl Descriptions {
    /// Records `text` for `name`; returns the warning to give when an earlier, different
    /// description is kept instead. Blank text is no description.
    pub(crate) fn record(
        &mut self,
        name: &Name,
        text: &str,
        origin: Origin,
    ) -> Option<(Location, WarningKind)> {
        let text = text.trim();
        if text.is_empty() {
            return None;
        }
        match self.first.get(name) {
            None => {
                self.first.insert(name.clone(), (text.to_owned(), origin));
                None
            }
            Some((kept, _)) if kept == text => None,
            Some((_, first)) => Some((
                origin.field("description"),
                WarningKind::description_conflict(
                    name.as_str(),
                    first.field("description"),
                    origin.field("description"),
                ),
            )),
        }
    }

    /// The descriptions kept, by skill platform name.
    pub(crate) fn into_map(self) -> BTreeMap<String, String> {
        self.first
            .into_iter()
            .map(|(name, (text, _))| (name.as_str().to_owned(), text))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::FeedScope;
    use crate::feed::{FeedFormat, FeedRules, FeedSettings, FeedSource, ValidFeed};
    use crate::platform::scales::GENESYS;

    fn name(text: &str) -> Name {
        Name::parse(text).expect("valid name")
    }

    #[test]
    fn the_first_non_empty_description_is_kept_and_a_different_one_warns_naming_both_lines() {
        let mut descriptions = Descriptions::default();
        let billing = name("Billing");
        assert!(descriptions
            .record(&billing, "  ", Origin::Line(2))
            .is_none());
        assert!(descriptions
            .record(&billing, " Invoices ", Origin::Line(3))
            .is_none());
        assert!(descriptions
            .record(&billing, "Invoices", Origin::Line(4))
            .is_none());
        let (location, kind) = descriptions
            .record(&billing, "Refunds", Origin::Line(5))
            .expect("warned");
        assert_eq!(location, Location::Line(5));
        let message = kind.to_string();
        assert!(
            message.contains("line 3") && message.contains("line 5"),
            "{message}"
        );
        let kept = descriptions.into_map();
        assert_eq!(kept.get("Billing").map(String::as_str), Some("Invoices"));
    }

    fn read(format: FeedFormat, text: &str) -> ValidFeed {
        let mut settings = FeedSettings::default();
        settings.aliases.insert("Bill".into(), "Billing".into());
        let rules = FeedRules::from_settings(&settings, &GENESYS).expect("valid rules");
        let source = FeedSource {
            name: "test".into(),
            format,
            scope: FeedScope::Partial,
        };
        crate::feed::read(text.as_bytes(), &source, &rules).expect("valid feed")
    }

    fn warnings(feed: &ValidFeed) -> Vec<String> {
        feed.warnings
            .items()
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    #[test]
    fn a_description_column_is_read_by_platform_name_and_changes_neither_state_nor_hash() {
        let described = read(
            FeedFormat::Csv,
            "agent,type,name,proficiency,Description\n\
             a@example.com,skill,Bill,3,Invoices and refunds\n\
             b@example.com,skill,Sales,2,\n",
        );
        let plain = read(
            FeedFormat::Csv,
            "agent,type,name,proficiency\n\
             a@example.com,skill,Bill,3\n\
             b@example.com,skill,Sales,2\n",
        );
        assert_eq!(warnings(&described), Vec::<String>::new());
        assert_eq!(
            described.descriptions,
            BTreeMap::from([("Billing".to_owned(), "Invoices and refunds".to_owned())])
        );
        assert_eq!(described.state, plain.state);
        assert_eq!(described.hash, plain.hash);
    }

    #[test]
    fn a_json_skill_item_may_carry_a_description() {
        let feed = read(
            FeedFormat::Json,
            r#"{"agents": [{"agent": "a@example.com",
                "skills": [{"name": "Sales", "proficiency": 3, "description": "Outbound"}]}]}"#,
        );
        assert_eq!(warnings(&feed), Vec::<String>::new());
        assert_eq!(feed.descriptions["Sales"], "Outbound");
    }

    #[test]
    fn a_description_on_a_language_or_certification_does_not_apply() {
        let feed = read(
            FeedFormat::Csv,
            "agent,type,name,proficiency,issued_on,description\n\
             a@example.com,language,French,3,,Spoken\n\
             a@example.com,certification,PCI,,2026-01-01T00:00:00Z,Card data\n",
        );
        assert_eq!(
            warnings(&feed),
            [
                "line 2: description does not apply to a language; ignored",
                "line 3: description does not apply to a certification; ignored",
            ]
        );
        assert!(feed.descriptions.is_empty());
        let json = read(
            FeedFormat::Json,
            r#"{"agents": [{"agent": "a@example.com",
                "languages": [{"name": "French", "proficiency": 3, "description": "x"}]}]}"#,
        );
        assert_eq!(
            warnings(&json),
            ["/agents/0/languages/0/description: description does not apply to a language; ignored"]
        );
    }

    #[test]
    fn two_descriptions_of_one_skill_keep_the_first_and_warn() {
        let feed = read(
            FeedFormat::Csv,
            "agent,type,name,proficiency,description\n\
             a@example.com,skill,Billing,3,Invoices\n\
             b@example.com,skill,Bill,3,Refunds\n",
        );
        assert_eq!(
            warnings(&feed),
            [
                "line 3: skill \"Billing\" is described differently at line 2 and at line 3; \
              the description at line 2 is kept"
            ]
        );
        assert_eq!(feed.descriptions["Billing"], "Invoices");
    }
}
