//! [`MockTransport`]: an [`HttpClient`] for users' unit tests that answers from a queue of canned
//! responses and records every request it was given. No network, no server.

use std::collections::VecDeque;
use std::fmt;
use std::sync::{Arc, Mutex};

use bytes::Bytes;

use crate::runtime::error::Error;
use crate::runtime::http::body::ByteStream;
use crate::runtime::http::transport::{HttpClient, HttpFuture};

/// The most bytes of one request body a [`MockTransport`] records.
const MAX_RECORDED_BODY: u64 = 256 * 1024 * 1024;

/// A transport for tests: each request gets the next queued answer, in order, and is recorded for
/// assertions. Clones share the queue and the record, so keep one clone and give another to the config.
/// Every attempt takes an answer (queue a 503 and a 200 to test a retry), and so does the IAM token
/// request of a client with an API key; with no answer left, the request fails with an
/// `InvalidInput` error that is not retried.
///
/// ```
/// use cos_sdk::transport::MockTransport;
/// use cos_sdk::{Client, Config, Credentials};
///
/// # tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap().block_on(async {
/// let mock = MockTransport::new()
///     .answer(200, &[("ETag", "\"9bb58f26192e4ba00f01e2e7b136bbd8\"")], "");
/// let config = Config::builder()
///     .endpoint_url("https://s3.us-south.cloud-object-storage.appdomain.cloud")
///     .credentials(Credentials::hmac("access-key", "secret-key"))
///     .http_client(mock.clone())
///     .build()?;
/// let client = Client::new(&config)?;
///
/// let put = client.put_object().bucket("photos").key("cat.jpg").body("meow").send().await?;
/// assert_eq!(put.e_tag.as_deref(), Some("\"9bb58f26192e4ba00f01e2e7b136bbd8\""));
///
/// let sent = mock.requests();
/// assert_eq!(sent.len(), 1);
/// assert_eq!(sent[0].method, "PUT");
/// assert_eq!(sent[0].uri.path(), "/photos/cat.jpg");
/// assert_eq!(&sent[0].body[..], b"meow");
/// assert!(sent[0].headers.contains_key("authorization"));
/// # Ok::<(), cos_sdk::Error>(())
/// # }).unwrap();
/// ```
#[derive(Clone, Default)]
pub struct MockTransport {
    state: Arc<Mutex<MockState>>,
}

#[derive(Default)]
struct MockState {
    answers: VecDeque<http::Response<Bytes>>,
    requests: Vec<RecordedRequest>,
}

/// A request as a [`MockTransport`] received it, its body read whole.
#[derive(Clone, Debug)]
pub struct RecordedRequest {
    /// The method.
    pub method: http::Method,
    /// The absolute URI, query included.
    pub uri: http::Uri,
    /// The headers, signature included (secret values are marked sensitive, so `Debug` hides them).
    pub headers: http::HeaderMap,
    /// The body.
    pub body: Bytes,
}

impl MockTransport {
    /// A transport with no answers queued.
    pub fn new() -> MockTransport {
        MockTransport::default()
    }

    /// Queues an answer with `status`, `headers` and `body`.
    ///
    /// # Panics
    /// When `status` is not 100-999 or a header name or value is not valid HTTP: test input, checked
    /// where it is written.
    pub fn answer(self, status: u16, headers: &[(&str, &str)], body: impl Into<Bytes>) -> MockTransport {
        let mut response = http::Response::builder().status(status);
        for (name, value) in headers {
            response = response.header(*name, *value);
        }
        let response = response.body(body.into()).expect("MockTransport::answer: a valid status and headers");
        self.push(response)
    }

    /// Queues a whole response.
    pub fn push(self, response: http::Response<Bytes>) -> MockTransport {
        self.lock().answers.push_back(response);
        self
    }

    /// The requests received so far, oldest first.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.lock().requests.clone()
    }

    /// How many queued answers are still unused.
    pub fn answers_left(&self) -> usize {
        self.lock().answers.len()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, MockState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl fmt::Debug for MockTransport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.lock();
        f.debug_struct("MockTransport")
            .field("answers_left", &state.answers.len())
            .field("requests", &state.requests.len())
            .finish()
    }
}

impl HttpClient for MockTransport {
    fn send(&self, request: http::Request<ByteStream>) -> HttpFuture<'_> {
        Box::pin(async move {
            let (parts, body) = request.into_parts();
            let body = body.collect_up_to(MAX_RECORDED_BODY, "MockTransport's recorded body").await?;
            let mut state = self.lock();
            state.requests.push(RecordedRequest { method: parts.method.clone(), uri: parts.uri.clone(), headers: parts.headers, body });
            let answer = state.answers.pop_front().ok_or_else(|| {
                // Not a transport error: a missing answer is the test's mistake, and retrying cannot fix it.
                Error::invalid_input(format!(
                    "MockTransport has no answer left for {} {}; queue one with MockTransport::answer",
                    parts.method, parts.uri
                ))
            })?;
            Ok(answer.map(ByteStream::from))
        })
    }
}
