//! Configuration that would make every job fail stops `skillsync serve` at start-up instead,
//! with the key named.

use skillsync::config::Settings;
use skillsync::feed::CertificationSettings;

use crate::helpers::{daemon_settings, small_org, spawn_sim};

async fn start_error(settings: Settings) -> String {
    match skillsync::app::Application::build(settings).await {
        Ok(_) => panic!("the daemon started with an invalid configuration"),
        Err(e) => e.to_string(),
    }
}

fn sqlite_url() -> String {
    let dir = std::env::temp_dir().join(format!(
        "skillsync-startup-{}",
        uuid::Uuid::new_v4().simple()
    ));
    format!("sqlite://{}/skillsync.db", dir.display())
}

#[tokio::test]
async fn an_invalid_ownership_glob_or_certification_gate_stops_the_start() {
    let sim = spawn_sim(small_org()).await;

    let mut settings = daemon_settings(&sim, &sqlite_url());
    settings.ownership.skills.globs = vec!["Billing_[L".into()];
    let error = start_error(settings).await;
    assert!(
        error.contains("ownership.skills.globs: \"Billing_[L\""),
        "{error}"
    );

    let mut settings = daemon_settings(&sim, &sqlite_url());
    settings.feed.certifications.insert(
        "PCI-DSS".into(),
        CertificationSettings {
            gate_skill: Some("Gate_PCI".into()),
            gate_proficiency: Some(4.2),
            ..CertificationSettings::default()
        },
    );
    let error = start_error(settings).await;
    assert!(
        error.contains("feed.certifications.PCI-DSS: gate_proficiency 4.2"),
        "{error}"
    );
}

#[tokio::test]
async fn an_invalid_incremental_scan_schedule_stops_the_start() {
    let sim = spawn_sim(small_org()).await;
    let mut settings = daemon_settings(&sim, &sqlite_url());
    settings.reconcile.incremental_scan_cron = "every five minutes".into();
    let error = start_error(settings).await;
    assert!(
        error.contains("reconcile.incremental_scan_cron: \"every five minutes\""),
        "{error}"
    );
}
