//! Agents taking and finishing calls: which agents are busy at start (`busy_share`), and the
//! seeded steps that flip agents between `IDLE` and `INTERACTING` every `status_change_ms`.
//! Both are drawn from the org seed so that a test sees the same agents busy on every run;
//! only agents that are on queue and not otherwise engaged (IDLE or INTERACTING) take part, so a
//! status set through `/sim` to anything else stays put.

use std::sync::Arc;
use std::time::Duration;

use rand::seq::index::sample;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use time::OffsetDateTime;
use tokio_util::sync::CancellationToken;

use super::org::Org;
use super::routing::RoutingStatus;
use super::state::SimState;

/// Separate streams from the org generator's, so that adding dynamics did not change any org.
const BUSY_STREAM: u64 = 0xB05E_5EED;
const STEP_STREAM: u64 = 0x57E9_5EED;

/// How often an idle ticker looks whether `status_change_ms` was switched on.
const IDLE_POLL: Duration = Duration::from_millis(200);

fn eligible(status: RoutingStatus) -> bool {
    matches!(status, RoutingStatus::Idle | RoutingStatus::Interacting)
}

fn share_of(share: f64, n: usize) -> usize {
    ((share.clamp(0.0, 1.0) * n as f64).round() as usize).min(n)
}

/// The positions (into `statuses`) of the agents busy at `share`: the same for the same seed,
/// share and set of eligible agents.
pub fn busy_set(seed: u64, statuses: &[RoutingStatus], share: f64) -> Vec<usize> {
    let pool: Vec<usize> = (0..statuses.len())
        .filter(|&i| eligible(statuses[i]))
        .collect();
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ BUSY_STREAM);
    let mut chosen: Vec<usize> = sample(&mut rng, pool.len(), share_of(share, pool.len()))
        .into_iter()
        .map(|i| pool[i])
        .collect();
    chosen.sort_unstable();
    chosen
}

/// Splits the eligible agents of `org` into INTERACTING (the seeded `busy_set`) and IDLE.
pub fn apply_busy_share(org: &Org, seed: u64, share: f64, now: OffsetDateTime) {
    let statuses = statuses(org);
    let busy = busy_set(seed, &statuses, share);
    for (i, user) in org.users.iter().enumerate() {
        if !eligible(statuses[i]) {
            continue;
        }
        let status = if busy.binary_search(&i).is_ok() {
            RoutingStatus::Interacting
        } else {
            RoutingStatus::Idle
        };
        user.data.lock().presence.set_status(status, now);
    }
}

fn statuses(org: &Org) -> Vec<RoutingStatus> {
    org.users
        .iter()
        .map(|u| u.data.lock().presence.status)
        .collect()
}

/// One step: moves the busy count toward `share` of the eligible agents, then swaps a few busy
/// and idle agents so that the set churns while the share holds. Returns the changes to make.
pub fn step(
    rng: &mut impl Rng,
    statuses: &[RoutingStatus],
    share: f64,
) -> Vec<(usize, RoutingStatus)> {
    let (busy, idle): (Vec<usize>, Vec<usize>) = (0..statuses.len())
        .filter(|&i| eligible(statuses[i]))
        .partition(|&i| statuses[i] == RoutingStatus::Interacting);
    let eligible_count = busy.len() + idle.len();
    if eligible_count == 0 {
        return Vec::new();
    }
    let target = share_of(share, eligible_count);
    let churn = (eligible_count / 10).max(1);
    let (mut to_busy, mut to_idle) = (0, 0);
    if busy.len() < target {
        to_busy = (target - busy.len()).min(churn);
    } else if busy.len() > target {
        to_idle = (busy.len() - target).min(churn);
    } else {
        let swaps = (churn / 2).max(1).min(busy.len()).min(idle.len());
        to_busy = swaps;
        to_idle = swaps;
    }
    let mut changes = Vec::with_capacity(to_busy + to_idle);
    for i in sample(rng, idle.len(), to_busy.min(idle.len())) {
        changes.push((idle[i], RoutingStatus::Interacting));
    }
    for i in sample(rng, busy.len(), to_idle.min(busy.len())) {
        changes.push((busy[i], RoutingStatus::Idle));
    }
    changes
}

/// Runs the steps until `shutdown`, each `status_change_ms` as currently set (0 = paused).
/// The sequence of steps is deterministic for a seed; when they happen is wall-clock time.
pub async fn run(state: Arc<SimState>, shutdown: CancellationToken) {
    let mut rng = ChaCha8Rng::seed_from_u64(state.config.seed ^ STEP_STREAM);
    loop {
        let every = state.faults().status_change_ms;
        let wait = if every == 0 {
            IDLE_POLL
        } else {
            Duration::from_millis(every)
        };
        tokio::select! {
            () = shutdown.cancelled() => return,
            () = tokio::time::sleep(wait) => {}
        }
        let faults = state.faults();
        if faults.status_change_ms == 0 {
            continue;
        }
        let org = &state.org;
        let now = OffsetDateTime::now_utc();
        for (i, status) in step(&mut rng, &statuses(org), faults.busy_share) {
            let mut data = org.users[i].data.lock();
            // Another writer may have moved the agent off IDLE/INTERACTING since the snapshot.
            if eligible(data.presence.status) {
                data.presence.set_status(status, now);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use RoutingStatus::{Idle, Interacting, OffQueue};

    fn busy_count(statuses: &[RoutingStatus]) -> usize {
        statuses.iter().filter(|s| **s == Interacting).count()
    }

    #[test]
    fn the_busy_set_depends_on_seed_and_share_only() {
        let statuses = vec![Idle; 100];
        let a = busy_set(7, &statuses, 0.3);
        assert_eq!(a.len(), 30);
        assert_eq!(a, busy_set(7, &statuses, 0.3));
        assert_ne!(a, busy_set(8, &statuses, 0.3));
        assert!(busy_set(7, &statuses, 0.0).is_empty());
    }

    #[test]
    fn off_queue_agents_are_never_made_busy() {
        let mut statuses = vec![Idle; 10];
        statuses[3] = OffQueue;
        let set = busy_set(1, &statuses, 1.0);
        assert_eq!(set.len(), 9);
        assert!(!set.contains(&3));
    }

    #[test]
    fn steps_reach_and_hold_the_share_and_are_deterministic() {
        let run = |seed: u64| {
            let mut rng = ChaCha8Rng::seed_from_u64(seed);
            let mut statuses = vec![Idle; 50];
            statuses[0] = OffQueue;
            let mut history = Vec::new();
            for _ in 0..40 {
                for (i, s) in step(&mut rng, &statuses, 0.4) {
                    statuses[i] = s;
                }
                history.push(statuses.clone());
            }
            history
        };
        let history = run(3);
        assert_eq!(history, run(3));
        let last = history.last().expect("steps ran");
        assert_eq!(busy_count(last), 20);
        assert_eq!(last[0], OffQueue);
        assert_ne!(history[history.len() - 1], history[history.len() - 2]);
    }
}
