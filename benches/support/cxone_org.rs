//! For `benches/cxone.rs`: reading a CXone simulator's org through its API, the drifted partial
//! feed, the call floors it implies, the check that an apply converged, and the script pattern.

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use futures::{stream, StreamExt};
use serde_json::{json, Value};

/// The API base under the simulator's address.
pub const API: &str = "/inContactAPI/services/v33.0";
/// The largest `top` of a listing.
pub const TOP: usize = 500;

/// Skill name → proficiency (1 = highest … 20).
pub type Skills = BTreeMap<String, u8>;

/// A bearer token for the simulator's access key.
pub async fn token(http: &reqwest::Client, base: &str) -> String {
    let body: Value = http
        .post(format!("{base}/authentication/v1/token/access-key"))
        .json(&json!({"accessKeyId": "skillsync-sim", "accessKeySecret": "skillsync-sim-secret"}))
        .send()
        .await
        .expect("token")
        .json()
        .await
        .expect("token json");
    body["access_token"].as_str().expect("access_token").into()
}

/// Every item under `key` of the listing at `path`, following `_links.next`.
async fn listing(
    http: &reqwest::Client,
    base: &str,
    token: &str,
    path: &str,
    key: &str,
) -> Vec<Value> {
    let mut items = Vec::new();
    let mut next = Some(format!("{base}{API}{path}?top={TOP}&skip=0"));
    while let Some(url) = next {
        let page: Value = http
            .get(&url)
            .bearer_auth(token)
            .send()
            .await
            .expect("page")
            .json()
            .await
            .expect("page json");
        items.extend(page[key].as_array().cloned().unwrap_or_default());
        next = page["_links"]["next"].as_str().map(str::to_string);
    }
    items
}

/// The tenant as the API lists it.
pub struct Org {
    /// Skill name → `skillId`.
    pub skill_ids: BTreeMap<String, u64>,
    /// `agentId` → e-mail, in id order.
    pub emails: BTreeMap<u64, String>,
    /// `agentId` → every skill it holds (agents holding none are absent).
    pub held: BTreeMap<u64, Skills>,
    /// Assignment records in the listing.
    pub assignments: usize,
}

impl Org {
    /// Reads agents, skills and every assignment (`…/agents/skills`).
    pub async fn read(base: &str) -> Self {
        let http = reqwest::Client::new();
        let token = token(&http, base).await;
        let field = |v: &Value, k: &str| v[k].as_u64().expect(k);
        let emails = listing(&http, base, &token, "/agents", "agents")
            .await
            .iter()
            .map(|a| {
                (
                    field(a, "agentId"),
                    a["emailAddress"].as_str().expect("email").into(),
                )
            })
            .collect();
        let skill_ids = listing(&http, base, &token, "/skills", "skills")
            .await
            .iter()
            .map(|s| {
                (
                    s["skillName"].as_str().expect("name").into(),
                    field(s, "skillId"),
                )
            })
            .collect();
        let records = listing(
            &http,
            base,
            &token,
            "/agents/skills",
            "agentSkillAssignments",
        )
        .await;
        let mut held: BTreeMap<u64, Skills> = BTreeMap::new();
        for r in &records {
            let name = r["skillName"].as_str().expect("skillName").to_string();
            let p = field(r, "agentProficiencyValue") as u8;
            held.entry(field(r, "agentId")).or_default().insert(name, p);
        }
        Self {
            skill_ids,
            emails,
            held,
            assignments: records.len(),
        }
    }

    /// The listing pages skillsync reads to observe: agents, skills and assignments.
    pub fn pages(&self) -> u64 {
        [self.emails.len(), self.skill_ids.len(), self.assignments]
            .iter()
            .map(|n| n.div_ceil(TOP).max(1) as u64)
            .sum()
    }

    /// The `n` skills held by the most agents (ties by name).
    pub fn most_held(&self, n: usize) -> Vec<String> {
        let mut count: BTreeMap<&str, usize> = BTreeMap::new();
        for skills in self.held.values() {
            for name in skills.keys() {
                *count.entry(name).or_default() += 1;
            }
        }
        let mut names: Vec<(&str, usize)> = count.into_iter().collect();
        names.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        names
            .into_iter()
            .take(n)
            .map(|(s, _)| s.to_string())
            .collect()
    }

    /// The managed skills `agent` holds.
    pub fn managed(&self, agent: u64, managed: &[String]) -> Skills {
        let held = self.held.get(&agent).cloned().unwrap_or_default();
        held.into_iter()
            .filter(|(n, _)| managed.contains(n))
            .collect()
    }
}

/// The three kinds of change.
pub const ACTIONS: [&str; 3] = ["add", "modify", "remove"];

/// A partial feed and what it asks of the platform.
pub struct Drift {
    /// `agent,type,name,proficiency` rows on CXone's scale.
    pub csv: String,
    /// Listed agent → the managed skills it must hold.
    pub want: BTreeMap<u64, Skills>,
    /// Agents whose managed skills change.
    pub drifted: usize,
    /// Per action (`ACTIONS` order): skill → agents needing that action on it.
    pub need: [BTreeMap<String, BTreeSet<u64>>; 3],
}

/// The managed skills drifted agent number `k` should hold instead of `have`: by `k % 3` a
/// modify of all it holds, an add of one it lacks, or removals of all it holds but one (of the
/// one, plus an add, when it holds just one: a CSV cannot list an agent without skills); always
/// a change.
fn drifted(k: usize, have: &Skills, managed: &[String]) -> Skills {
    let p = (k % 20) as u8 + 1;
    let rotated: Vec<&String> = (0..managed.len())
        .map(|j| &managed[(k + j) % managed.len()])
        .collect();
    let lacking = rotated.iter().find(|s| !have.contains_key(**s));
    let mut want = have.clone();
    match (k % 3, have.len(), lacking) {
        (0, 1.., _) | (_, _, None) => want.values_mut().for_each(|q| *q = *q % 20 + 1),
        (1, _, Some(s)) | (_, 0, Some(s)) => {
            want.insert((*s).clone(), p);
        }
        (_, n, Some(s)) => {
            // All it holds but one; the one, when it holds only one.
            let held = rotated.iter().filter(|s| have.contains_key(**s));
            for gone in held.take(n.saturating_sub(1).max(1)) {
                want.remove(*gone);
            }
            if n == 1 {
                want.insert((*s).clone(), p);
            }
        }
    }
    want
}

impl Drift {
    /// Every agent with its managed skills as they are, except every `every`-th (in id order),
    /// whose managed skills change. Agents holding no managed skill and not drifted are not
    /// listed (a CSV row needs a skill), which leaves them as they are too.
    pub fn new(org: &Org, managed: &[String], every: usize) -> Self {
        let mut csv = String::from("agent,type,name,proficiency\n");
        let (mut want, mut drifted_agents) = (BTreeMap::new(), 0);
        let mut need: [BTreeMap<String, BTreeSet<u64>>; 3] = Default::default();
        for (i, (&agent, email)) in org.emails.iter().enumerate() {
            let have = org.managed(agent, managed);
            let wanted = if i % every == 0 {
                drifted(i / every, &have, managed)
            } else {
                have.clone()
            };
            if wanted.is_empty() {
                continue;
            }
            drifted_agents += usize::from(wanted != have);
            for (name, p) in &wanted {
                csv.push_str(&format!("{email},skill,{name},{p}\n"));
                let action = match have.get(name) {
                    None => Some(0),
                    Some(q) if q != p => Some(1),
                    Some(_) => None,
                };
                if let Some(a) = action {
                    need[a].entry(name.clone()).or_default().insert(agent);
                }
            }
            for name in have.keys().filter(|n| !wanted.contains_key(*n)) {
                need[2].entry(name.clone()).or_default().insert(agent);
            }
            want.insert(agent, wanted);
        }
        Self {
            csv,
            want,
            drifted: drifted_agents,
            need,
        }
    }

    /// Agents needing `action` (an index into `ACTIONS`) on any skill.
    pub fn agents(&self, action: usize) -> usize {
        self.need[action]
            .values()
            .flatten()
            .collect::<BTreeSet<_>>()
            .len()
    }

    /// (agent, skill) pairs needing `action`.
    pub fn pairs(&self, action: usize) -> usize {
        self.need[action].values().map(BTreeSet::len).sum()
    }

    /// Per-skill calls for `action`: batches of `batch` agents per skill for adds and
    /// modifies; one call per (agent, skill) for removals (`DELETE …/skills/{id}/agents/{id}`).
    pub fn per_skill_calls(&self, action: usize, batch: usize) -> usize {
        match action {
            2 => self.pairs(2),
            a => self.need[a]
                .values()
                .map(|agents| agents.len().div_ceil(batch))
                .sum(),
        }
    }
}

/// The floors of an apply: `pages` plus writes.
pub struct Floors {
    pub per_agent: u64,
    pub per_skill: u64,
    /// Per action, the cheaper of the two.
    pub best_mix: u64,
}

impl Floors {
    pub fn new(drift: &Drift, pages: u64, batch: usize) -> Self {
        let (mut per_agent, mut per_skill, mut best_mix) = (pages, pages, pages);
        for a in 0..ACTIONS.len() {
            let (agents, skills) = (
                drift.agents(a) as u64,
                drift.per_skill_calls(a, batch) as u64,
            );
            per_agent += agents;
            per_skill += skills;
            best_mix += agents.min(skills);
        }
        Self {
            per_agent,
            per_skill,
            best_mix,
        }
    }
}

/// Panics unless every agent holds exactly the managed skills `drift` wants (none if unlisted)
/// and the same unmanaged skills as in `before`.
pub fn assert_converged(before: &Org, after: &Org, drift: &Drift, managed: &[String]) {
    let mut wrong = Vec::new();
    for &agent in before.emails.keys() {
        let want = drift.want.get(&agent).cloned().unwrap_or_default();
        let unmanaged = |org: &Org| -> Skills {
            let held = org.held.get(&agent).cloned().unwrap_or_default();
            held.into_iter()
                .filter(|(n, _)| !managed.contains(n))
                .collect()
        };
        if after.managed(agent, managed) != want || unmanaged(after) != unmanaged(before) {
            wrong.push(agent);
        }
    }
    if let Some(first) = wrong.first() {
        panic!(
            "{} agents do not hold what the feed says after the apply; first {first}: wants {:?}, holds {:?}",
            wrong.len(),
            drift.want.get(first),
            after.held.get(first)
        );
    }
}

/// The common admin script on every listed agent: GET its skills, PUT the wanted managed ones
/// (PUT only modifies held skills: the script cannot add or remove). Calls and wall time.
pub async fn script_pattern(
    base: &str,
    org: &Org,
    drift: &Drift,
    concurrency: usize,
) -> (u64, Duration) {
    let http = reqwest::Client::new();
    let token = token(&http, base).await;
    let started = Instant::now();
    let calls = stream::iter(&drift.want)
        .map(|(agent, want)| {
            let (http, token) = (&http, &token);
            let url = format!("{base}{API}/agents/{agent}/skills");
            let skills: Vec<Value> = want
                .iter()
                .map(|(name, p)| json!({"skillId": org.skill_ids[name], "proficiency": p}))
                .collect();
            async move {
                let get = http.get(&url).bearer_auth(token).send().await.expect("GET");
                assert!(get.status().is_success(), "GET {url}: {}", get.status());
                let put = http
                    .put(&url)
                    .bearer_auth(token)
                    .json(&json!({ "skills": skills }))
                    .send()
                    .await
                    .expect("PUT");
                assert!(put.status().is_success(), "PUT {url}: {}", put.status());
                2u64
            }
        })
        .buffer_unordered(concurrency)
        .fold(0, |a, b| async move { a + b })
        .await;
    (calls, started.elapsed())
}
