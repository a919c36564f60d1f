//! The hooks a connector gives the transport: how to mint a token and how to read its error
//! bodies. Hooks make one attempt each; retrying, caching and counting stay in the transport.

use std::future::Future;
use std::time::Duration;

use crate::domain::Secret;
use crate::platform::error::PlatformError;

/// A freshly minted access token.
pub struct Minted {
    /// The bearer token; never logged.
    pub token: Secret,
    /// Its lifetime.
    pub expires_in: Duration,
}

/// What a failed response's body says, as far as skillsync reports it.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Failure {
    /// Machine-readable code (empty when the body has none).
    pub code: String,
    /// Human-readable message (empty when the body has none).
    pub message: String,
}

/// A vendor's side of the transport.
pub trait Vendor: Send + Sync + 'static {
    /// The response header that carries the call's correlation id.
    const CORRELATION_HEADER: &'static str;

    /// Mints one token. A login service that is briefly down must answer
    /// [`PlatformError::Unavailable`] (the transport retries it); refused credentials
    /// [`PlatformError::Auth`].
    fn mint(
        &self,
        http: &reqwest::Client,
    ) -> impl Future<Output = Result<Minted, PlatformError>> + Send;

    /// Reads a failed response's body; a body that does not parse gives an empty [`Failure`].
    fn failure(&self, body: &[u8]) -> Failure;

    /// Whether a failed response means the write lost a race (re-read, never re-send).
    fn is_conflict(&self, status: u16, _failure: &Failure) -> bool {
        status == 409
    }
}
