//! Generated configurations through the `config_loader` check: keys the loader knows and keys it
//! does not, values of the right and the wrong type, hostile strings, and `SKILLSYNC__…`
//! variables over them.

use proptest::prelude::*;

use crate::checks::{check_config, ConfigInput, ConfigVerdict};

/// `section.key` pairs from `config/base.toml` and the sections with maps or lists.
const KEYS: &[&str] = &[
    "log.format",
    "log.level",
    "telemetry.otlp_endpoint",
    "platform.kind",
    "platform.region",
    "platform.base_url",
    "platform.client_secret",
    "platform.requests_per_minute",
    "platform.max_concurrency",
    "platform.request_timeout_secs",
    "platform.max_retries",
    "platform.users_page_size",
    "platform.access_key_secret",
    "platform.area",
    "platform.api_version",
    "platform.write_batch_size",
    "policy.skills",
    "policy.certifications",
    "ownership.skills.names",
    "ownership.languages.globs",
    "safety.max_destructive",
    "safety.max_destructive_percent",
    "safety.min_snapshot_share",
    "reconcile.settle_secs",
    "reconcile.scan_cron",
    "reconcile.incremental_scan_cron",
    "reconcile.time_zone",
    "reconcile.retry_max_secs",
    "database.max_connections",
    "server.listen",
    "server.body_limit_mb",
    "server.ingest_tokens.wfm",
    "server.read_tokens.ops",
    "feed.agent_key",
    "feed.time_zone",
    "feed.max_errors",
    "feed.skills.max",
    "feed.skills.step",
    "feed.languages.min",
    "feed.aliases.x",
    "webhook.url",
    "webhook.warning_days",
    "certifications.margin_days",
    "nosuch.key",
    "platform.nosuch",
    // `[orgs.NAME]`: per-org keys over the top level, a global key an org may not set, a
    // misspelt section and names outside the allowed characters.
    "orgs.acme.platform.client_id",
    "orgs.acme.platform.client_secret",
    "orgs.acme.platform.kind",
    "orgs.acme.platform.requests_per_minute",
    "orgs.acme.policy.skills",
    "orgs.acme.ownership.skills.names",
    "orgs.acme.safety.max_destructive",
    "orgs.acme.feed.agent_key",
    "orgs.acme.feed.skills.max",
    "orgs.acme.reconcile.scan_cron",
    "orgs.acme.reconcile.settle_secs",
    "orgs.acme.reconcile.lease_secs",
    "orgs.acme.platfrom.region",
    "orgs.beta.platform.base_url",
    "orgs.default.safety.min_snapshot_share",
    "orgs.Bad.platform.kind",
    "orgs.acme.sources",
];

fn value() -> BoxedStrategy<String> {
    prop_oneof![
        Just("\"\"".to_owned()),
        Just("\"\\u0000\"".to_owned()),
        Just(format!("\"{}\"", "x".repeat(300))),
        Just("\"Europe/Berlin\"".to_owned()),
        Just("\"0 */5 * * * *\"".to_owned()),
        Just("\"* * *\"".to_owned()),
        Just("\"a-long-enough-token-value-0123456789\"".to_owned()),
        Just("\"http://127.0.0.1:1/hook\"".to_owned()),
        Just("\"report\"".to_owned()),
        Just("\"employee_id\"".to_owned()),
        any::<i64>().prop_map(|n| n.to_string()),
        (0_u32..100).prop_map(|n| n.to_string()),
        Just("-1".to_owned()),
        Just("nan".to_owned()),
        Just("inf".to_owned()),
        Just("1e308".to_owned()),
        Just("0.5".to_owned()),
        Just("true".to_owned()),
        Just("[]".to_owned()),
        Just("[1, \"a\"]".to_owned()),
        Just("[\"Billing*\", \"[\"]".to_owned()),
        Just("{}".to_owned()),
        Just("1979-05-27T07:32:00Z".to_owned()),
        "\"[ -~&&[^\"\\\\]]{0,20}\"",
    ]
    .boxed()
}

/// One `key = value` line under its table.
fn entry() -> impl Strategy<Value = (String, String)> {
    (proptest::sample::select(KEYS), value()).prop_map(|(key, value)| (key.to_owned(), value))
}

fn toml_text(entries: &[(String, String)]) -> String {
    entries
        .iter()
        .map(|(key, value)| {
            let (table, key) = key.rsplit_once('.').unwrap_or(("", key));
            format!("[{table}]\n{key} = {value}\n")
        })
        .collect()
}

fn env_var() -> impl Strategy<Value = (String, String)> {
    (
        proptest::sample::select(KEYS),
        prop_oneof!["[ -~]{0,12}", any::<String>(), Just("000123".to_owned())],
    )
        .prop_map(|(key, value)| {
            let name = format!("SKILLSYNC__{}", key.replace('.', "__").to_uppercase());
            (name, value)
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn generated_configurations_pass_the_config_check(
        entries in proptest::collection::vec(entry(), 0..5),
        env in proptest::collection::vec(env_var(), 0..3),
    ) {
        check_config(&ConfigInput { toml: toml_text(&entries), env });
    }

    #[test]
    fn any_text_passes_the_config_check(data in any::<Vec<u8>>()) {
        check_config(&ConfigInput::parse(&data));
    }
}

#[test]
fn the_embedded_defaults_alone_are_usable_and_a_typo_is_invalid() {
    assert_eq!(check_config(&ConfigInput::default()), ConfigVerdict::Usable);
    let typo = ConfigInput::parse(b"[platfrom]\nregion = \"x\"\n");
    assert_eq!(check_config(&typo), ConfigVerdict::Invalid);
    let org_typo = ConfigInput::parse(b"[orgs.acme.platfrom]\nregion = \"x\"\n");
    assert_eq!(check_config(&org_typo), ConfigVerdict::Invalid);
    let one_org = ConfigInput::parse(b"[orgs.acme.platform]\nclient_id = \"acme\"\n");
    assert_eq!(check_config(&one_org), ConfigVerdict::Usable);
    let two_orgs = ConfigInput::parse(b"[orgs.acme]\n[orgs.beta]\n");
    assert_eq!(check_config(&two_orgs), ConfigVerdict::Refused);
}
