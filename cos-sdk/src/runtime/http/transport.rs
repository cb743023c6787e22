//! The HTTP transport: a pooled hyper 1 client over rustls (ring), with connect, header and stall
//! timeouts. It only moves bytes; signing and retries happen in the client.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http_body::{Body, Frame, SizeHint};
use hyper::body::Incoming;
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::{TokioExecutor, TokioTimer};
use rustls_pki_types::CertificateDer;

use crate::runtime::error::{Error, ErrorKind};
use crate::runtime::http::body::{BoxError, ByteStream, Progress};

type HyperClient = hyper_util::client::legacy::Client<HttpsConnector<HttpConnector>, ByteStream>;

/// A pooled HTTP/1.1 client for http and https URLs.
#[derive(Clone)]
pub(crate) struct Transport {
    client: HyperClient,
}

impl fmt::Debug for Transport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Transport")
    }
}

impl Transport {
    /// A transport that trusts `ca_bundle` when given, else the built-in web roots.
    pub(crate) fn new(
        ca_bundle: Option<&[CertificateDer<'static>]>,
        connect_timeout: Option<Duration>,
    ) -> Result<Transport, Error> {
        let mut roots = rustls::RootCertStore::empty();
        match ca_bundle {
            Some(certificates) => {
                for certificate in certificates {
                    roots.add(certificate.clone()).map_err(|e| {
                        Error::invalid_input(format!(
                            "a certificate of the CA bundle cannot be used as a trust anchor ({e}); give CA certificates"
                        ))
                    })?;
                }
            }
            None => roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned()),
        }
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let tls = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| Error::transport(format!("could not set up TLS: {e}")))?
            .with_root_certificates(roots)
            .with_no_client_auth();

        let mut http = HttpConnector::new();
        http.enforce_http(false);
        http.set_nodelay(true);
        http.set_connect_timeout(connect_timeout);
        http.set_keepalive(Some(Duration::from_secs(60)));
        let https = hyper_rustls::HttpsConnectorBuilder::new()
            .with_tls_config(tls)
            .https_or_http()
            .enable_http1()
            .wrap_connector(http);
        let client = hyper_util::client::legacy::Client::builder(TokioExecutor::new())
            .pool_timer(TokioTimer::new())
            .pool_idle_timeout(Duration::from_secs(30))
            .pool_max_idle_per_host(64)
            .build(https);
        Ok(Transport { client })
    }

    /// Sends a request and waits for the response headers. `stall` bounds every wait for progress: a
    /// body that keeps going out never times out however slow it is, but no chunk sent and no answer for
    /// `stall` does.
    pub(crate) async fn send(
        &self,
        mut request: http::Request<ByteStream>,
        stall: Option<Duration>,
    ) -> Result<http::Response<Incoming>, Error> {
        let host = request.uri().authority().map(|a| a.to_string()).unwrap_or_default();
        let progress = Arc::new(Progress::new());
        request.body_mut().watch(progress.clone());
        let mut sending = std::pin::pin!(self.client.request(request));
        let result = match stall {
            None => sending.await,
            Some(limit) => loop {
                // A limit too large to add to the clock never runs out.
                let Some(deadline) = progress.last().checked_add(limit) else { break (&mut sending).await };
                match tokio::time::timeout_at(deadline.into(), &mut sending).await {
                    Ok(result) => break result,
                    Err(_) if progress.last().elapsed() >= limit => {
                        return Err(Error::timeout(format!(
                            "no progress with {host} for {limit:?}: nothing was sent and no response came; \
                             the server may be overloaded, or raise the stall timeout"
                        )))
                    }
                    // A chunk went out while the timer ran: wait again from then.
                    Err(_) => {}
                }
            },
        };
        result.map_err(|e| transport_error(&host, e))
    }
}

/// Describes a hyper client error: connect failures, TLS failures and resets, with the cause chain attached.
fn transport_error(host: &str, e: hyper_util::client::legacy::Error) -> Error {
    let chain = error_chain(&e);
    let timed_out = chain_has_io_kind(&e, std::io::ErrorKind::TimedOut) || chain.contains("timed out");
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

fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut parts = Vec::new();
    let mut current: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = current {
        let text = err.to_string();
        if !parts.contains(&text) {
            parts.push(text);
        }
        current = err.source();
    }
    parts.join(": ")
}

fn chain_has_io_kind(e: &(dyn std::error::Error + 'static), kind: std::io::ErrorKind) -> bool {
    let mut current: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = current {
        if let Some(io) = err.downcast_ref::<std::io::Error>() {
            if io.kind() == kind {
                return true;
            }
        }
        current = err.source();
    }
    false
}

/// A response body that fails with a timeout error when no data arrives for `stall` (a stuck connection).
pub(crate) struct StallGuard {
    inner: Incoming,
    stall: Option<Duration>,
    sleep: Option<Pin<Box<tokio::time::Sleep>>>,
    host: String,
}

impl StallGuard {
    pub(crate) fn new(inner: Incoming, stall: Option<Duration>, host: String) -> StallGuard {
        StallGuard { inner, stall, sleep: None, host }
    }
}

impl Body for StallGuard {
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        let this = self.get_mut();
        match Pin::new(&mut this.inner).poll_frame(cx) {
            Poll::Ready(frame) => {
                this.sleep = None;
                Poll::Ready(frame.map(|r| {
                    r.map_err(|e| {
                        let chain = error_chain(&e);
                        Box::new(Error::new(
                            ErrorKind::Transport,
                            format!("reading the response body from {} failed: {chain}", this.host),
                        )) as BoxError
                    })
                }))
            }
            Poll::Pending => {
                let Some(limit) = this.stall else { return Poll::Pending };
                let sleep = this.sleep.get_or_insert_with(|| Box::pin(tokio::time::sleep(limit)));
                match sleep.as_mut().poll(cx) {
                    Poll::Ready(()) => {
                        this.sleep = None;
                        let error = Error::timeout(format!(
                            "the response body from {} stalled: no data for {limit:?}; retry, or raise the stall timeout",
                            this.host
                        ));
                        Poll::Ready(Some(Err(Box::new(error))))
                    }
                    Poll::Pending => Poll::Pending,
                }
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}
