//! What can go wrong talking to a platform, sorted by what the caller should do about it.
//! Vendor-neutral: connectors map their failures onto these variants; nothing here retries.

/// A platform call that did not succeed.
#[derive(Debug, Clone, thiserror::Error)]
pub enum PlatformError {
    /// The write lost a race (409, or a version mismatch): re-read the agent and plan again;
    /// never re-send the same write.
    #[error("conflict: {message} (correlation id {correlation_id})")]
    Conflict {
        /// The platform's message.
        message: String,
        /// The correlation id of the failed call (Genesys: `ININ-Correlation-Id`).
        correlation_id: String,
    },
    /// The platform refused the request (a 4xx other than 401, 409 and 429); retrying the same
    /// request will not help.
    #[error("rejected with HTTP {status} {code}: {message} (correlation id {correlation_id})")]
    Rejected {
        /// HTTP status.
        status: u16,
        /// The error code from the vendor's error body.
        code: String,
        /// The message from the vendor's error body.
        message: String,
        /// The correlation id of the failed call (Genesys: `ININ-Correlation-Id`).
        correlation_id: String,
    },
    /// The credentials were refused, even with a fresh token.
    #[error("authentication failed: {0}")]
    Auth(String),
    /// Transient failures (5xx, timeouts, connection errors, 429s) outlasted every retry.
    #[error("platform unavailable after {attempts} attempts: {last}")]
    Unavailable {
        /// Attempts made.
        attempts: u32,
        /// The last failure seen.
        last: String,
    },
    /// A response that does not have the documented shape.
    #[error("unexpected response from {path}: {reason}")]
    Decode {
        /// The path called.
        path: String,
        /// What did not parse.
        reason: String,
    },
    /// A feed names a skill or language the platform does not define.
    #[error("the platform has no {kind} named {name:?} (create it, fix the feed, or set platform.create_missing_skills)")]
    UnknownName {
        /// `skill` or `language`.
        kind: &'static str,
        /// The name asked for.
        name: String,
    },
    /// The write was not made because its audit intent could not be recorded.
    #[error("{0}")]
    Journal(String),
    /// The connector's configuration cannot work (unknown region, bad URL).
    #[error("invalid platform configuration: {0}")]
    Config(String),
    /// The platform (or skillsync's connector for it) offers no way to do this.
    #[error("not supported on this platform: {0}")]
    Unsupported(&'static str),
}

impl PlatformError {
    /// The HTTP status the platform answered with, when it answered.
    pub fn status(&self) -> Option<u16> {
        match self {
            Self::Rejected { status, .. } => Some(*status),
            Self::Conflict { .. } => Some(409),
            _ => None,
        }
    }

    /// The failed call's correlation id, when the platform answered.
    pub fn correlation_id(&self) -> Option<&str> {
        match self {
            Self::Rejected { correlation_id, .. } | Self::Conflict { correlation_id, .. } => {
                Some(correlation_id)
            }
            _ => None,
        }
    }

    /// A short, stable label for metrics and summaries.
    pub fn label(&self) -> &'static str {
        match self {
            Self::Conflict { .. } => "conflict",
            Self::Rejected { .. } => "rejected",
            Self::Auth(_) => "auth",
            Self::Unavailable { .. } => "unavailable",
            Self::Decode { .. } => "decode",
            Self::UnknownName { .. } => "unknown_name",
            Self::Journal(_) => "journal",
            Self::Config(_) => "config",
            Self::Unsupported(_) => "unsupported",
        }
    }
}
