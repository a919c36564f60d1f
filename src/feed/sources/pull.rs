//! Pulling one `[[sources]]` entry: the newest file matching a glob, or an HTTP(S) export with
//! a bearer token, refused when older than `max_age_hours` or larger than the body limit. Hands
//! back bytes and a format; must not parse, store or schedule.

use std::path::PathBuf;
use std::time::{Duration, SystemTime};

use super::SourceSettings;
use crate::feed::FeedFormat;

fn format_of(configured: Option<&str>, name: &str) -> Result<FeedFormat, String> {
    if let Some(f) = configured {
        return f
            .parse()
            .map_err(|e: crate::feed::UnknownFormat| e.to_string());
    }
    FeedFormat::from_path(std::path::Path::new(name.split('?').next().unwrap_or(name)))
        .ok_or_else(|| format!("cannot tell the format of {name}; set the source's format"))
}

/// Refuses an export older than the source's `max_age_hours`.
fn check_age(source: &SourceSettings, what: &str, modified: SystemTime) -> Result<(), String> {
    let Some(hours) = source.max_age_hours else {
        return Ok(());
    };
    let age = SystemTime::now()
        .duration_since(modified)
        .unwrap_or_default();
    if age > Duration::try_from_secs_f64(hours * 3600.0).unwrap_or(Duration::MAX) {
        return Err(format!(
            "{what} is {:.1} hours old (max_age_hours = {hours}); a stale export is not applied",
            age.as_secs_f64() / 3600.0
        ));
    }
    Ok(())
}

fn too_large(what: &str, limit: usize) -> String {
    format!(
        "{what} is larger than server.body_limit_mb = {} MB",
        limit / (1024 * 1024)
    )
}

/// Reads the source: the newest file matching the glob, or the URL; at most `limit` bytes.
pub async fn fetch(
    source: &SourceSettings,
    limit: usize,
) -> Result<(bytes::Bytes, FeedFormat), String> {
    if let Some(pattern) = &source.path {
        let newest = newest_match(pattern)?;
        let (path, modified) = newest.ok_or_else(|| format!("no file matches {pattern}"))?;
        let what = format!("the newest file {}", path.display());
        check_age(source, &what, modified)?;
        let size = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
        if size > limit as u64 {
            return Err(too_large(&what, limit));
        }
        let format = format_of(source.format.as_deref(), &path.display().to_string())?;
        let body = tokio::fs::read(&path)
            .await
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        return Ok((body.into(), format));
    }
    let url = source.url.as_deref().unwrap_or_default();
    let mut request = reqwest::Client::new()
        .get(url)
        .timeout(Duration::from_secs(300));
    if let Some(token) = &source.bearer_token {
        request = request.bearer_auth(token.expose());
    }
    let mut response = request
        .send()
        .await
        .map_err(|e| format!("GET {url}: {}", e.without_url()))?;
    if !response.status().is_success() {
        return Err(format!("GET {url}: HTTP {}", response.status()));
    }
    let header = |name| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    if let Some(modified) = header(reqwest::header::LAST_MODIFIED)
        .and_then(|v| chrono::DateTime::parse_from_rfc2822(&v).ok())
    {
        check_age(
            source,
            &format!("the export at {url}"),
            SystemTime::from(modified),
        )?;
    }
    let from_type = header(reqwest::header::CONTENT_TYPE).and_then(|v| {
        if v.contains("json") {
            Some(FeedFormat::Json)
        } else if v.contains("csv") {
            Some(FeedFormat::Csv)
        } else {
            None
        }
    });
    let format = match (source.format.as_deref(), from_type) {
        (None, Some(f)) => f,
        (configured, _) => format_of(configured, url)?,
    };
    let mut body = Vec::new();
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|e| format!("GET {url}: {}", e.without_url()))?
    {
        if body.len() + chunk.len() > limit {
            return Err(too_large(&format!("the export at {url}"), limit));
        }
        body.extend_from_slice(&chunk);
    }
    Ok((body.into(), format))
}

fn newest_match(pattern: &str) -> Result<Option<(PathBuf, SystemTime)>, String> {
    let paths =
        glob::glob(pattern).map_err(|e| format!("path {pattern:?} is not a valid glob: {e}"))?;
    Ok(paths
        .filter_map(Result::ok)
        .filter_map(|p| {
            let modified = std::fs::metadata(&p).and_then(|m| m.modified()).ok()?;
            Some((p, modified))
        })
        .max_by_key(|(_, modified)| *modified))
}
