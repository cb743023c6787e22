//! The one error type every operation returns, with its kinds and the service's error details.

use std::any::Any;
use std::fmt;
use std::marker::PhantomData;
use std::ops::Deref;

/// What went wrong, broadly; match on it to decide what to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The request could not be built from the input: a required member is missing or a value is invalid.
    InvalidInput,
    /// No usable credentials, or the token service refused them.
    Credentials,
    /// A connect, attempt, operation or stall timeout ran out.
    Timeout,
    /// The connection failed, was reset, or TLS failed.
    Transport,
    /// The service answered with an error.
    Service,
    /// The service's answer could not be read.
    ResponseParse,
    /// Reading or writing a local file or stream failed.
    Io,
    /// Data did not match its checksum or expected size: it was corrupted or changed on the way.
    Integrity,
    /// A transfer was cancelled or paused through its handle; `transfer::was_cancelled` and
    /// `transfer::was_paused` tell which.
    Stopped,
    /// The HTTP proxy refused the request: it wants credentials, or its rules forbid the destination.
    /// Not retried; the message names the proxy (never its credentials).
    Proxy,
}

impl ErrorKind {
    fn describe(self) -> &'static str {
        match self {
            ErrorKind::InvalidInput => "invalid input",
            ErrorKind::Credentials => "credentials error",
            ErrorKind::Timeout => "timed out",
            ErrorKind::Transport => "transport error",
            ErrorKind::Service => "service error",
            ErrorKind::ResponseParse => "could not parse the response",
            ErrorKind::Io => "i/o error",
            ErrorKind::Integrity => "integrity check failed",
            ErrorKind::Stopped => "stopped",
            ErrorKind::Proxy => "proxy error",
        }
    }
}

/// The details of an error response from the service.
pub struct ServiceError {
    pub(crate) status: u16,
    pub(crate) code: String,
    pub(crate) message: Option<String>,
    pub(crate) request_id: Option<String>,
    pub(crate) host_id: Option<String>,
    pub(crate) extras: Vec<(String, String)>,
    pub(crate) operation_error: Option<Box<dyn Any + Send + Sync>>,
}

impl ServiceError {
    /// A service error with the given HTTP status and error code.
    pub fn new(status: u16, code: impl Into<String>) -> Self {
        ServiceError {
            status,
            code: code.into(),
            message: None,
            request_id: None,
            host_id: None,
            extras: Vec::new(),
            operation_error: None,
        }
    }

    /// The HTTP status code of the response.
    pub fn status(&self) -> u16 {
        self.status
    }
    /// The error code (`NoSuchKey`, `SlowDown`, ...); for bodiless answers such as HEAD, derived from the status.
    pub fn code(&self) -> &str {
        &self.code
    }
    /// The human-readable message the service sent, if any.
    pub fn message(&self) -> Option<&str> {
        self.message.as_deref()
    }
    /// The request id (`<RequestId>` or `x-amz-request-id`), for support cases.
    pub fn request_id(&self) -> Option<&str> {
        self.request_id.as_deref()
    }
    /// The host id (`<HostId>` or `x-amz-id-2`).
    pub fn host_id(&self) -> Option<&str> {
        self.host_id.as_deref()
    }
    /// Other elements of the `<Error>` body, by element name (`BucketName`, `Key`, `Resource`, ...).
    pub fn extra(&self, name: &str) -> Option<&str> {
        self.extras.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }
    /// All other elements of the `<Error>` body, in document order.
    pub fn extras(&self) -> &[(String, String)] {
        &self.extras
    }

    /// Sets the message.
    pub fn with_message(mut self, message: Option<String>) -> Self {
        self.message = message;
        self
    }
    /// Sets the request id.
    pub fn with_request_id(mut self, request_id: Option<String>) -> Self {
        self.request_id = request_id;
        self
    }
    /// Sets the host id.
    pub fn with_host_id(mut self, host_id: Option<String>) -> Self {
        self.host_id = host_id;
        self
    }
    /// Sets the other elements of the error body.
    pub fn with_extras(mut self, extras: Vec<(String, String)>) -> Self {
        self.extras = extras;
        self
    }
}

impl Clone for ServiceError {
    /// Clones the details; the typed operation error is not carried over.
    fn clone(&self) -> Self {
        ServiceError {
            status: self.status,
            code: self.code.clone(),
            message: self.message.clone(),
            request_id: self.request_id.clone(),
            host_id: self.host_id.clone(),
            extras: self.extras.clone(),
            operation_error: None,
        }
    }
}

impl fmt::Debug for ServiceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServiceError")
            .field("status", &self.status)
            .field("code", &self.code)
            .field("message", &self.message)
            .field("request_id", &self.request_id)
            .field("host_id", &self.host_id)
            .field("extras", &self.extras)
            .finish()
    }
}

impl fmt::Display for ServiceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "HTTP {}, {}", self.status, self.code)?;
        if let Some(message) = &self.message {
            write!(f, ": {message}")?;
        }
        if let Some(id) = &self.request_id {
            write!(f, " (request id {id})")?;
        }
        Ok(())
    }
}

/// The error every operation and client function returns.
///
/// Its `Display` names the operation and, for service errors, the HTTP status, error code, message and
/// request id. An operation's `send()` returns it wrapped in a [`SendError`], which also gives the
/// operation's typed error (for example `GetObjectError::NoSuchKey`).
pub struct Error {
    kind: ErrorKind,
    operation: Option<&'static str>,
    message: String,
    service: Option<Box<ServiceError>>,
    source: Option<Box<dyn std::error::Error + Send + Sync>>,
    /// How many attempts were made, when more than one.
    attempts: Option<u32>,
}

impl Error {
    /// An error of the given kind with a message that says what failed and what to do.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Error { kind, operation: None, message: message.into(), service: None, source: None, attempts: None }
    }

    /// An [`ErrorKind::InvalidInput`] error.
    pub fn invalid_input(message: impl Into<String>) -> Self {
        Error::new(ErrorKind::InvalidInput, message)
    }

    /// An [`ErrorKind::ResponseParse`] error.
    pub fn response_parse(message: impl Into<String>) -> Self {
        Error::new(ErrorKind::ResponseParse, message)
    }

    /// A [`ErrorKind::Service`] error from the service's error details.
    pub fn service(details: ServiceError) -> Self {
        Error {
            kind: ErrorKind::Service,
            operation: None,
            message: String::new(),
            service: Some(Box::new(details)),
            source: None,
            attempts: None,
        }
    }

    /// An [`ErrorKind::Credentials`] error.
    pub fn credentials(message: impl Into<String>) -> Self {
        Error::new(ErrorKind::Credentials, message)
    }

    /// An [`ErrorKind::Timeout`] error.
    pub fn timeout(message: impl Into<String>) -> Self {
        Error::new(ErrorKind::Timeout, message)
    }

    /// An [`ErrorKind::Transport`] error.
    pub fn transport(message: impl Into<String>) -> Self {
        Error::new(ErrorKind::Transport, message)
    }

    /// Attaches a service's error details (status, code, message, request id) without changing the kind;
    /// used for errors of the IAM token service, which are credential errors.
    pub fn with_service_error(mut self, details: ServiceError) -> Self {
        self.service = Some(Box::new(details));
        self
    }

    /// Names the operation unless one is already named.
    pub(crate) fn or_operation(mut self, operation: &'static str) -> Self {
        if self.operation.is_none() {
            self.operation = Some(operation);
        }
        self
    }

    /// Replaces the message, keeping the kind, operation, service details and source.
    pub(crate) fn map_message(mut self, f: impl FnOnce(&str) -> String) -> Self {
        self.message = f(&self.message);
        self
    }

    /// The message that says what failed and what to do (empty for plain service errors).
    pub fn message(&self) -> &str {
        &self.message
    }

    /// Attaches the underlying cause.
    pub fn with_source(mut self, source: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        self.source = Some(source.into());
        self
    }

    /// Names the operation that failed (`PutObject`).
    pub fn with_operation(mut self, operation: &'static str) -> Self {
        self.operation = Some(operation);
        self
    }

    #[doc(hidden)]
    /// The error of `operation` for an error answer: its details, and the operation's typed error.
    pub fn operation_service<E: Any + Send + Sync>(operation: &'static str, details: ServiceError, typed: E) -> Self {
        // Only the boxing is generic: one copy of the rest serves all 81 operations.
        Self::boxed_operation_service(operation, details, Box::new(typed))
    }

    fn boxed_operation_service(operation: &'static str, mut details: ServiceError, typed: Box<dyn Any + Send + Sync>) -> Self {
        details.operation_error = Some(typed);
        Error::service(details).with_operation(operation)
    }

    #[doc(hidden)]
    /// Records that the request was attempted `attempts` times before failing (shown when more than one).
    pub fn with_attempts(mut self, attempts: u32) -> Self {
        if attempts > 1 {
            self.attempts = Some(attempts);
        }
        self
    }

    /// How many attempts were made before this error, when the request was retried.
    pub fn attempts(&self) -> Option<u32> {
        self.attempts
    }

    /// Whether the service answered 404: no such bucket, key, version or upload. True for the bare
    /// 404 of a HEAD request too, which has no body to name the error.
    pub fn is_not_found(&self) -> bool {
        self.service.as_ref().is_some_and(|s| s.status() == 404)
    }

    /// What kind of error this is.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// The operation that failed, when the error came from one.
    pub fn operation(&self) -> Option<&'static str> {
        self.operation
    }

    /// The service's error details, for [`ErrorKind::Service`] errors.
    pub fn service_error(&self) -> Option<&ServiceError> {
        self.service.as_deref()
    }

    /// The service's error code, for service errors.
    pub fn code(&self) -> Option<&str> {
        self.service.as_deref().map(ServiceError::code)
    }

    #[doc(hidden)]
    /// The typed error attached by the operation that failed, if it is of type `E`; application code
    /// uses [`SendError::as_operation_error`], whose type cannot be the wrong one.
    pub fn operation_error<E: Any>(&self) -> Option<&E> {
        self.service.as_deref()?.operation_error.as_deref()?.downcast_ref::<E>()
    }
}

/// What an operation's `send()` fails with: the [`Error`], tied to the operation's own error enum `E`
/// (`GetObjectError`, `HeadBucketError`, ...), so matching it names no type and cannot name the wrong one.
///
/// It dereferences to [`Error`] for the kind, code, status, request id and retry count, and `?` turns it
/// into an [`Error`] where one operation's error type is not wanted.
///
/// ```no_run
/// # async fn f(client: cos_sdk::Client) -> Result<(), cos_sdk::Error> {
/// use cos_sdk::operation::get_object::GetObjectError;
/// match client.get_object().bucket("b").key("k").send().await {
///     Ok(object) => println!("{} bytes", object.content_length().unwrap_or(0)),
///     Err(e) => match e.as_operation_error() {
///         Some(GetObjectError::NoSuchKey(_)) => println!("no such key"),
///         _ => return Err(e.into()),
///     },
/// }
/// # Ok(()) }
/// ```
pub struct SendError<E> {
    error: Error,
    operation: PhantomData<fn() -> E>,
}

impl<E: Any> SendError<E> {
    /// The operation's error enum, for every error answer the service sent (codes the model does not
    /// list for the operation are its `Unhandled` variant); `None` when no such answer came: invalid
    /// input, credentials, timeouts, transport failures.
    pub fn as_operation_error(&self) -> Option<&E> {
        self.error.operation_error::<E>()
    }

    /// The operation's error enum by value, or the [`Error`] itself when the service sent no error answer.
    pub fn into_operation_error(mut self) -> Result<E, Error> {
        let typed = self.error.service.as_mut().and_then(|s| s.operation_error.take());
        match typed.map(|t| t.downcast::<E>()) {
            Some(Ok(typed)) => Ok(*typed),
            Some(Err(other)) => {
                if let Some(service) = self.error.service.as_mut() {
                    service.operation_error = Some(other);
                }
                Err(self.error)
            }
            None => Err(self.error),
        }
    }
}

impl<E> SendError<E> {
    /// The error without its operation's type.
    pub fn into_error(self) -> Error {
        self.error
    }
}

impl<E> Deref for SendError<E> {
    type Target = Error;
    fn deref(&self) -> &Error {
        &self.error
    }
}

impl<E> From<Error> for SendError<E> {
    fn from(error: Error) -> Self {
        SendError { error, operation: PhantomData }
    }
}

impl<E> From<SendError<E>> for Error {
    fn from(error: SendError<E>) -> Self {
        error.error
    }
}

impl<E> fmt::Debug for SendError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.error, f)
    }
}

impl<E> fmt::Display for SendError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.error, f)
    }
}

impl<E> std::error::Error for SendError<E> {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        std::error::Error::source(&self.error)
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Error")
            .field("kind", &self.kind)
            .field("operation", &self.operation)
            .field("message", &self.message)
            .field("service", &self.service)
            .field("source", &self.source)
            .field("attempts", &self.attempts)
            .finish()
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(operation) = self.operation {
            write!(f, "{operation} failed: ")?;
        }
        f.write_str(self.kind.describe())?;
        if let Some(service) = &self.service {
            write!(f, ": {service}")?;
        }
        if !self.message.is_empty() {
            write!(f, ": {}", self.message)?;
        }
        if let Some(source) = &self.source {
            write!(f, ": {source}")?;
        }
        if let Some(attempts) = self.attempts {
            write!(f, " (after {attempts} attempts)")?;
        }
        Ok(())
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source.as_deref().map(|s| s as &(dyn std::error::Error + 'static))
    }
}
