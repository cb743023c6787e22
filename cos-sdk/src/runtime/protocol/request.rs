//! What the generated serializers produce and the runtime needs to know about each operation.

/// Static facts about one operation that the runtime acts on. Generated, one per operation, from the
/// model and the generator's customization table; [`Client::invoke`](crate::Client::invoke) callers
/// build their own with [`OperationMeta::new`] and the setters.
#[derive(Debug)]
#[non_exhaustive]
pub struct OperationMeta {
    /// The model's operation name (`PutObject`).
    pub name: &'static str,
    /// The response body is handed to the caller as a stream instead of being read into memory.
    pub streaming_response: bool,
    /// A `200 OK` answer may still carry an `<Error>` body (CopyObject, UploadPartCopy,
    /// CompleteMultipartUpload): such an answer, or an unparseable one, counts as a retryable 500.
    pub error_in_200: bool,
    /// The service may work for minutes before it answers (a server-side copy, assembling the parts of
    /// an upload), so the wait for the answer's headers is longer than the stall timeout.
    pub long_running: bool,
    /// The request carries `ibm-service-instance-id`; the client adds its configured instance id when
    /// the input did not set one.
    pub instance_id: bool,
    /// The request must carry a checksum: `Content-MD5` is computed over an in-memory body that has
    /// none.
    pub checksum_required: bool,
}

impl OperationMeta {
    /// An operation named `name` with none of the facts set.
    pub const fn new(name: &'static str) -> Self {
        OperationMeta {
            name,
            streaming_response: false,
            error_in_200: false,
            long_running: false,
            instance_id: false,
            checksum_required: false,
        }
    }

    /// Sets [`OperationMeta::streaming_response`].
    pub const fn streaming_response(mut self) -> Self {
        self.streaming_response = true;
        self
    }

    /// Sets [`OperationMeta::error_in_200`].
    pub const fn error_in_200(mut self) -> Self {
        self.error_in_200 = true;
        self
    }

    /// Sets [`OperationMeta::long_running`].
    pub const fn long_running(mut self) -> Self {
        self.long_running = true;
        self
    }

    /// Sets [`OperationMeta::instance_id`].
    pub const fn instance_id(mut self) -> Self {
        self.instance_id = true;
        self
    }

    /// Sets [`OperationMeta::checksum_required`].
    pub const fn checksum_required(mut self) -> Self {
        self.checksum_required = true;
        self
    }
}

use crate::runtime::config::endpoint::Endpoint;
use crate::runtime::error::Error;
use crate::runtime::http::body::ByteStream;
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

/// Everything but RFC 3986 unreserved characters is percent-encoded in labels and query strings.
pub(crate) const ENCODE: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~');
/// A greedy label (`{Key+}`) keeps `/`.
const ENCODE_GREEDY: &AsciiSet = &ENCODE.remove(b'/');

/// The longest object key S3 and COS accept, in bytes of UTF-8.
const MAX_KEY_BYTES: usize = 1024;

/// The longest bucket name any S3-compatible store accepts (Ceph's relaxed names; S3 and COS stop at 63).
const MAX_BUCKET_BYTES: usize = 255;

/// Refuses only bucket names that cannot address a bucket: empty, `.` or `..`, with `..`, with a
/// character that ends or changes the URL path (`/`, `?`, `#`, `\\`), with whitespace or control
/// characters, or longer than any store allows. Uppercase letters and `_`, which some stores accept,
/// pass; the service judges the rest.
fn check_bucket_name(bucket: &str) -> Result<(), String> {
    if bucket.is_empty() {
        return Err("it is empty; set the bucket name".into());
    }
    if bucket.len() > MAX_BUCKET_BYTES {
        return Err(format!("it is {} bytes long, and no store accepts more than {MAX_BUCKET_BYTES}", bucket.len()));
    }
    if bucket == "." || bucket.contains("..") {
        return Err("it has `..` (or is `.`), which addresses a different path or host".into());
    }
    if let Some(c) = bucket.chars().find(|c| matches!(c, '/' | '?' | '#' | '\\') || c.is_whitespace() || c.is_control()) {
        return Err(format!(
            "it contains {:?}, which cannot be part of a bucket name in a URL; bucket names use letters, digits, `-` and `.`",
            c
        ));
    }
    Ok(())
}

/// A request being assembled by a generated serializer. Problems with the input (an empty label,
/// a value that cannot be a header) are recorded and reported by [`RequestParts::finish`], naming the
/// member and what to do.
#[derive(Debug)]
pub struct RequestParts {
    method: &'static str,
    bucket: Option<String>,
    path: String,
    query: Vec<(String, Option<String>)>,
    /// Parameters from a map member: dropped when a named member sets the same key.
    map_query: Vec<(String, String)>,
    headers: http::HeaderMap,
    /// The `Content-Type` of the body when no member sets one.
    default_content_type: Option<&'static str>,
    body: ByteStream,
    host_prefix: Option<String>,
    error: Option<Error>,
}

impl RequestParts {
    /// A request with the given HTTP method.
    pub fn new(method: &'static str) -> Self {
        RequestParts {
            method,
            bucket: None,
            path: String::new(),
            query: Vec::new(),
            map_query: Vec::new(),
            headers: http::HeaderMap::new(),
            default_content_type: None,
            body: ByteStream::new(),
            host_prefix: None,
            error: None,
        }
    }

    fn fail(&mut self, error: Error) {
        self.error.get_or_insert(error);
    }

    /// The bucket: the first path segment in path style, part of the host in virtual-hosted style.
    pub fn bucket(&mut self, bucket: &str) {
        if let Err(problem) = check_bucket_name(bucket) {
            self.fail(Error::invalid_input(format!("`Bucket` `{}` is not valid: {problem}", bucket.escape_debug())));
        }
        self.bucket = Some(bucket.to_string());
    }

    /// Appends literal path text from the model's URI template.
    pub fn path_literal(&mut self, text: &str) {
        self.path.push_str(text);
    }

    /// Appends a percent-encoded label; a greedy label (an object key, `{Key+}`) keeps `/`.
    pub fn path_label(&mut self, label: &str, value: &str, greedy: bool) {
        if value.is_empty() {
            self.fail(Error::invalid_input(format!(
                "`{label}` is required and must not be empty: it is part of the request path"
            )));
        }
        if greedy && value.len() > MAX_KEY_BYTES {
            self.fail(Error::invalid_input(format!(
                "`{label}` is {} bytes long; object keys are at most {MAX_KEY_BYTES} bytes of UTF-8: use a shorter key",
                value.len()
            )));
        }
        let set = if greedy { ENCODE_GREEDY } else { ENCODE };
        self.path.extend(utf8_percent_encode(value, set));
    }

    /// Adds a query parameter without a value (`?uploads`).
    pub fn query_flag(&mut self, key: &str) {
        self.query.push((key.to_string(), None));
    }

    /// Adds a query parameter (encoded when the request is finished).
    pub fn query(&mut self, key: &str, value: &str) {
        self.query.push((key.to_string(), Some(value.to_string())));
    }

    /// Adds a query parameter from a map member; a named member's parameter of the same key wins.
    pub fn query_from_map(&mut self, key: &str, value: &str) {
        self.map_query.push((key.to_string(), value.to_string()));
    }

    /// Puts a prefix in front of the host name (the model's `hostPrefix`).
    pub fn host_prefix(&mut self, prefix: String) {
        self.host_prefix = Some(prefix);
    }

    /// Sets a header; an invalid name or value is recorded as an error naming the header.
    pub fn header(&mut self, name: &str, value: &str) {
        let parsed = (http::HeaderName::from_bytes(name.as_bytes()), http::HeaderValue::from_str(value));
        match parsed {
            (Ok(name), Ok(value)) => {
                self.headers.append(name, value);
            }
            (Err(_), _) => self.fail(Error::invalid_input(format!("`{name}` is not a valid HTTP header name"))),
            (_, Err(_)) => self.fail(Error::invalid_input(format!(
                "the value for header `{name}` contains characters HTTP headers cannot carry (control characters or line breaks)"
            ))),
        }
    }

    /// Sets the header `prefix` + `key` (user metadata: `x-amz-meta-` + name).
    pub fn prefixed_header(&mut self, prefix: &str, key: &str, value: &str) {
        if key.is_empty() {
            self.fail(Error::invalid_input(format!("a header of `{prefix}*` has an empty name")));
            return;
        }
        self.header(&format!("{prefix}{key}"), value);
    }

    /// Sets the body.
    pub fn body(&mut self, body: ByteStream) {
        self.body = body;
    }

    /// Sets an XML document as the body (`Content-Type: application/xml` unless a member sets one).
    pub fn xml_body(&mut self, xml: String) {
        self.body = ByteStream::from(xml);
        self.default_content_type = Some("application/xml");
    }

    /// Sets a text payload as the body (`Content-Type: text/plain` unless a member sets one).
    pub fn text_body(&mut self, text: String) {
        self.body = ByteStream::from(text);
        self.default_content_type = Some("text/plain");
    }

    /// Assembles the `http::Request` for `endpoint`: URL with path prefix and addressing style,
    /// encoded query, `Content-Length`, and `Content-MD5` when the operation needs a checksum.
    pub fn finish(mut self, endpoint: &Endpoint, operation: &OperationMeta) -> Result<http::Request<ByteStream>, Error> {
        if let Some(error) = self.error.take() {
            return Err(error);
        }
        let mut authority = String::new();
        if let Some(prefix) = &self.host_prefix {
            authority.push_str(prefix);
        }
        let mut path = endpoint.path_prefix().to_string();
        match &self.bucket {
            Some(bucket) if endpoint.virtual_hosted_style() && is_dns_bucket(bucket) => {
                authority.push_str(bucket);
                authority.push('.');
            }
            Some(bucket) => {
                path.push('/');
                path.extend(utf8_percent_encode(bucket, ENCODE));
            }
            None => {}
        }
        authority.push_str(endpoint.authority());
        path.push_str(&self.path);
        if path.is_empty() {
            path.push('/');
        }
        let map_query = std::mem::take(&mut self.map_query);
        let named = self.query.len();
        for (key, value) in map_query {
            if !self.query[..named].iter().any(|(k, _)| *k == key) {
                self.query.push((key, Some(value)));
            }
        }
        let mut url = format!("{}://{authority}{path}", endpoint.scheme());
        for (i, (key, value)) in self.query.iter().enumerate() {
            url.push(if i == 0 { '?' } else { '&' });
            url.extend(utf8_percent_encode(key, ENCODE));
            if let Some(value) = value {
                url.push('=');
                url.extend(utf8_percent_encode(value, ENCODE));
            }
        }
        let uri: http::Uri = url
            .parse()
            .map_err(|e| Error::invalid_input(format!("the request URL `{url}` is not valid ({e})")))?;

        if operation.checksum_required {
            crate::runtime::protocol::checksum::add_content_md5(&mut self.headers, &self.body);
        }
        if let Some(content_type) = self.default_content_type {
            if !self.headers.contains_key(http::header::CONTENT_TYPE) {
                self.headers.insert(http::header::CONTENT_TYPE, http::HeaderValue::from_static(content_type));
            }
        }
        if let Some(len) = self.body.content_length() {
            if len > 0 || matches!(self.method, "PUT" | "POST") {
                self.headers.insert(http::header::CONTENT_LENGTH, http::HeaderValue::from(len));
            }
        }
        let mut request = http::Request::new(self.body);
        *request.method_mut() = http::Method::from_bytes(self.method.as_bytes())
            .map_err(|_| Error::invalid_input(format!("`{}` is not an HTTP method", self.method)))?;
        *request.uri_mut() = uri;
        *request.headers_mut() = self.headers;
        Ok(request)
    }
}

/// Whether a bucket name can be a DNS label of its own (virtual-hosted style): 3 to 63 lower-case
/// letters, digits and hyphens, starting and ending with a letter or digit, and no dots.
pub fn is_dns_bucket(bucket: &str) -> bool {
    let b = bucket.as_bytes();
    (3..=63).contains(&b.len())
        && b.iter().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')
        && b[0] != b'-'
        && b[b.len() - 1] != b'-'
}

#[cfg(test)]
mod tests {
    use super::*;

    const PLAIN: OperationMeta = OperationMeta::new("Test");
    const MD5: OperationMeta = OperationMeta::new("Test").checksum_required();

    fn endpoint(url: &str) -> Endpoint {
        Endpoint::new(url).unwrap()
    }

    /// A random string over an alphabet of the characters that matter to URLs and headers.
    fn random_text(rng: &mut fastrand::Rng) -> String {
        const ALPHABET: &[char] = &[
            'a', 'Z', '0', '-', '.', '_', '~', '/', '?', '#', '&', '=', '+', '%', ' ', ':', '@', '!', '*', '\'', '(',
            '"', '\\', '\t', '\r', '\n', '\u{0}', '\u{7f}', 'é', '€', '\u{1F600}', '\u{FFFD}',
        ];
        (0..rng.usize(1..24)).map(|_| ALPHABET[rng.usize(..ALPHABET.len())]).collect()
    }

    /// Property: an object key goes into the path percent-encoded so that decoding the path gives the
    /// key back exactly, `/` kept and nothing else outside the unreserved set; a non-greedy label
    /// encodes `/` too. Query values decode back the same way.
    #[test]
    fn labels_and_query_values_round_trip() {
        let mut rng = fastrand::Rng::with_seed(7);
        for _ in 0..5_000 {
            let key = random_text(&mut rng);
            let value = random_text(&mut rng);
            let mut parts = RequestParts::new("GET");
            parts.bucket("b");
            parts.path_literal("/");
            parts.path_label("Key", &key, true);
            parts.query("v", &value);
            let request = parts.finish(&endpoint("https://s3.example"), &PLAIN).unwrap();
            let path = request.uri().path();
            let encoded = path.strip_prefix("/b/").unwrap();
            assert!(
                encoded.bytes().all(|b| b.is_ascii_alphanumeric() || b"-._~/%".contains(&b)),
                "{key:?} -> {encoded}"
            );
            assert_eq!(percent_encoding::percent_decode_str(encoded).decode_utf8().unwrap(), key);
            let query = request.uri().query().unwrap().strip_prefix("v=").unwrap();
            assert!(!query.contains(['&', '=', '+', ' ', '#']), "{value:?} -> {query}");
            assert_eq!(percent_encoding::percent_decode_str(query).decode_utf8().unwrap(), value);

            let mut label = RequestParts::new("GET");
            label.path_literal("/");
            label.path_label("Id", &key, false);
            let request = label.finish(&endpoint("https://s3.example"), &PLAIN).unwrap();
            let encoded = request.uri().path().trim_start_matches('/');
            assert!(!encoded.contains('/'), "{key:?} -> {encoded}");
            assert_eq!(percent_encoding::percent_decode_str(encoded).decode_utf8().unwrap(), key);
        }
    }

    /// Property: a header value is either carried byte for byte or refused with an error naming the
    /// header; line breaks and NUL never get through, and nothing panics.
    #[test]
    fn header_values_are_carried_exactly_or_refused() {
        let mut rng = fastrand::Rng::with_seed(11);
        for _ in 0..5_000 {
            let value = random_text(&mut rng);
            let mut parts = RequestParts::new("GET");
            parts.header("x-amz-meta-note", &value);
            match parts.finish(&endpoint("https://s3.example"), &PLAIN) {
                Ok(request) => {
                    assert!(!value.contains(['\r', '\n', '\u{0}']), "{value:?} was accepted");
                    assert_eq!(request.headers()["x-amz-meta-note"].as_bytes(), value.as_bytes());
                }
                Err(error) => {
                    assert!(error.to_string().contains("x-amz-meta-note"), "{error}");
                    // Visible ASCII and spaces are never refused.
                    assert!(!value.chars().all(|c| (' '..='~').contains(&c)), "{value:?} was refused");
                }
            }
        }
    }

    #[test]
    fn malformed_bucket_names_and_long_keys_are_refused() {
        let build = |bucket: &str, key: &str| {
            let mut parts = RequestParts::new("GET");
            parts.bucket(bucket);
            parts.path_label("Key", key, true);
            parts.finish(&endpoint("https://s3.example"), &PLAIN)
        };
        for (bad, why) in [
            ("", "empty"),
            ("..", "`..`"),
            ("a..b", "`..`"),
            (".", "`..`"),
            ("a/b", "'/'"),
            ("a?b", "'?'"),
            ("a#b", "'#'"),
            ("a b", "' '"),
            ("a\tb", "'\\t'"),
            ("a\\b", "'\\\\'"),
        ] {
            let error = build(bad, "k").unwrap_err().to_string();
            assert!(error.contains("is not valid") && error.contains(why), "{bad:?}: {error}");
        }
        assert!(build(&"b".repeat(256), "k").unwrap_err().to_string().contains("256 bytes"));
        // What some S3-compatible stores accept passes: the service judges it.
        for good in ["My_Bucket", "a.b-c", "UPPER", &"b".repeat(255)] {
            assert!(build(good, "k").is_ok(), "{good}");
        }
        assert!(build("b", &"k".repeat(1024)).is_ok());
        let error = build("b", &"é".repeat(513)).unwrap_err().to_string();
        assert!(error.contains("1026 bytes") && error.contains("1024"), "{error}");
    }

    #[test]
    fn path_style_greedy_and_query() {
        let mut r = RequestParts::new("POST");
        r.bucket("my-bucket");
        r.path_literal("/");
        r.path_label("Key", "a b/c+d%?#é", true);
        r.query_flag("legalHold");
        r.query("add", "hold 1/2");
        let req = r.finish(&endpoint("http://127.0.0.1:9000/prefix/"), &PLAIN).unwrap();
        assert_eq!(
            req.uri().to_string(),
            "http://127.0.0.1:9000/prefix/my-bucket/a%20b/c%2Bd%25%3F%23%C3%A9?legalHold&add=hold%201%2F2"
        );
        assert_eq!(req.headers()["content-length"], "0");
    }

    #[test]
    fn virtual_hosted_only_for_dns_buckets() {
        let ep = endpoint("https://s3.us-south.cloud-object-storage.appdomain.cloud").with_virtual_hosted_style(true);
        let mut r = RequestParts::new("GET");
        r.bucket("logs");
        r.query_flag("acl");
        assert_eq!(r.finish(&ep, &PLAIN).unwrap().uri().to_string(), "https://logs.s3.us-south.cloud-object-storage.appdomain.cloud/?acl");
        let mut r = RequestParts::new("GET");
        r.bucket("with.dots");
        assert_eq!(r.finish(&ep, &PLAIN).unwrap().uri().to_string(), "https://s3.us-south.cloud-object-storage.appdomain.cloud/with.dots");
    }

    #[test]
    fn content_md5_when_required() {
        let mut r = RequestParts::new("PUT");
        r.bucket("b");
        r.xml_body("<Tagging></Tagging>".into());
        let req = r.finish(&endpoint("http://h"), &MD5).unwrap();
        assert_eq!(req.headers()["content-md5"], "LqZ+4+XlqgnOj2+V9Ka/ZA==");
        assert_eq!(req.headers()["content-length"], "19");
    }

    #[test]
    fn bad_input_is_an_error_not_a_panic() {
        let mut r = RequestParts::new("GET");
        r.bucket("");
        assert!(r.finish(&endpoint("http://h"), &PLAIN).unwrap_err().to_string().contains("Bucket"));
        let mut r = RequestParts::new("GET");
        r.header("x-amz-meta-a", "line\nbreak");
        assert!(r.finish(&endpoint("http://h"), &PLAIN).unwrap_err().to_string().contains("x-amz-meta-a"));
    }
}
