//! One `skillsync apply` of a CSV feed, shared by the apply benches (Genesys and CXone).

/// Reads `csv` as a `scope` feed for a platform of `granularity` and applies it once, approved,
/// as `skillsync apply` does, journaling to `journals`; the report (which must list no failure)
/// and the calls made.
pub async fn apply_csv<J: skillsync::cli::apply::AgentJournals>(
    settings: &skillsync::config::Settings,
    csv: &str,
    scope: skillsync::domain::FeedScope,
    granularity: &skillsync::domain::Granularity,
    journals: &J,
) -> (
    skillsync::cli::apply::ApplyReport,
    skillsync::platform::CallCounts,
) {
    use skillsync::feed::{read, FeedFormat, FeedRules, FeedSettings, FeedSource};
    use skillsync::platform::{Connector, Platform};
    let rules = FeedRules::from_settings(&FeedSettings::default(), granularity).expect("rules");
    let source = FeedSource {
        name: "bench.csv".into(),
        format: FeedFormat::Csv,
        scope,
    };
    let state = read(csv.as_bytes(), &source, &rules)
        .expect("valid feed")
        .state;
    let platform = Connector::from_settings(&settings.platform).expect("connector");
    let policy =
        skillsync::cli::policy_for(settings, &state, platform.granularity()).expect("policy");
    let options = skillsync::cli::apply::Options {
        policy: &policy,
        safety: &settings.safety,
        reconcile: &settings.reconcile,
        approve: true,
        concurrency: settings.platform.max_concurrency,
    };
    let report = skillsync::cli::apply::run(&platform, journals, &state, &options, &|_| {})
        .await
        .expect("applied");
    assert!(report.failures.is_empty(), "{:?}", report.failures);
    (report, platform.calls())
}
