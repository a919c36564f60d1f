//! Several orgs behind one API: each org's paths, `GET /v1/orgs`, what `/v1/…` means, and tokens
//! limited to some orgs. The orgs share one database here (the store is not scoped by org in
//! these tests), so this proves routing, tokens and listing, not data isolation.

use reqwest::{Method, StatusCode};
use serde_json::Value;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

use crate::helpers::{
    daemon_settings, database_url, org_api, serve_router, small_org, spawn_daemon, spawn_sim,
    TestDaemon, INGEST_TOKEN,
};
use skillsync::config::Secret;
use skillsync::http::{router_for_orgs, ApiToken, Orgs, OrgsError, ServerSettings};

const ACME_INGEST: &str = "acme-only-ingest-token";
const ACME_READ: &str = "acme-only-read-token-0";
const OPS_READ: &str = "every-org-read-token-0";

/// `[server]` with an ingest token for every org (the daemon's), one for acme only, and read
/// tokens for every org and for acme only.
fn server(daemon: &TestDaemon) -> ServerSettings {
    let mut server = daemon.ctx.api.server.clone();
    let acme = || vec!["acme".to_string()];
    server.ingest_tokens.insert(
        "acme-wfm".into(),
        ApiToken::for_orgs(Secret::from(ACME_INGEST), acme()),
    );
    server.read_tokens.insert(
        "acme-reader".into(),
        ApiToken::for_orgs(Secret::from(ACME_READ), acme()),
    );
    server
        .read_tokens
        .insert("ops".into(), Secret::from(OPS_READ).into());
    server
}

/// An API serving `names`, each an org over the daemon's database.
async fn serve_orgs(daemon: &TestDaemon, names: &[&str]) -> String {
    let server = server(daemon);
    let apis = names
        .iter()
        .map(|name| org_api(&daemon.ctx.api, name, server.clone()))
        .collect();
    serve_router(router_for_orgs(Orgs::new(apis).expect("distinct orgs"))).await
}

async fn call(method: Method, url: String, token: Option<&str>) -> (StatusCode, Value) {
    let mut request = reqwest::Client::new().request(method.clone(), &url);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    if method == Method::POST {
        request = request
            .header("content-type", "text/csv")
            .body("agent,type,name,proficiency\nagent00001@example.com,skill,Billing_L1,1\n");
    }
    let response = request.send().await.expect("sent");
    let status = response.status();
    (status, response.json().await.expect("json"))
}

fn names(list: &Value) -> Vec<&str> {
    list["orgs"]
        .as_array()
        .expect("orgs")
        .iter()
        .map(|o| o["name"].as_str().expect("name"))
        .collect()
}

#[sqlx::test(migrations = false)]
async fn each_org_has_its_paths_and_tokens_are_held_to_their_orgs(
    _: PgPoolOptions,
    db: PgConnectOptions,
) {
    let sim = spawn_sim(small_org()).await;
    let daemon = spawn_daemon(daemon_settings(&sim, &database_url(&db))).await;
    daemon.wait_job(1, &["succeeded"]).await;
    let base = serve_orgs(&daemon, &["acme", "beta"]).await;
    let url = |path: &str| format!("{base}{path}");

    // Listing: every org for an unlimited token, acme only for an acme token, none without one.
    let (status, all) = call(Method::GET, url("/v1/orgs"), Some(OPS_READ)).await;
    assert_eq!(status, StatusCode::OK, "{all}");
    assert_eq!(names(&all), ["acme", "beta"]);
    let acme = &all["orgs"][0];
    assert_eq!(acme["platform"], "genesys", "{acme}");
    assert!(acme["leader"].is_null(), "no lease taken yet: {acme}");
    assert_eq!(acme["last_job"]["status"], "succeeded", "{acme}");
    assert_eq!(acme["last_job"]["trigger"], "startup", "{acme}");
    assert_eq!(acme["drift"]["observed"], 20, "{acme}");
    let (_, limited) = call(Method::GET, url("/v1/orgs"), Some(ACME_READ)).await;
    assert_eq!(names(&limited), ["acme"]);
    let (_, by_ingest) = call(Method::GET, url("/v1/orgs"), Some(ACME_INGEST)).await;
    assert_eq!(names(&by_ingest), ["acme"]);
    let (status, _) = call(Method::GET, url("/v1/orgs"), None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    // The lease holder is the org's leader while the lease is in force.
    let store = &daemon.ctx.api.store;
    store
        .renew_org_leases("replica-a", &["acme", "beta"], 30.0)
        .await
        .expect("heartbeat");
    store
        .claim_org_leases("replica-a", &["acme"], 1, 30.0)
        .await
        .expect("claim");
    let (_, led) = call(Method::GET, url("/v1/orgs"), Some(OPS_READ)).await;
    assert_eq!(led["orgs"][0]["leader"], "replica-a", "{led}");
    assert!(led["orgs"][1]["leader"].is_null(), "{led}");

    // Writes: a token limited to acme writes acme and is forbidden on beta, naming the org only.
    let (status, accepted) = call(
        Method::POST,
        url("/v1/orgs/acme/feeds?scope=partial"),
        Some(ACME_INGEST),
    )
    .await;
    assert!(status.is_success(), "{status} {accepted}");
    assert!(accepted["job_id"].is_i64(), "{accepted}");
    let (status, refused) = call(
        Method::POST,
        url("/v1/orgs/beta/feeds?scope=partial"),
        Some(ACME_INGEST),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{refused}");
    assert_eq!(refused["error"]["code"], "forbidden");
    let message = refused["error"]["message"].as_str().expect("message");
    assert!(
        message.contains("beta") && !message.contains(ACME_INGEST),
        "{message}"
    );
    let (status, _) = call(
        Method::POST,
        url("/v1/orgs/beta/feeds?scope=partial"),
        Some("not-a-token"),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _) = call(
        Method::POST,
        url("/v1/orgs/beta/feeds?scope=partial"),
        Some(INGEST_TOKEN),
    )
    .await;
    assert!(status.is_success(), "an unlimited token writes every org");

    // Reads: held to the token's orgs too.
    for path in [
        "/v1/orgs/acme/jobs",
        "/v1/orgs/acme/drift",
        "/v1/orgs/acme/audit",
    ] {
        let (status, body) = call(Method::GET, url(path), Some(ACME_READ)).await;
        assert_eq!(status, StatusCode::OK, "{path}: {body}");
    }
    let (status, refused) = call(Method::GET, url("/v1/orgs/beta/jobs"), Some(ACME_READ)).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{refused}");
    let (status, _) = call(Method::GET, url("/v1/orgs/beta/jobs/1"), Some(OPS_READ)).await;
    assert_eq!(status, StatusCode::OK);

    // Unknown org, unknown resource of a known org, and /v1/… with no default org.
    let (status, unknown) = call(Method::GET, url("/v1/orgs/gamma/feeds"), Some(OPS_READ)).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{unknown}");
    assert_eq!(unknown["error"]["code"], "not_found");
    assert!(unknown["error"]["message"]
        .as_str()
        .expect("message")
        .contains("gamma"));
    // Without a token an unknown org is as refused as a known one: names cannot be probed.
    let (status, probe) = call(Method::GET, url("/v1/orgs/gamma/feeds"), None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{probe}");
    let (status, probe) = call(Method::GET, url("/v1/feeds"), None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{probe}");
    let (status, nothing) = call(Method::GET, url("/v1/orgs/acme/nothing"), Some(OPS_READ)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(
        !nothing["error"]["message"]
            .as_str()
            .expect("message")
            .contains("org"),
        "{nothing}"
    );
    let (status, no_default) = call(Method::GET, url("/v1/feeds"), Some(OPS_READ)).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{no_default}");
    let message = no_default["error"]["message"].as_str().expect("message");
    assert!(message.contains("/v1/orgs/{org}/"), "{message}");

    // Health is the process's: at the root, every org's platform probed.
    let (status, ready) = call(Method::GET, url("/readyz"), None).await;
    assert_eq!(status, StatusCode::OK, "{ready}");
    assert_eq!(
        ready["orgs"]["beta"]["platform_token"]["ok"], true,
        "{ready}"
    );
    daemon.stop().await;
}

#[sqlx::test(migrations = false)]
async fn v1_paths_mean_the_default_org(_: PgPoolOptions, db: PgConnectOptions) {
    let sim = spawn_sim(small_org()).await;
    let daemon = spawn_daemon(daemon_settings(&sim, &database_url(&db))).await;
    daemon.wait_job(1, &["succeeded"]).await;
    let base = serve_orgs(&daemon, &["acme", "default"]).await;
    let url = |path: &str| format!("{base}{path}");
    let (status, feeds) = call(Method::GET, url("/v1/feeds"), Some(OPS_READ)).await;
    assert_eq!(status, StatusCode::OK, "{feeds}");
    let (status, _) = call(Method::GET, url("/v1/orgs/default/feeds"), Some(OPS_READ)).await;
    assert_eq!(status, StatusCode::OK);
    // /v1/… is the default org's, so a token limited to acme may not use it.
    let (status, refused) = call(Method::GET, url("/v1/feeds"), Some(ACME_READ)).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{refused}");
    assert!(refused["error"]["message"]
        .as_str()
        .expect("message")
        .contains("default"));
    let (status, refused) = call(
        Method::POST,
        url("/v1/feeds?scope=partial"),
        Some(ACME_INGEST),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{refused}");

    let twice = vec![
        org_api(&daemon.ctx.api, "acme", server(&daemon)),
        org_api(&daemon.ctx.api, "acme", server(&daemon)),
    ];
    assert_eq!(
        Orgs::new(twice).err(),
        Some(OrgsError::Duplicate("acme".into()))
    );
    assert_eq!(Orgs::new(Vec::new()).err(), Some(OrgsError::Empty));
    daemon.stop().await;
}
