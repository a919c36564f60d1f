//! Shared by the bench binaries: a release `skillsync sim` in its own process on loopback.

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::Value;

/// A simulator process, killed on drop.
pub struct Sim {
    pub child: Child,
    pub base: String,
}

impl Drop for Sim {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// Starts `skillsync sim` with `args` (rate limit off unless `args` set it) and waits until it
/// answers.
pub async fn start_sim(args: &[&str]) -> Sim {
    let port = free_port();
    let listen = format!("127.0.0.1:{port}");
    let mut command = Command::new(env!("CARGO_BIN_EXE_skillsync"));
    command.args(["sim", "--listen", &listen, "--token-mint-limit", "0"]);
    if !args.contains(&"--rate-limit") {
        command.args(["--rate-limit", "0"]);
    }
    let child = command
        .args(args)
        .env("SKILLSYNC__LOG__LEVEL", "warn")
        .stdout(Stdio::null())
        .spawn()
        .expect("simulator starts");
    let mut sim = Sim {
        child,
        base: format!("http://{listen}"),
    };
    let http = reqwest::Client::new();
    for _ in 0..600 {
        if let Ok(Some(status)) = sim.child.try_wait() {
            panic!("simulator exited with {status}");
        }
        if http
            .get(format!("{}/sim/stats", sim.base))
            .send()
            .await
            .is_ok()
        {
            return sim;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("simulator did not answer within 30 s");
}

/// A bearer token for the simulator's default client.
pub async fn fetch_token(http: &reqwest::Client, base: &str) -> String {
    let body: Value = http
        .post(format!("{base}/oauth/token"))
        .basic_auth("skillsync-sim", Some("skillsync-sim-secret"))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .expect("token")
        .json()
        .await
        .expect("token json");
    body["access_token"]
        .as_str()
        .expect("access_token")
        .to_string()
}

/// Every page of `path` (which must take `pageSize`/`pageNumber`), concatenated.
pub async fn all_entities(
    http: &reqwest::Client,
    base: &str,
    token: &str,
    path: &str,
) -> Vec<Value> {
    let mut out = Vec::new();
    for page in 1.. {
        let sep = if path.contains('?') { '&' } else { '?' };
        let v: Value = http
            .get(format!("{base}{path}{sep}pageSize=500&pageNumber={page}"))
            .bearer_auth(token)
            .send()
            .await
            .expect("page")
            .json()
            .await
            .expect("page json");
        out.extend(v["entities"].as_array().cloned().unwrap_or_default());
        if v["nextUri"].is_null() {
            break;
        }
    }
    out
}
