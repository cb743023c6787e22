//! Through a real HTTP proxy (tinyproxy from Debian, started by `tests/servers/tinyproxy.sh`): https by
//! CONNECT to the embedded TLS S3 server, plain http to s3s and radosgw, the proxy's credentials
//! accepted and refused, `NO_PROXY`, the IAM token request, and proxy secrets kept out of `Debug`, logs
//! and errors. The open proxy's log shows which requests it carried.

use std::time::Duration;

use cos_sdk::{Client, Config, ConfigBuilder, Credentials, Environment, ErrorKind, ProxyConfig, RetryConfig};
use cos_sdk_tests::iam_server::{IamBehavior, IamServer, GOOD_API_KEY};
use cos_sdk_tests::log_capture::LogCapture;
use cos_sdk_tests::s3s_server::{S3sServer, ACCESS_KEY, SECRET_KEY};
use cos_sdk_tests::servers::{self, PROXY_PASSWORD, PROXY_USER};
use cos_sdk_tests::tls::TestCa;

/// A client config for `server` through `proxies`, with the default retries: tinyproxy closes a client
/// connection after each forwarded request without saying so (no `Connection: close`), so a pooled
/// connection can die just as the next request goes out, a transport error that a retry absorbs.
/// Refusals (`ErrorKind::Proxy`) are never retried.
fn config(server: &S3sServer, proxies: ProxyConfig) -> ConfigBuilder {
    Config::builder().endpoint_url(server.url()).credentials(Credentials::hmac(ACCESS_KEY, SECRET_KEY)).proxy(proxies)
}

/// Creates a bucket, writes an object and reads it back through `client`.
async fn round_trip(client: &Client, bucket: &str) {
    client.create_bucket().bucket(bucket).send().await.unwrap();
    client.put_object().bucket(bucket).key("a b+c.txt").body("through the proxy").send().await.unwrap();
    let got = client.get_object().bucket(bucket).key("a b+c.txt").send().await.unwrap();
    assert_eq!(&got.body.collect().await.unwrap()[..], b"through the proxy");
}

#[tokio::test]
async fn https_goes_through_a_connect_tunnel() {
    let Some(proxies) = servers::proxies() else { return };
    let ca = TestCa::new();
    let server = S3sServer::start_tls(ca.server_config()).await;
    let config = config(&server, ProxyConfig::all(&proxies.open).unwrap()).ca_bundle_pem(ca.ca_pem.clone()).build().unwrap();
    round_trip(&Client::new(&config).unwrap(), "tunnelled").await;
    let carried = proxies.carried(&server.authority());
    assert!(!carried.is_empty() && carried.iter().all(|l| l.starts_with("CONNECT ")), "{carried:?}");
}

#[tokio::test]
async fn plain_http_is_forwarded_in_absolute_form() {
    let Some(proxies) = servers::proxies() else { return };
    let server = S3sServer::start().await;
    let config = config(&server, ProxyConfig::all(&proxies.open).unwrap()).build().unwrap();
    round_trip(&Client::new(&config).unwrap(), "forwarded").await;
    let carried = proxies.carried(&server.authority());
    let absolute = format!("PUT http://{}/forwarded/a%20b%2Bc.txt ", server.authority());
    assert!(carried.iter().any(|l| l.starts_with(&absolute)), "{absolute} not in {carried:?}");
}

#[tokio::test]
async fn proxy_credentials_are_sent_and_their_refusal_is_clear() {
    let Some(proxies) = servers::proxies() else { return };
    let ca = TestCa::new();
    let tls = S3sServer::start_tls(ca.server_config()).await;
    let plain = S3sServer::start().await;
    for server in [&tls, &plain] {
        let good = ProxyConfig::all(&proxies.auth_with(PROXY_USER, PROXY_PASSWORD)).unwrap();
        let client = Client::new(&config(server, good).ca_bundle_pem(ca.ca_pem.clone()).build().unwrap()).unwrap();
        round_trip(&client, "authenticated").await;

        for (proxy_url, fix) in [
            (proxies.auth_with(PROXY_USER, "wrong-password-77"), "check them"),
            (proxies.auth.clone(), "put them in the proxy URL"),
        ] {
            let config = config(server, ProxyConfig::all(&proxy_url).unwrap()).ca_bundle_pem(ca.ca_pem.clone()).build().unwrap();
            let err = Client::new(&config).unwrap().list_buckets().send().await.unwrap_err();
            let text = err.to_string();
            assert_eq!(err.kind(), ErrorKind::Proxy, "{server:?}: {text}", server = server.url());
            assert!(text.contains(&format!("the proxy {} refused", proxies.auth)) && text.contains(fix), "{text}");
            assert!(!text.contains("wrong-password-77") && !text.contains(PROXY_USER), "{text}");
        }
    }
}

#[tokio::test]
async fn a_proxy_that_forbids_or_cannot_reach_the_destination_is_named() {
    let Some(proxies) = servers::proxies() else { return };
    let ca = TestCa::new();
    let server = S3sServer::start_tls(ca.server_config()).await;
    // The strict proxy tunnels to port 443 only.
    let config = config(&server, ProxyConfig::all(&proxies.strict).unwrap()).ca_bundle_pem(ca.ca_pem.clone()).build().unwrap();
    let err = Client::new(&config).unwrap().list_buckets().send().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Proxy, "{err}");
    assert!(err.to_string().contains(&format!("the proxy {} refused", proxies.strict)) && err.to_string().contains("403"), "{err}");

    // A destination the proxy cannot reach: tinyproxy answers 500, a failure worth a retry.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    let config = Config::builder()
        .endpoint_url(format!("https://{closed}"))
        .credentials(Credentials::anonymous())
        .retry(RetryConfig::disabled())
        .proxy(ProxyConfig::all(&proxies.open).unwrap())
        .build()
        .unwrap();
    let err = Client::new(&config).unwrap().list_buckets().send().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Transport, "{err}");
    assert!(err.to_string().contains(&format!("the proxy {}: it answered CONNECT {closed} with 500", proxies.open)), "{err}");

    // A proxy that is not there at all.
    let gone = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    let config = Config::builder()
        .endpoint_url(server.url())
        .credentials(Credentials::anonymous())
        .retry(RetryConfig::disabled())
        .proxy(ProxyConfig::all(&format!("http://user:hidden-secret@{gone}")).unwrap())
        .build()
        .unwrap();
    let err = Client::new(&config).unwrap().list_buckets().send().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Transport, "{err}");
    assert!(err.to_string().contains(&format!("the proxy http://{gone}: connecting to it failed")), "{err}");
    assert!(!err.to_string().contains("hidden-secret"), "{err}");
}

#[tokio::test]
async fn no_proxy_and_the_environment() {
    let Some(proxies) = servers::proxies() else { return };
    let server = S3sServer::start().await;
    // The proxy of the environment is used, and NO_PROXY takes hosts out of it; `ProxyConfig::none()`
    // ignores the environment altogether.
    let dead_proxy = format!("http://{}", std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap());
    let env = |vars: &[(&str, &str)]| {
        let mut all = vec![
            ("COS_ENDPOINT".to_string(), server.url()),
            ("AWS_ACCESS_KEY_ID".to_string(), ACCESS_KEY.to_string()),
            ("AWS_SECRET_ACCESS_KEY".to_string(), SECRET_KEY.to_string()),
            ("AWS_MAX_ATTEMPTS".to_string(), "1".to_string()),
        ];
        all.extend(vars.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        Environment::from_vars(all, None)
    };
    let from = |env: &Environment| Client::new(&ConfigBuilder::from_environment(env).unwrap().build().unwrap()).unwrap();

    from(&env(&[("http_proxy", &proxies.open)])).create_bucket().bucket("via-env").send().await.unwrap();
    assert_eq!(proxies.carried(&server.authority()).len(), 1);

    let port = server.authority().rsplit(':').next().unwrap().to_string();
    for no_proxy in ["127.0.0.1", "127.0.0.0/8", &format!("127.0.0.1:{port}"), "*", "localhost,127.0.0.1"] {
        from(&env(&[("HTTP_PROXY", &dead_proxy), ("NO_PROXY", no_proxy)])).list_buckets().send().await.unwrap();
    }
    let wrong_port = format!("127.0.0.1:{}", port.parse::<u16>().unwrap() ^ 1);
    let err = from(&env(&[("HTTP_PROXY", &dead_proxy), ("no_proxy", &wrong_port)])).list_buckets().send().await.unwrap_err();
    assert!(err.to_string().contains(&format!("the proxy {dead_proxy}")), "{err}");

    let explicit = ConfigBuilder::from_environment(&env(&[("HTTP_PROXY", &dead_proxy)])).unwrap().proxy(ProxyConfig::none());
    Client::new(&explicit.build().unwrap()).unwrap().list_buckets().send().await.unwrap();
    assert_eq!(proxies.carried(&server.authority()).len(), 1, "only the first request went through the proxy");
}

#[tokio::test]
async fn the_iam_token_request_goes_through_the_proxy() {
    let Some(proxies) = servers::proxies() else { return };
    let iam = IamServer::start(IamBehavior::Issue { expires_in: 3600, delay: Duration::ZERO }).await;
    let server = S3sServer::start().await;
    let config = Config::builder()
        .endpoint_url(server.url())
        .credentials(Credentials::api_key(GOOD_API_KEY))
        .iam_endpoint(iam.token_url())
        .allow_http(true)
        .retry(RetryConfig::disabled())
        .proxy(ProxyConfig::all(&proxies.open).unwrap())
        .build()
        .unwrap();
    // s3s knows no bearer tokens, so the request itself is refused; the token came through the proxy.
    let _ = Client::new(&config).unwrap().list_buckets().send().await;
    assert_eq!(iam.issued(), 1);
    let iam_authority = iam.token_url().trim_start_matches("http://").split('/').next().unwrap().to_string();
    let carried = proxies.carried(&iam_authority);
    assert!(carried.iter().any(|l| l.starts_with(&format!("POST http://{iam_authority}/identity/token "))), "{carried:?}");
}

#[tokio::test]
async fn radosgw_through_the_proxy() {
    let (Some(proxies), Some(rgw)) = (servers::proxies(), servers::radosgw()) else { return };
    let config = Config::builder()
        .endpoint_url(&rgw.endpoint)
        .credentials(Credentials::hmac(&rgw.access_key, &rgw.secret_key))
        .proxy(ProxyConfig::all(&proxies.auth_with(PROXY_USER, PROXY_PASSWORD)).unwrap())
        .build()
        .unwrap();
    let client = Client::new(&config).unwrap();
    let bucket = servers::unique_bucket("proxied");
    round_trip(&client, &bucket).await;
    client.delete_object().bucket(&bucket).key("a b+c.txt").send().await.unwrap();
    client.delete_bucket().bucket(&bucket).send().await.unwrap();
}

#[tokio::test]
async fn proxy_credentials_stay_out_of_debug_logs_and_errors() {
    let Some(proxies) = servers::proxies() else { return };
    let capture = LogCapture::default();
    let _guard = tracing::subscriber::set_default(capture.clone());
    let server = S3sServer::start().await;
    // base64("cosuser:wrong-secret-42"), as it would appear in a Proxy-Authorization header.
    let secrets = ["wrong-secret-42", "Y29zdXNlcjp3cm9uZy1zZWNyZXQtNDI="];
    let proxy = ProxyConfig::all(&proxies.auth_with(PROXY_USER, secrets[0])).unwrap();
    let config = config(&server, proxy.clone()).build().unwrap();
    let client = Client::new(&config).unwrap();
    let err = client.list_buckets().send().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Proxy, "{err}");

    let texts = [format!("{proxy:?}"), format!("{config:?}"), format!("{client:?}"), err.to_string(), format!("{err:?}"), capture.text()];
    for text in &texts {
        for secret in secrets {
            assert!(!text.contains(secret), "{secret} leaked into: {text}");
        }
    }
    assert!(texts[0].contains("redacted") && texts[1].contains(&proxies.auth), "{}", texts[1]);
}

#[test]
fn proxy_urls_read_from_the_environment_stay_out_of_debug() {
    let env = Environment::from_vars(
        [
            ("COS_ENDPOINT", "https://s3.example"),
            ("AWS_ACCESS_KEY_ID", ACCESS_KEY),
            ("AWS_SECRET_ACCESS_KEY", SECRET_KEY),
            ("HTTPS_PROXY", "http://cosuser:pw-s3cret-7@proxy.example:3128"),
        ],
        None,
    );
    let builder = ConfigBuilder::from_environment(&env).unwrap();
    let text = format!("{builder:?}");
    assert!(!text.contains("pw-s3cret-7"), "the proxy password leaked into: {text}");
    assert!(text.contains("HTTPS_PROXY"), "{text}");
    let config = builder.build().unwrap();
    let text = format!("{config:?}");
    assert!(!text.contains("pw-s3cret-7") && text.contains("proxy.example"), "{text}");
}
