//! The console's agent and feed pages (issue 17): an agent's desired state with the feed and
//! rule behind each item beside its observation, drift and audit; feeds newest first; a
//! rejected feed's row errors exactly as the API reports them. Values are escaped; pages ask for
//! the API's token when read tokens are configured.

use reqwest::StatusCode;
use serde_json::Value;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

use crate::console_fixture::{escaped, get_page};
use crate::helpers::{
    daemon_settings, database_url, small_org, spawn_daemon, spawn_sim, TestDaemon,
};
use skillsync::config::Secret;
use skillsync::feed::CertificationSettings;
use skillsync::planner::AttributePolicy;

const AGENT: &str = "agent00001@example.com";
const HOSTILE: &str = "<b>Rare</b>&\"Skill'";
const READ_TOKEN: &str = "console-pages-read-token";

/// `GET path` on the console with an optional bearer token, not following redirects: status,
/// `Location`, body.
async fn fetch(
    daemon: &TestDaemon,
    path: &str,
    token: Option<&str>,
) -> (StatusCode, String, String) {
    let page = get_page(daemon, path, token).await;
    (page.status, page.location, page.body)
}

#[sqlx::test(migrations = false)]
async fn the_agent_page_shows_each_desired_item_with_its_feed_and_rule_beside_the_observation_drift_and_audit(
    _: PgPoolOptions,
    db: PgConnectOptions,
) {
    let sim = spawn_sim(small_org()).await;
    sim.define_skills(&[HOSTILE, "Gate_PCI"]).await;
    let mut settings = daemon_settings(&sim, &database_url(&db));
    settings.feed.certifications.insert(
        "PCI DSS".into(),
        CertificationSettings {
            gate_skill: Some("Gate_PCI".into()),
            ..CertificationSettings::default()
        },
    );
    // Languages are planned and never written: their change stays as drift after the job.
    settings.policy.languages = AttributePolicy::Report;
    let daemon = spawn_daemon(settings).await;
    daemon.wait_job(1, &["succeeded"]).await;
    let quoted = format!("\"{}\"", HOSTILE.replace('"', "\"\""));
    let feed = daemon
        .post_feed(
            &format!(
                "agent,type,name,proficiency,issued_on,expires_on\n\
                 {AGENT},skill,Billing_L1,3,,\n\
                 {AGENT},skill,{quoted},2,,\n\
                 {AGENT},language,German,1,,\n\
                 {AGENT},certification,PCI DSS,,2026-01-01T00:00:00Z,2099-03-29T00:00:00Z\n"
            ),
            "partial",
        )
        .await;
    let feed_id = feed["feed_id"]
        .as_i64()
        .unwrap_or_else(|| panic!("accepted: {feed}"));
    daemon
        .run_through(feed["job_id"].as_i64().expect("job id"))
        .await;
    let org = daemon.ctx.api.org.clone();

    let api = daemon.get_json(&format!("/v1/agents/{AGENT}")).await;
    let (status, _, body) = fetch(&daemon, &format!("/orgs/{org}/agents/{AGENT}"), None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(
        body.contains("<h1>Agent <span class=\"agent-key\">agent00001@example.com</span></h1>"),
        "{body}"
    );

    // Where the desired state came from: the feed, linked, and the plain feed-row rule.
    let feed_link = format!("<a href=\"/orgs/{org}/feeds/{feed_id}\">feed {feed_id}</a>");
    let observed = api["agent"]["observed"]["skills"]["Billing_L1"]
        .as_f64()
        .expect("Billing_L1 observed");
    assert_eq!(observed, 3.0, "{api}");
    assert!(
        body.contains(&format!(
            "<th scope=\"row\">Billing_L1</th><td>3</td><td>3</td><td>{feed_link}</td><td>feed row</td>"
        )),
        "{body}"
    );
    assert!(
        body.contains(&format!(
            "class=\"origin\" href=\"/orgs/{org}/feeds/{feed_id}\""
        )),
        "{body}"
    );
    // The certification's rule: its window, as the planner words it.
    assert!(
        body.contains(
            "<th scope=\"row\">PCI DSS</th><td>valid 2026-01-01T00:00:00Z to 2099-03-29T00:00:00Z"
        ),
        "{body}"
    );
    assert!(
        body.contains("<span class=\"rule\">PCI DSS: in force until 2099-03-2"),
        "{body}"
    );

    // The gate skill is no feed's: the configured gate grants it while the certification is in
    // force, as the planner words it.
    assert!(
        body.contains(
            "<th scope=\"row\">Gate_PCI</th><td>5</td>\
             <td>5</td><td><span class=\"muted\">—</span></td><td><span class=\"rule\">gate \
             skill of PCI DSS: in force until 2099-03-29T00:00:00Z</span>"
        ),
        "{body}"
    );

    // The drift the planner recorded: the report-only language, not written.
    let drift = api["agent"]["drift"].as_array().expect("drift");
    let language = drift
        .iter()
        .find(|c| c["name"] == "German")
        .unwrap_or_else(|| panic!("the language is drift: {api}"));
    let shown = |v: &Value| v.as_f64().map(|p| p.to_string()).unwrap_or_default();
    let action = language["action"].as_str().expect("action");
    let symbol = if action == "add" { "+" } else { "~" };
    let row = format!(
        "<td class=\"change-{action}\">{symbol} {action} <span class=\"muted\">(not written now)</span></td>\
         <td>language</td><th scope=\"row\">German</th><td>{}</td><td>{}</td>",
        shown(&language["from"]),
        shown(&language["to"])
    );
    assert_eq!(language["to"], 1.0, "{api}");
    assert!(body.contains(&row), "{row} in {body}");
    assert!(
        body.contains(&format!(
            "<dd class=\"state state-{}\">",
            api["agent"]["state"].as_str().expect("state")
        )),
        "{body}"
    );

    // The newest write to the agent, with its job linked.
    let audit = daemon
        .get_json(&format!("/v1/audit?agent={AGENT}&limit=1000"))
        .await;
    let newest = audit["entries"]
        .as_array()
        .and_then(|e| e.iter().rfind(|e| e["outcome"] == "ok"))
        .unwrap_or_else(|| panic!("a write to the agent: {audit}"))
        .clone();
    let call = newest["call"].as_str().expect("call");
    assert!(
        body.contains(&format!(
            "<tr><th scope=\"row\">{}</th>",
            newest["id"].as_i64().expect("id")
        )),
        "{newest} in {body}"
    );
    assert!(
        body.contains(&format!(
            "<td>{call}</td><td class=\"outcome-ok\">ok</td><td><a href=\"/orgs/{org}/jobs/{}\">",
            newest["job_id"]
        )),
        "{body}"
    );
    assert!(
        body.contains("+ skill Billing_L1 (3)"),
        "the write's change: {body}"
    );
    assert!(
        body.contains(&format!(
            "href=\"/orgs/{org}/audit?agent=agent00001%40example.com\""
        )),
        "{body}"
    );

    // A skill name with markup is shown as text.
    assert!(
        body.contains(&format!("<th scope=\"row\">{}</th>", escaped(HOSTILE))),
        "{body}"
    );
    assert!(!body.contains("<b>Rare"), "{body}");
    daemon.stop().await;
}

#[sqlx::test(migrations = false)]
async fn a_rejected_feeds_page_lists_every_row_error_as_the_api_reports_it(
    _: PgPoolOptions,
    db: PgConnectOptions,
) {
    let sim = spawn_sim(small_org()).await;
    let daemon = spawn_daemon(daemon_settings(&sim, &database_url(&db))).await;
    let accepted = daemon
        .post_feed(
            "agent,type,name,proficiency\nagent00002@example.com,skill,Billing_L1,2\n",
            "partial",
        )
        .await;
    daemon.wait_started(&accepted, &["succeeded"]).await;
    let refused = daemon
        .post_csv(
            "agent,type,name,proficiency\n\
             agent00001@example.com,skill,Billing_L1,<b>lots</b>\n\
             not an email,skill,Billing_L1,3\n\
             agent00003@example.com,colour,Blue,3\n",
            "partial",
        )
        .await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let org = daemon.ctx.api.org.clone();
    let feeds = daemon.get_json("/v1/feeds").await;
    let rejected = &feeds["feeds"][0];
    assert_eq!(rejected["status"], "rejected", "{feeds}");
    let id = rejected["id"].as_i64().expect("id");
    let api = daemon.get_json(&format!("/v1/feeds/{id}")).await;
    let errors = api["errors"]["errors"].as_array().expect("errors");
    assert!(errors.len() >= 3, "{api}");

    let (status, _, body) = fetch(&daemon, &format!("/orgs/{org}/feeds/{id}"), None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(
        body.contains(&format!("<h1>Feed {id} of org {org}</h1>")),
        "{body}"
    );
    assert!(
        body.contains("<dd class=\"status-rejected\">rejected</dd>"),
        "{body}"
    );
    assert!(body.contains("<dd class=\"source\">hr</dd>"), "{body}");
    assert!(body.contains("<caption>Row errors of feed"), "{body}");
    for error in errors {
        let text = |k: &str| error[k].as_str().unwrap_or_default().to_string();
        let row = format!(
            "<tr><th scope=\"row\">{}</th><td>{}</td><td>{}</td></tr>",
            escaped(&text("location")),
            escaped(&text("field")),
            escaped(&text("message"))
        );
        assert!(body.contains(&row), "{row} in {body}");
    }
    assert!(!body.contains("<b>lots"), "{body}");

    // The accepted feed links its job; the list shows both, newest first, each linked.
    let accepted_id = accepted["feed_id"].as_i64().expect("id");
    let (_, _, page) = fetch(&daemon, &format!("/orgs/{org}/feeds/{accepted_id}"), None).await;
    assert!(
        page.contains(&format!(
            "<a class=\"job\" href=\"/orgs/{org}/jobs/{}\">",
            accepted["job_id"]
        )),
        "{page}"
    );
    let (status, _, list) = fetch(&daemon, &format!("/orgs/{org}/feeds"), None).await;
    assert_eq!(status, StatusCode::OK, "{list}");
    let first = list
        .find(&format!("/feeds/{id}\">{id}</a>"))
        .expect("the rejected feed");
    let second = list
        .find(&format!("/feeds/{accepted_id}\">{accepted_id}</a>"))
        .expect("the accepted feed");
    assert!(first < second, "newest first: {list}");
    assert!(
        list.contains("<td class=\"status-rejected\">rejected</td>"),
        "{list}"
    );
    assert!(list.contains("<label for=\"agent-key\">"), "{list}");
    daemon.stop().await;
}

#[sqlx::test(migrations = false)]
async fn unknown_agents_and_feeds_get_a_404_page_and_the_lookup_redirects(
    _: PgPoolOptions,
    db: PgConnectOptions,
) {
    let sim = spawn_sim(small_org()).await;
    let daemon = spawn_daemon(daemon_settings(&sim, &database_url(&db))).await;
    let org = daemon.ctx.api.org.clone();

    let (status, _, body) = fetch(
        &daemon,
        &format!("/orgs/{org}/agents/nobody%3Cx%3E@example.com"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    assert!(body.contains("<h1>No such agent</h1>"), "{body}");
    assert!(
        body.contains(&escaped("\"nobody<x>@example.com\"")),
        "{body}"
    );

    for id in ["999999", "not-a-number"] {
        let (status, _, body) = fetch(&daemon, &format!("/orgs/{org}/feeds/{id}"), None).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
        assert!(body.contains("<h1>No such feed</h1>"), "{body}");
    }
    let (status, _, body) = fetch(&daemon, "/orgs/no-such-org/feeds", None).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");

    let (status, location, _) = fetch(
        &daemon,
        &format!("/orgs/{org}/agents?key=+Agent00003%40Example.com+"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(
        location,
        format!("/orgs/{org}/agents/Agent00003%40Example.com")
    );
    // The page normalizes the key as the API does.
    daemon.wait_job(1, &["succeeded"]).await;
    let (status, _, body) = fetch(&daemon, &location, None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(
        body.contains("agent00003@example.com</span></h1>"),
        "{body}"
    );

    let (status, _, body) = fetch(&daemon, &format!("/orgs/{org}/agents?key="), None).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    daemon.stop().await;
}

#[sqlx::test(migrations = false)]
async fn with_read_tokens_the_agent_and_feed_pages_ask_for_one(
    _: PgPoolOptions,
    db: PgConnectOptions,
) {
    let sim = spawn_sim(small_org()).await;
    let mut settings = daemon_settings(&sim, &database_url(&db));
    settings
        .server
        .read_tokens
        .insert("ops".into(), Secret::from(READ_TOKEN).into());
    let daemon = spawn_daemon(settings).await;
    let feed: Value = daemon
        .post_feed(
            "agent,type,name,proficiency\nagent00001@example.com,skill,Billing_L1,2\n",
            "partial",
        )
        .await;
    let org = daemon.ctx.api.org.clone();
    let pages = [
        format!("/orgs/{org}/agents/{AGENT}"),
        format!("/orgs/{org}/agents?key={AGENT}"),
        format!("/orgs/{org}/feeds"),
        format!("/orgs/{org}/feeds/{}", feed["feed_id"]),
    ];
    for path in &pages {
        let (status, _, body) = fetch(&daemon, path, None).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{path}: {body}");
        assert!(
            body.contains("<form class=\"login\" method=\"post\" action=\"/login\">"),
            "{body}"
        );
        assert!(
            !body.contains("Billing_L1") && !body.contains("Desired and observed"),
            "{path}: {body}"
        );
        let (status, _, body) = fetch(&daemon, path, Some(READ_TOKEN)).await;
        assert!(
            status == StatusCode::OK || status == StatusCode::SEE_OTHER,
            "{path}: {status} {body}"
        );
        assert!(!body.contains("This console is open"), "{body}");
    }
    daemon.stop().await;
}
