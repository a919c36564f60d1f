//! Genesys Cloud regions and the API and login hosts they map to. Pure string work: it makes
//! no call.

/// Region names (the SDK's `PureCloudRegionHosts` keys, with hyphens) and their domains.
pub const DOMAINS: &[(&str, &str)] = &[
    ("us-east-1", "mypurecloud.com"),
    ("eu-west-1", "mypurecloud.ie"),
    ("eu-central-1", "mypurecloud.de"),
    ("ap-northeast-1", "mypurecloud.jp"),
    ("ap-southeast-2", "mypurecloud.com.au"),
    ("us-west-2", "usw2.pure.cloud"),
    ("ca-central-1", "cac1.pure.cloud"),
    ("eu-west-2", "euw2.pure.cloud"),
    ("ap-south-1", "aps1.pure.cloud"),
    ("ap-northeast-2", "apne2.pure.cloud"),
    ("sa-east-1", "sae1.pure.cloud"),
    ("me-central-1", "mec1.pure.cloud"),
    ("ap-northeast-3", "apne3.pure.cloud"),
    ("eu-central-2", "euc2.pure.cloud"),
    ("mx-central-1", "mxc1.pure.cloud"),
    ("ap-southeast-1", "apse1.pure.cloud"),
    ("us-east-2", "use2.us-gov-pure.cloud"),
    ("eusc-de-east-1", "edee1.eusc-pure.cloud"),
];

/// The API and login base URLs for a configuration: `base_url` wins over `region`.
///
/// `region` may be a region name (`eu-central-1` or the SDK's `eu_central_1`) or a domain
/// (`mypurecloud.de`). For a base URL,
/// the login host is the same URL with `api.` replaced by `login.`; without `api.` in it (a
/// simulator or proxy) login happens on the same host, as the official SDK does.
pub fn hosts(region: &str, base_url: &str) -> Result<(String, String), String> {
    let base_url = base_url.trim().trim_end_matches('/');
    if !base_url.is_empty() {
        if !(base_url.starts_with("http://") || base_url.starts_with("https://")) {
            return Err(format!(
                "base_url {base_url:?} must start with http:// or https://"
            ));
        }
        let login = if base_url.contains("://api.") {
            base_url.replacen("://api.", "://login.", 1)
        } else {
            base_url.to_string()
        };
        return Ok((base_url.to_string(), login));
    }
    let region = region.trim().to_ascii_lowercase().replace('_', "-");
    let domain = DOMAINS
        .iter()
        .find(|(name, domain)| *name == region || *domain == region)
        .map(|(_, domain)| *domain)
        .ok_or_else(|| {
            let known: Vec<&str> = DOMAINS.iter().map(|(name, _)| *name).collect();
            format!(
                "unknown Genesys Cloud region {region:?}; known: {}",
                known.join(", ")
            )
        })?;
    Ok((
        format!("https://api.{domain}"),
        format!("https://login.{domain}"),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_region_name_or_domain_maps_to_api_and_login_hosts() {
        let expected = (
            "https://api.mypurecloud.de".to_string(),
            "https://login.mypurecloud.de".to_string(),
        );
        assert_eq!(hosts("eu-central-1", ""), Ok(expected.clone()));
        assert_eq!(hosts("eu_central_1", ""), Ok(expected.clone()));
        assert_eq!(hosts("mypurecloud.de", ""), Ok(expected));
        assert!(hosts("mars-1", "").is_err_and(|e| e.contains("eu-central-1")));
    }

    #[test]
    fn a_base_url_overrides_the_region_and_logs_in_on_the_same_host_without_api() {
        assert_eq!(
            hosts("eu-central-1", "http://127.0.0.1:9400/"),
            Ok((
                "http://127.0.0.1:9400".into(),
                "http://127.0.0.1:9400".into()
            ))
        );
        assert_eq!(
            hosts("", "https://api.example.test").map(|(_, login)| login),
            Ok("https://login.example.test".into())
        );
        assert!(hosts("", "ftp://x").is_err());
    }
}
