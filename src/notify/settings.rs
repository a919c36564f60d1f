//! `[webhook]` configuration as people write it (`WebhookSettings`), and its check into a
//! `Target` the sender can use. Declares keys, defaults and rules; sends nothing.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::retry::RetryPolicy;
use crate::domain::Secret;

/// The certification webhook (`[webhook]`); disabled while `url` is empty.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct WebhookSettings {
    /// Where events are POSTed (`http` or `https`); empty disables the webhook. Shown by
    /// `print-config` as its scheme and host only: such URLs often carry a token.
    #[serde(serialize_with = "origin_only")]
    pub url: String,
    /// The HMAC-SHA256 key that signs every request; required when `url` is set.
    pub secret: Secret,
    /// Seconds before one request is abandoned (and retried).
    pub timeout_secs: u64,
    /// Attempts per event, the first included.
    pub max_attempts: u32,
    /// The first wait between attempts, in seconds; it doubles after each failure.
    pub min_backoff_secs: u64,
    /// The longest wait between attempts, in seconds.
    pub max_backoff_secs: u64,
    /// Days before expiry at which an `expiring_soon` event is sent.
    pub warning_days: Vec<u32>,
    /// Events waiting to be sent; when full, new events are dropped and counted.
    pub queue_capacity: usize,
}

/// `url` as `scheme://host[:port]/[redacted]`: the path and query may hold a secret.
fn origin_only<S: serde::Serializer>(url: &str, serializer: S) -> Result<S::Ok, S::Error> {
    if url.is_empty() {
        return serializer.serialize_str("");
    }
    match reqwest::Url::parse(url) {
        Ok(parsed) => serializer.serialize_str(&format!(
            "{}/[redacted]",
            parsed.origin().ascii_serialization()
        )),
        Err(_) => serializer.serialize_str("[redacted]"),
    }
}

impl Default for WebhookSettings {
    fn default() -> Self {
        Self {
            url: String::new(),
            secret: Secret::from(""),
            timeout_secs: 10,
            max_attempts: 8,
            min_backoff_secs: 1,
            max_backoff_secs: 300,
            warning_days: vec![30, 7, 1],
            queue_capacity: 1_024,
        }
    }
}

/// Why the `[webhook]` section cannot be used. Messages never contain the URL, which may carry
/// a token of its own.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WebhookSettingsError {
    /// `url` is not an absolute URL.
    #[error("webhook.url is not a valid URL: {0}")]
    Url(String),
    /// `url` is neither `http` nor `https`.
    #[error("webhook.url must start with http:// or https://, not {0}://")]
    Scheme(String),
    /// `url` is set but `secret` is empty: receivers could not tell our events from forgeries.
    #[error("webhook.secret is required when webhook.url is set")]
    MissingSecret,
    /// A value that must be at least 1 is 0.
    #[error("webhook.{0} must be at least 1")]
    Zero(&'static str),
    /// `min_backoff_secs` exceeds `max_backoff_secs`.
    #[error("webhook.min_backoff_secs ({min}) exceeds webhook.max_backoff_secs ({max})")]
    BackoffOrder {
        /// `min_backoff_secs`.
        min: u64,
        /// `max_backoff_secs`.
        max: u64,
    },
    /// The HTTP client could not be built (no TLS backend).
    #[error("cannot build the webhook HTTP client: {0}")]
    Client(String),
}

/// A checked, enabled webhook.
#[derive(Debug, Clone)]
pub(crate) struct Target {
    pub(crate) url: reqwest::Url,
    pub(crate) secret: Secret,
    pub(crate) policy: RetryPolicy,
    pub(crate) queue_capacity: usize,
}

impl WebhookSettings {
    /// Whether events are sent at all.
    pub fn is_enabled(&self) -> bool {
        !self.url.trim().is_empty()
    }

    /// Checks every key; `Ok` for a disabled webhook whatever the other keys say.
    pub fn validate(&self) -> Result<(), WebhookSettingsError> {
        self.target().map(|_| ())
    }

    /// The checked target, `None` when disabled.
    pub(crate) fn target(&self) -> Result<Option<Target>, WebhookSettingsError> {
        if !self.is_enabled() {
            return Ok(None);
        }
        let url = reqwest::Url::parse(self.url.trim())
            .map_err(|e| WebhookSettingsError::Url(e.to_string()))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(WebhookSettingsError::Scheme(url.scheme().to_owned()));
        }
        if self.secret.expose().is_empty() {
            return Err(WebhookSettingsError::MissingSecret);
        }
        for (key, value) in [
            ("timeout_secs", self.timeout_secs),
            ("max_attempts", u64::from(self.max_attempts)),
            ("queue_capacity", self.queue_capacity as u64),
        ] {
            if value == 0 {
                return Err(WebhookSettingsError::Zero(key));
            }
        }
        if self.warning_days.contains(&0) {
            return Err(WebhookSettingsError::Zero("warning_days"));
        }
        if self.min_backoff_secs > self.max_backoff_secs {
            return Err(WebhookSettingsError::BackoffOrder {
                min: self.min_backoff_secs,
                max: self.max_backoff_secs,
            });
        }
        Ok(Some(Target {
            url,
            secret: self.secret.clone(),
            policy: RetryPolicy {
                timeout: Duration::from_secs(self.timeout_secs),
                max_attempts: self.max_attempts,
                min_backoff: Duration::from_secs(self.min_backoff_secs),
                max_backoff: Duration::from_secs(self.max_backoff_secs),
            },
            queue_capacity: self.queue_capacity,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn enabled() -> WebhookSettings {
        WebhookSettings {
            url: "https://hooks.example.com/skillsync?token=t0ps3cret".into(),
            secret: Secret::from("hunter2"),
            ..WebhookSettings::default()
        }
    }

    #[test]
    fn printed_settings_show_the_urls_origin_only() {
        let shown = toml::to_string(&enabled()).expect("toml");
        assert!(
            shown.contains(r#"url = "https://hooks.example.com/[redacted]""#),
            "{shown}"
        );
        assert!(
            !shown.contains("t0ps3cret") && !shown.contains("hunter2"),
            "{shown}"
        );
        let off = toml::to_string(&WebhookSettings::default()).expect("toml");
        assert!(off.contains(r#"url = """#), "{off}");
    }

    #[test]
    fn the_defaults_are_a_disabled_webhook_with_the_documented_policy() {
        let settings = WebhookSettings::default();
        assert!(!settings.is_enabled());
        assert_eq!(settings.validate(), Ok(()));
        assert_eq!(
            (
                settings.timeout_secs,
                settings.max_attempts,
                settings.min_backoff_secs,
                settings.max_backoff_secs,
                settings.warning_days.as_slice(),
                settings.queue_capacity,
            ),
            (10, 8, 1, 300, [30, 7, 1].as_slice(), 1_024)
        );
    }

    #[test]
    fn a_section_fills_in_missing_keys_and_rejects_unknown_ones() {
        let settings: WebhookSettings =
            toml::from_str("url = \"https://x.example\"\nsecret = \"k\"\nwarning_days = [14]\n")
                .expect("valid section");
        assert_eq!(settings.warning_days, [14]);
        assert_eq!(settings.max_attempts, 8);
        assert_eq!(settings.secret.expose(), "k");
        let err = toml::from_str::<WebhookSettings>("urls = \"https://x.example\"\n")
            .expect_err("unknown key");
        assert!(err.to_string().contains("unknown field `urls`"), "{err}");
    }

    #[test]
    fn the_secret_is_redacted_when_printed_or_debugged() {
        let settings = enabled();
        let printed = toml::to_string(&settings).expect("serializes");
        assert!(printed.contains("secret = \"[redacted]\""), "{printed}");
        assert!(!printed.contains("hunter2"));
        assert!(!format!("{settings:?}").contains("hunter2"));
    }

    #[test]
    fn an_enabled_webhook_needs_a_secret_and_an_http_url() {
        assert_eq!(enabled().validate(), Ok(()));
        let no_secret = WebhookSettings {
            secret: Secret::from(""),
            ..enabled()
        };
        assert_eq!(
            no_secret.validate(),
            Err(WebhookSettingsError::MissingSecret)
        );
        let ftp = WebhookSettings {
            url: "ftp://x.example/".into(),
            ..enabled()
        };
        assert_eq!(
            ftp.validate(),
            Err(WebhookSettingsError::Scheme("ftp".into()))
        );
        let relative = WebhookSettings {
            url: "/hooks/skillsync".into(),
            ..enabled()
        };
        assert!(matches!(
            relative.validate(),
            Err(WebhookSettingsError::Url(_))
        ));
    }

    #[test]
    fn zero_counts_and_inverted_backoff_are_rejected() {
        let cases = [
            (
                WebhookSettings {
                    max_attempts: 0,
                    ..enabled()
                },
                "max_attempts",
            ),
            (
                WebhookSettings {
                    timeout_secs: 0,
                    ..enabled()
                },
                "timeout_secs",
            ),
            (
                WebhookSettings {
                    queue_capacity: 0,
                    ..enabled()
                },
                "queue_capacity",
            ),
            (
                WebhookSettings {
                    warning_days: vec![7, 0],
                    ..enabled()
                },
                "warning_days",
            ),
        ];
        for (settings, key) in cases {
            assert_eq!(settings.validate(), Err(WebhookSettingsError::Zero(key)));
        }
        let inverted = WebhookSettings {
            min_backoff_secs: 10,
            max_backoff_secs: 5,
            ..enabled()
        };
        assert_eq!(
            inverted.validate(),
            Err(WebhookSettingsError::BackoffOrder { min: 10, max: 5 })
        );
    }

    #[test]
    fn an_invalid_url_error_does_not_repeat_the_url() {
        let settings = WebhookSettings {
            url: "https://exa mple.com/?token=t0ps3cret".into(),
            ..enabled()
        };
        let err = settings.validate().expect_err("invalid");
        assert!(!err.to_string().contains("t0ps3cret"), "{err}");
    }
}
