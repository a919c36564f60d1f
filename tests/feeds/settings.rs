//! The `[feed]` section as the layered configuration loads it.

use std::io::Write;

use skillsync::config::{Settings, ENV_PREFIX};
use skillsync::domain::AgentKeyKind;
use skillsync::feed::FeedSettings;

fn no_env() -> config::Environment {
    config::Environment::with_prefix(ENV_PREFIX).source(Some(Default::default()))
}

#[test]
fn settings_without_a_feed_section_get_the_defaults() {
    let settings = Settings::load_with_env(None, no_env()).expect("defaults load");
    assert_eq!(settings.feed, FeedSettings::default());
    assert_eq!(settings.feed.max_errors, 1_000);
    assert_eq!(settings.feed.skills.labels.get("Expert"), Some(&5.0));
}

#[test]
fn a_feed_section_keeps_the_case_of_names_and_fills_in_missing_keys() {
    let mut file = tempfile("feed-settings.toml");
    let toml = r#"
[feed]
agent_key = "employee_id"
time_zone = "Europe/Berlin"

[feed.languages]
max = 10

[feed.aliases]
"Billing EN" = "Billing - English"

[feed.certifications."PCI DSS"]
validity_days = 365
"#;
    file.1.write_all(toml.as_bytes()).expect("write");
    let settings = Settings::load_with_env(Some(&file.0), no_env()).expect("loads");
    let feed = settings.feed;
    assert_eq!(feed.agent_key, AgentKeyKind::EmployeeId);
    assert_eq!(feed.time_zone.as_deref(), Some("Europe/Berlin"));
    assert_eq!(feed.languages.max, 10.0);
    assert_eq!(feed.languages.min, 0.0);
    assert_eq!(feed.languages.step, None);
    assert_eq!(feed.languages.labels.len(), 5);
    assert_eq!(
        feed.aliases.get("Billing EN").map(String::as_str),
        Some("Billing - English")
    );
    assert_eq!(feed.certifications["PCI DSS"].validity_days, Some(365));
    std::fs::remove_file(&file.0).expect("cleanup");
}

fn tempfile(name: &str) -> (std::path::PathBuf, std::fs::File) {
    let path = std::env::temp_dir().join(format!("skillsync-{}-{name}", std::process::id()));
    let file = std::fs::File::create(&path).expect("create temp file");
    (path, file)
}
