//! The console in a real browser: the Overview as a demo shows it; signing in and out through
//! the forms, with a form stripped of its CSRF token refused in between.

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

use super::{check_page, Browser};
use crate::console_fixture::with_held_job;
use crate::helpers::{daemon_settings, database_url, small_org, spawn_daemon, spawn_sim};
use skillsync::config::Secret;

const READ_TOKEN: &str = "browser-read-token-0";

#[sqlx::test(migrations = false)]
async fn the_overview_of_a_demo_shows_the_drift_the_api_reports_and_passes_the_page_checks(
    _: PgPoolOptions,
    db: PgConnectOptions,
) {
    let Some(browser) = Browser::start().await else {
        return;
    };
    let (_sim, daemon, held) = with_held_job(&db).await;

    // The drift is saved again just after the job turns held (see tests/api/console.rs):
    // compare with a drift that did not change while the page was rendered.
    let mut shown = None;
    for _ in 0..100 {
        let before = daemon.get_json("/v1/drift").await;
        browser.visit(&daemon.url("/")).await;
        let after = daemon.get_json("/v1/drift").await;
        if before["summary"] == after["summary"] {
            shown = Some((after, browser.text("dd.drifted").await));
            break;
        }
    }
    let (drift, drifted) = shown.expect("the drift settles");
    assert_eq!(browser.status().await, 200);
    assert_eq!(drifted, drift["summary"]["drifted"].to_string(), "{drift}");
    assert!(browser
        .text("main")
        .await
        .contains(&format!("Job {}", held["job_id"])));
    assert!(browser
        .text(".banner")
        .await
        .contains("This console is open"));

    check_page(&browser, "overview").await;
    browser.quit().await;
    daemon.stop().await;
}

#[sqlx::test(migrations = false)]
async fn an_operator_signs_in_a_form_without_its_csrf_token_is_refused_and_signing_out_works(
    _: PgPoolOptions,
    db: PgConnectOptions,
) {
    let Some(browser) = Browser::start().await else {
        return;
    };
    let sim = spawn_sim(small_org()).await;
    let mut settings = daemon_settings(&sim, &database_url(&db));
    settings
        .server
        .read_tokens
        .insert("ops".into(), Secret::from(READ_TOKEN).into());
    let daemon = spawn_daemon(settings).await;
    let org = daemon.ctx.api.org.clone();

    browser.visit(&daemon.url("/")).await;
    assert_eq!(browser.status().await, 401);
    assert!(browser.has("form.login").await);
    assert!(!browser.text("main").await.contains(&format!("Org {org}")));
    check_page(&browser, "sign-in").await;

    browser.fill("Read or ingest token", READ_TOKEN).await;
    browser.submit("Sign in").await;
    assert_eq!(browser.current_url().await, daemon.url("/"));
    assert_eq!(browser.status().await, 200);
    assert_eq!(browser.text("h1").await, "Overview");
    assert!(browser.text("main").await.contains(&format!("Org {org}")));
    assert!(browser.text(".signout").await.contains("Signed in as"));

    let session = browser.cookie("skillsync_session").await;
    assert_eq!(session.http_only(), Some(true), "{session}");
    assert_eq!(
        format!("{:?}", session.same_site()),
        "Some(Strict)",
        "{session}"
    );
    let scripts_see = browser.script("return document.cookie").await;
    assert!(
        !scripts_see.to_string().contains("skillsync_session"),
        "{scripts_see}"
    );

    // A state-changing form without its CSRF token is refused, and changes nothing.
    let removed = browser
        .script(
            "const field = document.querySelector('form.signout input[name=csrf]');
             field.remove();
             return document.querySelectorAll('form.signout input[name=csrf]').length === 0;",
        )
        .await;
    assert_eq!(removed, true);
    browser.submit("Sign out").await;
    assert_eq!(browser.status().await, 403);
    assert_eq!(browser.text("h1").await, "Form refused");
    browser.visit(&daemon.url("/")).await;
    assert_eq!(browser.status().await, 200, "still signed in");
    assert!(browser.text(".signout").await.contains("Signed in as"));

    browser.submit("Sign out").await;
    assert!(
        browser.has("form.login").await,
        "signed out: the sign-in form"
    );
    browser.visit(&daemon.url("/")).await;
    assert_eq!(browser.status().await, 401);
    assert!(browser.has("form.login").await);
    browser.quit().await;
    daemon.stop().await;
}
