//! Opening connections for the hyper transport: directly, through an HTTP proxy's CONNECT tunnel (https
//! URLs; TLS then runs end to end inside it), or to a forwarding proxy (plain http URLs, which hyper then
//! sends in absolute form). The proxy choice is [`ProxyConfig::proxy_for`]'s.

use std::fmt;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use http::Uri;
use hyper_util::client::legacy::connect::{Connected, Connection, HttpConnector};
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tower_service::Service;

use crate::runtime::error::ErrorKind;
use crate::runtime::http::body::BoxError;
use crate::runtime::http::proxy::{credentials_fix, Proxy, ProxyConfig};
use crate::runtime::http::transport::error_chain;

/// The longest answer to a CONNECT request read before giving up on the proxy.
const MAX_CONNECT_ANSWER: usize = 16 * 1024;
/// How long a proxy may take to answer CONNECT when the connect timeout is off: a proxy that accepts
/// and never answers must not hold a connection attempt for ever.
const DEFAULT_HANDSHAKE_LIMIT: Duration = Duration::from_secs(60);

/// Opens TCP connections, through a proxy when [`ProxyConfig`] says so.
#[derive(Clone)]
pub(crate) struct ProxyConnector {
    tcp: HttpConnector,
    proxies: Arc<ProxyConfig>,
    /// Bounds the CONNECT exchange (the TCP connect has its own bound in `tcp`).
    handshake_timeout: Duration,
}

impl ProxyConnector {
    pub(crate) fn new(tcp: HttpConnector, proxies: Arc<ProxyConfig>, handshake_timeout: Option<Duration>) -> ProxyConnector {
        ProxyConnector { tcp, proxies, handshake_timeout: handshake_timeout.unwrap_or(DEFAULT_HANDSHAKE_LIMIT) }
    }
}

/// A connection, and whether it goes to a forwarding proxy (so requests on it keep their absolute URI).
pub(crate) struct Conn {
    io: TokioIo<TcpStream>,
    forwarding: bool,
}

/// A proxy's refusal or failure, described for the user; the transport turns it into an
/// [`crate::Error`] of kind `Proxy` (refusals), `Timeout`, or `Transport` (failures worth a retry).
#[derive(Debug)]
pub(crate) struct ProxyError {
    pub(crate) message: String,
    pub(crate) kind: ErrorKind,
}

impl fmt::Display for ProxyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ProxyError {}

impl Service<Uri> for ProxyConnector {
    type Response = Conn;
    type Error = BoxError;
    type Future = Pin<Box<dyn Future<Output = Result<Conn, BoxError>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), BoxError>> {
        self.tcp.poll_ready(cx).map_err(Into::into)
    }

    fn call(&mut self, destination: Uri) -> Self::Future {
        let proxy = self.proxies.proxy_for(&destination).cloned();
        let mut tcp = self.tcp.clone();
        let handshake_timeout = self.handshake_timeout;
        Box::pin(async move {
            let Some(proxy) = proxy else {
                return Ok(Conn { io: tcp.call(destination).await?, forwarding: false });
            };
            let proxy_uri = Uri::try_from(proxy.url()).map_err(|e| failure(&proxy, format!("its URL does not parse ({e})")))?;
            let io = tcp.call(proxy_uri).await.map_err(|e| failure(&proxy, format!("connecting to it failed: {}", error_chain(&e))))?;
            if destination.scheme_str() != Some("https") {
                return Ok(Conn { io, forwarding: true });
            }
            let target = authority_with_port(&destination)?;
            let handshake = tunnel(io.into_inner(), &target, &proxy);
            let stream = tokio::time::timeout(handshake_timeout, handshake).await.map_err(|_| ProxyError {
                message: format!(
                    "the proxy {}: it did not answer CONNECT {target} within {handshake_timeout:?} (the connect timeout)",
                    proxy.url()
                ),
                kind: ErrorKind::Timeout,
            })??;
            Ok(Conn { io: TokioIo::new(stream), forwarding: false })
        })
    }
}

/// `host:port` of an https URI, the port made explicit, as CONNECT names its target.
fn authority_with_port(uri: &Uri) -> Result<String, BoxError> {
    let host = uri.host().ok_or("an https URL without a host")?;
    Ok(format!("{host}:{}", uri.port_u16().unwrap_or(443)))
}

/// Asks the proxy on `stream` for a tunnel to `target` and reads its answer.
async fn tunnel(mut stream: TcpStream, target: &str, proxy: &Proxy) -> Result<TcpStream, ProxyError> {
    let mut head = format!("CONNECT {target} HTTP/1.1\r\nHost: {target}\r\n");
    if let Some(value) = proxy.authorization() {
        // Built from a String in `Proxy::parse`, so always text.
        head.push_str("Proxy-Authorization: ");
        head.push_str(value.to_str().unwrap_or_default());
        head.push_str("\r\n");
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).await.map_err(|e| failure(proxy, format!("sending CONNECT failed: {e}")))?;

    let mut answer = Vec::with_capacity(512);
    let mut chunk = [0u8; 1024];
    let end = loop {
        let n = stream.read(&mut chunk).await.map_err(|e| failure(proxy, format!("reading its answer to CONNECT failed: {e}")))?;
        if n == 0 {
            return Err(failure(proxy, format!("it closed the connection instead of answering CONNECT {target}")));
        }
        answer.extend_from_slice(&chunk[..n]);
        // The head ends at an empty line; some proxies end lines with a bare LF.
        if let Some(end) = head_end(&answer) {
            break end;
        }
        if answer.len() > MAX_CONNECT_ANSWER {
            return Err(failure(proxy, format!("its answer to CONNECT is over {MAX_CONNECT_ANSWER} bytes without an end")));
        }
    };
    let status_line = answer.split(|b| *b == b'\n').next().unwrap_or_default();
    let status_line = String::from_utf8_lossy(status_line.strip_suffix(b"\r").unwrap_or(status_line));
    let mut words = status_line.trim_end().splitn(3, ' ');
    let version = words.next().unwrap_or_default();
    let status = words.next().and_then(|s| s.parse::<u16>().ok()).filter(|_| version.starts_with("HTTP/1."));
    let reason: String = words.next().unwrap_or_default().chars().filter(|c| c.is_ascii_graphic() || *c == ' ').take(64).collect();
    match status {
        // TLS clients speak first, so nothing may follow the answer's head yet.
        Some(200..=299) if end == answer.len() => Ok(stream),
        Some(200..=299) => Err(failure(proxy, format!("it sent data after accepting CONNECT {target}"))),
        // tinyproxy answers wrong credentials with 401 rather than 407; from a proxy both mean the same.
        Some(status @ (401 | 407)) => {
            Err(refusal(proxy, format!("it answered CONNECT {target} with {status}: {}", credentials_fix(proxy))))
        }
        Some(403) => Err(refusal(
            proxy,
            format!("it answered CONNECT {target} with 403 {reason}: its rules do not allow this destination or port"),
        )),
        Some(status) => Err(failure(proxy, format!("it answered CONNECT {target} with {status} {reason}"))),
        None => Err(failure(proxy, "its answer to CONNECT is not HTTP/1.x".to_string())),
    }
}

/// Where the head of an answer ends (just past its empty line), if it has ended.
fn head_end(answer: &[u8]) -> Option<usize> {
    let mut offset = 0;
    for line in answer.split_inclusive(|b| *b == b'\n') {
        offset += line.len();
        // An empty line that is not the first one ends the head.
        if (line == b"\n" || line == b"\r\n") && offset > line.len() {
            return Some(offset);
        }
    }
    None
}

fn failure(proxy: &Proxy, what: String) -> ProxyError {
    ProxyError { message: format!("the proxy {}: {what}", proxy.url()), kind: ErrorKind::Transport }
}

fn refusal(proxy: &Proxy, what: String) -> ProxyError {
    ProxyError { message: format!("the proxy {} refused: {what}", proxy.url()), kind: ErrorKind::Proxy }
}

impl Connection for Conn {
    fn connected(&self) -> Connected {
        self.io.connected().proxy(self.forwarding)
    }
}

impl hyper::rt::Read for Conn {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: hyper::rt::ReadBufCursor<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_read(cx, buf)
    }
}

impl hyper::rt::Write for Conn {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().io).poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_shutdown(cx)
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }

    fn poll_write_vectored(self: Pin<&mut Self>, cx: &mut Context<'_>, bufs: &[io::IoSlice<'_>]) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().io).poll_write_vectored(cx, bufs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::net::TcpListener;

    /// Runs the CONNECT handshake against a fake proxy that reads the request and writes `answer`.
    fn handshake(answer: &'static [u8], proxy_url: &str) -> (Result<(), ProxyError>, String) {
        let proxy = Proxy::parse(proxy_url, "test").unwrap();
        crate::runtime::http::body::tests::runtime().block_on(async move {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            let server = tokio::spawn(async move {
                let (mut socket, _) = listener.accept().await.unwrap();
                let mut request = vec![0u8; 4096];
                let n = socket.read(&mut request).await.unwrap();
                // The client may hang up before reading everything (an endless answer).
                let _ = socket.write_all(answer).await;
                String::from_utf8_lossy(&request[..n]).into_owned()
            });
            let stream = TcpStream::connect(addr).await.unwrap();
            let result = tunnel(stream, "s3.example:443", &proxy).await.map(|_| ());
            (result, server.await.unwrap())
        })
    }

    #[test]
    fn connect_answers() {
        let (ok, request) = handshake(b"HTTP/1.1 200 Connection established\r\n\r\n", "http://u:p@proxy:1");
        assert!(ok.is_ok());
        assert!(request.starts_with("CONNECT s3.example:443 HTTP/1.1\r\nHost: s3.example:443\r\n"), "{request}");
        assert!(request.contains("Proxy-Authorization: Basic dTpw\r\n"), "{request}");
        assert!(handshake(b"HTTP/1.0 200 OK\nProxy-agent: x\n\n", "proxy:1").0.is_ok(), "bare LF line ends");

        let cases: [(&[u8], ErrorKind, &str); 6] = [
            (b"HTTP/1.1 407 Proxy Authentication Required\r\n\r\n", ErrorKind::Proxy, "407"),
            (b"HTTP/1.1 403 Forbidden\r\n\r\n", ErrorKind::Proxy, "403 Forbidden"),
            (b"HTTP/1.1 502 Bad Gateway\r\n\r\n", ErrorKind::Transport, "502 Bad Gateway"),
            (b"HTTP/1.1 200 OK\r\n\r\nsurprise", ErrorKind::Transport, "sent data after"),
            (b"SSH-2.0-OpenSSH\r\n\r\n", ErrorKind::Transport, "not HTTP/1.x"),
            (b"HTTP/1.1 200", ErrorKind::Transport, "closed the connection"),
        ];
        for (answer, kind, said) in cases {
            let err = handshake(answer, "http://user:pw-secret@proxy:1").0.unwrap_err();
            assert_eq!(err.kind, kind, "{}", err.message);
            assert!(err.message.contains(said) && err.message.contains("http://proxy:1"), "{}", err.message);
            assert!(!err.message.contains("pw-secret"), "{}", err.message);
        }
        // A reason phrase is cut short and cleaned before it reaches a message.
        let err = handshake(b"HTTP/1.1 403 \x1b[31mred\x07 and a very long reason that goes on and on and on and on and on\r\n\r\n", "proxy:1").0.unwrap_err();
        assert!(!err.message.contains('\x1b') && !err.message.contains("and on and on and on and on"), "{}", err.message);
    }

    #[test]
    fn an_endless_answer_is_cut_off() {
        static ENDLESS: [u8; 40_000] = [b'a'; 40_000];
        let err = handshake(&ENDLESS, "proxy:1").0.unwrap_err();
        assert!(err.message.contains("over 16384 bytes"), "{}", err.message);
    }

    #[test]
    fn head_ends() {
        assert_eq!(head_end(b"HTTP/1.1 200 OK\r\n\r\n"), Some(19));
        assert_eq!(head_end(b"HTTP/1.1 200 OK\n\nrest"), Some(17));
        assert_eq!(head_end(b"HTTP/1.1 200 OK\r\nA: b\r\n"), None);
        assert_eq!(head_end(b"\r\nHTTP/1.1 200 OK\r\n\r\n"), Some(21));
    }
}
