//! The console's audit page and the Overview's platform activity (issue 17): the page shows the
//! rows `GET /v1/audit` returns for the same filters, newest first, links the CSV export with
//! them, and names a bad field; the Overview shows calls against the budget and its charts.

use reqwest::StatusCode;
use serde_json::Value;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

use crate::console_fixture::get_page;
use crate::helpers::{
    daemon_settings, database_url, small_org, spawn_daemon, spawn_sim, TestDaemon,
};

const FIRST: &str = "agent,type,name,proficiency
agent00001@example.com,skill,Billing_L1,3
agent00002@example.com,skill,Billing_L1,2
agent00003@example.com,language,German,4
";

const SECOND: &str = "agent,type,name,proficiency
agent00001@example.com,skill,Billing_L1,5
agent00002@example.com,skill,Sales_L1,1
";

/// A budget no test run comes near, and easy to find on the page.
const BUDGET: u32 = 87_654;

/// `GET path` on the console: status and body.
async fn html(daemon: &TestDaemon, path: &str) -> (StatusCode, String) {
    let page = get_page(daemon, path, None).await;
    (page.status, page.body)
}

/// The audit ids a page lists, in its order.
fn page_ids(body: &str) -> Vec<i64> {
    body.split("<tr data-id=\"")
        .skip(1)
        .map(|rest| {
            rest.split('"')
                .next()
                .and_then(|id| id.parse().ok())
                .expect("a numeric id")
        })
        .collect()
}

/// The value of the first `attribute="…"` after `marker`, with askama's `&` unescaped.
fn attribute_after(body: &str, marker: &str, attribute: &str) -> String {
    let from = body
        .find(marker)
        .unwrap_or_else(|| panic!("{marker} in {body}"));
    let rest = &body[from..];
    let start = rest
        .find(&format!("{attribute}=\""))
        .expect("the attribute")
        + attribute.len()
        + 2;
    let end = rest[start..].find('"').expect("closing quote") + start;
    rest[start..end].replace("&#38;", "&")
}

fn encoded(text: &str) -> String {
    form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

#[sqlx::test(migrations = false)]
async fn the_audit_page_shows_the_rows_the_api_returns_for_the_same_filters(
    _: PgPoolOptions,
    db: PgConnectOptions,
) {
    let sim = spawn_sim(small_org()).await;
    let mut settings = daemon_settings(&sim, &database_url(&db));
    settings.platform.requests_per_minute = BUDGET;
    let daemon = spawn_daemon(settings).await;
    let first: Value = daemon.post_feed(FIRST, "partial").await;
    daemon
        .run_through(first["job_id"].as_i64().expect("id"))
        .await;
    let second: Value = daemon.post_feed(SECOND, "partial").await;
    daemon
        .run_through(second["job_id"].as_i64().expect("id"))
        .await;
    let org = daemon.ctx.api.org.clone();

    let all = daemon.get_json("/v1/audit?limit=1000").await;
    let entries = all["entries"].as_array().expect("entries");
    let write = entries
        .iter()
        .find(|e| e["agent_key"] == "agent00001@example.com" && e["job_id"] == second["job_id"])
        .unwrap_or_else(|| panic!("the second feed wrote to agent00001: {all}"));
    let (agent, call) = (
        write["agent_key"].as_str().expect("agent"),
        write["call"].as_str().expect("call"),
    );
    let job = write["job_id"].as_i64().expect("job");

    let filters = [
        format!("agent={}", encoded(agent)),
        format!("agent={}&outcome=ok", encoded(agent)),
        format!("call={}", encoded(call)),
        format!("job={job}"),
        format!(
            "agent={}&call={}&job={job}&outcome=ok",
            encoded(agent),
            encoded(call)
        ),
        "outcome=failed".to_string(),
    ];
    for filter in &filters {
        let api = daemon
            .get_json(&format!("/v1/audit?{filter}&limit=1000"))
            .await;
        let mut expected: Vec<i64> = api["entries"]
            .as_array()
            .expect("entries")
            .iter()
            .map(|e| e["id"].as_i64().expect("id"))
            .collect();
        expected.reverse();
        assert!(
            !expected.is_empty() || filter == "outcome=failed",
            "{filter} finds rows: {all}"
        );
        let (status, body) = html(&daemon, &format!("/orgs/{org}/audit?{filter}")).await;
        assert_eq!(status, StatusCode::OK, "{filter}: {body}");
        assert_eq!(page_ids(&body), expected, "{filter}, newest first: {body}");
    }
    let (_, everything) = html(&daemon, &format!("/orgs/{org}/audit")).await;
    assert_eq!(page_ids(&everything).len(), entries.len().min(100));
    assert!(everything.contains("read in UTC"), "{everything}");
    for label in [
        "for=\"f-agent\"",
        "for=\"f-job\"",
        "for=\"f-from\"",
        "for=\"f-to\"",
    ] {
        assert!(everything.contains(label), "{label}");
    }

    let narrow = format!(
        "agent={}&call={}&job={job}&outcome=ok&from=2000-01-01&to=2999-12-31T23:59",
        encoded(agent),
        encoded(call)
    );
    let (_, body) = html(&daemon, &format!("/orgs/{org}/audit?{narrow}")).await;
    let csv = attribute_after(&body, "class=\"csv\"", "href");
    assert!(csv.starts_with(&format!("/v1/orgs/{org}/audit?")), "{csv}");
    for part in [
        format!("agent={}", encoded(agent)),
        format!("call={}", encoded(call)),
        format!("job={job}"),
        "outcome=ok".into(),
        "since=2000-01-01T00%3A00%3A00Z".into(),
        "until=2999-12-31T23%3A59%3A00Z".into(),
        "format=csv".into(),
    ] {
        assert!(csv.contains(&part), "{part} in {csv}");
    }
    let export = daemon
        .http
        .get(daemon.url(&csv))
        .send()
        .await
        .expect("sent");
    assert_eq!(export.status(), StatusCode::OK);
    assert_eq!(export.headers()["content-type"], "text/csv; charset=utf-8");
    let text = export.text().await.expect("csv");
    assert_eq!(
        text.lines().count() - 1,
        page_ids(&body).len(),
        "the export holds the page's rows: {text}"
    );
    daemon.stop().await;
}

#[sqlx::test(migrations = false)]
async fn a_bad_filter_value_is_a_400_page_naming_the_field(_: PgPoolOptions, db: PgConnectOptions) {
    let sim = spawn_sim(small_org()).await;
    let daemon = spawn_daemon(daemon_settings(&sim, &database_url(&db))).await;
    let org = daemon.ctx.api.org.clone();
    for (query, field) in [
        ("from=yesterday", "from"),
        ("from=2026-12-07&to=2026-12-06", "to"),
        ("job=seven", "job"),
        ("outcome=great", "outcome"),
        ("offset=-1", "offset"),
    ] {
        let (status, body) = html(&daemon, &format!("/orgs/{org}/audit?{query}")).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{query}: {body}");
        assert!(
            body.contains(&format!("Cannot filter by {field}")),
            "{query}: {body}"
        );
    }
    let (status, _) = html(&daemon, "/orgs/no-such-org/audit").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    daemon.stop().await;
}

#[sqlx::test(migrations = false)]
async fn after_a_job_the_overview_shows_calls_against_the_budget_and_its_charts(
    _: PgPoolOptions,
    db: PgConnectOptions,
) {
    let sim = spawn_sim(small_org()).await;
    let mut settings = daemon_settings(&sim, &database_url(&db));
    settings.platform.requests_per_minute = BUDGET;
    let daemon = spawn_daemon(settings).await;
    let first: Value = daemon.post_feed(FIRST, "partial").await;
    daemon
        .run_through(first["job_id"].as_i64().expect("id"))
        .await;

    let (status, body) = html(&daemon, "/").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let rate = body
        .split("<p class=\"call-rate\"><strong>")
        .nth(1)
        .and_then(|rest| rest.split("</strong>").next())
        .unwrap_or_else(|| panic!("a call rate in {body}"));
    let (calls, budget) = rate.split_once(" / ").expect("calls / budget");
    assert!(calls.parse::<u64>().expect("a number") > 0, "{rate}");
    assert_eq!(budget, BUDGET.to_string());
    for part in [
        "<svg class=\"chart\"",
        "role=\"img\" aria-label=\"Platform calls per minute\"",
        "<title>Converged agents</title>",
        "<p class=\"sr\">Converged agents: ",
        "<p class=\"sr\">Platform calls per minute: ",
        "Sampled once a minute by this replica since it started",
    ] {
        assert!(body.contains(part), "{part} in {body}");
    }
    daemon.stop().await;
}

#[sqlx::test(migrations = false)]
async fn a_running_job_shows_its_progress_and_links_to_its_page(
    _: PgPoolOptions,
    db: PgConnectOptions,
) {
    let sim = spawn_sim(small_org()).await;
    let daemon = spawn_daemon(daemon_settings(&sim, &database_url(&db))).await;
    daemon.idle().await;
    // Slow calls keep the job running while the page is read.
    sim.set_faults(serde_json::json!({"latency_ms": 400})).await;
    let started: Value = daemon.post_feed(FIRST, "partial").await;
    let job = started["job_id"].as_i64().expect("id");
    let org = daemon.ctx.api.org.clone();
    let mut seen = None;
    for _ in 0..200 {
        let (_, body) = html(&daemon, "/").await;
        if let Some(progress) = body
            .split("<span class=\"progress\">")
            .nth(1)
            .and_then(|rest| rest.split(" converged</span>").next())
        {
            seen = Some((progress.to_string(), body));
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let (progress, body) = seen.expect("the running job's progress is shown");
    let (done, total) = progress.split_once(" / ").expect("done / total");
    let (done, total): (i64, i64) = (done.parse().expect("n"), total.parse().expect("n"));
    assert!(total > 0 && done <= total, "{progress}");
    assert!(
        body.contains(&format!("<a href=\"/orgs/{org}/jobs/{job}\">{job}</a>")),
        "{body}"
    );
    sim.set_faults(serde_json::json!({})).await;
    daemon.run_through(job).await;
    daemon.stop().await;
}
