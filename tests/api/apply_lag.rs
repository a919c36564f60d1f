//! Read-your-writes: a re-plan after a conflict does not send again a write this attempt saw
//! acknowledged, though a lagging re-read still shows the state before it (issue 12, defect 8).

use serde_json::json;

use crate::helpers::{all_skills, apply, desired, settings_for, spawn_sim};
use skillsync::domain::FeedScope;
use skillsync::sim::{Faults, SimConfig};

#[tokio::test]
async fn a_delete_that_landed_before_a_conflict_is_not_sent_again_over_a_lagging_read() {
    let sim = spawn_sim(SimConfig {
        agents: 1,
        faults: Faults::none(),
        ..crate::helpers::small_org()
    })
    .await;
    let users = sim.user_ids().await;
    let user = &users[0];
    let held = all_skills(&sim, &users).await.remove(user).expect("skills");
    let (gone, _) = held.first().cloned().expect("the agent holds a skill");
    let added = ["Billing_L1", "Sales_L1", "Claims_L1"]
        .into_iter()
        .find(|n| held.iter().all(|(h, _)| h != n))
        .expect("a skill the agent lacks");
    let email = sim.truth(user).await["email"]
        .as_str()
        .expect("email")
        .to_string();
    // The agent keeps everything but `gone` and gains `added`: one DELETE, then one bulk PATCH.
    let mut csv = String::from("agent,type,name,proficiency\n");
    for (name, p) in held.iter().skip(1) {
        csv.push_str(&format!("{email},skill,{name},{p}\n"));
    }
    csv.push_str(&format!("{email},skill,{added},3\n"));

    // Reads lag writes by a second; a write within 100 ms of the last one conflicts. So the
    // PATCH right after the DELETE gets a 409, and the re-read 250 ms later still shows `gone`.
    sim.set_faults(json!({
        "lag_ms": 1000,
        "conflict_window_ms": 100,
        "conflict_probability": 1.0,
    }))
    .await;
    sim.reset_stats().await;
    let mut settings = settings_for(&sim);
    settings.ownership.skills.names = held.iter().map(|(n, _)| n.clone()).collect();
    settings.ownership.skills.names.push(added.to_string());
    settings.reconcile.settle_secs = 1.5;
    let (report, calls) = apply(&settings, &desired(&csv, FeedScope::Snapshot), true).await;
    let report = report.expect("ran");
    assert!(report.converged(), "{:?}", report.failures);
    assert!(calls.conflicts > 0, "the conflict happened: {calls:?}");

    let stats = sim.stats().await;
    let deletes: u64 = stats
        .requests
        .iter()
        .filter(|r| r.method == "DELETE")
        .map(|r| r.count)
        .sum();
    assert_eq!(deletes, 1, "the landed DELETE was sent once: {stats:?}");
    let after = all_skills(&sim, &users).await.remove(user).expect("skills");
    assert!(after.iter().all(|(n, _)| *n != gone), "{after:?}");
    assert!(
        after.iter().any(|(n, p)| n == added && *p == 3.0),
        "{after:?}"
    );
}
