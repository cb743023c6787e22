//! Retries against the fault server: 503 SlowDown, 500, dropped connections, stalled headers and bodies,
//! truncated bodies, a 200 carrying an error, the retry quota, one-shot bodies, and the timeouts.

use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use cos_sdk::OperationMeta;
use cos_sdk::{ByteStream, Client, Config, Credentials, ErrorKind, RetryConfig, RetryMode, Timeouts};
use cos_sdk_tests::fault_server::{FaultServer, RecordedRequest, Reply};
use cos_sdk_tests::temp::TempDir;

static PUT_OBJECT: OperationMeta = OperationMeta::new("PutObject");
static GET_OBJECT: OperationMeta = OperationMeta::new("GetObject").streaming_response();
static HEAD_OBJECT: OperationMeta = OperationMeta::new("HeadObject");
static COPY_OBJECT: OperationMeta = OperationMeta::new("CopyObject").error_in_200().long_running();

const BACKOFF: Duration = Duration::from_millis(40);

fn client_with(server: &FaultServer, retry: RetryConfig, timeouts: Timeouts) -> Client {
    let config = Config::builder()
        .endpoint_url(server.url())
        .credentials(Credentials::hmac("AKID", "secret"))
        .retry(retry)
        .timeouts(timeouts)
        .build()
        .unwrap();
    Client::new(&config).unwrap()
}

fn client(server: &FaultServer) -> Client {
    client_with(server, RetryConfig::default().with_initial_backoff(BACKOFF), Timeouts::default())
}

fn put(server: &FaultServer, body: ByteStream) -> http::Request<ByteStream> {
    let mut builder = http::Request::put(format!("{}/bucket/key", server.url()));
    if let Some(length) = body.content_length() {
        builder = builder.header("content-length", length);
    }
    builder.body(body).unwrap()
}

fn get(server: &FaultServer) -> http::Request<ByteStream> {
    http::Request::get(format!("{}/bucket/key", server.url())).body(ByteStream::new()).unwrap()
}

/// Answers from a script by request number; past its end, the last entry repeats.
fn script(replies: Vec<Reply>) -> impl Fn(&RecordedRequest, usize) -> Reply + Send + Sync + 'static {
    let replies = Arc::new(replies);
    move |_, n| replies[n.min(replies.len() - 1)].clone()
}

#[tokio::test]
async fn slow_down_is_retried_with_backoff_and_attempt_headers() {
    let server = FaultServer::start(script(vec![
        Reply::s3_error(503, "SlowDown", "Please reduce your request rate."),
        Reply::s3_error(503, "SlowDown", "Please reduce your request rate."),
        Reply::status(200, ""),
    ]))
    .await;
    let response = client(&server).invoke(&PUT_OBJECT, put(&server, ByteStream::from("payload"))).await.unwrap();
    assert_eq!(response.status(), 200);

    let requests = server.requests();
    assert_eq!(requests.len(), 3);
    let attempts: Vec<_> = requests.iter().map(|r| r.header("amz-sdk-request").unwrap().to_string()).collect();
    assert_eq!(attempts, ["attempt=1; max=3", "attempt=2; max=3", "attempt=3; max=3"]);
    let ids: Vec<_> = requests.iter().map(|r| r.header("amz-sdk-invocation-id").unwrap().to_string()).collect();
    assert!(ids.iter().all(|id| id == &ids[0]), "one invocation id per operation: {ids:?}");
    assert!(requests.iter().all(|r| r.body == Bytes::from_static(b"payload")), "the body is replayed whole");
    // Every attempt is signed afresh.
    assert!(requests.iter().all(|r| r.header("authorization").is_some_and(|a| a.starts_with("AWS4-HMAC-SHA256"))));

    // Backoff before retry n is below BACKOFF * 2^n (plus scheduling slack).
    let slack = Duration::from_millis(150);
    let first_gap = requests[1].at - requests[0].at;
    let second_gap = requests[2].at - requests[1].at;
    assert!(first_gap <= BACKOFF + slack, "first backoff {first_gap:?}");
    assert!(second_gap <= BACKOFF * 2 + slack, "second backoff {second_gap:?}");
}

#[tokio::test]
async fn persistent_500_is_returned_after_max_attempts() {
    let server = FaultServer::start(script(vec![Reply::s3_error(500, "InternalError", "boom")])).await;
    let response = client(&server).invoke(&PUT_OBJECT, put(&server, ByteStream::from("x"))).await.unwrap();
    assert_eq!(response.status(), 500, "the last answer goes to the parser");
    assert!(String::from_utf8_lossy(response.body().as_bytes().unwrap()).contains("InternalError"));
    assert_eq!(server.request_count(), 3);

    let legacy = client_with(&server, RetryConfig::new(RetryMode::Legacy).with_initial_backoff(Duration::from_millis(1)), Timeouts::default());
    legacy.invoke(&PUT_OBJECT, put(&server, ByteStream::from("x"))).await.unwrap();
    assert_eq!(server.request_count(), 3 + 5, "legacy mode makes 5 attempts");
}

#[tokio::test]
async fn client_errors_are_not_retried() {
    let server = FaultServer::start(script(vec![Reply::s3_error(404, "NoSuchKey", "no such key")])).await;
    let response = client(&server).invoke(&GET_OBJECT, get(&server)).await.unwrap();
    assert_eq!(response.status(), 404);
    assert_eq!(server.request_count(), 1);
    // An error answer of a streaming operation is read into memory, so the parser can read its code.
    assert!(response.body().as_bytes().is_some());
}

#[tokio::test]
async fn dropped_connections_are_retried_then_reported() {
    let server = FaultServer::start(script(vec![Reply::Drop, Reply::status(200, "")])).await;
    let response = client(&server).invoke(&PUT_OBJECT, put(&server, ByteStream::from("x"))).await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(server.request_count(), 2);

    let server = FaultServer::start(script(vec![Reply::Drop])).await;
    let err = client(&server).invoke(&PUT_OBJECT, put(&server, ByteStream::from("x"))).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Transport, "{err}");
    assert_eq!(err.operation(), Some("PutObject"));
    assert!(err.to_string().contains("after 3 attempts"), "{err}");
    assert_eq!(server.request_count(), 3);
}

#[tokio::test]
async fn stalled_headers_and_bodies_time_out_and_are_retried() {
    let timeouts = Timeouts { stall: Some(Duration::from_millis(300)), ..Timeouts::default() };
    let retry = RetryConfig::default().with_initial_backoff(Duration::from_millis(1));

    let server = FaultServer::start(script(vec![
        Reply::Delay(Duration::from_secs(30), Box::new(Reply::status(200, ""))),
        Reply::status(200, "<ok/>"),
    ]))
    .await;
    let started = Instant::now();
    let response = client_with(&server, retry, timeouts).invoke(&HEAD_OBJECT, get(&server)).await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(server.request_count(), 2);
    assert!(started.elapsed() < Duration::from_secs(5));

    let server = FaultServer::start(script(vec![
        Reply::StallBody { status: 200, content_length: 1000, first: Bytes::from_static(b"<partial") },
        Reply::status(200, "<whole/>"),
    ]))
    .await;
    let response = client_with(&server, retry, timeouts).invoke(&HEAD_OBJECT, get(&server)).await.unwrap();
    assert_eq!(response.body().as_bytes().unwrap().as_ref(), b"<whole/>");
    assert_eq!(server.request_count(), 2);

    // A streaming body that stalls after it was handed over fails the read with a timeout.
    let server = FaultServer::start(script(vec![Reply::StallBody {
        status: 200,
        content_length: 1000,
        first: Bytes::from_static(b"first bytes"),
    }]))
    .await;
    let response = client_with(&server, retry, timeouts).invoke(&GET_OBJECT, get(&server)).await.unwrap();
    let err = response.into_body().collect().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Timeout, "{err}");
    assert!(err.to_string().contains("stalled"), "{err}");
}

#[tokio::test]
async fn truncated_bodies_are_never_reported_as_success() {
    let server = FaultServer::start(script(vec![
        Reply::Truncated { status: 200, content_length: 100, body: Bytes::from_static(b"only part") },
        Reply::status(200, "<complete/>"),
    ]))
    .await;
    let response = client(&server).invoke(&HEAD_OBJECT, get(&server)).await.unwrap();
    assert_eq!(response.body().as_bytes().unwrap().as_ref(), b"<complete/>");
    assert_eq!(server.request_count(), 2);

    let server = FaultServer::start(script(vec![Reply::Truncated {
        status: 200,
        content_length: 100,
        body: Bytes::from_static(b"only part"),
    }]))
    .await;
    let response = client(&server).invoke(&GET_OBJECT, get(&server)).await.unwrap();
    assert!(response.into_body().collect().await.is_err(), "a short streaming body is an error");
}

#[tokio::test]
async fn error_in_200_is_retried_and_finally_returned_as_is() {
    let error = "<?xml version=\"1.0\"?><Error><Code>InternalError</Code><Message>copy failed</Message></Error>";
    let server = FaultServer::start(script(vec![
        Reply::status(200, error),
        Reply::status(200, ""),
        Reply::status(200, "<CopyObjectResult><ETag>\"e\"</ETag></CopyObjectResult>"),
    ]))
    .await;
    let response = client(&server).invoke(&COPY_OBJECT, put(&server, ByteStream::new())).await.unwrap();
    assert!(String::from_utf8_lossy(response.body().as_bytes().unwrap()).contains("CopyObjectResult"));
    assert_eq!(server.request_count(), 3);

    let server = FaultServer::start(script(vec![Reply::status(200, error)])).await;
    let response = client(&server).invoke(&COPY_OBJECT, put(&server, ByteStream::new())).await.unwrap();
    assert_eq!(response.status(), 200);
    assert!(String::from_utf8_lossy(response.body().as_bytes().unwrap()).contains("InternalError"));
    assert_eq!(server.request_count(), 3);

    // Operations without the flag take a 200 as it is.
    let server = FaultServer::start(script(vec![Reply::status(200, error)])).await;
    client(&server).invoke(&PUT_OBJECT, put(&server, ByteStream::new())).await.unwrap();
    assert_eq!(server.request_count(), 1);
}

#[tokio::test]
async fn retry_quota_runs_out_and_refills_on_success() {
    let server = FaultServer::start(script(vec![Reply::s3_error(503, "SlowDown", "slow down")])).await;
    let client = client_with(&server, RetryConfig::default().with_initial_backoff(Duration::from_micros(100)), Timeouts::default());
    assert_eq!(client.retry_quota_available(), 500);

    // Each failing operation spends two retries of 5 tokens: 50 operations drain the 500 tokens.
    for _ in 0..50 {
        client.invoke(&PUT_OBJECT, put(&server, ByteStream::from("x"))).await.unwrap();
    }
    assert_eq!(server.request_count(), 150);
    assert_eq!(client.retry_quota_available(), 0);

    // With the quota empty, a failing operation gets a single attempt.
    let response = client.invoke(&PUT_OBJECT, put(&server, ByteStream::from("x"))).await.unwrap();
    assert_eq!(response.status(), 503);
    assert_eq!(server.request_count(), 151);

    // Clones share the quota; a success gives a token back.
    let ok = FaultServer::start(script(vec![Reply::status(200, "")])).await;
    let mut request = put(&ok, ByteStream::from("x"));
    *request.uri_mut() = format!("{}/bucket/key", ok.url()).parse().unwrap();
    client.clone().invoke(&PUT_OBJECT, request).await.unwrap();
    assert_eq!(client.retry_quota_available(), 1);
}

#[tokio::test]
async fn one_shot_bodies_are_not_retried_but_files_are() {
    let server = FaultServer::start(script(vec![
        Reply::s3_error(503, "SlowDown", "slow down"),
        Reply::status(200, ""),
    ]))
    .await;
    let body = ByteStream::from_reader(std::io::Cursor::new(b"streamed once".to_vec()), Some(13));
    let err = client(&server).invoke(&PUT_OBJECT, put(&server, body)).await.unwrap_err();
    let text = err.to_string();
    assert!(text.contains("one-shot stream") && text.contains("SlowDown") && text.contains("PutObject"), "{text}");
    assert_eq!(err.service_error().map(|s| s.status()), Some(503));
    assert_eq!(server.request_count(), 1);

    let server = FaultServer::start(script(vec![Reply::Drop, Reply::status(200, "")])).await;
    let dir = TempDir::new("retry");
    let data: Vec<u8> = (0..150_000u32).map(|i| (i % 241) as u8).collect();
    let path = dir.write("upload.bin", &data);
    let body = ByteStream::from_path(&path).await.unwrap();
    let response = client(&server).invoke(&PUT_OBJECT, put(&server, body)).await.unwrap();
    assert_eq!(response.status(), 200);
    let requests = server.requests();
    assert_eq!(requests.len(), 2);
    assert_eq!(requests[1].body.as_ref(), &data[..], "the file is read again from its start");
    assert_eq!(requests[1].header("x-amz-content-sha256"), Some("UNSIGNED-PAYLOAD"));
}

#[tokio::test]
async fn attempt_and_operation_timeouts() {
    let server = FaultServer::start(script(vec![Reply::Delay(Duration::from_secs(30), Box::new(Reply::status(200, "")))])).await;

    let timeouts = Timeouts { attempt: Some(Duration::from_millis(200)), ..Timeouts::default() };
    let retry = RetryConfig::default().with_initial_backoff(Duration::from_millis(1));
    let started = Instant::now();
    let err = client_with(&server, retry, timeouts).invoke(&PUT_OBJECT, put(&server, ByteStream::from("x"))).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Timeout, "{err}");
    assert_eq!(server.request_count(), 3, "attempt timeouts are retried");
    assert!(started.elapsed() < Duration::from_secs(5));

    let timeouts = Timeouts { operation: Some(Duration::from_millis(300)), ..Timeouts::default() };
    let started = Instant::now();
    let err = client_with(&server, retry, timeouts).invoke(&PUT_OBJECT, put(&server, ByteStream::from("x"))).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Timeout, "{err}");
    assert!(err.to_string().contains("PutObject"), "{err}");
    assert!(started.elapsed() < Duration::from_secs(2));
}

#[tokio::test]
async fn connection_refused_is_a_transport_error() {
    // Bind and drop a listener to get a port nothing listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let config = Config::builder()
        .endpoint_url(format!("http://127.0.0.1:{port}"))
        .credentials(Credentials::anonymous())
        .retry(RetryConfig::default().with_initial_backoff(Duration::from_millis(1)))
        .build()
        .unwrap();
    let request = http::Request::get(format!("http://127.0.0.1:{port}/b")).body(ByteStream::new()).unwrap();
    let err = Client::new(&config).unwrap().invoke(&HEAD_OBJECT, request).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Transport, "{err}");
    assert!(err.to_string().contains("could not connect"), "{err}");
}

#[tokio::test]
async fn adaptive_mode_retries_throttling() {
    let server = FaultServer::start(script(vec![
        Reply::s3_error(503, "SlowDown", "slow down"),
        Reply::status(200, ""),
    ]))
    .await;
    let retry = RetryConfig::new(RetryMode::Adaptive).with_initial_backoff(Duration::from_millis(1));
    let response = client_with(&server, retry, Timeouts::default()).invoke(&HEAD_OBJECT, get(&server)).await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(server.request_count(), 2);
}
