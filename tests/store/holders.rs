//! Skill holders from the org's observed agents (the coverage guard's count), on both backends.

use chrono::Utc;
use serde_json::json;

use skillsync::domain::{LiveAgent, Name, Proficiency};
use skillsync::store::{ObservedAgent, Scan};

use crate::Db;

on_both_backends!(holders_are_counted_over_every_observed_agent_of_the_org);

fn live(n: u32, skills: &[&str]) -> LiveAgent {
    LiveAgent {
        user_id: format!("u{n}"),
        skills: skills
            .iter()
            .map(|s| (Name::parse(s).expect("name"), Proficiency::MIN))
            .collect(),
        ..LiveAgent::default()
    }
}

async fn holders_are_counted_over_every_observed_agent_of_the_org(db: Db) {
    let agents = [
        live(1, &["Billing", "Sales"]),
        live(2, &["Sales"]),
        live(3, &[]),
    ];
    let rows: Vec<ObservedAgent<'_>> = agents
        .iter()
        .map(|a| ObservedAgent {
            agent_key: None,
            live: a,
            drift: json!([]),
            drift_count: 0,
        })
        .collect();
    db.store
        .save_observed(&rows, Utc::now(), Scan::Full)
        .await
        .expect("saved");
    // Another org's agents do not count.
    let other = db.store.for_org("beta");
    other
        .save_observed(&rows[..1], Utc::now(), Scan::Full)
        .await
        .expect("saved");
    let holders = db.store.skill_holders().await.expect("holders");
    assert_eq!(holders.get("Sales"), Some(&2));
    assert_eq!(holders.get("Billing"), Some(&1));
    assert_eq!(holders.len(), 2);
}
