//! The `HttpClient` seam: `MockTransport` answering the generated operations with no server at all
//! (retries, typed errors, streamed bodies, an empty queue), a transport of the user's own wrapping
//! another, the built-in transport's pool settings, and per-call options (`customize`).

use std::sync::{Arc, Mutex};
use std::time::Duration;

use cos_sdk::operation::get_object::GetObjectError;
use cos_sdk::transport::{HttpClient, HttpFuture, MockTransport, PoolSettings};
use cos_sdk::{ByteStream, CallOptions, Client, Config, Credentials, ErrorKind, RetryConfig, RetryMode};
use cos_sdk_tests::fault_server::{FaultServer, Reply};
use cos_sdk_tests::mock_client::client_over;

#[tokio::test]
async fn mock_transport_answers_in_order_and_records_requests() {
    let listing = r#"<?xml version="1.0" encoding="UTF-8"?>
<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>logs</Name><Prefix></Prefix><KeyCount>1</KeyCount>
<MaxKeys>1000</MaxKeys><IsTruncated>false</IsTruncated><Contents><Key>2026/11/29.gz</Key><Size>42</Size></Contents></ListBucketResult>"#;
    let no_such_key = r#"<Error><Code>NoSuchKey</Code><Message>gone</Message><Key>old</Key></Error>"#;
    let mock = MockTransport::new()
        .answer(503, &[], "<Error><Code>SlowDown</Code></Error>")
        .answer(200, &[("content-type", "application/xml")], listing)
        .answer(200, &[("content-length", "11"), ("etag", "\"e\"")], "hello world")
        .answer(404, &[], no_such_key);
    let client = client_over(mock.clone(), RetryConfig::new(RetryMode::Standard).with_max_attempts(3));

    // The 503 is retried: two requests, one listing.
    let listed = client.list_objects_v2().bucket("logs").send().await.unwrap();
    let keys: Vec<_> = listed.contents.unwrap_or_default().into_iter().filter_map(|o| o.key).collect();
    assert_eq!(keys, ["2026/11/29.gz"]);

    let got = client.get_object().bucket("logs").key("2026/11/29.gz").send().await.unwrap();
    assert_eq!(got.e_tag.as_deref(), Some("\"e\""));
    assert_eq!(&got.body.collect().await.unwrap()[..], b"hello world");

    let err = client.get_object().bucket("logs").key("old").send().await.unwrap_err();
    assert!(matches!(err.as_operation_error(), Some(GetObjectError::NoSuchKey(_))), "{err}");

    let sent = mock.requests();
    let lines: Vec<String> = sent.iter().map(|r| format!("{} {}", r.method, r.uri)).collect();
    assert_eq!(
        lines,
        [
            "GET https://s3.example/logs?list-type=2&encoding-type=url",
            "GET https://s3.example/logs?list-type=2&encoding-type=url",
            "GET https://s3.example/logs/2026/11/29.gz",
            "GET https://s3.example/logs/old",
        ]
    );
    assert_eq!(sent[1].headers["amz-sdk-request"], "attempt=2; max=3");
    assert!(sent.iter().all(|r| r.headers["authorization"].to_str().unwrap().starts_with("AWS4-HMAC-SHA256 ")));
    assert_eq!(mock.answers_left(), 0);

    // Nothing left to answer with: a clear error, not a hang, and not retried.
    let err = client.head_bucket().bucket("logs").send().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
    assert!(err.to_string().contains("MockTransport has no answer left for HEAD"), "{err}");
    assert_eq!(mock.requests().len(), 5);
}

#[tokio::test]
async fn mock_transport_records_uploaded_bodies() {
    let mock = MockTransport::new().answer(200, &[], "").answer(200, &[], "");
    let client = client_over(mock.clone(), RetryConfig::disabled());
    let dir = cos_sdk_tests::temp::TempDir::new("mock-body");
    let file = dir.write("data.bin", vec![7u8; 300_000]);
    client.put_object().bucket("b").key("from-file").body(ByteStream::from_path(&file).await.unwrap()).send().await.unwrap();
    client.put_object().bucket("b").key("small").body("tiny").content_type("text/plain").send().await.unwrap();
    let sent = mock.requests();
    assert_eq!(sent[0].body.len(), 300_000);
    assert!(sent[0].body.iter().all(|b| *b == 7));
    assert_eq!(&sent[1].body[..], b"tiny");
    assert_eq!(sent[1].headers["content-type"], "text/plain");
}

/// A transport of the user's own: counts requests and adds a header, then hands over to another.
#[derive(Debug)]
struct Counting {
    inner: MockTransport,
    seen: Arc<Mutex<u32>>,
}

impl HttpClient for Counting {
    fn send(&self, mut request: http::Request<ByteStream>) -> HttpFuture<'_> {
        *self.seen.lock().unwrap() += 1;
        request.headers_mut().insert("x-trace-id", http::HeaderValue::from_static("abc123"));
        self.inner.send(request)
    }
}

#[tokio::test]
async fn a_transport_of_ones_own_wraps_another() {
    let mock = MockTransport::new().answer(200, &[], "");
    let seen = Arc::new(Mutex::new(0));
    let client = client_over(Counting { inner: mock.clone(), seen: seen.clone() }, RetryConfig::disabled());
    client.delete_object().bucket("b").key("k").send().await.unwrap();
    assert_eq!(*seen.lock().unwrap(), 1);
    assert_eq!(mock.requests()[0].headers["x-trace-id"], "abc123");
    assert!(format!("{:?}", client.config()).contains("Counting"));
}

#[tokio::test]
async fn pool_settings_decide_whether_connections_are_reused() {
    for (pool, connections) in [
        (PoolSettings::default(), vec![0, 0, 0]),
        (PoolSettings::default().max_idle_per_host(0), vec![0, 1, 2]),
    ] {
        let server = FaultServer::start(|_, _| Reply::status(200, "")).await;
        let config = Config::builder()
            .endpoint_url(server.url())
            .credentials(Credentials::anonymous())
            .pool(pool)
            .build()
            .unwrap();
        let client = Client::new(&config).unwrap();
        for _ in 0..3 {
            client.head_bucket().bucket("b").send().await.unwrap();
        }
        let used: Vec<usize> = server.requests().iter().map(|r| r.connection).collect();
        assert_eq!(used, connections, "{pool:?}");
    }
}

#[tokio::test]
async fn call_options_add_headers_and_override_retries_and_timeouts() {
    let mock = MockTransport::new()
        .answer(200, &[], "")
        .answer(503, &[], "<Error><Code>SlowDown</Code></Error>")
        .answer(503, &[], "<Error><Code>SlowDown</Code></Error>")
        .answer(200, &[], "");
    let client = client_over(mock.clone(), RetryConfig::new(RetryMode::Standard).with_max_attempts(3));

    // A header of the caller's, signed with the rest; it replaces one the operation would send.
    let options = CallOptions::new().header("x-request-origin", "nightly").header("Content-Type", "text/csv");
    client.put_object().bucket("b").key("k").content_type("text/plain").body("x").customize(options).send().await.unwrap();
    let sent = &mock.requests()[0];
    assert_eq!(sent.headers["x-request-origin"], "nightly");
    assert_eq!(sent.headers["content-type"], "text/csv");
    let authorization = sent.headers["authorization"].to_str().unwrap();
    assert!(authorization.contains("x-request-origin"), "{authorization}");

    // No retries for this call, though the client would retry twice.
    let err = client.head_bucket().bucket("b").customize(CallOptions::new().retry(RetryConfig::disabled())).send().await.unwrap_err();
    assert_eq!(err.service_error().map(|s| s.status()), Some(503), "{err}");
    assert_eq!(mock.requests().len(), 2);
    // The next call has the client's settings again: it retries the 503 and succeeds.
    client.head_bucket().bucket("b").send().await.unwrap();
    assert_eq!(mock.requests().len(), 4);

    // Headers the client sets itself, and malformed ones, fail the call before anything is sent.
    for (options, said) in [
        (CallOptions::new().header("Authorization", "Bearer mine"), "set by the client itself"),
        (CallOptions::new().header("bad header", "v"), "not a valid header name"),
        (CallOptions::new().header("x-ok", "line\nbreak"), "cannot hold"),
    ] {
        let err = client.head_bucket().bucket("b").customize(options).send().await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput, "{err}");
        assert!(err.to_string().contains(said), "{err}");
    }
    assert_eq!(mock.requests().len(), 4);
}

#[tokio::test]
async fn call_options_timeout_bounds_one_call_and_layers_on_a_client() {
    let server = FaultServer::start(|_, _| Reply::Delay(Duration::from_millis(400), Box::new(Reply::status(200, "")))).await;
    let config = Config::builder().endpoint_url(server.url()).credentials(Credentials::anonymous()).build().unwrap();
    let client = Client::new(&config).unwrap();

    let quick = client.with_call_options(CallOptions::new().timeout(Duration::from_millis(50)).header("x-a", "1"));
    let err = quick.head_bucket().bucket("b").send().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Timeout);
    assert!(err.to_string().contains("CallOptions::timeout"), "{err}");

    // Options layer: a later timeout wins, headers add up; the original client is unchanged.
    let patient = quick.with_call_options(CallOptions::new().timeout(Duration::from_secs(5)).header("x-b", "2"));
    patient.head_bucket().bucket("b").send().await.unwrap();
    client.head_bucket().bucket("b").send().await.unwrap();
    let seen = server.requests();
    let last_two: Vec<(Option<&str>, Option<&str>)> = seen[seen.len() - 2..].iter().map(|r| (r.header("x-a"), r.header("x-b"))).collect();
    assert_eq!(last_two, [(Some("1"), Some("2")), (None, None)]);
    assert!(format!("{patient:?}").contains("x-b"));
}
