//! How handlers reach a user: lookup with 404, reads that may lag, and writes that may conflict.

use std::time::{Duration, Instant};

use rand::Rng;

use crate::sim::error::ApiError;
use crate::sim::state::SimState;
use crate::sim::user::{Profile, UserSlot};

/// The user with `id`, or 404 `not.found`.
pub fn find_user<'a>(state: &'a SimState, id: &str) -> Result<&'a UserSlot, ApiError> {
    state.org.user(id).ok_or_else(ApiError::not_found)
}

/// The profile an API read sees: during the lag window after a write, possibly the old one.
pub fn read_profile(state: &SimState, user: &UserSlot) -> Profile {
    let faults = state.faults();
    let lag = Duration::from_millis(faults.lag_ms);
    let stale = !lag.is_zero() && rand::rng().random_bool(faults.lag_probability);
    user.data.lock().read(Instant::now(), lag, stale).clone()
}

/// Applies an API write to `user`, unless an injected conflict rejects it first.
pub fn write_user<R>(
    state: &SimState,
    user: &UserSlot,
    change: impl FnOnce(&mut Profile) -> Result<R, ApiError>,
) -> Result<R, ApiError> {
    let faults = state.faults();
    let now = Instant::now();
    let mut data = user.data.lock();
    let recently_written = data.last_write.is_some_and(|at| {
        now.duration_since(at) < Duration::from_millis(faults.conflict_window_ms)
    });
    let conflicted = state.take_forced_conflict() || {
        let mut rng = rand::rng();
        rng.random_bool(faults.conflict_rate)
            || (recently_written && rng.random_bool(faults.conflict_probability))
    };
    if conflicted {
        return Err(ApiError::conflict(
            "The user was modified by another request. Re-read it and retry the change.",
        ));
    }
    data.write(now, Duration::from_millis(faults.lag_ms), change)
}

/// Applies an administrator's change (web UI): no injected conflicts, but it is a write like any
/// other, so it bumps the version and lags for readers.
pub fn admin_write<R>(
    state: &SimState,
    user: &UserSlot,
    change: impl FnOnce(&mut Profile) -> Result<R, ApiError>,
) -> Result<R, ApiError> {
    let lag = Duration::from_millis(state.faults().lag_ms);
    user.data.lock().write(Instant::now(), lag, change)
}
