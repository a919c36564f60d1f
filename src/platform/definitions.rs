//! The skill catalog as a platform holds it (issue 16): definitions with their state, what skill
//! groups reference them, and what retiring a definition did. Vendor-neutral shapes; each
//! connector fills them from its own API.

use std::collections::BTreeSet;

/// Where a definition stands on the platform, most usable first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum DefinitionState {
    /// Usable.
    Active,
    /// Kept but not usable (CXone's `isActive: false`).
    Inactive,
    /// Soft-deleted (Genesys Cloud lists may still show it).
    Deleted,
}

impl DefinitionState {
    /// `active`, `inactive` or `deleted`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Inactive => "inactive",
            Self::Deleted => "deleted",
        }
    }
}

/// One skill definition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SkillDefinition {
    /// The platform's id.
    pub id: String,
    /// The exact, case-sensitive name.
    pub name: String,
    /// Active, inactive or deleted.
    pub state: DefinitionState,
}

/// A skill group and the skills its conditions name: while one names a skill, the skill is in
/// use and its definition must not be deleted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SkillGroupUse {
    /// The group's name.
    pub group: String,
    /// Skill names its conditions test, at any depth.
    pub skills: BTreeSet<String>,
}

/// What retiring a definition did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DefinitionRetired {
    /// Deleted (Genesys Cloud: a soft delete).
    Deleted,
    /// Deactivated, since the platform cannot delete skills (CXone).
    Deactivated,
    /// There was no active definition of that name any more.
    AlreadyGone,
}

impl DefinitionRetired {
    /// `deleted`, `deactivated` or `already_gone`, as the audit and the API say it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Deleted => "deleted",
            Self::Deactivated => "deactivated",
            Self::AlreadyGone => "already_gone",
        }
    }
}
