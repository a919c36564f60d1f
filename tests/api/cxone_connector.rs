//! The CXone connector's reads and writes against the CXone simulator: both follow the
//! documented platform, so what one sends the other must understand — listings paged and
//! grouped, wrapped write bodies, batches, failed items inside a 200, incremental reads.

use std::collections::BTreeMap;

use serde_json::json;

use crate::cxone_helpers::{cx_org, spawn_cxone_sim, CxSim};
use skillsync::platform::cxone::{
    AgentGrant, AgentSkillRemovals, Cxone, CxoneId, CxoneProficiency,
};
use skillsync::sim::SimConfig;

fn connector(sim: &CxSim, batch: u32) -> Cxone {
    let mut settings = skillsync::config::Settings::defaults()
        .expect("defaults")
        .platform;
    settings.kind = "cxone".into();
    settings.base_url = sim.base.clone();
    settings.access_key_id = "skillsync-sim".into();
    settings.access_key_secret = "skillsync-sim-secret".into();
    settings.requests_per_minute = 100_000;
    settings.users_page_size = 7;
    settings.write_batch_size = batch;
    Cxone::new(&settings).expect("connector")
}

fn id(n: u64) -> CxoneId {
    CxoneId::new(n.to_string())
}

fn p(n: i64) -> CxoneProficiency {
    CxoneProficiency::new(n).expect("1-20")
}

#[tokio::test]
async fn the_listings_page_through_the_org_and_match_the_true_assignments() {
    let sim = spawn_cxone_sim(cx_org()).await;
    let cx = connector(&sim, 50);
    cx.check_credentials()
        .await
        .expect("the access key is accepted");
    let agents = cx.agents().await.expect("agents");
    assert_eq!(agents.len(), 20, "three pages of 7");
    let assignments = cx.assignments().await.expect("assignments");
    for agent in sim.agent_ids().await {
        let mut want = sim.held(agent).await;
        want.sort();
        let mut got: Vec<(u64, u64)> = assignments
            .get(&id(agent))
            .map(|list| {
                list.iter()
                    .map(|a| {
                        let skill = a.skill_id.as_str().parse().expect("numeric id");
                        let value = a.agent_proficiency_value.expect("1-20").get();
                        (skill, u64::from(value))
                    })
                    .collect()
            })
            .unwrap_or_default();
        got.sort();
        assert_eq!(got, want, "agent {agent}");
    }
}

/// `POST …/skills/{skillId}/agents` calls so far.
async fn skill_posts(sim: &CxSim) -> u64 {
    sim.stats()
        .await
        .served("POST", |path| path.contains("/skills/"))
}

#[tokio::test]
async fn batched_per_skill_writes_land_and_failed_items_inside_a_200_are_reported() {
    let sim = spawn_cxone_sim(SimConfig {
        agents: 5,
        ..cx_org()
    })
    .await;
    let cx = connector(&sim, 2);
    let agents = sim.agent_ids().await;
    let (_, _, skill) = sim.agent_with_skills(0).await;
    let lacking: Vec<u64> = {
        let mut out = Vec::new();
        for a in &agents {
            if sim.held(*a).await.iter().all(|(s, _)| *s != skill) {
                out.push(*a);
            }
        }
        out
    };
    assert!(lacking.len() >= 3, "enough agents lack the skill");
    sim.set_faults(json!({"item_fail_next": 1})).await;
    let posts_before = skill_posts(&sim).await;
    let grants: Vec<AgentGrant> = lacking
        .iter()
        .map(|a| AgentGrant {
            agent_id: id(*a),
            proficiency: p(4),
            is_active: true,
        })
        .collect();
    let report = cx
        .add_skill_agents(&id(skill), &grants)
        .await
        .expect("sent");
    let failed: Vec<&CxoneId> = report.failed_ids().collect();
    assert_eq!(failed.len(), 1, "one item failed inside a 200: {report:?}");
    let posts = skill_posts(&sim).await - posts_before;
    assert_eq!(posts as usize, lacking.len().div_ceil(2), "batches of 2");
    let mut holding = BTreeMap::new();
    for a in &lacking {
        holding.insert(*a, sim.held(*a).await.contains(&(skill, 4)));
    }
    let failed_agent: u64 = failed[0].as_str().parse().expect("agent id");
    for (agent, holds) in holding {
        assert_eq!(holds, agent != failed_agent, "agent {agent}");
    }

    // A per-agent removal: a wrapped body, and the skill is gone.
    let agent = *lacking
        .iter()
        .find(|a| **a != failed_agent)
        .expect("an agent that got the skill");
    let removal = AgentSkillRemovals::new([id(skill)]);
    let report = cx
        .delete_agent_skills(&id(agent), &removal)
        .await
        .expect("sent");
    assert!(report.is_clean(), "{report:?}");
    assert!(sim.held(agent).await.iter().all(|(s, _)| *s != skill));
}

#[tokio::test]
async fn an_incremental_read_returns_an_edit_made_in_the_cxone_ui() {
    let sim = spawn_cxone_sim(cx_org()).await;
    let cx = connector(&sim, 50);
    let first = cx
        .read_assignments_since("2000-01-01T00:00:00.000Z")
        .await
        .expect("everything changed since 2000");
    let poll = first.last_poll_time.expect("lastPollTime");
    let (agent, _, lacking) = sim.agent_with_skills(1).await;
    // The edit lands in a later millisecond than the poll (CXone's times are milliseconds).
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    sim.admin_edit(
        agent,
        json!({"skills": [{"id": lacking, "proficiency": 12}]}),
    )
    .await;
    let changes = cx.read_assignments_since(&poll).await.expect("changes");
    let seen: Vec<(String, String, Option<u8>)> = changes
        .records
        .iter()
        .map(|a| {
            (
                a.agent_id.as_str().to_string(),
                a.skill_id.as_str().to_string(),
                a.agent_proficiency_value.map(|v| v.get()),
            )
        })
        .collect();
    assert_eq!(
        seen,
        [(agent.to_string(), lacking.to_string(), Some(12))],
        "only the edit"
    );
}
