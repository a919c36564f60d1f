//! Skill groups (skill expression groups): named conditions over skills whose members the
//! platform computes from users' current skills. They assign nothing; a client reads them to see
//! which skills routing depends on and who would be left without coverage.

use rand::Rng;
use time::OffsetDateTime;
use uuid::Uuid;

use super::conditions::{Comparator, Operation, RoutingCondition, SkillCondition};

/// One skill group.
#[derive(Debug, Clone)]
pub struct SkillGroup {
    /// Platform id, pre-rendered.
    pub id_str: String,
    /// Display name.
    pub name: String,
    /// Optional description.
    pub description: Option<String>,
    /// Index of the owning division.
    pub division: u32,
    /// The expression, kept as sent.
    pub conditions: Vec<SkillCondition>,
    /// Divisions whose users may be members; `None` means every division.
    pub member_divisions: Option<Vec<u32>>,
    /// Creation time.
    pub date_created: OffsetDateTime,
    /// Last change.
    pub date_modified: OffsetDateTime,
}

/// Why a group could not be created or renamed.
#[derive(Debug, PartialEq, Eq)]
pub enum GroupError {
    /// Another group already has this name.
    DuplicateName,
}

/// Every skill group, in creation order. Deletion is hard: the SDK calls it "Remove skill group
/// definition", and nothing reads a removed group afterwards.
#[derive(Debug, Default)]
pub struct SkillGroups {
    entries: Vec<SkillGroup>,
}

/// The fields of a new group.
pub struct NewGroup {
    /// Display name.
    pub name: String,
    /// Optional description.
    pub description: Option<String>,
    /// Owning division.
    pub division: u32,
    /// The expression.
    pub conditions: Vec<SkillCondition>,
    /// Member divisions (`None`: all).
    pub member_divisions: Option<Vec<u32>>,
}

impl SkillGroups {
    /// The groups a seeded org starts with: up to three, each requiring one seeded skill at a
    /// seeded minimum proficiency, in seeded divisions. `created` keeps them byte-identical
    /// across runs with the same seed.
    pub fn generate(
        skill_names: &[String],
        divisions: usize,
        rng: &mut impl Rng,
        created: OffsetDateTime,
    ) -> Self {
        let mut groups = Self::default();
        for name in skill_names.iter().step_by(7).take(3) {
            let id = uuid::Builder::from_random_bytes(rng.random()).into_uuid();
            let minimum = rng.random_range(1..=4);
            let division = if rng.random_bool(0.5) {
                0
            } else {
                rng.random_range(0..divisions.max(1)) as u32
            };
            groups.entries.push(SkillGroup {
                id_str: id.to_string(),
                name: format!("{name} coverage"),
                description: Some(format!("Agents with {name} at {minimum} or above")),
                division,
                conditions: vec![SkillCondition {
                    routing_skill_conditions: vec![RoutingCondition {
                        routing_skill: name.clone(),
                        comparator: Comparator::GreaterThanOrEqualTo,
                        proficiency: minimum,
                        child_conditions: Vec::new(),
                    }],
                    language_skill_conditions: Vec::new(),
                    operation: Operation::And,
                }],
                member_divisions: None,
                date_created: created,
                date_modified: created,
            });
        }
        groups
    }

    /// Adds a group; names are unique (case-insensitively), the stricter reading of an
    /// unconfirmed rule.
    pub fn create(&mut self, new: NewGroup) -> Result<&SkillGroup, GroupError> {
        if self.name_taken(&new.name, None) {
            return Err(GroupError::DuplicateName);
        }
        let now = OffsetDateTime::now_utc();
        self.entries.push(SkillGroup {
            id_str: Uuid::new_v4().to_string(),
            name: new.name,
            description: new.description,
            division: new.division,
            conditions: new.conditions,
            member_divisions: new.member_divisions,
            date_created: now,
            date_modified: now,
        });
        Ok(&self.entries[self.entries.len() - 1])
    }

    /// Whether a group other than `except` is called `name`.
    pub fn name_taken(&self, name: &str, except: Option<usize>) -> bool {
        self.entries
            .iter()
            .enumerate()
            .any(|(i, g)| Some(i) != except && g.name.eq_ignore_ascii_case(name))
    }

    /// The position of the group with this id.
    pub fn find_str(&self, id: &str) -> Option<usize> {
        self.entries
            .iter()
            .position(|g| g.id_str.eq_ignore_ascii_case(id.trim()))
    }

    /// The group at `idx`.
    pub fn get(&self, idx: usize) -> Option<&SkillGroup> {
        self.entries.get(idx)
    }

    /// The group at `idx`, for a change; the caller stamps `date_modified`.
    pub fn get_mut(&mut self, idx: usize) -> Option<&mut SkillGroup> {
        self.entries.get_mut(idx)
    }

    /// Removes the group at `idx`.
    pub fn remove(&mut self, idx: usize) {
        if idx < self.entries.len() {
            self.entries.remove(idx);
        }
    }

    /// Every group in creation order.
    pub fn all(&self) -> &[SkillGroup] {
        &self.entries
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    fn names() -> Vec<String> {
        (0..30).map(|i| format!("S{i}")).collect()
    }

    #[test]
    fn seeded_groups_follow_the_seed_and_names_stay_unique() {
        let at = OffsetDateTime::UNIX_EPOCH;
        let a = SkillGroups::generate(&names(), 4, &mut ChaCha8Rng::seed_from_u64(5), at);
        let b = SkillGroups::generate(&names(), 4, &mut ChaCha8Rng::seed_from_u64(5), at);
        let key = |g: &SkillGroups| {
            g.all()
                .iter()
                .map(|g| (g.id_str.clone(), g.division, g.conditions.clone()))
                .collect::<Vec<_>>()
        };
        assert_eq!(key(&a), key(&b));
        assert_eq!(a.all().len(), 3);
        let mut a = a;
        let taken = a.all()[0].name.to_uppercase();
        let new = NewGroup {
            name: taken,
            description: None,
            division: 0,
            conditions: Vec::new(),
            member_divisions: None,
        };
        assert_eq!(a.create(new).err(), Some(GroupError::DuplicateName));
    }
}
