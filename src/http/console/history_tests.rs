use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use tokio_util::sync::CancellationToken;

use super::{run, History, Rate, Ring, Sample, Sampler};
use crate::metrics::Metrics;
use crate::platform::{CallKind, CallObserver};

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 7, 9, 0, 0)
        .single()
        .expect("a valid instant")
}

fn at(secs: i64, calls: u64, converged: i64) -> Sample {
    Sample {
        at: t0() + TimeDelta::seconds(secs),
        calls,
        converged,
    }
}

#[test]
fn a_full_ring_keeps_the_newest_samples_oldest_first() {
    let mut ring = Ring::new(3);
    for minute in 0..5 {
        ring.push(at(minute * 60, minute as u64 * 10, minute));
    }
    let kept: Vec<i64> = ring.samples().map(|s| s.converged).collect();
    assert_eq!(kept, [2, 3, 4]);
    assert_eq!(
        ring.converged().first().map(|p| p.0),
        Some(t0() + TimeDelta::minutes(2))
    );
}

#[test]
fn call_rates_are_per_minute_between_samples_and_the_oldest_is_measured_from_the_evicted() {
    let mut ring = Ring::new(2);
    ring.push(at(0, 0, 0));
    assert!(ring.call_rates().is_empty(), "one sample makes no rate");
    ring.push(at(30, 30, 0));
    assert_eq!(ring.call_rates(), [(t0() + TimeDelta::seconds(30), 60.0)]);
    ring.push(at(90, 90, 0));
    assert_eq!(
        ring.call_rates(),
        [
            (t0() + TimeDelta::seconds(30), 60.0),
            (t0() + TimeDelta::seconds(90), 60.0)
        ],
        "the first kept sample is measured from the one pushed out"
    );
}

#[test]
fn samples_too_close_together_or_a_counter_going_back_make_no_nonsense() {
    let mut ring = Ring::new(4);
    ring.push(at(0, 5, 0));
    ring.push(Sample {
        at: t0() + TimeDelta::milliseconds(10),
        calls: 9,
        converged: 0,
    });
    ring.push(at(60, 3, 0));
    assert_eq!(ring.call_rates().len(), 1, "{:?}", ring.call_rates());
    assert_eq!(ring.call_rates()[0].1, 0.0);
}

#[test]
fn before_a_minute_has_passed_the_rate_is_every_call_counted() {
    let history = History::new(t0(), 300, 10);
    history.record(at(0, 0, 0));
    assert_eq!(
        history.recent_rate(t0() + TimeDelta::seconds(20), 212),
        Rate {
            per_minute: 212,
            over_secs: 20
        }
    );
    assert_eq!(history.budget(), 300);
}

#[test]
fn after_a_minute_the_rate_is_measured_from_the_newest_sample_a_minute_old() {
    let history = History::new(t0(), 300, 10);
    history.record(at(0, 0, 0));
    history.record(at(60, 100, 0));
    history.record(at(120, 400, 0));
    // 150 s: the sample at 60 s is the newest one a minute old; 240 calls over 90 s.
    assert_eq!(
        history.recent_rate(t0() + TimeDelta::seconds(150), 340),
        Rate {
            per_minute: 160,
            over_secs: 90
        }
    );
}

#[test]
fn converged_agents_are_the_observed_without_drift() {
    let metrics = Metrics::new();
    metrics.observed_agents.set(20);
    metrics.drifted_agents.set(6);
    metrics.agents_needing_attention.set(2);
    metrics.response(
        CallKind::write("patch_skills"),
        Some(200),
        Duration::from_millis(1),
    );
    let sample = Sample::of(&metrics, t0());
    assert_eq!((sample.calls, sample.converged), (1, 14));
    metrics.drifted_agents.set(30);
    assert_eq!(Sample::of(&metrics, t0()).converged, 0, "never negative");
}

static MINUTES: AtomicI64 = AtomicI64::new(0);

/// A clock a minute ahead at every reading.
fn minute_clock() -> DateTime<Utc> {
    t0() + TimeDelta::minutes(MINUTES.fetch_add(1, Ordering::SeqCst))
}

#[tokio::test]
async fn the_sampler_records_at_once_then_every_interval_until_shut_down() {
    let metrics = Arc::new(Metrics::new());
    let history = Arc::new(History::new(t0(), 60, 5));
    let shutdown = CancellationToken::new();
    let sampler = Sampler {
        history: history.clone(),
        metrics: metrics.clone(),
        every: Duration::from_millis(5),
        clock: minute_clock,
    };
    let task = tokio::spawn(run(sampler, shutdown.clone()));
    metrics.observed_agents.set(3);
    for _ in 0..400 {
        if history.snapshot().samples().count() >= 3 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    shutdown.cancel();
    tokio::time::timeout(Duration::from_secs(2), task)
        .await
        .expect("stops when shut down")
        .expect("task");
    let ring = history.snapshot();
    let times: Vec<DateTime<Utc>> = ring.samples().map(|s| s.at).collect();
    assert!(times.len() >= 3, "{times:?}");
    assert!(
        times
            .windows(2)
            .all(|w| w[1] - w[0] == TimeDelta::minutes(1)),
        "{times:?}"
    );
}
