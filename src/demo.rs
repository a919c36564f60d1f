//! `skillsync demo`: the whole product on a laptop with nothing but Rust — the simulator with a
//! generated org, the daemon on an embedded SQLite database, a bundled sample feed ingested
//! through the API — and what to look at.

use std::path::PathBuf;
use std::time::Duration;

use tokio_util::sync::CancellationToken;

use crate::app::Application;
use crate::config::Settings;
use crate::domain::Secret;
use crate::feed::CertificationSettings;
use crate::sim::{Faults, SimConfig, SimPlatform, Simulator};

/// The sample feed: 200 agents, skills on mixed scales, languages, PCI-DSS certifications.
pub const SAMPLE_FEED: &str = include_str!("../config/demo-feed.csv");
/// The same agents for a CXone org: numbers on CXone's 1 (highest) – 20 scale, labels as
/// they are, no languages (CXone has none).
pub const SAMPLE_FEED_CXONE: &str = include_str!("../config/demo-feed-cxone.csv");
/// The demo's ingest token (local use only).
pub const DEMO_TOKEN: &str = "demo-ingest-token";

/// Arguments of `skillsync demo`.
#[derive(Debug, Clone, clap::Args)]
pub struct DemoArgs {
    /// Only this simulated platform, as the one org `default` (without it: two orgs, `genesys`
    /// and `cxone`, each with its own simulator and sample feed).
    #[arg(long, value_enum)]
    pub platform: Option<SimPlatform>,
    /// Agents in each simulated org.
    #[arg(long, default_value_t = 500)]
    pub agents: u32,
    /// Directory of the SQLite database (default: a new one under the system's temp dir).
    #[arg(long)]
    pub dir: Option<PathBuf>,
    /// The API's address.
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub listen: String,
    /// The metrics address.
    #[arg(long, default_value = "127.0.0.1:9090")]
    pub metrics_listen: String,
}

/// Why the demo could not start.
#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    /// The embedded configuration.
    #[error(transparent)]
    Config(#[from] crate::config::ConfigError),
    /// The simulator.
    #[error(transparent)]
    Sim(#[from] crate::sim::SimError),
    /// The daemon.
    #[error(transparent)]
    App(#[from] crate::app::AppError),
    /// The directory.
    #[error("cannot create {0}: {1}")]
    Dir(String, std::io::Error),
    /// Ingesting the sample feed.
    #[error("cannot ingest the sample feed: {0}")]
    Ingest(String),
}

fn settings(
    args: &DemoArgs,
    platform: SimPlatform,
    sim_url: &str,
    db: &str,
) -> Result<Settings, DemoError> {
    let mut s = Settings::defaults()?;
    s.platform.base_url = sim_url.to_string();
    s.platform.requests_per_minute = 3_000;
    // The Genesys simulator creates the gate skill on demand; CXone skills are made in its UI,
    // so the CXone demo gates PCI-DSS with a skill the simulated tenant has.
    let gate = match platform {
        SimPlatform::Genesys => {
            s.platform.create_missing_skills = true;
            "Gate_PCI"
        }
        SimPlatform::Cxone => {
            s.platform.kind = "cxone".into();
            s.platform.access_key_id = "skillsync-sim".into();
            s.platform.access_key_secret = Secret::from("skillsync-sim-secret");
            "PaymentProcessing_L1"
        }
    };
    s.database.url = Secret::from(db);
    s.server.listen = args.listen.clone();
    s.server.metrics_listen = args.metrics_listen.clone();
    s.server
        .ingest_tokens
        .insert("demo".into(), Secret::from(DEMO_TOKEN).into());
    s.feed.time_zone = Some("Europe/Berlin".into());
    s.feed.certifications.insert(
        "PCI-DSS".into(),
        CertificationSettings {
            gate_skill: Some(gate.into()),
            ..CertificationSettings::default()
        },
    );
    // A first feed against a seeded org changes much; the demo approves it up front.
    s.safety.max_destructive = usize::MAX;
    s.safety.max_destructive_percent = 100.0;
    s.reconcile.settle_secs = 2.0;
    s.reconcile.lease_secs = 15.0;
    Ok(s)
}

/// Posts the bundled feed through the API (under `org`'s path), as a WFM system would, and
/// returns its job id.
async fn ingest_sample(api: &str, feed: &'static str) -> Result<i64, DemoError> {
    let failed = |e: reqwest::Error| DemoError::Ingest(e.to_string());
    let resp = reqwest::Client::new()
        .post(format!("{api}/feeds?scope=partial&source=demo"))
        .bearer_auth(DEMO_TOKEN)
        .header("content-type", "text/csv")
        .body(feed)
        .send()
        .await
        .map_err(failed)?;
    let status = resp.status();
    let body: serde_json::Value = resp.json().await.map_err(failed)?;
    body["job_id"]
        .as_i64()
        .filter(|_| status.is_success())
        .ok_or_else(|| DemoError::Ingest(format!("{status}: {body}")))
}

/// One simulated org of the demo.
struct DemoOrg {
    /// Its name in skillsync (`default` when the demo runs one platform).
    name: &'static str,
    platform: SimPlatform,
    sim_url: String,
}

impl DemoOrg {
    fn title(&self) -> &'static str {
        match self.platform {
            SimPlatform::Genesys => "Genesys Cloud",
            SimPlatform::Cxone => "NICE CXone",
        }
    }

    fn feed(&self) -> &'static str {
        match self.platform {
            SimPlatform::Genesys => SAMPLE_FEED,
            SimPlatform::Cxone => SAMPLE_FEED_CXONE,
        }
    }

    /// The org's API paths: `/v1` for the one org, `/v1/orgs/NAME` for each of several.
    fn api(&self, api: &str, several: bool) -> String {
        if several {
            format!("{api}/v1/orgs/{}", self.name)
        } else {
            format!("{api}/v1")
        }
    }
}

async fn start_sim(
    platform: SimPlatform,
    agents: u32,
    shutdown: &CancellationToken,
) -> Result<String, DemoError> {
    let sim = Simulator::build(SimConfig {
        platform,
        listen: "127.0.0.1:0".into(),
        agents,
        skills: 120,
        faults: Faults {
            rate_limit: 3_000,
            ..Faults::default()
        },
        ..SimConfig::default()
    })
    .await?;
    let url = sim.base_url();
    tokio::spawn(sim.run_until_stopped(shutdown.clone()));
    Ok(url)
}

/// Runs the demo until `shutdown`.
pub async fn run(args: DemoArgs, shutdown: CancellationToken) -> Result<(), DemoError> {
    let platforms = match args.platform {
        Some(platform) => vec![("default", platform)],
        None => vec![
            ("genesys", SimPlatform::Genesys),
            ("cxone", SimPlatform::Cxone),
        ],
    };
    let several = platforms.len() > 1;
    let mut orgs = Vec::new();
    for (name, platform) in platforms {
        let sim_url = start_sim(platform, args.agents, &shutdown).await?;
        orgs.push(DemoOrg {
            name,
            platform,
            sim_url,
        });
    }
    let dir = args.dir.clone().unwrap_or_else(|| {
        std::env::temp_dir().join(format!("skillsync-demo-{}", std::process::id()))
    });
    std::fs::create_dir_all(&dir).map_err(|e| DemoError::Dir(dir.display().to_string(), e))?;
    let db = format!("sqlite://{}", dir.join("skillsync.db").display());
    let mut combined = settings(&args, orgs[0].platform, &orgs[0].sim_url, &db)?;
    if several {
        for org in &orgs {
            let like = settings(&args, org.platform, &org.sim_url, &db)?;
            combined.add_org_like(org.name, &like)?;
        }
    }
    let app = Application::build(combined).await?;
    let api = format!("http://127.0.0.1:{}", app.port());
    let metrics = format!("http://127.0.0.1:{}/metrics", app.metrics_port());
    let daemon = tokio::spawn(app.run_until_stopped(shutdown.clone()));

    let mut banner = String::from("skillsync demo\n");
    for org in &orgs {
        banner.push_str(&format!(
            "  simulated {} org: {} ({} agents; its own view: {}/sim/users/<id>){}\n",
            org.title(),
            org.sim_url,
            args.agents,
            org.sim_url,
            if several {
                format!(" as org {}", org.name)
            } else {
                String::new()
            },
        ));
    }
    banner.push_str(&format!(
        "  console:                     {api}/   (open it in a browser)
  database:                    {db}
  API:                         {api}   (OpenAPI: {api}/openapi.json)
  metrics:                     {metrics}
"
    ));
    if several {
        banner.push_str(&format!(
            "  orgs:                        curl -s {api}/v1/orgs\n"
        ));
    }
    for org in &orgs {
        let base = org.api(&api, several);
        let job = ingest_sample(&base, org.feed()).await?;
        banner.push_str(&format!(
            "
{title}: the sample feed (200 agents) was ingested as job {job}. Look at:
  curl -s {base}/jobs/{job}
  curl -s {base}/drift
  curl -s {base}/agents/agent00010@example.com
  curl -s '{base}/audit?agent=agent00010@example.com'
  curl -s -H 'accept: text/csv' {base}/audit
  curl -s '{base}/certifications/expiring?within=400d'
Change a skill as an admin would, then ask for a run:
  curl -s -X POST {base}/reconcile -H 'Authorization: Bearer {DEMO_TOKEN}'
",
            title = org.title(),
        ));
    }
    banner.push_str(&format!(
        "
Metrics: curl -s {metrics} | grep ^skillsync_
Ctrl-C stops everything."
    ));
    println!("{banner}");
    tokio::time::sleep(Duration::from_millis(100)).await;
    daemon.await.ok();
    Ok(())
}
