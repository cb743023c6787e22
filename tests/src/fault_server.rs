//! A scripted HTTP server on 127.0.0.1: each request is recorded and answered by a test's handler with a
//! response, a dropped connection, a delay, or a body that stalls. Also serves over TLS (see `tls`).

use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body::{Body, Frame};
use http_body_util::BodyExt;
use hyper::body::Incoming;
use tokio::net::TcpListener;

/// A request as the server received it.
#[derive(Clone, Debug)]
pub struct RecordedRequest {
    /// The method.
    pub method: http::Method,
    /// The path and query.
    pub uri: http::Uri,
    /// The headers.
    pub headers: http::HeaderMap,
    /// The whole body.
    pub body: Bytes,
    /// When it arrived.
    pub at: Instant,
    /// Which connection it came on: 0 for the first one the server accepted, and so on.
    pub connection: usize,
}

impl RecordedRequest {
    /// A header's value as text, if present.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// How the server answers one request.
#[derive(Clone, Debug)]
pub enum Reply {
    /// A response with a status, headers and body.
    Respond { status: u16, headers: Vec<(String, String)>, body: Bytes },
    /// Closes the connection without answering (the client sees a reset or an incomplete message).
    Drop,
    /// Waits, then answers with the inner reply.
    Delay(Duration, Box<Reply>),
    /// Sends the headers with a `Content-Length` and the first bytes of the body, then stalls forever.
    StallBody { status: u16, content_length: u64, first: Bytes },
    /// Sends the headers with a `Content-Length` larger than `body`, sends `body`, and closes the connection.
    Truncated { status: u16, content_length: u64, body: Bytes },
}

impl Reply {
    /// A response with a status and body, no extra headers.
    pub fn status(status: u16, body: impl Into<Bytes>) -> Reply {
        Reply::Respond { status, headers: Vec::new(), body: body.into() }
    }

    /// An S3-style XML error response.
    pub fn s3_error(status: u16, code: &str, message: &str) -> Reply {
        let body = format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>{code}</Code><Message>{message}</Message>\
             <RequestId>req-{status}</RequestId></Error>"
        );
        Reply::Respond {
            status,
            headers: vec![("content-type".into(), "application/xml".into())],
            body: Bytes::from(body),
        }
    }

    /// A JSON response.
    pub fn json(status: u16, value: serde_json::Value) -> Reply {
        Reply::Respond {
            status,
            headers: vec![("content-type".into(), "application/json".into())],
            body: Bytes::from(value.to_string()),
        }
    }
}

/// Decides the reply to a request; the second argument counts requests from 0.
pub type Handler = Arc<dyn Fn(&RecordedRequest, usize) -> Reply + Send + Sync>;

/// A running fixture server; it stops when the test's runtime ends.
#[derive(Clone)]
pub struct FaultServer {
    addr: SocketAddr,
    scheme: &'static str,
    requests: Arc<Mutex<Vec<RecordedRequest>>>,
}

impl FaultServer {
    /// Starts a plain HTTP server on 127.0.0.1 with `handler`.
    pub async fn start(handler: impl Fn(&RecordedRequest, usize) -> Reply + Send + Sync + 'static) -> FaultServer {
        FaultServer::start_inner(Arc::new(handler), None).await
    }

    /// Starts an HTTPS server on 127.0.0.1 with `handler`, using `tls`.
    pub async fn start_tls(
        handler: impl Fn(&RecordedRequest, usize) -> Reply + Send + Sync + 'static,
        tls: Arc<tokio_rustls::rustls::ServerConfig>,
    ) -> FaultServer {
        FaultServer::start_inner(Arc::new(handler), Some(tokio_rustls::TlsAcceptor::from(tls))).await
    }

    async fn start_inner(handler: Handler, tls: Option<tokio_rustls::TlsAcceptor>) -> FaultServer {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind 127.0.0.1:0");
        let addr = listener.local_addr().expect("local address");
        let requests: Arc<Mutex<Vec<RecordedRequest>>> = Arc::default();
        let recorded = requests.clone();
        let scheme = if tls.is_some() { "https" } else { "http" };
        tokio::spawn(async move {
            for connection in 0.. {
                let Ok((stream, _)) = listener.accept().await else { return };
                let handler = handler.clone();
                let recorded = recorded.clone();
                let service = hyper::service::service_fn(move |request: http::Request<Incoming>| {
                    let handler = handler.clone();
                    let recorded = recorded.clone();
                    async move { answer(request, handler, recorded, connection).await }
                });
                tokio::spawn(crate::tls::serve_connection(stream, tls.clone(), service));
            }
        });
        FaultServer { addr, scheme, requests }
    }

    /// The base URL, `http://127.0.0.1:PORT` (or https).
    pub fn url(&self) -> String {
        format!("{}://{}", self.scheme, self.addr)
    }

    /// The socket address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Every request received so far.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.requests.lock().unwrap().clone()
    }

    /// How many requests were received.
    pub fn request_count(&self) -> usize {
        self.requests.lock().unwrap().len()
    }
}

/// The error that makes hyper drop the connection without a response.
#[derive(Debug)]
struct DropConnection;

impl std::fmt::Display for DropConnection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the fixture dropped the connection on purpose")
    }
}

impl std::error::Error for DropConnection {}

async fn answer(
    request: http::Request<Incoming>,
    handler: Handler,
    recorded: Arc<Mutex<Vec<RecordedRequest>>>,
    connection: usize,
) -> Result<http::Response<ReplyBody>, DropConnection> {
    let (parts, body) = request.into_parts();
    let body = match body.collect().await {
        Ok(body) => body.to_bytes(),
        Err(_) => return Err(DropConnection),
    };
    let request = RecordedRequest { method: parts.method, uri: parts.uri, headers: parts.headers, body, at: Instant::now(), connection };
    let index = {
        let mut all = recorded.lock().unwrap();
        all.push(request.clone());
        all.len() - 1
    };
    let mut reply = handler(&request, index);
    loop {
        match reply {
            Reply::Delay(delay, inner) => {
                tokio::time::sleep(delay).await;
                reply = *inner;
            }
            Reply::Drop => return Err(DropConnection),
            Reply::Respond { status, headers, body } => {
                let mut response = http::Response::builder().status(status);
                for (name, value) in headers {
                    response = response.header(name, value);
                }
                return Ok(response.body(ReplyBody::Full(Some(body))).expect("valid response"));
            }
            Reply::Truncated { status, content_length, body } => {
                return Ok(http::Response::builder()
                    .status(status)
                    .header("content-length", content_length)
                    .body(ReplyBody::Short(Some(body), None))
                    .expect("valid response"));
            }
            Reply::StallBody { status, content_length, first } => {
                return Ok(http::Response::builder()
                    .status(status)
                    .header("content-length", content_length)
                    .body(ReplyBody::Stall(Some(first)))
                    .expect("valid response"));
            }
        }
    }
}

/// The body of a fixture response: all at once, a first chunk and then nothing forever, or a body that
/// ends before its `Content-Length`.
enum ReplyBody {
    Full(Option<Bytes>),
    Stall(Option<Bytes>),
    Short(Option<Bytes>, Option<Pin<Box<tokio::time::Sleep>>>),
}

impl Body for ReplyBody {
    type Data = Bytes;
    type Error = DropConnection;

    fn poll_frame(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, DropConnection>>> {
        match self.get_mut() {
            ReplyBody::Full(body) => Poll::Ready(body.take().filter(|b| !b.is_empty()).map(|b| Ok(Frame::data(b)))),
            ReplyBody::Short(body, pause) => {
                if let Some(chunk) = body.take() {
                    return Poll::Ready(Some(Ok(Frame::data(chunk))));
                }
                // Give the server time to flush what was sent, then fail the body so the connection is cut.
                let pause = pause.get_or_insert_with(|| Box::pin(tokio::time::sleep(Duration::from_millis(50))));
                match pause.as_mut().poll(cx) {
                    Poll::Ready(()) => Poll::Ready(Some(Err(DropConnection))),
                    Poll::Pending => Poll::Pending,
                }
            }
            ReplyBody::Stall(first) => match first.take() {
                Some(chunk) => Poll::Ready(Some(Ok(Frame::data(chunk)))),
                // Never woken: the connection stays open with the body unfinished.
                None => Poll::Pending,
            },
        }
    }

    fn size_hint(&self) -> http_body::SizeHint {
        match self {
            ReplyBody::Full(Some(b)) => http_body::SizeHint::with_exact(b.len() as u64),
            ReplyBody::Full(None) => http_body::SizeHint::with_exact(0),
            ReplyBody::Stall(_) | ReplyBody::Short(..) => http_body::SizeHint::default(),
        }
    }
}
