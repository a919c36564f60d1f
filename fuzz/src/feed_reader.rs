//! A feed reader given arbitrary bytes never panics, never fails on I/O (the input is in
//! memory), and its answer is self-consistent.

use std::sync::OnceLock;

use skillsync::domain::FeedScope;
use skillsync::feed::{
    self, ContentHash, FeedError, FeedFormat, FeedRules, FeedSettings, FeedSource, ValidFeed,
};

/// The rules every target reads with: a time zone, an alias and a certification validity, so
/// that those paths are reached too.
pub fn rules() -> &'static FeedRules {
    static RULES: OnceLock<FeedRules> = OnceLock::new();
    RULES.get_or_init(|| {
        let mut settings = FeedSettings {
            time_zone: Some("Europe/Berlin".into()),
            max_errors: 50,
            ..FeedSettings::default()
        };
        settings
            .aliases
            .insert("Billing EN".into(), "Billing - English".into());
        settings.certifications.insert(
            "PCI DSS".into(),
            feed::CertificationSettings {
                validity_days: Some(365),
                ..Default::default()
            },
        );
        FeedRules::from_settings(&settings, &skillsync::platform::scales::GENESYS)
            .expect("fuzz settings are valid")
    })
}

/// What a reader decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Verdict {
    /// A valid feed.
    Accepted,
    /// Row or file errors.
    Rejected,
}

/// Reads `data` as a feed of `format` and checks the answer.
pub fn check(format: FeedFormat, data: &[u8]) -> Verdict {
    let source = FeedSource {
        name: "fuzz".into(),
        format,
        scope: FeedScope::Snapshot,
    };
    check_outcome(&feed::read(data, &source, rules()), &source.name)
}

/// Checks what `feed::read` answered for a feed named `name`.
pub fn check_outcome(outcome: &Result<ValidFeed, FeedError>, name: &str) -> Verdict {
    match outcome {
        Ok(valid) => {
            assert_eq!(valid.counts, valid.state.counts());
            assert_eq!(valid.hash, ContentHash::of(&valid.state));
            assert!(valid.counts.agents > 0, "an accepted feed lists an agent");
            for (agent, desired) in &valid.state.agents {
                assert_eq!(agent.as_str().trim(), agent.as_str());
                for name in desired
                    .skills
                    .keys()
                    .chain(desired.languages.keys())
                    .chain(desired.certifications.keys())
                {
                    assert!(!name.is_empty() && name.trim() == name.as_str());
                }
                for window in desired.certifications.values() {
                    if let (Some(issued), Some(expires)) = (window.issued_on, window.expires_on) {
                        assert!(issued <= expires);
                    }
                }
            }
            Verdict::Accepted
        }
        Err(FeedError::Rejected(rejection)) => {
            assert!(!rejection.errors.is_empty(), "a rejection has an error");
            assert!(rejection.errors.items().len() <= 50);
            let prefix = format!("{name}: ");
            assert!(rejection.lines().all(|line| line.starts_with(&prefix)));
            Verdict::Rejected
        }
        Err(error @ FeedError::Io { .. }) => panic!("in-memory input cannot fail to read: {error}"),
    }
}
