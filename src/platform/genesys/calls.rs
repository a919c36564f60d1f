//! The Genesys Cloud call kinds, labelled as summaries, metrics and benchmarks have always
//! printed them. Only names and the read/write flag live here, no paths.

use crate::platform::CallKind;

/// Minting an OAuth token.
pub const TOKEN: CallKind = CallKind::TOKEN;
/// A page of users.
pub const LIST_USERS: CallKind = CallKind::read("list_users");
/// One user.
pub const GET_USER: CallKind = CallKind::read("get_user");
/// A page of one user's skills.
pub const GET_USER_SKILLS: CallKind = CallKind::read("get_user_skills");
/// A page of one user's languages.
pub const GET_USER_LANGUAGES: CallKind = CallKind::read("get_user_languages");
/// A page of skill definitions.
pub const LIST_SKILLS: CallKind = CallKind::read("list_skills");
/// A page of language definitions.
pub const LIST_LANGUAGES: CallKind = CallKind::read("list_languages");
/// Creating a skill definition.
pub const CREATE_SKILL: CallKind = CallKind::write("create_skill");
/// Bulk upsert of a user's skills.
pub const PATCH_SKILLS: CallKind = CallKind::write("patch_skills");
/// Removing one skill from a user.
pub const DELETE_SKILL: CallKind = CallKind::write("delete_skill");
/// Bulk upsert of a user's languages.
pub const PATCH_LANGUAGES: CallKind = CallKind::write("patch_languages");
/// Removing one language from a user.
pub const DELETE_LANGUAGE: CallKind = CallKind::write("delete_language");
/// Versioned user update (certifications).
pub const PATCH_USER: CallKind = CallKind::write("patch_user");
/// Workforce-management adherence for up to 100 users (their scheduled activities).
pub const GET_ADHERENCE: CallKind = CallKind::read("get_adherence");
/// `GET /api/v2/authorization/divisions` (resolving `platform.division`, once).
pub const LIST_DIVISIONS: CallKind = CallKind::read("list_divisions");

/// A page of skill groups (`GET /api/v2/routing/skillgroups`).
pub const LIST_SKILL_GROUPS: CallKind = CallKind::read("list_skill_groups");
/// One skill group, with its conditions.
pub const GET_SKILL_GROUP: CallKind = CallKind::read("get_skill_group");
/// Deleting a skill definition (the end of a retirement).
pub const DELETE_SKILL_DEFINITION: CallKind = CallKind::write("delete_skill_definition");

/// All kinds, in the order reports list them.
pub const ALL: [CallKind; 18] = [
    TOKEN,
    LIST_USERS,
    GET_USER,
    GET_USER_SKILLS,
    GET_USER_LANGUAGES,
    LIST_SKILLS,
    LIST_LANGUAGES,
    CREATE_SKILL,
    PATCH_SKILLS,
    DELETE_SKILL,
    PATCH_LANGUAGES,
    DELETE_LANGUAGE,
    PATCH_USER,
    GET_ADHERENCE,
    LIST_DIVISIONS,
    LIST_SKILL_GROUPS,
    GET_SKILL_GROUP,
    DELETE_SKILL_DEFINITION,
];
