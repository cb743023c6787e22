//! IBM Cloud IAM bearer tokens from an API key: fetch, refresh ahead of expiry (advisory at 25% of the
//! lifetime left, mandatory at 17%), the refresh-token grant, and one fetch in flight shared by all callers.
//!
//! Nothing runs in the background: a token is fetched or refreshed inside the call that needs it, so
//! dropping the client leaves no task or thread behind.

use std::fmt;
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use http_body_util::BodyExt;
use tracing::Instrument;
use percent_encoding::utf8_percent_encode;

use crate::body::ByteStream;
use crate::credentials::{AccessToken, Secret, TokenFuture, TokenProvider};
use crate::error::{Error, ServiceError};
// Form values keep only the unreserved characters, like query values.
use crate::request::ENCODE as FORM_VALUE;
use crate::transport::Transport;


/// Fraction of the lifetime left at which a refresh is tried, keeping the old token if it fails.
const ADVISORY_FRACTION: f64 = 0.25;
/// Fraction of the lifetime left at which a refresh must succeed before the token is used.
const MANDATORY_FRACTION: f64 = 0.17;

/// Exchanges an API key for bearer tokens and keeps them fresh.
pub(crate) struct IamTokenProvider {
    api_key: Secret,
    endpoint: String,
    transport: Transport,
    timeout: Option<Duration>,
    cached: Mutex<Option<CachedToken>>,
    refresh_lock: tokio::sync::Mutex<()>,
}

#[derive(Clone)]
struct CachedToken {
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
    pub(crate) fn new(api_key: Secret, endpoint: String, transport: Transport, timeout: Option<Duration>) -> Self {
        IamTokenProvider {
            api_key,
            endpoint,
            transport,
            timeout,
            cached: Mutex::new(None),
            refresh_lock: tokio::sync::Mutex::new(()),
        }
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
        let span = tracing::debug_span!("cos_sdk.iam_token", endpoint = %self.endpoint);
        let request = http::Request::post(&self.endpoint)
            .header(http::header::ACCEPT, "application/json")
            .header(http::header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(http::header::AUTHORIZATION, "Basic Yng6Yng=")
            .header(http::header::CONTENT_LENGTH, form.len())
            .body(ByteStream::from(form))
            .map_err(|e| Error::credentials(format!("could not build the IAM token request for {}: {e}", self.endpoint)))?;
        let exchange = async {
            let response = self.transport.send(request, None).await?;
            let (parts, body) = response.into_parts();
            let body = body.collect().await.map_err(|e| {
                Error::transport(format!("reading the IAM token response from {} failed: {e}", self.endpoint))
            })?;
            Ok::<_, Error>((parts, body.to_bytes()))
        }
        .instrument(span);
        let (parts, body) = match self.timeout {
            Some(limit) => tokio::time::timeout(limit, exchange).await.map_err(|_| {
                Error::timeout(format!(
                    "the IAM token service at {} did not answer within {limit:?}; check the endpoint or retry later",
                    self.endpoint
                ))
            })?,
            None => exchange.await,
        }
        .map_err(|e| {
            Error::new(e.kind(), format!("fetching an IAM token failed: {}", e.message()))
        })?;
        if parts.status != http::StatusCode::OK {
            return Err(self.error_response(parts.status.as_u16(), &parts.headers, &body));
        }
        let json: serde_json::Value = serde_json::from_slice(&body).map_err(|e| {
            Error::credentials(format!("the IAM token response from {} is not JSON ({e})", self.endpoint))
        })?;
        let access = json
            .get("access_token")
            .and_then(|v| v.as_str())
            .filter(|s| !s.is_empty())
            .ok_or_else(|| {
                Error::credentials(format!("the IAM token response from {} has no access_token", self.endpoint))
            })?;
        let refresh = json.get("refresh_token").and_then(|v| v.as_str()).filter(|s| !s.is_empty()).map(Secret::new);
        let now = SystemTime::now();
        let lifetime = match (json.get("expires_in").and_then(|v| v.as_u64()), json.get("expiration").and_then(|v| v.as_u64())) {
            (Some(seconds), _) => Duration::from_secs(seconds),
            (None, Some(epoch)) => (UNIX_EPOCH + Duration::from_secs(epoch)).duration_since(now).unwrap_or_default(),
            (None, None) => {
                return Err(Error::credentials(format!(
                    "the IAM token response from {} has neither expires_in nor expiration",
                    self.endpoint
                )))
            }
        };
        tracing::debug!(lifetime_secs = lifetime.as_secs(), "fetched an IAM token");
        Ok(CachedToken {
            access: AccessToken::new(access, Some(now + lifetime)),
            refresh,
            obtained: Instant::now(),
            lifetime,
        })
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
    fn form_values_are_encoded() {
        assert_eq!(utf8_percent_encode("a+b/c=d e", FORM_VALUE).to_string(), "a%2Bb%2Fc%3Dd%20e");
    }
}
