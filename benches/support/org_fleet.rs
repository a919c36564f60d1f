//! Several orgs, each a release `skillsync sim` of its own, served by one or more release
//! `skillsync serve` replicas on one throw-away database, configured by a TOML file
//! (`SKILLSYNC_CONFIG`) with an `[orgs.NAME]` table per org; and the org-path reads the benches
//! poll (`/v1/orgs`, `/v1/orgs/{org}/jobs/{id}`, `/v1/orgs/{org}/drift`, each replica's
//! `skillsync_leader{org}`).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use super::common::{all_entities, fetch_token, free_port, Sim};
use super::daemon_proc::{Daemon, SETTLED};

/// A configuration file written for one scenario, removed on drop.
pub struct ConfigFile {
    pub path: PathBuf,
}

impl ConfigFile {
    /// Writes `text` to a fresh file under the temporary directory.
    pub fn write(text: &str) -> Self {
        let path = std::env::temp_dir().join(format!(
            "skillsync-bench-orgs-{}-{}.toml",
            std::process::id(),
            uuid::Uuid::new_v4().simple()
        ));
        std::fs::write(&path, text).expect("config file written");
        Self { path }
    }
}

impl Drop for ConfigFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// `[orgs.NAME.platform]` tables pointing each org at its simulator with its own budget.
pub fn org_tables(orgs: &[(String, String)], requests_per_minute: u32) -> String {
    let mut toml = String::new();
    for (name, base) in orgs {
        writeln!(
            toml,
            "[orgs.{name}.platform]\nbase_url = \"{base}\"\nrequests_per_minute = {requests_per_minute}\n"
        )
        .expect("write");
    }
    toml
}

/// A replica: `skillsync serve` with the configuration file and a metrics address the bench
/// knows.
pub struct Replica {
    pub daemon: Daemon,
    pub metrics: String,
}

impl Replica {
    /// Starts a replica on `database_url` with the configuration at `config` (whose orgs name
    /// their own simulators; `default_sim` is only the top-level fallback).
    pub async fn start(
        default_sim: &str,
        database_url: &str,
        config: &ConfigFile,
        extra: &[(&str, &str)],
    ) -> Self {
        let metrics = format!("127.0.0.1:{}", free_port());
        let config_path = config.path.to_string_lossy().to_string();
        let mut env = vec![
            ("SKILLSYNC_CONFIG", config_path.as_str()),
            ("SKILLSYNC__SERVER__METRICS_LISTEN", metrics.as_str()),
        ];
        env.extend_from_slice(extra);
        let daemon = Daemon::start(default_sim, database_url, &env).await;
        Self {
            daemon,
            metrics: format!("http://{metrics}/metrics"),
        }
    }

    /// The orgs this replica works: `skillsync_leader{org="…"} 1` in its metrics.
    pub async fn leading(&self) -> Vec<String> {
        let text = match self.daemon.http.get(&self.metrics).send().await {
            Ok(resp) => resp.text().await.unwrap_or_default(),
            Err(_) => return Vec::new(),
        };
        text.lines()
            .filter_map(|line| {
                let rest = line.strip_prefix("skillsync_leader{")?;
                let (labels, value) = rest.rsplit_once("} ")?;
                if value.trim().parse::<f64>().ok()? != 1.0 {
                    return None;
                }
                let org = labels.split("org=\"").nth(1)?.split('"').next()?;
                Some(org.to_string())
            })
            .collect()
    }
}

/// Waits (up to `limit`) until every org's newest job has succeeded, every org is worked by
/// exactly one replica and the shares are even (`ceil(orgs ÷ replicas)` at most, and every
/// replica working at least one org when there are enough orgs), for three polls in a row a
/// second apart. Returns how long it took.
pub async fn wait_settled_and_even(
    replicas: &[Replica],
    orgs: &[String],
    limit: Duration,
) -> Duration {
    let started = Instant::now();
    let fair = orgs.len().div_ceil(replicas.len());
    let mut in_a_row = 0;
    let mut last = String::new();
    while started.elapsed() < limit {
        let list = replicas[0].daemon.get_json("/v1/orgs").await;
        let jobs_done = orgs.iter().all(|org| {
            list["orgs"].as_array().is_some_and(|all| {
                all.iter()
                    .any(|o| o["name"] == org.as_str() && o["last_job"]["status"] == "succeeded")
            })
        });
        let mut shares = Vec::new();
        let mut worked: Vec<String> = Vec::new();
        for replica in replicas {
            let leading = replica.leading().await;
            shares.push(leading.len());
            worked.extend(leading);
        }
        worked.sort();
        let once = worked.len() == orgs.len() && worked.windows(2).all(|w| w[0] != w[1]);
        let even = shares
            .iter()
            .all(|&n| n <= fair && (n > 0 || orgs.len() < replicas.len()));
        last = format!("jobs done {jobs_done}, shares {shares:?}, worked {worked:?}");
        if jobs_done && once && even {
            in_a_row += 1;
            if in_a_row == 3 {
                return started.elapsed();
            }
        } else {
            in_a_row = 0;
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    panic!(
        "orgs not settled and evenly shared within {limit:?}: {last}\n{}",
        replicas[0].daemon.log_tail()
    );
}

/// `GET /v1/orgs/{org}/jobs/{id}`'s job.
pub async fn org_job(daemon: &Daemon, org: &str, id: i64) -> Value {
    daemon
        .get_json(&format!("/v1/orgs/{org}/jobs/{id}?limit=1"))
        .await["job"]
        .clone()
}

/// Whether a job status is final.
pub fn settled(status: &str) -> bool {
    SETTLED.contains(&status)
}

/// A simulator's `/sim/stats`.
pub async fn sim_stats(http: &reqwest::Client, sim: &Sim) -> Value {
    http.get(format!("{}/sim/stats", sim.base))
        .send()
        .await
        .expect("stats")
        .json()
        .await
        .expect("stats json")
}

/// Zeroes a simulator's counters.
pub async fn reset_sim_stats(http: &reqwest::Client, sim: &Sim) {
    let resp = http
        .post(format!("{}/sim/stats/reset", sim.base))
        .send()
        .await
        .expect("reset");
    assert!(resp.status().is_success(), "stats reset: {}", resp.status());
}

/// Platform calls in a `/sim/stats` answer that the connector's pacer counts: every request but
/// the token logins (which the pacer does not pace), by path.
pub fn paced_calls(stats: &Value) -> (u64, BTreeMap<String, u64>) {
    let mut by_path = BTreeMap::new();
    for r in stats["requests"].as_array().into_iter().flatten() {
        let path = r["path"].as_str().unwrap_or_default();
        if path == "/oauth/token" {
            continue;
        }
        let key = format!("{} {path}", r["method"].as_str().unwrap_or_default());
        *by_path.entry(key).or_insert(0) += r["count"].as_u64().unwrap_or(0);
    }
    (by_path.values().sum(), by_path)
}

/// Defines routing skills `names` on a Genesys simulator.
pub async fn define_skills(http: &reqwest::Client, sim: &Sim, names: &[&str]) {
    let token = fetch_token(http, &sim.base).await;
    for name in names {
        let resp = http
            .post(format!("{}/api/v2/routing/skills", sim.base))
            .bearer_auth(&token)
            .json(&json!({ "name": name }))
            .send()
            .await
            .expect("skill created");
        assert!(
            resp.status().is_success(),
            "POST skill {name}: {}",
            resp.status()
        );
    }
}

/// A Genesys simulator's users as (email, id), in listing order.
pub async fn users(http: &reqwest::Client, sim: &Sim) -> Vec<(String, String)> {
    let token = fetch_token(http, &sim.base).await;
    all_entities(http, &sim.base, &token, "/api/v2/users")
        .await
        .iter()
        .map(|u| {
            (
                u["email"].as_str().unwrap_or_default().to_string(),
                u["id"].as_str().expect("user id").to_string(),
            )
        })
        .collect()
}

/// The simulator's truth for one user (`GET /sim/users/{id}`, not counted in its stats).
pub async fn truth(http: &reqwest::Client, sim: &Sim, user_id: &str) -> Value {
    http.get(format!("{}/sim/users/{user_id}", sim.base))
        .send()
        .await
        .expect("truth")
        .json()
        .await
        .expect("truth json")
}
