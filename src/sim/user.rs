//! One simulated user: the writable profile, its version, and the replica lag that makes reads
//! trail writes.

use std::time::{Duration, Instant};

use super::lag::Lag;
use super::routing::Presence;

/// Whether an assignment routes (`active`) or is parked (`inactive`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AssignmentState {
    /// Routes interactions.
    Active,
    /// Assigned but not used for routing.
    Inactive,
}

impl AssignmentState {
    /// The wire value.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Inactive => "inactive",
        }
    }

    /// Parses the wire value; `None` for anything else.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "active" => Some(Self::Active),
            "inactive" => Some(Self::Inactive),
            _ => None,
        }
    }
}

/// A skill or language held by a user: catalog index and proficiency.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Assignment {
    /// Index into the org's skill or language catalog.
    pub def: u32,
    /// 0.0–5.0.
    pub proficiency: f32,
    /// Active or inactive.
    pub state: AssignmentState,
}

/// The part of a user that API writes change, and that lagging reads see an older copy of.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Profile {
    /// Optimistic-concurrency version; every write bumps it.
    pub version: u32,
    /// Routing skills, in assignment order.
    pub skills: Vec<Assignment>,
    /// Routing languages, in assignment order.
    pub languages: Vec<Assignment>,
    /// Free-text certification names (the platform has no expiry).
    pub certifications: Vec<String>,
}

/// Adds `assignment`, or replaces the one for the same definition.
pub fn upsert(list: &mut Vec<Assignment>, assignment: Assignment) {
    match list.iter_mut().find(|a| a.def == assignment.def) {
        Some(existing) => *existing = assignment,
        None => list.push(assignment),
    }
}

/// Mutable state of one user, behind that user's own lock.
#[derive(Debug)]
pub struct UserData {
    /// The true, current profile.
    pub profile: Profile,
    /// Routing status and scheduled activity; not versioned, not lagged.
    pub presence: Presence,
    /// When the last write landed; drives the conflict window.
    pub last_write: Option<Instant>,
    lag: Lag<Profile>,
}

impl UserData {
    /// A user with this profile and no write history.
    pub fn new(profile: Profile, presence: Presence) -> Self {
        Self {
            profile,
            presence,
            last_write: None,
            lag: Lag::default(),
        }
    }

    /// Applies `change` to a copy of the profile; on success the copy becomes current with the
    /// version bumped, and readers lagging by `lag` keep seeing the old copy for that long.
    pub fn write<R, E>(
        &mut self,
        now: Instant,
        lag: Duration,
        change: impl FnOnce(&mut Profile) -> Result<R, E>,
    ) -> Result<R, E> {
        let mut next = self.profile.clone();
        let result = change(&mut next)?;
        next.version += 1;
        self.lag.record(now, lag, &self.profile, &next);
        self.profile = next;
        self.last_write = Some(now);
        Ok(result)
    }

    /// The profile a reader sees: the current one, or with `stale` the one a replica `lag` behind
    /// still serves.
    pub fn read(&mut self, now: Instant, lag: Duration, stale: bool) -> &Profile {
        self.lag.view(&self.profile, now, lag, stale)
    }
}

/// A user: immutable identity plus its lock-protected data.
#[derive(Debug)]
pub struct UserSlot {
    /// Platform id, pre-rendered.
    pub id_str: String,
    /// 1-based number: `agent00042@example.com` is index 42.
    pub index: u32,
    /// Index of the user's division; atomic because `/sim` can move a user while pages are read,
    /// and the move is not a versioned profile write.
    pub division: std::sync::atomic::AtomicU32,
    /// Everything that changes.
    pub data: parking_lot::Mutex<UserData>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::routing::RoutingStatus;

    fn idle() -> Presence {
        Presence::new(RoutingStatus::Idle, time::OffsetDateTime::UNIX_EPOCH)
    }

    fn skill(def: u32) -> Assignment {
        Assignment {
            def,
            proficiency: 3.0,
            state: AssignmentState::Active,
        }
    }

    #[test]
    fn a_failed_change_leaves_the_profile_and_version_alone() {
        let mut user = UserData::new(Profile::default(), idle());
        let r: Result<(), &str> = user.write(Instant::now(), Duration::ZERO, |p| {
            p.skills.push(skill(1));
            Err("rejected")
        });
        assert!(r.is_err());
        assert_eq!(user.profile, Profile::default());
    }

    #[test]
    fn a_lagging_reader_sees_the_old_state_until_the_lag_has_passed() {
        let lag = Duration::from_millis(100);
        let t0 = Instant::now();
        let mut user = UserData::new(Profile::default(), idle());
        user.write::<_, ()>(t0, lag, |p| {
            p.skills.push(skill(1));
            Ok(())
        })
        .expect("write");
        assert!(user.read(t0, lag, true).skills.is_empty());
        assert_eq!(user.read(t0, lag, false).skills.len(), 1);
        let later = t0 + Duration::from_millis(150);
        assert_eq!(user.read(later, lag, true).skills.len(), 1);
        assert_eq!(user.read(later, lag, true).version, 1);
    }

    #[test]
    fn a_lagging_reader_catches_up_one_write_at_a_time() {
        let lag = Duration::from_millis(100);
        let t0 = Instant::now();
        let mut user = UserData::new(Profile::default(), idle());
        for (i, at) in [0u64, 50].into_iter().enumerate() {
            user.write::<_, ()>(t0 + Duration::from_millis(at), lag, |p| {
                p.skills.push(skill(i as u32));
                Ok(())
            })
            .expect("write");
        }
        let mid = t0 + Duration::from_millis(120);
        assert_eq!(user.read(mid, lag, true).skills.len(), 1);
        assert_eq!(user.read(mid, lag, false).skills.len(), 2);
    }
}
