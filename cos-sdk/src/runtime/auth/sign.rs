//! SigV4 signing of requests with HMAC keys (service `s3`, S3's single URI encoding). The canonical
//! request and the string to sign are built here; the key derivation and the HMAC come from
//! `aws-sigv4`. The derived signing key is cached per UTC day and region, so signing a request takes
//! one HMAC instead of five.

use std::borrow::Cow;
use std::fmt;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, SystemTime};

use aws_sigv4::sign::v4::{calculate_signature, generate_signing_key};
use http::header::HeaderValue;
use http::uri::{PathAndQuery, Uri};
use percent_encoding::{percent_decode_str, utf8_percent_encode};
use sha2::{Digest, Sha256};

use crate::runtime::auth::credentials::HmacKeys;
use crate::runtime::error::Error;
use crate::runtime::http::body::ByteStream;
use crate::runtime::protocol::datetime::{DateTime, TimestampFormat};
use crate::runtime::protocol::request::ENCODE;

/// The signing algorithm, as named in the `Authorization` header and the string to sign.
const ALGORITHM: &str = "AWS4-HMAC-SHA256";

/// The service name in the credential scope.
const SERVICE: &str = "s3";

/// The payload hash S3 accepts for a body that is not hashed.
const UNSIGNED_PAYLOAD: &str = "UNSIGNED-PAYLOAD";

/// Headers that are never signed: signing sets `authorization`, and proxies may change the others.
const UNSIGNED_HEADERS: &[&str] = &["authorization", "user-agent", "x-amzn-trace-id", "transfer-encoding"];

/// Headers a presigned URL leaves unsigned, so that whoever uses the URL may set them.
const UNSIGNED_IN_URLS: &[&str] = &["x-amz-user-agent", "x-amz-checksum-mode"];

/// Signs requests and presigns URLs with one set of HMAC keys. The derived signing key is kept for the
/// last UTC day and region it was made for.
pub(crate) struct Signer {
    keys: HmacKeys,
    cache: Mutex<Option<CachedKey>>,
    /// How many times a signing key was derived (for the cache tests).
    
#[cfg(test)]
    derivations: std::sync::atomic::AtomicUsize,
}

/// A derived signing key and the scope it is valid for.
struct CachedKey {
    /// `yyyymmdd`, UTC.
    date: String,
    region: String,
    key: [u8; 32],
}

impl fmt::Debug for Signer {
    /// The secret and the derived key are never printed.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Signer")
            .field("access_key_id", &self.keys.access_key_id)
            .field("signing_key", &"** redacted **")
            .finish_non_exhaustive()
    }
}

/// The canonical form of a request's headers.
struct CanonicalHeaders {
    /// One `name:value` line per signed header, each ending in a newline.
    lines: String,
    /// The signed header names, sorted and joined by `;`.
    signed: String,
}

impl Signer {
    /// A signer for `keys`, with an empty key cache.
    pub(crate) fn new(keys: HmacKeys) -> Signer {
        Signer {
            keys,
            cache: Mutex::new(None),
            #[cfg(test)]
            derivations: std::sync::atomic::AtomicUsize::new(0),
        }
    }

    /// Signs `request` in place: adds `x-amz-date`, `x-amz-content-sha256` (`payload_hash`, from
    /// [`payload_hash`]), `x-amz-security-token` (with a session token) and `Authorization`.
    pub(crate) fn sign(
        &self,
        request: &mut http::Request<ByteStream>,
        region: &str,
        payload_hash: &str,
        time: SystemTime,
    ) -> Result<(), Error> {
        let amz_date = amz_date(time);
        let mut added = vec![("x-amz-date", amz_date.as_str()), ("x-amz-content-sha256", payload_hash)];
        if let Some(token) = &self.keys.session_token {
            added.push(("x-amz-security-token", token.expose()));
        }
        let headers = canonical_headers(request, &added, false)?;
        let canonical_request = canonical_request(request, &canonical_query(request.uri(), []), &headers, payload_hash);
        let scope = scope(&amz_date, region);
        let signature = self.signature(&canonical_request, &amz_date, &scope, region, time);
        let authorization = format!(
            "{ALGORITHM} Credential={}/{scope}, SignedHeaders={}, Signature={signature}",
            self.keys.access_key_id, headers.signed
        );
        added.push(("authorization", &authorization));
        let mut values = Vec::with_capacity(added.len());
        for (name, value) in added {
            let mut value = HeaderValue::from_str(value).map_err(|_| {
                Error::credentials(format!(
                    "the `{name}` header cannot hold the credentials' characters; \
                     check the access key id and session token"
                ))
            })?;
            // Keeps the signature and session token out of `Debug` output of the headers.
            value.set_sensitive(name == "authorization" || name == "x-amz-security-token");
            values.push((name, value));
        }
        for (name, value) in values {
            request.headers_mut().insert(name, value);
        }
        Ok(())
    }

    /// Presigns `request` in place: the signature, credential, date and expiry go into the query string
    /// (`X-Amz-Signature`, ...), the payload is `UNSIGNED-PAYLOAD`, and the headers left on the request
    /// are the ones whoever uses the URL must send.
    pub(crate) fn presign(
        &self,
        request: &mut http::Request<ByteStream>,
        region: &str,
        expires_in: Duration,
        time: SystemTime,
    ) -> Result<(), Error> {
        let amz_date = amz_date(time);
        let scope = scope(&amz_date, region);
        let credential = format!("{}/{scope}", self.keys.access_key_id);
        let expires = expires_in.as_secs().to_string();
        let headers = canonical_headers(request, &[], true)?;
        let mut params = vec![
            ("X-Amz-Algorithm", ALGORITHM),
            ("X-Amz-Credential", credential.as_str()),
            ("X-Amz-Date", amz_date.as_str()),
            ("X-Amz-Expires", expires.as_str()),
            ("X-Amz-SignedHeaders", headers.signed.as_str()),
        ];
        let token = self.keys.session_token.as_ref().map(|token| ("X-Amz-Security-Token", token.expose()));
        let query = canonical_query(request.uri(), params.iter().chain(&token).copied());
        let canonical_request = canonical_request(request, &query, &headers, UNSIGNED_PAYLOAD);
        let signature = self.signature(&canonical_request, &amz_date, &scope, region, time);
        // The signature goes before the session token, in the order aws-sigv4 writes them.
        params.push(("X-Amz-Signature", &signature));
        params.extend(token);
        append_query(request, &params)
    }

    /// The hex signature of a canonical request: its hash goes into the string to sign (with the time
    /// and the credential scope), which is signed with the key of the day and region.
    fn signature(&self, canonical_request: &str, amz_date: &str, scope: &str, region: &str, time: SystemTime) -> String {
        let string_to_sign = [ALGORITHM, amz_date, scope, &sha256_hex(canonical_request.as_bytes())].join("\n");
        calculate_signature(self.signing_key(&amz_date[..8], region, time), string_to_sign.as_bytes())
    }

    /// The signing key for `date` (`yyyymmdd`, the day of `time`) and `region`: from the cache, or
    /// derived from the secret and then cached.
    fn signing_key(&self, date: &str, region: &str, time: SystemTime) -> [u8; 32] {
        let mut cache = self.cache.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(cached) = cache.as_ref().filter(|c| c.date == date && c.region == region) {
            return cached.key;
        }
        #[cfg(test)]
        self.derivations.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let derived = generate_signing_key(self.keys.secret_access_key.expose(), time, region, SERVICE);
        let key = <[u8; 32]>::try_from(derived.as_ref()).expect("an HMAC-SHA256 key is 32 bytes");
        *cache = Some(CachedKey { date: date.to_string(), region: region.to_string(), key });
        key
    }
}

/// Bodies from this size on are hashed on a blocking thread, so the runtime's workers keep serving
/// other requests meanwhile.
const BLOCKING_HASH_SIZE: usize = 1 << 20;

/// The payload hash SigV4 signs for `body`: the SHA-256 (hex) of an in-memory body under
/// `PayloadSigning::Auto`, else `UNSIGNED-PAYLOAD` (files, streams, `PayloadSigning::Unsigned`). The
/// client computes it once per operation; its attempts reuse it.
pub(crate) async fn payload_hash(body: &ByteStream, payload: PayloadSigning) -> String {
    match body.as_bytes() {
        Some(bytes) if payload == PayloadSigning::Auto && bytes.len() >= BLOCKING_HASH_SIZE => {
            let shared = bytes.clone();
            // Hashing cannot panic; should the task be lost anyway, the hash is made here.
            crate::runtime::http::body::run_blocking("hashing the payload", move || sha256_hex(&shared)).await.unwrap_or_else(|_| sha256_hex(bytes))
        }
        _ => payload_hash_now(body, payload),
    }
}

/// [`payload_hash`] on the calling thread.
fn payload_hash_now(body: &ByteStream, payload: PayloadSigning) -> String {
    match (payload, body.as_bytes()) {
        (PayloadSigning::Auto, Some(bytes)) => sha256_hex(bytes),
        _ => UNSIGNED_PAYLOAD.to_string(),
    }
}

/// The canonical request: method, path (as sent: S3 signs it with its single encoding and without
/// normalizing it), query, headers, signed header names and payload hash, one per line.
fn canonical_request(
    request: &http::Request<ByteStream>,
    query: &str,
    headers: &CanonicalHeaders,
    payload_hash: &str,
) -> String {
    [request.method().as_str(), request.uri().path(), query, &headers.lines, &headers.signed, payload_hash].join("\n")
}

/// The request's headers in canonical form, with `added` (the signing headers) replacing any of the
/// same name and `host` taken from the URI when the request has none. Names are lowercase and
/// sorted, values trimmed of spaces with inner runs of spaces collapsed, and the values of a repeated
/// header joined by commas.
fn canonical_headers<'a>(
    request: &'a http::Request<ByteStream>,
    added: &[(&'a str, &'a str)],
    presigned: bool,
) -> Result<CanonicalHeaders, Error> {
    // (name, value) pairs sorted by name; a repeated header's values keep their order.
    let mut headers: Vec<(&str, Cow<'_, str>)> = Vec::with_capacity(request.headers().len() + added.len() + 1);
    for (name, value) in request.headers() {
        let name = name.as_str();
        if added.iter().any(|(a, _)| *a == name) {
            continue;
        }
        let value = value.to_str().map_err(|_| {
            Error::invalid_input(format!(
                "header `{name}` has a value that is not visible ASCII, so it cannot be signed; percent-encode it"
            ))
        })?;
        headers.push((name, trim_spaces(value)));
    }
    if !headers.iter().any(|(name, _)| *name == "host") && !added.iter().any(|(name, _)| *name == "host") {
        headers.push(("host", Cow::Borrowed(host(request.uri())?)));
    }
    headers.extend(added.iter().map(|&(name, value)| (name, Cow::Borrowed(value))));
    headers.retain(|(name, _)| !(UNSIGNED_HEADERS.contains(name) || presigned && UNSIGNED_IN_URLS.contains(name)));
    headers.sort_by(|a, b| a.0.cmp(b.0));
    let (mut lines, mut signed) = (String::with_capacity(512), String::with_capacity(128));
    let mut previous: Option<&str> = None;
    for (name, value) in &headers {
        if previous == Some(*name) {
            lines.pop(); // the newline: this value joins the line of the same name
            lines.push(',');
        } else {
            if previous.is_some() {
                signed.push(';');
            }
            signed.push_str(name);
            lines.push_str(name);
            lines.push(':');
        }
        lines.push_str(value);
        lines.push('\n');
        previous = Some(name);
    }
    Ok(CanonicalHeaders { lines, signed })
}

/// A header value as SigV4 signs it: spaces (only spaces) trimmed at both ends and runs of them
/// inside collapsed to one.
fn trim_spaces(value: &str) -> Cow<'_, str> {
    let value = value.trim_matches(' ');
    if !value.contains("  ") {
        return Cow::Borrowed(value);
    }
    let mut trimmed = String::with_capacity(value.len());
    let mut after_space = false;
    for c in value.chars() {
        if c != ' ' || !after_space {
            trimmed.push(c);
        }
        after_space = c == ' ';
    }
    Cow::Owned(trimmed)
}

/// The `host` signed when the request has no Host header: the one the transport sends.
fn host(uri: &Uri) -> Result<&str, Error> {
    crate::runtime::http::host_header(uri).ok_or_else(|| {
        Error::invalid_input(format!("the request URI `{uri}` has no host, so the request cannot be signed"))
    })
}

/// The canonical query string: the URI's parameters and `added` ones (given unencoded), each name and
/// value decoded and then encoded again with `ENCODE`, sorted by name and then value. A
/// parameter without a value is written `name=`.
fn canonical_query<'a>(uri: &Uri, added: impl IntoIterator<Item = (&'a str, &'a str)>) -> String {
    let mut params: Vec<(String, String)> = uri
        .query()
        .unwrap_or_default()
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            (encode_param(&decode_param(name)), encode_param(&decode_param(value)))
        })
        .chain(added.into_iter().map(|(name, value)| (encode_param(name), encode_param(value))))
        .collect();
    params.sort();
    let pairs: Vec<String> = params.into_iter().map(|(name, value)| format!("{name}={value}")).collect();
    pairs.join("&")
}

/// A query parameter's name or value as a form decoder reads it: `+` is a space, `%XX` a byte, and
/// bytes that are not UTF-8 become U+FFFD.
fn decode_param(text: &str) -> String {
    percent_decode_str(&text.replace('+', " ")).decode_utf8_lossy().into_owned()
}

/// A query parameter's name or value percent-encoded with `ENCODE`.
fn encode_param(text: &str) -> String {
    utf8_percent_encode(text, ENCODE).to_string()
}

/// Appends `params` (unencoded) to the request's query string.
fn append_query(request: &mut http::Request<ByteStream>, params: &[(&str, &str)]) -> Result<(), Error> {
    let uri = request.uri();
    let mut path_and_query = uri.path_and_query().map(PathAndQuery::to_string).unwrap_or_default();
    match uri.query() {
        None => path_and_query.push('?'),
        Some("") => {}
        Some(_) => path_and_query.push('&'),
    }
    let pairs: Vec<String> =
        params.iter().map(|(name, value)| format!("{}={}", encode_param(name), encode_param(value))).collect();
    path_and_query.push_str(&pairs.join("&"));
    let mut parts = uri.clone().into_parts();
    parts.path_and_query = Some(
        path_and_query
            .parse()
            .map_err(|e| Error::invalid_input(format!("the presigned URL is not a valid URI: {e}")))?,
    );
    *request.uri_mut() = Uri::from_parts(parts)
        .map_err(|e| Error::invalid_input(format!("the presigned URL is not a valid URI: {e}")))?;
    Ok(())
}

/// The SigV4 timestamp of `time`, `yyyymmddThhmmssZ` in UTC, to the second.
fn amz_date(time: SystemTime) -> String {
    let whole_seconds = DateTime::from_secs(DateTime::from(time).secs());
    let mut out = whole_seconds.format(TimestampFormat::Iso8601);
    out.retain(|c| c != '-' && c != ':');
    out
}

/// The credential scope: `yyyymmdd/region/s3/aws4_request`.
fn scope(amz_date: &str, region: &str) -> String {
    format!("{}/{region}/{SERVICE}/aws4_request", &amz_date[..8])
}

/// The SHA-256 of `data` as lowercase hex.
fn sha256_hex(data: &[u8]) -> String {
    let mut hex = String::with_capacity(64);
    crate::runtime::base64::push_hex(&mut hex, &Sha256::digest(data));
    hex
}

/// How the payload of a SigV4-signed request is covered by the signature.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum PayloadSigning {
    /// The real SHA-256 of in-memory bodies; `UNSIGNED-PAYLOAD` for files and streams (which would
    /// otherwise have to be read twice).
    #[default]
    Auto,
    /// `UNSIGNED-PAYLOAD` for every body.
    Unsigned,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runtime::auth::credentials::Secret;
    use aws_sigv4::http_request::{
        PayloadChecksumKind, PercentEncodingMode, SessionTokenMode, SignableBody, SignableRequest, SignatureLocation,
        SigningSettings, UriPathNormalizationMode,
    };
    use std::sync::atomic::Ordering;

    fn keys() -> HmacKeys {
        HmacKeys {
            access_key_id: "AKIDEXAMPLE".into(),
            secret_access_key: Secret::new("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"),
            session_token: None,
        }
    }

    fn with_token(token: &str) -> HmacKeys {
        HmacKeys { session_token: Some(Secret::new(token)), ..keys() }
    }

    fn at(secs: u64) -> SystemTime {
        SystemTime::UNIX_EPOCH + Duration::from_secs(secs)
    }

    /// 2026-11-24T00:00:00Z.
    const DAY: u64 = 1_795_478_400;

    /// Signs with the payload hash the client would compute for `payload`.
    fn sign_now(
        signer: &Signer,
        request: &mut http::Request<ByteStream>,
        region: &str,
        payload: PayloadSigning,
        time: SystemTime,
    ) -> Result<(), Error> {
        let hash = payload_hash_now(request.body(), payload);
        signer.sign(request, region, &hash, time)
    }

    #[test]
    fn big_bodies_are_hashed_off_the_runtime_with_the_same_result() {
        let big = ByteStream::from(vec![7u8; BLOCKING_HASH_SIZE + 1]);
        let hashed = crate::runtime::http::body::tests::runtime().block_on(payload_hash(&big, PayloadSigning::Auto));
        assert_eq!(hashed, payload_hash_now(&big, PayloadSigning::Auto));
        assert_eq!(hashed.len(), 64);
        let unsigned = crate::runtime::http::body::tests::runtime().block_on(payload_hash(&big, PayloadSigning::Unsigned));
        assert_eq!(unsigned, UNSIGNED_PAYLOAD);
    }

    /// aws-sigv4's own `sign()`, set up as the SDK used it before it built canonical requests itself:
    /// the oracle of the differential test. `expires_in` presigns instead of signing headers.
    fn oracle_sign(
        request: &mut http::Request<ByteStream>,
        keys: &HmacKeys,
        region: &str,
        payload: PayloadSigning,
        expires_in: Option<Duration>,
        time: SystemTime,
    ) {
        let identity: aws_smithy_runtime_api::client::identity::Identity = aws_credential_types::Credentials::new(
            keys.access_key_id.clone(),
            keys.secret_access_key.expose().to_string(),
            keys.session_token.as_ref().map(|t| t.expose().to_string()),
            None,
            "test",
        )
        .into();
        let mut settings = SigningSettings::default();
        settings.percent_encoding_mode = PercentEncodingMode::Single;
        settings.uri_path_normalization_mode = UriPathNormalizationMode::Disabled;
        settings.session_token_mode = SessionTokenMode::Include;
        let body = match expires_in {
            Some(expires_in) => {
                settings.signature_location = SignatureLocation::QueryParams;
                settings.expires_in = Some(expires_in);
                settings.payload_checksum_kind = PayloadChecksumKind::NoHeader;
                SignableBody::UnsignedPayload
            }
            None => {
                settings.payload_checksum_kind = PayloadChecksumKind::XAmzSha256;
                match (payload, request.body().as_bytes()) {
                    (PayloadSigning::Auto, Some(bytes)) => SignableBody::Bytes(bytes),
                    _ => SignableBody::UnsignedPayload,
                }
            }
        };
        let params = aws_sigv4::sign::v4::SigningParams::builder()
            .identity(&identity)
            .region(region)
            .name("s3")
            .time(time)
            .settings(settings)
            .build()
            .unwrap()
            .into();
        let headers = request.headers().iter().map(|(name, value)| (name.as_str(), value.to_str().unwrap()));
        let signable = SignableRequest::new(request.method().as_str(), request.uri().to_string(), headers, body).unwrap();
        let (instructions, _) = aws_sigv4::http_request::sign(signable, &params).unwrap().into_parts();
        instructions.apply_to_request_http1x(request);
    }

    /// One request of the differential test, built afresh for each signer (a stream cannot be cloned).
    #[derive(Debug)]
    struct Case {
        method: &'static str,
        uri: String,
        headers: &'static [(&'static str, &'static str)],
        body: Option<&'static str>,
    }

    impl Case {
        fn request(&self) -> http::Request<ByteStream> {
            let mut builder = http::Request::builder().method(self.method).uri(&self.uri);
            for (name, value) in self.headers {
                builder = builder.header(*name, *value);
            }
            let body = match self.body {
                Some(text) => ByteStream::from(text),
                None => ByteStream::from_reader(std::io::Cursor::new(b"streamed".to_vec()), Some(8)),
            };
            builder.body(body).unwrap()
        }
    }

    const METHODS: &[&str] = &["GET", "PUT", "HEAD", "DELETE", "POST"];
    const ENDPOINTS: &[&str] = &[
        "https://s3.us-south.cloud-object-storage.appdomain.cloud",
        "http://127.0.0.1:9000",
        "https://s3.example.com:443",
        "http://localhost:80",
        "http://[::1]:8080",
    ];
    /// Paths as the serializer writes them (percent-encoded once), and some it never writes.
    const PATHS: &[&str] = &[
        "/",
        "/bucket",
        "/bucket/",
        "/bucket/plain.txt",
        "/bucket/my%20key%2Bplus%25percent~tilde",
        "/bucket/%C3%BC%E2%9C%93/%F0%9F%90%B1.txt",
        "/bucket/a/./b/../c//d",
        "/bucket/%7Ealready%2Fencoded",
        "/bucket/raw+plus(parens)!*'",
    ];
    const QUERIES: &[&str] = &[
        "",
        "?",
        "?uploads",
        "?acl",
        "?uploadId=abc%2Bdef&partNumber=3",
        "?list-type=2&prefix=a%20b&delimiter=%2F",
        "?versionId=&tagging",
        "?b=2&a=1&a=0&A=3",
        "?x=%E2%9C%93&y=%7E~",
        "?k=a+b",
        "?&&a=b=c",
        "?response-content-disposition=attachment%3B%20filename%3D%22r%C3%A9sum%C3%A9.pdf%22",
    ];
    const HEADER_SETS: &[&[(&str, &str)]] = &[
        &[],
        &[("content-type", "text/plain")],
        &[("x-amz-meta-note", "  hello   world  "), ("content-md5", "XUFAKrxLKna5cZ2REBfFkg==")],
        &[("x-amz-meta-multi", "one"), ("x-amz-meta-multi", " two   three "), ("range", "bytes=0-9")],
        &[
            ("user-agent", "cos-sdk-rust/0.1.0"),
            ("x-amzn-trace-id", "Root=1-abc"),
            ("x-amz-user-agent", "aws-sdk"),
            ("x-amz-checksum-mode", "ENABLED"),
        ],
        &[("host", "bucket.s3.example.com")],
        &[
            ("x-amz-meta-tab", "a\tb  c"),
            ("x-amz-server-side-encryption-customer-key", "c2VjcmV0"),
            ("cache-control", "no-cache"),
        ],
        &[("transfer-encoding", "chunked"), ("x-amz-copy-source", "/src/a%20b"), ("if-match", "\"etag\"")],
    ];
    const REGIONS: &[&str] = &["us-east-1", "us-south", "eu-de", "jp-tok"];
    const TIMES: &[u64] = &[1_440_938_160, DAY, DAY + 86_399, 951_782_400, 0];
    const EXPIRIES: &[u64] = &[1, 3600, 604_800];

    #[test]
    fn signs_exactly_as_aws_sigv4() {
        let mut rng = fastrand::Rng::with_seed(4);
        let plain = Signer::new(keys());
        let token = "FwoGZXIvYXdzEJr//////////token+/=";
        let session = Signer::new(with_token(token));
        let mut cases = 0;
        for path in PATHS {
            for query in QUERIES {
                for headers in HEADER_SETS {
                    let case = Case {
                        method: METHODS[rng.usize(..METHODS.len())],
                        uri: format!("{}{path}{query}", ENDPOINTS[rng.usize(..ENDPOINTS.len())]),
                        headers,
                        body: [Some("hello"), Some(""), None][rng.usize(..3)],
                    };
                    let (signer, keys) = if rng.bool() { (&session, with_token(token)) } else { (&plain, keys()) };
                    let region = REGIONS[rng.usize(..REGIONS.len())];
                    let time = at(TIMES[rng.usize(..TIMES.len())]) + Duration::from_millis(rng.u64(..1000));
                    let payload = if rng.u8(..4) == 0 { PayloadSigning::Unsigned } else { PayloadSigning::Auto };
                    let what = format!("{case:?} token={:?} {region} {time:?}", keys.session_token.is_some());

                    let (mut ours, mut theirs) = (case.request(), case.request());
                    sign_now(signer, &mut ours, region, payload, time).unwrap();
                    oracle_sign(&mut theirs, &keys, region, payload, None, time);
                    assert_eq!(ours.headers().get("authorization"), theirs.headers().get("authorization"), "{what}");
                    assert_eq!(ours.headers(), theirs.headers(), "{what}");
                    assert_eq!(ours.uri(), theirs.uri(), "{what}");

                    let expires_in = Duration::from_secs(EXPIRIES[rng.usize(..EXPIRIES.len())]);
                    let (mut ours, mut theirs) = (case.request(), case.request());
                    signer.presign(&mut ours, region, expires_in, time).unwrap();
                    oracle_sign(&mut theirs, &keys, region, payload, Some(expires_in), time);
                    assert_eq!(ours.uri().to_string(), theirs.uri().to_string(), "{what} expires in {expires_in:?}");
                    assert_eq!(ours.headers(), theirs.headers(), "{what}");
                    cases += 1;
                }
            }
        }
        assert_eq!(cases, PATHS.len() * QUERIES.len() * HEADER_SETS.len());
    }

    #[test]
    fn matches_the_s3_documentation_examples() {
        // https://docs.aws.amazon.com/AmazonS3/latest/API/sig-v4-header-based-auth.html (GET Object).
        let signer = Signer::new(HmacKeys {
            access_key_id: "AKIAIOSFODNN7EXAMPLE".into(),
            secret_access_key: Secret::new("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
            session_token: None,
        });
        let time = at(1_369_353_600);
        let mut request = http::Request::get("https://examplebucket.s3.amazonaws.com/test.txt")
            .header("range", "bytes=0-9")
            .body(ByteStream::new())
            .unwrap();
        sign_now(&signer, &mut request, "us-east-1", PayloadSigning::Auto, time).unwrap();
        assert_eq!(
            request.headers()["authorization"],
            "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, \
             SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, \
             Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"
        );

        // https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-query-string-auth.html
        let mut request = http::Request::get("https://examplebucket.s3.amazonaws.com/test.txt")
            .body(ByteStream::new())
            .unwrap();
        signer.presign(&mut request, "us-east-1", Duration::from_secs(86_400), time).unwrap();
        assert_eq!(
            request.uri(),
            "https://examplebucket.s3.amazonaws.com/test.txt?X-Amz-Algorithm=AWS4-HMAC-SHA256\
             &X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request\
             &X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host\
             &X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404"
        );
    }

    #[test]
    fn signs_with_payload_hash_for_memory_and_unsigned_for_streams() {
        let signer = Signer::new(keys());
        let time = at(1_440_938_160);
        let mut request = http::Request::put("http://127.0.0.1:9000/bucket/key?uploads")
            .header("host", "127.0.0.1:9000")
            .body(ByteStream::from("hello"))
            .unwrap();
        sign_now(&signer, &mut request, "us-east-1", PayloadSigning::Auto, time).unwrap();
        assert_eq!(
            request.headers()["authorization"],
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/s3/aws4_request, \
             SignedHeaders=host;x-amz-content-sha256;x-amz-date, \
             Signature=a36e3a2023994b5ca9b368818bd2bf4cef18c95ad336b0dcf63595a1f127c7a8"
        );
        assert!(request.headers()["authorization"].is_sensitive());
        assert_eq!(
            request.headers()["x-amz-content-sha256"],
            "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"
        );
        assert_eq!(request.headers()["x-amz-date"], "20150830T123600Z");

        let mut request = http::Request::put("http://127.0.0.1:9000/bucket/key")
            .body(ByteStream::from_reader(std::io::Cursor::new(b"x".to_vec()), Some(1)))
            .unwrap();
        sign_now(&signer, &mut request, "us-east-1", PayloadSigning::Auto, time).unwrap();
        assert_eq!(request.headers()["x-amz-content-sha256"], UNSIGNED_PAYLOAD);

        let mut request = http::Request::get("http://h/b").body(ByteStream::from("abc")).unwrap();
        sign_now(&signer, &mut request, "us-east-1", PayloadSigning::Unsigned, time).unwrap();
        assert_eq!(request.headers()["x-amz-content-sha256"], UNSIGNED_PAYLOAD);
    }

    #[test]
    fn session_token_is_sent_and_signed() {
        let mut request = http::Request::get("https://h/b").body(ByteStream::new()).unwrap();
        sign_now(&Signer::new(with_token("session")), &mut request, "eu-de", PayloadSigning::Auto, SystemTime::now()).unwrap();
        assert_eq!(request.headers()["x-amz-security-token"], "session");
        assert!(request.headers()["x-amz-security-token"].is_sensitive());
        let auth = request.headers()["authorization"].to_str().unwrap();
        assert!(auth.contains("x-amz-security-token") && auth.contains("/eu-de/s3/"), "{auth}");
    }

    #[test]
    fn header_values_that_are_not_visible_ascii_are_refused() {
        let mut request = http::Request::put("https://h/b/k")
            .header("x-amz-meta-name", HeaderValue::from_bytes("r\u{e9}sum\u{e9}".as_bytes()).unwrap())
            .body(ByteStream::new())
            .unwrap();
        let e = sign_now(&Signer::new(keys()), &mut request, "us-east-1", PayloadSigning::Auto, at(DAY)).unwrap_err();
        assert_eq!(e.kind(), crate::runtime::error::ErrorKind::InvalidInput);
        assert!(e.to_string().contains("header `x-amz-meta-name` has a value that is not visible ASCII"), "{e}");
        assert!(request.headers().get("authorization").is_none());
    }

    #[test]
    fn signing_key_is_derived_once_per_day_and_region() {
        let signer = Signer::new(keys());
        let derivations = || signer.derivations.load(Ordering::Relaxed);
        let sign = |region: &str, secs: u64| {
            let mut request = http::Request::get("https://h/b/k").body(ByteStream::new()).unwrap();
            sign_now(&signer, &mut request, region, PayloadSigning::Auto, at(secs)).unwrap();
        };
        for i in 0..100 {
            sign("us-south", DAY + i * 864);
        }
        let mut request = http::Request::get("https://h/b/k").body(ByteStream::new()).unwrap();
        signer.presign(&mut request, "us-south", Duration::from_secs(60), at(DAY + 86_399)).unwrap();
        assert_eq!(derivations(), 1);
        sign("us-south", DAY + 86_400);
        assert_eq!(derivations(), 2, "a new UTC day needs a new key");
        sign("eu-de", DAY + 86_400);
        assert_eq!(derivations(), 3, "another region needs a new key");
        sign("eu-de", DAY + 90_000);
        assert_eq!(derivations(), 3);
    }

    #[test]
    fn debug_shows_no_secret() {
        let signer = Signer::new(with_token("session"));
        let mut request = http::Request::get("https://h/b/k").body(ByteStream::new()).unwrap();
        sign_now(&signer, &mut request, "us-south", PayloadSigning::Auto, at(DAY)).unwrap();
        let debug = format!("{signer:?}");
        assert!(debug.contains("AKIDEXAMPLE") && debug.contains("redacted"), "{debug}");
        for secret in ["wJalr", "session", "key: ["] {
            assert!(!debug.contains(secret), "{debug}");
        }
    }
}
