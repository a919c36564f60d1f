//! `skillsync demo` as a process, the README's run command: it starts, ingests its sample feed,
//! converges the simulated org, and everything it prints to look at answers.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

use serde_json::Value;

use crate::serve_process::{free_port, job_status};

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
    demo_converges("genesys", "Genesys Cloud", 1.0, ("Gate_PCI", 5.0)).await;
}

#[tokio::test]
async fn the_cxone_demo_converges_the_simulated_cxone_org_on_its_own_scale() {
    // The CXone sample feed gives agent 1 Billing_L2 at 16 on CXone's 1 (highest) – 20 scale.
    // PCI-DSS holders get the gate skill at the scale's best value, 1.
    demo_converges("cxone", "NICE CXone", 16.0, ("PaymentProcessing_L1", 1.0)).await;
}

/// Runs `skillsync demo --platform <platform>` and checks what it prints; agent 1 must end with
/// Billing_L2 at `billing_l2`, and agent 10, PCI-DSS certified, with the `gate` skill.
async fn demo_converges(platform: &str, org: &str, billing_l2: f64, gate: (&str, f64)) {
    let dir =
        std::env::temp_dir().join(format!("skillsync-demo-{}", uuid::Uuid::new_v4().simple()));
    let port = free_port();
    let mut child = Command::new(env!("CARGO_BIN_EXE_skillsync"))
        .args(["demo", "--platform", platform, "--agents", "300", "--dir"])
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
        .recv_timeout(Duration::from_secs(60))
        .expect("the demo printed its banner");

    let api = printed(&lines, "API:");
    assert_eq!(api, format!("http://127.0.0.1:{port}"));
    let metrics = printed(&lines, "metrics:");
    let sim = printed(&lines, &format!("simulated {org} org:"));
    let job: i64 = lines
        .iter()
        .find_map(|l| l.split("ingested as job ").nth(1))
        .and_then(|rest| rest.split(['.', ' ']).next()?.parse().ok())
        .unwrap_or_else(|| panic!("no job id in {lines:#?}"));
    assert!(
        dir.join("skillsync.db").exists(),
        "the SQLite file is in --dir"
    );

    let http = reqwest::Client::new();
    let mut status = String::new();
    for _ in 0..600 {
        status = job_status(&http, &api, job).await;
        if ["succeeded", "failed", "held"].contains(&status.as_str()) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(status, "succeeded");

    let get = |path: String| {
        let http = http.clone();
        async move {
            let resp = http.get(&path).send().await.expect("sent");
            assert!(resp.status().is_success(), "{path}: {}", resp.status());
            resp.text().await.expect("body")
        }
    };
    let drift: Value = serde_json::from_str(&get(format!("{api}/v1/drift")).await).expect("json");
    assert_eq!(drift["summary"]["drifted"], 0, "converged: {drift}");
    assert!(
        drift["summary"]["observed"].as_u64() >= Some(200),
        "{drift}"
    );

    // The sample feed's first rows, as the simulated platform holds them now.
    let agent: Value =
        serde_json::from_str(&get(format!("{api}/v1/agents/agent00001@example.com")).await)
            .expect("json");
    let user = agent["agent"]["user_id"]
        .as_str()
        .expect("resolved user id")
        .to_string();
    let truth: Value =
        serde_json::from_str(&get(format!("{sim}/sim/users/{user}")).await).expect("json");
    let billing = truth["skills"]
        .as_array()
        .expect("skills")
        .iter()
        .find(|s| s["name"] == "Billing_L2")
        .and_then(|s| s["proficiency"].as_f64());
    assert_eq!(billing, Some(billing_l2), "{truth}");
    let certified: Value =
        serde_json::from_str(&get(format!("{api}/v1/agents/agent00010@example.com")).await)
            .expect("json");
    let user = certified["agent"]["user_id"].as_str().expect("user id");
    let truth: Value =
        serde_json::from_str(&get(format!("{sim}/sim/users/{user}")).await).expect("json");
    let gated = truth["skills"]
        .as_array()
        .expect("skills")
        .iter()
        .find(|s| s["name"] == gate.0)
        .and_then(|s| s["proficiency"].as_f64());
    assert_eq!(gated, Some(gate.1), "the PCI-DSS gate skill: {truth}");

    let audit: Value =
        serde_json::from_str(&get(format!("{api}/v1/audit?agent=agent00001@example.com")).await)
            .expect("json");
    assert!(
        audit["entries"].as_array().is_some_and(|e| !e.is_empty()),
        "{audit}"
    );
    let scraped = get(metrics).await;
    assert!(
        scraped.contains(r#"skillsync_leader{org="default"} 1"#),
        "the demo leads"
    );
    drop(demo);
    let _ = std::fs::remove_dir_all(&dir);
}
