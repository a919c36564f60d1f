//! Oversized and hostile bodies: NUL bytes and huge strings in every field a feed, a reconcile
//! request or a decision carries. A feed is refused whole with a 422 naming where and which
//! field; what is stored of it (its errors and warnings) stays small; nothing else changes.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use super::{cut, Target};
use crate::helpers::INGEST_TOKEN;

const HEADER: &str = "agent,type,name,proficiency,issued_on,expires_on";

/// Largest stored feed (its errors and warnings) a hostile request may leave behind.
const MAX_STORED_FEED: usize = 64 * 1024;

/// CSV feeds with a NUL or a huge value in one field, and (line, field) the 422 must name.
fn csv_cases() -> Vec<(String, &'static str, &'static str)> {
    let huge = "y".repeat(100_000);
    let row = |agent: &str, kind: &str, name: &str, level: &str, issued: &str, expires: &str| {
        format!("{HEADER}\nagent00009@example.com,skill,Billing_L1,3,,\n{agent},{kind},{name},{level},{issued},{expires}\n")
    };
    let mut cases = Vec::new();
    for bad in ["a\0b", huge.as_str()] {
        cases.extend([
            (
                row(
                    &format!("{bad}@example.com"),
                    "skill",
                    "Billing_L1",
                    "3",
                    "",
                    "",
                ),
                "line 3",
                "agent",
            ),
            (
                row("agent00009@example.com", bad, "Billing_L1", "3", "", ""),
                "line 3",
                "type",
            ),
            (
                row("agent00009@example.com", "skill", bad, "3", "", ""),
                "line 3",
                "name",
            ),
            (
                row("agent00009@example.com", "skill", "Sales_L1", bad, "", ""),
                "line 3",
                "proficiency",
            ),
            (
                row(
                    "agent00009@example.com",
                    "certification",
                    "PCI",
                    "",
                    bad,
                    "",
                ),
                "line 3",
                "issued_on",
            ),
            (
                row(
                    "agent00009@example.com",
                    "certification",
                    "PCI",
                    "",
                    "",
                    bad,
                ),
                "line 3",
                "expires_on",
            ),
        ]);
    }
    // A header that names no required column, made of one huge unknown column.
    cases.push((format!("{huge}\nx\n"), "line 1", ""));
    cases.push((
        format!("agent,type,name,{huge}\na@example.com,skill,X,1\n"),
        "line 2",
        "",
    ));
    cases
}

/// JSON feeds with a NUL or a huge string in one field, and the pointer the 422 must name. Each
/// also lists an agent without a key, so that a feed whose hostile field is only warned about
/// (an unknown key) is still refused.
fn json_cases() -> Vec<(Value, &'static str)> {
    let huge = "z".repeat(100_000);
    let mut cases = Vec::new();
    for bad in ["a\u{0}b", huge.as_str()] {
        let skill = |name: &str, level: Value| json!({"name": name, "proficiency": level});
        let agent = |fields: Value| json!({"agents": [fields, {"skills": []}]});
        cases.extend([
            (agent(json!({"agent": format!("{bad}@example.com"), "skills": [skill("Billing_L1", json!(3))]})), "/agents/0/agent"),
            (agent(json!({"agent": "agent00009@example.com", "skills": [skill(bad, json!(3))]})), "/agents/0/skills/0/name"),
            (agent(json!({"agent": "agent00009@example.com", "skills": [skill("Billing_L1", json!(bad))]})), "/agents/0/skills/0/proficiency"),
            (agent(json!({"agent": "agent00009@example.com", "languages": [skill(bad, json!(3))]})), "/agents/0/languages/0/name"),
            (agent(json!({"agent": "agent00009@example.com", "certifications": [{"name": bad}]})), "/agents/0/certifications/0/name"),
            (agent(json!({"agent": "agent00009@example.com", "certifications": [{"name": "PCI", "issued_on": bad}]})), "/agents/0/certifications/0/issued_on"),
            (agent(json!({"agent": "agent00009@example.com", "certifications": [{"name": "PCI", "expires_on": bad}]})), "/agents/0/certifications/0/expires_on"),
            (agent(json!({"agent": "agent00009@example.com", bad: []})), "/agents/1/agent"),
            (agent(json!({"agent": "agent00009@example.com", "skills": [{"name": "Billing_L1", "proficiency": 3, bad: 1}]})), "/agents/1/agent"),
            (json!({"agents": [{"skills": []}], bad: 1}), "/agents/0/agent"),
        ]);
    }
    cases
}

/// The id of the feed a 422 says was stored.
fn stored_feed_id(answer: &Value) -> i64 {
    let message = answer["error"]["message"].as_str().unwrap_or_default();
    message
        .strip_prefix("feed ")
        .and_then(|rest| rest.split(' ').next())
        .and_then(|id| id.parse().ok())
        .unwrap_or_else(|| panic!("no feed id in {answer}"))
}

async fn refused_feed(target: &Target, content_type: &str, body: Vec<u8>, at: &str, field: &str) {
    let (status, text) = target
        .send(
            Method::POST,
            "/v1/feeds?source=hr",
            Some(INGEST_TOKEN),
            Some(content_type),
            body,
        )
        .await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{at} {field}: {}",
        cut(&text)
    );
    let answer: Value = serde_json::from_str(&text).expect("json");
    let errors = answer["error"]["details"]["errors"]
        .as_array()
        .expect("errors");
    assert!(
        errors.iter().any(
            |e| e["location"].as_str().is_some_and(|l| l.starts_with(at))
                && (field.is_empty() || e["field"] == field)
        ),
        "no error at {at} {field}: {}",
        text.chars().take(600).collect::<String>()
    );
    let stored = target
        .send(
            Method::GET,
            &format!("/v1/feeds/{}", stored_feed_id(&answer)),
            Some(INGEST_TOKEN),
            None,
            Vec::new(),
        )
        .await;
    assert_eq!(stored.0, StatusCode::OK);
    assert!(
        stored.1.len() < MAX_STORED_FEED && !stored.1.contains("\\u0000"),
        "{at} {field}: the stored feed holds {} bytes: {}",
        stored.1.len(),
        cut(&stored.1)
    );
}

/// Sends every hostile body.
pub async fn hostile_bodies(target: &Target) {
    for (csv, at, field) in csv_cases() {
        refused_feed(target, "text/csv", csv.into_bytes(), at, field).await;
    }
    for (feed, at) in json_cases() {
        let field = at.rsplit('/').next().unwrap_or_default();
        let field = if at.ends_with("/agent") {
            "agent"
        } else {
            field
        };
        refused_feed(
            target,
            "application/json",
            feed.to_string().into_bytes(),
            at,
            field,
        )
        .await;
    }
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    refused_feed(target, "application/json", deep.into_bytes(), "root", "").await;
    let deep = format!(
        r#"{{"agents": [{{"agent": "agent00009@example.com", "skills": {}{}}}]}}"#,
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    // Where serde_json's nesting limit stops it: any location, as long as it is a 422.
    refused_feed(target, "application/json", deep.into_bytes(), "", "").await;

    // Over the 1 MB limit of this target: 413, whatever the type says.
    let big = format!(
        "{HEADER}\n{}",
        "agent00001@example.com,skill,Billing_L1,3,,\n".repeat(30_000)
    );
    for content_type in ["text/csv", "application/json"] {
        let (status, _) = target
            .send(
                Method::POST,
                "/v1/feeds",
                Some(INGEST_TOKEN),
                Some(content_type),
                big.clone().into_bytes(),
            )
            .await;
        assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{content_type}");
    }
    // The client is still sending when the limit is hit: the server reads the rest before it
    // answers, so the whole body is taken and the 413 read, never a broken pipe.
    let mut request = format!(
        "POST /v1/feeds HTTP/1.1\r\nHost: skillsync\r\nAuthorization: Bearer {INGEST_TOKEN}\r\n\
         Content-Type: text/csv\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        big.len()
    )
    .into_bytes();
    request.extend_from_slice(big.as_bytes());
    assert_eq!(
        super::raw_whole(&target.addr(), &request),
        Some(413),
        "an oversize feed sent in full"
    );

    // A reconcile request with a hostile agent or shape: refused, no run queued.
    let huge = "w".repeat(100_000);
    let reconciles: Vec<(Vec<u8>, &[u16])> = vec![
        (json!({"agent": "a\u{0}b"}).to_string().into_bytes(), &[422]),
        (json!({"agent": huge}).to_string().into_bytes(), &[413]),
        (
            json!({"agent": &huge[..3_000]}).to_string().into_bytes(),
            &[422],
        ),
        (
            json!({"agent": "nobody@example.com"})
                .to_string()
                .into_bytes(),
            &[404],
        ),
        (
            json!({"agent": ["agent00001@example.com"]})
                .to_string()
                .into_bytes(),
            &[422],
        ),
        (
            json!({"agent": "agent00001@example.com", "x": 1})
                .to_string()
                .into_bytes(),
            &[422],
        ),
        (json!({huge.as_str(): 1}).to_string().into_bytes(), &[413]),
        (json!({&huge[..3_000]: 1}).to_string().into_bytes(), &[422]),
        (b"{\"agent\": \"\xff\xfe\"}".to_vec(), &[400]),
        (
            format!("{}{}", "[".repeat(5_000), "]".repeat(5_000)).into_bytes(),
            &[400],
        ),
        (b"{\"agent\": ".to_vec(), &[400]),
        // Over the reconcile endpoint's own limit (16 KB), far under the feeds' 1 MB.
        (
            json!({"agent": "v".repeat(20_000)})
                .to_string()
                .into_bytes(),
            &[413],
        ),
        (big.clone().into_bytes(), &[413]),
    ];
    for (body, allowed) in reconciles {
        let sent = cut(&String::from_utf8_lossy(&body));
        let (status, text) = target
            .send(
                Method::POST,
                "/v1/reconcile",
                Some(INGEST_TOKEN),
                Some("application/json"),
                body,
            )
            .await;
        assert!(
            allowed.contains(&status.as_u16()),
            "reconcile {sent}: {status} {}",
            cut(&text)
        );
    }

    // Decisions take no body: whatever is sent, job 1 (succeeded) is not held.
    for body in [
        json!({"reason": "a\u{0}b"}).to_string(),
        json!({"comment": huge}).to_string(),
    ] {
        for decision in ["approve", "reject"] {
            let (status, _) = target
                .send(
                    Method::POST,
                    &format!("/v1/jobs/1/{decision}"),
                    Some(INGEST_TOKEN),
                    Some("application/json"),
                    body.clone().into_bytes(),
                )
                .await;
            assert_eq!(status, StatusCode::CONFLICT, "{decision}");
        }
    }
}
