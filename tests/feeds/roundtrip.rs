//! The round-trip property: any desired state written as CSV and as JSON, in any row order and
//! spelling, reads back as the same state with the same hash.

use std::collections::BTreeMap;

use chrono::{DateTime, FixedOffset, SecondsFormat, Utc};
use proptest::collection::btree_map;
use proptest::prelude::*;
use serde_json::json;
use skillsync::domain::{
    AgentDesired, AgentKey, CertificationWindow, DesiredState, FeedScope, Name, Proficiency,
};
use skillsync::feed::{self, ContentHash, FeedFormat, FeedRules, FeedSettings, FeedSource};
use skillsync::platform::scales::GENESYS;

/// How the writers spell one state: the reader must not care.
#[derive(Debug, Clone)]
struct Style {
    semicolons: bool,
    labels: bool,
    offset_minutes: i32,
    seed: u64,
}

type Window = (Option<i64>, Option<i64>);

#[derive(Debug, Clone)]
struct Agent {
    skills: BTreeMap<String, u8>,
    languages: BTreeMap<String, u8>,
    certifications: BTreeMap<String, Window>,
}

fn name() -> impl Strategy<Value = String> {
    "[A-Za-z0-9äöüß ,;\"'/&-]{1,12}".prop_filter("names are trimmed", |n| n.trim() == n)
}

fn instant() -> impl Strategy<Value = i64> {
    // 2000-01-01 to 2100-01-01, in milliseconds.
    946_684_800_000_i64..4_102_444_800_000
}

fn window() -> impl Strategy<Value = Window> {
    (
        proptest::option::of(instant()),
        proptest::option::of(instant()),
    )
        .prop_map(|(a, b)| match (a, b) {
            (Some(a), Some(b)) if b < a => (Some(b), Some(a)),
            other => other,
        })
}

fn agent() -> impl Strategy<Value = Agent> {
    (
        btree_map(name(), 0_u8..=10, 0..4),
        btree_map(name(), (0_u8..=5).prop_map(|whole| whole * 2), 0..3),
        btree_map(name(), window(), 0..3),
    )
        .prop_map(|(skills, languages, certifications)| Agent {
            skills,
            languages,
            certifications,
        })
        .prop_filter("a CSV cannot list an agent without assignments", |a| {
            !(a.skills.is_empty() && a.languages.is_empty() && a.certifications.is_empty())
        })
}

fn agents() -> impl Strategy<Value = BTreeMap<String, Agent>> {
    btree_map(
        "[a-z]{1,6}(\\.[a-z]{1,4})?@[a-z]{1,5}\\.(de|com)",
        agent(),
        1..6,
    )
}

fn style() -> impl Strategy<Value = Style> {
    (
        any::<bool>(),
        any::<bool>(),
        -12 * 60..=14 * 60_i32,
        any::<u64>(),
    )
        .prop_map(|(semicolons, labels, offset_minutes, seed)| Style {
            semicolons,
            labels,
            offset_minutes,
            seed,
        })
}

fn to_state(agents: &BTreeMap<String, Agent>) -> DesiredState {
    let name = |n: &String| Name::parse(n).expect("generated names are valid");
    let level = |h: &u8| Proficiency::from_half_steps(*h).expect("generated levels are valid");
    let mut state = DesiredState::new(FeedScope::Partial);
    for (email, agent) in agents {
        let desired = AgentDesired {
            skills: agent
                .skills
                .iter()
                .map(|(n, h)| (name(n), level(h)))
                .collect(),
            languages: agent
                .languages
                .iter()
                .map(|(n, h)| (name(n), level(h)))
                .collect(),
            certifications: agent
                .certifications
                .iter()
                .map(|(n, (issued, expires))| {
                    let window = CertificationWindow {
                        issued_on: issued.map(at),
                        expires_on: expires.map(at),
                    };
                    (name(n), window)
                })
                .collect(),
        };
        state.agents.insert(AgentKey::Email(email.clone()), desired);
    }
    state
}

fn at(millis: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(millis).expect("generated instants are in range")
}

/// A proficiency as a label in some case when one fits, else as a number.
fn spell_level(half_steps: u8, style: &Style, salt: usize) -> String {
    const LABELS: [&str; 5] = ["novice", "BASIC", "Proficient", " advanced", "Expert "];
    if style.labels && half_steps % 2 == 0 && half_steps > 0 {
        return LABELS[usize::from(half_steps / 2 - 1)].to_owned();
    }
    let number = Proficiency::from_half_steps(half_steps)
        .expect("valid")
        .to_string();
    if style.semicolons && salt % 2 == 0 {
        number.replace('.', ",")
    } else {
        number
    }
}

fn spell_instant(millis: Option<i64>, style: &Style) -> String {
    let Some(millis) = millis else {
        return String::new();
    };
    let offset = FixedOffset::east_opt(style.offset_minutes * 60).expect("offset in range");
    at(millis)
        .with_timezone(&offset)
        .to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

fn write_csv(agents: &BTreeMap<String, Agent>, style: &Style) -> Vec<u8> {
    let mut rows: Vec<[String; 6]> = Vec::new();
    for (email, agent) in agents {
        for (kind, levels) in [("skill", &agent.skills), ("language", &agent.languages)] {
            for (name, level) in levels {
                let level = spell_level(*level, style, rows.len());
                rows.push([
                    email.to_uppercase(),
                    kind.into(),
                    name.clone(),
                    level,
                    String::new(),
                    String::new(),
                ]);
            }
        }
        for (name, (issued, expires)) in &agent.certifications {
            let (issued, expires) = (
                spell_instant(*issued, style),
                spell_instant(*expires, style),
            );
            rows.push([
                email.clone(),
                "certification".into(),
                name.clone(),
                String::new(),
                issued,
                expires,
            ]);
        }
    }
    shuffle(&mut rows, style.seed);
    let delimiter = if style.semicolons { b';' } else { b',' };
    let mut writer = csv::WriterBuilder::new()
        .delimiter(delimiter)
        .from_writer(Vec::new());
    writer
        .write_record([
            "Agent",
            "TYPE",
            "name",
            "proficiency",
            "issued_on",
            "expires_on",
        ])
        .expect("write header");
    for row in rows {
        writer.write_record(&row).expect("write row");
    }
    writer.into_inner().expect("flush")
}

fn write_json(agents: &BTreeMap<String, Agent>, style: &Style) -> Vec<u8> {
    let levels = |map: &BTreeMap<String, u8>| -> Vec<serde_json::Value> {
        map.iter()
            .enumerate()
            .map(|(i, (name, level))| json!({"name": name, "proficiency": spell_level(*level, style, i)}))
            .collect()
    };
    let optional = |millis: Option<i64>| millis.map(|m| spell_instant(Some(m), style));
    let mut entries: Vec<serde_json::Value> = agents
        .iter()
        .map(|(email, agent)| {
            let certifications: Vec<_> = agent
                .certifications
                .iter()
                .map(|(name, (issued, expires))| {
                    json!({"name": name, "issued_on": optional(*issued), "expires_on": optional(*expires)})
                })
                .collect();
            json!({
                "agent": email,
                "skills": levels(&agent.skills),
                "languages": levels(&agent.languages),
                "certifications": certifications,
            })
        })
        .collect();
    shuffle(&mut entries, style.seed);
    serde_json::to_vec_pretty(&json!({ "agents": entries })).expect("serialize")
}

/// Fisher–Yates with a small LCG, so the order depends only on the generated seed.
fn shuffle<T>(items: &mut [T], mut seed: u64) {
    for i in (1..items.len()).rev() {
        seed = seed
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        let j = usize::try_from((seed >> 33) % (i as u64 + 1)).expect("fits");
        items.swap(i, j);
    }
}

fn read(format: FeedFormat, bytes: &[u8]) -> feed::ValidFeed {
    let rules =
        FeedRules::from_settings(&FeedSettings::default(), &GENESYS).expect("default rules");
    let source = FeedSource {
        name: format!("prop.{format}"),
        format,
        scope: FeedScope::Partial,
    };
    match feed::read(bytes, &source, &rules) {
        Ok(feed) => feed,
        Err(feed::FeedError::Rejected(r)) => {
            panic!(
                "{}\n{}",
                r.lines().collect::<Vec<_>>().join("\n"),
                String::from_utf8_lossy(bytes)
            )
        }
        Err(e) => panic!("{e}"),
    }
}

proptest! {
    #[test]
    fn any_state_written_as_csv_and_as_json_reads_back_as_the_same_state_and_hash(
        agents in agents(),
        style in style(),
    ) {
        let expected = to_state(&agents);
        let from_csv = read(FeedFormat::Csv, &write_csv(&agents, &style));
        let from_json = read(FeedFormat::Json, &write_json(&agents, &style));
        prop_assert_eq!(&from_csv.state, &expected);
        prop_assert_eq!(&from_json.state, &expected);
        prop_assert_eq!(from_csv.hash, ContentHash::of(&expected));
        prop_assert_eq!(from_json.hash, from_csv.hash);
        prop_assert_eq!(from_csv.counts, expected.counts());
    }
}
