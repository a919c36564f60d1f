//! Where a NICE CXone tenant lives: the login URL and the REST base, either from `base_url`
//! (a simulator or proxy: no discovery) or from the area's discovery document
//! `https://{area}.nice-incontact.com/.well-known/cxone-configuration`. URL building is pure;
//! [`discover`] makes the one discovery call.

use super::wire::Discovery;
use crate::platform::transport::without_url;
use crate::platform::PlatformError;

/// The path of the access-key login below the auth host.
pub const TOKEN_PATH: &str = "/authentication/v1/token/access-key";

/// The two URLs a connector needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoints {
    /// `POST` here mints a token.
    pub token_url: String,
    /// The REST base, `{api}/inContactAPI/services/{version}`, without a trailing slash; call
    /// paths start with `/`.
    pub api_base: String,
}

/// How the endpoints are found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// Known from the configuration (`base_url`).
    Fixed(Endpoints),
    /// To be read from this discovery document, for this API version.
    Discover {
        /// The discovery document's URL.
        url: String,
        /// The checked API version, e.g. `v33.0`.
        api_version: String,
    },
}

/// The endpoints for `api` and `auth` hosts and an API version.
pub fn from_hosts(api: &str, auth: &str, api_version: &str) -> Endpoints {
    let api = api.trim().trim_end_matches('/');
    let auth = auth.trim().trim_end_matches('/');
    Endpoints {
        token_url: format!("{auth}{TOKEN_PATH}"),
        api_base: format!("{api}/inContactAPI/services/{api_version}"),
    }
}

/// `v33.0`, also written `33.0` or `V33`: a `v` and digits with at most one dot.
pub fn check_version(api_version: &str) -> Result<String, String> {
    let v = api_version.trim();
    let digits = v.strip_prefix(['v', 'V']).unwrap_or(v);
    let mut parts = digits.split('.');
    let valid = digits.split('.').count() <= 2
        && parts.all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
    if valid {
        Ok(format!("v{digits}"))
    } else {
        Err(format!(
            "platform.api_version {api_version:?} is not a version such as \"v33.0\""
        ))
    }
}

/// The discovery document of `area` (`na1`, `eu1`, …: letters and digits only).
pub fn discovery_url(area: &str) -> Result<String, String> {
    let area = area.trim().to_ascii_lowercase();
    if area.is_empty() {
        return Err("set platform.area (e.g. \"na1\") or platform.base_url".into());
    }
    if !area.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(format!(
            "platform.area {area:?} must be letters and digits only, e.g. \"na1\""
        ));
    }
    Ok(format!(
        "https://{area}.nice-incontact.com/.well-known/cxone-configuration"
    ))
}

fn check_url(what: &str, url: &str) -> Result<(), String> {
    if url.starts_with("http://") || url.starts_with("https://") {
        Ok(())
    } else {
        Err(format!(
            "{what} {url:?} must start with http:// or https://"
        ))
    }
}

/// The endpoints source for a configuration: `base_url` wins over `area`.
pub fn source(base_url: &str, area: &str, api_version: &str) -> Result<Source, String> {
    let api_version = check_version(api_version)?;
    let base_url = base_url.trim().trim_end_matches('/');
    if !base_url.is_empty() {
        check_url("platform.base_url", base_url)?;
        return Ok(Source::Fixed(from_hosts(base_url, base_url, &api_version)));
    }
    Ok(Source::Discover {
        url: discovery_url(area)?,
        api_version,
    })
}

fn unavailable(last: String) -> PlatformError {
    PlatformError::Unavailable { attempts: 1, last }
}

/// Reads the discovery document at `url` (one attempt; the caller tries again at its next
/// call): a 5xx or connection failure is [`PlatformError::Unavailable`], any other refusal a
/// [`PlatformError::Config`] (an unknown area).
pub async fn discover(
    http: &reqwest::Client,
    url: &str,
    api_version: &str,
) -> Result<Endpoints, PlatformError> {
    let response = http
        .get(url)
        .send()
        .await
        .map_err(|e| unavailable(format!("discovery: {}", without_url(&e))))?;
    let status = response.status();
    let body = response
        .bytes()
        .await
        .map_err(|e| unavailable(format!("discovery: {}", without_url(&e))))?;
    if status.is_server_error() || status.as_u16() == 429 || status.as_u16() == 408 {
        return Err(unavailable(format!("discovery answered HTTP {status}")));
    }
    if !status.is_success() {
        return Err(PlatformError::Config(format!(
            "the discovery document {url} answered HTTP {status}: check platform.area"
        )));
    }
    let found: Discovery = serde_json::from_slice(&body).map_err(|e| PlatformError::Decode {
        path: url.to_string(),
        reason: e.to_string(),
    })?;
    check_url("the discovered api_endpoint", found.api_endpoint.trim())
        .and_then(|()| check_url("the discovered auth_endpoint", found.auth_endpoint.trim()))
        .map_err(PlatformError::Config)?;
    Ok(from_hosts(
        &found.api_endpoint,
        &found.auth_endpoint,
        api_version,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_base_url_skips_discovery() {
        assert_eq!(
            source("http://127.0.0.1:9500/", "na1", "v33.0"),
            Ok(Source::Fixed(Endpoints {
                token_url: "http://127.0.0.1:9500/authentication/v1/token/access-key".into(),
                api_base: "http://127.0.0.1:9500/inContactAPI/services/v33.0".into(),
            }))
        );
        assert!(source("ftp://x", "", "v33.0").is_err());
    }

    #[test]
    fn an_area_names_its_discovery_document() {
        assert_eq!(
            source("", " EU1 ", "33.0"),
            Ok(Source::Discover {
                url: "https://eu1.nice-incontact.com/.well-known/cxone-configuration".into(),
                api_version: "v33.0".into(),
            })
        );
        for bad in ["", "na1.evil.com/x", "na-1", "na1?", "ü1"] {
            assert!(discovery_url(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn versions_are_checked_and_written_with_a_v() {
        assert_eq!(check_version("v33.0").as_deref(), Ok("v33.0"));
        assert_eq!(check_version("V20").as_deref(), Ok("v20"));
        for bad in ["", "v", "v33.", "v3.3.0", "latest", "v33.0/../x"] {
            assert!(check_version(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn discovered_hosts_make_the_urls() {
        assert_eq!(
            from_hosts(
                "https://api-na1.niceincontact.com/",
                "https://na1.nice-incontact.com",
                "v33.0"
            ),
            Endpoints {
                token_url: "https://na1.nice-incontact.com/authentication/v1/token/access-key"
                    .into(),
                api_base: "https://api-na1.niceincontact.com/inContactAPI/services/v33.0".into(),
            }
        );
    }
}
