//! Sorting a failed response by what the transport does next. Vendor rules enter only through
//! the `conflict` verdict of [`super::Vendor::is_conflict`].

/// What to do about a failed response.
#[derive(Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Renew the token once and send again.
    Renew,
    /// Pause every call for `Retry-After`, then send again.
    Throttled,
    /// Give up: the caller re-reads and plans again.
    Conflict,
    /// Give up: the same request will not succeed.
    Rejected,
    /// Back off and send again.
    Transient,
}

/// The outcome of a failed response with `status`; `conflict` is the vendor's verdict.
pub fn classify(status: u16, conflict: bool) -> Outcome {
    match status {
        401 => Outcome::Renew,
        429 => Outcome::Throttled,
        _ if conflict => Outcome::Conflict,
        408 | 500 | 502 | 503 | 504 => Outcome::Transient,
        _ => Outcome::Rejected,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renewal_and_throttling_come_before_the_vendors_conflict_verdict() {
        assert_eq!(classify(401, true), Outcome::Renew);
        assert_eq!(classify(429, true), Outcome::Throttled);
        assert_eq!(classify(400, true), Outcome::Conflict);
        assert_eq!(classify(409, false), Outcome::Rejected);
        assert_eq!(classify(408, false), Outcome::Transient);
    }
}
