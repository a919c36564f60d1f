//! `AgentKey`: how a feed names an agent (an email address or an HR employee id), normalized.
//! Resolving it to a platform user is the connector's job, not this module's.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Which attribute identifies agents in feeds (`feed.agent_key` in the configuration).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AgentKeyKind {
    /// The agent's email address, compared case-insensitively.
    #[default]
    Email,
    /// The HR employee id (Genesys `employerInfo.employeeId`), compared exactly.
    EmployeeId,
}

impl AgentKeyKind {
    /// The configuration spelling: `email` or `employee_id`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Email => "email",
            Self::EmployeeId => "employee_id",
        }
    }
}

/// A normalized agent identifier: emails trimmed and lowercased, employee ids trimmed.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum AgentKey {
    /// A lowercased email address.
    Email(String),
    /// A trimmed employee id.
    EmployeeId(String),
}

/// Why a value is not a valid agent key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AgentKeyError {
    /// Nothing but white space.
    #[error("missing value")]
    Empty,
    /// Not of the form `local@domain`.
    #[error("not an email address (expected name@domain)")]
    NotAnEmail,
    /// Contains a control character such as a tab or line break.
    #[error("contains a control character")]
    ControlCharacter,
    /// Longer than any email address or employee id (and than a database index row can hold).
    #[error("longer than {MAX_KEY_LEN} characters")]
    TooLong,
}

/// Longest agent key, in characters.
pub const MAX_KEY_LEN: usize = 255;

impl AgentKey {
    /// Normalizes `raw` as a key of the given kind.
    pub fn parse(kind: AgentKeyKind, raw: &str) -> Result<Self, AgentKeyError> {
        let trimmed = raw.trim();
        if trimmed.is_empty() {
            return Err(AgentKeyError::Empty);
        }
        if trimmed.chars().any(char::is_control) {
            return Err(AgentKeyError::ControlCharacter);
        }
        if trimmed.chars().count() > MAX_KEY_LEN {
            return Err(AgentKeyError::TooLong);
        }
        match kind {
            AgentKeyKind::Email => {
                let valid = match trimmed.split_once('@') {
                    Some((local, domain)) => {
                        !local.is_empty()
                            && !domain.is_empty()
                            && !domain.contains('@')
                            && !trimmed.contains(char::is_whitespace)
                    }
                    None => false,
                };
                if !valid {
                    return Err(AgentKeyError::NotAnEmail);
                }
                Ok(Self::Email(trimmed.to_lowercase()))
            }
            AgentKeyKind::EmployeeId => Ok(Self::EmployeeId(trimmed.to_owned())),
        }
    }

    /// Which attribute this key is.
    pub fn kind(&self) -> AgentKeyKind {
        match self {
            Self::Email(_) => AgentKeyKind::Email,
            Self::EmployeeId(_) => AgentKeyKind::EmployeeId,
        }
    }

    /// The normalized value.
    pub fn as_str(&self) -> &str {
        match self {
            Self::Email(value) | Self::EmployeeId(value) => value,
        }
    }
}

impl fmt::Display for AgentKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_trimmed_and_lowercased() {
        let key =
            AgentKey::parse(AgentKeyKind::Email, "  Anna.Schmidt@Example.DE ").expect("valid");
        assert_eq!(key, AgentKey::Email("anna.schmidt@example.de".into()));
        assert_eq!(key.kind(), AgentKeyKind::Email);
    }

    #[test]
    fn employee_ids_are_trimmed_but_keep_their_case() {
        let key = AgentKey::parse(AgentKeyKind::EmployeeId, " Ab-1234\t").expect("valid");
        assert_eq!(key.as_str(), "Ab-1234");
        assert_eq!(key.kind(), AgentKeyKind::EmployeeId);
    }

    #[test]
    fn blank_keys_are_rejected() {
        for kind in [AgentKeyKind::Email, AgentKeyKind::EmployeeId] {
            assert_eq!(AgentKey::parse(kind, " \u{a0} "), Err(AgentKeyError::Empty));
        }
    }

    #[test]
    fn emails_need_one_at_sign_with_text_on_both_sides() {
        for bad in [
            "anna",
            "@example.com",
            "anna@",
            "a@b@c",
            "anna schmidt@example.com",
        ] {
            assert_eq!(
                AgentKey::parse(AgentKeyKind::Email, bad),
                Err(AgentKeyError::NotAnEmail),
                "{bad}"
            );
        }
    }

    #[test]
    fn control_characters_are_rejected() {
        assert_eq!(
            AgentKey::parse(AgentKeyKind::EmployeeId, "12\n34"),
            Err(AgentKeyError::ControlCharacter)
        );
    }
}
