//! The CXone skill catalog against the CXone simulator: definitions with their state, retiring
//! one by deactivating it (CXone skills cannot be deleted through the API), creating one refused
//! with the reason, no skill groups; and the simulator's `…/skills/{skillId}` itself.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::cxone_helpers::{cx_org, spawn_cxone_sim, CxSim};
use skillsync::platform::cxone::Cxone;
use skillsync::platform::{DefinitionRetired, DefinitionState, Platform, PlatformError};

fn connector(sim: &CxSim) -> Cxone {
    let mut settings = skillsync::config::Settings::defaults()
        .expect("defaults")
        .platform;
    settings.kind = "cxone".into();
    settings.base_url = sim.base.clone();
    settings.access_key_id = "skillsync-sim".into();
    settings.access_key_secret = "skillsync-sim-secret".into();
    settings.requests_per_minute = 100_000;
    settings.users_page_size = 25;
    Cxone::new(&settings).expect("connector")
}

/// `update_skill` calls the connector made.
fn updates(cx: &Cxone) -> u64 {
    cx.calls()
        .calls
        .iter()
        .filter(|(kind, _)| kind.label() == "update_skill")
        .map(|(_, n)| *n)
        .sum()
}

/// `PUT …/skills/{skillId}` requests the simulator served.
async fn skill_puts(sim: &CxSim) -> u64 {
    sim.stats()
        .await
        .served("PUT", |path| path.ends_with("/skills/{skill_id}"))
}

#[tokio::test]
async fn definitions_list_every_skill_and_retiring_one_deactivates_it_once() {
    let sim = spawn_cxone_sim(cx_org()).await;
    let cx = connector(&sim);

    let before = cx.skill_definitions().await.expect("definitions");
    assert_eq!(before.len(), 60, "three pages of 25");
    assert!(before.iter().all(|d| d.state == DefinitionState::Active));

    let (agent, held, _) = sim.agent_with_skills(1).await;
    let skill = held[0];
    let name = sim.get(&format!("/skills/{skill}")).await["skillName"]
        .as_str()
        .expect("skillName")
        .to_string();
    assert!(before
        .iter()
        .any(|d| d.name == name && d.id == skill.to_string()));

    let wrong_case = name.to_lowercase();
    assert_eq!(
        cx.retire_skill_definition(&wrong_case)
            .await
            .expect("retire"),
        DefinitionRetired::AlreadyGone,
        "names are case-sensitive"
    );
    assert_eq!(updates(&cx), 0);

    let retired = cx.retire_skill_definition(&name).await.expect("retire");
    assert_eq!(retired, DefinitionRetired::Deactivated);
    assert_eq!(updates(&cx), 1);
    assert_eq!(skill_puts(&sim).await, 1);

    let one = sim.get(&format!("/skills/{skill}")).await;
    assert_eq!(one["isActive"], false, "{one}");
    let inactive = sim.get("/skills?isActive=false").await;
    assert_eq!(inactive["totalRecords"], 1, "{inactive}");
    let assignments = sim.get(&format!("/agents/{agent}/skills")).await;
    let record = assignments["agentSkillAssignments"]
        .as_array()
        .expect("assignments")
        .iter()
        .find(|a| a["skillId"] == skill)
        .cloned()
        .expect("the agent still holds the deactivated skill");
    assert_eq!(record["isSkillActive"], false, "{record}");

    let after = cx.skill_definitions().await.expect("definitions");
    let states: Vec<(bool, DefinitionState)> = after
        .iter()
        .map(|d| (d.name == name, d.state))
        .filter(|(retired, state)| *retired || *state != DefinitionState::Active)
        .collect();
    assert_eq!(states, [(true, DefinitionState::Inactive)]);

    assert_eq!(
        cx.retire_skill_definition(&name).await.expect("again"),
        DefinitionRetired::AlreadyGone
    );
    assert_eq!(
        cx.retire_skill_definition("NoSuchSkill")
            .await
            .expect("unknown"),
        DefinitionRetired::AlreadyGone
    );
    assert_eq!(updates(&cx), 1, "nothing left to deactivate: no PUT");
    assert_eq!(skill_puts(&sim).await, 1);
}

#[tokio::test]
async fn creating_is_refused_with_the_reason_and_there_are_no_skill_groups() {
    let sim = spawn_cxone_sim(cx_org()).await;
    let cx = connector(&sim);
    match cx.create_skill("Brand_New", Some("why")).await {
        Err(PlatformError::Unsupported(why)) => {
            assert!(why.contains("media type"), "{why}");
        }
        other => panic!("creating a CXone skill: {other:?}"),
    }
    assert!(cx.skill_groups().await.expect("groups").is_empty());
    assert_eq!(sim.stats().await.writes, 0);
}

#[tokio::test]
async fn the_simulator_updates_a_skill_only_from_a_wrapped_object() {
    let sim = spawn_cxone_sim(cx_org()).await;
    let path = "/skills/10002";
    let status = |body: Value| {
        let sim = &sim;
        async move { sim.api(Method::PUT, path, Some(body)).await.status() }
    };
    for bad in [
        json!([{"isActive": false}]),
        json!({"isActive": false}),
        json!({"skill": [{"isActive": false}]}),
        json!({"skill": {"isActive": "no"}}),
    ] {
        assert_eq!(status(bad.clone()).await, StatusCode::BAD_REQUEST, "{bad}");
    }
    let unknown = sim
        .api(Method::PUT, "/skills/99999", Some(json!({"skill": {}})))
        .await;
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        sim.api(Method::GET, "/skills/99999", None).await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(sim.get(path).await["isActive"], true, "nothing was changed");

    let taken = sim.get("/skills/10001").await["skillName"].clone();
    assert_eq!(
        status(json!({"skill": {"skillName": taken}})).await,
        StatusCode::BAD_REQUEST,
        "a name another skill has"
    );

    let answer = sim
        .ok(
            Method::PUT,
            path,
            Some(json!({"skill": {"isActive": false, "skillName": "Renamed", "notes": "old"}})),
        )
        .await;
    assert_eq!(answer, json!({"success": true, "skillId": 10002}));
    let one = sim.get(path).await;
    assert_eq!(
        (&one["isActive"], &one["skillName"], &one["notes"]),
        (&json!(false), &json!("Renamed"), &json!("old"))
    );
    sim.ok(
        Method::PUT,
        path,
        Some(json!({"skill": {"isActive": true}})),
    )
    .await;
    let one = sim.get(path).await;
    assert_eq!(
        (&one["isActive"], &one["skillName"]),
        (&json!(true), &json!("Renamed"))
    );
}
