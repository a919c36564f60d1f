//! Start-up checks of `[[sources]]`: what would make every pull of a source fail is refused
//! before the daemon runs. Must not touch the file system or the network.

use super::SourceSettings;
use crate::feed::FeedFormat;

/// What would make every pull of `source` fail, found at start-up instead.
pub fn check_source(source: &SourceSettings) -> Result<(), String> {
    crate::domain::SourceName::parse(&source.name).map_err(|e| format!("name: {e}"))?;
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

#[cfg(test)]
mod tests {
    use super::check_source;
    use crate::domain::FeedScope;
    use crate::feed::sources::SourceSettings;

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
        let mut quoted = source(Some("/data/hr-*.csv"), None);
        quoted.name = "h\"r".into();
        assert!(refused(quoted).starts_with("name: source"));
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
