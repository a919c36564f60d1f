//! Shared simulator state: the org, the active faults and rate limiters, issued tokens, stats.

use std::collections::HashMap;
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::{Duration, Instant};

use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use parking_lot::RwLock;

use super::config::{Faults, SimConfig};
use super::org::Org;
use super::stats::Stats;

type Limiter = DefaultKeyedRateLimiter<String>;

/// Everything handlers and middleware share.
#[derive(Debug)]
pub struct SimState {
    /// Users and definitions.
    pub org: Org,
    /// The fixed configuration.
    pub config: SimConfig,
    /// Counters for `/sim/stats`.
    pub stats: Stats,
    faults: RwLock<ActiveFaults>,
    tokens: RwLock<HashMap<String, Instant>>,
}

struct ActiveFaults {
    faults: Faults,
    outage_until: Option<Instant>,
    conflicts_left: u32,
    timeouts_left: u32,
    item_fails_left: u32,
    api_limiter: Option<Arc<Limiter>>,
    mint_limiter: Option<Arc<Limiter>>,
}

impl std::fmt::Debug for ActiveFaults {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ActiveFaults")
            .field("faults", &self.faults)
            .finish()
    }
}

/// What a rate-limit check decided.
pub enum Admission {
    /// Go ahead.
    Allowed,
    /// Over budget: retry after this many seconds; the budget is given for the error body.
    Throttled {
        /// Seconds to wait.
        retry_after: u64,
        /// Requests per minute.
        budget: u32,
    },
}

/// Takes one from a forced-fault counter; false when none is left.
fn take(left: &mut u32) -> bool {
    let forced = *left > 0;
    *left = left.saturating_sub(1);
    forced
}

fn limiter(per_minute: u32, burst: u32) -> Option<Arc<Limiter>> {
    let rate = NonZeroU32::new(per_minute)?;
    let burst = NonZeroU32::new(burst).unwrap_or(rate);
    Some(Arc::new(RateLimiter::keyed(
        Quota::per_minute(rate).allow_burst(burst),
    )))
}

fn check(limiter: &Option<Arc<Limiter>>, key: &str, budget: u32) -> Admission {
    let Some(limiter) = limiter else {
        return Admission::Allowed;
    };
    match limiter.check_key(&key.to_string()) {
        Ok(()) => Admission::Allowed,
        Err(not_until) => {
            let wait = not_until.wait_time_from(governor::clock::Clock::now(
                &governor::clock::DefaultClock::default(),
            ));
            Admission::Throttled {
                retry_after: wait.as_secs_f64().ceil().max(1.0) as u64,
                budget,
            }
        }
    }
}

impl SimState {
    /// State for a freshly generated org.
    pub fn new(config: SimConfig) -> Self {
        let org = Org::generate(&config);
        Self::with_org(config, org)
    }

    /// State around an org made elsewhere (another platform's simulator keeps its own org and
    /// passes an empty one).
    pub fn with_org(config: SimConfig, org: Org) -> Self {
        let faults = config.faults;
        let state = Self {
            org,
            config,
            stats: Stats::default(),
            faults: RwLock::new(ActiveFaults {
                faults,
                outage_until: None,
                conflicts_left: 0,
                timeouts_left: 0,
                item_fails_left: 0,
                api_limiter: None,
                mint_limiter: None,
            }),
            tokens: RwLock::new(HashMap::new()),
        };
        state.set_faults(faults);
        state
    }

    /// The faults in force; `outage_ms` is the time left of a running outage.
    pub fn faults(&self) -> Faults {
        let active = self.faults.read();
        let mut faults = active.faults;
        faults.outage_ms = active
            .outage_until
            .map(|until| until.saturating_duration_since(Instant::now()).as_millis() as u64)
            .unwrap_or(0);
        faults.conflict_next = active.conflicts_left;
        faults.timeout_next = active.timeouts_left;
        faults.item_fail_next = active.item_fails_left;
        faults
    }

    /// Consumes one of the forced item failures set by `item_fail_next`, if any are left.
    pub fn take_forced_item_failure(&self) -> bool {
        take(&mut self.faults.write().item_fails_left)
    }

    /// Consumes one of the forced conflicts set by `conflict_next`, if any are left.
    pub fn take_forced_conflict(&self) -> bool {
        take(&mut self.faults.write().conflicts_left)
    }

    /// Consumes one of the forced timeouts set by `timeout_next`, if any are left.
    pub fn take_forced_timeout(&self) -> bool {
        take(&mut self.faults.write().timeouts_left)
    }

    /// Replaces the faults. Limiters are rebuilt only when their budget changes, so that
    /// unrelated fault changes do not hand clients a fresh budget.
    pub fn set_faults(&self, faults: Faults) {
        let mut active = self.faults.write();
        if active.api_limiter.is_none()
            || active.faults.rate_limit != faults.rate_limit
            || active.faults.rate_burst != faults.rate_burst
        {
            active.api_limiter = limiter(faults.rate_limit, faults.rate_burst);
        }
        if active.mint_limiter.is_none()
            || active.faults.token_mint_limit != faults.token_mint_limit
        {
            active.mint_limiter = limiter(faults.token_mint_limit, 0);
        }
        active.outage_until = (faults.outage_ms > 0)
            .then(|| Instant::now() + Duration::from_millis(faults.outage_ms));
        active.conflicts_left = faults.conflict_next;
        active.timeouts_left = faults.timeout_next;
        active.item_fails_left = faults.item_fail_next;
        active.faults = faults;
    }

    /// True while a timed outage runs.
    pub fn in_outage(&self) -> bool {
        self.faults
            .read()
            .outage_until
            .is_some_and(|until| Instant::now() < until)
    }

    /// Charges one API request to `token`'s budget.
    pub fn admit_api_call(&self, token: &str) -> Admission {
        let active = self.faults.read();
        check(&active.api_limiter, token, active.faults.rate_limit)
    }

    /// Charges one token mint to `client_id`.
    pub fn admit_token_mint(&self, client_id: &str) -> Admission {
        let active = self.faults.read();
        check(
            &active.mint_limiter,
            client_id,
            active.faults.token_mint_limit,
        )
    }

    /// Issues a new access token valid for the configured TTL.
    pub fn issue_token(&self) -> String {
        let token = format!(
            "{}{}",
            uuid::Uuid::new_v4().simple(),
            uuid::Uuid::new_v4().simple()
        );
        let expires = Instant::now() + Duration::from_secs(self.config.token_ttl);
        self.tokens.write().insert(token.clone(), expires);
        token
    }

    /// Invalidates every issued token, as when an admin rotates the client secret.
    pub fn revoke_tokens(&self) {
        self.tokens.write().clear();
    }

    /// `None` for an unknown token, otherwise whether it is still valid.
    pub fn token_valid(&self, token: &str) -> Option<bool> {
        self.tokens
            .read()
            .get(token)
            .map(|expires| Instant::now() < *expires)
    }
}
