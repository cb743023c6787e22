//! Presigned URLs: SigV4 query signing, so that a plain HTTP client can GET, PUT, HEAD or DELETE an
//! object (or upload a part) without credentials of its own. HMAC keys only: a bearer token cannot be
//! put into a URL.

use std::fmt;
use std::time::{Duration, SystemTime};

use crate::client::Client;
use crate::runtime::error::Error;
use crate::runtime::http::body::ByteStream;
use crate::runtime::protocol::request::OperationMeta;

/// SigV4 accepts at most seven days.
pub const MAX_PRESIGNED_EXPIRY: Duration = Duration::from_secs(7 * 24 * 3600);

/// A presigned request: the URL, its method, and the headers whoever uses it must send unchanged.
#[derive(Clone)]
pub struct PresignedRequest {
    method: http::Method,
    uri: http::Uri,
    headers: http::HeaderMap,
}

impl PresignedRequest {
    /// The HTTP method the URL is signed for.
    pub fn method(&self) -> &http::Method {
        &self.method
    }
    /// The presigned URL.
    pub fn uri(&self) -> &http::Uri {
        &self.uri
    }
    /// The URL as text.
    pub fn url(&self) -> String {
        self.uri.to_string()
    }
    /// Headers that were signed and must be sent with the request (for example `content-type`).
    pub fn headers(&self) -> &http::HeaderMap {
        &self.headers
    }
}

impl fmt::Debug for PresignedRequest {
    /// The URL carries a signature that grants access until it expires: only its path is printed.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PresignedRequest")
            .field("method", &self.method)
            .field("path", &self.uri.path())
            .field("headers", &self.headers.keys().collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

impl Client {
    #[doc(hidden)]
    /// Presigns a serialized request; generated `presigned` methods call this.
    pub fn presign(
        &self,
        operation: &'static OperationMeta,
        request: http::Request<ByteStream>,
        expires_in: Duration,
    ) -> Result<PresignedRequest, Error> {
        presign_with(self, operation, request, expires_in, SystemTime::now())
    }
}

fn presign_with(
    client: &Client,
    operation: &'static OperationMeta,
    mut request: http::Request<ByteStream>,
    expires_in: Duration,
    now: SystemTime,
) -> Result<PresignedRequest, Error> {
    let fail = |e: Error| e.with_operation(operation.name);
    let Some(signer) = client.signer() else {
        return Err(fail(Error::credentials(
            "presigned URLs need HMAC keys (cos_hmac_keys of a service credential with HMAC enabled); \
             an IAM API key or bearer token cannot be put into a URL",
        )));
    };
    // X-Amz-Expires is whole seconds: under one second would be `0`, an already expired URL.
    if expires_in < Duration::from_secs(1) || expires_in > MAX_PRESIGNED_EXPIRY {
        return Err(fail(Error::invalid_input(format!(
            "a presigned URL must expire within 1 second to 7 days (604800 seconds); {expires_in:?} was asked for"
        ))));
    }
    // The body is sent by whoever uses the URL; its length and checksum are theirs to set.
    for name in [http::header::CONTENT_LENGTH.as_str(), "content-md5"] {
        request.headers_mut().remove(name);
    }
    signer.presign(&mut request, client.config().region(), expires_in, now).map_err(fail)?;
    let (parts, _) = request.into_parts();
    Ok(PresignedRequest { method: parts.method, uri: parts.uri, headers: parts.headers })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Config, Credentials};

    static META: OperationMeta = OperationMeta::new("GetObject").streaming_response();

    fn client(credentials: Credentials) -> Client {
        let config = Config::builder()
            .endpoint_url("https://s3.us-south.cloud-object-storage.appdomain.cloud")
            .credentials(credentials)
            .region("us-south")
            .build()
            .unwrap();
        Client::new(&config).unwrap()
    }

    fn get(uri: &str) -> http::Request<ByteStream> {
        http::Request::builder().method("GET").uri(uri).body(ByteStream::new()).unwrap()
    }

    #[test]
    fn query_signature_with_expiry() {
        let c = client(Credentials::hmac("AKID", "secret"));
        let time = SystemTime::UNIX_EPOCH + Duration::from_secs(1_795_529_280);
        let p = presign_with(
            &c,
            &META,
            get("https://s3.us-south.cloud-object-storage.appdomain.cloud/b/k%20x"),
            Duration::from_secs(3600),
            time,
        )
        .unwrap();
        let url = p.url();
        assert!(url.starts_with("https://s3.us-south.cloud-object-storage.appdomain.cloud/b/k%20x?"), "{url}");
        for part in [
            "X-Amz-Algorithm=AWS4-HMAC-SHA256",
            "X-Amz-Credential=AKID%2F20261124%2Fus-south%2Fs3%2Faws4_request",
            "X-Amz-Date=20261124T140800Z",
            "X-Amz-Expires=3600",
            "X-Amz-SignedHeaders=host",
            "X-Amz-Signature=",
        ] {
            assert!(url.contains(part), "{part} missing in {url}");
        }
        assert!(!format!("{p:?}").contains("Signature"), "Debug must not show the signature");
    }

    #[test]
    fn api_keys_and_bad_expiry_are_clear_errors() {
        let c = client(Credentials::api_key("key"));
        let e = c.presign(&META, get("https://h/b/k"), Duration::from_secs(60)).unwrap_err();
        assert!(e.to_string().contains("presigned URLs need HMAC keys"), "{e}");
        let c = client(Credentials::hmac("AKID", "secret"));
        let e = c.presign(&META, get("https://h/b/k"), Duration::from_secs(8 * 24 * 3600)).unwrap_err();
        assert!(e.to_string().contains("604800"), "{e}");
        // Just past the limit is not rounded down to it in the message, and under a second is refused.
        let e = c.presign(&META, get("https://h/b/k"), Duration::from_millis(604_800_500)).unwrap_err();
        assert!(e.to_string().contains("604800.5s was asked for"), "{e}");
        let e = c.presign(&META, get("https://h/b/k"), Duration::from_millis(999)).unwrap_err();
        assert!(e.to_string().contains("999ms was asked for"), "{e}");
        assert!(c.presign(&META, get("https://h/b/k"), Duration::from_secs(1)).is_ok());
    }
}
