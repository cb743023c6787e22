//! IAM bearer tokens against the fixture token service: the first fetch, refresh before expiry with the
//! refresh-token grant, one fetch shared by 100 concurrent requests, IAM's error details, a hanging token
//! service, plain-http refusal, and user-supplied tokens and providers.

use std::sync::Arc;
use std::time::{Duration, Instant};

use cos_sdk::credentials::{AccessToken, TokenFuture, TokenProvider};
use cos_sdk::OperationMeta;
use cos_sdk::{ByteStream, Client, Config, Credentials, ErrorKind, RetryConfig, Timeouts};
use cos_sdk_tests::fault_server::{FaultServer, Reply};
use cos_sdk_tests::iam_server::{parse_form, IamBehavior, IamServer, GOOD_API_KEY};

static LIST_BUCKETS: OperationMeta = OperationMeta::new("ListBuckets").instance_id();
static HEAD_OBJECT: OperationMeta = OperationMeta::new("HeadObject");

async fn s3_fixture() -> FaultServer {
    FaultServer::start(|_, _| Reply::status(200, "<ListAllMyBucketsResult/>")).await
}

fn api_key_client(s3: &FaultServer, iam: &IamServer, timeouts: Timeouts) -> Client {
    let config = Config::builder()
        .endpoint_url(s3.url())
        .credentials(Credentials::api_key(GOOD_API_KEY))
        .iam_endpoint(iam.token_url())
        .instance_id("crn:v1:bluemix:public:cloud-object-storage:global:a/123:456::")
        .allow_http(true)
        .timeouts(timeouts)
        .retry(RetryConfig::disabled())
        .build()
        .unwrap();
    Client::new(&config).unwrap()
}

fn get(url: &str) -> http::Request<ByteStream> {
    http::Request::get(format!("{url}/")).body(ByteStream::new()).unwrap()
}

#[tokio::test]
async fn first_fetch_then_cached_token_and_no_sigv4_headers() {
    let iam = IamServer::start(IamBehavior::Issue { expires_in: 3600, delay: Duration::ZERO }).await;
    let s3 = s3_fixture().await;
    let client = api_key_client(&s3, &iam, Timeouts::default());

    for _ in 0..3 {
        let response = client.invoke(&LIST_BUCKETS, get(&s3.url())).await.unwrap();
        assert_eq!(response.status(), 200);
    }
    assert_eq!(iam.issued(), 1, "the token is cached");
    let token_request = &iam.requests()[0];
    let form = parse_form(&token_request.body);
    assert!(form.contains(&("grant_type".into(), "urn:ibm:params:oauth:grant-type:apikey".into())), "{form:?}");
    assert!(form.contains(&("apikey".into(), GOOD_API_KEY.into())), "{form:?}");

    for request in s3.requests() {
        assert_eq!(request.header("authorization"), Some("Bearer token-1"));
        assert_eq!(request.header("x-amz-date"), None);
        assert_eq!(request.header("x-amz-content-sha256"), None);
        assert_eq!(
            request.header("ibm-service-instance-id"),
            Some("crn:v1:bluemix:public:cloud-object-storage:global:a/123:456::")
        );
        assert!(request.header("amz-sdk-invocation-id").is_some());
        assert_eq!(request.header("amz-sdk-request"), Some("attempt=1; max=1"));
        assert!(request.header("user-agent").unwrap().starts_with("cos-sdk-rust/"));
    }

    // Operations without the instance id header do not get it.
    client.invoke(&HEAD_OBJECT, get(&s3.url())).await.unwrap();
    assert_eq!(s3.requests().last().unwrap().header("ibm-service-instance-id"), None);
}

#[tokio::test]
async fn short_lived_token_is_refreshed_with_the_refresh_token_grant() {
    let iam = IamServer::start(IamBehavior::Issue { expires_in: 2, delay: Duration::ZERO }).await;
    let s3 = s3_fixture().await;
    let client = api_key_client(&s3, &iam, Timeouts::default());

    client.invoke(&LIST_BUCKETS, get(&s3.url())).await.unwrap();
    // Past 83% of the 2 s lifetime a refresh is mandatory, although the token has not expired yet.
    tokio::time::sleep(Duration::from_millis(1800)).await;
    client.invoke(&LIST_BUCKETS, get(&s3.url())).await.unwrap();

    assert_eq!(iam.issued(), 2);
    let refresh = parse_form(&iam.requests()[1].body);
    assert!(refresh.contains(&("grant_type".into(), "refresh_token".into())), "{refresh:?}");
    assert!(refresh.contains(&("refresh_token".into(), "refresh-1".into())), "{refresh:?}");
    assert!(refresh.contains(&("response_type".into(), "cloud_iam".into())), "{refresh:?}");
    let tokens: Vec<_> = s3.requests().iter().map(|r| r.header("authorization").unwrap().to_string()).collect();
    assert_eq!(tokens, ["Bearer token-1", "Bearer token-2"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hundred_concurrent_requests_on_a_cold_client_fetch_one_token() {
    let iam = IamServer::start(IamBehavior::Issue { expires_in: 3600, delay: Duration::from_millis(300) }).await;
    let s3 = s3_fixture().await;
    let client = api_key_client(&s3, &iam, Timeouts::default());

    let mut tasks = Vec::new();
    for _ in 0..100 {
        let client = client.clone();
        let url = s3.url();
        tasks.push(tokio::spawn(async move { client.invoke(&LIST_BUCKETS, get(&url)).await.map(|r| r.status()) }));
    }
    for task in tasks {
        assert_eq!(task.await.unwrap().unwrap(), 200);
    }
    assert_eq!(iam.issued(), 1);
    assert_eq!(iam.requests().len(), 1);
    assert_eq!(s3.request_count(), 100);
    assert!(s3.requests().iter().all(|r| r.header("authorization") == Some("Bearer token-1")));
}

#[tokio::test]
async fn iam_error_fields_surface_in_the_error() {
    let iam = IamServer::start(IamBehavior::RejectApiKey).await;
    let s3 = s3_fixture().await;
    let client = api_key_client(&s3, &iam, Timeouts::default());

    let err = client.invoke(&LIST_BUCKETS, get(&s3.url())).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Credentials);
    assert_eq!(err.operation(), Some("ListBuckets"));
    assert_eq!(err.code(), Some("BXNIM0415E"));
    let service = err.service_error().unwrap();
    assert_eq!(service.status(), 400);
    assert_eq!(service.message(), Some("Provided API key could not be found."));
    assert_eq!(service.request_id(), Some("req-iam-0415"));
    let text = err.to_string();
    for expected in ["ListBuckets", "BXNIM0415E", "Provided API key could not be found.", "req-iam-0415", "API key"] {
        assert!(text.contains(expected), "`{expected}` missing from: {text}");
    }
    assert!(!text.contains(GOOD_API_KEY), "the API key leaked: {text}");
    assert_eq!(s3.request_count(), 0, "no request is sent without a token");
}

#[tokio::test]
async fn hanging_token_service_times_out() {
    let iam = IamServer::start(IamBehavior::Hang).await;
    let s3 = s3_fixture().await;
    let timeouts = Timeouts { token: Some(Duration::from_millis(300)), ..Timeouts::default() };
    let client = api_key_client(&s3, &iam, timeouts);

    let started = Instant::now();
    let err = client.invoke(&LIST_BUCKETS, get(&s3.url())).await.unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(5), "took {:?}", started.elapsed());
    assert_eq!(err.kind(), ErrorKind::Timeout, "{err}");
    assert!(err.to_string().contains("IAM"), "{err}");
    assert_eq!(s3.request_count(), 0);
}

#[tokio::test]
async fn bearer_tokens_are_not_sent_over_plain_http_unless_allowed() {
    let s3 = s3_fixture().await;
    let config = Config::builder()
        .endpoint_url(s3.url())
        .credentials(Credentials::bearer_token("static-token-value"))
        .build()
        .unwrap();
    let err = Client::new(&config).unwrap().invoke(&LIST_BUCKETS, get(&s3.url())).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Credentials);
    let text = err.to_string();
    assert!(text.contains("plain http") && text.contains("allow_http") && text.contains("COS_ALLOW_HTTP=1"), "{text}");
    assert!(!text.contains("static-token-value"));
    assert_eq!(s3.request_count(), 0);

    // The API key must not travel to an http IAM endpoint either, however the scheme is written.
    for iam in ["http://127.0.0.1:9/identity/token", "HTTP://127.0.0.1:9/identity/token", "Http://127.0.0.1:9"] {
        let config = Config::builder()
            .endpoint_url("https://s3.example")
            .iam_endpoint(iam)
            .credentials(Credentials::api_key("k"))
            .build()
            .unwrap();
        assert!(Client::new(&config).unwrap_err().to_string().contains("allow_http"), "{iam}");
    }

    let config = Config::builder()
        .endpoint_url(s3.url())
        .credentials(Credentials::bearer_token("static-token-value"))
        .allow_http(true)
        .build()
        .unwrap();
    Client::new(&config).unwrap().invoke(&LIST_BUCKETS, get(&s3.url())).await.unwrap();
    assert_eq!(s3.requests()[0].header("authorization"), Some("Bearer static-token-value"));
}

#[derive(Debug)]
struct CountingProvider {
    calls: std::sync::atomic::AtomicUsize,
    fail: bool,
}

impl TokenProvider for CountingProvider {
    fn token(&self) -> TokenFuture<'_> {
        let n = self.calls.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let fail = self.fail;
        Box::pin(async move {
            if fail {
                Err(cos_sdk::Error::credentials("the company token service is down"))
            } else {
                Ok(AccessToken::new(format!("provided-{n}"), None))
            }
        })
    }
}

#[tokio::test]
async fn token_provider_is_asked_each_attempt_and_its_errors_stop_the_request() {
    let s3 = s3_fixture().await;
    let provider = Arc::new(CountingProvider { calls: Default::default(), fail: false });
    let config = Config::builder()
        .endpoint_url(s3.url())
        .credentials(Credentials::token_provider(provider.clone()))
        .allow_http(true)
        .build()
        .unwrap();
    let client = Client::new(&config).unwrap();
    client.invoke(&LIST_BUCKETS, get(&s3.url())).await.unwrap();
    assert_eq!(s3.requests()[0].header("authorization"), Some("Bearer provided-0"));

    let failing = Arc::new(CountingProvider { calls: Default::default(), fail: true });
    let config = Config::builder()
        .endpoint_url(s3.url())
        .credentials(Credentials::token_provider(failing))
        .allow_http(true)
        .build()
        .unwrap();
    let err = Client::new(&config).unwrap().invoke(&LIST_BUCKETS, get(&s3.url())).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Credentials);
    assert!(err.to_string().contains("company token service is down"), "{err}");
    assert_eq!(s3.request_count(), 1, "the failing provider's request was never sent");
}
