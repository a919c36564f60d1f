//! The CXone org: agents and skills with integer ids, and assignments on CXone's proficiency
//! scale (1 = highest … 20 = lowest), each stamped with its last change. Seeded like the Genesys
//! org: same names, same e-mails, deterministic in the seed.

use std::ops::RangeInclusive;
use std::time::{Duration, Instant};

use chrono::{DateTime, TimeZone, Utc};
use parking_lot::Mutex;
use rand::seq::index::sample;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::sim::config::SimConfig;
use crate::sim::lag::Lag;
use crate::sim::names;
use crate::sim::org::MAX_ASSIGNMENTS;

/// Agent number `index` (1-based) has `agentId` `FIRST_AGENT_ID + index`.
pub const FIRST_AGENT_ID: u32 = 1_000_000;
/// Skill number `n` (0-based) has `skillId` `FIRST_SKILL_ID + n + 1`.
pub const FIRST_SKILL_ID: u32 = 10_000;
/// The proficiencies an item may carry; anything else fails that item.
pub const PROFICIENCY: RangeInclusive<i64> = 1..=20;

/// A skill's media type: CXone's id and name.
#[derive(Debug, Clone, Copy)]
pub struct Media {
    /// `mediaTypeId`.
    pub id: u32,
    /// `mediaTypeName`.
    pub name: &'static str,
}

/// What `PUT …/skills/{skillId}` may change about a skill.
#[derive(Debug, Clone)]
pub struct SkillSettings {
    /// `skillName`, from the Genesys names generator (`Billing_L1`) until renamed.
    pub name: String,
    /// `isActive`: seeded skills are all active.
    pub active: bool,
    /// `notes`: empty when seeded.
    pub notes: String,
}

/// One skill definition.
#[derive(Debug)]
pub struct Skill {
    /// `skillId`.
    pub id: u32,
    /// Chat for `_Chat` skills, e-mail for `_Email`, phone otherwise (fixed at seeding: CXone
    /// keeps a skill's media type whatever it is renamed to).
    pub media: Media,
    /// Name, activity and notes; behind a lock since the API can change them.
    pub settings: Mutex<SkillSettings>,
}

impl Skill {
    /// `skillName` now.
    pub fn name(&self) -> String {
        self.settings.lock().name.clone()
    }

    /// `isActive` now.
    pub fn active(&self) -> bool {
        self.settings.lock().active
    }
}

/// A skill held by an agent.
#[derive(Debug, Clone, PartialEq)]
pub struct Held {
    /// `skillId`.
    pub skill: u32,
    /// 1 (highest) – 20.
    pub proficiency: u8,
    /// The assignment's own `isActive`.
    pub active: bool,
    /// `lastUpdateTime`: bumped by every change of this assignment.
    pub updated: DateTime<Utc>,
}

/// What changes about an agent, behind the agent's lock.
#[derive(Debug, Default)]
pub struct AgentData {
    /// The true, current assignments.
    pub skills: Vec<Held>,
    lag: Lag<Vec<Held>>,
}

impl AgentData {
    /// Applies `change` to a copy; on success the copy becomes current and readers lagging by
    /// `lag` keep seeing the old one for that long.
    pub fn write<R, E>(
        &mut self,
        now: Instant,
        lag: Duration,
        change: impl FnOnce(&mut Vec<Held>) -> Result<R, E>,
    ) -> Result<R, E> {
        let mut next = self.skills.clone();
        let result = change(&mut next)?;
        self.lag.record(now, lag, &self.skills, &next);
        self.skills = next;
        Ok(result)
    }

    /// The assignments a reader sees (with `stale`, possibly those before recent writes).
    pub fn read(&mut self, now: Instant, lag: Duration, stale: bool) -> &Vec<Held> {
        self.lag.view(&self.skills, now, lag, stale)
    }
}

/// One agent.
#[derive(Debug)]
pub struct Agent {
    /// `agentId`.
    pub id: u32,
    /// 1-based number: `agent00042@example.com` is index 42.
    pub index: u32,
    /// `firstName`.
    pub first_name: String,
    /// `lastName`.
    pub last_name: String,
    /// `internalId`, a UUID.
    pub internal_id: String,
    /// Everything that changes.
    pub data: Mutex<AgentData>,
}

impl Agent {
    /// `emailAddress` and `userName`.
    pub fn email(&self) -> String {
        names::email(self.index)
    }
}

/// Everything the CXone simulator stores.
#[derive(Debug)]
pub struct CxOrg {
    /// Agents in `agentId` order.
    pub agents: Vec<Agent>,
    /// Skills in `skillId` order.
    pub skills: Vec<Skill>,
}

/// The `lastUpdateTime` of seeded assignments (2025-01-01T00:00:00Z).
pub fn seeded_at() -> DateTime<Utc> {
    Utc.timestamp_opt(1_735_689_600, 0)
        .single()
        .unwrap_or(DateTime::UNIX_EPOCH)
}

fn media(name: &str) -> Media {
    if name.contains("_Chat") {
        Media {
            id: 3,
            name: "Chat",
        }
    } else if name.contains("_Email") {
        Media {
            id: 1,
            name: "Email",
        }
    } else {
        Media {
            id: 4,
            name: "Phone Call",
        }
    }
}

impl CxOrg {
    /// Generates the org described by `config`; deterministic in `config.seed`.
    pub fn generate(config: &SimConfig) -> Self {
        let mut rng = ChaCha8Rng::seed_from_u64(config.seed);
        let skills = (0..config.skills)
            .map(|n| {
                let name = names::skill_name(n as usize);
                Skill {
                    id: FIRST_SKILL_ID + n + 1,
                    media: media(&name),
                    settings: Mutex::new(SkillSettings {
                        name,
                        active: true,
                        notes: String::new(),
                    }),
                }
            })
            .collect();
        let agents = (1..=config.agents)
            .map(|index| {
                let person = names::person_name(index);
                let (first, last) = person.split_once(' ').unwrap_or((&person, ""));
                let internal_id = uuid::Builder::from_random_bytes(rng.random()).into_uuid();
                Agent {
                    id: FIRST_AGENT_ID + index,
                    index,
                    first_name: first.to_string(),
                    last_name: last.to_string(),
                    internal_id: internal_id.to_string(),
                    data: Mutex::new(AgentData {
                        skills: seed_skills(&mut rng, config),
                        lag: Lag::default(),
                    }),
                }
            })
            .collect();
        Self { agents, skills }
    }

    /// The agent with this `agentId`.
    pub fn agent(&self, id: u32) -> Option<&Agent> {
        let i = id.checked_sub(FIRST_AGENT_ID + 1)?;
        self.agents.get(i as usize)
    }

    /// The skill with this `skillId`.
    pub fn skill(&self, id: u32) -> Option<&Skill> {
        let i = id.checked_sub(FIRST_SKILL_ID + 1)?;
        self.skills.get(i as usize)
    }

    /// The skill with exactly this name.
    pub fn skill_named(&self, name: &str) -> Option<&Skill> {
        self.skills.iter().find(|s| s.settings.lock().name == name)
    }
}

/// Some agents hold nothing, the rest around `mean_skills`; about one assignment in twenty is
/// inactive.
fn seed_skills(rng: &mut impl Rng, config: &SimConfig) -> Vec<Held> {
    let available = config.skills as usize;
    let wanted = if rng.random_bool(0.10) {
        0
    } else {
        let mean = config.mean_skills.max(1) as usize;
        rng.random_range(1..=2 * mean - 1)
    };
    let count = wanted.min(available).min(MAX_ASSIGNMENTS);
    sample(rng, available, count)
        .into_iter()
        .map(|n| Held {
            skill: FIRST_SKILL_ID + n as u32 + 1,
            proficiency: rng.random_range(1..=20),
            active: !rng.random_bool(0.05),
            updated: seeded_at(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fingerprint(org: &CxOrg) -> Vec<(u32, String, Vec<Held>)> {
        org.agents
            .iter()
            .map(|a| (a.id, a.internal_id.clone(), a.data.lock().skills.clone()))
            .collect()
    }

    #[test]
    fn the_same_seed_makes_the_same_org_and_ids_resolve() {
        let config = SimConfig {
            agents: 50,
            ..SimConfig::default()
        };
        let a = CxOrg::generate(&config);
        assert_eq!(fingerprint(&a), fingerprint(&CxOrg::generate(&config)));
        let other = CxOrg::generate(&SimConfig { seed: 2, ..config });
        assert_ne!(fingerprint(&a), fingerprint(&other));
        assert_eq!(
            a.agent(FIRST_AGENT_ID + 1).map(|x| x.email()).as_deref(),
            Some("agent00001@example.com")
        );
        assert!(a.agent(FIRST_AGENT_ID).is_none());
        assert_eq!(
            a.skill(FIRST_SKILL_ID + 1).map(Skill::name).as_deref(),
            Some("PaymentProcessing_L1")
        );
        let all: Vec<u8> = a
            .agents
            .iter()
            .flat_map(|x| x.data.lock().skills.clone())
            .map(|h| h.proficiency)
            .collect();
        assert!(all.iter().all(|p| (1..=20).contains(p)));
    }
}
