//! Observed agents and drift: totals, the name and state filters, failure streaks.

use chrono::{TimeDelta, TimeZone, Utc};
use serde_json::json;

use skillsync::domain::LiveAgent;
use skillsync::store::{AgentState, DriftFilter, LastChange, ObservedAgent, Scan};

use crate::Db;

on_both_backends!(
    observations_drive_drift_totals_and_filters,
    the_name_filter_matches_a_planned_change_of_that_exact_name,
    observations_keep_their_instant_and_failure_streaks_reset_on_convergence,
    users_with_the_same_label_are_each_on_exactly_one_page,
);

async fn observations_drive_drift_totals_and_filters(db: Db) {
    let store = &db.store;
    let live = |n: u32| LiveAgent {
        user_id: format!("u{n}"),
        email: Some(format!("agent{n:05}@example.com")),
        ..LiveAgent::default()
    };
    let (a, b, c) = (live(1), live(2), live(3));
    let observed = [
        ObservedAgent {
            agent_key: Some("agent00001@example.com"),
            live: &a,
            drift: json!([{"name": "Billing_L1"}]),
            drift_count: 1,
        },
        ObservedAgent {
            agent_key: Some("agent00002@example.com"),
            live: &b,
            drift: json!([{"name": "Sales_L1"}]),
            drift_count: 1,
        },
        ObservedAgent {
            agent_key: None,
            live: &c,
            drift: json!([]),
            drift_count: 0,
        },
    ];
    store
        .save_observed(&observed, Utc::now(), Scan::Full)
        .await
        .expect("saved");
    let page = store
        .drift(&DriftFilter {
            name: Some("Billing_L1".into()),
            limit: 10,
            ..Default::default()
        })
        .await
        .expect("drift");
    assert_eq!(
        (page.summary.observed, page.summary.drifted, page.total),
        (3, 2, 1)
    );
    assert_eq!(page.agents[0].user_id, "u1");
    store
        .set_agent_state(
            "u2",
            AgentState::NeedsAttention,
            Some("boom"),
            LastChange::Kept,
        )
        .await
        .expect("state");
    let page = store
        .drift(&DriftFilter {
            state: Some("needs_attention".into()),
            limit: 10,
            ..Default::default()
        })
        .await
        .expect("drift");
    assert_eq!(
        page.agents
            .iter()
            .map(|a| a.user_id.as_str())
            .collect::<Vec<_>>(),
        ["u2"]
    );
    assert_eq!(page.agents[0].consecutive_failures, 1);
    // A full scan without u3 forgets it.
    store
        .save_observed(&observed[..2], Utc::now(), Scan::Full)
        .await
        .expect("saved");
    assert!(store.agent("u3").await.expect("read").is_none());
    assert!(store
        .agent("agent00001@example.com")
        .await
        .expect("read")
        .is_some());
}

fn live(n: u32) -> LiveAgent {
    LiveAgent {
        user_id: format!("u{n}"),
        email: Some(format!("agent{n:05}@example.com")),
        ..LiveAgent::default()
    }
}

async fn the_name_filter_matches_a_planned_change_of_that_exact_name(db: Db) {
    let store = &db.store;
    let agents: Vec<LiveAgent> = (1..=4).map(live).collect();
    let drifts = [
        json!([{"kind": "skill", "name": "Billing_L1", "to": 3.0}, {"name": "Sales_L1"}]),
        json!([{"kind": "skill", "name": "Billing_L10"}]),
        json!([{"kind": "skill", "name": "Other", "note": "Billing_L1"}]),
        json!([{"kind": "language", "name": "Billing_L1"}]),
    ];
    let observed: Vec<ObservedAgent<'_>> = agents
        .iter()
        .zip(&drifts)
        .map(|(live, drift)| ObservedAgent {
            agent_key: live.email.as_deref(),
            live,
            drift: drift.clone(),
            drift_count: drift.as_array().map_or(0, Vec::len),
        })
        .collect();
    store
        .save_observed(&observed, Utc::now(), Scan::Full)
        .await
        .expect("saved");
    let named = |name: &str| DriftFilter {
        name: Some(name.into()),
        limit: 10,
        ..Default::default()
    };
    let page = store.drift(&named("Billing_L1")).await.expect("drift");
    let users: Vec<&str> = page.agents.iter().map(|a| a.user_id.as_str()).collect();
    assert_eq!(users, ["u1", "u4"], "not a prefix, not another field");
    assert_eq!((page.total, page.summary.changes), (2, 5));
    assert_eq!(
        page.agents[0].drift, drifts[0],
        "drift reads back as stored"
    );
    assert_eq!(
        store.drift(&named("Sales_L1")).await.expect("drift").total,
        1
    );
    assert_eq!(
        store
            .drift(&named("billing_l1"))
            .await
            .expect("drift")
            .total,
        0
    );
    let paged = store
        .drift(&DriftFilter {
            limit: 2,
            offset: 2,
            ..Default::default()
        })
        .await
        .expect("drift");
    let users: Vec<&str> = paged.agents.iter().map(|a| a.user_id.as_str()).collect();
    assert_eq!((users, paged.total), (vec!["u3", "u4"], 4));
}

async fn observations_keep_their_instant_and_failure_streaks_reset_on_convergence(db: Db) {
    let store = &db.store;
    let agent = live(1);
    let at = Utc
        .with_ymd_and_hms(2026, 3, 29, 1, 59, 59)
        .single()
        .expect("instant")
        + TimeDelta::milliseconds(987);
    let drifted = [ObservedAgent {
        agent_key: Some("agent00001@example.com"),
        live: &agent,
        drift: json!([{"name": "A"}]),
        drift_count: 1,
    }];
    store
        .save_observed(&drifted, at, Scan::Partial)
        .await
        .expect("saved");
    let page = store.drift(&DriftFilter::default()).await.expect("drift");
    assert_eq!(page.summary.observed_at, Some(at));
    let record = store.agent("u1").await.expect("read").expect("agent");
    assert_eq!((record.observed_at, record.state.as_str()), (at, "drifted"));
    assert_eq!(record.last_change_at, None);
    for _ in 0..2 {
        store
            .set_agent_state("u1", AgentState::Pending, Some("503"), LastChange::Kept)
            .await
            .expect("state");
    }
    assert_eq!(store.agent_failures("u1").await.expect("read"), 2);
    assert_eq!(store.agent_failures("nobody").await.expect("read"), 0);
    store
        .set_agent_state("u1", AgentState::Pending, None, LastChange::Now)
        .await
        .expect("state");
    let record = store
        .agent("agent00001@example.com")
        .await
        .expect("read")
        .expect("agent");
    let changed = record.last_change_at.expect("written now");
    assert!(
        (Utc::now() - changed).abs() < TimeDelta::minutes(1),
        "{changed}"
    );
    assert_eq!(record.consecutive_failures, 0);
    // A later observation without drift converges it; the streak stays reset.
    let later = at + TimeDelta::milliseconds(13);
    let converged = [ObservedAgent {
        drift: json!([]),
        drift_count: 0,
        ..drifted[0]
    }];
    store
        .save_observed(&converged, later, Scan::Partial)
        .await
        .expect("saved");
    let record = store.agent("u1").await.expect("read").expect("agent");
    assert_eq!(
        (record.observed_at, record.state.as_str()),
        (later, "converged")
    );
}

async fn users_with_the_same_label_are_each_on_exactly_one_page(db: Db) {
    let store = &db.store;
    // Several users spelled with the same email: the label ties, the pages must not.
    let twins: Vec<LiveAgent> = (1..=6)
        .map(|n| LiveAgent {
            email: Some("shared@example.com".into()),
            ..live(n)
        })
        .collect();
    let observed: Vec<ObservedAgent<'_, serde_json::Value>> = twins
        .iter()
        .map(|agent| ObservedAgent {
            agent_key: None,
            live: agent,
            drift: json!([{"name": "Billing_L1"}]),
            drift_count: 1,
        })
        .collect();
    store
        .save_observed(&observed, Utc::now(), Scan::Full)
        .await
        .expect("saved");
    let mut seen = Vec::new();
    for offset in 0..6 {
        let page = store
            .drift(&DriftFilter {
                limit: 1,
                offset,
                ..Default::default()
            })
            .await
            .expect("drift");
        seen.extend(page.agents.into_iter().map(|a| a.user_id));
    }
    seen.sort();
    assert_eq!(seen, ["u1", "u2", "u3", "u4", "u5", "u6"]);
}
