//! Feed bodies that are mostly well-formed but carry the values that broke ingest before: NUL
//! bytes, control characters, names and agent keys over 255 characters, impossible dates, odd
//! proficiencies, unknown types and columns.

use proptest::prelude::*;
use skillsync::feed::FeedFormat;

/// One row of a feed, as text the writer quotes as needed.
#[derive(Debug, Clone)]
pub struct Row {
    agent: String,
    kind: String,
    name: String,
    proficiency: String,
    issued_on: String,
    expires_on: String,
}

fn hostile_text() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("\0".to_owned()),
        Just("Billing\0EN".to_owned()),
        Just("a\u{7}b".to_owned()),
        Just("line\nbreak".to_owned()),
        Just("\u{202e}rtl".to_owned()),
        Just("x".repeat(256)),
        Just("é".repeat(200)),
        Just(" ".to_owned()),
        Just(String::new()),
        "[ -~]{0,20}",
        any::<String>(),
    ]
}

fn agent() -> BoxedStrategy<String> {
    prop_oneof![
        8 => "[a-z]{1,6}@example\\.(de|com)",
        2 => hostile_text(),
        1 => Just(format!("{}@example.com", "a".repeat(250))),
    ]
    .boxed()
}

fn name() -> BoxedStrategy<String> {
    prop_oneof![
        8 => "[A-Za-z][A-Za-z0-9 ,;\"'/&-]{0,12}[a-z]",
        1 => Just("Billing EN".to_owned()),
        1 => Just("PCI DSS".to_owned()),
        3 => hostile_text(),
    ]
    .boxed()
}

fn proficiency() -> BoxedStrategy<String> {
    prop_oneof![
        6 => (0_u8..=5).prop_map(|p| p.to_string()),
        1 => Just("Expert".to_owned()),
        1 => Just("3,5".to_owned()),
        3 => prop_oneof![
            Just("-1"), Just("11"), Just("NaN"), Just("inf"), Just("1e400"), Just("2.25"),
            Just("\0"), Just(""),
        ]
        .prop_map(str::to_owned),
    ]
    .boxed()
}

fn date() -> BoxedStrategy<String> {
    prop_oneof![
        4 => Just(String::new()),
        4 => (2000_u16..2100, 1_u8..=12, 1_u8..=28).prop_map(|(y, m, d)| format!("{y}-{m:02}-{d:02}")),
        1 => Just("2025-03-30T02:30:00".to_owned()),
        3 => prop_oneof![
            Just("2025-02-30"), Just("2025-13-01"), Just("0000-01-01"), Just("+275760-09-13"),
            Just("-0001-12-31"), Just("10000-01-01"), Just("yesterday"), Just("2025-01-01\0"),
        ]
        .prop_map(str::to_owned),
    ]
    .boxed()
}

fn kind() -> BoxedStrategy<String> {
    prop_oneof![
        8 => prop_oneof![Just("skill"), Just("language"), Just("certification"), Just(" Skill ")]
            .prop_map(str::to_owned),
        1 => hostile_text(),
    ]
    .boxed()
}

fn row() -> impl Strategy<Value = Row> {
    (agent(), kind(), name(), proficiency(), date(), date()).prop_map(
        |(agent, kind, name, proficiency, issued_on, expires_on)| Row {
            agent,
            kind,
            name,
            proficiency,
            issued_on,
            expires_on,
        },
    )
}

/// A feed body of `format`: rows written out, sometimes with an extra column or trailing junk.
pub fn body(format: FeedFormat) -> impl Strategy<Value = Vec<u8>> {
    (
        proptest::collection::vec(row(), 0..6),
        any::<bool>(),
        prop_oneof![8 => Just(Vec::new()), 1 => Just(vec![0]), 1 => any::<Vec<u8>>()],
    )
        .prop_map(move |(rows, extra_column, tail)| {
            let mut out = match format {
                FeedFormat::Csv => csv(&rows, extra_column),
                FeedFormat::Json => json(&rows, extra_column),
            };
            out.extend(tail);
            out
        })
}

fn quoted(value: &str) -> String {
    format!("\"{}\"", value.replace('"', "\"\""))
}

fn csv(rows: &[Row], extra_column: bool) -> Vec<u8> {
    let mut out = String::from("agent,type,name,proficiency,issued_on,expires_on");
    out.push_str(if extra_column { ",note\n" } else { "\n" });
    for row in rows {
        let cells = [
            &row.agent,
            &row.kind,
            &row.name,
            &row.proficiency,
            &row.issued_on,
            &row.expires_on,
        ];
        let line: Vec<String> = cells.iter().map(|cell| quoted(cell)).collect();
        out.push_str(&line.join(","));
        out.push_str(if extra_column { ",\0\n" } else { "\n" });
    }
    out.into_bytes()
}

fn json(rows: &[Row], extra_key: bool) -> Vec<u8> {
    let agents: Vec<serde_json::Value> = rows
        .iter()
        .map(|row| {
            let list = match row.kind.trim().to_ascii_lowercase().as_str() {
                "language" => "languages",
                "certification" => "certifications",
                "skill" => "skills",
                other => return serde_json::json!({ "agent": row.agent, other: [] }),
            };
            let item = if list == "certifications" {
                serde_json::json!({ "name": row.name, "issued_on": row.issued_on, "expires_on": row.expires_on })
            } else {
                let proficiency = row
                    .proficiency
                    .parse::<f64>()
                    .ok()
                    .filter(|p| p.is_finite())
                    .map_or_else(|| serde_json::json!(row.proficiency), |p| serde_json::json!(p));
                serde_json::json!({ "name": row.name, "proficiency": proficiency })
            };
            let mut agent = serde_json::json!({ "agent": row.agent, list: [item] });
            if extra_key {
                agent["x".repeat(300)] = serde_json::json!("\0");
            }
            agent
        })
        .collect();
    serde_json::to_vec(&serde_json::json!({ "agents": agents })).expect("JSON of JSON values")
}
