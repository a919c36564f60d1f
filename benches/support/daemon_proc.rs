//! A release `skillsync serve` in its own process, on its own throw-away database, configured
//! through `SKILLSYNC__…` variables as an operator would; and its memory, read from `/proc`.

use std::path::PathBuf;
use std::process::{Child, Command};
use std::time::{Duration, Instant};

use serde_json::Value;
use sqlx::{Connection, Executor, PgConnection};

/// The ingest token the daemon is configured with.
pub const INGEST_TOKEN: &str = "bench-ingest-token";

/// Statuses after which a job does nothing more until an operator acts.
pub const SETTLED: &[&str] = &["succeeded", "failed", "held", "rejected", "superseded"];

/// The PostgreSQL server the benches create their databases on: `DATABASE_URL`, or the local
/// default.
pub fn admin_url() -> String {
    std::env::var("DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

/// Prints the cores and load average the numbers below were measured with.
pub fn print_machine() {
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    println!(
        "machine: {} cores, load average {} at start\n",
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        load.split_whitespace()
            .take(3)
            .collect::<Vec<_>>()
            .join(" ")
    );
}

/// A database created for one run and dropped (with its connections) on drop.
pub struct Database {
    admin_url: String,
    pub name: String,
}

impl Database {
    /// Creates `skillsync_bench_<random>` on the server of `admin_url`; `None` when the server
    /// cannot be reached.
    pub async fn create(admin_url: &str) -> Option<Self> {
        let mut admin = PgConnection::connect(admin_url).await.ok()?;
        let name = format!(
            "skillsync_bench_{}",
            &uuid::Uuid::new_v4().simple().to_string()[..12]
        );
        admin
            .execute(format!("CREATE DATABASE {name}").as_str())
            .await
            .expect("create the bench database");
        Some(Self {
            admin_url: admin_url.to_string(),
            name,
        })
    }

    /// The URL of this database on the same server.
    pub fn url(&self) -> String {
        let base = self
            .admin_url
            .rsplit_once('/')
            .map_or(self.admin_url.as_str(), |(b, _)| b);
        format!("{base}/{}", self.name)
    }
}

impl Database {
    /// Whether the server runs autovacuum (test servers often turn it off).
    pub async fn autovacuum(&self) -> bool {
        let mut conn = PgConnection::connect(&self.url()).await.expect("connect");
        let on: String = sqlx::query_scalar("SHOW autovacuum")
            .fetch_one(&mut conn)
            .await
            .expect("SHOW autovacuum");
        on == "on"
    }

    /// `VACUUM ANALYZE`: what autovacuum does on its own within `autovacuum_naptime` (60 s)
    /// of a scan that rewrote every agent row.
    pub async fn vacuum_analyze(&self) {
        let mut conn = PgConnection::connect(&self.url()).await.expect("connect");
        conn.execute("VACUUM ANALYZE")
            .await
            .expect("VACUUM ANALYZE");
    }
}

impl Drop for Database {
    fn drop(&mut self) {
        let (url, name) = (self.admin_url.clone(), self.name.clone());
        // Drop runs inside the bench's runtime, which cannot be blocked on: a thread of its own.
        let dropped = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            rt.block_on(async {
                let mut admin = PgConnection::connect(&url).await?;
                admin
                    .execute(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)").as_str())
                    .await
                    .map(|_| ())
            })
        })
        .join();
        if !matches!(dropped, Ok(Ok(()))) {
            eprintln!("could not drop database {}; drop it by hand", self.name);
        }
    }
}

/// A running daemon process, killed on drop.
pub struct Daemon {
    child: Child,
    pub base: String,
    pub http: reqwest::Client,
    log: PathBuf,
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_file(&self.log);
    }
}

impl Daemon {
    /// Starts `skillsync serve` against `sim` and `database_url` with `extra` settings, on free
    /// ports, scans on a yearly cron only, and waits until `/healthz` answers.
    pub async fn start(sim: &str, database_url: &str, extra: &[(&str, &str)]) -> Self {
        let listen = format!("127.0.0.1:{}", super::common::free_port());
        let log = std::env::temp_dir().join(format!(
            "skillsync-bench-daemon-{}-{}.log",
            std::process::id(),
            uuid::Uuid::new_v4().simple()
        ));
        let log_file = std::fs::File::create(&log).expect("daemon log file");
        let mut command = Command::new(env!("CARGO_BIN_EXE_skillsync"));
        command
            .arg("serve")
            .env("SKILLSYNC__DATABASE__URL", database_url)
            .env("SKILLSYNC__SERVER__LISTEN", &listen)
            .env(
                "SKILLSYNC__SERVER__METRICS_LISTEN",
                format!("127.0.0.1:{}", super::common::free_port()),
            )
            .env("SKILLSYNC__SERVER__INGEST_TOKENS__BENCH", INGEST_TOKEN)
            .env("SKILLSYNC__PLATFORM__BASE_URL", sim)
            .env("SKILLSYNC__PLATFORM__REQUESTS_PER_MINUTE", "1000000")
            .env("SKILLSYNC__RECONCILE__SCAN_CRON", "0 0 0 1 1 *")
            .env("SKILLSYNC__FEED__TIME_ZONE", "Europe/Berlin")
            .env("SKILLSYNC__LOG__LEVEL", "info")
            .stdout(log_file.try_clone().expect("log file"))
            .stderr(log_file);
        for (key, value) in extra {
            command.env(key, value);
        }
        let mut daemon = Self {
            child: command.spawn().expect("skillsync serve starts"),
            base: format!("http://{listen}"),
            http: reqwest::Client::new(),
            log,
        };
        for _ in 0..1200 {
            if let Ok(Some(status)) = daemon.child.try_wait() {
                panic!(
                    "skillsync serve exited with {status}:\n{}",
                    daemon.log_tail()
                );
            }
            let health = daemon.http.get(daemon.url("/healthz")).send().await;
            if health.is_ok_and(|r| r.status().is_success()) {
                return daemon;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!(
            "skillsync serve did not answer within 60 s:\n{}",
            daemon.log_tail()
        );
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The last lines the daemon logged, for failure messages.
    pub fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(30)..].join("\n")
    }

    pub async fn get_json(&self, path: &str) -> Value {
        let resp = self.http.get(self.url(path)).send().await.expect("sent");
        let status = resp.status();
        let text = resp.text().await.expect("body");
        assert!(status.is_success(), "GET {path} -> {status}: {text}");
        serde_json::from_str(&text).expect("json")
    }

    /// POSTs with the ingest token; returns the status and the JSON body.
    pub async fn post(&self, path: &str, content_type: &str, body: Vec<u8>) -> (u16, Value) {
        let resp = self
            .http
            .post(self.url(path))
            .bearer_auth(INGEST_TOKEN)
            .header("content-type", content_type)
            .body(body)
            .send()
            .await
            .expect("sent");
        let status = resp.status().as_u16();
        (status, resp.json().await.unwrap_or(Value::Null))
    }

    /// The newest job, once it exists.
    pub async fn newest_job(&self) -> i64 {
        for _ in 0..600 {
            let jobs = self.get_json("/v1/jobs?limit=1").await;
            if let Some(id) = jobs["jobs"][0]["id"].as_i64() {
                return id;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("no job was queued");
    }

    /// Waits (up to `limit`) until job `id` settles; returns the job and how long it took.
    pub async fn wait_job(&self, id: i64, limit: Duration) -> (Value, Duration) {
        let started = Instant::now();
        while started.elapsed() < limit {
            let job = self.get_json(&format!("/v1/jobs/{id}?limit=1")).await;
            if SETTLED.contains(&job["job"]["status"].as_str().unwrap_or_default()) {
                return (job["job"].clone(), started.elapsed());
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        panic!("job {id} did not settle in {limit:?}:\n{}", self.log_tail());
    }

    /// A field of `/proc/<pid>/status` in kB (`VmHWM`, `VmRSS`).
    pub fn status_kb(&self, field: &str) -> u64 {
        proc_status_kb(self.pid(), field)
    }

    /// Resets the peak resident set size to the current one (Linux ≥ 4.0), so that the next
    /// `VmHWM` covers only what follows. False when the kernel refuses.
    pub fn reset_peak(&self) -> bool {
        std::fs::write(format!("/proc/{}/clear_refs", self.pid()), "5").is_ok()
    }
}

/// A `kB` field of `/proc/<pid>/status`; 0 where there is none.
pub fn proc_status_kb(pid: u32, field: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|line| line.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

/// Samples a process's `VmRSS` every few milliseconds on a thread of its own, to tell which
/// phase a peak belongs to.
pub struct RssSampler {
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    thread: std::thread::JoinHandle<Vec<(Instant, u64)>>,
}

impl RssSampler {
    pub fn start(pid: u32) -> Self {
        use std::sync::atomic::{AtomicBool, Ordering};
        let stop = std::sync::Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let thread = std::thread::spawn(move || {
            let mut samples = Vec::new();
            while !flag.load(Ordering::Relaxed) {
                samples.push((Instant::now(), proc_status_kb(pid, "VmRSS")));
                std::thread::sleep(Duration::from_millis(5));
            }
            samples
        });
        Self { stop, thread }
    }

    /// Stops sampling; returns (when, VmRSS kB) pairs.
    pub fn finish(self) -> Vec<(Instant, u64)> {
        self.stop.store(true, std::sync::atomic::Ordering::Relaxed);
        self.thread.join().unwrap_or_default()
    }
}

/// The largest sample taken in `[from, to)`.
pub fn peak_between(samples: &[(Instant, u64)], from: Instant, to: Instant) -> u64 {
    samples
        .iter()
        .filter(|(at, _)| (from..to).contains(at))
        .map(|(_, kb)| *kb)
        .max()
        .unwrap_or(0)
}
