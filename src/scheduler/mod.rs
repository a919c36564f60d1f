//! The scheduler: cron entries for the full drift scan and for each feed source, evaluated in the
//! configured zone. It sleeps until the next tick or shutdown; a pulled feed takes exactly the
//! path of a POSTed one.

use std::path::PathBuf;
use std::str::FromStr;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use cron::Schedule;
use tokio_util::sync::CancellationToken;

use super::context::Context;
use super::ingest::{ingest, IngestOutcome, IngestRequest};
use super::metrics::SourceLabels;
use super::SourceSettings;
use crate::feed::FeedFormat;
use crate::store::Trigger;

/// What an entry does when it fires.
enum Task {
    Scan,
    Sweep,
    Pull(Box<SourceSettings>),
}

struct Entry {
    schedule: Schedule,
    task: Task,
}

/// A configuration error in a cron expression or zone.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ScheduleError(String);

fn entries(ctx: &Context) -> Result<(Vec<Entry>, Tz), ScheduleError> {
    let reconcile = &ctx.settings.reconcile;
    let zone = Tz::from_str(&reconcile.time_zone).map_err(|_| {
        ScheduleError(format!(
            "reconcile.time_zone {:?} is not an IANA zone",
            reconcile.time_zone
        ))
    })?;
    let parse = |what: &str, expr: &str| {
        Schedule::from_str(expr)
            .map_err(|e| ScheduleError(format!("{what}: {expr:?} is not a cron expression: {e}")))
    };
    let mut list = vec![
        Entry {
            schedule: parse("reconcile.scan_cron", &reconcile.scan_cron)?,
            task: Task::Scan,
        },
        Entry {
            schedule: parse(
                "certifications.sweep_cron",
                &ctx.settings.certifications.sweep_cron,
            )?,
            task: Task::Sweep,
        },
    ];
    for source in &ctx.settings.sources {
        check_source(source)
            .map_err(|e| ScheduleError(format!("source {:?}: {e}", source.name)))?;
        list.push(Entry {
            schedule: parse(&format!("source {:?}", source.name), &source.cron)?,
            task: Task::Pull(Box::new(source.clone())),
        });
    }
    Ok((list, zone))
}

/// What would make every pull of `source` fail, found at start-up instead.
fn check_source(source: &SourceSettings) -> Result<(), String> {
    match (&source.path, &source.url) {
        (Some(path), None) => {
            glob::Pattern::new(path)
                .map_err(|e| format!("path {path:?} is not a valid glob: {e}"))?;
        }
        (None, Some(url)) => {
            let parsed =
                reqwest::Url::parse(url).map_err(|e| format!("url {url:?} is not a URL: {e}"))?;
            if !matches!(parsed.scheme(), "http" | "https") {
                return Err(format!("url {url:?} must be http or https"));
            }
        }
        _ => return Err("give exactly one of path and url".into()),
    }
    if let Some(format) = &source.format {
        format
            .parse::<FeedFormat>()
            .map_err(|e: crate::feed::UnknownFormat| format!("format: {e}"))?;
    }
    if let Some(hours) = source.max_age_hours {
        if !(hours.is_finite() && hours > 0.0) {
            return Err(format!(
                "max_age_hours must be a positive number, got {hours}"
            ));
        }
    }
    Ok(())
}

/// Checks the schedule configuration without running it.
pub fn validate(ctx: &Context) -> Result<(), ScheduleError> {
    entries(ctx).map(|_| ())
}

/// Fires entries until `shutdown`.
pub async fn run(ctx: Arc<Context>, shutdown: CancellationToken) {
    let (entries, zone) = match entries(&ctx) {
        Ok(e) => e,
        Err(e) => {
            tracing::error!(error = %e, "scheduler disabled");
            return;
        }
    };
    let mut after = Utc::now().with_timezone(&zone);
    loop {
        let next: Option<(DateTime<Tz>, Vec<&Entry>)> = entries
            .iter()
            .filter_map(|e| e.schedule.after(&after).next().map(|t| (t, e)))
            .fold(None, |acc, (t, e)| match acc {
                None => Some((t, vec![e])),
                Some((best, mut due)) if t == best => {
                    due.push(e);
                    Some((best, due))
                }
                Some((best, due)) if best < t => Some((best, due)),
                Some(_) => Some((t, vec![e])),
            });
        let Some((at, due)) = next else {
            return;
        };
        let wait = (at.with_timezone(&Utc) - Utc::now())
            .to_std()
            .unwrap_or_default();
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = tokio::time::sleep(wait) => {}
        }
        for entry in due {
            match &entry.task {
                Task::Scan => scan(&ctx).await,
                Task::Sweep => match super::certifications::sweep(&ctx).await {
                    Ok(warnings) => tracing::info!(warnings, "certification sweep done"),
                    Err(e) => tracing::warn!(error = %e, "certification sweep failed"),
                },
                // A slow download must not delay the scans and the other sources.
                Task::Pull(source) => {
                    let (ctx, source) = (ctx.clone(), source.clone());
                    tokio::spawn(async move { pull(&ctx, &source).await });
                }
            }
        }
        after = at;
    }
}

async fn scan(ctx: &Context) {
    match ctx.store.enqueue_job(Trigger::Schedule, None, None).await {
        Ok(job) => {
            ctx.wake.notify_one();
            tracing::info!(job = job.id, "drift scan queued");
        }
        Err(e) => tracing::warn!(error = %e, "cannot queue the drift scan"),
    }
}

#[tracing::instrument(skip_all, fields(source = %source.name))]
async fn pull(ctx: &Context, source: &SourceSettings) {
    let limit = ctx
        .settings
        .server
        .body_limit_mb
        .saturating_mul(1024 * 1024);
    let outcome = match fetch(source, limit).await {
        Ok((body, format)) => ingest(
            ctx,
            IngestRequest {
                body,
                source: source.name.clone(),
                scope: source.scope,
                format,
                idempotency_key: None,
            },
        )
        .await
        .map_err(|e| e.to_string()),
        Err(e) => Err(e),
    };
    match outcome {
        Ok(IngestOutcome::Rejected(feed)) => {
            failed(
                ctx,
                source,
                &format!(
                    "feed {} from source {:?} was rejected; see GET /v1/feeds/{}",
                    feed.id, source.name, feed.id
                ),
            )
            .await
        }
        Ok(_) => tracing::info!("source pulled"),
        Err(e) => failed(ctx, source, &format!("source {:?}: {e}", source.name)).await,
    }
}

async fn failed(ctx: &Context, source: &SourceSettings, error: &str) {
    tracing::warn!(error, "feed source failed; the desired state is unchanged");
    ctx.metrics
        .source_errors
        .get_or_create(&SourceLabels {
            source: source.name.clone(),
        })
        .inc();
    if let Err(e) = ctx.store.record_failed_job(Trigger::Schedule, error).await {
        tracing::warn!(error = %e, "cannot record the source failure");
    }
}

fn format_of(configured: Option<&str>, name: &str) -> Result<FeedFormat, String> {
    if let Some(f) = configured {
        return f
            .parse()
            .map_err(|e: crate::feed::UnknownFormat| e.to_string());
    }
    FeedFormat::from_path(std::path::Path::new(name.split('?').next().unwrap_or(name)))
        .ok_or_else(|| format!("cannot tell the format of {name}; set the source's format"))
}

/// Reads the source: the newest file matching the glob, or the URL.
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
async fn fetch(
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

#[cfg(test)]
mod tests {
    use super::check_source;
    use crate::daemon::config::SourceSettings;
    use crate::domain::FeedScope;

    fn source(path: Option<&str>, url: Option<&str>) -> SourceSettings {
        SourceSettings {
            name: "hr".into(),
            path: path.map(Into::into),
            url: url.map(Into::into),
            bearer_token: None,
            scope: FeedScope::Snapshot,
            format: None,
            cron: "0 0 2 * * *".into(),
            max_age_hours: Some(26.0),
        }
    }

    #[test]
    fn a_source_every_pull_of_which_would_fail_is_refused_with_the_reason() {
        let refused = |s: SourceSettings| check_source(&s).err().unwrap_or_default();
        assert_eq!(check_source(&source(Some("/data/hr-*.csv"), None)), Ok(()));
        assert_eq!(
            check_source(&source(None, Some("https://wfm/x.json"))),
            Ok(())
        );
        assert!(refused(source(None, None)).contains("exactly one of path and url"));
        assert!(refused(source(Some("/d/*.csv"), Some("https://x"))).contains("exactly one"));
        assert!(refused(source(Some("/data/skills-[0-9.csv"), None)).contains("not a valid glob"));
        assert!(refused(source(None, Some("ftp://wfm/x.csv"))).contains("http or https"));
        assert!(refused(source(None, Some("wfm/x.csv"))).contains("is not a URL"));
        let mut xlsx = source(Some("/d/*.xlsx"), None);
        xlsx.format = Some("xlsx".into());
        assert!(refused(xlsx).starts_with("format:"));
        let mut negative = source(Some("/d/*.csv"), None);
        negative.max_age_hours = Some(-1.0);
        assert!(refused(negative).contains("max_age_hours must be a positive number"));
    }
}
