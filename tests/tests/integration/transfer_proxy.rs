//! A fault-injecting proxy for the transfer tests: it forwards requests to the embedded s3s server
//! unchanged (the Host header too, so SigV4 still verifies) unless a test's rule says to answer an error,
//! delay, reset the connection mid-body or cut a response short. It records every request's operation and
//! counts requests in flight, so tests can check the concurrency limit.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper_util::client::legacy::Client as HttpClient;
use hyper_util::rt::{TokioExecutor, TokioIo};
use tokio::net::TcpListener;

/// A request as the proxy saw it, before the body.
#[derive(Clone, Debug)]
pub struct Seen {
    pub method: String,
    /// The path, still percent-encoded (`/bucket/key`).
    pub path: String,
    pub query: String,
    pub headers: http::HeaderMap,
}

impl Seen {
    /// The S3 operation, from the method and query.
    pub fn operation(&self) -> &'static str {
        let q = |name: &str| self.query.split('&').any(|p| p == name || p.starts_with(&format!("{name}=")));
        match self.method.as_str() {
            "PUT" if q("partNumber") && self.headers.contains_key("x-amz-copy-source") => "UploadPartCopy",
            "PUT" if q("partNumber") => "UploadPart",
            "PUT" if self.headers.contains_key("x-amz-copy-source") => "CopyObject",
            "PUT" => "PutObject",
            "POST" if q("uploads") => "CreateMultipartUpload",
            "POST" if q("uploadId") => "CompleteMultipartUpload",
            "DELETE" if q("uploadId") => "AbortMultipartUpload",
            "DELETE" => "DeleteObject",
            "GET" if q("uploadId") => "ListParts",
            "GET" if q("list-type") => "ListObjectsV2",
            "GET" => "GetObject",
            "HEAD" => "HeadObject",
            _ => "Other",
        }
    }

    /// The `partNumber` query parameter.
    pub fn part_number(&self) -> Option<u32> {
        self.query.split('&').find_map(|p| p.strip_prefix("partNumber=")).and_then(|n| n.parse().ok())
    }

    /// The first byte of a `Range: bytes=a-b` header.
    pub fn range_start(&self) -> Option<u64> {
        let range = self.headers.get("range")?.to_str().ok()?;
        range.strip_prefix("bytes=")?.split('-').next()?.parse().ok()
    }
}

/// What the proxy does with one request.
#[derive(Clone, Debug)]
pub enum Action {
    /// Passes it on.
    Forward,
    /// Answers with an S3 error instead.
    Error(u16, &'static str),
    /// Waits, then passes it on.
    Delay(Duration),
    /// Reads this many bytes of the request body, then drops the connection.
    ResetAfter(usize),
    /// Passes it on, but sends only this many bytes of the response body before dropping the connection.
    TruncateResponse(usize),
    /// Never passes it on: holds the connection open without an answer for this long, then drops it (a
    /// stuck server, with no side effect upstream).
    Stall(Duration),
    /// Answers `200 OK` with an `<Error>` body without passing it on, as S3 may for CopyObject,
    /// UploadPartCopy and CompleteMultipartUpload.
    ErrorIn200,
    /// Answers `200 OK` with this XML body without passing it on.
    Answer(String),
    /// Overwrites the request's object upstream with these bytes (through the client given to
    /// [`Proxy::set_upstream_client`]), then passes the request on: the object changes mid-transfer.
    ReplaceThenForward(Bytes),
}

/// Decides the action for a request; the second argument counts earlier requests of the same operation
/// and part (or range start), so "the first two attempts of part 3" is easy to say.
pub type Rule = Arc<dyn Fn(&Seen, usize) -> Action + Send + Sync>;

#[derive(Clone)]
pub struct Proxy {
    addr: SocketAddr,
    seen: Arc<Mutex<Vec<Seen>>>,
    current: Arc<Mutex<std::collections::HashMap<&'static str, usize>>>,
    max_in_flight: Arc<Mutex<std::collections::HashMap<&'static str, usize>>>,
    rule: Arc<Mutex<Rule>>,
    /// The client `ReplaceThenForward` writes with, straight to the upstream server.
    upstream_client: Arc<Mutex<Option<cos_sdk::Client>>>,
}

impl Proxy {
    /// Starts a proxy on 127.0.0.1 in front of `upstream` (`http://127.0.0.1:PORT`).
    pub async fn start(upstream: String, rule: impl Fn(&Seen, usize) -> Action + Send + Sync + 'static) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind 127.0.0.1:0");
        let proxy = Proxy {
            addr: listener.local_addr().expect("local address"),
            seen: Arc::default(),
            current: Arc::default(),
            max_in_flight: Arc::default(),
            rule: Arc::new(Mutex::new(Arc::new(rule))),
            upstream_client: Arc::default(),
        };
        let client: HttpClient<_, Incoming> = HttpClient::builder(TokioExecutor::new()).build_http();
        let state = proxy.clone();
        tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else { return };
                let _ = stream.set_nodelay(true);
                let state = state.clone();
                let client = client.clone();
                let upstream = upstream.clone();
                tokio::spawn(async move {
                    let service = hyper::service::service_fn(move |request: http::Request<Incoming>| {
                        let state = state.clone();
                        let client = client.clone();
                        let upstream = upstream.clone();
                        async move { state.handle(request, client, upstream).await }
                    });
                    let _ = hyper::server::conn::http1::Builder::new().serve_connection(TokioIo::new(stream), service).await;
                });
            }
        });
        proxy
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Replaces the rule.
    pub fn set_rule(&self, rule: impl Fn(&Seen, usize) -> Action + Send + Sync + 'static) {
        *self.rule.lock().unwrap() = Arc::new(rule);
    }

    /// The client that `Action::ReplaceThenForward` writes with (it must talk to the upstream directly).
    pub fn set_upstream_client(&self, client: cos_sdk::Client) {
        *self.upstream_client.lock().unwrap() = Some(client);
    }

    /// Every request so far.
    pub fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }

    /// How many requests of `operation` were seen.
    pub fn count(&self, operation: &str) -> usize {
        self.seen().iter().filter(|s| s.operation() == operation).count()
    }

    /// The most requests of `operation` that were in flight at once.
    pub fn max_in_flight(&self, operation: &str) -> usize {
        self.max_in_flight.lock().unwrap().get(operation).copied().unwrap_or(0)
    }

    async fn handle(
        &self,
        request: http::Request<Incoming>,
        client: HttpClient<hyper_util::client::legacy::connect::HttpConnector, Incoming>,
        upstream: String,
    ) -> Result<http::Response<http_body_util::combinators::BoxBody<Bytes, Dropped>>, Dropped> {
        let seen = Seen {
            method: request.method().to_string(),
            path: request.uri().path().to_string(),
            query: request.uri().query().unwrap_or_default().to_string(),
            headers: request.headers().clone(),
        };
        let operation = seen.operation();
        let earlier = {
            let mut all = self.seen.lock().unwrap();
            let earlier = all
                .iter()
                .filter(|s| s.operation() == operation && s.part_number() == seen.part_number() && s.range_start() == seen.range_start())
                .count();
            all.push(seen.clone());
            earlier
        };
        let _guard = InFlight::enter(self, operation);
        let rule = self.rule.lock().unwrap().clone();
        let mut action = rule(&seen, earlier);
        if let Action::Delay(d) = action {
            tokio::time::sleep(d).await;
            action = Action::Forward;
        }
        match action {
            Action::Error(status, code) => {
                // Drain the body first so the client sees an answer, not a reset.
                let _ = request.into_body().collect().await;
                let body = format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>{code}</Code><Message>injected by the transfer test proxy</Message><RequestId>proxy</RequestId></Error>");
                let response = http::Response::builder()
                    .status(status)
                    .header("content-type", "application/xml")
                    .body(Full::new(Bytes::from(body)).map_err(|never| match never {}).boxed())
                    .unwrap();
                return Ok(response);
            }
            Action::Stall(d) => {
                tokio::time::sleep(d).await;
                return Err(Dropped);
            }
            Action::ErrorIn200 | Action::Answer(_) => {
                let _ = request.into_body().collect().await;
                let body = match action {
                    Action::Answer(body) => body,
                    _ => "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>InternalError</Code><Message>injected \
                          behind a 200 by the transfer test proxy</Message><RequestId>proxy</RequestId></Error>"
                        .to_string(),
                };
                let response = http::Response::builder()
                    .status(200)
                    .header("content-type", "application/xml")
                    .body(Full::new(Bytes::from(body)).map_err(|never| match never {}).boxed())
                    .unwrap();
                return Ok(response);
            }
            Action::ReplaceThenForward(ref data) => {
                let client = self.upstream_client.lock().unwrap().clone().expect("set_upstream_client before ReplaceThenForward");
                let path = request.uri().path().trim_start_matches('/').to_string();
                let (bucket, key) = path.split_once('/').expect("a path-style object request");
                let key = percent_encoding::percent_decode_str(key).decode_utf8_lossy().to_string();
                client.put_object().bucket(bucket).key(key).body(cos_sdk::ByteStream::from(data.clone())).send().await.map_err(|_| Dropped)?;
            }
            Action::ResetAfter(limit) => {
                let mut body = request.into_body();
                let mut got = 0;
                while got < limit {
                    match body.frame().await {
                        Some(Ok(frame)) => got += frame.data_ref().map(|d| d.len()).unwrap_or(0),
                        _ => break,
                    }
                }
                return Err(Dropped);
            }
            _ => {}
        }
        let (mut parts, body) = request.into_parts();
        let target = format!("{upstream}{}", parts.uri.path_and_query().map(|p| p.as_str()).unwrap_or("/"));
        parts.uri = target.parse().unwrap();
        let response = client.request(http::Request::from_parts(parts, body)).await.map_err(|_| Dropped)?;
        let (parts, body) = response.into_parts();
        if let Action::TruncateResponse(limit) = action {
            let all = body.collect().await.map_err(|_| Dropped)?.to_bytes();
            let first = all.slice(..limit.min(all.len()));
            let stream = futures_util::stream::iter(vec![Ok(http_body::Frame::data(first)), Err(Dropped)]);
            return Ok(http::Response::from_parts(parts, http_body_util::StreamBody::new(stream).boxed()));
        }
        // The in-flight count lasts until the upstream answered; the body streams on afterwards.
        let body = body.map_err(|_| Dropped).boxed();
        Ok(http::Response::from_parts(parts, body))
    }
}

/// Counts one request of an operation in flight while it lives.
struct InFlight {
    current: Arc<Mutex<std::collections::HashMap<&'static str, usize>>>,
    operation: &'static str,
}

impl InFlight {
    fn enter(proxy: &Proxy, operation: &'static str) -> InFlight {
        let now = {
            let mut current = proxy.current.lock().unwrap();
            let n = current.entry(operation).or_insert(0);
            *n += 1;
            *n
        };
        let mut max = proxy.max_in_flight.lock().unwrap();
        let entry = max.entry(operation).or_insert(0);
        *entry = (*entry).max(now);
        InFlight { current: proxy.current.clone(), operation }
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        if let Some(n) = self.current.lock().unwrap().get_mut(self.operation) {
            *n -= 1;
        }
    }
}

/// The error that makes hyper drop the connection.
#[derive(Debug)]
pub struct Dropped;

impl std::fmt::Display for Dropped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the transfer test proxy dropped the connection on purpose")
    }
}

impl std::error::Error for Dropped {}

/// Helpers shared by the transfer tests.
pub mod support {
    use std::path::Path;

    use cos_sdk::{Client, Config, Credentials, PayloadSigning, RetryConfig};
    use cos_sdk_tests::s3s_server::{ACCESS_KEY, SECRET_KEY};
    use md5::{Digest, Md5};

    pub const MIB: u64 = 1024 * 1024;

    /// A client for the embedded server (or a proxy in front of it) with quick retries.
    pub fn client(url: &str) -> Client {
        client_with(url, RetryConfig::default().with_initial_backoff(std::time::Duration::from_millis(20)))
    }

    /// A client with the given retry settings; payloads unsigned (Content-MD5 covers them) to keep
    /// debug-build tests quick.
    pub fn client_with(url: &str, retry: RetryConfig) -> Client {
        let config = Config::builder()
            .endpoint_url(url)
            .credentials(Credentials::hmac(ACCESS_KEY, SECRET_KEY))
            .payload_signing(PayloadSigning::Unsigned)
            .retry(retry)
            .build()
            .unwrap();
        Client::new(&config).unwrap()
    }

    /// Deterministic pseudo-random bytes (xorshift64*), different for each seed.
    pub fn random_bytes(len: usize, seed: u64) -> Vec<u8> {
        let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
        let mut out = Vec::with_capacity(len + 8);
        while out.len() < len {
            state ^= state >> 12;
            state ^= state << 25;
            state ^= state >> 27;
            out.extend_from_slice(&state.wrapping_mul(0x2545_F491_4F6C_DD1D).to_le_bytes());
        }
        out.truncate(len);
        out
    }

    /// Writes `len` random bytes to `path` in 8 MiB pieces and returns their MD5 (hex).
    pub fn random_file(path: &Path, len: u64, seed: u64) -> String {
        use std::io::Write;
        let mut file = std::fs::File::create(path).unwrap();
        let mut hash = Md5::new();
        let mut left = len;
        let mut piece = 0;
        while left > 0 {
            let n = left.min(8 * MIB);
            let data = random_bytes(n as usize, seed.wrapping_add(piece));
            hash.update(&data);
            file.write_all(&data).unwrap();
            left -= n;
            piece += 1;
        }
        hex(&hash.finalize())
    }

    /// The MD5 (hex) of a file, read in pieces.
    pub fn file_md5(path: &Path) -> String {
        use std::io::Read;
        let mut file = std::fs::File::open(path).unwrap();
        let mut hash = Md5::new();
        let mut buf = vec![0; 1 << 20];
        loop {
            let n = file.read(&mut buf).unwrap();
            if n == 0 {
                break;
            }
            hash.update(&buf[..n]);
        }
        hex(&hash.finalize())
    }

    pub fn md5_hex(data: &[u8]) -> String {
        hex(&Md5::digest(data))
    }

    pub fn hex(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }

    /// The files in `dir` (not recursive), by name.
    pub fn names_in(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> =
            std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
        names.sort();
        names
    }
}
