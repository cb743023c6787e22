//! TLS against a local HTTPS server whose certificate is made at test time: rejected by default, accepted
//! with its CA bundle given in config or through `AWS_CA_BUNDLE`.

use cos_sdk::OperationMeta;
use cos_sdk::{ByteStream, Client, Config, ConfigBuilder, Credentials, Environment, ErrorKind, RetryConfig};
use cos_sdk_tests::fault_server::{FaultServer, Reply};
use cos_sdk_tests::temp::TempDir;
use cos_sdk_tests::tls::TestCa;

static HEAD_BUCKET: OperationMeta = OperationMeta::new("HeadBucket");

fn head(server: &FaultServer) -> http::Request<ByteStream> {
    http::Request::head(format!("{}/bucket", server.url())).body(ByteStream::new()).unwrap()
}

#[tokio::test]
async fn untrusted_certificate_is_rejected_by_default() {
    let ca = TestCa::new();
    let server = FaultServer::start_tls(|_, _| Reply::status(200, ""), ca.server_config()).await;
    let config = Config::builder()
        .endpoint_url(server.url())
        .credentials(Credentials::bearer_token("token-that-must-not-leak"))
        .retry(RetryConfig::disabled())
        .build()
        .unwrap();
    let err = Client::new(&config).unwrap().invoke(&HEAD_BUCKET, head(&server)).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Transport, "{err}");
    let text = err.to_string();
    assert!(text.contains("TLS") && text.contains("AWS_CA_BUNDLE"), "{text}");
    assert!(!text.contains("token-that-must-not-leak"));
    assert_eq!(server.request_count(), 0, "no request got through the failed handshake");
}

#[tokio::test]
async fn certificate_is_accepted_with_its_ca_bundle() {
    let ca = TestCa::new();
    let server = FaultServer::start_tls(|_, _| Reply::status(200, ""), ca.server_config()).await;
    let config = Config::builder()
        .endpoint_url(server.url())
        .credentials(Credentials::bearer_token("over-tls"))
        .ca_bundle_pem(ca.ca_pem.clone())
        .retry(RetryConfig::disabled())
        .build()
        .unwrap();
    let response = Client::new(&config).unwrap().invoke(&HEAD_BUCKET, head(&server)).await.unwrap();
    assert_eq!(response.status(), 200);
    // Over https a bearer token needs no allow_http.
    assert_eq!(server.requests()[0].header("authorization"), Some("Bearer over-tls"));

    // Another CA's bundle does not help.
    let other = TestCa::new();
    let config = Config::builder()
        .endpoint_url(server.url())
        .credentials(Credentials::anonymous())
        .ca_bundle_pem(other.ca_pem.clone())
        .retry(RetryConfig::disabled())
        .build()
        .unwrap();
    let err = Client::new(&config).unwrap().invoke(&HEAD_BUCKET, head(&server)).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Transport, "{err}");
}

#[tokio::test]
async fn ca_bundle_from_the_environment() {
    let ca = TestCa::new();
    let server = FaultServer::start_tls(|_, _| Reply::status(200, ""), ca.server_config()).await;
    let dir = TempDir::new("tls");
    let bundle = dir.write("ca.pem", &ca.ca_pem);
    let env = Environment::from_vars(
        [
            ("COS_ENDPOINT", server.url()),
            ("AWS_CA_BUNDLE", bundle.to_string_lossy().into_owned()),
            ("AWS_ACCESS_KEY_ID", "AKID".to_string()),
            ("AWS_SECRET_ACCESS_KEY", "secret".to_string()),
            ("AWS_MAX_ATTEMPTS", "1".to_string()),
        ],
        Some(dir.path()),
    );
    let config = ConfigBuilder::from_environment(&env).unwrap().build().unwrap();
    let response = Client::new(&config).unwrap().invoke(&HEAD_BUCKET, head(&server)).await.unwrap();
    assert_eq!(response.status(), 200);
    assert!(server.requests()[0].header("authorization").unwrap().starts_with("AWS4-HMAC-SHA256"));
}
