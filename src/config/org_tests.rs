//! `[orgs.NAME]` loading and resolution, through the same layering the daemon uses.

use super::{ConfigError, OrgSettings, Settings, DEFAULT_ORG};

use super::tests::env;

fn load(toml: &str) -> Settings {
    Settings::load_from_toml(toml, env(&[])).expect("loads")
}

fn load_err(toml: &str) -> String {
    Settings::load_from_toml(toml, env(&[]))
        .expect_err("refused")
        .to_string()
}

fn org(settings: &Settings, name: &str) -> OrgSettings {
    settings
        .org_settings()
        .into_iter()
        .find(|org| org.name == name)
        .unwrap_or_else(|| panic!("no org {name}"))
}

#[test]
fn without_orgs_there_is_one_default_org_equal_to_the_top_level() {
    let settings = load("[platform]\nclient_id = \"top\"\n[feed]\ntime_zone = \"Europe/Berlin\"");
    let orgs = settings.org_settings();
    assert_eq!(orgs.len(), 1);
    let only = &orgs[0];
    assert_eq!(only.name, DEFAULT_ORG);
    assert_eq!(only.platform.client_id, "top");
    assert_eq!(
        only.platform.client_secret.expose(),
        settings.platform.client_secret.expose()
    );
    assert_eq!(only.feed, settings.feed);
    assert_eq!(only.ownership, settings.ownership);
    assert_eq!(only.policy, settings.policy);
    assert_eq!(only.reconcile.scan_cron, settings.reconcile.scan_cron);
    assert_eq!(only.reconcile.settle_secs, settings.reconcile.settle_secs);
    let unchanged = settings.clone().into_single_org().expect("one org");
    assert_eq!(unchanged.to_redacted_toml(), settings.to_redacted_toml());
}

#[test]
fn an_org_table_lays_its_keys_over_the_top_level_key_by_key() {
    let settings = load(
        r#"
[platform]
client_id = "top"
requests_per_minute = 120
[feed]
time_zone = "Europe/Berlin"
[ownership.skills]
prefixes = ["Top_"]
[orgs.acme.platform]
client_id = "acme"
[orgs.acme.feed]
max_errors = 5
[orgs.acme.feed.skills]
max = 10.0
[orgs.acme.ownership.languages]
names = ["English"]
[orgs.acme.policy]
languages = "report"
[orgs.plain]
"#,
    );
    let acme = org(&settings, "acme");
    assert_eq!(acme.platform.client_id, "acme");
    assert_eq!(acme.platform.requests_per_minute, 120);
    assert_eq!(acme.platform.base_url, settings.platform.base_url);
    assert_eq!(acme.feed.time_zone.as_deref(), Some("Europe/Berlin"));
    assert_eq!(acme.feed.max_errors, 5);
    assert_eq!(acme.feed.skills.max, Some(10.0));
    assert_eq!(acme.feed.skills.labels, settings.feed.skills.labels);
    assert_eq!(acme.ownership.skills.prefixes, vec!["Top_".to_owned()]);
    assert_eq!(acme.ownership.languages.names, vec!["English".to_owned()]);
    assert_eq!(acme.policy.skills, settings.policy.skills);
    assert_ne!(acme.policy.languages, settings.policy.languages);
    let plain = org(&settings, "plain");
    assert_eq!(plain.platform.client_id, "top");
    assert_eq!(plain.feed, settings.feed);
    assert_eq!(settings.org_settings().len(), 2, "the top level is no org");
}

#[test]
fn arrays_replace_the_top_level_ones_rather_than_append() {
    let settings = load(
        r#"
[ownership.skills]
names = ["A", "B"]
[[sources]]
name = "hr"
path = "/data/hr-*.csv"
scope = "snapshot"
cron = "0 0 2 * * *"
[orgs.acme.ownership.skills]
names = ["C"]
[[orgs.acme.sources]]
name = "wfm"
url = "https://wfm.example/export"
scope = "partial"
cron = "0 0 3 * * *"
[orgs.other]
"#,
    );
    let acme = org(&settings, "acme");
    assert_eq!(acme.ownership.skills.names, vec!["C".to_owned()]);
    assert_eq!(acme.sources.len(), 1);
    assert_eq!(acme.sources[0].name, "wfm");
    let other = org(&settings, "other");
    assert_eq!(other.sources.len(), 1);
    assert_eq!(other.sources[0].name, "hr");
    assert_eq!(other.ownership.skills.names.len(), 2);
}

#[test]
fn secrets_come_from_the_environment_per_org_and_are_never_printed() {
    let settings = Settings::load_from_toml(
        "[orgs.acme]\n[orgs.beta.platform]\nclient_id = \"beta\"",
        env(&[
            ("SKILLSYNC__ORGS__ACME__PLATFORM__CLIENT_SECRET", "000123"),
            ("SKILLSYNC__ORGS__ACME__PLATFORM__REQUESTS_PER_MINUTE", "60"),
            ("SKILLSYNC__PLATFORM__CLIENT_SECRET", "top-secret"),
            (
                "SKILLSYNC__ORGS__GAMMA__PLATFORM__ACCESS_KEY_SECRET",
                "g4mma",
            ),
        ]),
    )
    .expect("loads");
    let acme = org(&settings, "acme");
    assert_eq!(acme.platform.client_secret.expose(), "000123");
    assert_eq!(acme.platform.requests_per_minute, 60);
    let beta = org(&settings, "beta");
    assert_eq!(beta.platform.client_secret.expose(), "top-secret");
    let gamma = org(&settings, "gamma");
    assert_eq!(gamma.platform.access_key_secret.expose(), "g4mma");
    let shown = format!("{}{settings:?}", settings.to_redacted_toml());
    for secret in ["000123", "top-secret", "g4mma"] {
        assert!(!shown.contains(secret), "{secret} shown: {shown}");
    }
    assert!(shown.contains("[orgs.acme.platform]"), "{shown}");
    assert!(shown.contains("client_id = \"beta\""), "{shown}");
}

#[test]
fn an_unknown_key_in_an_org_is_an_error_naming_its_path() {
    let err = load_err("[orgs.acme.platfrom]\nregion = \"x\"");
    assert!(err.contains("orgs.acme.platfrom"), "{err}");
    let err = load_err("[orgs.acme.platform]\nclient_ide = \"x\"");
    assert!(
        err.contains("orgs.acme.platform") && err.contains("client_ide"),
        "{err}"
    );
    let err = load_err("[orgs.acme]\nlog = \"x\"");
    assert!(err.contains("orgs.acme.log"), "{err}");
    let err = load_err("[orgs.acme.reconcile]\nlease_secs = 5");
    assert!(
        err.contains("orgs.acme.reconcile") && err.contains("lease_secs"),
        "{err}"
    );
    let err = load_err("[orgs.acme.platform]\nrequests_per_minute = \"many\"");
    assert!(err.contains("orgs.acme.platform"), "{err}");
    let err =
        Settings::load_from_toml("", env(&[("SKILLSYNC__ORGS__ACME__PLATFROM__REGION", "x")]))
            .expect_err("typo")
            .to_string();
    assert!(err.contains("orgs.acme.platfrom"), "{err}");
}

#[test]
fn an_org_name_outside_the_allowed_characters_is_an_error_naming_it() {
    let too_long = "a".repeat(33);
    for name in ["Acme", "a b", "", "acme.eu", &too_long] {
        let err = load_err(&format!("[orgs.\"{name}\".platform]\nclient_id = \"x\""));
        assert!(err.contains(&format!("{name:?}")), "{name}: {err}");
    }
    let longest = "a".repeat(32);
    for name in ["acme", "eu-1", "org_2", &longest] {
        load(&format!("[orgs.\"{name}\"]"));
    }
}

#[test]
fn each_org_gets_its_own_platforms_settle_time_unless_one_is_set() {
    let settings = load(
        r#"
[orgs.gen]
[orgs.cx.platform]
kind = "cxone"
[orgs.own.reconcile]
settle_secs = 7
scan_cron = "0 0 * * * *"
"#,
    );
    assert_eq!(org(&settings, "gen").reconcile.settle_secs, 60.0);
    assert_eq!(org(&settings, "cx").reconcile.settle_secs, 300.0);
    let own = org(&settings, "own");
    assert_eq!(own.reconcile.settle_secs, 7.0);
    assert_eq!(own.reconcile.scan_cron, "0 0 * * * *");
    assert_eq!(
        own.reconcile.incremental_scan_cron,
        settings.reconcile.incremental_scan_cron
    );
    let set = load("[reconcile]\nsettle_secs = 5\n[orgs.cx.platform]\nkind = \"cxone\"");
    assert_eq!(org(&set, "cx").reconcile.settle_secs, 5.0);
}

#[test]
fn an_org_may_be_named_default_and_a_single_org_is_what_commands_run() {
    let settings =
        load("[platform]\nclient_id = \"top\"\n[orgs.default.platform]\nclient_id = \"d\"");
    let single = settings.into_single_org().expect("one org");
    assert_eq!(single.platform.client_id, "d");
    let settings = load(
        "[orgs.acme.platform]\nkind = \"cxone\"\n[orgs.acme.reconcile]\nscan_cron = \"0 0 1 * * *\"",
    );
    let single = settings.into_single_org().expect("one org");
    assert_eq!(single.platform.kind, "cxone");
    assert_eq!(single.reconcile.settle_secs, 300.0);
    assert_eq!(single.reconcile.scan_cron, "0 0 1 * * *");
}

#[test]
fn several_orgs_are_refused_by_the_single_org_commands_naming_them() {
    let settings = load("[orgs.acme]\n[orgs.beta]");
    let err = settings.clone().into_single_org().expect_err("several");
    assert!(matches!(err, ConfigError::SeveralOrgs(_)), "{err:?}");
    let text = err.to_string();
    assert!(
        text.contains("acme, beta") && text.contains("--org NAME"),
        "{text}"
    );
    let beta = settings.clone().only_org("beta").expect("beta");
    assert_eq!(beta.per_org().len(), 1);
    assert_eq!(
        beta.into_single_org().expect("one").platform.kind,
        "genesys"
    );
    let err = settings.only_org("gamma").expect_err("unknown");
    assert_eq!(
        err.to_string(),
        "--org gamma: no such org (configured: acme, beta)"
    );
}

#[test]
fn the_demo_adds_orgs_built_in_code() {
    let mut settings = load("");
    let mut cx = settings.clone();
    cx.platform.kind = "cxone".into();
    settings
        .add_org_like("genesys", &settings.clone())
        .expect("genesys");
    settings.add_org_like("cxone", &cx).expect("cxone");
    let orgs = settings.per_org();
    let names: Vec<&str> = orgs.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["genesys", "cxone"]);
    assert_eq!(orgs[1].1.platform.kind, "cxone");
    assert!(settings.add_org_like("Bad Name", &cx).is_err());
}

#[test]
fn tokens_may_name_their_orgs_and_print_redacted_in_either_form() {
    let settings = Settings::load_from_toml(
        "[orgs.acme]\n\
         [server.ingest_tokens]\n\
         acme = { token = \"acme-token-0123456789\", orgs = [\"acme\"] }\n\
         [server.read_tokens]\n\
         ops = \"ops-token-0123456789\"\n",
        env(&[(
            "SKILLSYNC__SERVER__INGEST_TOKENS__WFM",
            "wfm-token-0123456789",
        )]),
    )
    .expect("loads");
    let tokens = &settings.server.ingest_tokens;
    assert_eq!(tokens["acme"].expose(), "acme-token-0123456789");
    assert_eq!(tokens["acme"].orgs(), Some(&["acme".to_string()][..]));
    assert_eq!(tokens["wfm"].expose(), "wfm-token-0123456789");
    assert_eq!(tokens["wfm"].orgs(), None);
    assert_eq!(settings.server.read_tokens["ops"].orgs(), None);
    assert_eq!(settings.server.check_orgs(&["acme"]), Ok(()));
    assert!(settings.server.check_orgs(&[DEFAULT_ORG]).is_err());
    let printed = format!("{}{settings:?}", settings.to_redacted_toml());
    assert!(!printed.contains("-token-"), "{printed}");
    assert!(printed.contains("orgs = [\"acme\"]"), "{printed}");
}

#[test]
fn a_token_limited_to_an_org_that_is_not_configured_stops_loading_naming_it() {
    let refused = load_err(
        "[orgs.acme]\n[orgs.beta]\n[server.read_tokens]\n\
         grafana = { token = \"grafana-token-0123456789\", orgs = [\"acme\", \"gamma\"] }\n",
    );
    assert!(refused.contains("server.read_tokens.grafana"), "{refused}");
    assert!(refused.contains("\"gamma\""), "{refused}");
    assert!(!refused.contains("grafana-token"), "{refused}");
    // Without [orgs] the one org is `default`.
    let refused = load_err(
        "[server.ingest_tokens]\nwfm = { token = \"wfm-token-0123456789\", orgs = [\"acme\"] }\n",
    );
    assert!(refused.contains("server.ingest_tokens.wfm"), "{refused}");
}

#[test]
fn deferral_keys_and_change_windows_are_checked_at_load_per_org() {
    let settings = load(
        "[policy]\nchange_windows = [\"22:00-06:00\"]\n\
         [orgs.day.platform]\nclient_id = \"d\"\n\
         [orgs.night.policy]\ndefer_when = [\"OnQueueWork\"]\nmax_defer_secs = 600\n",
    );
    assert_eq!(org(&settings, "day").policy.change_windows, ["22:00-06:00"]);
    let night = org(&settings, "night").policy;
    assert_eq!(night.defer_when, ["OnQueueWork"]);
    assert_eq!(night.max_defer_secs, 600.0);
    assert_eq!(
        night.change_windows,
        ["22:00-06:00"],
        "inherited from the top level"
    );

    let bad = load_err("[policy]\ndefer_when = [\"BUSY\"]\n");
    assert!(bad.contains("policy.defer_when: \"BUSY\""), "{bad}");
    let bad_org = load_err(
        "[orgs.acme.platform]\nclient_id = \"a\"\n[orgs.beta.policy]\nchange_windows = [\"25:00-06:00\"]\n",
    );
    assert!(
        bad_org.contains("[orgs.beta] policy.change_windows: \"25:00-06:00\""),
        "{bad_org}"
    );
}
