//! `skillsync sim`: a local stand-in for the Genesys Cloud Platform API (or, with
//! `--platform cxone`, NICE CXone's) with a seeded org and switchable faults. It must never depend on the rest of skillsync; skillsync's tests depend
//! on it.

mod catalog;
mod conditions;
pub mod config;
mod cxone;
mod divisions;
mod dynamics;
mod error;
mod extract;
mod kind;
mod lag;
mod middleware;
mod names;
mod org;
mod paging;
mod routes;
mod routing;
mod skillgroups;
mod state;
pub mod stats;
mod user;
mod wire;

use std::net::SocketAddr;
use std::sync::Arc;

use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

pub use config::{Faults, SimConfig, SimPlatform};

/// Why the simulator could not start or stopped with an error.
#[derive(Debug, thiserror::Error)]
pub enum SimError {
    /// The listen address is taken or invalid.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address asked for.
        addr: String,
        /// The OS error.
        source: std::io::Error,
    },
    /// The fault settings are out of range.
    #[error("invalid faults: {0}")]
    InvalidFaults(String),
    /// The server failed while running.
    #[error("server error: {0}")]
    Serve(#[from] std::io::Error),
}

/// A bound, not yet running simulator.
pub struct Simulator {
    listener: TcpListener,
    addr: SocketAddr,
    app: axum::Router,
    genesys: Option<Arc<SimState>>,
}

use state::SimState;

impl Simulator {
    /// Generates the org and binds the listen address (port 0 picks a free port).
    pub async fn build(config: SimConfig) -> Result<Self, SimError> {
        config.faults.validate().map_err(SimError::InvalidFaults)?;
        let listener =
            TcpListener::bind(&config.listen)
                .await
                .map_err(|source| SimError::Bind {
                    addr: config.listen.clone(),
                    source,
                })?;
        let addr = listener.local_addr()?;
        let (app, genesys) = match config.platform {
            SimPlatform::Genesys => {
                let state = Arc::new(SimState::new(config));
                (routes::router(state.clone()), Some(state))
            }
            SimPlatform::Cxone => (cxone::router(config), None),
        };
        Ok(Self {
            listener,
            addr,
            app,
            genesys,
        })
    }

    /// The bound port.
    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// `http://host:port`, the base URL to give clients.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Serves until `shutdown` is cancelled, then finishes in-flight requests.
    pub async fn run_until_stopped(self, shutdown: CancellationToken) -> Result<(), SimError> {
        if let Some(state) = self.genesys {
            tokio::spawn(dynamics::run(state, shutdown.clone()));
        }
        axum::serve(self.listener, self.app)
            .with_graceful_shutdown(shutdown.cancelled_owned())
            .await?;
        Ok(())
    }
}
