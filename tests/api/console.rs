//! The operator's console (issue 17): `GET /` renders every readable org's overview as HTML,
//! from the same store the JSON API reads; it asks for the API's token when read tokens are
//! configured, says so when they are not, and escapes whatever feeds and holds put in it.

use reqwest::StatusCode;
use serde_json::Value;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

use crate::console_fixture::{escaped, get_page, with_held_job, FULL};
use crate::helpers::{
    daemon_settings, database_url, small_org, spawn_daemon, spawn_sim, TestDaemon, INGEST_TOKEN,
};
use skillsync::config::Secret;
use skillsync::http::ApiToken;

const READ_TOKEN: &str = "console-read-token-0";
const ELSEWHERE_TOKEN: &str = "elsewhere-read-token-0";

/// `GET /` with an optional bearer token: status, content type, body.
async fn console(daemon: &TestDaemon, token: Option<&str>) -> (StatusCode, String, String) {
    let page = get_page(daemon, "/", token).await;
    (page.status, page.content_type, page.body)
}

#[sqlx::test(migrations = false)]
async fn the_overview_shows_drift_held_jobs_and_feeds_as_the_api_does(
    _: PgPoolOptions,
    db: PgConnectOptions,
) {
    let (_sim, daemon, held) = with_held_job(&db).await;

    // The hold saves the drift measured without the held feed just after the job turns `held`:
    // the page is compared with a drift that did not change while it was rendered.
    let (mut drift, mut page) = (Value::Null, None);
    for _ in 0..100 {
        let before = daemon.get_json("/v1/drift").await;
        let rendered = console(&daemon, None).await;
        drift = daemon.get_json("/v1/drift").await;
        if before["summary"] == drift["summary"] {
            page = Some(rendered);
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let (status, content_type, body) = page.expect("the drift settles");
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(content_type, "text/html; charset=utf-8");
    assert!(body.contains("<main>") && body.contains("<h1>"), "{body}");
    assert!(body.contains("name=\"viewport\""), "{body}");
    assert!(
        body.contains("This console is open: no read tokens are configured"),
        "{body}"
    );

    let drifted = drift["summary"]["drifted"].as_i64().expect("drifted");
    assert!(
        body.contains(&format!("<dd class=\"drifted\">{drifted}</dd>")),
        "drifted = {drifted}: {body}"
    );
    let reasons = drift["held"][0]["reasons"].as_array().expect("reasons");
    assert!(!reasons.is_empty(), "{drift}");
    for reason in reasons {
        let reason = reason.as_str().expect("a sentence");
        assert!(body.contains(&escaped(reason)), "{reason:?} in {body}");
    }
    assert!(body.contains(&format!("Job {}", held["job_id"])), "{body}");
    assert!(
        body.contains("<span class=\"leader\">"),
        "the daemon ran the jobs, so it holds the lease: {body}"
    );
    assert!(
        body.contains(&format!("Feed {} from", held["feed_id"])),
        "{body}"
    );

    let css = daemon
        .http
        .get(daemon.url("/console.css"))
        .send()
        .await
        .expect("sent");
    assert_eq!(css.status(), StatusCode::OK);
    assert_eq!(css.headers()["content-type"], "text/css; charset=utf-8");
    daemon.stop().await;
}

#[sqlx::test(migrations = false)]
async fn with_read_tokens_the_console_needs_one_and_shows_only_the_orgs_it_may_read(
    _: PgPoolOptions,
    db: PgConnectOptions,
) {
    let sim = spawn_sim(small_org()).await;
    let mut settings = daemon_settings(&sim, &database_url(&db));
    settings
        .server
        .read_tokens
        .insert("ops".into(), Secret::from(READ_TOKEN).into());
    settings.server.read_tokens.insert(
        "elsewhere".into(),
        ApiToken::for_orgs(Secret::from(ELSEWHERE_TOKEN), vec!["elsewhere".into()]),
    );
    let daemon = spawn_daemon(settings).await;
    daemon.post_feed(FULL, "partial").await;
    let org = daemon.ctx.api.org.clone();
    let shows_org = |body: &str| body.contains(&format!("Org {org}"));

    for token in [None, Some("not-a-token")] {
        let (status, content_type, body) = console(&daemon, token).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{token:?}: {body}");
        assert_eq!(content_type, "text/html; charset=utf-8");
        assert!(
            body.contains("<form class=\"login\" method=\"post\" action=\"/login\">"),
            "{body}"
        );
        assert!(!shows_org(&body) && !body.contains("Drifted"), "{body}");
        assert!(
            !body.contains("agent0000") && !body.contains("Newest feed"),
            "{body}"
        );
    }

    for token in [READ_TOKEN, INGEST_TOKEN] {
        let (status, _, body) = console(&daemon, Some(token)).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert!(shows_org(&body), "{body}");
        assert!(!body.contains("This console is open"), "{body}");
    }

    let (status, _, body) = console(&daemon, Some(ELSEWHERE_TOKEN)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(!shows_org(&body) && !body.contains("Drifted"), "{body}");
    assert!(body.contains("This token may read no org."), "{body}");
    daemon.stop().await;
}

#[sqlx::test(migrations = false)]
async fn markup_in_a_held_reason_is_shown_as_text(_: PgPoolOptions, db: PgConnectOptions) {
    let hostile = "<b>Rare</b>&\"Skill'";
    let sim = spawn_sim(small_org()).await;
    sim.define_skills(&[hostile, "Other_Skill"]).await;
    let mut settings = daemon_settings(&sim, &database_url(&db));
    settings.safety.max_destructive = usize::MAX;
    let daemon = spawn_daemon(settings).await;
    daemon.wait_job(1, &["succeeded"]).await;
    // CSV quoting: the name holds a double quote.
    let quoted = format!("\"{}\"", hostile.replace('"', "\"\""));
    let granted = daemon
        .post_feed(
            &format!(
                "agent,type,name,proficiency\n\
                 agent00001@example.com,skill,{quoted},3\n\
                 agent00002@example.com,skill,{quoted},3\n"
            ),
            "partial",
        )
        .await;
    daemon.wait_started(&granted, &["succeeded"]).await;
    let next = daemon
        .post_feed(
            "agent,type,name,proficiency\n\
             agent00001@example.com,skill,Other_Skill,3\n\
             agent00002@example.com,skill,Other_Skill,3\n",
            "partial",
        )
        .await;
    let held = daemon.wait_started(&next, &["held"]).await;
    assert!(
        held["job"]["held_reasons"].to_string().contains("Rare"),
        "{held}"
    );

    let (status, _, body) = console(&daemon, None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body.contains(&escaped(hostile)), "{body}");
    assert!(!body.contains("<b>Rare"), "{body}");
    daemon.stop().await;
}

/// The certification counts are kept a minute, but a feed that changes the desired state shows
/// at once.
#[sqlx::test(migrations = false)]
async fn certification_counts_follow_each_feed_at_once(_: PgPoolOptions, db: PgConnectOptions) {
    let sim = spawn_sim(small_org()).await;
    let daemon = spawn_daemon(daemon_settings(&sim, &database_url(&db))).await;
    let count_within_7_days = |body: &str| {
        let table = body
            .split("Certifications expiring in org")
            .nth(1)
            .unwrap_or_default();
        let cells: Vec<&str> = table
            .split("<td>")
            .skip(1)
            .filter_map(|c| c.split("</td>").next())
            .collect();
        cells.get(1).map(|c| c.to_string())
    };
    let (_, _, body) = console(&daemon, None).await;
    assert_eq!(count_within_7_days(&body).as_deref(), Some("0"), "{body}");

    let soon = (chrono::Utc::now() + chrono::Duration::days(3)).to_rfc3339();
    let feed = format!(
        "agent,type,name,proficiency,issued_on,expires_on\n\
         agent00001@example.com,certification,PCI-DSS,,2026-01-01T00:00:00Z,{soon}\n"
    );
    let answer: Value = daemon.post_feed(&feed, "partial").await;
    assert!(answer["feed_id"].is_i64(), "{answer}");
    let (_, _, body) = console(&daemon, None).await;
    assert_eq!(count_within_7_days(&body).as_deref(), Some("1"), "{body}");
    assert!(body.contains("<th scope=\"row\">agent00001@example.com</th><td>PCI-DSS</td>"));
    daemon.stop().await;
}
