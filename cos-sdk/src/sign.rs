//! SigV4 signing of requests with HMAC keys, through `aws-sigv4` (service `s3`, S3's single URI encoding).

use std::time::{Duration, SystemTime};

use aws_sigv4::http_request::{
    sign, PayloadChecksumKind, PercentEncodingMode, SessionTokenMode, SignableBody, SignableRequest,
    SignatureLocation, SigningInstructions, SigningSettings, UriPathNormalizationMode,
};
use aws_smithy_runtime_api::client::identity::Identity;

use crate::body::ByteStream;
use crate::config::PayloadSigning;
use crate::credentials::HmacKeys;
use crate::error::Error;

/// The payload hash S3 accepts for a body that is not hashed.
#[cfg(test)]
pub(crate) const UNSIGNED_PAYLOAD: &str = "UNSIGNED-PAYLOAD";

/// Signs `request` in place: adds `x-amz-date`, `x-amz-content-sha256`, `x-amz-security-token` (with a
/// session token) and `Authorization`. In-memory bodies are hashed unless `payload` says otherwise; files
/// and streams are sent as `UNSIGNED-PAYLOAD`.
pub(crate) fn sign_request(
    request: &mut http::Request<ByteStream>,
    keys: &HmacKeys,
    region: &str,
    payload: PayloadSigning,
    time: SystemTime,
) -> Result<(), Error> {
    let mut settings = SigningSettings::default();
    settings.payload_checksum_kind = PayloadChecksumKind::XAmzSha256;
    let body = match (payload, request.body().as_bytes()) {
        (PayloadSigning::Auto, Some(bytes)) => SignableBody::Bytes(bytes),
        _ => SignableBody::UnsignedPayload,
    };
    let instructions = signing_instructions(request, keys, region, time, settings, body)?;
    instructions.apply_to_request_http1x(request);
    // Keeps the signature and session token out of `Debug` output of the headers.
    for name in [http::header::AUTHORIZATION.as_str(), "x-amz-security-token"] {
        if let Some(value) = request.headers_mut().get_mut(name) {
            value.set_sensitive(true);
        }
    }
    Ok(())
}

/// Presigns `request` in place: the signature, credential, date and expiry go into the query string
/// (`X-Amz-Signature`, ...), the payload is `UNSIGNED-PAYLOAD`, and the headers left on the request
/// are the ones whoever uses the URL must send.
pub(crate) fn presign_request(
    request: &mut http::Request<ByteStream>,
    keys: &HmacKeys,
    region: &str,
    expires_in: Duration,
    time: SystemTime,
) -> Result<(), Error> {
    let mut settings = SigningSettings::default();
    settings.signature_location = SignatureLocation::QueryParams;
    settings.expires_in = Some(expires_in);
    settings.payload_checksum_kind = PayloadChecksumKind::NoHeader;
    let instructions = signing_instructions(request, keys, region, time, settings, SignableBody::UnsignedPayload)?;
    instructions.apply_to_request_http1x(request);
    Ok(())
}

/// What signing adds to `request` (headers or query parameters), with S3's signing rules: single URI
/// encoding, no path normalization, the session token signed.
fn signing_instructions(
    request: &http::Request<ByteStream>,
    keys: &HmacKeys,
    region: &str,
    time: SystemTime,
    mut settings: SigningSettings,
    body: SignableBody<'_>,
) -> Result<SigningInstructions, Error> {
    let identity: Identity = aws_credential_types::Credentials::new(
        keys.access_key_id.clone(),
        keys.secret_access_key.expose().to_string(),
        keys.session_token.as_ref().map(|t| t.expose().to_string()),
        None,
        "cos-sdk",
    )
    .into();
    settings.percent_encoding_mode = PercentEncodingMode::Single;
    settings.uri_path_normalization_mode = UriPathNormalizationMode::Disabled;
    settings.session_token_mode = SessionTokenMode::Include;
    let params = aws_sigv4::sign::v4::SigningParams::builder()
        .identity(&identity)
        .region(region)
        .name("s3")
        .time(time)
        .settings(settings)
        .build()
        .map_err(|e| Error::credentials(format!("could not prepare the SigV4 signature: {e}")))?
        .into();
    let mut header_values = Vec::with_capacity(request.headers().len());
    for (name, value) in request.headers() {
        let value = value.to_str().map_err(|_| {
            Error::invalid_input(format!(
                "header `{name}` has a value that is not visible ASCII, so it cannot be signed; percent-encode it"
            ))
        })?;
        header_values.push((name.as_str(), value));
    }
    let uri = request.uri().to_string();
    let signable = SignableRequest::new(request.method().as_str(), uri, header_values.into_iter(), body)
        .map_err(|e| Error::invalid_input(format!("the request cannot be signed: {e}")))?;
    // aws-sigv4 traces the headers it signs, and some carry secrets (an SSE-C key): sign with tracing off.
    let signed = tracing::dispatcher::with_default(&tracing::Dispatch::none(), || sign(signable, &params));
    let (instructions, _signature) = signed
        .map_err(|e| Error::credentials(format!("SigV4 signing failed: {e}")))?
        .into_parts();
    Ok(instructions)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::credentials::Secret;

    fn keys() -> HmacKeys {
        HmacKeys {
            access_key_id: "AKIDEXAMPLE".into(),
            secret_access_key: Secret::new("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"),
            session_token: None,
        }
    }

    #[test]
    fn signs_with_payload_hash_for_memory_and_unsigned_for_streams() {
        let time = SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_440_938_160);
        let mut request = http::Request::put("http://127.0.0.1:9000/bucket/key?uploads")
            .header("host", "127.0.0.1:9000")
            .body(ByteStream::from("hello"))
            .unwrap();
        sign_request(&mut request, &keys(), "us-east-1", PayloadSigning::Auto, time).unwrap();
        let auth = request.headers()["authorization"].to_str().unwrap();
        assert!(auth.starts_with("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/s3/aws4_request"), "{auth}");
        assert!(auth.contains("SignedHeaders=host;x-amz-content-sha256;x-amz-date"), "{auth}");
        assert!(request.headers()["authorization"].is_sensitive());
        assert_eq!(
            request.headers()["x-amz-content-sha256"],
            "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"
        );
        assert_eq!(request.headers()["x-amz-date"], "20150830T123600Z");

        let mut request = http::Request::put("http://127.0.0.1:9000/bucket/key")
            .body(ByteStream::from_reader(std::io::Cursor::new(b"x".to_vec()), Some(1)))
            .unwrap();
        sign_request(&mut request, &keys(), "us-east-1", PayloadSigning::Auto, time).unwrap();
        assert_eq!(request.headers()["x-amz-content-sha256"], UNSIGNED_PAYLOAD);

        let mut request = http::Request::get("http://h/b").body(ByteStream::from("abc")).unwrap();
        sign_request(&mut request, &keys(), "us-east-1", PayloadSigning::Unsigned, time).unwrap();
        assert_eq!(request.headers()["x-amz-content-sha256"], UNSIGNED_PAYLOAD);
    }

    #[test]
    fn session_token_is_sent_and_signed() {
        let mut keys = keys();
        keys.session_token = Some(Secret::new("session"));
        let mut request = http::Request::get("https://h/b").body(ByteStream::new()).unwrap();
        sign_request(&mut request, &keys, "eu-de", PayloadSigning::Auto, SystemTime::now()).unwrap();
        assert_eq!(request.headers()["x-amz-security-token"], "session");
        let auth = request.headers()["authorization"].to_str().unwrap();
        assert!(auth.contains("x-amz-security-token") && auth.contains("/eu-de/s3/"), "{auth}");
    }
}
