//! What this replica saw of one org over the last hours: its platform calls and converged
//! agents, sampled from its own metrics once a minute into a ring held in memory. Not shared
//! between replicas and lost on restart; the page says so. Must not read the store or the
//! platform: the gauges it samples are refreshed by `metrics::gauges`.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio_util::sync::CancellationToken;

use crate::metrics::Metrics;

/// Six hours of one sample a minute.
pub const CAPACITY: usize = 6 * 60;

/// How often the daemon samples.
pub const EVERY: Duration = Duration::from_secs(60);

/// The window of the "calls per minute" figure.
const MINUTE_SECS: i64 = 60;

/// What the metrics said at one instant.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Sample {
    /// When it was taken.
    pub at: DateTime<Utc>,
    /// Platform calls counted since the process started (a running total).
    pub calls: u64,
    /// Agents observed without drift.
    pub converged: i64,
}

impl Sample {
    /// What `metrics` say at `at`.
    pub fn of(metrics: &Metrics, at: DateTime<Utc>) -> Self {
        // Agents needing attention or stuck still have drift, so they are among the drifted:
        // subtracting them again would count them twice.
        let converged = metrics.observed_agents.get() - metrics.drifted_agents.get();
        Self {
            at,
            calls: metrics.platform_calls(),
            converged: converged.max(0),
        }
    }
}

/// The newest `capacity` samples, oldest first, and the last one pushed out (the calls of the
/// oldest interval are measured from it).
#[derive(Debug, Clone)]
pub struct Ring {
    samples: VecDeque<Sample>,
    capacity: usize,
    evicted: Option<Sample>,
}

impl Ring {
    /// An empty ring keeping at most `capacity` samples (at least one).
    pub fn new(capacity: usize) -> Self {
        let capacity = capacity.max(1);
        Self {
            samples: VecDeque::with_capacity(capacity),
            capacity,
            evicted: None,
        }
    }

    /// Adds `sample` as the newest, pushing out the oldest when full.
    pub fn push(&mut self, sample: Sample) {
        if self.samples.len() == self.capacity {
            self.evicted = self.samples.pop_front();
        }
        self.samples.push_back(sample);
    }

    /// The samples, oldest first.
    pub fn samples(&self) -> impl DoubleEndedIterator<Item = &Sample> {
        self.samples.iter()
    }

    /// Calls per minute between each sample and the one before it, at the later one's time.
    pub fn call_rates(&self) -> Vec<(DateTime<Utc>, f64)> {
        let mut previous = self.evicted;
        let mut rates = Vec::with_capacity(self.samples.len());
        for sample in &self.samples {
            if let Some(before) = previous {
                let millis = (sample.at - before.at).num_milliseconds();
                // Two samples within one second say nothing about a rate per minute.
                if millis >= 1000 {
                    let calls = sample.calls.saturating_sub(before.calls) as f64;
                    rates.push((sample.at, calls * 60_000.0 / millis as f64));
                }
            }
            previous = Some(*sample);
        }
        rates
    }

    /// Converged agents at each sample.
    pub fn converged(&self) -> Vec<(DateTime<Utc>, f64)> {
        self.samples
            .iter()
            .map(|s| (s.at, s.converged as f64))
            .collect()
    }
}

/// Calls made in about the last minute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rate {
    /// Calls per minute.
    pub per_minute: u64,
    /// The seconds measured over: 60 to two sampling intervals once the replica has run a
    /// minute, its whole life before.
    pub over_secs: i64,
}

/// One org's history on this replica.
#[derive(Debug)]
pub struct History {
    ring: Mutex<Ring>,
    /// When the counted calls started at 0.
    started: DateTime<Utc>,
    /// `platform.requests_per_minute`.
    budget: u32,
}

impl History {
    /// An empty history of calls counted from `started`, against a budget of `budget` calls
    /// a minute, keeping `capacity` samples.
    pub fn new(started: DateTime<Utc>, budget: u32, capacity: usize) -> Self {
        Self {
            ring: Mutex::new(Ring::new(capacity)),
            started,
            budget,
        }
    }

    fn ring(&self) -> std::sync::MutexGuard<'_, Ring> {
        // A panic while pushing leaves a ring that is still a valid ring.
        self.ring.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Adds a sample.
    pub fn record(&self, sample: Sample) {
        self.ring().push(sample);
    }

    /// A copy of the ring, to render without holding the lock.
    pub fn snapshot(&self) -> Ring {
        self.ring().clone()
    }

    /// When sampling started.
    pub fn started(&self) -> DateTime<Utc> {
        self.started
    }

    /// The calls a minute the platform allows.
    pub fn budget(&self) -> u32 {
        self.budget
    }

    /// The calls of the last minute as of `now`, when `calls` have been counted in all: from
    /// the newest sample at least a minute old, scaled to a minute; before the replica has run
    /// a minute, every call it counted, all of which fell within the last minute.
    pub fn recent_rate(&self, now: DateTime<Utc>, calls: u64) -> Rate {
        let ring = self.ring();
        let base = ring
            .samples()
            .rev()
            .find(|s| (now - s.at).num_seconds() >= MINUTE_SECS)
            .copied();
        match base {
            Some(base) => {
                let millis = (now - base.at).num_milliseconds().max(1);
                let made = calls.saturating_sub(base.calls) as f64;
                Rate {
                    per_minute: (made * 60_000.0 / millis as f64).round() as u64,
                    over_secs: millis / 1000,
                }
            }
            None => Rate {
                per_minute: calls,
                over_secs: (now - self.started).num_seconds().clamp(0, MINUTE_SECS),
            },
        }
    }
}

/// Where samples come from: the clock is injected so that tests need not wait for minutes.
pub struct Sampler {
    /// The org's history.
    pub history: Arc<History>,
    /// The org's metrics.
    pub metrics: Arc<Metrics>,
    /// Time between samples.
    pub every: Duration,
    /// The time of a sample.
    pub clock: fn() -> DateTime<Utc>,
}

/// Samples at once, then every `sampler.every`, until `shutdown`.
pub async fn run(sampler: Sampler, shutdown: CancellationToken) {
    let mut ticks = tokio::time::interval(sampler.every);
    // A replica paused (a suspended laptop, a stalled VM) resumes with one sample, not a burst.
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = ticks.tick() => {
                let sample = Sample::of(&sampler.metrics, (sampler.clock)());
                sampler.history.record(sample);
            }
        }
    }
}

#[cfg(test)]
#[path = "history_tests.rs"]
mod tests;
