//! Request counters for `GET /sim/stats`: what a client cost, by method, path template and status.

use std::collections::{BTreeMap, HashMap};

use parking_lot::Mutex;
use serde::Serialize;

/// Counts every API request the simulator answers (admin `/sim/*` calls excluded).
#[derive(Debug, Default)]
pub struct Stats {
    inner: Mutex<Counters>,
}

#[derive(Debug, Default)]
struct Counters {
    requests: HashMap<(String, String, u16), u64>,
    writes_per_user: HashMap<String, u64>,
}

/// One row of the request table.
#[derive(Debug, Clone, Serialize, serde::Deserialize, PartialEq, Eq)]
pub struct RequestCount {
    /// HTTP method.
    pub method: String,
    /// Route template, e.g. `/api/v2/users/{id}/routingskills/bulk`.
    pub path: String,
    /// Response status.
    pub status: u16,
    /// How many.
    pub count: u64,
}

/// The `GET /sim/stats` body.
#[derive(Debug, Clone, Serialize, serde::Deserialize)]
pub struct StatsReport {
    /// All requests.
    pub total: u64,
    /// Write requests (POST, PUT, PATCH, DELETE) to the platform API (`/api/v2`,
    /// `/inContactAPI`).
    pub writes: u64,
    /// 429 responses.
    pub throttled: u64,
    /// Per method, path template and status, sorted.
    pub requests: Vec<RequestCount>,
    /// Write requests per user id, whatever their status.
    pub writes_per_user: BTreeMap<String, u64>,
}

impl StatsReport {
    /// Requests with `method` whose path template `path` accepts, whatever their status.
    pub fn served(&self, method: &str, path: impl Fn(&str) -> bool) -> u64 {
        self.requests
            .iter()
            .filter(|r| r.method == method && path(&r.path))
            .map(|r| r.count)
            .sum()
    }
}

/// True for methods that change state.
pub fn is_write(method: &str) -> bool {
    matches!(method, "POST" | "PUT" | "PATCH" | "DELETE")
}

/// True for paths of a platform API (Genesys `/api/v2/…`, CXone `/inContactAPI/…`), as opposed
/// to login, discovery and `/sim/*`.
pub fn is_api_path(path: &str) -> bool {
    path.starts_with("/api/v2/") || path.starts_with("/inContactAPI/")
}

impl Stats {
    /// Records one answered request. `user` is the user id a write addressed, if any.
    pub fn record(&self, method: &str, path: &str, status: u16, user: Option<&str>) {
        let mut c = self.inner.lock();
        *c.requests
            .entry((method.to_string(), path.to_string(), status))
            .or_default() += 1;
        if let Some(user) = user {
            *c.writes_per_user.entry(user.to_string()).or_default() += 1;
        }
    }

    /// Forgets everything counted so far.
    pub fn reset(&self) {
        *self.inner.lock() = Counters::default();
    }

    /// A sorted copy of the counters.
    pub fn report(&self) -> StatsReport {
        let c = self.inner.lock();
        let mut requests: Vec<RequestCount> = c
            .requests
            .iter()
            .map(|((method, path, status), count)| RequestCount {
                method: method.clone(),
                path: path.clone(),
                status: *status,
                count: *count,
            })
            .collect();
        requests
            .sort_by(|a, b| (&a.path, &a.method, a.status).cmp(&(&b.path, &b.method, b.status)));
        let total = requests.iter().map(|r| r.count).sum();
        let writes = requests
            .iter()
            .filter(|r| is_write(&r.method) && is_api_path(&r.path))
            .map(|r| r.count)
            .sum();
        let throttled = requests
            .iter()
            .filter(|r| r.status == 429)
            .map(|r| r.count)
            .sum();
        StatsReport {
            total,
            writes,
            throttled,
            requests,
            writes_per_user: c
                .writes_per_user
                .iter()
                .map(|(k, v)| (k.clone(), *v))
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn report_sums_writes_and_throttles() {
        let stats = Stats::default();
        stats.record("GET", "/api/v2/users", 200, None);
        stats.record(
            "PATCH",
            "/api/v2/users/{id}/routingskills/bulk",
            200,
            Some("u1"),
        );
        stats.record(
            "PATCH",
            "/api/v2/users/{id}/routingskills/bulk",
            429,
            Some("u1"),
        );
        let report = stats.report();
        assert_eq!(report.total, 3);
        assert_eq!(report.writes, 2);
        assert_eq!(report.throttled, 1);
        assert_eq!(report.writes_per_user.get("u1"), Some(&2));
        stats.reset();
        assert_eq!(stats.report().total, 0);
    }
}
