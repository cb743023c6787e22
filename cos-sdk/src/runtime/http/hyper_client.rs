//! The built-in transport: a pooled hyper 1 client over rustls (ring) with connect timeouts, TCP
//! keep-alive, the trust anchors of [`TlsRoots`] and the proxies of [`ProxyConfig`]; HTTP/1.1, and
//! HTTP/2 over TLS with the `http2` feature when the server offers it.

use std::sync::Arc;
use std::time::Duration;

use http::header::PROXY_AUTHORIZATION;
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::{TokioExecutor, TokioTimer};
use rustls_pki_types::CertificateDer;

use crate::runtime::error::{Error, ErrorKind};
use crate::runtime::http::body::ByteStream;
use crate::runtime::http::connector::{ProxyConnector, ProxyError};
use crate::runtime::http::proxy::{credentials_fix, Proxy, ProxyConfig};
use crate::runtime::http::tls::{root_store, TlsRoots};
use crate::runtime::http::transport::{error_chain, HttpClient, HttpFuture};

/// How the built-in transport connects; built by the config.
#[derive(Clone, Debug)]
pub(crate) struct TransportSettings<'a> {
    pub(crate) roots: TlsRoots,
    pub(crate) ca_bundle: &'a [CertificateDer<'static>],
    pub(crate) connect_timeout: Option<Duration>,
    pub(crate) proxies: Arc<ProxyConfig>,
    pub(crate) pool: PoolSettings,
}

/// The connection pool of the built-in transport: `PoolSettings::default().max_idle_per_host(16)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PoolSettings {
    max_idle_per_host: usize,
    idle_timeout: Option<Duration>,
}

impl PoolSettings {
    /// The most idle connections kept per host (default 64); 0 keeps none, so every request connects anew.
    pub fn max_idle_per_host(mut self, count: usize) -> Self {
        self.max_idle_per_host = count;
        self
    }

    /// How long an idle connection is kept before it is closed (default 30 s; `None` keeps it until the
    /// server closes it). Keep it under the server's own idle timeout.
    pub fn idle_timeout(mut self, limit: Option<Duration>) -> Self {
        self.idle_timeout = limit;
        self
    }
}

impl Default for PoolSettings {
    fn default() -> Self {
        PoolSettings { max_idle_per_host: 64, idle_timeout: Some(Duration::from_secs(30)) }
    }
}

/// The pooled hyper client for http and https URLs.
pub(crate) struct HyperClient {
    client: hyper_util::client::legacy::Client<HttpsConnector<ProxyConnector>, ByteStream>,
    proxies: Arc<ProxyConfig>,
}

impl std::fmt::Debug for HyperClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HyperClient").field("proxies", &self.proxies).finish_non_exhaustive()
    }
}

impl HyperClient {
    pub(crate) fn new(settings: TransportSettings<'_>) -> Result<HyperClient, Error> {
        let roots = root_store(settings.roots, settings.ca_bundle)?;
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let tls = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| Error::transport(format!("could not set up TLS: {e}")))?
            .with_root_certificates(roots)
            .with_no_client_auth();

        let mut tcp = HttpConnector::new();
        tcp.enforce_http(false);
        tcp.set_nodelay(true);
        tcp.set_connect_timeout(settings.connect_timeout);
        tcp.set_keepalive(Some(Duration::from_secs(60)));
        let connector = ProxyConnector::new(tcp, settings.proxies.clone(), settings.connect_timeout);
        let https = hyper_rustls::HttpsConnectorBuilder::new().with_tls_config(tls).https_or_http();
        // With the `http2` feature the handshake offers h2 and http/1.1, and the pool uses whichever the
        // server picks; plain http stays HTTP/1.1.
        #[cfg(feature = "http2")]
        let https = https.enable_all_versions().wrap_connector(connector);
        #[cfg(not(feature = "http2"))]
        let https = https.enable_http1().wrap_connector(connector);
        let client = hyper_util::client::legacy::Client::builder(TokioExecutor::new())
            .pool_timer(TokioTimer::new())
            .pool_idle_timeout(settings.pool.idle_timeout)
            .pool_max_idle_per_host(settings.pool.max_idle_per_host)
            .build(https);
        Ok(HyperClient { client, proxies: settings.proxies })
    }
}

impl HttpClient for HyperClient {
    fn send(&self, mut request: http::Request<ByteStream>) -> HttpFuture<'_> {
        Box::pin(async move {
            let host = request.uri().authority().map(|a| a.to_string()).unwrap_or_default();
            // A plain http request through a proxy is the proxy's to read: it carries the proxy's
            // credentials itself (an https request carries them in its CONNECT instead).
            let forward_proxy = match request.uri().scheme_str() {
                Some("http") => self.proxies.proxy_for(request.uri()),
                _ => None,
            };
            if let Some(value) = forward_proxy.and_then(|p| p.authorization()) {
                request.headers_mut().insert(PROXY_AUTHORIZATION, value.clone());
            }
            let response = self.client.request(request).await.map_err(|e| transport_error(&host, e))?;
            if let Some(proxy) = forward_proxy.filter(|p| refused_credentials(p, &response)) {
                return Err(Error::new(
                    ErrorKind::Proxy,
                    format!(
                        "the proxy {} refused: it answered a request for {host} with {}: {}",
                        proxy.url(),
                        response.status().as_u16(),
                        credentials_fix(proxy)
                    ),
                ));
            }
            Ok(response.map(|incoming| ByteStream::from_body(incoming, None)))
        })
    }
}

/// Whether `response`, to a request forwarded through `proxy`, is the proxy refusing its credentials:
/// a 407, or the 401 with `WWW-Authenticate` some proxies (tinyproxy) answer wrong credentials with,
/// which S3 services never send.
fn refused_credentials<B>(proxy: &Proxy, response: &http::Response<B>) -> bool {
    match response.status() {
        http::StatusCode::PROXY_AUTHENTICATION_REQUIRED => true,
        http::StatusCode::UNAUTHORIZED => proxy.has_credentials() && response.headers().contains_key(http::header::WWW_AUTHENTICATE),
        _ => false,
    }
}

/// Describes a hyper client error: a proxy's refusal, connect failures, TLS failures and resets, with
/// the cause chain attached.
fn transport_error(host: &str, e: hyper_util::client::legacy::Error) -> Error {
    if let Some(proxy) = find_cause::<ProxyError>(&e) {
        return Error::new(proxy.kind, format!("could not reach {host}: {}", proxy.message));
    }
    let chain = error_chain(&e);
    let timed_out = find_cause::<std::io::Error>(&e).is_some_and(|io| io.kind() == std::io::ErrorKind::TimedOut)
        || chain.contains("timed out");
    if timed_out {
        return Error::timeout(format!("connecting to {host} timed out; check the endpoint and the network")).with_source(e);
    }
    let message = if chain.contains("certificate") || chain.contains("InvalidCertificate") || chain.contains("tls") {
        format!(
            "TLS with {host} failed: {chain}; if the server uses a private CA, give its bundle with ca_bundle_file or AWS_CA_BUNDLE"
        )
    } else if e.is_connect() {
        format!("could not connect to {host}: {chain}; check the endpoint URL and that the server is reachable")
    } else {
        format!("the connection to {host} failed: {chain}")
    };
    Error::new(ErrorKind::Transport, message)
}

/// The first cause of `e` (itself included) of type `T`.
fn find_cause<'a, T: std::error::Error + 'static>(e: &'a (dyn std::error::Error + 'static)) -> Option<&'a T> {
    let mut current = Some(e);
    while let Some(err) = current {
        if let Some(found) = err.downcast_ref::<T>() {
            return Some(found);
        }
        current = err.source();
    }
    None
}
