//! `Name`: a skill, language or certification name as the platform spells it. Trimmed, case
//! kept, cheap to clone (shared), so that a million assignments share a few hundred strings.

use std::borrow::Borrow;
use std::fmt;
use std::ops::Deref;
use std::sync::Arc;

/// A trimmed, non-empty, case-preserving name; clones share one allocation.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Name(Arc<str>);

/// Why a value is not a valid name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NameError {
    /// Nothing but white space.
    #[error("missing value")]
    Empty,
    /// Contains a control character such as a tab or line break.
    #[error("contains a control character")]
    ControlCharacter,
    /// Longer than any platform name (and than a database index row can hold).
    #[error("longer than {MAX_LEN} characters")]
    TooLong,
}

/// Longest name, in characters.
pub const MAX_LEN: usize = 255;

impl Name {
    /// Trims `raw` and checks that something printable is left.
    pub fn parse(raw: &str) -> Result<Self, NameError> {
        let trimmed = raw.trim();
        if trimmed.is_empty() {
            return Err(NameError::Empty);
        }
        if trimmed.chars().any(char::is_control) {
            return Err(NameError::ControlCharacter);
        }
        if trimmed.chars().count() > MAX_LEN {
            return Err(NameError::TooLong);
        }
        Ok(Self(Arc::from(trimmed)))
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Deref for Name {
    type Target = str;

    fn deref(&self) -> &str {
        &self.0
    }
}

// `Borrow<str>` lets maps keyed by `Name` be searched with a plain `&str`; it is sound because
// `Eq`, `Ord` and `Hash` all delegate to the string.
impl Borrow<str> for Name {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.0, f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    #[test]
    fn a_name_longer_than_any_platform_allows_is_refused() {
        assert!(Name::parse(&"n".repeat(MAX_LEN)).is_ok());
        assert_eq!(Name::parse(&"n".repeat(3_000)), Err(NameError::TooLong));
    }

    #[test]
    fn names_are_trimmed_and_keep_their_case() {
        let name = Name::parse("  Billing EN \u{a0}").expect("valid");
        assert_eq!(name.as_str(), "Billing EN");
    }

    #[test]
    fn blank_names_and_control_characters_are_rejected() {
        assert_eq!(Name::parse(" \t "), Err(NameError::Empty));
        assert_eq!(Name::parse("Bill\ning"), Err(NameError::ControlCharacter));
    }

    #[test]
    fn maps_keyed_by_name_can_be_searched_with_a_str() {
        let mut map = BTreeMap::new();
        map.insert(Name::parse("Billing").expect("valid"), 1);
        assert_eq!(map.get("Billing"), Some(&1));
        assert_eq!(map.get("billing"), None);
    }
}
