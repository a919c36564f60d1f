//! Which assignments skillsync owns. It changes or removes only names in its managed scope:
//! configured names, prefixes and globs, or — when none are configured for an attribute —
//! every name that has appeared in a feed.

use std::collections::BTreeSet;

use globset::{Glob, GlobSet, GlobSetBuilder};
use serde::{Deserialize, Serialize};

use crate::domain::{AssignmentKind, SeenNames};

/// `[ownership.skills]` (and `.languages`, `.certifications`) in the configuration.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct ScopeSettings {
    /// Exact, case-sensitive names.
    pub names: Vec<String>,
    /// Name prefixes, e.g. `Billing_`.
    pub prefixes: Vec<String>,
    /// Globs, e.g. `*_L[12]`.
    pub globs: Vec<String>,
}

impl ScopeSettings {
    fn is_empty(&self) -> bool {
        self.names.is_empty() && self.prefixes.is_empty() && self.globs.is_empty()
    }
}

/// `[ownership]` in the configuration.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct OwnershipSettings {
    /// Routing skills.
    pub skills: ScopeSettings,
    /// Routing languages.
    pub languages: ScopeSettings,
    /// Certifications.
    pub certifications: ScopeSettings,
    /// Platform divisions (by name) whose users skillsync manages; empty: every user. Users of
    /// other divisions are never planned, not even by a snapshot feed.
    pub divisions: Vec<String>,
}

/// A glob in the configuration that does not parse.
#[derive(Debug, thiserror::Error)]
#[error("ownership.{section}.globs: {pattern:?} is not a valid glob: {reason}")]
pub struct OwnershipError {
    section: &'static str,
    pattern: String,
    reason: String,
}

/// The managed scope of one attribute.
#[derive(Debug, Clone)]
pub struct ManagedScope {
    names: BTreeSet<String>,
    prefixes: Vec<String>,
    globs: GlobSet,
}

impl ManagedScope {
    /// The scope from configuration, or from `seen` (names that appeared in feeds) when the
    /// configuration names nothing.
    /// `section` names the configuration table in errors (`skills`, `languages`, …).
    pub fn build(
        section: &'static str,
        settings: &ScopeSettings,
        seen: &BTreeSet<String>,
    ) -> Result<Self, OwnershipError> {
        if settings.is_empty() {
            return Ok(Self {
                names: seen.clone(),
                prefixes: Vec::new(),
                globs: GlobSet::empty(),
            });
        }
        let mut globs = GlobSetBuilder::new();
        for pattern in &settings.globs {
            let glob = Glob::new(pattern).map_err(|e| OwnershipError {
                section,
                pattern: pattern.clone(),
                reason: e.kind().to_string(),
            })?;
            globs.add(glob);
        }
        let globs = globs.build().map_err(|e| OwnershipError {
            section,
            pattern: settings.globs.join(", "),
            reason: e.to_string(),
        })?;
        Ok(Self {
            names: settings.names.iter().cloned().collect(),
            prefixes: settings.prefixes.clone(),
            globs,
        })
    }

    /// Whether skillsync owns assignments of `name`.
    pub fn manages(&self, name: &str) -> bool {
        self.names.contains(name)
            || self.prefixes.iter().any(|p| name.starts_with(p.as_str()))
            || self.globs.is_match(name)
    }
}

/// Managed scopes of all attributes.
#[derive(Debug, Clone)]
pub struct Ownership {
    skills: ManagedScope,
    languages: ManagedScope,
    certifications: ManagedScope,
    divisions: BTreeSet<String>,
}

impl Ownership {
    /// Builds every attribute's scope.
    pub fn build(settings: &OwnershipSettings, seen: &SeenNames) -> Result<Self, OwnershipError> {
        Ok(Self {
            skills: ManagedScope::build("skills", &settings.skills, &seen.skills)?,
            languages: ManagedScope::build("languages", &settings.languages, &seen.languages)?,
            certifications: ManagedScope::build(
                "certifications",
                &settings.certifications,
                &seen.certifications,
            )?,
            divisions: settings.divisions.iter().cloned().collect(),
        })
    }

    /// Whether users of `division` are skillsync's to plan: every user when no divisions are
    /// configured; otherwise only those whose division is known and listed.
    pub fn owns_division(&self, division: Option<&str>) -> bool {
        self.divisions.is_empty() || division.is_some_and(|d| self.divisions.contains(d))
    }

    /// The scope of one attribute.
    pub fn of(&self, kind: AssignmentKind) -> &ManagedScope {
        match kind {
            AssignmentKind::Skill => &self.skills,
            AssignmentKind::Language => &self.languages,
            AssignmentKind::Certification => &self.certifications,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scope(settings: ScopeSettings, seen: &[&str]) -> ManagedScope {
        let seen = seen.iter().map(|s| s.to_string()).collect();
        ManagedScope::build("skills", &settings, &seen).expect("valid")
    }

    #[test]
    fn without_configuration_the_scope_is_the_names_seen_in_feeds() {
        let s = scope(ScopeSettings::default(), &["Billing_L1"]);
        assert!(s.manages("Billing_L1"));
        assert!(!s.manages("Billing_L2"));
    }

    #[test]
    fn configured_names_prefixes_and_globs_replace_the_seen_names() {
        let s = scope(
            ScopeSettings {
                names: vec!["VIP".into()],
                prefixes: vec!["Billing_".into()],
                globs: vec!["*_L[12]".into()],
            },
            &["Seen_Only"],
        );
        assert!(s.manages("VIP") && s.manages("Billing_Disputes") && s.manages("Sales_L2"));
        assert!(!s.manages("Seen_Only") && !s.manages("Sales_L3") && !s.manages("vip"));
    }

    #[test]
    fn an_invalid_glob_is_a_configuration_error_naming_it() {
        let err = ManagedScope::build(
            "skills",
            &ScopeSettings {
                globs: vec!["[".into()],
                ..ScopeSettings::default()
            },
            &BTreeSet::new(),
        )
        .expect_err("invalid");
        assert!(err.to_string().contains("ownership.skills.globs"), "{err}");
    }
}
