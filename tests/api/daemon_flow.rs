//! `skillsync serve` end to end: ingest, job, convergence, drift, audit, approvals.

use reqwest::StatusCode;
use serde_json::{json, Value};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

use crate::helpers::{
    daemon_settings, database_url, skill_ids, small_org, spawn_daemon, spawn_sim, INGEST_TOKEN,
};

const FEED: &str = "agent,type,name,proficiency
agent00001@example.com,skill,Billing_L1,3
agent00001@example.com,skill,Sales_L1,Expert
agent00002@example.com,skill,Billing_L1,2
agent00003@example.com,language,German,4
agent00004@example.com,skill,Sales_L1,1
";

fn managed_skills(truth: &Value) -> Vec<(String, f64)> {
    let mut out: Vec<(String, f64)> = truth["skills"]
        .as_array()
        .expect("skills")
        .iter()
        .filter(|s| ["Billing_L1", "Sales_L1"].contains(&s["name"].as_str().unwrap_or_default()))
        .map(|s| {
            (
                s["name"].as_str().unwrap_or_default().to_string(),
                s["proficiency"].as_f64().unwrap_or(-1.0),
            )
        })
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

#[sqlx::test(migrations = false)]
async fn a_posted_feed_becomes_a_job_that_converges_with_each_write_audited_once(
    _: PgPoolOptions,
    db: PgConnectOptions,
) {
    let sim = spawn_sim(small_org()).await;
    let users = sim.user_ids().await;
    let daemon = spawn_daemon(daemon_settings(&sim, &database_url(&db))).await;
    // Let the start-up scan finish so that the counts below are the feed's alone.
    daemon.wait_job(1, &["succeeded"]).await;
    sim.reset_stats().await;

    let resp = daemon.post_csv(FEED, "partial").await;
    assert_eq!(resp.status(), StatusCode::ACCEPTED);
    let body: Value = resp.json().await.expect("json");
    assert_eq!(body["status"], "accepted");
    assert_eq!(body["agents"], 4);
    let job_id = body["job_id"].as_i64().expect("job id");
    let job = daemon.wait_job(job_id, &["succeeded", "failed"]).await;
    assert_eq!(job["job"]["status"], "succeeded", "{job}");

    assert_eq!(
        managed_skills(&sim.truth(&users[0]).await),
        vec![("Billing_L1".into(), 3.0), ("Sales_L1".into(), 5.0)]
    );
    assert_eq!(
        managed_skills(&sim.truth(&users[3]).await),
        vec![("Sales_L1".into(), 1.0)]
    );

    let drift = daemon.get_json("/v1/drift").await;
    assert_eq!(drift["summary"]["drifted"], 0, "{drift}");
    assert_eq!(drift["summary"]["observed"], 20);

    let stats = sim.stats().await;
    let audit = daemon.get_json("/v1/audit?limit=1000").await;
    let writes: Vec<&Value> = audit["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .filter(|e| e["job_id"] == job_id)
        .collect();
    assert_eq!(
        writes.len() as u64,
        stats.writes,
        "one audit row per platform write: {audit}"
    );
    assert!(writes.iter().all(|e| e["outcome"] == "ok"
        && e["http_status"].is_i64()
        && e["correlation_id"].is_string()));
    let agent = daemon.get_json("/v1/agents/agent00001@example.com").await;
    assert_eq!(agent["agent"]["state"], "converged", "{agent}");
    assert_eq!(agent["desired"]["skills"]["Billing_L1"], 3.0);

    // The same content again is no change and starts nothing.
    let again = daemon.post_csv(FEED, "partial").await;
    assert_eq!(again.status(), StatusCode::OK);
    let again: Value = again.json().await.expect("json");
    assert_eq!(again["status"], "unchanged");
    assert!(again["job_id"].is_null());
    daemon.stop().await;
}

#[sqlx::test(migrations = false)]
async fn a_hand_made_change_is_found_by_the_next_scan_and_reverted_under_enforce(
    _: PgPoolOptions,
    db: PgConnectOptions,
) {
    let sim = spawn_sim(small_org()).await;
    let users = sim.user_ids().await;
    let daemon = spawn_daemon(daemon_settings(&sim, &database_url(&db))).await;
    let job: Value = daemon.post_feed(FEED, "partial").await;
    daemon.wait_started(&job, &["succeeded"]).await;

    let changed = sim
        .http
        .post(sim.url(&format!("/sim/users/{}/skills", users[0])))
        .json(&json!({"skills": [{"name": "Billing_L1", "proficiency": 0.5}]}))
        .send()
        .await
        .expect("sent");
    assert!(changed.status().is_success());
    let scan: Value = daemon
        .post_json("/v1/reconcile", json!({}))
        .await
        .json()
        .await
        .expect("json");
    let done = daemon.wait_started(&scan, &["succeeded", "failed"]).await;
    assert_eq!(done["job"]["status"], "succeeded", "{done}");
    assert_eq!(
        done["progress"]["converged"], 1,
        "exactly the changed agent was written: {done}"
    );
    assert_eq!(
        managed_skills(&sim.truth(&users[0]).await)[0],
        ("Billing_L1".into(), 3.0)
    );
    daemon.stop().await;
}

#[sqlx::test(migrations = false)]
async fn under_report_a_hand_made_change_shows_in_drift_and_is_left_alone(
    _: PgPoolOptions,
    db: PgConnectOptions,
) {
    let sim = spawn_sim(small_org()).await;
    let users = sim.user_ids().await;
    let mut settings = daemon_settings(&sim, &database_url(&db));
    let daemon = spawn_daemon(settings.clone()).await;
    let job: Value = daemon.post_feed(FEED, "partial").await;
    daemon.wait_started(&job, &["succeeded"]).await;
    daemon.stop().await;

    settings.policy.skills = skillsync::planner::AttributePolicy::Report;
    let daemon = spawn_daemon(settings).await;
    sim.http
        .post(sim.url(&format!("/sim/users/{}/skills", users[0])))
        .json(&json!({"skills": [{"name": "Billing_L1", "proficiency": 0.5}]}))
        .send()
        .await
        .expect("sent");
    let scan: Value = daemon
        .post_json("/v1/reconcile", json!({}))
        .await
        .json()
        .await
        .expect("json");
    daemon.wait_started(&scan, &["succeeded"]).await;
    let drift = daemon.get_json("/v1/drift?skill=Billing_L1").await;
    assert_eq!(drift["total"], 1, "{drift}");
    assert_eq!(drift["agents"][0]["user_id"], users[0].as_str());
    assert_eq!(drift["agents"][0]["drift"][0]["from"], 0.5);
    assert_eq!(drift["agents"][0]["drift"][0]["writable"], false);
    assert_eq!(
        managed_skills(&sim.truth(&users[0]).await)[0],
        ("Billing_L1".into(), 0.5),
        "report never writes"
    );
    daemon.stop().await;
}

#[sqlx::test(migrations = false)]
async fn bad_ingest_requests_get_clear_errors_and_change_nothing(
    _: PgPoolOptions,
    db: PgConnectOptions,
) {
    let sim = spawn_sim(small_org()).await;
    let daemon = spawn_daemon(daemon_settings(&sim, &database_url(&db))).await;
    let url = daemon.url("/v1/feeds?scope=partial");
    let send = |token: Option<&str>, content_type: &str, body: Vec<u8>| {
        let mut req = daemon
            .http
            .post(&url)
            .header("content-type", content_type)
            .body(body);
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        req.send()
    };
    let code = |v: &Value| v["error"]["code"].as_str().unwrap_or_default().to_string();

    let resp = send(None, "text/csv", FEED.into()).await.expect("sent");
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(code(&resp.json().await.expect("json")), "unauthorized");
    let resp = send(Some("wrong"), "text/csv", FEED.into())
        .await
        .expect("sent");
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    let resp = send(Some(INGEST_TOKEN), "application/xml", FEED.into())
        .await
        .expect("sent");
    assert_eq!(resp.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(
        code(&resp.json().await.expect("json")),
        "unsupported_media_type"
    );
    let huge = vec![b'a'; 60 * 1024 * 1024];
    let resp = send(Some(INGEST_TOKEN), "text/csv", huge)
        .await
        .expect("sent");
    assert_eq!(resp.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let bad = "agent,type,name,proficiency\nagent00001@example.com,skill,Billing_L1,9\nagent00002@example.com,skil,Sales_L1,2\n";
    let resp = send(Some(INGEST_TOKEN), "text/csv", bad.into())
        .await
        .expect("sent");
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: Value = resp.json().await.expect("json");
    assert_eq!(code(&body), "invalid_feed");
    let errors = body["error"]["details"]["errors"]
        .as_array()
        .expect("errors");
    assert_eq!(errors.len(), 2, "{body}");
    assert_eq!(errors[0]["location"], "line 2");
    assert_eq!(errors[0]["field"], "proficiency");
    assert_eq!(errors[1]["field"], "type");

    let feeds = daemon.get_json("/v1/feeds").await;
    assert_eq!(
        feeds["total"], 1,
        "only the invalid feed was recorded: {feeds}"
    );
    assert_eq!(feeds["feeds"][0]["status"], "rejected");
    let state = daemon
        .ctx
        .store
        .current_desired(skillsync::domain::AgentKeyKind::Email)
        .await
        .expect("state");
    assert!(state.agents.is_empty(), "the desired state is unchanged");
    daemon.stop().await;
}

#[sqlx::test(migrations = false)]
async fn an_idempotency_key_replays_the_first_answer(_: PgPoolOptions, db: PgConnectOptions) {
    let sim = spawn_sim(small_org()).await;
    let daemon = spawn_daemon(daemon_settings(&sim, &database_url(&db))).await;
    let post = |key: &'static str| {
        daemon
            .http
            .post(daemon.url("/v1/feeds"))
            .bearer_auth(INGEST_TOKEN)
            .header("content-type", "text/csv")
            .header("idempotency-key", key)
            .body(FEED)
            .send()
    };
    let first: Value = post("nightly-2026-11-22")
        .await
        .expect("sent")
        .json()
        .await
        .expect("json");
    let second = post("nightly-2026-11-22").await.expect("sent");
    assert_eq!(second.status(), StatusCode::ACCEPTED);
    let second: Value = second.json().await.expect("json");
    assert_eq!(first["feed_id"], second["feed_id"]);
    assert_eq!(first["job_id"], second["job_id"]);
    // An empty key (an unset variable in the sender's script) would make every later feed a
    // replay of the first: refused.
    let empty = post("  ").await.expect("sent");
    assert_eq!(empty.status(), StatusCode::BAD_REQUEST);
    assert_eq!(daemon.get_json("/v1/feeds").await["total"], 1);
    daemon.stop().await;
}

#[sqlx::test(migrations = false)]
async fn a_held_job_runs_after_approval_and_the_approval_is_audited_with_the_token_name(
    _: PgPoolOptions,
    db: PgConnectOptions,
) {
    let sim = spawn_sim(small_org()).await;
    let users = sim.user_ids().await;
    let mut settings = daemon_settings(&sim, &database_url(&db));
    settings.safety.max_destructive = 0;
    let daemon = spawn_daemon(settings).await;
    let first: Value = daemon.post_feed(FEED, "partial").await;
    daemon
        .run_through(first["job_id"].as_i64().expect("id"))
        .await;

    // Agent 1 loses Sales_L1: a removal, over the threshold of 0.
    let next = FEED.replace("agent00001@example.com,skill,Sales_L1,Expert\n", "");
    let held: Value = daemon.post_feed(&next, "partial").await;
    let job_id = held["job_id"].as_i64().expect("id");
    let job = daemon.wait_job(job_id, &["held"]).await;
    assert!(
        job["job"]["held_reasons"][0]
            .as_str()
            .is_some_and(|r| r.contains("max_destructive")),
        "{job}"
    );
    assert!(
        managed_skills(&sim.truth(&users[0]).await)
            .iter()
            .any(|(n, _)| n == "Sales_L1"),
        "nothing written while held"
    );
    let resp = daemon
        .post_json(&format!("/v1/jobs/{job_id}/approve"), json!({}))
        .await;
    assert_eq!(resp.status(), StatusCode::OK);
    let done = daemon.wait_job(job_id, &["succeeded", "failed"]).await;
    assert_eq!(done["job"]["status"], "succeeded", "{done}");
    assert_eq!(done["job"]["decided_by"], "wfm");
    assert!(!managed_skills(&sim.truth(&users[0]).await)
        .iter()
        .any(|(n, _)| n == "Sales_L1"));
    let audit = daemon.get_json("/v1/audit").await;
    let approvals = audit["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .filter(|e| e["call"] == "approve" && e["actor"] == "wfm")
        .count();
    assert_eq!(approvals, 2, "{audit}");
    let resp = daemon
        .post_json(&format!("/v1/jobs/{job_id}/approve"), json!({}))
        .await;
    assert_eq!(
        resp.status(),
        StatusCode::CONFLICT,
        "only held jobs can be approved"
    );
    daemon.stop().await;
}

#[sqlx::test(migrations = false)]
async fn rejecting_a_held_feed_restores_the_previous_desired_state(
    _: PgPoolOptions,
    db: PgConnectOptions,
) {
    let sim = spawn_sim(small_org()).await;
    let mut settings = daemon_settings(&sim, &database_url(&db));
    settings.safety.max_destructive = 0;
    let daemon = spawn_daemon(settings).await;
    let first: Value = daemon.post_feed(FEED, "snapshot").await;
    daemon
        .run_through(first["job_id"].as_i64().expect("id"))
        .await;
    let truncated = "agent,type,name,proficiency\nagent00001@example.com,skill,Billing_L1,3\n";
    let held: Value = daemon.post_feed(truncated, "snapshot").await;
    let job_id = held["job_id"].as_i64().expect("id");
    daemon.wait_job(job_id, &["held"]).await;
    let resp = daemon
        .post_json(&format!("/v1/jobs/{job_id}/reject"), json!({}))
        .await;
    assert_eq!(resp.status(), StatusCode::OK);
    let state = daemon
        .ctx
        .store
        .current_desired(skillsync::domain::AgentKeyKind::Email)
        .await
        .expect("state");
    assert_eq!(
        state.agents.len(),
        4,
        "the snapshot before the rejected one is in force again"
    );
    let feed = daemon
        .get_json(&format!("/v1/feeds/{}", held["feed_id"]))
        .await;
    assert_eq!(feed["status"], "withdrawn");
    daemon.stop().await;
}

#[sqlx::test(migrations = false)]
async fn health_readiness_metrics_and_the_openapi_document_answer(
    _: PgPoolOptions,
    db: PgConnectOptions,
) {
    let sim = spawn_sim(small_org()).await;
    let daemon = spawn_daemon(daemon_settings(&sim, &database_url(&db))).await;
    daemon.wait_job(1, &["succeeded"]).await;
    assert_eq!(daemon.get_json("/healthz").await["status"], "ok");
    let ready = daemon.get_json("/readyz").await;
    assert_eq!(ready["status"], "ready", "{ready}");
    // The state gauges are read from the database by their own task, woken by the job.
    let mut metrics = String::new();
    for _ in 0..50 {
        metrics = daemon.metrics_text().await;
        if metrics.contains(r#"skillsync_observed_agents{org="default"} 20"#) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    for name in [
        r#"skillsync_observed_agents{org="default"} 20"#,
        "skillsync_platform_requests_total{org=\"default\",endpoint=\"list_users\",status=\"200\"}",
        "skillsync_platform_request_duration_seconds_bucket",
        "skillsync_rate_limiter_wait_seconds_total",
        "skillsync_jobs_total{org=\"default\",trigger=\"startup\",result=\"succeeded\"} 1",
        "skillsync_last_successful_reconcile_timestamp_seconds",
    ] {
        assert!(metrics.contains(name), "{name} missing from:\n{metrics}");
    }
    let doc = daemon.get_json("/openapi.json").await;
    for path in [
        "/v1/feeds",
        "/v1/drift",
        "/v1/agents/{key}",
        "/v1/jobs/{id}/approve",
        "/v1/audit",
        "/readyz",
    ] {
        assert!(doc["paths"][path].is_object(), "{path} not documented");
    }
    let missing = daemon
        .http
        .get(daemon.url("/v1/nothing"))
        .send()
        .await
        .expect("sent");
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    let body: Value = missing.json().await.expect("json");
    assert_eq!(body["error"]["code"], "not_found");
    daemon.stop().await;
}

#[sqlx::test(migrations = false)]
async fn the_audit_log_is_available_as_csv(_: PgPoolOptions, db: PgConnectOptions) {
    let sim = spawn_sim(small_org()).await;
    let daemon = spawn_daemon(daemon_settings(&sim, &database_url(&db))).await;
    let job: Value = daemon.post_feed(FEED, "partial").await;
    daemon.wait_started(&job, &["succeeded"]).await;
    let resp = daemon
        .http
        .get(daemon.url("/v1/audit?agent=agent00001@example.com"))
        .header("accept", "text/csv")
        .send()
        .await
        .expect("sent");
    assert_eq!(resp.headers()["content-type"], "text/csv; charset=utf-8");
    let text = resp.text().await.expect("text");
    let mut lines = text.lines();
    assert!(lines
        .next()
        .is_some_and(|h| h.starts_with("id,at,job_id,feed_id,agent,user_id,call")));
    assert!(lines.clone().count() >= 1, "{text}");
    let rows = lines.clone().count();
    assert!(
        lines.all(|l| l.contains("agent00001@example.com")),
        "{text}"
    );
    // The filter is normalized as feed keys are: an email in any case finds the same rows.
    let shouted = daemon
        .get_json("/v1/audit?agent=%20AGENT00001@Example.COM")
        .await;
    assert_eq!(
        shouted["entries"].as_array().map(Vec::len),
        Some(rows),
        "{shouted}"
    );
    let _ = skill_ids;
    daemon.stop().await;
}

#[sqlx::test(migrations = false)]
async fn a_held_feed_stays_out_of_force_so_scans_cannot_apply_it_and_rejection_leaves_its_names_unmanaged(
    _: PgPoolOptions,
    db: PgConnectOptions,
) {
    let sim = spawn_sim(small_org()).await;
    let users = sim.user_ids().await;
    let mut settings = daemon_settings(&sim, &database_url(&db));
    settings.safety.max_destructive = 0;
    let daemon = spawn_daemon(settings).await;
    let first: Value = daemon.post_feed(FEED, "snapshot").await;
    daemon
        .run_through(first["job_id"].as_i64().expect("id"))
        .await;
    let before: Vec<Vec<(String, f64)>> = {
        let mut all = Vec::new();
        for id in &users[..4] {
            all.push(managed_skills(&sim.truth(id).await));
        }
        all
    };
    // Someone seeded in the org holds Claims_L1; the held feed names it for agent 1.
    let mut holder = None;
    for id in &users[4..] {
        if sim.truth(id).await["skills"]
            .as_array()
            .expect("skills")
            .iter()
            .any(|s| s["name"] == "Claims_L1")
        {
            holder = Some(id.clone());
            break;
        }
    }
    let holder = holder.expect("a seeded user holds Claims_L1");

    let risky = FEED.replace(
        "agent00001@example.com,skill,Sales_L1,Expert\n",
        "agent00001@example.com,skill,Claims_L1,2\n",
    );
    let held: Value = daemon.post_feed(&risky, "snapshot").await;
    let held_id = held["job_id"].as_i64().expect("id");
    daemon.wait_job(held_id, &["held"]).await;
    assert_eq!(
        daemon
            .get_json(&format!("/v1/feeds/{}", held["feed_id"]))
            .await["status"],
        "held"
    );

    // A scan while the feed is held plans against the state before it: nothing to do.
    let scan: Value = daemon
        .post_json("/v1/reconcile", json!({}))
        .await
        .json()
        .await
        .expect("json");
    let scanned = daemon
        .wait_started(&scan, &["succeeded", "failed", "held"])
        .await;
    assert_eq!(scanned["job"]["status"], "succeeded", "{scanned}");
    for (id, was) in users[..4].iter().zip(&before) {
        assert_eq!(
            &managed_skills(&sim.truth(id).await),
            was,
            "the held feed was not applied to {id}"
        );
    }
    assert_eq!(
        daemon.get_json(&format!("/v1/jobs/{held_id}")).await["job"]["status"],
        "held",
        "the feed's hold survives scans"
    );

    let resp = daemon
        .post_json(&format!("/v1/jobs/{held_id}/reject"), json!({}))
        .await;
    assert_eq!(resp.status(), StatusCode::OK);
    let scan: Value = daemon
        .post_json("/v1/reconcile", json!({}))
        .await
        .json()
        .await
        .expect("json");
    let scanned = daemon
        .wait_started(&scan, &["succeeded", "failed", "held"])
        .await;
    assert_eq!(scanned["job"]["status"], "succeeded", "{scanned}");
    let still = sim.truth(&holder).await;
    assert!(
        still["skills"]
            .as_array()
            .expect("skills")
            .iter()
            .any(|s| s["name"] == "Claims_L1"),
        "a name only the rejected feed mentioned is not managed: {still}"
    );
    daemon.stop().await;
}
