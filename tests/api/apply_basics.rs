use reqwest::Method;

use crate::helpers::{
    all_skills, apply, assert_no_replace_all, assert_unmanaged_untouched, desired, settings_for,
    skill_ids, small_org, spawn_sim,
};
use skillsync::cli::apply::ApplyError;
use skillsync::domain::FeedScope;

const MANAGED: &[&str] = &["Billing_L1", "Billing_L2", "Sales_L1", "Retention_L3"];

fn feed() -> String {
    let mut csv = String::from("agent,type,name,proficiency\n");
    for n in 1..=12 {
        csv.push_str(&format!(
            "agent{n:05}@example.com,skill,Billing_L1,{}\n",
            n % 6
        ));
        if n % 2 == 0 {
            csv.push_str(&format!("agent{n:05}@example.com,skill,Sales_L1,Expert\n"));
        }
        if n % 3 == 0 {
            csv.push_str(&format!("agent{n:05}@example.com,skill,Retention_L3,2.5\n"));
        }
    }
    // Names the feed mentions with nobody holding them, so that they are managed.
    csv.push_str("agent00013@example.com,skill,Billing_L2,1\n");
    csv
}

#[tokio::test]
async fn apply_makes_the_platform_match_and_a_second_apply_writes_nothing() {
    let sim = spawn_sim(small_org()).await;
    let users = sim.user_ids().await;
    let settings = settings_for(&sim);
    let state = desired(&feed(), FeedScope::Partial);
    let before = all_skills(&sim, &users).await;

    let (first, _) = apply(&settings, &state, true).await;
    let first = first.expect("applied");
    assert!(first.converged(), "{:?}", first.failures);
    assert!(first.agents_changed > 0);
    let after = all_skills(&sim, &users).await;
    assert_unmanaged_untouched(&before, &after, MANAGED);
    let agent4: Vec<(String, f64)> = after[&users[3]]
        .iter()
        .filter(|(n, _)| MANAGED.contains(&n.as_str()))
        .cloned()
        .collect();
    assert_eq!(
        agent4,
        vec![
            ("Billing_L1".to_string(), 4.0),
            ("Sales_L1".to_string(), 5.0)
        ]
    );

    sim.reset_stats().await;
    let (second, calls) = apply(&settings, &state, false).await;
    let second = second.expect("applied");
    assert_eq!(second.agents_changed, 0);
    assert_eq!(calls.writes(), 0);
    let stats = sim.stats().await;
    assert_eq!(stats.writes, 0, "{:?}", stats.requests);
    assert_no_replace_all(&stats);
}

#[tokio::test]
async fn a_snapshot_clears_managed_skills_of_agents_it_does_not_list_and_nothing_else() {
    let sim = spawn_sim(small_org()).await;
    let users = sim.user_ids().await;
    let settings = settings_for(&sim);
    apply(&settings, &desired(&feed(), FeedScope::Partial), true)
        .await
        .0
        .expect("seeded");
    let before = all_skills(&sim, &users).await;

    let snapshot = "agent,type,name,proficiency\nagent00001@example.com,skill,Billing_L1,3\nagent00001@example.com,skill,Sales_L1,1\nagent00002@example.com,skill,Retention_L3,1\n";
    let (report, _) = apply(&settings, &desired(snapshot, FeedScope::Snapshot), true).await;
    assert!(report.expect("applied").converged());
    let after = all_skills(&sim, &users).await;
    for (i, id) in users.iter().enumerate() {
        let managed: Vec<&str> = after[id]
            .iter()
            .map(|(n, _)| n.as_str())
            .filter(|n| ["Billing_L1", "Sales_L1", "Retention_L3"].contains(n))
            .collect();
        match i {
            0 => assert_eq!(managed, ["Billing_L1", "Sales_L1"]),
            1 => assert_eq!(managed, ["Retention_L3"]),
            _ => assert!(managed.is_empty(), "{id} still holds {managed:?}"),
        }
    }
    assert_unmanaged_untouched(&before, &after, &["Billing_L1", "Sales_L1", "Retention_L3"]);
    assert_no_replace_all(&sim.stats().await);
}

#[tokio::test]
async fn a_plan_over_the_safety_threshold_is_held_and_writes_nothing() {
    let sim = spawn_sim(small_org()).await;
    let mut settings = settings_for(&sim);
    apply(&settings, &desired(&feed(), FeedScope::Partial), true)
        .await
        .0
        .expect("seeded");
    settings.safety.max_destructive = 3;
    settings.safety.max_destructive_percent = 100.0;
    sim.reset_stats().await;
    // Everyone listed loses Billing_L1 (kept managed through agent 1's row of another name).
    let mut csv = String::from("agent,type,name,proficiency\n");
    for n in 1..=12 {
        csv.push_str(&format!("agent{n:05}@example.com,skill,Billing_L2,1\n"));
    }
    csv.push_str("agent00013@example.com,skill,Billing_L1,1\n");
    match apply(&settings, &desired(&csv, FeedScope::Partial), false)
        .await
        .0
    {
        Err(ApplyError::Held(violations, plan)) => {
            assert!(
                violations[0].to_string().contains("safety.max_destructive"),
                "{}",
                violations[0]
            );
            assert!(plan.counts.destructive > 3);
        }
        other => panic!("expected a hold, got {other:?}"),
    }
    assert_eq!(sim.stats().await.writes, 0);
}

#[tokio::test]
async fn a_truncated_snapshot_is_held() {
    let sim = spawn_sim(small_org()).await;
    let settings = settings_for(&sim);
    apply(&settings, &desired(&feed(), FeedScope::Partial), true)
        .await
        .0
        .expect("seeded");
    let truncated = "agent,type,name,proficiency\nagent00001@example.com,skill,Billing_L1,3\n";
    match apply(&settings, &desired(truncated, FeedScope::Snapshot), false)
        .await
        .0
    {
        Err(ApplyError::Held(violations, _)) => {
            assert!(
                violations
                    .iter()
                    .any(|v| v.to_string().contains("min_snapshot_share")),
                "{violations:?}"
            )
        }
        other => panic!("expected a hold, got {other:?}"),
    }
}

#[tokio::test]
async fn an_agent_the_platform_rejects_fails_alone_with_the_platforms_message() {
    let sim = spawn_sim(small_org()).await;
    let settings = settings_for(&sim);
    let (crowded, held) = sim.user_with_skill_count(45, 49).await;
    let crowded_email = sim.truth(&crowded).await["email"]
        .as_str()
        .expect("email")
        .to_string();
    let all_skills_defined = sim.skills().await;
    let room = 50 - held.len();
    let extra: Vec<&str> = all_skills_defined
        .iter()
        .filter(|(id, _)| !held.contains(id))
        .map(|(_, n)| n.as_str())
        .take(room + 1)
        .collect();
    let mut csv = String::from("agent,type,name,proficiency\n");
    for name in &extra {
        csv.push_str(&format!("{crowded_email},skill,{name},1\n"));
    }
    let others: Vec<String> = (1..=20)
        .map(|n| format!("agent{n:05}@example.com"))
        .filter(|e| *e != crowded_email)
        .take(5)
        .collect();
    for email in &others {
        csv.push_str(&format!("{email},skill,{},2\n", extra[0]));
    }
    let (report, _) = apply(&settings, &desired(&csv, FeedScope::Partial), true).await;
    let report = report.expect("ran");
    assert_eq!(report.failures.len(), 1, "{:?}", report.failures);
    assert_eq!(report.failures[0].user_id, crowded);
    assert!(
        report.failures[0].reason.contains("at most 50"),
        "{}",
        report.failures[0].reason
    );
    assert!(
        report.failures[0].reason.contains("correlation id"),
        "{}",
        report.failures[0].reason
    );
    assert_eq!(report.agents_converged, others.len());
    assert_eq!(
        skill_ids(&sim.truth(&crowded).await),
        held,
        "the rejected agent is unchanged"
    );
}

#[tokio::test]
async fn plan_reads_but_never_writes() {
    let sim = spawn_sim(small_org()).await;
    let settings = settings_for(&sim);
    let path = std::env::temp_dir().join(format!("skillsync-plan-{}.csv", std::process::id()));
    std::fs::write(&path, feed()).expect("feed written");
    let args = skillsync::cli::PlanArgs {
        feed: skillsync::cli::FeedArgs {
            feed: path.clone(),
            scope: FeedScope::Partial,
            feed_format: None,
        },
        format: skillsync::cli::OutputFormat::Text,
        detailed_exitcode: true,
    };
    let mut out = Vec::new();
    let code = skillsync::cli::run_plan(&args, &settings, std::io::empty(), &mut out)
        .await
        .expect("planned");
    let _ = std::fs::remove_file(&path);
    let text = String::from_utf8(out).expect("utf-8");
    assert_eq!(code, 2, "{text}");
    assert!(text.contains("agents to change: +"), "{text}");
    assert!(text.contains("+ skill Billing_L1"), "{text}");
    let stats = sim.stats().await;
    assert_eq!(stats.writes, 0);
    assert!(stats
        .requests
        .iter()
        .any(|r| r.path == "/api/v2/users" && r.method == "GET"));
    let _ = sim.ok(Method::GET, "/api/v2/users", None).await;
}

#[tokio::test]
async fn an_unknown_skill_fails_its_agents_unless_missing_skills_may_be_created() {
    let sim = spawn_sim(small_org()).await;
    let mut settings = settings_for(&sim);
    let csv = "agent,type,name,proficiency\nagent00001@example.com,skill,Gate_PCI,5\nagent00002@example.com,skill,Billing_L1,2\n";
    let state = desired(csv, FeedScope::Partial);
    let report = apply(&settings, &state, true).await.0.expect("ran");
    assert_eq!(report.failures.len(), 1);
    assert!(
        report.failures[0]
            .reason
            .contains("no skill named \"Gate_PCI\""),
        "{}",
        report.failures[0].reason
    );
    assert_eq!(report.agents_converged, 1);

    settings.platform.create_missing_skills = true;
    let report = apply(&settings, &state, true).await.0.expect("ran");
    assert!(report.converged(), "{:?}", report.failures);
    assert!(sim.skills().await.iter().any(|(_, n)| n == "Gate_PCI"));
}

#[tokio::test]
async fn unknown_names_met_in_turn_reload_the_definitions_once_each() {
    let sim = spawn_sim(small_org()).await;
    let settings = settings_for(&sim);
    let csv: String = std::iter::once("agent,type,name,proficiency\n".to_string())
        .chain((1..=8).map(|i| {
            let ghost = if i % 2 == 0 { "Ghost_A" } else { "Ghost_B" };
            format!("agent{i:05}@example.com,skill,{ghost},2\n")
        }))
        .collect();
    let state = desired(&csv, FeedScope::Partial);
    sim.reset_stats().await;
    let report = apply(&settings, &state, true).await.0.expect("ran");
    assert_eq!(report.failures.len(), 8, "{:?}", report.failures);
    let listings: u64 = sim
        .stats()
        .await
        .requests
        .iter()
        .filter(|r| r.path == "/api/v2/routing/skills" && r.method == "GET")
        .map(|r| r.count)
        .sum();
    assert_eq!(
        listings, 3,
        "the first load, then one reload per unknown name"
    );
}

#[tokio::test]
async fn a_created_skill_whose_answer_was_lost_is_found_not_created_again() {
    let sim = spawn_sim(small_org()).await;
    let mut settings = settings_for(&sim);
    settings.platform.create_missing_skills = true;
    let csv = "agent,type,name,proficiency\nagent00001@example.com,skill,Gate_PCI,5\nagent00002@example.com,skill,Gate_PCI,4\n";
    let state = desired(csv, FeedScope::Partial);
    // The create lands but its answer is a 504; the retry then finds the name taken (409).
    sim.set_faults(serde_json::json!({"timeout_next": 1})).await;
    sim.reset_stats().await;
    let report = apply(&settings, &state, true).await.0.expect("ran");
    assert!(report.converged(), "{:?}", report.failures);
    let defined = sim
        .skills()
        .await
        .into_iter()
        .filter(|(_, n)| n == "Gate_PCI")
        .count();
    assert_eq!(defined, 1, "created once");
    let creates: Vec<(u16, u64)> = sim
        .stats()
        .await
        .requests
        .iter()
        .filter(|r| r.path == "/api/v2/routing/skills" && r.method == "POST")
        .map(|r| (r.status, r.count))
        .collect();
    assert_eq!(
        creates.iter().map(|c| c.1).sum::<u64>(),
        2,
        "the create and its retry, and no more: {creates:?}"
    );
}

#[tokio::test]
async fn a_held_apply_answers_json_when_asked_for_json() {
    let sim = spawn_sim(small_org()).await;
    let mut settings = settings_for(&sim);
    settings.safety.max_destructive = 0;
    let path = std::env::temp_dir().join(format!("skillsync-held-{}.csv", std::process::id()));
    // A snapshot: everyone it does not list loses their managed skills, which trips the limit.
    std::fs::write(&path, feed()).expect("feed written");
    let args = skillsync::cli::ApplyArgs {
        feed: skillsync::cli::FeedArgs {
            feed: path.clone(),
            scope: FeedScope::Snapshot,
            feed_format: None,
        },
        approve: false,
        settle: None,
        format: skillsync::cli::OutputFormat::Json,
        audit: None,
        database: None,
    };
    let mut out = Vec::new();
    let code = skillsync::cli::run_apply(&args, &settings, std::io::empty(), &mut out)
        .await
        .expect("ran");
    let _ = std::fs::remove_file(&path);
    let mut audit = path.into_os_string();
    audit.push(".audit.jsonl");
    let _ = std::fs::remove_file(audit);
    assert_eq!(code, 1);
    let doc: serde_json::Value = serde_json::from_slice(&out).expect("JSON, not prose");
    assert!(
        doc["safety"].as_array().is_some_and(|s| !s.is_empty()),
        "{doc}"
    );
    assert_eq!(sim.stats().await.writes, 0);
}
