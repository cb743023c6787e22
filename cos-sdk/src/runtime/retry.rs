//! Retries: the modes (standard, legacy, adaptive), which failures are retried, the attempt loop
//! (`RetryRun::run`: the verdict after each attempt, backoff between them), the retry quota shared by
//! all requests of a client, and the adaptive mode's client-side rate limiter.

use std::future::Future;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::runtime::error::{Error, ErrorKind};

/// How failed requests are retried.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RetryMode {
    /// 3 attempts, exponential backoff with jitter capped at 20 s, and a retry quota that stops retries
    /// when most recent requests fail.
    #[default]
    Standard,
    /// 5 attempts, exponential backoff with jitter, no quota (botocore's historical behaviour).
    Legacy,
    /// Standard, plus a client-side rate limiter that slows sending down when the service throttles.
    Adaptive,
}

impl RetryMode {
    /// Parses `standard`, `legacy` or `adaptive` (any case), as in `AWS_RETRY_MODE`.
    pub fn parse(name: &str) -> Result<RetryMode, Error> {
        match name.trim().to_ascii_lowercase().as_str() {
            "standard" => Ok(RetryMode::Standard),
            "legacy" => Ok(RetryMode::Legacy),
            "adaptive" => Ok(RetryMode::Adaptive),
            other => Err(Error::invalid_input(format!(
                "unknown retry mode `{other}`; use one of standard, legacy, adaptive"
            ))),
        }
    }
}

/// Retry settings.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetryConfig {
    mode: RetryMode,
    max_attempts: u32,
    initial_backoff: Duration,
    max_backoff: Duration,
}

impl Default for RetryConfig {
    fn default() -> Self {
        RetryConfig::new(RetryMode::Standard)
    }
}

impl RetryConfig {
    /// The defaults of a mode: 3 attempts (5 for legacy), backoff from 1 s capped at 20 s.
    pub fn new(mode: RetryMode) -> RetryConfig {
        RetryConfig {
            mode,
            max_attempts: if mode == RetryMode::Legacy { 5 } else { 3 },
            initial_backoff: Duration::from_secs(1),
            max_backoff: Duration::from_secs(20),
        }
    }

    /// No retries: one attempt.
    pub fn disabled() -> RetryConfig {
        RetryConfig::new(RetryMode::Standard).with_max_attempts(1)
    }

    /// The total number of attempts, the first included (at least 1).
    pub fn with_max_attempts(mut self, max_attempts: u32) -> RetryConfig {
        self.max_attempts = max_attempts.max(1);
        self
    }

    /// The scale of the backoff: retry `n` (from 0) waits a random time below `initial * 2^n`.
    pub fn with_initial_backoff(mut self, initial_backoff: Duration) -> RetryConfig {
        self.initial_backoff = initial_backoff;
        self
    }

    /// The longest wait between attempts.
    pub fn with_max_backoff(mut self, max_backoff: Duration) -> RetryConfig {
        self.max_backoff = max_backoff;
        self
    }

    /// The mode.
    pub fn mode(&self) -> RetryMode {
        self.mode
    }
    /// The total number of attempts.
    pub fn max_attempts(&self) -> u32 {
        self.max_attempts
    }
    /// The scale of the backoff.
    pub fn initial_backoff(&self) -> Duration {
        self.initial_backoff
    }
    /// The longest wait between attempts.
    pub fn max_backoff(&self) -> Duration {
        self.max_backoff
    }

    /// The wait before retry number `retry` (0 for the first retry): `min(rand * initial * 2^retry, max)`.
    pub(crate) fn backoff(&self, retry: u32) -> Duration {
        let ceiling = self.initial_backoff.saturating_mul(1u32 << retry.min(20)).min(self.max_backoff);
        // `mul_f64` panics when rounding carries past `Duration::MAX`; the ceiling is the most a wait can be.
        Duration::try_from_secs_f64(ceiling.as_secs_f64() * fastrand::f64()).map_or(ceiling, |wait| wait.min(ceiling))
    }
}

/// Why a failed attempt may be retried.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum RetryKind {
    /// A server error or a broken connection.
    Transient,
    /// The service asked us to slow down.
    Throttling,
    /// An attempt timed out.
    Timeout,
}

/// Error codes that mean "slow down".
const THROTTLING_CODES: &[&str] = &[
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "RequestThrottledException",
    "TooManyRequestsException",
    "ProvisionedThroughputExceededException",
    "TransactionInProgressException",
    "RequestLimitExceeded",
    "BandwidthLimitExceeded",
    "LimitExceededException",
    "RequestThrottled",
    "SlowDown",
    "PriorRequestNotComplete",
    "EC2ThrottledException",
];

/// Error codes of transient failures.
const TRANSIENT_CODES: &[&str] = &["RequestTimeout", "RequestTimeoutException", "InternalError", "ServiceUnavailable"];

/// Classifies an HTTP answer from its status and error code (from the body, when there is one).
pub(crate) fn classify_response(status: u16, code: Option<&str>) -> Option<RetryKind> {
    if let Some(code) = code {
        if THROTTLING_CODES.contains(&code) {
            return Some(RetryKind::Throttling);
        }
        if TRANSIENT_CODES.contains(&code) {
            return Some(RetryKind::Transient);
        }
    }
    match status {
        429 => Some(RetryKind::Throttling),
        500 | 502 | 503 | 504 => Some(RetryKind::Transient),
        _ => None,
    }
}

/// Classifies an HTTP answer: its status, its error code when it has one, and whether it is an error
/// behind a success status (an operation whose `200 OK` can carry an `<Error>` document, or none at
/// all). An error behind a 200 is a server error worth retrying, whatever its code.
pub(crate) fn classify_answer(status: u16, code: Option<&str>, error_behind_success: bool) -> Option<RetryKind> {
    if error_behind_success {
        return Some(RetryKind::Transient);
    }
    classify_response(status, code)
}

/// Classifies a failure that got no HTTP answer, or a service error as an operation returns it.
pub(crate) fn classify_error(error: &Error) -> Option<RetryKind> {
    match error.kind() {
        ErrorKind::Timeout => Some(RetryKind::Timeout),
        ErrorKind::Transport => Some(RetryKind::Transient),
        ErrorKind::Service => error.service_error().and_then(|s| classify_response(s.status(), Some(s.code()))),
        _ => None,
    }
}

/// Error codes that say the bytes of a request or answer were damaged on the way.
const DAMAGED_BYTES_CODES: &[&str] = &["BadDigest", "IncompleteBody"];

/// Whether a part of a multipart transfer is worth another attempt after `error`, which the client
/// already retried as a request: what retries a request, plus damaged bytes (an answer that did not
/// parse or failed its checksum, `BadDigest`, `IncompleteBody`), which a new attempt sends or fetches again.
pub(crate) fn part_is_retryable(error: &Error) -> bool {
    classify_error(error).is_some()
        || matches!(error.kind(), ErrorKind::ResponseParse | ErrorKind::Integrity)
        || error.service_error().is_some_and(|s| DAMAGED_BYTES_CODES.contains(&s.code()))
}

/// The wait before attempt `attempt + 1` of a part (or of an abort): shorter than a request's, since
/// the client already waited between the request's own attempts; from 100 ms, capped at 5 s.
pub(crate) fn part_backoff(attempt: u32) -> Duration {
    RetryConfig::new(RetryMode::Standard)
        .with_initial_backoff(Duration::from_millis(100))
        .with_max_backoff(Duration::from_secs(5))
        .backoff(attempt)
}

/// What to do after an attempt.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// The answer stands: a success, or a failure that retrying cannot change.
    Done,
    /// Send the request again after this wait.
    RetryAfter(Duration),
    /// The failure is retryable, but no attempts are left.
    NoAttemptsLeft,
    /// The failure is retryable, but the body is a one-shot stream that cannot be sent again.
    OneShotBody,
    /// The failure is retryable, but the client's retry quota is used up.
    QuotaExhausted,
}

/// The retry rules applied to the attempts of one request: the client's settings, its shared quota,
/// and in adaptive mode its rate limiter. The client sends; this decides.
#[derive(Debug)]
pub(crate) struct RetryRun<'a> {
    config: RetryConfig,
    quota: &'a RetryQuota,
    limiter: Option<&'a RateLimiter>,
    replayable: bool,
    last_cost: Option<u32>,
}

impl<'a> RetryRun<'a> {
    /// The rules for a request whose body can (`replayable`) or cannot be sent again.
    pub(crate) fn new(config: RetryConfig, quota: &'a RetryQuota, limiter: Option<&'a RateLimiter>, replayable: bool) -> Self {
        RetryRun { config, quota, limiter, replayable, last_cost: None }
    }

    /// Waits before an attempt as long as the adaptive mode's rate limiter asks.
    pub(crate) async fn before_attempt(&self) {
        if let Some(limiter) = self.limiter {
            let delay = limiter.delay_before_send();
            if !delay.is_zero() {
                tracing::debug!(delay_ms = delay.as_millis() as u64, "adaptive retry mode: waiting before sending");
                tokio::time::sleep(delay).await;
            }
        }
    }

    /// Decides after attempt number `attempt` (from 1), whose failure was classified `kind` (`None`
    /// for a success or a failure not worth retrying); `success` says the answer was a 2xx.
    pub(crate) fn after_attempt(&mut self, attempt: u32, kind: Option<RetryKind>, success: bool) -> Verdict {
        if let Some(limiter) = self.limiter {
            limiter.update(kind == Some(RetryKind::Throttling));
        }
        let Some(kind) = kind else {
            if success {
                self.quota.release(self.last_cost);
            }
            return Verdict::Done;
        };
        if attempt >= self.config.max_attempts() {
            return Verdict::NoAttemptsLeft;
        }
        if !self.replayable {
            return Verdict::OneShotBody;
        }
        match self.quota.acquire(kind) {
            Some(cost) => {
                self.last_cost = Some(cost);
                Verdict::RetryAfter(self.config.backoff(attempt - 1))
            }
            None => Verdict::QuotaExhausted,
        }
    }
}

/// One attempt as the attempt loop sees it: its outcome, how its failure classifies (`None` for a
/// success or a failure not worth retrying), and whether it was a 2xx.
pub(crate) struct Tried<T> {
    pub(crate) outcome: Result<T, Error>,
    pub(crate) kind: Option<RetryKind>,
    pub(crate) success: bool,
    /// Whether the request went out; one that failed before (no credentials, no body left to send)
    /// ends the loop with its error and is not counted by the rate limiter.
    pub(crate) sent: bool,
}

impl<T> Tried<T> {
    /// An attempt that failed before anything was sent.
    pub(crate) fn unsent(error: Error) -> Tried<T> {
        Tried { outcome: Err(error), kind: None, success: false, sent: false }
    }
}

/// How the attempts of a request ended: the last attempt's outcome, the verdict on it (never
/// `RetryAfter`), and how many attempts were made.
pub(crate) struct Finished<T> {
    pub(crate) outcome: Result<T, Error>,
    pub(crate) verdict: Verdict,
    pub(crate) attempts: u32,
}

impl RetryRun<'_> {
    /// The attempt loop: calls `attempt` with the attempt's number (from 1) until the verdict is not
    /// a retry, waiting for the rate limiter before each attempt and for the backoff between them.
    /// `describe` words an outcome for the log line of a retry.
    pub(crate) async fn run<T, F: Future<Output = Tried<T>>>(
        mut self,
        mut attempt: impl FnMut(u32) -> F,
        describe: impl Fn(&Result<T, Error>) -> String,
    ) -> Finished<T> {
        let started = Instant::now();
        let mut number = 1;
        loop {
            self.before_attempt().await;
            let tried = attempt(number).await;
            if !tried.sent {
                return Finished { outcome: tried.outcome, verdict: Verdict::Done, attempts: number };
            }
            match self.after_attempt(number, tried.kind, tried.success) {
                Verdict::RetryAfter(delay) => {
                    tracing::debug!(
                        attempt = number,
                        failure = %describe(&tried.outcome),
                        delay_ms = delay.as_millis() as u64,
                        elapsed_ms = started.elapsed().as_millis() as u64,
                        "retrying"
                    );
                    drop(tried);
                    tokio::time::sleep(delay).await;
                    number += 1;
                }
                verdict => return Finished { outcome: tried.outcome, verdict, attempts: number },
            }
        }
    }
}

/// Tokens a client has for retries; retries stop when they run out, so a failing service is not flooded.
#[derive(Debug)]
pub(crate) struct RetryQuota {
    tokens: Mutex<u32>,
    enabled: bool,
}

/// The quota's capacity.
pub(crate) const QUOTA_CAPACITY: u32 = 500;
/// What a retry costs.
pub(crate) const RETRY_COST: u32 = 5;
/// What a retry after a timeout costs.
pub(crate) const TIMEOUT_RETRY_COST: u32 = 10;

impl RetryQuota {
    pub(crate) fn new(mode: RetryMode) -> RetryQuota {
        RetryQuota { tokens: Mutex::new(QUOTA_CAPACITY), enabled: mode != RetryMode::Legacy }
    }

    /// Takes the cost of a retry of this kind; `None` when the quota cannot cover it (no retry then).
    pub(crate) fn acquire(&self, kind: RetryKind) -> Option<u32> {
        if !self.enabled {
            return Some(0);
        }
        let cost = if kind == RetryKind::Timeout { TIMEOUT_RETRY_COST } else { RETRY_COST };
        let mut tokens = self.tokens.lock().unwrap_or_else(|e| e.into_inner());
        if *tokens < cost {
            return None;
        }
        *tokens -= cost;
        Some(cost)
    }

    /// A request succeeded: gives back what its last retry cost, or one token when it needed no retry.
    pub(crate) fn release(&self, last_cost: Option<u32>) {
        if !self.enabled {
            return;
        }
        let mut tokens = self.tokens.lock().unwrap_or_else(|e| e.into_inner());
        *tokens = (*tokens + last_cost.unwrap_or(1)).min(QUOTA_CAPACITY);
    }

    /// The tokens left.
    pub(crate) fn available(&self) -> u32 {
        *self.tokens.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// The adaptive mode's client-side rate limiter: a token bucket whose rate follows a CUBIC curve, cut
/// when the service throttles and grown back while it does not.
#[derive(Debug)]
pub(crate) struct RateLimiter {
    state: Mutex<RateState>,
}

#[derive(Debug)]
struct RateState {
    start: Instant,
    enabled: bool,
    fill_rate: f64,
    max_capacity: f64,
    capacity: f64,
    last_refill: Option<f64>,
    measured_rate: f64,
    last_rate_bucket: f64,
    request_count: u64,
    last_max_rate: f64,
    last_throttle: f64,
    time_window: f64,
}

const MIN_FILL_RATE: f64 = 0.5;
const MIN_CAPACITY: f64 = 1.0;
const SMOOTH: f64 = 0.8;
const BETA: f64 = 0.7;
const SCALE_CONSTANT: f64 = 0.4;

impl RateLimiter {
    pub(crate) fn new() -> RateLimiter {
        RateLimiter {
            state: Mutex::new(RateState {
                start: Instant::now(),
                enabled: false,
                fill_rate: 0.0,
                max_capacity: 0.0,
                capacity: 0.0,
                last_refill: None,
                measured_rate: 0.0,
                last_rate_bucket: 0.0,
                request_count: 0,
                last_max_rate: 0.0,
                last_throttle: 0.0,
                time_window: 0.0,
            }),
        }
    }

    /// How long to wait before sending; zero until the service has throttled once.
    pub(crate) fn delay_before_send(&self) -> Duration {
        let mut s = self.state.lock().unwrap_or_else(|e| e.into_inner());
        if !s.enabled {
            return Duration::ZERO;
        }
        s.refill();
        if s.capacity >= 1.0 {
            s.capacity -= 1.0;
            return Duration::ZERO;
        }
        let wait = (1.0 - s.capacity) / s.fill_rate;
        s.capacity -= 1.0;
        Duration::from_secs_f64(wait.max(0.0))
    }

    /// Feeds the outcome of an attempt: throttled or not.
    pub(crate) fn update(&self, throttled: bool) {
        let mut s = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let now = s.now();
        s.update_measured_rate(now);
        let rate = if throttled {
            let rate_to_use = if s.enabled { s.measured_rate.min(s.fill_rate) } else { s.measured_rate };
            s.last_max_rate = rate_to_use;
            s.time_window = ((s.last_max_rate * (1.0 - BETA)) / SCALE_CONSTANT).cbrt();
            s.last_throttle = now;
            s.enabled = true;
            rate_to_use * BETA
        } else {
            let dt = now - s.last_throttle - s.time_window;
            SCALE_CONSTANT * dt * dt * dt + s.last_max_rate
        };
        let new_rate = rate.min(2.0 * s.measured_rate).max(MIN_FILL_RATE);
        s.refill();
        s.fill_rate = new_rate;
        s.max_capacity = new_rate.max(MIN_CAPACITY);
        s.capacity = s.capacity.min(s.max_capacity);
    }

    #[cfg(test)]
    fn fill_rate(&self) -> Option<f64> {
        let s = self.state.lock().unwrap();
        s.enabled.then_some(s.fill_rate)
    }
}

impl RateState {
    fn now(&self) -> f64 {
        self.start.elapsed().as_secs_f64()
    }

    fn refill(&mut self) {
        let now = self.now();
        if let Some(last) = self.last_refill {
            self.capacity = (self.capacity + (now - last) * self.fill_rate).min(self.max_capacity);
        }
        self.last_refill = Some(now);
    }

    fn update_measured_rate(&mut self, now: f64) {
        let bucket = (now * 2.0).floor() / 2.0;
        self.request_count += 1;
        if bucket > self.last_rate_bucket {
            let current = self.request_count as f64 / (bucket - self.last_rate_bucket);
            self.measured_rate = current * SMOOTH + self.measured_rate * (1.0 - SMOOTH);
            self.request_count = 0;
            self.last_rate_bucket = bucket;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classification() {
        assert_eq!(classify_response(503, Some("SlowDown")), Some(RetryKind::Throttling));
        assert_eq!(classify_response(500, None), Some(RetryKind::Transient));
        assert_eq!(classify_response(400, Some("RequestTimeout")), Some(RetryKind::Transient));
        assert_eq!(classify_response(429, None), Some(RetryKind::Throttling));
        assert_eq!(classify_response(404, Some("NoSuchKey")), None);
        assert_eq!(classify_response(403, Some("SignatureDoesNotMatch")), None);
        assert_eq!(classify_response(501, None), None);
        assert_eq!(classify_answer(200, Some("AccessDenied"), true), Some(RetryKind::Transient));
        assert_eq!(classify_answer(200, None, false), None);
        assert_eq!(classify_answer(503, None, false), Some(RetryKind::Transient));
    }

    #[test]
    fn errors_and_parts() {
        use crate::runtime::error::ServiceError;
        assert_eq!(classify_error(&Error::timeout("slow")), Some(RetryKind::Timeout));
        assert_eq!(classify_error(&Error::transport("reset")), Some(RetryKind::Transient));
        assert_eq!(classify_error(&Error::service(ServiceError::new(503, "SlowDown"))), Some(RetryKind::Throttling));
        assert_eq!(classify_error(&Error::service(ServiceError::new(404, "NoSuchKey"))), None);
        assert!(part_is_retryable(&Error::service(ServiceError::new(400, "BadDigest"))));
        assert!(part_is_retryable(&Error::new(ErrorKind::Integrity, "checksum")));
        assert!(!part_is_retryable(&Error::service(ServiceError::new(404, "NoSuchUpload"))));
        assert!(!part_is_retryable(&Error::service(ServiceError::new(403, "AccessDenied"))));
        assert!(!part_is_retryable(&Error::invalid_input("bad")));
        for attempt in 0..40 {
            assert!(part_backoff(attempt) <= Duration::from_secs(5));
        }
    }

    #[test]
    fn verdicts() {
        let quota = RetryQuota::new(RetryMode::Standard);
        let config = RetryConfig::new(RetryMode::Standard).with_initial_backoff(Duration::from_millis(1));
        let mut run = RetryRun::new(config, &quota, None, true);
        assert!(matches!(run.after_attempt(1, Some(RetryKind::Transient), false), Verdict::RetryAfter(_)));
        assert_eq!(quota.available(), QUOTA_CAPACITY - RETRY_COST);
        assert_eq!(run.after_attempt(2, None, true), Verdict::Done);
        assert_eq!(quota.available(), QUOTA_CAPACITY, "a success gives back what its retry cost");
        assert_eq!(run.after_attempt(3, Some(RetryKind::Timeout), false), Verdict::NoAttemptsLeft);
        let mut one_shot = RetryRun::new(config, &quota, None, false);
        assert_eq!(one_shot.after_attempt(1, Some(RetryKind::Transient), false), Verdict::OneShotBody);
        let empty = RetryQuota::new(RetryMode::Standard);
        while empty.acquire(RetryKind::Timeout).is_some() {}
        let mut starved = RetryRun::new(config, &empty, None, true);
        assert_eq!(starved.after_attempt(1, Some(RetryKind::Transient), false), Verdict::QuotaExhausted);
    }

    #[test]
    fn backoff_stays_within_bounds() {
        // The largest settings saturate instead of overflowing.
        let huge = RetryConfig::default().with_initial_backoff(Duration::MAX).with_max_backoff(Duration::MAX);
        for retry in [0, 1, 30, u32::MAX] {
            assert!(huge.backoff(retry) <= Duration::MAX);
        }
        let config = RetryConfig::default();
        for retry in 0..10 {
            let ceiling = Duration::from_secs(1u64 << retry).min(Duration::from_secs(20));
            for _ in 0..50 {
                assert!(config.backoff(retry) <= ceiling);
            }
        }
    }

    #[test]
    fn quota_drains_and_refills() {
        let quota = RetryQuota::new(RetryMode::Standard);
        let mut taken = 0;
        while quota.acquire(RetryKind::Transient).is_some() {
            taken += 1;
        }
        assert_eq!(taken, QUOTA_CAPACITY / RETRY_COST);
        assert_eq!(quota.acquire(RetryKind::Timeout), None);
        quota.release(Some(RETRY_COST));
        assert_eq!(quota.available(), RETRY_COST);
        quota.release(None);
        assert_eq!(quota.available(), RETRY_COST + 1);
        let legacy = RetryQuota::new(RetryMode::Legacy);
        for _ in 0..1000 {
            assert!(legacy.acquire(RetryKind::Timeout).is_some());
        }
    }

    #[test]
    fn rate_limiter_slows_down_after_throttling() {
        let limiter = RateLimiter::new();
        assert_eq!(limiter.delay_before_send(), Duration::ZERO);
        assert_eq!(limiter.fill_rate(), None);
        for _ in 0..5 {
            limiter.update(true);
        }
        let rate = limiter.fill_rate().unwrap();
        assert!((MIN_FILL_RATE..10.0).contains(&rate), "{rate}");
        // With the bucket drained, sending has to wait.
        let mut waited = Duration::ZERO;
        for _ in 0..5 {
            waited += limiter.delay_before_send();
        }
        assert!(waited > Duration::ZERO);
    }

    #[test]
    fn mode_names() {
        assert_eq!(RetryMode::parse("Legacy").unwrap(), RetryMode::Legacy);
        assert_eq!(RetryConfig::new(RetryMode::Legacy).max_attempts(), 5);
        assert!(RetryMode::parse("x").unwrap_err().to_string().contains("standard, legacy, adaptive"));
    }
}
