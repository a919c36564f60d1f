//! `skillsync sim --platform cxone`: login, discovery, listings, writes and their per-item
//! failures, incremental reads, faults.

use std::collections::BTreeSet;

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::cxone_helpers::{cx_org, cx_token, spawn_cxone_sim, V};
use skillsync::sim::{Faults, SimConfig};

#[tokio::test]
async fn access_key_login_issues_an_hour_token_and_every_call_needs_it() {
    let sim = spawn_cxone_sim(cx_org()).await;
    let resp = cx_token(
        &sim.http,
        &sim.base,
        "skillsync-sim",
        "skillsync-sim-secret",
    )
    .await;
    assert_eq!(resp.status(), StatusCode::OK);
    let token: Value = resp.json().await.expect("json");
    assert_eq!(token["token_type"], "bearer");
    assert_eq!(token["expires_in"], 3600);
    for field in ["access_token", "refresh_token", "id_token"] {
        assert!(
            token[field].as_str().is_some_and(|t| !t.is_empty()),
            "{token}"
        );
    }

    let wrong = cx_token(&sim.http, &sim.base, "skillsync-sim", "nope").await;
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    let unknown = cx_token(&sim.http, &sim.base, "someone", "skillsync-sim-secret").await;
    assert_eq!(unknown.status(), StatusCode::UNAUTHORIZED);

    let url = sim.url(&format!("{V}/agents"));
    let bare = sim.http.get(&url).send().await.expect("sent");
    assert_eq!(bare.status(), StatusCode::UNAUTHORIZED);
    let bad = sim
        .http
        .get(&url)
        .bearer_auth("forged")
        .send()
        .await
        .expect("sent");
    assert_eq!(bad.status(), StatusCode::UNAUTHORIZED);
    let good = sim
        .http
        .get(&url)
        .bearer_auth(&sim.token)
        .send()
        .await
        .expect("sent");
    assert_eq!(good.status(), StatusCode::OK);
}

#[tokio::test]
async fn discovery_points_api_and_auth_at_the_simulator() {
    let sim = spawn_cxone_sim(cx_org()).await;
    let config: Value = sim
        .http
        .get(sim.url("/.well-known/cxone-configuration"))
        .send()
        .await
        .expect("sent")
        .json()
        .await
        .expect("json");
    assert_eq!(config["api_endpoint"], json!(sim.base));
    assert_eq!(config["auth_endpoint"], json!(sim.base));
}

#[tokio::test]
async fn any_v_n_0_version_is_served_and_others_are_not_found() {
    let sim = spawn_cxone_sim(cx_org()).await;
    for version in ["v2.0", "v23.0", "v34.0"] {
        let url = sim.url(&format!("/inContactAPI/services/{version}/skills"));
        let resp = sim
            .http
            .get(url)
            .bearer_auth(&sim.token)
            .send()
            .await
            .expect("sent");
        assert_eq!(resp.status(), StatusCode::OK, "{version}");
    }
    let url = sim.url("/inContactAPI/services/latest/skills");
    let resp = sim
        .http
        .get(url)
        .bearer_auth(&sim.token)
        .send()
        .await
        .expect("sent");
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn agents_and_skills_page_through_links_next() {
    let sim = spawn_cxone_sim(cx_org()).await;
    let first = sim.get("/agents?top=7&isActive=true").await;
    assert_eq!(first["totalRecords"], 20);
    assert_eq!(first["agents"].as_array().map(Vec::len), Some(7));
    assert_eq!(first["agents"][0]["emailAddress"], "agent00001@example.com");
    assert_eq!(first["agents"][0]["userName"], "agent00001@example.com");
    assert!(first["agents"][0]["agentId"].is_u64());
    assert!(first["agents"][0]["internalId"].is_string());
    assert!(first["lastPollTime"].is_string());

    let (agents, pages) = sim.all_pages("/agents?top=7&isActive=true", "agents").await;
    assert_eq!(pages, 3);
    let ids: BTreeSet<u64> = agents
        .iter()
        .map(|a| a["agentId"].as_u64().expect("id"))
        .collect();
    assert_eq!(ids.len(), 20);
    assert_eq!(ids.into_iter().collect::<Vec<_>>(), sim.agent_ids().await);

    let (skills, pages) = sim.all_pages("/skills?top=25", "skills").await;
    assert_eq!((skills.len(), pages), (60, 3));
    assert!(skills.iter().any(|s| s["skillName"] == "Billing_L1"));
    assert!(skills
        .iter()
        .all(|s| s["mediaTypeName"].is_string() && s["isActive"] == true));

    let too_big = sim.api(Method::GET, "/agents?top=100000", None).await;
    assert_eq!(too_big.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn assignment_listings_match_the_true_state() {
    let sim = spawn_cxone_sim(cx_org()).await;
    let (all, pages) = sim
        .all_pages("/agents/skills?top=50", "agentSkillAssignments")
        .await;
    assert!(pages > 1);
    for agent in sim.agent_ids().await {
        let mut listed: Vec<(u64, u64)> = all
            .iter()
            .filter(|a| a["agentId"] == agent)
            .map(|a| {
                (
                    a["skillId"].as_u64().expect("id"),
                    a["agentProficiencyValue"].as_u64().expect("p"),
                )
            })
            .collect();
        let mut truth = sim.held(agent).await;
        listed.sort();
        truth.sort();
        assert_eq!(listed, truth, "agent {agent}");
        assert!(truth.iter().all(|(_, p)| (1..=20).contains(p)));
        let own = sim.get(&format!("/agents/{agent}/skills")).await;
        assert_eq!(
            own["agentSkillAssignments"].as_array().map(Vec::len),
            Some(truth.len())
        );
    }
    let one = &all[0];
    for field in [
        "skillName",
        "agentProficiencyName",
        "isActive",
        "isSkillActive",
        "lastUpdateTime",
    ] {
        assert!(!one[field].is_null(), "{field} missing: {one}");
    }
}

fn results(body: &Value, key: &str) -> Vec<Value> {
    body["resultSet"][key].as_array().expect("results").clone()
}

#[tokio::test]
async fn per_agent_add_modify_and_delete() {
    let sim = spawn_cxone_sim(cx_org()).await;
    let (agent, _, lacking) = sim.agent_with_skills(1).await;
    let path = format!("/agents/{agent}/skills");
    let add = sim
        .ok(
            Method::POST,
            &path,
            Some(json!({"skills": [{"skillId": lacking, "proficiency": 4, "isActive": true}]})),
        )
        .await;
    assert_eq!(add["resultSet"]["errorCount"], 0);
    assert_eq!(results(&add, "skillResults")[0]["success"], true);
    assert!(sim.held(agent).await.contains(&(lacking, 4)));

    let modify = sim
        .ok(
            Method::PUT,
            &path,
            Some(json!({"skills": [{"skillId": lacking, "proficiency": 1, "isActive": true}]})),
        )
        .await;
    assert_eq!(modify["resultSet"]["errorCount"], 0);
    assert!(sim.held(agent).await.contains(&(lacking, 1)));

    let remove = sim
        .ok(
            Method::DELETE,
            &path,
            Some(json!({"skills": [{"skillId": lacking}]})),
        )
        .await;
    assert_eq!(remove["resultSet"]["errorCount"], 0);
    assert!(sim.held(agent).await.iter().all(|(s, _)| *s != lacking));

    let stats = sim.stats().await;
    assert_eq!(stats.writes, 3);
    assert_eq!(stats.writes_per_user.get(&agent.to_string()), Some(&3));
    assert!(stats
        .requests
        .iter()
        .any(|r| r.path == "/inContactAPI/services/{version}/agents/{agent_id}/skills"));
}

#[tokio::test]
async fn per_skill_add_modify_and_delete_one_agent() {
    let sim = spawn_cxone_sim(cx_org()).await;
    let (first, _, skill) = sim.agent_with_skills(1).await;
    let ids = sim.agent_ids().await;
    let mut lacking = Vec::new();
    for agent in ids {
        if sim.held(agent).await.iter().all(|(s, _)| *s != skill) {
            lacking.push(agent);
        }
    }
    assert!(lacking.contains(&first) && lacking.len() >= 2);
    let two = &lacking[..2];
    let path = format!("/skills/{skill}/agents");
    let items: Vec<Value> = two
        .iter()
        .map(|a| json!({"agentId": a, "proficiency": 7, "isActive": true}))
        .collect();
    let add = sim
        .ok(Method::POST, &path, Some(json!({"agents": items})))
        .await;
    assert_eq!(add["resultSet"]["errorCount"], 0);
    assert_eq!(results(&add, "agentResults").len(), 2);
    let modify = sim
        .ok(
            Method::PUT,
            &path,
            Some(json!({"agents": [{"agentId": two[0], "proficiency": 20}]})),
        )
        .await;
    assert_eq!(modify["resultSet"]["errorCount"], 0);
    assert!(sim.held(two[0]).await.contains(&(skill, 20)));
    assert!(sim.held(two[1]).await.contains(&(skill, 7)));

    let holders = sim.get(&format!("/skills/{skill}/agents")).await;
    assert!(holders["agentSkillAssignments"]
        .as_array()
        .expect("list")
        .iter()
        .any(|a| a["agentId"] == two[1]));

    let remove = sim
        .ok(
            Method::DELETE,
            &format!("/skills/{skill}/agents/{}", two[1]),
            None,
        )
        .await;
    assert_eq!(results(&remove, "agentResults")[0]["success"], true);
    assert!(sim.held(two[1]).await.iter().all(|(s, _)| *s != skill));
    let again = sim
        .ok(
            Method::DELETE,
            &format!("/skills/{skill}/agents/{}", two[1]),
            None,
        )
        .await;
    assert_eq!(again["resultSet"]["errorCount"], 1);
}

#[tokio::test]
async fn a_root_array_or_a_missing_wrapper_is_a_400() {
    let sim = spawn_cxone_sim(cx_org()).await;
    let (agent, _, lacking) = sim.agent_with_skills(1).await;
    let before = sim.held(agent).await;
    let path = format!("/agents/{agent}/skills");
    let array = sim
        .api(
            Method::POST,
            &path,
            Some(json!([{"skillId": lacking, "proficiency": 3}])),
        )
        .await;
    assert_eq!(array.status(), StatusCode::BAD_REQUEST);
    let body: Value = array.json().await.expect("json");
    assert_eq!(
        body["message"],
        "Invalid request body. Expected object, but got array."
    );
    assert_eq!(body["error_description"], body["message"]);

    let skill_path = format!("/skills/{lacking}/agents");
    let array = sim
        .api(Method::PUT, &skill_path, Some(json!([{"agentId": agent}])))
        .await;
    assert_eq!(array.status(), StatusCode::BAD_REQUEST);

    for body in [
        json!({}),
        json!({"agents": [{"skillId": lacking}]}),
        json!({"skills": {"skillId": lacking}}),
    ] {
        let resp = sim.api(Method::POST, &path, Some(body.clone())).await;
        assert_eq!(resp.status(), StatusCode::BAD_REQUEST, "{body}");
    }
    assert_eq!(sim.held(agent).await, before);
}

#[tokio::test]
async fn bad_items_fail_inside_a_200_and_the_rest_apply() {
    let sim = spawn_cxone_sim(cx_org()).await;
    let (agent, held, lacking) = sim.agent_with_skills(2).await;
    let path = format!("/agents/{agent}/skills");
    let add = sim
        .ok(
            Method::POST,
            &path,
            Some(json!({"skills": [
                {"skillId": held[0], "proficiency": 3},
                {"skillId": 999_999, "proficiency": 3},
                {"skillId": lacking, "proficiency": 0},
                {"skillId": lacking, "proficiency": 21},
                {"skillId": lacking, "proficiency": 20},
            ]})),
        )
        .await;
    assert_eq!(add["resultSet"]["errorCount"], 4, "{add}");
    let outcomes: Vec<bool> = results(&add, "skillResults")
        .iter()
        .map(|r| r["success"] == true)
        .collect();
    assert_eq!(outcomes, [false, false, false, false, true]);
    assert!(results(&add, "skillResults")[0]["errorMessage"]
        .as_str()
        .is_some_and(|m| m.contains("already")));
    assert!(sim.held(agent).await.contains(&(lacking, 20)));

    let (other, _, other_lacking) = sim.agent_with_skills(1).await;
    let other_path = format!("/agents/{other}/skills");
    let modify = sim
        .ok(
            Method::PUT,
            &other_path,
            Some(json!({"skills": [{"skillId": other_lacking, "proficiency": 2}]})),
        )
        .await;
    assert_eq!(modify["resultSet"]["errorCount"], 1);
    let remove = sim
        .ok(
            Method::DELETE,
            &other_path,
            Some(json!({"skills": [{"skillId": other_lacking}]})),
        )
        .await;
    assert_eq!(remove["resultSet"]["errorCount"], 1);
}

#[tokio::test]
async fn item_fail_next_fails_exactly_the_next_items() {
    let sim = spawn_cxone_sim(cx_org()).await;
    let (agent, _, lacking) = sim.agent_with_skills(1).await;
    let faults = sim.set_faults(json!({"item_fail_next": 2})).await;
    assert_eq!(faults["item_fail_next"], 2);
    let path = format!("/agents/{agent}/skills");
    let first = sim
        .ok(
            Method::POST,
            &path,
            Some(json!({"skills": [{"skillId": lacking, "proficiency": 5}]})),
        )
        .await;
    assert_eq!(first["resultSet"]["errorCount"], 1);
    assert!(sim.held(agent).await.iter().all(|(s, _)| *s != lacking));
    let second = sim
        .ok(
            Method::POST,
            &path,
            Some(json!({"skills": [
                {"skillId": lacking, "proficiency": 5},
                {"skillId": lacking, "proficiency": 5},
            ]})),
        )
        .await;
    let outcomes: Vec<bool> = results(&second, "skillResults")
        .iter()
        .map(|r| r["success"] == true)
        .collect();
    assert_eq!(outcomes, [false, true]);
    assert_eq!(sim.set_faults(json!({})).await["item_fail_next"], 0);
    assert!(sim.held(agent).await.contains(&(lacking, 5)));

    sim.set_faults(json!({"item_failure_rate": 1.0})).await;
    let all_fail = sim
        .ok(
            Method::DELETE,
            &path,
            Some(json!({"skills": [{"skillId": lacking}]})),
        )
        .await;
    assert_eq!(all_fail["resultSet"]["errorCount"], 1);
    let bad = sim
        .http
        .post(sim.url("/sim/faults"))
        .json(&json!({"item_failure_rate": 2.0}))
        .send()
        .await
        .expect("sent");
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn updated_since_returns_only_later_changes_including_admin_edits() {
    let sim = spawn_cxone_sim(cx_org()).await;
    let full = sim.get("/agents/skills?top=500").await;
    let poll = full["lastPollTime"]
        .as_str()
        .expect("lastPollTime")
        .to_string();
    let since = |t: &str| {
        format!(
            "/agents/skills?top=500&updatedSince={}",
            t.replace('+', "%2B")
        )
    };
    assert_eq!(sim.get(&since(&poll)).await["totalRecords"], 0);

    let (agent, held, lacking) = sim.agent_with_skills(2).await;
    sim.ok(
        Method::PUT,
        &format!("/agents/{agent}/skills"),
        Some(json!({"skills": [{"skillId": held[0], "proficiency": 9}]})),
    )
    .await;
    sim.ok(
        Method::DELETE,
        &format!("/agents/{agent}/skills"),
        Some(json!({"skills": [{"skillId": held[1]}]})),
    )
    .await;
    let other = sim
        .agent_ids()
        .await
        .into_iter()
        .find(|a| *a != agent)
        .expect("other");
    sim.admin_edit(
        other,
        json!({"skills": [{"id": lacking, "proficiency": 12}]}),
    )
    .await;

    // `lastPollTime` is cut to the millisecond: changes in the poll's own millisecond would be
    // reported again (never missed). Let that millisecond pass.
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    let changes = sim.get(&since(&poll)).await;
    let mut seen: Vec<(u64, u64, u64)> = changes["agentSkillAssignments"]
        .as_array()
        .expect("list")
        .iter()
        .map(|a| {
            (
                a["agentId"].as_u64().expect("a"),
                a["skillId"].as_u64().expect("s"),
                a["agentProficiencyValue"].as_u64().expect("p"),
            )
        })
        .collect();
    seen.sort();
    let mut want = vec![(agent, held[0], 9), (other, lacking, 12)];
    want.sort();
    assert_eq!(seen, want, "the removal is not reported incrementally");

    let later = changes["lastPollTime"].as_str().expect("poll").to_string();
    assert_eq!(sim.get(&since(&later)).await["totalRecords"], 0);
    let bad = sim
        .api(Method::GET, "/agents/skills?updatedSince=yesterday", None)
        .await;
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn reads_inside_the_lag_window_see_the_old_assignments() {
    let sim = spawn_cxone_sim(cx_org()).await;
    let (agent, _, lacking) = sim.agent_with_skills(1).await;
    sim.set_faults(json!({"lag_ms": 60_000})).await;
    sim.ok(
        Method::POST,
        &format!("/agents/{agent}/skills"),
        Some(json!({"skills": [{"skillId": lacking, "proficiency": 2}]})),
    )
    .await;
    let seen = sim.get(&format!("/agents/{agent}/skills")).await;
    assert!(seen["agentSkillAssignments"]
        .as_array()
        .expect("list")
        .iter()
        .all(|a| a["skillId"] != lacking));
    assert!(sim.held(agent).await.contains(&(lacking, 2)));
}

#[tokio::test]
async fn the_rate_limit_answers_429_with_retry_after() {
    let sim = spawn_cxone_sim(SimConfig {
        faults: Faults {
            rate_limit: 3,
            ..Faults::none()
        },
        ..cx_org()
    })
    .await;
    for _ in 0..3 {
        assert_eq!(
            sim.api(Method::GET, "/skills", None).await.status(),
            StatusCode::OK
        );
    }
    let throttled = sim.api(Method::GET, "/skills", None).await;
    assert_eq!(throttled.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry: u64 = throttled.headers()["retry-after"]
        .to_str()
        .expect("ascii")
        .parse()
        .expect("secs");
    assert!(retry >= 1);
    assert_eq!(sim.stats().await.throttled, 1);
}

#[tokio::test]
async fn timeout_next_applies_a_write_then_answers_504() {
    let sim = spawn_cxone_sim(cx_org()).await;
    let (agent, _, lacking) = sim.agent_with_skills(1).await;
    sim.set_faults(json!({"timeout_next": 1})).await;
    let resp = sim
        .api(
            Method::POST,
            &format!("/agents/{agent}/skills"),
            Some(json!({"skills": [{"skillId": lacking, "proficiency": 2}]})),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::GATEWAY_TIMEOUT);
    assert!(sim.held(agent).await.contains(&(lacking, 2)));
}

#[tokio::test]
async fn the_same_seed_makes_the_same_cxone_org() {
    let a = spawn_cxone_sim(cx_org()).await;
    let b = spawn_cxone_sim(cx_org()).await;
    let strip = |mut v: Value| {
        v["lastPollTime"] = Value::Null;
        v["_links"] = Value::Null;
        v
    };
    for path in [
        "/agents?top=500",
        "/skills?top=500",
        "/agents/skills?top=500",
    ] {
        assert_eq!(strip(a.get(path).await), strip(b.get(path).await), "{path}");
    }
    let other = spawn_cxone_sim(SimConfig {
        seed: 43,
        ..cx_org()
    })
    .await;
    let path = "/agents/skills?top=500";
    assert_ne!(strip(a.get(path).await), strip(other.get(path).await));
}

#[tokio::test]
async fn an_admin_edit_is_not_an_api_call_and_can_remove_by_name_or_id() {
    let sim = spawn_cxone_sim(cx_org()).await;
    let (agent, held, _) = sim.agent_with_skills(2).await;
    let name = sim.truth(agent).await["skills"][1]["name"]
        .as_str()
        .expect("name")
        .to_string();
    let before = sim.stats().await.total;
    sim.admin_edit(agent, json!({"remove": [held[0], name]}))
        .await;
    let now: Vec<u64> = sim.held(agent).await.iter().map(|h| h.0).collect();
    assert!(!now.contains(&held[0]) && !now.contains(&held[1]));
    assert_eq!(sim.stats().await.total, before);
    let bad = sim
        .http
        .post(sim.url(&format!("/sim/users/{agent}/skills")))
        .json(&json!({"skills": [{"name": "Billing_L1", "proficiency": 21}]}))
        .send()
        .await
        .expect("sent");
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn injected_503s_and_outages_hit_the_cxone_api_and_login() {
    let sim = spawn_cxone_sim(cx_org()).await;
    sim.set_faults(json!({"error_rate": 1.0})).await;
    let resp = sim.api(Method::GET, "/agents", None).await;
    assert_eq!(resp.status(), StatusCode::SERVICE_UNAVAILABLE);
    sim.set_faults(json!({"error_rate": 0.0, "outage_ms": 60_000}))
        .await;
    let login = cx_token(
        &sim.http,
        &sim.base,
        "skillsync-sim",
        "skillsync-sim-secret",
    )
    .await;
    assert_eq!(login.status(), StatusCode::SERVICE_UNAVAILABLE);
    sim.set_faults(json!({"outage_ms": 0})).await;
    assert_eq!(
        sim.api(Method::GET, "/agents", None).await.status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn skillsync_sim_platform_cxone_runs_as_a_process() {
    let port = crate::serve_process::free_port();
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_skillsync"))
        .args(["sim", "--platform", "cxone", "--agents", "3", "--listen"])
        .arg(format!("127.0.0.1:{port}"))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("skillsync sim starts");
    let sim = crate::serve_process::Serve {
        child,
        base: format!("http://127.0.0.1:{port}"),
    };
    let http = reqwest::Client::new();
    let mut token = None;
    for _ in 0..100 {
        let sent = http
            .post(format!("{}/authentication/v1/token/access-key", sim.base))
            .json(
                &json!({"accessKeyId": "skillsync-sim", "accessKeySecret": "skillsync-sim-secret"}),
            )
            .send()
            .await;
        if let Ok(resp) = sent {
            let body: Value = resp.json().await.expect("json");
            token = body["access_token"].as_str().map(str::to_string);
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let token = token.expect("the simulator answers");
    let agents: Value = http
        .get(format!("{}{V}/agents", sim.base))
        .bearer_auth(&token)
        .send()
        .await
        .expect("sent")
        .json()
        .await
        .expect("json");
    assert_eq!(agents["totalRecords"], 3);
}
