//! The simulated org: users, skill and language catalogs, and the seeded generator that makes
//! the same org from the same seed.

use std::collections::HashMap;
use std::sync::atomic::AtomicU32;

use parking_lot::{Mutex, RwLock};
use rand::seq::index::sample;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use time::OffsetDateTime;
use uuid::Uuid;

use super::catalog::Catalog;
use super::config::SimConfig;
use super::divisions::{Division, Divisions, HOME};
use super::dynamics;
use super::names;
use super::routing::{Presence, RoutingStatus};
use super::skillgroups::SkillGroups;
use super::user::{Assignment, AssignmentState, Profile, UserData, UserSlot};

/// A user may hold at most this many routing skills, and as many languages.
pub const MAX_ASSIGNMENTS: usize = 50;

/// A separate stream from the org generator's, so that adding divisions and skill groups did not
/// change the ids or profiles of any seeded org.
const CATALOG_STREAM: u64 = 0xD1F1_5EED;

/// Share of seeded users outside the home division.
const AWAY_SHARE: f64 = 0.2;

/// Everything the simulator stores.
#[derive(Debug)]
pub struct Org {
    /// Divisions; the home division (index 0) owns everything not placed elsewhere.
    pub divisions: Divisions,
    /// Users by 0-based position (`index - 1`).
    pub users: Vec<UserSlot>,
    user_by_id: HashMap<Uuid, usize>,
    /// Routing skill definitions.
    pub skills: RwLock<Catalog>,
    /// Routing language definitions.
    pub languages: RwLock<Catalog>,
    /// Skill expression groups.
    pub skill_groups: RwLock<SkillGroups>,
}

impl Org {
    /// Generates the org described by `config`; deterministic in `config.seed`.
    pub fn generate(config: &SimConfig) -> Self {
        let mut rng = ChaCha8Rng::seed_from_u64(config.seed);
        // A fixed date keeps definitions byte-identical across runs with the same seed.
        let created = OffsetDateTime::from_unix_timestamp(1_735_689_600)
            .unwrap_or(OffsetDateTime::UNIX_EPOCH);
        let home_id = random_uuid(&mut rng);
        let mut catalog_rng = ChaCha8Rng::seed_from_u64(config.seed ^ CATALOG_STREAM);
        let divisions = Divisions::generate(home_id, &mut catalog_rng);

        let mut skills = Catalog::default();
        for n in 0..config.skills as usize {
            skills.insert(random_uuid(&mut rng), names::skill_name(n), created);
        }
        let mut languages = Catalog::default();
        for n in 0..config.languages as usize {
            languages.insert(random_uuid(&mut rng), names::language_name(n), created);
        }

        let start = OffsetDateTime::now_utc();
        let mut users = Vec::with_capacity(config.agents as usize);
        let mut user_by_id = HashMap::with_capacity(config.agents as usize);
        for index in 1..=config.agents {
            let id = random_uuid(&mut rng);
            let profile = seed_profile(&mut rng, config);
            // Once the seeded status; still drawn so that every seed keeps its ids and profiles.
            let _: i32 = rng.random_range(0..10);
            let presence = Presence::new(RoutingStatus::Idle, start);
            user_by_id.insert(id, users.len());
            users.push(UserSlot {
                id_str: id.to_string(),
                index,
                division: AtomicU32::new(seed_division(&mut catalog_rng, divisions.all().len())),
                data: Mutex::new(UserData::new(profile, presence)),
            });
        }
        let skill_names: Vec<String> = skills.all().iter().map(|d| d.name.clone()).collect();
        let skill_groups = SkillGroups::generate(
            &skill_names,
            divisions.all().len(),
            &mut catalog_rng,
            created,
        );

        let org = Self {
            divisions,
            users,
            user_by_id,
            skills: RwLock::new(skills),
            languages: RwLock::new(languages),
            skill_groups: RwLock::new(skill_groups),
        };
        dynamics::apply_busy_share(&org, config.seed, config.faults.busy_share, start);
        org
    }

    /// An org with no users and no definitions.
    pub fn empty() -> Self {
        Self {
            divisions: Divisions::default(),
            users: Vec::new(),
            user_by_id: HashMap::new(),
            skills: RwLock::new(Catalog::default()),
            languages: RwLock::new(Catalog::default()),
            skill_groups: RwLock::new(SkillGroups::default()),
        }
    }

    /// The division `user` is in now.
    pub fn user_division(&self, user: &UserSlot) -> Option<&Division> {
        self.divisions
            .get(user.division.load(std::sync::atomic::Ordering::Relaxed))
    }

    /// The user with this id (as text); `None` for unknown or malformed ids.
    pub fn user(&self, id: &str) -> Option<&UserSlot> {
        let id = Uuid::parse_str(id).ok()?;
        self.user_by_id.get(&id).map(|&i| &self.users[i])
    }
}

/// Most users sit in the home division; about a fifth are spread over the others.
fn seed_division(rng: &mut impl Rng, divisions: usize) -> u32 {
    if divisions > 1 && rng.random_bool(AWAY_SHARE) {
        rng.random_range(1..divisions) as u32
    } else {
        HOME
    }
}

fn random_uuid(rng: &mut impl Rng) -> Uuid {
    uuid::Builder::from_random_bytes(rng.random()).into_uuid()
}

/// A plausible starting profile: some users hold nothing, a few sit near the 50-skill cap, the
/// rest spread around `mean_skills`.
fn seed_profile(rng: &mut impl Rng, config: &SimConfig) -> Profile {
    let available = config.skills as usize;
    let roll: f64 = rng.random();
    let wanted = if roll < 0.10 {
        0
    } else if roll < 0.13 && available >= MAX_ASSIGNMENTS - 5 {
        rng.random_range(MAX_ASSIGNMENTS - 5..MAX_ASSIGNMENTS)
    } else {
        let mean = config.mean_skills.max(1) as usize;
        rng.random_range(1..=2 * mean - 1)
    };
    let skill_count = wanted.min(available).min(MAX_ASSIGNMENTS);
    let skills = sample(rng, available, skill_count)
        .into_iter()
        .map(|def| Assignment {
            def: def as u32,
            proficiency: seed_skill_proficiency(rng),
            state: AssignmentState::Active,
        })
        .collect();

    let language_count = rng.random_range(0..=3usize).min(config.languages as usize);
    let languages = sample(rng, config.languages as usize, language_count)
        .into_iter()
        .map(|def| Assignment {
            def: def as u32,
            proficiency: rng.random_range(1..=5) as f32,
            state: AssignmentState::Active,
        })
        .collect();

    let certifications = match rng.random_range(0..20) {
        0..=2 => vec!["PCI-DSS".to_string()],
        3 => vec!["PCI-DSS".to_string(), "HIPAA".to_string()],
        _ => Vec::new(),
    };

    Profile {
        version: rng.random_range(1..20),
        skills,
        languages,
        certifications,
    }
}

/// Mostly whole numbers, sometimes a half step, as admins set them in the UI.
fn seed_skill_proficiency(rng: &mut impl Rng) -> f32 {
    let whole = rng.random_range(0..=5) as f32;
    if whole < 5.0 && rng.random_bool(0.2) {
        whole + 0.5
    } else {
        whole
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(seed: u64) -> SimConfig {
        SimConfig {
            agents: 500,
            skills: 80,
            languages: 10,
            seed,
            ..SimConfig::default()
        }
    }

    fn fingerprint(org: &Org) -> Vec<(String, Profile)> {
        org.users
            .iter()
            .map(|u| (u.id_str.clone(), u.data.lock().profile.clone()))
            .collect()
    }

    #[test]
    fn the_same_seed_makes_the_same_org() {
        assert_eq!(
            fingerprint(&Org::generate(&config(7))),
            fingerprint(&Org::generate(&config(7)))
        );
    }

    #[test]
    fn a_different_seed_makes_a_different_org() {
        assert_ne!(
            fingerprint(&Org::generate(&config(7))),
            fingerprint(&Org::generate(&config(8)))
        );
    }

    #[test]
    fn seeded_users_include_empty_and_near_cap_profiles_and_never_exceed_the_cap() {
        let org = Org::generate(&config(3));
        let counts: Vec<usize> = org
            .users
            .iter()
            .map(|u| u.data.lock().profile.skills.len())
            .collect();
        assert!(counts.contains(&0));
        assert!(counts.iter().any(|&c| c >= MAX_ASSIGNMENTS - 5));
        assert!(counts.iter().all(|&c| c <= MAX_ASSIGNMENTS));
    }

    #[test]
    fn users_are_found_by_id_text() {
        let org = Org::generate(&config(1));
        let first = &org.users[0];
        assert_eq!(org.user(&first.id_str).map(|u| u.index), Some(1));
        assert!(org.user("not-a-uuid").is_none());
    }
}
