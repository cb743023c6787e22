//! Secrets never show: not in the trace output of signed, token-authenticated and retried requests (every
//! level captured), and not in `Debug` of requests' headers.

use std::time::Duration;

use cos_sdk::OperationMeta;
use cos_sdk::{ByteStream, Client, Config, Credentials, RetryConfig};
use cos_sdk_tests::fault_server::{FaultServer, Reply};
use cos_sdk_tests::iam_server::{IamBehavior, IamServer, GOOD_API_KEY};
use cos_sdk_tests::log_capture::LogCapture;

static PUT_OBJECT: OperationMeta = OperationMeta::new("PutObject");

#[tokio::test]
async fn traces_carry_spans_but_no_secrets() {
    let capture = LogCapture::default();
    let _guard = tracing::subscriber::set_default(capture.clone());

    let s3 = FaultServer::start(|_, n| if n % 2 == 0 { Reply::s3_error(503, "SlowDown", "slow") } else { Reply::status(200, "") }).await;
    let iam = IamServer::start(IamBehavior::Issue { expires_in: 3600, delay: Duration::ZERO }).await;
    let retry = RetryConfig::default().with_initial_backoff(Duration::from_millis(1));

    let hmac = Config::builder()
        .endpoint_url(s3.url())
        .credentials(Credentials::hmac("AKIDVISIBLE", "hmac-secret-value").with_session_token("session-secret-value"))
        // The SSE-C key below goes to the local server over plain http.
        .allow_http(true)
        .retry(retry)
        .build()
        .unwrap();
    let request = http::Request::put(format!("{}/b/k", s3.url()))
        .header("content-length", 4)
        .header("x-amz-server-side-encryption-customer-algorithm", "AES256")
        .header("x-amz-server-side-encryption-customer-key", "c3NlLWMta2V5LXRoYXQtaXMtc2VjcmV0LTMyYnl0ZXM=")
        .body(ByteStream::from("data"))
        .unwrap();
    Client::new(&hmac).unwrap().invoke(&PUT_OBJECT, request).await.unwrap();

    let iam_config = Config::builder()
        .endpoint_url(s3.url())
        .credentials(Credentials::api_key(GOOD_API_KEY))
        .iam_endpoint(iam.token_url())
        .allow_http(true)
        .retry(retry)
        .build()
        .unwrap();
    let request = http::Request::put(format!("{}/b/k", s3.url())).header("content-length", 4).body(ByteStream::from("data")).unwrap();
    Client::new(&iam_config).unwrap().invoke(&PUT_OBJECT, request).await.unwrap();

    let text = capture.text();
    if std::env::var_os("SHOW_TRACE").is_some() {
        eprintln!("{text}");
    }
    assert!(text.contains("cos_sdk.operation") && text.contains("cos_sdk.attempt"), "{text}");
    assert!(text.contains("PutObject") && text.contains("retrying"), "{text}");
    let signature = s3.requests()[0].header("authorization").unwrap().rsplit("Signature=").next().unwrap().to_string();
    for secret in ["c3NlLWMta2V5LXRoYXQtaXMtc2VjcmV0LTMyYnl0ZXM=", "hmac-secret-value", "session-secret-value", GOOD_API_KEY, "token-1", "refresh-1", signature.as_str()] {
        assert!(!text.contains(secret), "`{secret}` was logged:\n{text}");
    }
}
