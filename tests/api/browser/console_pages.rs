//! The console's other pages in a real browser: a held job approved through its page runs and
//! converges; the agent page then shows desired beside live and the writes in its audit; a
//! rejected feed's row errors are listed; the feeds and audit pages pass the page checks.

use reqwest::StatusCode;
use serde_json::Value;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

use super::{check_page, Browser};
use crate::console_fixture::{with_held_job, FULL};
use crate::helpers::{
    daemon_settings, database_url, small_org, spawn_daemon, spawn_sim, INGEST_TOKEN,
};

const AGENT: &str = "agent00001@example.com";

#[sqlx::test(migrations = false)]
async fn a_held_job_approved_through_its_page_runs_converges_and_shows_on_the_agent_page(
    _: PgPoolOptions,
    db: PgConnectOptions,
) {
    let Some(browser) = Browser::start().await else {
        return;
    };
    let (_sim, daemon, held) = with_held_job(&db).await;
    let id = held["job_id"].as_i64().expect("id");
    let org = daemon.ctx.api.org.clone();

    // From the Overview, the held job's link leads to its page.
    browser.visit(&daemon.url("/")).await;
    browser
        .follow(&format!("/orgs/{org}/jobs/{id}"), "dd.status")
        .await;
    assert_eq!(browser.text("dd.status").await, "held");
    check_page(&browser, "job-held").await;
    // Who loses what comes first: the downgrade, before the addition.
    let first_row = browser.text("table.plan tbody tr").await;
    assert!(
        first_row.contains(AGENT) && first_row.contains("downgrade"),
        "{first_row}"
    );

    browser.fill("Ingest token", INGEST_TOKEN).await;
    browser.submit(&format!("Approve job {id}")).await;
    assert_eq!(browser.status().await, 200);
    assert_eq!(
        browser.current_url().await,
        daemon.url(&format!("/orgs/{org}/jobs/{id}"))
    );
    let done = daemon.wait_job(id, &["succeeded"]).await;
    assert_eq!(done["job"]["decided_by"], "wfm", "{done}");
    let converged = done["progress"]["converged"].as_i64().expect("converged");
    let total: i64 = done["progress"]
        .as_object()
        .expect("progress")
        .values()
        .filter_map(Value::as_i64)
        .sum();
    let planned = done["job"]["plan"]["summary"]["agents"].as_i64();
    assert_eq!((converged, Some(total)), (total, planned), "{done}");
    browser
        .visit(&daemon.url(&format!("/orgs/{org}/jobs/{id}")))
        .await;
    assert_eq!(browser.text("dd.status").await, "succeeded");
    assert_eq!(browser.text("dd.decided-by").await, "wfm");
    assert_eq!(
        browser.text("dd.progress-converged").await,
        converged.to_string()
    );
    check_page(&browser, "job-done").await;

    // The agent page: desired beside live, converged, and the write in its audit history.
    browser
        .visit(&daemon.url(&format!("/orgs/{org}/agents/{AGENT}")))
        .await;
    assert_eq!(browser.status().await, 200);
    let api = daemon.get_json(&format!("/v1/agents/{AGENT}")).await;
    let billing = browser
        .script(
            "const row = [...document.querySelectorAll('table.items tbody tr')]
               .find(r => r.querySelector('th').textContent === 'Billing_L1');
             return row ? [...row.cells].map(c => c.textContent) : null",
        )
        .await;
    assert_eq!(
        billing,
        serde_json::json!(["skill", "Billing_L1", "1", "1", "feed 2", "feed row"]),
        "{api}"
    );
    assert_eq!(browser.text("dd.state").await, "converged", "{api}");
    let audit = browser.text("table.audit tbody").await;
    assert!(
        audit.contains("patch_skills") && audit.contains("Billing_L1"),
        "{audit}"
    );
    check_page(&browser, "agent").await;
    browser.quit().await;
    daemon.stop().await;
}

#[sqlx::test(migrations = false)]
async fn a_rejected_feeds_row_errors_are_listed_and_the_feed_and_audit_pages_pass_the_checks(
    _: PgPoolOptions,
    db: PgConnectOptions,
) {
    let Some(browser) = Browser::start().await else {
        return;
    };
    let sim = spawn_sim(small_org()).await;
    let daemon = spawn_daemon(daemon_settings(&sim, &database_url(&db))).await;
    let accepted: Value = daemon.post_feed(FULL, "partial").await;
    daemon
        .run_through(accepted["job_id"].as_i64().expect("id"))
        .await;
    let refused = daemon
        .post_csv(
            "agent,type,name,proficiency\n\
             agent00001@example.com,skill,Billing_L1,lots\n\
             not an email,skill,Billing_L1,3\n\
             agent00003@example.com,colour,Blue,3\n",
            "partial",
        )
        .await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let org = daemon.ctx.api.org.clone();
    let feeds = daemon.get_json("/v1/feeds").await;
    let id = feeds["feeds"][0]["id"].as_i64().expect("id");
    let api = daemon.get_json(&format!("/v1/feeds/{id}")).await;
    let expected: Vec<Vec<String>> = api["errors"]["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .map(|e| {
            ["location", "field", "message"]
                .iter()
                .map(|k| e[*k].as_str().unwrap_or_default().to_string())
                .collect()
        })
        .collect();
    assert!(expected.len() >= 3, "{api}");

    // From the feeds list to the rejected feed.
    browser
        .visit(&daemon.url(&format!("/orgs/{org}/feeds")))
        .await;
    check_page(&browser, "feeds").await;
    browser
        .follow(&format!("/orgs/{org}/feeds/{id}"), "table.errors")
        .await;
    let shown = browser
        .script(
            "return [...document.querySelectorAll('table.errors tbody tr')]
               .map(r => [...r.cells].map(c => c.textContent))",
        )
        .await;
    assert_eq!(shown, serde_json::json!(expected), "{api}");
    check_page(&browser, "feed-rejected").await;

    // The audit page, filtered by the agent through its form.
    browser
        .visit(&daemon.url(&format!("/orgs/{org}/audit")))
        .await;
    browser.fill("agent", AGENT).await;
    browser.submit("Filter").await;
    let rows = browser.text("table tbody").await;
    let listed = daemon.get_json(&format!("/v1/audit?agent={AGENT}")).await["entries"]
        .as_array()
        .map_or(0, Vec::len);
    assert!(listed > 0 && rows.contains("patch_skills"), "{rows}");
    assert_eq!(
        browser
            .script("return document.querySelectorAll('table tbody tr').length")
            .await,
        serde_json::json!(listed)
    );
    check_page(&browser, "audit").await;
    browser.quit().await;
    daemon.stop().await;
}
