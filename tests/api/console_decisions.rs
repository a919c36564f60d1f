//! The console's job page and its decisions, over HTTP as a browser sends them: the plan of a
//! held job with removals and downgrades first; Approve and Reject forms that need an ingest
//! token and the page's CSRF token, and record the token's name; sign-in by form, whose cookie
//! also reads the JSON API (the audit's CSV export link).

use reqwest::header::{COOKIE, LOCATION, SET_COOKIE};
use reqwest::{redirect, StatusCode};
use serde_json::Value;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

use crate::console_fixture::{with_held_job, DOWNGRADE, FULL};
use crate::helpers::{
    daemon_settings, database_url, small_org, spawn_daemon, spawn_sim, TestDaemon, INGEST_TOKEN,
};
use skillsync::config::Secret;

const READ_TOKEN: &str = "console-read-token-0";

/// A browser of its own: cookies kept by hand, redirects not followed, so each answer is seen.
struct Browser<'a> {
    daemon: &'a TestDaemon,
    http: reqwest::Client,
    cookies: Vec<(String, String)>,
}

/// An answer: status, `Location`, body.
struct Answer {
    status: StatusCode,
    location: String,
    body: String,
}

impl<'a> Browser<'a> {
    fn new(daemon: &'a TestDaemon) -> Self {
        let http = reqwest::Client::builder()
            .redirect(redirect::Policy::none())
            .build()
            .expect("client");
        Self {
            daemon,
            http,
            cookies: Vec::new(),
        }
    }

    fn cookie(&self, name: &str) -> Option<&str> {
        self.cookies
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    fn cookie_header(&self) -> String {
        let pairs: Vec<String> = self
            .cookies
            .iter()
            .map(|(n, v)| format!("{n}={v}"))
            .collect();
        pairs.join("; ")
    }

    async fn send(&mut self, request: reqwest::RequestBuilder) -> Answer {
        let resp = request
            .header(COOKIE, self.cookie_header())
            .send()
            .await
            .expect("sent");
        for set in resp.headers().get_all(SET_COOKIE) {
            let set = set.to_str().expect("ascii");
            let (pair, attributes) = set.split_once(';').unwrap_or((set, ""));
            assert!(
                attributes.contains("HttpOnly") && attributes.contains("SameSite=Strict"),
                "{set}"
            );
            let (name, value) = pair.split_once('=').expect("name=value");
            self.cookies.retain(|(n, _)| n != name);
            if !value.is_empty() {
                self.cookies.push((name.to_string(), value.to_string()));
            }
        }
        Answer {
            status: resp.status(),
            location: resp
                .headers()
                .get(LOCATION)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_string(),
            body: resp.text().await.expect("text"),
        }
    }

    async fn get(&mut self, path: &str) -> Answer {
        let request = self.http.get(self.daemon.url(path));
        self.send(request).await
    }

    /// Posts `fields` as a form; the CSRF field is added when `with_csrf`.
    async fn post(&mut self, path: &str, fields: &[(&str, &str)], with_csrf: bool) -> Answer {
        let mut form: Vec<(String, String)> = fields
            .iter()
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect();
        if with_csrf {
            let csrf = self
                .cookie("skillsync_csrf")
                .expect("a page set it")
                .to_string();
            form.push(("csrf".into(), csrf));
        }
        let request = self.http.post(self.daemon.url(path)).form(&form);
        self.send(request).await
    }
}

/// Waits for job `id` to reach one of `statuses`, reading with the read token.
async fn wait_as_reader(daemon: &TestDaemon, id: i64, statuses: &[&str]) -> Value {
    let mut job = Value::Null;
    for _ in 0..600 {
        job = daemon
            .http
            .get(daemon.url(&format!("/v1/jobs/{id}")))
            .bearer_auth(READ_TOKEN)
            .send()
            .await
            .expect("sent")
            .json()
            .await
            .expect("json");
        if statuses.contains(&job["job"]["status"].as_str().unwrap_or_default()) {
            return job;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("job {id} did not reach {statuses:?}: {job}");
}

#[sqlx::test(migrations = false)]
async fn a_held_job_is_shown_losses_first_and_approved_through_the_form_runs(
    _: PgPoolOptions,
    db: PgConnectOptions,
) {
    let (_sim, daemon, held) = with_held_job(&db).await;
    let id = held["job_id"].as_i64().expect("id");
    let org = daemon.ctx.api.org.clone();
    let page_path = format!("/orgs/{org}/jobs/{id}");
    let mut browser = Browser::new(&daemon);

    let page = browser.get(&page_path).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("Why it is held"), "{}", page.body);
    let job = daemon.get_json(&format!("/v1/jobs/{id}")).await;
    for reason in job["job"]["held_reasons"].as_array().expect("reasons") {
        assert!(
            page.body.contains(reason.as_str().expect("text")),
            "{reason}"
        );
    }
    // The downgrade (a loss) is listed before the addition, though the plan orders by agent.
    let downgrade = page.body.find("<td>downgrade</td>").expect("the downgrade");
    let addition = page.body.find("<td>add</td>").expect("the addition");
    assert!(downgrade < addition, "{}", page.body);
    assert!(page.body.contains("<tr class=\"loses\">"), "{}", page.body);
    // Open console, not signed in: each form asks for the ingest token.
    assert!(page
        .body
        .contains("<label for=\"approve-token\">Ingest token</label>"));

    // Without the CSRF token nothing is decided, even with a valid ingest token.
    let approve = format!("{page_path}/approve");
    let refused = browser
        .post(&approve, &[("token", INGEST_TOKEN)], false)
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.body);
    assert!(refused.body.contains("Form refused"), "{}", refused.body);
    // A wrong token is refused too.
    let wrong = browser
        .post(&approve, &[("token", "not-the-token-at-all")], true)
        .await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED, "{}", wrong.body);
    let job = daemon.get_json(&format!("/v1/jobs/{id}")).await;
    assert_eq!(job["job"]["status"], "held", "{job}");

    let approved = browser
        .post(&approve, &[("token", INGEST_TOKEN)], true)
        .await;
    assert_eq!(approved.status, StatusCode::SEE_OTHER, "{}", approved.body);
    assert_eq!(approved.location, page_path);
    let done = daemon.wait_job(id, &["succeeded"]).await;
    assert_eq!(done["job"]["decided_by"], "wfm", "{done}");
    let page = browser.get(&page_path).await;
    assert!(
        page.body.contains("<dd class=\"decided-by\">wfm</dd>"),
        "{}",
        page.body
    );
    assert!(!page.body.contains("Approve job"), "decided: no form");
    let audit = daemon.get_json("/v1/audit").await;
    let approvals: Vec<&Value> = audit["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .filter(|e| e["call"] == "approve" && e["job_id"] == id)
        .collect();
    assert_eq!(approvals.len(), 1, "{audit}");
    assert_eq!(approvals[0]["actor"], "wfm", "{audit}");

    // Deciding again is the API's conflict, shown as a page.
    let again = browser
        .post(&approve, &[("token", INGEST_TOKEN)], true)
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT, "{}", again.body);
    daemon.stop().await;
}

#[sqlx::test(migrations = false)]
async fn signed_in_with_read_tokens_configured_reads_pages_and_the_api_but_decides_only_with_an_ingest_token(
    _: PgPoolOptions,
    db: PgConnectOptions,
) {
    let sim = spawn_sim(small_org()).await;
    let mut settings = daemon_settings(&sim, &database_url(&db));
    settings.safety.max_destructive = 0;
    settings
        .server
        .read_tokens
        .insert("ops".into(), Secret::from(READ_TOKEN).into());
    let daemon = spawn_daemon(settings).await;
    let first: Value = daemon.post_feed(FULL, "partial").await;
    let first_id = first["job_id"].as_i64().expect("id");
    // The seeded org holds skills the feed does not list: its first feed may be held too.
    if wait_as_reader(&daemon, first_id, &["held", "succeeded"]).await["job"]["status"] == "held" {
        let approve = format!("/v1/jobs/{first_id}/approve");
        daemon.post_json(&approve, serde_json::json!({})).await;
        wait_as_reader(&daemon, first_id, &["succeeded"]).await;
    }
    let held: Value = daemon.post_feed(DOWNGRADE, "partial").await;
    let id = held["job_id"].as_i64().expect("id");
    wait_as_reader(&daemon, id, &["held"]).await;
    let org = daemon.ctx.api.org.clone();
    let page_path = format!("/orgs/{org}/jobs/{id}");
    let mut browser = Browser::new(&daemon);

    let login = browser.get(&page_path).await;
    assert_eq!(login.status, StatusCode::UNAUTHORIZED);
    assert!(login.body.contains("action=\"/login\""), "{}", login.body);
    assert!(login
        .body
        .contains(&format!("value=\"/orgs/{org}/jobs/{id}\"")));
    assert!(browser.get("/v1/jobs").await.status == StatusCode::UNAUTHORIZED);

    let wrong = browser
        .post(
            "/login",
            &[("token", "nope-nope-nope-nope"), ("next", &page_path)],
            true,
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert!(wrong
        .body
        .contains("That is not a valid read or ingest token."));
    let signed_in = browser
        .post(
            "/login",
            &[("token", READ_TOKEN), ("next", &page_path)],
            true,
        )
        .await;
    assert_eq!(
        signed_in.status,
        StatusCode::SEE_OTHER,
        "{}",
        signed_in.body
    );
    assert_eq!(signed_in.location, page_path);
    assert!(browser.cookie("skillsync_session").is_some());
    // Another site's address is never returned to.
    let offsite = browser
        .post(
            "/login",
            &[("token", READ_TOKEN), ("next", "//evil.example/")],
            true,
        )
        .await;
    assert_eq!(offsite.location, "/");

    // The API's reads take the session too (the audit page links to the CSV export).
    let jobs = browser.get("/v1/jobs").await;
    assert_eq!(jobs.status, StatusCode::OK, "{}", jobs.body);
    let audit = browser.get("/v1/audit").await;
    assert_eq!(audit.status, StatusCode::OK, "{}", audit.body);
    // Writes do not: they need the bearer header.
    let write = browser
        .post(&format!("/v1/jobs/{id}/reject"), &[], true)
        .await;
    assert_eq!(write.status, StatusCode::UNAUTHORIZED, "{}", write.body);

    let page = browser.get(&page_path).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("Signed in as ops"), "{}", page.body);
    assert!(page.body.contains("Why it is held"), "{}", page.body);
    let reject = format!("{page_path}/reject");
    // A read token decides nothing.
    let as_reader = browser.post(&reject, &[("token", READ_TOKEN)], true).await;
    assert_eq!(
        as_reader.status,
        StatusCode::UNAUTHORIZED,
        "{}",
        as_reader.body
    );

    // Signed in with the ingest token, the form needs no token field.
    let mut decider = Browser::new(&daemon);
    decider.get("/login").await;
    let signed = decider
        .post(
            "/login",
            &[("token", INGEST_TOKEN), ("next", &page_path)],
            true,
        )
        .await;
    assert_eq!(signed.status, StatusCode::SEE_OTHER);
    let page = decider.get(&page_path).await;
    assert!(page.body.contains("As wfm."), "{}", page.body);
    assert!(!page.body.contains("approve-token"), "{}", page.body);
    let rejected = decider.post(&reject, &[], true).await;
    assert_eq!(rejected.status, StatusCode::SEE_OTHER, "{}", rejected.body);
    let job = wait_as_reader(&daemon, id, &["rejected"]).await;
    assert_eq!(job["job"]["decided_by"], "wfm", "{job}");

    let signed_out = browser.post("/logout", &[], true).await;
    assert_eq!(signed_out.status, StatusCode::SEE_OTHER);
    assert!(browser.cookie("skillsync_session").is_none());
    assert_eq!(browser.get("/").await.status, StatusCode::UNAUTHORIZED);
    daemon.stop().await;
}
