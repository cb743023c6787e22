//! IBM Cloud IAM bearer tokens from an API key: fetch, refresh ahead of expiry (advisory at 25% of the
//! lifetime left, mandatory at 17%), the refresh-token grant, and one fetch in flight shared by all callers.
//!
//! Nothing runs in the background: a token is fetched or refreshed inside the call that needs it, so
//! dropping the client leaves no task or thread behind.

use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use tracing::Instrument;
use percent_encoding::utf8_percent_encode;

use crate::runtime::auth::credentials::{AccessToken, Secret, TokenFuture, TokenProvider};
use crate::runtime::error::{Error, ServiceError};
use crate::runtime::http::body::ByteStream;
use crate::runtime::retry::{self, RetryConfig, RetryMode, RetryQuota, RetryRun, Tried};
// Form values keep only the unreserved characters, like query values.
use crate::runtime::http::transport::HttpClient;
use crate::runtime::protocol::request::ENCODE as FORM_VALUE;

/// The IAM token endpoint used when none is configured.
pub const DEFAULT_IAM_ENDPOINT: &str = "https://iam.cloud.ibm.com/identity/token";


/// Fraction of the lifetime left at which a refresh is tried, keeping the old token if it fails.
const ADVISORY_FRACTION: f64 = 0.25;
/// Fraction of the lifetime left at which a refresh must succeed before the token is used.
const MANDATORY_FRACTION: f64 = 0.17;

/// Exchanges an API key for bearer tokens and keeps them fresh.
pub(crate) struct IamTokenProvider {
    api_key: Secret,
    endpoint: String,
    transport: Arc<dyn HttpClient>,
    timeout: Option<Duration>,
    retry: RetryConfig,
    /// The most bytes of a token answer read into memory.
    body_limit: u64,
    cached: Mutex<Option<CachedToken>>,
    refresh_lock: tokio::sync::Mutex<()>,
}

#[derive(Clone)]
pub(crate) struct CachedToken {
    access: AccessToken,
    refresh: Option<Secret>,
    obtained: Instant,
    lifetime: Duration,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Freshness {
    Fresh,
    Advisory,
    Mandatory,
}

impl CachedToken {
    fn freshness(&self) -> Freshness {
        let left = self.lifetime.saturating_sub(self.obtained.elapsed()).as_secs_f64();
        let lifetime = self.lifetime.as_secs_f64();
        if left <= lifetime * MANDATORY_FRACTION {
            Freshness::Mandatory
        } else if left <= lifetime * ADVISORY_FRACTION {
            Freshness::Advisory
        } else {
            Freshness::Fresh
        }
    }
}

enum Grant<'a> {
    ApiKey,
    RefreshToken(&'a Secret),
}

impl fmt::Debug for IamTokenProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IamTokenProvider")
            .field("endpoint", &self.endpoint)
            .field("api_key", &self.api_key)
            .finish_non_exhaustive()
    }
}

impl IamTokenProvider {
    /// A provider that exchanges `api_key` at `endpoint`. The key is refused over plain http unless
    /// `allow_http` (local testing) says otherwise.
    pub(crate) fn new(
        api_key: Secret,
        endpoint: String,
        allow_http: bool,
        transport: Arc<dyn HttpClient>,
        timeout: Option<Duration>,
        retry: RetryConfig,
        body_limit: u64,
    ) -> Result<Self, Error> {
        // By the parsed scheme (`HTTP://` is plain http too); anything but https counts as plain.
        let plain_http = endpoint.parse::<http::Uri>().map_or(true, |uri| uri.scheme() != Some(&http::uri::Scheme::HTTPS));
        if plain_http && !allow_http {
            return Err(Error::credentials(format!(
                "refusing to send the API key to the IAM endpoint {endpoint} over plain http; use https, or allow it \
                 for local testing with Config::builder().allow_http(true) or COS_ALLOW_HTTP=1"
            )));
        }
        Ok(IamTokenProvider {
            api_key,
            endpoint,
            transport,
            timeout,
            retry,
            body_limit,
            cached: Mutex::new(None),
            refresh_lock: tokio::sync::Mutex::new(()),
        })
    }

    fn cached(&self) -> Option<CachedToken> {
        self.cached.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// A valid token: the cached one while fresh, else one fetched by exactly one caller at a time.
    async fn current_token(&self) -> Result<AccessToken, Error> {
        if let Some(token) = self.cached() {
            match token.freshness() {
                Freshness::Fresh => return Ok(token.access),
                Freshness::Advisory => {
                    // Someone else refreshing: keep using the still valid token.
                    let Ok(_guard) = self.refresh_lock.try_lock() else { return Ok(token.access) };
                    if let Some(newer) = self.cached().filter(|t| t.freshness() == Freshness::Fresh) {
                        return Ok(newer.access);
                    }
                    return match self.refresh(Some(&token)).await {
                        Ok(newer) => Ok(newer),
                        Err(e) => {
                            tracing::warn!(error = %e, "advisory IAM token refresh failed; using the current token");
                            Ok(token.access)
                        }
                    };
                }
                Freshness::Mandatory => {}
            }
        }
        let _guard = self.refresh_lock.lock().await;
        let current = self.cached();
        if let Some(token) = &current {
            if token.freshness() != Freshness::Mandatory {
                return Ok(token.access.clone());
            }
        }
        self.refresh(current.as_ref()).await
    }

    /// Refreshes with the refresh token when there is one (falling back to the API key), and caches the result.
    async fn refresh(&self, current: Option<&CachedToken>) -> Result<AccessToken, Error> {
        let fetched = match current.and_then(|t| t.refresh.as_ref()) {
            Some(refresh) => match self.fetch(Grant::RefreshToken(refresh)).await {
                Ok(token) => Ok(token),
                Err(e) => {
                    tracing::debug!(error = %e, "IAM refresh-token grant failed; using the API key");
                    self.fetch(Grant::ApiKey).await
                }
            },
            None => self.fetch(Grant::ApiKey).await,
        }?;
        let access = fetched.access.clone();
        *self.cached.lock().unwrap_or_else(|e| e.into_inner()) = Some(fetched);
        Ok(access)
    }

    /// Asks IAM for a token. The retry module's attempt loop retries it, under the request retry
    /// rules (connection failures, timeouts, 429 and 500/502/503/504) with the client's attempts and
    /// backoff; IAM's own error codes are not S3 codes, so only the status classifies an answer.
    /// Errors say how many attempts were made.
    async fn fetch(&self, grant: Grant<'_>) -> Result<CachedToken, Error> {
        let form = match grant {
            Grant::ApiKey => format!(
                "grant_type=urn%3Aibm%3Aparams%3Aoauth%3Agrant-type%3Aapikey&apikey={}&response_type=cloud_iam",
                utf8_percent_encode(self.api_key.expose(), FORM_VALUE)
            ),
            Grant::RefreshToken(token) => format!(
                "grant_type=refresh_token&refresh_token={}&response_type=cloud_iam",
                utf8_percent_encode(token.expose(), FORM_VALUE)
            ),
        };
        // No retry quota: the client's is for the service's failures, and a token is the only way
        // to authenticate, so only `max_attempts` bounds these retries (as it does in legacy mode).
        let no_quota = RetryQuota::new(RetryMode::Legacy);
        let span = tracing::debug_span!("cos_sdk.iam_token", endpoint = %self.endpoint);
        let finished = RetryRun::new(self.retry, &no_quota, None, true)
            .run(|_| self.attempt(&form), |outcome| outcome.as_ref().err().map(Error::to_string).unwrap_or_default())
            .instrument(span)
            .await;
        finished.outcome.map_err(|e| e.with_attempts(finished.attempts))
    }

    /// One attempt at a token, classified for the attempt loop.
    async fn attempt(&self, form: &str) -> Tried<CachedToken> {
        let (outcome, kind) = match self.exchange(form).await {
            Ok((status, _, body)) if status == http::StatusCode::OK => {
                (parse_token_response(&body, &self.endpoint, SystemTime::now()), None)
            }
            Ok((status, headers, body)) => {
                (Err(self.error_response(status.as_u16(), &headers, &body)), retry::classify_response(status.as_u16(), None))
            }
            Err(e) => {
                let kind = retry::classify_error(&e);
                (Err(Error::new(e.kind(), format!("fetching an IAM token failed: {}", e.message()))), kind)
            }
        };
        let success = outcome.is_ok();
        Tried { outcome, kind, success, sent: true }
    }

    /// One request to the token service: its status, headers and whole body (up to the response cap).
    async fn exchange(&self, form: &str) -> Result<(http::StatusCode, http::HeaderMap, bytes::Bytes), Error> {
        let request = http::Request::post(&self.endpoint)
            .header(http::header::ACCEPT, "application/json")
            .header(http::header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(http::header::AUTHORIZATION, "Basic Yng6Yng=")
            .header(http::header::CONTENT_LENGTH, form.len())
            .body(ByteStream::from(form.to_string()))
            .map_err(|e| Error::credentials(format!("could not build the IAM token request for {}: {e}", self.endpoint)))?;
        let exchange = async {
            let response = self.transport.send(request).await?;
            let (parts, body) = response.into_parts();
            let body = body
                .collect_up_to(self.body_limit, "ResponseLimits::result_body")
                .await
                .map_err(|e| e.map_message(|m| format!("reading the IAM token response from {}: {m}", self.endpoint)))?;
            Ok::<_, Error>((parts.status, parts.headers, body))
        };
        match self.timeout {
            Some(limit) => tokio::time::timeout(limit, exchange).await.map_err(|_| {
                Error::timeout(format!(
                    "the IAM token service at {} did not answer within {limit:?}; check the endpoint or retry later",
                    self.endpoint
                ))
            })?,
            None => exchange.await,
        }
    }

    fn error_response(&self, status: u16, headers: &http::HeaderMap, body: &[u8]) -> Error {
        let json: Option<serde_json::Value> = serde_json::from_slice(body).ok();
        let field = |name: &str| json.as_ref().and_then(|j| j.get(name)).and_then(|v| v.as_str()).map(str::to_string);
        let code = field("errorCode").unwrap_or_else(|| format!("HTTP{status}"));
        let request_id = json
            .as_ref()
            .and_then(|j| j.pointer("/context/requestId"))
            .and_then(|v| v.as_str())
            .map(str::to_string)
            .or_else(|| headers.get("transaction-id").and_then(|v| v.to_str().ok()).map(str::to_string));
        let hint = if status == 400 || status == 401 {
            "check the API key (IBM_API_KEY_ID or the service credential's apikey)"
        } else {
            "retry later, or check the IAM endpoint"
        };
        Error::credentials(format!("the IAM token service at {} refused the request; {hint}", self.endpoint))
            .with_service_error(ServiceError::new(status, code).with_message(field("errorMessage")).with_request_id(request_id))
    }
}

/// The longest lifetime a token is taken to have, whatever the answer claims: IAM tokens last an hour,
/// and a larger (or absurd) claim must neither overflow the clock arithmetic nor keep a token for ever.
const MAX_TOKEN_LIFETIME: Duration = Duration::from_secs(24 * 3600);

/// Reads the token service's JSON answer: the access token, the refresh token and the lifetime
/// (`expires_in` seconds, else the `expiration` epoch second), capped at [`MAX_TOKEN_LIFETIME`].
pub(crate) fn parse_token_response(body: &[u8], endpoint: &str, now: SystemTime) -> Result<CachedToken, Error> {
    let json: serde_json::Value = serde_json::from_slice(body)
        .map_err(|e| Error::credentials(format!("the IAM token response from {endpoint} is not JSON ({e})")))?;
    let access = json
        .get("access_token")
        .and_then(|v| v.as_str())
        .filter(|s| !s.is_empty())
        .ok_or_else(|| Error::credentials(format!("the IAM token response from {endpoint} has no access_token")))?;
    let refresh = json.get("refresh_token").and_then(|v| v.as_str()).filter(|s| !s.is_empty()).map(Secret::new);
    let seconds = |name: &str| match json.get(name) {
        None | Some(serde_json::Value::Null) => Ok(None),
        Some(value) => value.as_u64().map(Some).ok_or_else(|| {
            // A number is shown; any other value only by its kind, as a garbled answer may hold a token.
            let shown = match value {
                serde_json::Value::Number(n) => n.to_string(),
                serde_json::Value::String(_) => "a string".into(),
                serde_json::Value::Bool(_) => "a boolean".into(),
                serde_json::Value::Array(_) => "an array".into(),
                _ => "an object".into(),
            };
            Error::credentials(format!("the IAM token response from {endpoint} has `{name}` {shown}, not a whole number of seconds"))
        }),
    };
    let lifetime = match (seconds("expires_in")?, seconds("expiration")?) {
        (Some(seconds), _) => Duration::from_secs(seconds),
        (None, Some(epoch)) => {
            let epoch = Duration::from_secs(epoch);
            now.duration_since(UNIX_EPOCH).map(|since| epoch.saturating_sub(since)).unwrap_or(epoch)
        }
        (None, None) => {
            return Err(Error::credentials(format!(
                "the IAM token response from {endpoint} has neither expires_in nor expiration"
            )))
        }
    }
    .min(MAX_TOKEN_LIFETIME);
    tracing::debug!(lifetime_secs = lifetime.as_secs(), "fetched an IAM token");
    Ok(CachedToken {
        access: AccessToken::new(access, Some(now + lifetime)),
        refresh,
        obtained: Instant::now(),
        lifetime,
    })
}

impl TokenProvider for IamTokenProvider {
    fn token(&self) -> TokenFuture<'_> {
        Box::pin(self.current_token())
    }
}

/// A fixed token, as a provider.
#[derive(Debug)]
pub(crate) struct StaticToken(pub(crate) Secret);

impl TokenProvider for StaticToken {
    fn token(&self) -> TokenFuture<'_> {
        let token = AccessToken::new(self.0.expose(), None);
        Box::pin(async move { Ok(token) })
    }
}

/// The token endpoint as configured: an http(s) URL with a host and no userinfo; a URL without a path
/// gets `/identity/token`.
pub(crate) fn normalize_iam_endpoint(url: &str) -> Result<String, Error> {
    let shown = crate::runtime::config::endpoint::without_userinfo(url);
    let uri: http::Uri = url.parse().map_err(|e| {
        Error::invalid_input(format!("IAM endpoint `{shown}` is not a valid URL ({e}); use https://host/identity/token"))
    })?;
    let Some(authority) = uri.authority().filter(|_| matches!(uri.scheme_str(), Some("http" | "https"))) else {
        return Err(Error::invalid_input(format!(
            "IAM endpoint `{shown}` must be an http(s) URL with a host, such as {DEFAULT_IAM_ENDPOINT}"
        )));
    };
    crate::runtime::config::endpoint::refuse_userinfo(authority.as_str(), "IAM endpoint", &shown)?;
    crate::runtime::config::endpoint::refuse_bad_port(authority.as_str(), "IAM endpoint", &shown)?;
    if uri.path() == "/" || uri.path().is_empty() {
        Ok(format!("{}/identity/token", url.trim_end_matches('/')))
    } else {
        Ok(url.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn freshness_follows_the_lifetime() {
        let token = |elapsed_secs: u64| CachedToken {
            access: AccessToken::new("t", None),
            refresh: None,
            obtained: Instant::now() - Duration::from_secs(elapsed_secs),
            lifetime: Duration::from_secs(100),
        };
        assert_eq!(token(10).freshness(), Freshness::Fresh);
        assert_eq!(token(70).freshness(), Freshness::Fresh);
        assert_eq!(token(78).freshness(), Freshness::Advisory);
        assert_eq!(token(85).freshness(), Freshness::Mandatory);
        assert_eq!(token(200).freshness(), Freshness::Mandatory);
    }

    #[test]
    fn huge_or_odd_lifetimes_never_overflow() {
        let now = SystemTime::now();
        let parse = |body: &str| parse_token_response(body.as_bytes(), "https://iam.example", now);
        for body in [
            r#"{"access_token":"t","expires_in":18446744073709551615}"#,
            r#"{"access_token":"t","expiration":18446744073709551615}"#,
            r#"{"access_token":"t","expires_in":18446744073709551615,"expiration":18446744073709551615}"#,
        ] {
            let token = parse(body).unwrap();
            assert_eq!(token.lifetime, MAX_TOKEN_LIFETIME, "{body}");
            assert_eq!(token.access.expires_at(), Some(now + MAX_TOKEN_LIFETIME));
        }
        // An expiration in the past is a token to refresh at once, not an error or a panic.
        let past = parse(r#"{"access_token":"t","expiration":1}"#).unwrap();
        assert_eq!((past.lifetime, past.freshness()), (Duration::ZERO, Freshness::Mandatory));
        assert_eq!(parse(r#"{"access_token":"t","expires_in":3600}"#).unwrap().lifetime, Duration::from_secs(3600));
        for (body, says) in [
            ("not json", "not JSON"),
            (r#"{"access_token":"","expires_in":1}"#, "no access_token"),
            (r#"{"access_token":"t","expires_in":-5}"#, "`expires_in` -5, not a whole number"),
            // A string is not echoed: a garbled answer may carry a token in any field.
            (r#"{"access_token":"tok","expiration":"secret-token-text"}"#, "`expiration` a string, not a whole number"),
            (r#"{"access_token":"t"}"#, "neither expires_in nor expiration"),
        ] {
            let Err(error) = parse(body) else { panic!("{body} was accepted") };
            let error = error.to_string();
            assert!(error.contains(says), "{body}: {error}");
        }
    }

    #[test]
    fn form_values_are_encoded() {
        assert_eq!(utf8_percent_encode("a+b/c=d e", FORM_VALUE).to_string(), "a%2Bb%2Fc%3Dd%20e");
    }
}
