//! Request signing: HMAC-SHA256 over `"{timestamp}.{body}"`, and the check a receiver makes.
//! Knows the header names and the signed material; nothing about HTTP clients or retries.

use std::time::Duration;

use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// `X-Skillsync-Signature: sha256=<hex>`, the HMAC-SHA256 of `"{timestamp}.{body}"`.
pub const SIGNATURE_HEADER: &str = "x-skillsync-signature";
/// `X-Skillsync-Timestamp`: Unix seconds when the attempt was sent; part of the signed text.
pub const TIMESTAMP_HEADER: &str = "x-skillsync-timestamp";
/// `X-Skillsync-Event-Id`: the event's id, the same on every attempt.
pub const EVENT_ID_HEADER: &str = "x-skillsync-event-id";

const SCHEME: &str = "sha256=";

/// Why a receiver should reject a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    /// The timestamp header is not a whole number of seconds.
    #[error("the timestamp is not Unix seconds")]
    Timestamp,
    /// The timestamp is further from now than the tolerance: possibly a replay.
    #[error("the timestamp is outside the accepted window")]
    Stale,
    /// The signature header is not `sha256=` and 64 hex digits.
    #[error("the signature is not sha256=<hex>")]
    Format,
    /// The signature does not match the body, timestamp and secret.
    #[error("the signature does not match")]
    Mismatch,
}

/// The signature header value for `body` sent at `timestamp` (Unix seconds).
pub fn sign(secret: &[u8], timestamp: i64, body: &[u8]) -> String {
    format!(
        "{SCHEME}{}",
        hex::encode(mac(secret, timestamp, body).finalize().into_bytes())
    )
}

/// What a receiver does: checks that `timestamp` is within `tolerance` of `now` and that
/// `signature` is the HMAC of `"{timestamp}.{body}"`, comparing in constant time.
pub fn verify(
    secret: &[u8],
    timestamp: &str,
    body: &[u8],
    signature: &str,
    now: DateTime<Utc>,
    tolerance: Duration,
) -> Result<(), VerifyError> {
    let sent: i64 = timestamp
        .trim()
        .parse()
        .map_err(|_| VerifyError::Timestamp)?;
    if sent.abs_diff(now.timestamp()) > tolerance.as_secs() {
        return Err(VerifyError::Stale);
    }
    let claimed = signature
        .trim()
        .strip_prefix(SCHEME)
        .and_then(|digits| hex::decode(digits).ok())
        .ok_or(VerifyError::Format)?;
    mac(secret, sent, body)
        .verify_slice(&claimed)
        .map_err(|_| VerifyError::Mismatch)
}

fn mac(secret: &[u8], timestamp: i64, body: &[u8]) -> Hmac<Sha256> {
    // HMAC accepts keys of any length; `new_from_slice` only fails for fixed-size-key MACs.
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC takes keys of any length");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    mac
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    const FIVE_MINUTES: Duration = Duration::from_secs(300);

    fn now() -> DateTime<Utc> {
        Utc.timestamp_opt(1_795_000_000, 0)
            .single()
            .expect("valid instant")
    }

    #[test]
    fn the_signature_is_the_hmac_of_timestamp_dot_body() {
        // Computed independently: Python's hmac.new(b"s3cret", b'1795000000.{"a":1}', sha256).
        assert_eq!(
            sign(b"s3cret", 1_795_000_000, br#"{"a":1}"#),
            "sha256=66ef648639d5226245f765ca0416c5549c32aab329ad5708610bb4d8a1ac84e5"
        );
    }

    #[test]
    fn a_signed_body_verifies() {
        let ts = now().timestamp();
        let signature = sign(b"k", ts, b"{}");
        assert_eq!(
            verify(
                b"k",
                &ts.to_string(),
                b"{}",
                &signature,
                now(),
                FIVE_MINUTES
            ),
            Ok(())
        );
    }

    #[test]
    fn a_changed_body_secret_or_timestamp_does_not_verify() {
        let ts = now().timestamp();
        let signature = sign(b"k", ts, b"{}");
        let check = |secret: &[u8], ts: i64, body: &[u8]| {
            verify(
                secret,
                &ts.to_string(),
                body,
                &signature,
                now(),
                FIVE_MINUTES,
            )
        };
        assert_eq!(check(b"k", ts, b"{ }"), Err(VerifyError::Mismatch));
        assert_eq!(check(b"K", ts, b"{}"), Err(VerifyError::Mismatch));
        assert_eq!(check(b"k", ts - 1, b"{}"), Err(VerifyError::Mismatch));
    }

    #[test]
    fn an_old_timestamp_is_refused_as_a_possible_replay() {
        let old = now().timestamp() - 301;
        let signature = sign(b"k", old, b"{}");
        assert_eq!(
            verify(
                b"k",
                &old.to_string(),
                b"{}",
                &signature,
                now(),
                FIVE_MINUTES
            ),
            Err(VerifyError::Stale)
        );
    }

    #[test]
    fn malformed_headers_are_told_apart_from_mismatches() {
        let ts = now().timestamp().to_string();
        let verify_with = |ts: &str, sig: &str| verify(b"k", ts, b"{}", sig, now(), FIVE_MINUTES);
        assert_eq!(
            verify_with("soon", "sha256=00"),
            Err(VerifyError::Timestamp)
        );
        assert_eq!(verify_with(&ts, "md5=00"), Err(VerifyError::Format));
        assert_eq!(verify_with(&ts, "sha256=zz"), Err(VerifyError::Format));
        assert_eq!(verify_with(&ts, "sha256=00"), Err(VerifyError::Mismatch));
    }
}
