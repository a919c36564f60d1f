//! Generated requests to `POST /v1/feeds` through the `ingest_request` check, and the property
//! that `skillsync validate` and the ingest endpoint judge every generated feed alike (the check
//! compares both decisions and all row errors).

use proptest::prelude::*;
use skillsync::feed::FeedFormat;

use crate::checks::{check_ingest, IngestInput, IngestVerdict, Verdict};
use crate::feed_gen;

fn content_type(format: FeedFormat) -> BoxedStrategy<Option<Vec<u8>>> {
    let right = match format {
        FeedFormat::Csv => "text/csv",
        FeedFormat::Json => "application/json",
    };
    prop_oneof![
        8 => Just(Some(right.as_bytes().to_vec())),
        1 => Just(Some(format!(" {} ; charset=utf-8", right.to_uppercase()).into_bytes())),
        1 => Just(None),
        1 => Just(Some(b"application/xml".to_vec())),
        1 => Just(Some(b"text/csv\xff".to_vec())),
    ]
    .boxed()
}

fn query() -> BoxedStrategy<Vec<u8>> {
    prop_oneof![
        6 => Just(String::new()),
        2 => prop_oneof![Just("scope=snapshot"), Just("scope=partial&source=hr.feed-1")]
            .prop_map(str::to_owned),
        1 => Just(format!("source={}", "s".repeat(65))),
        1 => prop_oneof![
            Just("scope=%00"), Just("source=%00"), Just("source=a%20b"), Just("scope=SNAPSHOT"),
            Just("scope=all"), Just("source="), Just("scope=a&scope=b"), Just("%ff=1"),
        ]
        .prop_map(str::to_owned),
        1 => "[ -~]{0,30}",
    ]
    .prop_map(String::into_bytes)
    .boxed()
}

fn idempotency_key() -> BoxedStrategy<Option<Vec<u8>>> {
    prop_oneof![
        6 => Just(None),
        2 => "[!-~]{1,40}".prop_map(|k| Some(k.into_bytes())),
        1 => Just(Some(vec![b'k'; 256])),
        1 => prop_oneof![Just(&b""[..]), Just(&b"a b"[..]), Just(&b"\tkey"[..]), Just(&b"k\x80"[..])]
            .prop_map(|k| Some(k.to_vec())),
    ]
    .boxed()
}

fn encoding() -> BoxedStrategy<Option<Vec<u8>>> {
    prop_oneof![
        8 => Just(None),
        1 => Just(Some(b" Identity ".to_vec())),
        1 => Just(Some(b"gzip".to_vec())),
    ]
    .boxed()
}

fn format() -> impl Strategy<Value = FeedFormat> {
    prop_oneof![Just(FeedFormat::Csv), Just(FeedFormat::Json)]
}

fn request() -> impl Strategy<Value = IngestInput> {
    format().prop_flat_map(|format| {
        (
            query(),
            content_type(format),
            encoding(),
            idempotency_key(),
            feed_gen::body(format),
        )
            .prop_map(|(query, content_type, encoding, key, body)| {
                let headers = [
                    content_type.map(|v| (b"content-type".to_vec(), v)),
                    encoding.map(|v| (b"content-encoding".to_vec(), v)),
                    key.map(|v| (b"idempotency-key".to_vec(), v)),
                ];
                IngestInput {
                    query,
                    headers: headers.into_iter().flatten().collect(),
                    body,
                }
            })
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn generated_requests_pass_the_ingest_check(input in request()) {
        check_ingest(&input);
    }

    #[test]
    fn bytes_decoded_as_requests_pass_the_ingest_check(data in any::<Vec<u8>>()) {
        check_ingest(&IngestInput::parse(&data));
    }

    #[test]
    fn validate_and_the_ingest_endpoint_judge_every_feed_alike(
        (format, body) in format().prop_flat_map(|f| (Just(f), feed_gen::body(f)))
    ) {
        let content_type = match format {
            FeedFormat::Csv => "text/csv",
            FeedFormat::Json => "application/json",
        };
        let input = IngestInput {
            query: b"scope=snapshot".to_vec(),
            headers: vec![(b"content-type".to_vec(), content_type.as_bytes().to_vec())],
            body,
        };
        let verdict = check_ingest(&input);
        // Only a gzip-looking body is refused before the feed is read.
        if !input.body.starts_with(&[0x1f, 0x8b]) {
            prop_assert!(matches!(verdict, IngestVerdict::Judged(_)), "{verdict:?}");
        }
    }
}

#[test]
fn encoded_requests_decode_to_themselves() {
    let input = IngestInput {
        query: b"scope=snapshot".to_vec(),
        headers: vec![(b"content-type".to_vec(), b"text/csv".to_vec())],
        body: b"agent,type,name,proficiency\r\na@example.com,skill,Billing,3\n".to_vec(),
    };
    let decoded = IngestInput::parse(&input.to_bytes());
    assert_eq!(decoded.query, input.query);
    assert_eq!(decoded.headers, input.headers);
    assert_eq!(decoded.body, input.body);
    assert_eq!(
        check_ingest(&decoded),
        IngestVerdict::Judged(Verdict::Accepted)
    );
}
