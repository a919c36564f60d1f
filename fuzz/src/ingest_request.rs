//! `POST /v1/feeds` as a whole: an arbitrary query string, headers and body through the same
//! steps as the handler (axum's query extractor, then `skillsync::http::ingest_request`, then the
//! feed reader `ingest` runs). Nothing panics, every refusal is a client error that names the
//! problem, and the feed is judged exactly as `skillsync validate` judges the same bytes.

use std::io::Read;
use std::path::Path;

use axum::body::Bytes;
use axum::extract::Query;
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, Uri};
use skillsync::feed::{self, cli::read_named, FeedError, ValidFeed};
use skillsync::http::{ingest_request, IngestQuery};
use skillsync::ingest::errors_json;

use super::feed_reader::{check_outcome, rules, Verdict};

/// The name of the ingest token the request is sent with (the default source name).
pub const TOKEN: &str = "wfm";

/// One request, decoded from bytes so that a corpus file reads like the request it stands for:
/// the first line is the query string, then `Name: value` header lines up to an empty line, then
/// the body.
#[derive(Debug, Clone, Default)]
pub struct IngestInput {
    /// What follows `?` in the URI.
    pub query: Vec<u8>,
    /// Header names and values, as sent.
    pub headers: Vec<(Vec<u8>, Vec<u8>)>,
    /// The body.
    pub body: Vec<u8>,
}

impl IngestInput {
    /// Decodes a corpus file or fuzz input; any bytes decode to some request.
    pub fn parse(data: &[u8]) -> Self {
        let mut lines = data.split_inclusive(|&b| b == b'\n');
        let mut taken = 0;
        let mut next_line = |taken: &mut usize| {
            lines.next().map(|line| {
                *taken += line.len();
                let line = line.strip_suffix(b"\n").unwrap_or(line);
                line.strip_suffix(b"\r").unwrap_or(line)
            })
        };
        let query = next_line(&mut taken).unwrap_or_default().to_vec();
        let mut headers = Vec::new();
        while let Some(line) = next_line(&mut taken) {
            if line.is_empty() {
                break;
            }
            let colon = line.iter().position(|&b| b == b':').unwrap_or(line.len());
            let value = line.get(colon + 1..).unwrap_or_default();
            let value = value.strip_prefix(b" ").unwrap_or(value);
            headers.push((line[..colon].to_vec(), value.to_vec()));
        }
        let body = data[taken.min(data.len())..].to_vec();
        Self {
            query,
            headers,
            body,
        }
    }

    /// The bytes [`IngestInput::parse`] decodes back to this request (for writing seeds).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = self.query.clone();
        out.push(b'\n');
        for (name, value) in &self.headers {
            out.extend_from_slice(name);
            out.extend_from_slice(b": ");
            out.extend_from_slice(value);
            out.push(b'\n');
        }
        out.push(b'\n');
        out.extend_from_slice(&self.body);
        out
    }
}

/// What became of a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IngestVerdict {
    /// Not an HTTP request a server would hand to the handler (an invalid URI or header).
    NotHttp,
    /// Refused before the feed was read, with this status.
    Refused(StatusCode),
    /// The feed was read: accepted (202/200) or rejected with row errors (422).
    Judged(Verdict),
}

/// Sends `input` through the ingest path and checks the answer.
pub fn check_ingest(input: &IngestInput) -> IngestVerdict {
    let Ok(query) = std::str::from_utf8(&input.query) else {
        return IngestVerdict::NotHttp;
    };
    let Ok(uri) = format!("/v1/feeds?{query}").parse::<Uri>() else {
        return IngestVerdict::NotHttp;
    };
    let query: IngestQuery = match Query::try_from_uri(&uri) {
        Ok(Query(query)) => query,
        Err(rejection) => {
            let status = rejection.status();
            assert!(status.is_client_error(), "query refused with {status}");
            assert!(!rejection.body_text().is_empty(), "a refusal names why");
            return IngestVerdict::Refused(status);
        }
    };
    let mut headers = HeaderMap::new();
    for (name, value) in &input.headers {
        let (Ok(name), Ok(value)) = (HeaderName::from_bytes(name), HeaderValue::from_bytes(value))
        else {
            return IngestVerdict::NotHttp;
        };
        headers.append(name, value);
    }
    let body = Bytes::copy_from_slice(&input.body);
    let request = match ingest_request(TOKEN, &query, &headers, Ok(body)) {
        Ok(request) => request,
        Err(error) => {
            let status = error.status();
            assert!(status.is_client_error(), "refused with {status}: {error:?}");
            assert_ne!(error.code(), "internal");
            assert!(error.message().len() > 10, "{error:?} does not say why");
            return IngestVerdict::Refused(status);
        }
    };
    assert_eq!(request.body, input.body, "the body is ingested as sent");
    if let Some(key) = &request.idempotency_key {
        assert!(
            key.starts_with(&format!("{TOKEN} ")),
            "a key is scoped to its token"
        );
    }
    let source = request.feed_source();
    let ingested = feed::read(&request.body[..], &source, rules());
    let verdict = check_outcome(&ingested, &source.name);
    let validated = read_named(
        Path::new("-"),
        request.scope,
        Some(request.format),
        rules(),
        Trickle(&request.body),
    );
    same_judgement(&ingested, validated);
    IngestVerdict::Judged(verdict)
}

type Named = (feed::FeedSource, Result<ValidFeed, Box<feed::Rejection>>);

/// `skillsync validate` and the ingest endpoint reach the same decision with the same errors.
fn same_judgement(
    ingested: &Result<ValidFeed, FeedError>,
    validated: Result<Named, feed::cli::NamedFeedError>,
) {
    let (_, validated) = match validated {
        Ok(named) => named,
        Err(error) => panic!("validate could not read an in-memory feed: {error}"),
    };
    match (ingested, &validated) {
        (Ok(ingested), Ok(validated)) => assert_eq!(ingested, validated),
        (Err(FeedError::Rejected(ingested)), Err(validated)) => {
            assert_eq!(ingested.errors, validated.errors);
            assert_eq!(ingested.warnings, validated.warnings);
            assert_eq!(errors_json(ingested), errors_json(validated));
        }
        (ingested, validated) => panic!(
            "ingest and validate disagree: ingest {}, validate {}",
            if ingested.is_ok() {
                "accepts"
            } else {
                "rejects"
            },
            if validated.is_ok() {
                "accepts"
            } else {
                "rejects"
            },
        ),
    }
}

/// Standard input as `validate` meets it: in small pieces, so that a reader that misjudges a
/// value split across reads disagrees with the endpoint, which reads the body in one piece.
struct Trickle<'a>(&'a [u8]);

impl Read for Trickle<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = buf.len().min(self.0.len()).min(7);
        buf[..n].copy_from_slice(&self.0[..n]);
        self.0 = &self.0[n..];
        Ok(n)
    }
}
