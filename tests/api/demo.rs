//! `skillsync demo` as a process, the README's run command: it starts, ingests its sample feed,
//! converges the simulated org, and everything it prints to look at answers.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

use serde_json::Value;

use crate::serve_process::free_port;

struct Demo(std::process::Child);

impl Drop for Demo {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The value after `label` on the first stdout line that has it.
fn printed(lines: &[String], label: &str) -> String {
    lines
        .iter()
        .find_map(|l| l.trim().strip_prefix(label))
        .map(|rest| rest.split_whitespace().next().unwrap_or("").to_string())
        .unwrap_or_else(|| panic!("demo printed no {label:?}: {lines:#?}"))
}

#[tokio::test]
async fn the_demo_converges_the_simulated_org_and_its_api_answers() {
    let orgs = [Expected::genesys(None)];
    demo_converges(Some("genesys"), &orgs).await;
}

#[tokio::test]
async fn the_cxone_demo_converges_the_simulated_cxone_org_on_its_own_scale() {
    demo_converges(Some("cxone"), &[Expected::cxone(None)]).await;
}

#[tokio::test]
async fn the_demo_runs_a_genesys_and_a_cxone_org_side_by_side() {
    let orgs = [
        Expected::genesys(Some("genesys")),
        Expected::cxone(Some("cxone")),
    ];
    demo_converges(None, &orgs).await;
}

/// What one demo org must end with.
struct Expected {
    /// `None`: the demo's one org, under `/v1`; `Some(name)`: under `/v1/orgs/name`.
    org: Option<&'static str>,
    title: &'static str,
    /// Agent 1's Billing_L2 proficiency on the platform's own scale.
    billing_l2: f64,
    /// Agent 10, PCI-DSS certified, holds this gate skill at this proficiency.
    gate: (&'static str, f64),
}

impl Expected {
    fn genesys(org: Option<&'static str>) -> Self {
        Self {
            org,
            title: "Genesys Cloud",
            billing_l2: 1.0,
            gate: ("Gate_PCI", 5.0),
        }
    }

    /// The CXone sample feed gives agent 1 Billing_L2 at 16 on CXone's 1 (highest) – 20 scale;
    /// PCI-DSS holders get the gate skill at the scale's best value, 1.
    fn cxone(org: Option<&'static str>) -> Self {
        Self {
            org,
            title: "NICE CXone",
            billing_l2: 16.0,
            gate: ("PaymentProcessing_L1", 1.0),
        }
    }
}

/// Runs `skillsync demo [--platform <platform>]`, checks what it prints, and that every org in
/// `orgs` converged on its simulator.
async fn demo_converges(platform: Option<&str>, orgs: &[Expected]) {
    let dir =
        std::env::temp_dir().join(format!("skillsync-demo-{}", uuid::Uuid::new_v4().simple()));
    let port = free_port();
    let mut command = Command::new(env!("CARGO_BIN_EXE_skillsync"));
    command.arg("demo");
    if let Some(platform) = platform {
        command.args(["--platform", platform]);
    }
    let mut child = command
        .args(["--agents", "300", "--dir"])
        .arg(&dir)
        .args(["--listen", &format!("127.0.0.1:{port}")])
        .args(["--metrics-listen", "127.0.0.1:0"])
        .env("SKILLSYNC__LOG__LEVEL", "warn")
        .stdout(Stdio::piped())
        .spawn()
        .expect("skillsync demo starts");
    let stdout = child.stdout.take().expect("stdout");
    let demo = Demo(child);
    // The banner ends with its last line; read it on a thread so that a silent demo fails the
    // test instead of hanging it.
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut lines = Vec::new();
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let last = line.starts_with("Ctrl-C");
            lines.push(line);
            if last {
                break;
            }
        }
        let _ = tx.send(lines);
    });
    let lines = rx
        .recv_timeout(Duration::from_secs(90))
        .expect("the demo printed its banner");

    let api = printed(&lines, "API:");
    assert_eq!(api, format!("http://127.0.0.1:{port}"));
    let metrics = printed(&lines, "metrics:");
    assert!(
        dir.join("skillsync.db").exists(),
        "the SQLite file is in --dir"
    );
    let http = reqwest::Client::new();
    for expected in orgs {
        org_converged(&http, &lines, &api, expected).await;
    }
    let scraped = get(&http, &metrics).await;
    for expected in orgs {
        let org = expected.org.unwrap_or("default");
        assert!(
            scraped.contains(&format!("skillsync_leader{{org=\"{org}\"}} 1")),
            "the demo works {org}"
        );
    }
    drop(demo);
    let _ = std::fs::remove_dir_all(&dir);
}

async fn get(http: &reqwest::Client, url: &str) -> String {
    let resp = http.get(url).send().await.expect("sent");
    assert!(resp.status().is_success(), "{url}: {}", resp.status());
    resp.text().await.expect("body")
}

async fn get_json(http: &reqwest::Client, url: &str) -> Value {
    serde_json::from_str(&get(http, url).await).expect("json")
}

/// The proficiency of `skill` the simulator holds for the user agent `key` resolved to.
async fn on_platform(
    http: &reqwest::Client,
    base: &str,
    sim: &str,
    key: &str,
    skill: &str,
) -> Option<f64> {
    let agent = get_json(http, &format!("{base}/agents/{key}")).await;
    let user = agent["agent"]["user_id"]
        .as_str()
        .expect("resolved user id");
    let truth = get_json(http, &format!("{sim}/sim/users/{user}")).await;
    truth["skills"]
        .as_array()
        .expect("skills")
        .iter()
        .find(|s| s["name"] == skill)
        .and_then(|s| s["proficiency"].as_f64())
}

async fn org_converged(http: &reqwest::Client, lines: &[String], api: &str, expected: &Expected) {
    let base = match expected.org {
        Some(org) => format!("{api}/v1/orgs/{org}"),
        None => format!("{api}/v1"),
    };
    let sim = printed(lines, &format!("simulated {} org:", expected.title));
    let job: i64 = lines
        .iter()
        .filter(|l| l.starts_with(&format!("{}:", expected.title)))
        .find_map(|l| l.split("ingested as job ").nth(1))
        .and_then(|rest| rest.split(['.', ' ']).next()?.parse().ok())
        .unwrap_or_else(|| panic!("no job id for {} in {lines:#?}", expected.title));
    let mut status = String::new();
    for _ in 0..900 {
        status = get_json(http, &format!("{base}/jobs/{job}")).await["job"]["status"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        if ["succeeded", "failed", "held"].contains(&status.as_str()) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(status, "succeeded", "{}", expected.title);
    let drift = get_json(http, &format!("{base}/drift")).await;
    assert_eq!(drift["summary"]["drifted"], 0, "converged: {drift}");
    assert!(
        drift["summary"]["observed"].as_u64() >= Some(200),
        "{drift}"
    );
    // The sample feed's first rows, as the simulated platform holds them now.
    let billing = on_platform(http, &base, &sim, "agent00001@example.com", "Billing_L2").await;
    assert_eq!(billing, Some(expected.billing_l2), "{}", expected.title);
    let gated = on_platform(http, &base, &sim, "agent00010@example.com", expected.gate.0).await;
    assert_eq!(
        gated,
        Some(expected.gate.1),
        "the PCI-DSS gate skill on {}",
        expected.title
    );
    let audit = get_json(http, &format!("{base}/audit?agent=agent00001@example.com")).await;
    assert!(
        audit["entries"].as_array().is_some_and(|e| !e.is_empty()),
        "{audit}"
    );
}
