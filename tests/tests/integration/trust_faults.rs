//! Trust under hostile or rule-bending servers, each against a scripted server on 127.0.0.1 that plays
//! what no real server here will: a store that ignores `If-Match` and serves parts of a newer object, a
//! copy source that changes mid-copy, oversized answers, a continuation-token cycle, timestamps with
//! multi-byte characters, 503s that outlast the retries, and an IAM service that fails before it answers.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use cos_sdk::transfer::{CopySource, CustomerKey, DownloadSettings, ProgressListener, TransferConfig, TransferManager};
use cos_sdk::{Client, Config, Credentials, ErrorKind, ResponseLimits, RetryConfig};
use cos_sdk_tests::fault_server::{FaultServer, RecordedRequest, Reply};
use cos_sdk_tests::temp::TempDir;

use crate::transfer_proxy::support::{names_in, random_bytes, MIB};

fn client_for(url: &str, retry: RetryConfig) -> Client {
    let config = Config::builder().endpoint_url(url).credentials(Credentials::anonymous()).retry(retry).build().unwrap();
    Client::new(&config).unwrap()
}

fn quick_retries() -> RetryConfig {
    RetryConfig::default().with_initial_backoff(Duration::from_millis(5))
}

fn manager(url: &str) -> TransferManager {
    let config = TransferConfig::builder().multipart_threshold(5 * MIB).part_size(5 * MIB).max_concurrency(2).build().unwrap();
    TransferManager::with_config(client_for(url, quick_retries()), config)
}

fn respond(status: u16, headers: &[(&str, String)], body: impl Into<Bytes>) -> Reply {
    Reply::Respond { status, headers: headers.iter().map(|(k, v)| (k.to_string(), v.clone())).collect(), body: body.into() }
}

/// The `(start, end)` of a `Range: bytes=a-b` header.
fn range_of(request: &RecordedRequest) -> Option<(usize, usize)> {
    let (a, b) = request.header("range")?.strip_prefix("bytes=")?.split_once('-')?;
    Some((a.parse().ok()?, b.parse().ok()?))
}

/// One version of an object a scripted store serves.
#[derive(Clone)]
struct Version {
    etag: &'static str,
    data: Bytes,
}

/// A store that ignores `If-Match`: HEAD and GETs of ranges starting at 0 see `old`, every later GET
/// sees `new` (with the `Content-Range` total of `new`), as if the object was overwritten after the
/// first part.
fn swapping_store(old: Version, new: Version) -> impl Fn(&RecordedRequest, usize) -> Reply + Send + Sync + 'static {
    move |request, _| {
        let head = |v: &Version| vec![("etag", v.etag.to_string()), ("content-length", v.data.len().to_string())];
        match (request.method.as_str(), range_of(request)) {
            ("HEAD", _) => respond(200, &head(&old), Bytes::new()),
            ("GET", Some((start, end))) => {
                let v = if start == 0 { &old } else { &new };
                let end = end.min(v.data.len() - 1);
                let headers = [("etag", v.etag.to_string()), ("content-range", format!("bytes {start}-{end}/{}", v.data.len()))];
                respond(206, &headers, v.data.slice(start..=end))
            }
            ("GET", None) => respond(200, &[("etag", new.etag.to_string())], new.data.clone()),
            _ => Reply::s3_error(400, "Unexpected", "not scripted"),
        }
    }
}

#[tokio::test]
async fn downloads_never_mix_versions_from_a_store_that_ignores_if_match() {
    let size = 12 * MIB as usize;
    let old = Version { etag: "\"v1\"", data: Bytes::from(random_bytes(size, 1)) };
    let cases = [
        ("a newer object of the same size", Version { etag: "\"v2\"", data: Bytes::from(random_bytes(size, 2)) }, "ETag changed"),
        ("a longer object, same ETag", Version { etag: "\"v1\"", data: Bytes::from(random_bytes(size + 7, 3)) }, "size changed"),
    ];
    for (what, new, says) in cases {
        let store = FaultServer::start(swapping_store(old.clone(), new)).await;
        let dir = TempDir::new("trust-mixed");
        let target = dir.path().join("object.bin");
        let error = manager(&store.url()).download_file("b", "k", &target).await.unwrap_err();
        assert_eq!(error.kind(), ErrorKind::Integrity, "{what}: {error}");
        assert!(error.to_string().contains(says) && error.to_string().contains("transfer it again"), "{what}: {error}");
        // Nothing lands: no target, no temporary or state file left to resume from a mixed object.
        assert!(names_in(dir.path()).is_empty(), "{what}: left {:?}", names_in(dir.path()));
        // The object changed: not retried part by part.
        let gets = store.requests().iter().filter(|r| r.method == "GET").count();
        assert!(gets <= 3, "{what}: {gets} GETs; a changed object must not be retried");

        let mut chunks = manager(&store.url()).download_stream("b", "k").into_chunks();
        let error = loop {
            match chunks.next_chunk().await.expect("the stream must end with the error") {
                Ok(_) => continue,
                Err(e) => break e,
            }
        };
        assert_eq!(error.kind(), ErrorKind::Integrity, "{what}, stream: {error}");
    }

    // A single GET (below the multipart threshold) is checked against the HEAD too.
    let small_old = Version { etag: "\"s1\"", data: Bytes::from_static(b"old contents") };
    let small_new = Version { etag: "\"s2\"", data: Bytes::from_static(b"new contents") };
    let store = FaultServer::start(swapping_store(small_old, small_new)).await;
    let dir = TempDir::new("trust-single");
    let error = manager(&store.url()).download_file("b", "k", dir.path().join("small")).await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Integrity, "{error}");
    assert!(names_in(dir.path()).is_empty());
}

#[tokio::test]
async fn an_object_without_etag_or_version_is_read_and_copied_whole() {
    // A store that shows no ETag and no version id: ranges could not be checked to be of one version,
    // so a download is one GET, and a copy one CopyObject, whatever the size.
    let data = Bytes::from(random_bytes(12 * MIB as usize, 6));
    let len = data.len();
    let store = FaultServer::start(move |request, _| match (request.method.as_str(), range_of(request)) {
        ("HEAD", _) => respond(200, &[("content-length", len.to_string())], Bytes::new()),
        ("GET", None) => respond(200, &[("content-length", len.to_string())], data.clone()),
        ("PUT", _) if request.header("x-amz-copy-source").is_some() => {
            respond(200, &[], "<CopyObjectResult><ETag>\"c\"</ETag></CopyObjectResult>")
        }
        _ => Reply::s3_error(400, "Unexpected", "not scripted"),
    })
    .await;
    let dir = TempDir::new("trust-no-etag");
    let target = dir.path().join("t");
    let out = manager(&store.url()).download_file("b", "k", &target).await.unwrap();
    assert_eq!(out.parts, 0, "one GET");
    assert_eq!(std::fs::read(&target).unwrap().len(), len);
    let mut chunks = manager(&store.url()).download_stream("b", "k").into_chunks();
    let mut streamed = 0;
    while let Some(chunk) = chunks.next_chunk().await {
        streamed += chunk.unwrap().len();
    }
    assert_eq!(streamed, len);
    let copied = manager(&store.url()).copy(CopySource::new("b", "k"), "b", "k2").await.unwrap();
    assert_eq!(copied.parts, 0, "one CopyObject");
    let requests = store.requests();
    let uris: Vec<String> = requests.iter().map(|r| r.uri.to_string()).collect();
    assert!(requests.iter().all(|r| r.header("range").is_none()) && uris.iter().all(|u| !u.contains("upload")), "{uris:?}");

    // Past what one CopyObject takes, such a source is not copied at all.
    let huge = (6u64 << 30).to_string();
    let store = FaultServer::start(move |request, _| match request.method.as_str() {
        "HEAD" => respond(200, &[("content-length", huge.clone())], Bytes::new()),
        _ => Reply::s3_error(400, "Unexpected", "not scripted"),
    })
    .await;
    let error = manager(&store.url()).copy(CopySource::new("b", "k"), "b", "k2").await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Integrity, "{error}");
    assert!(error.to_string().contains("without an ETag or a version id"), "{error}");
    assert_eq!(store.requests().len(), 1, "only the HEAD");
}

#[tokio::test]
async fn a_listed_etag_refused_late_costs_one_head_and_counts_no_byte_twice() {
    // The listing said "old"; the first two parts still come as "old", the third as "new" (the object
    // changed mid-way). The download asks HeadObject once and starts over on "new".
    let size = 12 * MIB as usize;
    let data = Bytes::from(random_bytes(size, 7));
    let headed = Arc::new(AtomicUsize::new(0));
    let seen = headed.clone();
    let store = FaultServer::start(move |request, _| {
        let etag = |third: bool| if seen.load(Ordering::SeqCst) > 0 || third { "\"new\"" } else { "\"old\"" };
        match (request.method.as_str(), range_of(request)) {
            ("HEAD", _) => {
                seen.fetch_add(1, Ordering::SeqCst);
                respond(200, &[("etag", "\"new\"".into()), ("content-length", size.to_string())], Bytes::new())
            }
            ("GET", Some((start, end))) => {
                let headers = [("etag", etag(start >= 10 * MIB as usize).to_string()), ("content-range", format!("bytes {start}-{end}/{size}"))];
                respond(206, &headers, data.slice(start..=end))
            }
            _ => Reply::s3_error(400, "Unexpected", "not scripted"),
        }
    })
    .await;
    let dir = TempDir::new("trust-relisted");
    let (listener, mut events) = ProgressListener::channel();
    let target = dir.path().join("t");
    manager(&store.url()).download_file("b", "k", &target).known_object(size as u64, "\"old\"").on_progress(listener).await.unwrap();
    assert_eq!(headed.load(Ordering::SeqCst), 1);
    assert_eq!(std::fs::read(&target).unwrap().len(), size);
    let mut most = 0;
    let mut last = 0;
    while let Ok(p) = events.try_recv() {
        most = most.max(p.bytes_done);
        last = p.bytes_done;
    }
    assert_eq!((most, last), (size as u64, size as u64), "no byte is counted twice");
}

#[tokio::test]
async fn a_range_answered_with_other_bytes_is_an_integrity_error() {
    // Every GET is answered with the first bytes of the object, whatever range was asked for.
    let data = Bytes::from(random_bytes(11 * MIB as usize, 4));
    let len = data.len();
    let store = FaultServer::start(move |request, _| match (request.method.as_str(), range_of(request)) {
        ("HEAD", _) => respond(200, &[("etag", "\"e\"".into()), ("content-length", len.to_string())], Bytes::new()),
        ("GET", Some((start, end))) => {
            let span = end - start;
            respond(206, &[("etag", "\"e\"".into()), ("content-range", format!("bytes 0-{span}/{len}"))], data.slice(0..=span))
        }
        _ => Reply::s3_error(400, "Unexpected", "not scripted"),
    })
    .await;
    let dir = TempDir::new("trust-range");
    let error = manager(&store.url()).download_file("b", "k", dir.path().join("t")).await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Integrity, "{error}");
    assert!(error.to_string().contains("was answered with bytes 0-"), "{error}");
    assert!(!dir.path().join("t").exists());
}

#[tokio::test]
async fn a_multipart_copy_whose_source_changes_is_aborted() {
    let heads = Arc::new(AtomicUsize::new(0));
    let seen_heads = heads.clone();
    let store = FaultServer::start(move |request, _| {
        let query = request.uri.query().unwrap_or("");
        match request.method.as_str() {
            "HEAD" => {
                // The second HEAD, just before CompleteMultipartUpload, sees a new source.
                let etag = if seen_heads.fetch_add(1, Ordering::SeqCst) == 0 { "\"src1\"" } else { "\"src2\"" };
                respond(200, &[("etag", etag.into()), ("content-length", (11 * MIB).to_string())], Bytes::new())
            }
            "POST" if query.contains("uploads") => respond(
                200,
                &[],
                "<InitiateMultipartUploadResult><Bucket>b</Bucket><Key>k</Key><UploadId>up-1</UploadId></InitiateMultipartUploadResult>",
            ),
            "PUT" if query.contains("partNumber") => {
                respond(200, &[], "<CopyPartResult><ETag>\"part\"</ETag></CopyPartResult>")
            }
            "POST" if query.contains("uploadId") => respond(200, &[], "<CompleteMultipartUploadResult><ETag>\"x-3\"</ETag></CompleteMultipartUploadResult>"),
            "DELETE" => respond(204, &[], Bytes::new()),
            _ => Reply::s3_error(400, "Unexpected", "not scripted"),
        }
    })
    .await;
    let error = manager(&store.url()).copy(CopySource::new("src", "k"), "b", "k").await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Integrity, "{error}");
    assert!(error.to_string().contains("ETag changed from \"src1\" to \"src2\""), "{error}");
    let requests = store.requests();
    assert!(requests.iter().any(|r| r.method == "DELETE"), "the upload must be aborted");
    assert!(!requests.iter().any(|r| r.method == "POST" && r.uri.query().unwrap_or("").contains("uploadId")), "never completed");
    // Every part asked the store to pin the source.
    assert!(requests
        .iter()
        .filter(|r| r.uri.query().unwrap_or("").contains("partNumber"))
        .all(|r| r.header("x-amz-copy-source-if-match") == Some("\"src1\"")));
}

#[tokio::test]
async fn service_errors_after_retries_say_how_many_attempts() {
    let store = FaultServer::start(|_, _| Reply::s3_error(503, "SlowDown", "busy")).await;
    let error = client_for(&store.url(), quick_retries()).list_objects_v2().bucket("b").send().await.unwrap_err();
    assert_eq!((error.code(), error.attempts()), (Some("SlowDown"), Some(3)), "{error}");
    assert!(error.to_string().contains("(after 3 attempts)"), "{error}");
    assert_eq!(store.request_count(), 3);
    // One attempt: nothing added.
    let error = client_for(&store.url(), RetryConfig::disabled()).head_bucket().bucket("b").send().await.unwrap_err();
    assert!(error.attempts().is_none() && !error.to_string().contains("attempts"), "{error}");
}

#[tokio::test]
async fn iam_token_fetches_are_retried_and_count_their_attempts() {
    // The token service fails twice (a reset, then a 503) and then answers; the bucket answers 200.
    let store = FaultServer::start(|request, n| match (request.uri.path(), n) {
        ("/identity/token", 0) => Reply::Drop,
        ("/identity/token", 1) => Reply::json(503, serde_json::json!({"errorCode": "BXNIM0999E", "errorMessage": "busy"})),
        ("/identity/token", _) => Reply::json(200, serde_json::json!({"access_token": "tok", "expires_in": 3600})),
        _ => respond(200, &[], Bytes::new()),
    })
    .await;
    let config = |url: &str| {
        Config::builder()
            .endpoint_url(url)
            .iam_endpoint(format!("{url}/identity/token"))
            .credentials(Credentials::api_key("key"))
            .allow_http(true)
            .retry(quick_retries())
            .build()
            .unwrap()
    };
    let client = Client::new(&config(&store.url())).unwrap();
    client.head_bucket().bucket("b").send().await.unwrap();
    let bucket = store.requests().into_iter().find(|r| r.uri.path() == "/b").unwrap();
    assert_eq!(bucket.header("authorization"), Some("Bearer tok"));
    assert_eq!(store.requests().iter().filter(|r| r.uri.path() == "/identity/token").count(), 3);

    // A token service that never recovers: the error says how often it was asked.
    let down = FaultServer::start(|_, _| Reply::json(500, serde_json::json!({"errorCode": "down"}))).await;
    let error = Client::new(&config(&down.url())).unwrap().head_bucket().bucket("b").send().await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Credentials, "{error}");
    assert!(error.to_string().contains("after 3 attempts"), "{error}");
    // A refused key (400) is not retried.
    let refused = FaultServer::start(|_, _| Reply::json(400, serde_json::json!({"errorCode": "BXNIM0415E"}))).await;
    let error = Client::new(&config(&refused.url())).unwrap().head_bucket().bucket("b").send().await.unwrap_err();
    assert!(!error.to_string().contains("attempts"), "{error}");
    assert_eq!(refused.request_count(), 1);
}

#[tokio::test]
async fn oversized_answers_fail_naming_the_limit() {
    let listing = |n: usize| {
        let mut body = String::from("<ListBucketResult><Name>b</Name><IsTruncated>false</IsTruncated>");
        for i in 0..n {
            body.push_str(&format!("<Contents><Key>key-{i:06}</Key><Size>1</Size></Contents>"));
        }
        body.push_str("</ListBucketResult>");
        body
    };
    let big = listing(2_000);
    let store = FaultServer::start(move |request, _| match request.uri.path() {
        // Declares 1 GiB and stalls: refused from the Content-Length, before reading.
        "/declared" => Reply::StallBody { status: 200, content_length: 1 << 30, first: Bytes::from_static(b"<List") },
        "/error" => respond(404, &[], "x".repeat(2 << 20)),
        _ => respond(200, &[], big.clone()),
    })
    .await;
    let limits = ResponseLimits { result_body: 16 * 1024, ..ResponseLimits::default() };
    let config = Config::builder()
        .endpoint_url(store.url())
        .credentials(Credentials::anonymous())
        .retry(RetryConfig::disabled())
        .response_limits(limits)
        .build()
        .unwrap();
    let client = Client::new(&config).unwrap();
    let error = client.list_objects_v2().bucket("listing").send().await.unwrap_err();
    assert!(error.to_string().contains("ResponseLimits::result_body") && error.to_string().contains("16384"), "{error}");

    let default = client_for(&store.url(), RetryConfig::disabled());
    assert_eq!(default.list_objects_v2().bucket("listing").send().await.unwrap().contents.unwrap().len(), 2_000);
    let started = std::time::Instant::now();
    let error = default.list_objects_v2().bucket("declared").send().await.unwrap_err();
    assert!(error.to_string().contains("ResponseLimits::result_body"), "{error}");
    assert!(started.elapsed() < Duration::from_secs(10), "refused from the header, not after a stall");
    // An error body past its limit is dropped; the status still says what happened.
    let error = default.list_objects_v2().bucket("error").send().await.unwrap_err();
    assert_eq!((error.kind(), error.code()), (ErrorKind::Service, Some("NotFound")), "{error}");
    assert_eq!(error.service_error().map(|s| s.status()), Some(404));
}

#[tokio::test]
async fn a_continuation_token_cycle_ends_the_listing_with_an_error() {
    // Pages carry tokens A, B, A, B, ... for ever.
    let store = FaultServer::start(|_, n| {
        let token = if n % 2 == 0 { "A" } else { "B" };
        respond(
            200,
            &[],
            format!(
                "<ListBucketResult><Name>b</Name><IsTruncated>true</IsTruncated><KeyCount>1</KeyCount>\
                 <Contents><Key>k{n}</Key></Contents><NextContinuationToken>{token}</NextContinuationToken></ListBucketResult>"
            ),
        )
    })
    .await;
    let client = client_for(&store.url(), RetryConfig::disabled());
    let mut pages = client.list_objects_v2().bucket("b").into_paginator().send();
    let mut ok = 0;
    let error = loop {
        match tokio::time::timeout(Duration::from_secs(10), pages.next()).await.expect("the listing must end") {
            Some(Ok(_)) => ok += 1,
            Some(Err(e)) => break e,
            None => panic!("the cycle must be an error, not an end"),
        }
    };
    assert_eq!(ok, 2);
    assert!(error.to_string().contains("already returned"), "{error}");
    assert_eq!(store.request_count(), 3);
}

#[tokio::test]
async fn timestamps_with_multibyte_characters_are_errors_not_panics() {
    let store = FaultServer::start(|_, _| {
        respond(
            200,
            &[("last-modified", "Tue, 24 Nov 2026 14:08:0é GMT".into())],
            "<ListBucketResult><Name>b</Name><IsTruncated>false</IsTruncated>\
             <Contents><Key>k</Key><LastModified>2026-11-24T14:08:0éZ</LastModified></Contents></ListBucketResult>",
        )
    })
    .await;
    let client = client_for(&store.url(), RetryConfig::disabled());
    let error = client.list_objects_v2().bucket("b").send().await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::ResponseParse, "{error}");
    assert!(error.to_string().contains("2026-11-24T14:08:0éZ"), "{error}");
}

#[tokio::test]
async fn the_largest_timeouts_saturate_instead_of_overflowing() {
    let store = FaultServer::start(|_, _| respond(200, &[], Bytes::new())).await;
    let max = Some(Duration::MAX);
    let timeouts = cos_sdk::Timeouts { connect: max, attempt: max, operation: max, stall: max, token: max };
    let retry = RetryConfig::disabled();
    let config =
        Config::builder().endpoint_url(store.url()).credentials(Credentials::anonymous()).timeouts(timeouts).retry(retry).build().unwrap();
    let client = Client::new(&config).unwrap();
    // A plain request and one of the operations that wait ten times the stall timeout for their answer.
    client.head_bucket().bucket("b").send().await.unwrap();
    client.put_object().bucket("b").key("k").body(cos_sdk::ByteStream::from("x")).send().await.unwrap();
    let copied = client.copy_object().bucket("b").key("k2").copy_source("b/k").send().await;
    assert!(copied.is_err(), "an empty 200 to CopyObject is an error behind a 200, and it must not panic");
}

#[tokio::test]
async fn early_refusals_send_nothing() {
    let store = FaultServer::start(|_, _| respond(200, &[], Bytes::new())).await;
    let client = client_for(&store.url(), RetryConfig::disabled());
    let key = CustomerKey::new([7u8; 32]);
    let key_base64 = "BwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc=";
    // An SSE-C key never goes over plain http without the opt-in.
    let error = client
        .put_object()
        .bucket("b")
        .key("k")
        .sse_customer_algorithm("AES256")
        .sse_customer_key(key_base64)
        .send()
        .await
        .unwrap_err();
    assert!(error.to_string().contains("SSE-C key") && error.to_string().contains("allow_http"), "{error}");
    let settings = DownloadSettings::new().customer_key(key);
    let error = manager(&store.url()).download_file("b", "k", TempDir::new("ssec").path().join("x")).settings(settings).await;
    assert!(error.unwrap_err().to_string().contains("SSE-C key"));
    // A download onto an existing directory is refused before any request.
    let dir = TempDir::new("trust-dir");
    let error = manager(&store.url()).download_file("b", "reports/k.csv", dir.path()).await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::InvalidInput, "{error}");
    assert!(error.to_string().contains("is a directory") && error.to_string().contains("k.csv"), "{error}");
    // Malformed bucket names.
    for bucket in ["", "a/b", "a..b", "a b", "a#b"] {
        let error = client.get_object().bucket(bucket).key("k").send().await.unwrap_err();
        assert_eq!(error.kind(), ErrorKind::InvalidInput, "{bucket:?}: {error}");
    }
    assert_eq!(store.request_count(), 0, "nothing reached the server");

    // With the opt-in, the key goes.
    let config = Config::builder().endpoint_url(store.url()).credentials(Credentials::anonymous()).allow_http(true).build().unwrap();
    let allowed = Client::new(&config).unwrap();
    allowed.put_object().bucket("b").key("k").sse_customer_algorithm("AES256").sse_customer_key(key_base64).send().await.unwrap();
    assert_eq!(store.request_count(), 1);
}
