//! The content hash of a desired state: SHA-256 over a canonical, length-prefixed encoding of
//! the sorted state, so that row order, spelling (`Expert` vs `5`) and file format do not
//! change it. Reads no feed.

use std::fmt;

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

use crate::domain::{AgentKey, DesiredState, Name, Proficiency};

/// SHA-256 of a desired state's canonical form.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct ContentHash([u8; 32]);

// Bump when the encoding changes, so that old and new hashes never collide.
const VERSION: &[u8] = b"skillsync desired state v1";

impl ContentHash {
    /// Hashes `state`.
    pub fn of(state: &DesiredState) -> Self {
        let mut hasher = Canonical(Sha256::new());
        hasher.bytes(VERSION);
        hasher.bytes(state.scope.as_str().as_bytes());
        for (agent, desired) in &state.agents {
            hasher.tag(b'A');
            hasher.agent(agent);
            for (tag, levels) in [(b'S', &desired.skills), (b'L', &desired.languages)] {
                for (name, level) in levels {
                    hasher.tag(tag);
                    hasher.name(name);
                    hasher.level(*level);
                }
            }
            for (name, window) in &desired.certifications {
                hasher.tag(b'C');
                hasher.name(name);
                hasher.instant(window.issued_on);
                hasher.instant(window.expires_on);
            }
        }
        Self(hasher.0.finalize().into())
    }

    /// The 32 bytes.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

impl fmt::Display for ContentHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.iter().try_for_each(|byte| write!(f, "{byte:02x}"))
    }
}

impl fmt::Debug for ContentHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ContentHash({self})")
    }
}

/// Writes values so that no two different states produce the same byte sequence.
struct Canonical(Sha256);

impl Canonical {
    fn tag(&mut self, tag: u8) {
        self.0.update([tag]);
    }

    fn bytes(&mut self, bytes: &[u8]) {
        self.0.update((bytes.len() as u64).to_le_bytes());
        self.0.update(bytes);
    }

    fn agent(&mut self, agent: &AgentKey) {
        self.bytes(agent.kind().as_str().as_bytes());
        self.bytes(agent.as_str().as_bytes());
    }

    fn name(&mut self, name: &Name) {
        self.bytes(name.as_bytes());
    }

    fn level(&mut self, level: Proficiency) {
        self.tag(level.half_steps());
    }

    fn instant(&mut self, instant: Option<DateTime<Utc>>) {
        match instant {
            None => self.tag(0),
            Some(t) => {
                self.tag(1);
                self.0.update(t.timestamp().to_le_bytes());
                self.0.update(t.timestamp_subsec_nanos().to_le_bytes());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{AgentDesired, FeedScope};

    fn state(scope: FeedScope, skills: &[(&str, u8)]) -> DesiredState {
        let mut agent = AgentDesired::default();
        for (name, half_steps) in skills {
            agent.skills.insert(
                Name::parse(name).expect("name"),
                Proficiency::from_half_steps(*half_steps).expect("level"),
            );
        }
        let mut state = DesiredState::new(scope);
        state
            .agents
            .insert(AgentKey::Email("a@example.com".into()), agent);
        state
    }

    #[test]
    fn the_hash_is_64_lowercase_hex_digits() {
        let shown = ContentHash::of(&state(FeedScope::Partial, &[])).to_string();
        assert_eq!(shown.len(), 64);
        assert!(shown
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)));
    }

    #[test]
    fn equal_states_hash_equal_and_any_change_changes_the_hash() {
        let base = ContentHash::of(&state(FeedScope::Partial, &[("Billing", 6)]));
        assert_eq!(
            base,
            ContentHash::of(&state(FeedScope::Partial, &[("Billing", 6)]))
        );
        assert_ne!(
            base,
            ContentHash::of(&state(FeedScope::Snapshot, &[("Billing", 6)]))
        );
        assert_ne!(
            base,
            ContentHash::of(&state(FeedScope::Partial, &[("Billing", 7)]))
        );
        assert_ne!(
            base,
            ContentHash::of(&state(FeedScope::Partial, &[("billing", 6)]))
        );
    }

    #[test]
    fn names_cannot_run_into_each_other() {
        let split = ContentHash::of(&state(FeedScope::Partial, &[("ab", 2), ("c", 2)]));
        let joined = ContentHash::of(&state(FeedScope::Partial, &[("a", 2), ("bc", 2)]));
        assert_ne!(split, joined);
    }
}
