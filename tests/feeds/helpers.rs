//! Reading feeds from strings and fixtures with the fixture configuration.

use std::path::{Path, PathBuf};

use skillsync::config::{Settings, ENV_PREFIX};
use skillsync::domain::{FeedScope, Granularity};
use skillsync::feed::{
    self, FeedError, FeedFormat, FeedRules, FeedSettings, FeedSource, Rejection, ValidFeed,
};
use skillsync::platform::scales::GENESYS;

/// `tests/fixtures/feeds`.
pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/feeds")
}

/// The `[feed]` settings in `tests/fixtures/feeds/settings.toml`, loaded like production does.
pub fn fixture_settings() -> FeedSettings {
    let env = config::Environment::with_prefix(ENV_PREFIX).source(Some(Default::default()));
    Settings::load_with_env(Some(&fixtures().join("settings.toml")), env)
        .expect("fixture settings load")
        .feed
}

/// The rules for a Genesys org (the fixtures' platform).
pub fn rules(settings: &FeedSettings) -> FeedRules {
    rules_for(settings, &GENESYS)
}

/// The rules for the platform `granularity` describes.
pub fn rules_for(settings: &FeedSettings, granularity: &Granularity) -> FeedRules {
    FeedRules::from_settings(settings, granularity).expect("valid feed settings")
}

pub fn read_with(
    settings: &FeedSettings,
    format: FeedFormat,
    bytes: &[u8],
) -> Result<ValidFeed, FeedError> {
    read_for(settings, &GENESYS, format, bytes)
}

/// Reads `bytes` for the platform `granularity` describes.
pub fn read_for(
    settings: &FeedSettings,
    granularity: &Granularity,
    format: FeedFormat,
    bytes: &[u8],
) -> Result<ValidFeed, FeedError> {
    let source = FeedSource {
        name: format!("test.{format}"),
        format,
        scope: FeedScope::Partial,
    };
    feed::read(bytes, &source, &rules_for(settings, granularity))
}

/// Reads `bytes` with the fixture settings; the feed must be valid.
pub fn valid(format: FeedFormat, bytes: &[u8]) -> ValidFeed {
    match read_with(&fixture_settings(), format, bytes) {
        Ok(feed) => feed,
        Err(FeedError::Rejected(rejection)) => panic!("rejected:\n{}", report(&rejection)),
        Err(e) => panic!("{e}"),
    }
}

/// Reads `bytes` with `settings`; the feed must be rejected.
pub fn rejected_with(settings: &FeedSettings, format: FeedFormat, bytes: &[u8]) -> Rejection {
    match read_with(settings, format, bytes) {
        Ok(feed) => panic!("accepted: {:?}", feed.state),
        Err(FeedError::Rejected(rejection)) => *rejection,
        Err(e) => panic!("{e}"),
    }
}

/// Reads `bytes` with the fixture settings; the feed must be rejected.
pub fn rejected(format: FeedFormat, bytes: &[u8]) -> Rejection {
    rejected_with(&fixture_settings(), format, bytes)
}

/// Every error line of a rejection, as `skillsync validate` prints them.
pub fn report(rejection: &Rejection) -> String {
    rejection.lines().collect::<Vec<_>>().join("\n")
}

pub fn csv(text: &str) -> ValidFeed {
    valid(FeedFormat::Csv, text.as_bytes())
}
