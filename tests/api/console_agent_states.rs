//! The console's agent page says why an agent waits: a deferred agent's reason and since when,
//! as the status API reports them.

use reqwest::StatusCode;
use serde_json::{json, Value};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

use crate::helpers::{daemon_settings, database_url, small_org, spawn_daemon, spawn_sim};

#[sqlx::test(migrations = false)]
async fn a_deferred_agents_page_gives_the_reason_and_since_when(
    _: PgPoolOptions,
    db: PgConnectOptions,
) {
    let sim = spawn_sim(small_org()).await;
    let daemon = spawn_daemon(daemon_settings(&sim, &database_url(&db))).await;
    daemon.wait_job(1, &["succeeded"]).await;
    let user = sim.user_ids().await.remove(0);
    let email = sim.truth(&user).await["email"]
        .as_str()
        .expect("email")
        .to_owned();
    let busy = sim
        .http
        .post(sim.url(&format!("/sim/users/{user}/routingstatus")))
        .json(&json!({ "status": "INTERACTING" }))
        .send()
        .await
        .expect("sim");
    assert_eq!(busy.status(), StatusCode::NO_CONTENT);
    let accepted: Value = daemon
        .post_feed(
            &format!("agent,type,name,proficiency\n{email},skill,Billing_L1,4\n"),
            "partial",
        )
        .await;
    daemon.wait_started(&accepted, &["succeeded"]).await;

    let api = daemon.get_json(&format!("/v1/agents/{user}")).await;
    assert_eq!(api["agent"]["state"], "deferred", "{api}");
    let reason = api["agent"]["last_error"].as_str().expect("a reason");
    let org = daemon.ctx.api.org.clone();
    let resp = daemon
        .http
        .get(daemon.url(&format!("/orgs/{org}/agents/{user}")))
        .send()
        .await
        .expect("sent");
    assert_eq!(resp.status(), StatusCode::OK);
    let body = resp.text().await.expect("text");
    assert!(
        body.contains("<dd class=\"state state-deferred\">deferred</dd>"),
        "{body}"
    );
    assert!(
        body.contains(&format!(
            "Deferred because: <span class=\"last-error\">{}</span>",
            crate::console_fixture::escaped(reason)
        )),
        "{reason:?} in {body}"
    );
    assert!(body.contains("<dt>Deferred since</dt>"), "{body}");
    // Looked up by user id, shown under its feed key.
    assert!(body.contains(&format!("{email}</span></h1>")), "{body}");
    daemon.stop().await;
}
