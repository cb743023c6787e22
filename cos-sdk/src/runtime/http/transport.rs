//! The seam between the client and the network: the [`HttpClient`] trait every transport implements
//! (the built-in hyper client, [`crate::transport::MockTransport`], or one of the user's), and the stall
//! rule the client applies to any of them. Signing, retries and timeouts stay in the client.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http_body::{Body, Frame, SizeHint};

use crate::runtime::error::{Error, ErrorKind};
use crate::runtime::http::body::{BoxError, ByteStream, Progress};

/// What [`HttpClient::send`] returns: the answer's head with its body still streaming.
pub type HttpFuture<'a> = Pin<Box<dyn Future<Output = Result<http::Response<ByteStream>, Error>> + Send + 'a>>;

/// Sends one HTTP request and returns the response as soon as its head has arrived.
///
/// The client calls it once per attempt with a request that is complete: signed, with its `Host`
/// header, and with an absolute URI. An implementation moves bytes and nothing more: it must not retry
/// or follow redirects, since the client decides those. Report failures with [`Error::transport`]
/// (retried) or [`Error::timeout`]; any HTTP status is a response, not an error.
///
/// Give one to [`crate::ConfigBuilder::http_client`]; the default is a pooled hyper client over rustls.
/// [`crate::transport::MockTransport`] implements it for tests.
pub trait HttpClient: fmt::Debug + Send + Sync + 'static {
    /// Sends `request`; resolves to the response once its head has been read.
    fn send(&self, request: http::Request<ByteStream>) -> HttpFuture<'_>;
}

impl<T: HttpClient + ?Sized> HttpClient for Arc<T> {
    fn send(&self, request: http::Request<ByteStream>) -> HttpFuture<'_> {
        (**self).send(request)
    }
}

/// Sends `request` through `client`. `stall` bounds every wait for progress: a body that keeps going
/// out never times out however slow it is, but nothing sent and no answer for `stall` does.
pub(crate) async fn send_watched(
    client: &Arc<dyn HttpClient>,
    mut request: http::Request<ByteStream>,
    stall: Option<Duration>,
) -> Result<http::Response<ByteStream>, Error> {
    let host = request.uri().authority().map(|a| a.to_string()).unwrap_or_default();
    let progress = Arc::new(Progress::new());
    request.body_mut().watch(progress.clone());
    let mut sending = client.send(request);
    let Some(limit) = stall else { return sending.await };
    loop {
        // A limit too large to add to the clock never runs out.
        let Some(deadline) = progress.last().checked_add(limit) else { return sending.await };
        match tokio::time::timeout_at(deadline.into(), &mut sending).await {
            Ok(result) => return result,
            Err(_) if progress.last().elapsed() >= limit => {
                return Err(Error::timeout(format!(
                    "no progress with {host} for {limit:?}: nothing was sent and no response came; \
                     the server may be overloaded, or raise the stall timeout"
                )))
            }
            // A chunk went out while the timer ran: wait again from then.
            Err(_) => {}
        }
    }
}

/// The causes of `e`, outermost first, each said once.
pub(crate) fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut parts = Vec::new();
    let mut current: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = current {
        let text = err.to_string();
        if !parts.iter().any(|p: &String| p.contains(&text)) {
            parts.push(text);
        }
        current = err.source();
    }
    parts.join(": ")
}

/// A response body that fails with a timeout error when no data arrives for `stall` (a stuck connection).
pub(crate) struct StallGuard {
    inner: ByteStream,
    stall: Option<Duration>,
    sleep: Option<Pin<Box<tokio::time::Sleep>>>,
    host: String,
}

impl StallGuard {
    pub(crate) fn new(inner: ByteStream, stall: Option<Duration>, host: String) -> StallGuard {
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
                        let chain = error_chain(&*e);
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
