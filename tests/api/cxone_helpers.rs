//! Scaffolding for the CXone simulator: a sim on a free port and a client holding an access-key
//! token for it.

use reqwest::{Method, Response, StatusCode};
use serde_json::Value;

use crate::helpers::TestSim;

use skillsync::sim::{Faults, SimConfig, SimPlatform};

/// The API base every test uses; any `v{N}.0` works.
pub const V: &str = "/inContactAPI/services/v23.0";

/// A running CXone simulator and a client holding a token for it: the Genesys harness's
/// admin calls (`/sim/faults`, `/sim/stats`, …) are the same, so it is one underneath.
pub struct CxSim(TestSim);

impl std::ops::Deref for CxSim {
    type Target = TestSim;

    fn deref(&self) -> &TestSim {
        &self.0
    }
}

/// A small CXone org with no faults and no rate limit.
pub fn cx_org() -> SimConfig {
    SimConfig {
        platform: SimPlatform::Cxone,
        listen: "127.0.0.1:0".into(),
        agents: 20,
        skills: 60,
        seed: 42,
        faults: Faults::none(),
        ..SimConfig::default()
    }
}

pub async fn cx_token(http: &reqwest::Client, base: &str, id: &str, secret: &str) -> Response {
    http.post(format!("{base}/authentication/v1/token/access-key"))
        .json(&serde_json::json!({"accessKeyId": id, "accessKeySecret": secret}))
        .send()
        .await
        .expect("token request")
}

pub async fn spawn_cxone_sim(config: SimConfig) -> CxSim {
    CxSim(crate::helpers::spawn_sim(config).await)
}

impl CxSim {
    /// An authenticated call to `V` + `path`.
    pub async fn api(&self, method: Method, path: &str, body: Option<Value>) -> Response {
        let mut req = self
            .http
            .request(method, self.url(&format!("{V}{path}")))
            .bearer_auth(&self.token);
        if let Some(body) = body {
            req = req.json(&body);
        }
        req.send().await.expect("request sent")
    }

    /// An authenticated call that must answer 200; its JSON.
    pub async fn ok(&self, method: Method, path: &str, body: Option<Value>) -> Value {
        let resp = self.api(method.clone(), path, body).await;
        let status = resp.status();
        let text = resp.text().await.expect("body");
        assert_eq!(status, StatusCode::OK, "{method} {path}: {text}");
        serde_json::from_str(&text).expect("json body")
    }

    pub async fn get(&self, path: &str) -> Value {
        self.ok(Method::GET, path, None).await
    }

    /// Follows `_links.next` from `path`, collecting the items under `key`.
    pub async fn all_pages(&self, path: &str, key: &str) -> (Vec<Value>, u32) {
        let mut items = Vec::new();
        let mut pages = 0;
        let mut next = Some(self.url(&format!("{V}{path}")));
        while let Some(url) = next {
            let page: Value = self
                .http
                .get(&url)
                .bearer_auth(&self.token)
                .send()
                .await
                .expect("page")
                .json()
                .await
                .expect("json");
            items.extend(page[key].as_array().expect("items").iter().cloned());
            next = page["_links"]["next"].as_str().map(str::to_string);
            pages += 1;
        }
        (items, pages)
    }

    /// The true state of an agent, ignoring lag.
    pub async fn truth(&self, agent: u64) -> Value {
        self.http
            .get(self.url(&format!("/sim/users/{agent}")))
            .send()
            .await
            .expect("truth")
            .json()
            .await
            .expect("truth json")
    }

    /// `(skillId, proficiency)` an agent truly holds.
    pub async fn held(&self, agent: u64) -> Vec<(u64, u64)> {
        self.truth(agent).await["skills"]
            .as_array()
            .expect("skills")
            .iter()
            .map(|s| {
                (
                    s["skillId"].as_u64().expect("id"),
                    s["proficiency"].as_u64().expect("p"),
                )
            })
            .collect()
    }

    pub async fn agent_ids(&self) -> Vec<u64> {
        self.http
            .get(self.url("/sim/users"))
            .send()
            .await
            .expect("users")
            .json()
            .await
            .expect("users json")
    }

    /// An agent holding at least `min` skills, and a skill id it lacks.
    pub async fn agent_with_skills(&self, min: usize) -> (u64, Vec<u64>, u64) {
        let all: Vec<u64> = self.get("/skills?top=500").await["skills"]
            .as_array()
            .expect("skills")
            .iter()
            .map(|s| s["skillId"].as_u64().expect("id"))
            .collect();
        for agent in self.agent_ids().await {
            let held: Vec<u64> = self.held(agent).await.iter().map(|h| h.0).collect();
            if held.len() >= min {
                let lacking = *all
                    .iter()
                    .find(|s| !held.contains(s))
                    .expect("a lacking skill");
                return (agent, held, lacking);
            }
        }
        panic!("no agent with {min} skills");
    }

    /// A change "made in the CXone UI".
    pub async fn admin_edit(&self, agent: u64, change: Value) {
        let resp = self
            .http
            .post(self.url(&format!("/sim/users/{agent}/skills")))
            .json(&change)
            .send()
            .await
            .expect("admin edit");
        assert_eq!(
            resp.status(),
            StatusCode::NO_CONTENT,
            "{:?}",
            resp.text().await
        );
    }
}
