//! TLS against local HTTPS servers whose certificates are made at test time: rejected by default,
//! accepted with their CA bundle given in config or through `AWS_CA_BUNDLE` (added to the default roots),
//! and the roots chosen with `TlsRoots`, the operating system's store included (read from a test CA put
//! in `SSL_CERT_FILE`, in a process of its own since the store is read once per process).

use cos_sdk::OperationMeta;
use cos_sdk::{ByteStream, Client, Config, ConfigBuilder, Credentials, Environment, ErrorKind, RetryConfig, TlsRoots};
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

/// Runs [`trust_anchors_child`] in a new process of this test binary with `SSL_CERT_FILE` naming a file
/// the child fills with its own test CA.
#[test]
fn trust_anchors_native_bundled_and_ca_bundle_only() {
    let dir = TempDir::new("native-store");
    let store = dir.path().join("os-store.pem");
    let output = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["runtime_tls::trust_anchors_child", "--exact", "--ignored", "--test-threads=1", "--nocapture"])
        .env("SSL_CERT_FILE", &store)
        .env_remove("SSL_CERT_DIR")
        .output()
        .unwrap();
    let text = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    assert!(output.status.success() && text.contains("1 passed"), "{text}");
}

/// Not a test of its own: [`trust_anchors_native_bundled_and_ca_bundle_only`] runs it with
/// `SSL_CERT_FILE` set, which must happen before the process first reads the OS store.
#[tokio::test]
#[ignore = "run by trust_anchors_native_bundled_and_ca_bundle_only in a process of its own"]
async fn trust_anchors_child() {
    let store = std::env::var("SSL_CERT_FILE").expect("run by trust_anchors_native_bundled_and_ca_bundle_only");
    // `os` stands for a corporate CA installed on the machine; `private` for one given as a CA bundle.
    let os = TestCa::new();
    let private = TestCa::new();
    std::fs::write(&store, &os.ca_pem).unwrap();
    let os_site = FaultServer::start_tls(|_, _| Reply::status(200, ""), os.server_config()).await;
    let private_site = FaultServer::start_tls(|_, _| Reply::status(200, ""), private.server_config()).await;

    let reaches = |roots: TlsRoots, bundle: Option<&str>, server: &FaultServer| {
        let mut builder = Config::builder()
            .endpoint_url(server.url())
            .credentials(Credentials::anonymous())
            .retry(RetryConfig::disabled())
            .tls_roots(roots);
        if let Some(pem) = bundle {
            builder = builder.ca_bundle_pem(pem.to_string());
        }
        let client = Client::new(&builder.build().unwrap()).unwrap();
        let request = head(server);
        async move {
            match client.invoke(&HEAD_BUCKET, request).await {
                Ok(response) => response.status() == 200,
                Err(e) => {
                    assert!(e.kind() == ErrorKind::Transport && e.to_string().contains("TLS"), "{e}");
                    false
                }
            }
        }
    };
    let bundle = Some(private.ca_pem.as_str());
    // The default reads the OS store, and a CA bundle adds to it.
    assert!(reaches(TlsRoots::Both, None, &os_site).await);
    assert!(!reaches(TlsRoots::Both, None, &private_site).await);
    assert!(reaches(TlsRoots::Both, bundle, &os_site).await);
    assert!(reaches(TlsRoots::Both, bundle, &private_site).await);
    assert!(reaches(TlsRoots::Native, None, &os_site).await);
    // The bundled web roots alone do not know the machine's CA.
    assert!(!reaches(TlsRoots::Bundled, None, &os_site).await);
    assert!(reaches(TlsRoots::Bundled, bundle, &private_site).await);
    // Only the bundle: a site the OS store vouches for is refused.
    assert!(!reaches(TlsRoots::CaBundleOnly, bundle, &os_site).await);
    assert!(reaches(TlsRoots::CaBundleOnly, bundle, &private_site).await);

    let no_bundle = Config::builder()
        .endpoint_url(os_site.url())
        .credentials(Credentials::anonymous())
        .tls_roots(TlsRoots::CaBundleOnly)
        .build()
        .unwrap();
    let err = Client::new(&no_bundle).unwrap_err();
    assert!(err.to_string().contains("TlsRoots::CaBundleOnly") && err.to_string().contains("AWS_CA_BUNDLE"), "{err}");
}

/// With the `http2` feature (on in this crate), a TLS server that offers h2 gets HTTP/2, all requests
/// sharing one connection; servers that offer nothing (the other tests here) get HTTP/1.1.
#[tokio::test]
async fn http2_is_used_when_the_server_offers_it() {
    use std::sync::{Arc, Mutex};
    let ca = TestCa::new();
    let mut tls = (*ca.server_config()).clone();
    tls.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(tls));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let seen: Arc<Mutex<Vec<(usize, http::Version)>>> = Arc::default();
    let recorded = seen.clone();
    tokio::spawn(async move {
        for connection in 0.. {
            let Ok((stream, _)) = listener.accept().await else { return };
            let Ok(stream) = acceptor.accept(stream).await else { continue };
            let recorded = recorded.clone();
            let service = hyper::service::service_fn(move |request: http::Request<hyper::body::Incoming>| {
                recorded.lock().unwrap().push((connection, request.version()));
                async { Ok::<_, std::convert::Infallible>(http::Response::new(http_body_util::Empty::<bytes::Bytes>::new())) }
            });
            tokio::spawn(async move {
                let builder = hyper_util::server::conn::auto::Builder::new(hyper_util::rt::TokioExecutor::new());
                let _ = builder.serve_connection(hyper_util::rt::TokioIo::new(stream), service).await;
            });
        }
    });
    let config = Config::builder()
        .endpoint_url(format!("https://{addr}"))
        .credentials(Credentials::hmac("AKID", "secret"))
        .ca_bundle_pem(ca.ca_pem.clone())
        .build()
        .unwrap();
    let client = Client::new(&config).unwrap();
    let heads = (0..4).map(|_| client.head_bucket().bucket("b").send());
    for result in futures_util::future::join_all(heads).await {
        result.unwrap();
    }
    assert_eq!(*seen.lock().unwrap(), vec![(0, http::Version::HTTP_2); 4]);
}
