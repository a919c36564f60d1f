//! Builders shared by the store tests.

use std::collections::BTreeMap;

use serde_json::json;

use skillsync::domain::{
    AgentDesired, AgentKey, DesiredState, FeedFormat, FeedScope, Name, Proficiency,
};
use skillsync::store::{Accepted, NewFeed, Store};

pub fn agent(skills: &[(&str, f64)]) -> AgentDesired {
    AgentDesired {
        skills: skills
            .iter()
            .map(|(n, p)| {
                (
                    Name::parse(n).expect("name"),
                    Proficiency::nearest(*p).expect("p"),
                )
            })
            .collect::<BTreeMap<_, _>>(),
        ..AgentDesired::default()
    }
}

pub fn key(n: u32) -> AgentKey {
    AgentKey::Email(format!("agent{n:05}@example.com"))
}

pub fn state(scope: FeedScope, agents: Vec<(u32, &[(&str, f64)])>) -> DesiredState {
    DesiredState {
        scope,
        agents: agents
            .into_iter()
            .map(|(n, s)| (key(n), agent(s)))
            .collect(),
    }
}

pub fn feed(scope: FeedScope, idempotency_key: Option<&str>) -> NewFeed {
    NewFeed {
        source: "hr".into(),
        scope,
        format: FeedFormat::Csv,
        idempotency_key: idempotency_key.map(str::to_string),
        request_hash: None,
    }
}

pub async fn accept(store: &Store, s: &DesiredState, hash: &str) -> Accepted {
    store
        .accept_feed(&feed(s.scope, None), s, hash, json!([]))
        .await
        .expect("stored")
}

/// The id of a new version.
pub async fn accept_new(store: &Store, s: &DesiredState, hash: &str) -> i64 {
    match accept(store, s, hash).await {
        Accepted::New(f) => f.id,
        other => panic!("new version expected, got {other:?}"),
    }
}
