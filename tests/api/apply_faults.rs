//! apply against a hostile platform: conflicts, 5xx, missing expansions, lagging reads, rate
//! limits and revoked tokens.

use std::collections::BTreeMap;

use serde_json::json;

use crate::helpers::{
    all_skills, apply, assert_no_replace_all, assert_unmanaged_untouched, desired, settings_for,
    spawn_sim,
};
use skillsync::domain::FeedScope;
use skillsync::platform::{CallKind, Platform};
use skillsync::sim::{Faults, SimConfig};

const MANAGED: &[&str] = &[
    "Billing_L1",
    "Sales_L1",
    "Retention_L3",
    "TechSupport_L2",
    "Claims_L1",
];

/// A snapshot of the managed skills: two thirds of the agents keep what they hold, every third
/// agent gets a new set. Returns the CSV and the expected managed skills per user id.
fn snapshot_feed(
    before: &BTreeMap<String, Vec<(String, f64)>>,
    emails: &BTreeMap<String, String>,
) -> (String, BTreeMap<String, Vec<(String, f64)>>) {
    let mut csv = String::from("agent,type,name,proficiency\n");
    let mut expected = BTreeMap::new();
    for (i, (user, skills)) in before.iter().enumerate() {
        let want: Vec<(String, f64)> = if i % 3 == 0 {
            vec![
                ("Billing_L1".into(), (i % 11) as f64 / 2.0),
                ("Claims_L1".into(), 3.0),
            ]
        } else {
            skills
                .iter()
                .filter(|(n, _)| MANAGED.contains(&n.as_str()))
                .cloned()
                .collect()
        };
        for (name, p) in &want {
            csv.push_str(&format!("{},skill,{name},{p}\n", emails[user]));
        }
        expected.insert(user.clone(), want);
    }
    // Make sure every managed name appears in the feed, so that all of them are owned.
    for name in MANAGED {
        if !csv.contains(&format!(",{name},")) {
            panic!("{name} is in nobody's feed rows; pick another seed");
        }
    }
    (csv, expected)
}

#[tokio::test]
async fn apply_converges_exactly_despite_conflicts_5xx_missing_expansions_lag_and_a_budget() {
    let sim = spawn_sim(SimConfig {
        agents: 300,
        seed: 11,
        faults: Faults::none(),
        ..crate::helpers::small_org()
    })
    .await;
    let users = sim.user_ids().await;
    let before = all_skills(&sim, &users).await;
    let mut emails = BTreeMap::new();
    for id in before.keys() {
        emails.insert(
            id.clone(),
            sim.truth(id).await["email"]
                .as_str()
                .expect("email")
                .to_string(),
        );
    }
    let (csv, expected) = snapshot_feed(&before, &emails);
    sim.set_faults(json!({
        "rate_limit": 300,
        "conflict_rate": 0.05,
        "error_rate": 0.10,
        "expand_missing_rate": 0.20,
        "lag_ms": 2000,
    }))
    .await;
    sim.reset_stats().await;

    let mut settings = settings_for(&sim);
    settings.platform.requests_per_minute = 300;
    settings.reconcile.settle_secs = 2.5;
    let (report, calls) = apply(&settings, &desired(&csv, FeedScope::Snapshot), true).await;
    let report = report.expect("ran");
    assert!(report.converged(), "failures: {:?}", report.failures);

    let after = all_skills(&sim, &users).await;
    for (user, want) in &expected {
        let got: Vec<(String, f64)> = after[user]
            .iter()
            .filter(|(n, _)| MANAGED.contains(&n.as_str()))
            .cloned()
            .collect();
        let mut want = want.clone();
        want.sort_by(|a, b| a.0.cmp(&b.0));
        assert_eq!(&got, &want, "managed skills of {user}");
    }
    assert_unmanaged_untouched(&before, &after, MANAGED);
    let stats = sim.stats().await;
    assert_no_replace_all(&stats);
    assert!(
        calls.retries > 0 && calls.conflicts > 0,
        "faults were injected: {calls:?}"
    );
    assert!(
        calls.of(skillsync::platform::genesys::calls::GET_USER) > 0,
        "missing expansions were re-read: {calls:?}"
    );
    assert_eq!(stats.throttled, 0, "pacing kept the run under the budget");
}

#[tokio::test]
async fn a_429_storm_slows_the_run_but_does_not_fail_it() {
    let sim = spawn_sim(SimConfig {
        agents: 60,
        faults: Faults {
            rate_limit: 600,
            rate_burst: 3,
            ..Faults::none()
        },
        ..crate::helpers::small_org()
    })
    .await;
    let mut csv = String::from("agent,type,name,proficiency\n");
    for n in 1..=60 {
        csv.push_str(&format!(
            "agent{n:05}@example.com,skill,Billing_L1,{}\n",
            1 + n % 4
        ));
    }
    let mut settings = settings_for(&sim);
    // Configured far above what the platform really allows.
    settings.platform.requests_per_minute = 60_000;
    let (report, calls) = apply(&settings, &desired(&csv, FeedScope::Partial), true).await;
    let report = report.expect("ran");
    assert!(report.converged(), "{:?}", report.failures);
    assert!(calls.throttled > 0, "the storm happened: {calls:?}");
    assert_eq!(sim.stats().await.throttled, calls.throttled);
}

#[tokio::test]
async fn a_revoked_token_is_renewed_once_and_the_call_goes_through() {
    let sim = spawn_sim(crate::helpers::small_org()).await;
    let settings = settings_for(&sim);
    let platform =
        skillsync::platform::Connector::from_settings(&settings.platform).expect("connector");
    assert_eq!(platform.observe().await.expect("observed").len(), 20);
    let resp = sim
        .http
        .post(sim.url("/sim/tokens/revoke"))
        .send()
        .await
        .expect("sent");
    assert!(resp.status().is_success());
    assert_eq!(platform.observe().await.expect("observed again").len(), 20);
    assert_eq!(platform.calls().of(CallKind::TOKEN), 2);
}

#[tokio::test]
async fn wrong_credentials_fail_clearly_without_retrying_forever() {
    let sim = spawn_sim(crate::helpers::small_org()).await;
    let mut settings = settings_for(&sim);
    settings.platform.client_secret = skillsync::config::Secret::from("wrong");
    let platform =
        skillsync::platform::Connector::from_settings(&settings.platform).expect("connector");
    let err = platform.observe().await.expect_err("refused");
    assert_eq!(err.label(), "auth");
    assert!(err.to_string().contains("invalid_client"), "{err}");
    assert!(
        !err.to_string().contains("wrong"),
        "the secret is not echoed: {err}"
    );
}

#[tokio::test]
async fn a_login_service_that_is_briefly_down_is_retried() {
    let sim = spawn_sim(crate::helpers::small_org()).await;
    let settings = settings_for(&sim);
    sim.set_faults(json!({"outage_ms": 700})).await;
    let platform =
        skillsync::platform::Connector::from_settings(&settings.platform).expect("connector");
    assert_eq!(
        platform
            .observe()
            .await
            .expect("observed after the outage")
            .len(),
        20
    );
    assert!(
        platform.calls().of(CallKind::TOKEN) >= 2,
        "the login was retried: {:?}",
        platform.calls()
    );
}
