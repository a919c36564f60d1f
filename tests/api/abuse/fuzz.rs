//! Every endpoint with fuzzed path parameters, query strings and methods: fixed tables, and a
//! seeded generator for the rest, so that every run sends the same requests.

use futures::StreamExt;
use rand::{Rng, SeedableRng};
use reqwest::Method;

use super::Target;
use crate::helpers::INGEST_TOKEN;

/// Every route of the API (src/http/*.rs, the OpenAPI document), `{p}` for its path parameter.
/// `POST /v1/reconcile` is left out of query fuzzing: any query with an empty body starts a run.
const ROUTES: &[(&str, &str)] = &[
    ("GET", "/v1/feeds"),
    ("GET", "/v1/feeds/{p}"),
    ("GET", "/v1/drift"),
    ("GET", "/v1/agents/{p}"),
    ("GET", "/v1/jobs"),
    ("GET", "/v1/jobs/{p}"),
    ("POST", "/v1/jobs/{p}/approve"),
    ("POST", "/v1/jobs/{p}/reject"),
    ("GET", "/v1/audit"),
    ("GET", "/v1/certifications/expiring"),
    ("GET", "/healthz"),
    ("GET", "/readyz"),
    ("GET", "/openapi.json"),
];

/// Values for a path parameter or a query value, already URL-encoded where needed.
fn hostile_values() -> Vec<String> {
    let mut values: Vec<String> = [
        "0",
        "1",
        "-1",
        "+1",
        "1.5",
        "1e3",
        "0x10",
        "abc",
        "9223372036854775807",
        "9223372036854775808",
        "-9223372036854775809",
        "%20",
        "%FF",
        "%FF%FE",
        "%C0%80",
        "%C3%A9",
        "%E2%80%AE1",
        "%0A",
        "%0D%0A",
        "%1B%5B31m",
        "%2F",
        "%25",
        "%",
        "%zz",
        "%2e%2e",
        "..%2F..%2Fetc%2Fpasswd",
        "'%20OR%201=1--",
        "A%20B@EXAMPLE.COM",
        "agent00001@example.com",
        "%3Cscript%3E",
    ]
    .iter()
    .map(|v| v.to_string())
    .collect();
    // Past PostgreSQL's index row limit (about 2.7 KB), and far past any name.
    values.push("x".repeat(3_000));
    values.push("%C3%A9".repeat(2_000));
    values.push("9".repeat(5_000));
    values
}

/// Query parameters each route reads, and values of their own kind.
fn params(path: &str) -> Vec<(&'static str, Vec<&'static str>)> {
    let page = vec![("limit", vec![]), ("offset", vec![])];
    let dates = vec![
        "0000-01-01T00:00:00Z",
        "-0001-01-01T00:00:00Z",
        "10000-01-01T00:00:00Z",
        "%2B275760-09-13T00:00:00Z",
        "2026-13-01T00:00:00Z",
        "2026-01-01",
        "1970-01-01T00:00:00%2B25:00",
    ];
    match path {
        "/v1/feeds" | "/v1/feeds/{p}" | "/v1/jobs/{p}" => page,
        "/v1/drift" => [("skill", vec![]), ("state", vec!["stuck", "drifted"])]
            .into_iter()
            .chain(page)
            .collect(),
        "/v1/jobs" => [("status", vec!["held", "succeeded"])]
            .into_iter()
            .chain(page)
            .collect(),
        "/v1/audit" => [
            ("agent", vec![]),
            ("since", dates.clone()),
            ("until", dates),
        ]
        .into_iter()
        .chain(page)
        .collect(),
        "/v1/certifications/expiring" => vec![(
            "within",
            vec![
                "0d",
                "-1d",
                "1e9h",
                "18446744073709551615d",
                "99999999999999999999d",
            ],
        )],
        _ => vec![("unknown", vec![])],
    }
}

fn fill(path: &str, value: &str) -> String {
    path.replace("{p}", value)
}

/// Every request of the fuzzing phase: (method, path and query).
fn requests() -> Vec<(Method, String)> {
    let values = hostile_values();
    let mut out = Vec::new();
    for &(method, path) in ROUTES {
        let method: Method = method.parse().expect("method");
        let plain = fill(path, "1");
        if path.contains("{p}") {
            for value in &values {
                out.push((method.clone(), fill(path, value)));
            }
        }
        for (name, own) in params(path) {
            for value in values.iter().map(String::as_str).chain(own) {
                out.push((method.clone(), format!("{plain}?{name}={value}")));
            }
            out.push((method.clone(), format!("{plain}?{name}=1&{name}=2")));
            out.push((method.clone(), format!("{plain}?{name}")));
        }
        for mangled in [
            format!("{plain}/"),
            format!("{plain}/x"),
            format!("/{plain}"),
            plain.replace("/v1/", "/v1//"),
            plain.to_uppercase(),
            plain.replacen('f', "%66", 1),
            format!("{plain}?{}", "&=;".repeat(3_000)),
            format!("{plain}?%00=1"),
            format!("{plain}#frag"),
        ] {
            out.push((method.clone(), mangled));
        }
        for other in ["PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "FOO"] {
            out.push((other.parse().expect("method"), plain.clone()));
        }
    }
    out.push((Method::GET, "/v1/reconcile".into()));
    out.push((Method::DELETE, "/v1/reconcile".into()));
    out.extend(generated());
    out
}

/// 300 paths of random printable and escaped bytes under each prefix, from a fixed seed.
fn generated() -> Vec<(Method, String)> {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(12);
    let alphabet: Vec<char> = "abcxyz019/?&=%.;:@!$'()*+,-_~".chars().collect();
    (0..300)
        .map(|i| {
            let (method, path) = ROUTES[i % ROUTES.len()];
            let len = rng.random_range(1..40);
            let tail: String = (0..len)
                .map(|_| {
                    if rng.random_bool(0.2) {
                        format!("%{:02X}", rng.random::<u8>())
                    } else {
                        alphabet[rng.random_range(0..alphabet.len())].to_string()
                    }
                })
                .collect();
            (method.parse().expect("method"), fill(path, &tail))
        })
        .collect()
}

/// Sends every fuzzed request, four at a time, with the ingest token (so that what is tested
/// is the handler, not only the authentication in front of it) and once without any.
pub async fn paths_and_queries(target: &Target) {
    let requests = requests();
    futures::stream::iter(requests.iter().enumerate())
        .for_each_concurrent(4, |(i, (method, path))| async move {
            let token = (i % 5 != 0).then_some(INGEST_TOKEN);
            target
                .send(method.clone(), path, token, None, Vec::new())
                .await;
        })
        .await;
}
