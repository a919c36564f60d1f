//! What a simulated org looks like (`SimConfig`) and which failures it injects (`Faults`).

use serde::{Deserialize, Serialize};

/// Which platform the simulator speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum SimPlatform {
    /// Genesys Cloud Platform API (`/api/v2`, `/oauth/token`).
    #[default]
    Genesys,
    /// NICE CXone (`/inContactAPI/services/v{N}.0`, access-key login).
    Cxone,
}

/// The Genesys default of `--token-ttl`; on CXone it means "not set" and becomes an hour.
pub const DEFAULT_TOKEN_TTL: u64 = 86_400;

/// The shape of the seeded org and the server's fixed behaviour.
#[derive(Debug, Clone, clap::Args)]
pub struct SimConfig {
    /// The platform to simulate.
    #[arg(long, value_enum, default_value_t = SimPlatform::Genesys)]
    pub platform: SimPlatform,
    /// Address to listen on; port 0 picks a free port.
    #[arg(long, default_value = "127.0.0.1:9400")]
    pub listen: String,
    /// Number of active users.
    #[arg(long, default_value_t = 100)]
    pub agents: u32,
    /// Number of routing skills defined in the org.
    #[arg(long, default_value_t = 60)]
    pub skills: u32,
    /// Number of routing languages defined in the org.
    #[arg(long, default_value_t = 12)]
    pub languages: u32,
    /// Seed of the org generator: the same seed gives the same org.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Average number of skills a seeded user holds.
    #[arg(long, default_value_t = 8)]
    pub mean_skills: u32,
    /// OAuth client id accepted by `/oauth/token` (CXone: the access key id).
    #[arg(long, default_value = "skillsync-sim")]
    pub client_id: String,
    /// OAuth client secret accepted by `/oauth/token` (CXone: the access key secret).
    #[arg(long, default_value = "skillsync-sim-secret")]
    pub client_secret: String,
    /// Lifetime of an access token, in seconds (CXone: 3600 unless set to something else).
    #[arg(long, default_value_t = DEFAULT_TOKEN_TTL)]
    pub token_ttl: u64,
    /// Largest `pageSize` accepted by `GET /api/v2/users` (CXone: largest `top` of any listing).
    #[arg(long, default_value_t = 500)]
    pub max_users_page_size: u32,
    /// The failures to inject from the start; change them later with `POST /sim/faults`.
    #[command(flatten)]
    pub faults: Faults,
}

impl Default for SimConfig {
    fn default() -> Self {
        Self {
            platform: SimPlatform::Genesys,
            listen: "127.0.0.1:0".into(),
            agents: 100,
            skills: 60,
            languages: 12,
            seed: 1,
            mean_skills: 8,
            client_id: "skillsync-sim".into(),
            client_secret: "skillsync-sim-secret".into(),
            token_ttl: DEFAULT_TOKEN_TTL,
            max_users_page_size: 500,
            faults: Faults::default(),
        }
    }
}

/// Injected failures. Every field can be set by a flag of the same name (`--rate-limit`,
/// `--conflict-window-ms`, …) and at run time through `POST /sim/faults`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, clap::Args)]
#[serde(default, deny_unknown_fields)]
pub struct Faults {
    /// Requests per minute per access token; 0 turns rate limiting off.
    #[arg(long = "rate-limit", default_value_t = 300)]
    pub rate_limit: u32,
    /// Requests a token may send back to back before the per-minute pace applies; 0 means a
    /// whole minute's budget.
    #[arg(long, default_value_t = 0)]
    pub rate_burst: u32,
    /// Tokens one client may mint per minute before the login endpoint refuses; 0 = no limit.
    #[arg(long, default_value_t = 60)]
    pub token_mint_limit: u32,
    /// A write to a user written less than this many ms ago may get a 409.
    #[arg(long, default_value_t = 0)]
    pub conflict_window_ms: u64,
    /// Probability of that 409 inside the window.
    #[arg(long, default_value_t = 0.0)]
    pub conflict_probability: f64,
    /// Probability that any write gets a 409, window or not.
    #[arg(long, default_value_t = 0.0)]
    pub conflict_rate: f64,
    /// The next this many API writes to users get a 409, whatever the window; deterministic,
    /// for tests that must see a conflict. Reads back as the number still to come.
    #[arg(long, default_value_t = 0)]
    pub conflict_next: u32,
    /// Probability that an API call gets a 503 before it is processed.
    #[arg(long, default_value_t = 0.0)]
    pub error_rate: f64,
    /// Probability that an API call gets a 504 *after* it was processed (a write is applied).
    #[arg(long, default_value_t = 0.0)]
    pub timeout_rate: f64,
    /// The next this many successful API writes (POST, PUT, PATCH, DELETE under `/api/v2` or `/inContactAPI`) are applied and then
    /// answered 504; deterministic. Reads back as the number still to come.
    #[arg(long, default_value_t = 0)]
    pub timeout_next: u32,
    /// Fixed latency added to every API call, in ms.
    #[arg(long, default_value_t = 0)]
    pub latency_ms: u64,
    /// Random extra latency up to this many ms.
    #[arg(long, default_value_t = 0)]
    pub latency_jitter_ms: u64,
    /// Start an outage of this many ms (every API call and login gets a 503).
    #[arg(long, default_value_t = 0)]
    pub outage_ms: u64,
    /// Share of users in `GET /api/v2/users` whose expanded fields are left out.
    #[arg(long, default_value_t = 0.0)]
    pub expand_missing_rate: f64,
    /// For this many ms after a write, reads of that user may return the state before it.
    #[arg(long, default_value_t = 0)]
    pub lag_ms: u64,
    /// Probability that a read inside the lag window sees the old state.
    #[arg(long, default_value_t = 1.0)]
    pub lag_probability: f64,
    /// CXone: the next this many items of API writes fail inside a 200 `resultSet`;
    /// deterministic. Reads back as the number still to come. Genesys ignores it.
    #[arg(long, default_value_t = 0)]
    pub item_fail_next: u32,
    /// CXone: probability that one item of an API write fails inside a 200. Genesys ignores it.
    #[arg(long, default_value_t = 0.0)]
    pub item_failure_rate: f64,
    /// Share of on-queue agents INTERACTING, chosen from the seed; set at run time it re-splits
    /// the IDLE and INTERACTING agents. Genesys only.
    #[arg(long, default_value_t = 0.0)]
    pub busy_share: f64,
    /// Every this many ms a seeded step flips some agents between IDLE and INTERACTING, holding
    /// `busy_share`; 0 = agents keep their status. Genesys only.
    #[arg(long, default_value_t = 0)]
    pub status_change_ms: u64,
}

impl Default for Faults {
    fn default() -> Self {
        Self {
            rate_limit: 300,
            rate_burst: 0,
            token_mint_limit: 60,
            conflict_window_ms: 0,
            conflict_probability: 0.0,
            conflict_rate: 0.0,
            conflict_next: 0,
            error_rate: 0.0,
            timeout_rate: 0.0,
            timeout_next: 0,
            latency_ms: 0,
            latency_jitter_ms: 0,
            outage_ms: 0,
            expand_missing_rate: 0.0,
            lag_ms: 0,
            lag_probability: 1.0,
            item_fail_next: 0,
            item_failure_rate: 0.0,
            busy_share: 0.0,
            status_change_ms: 0,
        }
    }
}

impl Faults {
    /// No failures and no rate limit: the setting for benchmarks and most unit tests.
    pub fn none() -> Self {
        Self {
            rate_limit: 0,
            token_mint_limit: 0,
            ..Self::default()
        }
    }

    /// Rejects probabilities outside 0–1 so that a typo does not silently disable a fault.
    pub fn validate(&self) -> Result<(), String> {
        let probabilities = [
            ("conflict_probability", self.conflict_probability),
            ("conflict_rate", self.conflict_rate),
            ("error_rate", self.error_rate),
            ("timeout_rate", self.timeout_rate),
            ("expand_missing_rate", self.expand_missing_rate),
            ("lag_probability", self.lag_probability),
            ("item_failure_rate", self.item_failure_rate),
            ("busy_share", self.busy_share),
        ];
        for (name, p) in probabilities {
            if !(0.0..=1.0).contains(&p) {
                return Err(format!("{name} must be between 0 and 1, got {p}"));
            }
        }
        Ok(())
    }
}
