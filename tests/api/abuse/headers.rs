//! Malformed and hostile headers, sent as raw bytes (a client library would refuse to send most
//! of them): each must get a 4xx or a closed connection, never a 5xx.

use super::{raw, Target, READ_TOKEN};
use crate::helpers::INGEST_TOKEN;

/// A request line and headers for `path`, with `extra` header lines, and a body.
fn request(method: &str, path: &str, extra: &[&[u8]], body: &[u8]) -> Vec<u8> {
    let mut out = format!("{method} {path} HTTP/1.1\r\nHost: localhost\r\n").into_bytes();
    for line in extra {
        out.extend_from_slice(line);
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"Connection: close\r\n\r\n");
    out.extend_from_slice(body);
    out
}

fn auth(token: &str) -> Vec<u8> {
    format!("Authorization: Bearer {token}").into_bytes()
}

/// (what, raw request, the statuses allowed; None = the server may close without answering).
fn cases() -> Vec<(&'static str, Vec<u8>, &'static [u16])> {
    let ingest = auth(INGEST_TOKEN);
    let csv: &[u8] = b"Content-Type: text/csv";
    let feed = b"agent,type,name,proficiency\nagent00001@example.com,skill,Billing_L1,3\n";
    let big_cookie = format!("Cookie: a={}", "x".repeat(100 * 1024)).into_bytes();
    let huge_cookie = format!("Cookie: a={}", "x".repeat(1024 * 1024)).into_bytes();
    let long_token = auth(&"t".repeat(60 * 1024));
    let many: Vec<Vec<u8>> = (0..200)
        .map(|i| format!("X-Header-{i}: {i}").into_bytes())
        .collect();
    let many_refs: Vec<&[u8]> = many.iter().map(Vec::as_slice).collect();
    let bad_auth: &[&[u8]] = &[
        b"Authorization: Bearer",
        b"Authorization: Bearer ",
        b"Authorization: Bearer  \t ",
        b"Authorization: Basic dGVzdDp0ZXN0",
        b"Authorization: Token test-ingest-token",
        b"Authorization: Bearer test-ingest-token extra",
        b"Authorization: Bearer test-ingest-toke",
        b"Authorization: test-ingest-token",
        b"Authorization: Bearer \xff\xfe\xfd",
        b"Authorization: Bearer test-ingest-token\xc3\xa9",
    ];
    let mut out: Vec<(&'static str, Vec<u8>, &'static [u16])> = Vec::new();
    for line in bad_auth {
        out.push((
            "bad Authorization on a read",
            request("GET", "/v1/jobs", &[line], b""),
            &[401],
        ));
        out.push((
            "bad Authorization on a write",
            request("POST", "/v1/jobs/1/approve", &[line], b""),
            &[401],
        ));
    }
    out.push((
        "two Authorization headers",
        request(
            "GET",
            "/v1/jobs",
            &[&auth("wrong-token-0000000"), &ingest],
            b"",
        ),
        &[200, 401],
    ));
    out.extend([
        (
            "a non-UTF-8 Content-Type",
            request(
                "POST",
                "/v1/feeds",
                &[&ingest, b"Content-Type: text/\xffcsv"],
                feed,
            ),
            &[415][..],
        ),
        (
            "a non-UTF-8 Idempotency-Key",
            request(
                "POST",
                "/v1/feeds",
                &[&ingest, csv, b"Idempotency-Key: k\xff"],
                feed,
            ),
            &[400],
        ),
        (
            "a non-UTF-8 Accept",
            request(
                "GET",
                "/v1/audit",
                &[&auth(READ_TOKEN), b"Accept: \xfftext/csv"],
                b"",
            ),
            &[200],
        ),
        (
            "a non-UTF-8 Host",
            b"GET /healthz HTTP/1.1\r\nHost: \xff\xfe\r\nConnection: close\r\n\r\n".to_vec(),
            &[200, 400],
        ),
        (
            "a NUL in a header value",
            request("GET", "/v1/jobs", &[b"Authorization: Bearer a\0b"], b""),
            &[400],
        ),
        (
            "a header name with a space",
            request("GET", "/healthz", &[b"Bad Name: x"], b""),
            &[400],
        ),
        (
            "a header line without a colon",
            request("GET", "/healthz", &[b"NoColonHere"], b""),
            &[400],
        ),
        (
            "an obsolete folded header",
            request("GET", "/healthz", &[b"X-A: a\r\n  folded"], b""),
            &[200, 400],
        ),
        (
            "a 100 KB cookie",
            request("GET", "/healthz", &[&big_cookie], b""),
            &[431],
        ),
        (
            "a 1 MB cookie",
            request("GET", "/healthz", &[&huge_cookie], b""),
            &[431],
        ),
        (
            "a 60 KB token",
            request("GET", "/v1/jobs", &[&long_token], b""),
            &[401, 431],
        ),
        (
            "200 headers",
            request("GET", "/healthz", &many_refs, b""),
            &[200, 431],
        ),
        (
            "two different Content-Lengths",
            request(
                "POST",
                "/v1/feeds",
                &[&ingest, csv, b"Content-Length: 5", b"Content-Length: 7"],
                b"abcdefg",
            ),
            &[400],
        ),
        (
            "a negative Content-Length",
            request(
                "POST",
                "/v1/feeds",
                &[&ingest, csv, b"Content-Length: -1"],
                b"",
            ),
            &[400],
        ),
        (
            "a Content-Length past u64",
            request(
                "POST",
                "/v1/feeds",
                &[&ingest, csv, b"Content-Length: 99999999999999999999999"],
                b"",
            ),
            &[400],
        ),
        (
            "a 10 GB Content-Length, no body",
            request(
                "POST",
                "/v1/feeds",
                &[&ingest, csv, b"Content-Length: 10000000000"],
                b"",
            ),
            &[413],
        ),
        (
            "Content-Length and a broken chunked encoding",
            request(
                "POST",
                "/v1/feeds",
                &[
                    &ingest,
                    csv,
                    b"Content-Length: 3",
                    b"Transfer-Encoding: chunked",
                ],
                b"zz\r\nabc\r\n0\r\n\r\n",
            ),
            &[400],
        ),
        (
            "an unknown Transfer-Encoding",
            request(
                "POST",
                "/v1/feeds",
                &[&ingest, csv, b"Transfer-Encoding: rot13"],
                b"x",
            ),
            &[400, 501],
        ),
        (
            "a control character in the path",
            b"GET /v1/jobs/\x01 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".to_vec(),
            &[400],
        ),
        (
            "raw non-ASCII bytes in the path",
            b"GET /v1/agents/\xff\xfe HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".to_vec(),
            &[400, 404],
        ),
        (
            "dot segments in the path",
            request("GET", "/v1/feeds/../jobs/./1", &[&ingest], b""),
            &[400, 404],
        ),
        (
            "an absolute-form target",
            request("GET", "http://evil.example/v1/jobs", &[&ingest], b""),
            &[200, 400, 404],
        ),
        (
            "an asterisk target",
            request("OPTIONS", "*", &[], b""),
            &[400, 404, 405],
        ),
        (
            "an unknown HTTP version",
            b"GET /healthz HTTP/9.9\r\nHost: x\r\n\r\n".to_vec(),
            &[400, 505],
        ),
        (
            "garbage",
            b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03 TLS?\r\n\r\n".to_vec(),
            &[400],
        ),
    ]);
    for content_type in [
        &b"Content-Type: text/plain"[..],
        b"Content-Type: application/x-www-form-urlencoded",
        b"Content-Type: multipart/form-data; boundary=x",
        b"Content-Type: text/csvx",
        b"Content-Type: ",
        b"Content-Type: ;;;;",
    ] {
        out.push((
            "a Content-Type that is not a feed format",
            request("POST", "/v1/feeds", &[&ingest, content_type], feed),
            &[415],
        ));
    }
    out
}

/// Sends every case on its own connection.
pub async fn malformed_headers(target: &Target) {
    for (what, bytes, allowed) in cases() {
        let addr = target.addr();
        let status = tokio::task::spawn_blocking(move || raw(&addr, &bytes))
            .await
            .expect("raw request");
        match status {
            Some(status) => {
                target.record(format!("raw: {what}"), status);
                assert!(
                    allowed.contains(&status),
                    "{what}: {status}, expected one of {allowed:?}"
                );
            }
            // A parser error may close the connection without an answer; that is a refusal.
            None => target.record(format!("raw: {what} (closed)"), 0),
        }
    }
}
