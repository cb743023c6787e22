//! [`CallOptions`]: settings for some calls only (extra headers, timeouts, retries) over those of the
//! client's [`crate::Config`]. Given to one call with a fluent builder's `customize`, or to every call of
//! a client clone with [`crate::Client::with_call_options`].

use std::fmt;
use std::time::Duration;

use http::header::{HeaderName, HeaderValue};

use crate::runtime::error::Error;
use crate::runtime::retry::RetryConfig;

/// Headers options may not set: those the client sets on every request (authentication, identity,
/// attempt numbering), those the transport owns (framing, connection, the proxy's credentials).
const RESERVED: &[&str] = &[
    "authorization",
    "host",
    "x-amz-date",
    "x-amz-content-sha256",
    "x-amz-security-token",
    "user-agent",
    "amz-sdk-invocation-id",
    "amz-sdk-request",
    "proxy-authorization",
    "content-length",
    "transfer-encoding",
    "connection",
    "te",
    "upgrade",
    "expect",
];

/// Settings for a call, over the client's.
///
/// ```no_run
/// # async fn demo(client: cos_sdk::Client) -> Result<(), cos_sdk::Error> {
/// use std::time::Duration;
/// use cos_sdk::{CallOptions, RetryConfig};
///
/// let options = CallOptions::new()
///     .header("x-request-origin", "nightly-report")
///     .timeout(Duration::from_secs(5))
///     .retry(RetryConfig::disabled());
/// client.head_object().bucket("reports").key("today.csv").customize(options).send().await?;
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Default)]
pub struct CallOptions {
    headers: Vec<(HeaderName, HeaderValue)>,
    /// The first header that could not be used, reported when the call is sent.
    invalid: Option<String>,
    pub(crate) timeout: Option<Duration>,
    pub(crate) attempt_timeout: Option<Duration>,
    pub(crate) retry: Option<RetryConfig>,
}

impl CallOptions {
    /// No overrides.
    pub fn new() -> CallOptions {
        CallOptions::default()
    }

    /// Sets a header on the request, replacing one of the same name the operation would send. It is
    /// signed like the operation's own headers. Headers the client or the transport own are refused
    /// (`Authorization`, `Host`, `x-amz-date`, `x-amz-content-sha256`, `x-amz-security-token`,
    /// `User-Agent` (see `ConfigBuilder::app_name`), `amz-sdk-*`, `Proxy-Authorization`,
    /// `Content-Length`, `Transfer-Encoding`, `Connection`, `TE`, `Upgrade`, `Expect`), and so are names
    /// or values HTTP does not allow; the call then fails with an error saying which. Presigned URLs
    /// do not carry these headers.
    pub fn header(mut self, name: &str, value: &str) -> CallOptions {
        if self.invalid.is_some() {
            return self;
        }
        match (HeaderName::try_from(name), HeaderValue::try_from(value)) {
            (Ok(name), _) if RESERVED.contains(&name.as_str()) => {
                self.invalid = Some(format!("the header `{name}` is set by the client itself and cannot be given in CallOptions"));
            }
            (Ok(name), Ok(value)) => self.headers.push((name, value)),
            (Err(_), _) => {
                self.invalid = Some(format!("`{}` is not a valid header name", name.escape_debug()));
            }
            (Ok(name), Err(_)) => {
                self.invalid = Some(format!("the value of header `{name}` has characters a header cannot hold"));
            }
        }
        self
    }

    /// Limits the whole call, retries and backoff included (instead of `Timeouts::operation`).
    pub fn timeout(mut self, limit: Duration) -> CallOptions {
        self.timeout = Some(limit);
        self
    }

    /// Limits each attempt (instead of `Timeouts::attempt`).
    pub fn attempt_timeout(mut self, limit: Duration) -> CallOptions {
        self.attempt_timeout = Some(limit);
        self
    }

    /// Retries this call by `retry` instead of the client's settings. The client's retry quota still
    /// applies, and so does the adaptive mode's rate limiter when the client's config chose that mode
    /// (a call cannot start one of its own).
    pub fn retry(mut self, retry: RetryConfig) -> CallOptions {
        self.retry = Some(retry);
        self
    }

    /// Layers `other` over these options: its headers after these, its other settings where it has them.
    pub(crate) fn merged(&self, other: CallOptions) -> CallOptions {
        let mut headers = self.headers.clone();
        headers.extend(other.headers);
        CallOptions {
            headers,
            invalid: self.invalid.clone().or(other.invalid),
            timeout: other.timeout.or(self.timeout),
            attempt_timeout: other.attempt_timeout.or(self.attempt_timeout),
            retry: other.retry.or(self.retry),
        }
    }

    /// Checks the options and sets their headers on `headers`.
    pub(crate) fn apply_headers(&self, headers: &mut http::HeaderMap) -> Result<(), Error> {
        if let Some(problem) = &self.invalid {
            return Err(Error::invalid_input(format!("call options: {problem}")));
        }
        for (name, value) in &self.headers {
            headers.insert(name.clone(), value.clone());
        }
        Ok(())
    }
}

impl fmt::Debug for CallOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Header values may be secrets of the caller's own: only their names are shown.
        let names: Vec<&str> = self.headers.iter().map(|(name, _)| name.as_str()).collect();
        f.debug_struct("CallOptions")
            .field("headers", &names)
            .field("timeout", &self.timeout)
            .field("attempt_timeout", &self.attempt_timeout)
            .field("retry", &self.retry)
            .finish()
    }
}
