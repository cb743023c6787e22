//! The client: holds the configuration, the connection pool and the credentials, and runs every
//! operation's request through authentication, retries, timeouts and tracing (`invoke`); and the
//! methods every generated fluent builder shares (`fluent_builder_basics!`).

pub mod config;
pub mod options;
pub mod presign;

use std::fmt;
use std::sync::Arc;
use std::time::SystemTime;

use http::header::{HeaderName, HeaderValue, AUTHORIZATION, HOST, USER_AGENT};
use tracing::Instrument;

use crate::client::config::{Config, ConfigBuilder};
use crate::client::options::CallOptions;
use crate::runtime::auth::credentials::{CredentialsInner, TokenProvider};
use crate::runtime::auth::iam::{IamTokenProvider, StaticToken};
use crate::runtime::auth::sign::Signer;
use crate::runtime::config::endpoint::Endpoint;
use crate::runtime::config::env::Environment;
use crate::runtime::error::{Error, ErrorKind, ServiceError};
use crate::runtime::http::body::ByteStream;
use crate::runtime::http::hyper_client::{HyperClient, TransportSettings};
use crate::runtime::http::transport::{send_watched, HttpClient, StallGuard};
use crate::runtime::protocol::request::OperationMeta;
use crate::runtime::retry::{
    classify_answer, classify_error, Finished, RateLimiter, RetryKind, RetryMode, RetryQuota, RetryRun, Tried, Verdict,
};

const INVOCATION_ID: HeaderName = HeaderName::from_static("amz-sdk-invocation-id");
const SDK_REQUEST: HeaderName = HeaderName::from_static("amz-sdk-request");
const INSTANCE_ID: HeaderName = HeaderName::from_static("ibm-service-instance-id");

/// The headers that carry SSE-C keys: secrets that, like bearer tokens, never travel over plain http
/// without the explicit opt-in.
const SSE_C_KEY_HEADERS: &[&str] =
    &["x-amz-server-side-encryption-customer-key", "x-amz-copy-source-server-side-encryption-customer-key"];

/// Headers whose values are secrets: marked sensitive so `Debug` of the headers hides them.
const SENSITIVE_HEADERS: &[&str] = &[
    "authorization",
    "proxy-authorization",
    "x-amz-security-token",
    SSE_C_KEY_HEADERS[0],
    SSE_C_KEY_HEADERS[1],
];

/// How many times longer long-running operations (`OperationMeta::long_running`) wait for headers.
const LONG_OPERATION_FACTOR: u32 = 10;

/// A client for IBM Cloud Object Storage (or any S3-compatible service). Cheap to clone: clones share the
/// connection pool, the token cache and the retry quota.
#[derive(Clone)]
pub struct Client {
    inner: Arc<ClientInner>,
    /// Options of this clone's calls (see [`Client::with_call_options`]).
    call: Option<Arc<CallOptions>>,
}

struct ClientInner {
    config: Config,
    transport: Arc<dyn HttpClient>,
    auth: Auth,
    quota: RetryQuota,
    limiter: Option<RateLimiter>,
    user_agent: HeaderValue,
}

enum Auth {
    SigV4(Signer),
    Bearer(Arc<dyn TokenProvider>),
    Anonymous,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client").field("config", &self.inner.config).field("call_options", &self.call).finish_non_exhaustive()
    }
}

impl Client {
    /// A client for `config`. Does no I/O (an IAM token is fetched with the first request), so it needs
    /// no runtime; sending requests needs a Tokio runtime with the time driver enabled.
    pub fn new(config: &Config) -> Result<Client, Error> {
        let transport: Arc<dyn HttpClient> = match &config.http_client {
            Some(client) => client.clone(),
            None => Arc::new(HyperClient::new(TransportSettings {
                roots: config.tls_roots,
                ca_bundle: config.ca_bundle.as_deref().map_or(&[], |v| v.as_slice()),
                connect_timeout: config.timeouts.connect,
                proxies: config.proxies.clone(),
                pool: config.pool,
            })?),
        };
        let auth = match &config.credentials.inner {
            CredentialsInner::Hmac(keys) => Auth::SigV4(Signer::new(keys.clone())),
            CredentialsInner::ApiKey(key) => Auth::Bearer(Arc::new(IamTokenProvider::new(
                key.clone(),
                config.iam_endpoint.clone(),
                config.allow_http,
                transport.clone(),
                config.timeouts.token,
                config.retry,
                config.response_limits.result_body,
            )?)),
            CredentialsInner::BearerToken(token) => Auth::Bearer(Arc::new(StaticToken(token.clone()))),
            CredentialsInner::Provider(provider) => Auth::Bearer(provider.clone()),
            CredentialsInner::Anonymous => Auth::Anonymous,
        };
        let mut agent = format!("cos-sdk-rust/{}", env!("CARGO_PKG_VERSION"));
        if let Some(app) = &config.app_name {
            agent.push_str(" app/");
            agent.push_str(app);
        }
        let user_agent = HeaderValue::from_str(&agent).map_err(|_| {
            Error::invalid_input(format!("app name `{agent}` cannot go into a User-Agent header; use visible ASCII"))
        })?;
        let mode = config.retry.mode();
        Ok(Client {
            inner: Arc::new(ClientInner {
                config: config.clone(),
                transport,
                auth,
                quota: RetryQuota::new(mode),
                limiter: (mode == RetryMode::Adaptive).then(RateLimiter::new),
                user_agent,
            }),
            call: None,
        })
    }

    /// A clone of this client (sharing its pool, tokens and retry quota) whose calls use `options` over
    /// the config: extra headers, timeouts, retries. Options already on this clone stay under the new ones.
    /// For one call, a fluent builder's `customize` does the same.
    pub fn with_call_options(&self, options: CallOptions) -> Client {
        let merged = match &self.call {
            Some(current) => current.merged(options),
            None => options,
        };
        Client { inner: self.inner.clone(), call: Some(Arc::new(merged)) }
    }

    /// A client configured from the process environment: the credential chain, the endpoint and the
    /// settings described at [`ConfigBuilder::from_environment`].
    pub async fn from_env() -> Result<Client, Error> {
        let env = Environment::from_process();
        Client::new(&ConfigBuilder::from_environment(&env)?.build()?)
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    /// The SigV4 signer, when the credentials are HMAC keys.
    pub(crate) fn signer(&self) -> Option<&Signer> {
        match &self.inner.auth {
            Auth::SigV4(signer) => Some(signer),
            _ => None,
        }
    }

    #[doc(hidden)]
    /// The tokens left in the client's retry quota (for tests and diagnostics).
    pub fn retry_quota_available(&self) -> u32 {
        self.inner.quota.available()
    }

    #[doc(hidden)]
    /// The endpoint requests go to; generated serializers build URIs from it.
    pub fn endpoint(&self) -> &Endpoint {
        &self.inner.config.endpoint
    }

    #[doc(hidden)]
    /// Serializes `input` with `serialize`, sends it as operation `op` and reads the answer with
    /// `parse`: what every way of calling an operation (a fluent builder, a paginator) ends in.
    pub async fn send_operation<I, O>(
        &self,
        op: &'static OperationMeta,
        input: I,
        serialize: fn(I, &Endpoint) -> Result<http::Request<ByteStream>, Error>,
        parse: fn(http::Response<ByteStream>) -> Result<O, Error>,
    ) -> Result<O, Error> {
        let request = serialize(input, self.endpoint()).map_err(|e| e.with_operation(op.name))?;
        let response = self.invoke(op, request).await?;
        let attempts = attempts_made(&response);
        parse(response).map_err(|e| e.with_attempts(attempts))
    }

    #[doc(hidden)]
    /// Sends a serialized request: authenticates, retries, applies the timeouts and traces it. Returns
    /// `Ok` for any HTTP response (the operation's parser turns error statuses into typed errors) and
    /// `Err` for transport failures, timeouts, credential failures, and a retryable failure of a request
    /// whose body cannot be sent again.
    pub async fn invoke(
        &self,
        op: &'static OperationMeta,
        request: http::Request<ByteStream>,
    ) -> Result<http::Response<ByteStream>, Error> {
        let span = tracing::info_span!(
            "cos_sdk.operation",
            operation = op.name,
            method = %request.method(),
            host = request.uri().host().unwrap_or(""),
            status = tracing::field::Empty,
            attempts = tracing::field::Empty,
        );
        // Boxed: the wrappers below move the future, and it is a few KiB.
        let run = Box::pin(self.run(op, request));
        let operation_timeout = self.call.as_ref().and_then(|c| c.timeout).or(self.inner.config.timeouts.operation);
        let result = match operation_timeout {
            Some(limit) => match tokio::time::timeout(limit, run).instrument(span.clone()).await {
                Ok(result) => result,
                Err(_) => Err(Error::timeout(format!(
                    "the operation did not finish within its timeout of {limit:?}; raise Timeouts::operation (or CallOptions::timeout for one call) or retry"
                ))),
            },
            None => run.instrument(span.clone()).await,
        };
        match &result {
            Ok(response) => {
                span.record("status", response.status().as_u16());
            }
            Err(e) => {
                let _entered = span.enter();
                tracing::debug!(error = %e, "operation failed");
            }
        }
        result.map_err(|e| e.or_operation(op.name))
    }

    async fn run(
        &self,
        op: &'static OperationMeta,
        request: http::Request<ByteStream>,
    ) -> Result<http::Response<ByteStream>, Error> {
        let inner = &*self.inner;
        let config = &inner.config;
        let (mut parts, body) = request.into_parts();
        if let Some(call) = &self.call {
            call.apply_headers(&mut parts.headers)?;
        }

        if matches!(inner.auth, Auth::Bearer(_)) && parts.uri.scheme_str() == Some("http") && !config.allow_http {
            return Err(Error::credentials(format!(
                "refusing to send a bearer token over plain http to {}; use an https endpoint, or allow it for local \
                 testing with Config::builder().allow_http(true) or COS_ALLOW_HTTP=1",
                parts.uri.authority().map(|a| a.as_str()).unwrap_or("the endpoint")
            )));
        }
        if parts.uri.scheme_str() == Some("http") && !config.allow_http {
            if let Some(name) = SSE_C_KEY_HEADERS.iter().find(|name| parts.headers.contains_key(**name)) {
                return Err(Error::invalid_input(format!(
                    "refusing to send an SSE-C key ({name}) over plain http to {}; use an https endpoint, or allow \
                     it for local testing with Config::builder().allow_http(true) or COS_ALLOW_HTTP=1",
                    parts.uri.authority().map(|a| a.as_str()).unwrap_or("the endpoint")
                )));
            }
        }
        if op.instance_id && !parts.headers.contains_key(&INSTANCE_ID) {
            if let Some(id) = &config.instance_id {
                let value = HeaderValue::from_str(id).map_err(|_| {
                    Error::invalid_input("the service instance id has characters a header cannot hold; check it")
                })?;
                parts.headers.insert(INSTANCE_ID, value);
            }
        }
        if !parts.headers.contains_key(HOST) {
            if let Some(host) = crate::runtime::http::host_header(&parts.uri) {
                let value = HeaderValue::from_str(host)
                    .map_err(|_| Error::invalid_input(format!("the host `{host}` cannot go into a Host header")))?;
                parts.headers.insert(HOST, value);
            }
        }
        for name in SENSITIVE_HEADERS {
            if let Some(value) = parts.headers.get_mut(*name) {
                value.set_sensitive(true);
            }
        }
        parts.headers.insert(USER_AGENT, inner.user_agent.clone());
        parts.headers.insert(INVOCATION_ID, invocation_id());
        crate::runtime::protocol::checksum::add_requested(&mut parts.headers, &body).await?;
        // The body is the same on every attempt, so its SigV4 payload hash is computed once.
        let payload_hash = match inner.auth {
            Auth::SigV4(_) => crate::runtime::auth::sign::payload_hash(&body, config.payload_signing).await,
            _ => String::new(),
        };

        let retry = self.call.as_ref().and_then(|c| c.retry).unwrap_or(config.retry);
        let max_attempts = retry.max_attempts();
        let replayable = body.is_replayable();
        let rules = RetryRun::new(retry, &inner.quota, inner.limiter.as_ref(), replayable);
        let mut original = Some(body);
        let payload_hash = payload_hash.as_str();
        let finished = rules
            .run(
                |attempt| {
                    let body = match original.as_ref().and_then(ByteStream::try_clone) {
                        Some(copy) if replayable => Some(copy),
                        // A one-shot body goes out once: the rules never ask for a second attempt.
                        _ => original.take(),
                    };
                    let parts = parts.clone();
                    let sdk_request = HeaderValue::from_str(&format!("attempt={attempt}; max={max_attempts}"))
                        .unwrap_or_else(|_| HeaderValue::from_static("attempt=1"));
                    async move {
                        let Some(body) = body else {
                            return Tried::unsent(Error::invalid_input(
                                "a one-shot request body was asked for a second time; this is a bug in cos-sdk, please report it",
                            ));
                        };
                        let mut request = http::Request::from_parts(parts, body);
                        request.headers_mut().insert(SDK_REQUEST, sdk_request);
                        if let Err(e) = self.authenticate(&mut request, payload_hash).await {
                            return Tried::unsent(e);
                        }
                        let attempt_span = tracing::debug_span!("cos_sdk.attempt", attempt, status = tracing::field::Empty);
                        let outcome = Box::pin(self.attempt(op, request)).instrument(attempt_span.clone()).await;
                        let (kind, success) = match &outcome {
                            Ok(done) => {
                                attempt_span.record("status", done.response.status().as_u16());
                                (done.retry_kind, done.response.status().is_success())
                            }
                            Err(e) => (classify_error(e), false),
                        };
                        Tried { outcome, kind, success, sent: true }
                    }
                },
                describe,
            )
            .await;
        let Finished { outcome, verdict, attempts } = finished;
        tracing::Span::current().record("attempts", attempts);
        match verdict {
            Verdict::OneShotBody => {
                let message = format!(
                    "the request failed with a retryable error ({}) but its body is a one-shot stream that cannot be \
                     sent again; use an in-memory body or ByteStream::from_path so it can be retried",
                    describe(&outcome)
                );
                Err(match outcome {
                    Ok(done) => {
                        let details = ServiceError::new(done.response.status().as_u16(), done.code.clone().unwrap_or_default());
                        Error::new(ErrorKind::Service, message).with_service_error(details)
                    }
                    Err(e) => Error::new(e.kind(), message),
                })
            }
            Verdict::QuotaExhausted => {
                tracing::debug!(attempts, failure = %describe(&outcome), "not retrying: the retry quota is exhausted");
                let outcome = outcome.map_err(|e| {
                    e.map_message(|m| {
                        format!("{m}; not retried because the client's retry quota is exhausted (too many recent failures)")
                    })
                });
                with_attempts(outcome, attempts)
            }
            Verdict::NoAttemptsLeft => {
                tracing::debug!(attempts, failure = %describe(&outcome), "giving up: no attempts left");
                with_attempts(outcome, attempts)
            }
            Verdict::Done | Verdict::RetryAfter(_) => with_attempts(outcome, attempts),
        }
    }

    /// Adds the authentication of the client's credentials to one attempt's request; `payload_hash` is
    /// what SigV4 signs for the body (unused by the other kinds of credentials).
    async fn authenticate(&self, request: &mut http::Request<ByteStream>, payload_hash: &str) -> Result<(), Error> {
        let config = &self.inner.config;
        match &self.inner.auth {
            Auth::SigV4(signer) => {
                signer.sign(request, &config.region, payload_hash, SystemTime::now())?;
            }
            Auth::Bearer(provider) => {
                let token = provider.token().await?;
                if token.value().is_empty() {
                    return Err(Error::credentials("the token provider returned an empty token; check the provider"));
                }
                let mut value = HeaderValue::from_str(&format!("Bearer {}", token.value())).map_err(|_| {
                    Error::credentials("the bearer token has characters a header cannot hold; check the token")
                })?;
                value.set_sensitive(true);
                request.headers_mut().insert(AUTHORIZATION, value);
            }
            Auth::Anonymous => {}
        }
        Ok(())
    }

    /// One attempt: send, wait for the headers, and read the body when it is not handed over as a stream.
    async fn attempt(&self, op: &'static OperationMeta, request: http::Request<ByteStream>) -> Result<Attempted, Error> {
        let timeouts = &self.inner.config.timeouts;
        let host = request.uri().authority().map(|a| a.to_string()).unwrap_or_default();
        let header_timeout =
            timeouts.stall.map(|s| if op.long_running { s.saturating_mul(LONG_OPERATION_FACTOR) } else { s });
        let validate = op.streaming_response && crate::runtime::protocol::checksum::validation_requested(request.headers());
        let exchange = async {
            let response = send_watched(&self.inner.transport, request, header_timeout).await?;
            let (parts, body) = response.into_parts();
            let guarded = StallGuard::new(body, timeouts.stall, host.clone());
            let status = parts.status.as_u16();
            let success = (200..300).contains(&status);
            if success && op.streaming_response {
                // A whole object (200, not a 206 range) is checked against its checksum when one was asked for.
                let expected = if validate && status == 200 { crate::runtime::protocol::checksum::expected_checksum(&parts.headers) } else { None };
                let body = match expected {
                    Some((algorithm, value)) => {
                        ByteStream::from_body(crate::runtime::protocol::checksum::ValidatingBody::new(guarded, algorithm, value), None)
                    }
                    None => ByteStream::from_body(guarded, None),
                };
                return Ok(Attempted {
                    response: http::Response::from_parts(parts, body),
                    retry_kind: None,
                    code: None,
                });
            }
            let limits = &self.inner.config.response_limits;
            let body = ByteStream::from_body(guarded, None);
            let body = if success {
                ByteStream::from(body.collect_up_to(limits.result_body, "ResponseLimits::result_body").await?)
            } else {
                // An error body past its limit (a proxy's HTML page, say) is dropped, not an error of its
                // own: the status still says what happened and whether to retry.
                match body.collect_up_to(limits.error_body, "ResponseLimits::error_body").await {
                    Ok(bytes) => ByteStream::from(bytes),
                    Err(e) if e.kind() == ErrorKind::ResponseParse => {
                        tracing::warn!(status, limit = limits.error_body, "an error body over ResponseLimits::error_body was dropped");
                        ByteStream::new()
                    }
                    Err(e) => return Err(e),
                }
            };
            // The error code of an error answer: a status from 300 up, or (for operations that can do it)
            // an `<Error>` document or no result document at all behind a 2xx.
            let error_behind_success =
                success && op.error_in_200 && crate::runtime::protocol::errors::is_error_response(parts.status, &body, true);
            let code = if error_behind_success {
                Some(crate::runtime::protocol::errors::error_details(parts.status, &parts.headers, &body).code().to_string())
            } else if success {
                None
            } else {
                crate::runtime::protocol::errors::error_code(&body)
            };
            let retry_kind = classify_answer(status, code.as_deref(), error_behind_success);
            Ok(Attempted { response: http::Response::from_parts(parts, body), retry_kind, code })
        };
        match self.call.as_ref().and_then(|c| c.attempt_timeout).or(timeouts.attempt) {
            Some(limit) => tokio::time::timeout(limit, exchange).await.unwrap_or_else(|_| {
                Err(Error::timeout(format!(
                    "the attempt did not finish within {limit:?}; raise Timeouts::attempt (or CallOptions::attempt_timeout) or check the network"
                )))
            }),
            None => exchange.await,
        }
    }
}

/// An attempt's outcome in a few words, for logs and messages: `HTTP 503 SlowDown`, or the error.
fn describe(outcome: &Result<Attempted, Error>) -> String {
    match outcome {
        Ok(done) => match &done.code {
            Some(code) => format!("HTTP {} {code}", done.response.status().as_u16()),
            None => format!("HTTP {}", done.response.status().as_u16()),
        },
        Err(e) => e.to_string(),
    }
}

/// The result of one attempt that got an HTTP answer.
struct Attempted {
    response: http::Response<ByteStream>,
    retry_kind: Option<RetryKind>,
    code: Option<String>,
}

/// The final answer of an operation that took `attempts` attempts: recorded on the response (for the
/// parser's errors) or on the error.
fn with_attempts(outcome: Result<Attempted, Error>, attempts: u32) -> Result<http::Response<ByteStream>, Error> {
    match outcome {
        Ok(mut done) => {
            if attempts > 1 {
                done.response.extensions_mut().insert(Attempts(attempts));
            }
            Ok(done.response)
        }
        Err(e) => Err(e.with_attempts(attempts)),
    }
}

/// How many attempts an operation's answer took, recorded on the response for its parser's errors.
#[derive(Clone, Copy, Debug)]
struct Attempts(u32);

/// The number of attempts behind `response` (1 when it was not retried).
pub fn attempts_made<B>(response: &http::Response<B>) -> u32 {
    response.extensions().get::<Attempts>().map_or(1, |a| a.0)
}

/// A random version-4 UUID, unique per operation (the same for all its attempts).
fn invocation_id() -> HeaderValue {
    HeaderValue::from_str(&crate::runtime::protocol::scalars::idempotency_token()).expect("a UUID is a valid header")
}

/// The methods every generated fluent builder has besides its setters and `send` (which hold the
/// operation's members and types): `new`, `as_input` and `customize`. Generated code calls it as
/// `rt::fluent_builder_basics!(FluentBuilder, InputBuilder, Client)`.
#[doc(hidden)]
#[macro_export]
macro_rules! __fluent_builder_basics {
    ($fluent:ident, $input:ty, $client:ty) => {
        impl $fluent {
            pub(crate) fn new(client: $client) -> Self {
                $fluent { client, input: ::std::default::Default::default() }
            }

            /// The input as set so far.
            pub fn as_input(&self) -> &$input {
                &self.input
            }

            /// Uses `options` for this call: extra headers, a timeout, retries (see
            /// [`CallOptions`](crate::CallOptions)).
            pub fn customize(mut self, options: $crate::rt::CallOptions) -> Self {
                self.client = self.client.with_call_options(options);
                self
            }
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invocation_ids_look_like_uuids() {
        let a = invocation_id();
        let b = invocation_id();
        assert_ne!(a, b);
        let text = a.to_str().unwrap();
        assert_eq!(text.len(), 36);
        assert_eq!(&text[14..15], "4");
    }

    #[test]
    fn client_debug_hides_secrets_and_plain_http_api_key_is_refused() {
        let config = Config::builder()
            .endpoint_url("https://s3.example")
            .credentials(crate::runtime::auth::credentials::Credentials::hmac("AKID", "hmac-secret-value"))
            .build()
            .unwrap();
        let client = Client::new(&config).unwrap();
        let debug = format!("{client:?}");
        assert!(!debug.contains("hmac-secret-value") && debug.contains("AKID"), "{debug}");

        let config = Config::builder()
            .endpoint_url("https://s3.example")
            .iam_endpoint("http://127.0.0.1:1/identity/token")
            .credentials(crate::runtime::auth::credentials::Credentials::api_key("key"))
            .build()
            .unwrap();
        let err = Client::new(&config).unwrap_err().to_string();
        assert!(err.contains("plain http") && err.contains("allow_http"), "{err}");
    }
}
