//! The org's authorization divisions: a "Home" division that owns everything by default, and a few
//! more so that clients meet skills, users and skill groups spread across divisions.

use rand::Rng;
use uuid::Uuid;

/// One division, as `AuthzDivision` / `Division` show it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Division {
    /// Platform id, pre-rendered.
    pub id_str: String,
    /// Display name.
    pub name: String,
    /// True for the org's home division only.
    pub home: bool,
}

/// Names the extra seeded divisions take, in order.
const EXTRA_NAMES: &[&str] = &["Sales", "Support", "Back Office", "Outsourcer", "Retail"];

/// Every division of the org; index 0 is the home division. Divisions are fixed at generation:
/// the simulator offers no division writes because skillsync never makes divisions.
#[derive(Debug, Default)]
pub struct Divisions {
    entries: Vec<Division>,
}

/// Index of the home division.
pub const HOME: u32 = 0;

impl Divisions {
    /// "Home" with `home_id` and 2–4 more whose ids and count come from `rng`.
    pub fn generate(home_id: Uuid, rng: &mut impl Rng) -> Self {
        let mut entries = vec![Division {
            id_str: home_id.to_string(),
            name: "Home".into(),
            home: true,
        }];
        let extra = rng.random_range(2..=4usize);
        for name in &EXTRA_NAMES[..extra] {
            let id = uuid::Builder::from_random_bytes(rng.random()).into_uuid();
            entries.push(Division {
                id_str: id.to_string(),
                name: (*name).to_string(),
                home: false,
            });
        }
        Self { entries }
    }

    /// The division at `idx`.
    pub fn get(&self, idx: u32) -> Option<&Division> {
        self.entries.get(idx as usize)
    }

    /// The index of the division with this id; `None` for unknown or malformed ids.
    pub fn find_str(&self, id: &str) -> Option<u32> {
        self.entries
            .iter()
            .position(|d| d.id_str.eq_ignore_ascii_case(id.trim()))
            .map(|i| i as u32)
    }

    /// Every division, home first.
    pub fn all(&self) -> &[Division] {
        &self.entries
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    #[test]
    fn home_comes_first_and_the_rest_follow_the_seed() {
        let home = Uuid::nil();
        let a = Divisions::generate(home, &mut ChaCha8Rng::seed_from_u64(3));
        let b = Divisions::generate(home, &mut ChaCha8Rng::seed_from_u64(3));
        assert_eq!(a.all(), b.all());
        assert!(a.all()[0].home && a.all()[0].name == "Home");
        assert!(a.all().len() >= 3 && a.all()[1..].iter().all(|d| !d.home));
        let id = a.all()[1].id_str.to_uppercase();
        assert_eq!(a.find_str(&id), Some(1));
        assert_eq!(a.find_str("nope"), None);
    }
}
