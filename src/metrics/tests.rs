use std::time::Duration;

use super::*;

#[test]
fn rendered_metrics_carry_the_prefix_units_and_labels() {
    let m = Metrics::new();
    m.response(
        CallKind::write("patch_skills"),
        Some(429),
        Duration::from_millis(20),
    );
    m.drifted_agents.set(3);
    m.job_finished("feed", "succeeded", Duration::from_secs(2));
    let text = m.render();
    for line in [
        r#"skillsync_platform_requests_total{org="default",endpoint="patch_skills",status="429"} 1"#,
        r#"skillsync_platform_throttled_total{org="default"} 1"#,
        r#"skillsync_drifted_agents{org="default"} 3"#,
        r#"skillsync_jobs_total{org="default",trigger="feed",result="succeeded"} 1"#,
        r#"skillsync_platform_request_duration_seconds_bucket{le="+Inf",org="default",endpoint="patch_skills"} 1"#,
    ] {
        assert!(text.contains(line), "{line} in {text}");
    }
}

#[test]
fn two_orgs_render_once_per_family_with_their_own_series() {
    let default = Metrics::new();
    let acme = default.for_org("acme");
    assert_eq!((default.org(), acme.org()), ("default", "acme"));
    default.leader.set(1);
    acme.drifted_agents.set(2);
    let text = acme.render();
    assert_eq!(
        text,
        default.render(),
        "any handle renders the whole registry"
    );
    assert!(
        text.contains("skillsync_leader{org=\"default\"} 1\n"),
        "{text}"
    );
    assert!(
        text.contains("skillsync_leader{org=\"acme\"} 0\n"),
        "{text}"
    );
    assert!(
        text.contains("skillsync_drifted_agents{org=\"default\"} 0\n"),
        "{text}"
    );
    assert!(
        text.contains("skillsync_drifted_agents{org=\"acme\"} 2\n"),
        "{text}"
    );
    let helps: Vec<&str> = text.lines().filter(|l| l.starts_with("# HELP ")).collect();
    let mut unique = helps.clone();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(helps.len(), unique.len(), "{text}");
    assert_eq!(helps.len(), 24, "one # HELP per family: {text}");
    let types = text.lines().filter(|l| l.starts_with("# TYPE ")).count();
    assert_eq!(types, helps.len(), "{text}");
    // Every series names its org.
    for sample in text.lines().filter(|l| !l.starts_with('#')) {
        assert!(sample.contains("{org=\""), "{sample}");
    }
}

#[test]
fn a_counter_of_one_org_leaves_the_other_alone() {
    let default = Metrics::new();
    let acme = default.for_org("acme");
    acme.throttled.inc();
    acme.jobs
        .get_or_create(&JobLabels {
            trigger: "feed".into(),
            result: "failed".into(),
        })
        .inc();
    // A second handle of the same org shares its series.
    default.for_org("acme").throttled.inc();
    assert_eq!(default.throttled.get(), 0);
    assert_eq!(acme.throttled.get(), 2);
    let text = default.render();
    assert!(
        text.contains("skillsync_platform_throttled_total{org=\"default\"} 0\n"),
        "{text}"
    );
    assert!(
        text.contains("skillsync_platform_throttled_total{org=\"acme\"} 2\n"),
        "{text}"
    );
    assert!(
        text.contains(r#"skillsync_jobs_total{org="acme",trigger="feed",result="failed"} 1"#),
        "{text}"
    );
    assert!(
        !text.contains(r#"skillsync_jobs_total{org="default""#),
        "{text}"
    );
}

#[test]
fn a_lease_shows_while_held_and_goes_when_released() {
    let default = Metrics::new();
    let acme = default.for_org("acme");
    let line = "skillsync_org_leases{org=\"acme\",owner=\"r1\"} 1\n";
    acme.set_lease("r1", true);
    assert!(default.render().contains(line), "{}", default.render());
    acme.set_lease("r1", false);
    let text = default.render();
    assert!(!text.contains("skillsync_org_leases{"), "{text}");
    assert!(text.contains("# HELP skillsync_org_leases "), "{text}");
}

#[test]
fn platform_calls_sum_every_endpoint_and_status_of_one_org_and_are_not_exported() {
    let default = Metrics::new();
    let acme = default.for_org("acme");
    let quick = Duration::from_millis(5);
    default.response(CallKind::write("patch_skills"), Some(200), quick);
    default.response(CallKind::write("patch_skills"), Some(429), quick);
    default.response(CallKind::write("delete_skill"), None, quick);
    acme.response(CallKind::write("patch_skills"), Some(200), quick);
    assert_eq!((default.platform_calls(), acme.platform_calls()), (3, 1));
    let text = default.render();
    assert!(!text.contains("calls"), "{text}");
}
