//! Serving one listener with bounds on slow and many clients: a connection must send each
//! request head within `header_read_timeout` (idle keep-alive connections included), and at most
//! `max_connections` are open at once. `axum::serve` has neither, which let half-sent requests
//! pile up until the process ran out of file descriptors (issue 12).

use std::io;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;

use super::ServerSettings;

/// What bounds each listener's clients.
#[derive(Debug, Clone, Copy)]
pub struct ConnectionLimits {
    /// Time to send a request line and headers, from the connection or the previous response.
    pub header_read_timeout: Duration,
    /// Open connections at once.
    pub max_connections: usize,
}

impl ConnectionLimits {
    /// The limits `[server]` sets, the same for both listeners.
    pub fn from_settings(server: &ServerSettings) -> Self {
        Self {
            header_read_timeout: Duration::from_secs(server.header_read_timeout_secs),
            max_connections: server.max_connections,
        }
    }
}

/// The largest request head (request line and headers) read before answering 431.
const MAX_HEAD_BYTES: usize = 64 * 1024;

/// Serves `router` on `listener` until `shutdown`, then stops accepting, asks every open
/// connection to finish its request in flight, and returns once they have closed.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: ConnectionLimits,
    shutdown: CancellationToken,
) {
    let slots = Arc::new(Semaphore::new(limits.max_connections));
    let graceful = GracefulShutdown::new();
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout)
        // A request head over 64 KiB is an attack or a bug; without a limit hyper reads about
        // 400 KB of it per connection before answering 431.
        .max_header_size(MAX_HEAD_BYTES);
    let mut saturated = false;
    loop {
        // A slot before accepting: past the cap, new connections wait in the kernel's backlog,
        // where they cost this process no file descriptor, and are served as slots free.
        let slot = match slots.clone().try_acquire_owned() {
            Ok(slot) => {
                saturated = false;
                slot
            }
            Err(_) => {
                if !saturated {
                    saturated = true;
                    tracing::warn!(
                        max_connections = limits.max_connections,
                        "server.max_connections reached; new connections wait"
                    );
                }
                tokio::select! {
                    biased;
                    () = shutdown.cancelled() => break,
                    slot = slots.clone().acquire_owned() => match slot {
                        Ok(slot) => slot,
                        // Never closed; stop serving rather than spin if it were.
                        Err(_) => break,
                    },
                }
            }
        };
        let stream = tokio::select! {
            biased;
            () = shutdown.cancelled() => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(e) => {
                    accept_failed(e).await;
                    continue;
                }
            },
        };
        let connection = builder.serve_connection(
            TokioIo::new(stream),
            TowerToHyperService::new(router.clone()),
        );
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            if let Err(e) = connection.await {
                // A client that times out or goes away is routine, not an error of ours.
                tracing::debug!(error = %e, "connection ended");
            }
            drop(slot);
        });
    }
    drop(listener);
    graceful.shutdown().await;
}

/// A failed accept: the peer gave up (nothing to do) or the process is out of descriptors or
/// memory, where retrying at once would spin; a pause lets connections close.
async fn accept_failed(e: io::Error) {
    if matches!(
        e.kind(),
        io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
            | io::ErrorKind::ConnectionRefused
    ) {
        return;
    }
    tracing::error!(error = %e, "cannot accept a connection; pausing for a second");
    tokio::time::sleep(Duration::from_secs(1)).await;
}
