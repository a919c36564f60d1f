//! Reading what every HTTP response and error carries: a named header, `Retry-After`, and a
//! reqwest error's text. Nothing vendor-specific and nothing that decides a retry.

use std::time::Duration;

/// The header's value, or `-` when it is absent or not text.
pub fn header(response: &reqwest::Response, name: &str) -> String {
    response
        .headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("-")
        .to_string()
}

/// `Retry-After` in seconds, capped at ten minutes; `None` when absent or unusable.
pub fn retry_after(response: &reqwest::Response) -> Option<Duration> {
    let secs: f64 = response
        .headers()
        .get(reqwest::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()?;
    (secs.is_finite() && secs >= 0.0).then(|| Duration::from_secs_f64(secs.min(600.0)))
}

/// A reqwest error's text without the URL, which never carries secrets here but is noise.
pub fn without_url(e: &reqwest::Error) -> String {
    let mut text = e.to_string();
    if let Some(url) = e.url() {
        text = text.replace(&format!(" for url ({url})"), "");
    }
    text
}
