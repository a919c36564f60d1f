//! The org's definitions of routing skills or routing languages: ids, names, soft deletion.

use std::collections::HashMap;

use time::OffsetDateTime;
use uuid::Uuid;

/// Lifecycle state of a definition; deletion is soft, as on the real platform.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DefinitionState {
    /// Usable.
    Active,
    /// Soft-deleted: still listed and readable, no longer assignable.
    Deleted,
}

impl DefinitionState {
    /// The wire value.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Deleted => "deleted",
        }
    }
}

/// One skill or language definition.
#[derive(Debug, Clone)]
pub struct Definition {
    /// Platform id, pre-rendered because every listing prints it many times.
    pub id_str: String,
    /// Case-sensitive display name.
    pub name: String,
    /// Active or soft-deleted.
    pub state: DefinitionState,
    /// Bumped on every change.
    pub version: u32,
    /// Last change.
    pub date_modified: OffsetDateTime,
    /// Index of the owning division (skills only; languages have no division on the platform).
    pub division: u32,
}

/// All definitions of one kind, addressed by a dense index that user assignments store.
#[derive(Debug, Default)]
pub struct Catalog {
    entries: Vec<Definition>,
    by_id: HashMap<Uuid, u32>,
}

/// Why a definition could not be created.
#[derive(Debug, PartialEq, Eq)]
pub enum CreateError {
    /// An active definition already has this name.
    DuplicateName,
}

impl Catalog {
    /// Adds a definition and returns its index.
    pub fn insert(&mut self, id: Uuid, name: String, date_modified: OffsetDateTime) -> u32 {
        let idx = self.entries.len() as u32;
        self.entries.push(Definition {
            id_str: id.to_string(),
            name,
            state: DefinitionState::Active,
            version: 1,
            date_modified,
            division: super::divisions::HOME,
        });
        self.by_id.insert(id, idx);
        idx
    }

    /// Creates a definition as `POST /api/v2/routing/skills` does: the name must not belong to
    /// another active definition (a deleted one's name may be reused). It starts in `division`.
    pub fn create(&mut self, name: String, division: u32) -> Result<u32, CreateError> {
        let taken = self
            .entries
            .iter()
            .any(|d| d.state == DefinitionState::Active && d.name == name);
        if taken {
            return Err(CreateError::DuplicateName);
        }
        let idx = self.insert(Uuid::new_v4(), name, OffsetDateTime::now_utc());
        self.entries[idx as usize].division = division;
        Ok(idx)
    }

    /// Moves the definition at `idx` to `division`, as `PATCH /api/v2/routing/skills/{id}` does;
    /// a move is a change, so the version goes up.
    pub fn set_division(&mut self, idx: u32, division: u32) {
        if let Some(d) = self.entries.get_mut(idx as usize) {
            d.division = division;
            d.version += 1;
            d.date_modified = OffsetDateTime::now_utc();
        }
    }

    /// Soft-deletes the definition at `idx`.
    pub fn delete(&mut self, idx: u32) {
        if let Some(d) = self.entries.get_mut(idx as usize) {
            d.state = DefinitionState::Deleted;
            d.version += 1;
            d.date_modified = OffsetDateTime::now_utc();
        }
    }

    /// The index of the definition with this id.
    pub fn find(&self, id: &Uuid) -> Option<u32> {
        self.by_id.get(id).copied()
    }

    /// The index of an id given as text; `None` for unknown or malformed ids.
    pub fn find_str(&self, id: &str) -> Option<u32> {
        Uuid::parse_str(id).ok().and_then(|id| self.find(&id))
    }

    /// The definition at `idx`.
    pub fn get(&self, idx: u32) -> &Definition {
        &self.entries[idx as usize]
    }

    /// The index of the active definition with exactly this name.
    pub fn find_active_by_name(&self, name: &str) -> Option<u32> {
        self.entries
            .iter()
            .position(|d| d.state == DefinitionState::Active && d.name == name)
            .map(|i| i as u32)
    }

    /// Every definition in creation order.
    pub fn all(&self) -> &[Definition] {
        &self.entries
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_deleted_name_can_be_reused_but_an_active_one_cannot() {
        let mut c = Catalog::default();
        let a = c.create("Billing_L1".into(), 0).expect("create");
        assert_eq!(
            c.create("Billing_L1".into(), 0),
            Err(CreateError::DuplicateName)
        );
        c.delete(a);
        assert_eq!(c.get(a).state, DefinitionState::Deleted);
        let b = c.create("Billing_L1".into(), 0).expect("reuse");
        assert_ne!(a, b);
        assert_eq!(c.find_active_by_name("Billing_L1"), Some(b));
    }
}
