//! An open-loop load generator: requests go out on a fixed schedule whatever the answers'
//! latency, and each latency counts from the request's scheduled start, so that a slow answer
//! that delays the generator is not hidden (no coordinated omission).

use std::sync::Arc;
use std::time::{Duration, Instant};

/// What a run measured.
pub struct LoadReport {
    /// Requests sent.
    pub sent: usize,
    /// Answers that were not 2xx, or requests that failed.
    pub errors: usize,
    /// Latency of every answered request, sorted.
    pub latencies: Vec<Duration>,
    /// From the first scheduled start to the last answer.
    pub elapsed: Duration,
}

impl LoadReport {
    /// The `q`-quantile by nearest rank (`q` in 0..=1).
    pub fn quantile(&self, q: f64) -> Duration {
        if self.latencies.is_empty() {
            return Duration::ZERO;
        }
        let rank = (q * self.latencies.len() as f64).ceil() as usize;
        self.latencies[rank.clamp(1, self.latencies.len()) - 1]
    }

    pub fn max(&self) -> Duration {
        self.latencies.last().copied().unwrap_or_default()
    }

    /// Answers per second over the run.
    pub fn achieved_rate(&self) -> f64 {
        self.latencies.len() as f64 / self.elapsed.as_secs_f64()
    }
}

/// Sends `rate` GETs per second for `duration`; `url(i)` is the i-th request's URL.
pub async fn open_loop(
    http: &reqwest::Client,
    rate: u32,
    duration: Duration,
    url: impl Fn(usize) -> String,
) -> LoadReport {
    let period = Duration::from_secs(1) / rate;
    let count = (duration.as_secs_f64() * f64::from(rate)).round() as usize;
    let start = tokio::time::Instant::now();
    let mut tasks = Vec::with_capacity(count);
    let http = Arc::new(http.clone());
    for i in 0..count {
        let due = start + period * i as u32;
        tokio::time::sleep_until(due).await;
        let (http, url) = (http.clone(), url(i));
        tasks.push(tokio::spawn(async move {
            let answered = match http.get(url).send().await {
                Ok(resp) => resp.status().is_success() && resp.bytes().await.is_ok(),
                Err(_) => false,
            };
            (answered, due.elapsed())
        }));
    }
    let mut latencies = Vec::with_capacity(count);
    let mut errors = 0;
    for task in tasks {
        match task.await {
            Ok((true, latency)) => latencies.push(latency),
            _ => errors += 1,
        }
    }
    let elapsed = Instant::now() - start.into_std();
    latencies.sort_unstable();
    LoadReport {
        sent: count,
        errors,
        latencies,
        elapsed,
    }
}
