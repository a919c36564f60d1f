//! Agents that will not converge: retried with backoff, then `needs_attention`; or written and
//! still different on every verification, then `stuck`. The rest of the job goes on.

use serde_json::{json, Value};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

use crate::helpers::{daemon_settings, database_url, small_org, spawn_daemon, spawn_sim};

#[sqlx::test(migrations = false)]
async fn an_agent_the_platform_keeps_rejecting_is_retried_then_marked_needs_attention(
    _: PgPoolOptions,
    db: PgConnectOptions,
) {
    let sim = spawn_sim(small_org()).await;
    let (crowded, held) = sim.user_with_skill_count(45, 49).await;
    let email = sim.truth(&crowded).await["email"]
        .as_str()
        .expect("email")
        .to_string();
    let extra: Vec<String> = sim
        .skills()
        .await
        .into_iter()
        .filter(|(id, _)| !held.contains(id))
        .map(|(_, n)| n)
        .take(50 - held.len() + 1)
        .collect();
    let mut csv = String::from("agent,type,name,proficiency\n");
    for name in &extra {
        csv.push_str(&format!("{email},skill,{name},1\n"));
    }
    let other = if email == "agent00001@example.com" {
        "agent00002@example.com"
    } else {
        "agent00001@example.com"
    };
    csv.push_str(&format!("{other},skill,{},2\n", extra[0]));

    let mut settings = daemon_settings(&sim, &database_url(&db));
    settings.reconcile.max_failures = 3;
    settings.reconcile.retry_base_secs = 0.1;
    let daemon = spawn_daemon(settings).await;
    // Otherwise the start-up scan may plan after the feed is in force and converge the other
    // agent itself, leaving the feed's job nothing to do for it.
    daemon.wait_job(1, &["succeeded"]).await;
    let job: Value = daemon.post_feed(&csv, "partial").await;
    let done = daemon.wait_started(&job, &["succeeded", "failed"]).await;
    assert_eq!(done["job"]["status"], "failed", "{done}");
    assert_eq!(
        done["progress"]["converged"], 1,
        "the other agent converged: {done}"
    );
    assert_eq!(done["progress"]["needs_attention"], 1, "{done}");
    let item = done["agents"]
        .as_array()
        .expect("agents")
        .iter()
        .find(|a| a["user_id"] == crowded.as_str())
        .cloned()
        .expect("item");
    assert_eq!(item["attempts"], 3, "{item}");
    assert!(
        item["last_error"]
            .as_str()
            .is_some_and(|e| e.contains("at most 50")),
        "{item}"
    );

    let attention = daemon.get_json("/v1/drift?state=needs_attention").await;
    assert_eq!(attention["summary"]["needs_attention"], 1);
    assert_eq!(attention["agents"][0]["user_id"], crowded.as_str());
    assert!(attention["agents"][0]["last_error"]
        .as_str()
        .is_some_and(|e| e.contains("correlation id")));
    let writes = sim
        .stats()
        .await
        .writes_per_user
        .get(&crowded)
        .copied()
        .unwrap_or(0);
    assert_eq!(writes, 3, "one rejected write per attempt, no more");
    daemon.stop().await;
}

#[sqlx::test(migrations = false)]
async fn an_agent_that_still_differs_after_every_verification_is_flagged_stuck(
    _: PgPoolOptions,
    db: PgConnectOptions,
) {
    let sim = spawn_sim(small_org()).await;
    let mut settings = daemon_settings(&sim, &database_url(&db));
    settings.reconcile.verify_rounds = 2;
    let daemon = spawn_daemon(settings).await;
    daemon.wait_job(1, &["succeeded"]).await;
    // Reads trail writes by longer than the settle time: verification never sees the write.
    sim.set_faults(json!({"lag_ms": 60_000, "lag_probability": 1.0}))
        .await;
    let csv = "agent,type,name,proficiency\nagent00001@example.com,skill,Billing_L1,3\n";
    let job: Value = daemon.post_feed(csv, "partial").await;
    let done = daemon.wait_started(&job, &["succeeded", "failed"]).await;
    assert_eq!(done["job"]["status"], "failed", "{done}");
    assert_eq!(done["progress"]["stuck"], 1, "{done}");
    let agent = daemon.get_json("/v1/agents/agent00001@example.com").await;
    assert_eq!(agent["agent"]["state"], "stuck", "{agent}");
    daemon.stop().await;
}
