//! Daemons with several orgs: settings naming one org per simulator, with the same short
//! timings as `daemon_settings`.

use crate::helpers::{TestSim, INGEST_TOKEN};

/// Daemon settings with `[orgs.NAME]` per `(name, simulator)`, on `database_url`.
pub fn multi_org_settings(
    database_url: &str,
    orgs: &[(&str, &TestSim)],
) -> skillsync::config::Settings {
    let mut toml = format!(
        r#"
[database]
url = "{database_url}"
[server]
listen = "127.0.0.1:0"
metrics_listen = "127.0.0.1:0"
grace_period_secs = 5
[server.ingest_tokens]
wfm = "{INGEST_TOKEN}"
[platform]
requests_per_minute = 100000
[safety]
max_destructive_percent = 100.0
[reconcile]
settle_secs = 0.2
lease_secs = 3.0
retry_base_secs = 0.2
scan_cron = "0 0 0 1 1 *"
"#
    );
    for (name, sim) in orgs {
        toml.push_str(&format!(
            "[orgs.{name}.platform]\nbase_url = \"{}\"\n",
            sim.base
        ));
    }
    let env = config::Environment::with_prefix("SKILLSYNC").source(Some(Default::default()));
    skillsync::config::Settings::load_from_toml(&toml, env).expect("multi-org settings")
}
