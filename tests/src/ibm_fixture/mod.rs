//! A fixture IBM Cloud Object Storage server on 127.0.0.1 for the IBM-only operations no local server plays.
//!
//! It keeps buckets and objects in memory and enforces COS's rules (DESIGN.md section 5): every request
//! needs `Authorization: Bearer <token>`; CreateBucket, ListBuckets and ListBucketsExtended need
//! `ibm-service-instance-id` (buckets belong to the instance that created them); a bucket protection
//! configuration (`?protection`, Content-MD5 required and checked) bounds the retention of new objects;
//! retention headers on PutObject, CopyObject and CompleteMultipartUpload (not CreateMultipartUpload, whose
//! retention headers are ignored as COS does); deletes and overwrites are refused while an object is
//! retained or under a legal hold; legal holds, ExtendObjectRetention, ListBucketsExtended with
//! LocationConstraint and CreationTemplateId, Key Protect headers, replication failures and a canned
//! GetBucketAspera answer. Every request is recorded for assertions.
//!
//! Refusals of a protected object answer 451 (Unavailable For Legal Reasons, as IBM's Immutable Object
//! Storage documentation states) with the S3 code `AccessDenied`; out-of-range retention is 400
//! `InvalidArgument`. The fixture's clock can be moved forward with [`IbmFixture::advance_clock`] so tests
//! can see retention expire without waiting.

use std::collections::{BTreeMap, HashMap};
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use bytes::Bytes;
use http::{HeaderMap, Method, Request, Response};
use http_body_util::{BodyExt, Full};
use md5::{Digest, Md5};
use quick_xml::events::Event;
use tokio::net::TcpListener;
use tokio::task::JoinSet;

/// The HTTP status COS uses when a retained or held object cannot be deleted or overwritten.
pub const PROTECTED_OBJECT_STATUS: u16 = 451;
/// Seconds in a day, the unit of the protection configuration.
const DAY: i64 = 86_400;
/// COS caps retention at 99 years.
const MAX_RETENTION_DAYS: i64 = 36_159;
/// COS allows at most 100 legal holds per object.
const MAX_LEGAL_HOLDS: usize = 100;
/// Legal hold IDs are at most 64 characters.
const MAX_LEGAL_HOLD_ID_LEN: usize = 64;
const S3_NS: &str = "http://s3.amazonaws.com/doc/2006-03-01/";
/// The location constraint of buckets created without one.
pub const DEFAULT_LOCATION: &str = "us-standard";

/// One request the fixture received, before any check.
#[derive(Clone, Debug)]
pub struct RecordedRequest {
    pub method: String,
    /// The path as sent (still percent-encoded).
    pub path: String,
    /// The raw query string, without `?` (empty when there was none).
    pub query: String,
    /// Header names in lower case, in arrival order.
    pub headers: Vec<(String, String)>,
    pub body: Bytes,
}

impl RecordedRequest {
    /// The first value of header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
    }

    /// Whether the query has parameter `name` (with or without a value).
    pub fn has_query_param(&self, name: &str) -> bool {
        parse_query(&self.query).iter().any(|(n, _)| n == name)
    }

    /// The decoded value of query parameter `name`.
    pub fn query_param(&self, name: &str) -> Option<String> {
        parse_query(&self.query)
            .into_iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v)
    }
}

/// A replication failure as ListBucketReplicationFailures reports it.
#[derive(Clone, Debug)]
pub struct ReplicationFailure {
    pub key: String,
    pub version_id: String,
    pub sync_type: String,
    pub first_sync_attempted: SystemTime,
    pub last_sync_attempted: SystemTime,
    pub sync_failure_cause: Option<String>,
}

/// The canned GetBucketAspera answer.
pub const ASPERA_ACCESS_KEY_ID: &str = "fixture-aspera-access-key";
pub const ASPERA_SECRET: &str = "fixture-aspera-secret";
pub const ASPERA_ATS_ENDPOINT: &str = "https://ats.fixture.invalid:443";

#[derive(Clone, Debug)]
struct Protection {
    min_days: i64,
    default_days: i64,
    max_days: i64,
    permanent: bool,
}

#[derive(Clone, Debug)]
struct Retention {
    /// Seconds; -1 is permanent.
    period: i64,
    /// None when permanent.
    expiration: Option<SystemTime>,
}

#[derive(Clone, Debug)]
struct Object {
    data: Bytes,
    etag: String,
    content_type: Option<String>,
    metadata: Vec<(String, String)>,
    last_modified: SystemTime,
    created: SystemTime,
    retention: Option<Retention>,
    legal_holds: Vec<(String, SystemTime)>,
}

#[derive(Debug)]
struct Upload {
    key: String,
    content_type: Option<String>,
    metadata: Vec<(String, String)>,
    parts: BTreeMap<u32, (Bytes, String)>,
}

#[derive(Debug)]
struct Bucket {
    owner: String,
    created: SystemTime,
    location: String,
    creation_template_id: Option<String>,
    kp_root_key_crn: Option<String>,
    protection: Option<Protection>,
    objects: BTreeMap<String, Object>,
    uploads: HashMap<String, Upload>,
    replication_failures: Vec<ReplicationFailure>,
}

#[derive(Debug, Default)]
struct State {
    token: String,
    clock_offset: Duration,
    requests: Vec<RecordedRequest>,
    buckets: BTreeMap<String, Bucket>,
    next_id: u64,
}

impl State {
    fn now(&self) -> SystemTime {
        SystemTime::now() + self.clock_offset
    }

    fn next_id(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id
    }
}

/// A running fixture; dropping it stops the server and its connections.
pub struct IbmFixture {
    addr: SocketAddr,
    instance_id: String,
    state: Arc<Mutex<State>>,
    task: tokio::task::AbortHandle,
}

impl Drop for IbmFixture {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl IbmFixture {
    /// Starts the fixture on 127.0.0.1 with a free port. It accepts `Authorization: Bearer <token>` and
    /// treats `instance_id` as the account of the tests (others may create their own buckets).
    pub async fn start(token: &str, instance_id: &str) -> IbmFixture {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("IBM fixture: cannot bind 127.0.0.1:0 (is the loopback interface up?)");
        let addr = listener
            .local_addr()
            .expect("IBM fixture: no local address");
        let state = Arc::new(Mutex::new(State {
            token: token.to_string(),
            ..State::default()
        }));
        let shared = state.clone();
        let task = tokio::spawn(async move {
            // Connections live in this set, so aborting the accept loop drops (and aborts) them too.
            let mut connections = JoinSet::new();
            loop {
                let (stream, _) = match listener.accept().await {
                    Ok(accepted) => accepted,
                    Err(_) => continue,
                };
                let _ = stream.set_nodelay(true);
                let state = shared.clone();
                connections.spawn(async move {
                    let service = hyper::service::service_fn(
                        move |request: Request<hyper::body::Incoming>| {
                            let state = state.clone();
                            async move { Ok::<_, Infallible>(serve(&state, request).await) }
                        },
                    );
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
                        .await;
                });
                while connections.try_join_next().is_some() {}
            }
        });
        IbmFixture {
            addr,
            instance_id: instance_id.to_string(),
            state,
            task: task.abort_handle(),
        }
    }

    /// `http://127.0.0.1:PORT`, to use as the client's endpoint (path-style addressing).
    pub fn endpoint(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The address the fixture listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The instance id given to [`IbmFixture::start`].
    pub fn instance_id(&self) -> &str {
        &self.instance_id
    }

    /// Every request received so far, in order (including refused ones).
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.lock().requests.clone()
    }

    /// Forgets the recorded requests.
    pub fn clear_requests(&self) {
        self.lock().requests.clear();
    }

    /// Replaces the accepted bearer token (e.g. to check that a refreshed token is used).
    pub fn set_token(&self, token: &str) {
        self.lock().token = token.to_string();
    }

    /// Moves the fixture's clock forward, so retention periods expire without waiting.
    pub fn advance_clock(&self, by: Duration) {
        self.lock().clock_offset += by;
    }

    /// Adds a failure that ListBucketReplicationFailures of `bucket` will report.
    /// Panics when the bucket does not exist.
    pub fn seed_replication_failure(&self, bucket: &str, failure: ReplicationFailure) {
        let mut state = self.lock();
        let b = state.buckets.get_mut(bucket).unwrap_or_else(|| {
            panic!("IBM fixture: seed_replication_failure: no bucket {bucket:?}; create it first")
        });
        b.replication_failures.push(failure);
    }

    /// Sets the CreationTemplateId that ListBucketsExtended reports for `bucket`.
    /// Panics when the bucket does not exist.
    pub fn set_creation_template_id(&self, bucket: &str, id: &str) {
        let mut state = self.lock();
        let b = state.buckets.get_mut(bucket).unwrap_or_else(|| {
            panic!("IBM fixture: set_creation_template_id: no bucket {bucket:?}; create it first")
        });
        b.creation_template_id = Some(id.to_string());
    }

    /// Names of the buckets that exist now.
    pub fn bucket_names(&self) -> Vec<String> {
        self.lock().buckets.keys().cloned().collect()
    }

    /// The stored bytes of an object, if it exists.
    pub fn object_data(&self, bucket: &str, key: &str) -> Option<Bytes> {
        self.lock()
            .buckets
            .get(bucket)?
            .objects
            .get(key)
            .map(|o| o.data.clone())
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

// ---------------------------------------------------------------------------------------------------------
// Request handling
// ---------------------------------------------------------------------------------------------------------

type Reply = Response<Full<Bytes>>;

/// An S3 error to send back.
struct S3Error {
    status: u16,
    code: &'static str,
    message: String,
}

fn err(status: u16, code: &'static str, message: impl Into<String>) -> S3Error {
    S3Error {
        status,
        code,
        message: message.into(),
    }
}

fn invalid_argument(message: impl Into<String>) -> S3Error {
    err(400, "InvalidArgument", message)
}

fn no_such_bucket(bucket: &str) -> S3Error {
    err(
        404,
        "NoSuchBucket",
        format!("The specified bucket does not exist: {bucket}"),
    )
}

fn no_such_key(key: &str) -> S3Error {
    err(
        404,
        "NoSuchKey",
        format!("The specified key does not exist: {key}"),
    )
}

fn protected(key: &str, why: &str) -> S3Error {
    err(
        PROTECTED_OBJECT_STATUS,
        "AccessDenied",
        format!("Object {key} is protected: {why}"),
    )
}

/// What the handlers see of a request.
struct Req {
    method: Method,
    bucket: Option<String>,
    key: Option<String>,
    query: Vec<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
}

impl Req {
    fn has(&self, name: &str) -> bool {
        self.query.iter().any(|(n, _)| n == name)
    }

    fn param(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// A successful answer under construction.
struct Ok200 {
    status: u16,
    headers: Vec<(String, String)>,
    body: Bytes,
}

impl Ok200 {
    fn empty(status: u16) -> Ok200 {
        Ok200 {
            status,
            headers: Vec::new(),
            body: Bytes::new(),
        }
    }

    fn xml(body: String) -> Ok200 {
        Ok200 {
            status: 200,
            headers: vec![("content-type".into(), "application/xml".into())],
            body: Bytes::from(body),
        }
    }

    fn header(mut self, name: &str, value: impl Into<String>) -> Ok200 {
        self.headers.push((name.to_string(), value.into()));
        self
    }
}

async fn serve(state: &Arc<Mutex<State>>, request: Request<hyper::body::Incoming>) -> Reply {
    let (parts, body) = request.into_parts();
    let body = match body.collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(e) => {
            return error_reply(
                &err(
                    400,
                    "IncompleteBody",
                    format!("reading the body failed: {e}"),
                ),
                "0",
                "",
            )
        }
    };
    let path = parts.uri.path().to_string();
    let raw_query = parts.uri.query().unwrap_or("").to_string();
    let mut state = state.lock().unwrap_or_else(|e| e.into_inner());
    state.requests.push(RecordedRequest {
        method: parts.method.to_string(),
        path: path.clone(),
        query: raw_query.clone(),
        headers: parts
            .headers
            .iter()
            .map(|(n, v)| {
                (
                    n.as_str().to_string(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect(),
        body: body.clone(),
    });
    let request_id = format!("fixture-{:08x}", state.next_id());
    let resource = path.clone();

    let (bucket, key) = split_path(&path);
    let req = Req {
        method: parts.method,
        bucket,
        key,
        query: parse_query(&raw_query),
        headers: parts.headers,
        body,
    };
    let result = check_auth(&state, &req).and_then(|()| route(&mut state, &req));
    let is_head = req.method == Method::HEAD;
    match result {
        Ok(ok) => {
            let mut builder = Response::builder()
                .status(ok.status)
                .header("x-amz-request-id", &request_id);
            for (n, v) in &ok.headers {
                builder = builder.header(n.as_str(), v.as_str());
            }
            let body = if is_head { Bytes::new() } else { ok.body };
            builder
                .body(Full::new(body))
                .expect("IBM fixture: invalid response header")
        }
        Err(e) => {
            if is_head {
                Response::builder()
                    .status(e.status)
                    .header("x-amz-request-id", &request_id)
                    .body(Full::new(Bytes::new()))
                    .expect("IBM fixture: invalid status")
            } else {
                error_reply(&e, &request_id, &resource)
            }
        }
    }
}

fn error_reply(e: &S3Error, request_id: &str, resource: &str) -> Reply {
    let body = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>{}</Code><Message>{}</Message><Resource>{}</Resource><RequestId>{}</RequestId><httpStatusCode>{}</httpStatusCode></Error>",
        esc(e.code),
        esc(&e.message),
        esc(resource),
        esc(request_id),
        e.status
    );
    Response::builder()
        .status(e.status)
        .header("content-type", "application/xml")
        .header("x-amz-request-id", request_id)
        .body(Full::new(Bytes::from(body)))
        .expect("IBM fixture: invalid error status")
}

fn check_auth(state: &State, req: &Req) -> Result<(), S3Error> {
    let Some(auth) = req.header("authorization") else {
        return Err(err(403, "AccessDenied", "Access Denied: the request has no Authorization header; send 'Authorization: Bearer <IAM token>'"));
    };
    match auth.strip_prefix("Bearer ") {
        Some(token) if token == state.token => Ok(()),
        Some(_) => Err(err(
            403,
            "AccessDenied",
            "Access Denied: the bearer token is not valid or has expired",
        )),
        None => Err(err(
            403,
            "AccessDenied",
            "Access Denied: this service takes 'Authorization: Bearer <IAM token>'",
        )),
    }
}

fn route(state: &mut State, req: &Req) -> Result<Ok200, S3Error> {
    let m = &req.method;
    match (&req.bucket, &req.key) {
        (None, _) => match *m {
            Method::GET if req.has("extended") => list_buckets_extended(state, req),
            Method::GET => list_buckets(state, req),
            _ => Err(err(
                405,
                "MethodNotAllowed",
                format!("{m} / is not supported"),
            )),
        },
        (Some(bucket), None) => {
            let bucket = bucket.as_str();
            match *m {
                Method::PUT if req.has("protection") => put_protection(state, req, bucket),
                Method::PUT if req.has("ibm-replication-reattempt") => {
                    require_md5(req)?;
                    get_bucket(state, bucket)?;
                    Ok(Ok200::empty(200))
                }
                Method::PUT if req.query.is_empty() => create_bucket(state, req, bucket),
                Method::GET if req.has("protection") => get_protection(state, bucket),
                Method::GET if req.has("ibm-replication-failures") => {
                    replication_failures(state, req, bucket)
                }
                Method::GET if req.has("faspConnectionInfo") => aspera(state, bucket),
                Method::GET if req.has("location") => {
                    let b = get_bucket(state, bucket)?;
                    Ok(Ok200::xml(format!(
                        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<LocationConstraint xmlns=\"{S3_NS}\">{}</LocationConstraint>",
                        esc(&b.location)
                    )))
                }
                Method::HEAD if req.query.is_empty() => head_bucket(state, bucket),
                Method::DELETE if req.query.is_empty() => delete_bucket(state, bucket),
                _ => Err(not_implemented(req)),
            }
        }
        (Some(bucket), Some(key)) => {
            let (bucket, key) = (bucket.as_str(), key.as_str());
            match *m {
                Method::PUT if req.has("uploadId") => upload_part(state, req, bucket, key),
                Method::PUT if req.header("x-amz-copy-source").is_some() => {
                    copy_object(state, req, bucket, key)
                }
                Method::PUT if req.query.is_empty() => put_object(state, req, bucket, key),
                Method::GET if req.has("legalHold") => list_legal_holds(state, bucket, key),
                Method::GET if req.query.is_empty() => get_object(state, req, bucket, key, true),
                Method::HEAD if req.query.is_empty() => get_object(state, req, bucket, key, false),
                Method::DELETE if req.has("uploadId") => abort_upload(state, req, bucket),
                Method::DELETE if req.query.is_empty() => delete_object(state, bucket, key),
                Method::POST if req.has("uploads") => create_upload(state, req, bucket, key),
                Method::POST if req.has("uploadId") => complete_upload(state, req, bucket, key),
                Method::POST if req.has("legalHold") => legal_hold(state, req, bucket, key),
                Method::POST if req.has("extendRetention") => {
                    extend_retention(state, req, bucket, key)
                }
                _ => Err(not_implemented(req)),
            }
        }
    }
}

fn not_implemented(req: &Req) -> S3Error {
    let query: Vec<&str> = req.query.iter().map(|(n, _)| n.as_str()).collect();
    err(
        501,
        "NotImplemented",
        format!("the IBM fixture does not implement {} with query {:?}; extend tests/src/ibm_fixture.rs", req.method, query),
    )
}

fn require_instance_id(req: &Req) -> Result<String, S3Error> {
    match req.header("ibm-service-instance-id") {
        Some(id) if !id.is_empty() => Ok(id.to_string()),
        _ => Err(invalid_argument(
            "Missing header ibm-service-instance-id: set the service instance id (resource_instance_id) on the client",
        )),
    }
}

fn get_bucket<'a>(state: &'a State, bucket: &str) -> Result<&'a Bucket, S3Error> {
    state
        .buckets
        .get(bucket)
        .ok_or_else(|| no_such_bucket(bucket))
}

fn get_bucket_mut<'a>(state: &'a mut State, bucket: &str) -> Result<&'a mut Bucket, S3Error> {
    state
        .buckets
        .get_mut(bucket)
        .ok_or_else(|| no_such_bucket(bucket))
}

/// Checks Content-MD5 against the body: required, valid base64 of 16 bytes, and matching.
fn require_md5(req: &Req) -> Result<(), S3Error> {
    let Some(given) = req.header("content-md5") else {
        return Err(err(
            400,
            "InvalidRequest",
            "Missing required header for this request: Content-MD5",
        ));
    };
    check_md5(given, &req.body)
}

fn check_md5(given: &str, body: &[u8]) -> Result<(), S3Error> {
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(given.trim())
        .map_err(|_| {
            err(
                400,
                "InvalidDigest",
                "The Content-MD5 you specified is not valid base64",
            )
        })?;
    if decoded.len() != 16 {
        return Err(err(
            400,
            "InvalidDigest",
            "The Content-MD5 you specified is not 16 bytes",
        ));
    }
    if decoded.as_slice() != Md5::digest(body).as_slice() {
        return Err(err(
            400,
            "BadDigest",
            "The Content-MD5 you specified did not match what we received",
        ));
    }
    Ok(())
}

// --- service and buckets -----------------------------------------------------------------------------------

fn list_buckets(state: &State, req: &Req) -> Result<Ok200, S3Error> {
    let owner = require_instance_id(req)?;
    let mut xml = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ListAllMyBucketsResult xmlns=\"{S3_NS}\"><Owner><ID>{0}</ID><DisplayName>{0}</DisplayName></Owner><Buckets>",
        esc(&owner)
    );
    for (name, b) in state.buckets.iter().filter(|(_, b)| b.owner == owner) {
        xml += &format!(
            "<Bucket><Name>{}</Name><CreationDate>{}</CreationDate></Bucket>",
            esc(name),
            iso8601(b.created)
        );
    }
    xml += "</Buckets></ListAllMyBucketsResult>";
    Ok(Ok200::xml(xml))
}

fn list_buckets_extended(state: &State, req: &Req) -> Result<Ok200, S3Error> {
    let owner = require_instance_id(req)?;
    let prefix = req.param("prefix").unwrap_or("");
    let marker = req.param("marker").unwrap_or("");
    let max_keys: usize = match req.param("max-keys") {
        None => 1000,
        Some(v) => v
            .parse()
            .ok()
            .filter(|n| (1..=1000).contains(n))
            .ok_or_else(|| {
                invalid_argument(format!(
                    "max-keys must be an integer from 1 to 1000, got {v:?}"
                ))
            })?,
    };
    let matching: Vec<(&String, &Bucket)> = state
        .buckets
        .iter()
        .filter(|(name, b)| b.owner == owner && name.starts_with(prefix) && name.as_str() > marker)
        .collect();
    let truncated = matching.len() > max_keys;
    let page = &matching[..matching.len().min(max_keys)];
    let mut xml = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ListAllMyBucketsResult xmlns=\"{S3_NS}\"><Owner><ID>{0}</ID><DisplayName>{0}</DisplayName></Owner><IsTruncated>{1}</IsTruncated><Marker>{2}</Marker><Prefix>{3}</Prefix><MaxKeys>{4}</MaxKeys>",
        esc(&owner),
        truncated,
        esc(marker),
        esc(prefix),
        max_keys
    );
    if truncated {
        if let Some((last, _)) = page.last() {
            xml += &format!("<NextMarker>{}</NextMarker>", esc(last));
        }
    }
    xml += "<Buckets>";
    for (name, b) in page {
        xml += &format!(
            "<Bucket><Name>{}</Name><CreationDate>{}</CreationDate><LocationConstraint>{}</LocationConstraint>",
            esc(name),
            iso8601(b.created),
            esc(&b.location)
        );
        if let Some(id) = &b.creation_template_id {
            xml += &format!("<CreationTemplateId>{}</CreationTemplateId>", esc(id));
        }
        xml += "</Bucket>";
    }
    xml += "</Buckets></ListAllMyBucketsResult>";
    Ok(Ok200::xml(xml))
}

fn create_bucket(state: &mut State, req: &Req, bucket: &str) -> Result<Ok200, S3Error> {
    let owner = require_instance_id(req)?;
    if bucket.len() < 3
        || bucket.len() > 63
        || !bucket
            .bytes()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'-' || c == b'.')
    {
        return Err(err(
            400,
            "InvalidBucketName",
            format!("The specified bucket is not valid: {bucket:?}"),
        ));
    }
    if let Some(existing) = state.buckets.get(bucket) {
        return Err(if existing.owner == owner {
            err(
                409,
                "BucketAlreadyExists",
                format!("Bucket {bucket} already exists in this instance"),
            )
        } else {
            err(
                409,
                "BucketAlreadyExists",
                "The requested bucket name is not available",
            )
        });
    }
    let mut location = DEFAULT_LOCATION.to_string();
    if !req.body.is_empty() {
        let doc = XmlNode::parse(&req.body).map_err(|e| {
            err(
                400,
                "MalformedXML",
                format!("CreateBucketConfiguration: {e}"),
            )
        })?;
        if let Some(l) = doc.child("LocationConstraint") {
            location = l.text.clone();
        }
    }
    let kp_root_key_crn = req
        .header("ibm-sse-kp-customer-root-key-crn")
        .map(str::to_string);
    if let Some(alg) = req.header("ibm-sse-kp-encryption-algorithm") {
        if alg != "AES256" {
            return Err(invalid_argument(format!(
                "ibm-sse-kp-encryption-algorithm must be AES256, got {alg:?}"
            )));
        }
        if kp_root_key_crn.is_none() {
            return Err(invalid_argument(
                "ibm-sse-kp-encryption-algorithm needs ibm-sse-kp-customer-root-key-crn",
            ));
        }
    }
    let now = state.now();
    state.buckets.insert(
        bucket.to_string(),
        Bucket {
            owner,
            created: now,
            location,
            creation_template_id: None,
            kp_root_key_crn,
            protection: None,
            objects: BTreeMap::new(),
            uploads: HashMap::new(),
            replication_failures: Vec::new(),
        },
    );
    Ok(Ok200::empty(200).header("location", format!("/{bucket}")))
}

fn head_bucket(state: &State, bucket: &str) -> Result<Ok200, S3Error> {
    let b = get_bucket(state, bucket)?;
    let mut ok = Ok200::empty(200).header(
        "ibm-sse-kp-enabled",
        if b.kp_root_key_crn.is_some() {
            "true"
        } else {
            "false"
        },
    );
    if let Some(crn) = &b.kp_root_key_crn {
        ok = ok.header("ibm-sse-kp-crk-id", crn.clone());
    }
    Ok(ok)
}

fn delete_bucket(state: &mut State, bucket: &str) -> Result<Ok200, S3Error> {
    let b = get_bucket(state, bucket)?;
    if !b.objects.is_empty() {
        return Err(err(
            409,
            "BucketNotEmpty",
            "The bucket you tried to delete is not empty",
        ));
    }
    state.buckets.remove(bucket);
    Ok(Ok200::empty(204))
}

fn put_protection(state: &mut State, req: &Req, bucket: &str) -> Result<Ok200, S3Error> {
    require_md5(req)?;
    get_bucket(state, bucket)?;
    let doc = XmlNode::parse(&req.body)
        .map_err(|e| err(400, "MalformedXML", format!("ProtectionConfiguration: {e}")))?;
    if doc.name != "ProtectionConfiguration" {
        return Err(err(
            400,
            "MalformedXML",
            format!("expected <ProtectionConfiguration>, got <{}>", doc.name),
        ));
    }
    let status = doc.child("Status").map(|n| n.text.as_str()).unwrap_or("");
    if status != "Retention" {
        return Err(err(
            400,
            "MalformedXML",
            format!("Status must be Retention, got {status:?}"),
        ));
    }
    let days = |name: &str| -> Result<i64, S3Error> {
        let node = doc
            .child(name)
            .and_then(|n| n.child("Days"))
            .ok_or_else(|| err(400, "MalformedXML", format!("{name}/Days is required")))?;
        node.text.trim().parse().map_err(|_| {
            err(
                400,
                "MalformedXML",
                format!("{name}/Days is not an integer: {:?}", node.text),
            )
        })
    };
    let (min_days, default_days, max_days) = (
        days("MinimumRetention")?,
        days("DefaultRetention")?,
        days("MaximumRetention")?,
    );
    if min_days < 0
        || max_days > MAX_RETENTION_DAYS
        || !(min_days <= default_days && default_days <= max_days)
    {
        return Err(invalid_argument(format!(
            "retention days must satisfy 0 <= minimum ({min_days}) <= default ({default_days}) <= maximum ({max_days}) <= {MAX_RETENTION_DAYS}"
        )));
    }
    let permanent = match doc.child("EnablePermanentRetention").map(|n| n.text.trim()) {
        None | Some("false") => false,
        Some("true") => true,
        Some(other) => {
            return Err(err(
                400,
                "MalformedXML",
                format!("EnablePermanentRetention must be true or false, got {other:?}"),
            ))
        }
    };
    let b = get_bucket_mut(state, bucket)?;
    if let Some(old) = &b.protection {
        if old.permanent && !permanent {
            return Err(invalid_argument(
                "permanent retention cannot be disabled once enabled",
            ));
        }
    }
    b.protection = Some(Protection {
        min_days,
        default_days,
        max_days,
        permanent,
    });
    Ok(Ok200::empty(200))
}

fn get_protection(state: &State, bucket: &str) -> Result<Ok200, S3Error> {
    let b = get_bucket(state, bucket)?;
    let xml = match &b.protection {
        None => "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ProtectionConfiguration><Status>Disabled</Status></ProtectionConfiguration>".to_string(),
        Some(p) => format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ProtectionConfiguration><Status>Retention</Status><MinimumRetention><Days>{}</Days></MinimumRetention><DefaultRetention><Days>{}</Days></DefaultRetention><MaximumRetention><Days>{}</Days></MaximumRetention><EnablePermanentRetention>{}</EnablePermanentRetention></ProtectionConfiguration>",
            p.min_days, p.default_days, p.max_days, p.permanent
        ),
    };
    Ok(Ok200::xml(xml))
}

fn replication_failures(state: &State, req: &Req, bucket: &str) -> Result<Ok200, S3Error> {
    require_md5(req)?;
    let b = get_bucket(state, bucket)?;
    let max_keys: usize = match req.param("max-keys") {
        None => 1000,
        Some(v) => v
            .parse()
            .ok()
            .filter(|n| (1..=1000).contains(n))
            .ok_or_else(|| invalid_argument(format!("bad max-keys {v:?}")))?,
    };
    let start: usize = match req.param("continuation-token") {
        None => 0,
        Some(t) => t
            .parse()
            .map_err(|_| invalid_argument(format!("bad continuation-token {t:?}")))?,
    };
    let before = match req.param("first-sync-attempted-before") {
        None => None,
        Some(v) => Some(parse_iso8601(v).ok_or_else(|| {
            invalid_argument(format!(
                "first-sync-attempted-before is not ISO 8601: {v:?}"
            ))
        })?),
    };
    let all: Vec<&ReplicationFailure> = b
        .replication_failures
        .iter()
        .filter(|f| before.is_none_or(|t| f.first_sync_attempted < t))
        .collect();
    let page: Vec<&ReplicationFailure> = all.iter().skip(start).take(max_keys).copied().collect();
    let truncated = start + page.len() < all.len();
    let mut xml = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ListReplicationFailureResult xmlns=\"{S3_NS}\"><Name>{}</Name><MaxKeys>{}</MaxKeys><IsTruncated>{}</IsTruncated><KeyCount>{}</KeyCount>",
        esc(bucket),
        max_keys,
        truncated,
        page.len()
    );
    if let Some(t) = req.param("continuation-token") {
        xml += &format!("<ContinuationToken>{}</ContinuationToken>", esc(t));
    }
    if truncated {
        xml += &format!(
            "<NextContinuationToken>{}</NextContinuationToken>",
            start + page.len()
        );
    }
    for f in page {
        xml += &format!(
            "<Contents><Key>{}</Key><VersionId>{}</VersionId><SyncType>{}</SyncType><FirstSyncAttempted>{}</FirstSyncAttempted><LastSyncAttempted>{}</LastSyncAttempted>",
            esc(&f.key),
            esc(&f.version_id),
            esc(&f.sync_type),
            iso8601(f.first_sync_attempted),
            iso8601(f.last_sync_attempted)
        );
        if let Some(c) = &f.sync_failure_cause {
            xml += &format!("<SyncFailureCause>{}</SyncFailureCause>", esc(c));
        }
        xml += "</Contents>";
    }
    xml += "</ListReplicationFailureResult>";
    Ok(Ok200::xml(xml))
}

fn aspera(state: &State, bucket: &str) -> Result<Ok200, S3Error> {
    get_bucket(state, bucket)?;
    Ok(Ok200::xml(format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<FASPConnectionInfo xmlns=\"{S3_NS}\"><AccessKey><Id>{ASPERA_ACCESS_KEY_ID}</Id><Secret>{ASPERA_SECRET}</Secret></AccessKey><ATSEndpoint>{ASPERA_ATS_ENDPOINT}</ATSEndpoint></FASPConnectionInfo>"
    )))
}

// --- retention ---------------------------------------------------------------------------------------------

/// The retention asked for by `Retention-Period` / `Retention-Expiration-Date` (or the bucket default),
/// checked against the bucket's protection. `inherited` is used when no header is given (CopyObject with
/// Retention-Directive COPY). Returns None for an unprotected bucket without retention headers.
fn retention_for_write(
    protection: Option<&Protection>,
    req: &Req,
    now: SystemTime,
    inherited: Option<&Retention>,
) -> Result<Option<Retention>, S3Error> {
    let period = req.header("retention-period");
    let expiration = req.header("retention-expiration-date");
    let hold = req.header("retention-legal-hold-id");
    let Some(p) = protection else {
        if period.is_some() || expiration.is_some() || hold.is_some() {
            return Err(err(
                400,
                "InvalidRequest",
                "Retention headers need a bucket with a protection configuration",
            ));
        }
        return Ok(None);
    };
    let seconds = match (period, expiration) {
        (Some(_), Some(_)) => {
            return Err(invalid_argument(
                "Retention-Period and Retention-Expiration-Date cannot both be given",
            ));
        }
        (Some(v), None) => v
            .trim()
            .parse::<i64>()
            .map_err(|_| invalid_argument(format!("Retention-Period is not an integer: {v:?}")))?,
        (None, Some(v)) => {
            let at = parse_iso8601(v).ok_or_else(|| {
                invalid_argument(format!("Retention-Expiration-Date is not ISO 8601: {v:?}"))
            })?;
            secs_between(now, at)
        }
        (None, None) => match inherited {
            Some(r) => r.period,
            None => p.default_days * DAY,
        },
    };
    check_period(p, seconds)?;
    Ok(Some(make_retention(seconds, now)))
}

fn check_period(p: &Protection, seconds: i64) -> Result<(), S3Error> {
    if seconds == -1 {
        if p.permanent {
            return Ok(());
        }
        return Err(invalid_argument(
            "Retention-Period -1 (permanent) needs EnablePermanentRetention on the bucket",
        ));
    }
    let (min, max) = (p.min_days * DAY, p.max_days * DAY);
    if seconds < min || seconds > max {
        return Err(invalid_argument(format!(
            "retention of {seconds} s is outside the bucket's range of {min} to {max} s (MinimumRetention {} days, MaximumRetention {} days)",
            p.min_days, p.max_days
        )));
    }
    Ok(())
}

fn make_retention(seconds: i64, from: SystemTime) -> Retention {
    if seconds == -1 {
        Retention {
            period: -1,
            expiration: None,
        }
    } else {
        Retention {
            period: seconds,
            expiration: Some(from + Duration::from_secs(seconds as u64)),
        }
    }
}

/// Why `o` cannot be deleted or overwritten now, if it cannot.
fn protection_reason(o: &Object, now: SystemTime) -> Option<String> {
    if !o.legal_holds.is_empty() {
        return Some(format!("{} legal hold(s)", o.legal_holds.len()));
    }
    match &o.retention {
        Some(Retention {
            expiration: None, ..
        }) => Some("permanent retention".to_string()),
        Some(Retention {
            expiration: Some(t),
            ..
        }) if *t > now => Some(format!("retained until {}", iso8601(*t))),
        _ => None,
    }
}

fn check_overwrite(b: &Bucket, key: &str, now: SystemTime) -> Result<(), S3Error> {
    if let Some(o) = b.objects.get(key) {
        if let Some(why) = protection_reason(o, now) {
            return Err(protected(key, &format!("{why}; it cannot be overwritten")));
        }
    }
    Ok(())
}

fn initial_holds(req: &Req, now: SystemTime) -> Result<Vec<(String, SystemTime)>, S3Error> {
    match req.header("retention-legal-hold-id") {
        None => Ok(Vec::new()),
        Some(id) => {
            check_hold_id(id)?;
            Ok(vec![(id.to_string(), now)])
        }
    }
}

fn check_hold_id(id: &str) -> Result<(), S3Error> {
    if id.is_empty() || id.len() > MAX_LEGAL_HOLD_ID_LEN {
        return Err(invalid_argument(format!(
            "legal hold IDs are 1 to {MAX_LEGAL_HOLD_ID_LEN} characters, got {} characters",
            id.len()
        )));
    }
    Ok(())
}

fn retention_headers(ok: Ok200, o: &Object, protected_bucket: bool) -> Ok200 {
    let mut ok = ok;
    if let Some(r) = &o.retention {
        ok = ok.header("retention-period", r.period.to_string());
        if let Some(t) = r.expiration {
            ok = ok.header("retention-expiration-date", iso8601(t));
        }
    }
    if protected_bucket || !o.legal_holds.is_empty() {
        ok = ok.header(
            "retention-legal-hold-count",
            o.legal_holds.len().to_string(),
        );
    }
    ok
}

// --- objects -----------------------------------------------------------------------------------------------

fn user_metadata(req: &Req) -> Vec<(String, String)> {
    req.headers
        .iter()
        .filter(|(n, _)| n.as_str().starts_with("x-amz-meta-"))
        .map(|(n, v)| {
            (
                n.as_str().to_string(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect()
}

fn md5_etag(data: &[u8]) -> String {
    format!("\"{}\"", hex(&Md5::digest(data)))
}

fn put_object(state: &mut State, req: &Req, bucket: &str, key: &str) -> Result<Ok200, S3Error> {
    if let Some(md5) = req.header("content-md5") {
        check_md5(md5, &req.body)?;
    }
    let now = state.now();
    let b = get_bucket(state, bucket)?;
    check_overwrite(b, key, now)?;
    let retention = retention_for_write(b.protection.as_ref(), req, now, None)?;
    let legal_holds = initial_holds(req, now)?;
    let etag = md5_etag(&req.body);
    let object = Object {
        data: req.body.clone(),
        etag: etag.clone(),
        content_type: req.header("content-type").map(str::to_string),
        metadata: user_metadata(req),
        last_modified: now,
        created: now,
        retention,
        legal_holds,
    };
    get_bucket_mut(state, bucket)?
        .objects
        .insert(key.to_string(), object);
    Ok(Ok200::empty(200).header("etag", etag))
}

/// GetObject and HeadObject, with `If-Match` / `If-None-Match` and a single `Range: bytes=a-b` (GET only).
fn get_object(
    state: &State,
    req: &Req,
    bucket: &str,
    key: &str,
    with_body: bool,
) -> Result<Ok200, S3Error> {
    let b = get_bucket(state, bucket)?;
    let o = b.objects.get(key).ok_or_else(|| no_such_key(key))?;
    if let Some(want) = req.header("if-match") {
        if want.trim_matches('"') != o.etag.trim_matches('"') && want != "*" {
            return Err(err(
                412,
                "PreconditionFailed",
                "At least one of the pre-conditions you specified did not hold",
            ));
        }
    }
    if let Some(want) = req.header("if-none-match") {
        if want.trim_matches('"') == o.etag.trim_matches('"') || want == "*" {
            return Ok(Ok200::empty(304).header("etag", o.etag.clone()));
        }
    }
    let len = o.data.len() as u64;
    let mut status = 200;
    let mut body = if with_body {
        o.data.clone()
    } else {
        Bytes::new()
    };
    let mut content_range = None;
    if let (true, Some(range)) = (with_body, req.header("range")) {
        let (first, last) = parse_range(range, len).ok_or_else(|| {
            err(
                416,
                "InvalidRange",
                format!("The requested range {range:?} is not satisfiable for {len} bytes"),
            )
        })?;
        status = 206;
        body = o.data.slice(first as usize..=last as usize);
        content_range = Some(format!("bytes {first}-{last}/{len}"));
    }
    let mut ok = Ok200 {
        status,
        headers: Vec::new(),
        body,
    }
    .header("etag", o.etag.clone())
    .header("last-modified", httpdate::fmt_http_date(o.last_modified))
    .header("accept-ranges", "bytes")
    .header(
        "content-type",
        o.content_type
            .clone()
            .unwrap_or_else(|| "binary/octet-stream".to_string()),
    );
    if let Some(cr) = content_range {
        ok = ok.header("content-range", cr);
    }
    if !with_body {
        ok = ok.header("content-length", o.data.len().to_string());
    }
    for (n, v) in &o.metadata {
        ok = ok.header(n, v.clone());
    }
    Ok(retention_headers(ok, o, b.protection.is_some()))
}

fn delete_object(state: &mut State, bucket: &str, key: &str) -> Result<Ok200, S3Error> {
    let now = state.now();
    let b = get_bucket_mut(state, bucket)?;
    if let Some(o) = b.objects.get(key) {
        if let Some(why) = protection_reason(o, now) {
            return Err(protected(key, &format!("{why}; it cannot be deleted")));
        }
    }
    b.objects.remove(key);
    Ok(Ok200::empty(204))
}

/// Parses `x-amz-copy-source`: `[/]bucket/key[?versionId=...]`, percent-encoded.
fn parse_copy_source(value: &str) -> Result<(String, String), S3Error> {
    let value = value.split('?').next().unwrap_or("");
    let value = value.strip_prefix('/').unwrap_or(value);
    let (bucket, key) = value.split_once('/').ok_or_else(|| {
        invalid_argument(format!(
            "x-amz-copy-source must be bucket/key, got {value:?}"
        ))
    })?;
    Ok((percent_decode(bucket), percent_decode(key)))
}

fn copy_object(state: &mut State, req: &Req, bucket: &str, key: &str) -> Result<Ok200, S3Error> {
    let (src_bucket, src_key) = parse_copy_source(req.header("x-amz-copy-source").unwrap_or(""))?;
    let now = state.now();
    let source = get_bucket(state, &src_bucket)?
        .objects
        .get(&src_key)
        .cloned()
        .ok_or_else(|| no_such_key(&src_key))?;
    let b = get_bucket(state, bucket)?;
    check_overwrite(b, key, now)?;
    let inherited = match req.header("retention-directive").unwrap_or("COPY") {
        "COPY" => source.retention.as_ref(),
        "REPLACE" => None,
        other => {
            return Err(invalid_argument(format!(
                "Retention-Directive must be COPY or REPLACE, got {other:?}"
            )))
        }
    };
    let retention = retention_for_write(b.protection.as_ref(), req, now, inherited)?;
    let legal_holds = initial_holds(req, now)?;
    let replace_metadata = req.header("x-amz-metadata-directive") == Some("REPLACE");
    let object = Object {
        data: source.data.clone(),
        etag: source.etag.clone(),
        content_type: if replace_metadata {
            req.header("content-type").map(str::to_string)
        } else {
            source.content_type.clone()
        },
        metadata: if replace_metadata {
            user_metadata(req)
        } else {
            source.metadata.clone()
        },
        last_modified: now,
        created: now,
        retention,
        legal_holds,
    };
    let etag = object.etag.clone();
    get_bucket_mut(state, bucket)?
        .objects
        .insert(key.to_string(), object);
    Ok(Ok200::xml(format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<CopyObjectResult xmlns=\"{S3_NS}\"><LastModified>{}</LastModified><ETag>{}</ETag></CopyObjectResult>",
        iso8601(now),
        esc(&etag)
    )))
}

// --- multipart uploads -------------------------------------------------------------------------------------

fn create_upload(state: &mut State, req: &Req, bucket: &str, key: &str) -> Result<Ok200, S3Error> {
    let id = state.next_id();
    let upload_id = format!("fixture-upload-{id:016x}");
    let b = get_bucket_mut(state, bucket)?;
    // Retention headers here are ignored, as COS does: they belong on CompleteMultipartUpload.
    b.uploads.insert(
        upload_id.clone(),
        Upload {
            key: key.to_string(),
            content_type: req.header("content-type").map(str::to_string),
            metadata: user_metadata(req),
            parts: BTreeMap::new(),
        },
    );
    Ok(Ok200::xml(format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<InitiateMultipartUploadResult xmlns=\"{S3_NS}\"><Bucket>{}</Bucket><Key>{}</Key><UploadId>{}</UploadId></InitiateMultipartUploadResult>",
        esc(bucket),
        esc(key),
        upload_id
    )))
}

fn upload_for<'a>(b: &'a mut Bucket, req: &Req) -> Result<&'a mut Upload, S3Error> {
    let id = req.param("uploadId").unwrap_or("");
    b.uploads.get_mut(id).ok_or_else(|| {
        err(
            404,
            "NoSuchUpload",
            format!("The specified upload does not exist: {id:?}"),
        )
    })
}

fn upload_part(state: &mut State, req: &Req, bucket: &str, key: &str) -> Result<Ok200, S3Error> {
    if let Some(md5) = req.header("content-md5") {
        check_md5(md5, &req.body)?;
    }
    let number: u32 = req
        .param("partNumber")
        .and_then(|n| n.parse().ok())
        .filter(|n| (1..=10_000).contains(n))
        .ok_or_else(|| invalid_argument("partNumber must be an integer from 1 to 10000"))?;
    let b = get_bucket_mut(state, bucket)?;
    let upload = upload_for(b, req)?;
    if upload.key != key {
        return Err(err(
            404,
            "NoSuchUpload",
            format!("upload is for key {:?}, not {key:?}", upload.key),
        ));
    }
    let etag = md5_etag(&req.body);
    upload
        .parts
        .insert(number, (req.body.clone(), etag.clone()));
    Ok(Ok200::empty(200).header("etag", etag))
}

fn complete_upload(
    state: &mut State,
    req: &Req,
    bucket: &str,
    key: &str,
) -> Result<Ok200, S3Error> {
    require_md5(req)?;
    let now = state.now();
    let doc = XmlNode::parse(&req.body)
        .map_err(|e| err(400, "MalformedXML", format!("CompleteMultipartUpload: {e}")))?;
    let mut wanted = Vec::new();
    for part in doc.children.iter().filter(|c| c.name == "Part") {
        let number: u32 = part
            .child("PartNumber")
            .and_then(|n| n.text.trim().parse().ok())
            .ok_or_else(|| err(400, "MalformedXML", "each Part needs a PartNumber"))?;
        let etag = part
            .child("ETag")
            .map(|n| n.text.trim().to_string())
            .unwrap_or_default();
        wanted.push((number, etag));
    }
    if wanted.is_empty() {
        return Err(err(
            400,
            "MalformedXML",
            "CompleteMultipartUpload lists no parts",
        ));
    }
    if wanted.windows(2).any(|w| w[0].0 >= w[1].0) {
        return Err(err(
            400,
            "InvalidPartOrder",
            "The list of parts was not in ascending order",
        ));
    }
    let b = get_bucket(state, bucket)?;
    check_overwrite(b, key, now)?;
    let retention = retention_for_write(b.protection.as_ref(), req, now, None)?;
    let legal_holds = initial_holds(req, now)?;
    let b = get_bucket_mut(state, bucket)?;
    let upload = upload_for(b, req)?;
    let mut data = Vec::new();
    let mut digests = Vec::new();
    for (number, etag) in &wanted {
        let (bytes, stored) = upload.parts.get(number).ok_or_else(|| {
            err(
                400,
                "InvalidPart",
                format!("part {number} was not uploaded"),
            )
        })?;
        if etag.trim_matches('"') != stored.trim_matches('"') {
            return Err(err(
                400,
                "InvalidPart",
                format!("part {number}: ETag {etag} does not match {stored}"),
            ));
        }
        data.extend_from_slice(bytes);
        digests.extend_from_slice(&Md5::digest(bytes));
    }
    let etag = format!("\"{}-{}\"", hex(&Md5::digest(&digests)), wanted.len());
    let (content_type, metadata) = (upload.content_type.clone(), upload.metadata.clone());
    let id = req.param("uploadId").unwrap_or("").to_string();
    b.uploads.remove(&id);
    b.objects.insert(
        key.to_string(),
        Object {
            data: Bytes::from(data),
            etag: etag.clone(),
            content_type,
            metadata,
            last_modified: now,
            created: now,
            retention,
            legal_holds,
        },
    );
    Ok(Ok200::xml(format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<CompleteMultipartUploadResult xmlns=\"{S3_NS}\"><Location>/{0}/{1}</Location><Bucket>{0}</Bucket><Key>{1}</Key><ETag>{2}</ETag></CompleteMultipartUploadResult>",
        esc(bucket),
        esc(key),
        esc(&etag)
    )))
}

fn abort_upload(state: &mut State, req: &Req, bucket: &str) -> Result<Ok200, S3Error> {
    let b = get_bucket_mut(state, bucket)?;
    upload_for(b, req)?;
    b.uploads.remove(req.param("uploadId").unwrap_or(""));
    Ok(Ok200::empty(204))
}

// --- legal holds and retention extension -------------------------------------------------------------------

fn protected_object<'a>(
    state: &'a mut State,
    bucket: &str,
    key: &str,
) -> Result<(&'a mut Object, Protection), S3Error> {
    let b = get_bucket_mut(state, bucket)?;
    let protection = b.protection.clone().ok_or_else(|| {
        err(
            400,
            "InvalidRequest",
            format!("bucket {bucket} has no protection configuration"),
        )
    })?;
    let o = b.objects.get_mut(key).ok_or_else(|| no_such_key(key))?;
    Ok((o, protection))
}

fn legal_hold(state: &mut State, req: &Req, bucket: &str, key: &str) -> Result<Ok200, S3Error> {
    let now = state.now();
    let (o, _) = protected_object(state, bucket, key)?;
    match (req.param("add"), req.param("remove")) {
        (Some(id), None) => {
            check_hold_id(id)?;
            if !o.legal_holds.iter().any(|(h, _)| h == id) {
                if o.legal_holds.len() >= MAX_LEGAL_HOLDS {
                    return Err(invalid_argument(format!(
                        "an object can have at most {MAX_LEGAL_HOLDS} legal holds"
                    )));
                }
                o.legal_holds.push((id.to_string(), now));
            }
            Ok(Ok200::empty(200))
        }
        (None, Some(id)) => {
            let before = o.legal_holds.len();
            o.legal_holds.retain(|(h, _)| h != id);
            if o.legal_holds.len() == before {
                return Err(invalid_argument(format!(
                    "object {key} has no legal hold {id:?}"
                )));
            }
            Ok(Ok200::empty(200))
        }
        _ => Err(invalid_argument(
            "POST ?legalHold needs exactly one of add=ID or remove=ID",
        )),
    }
}

fn list_legal_holds(state: &mut State, bucket: &str, key: &str) -> Result<Ok200, S3Error> {
    let (o, _) = protected_object(state, bucket, key)?;
    let mut xml = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<RetentionState><CreateTime>{}</CreateTime>",
        iso8601(o.created)
    );
    if let Some(r) = &o.retention {
        xml += &format!("<RetentionPeriod>{}</RetentionPeriod>", r.period);
        if let Some(t) = r.expiration {
            xml += &format!(
                "<RetentionPeriodExpirationDate>{}</RetentionPeriodExpirationDate>",
                iso8601(t)
            );
        }
    }
    xml += "<LegalHolds>";
    for (id, at) in &o.legal_holds {
        xml += &format!(
            "<LegalHold><ID>{}</ID><Date>{}</Date></LegalHold>",
            esc(id),
            iso8601(*at)
        );
    }
    xml += "</LegalHolds></RetentionState>";
    Ok(Ok200::xml(xml))
}

fn extend_retention(
    state: &mut State,
    req: &Req,
    bucket: &str,
    key: &str,
) -> Result<Ok200, S3Error> {
    let now = state.now();
    let headers = [
        "additional-retention-period",
        "extend-retention-from-current-time",
        "new-retention-expiration-date",
        "new-retention-period",
    ];
    let given: Vec<(&str, &str)> = headers
        .iter()
        .filter_map(|h| req.header(h).map(|v| (*h, v)))
        .collect();
    let [(name, value)] = given.as_slice() else {
        return Err(invalid_argument(format!(
            "ExtendObjectRetention needs exactly one of Additional-Retention-Period, Extend-Retention-From-Current-Time, New-Retention-Expiration-Date, New-Retention-Period; got {}",
            given.len()
        )));
    };
    let (o, protection) = protected_object(state, bucket, key)?;
    let current = o.retention.clone().unwrap_or(Retention {
        period: 0,
        expiration: Some(o.created),
    });
    let Some(current_expiration) = current.expiration else {
        return Err(invalid_argument(
            "the object is retained permanently; its retention cannot be extended",
        ));
    };
    let int = |v: &str| {
        v.trim()
            .parse::<i64>()
            .map_err(|_| invalid_argument(format!("{name} is not an integer: {v:?}")))
    };
    // The new retention as seconds from the object's creation (-1 permanent).
    let new_period = match *name {
        "additional-retention-period" => {
            let add = int(value)?;
            if add < 0 {
                return Err(invalid_argument(
                    "Additional-Retention-Period cannot be negative",
                ));
            }
            secs_between(o.created, current_expiration) + add
        }
        "extend-retention-from-current-time" => {
            let secs = int(value)?;
            if secs < 0 {
                return Err(invalid_argument(
                    "Extend-Retention-From-Current-Time cannot be negative",
                ));
            }
            secs_between(o.created, now) + secs
        }
        "new-retention-expiration-date" => {
            let at = parse_iso8601(value).ok_or_else(|| {
                invalid_argument(format!(
                    "New-Retention-Expiration-Date is not ISO 8601: {value:?}"
                ))
            })?;
            secs_between(o.created, at)
        }
        _ => int(value)?,
    };
    if new_period != -1 {
        let new_expiration = o.created + Duration::from_secs(new_period.max(0) as u64);
        if new_expiration < current_expiration {
            return Err(invalid_argument(format!(
                "retention can only be extended: the new expiration {} is before the current {}",
                iso8601(new_expiration),
                iso8601(current_expiration)
            )));
        }
        if new_period > protection.max_days * DAY {
            return Err(invalid_argument(format!(
                "the new retention of {new_period} s exceeds the bucket's MaximumRetention of {} days",
                protection.max_days
            )));
        }
    } else if !protection.permanent {
        return Err(invalid_argument(
            "New-Retention-Period -1 (permanent) needs EnablePermanentRetention on the bucket",
        ));
    }
    o.retention = Some(if new_period == -1 {
        make_retention(-1, o.created)
    } else {
        make_retention(new_period, o.created)
    });
    Ok(Ok200::empty(200))
}

// ---------------------------------------------------------------------------------------------------------
// Small helpers: paths, queries, XML, time
// ---------------------------------------------------------------------------------------------------------

/// `bytes=a-b`, `bytes=a-` or `bytes=-n` against an object of `len` bytes -> inclusive (first, last).
fn parse_range(range: &str, len: u64) -> Option<(u64, u64)> {
    let spec = range.trim().strip_prefix("bytes=")?;
    let (a, b) = spec.split_once('-')?;
    let (first, last) = match (a.trim(), b.trim()) {
        ("", n) => {
            let n: u64 = n.parse().ok()?;
            if n == 0 {
                return None;
            }
            (len.saturating_sub(n), len.checked_sub(1)?)
        }
        (a, "") => (a.parse().ok()?, len.checked_sub(1)?),
        (a, b) => (
            a.parse().ok()?,
            b.parse::<u64>().ok()?.min(len.checked_sub(1)?),
        ),
    };
    (first <= last && first < len).then_some((first, last))
}

/// `/bucket/key/with/slashes` -> (bucket, key), both percent-decoded.
fn split_path(path: &str) -> (Option<String>, Option<String>) {
    let trimmed = path.strip_prefix('/').unwrap_or(path);
    if trimmed.is_empty() {
        return (None, None);
    }
    match trimmed.split_once('/') {
        None => (Some(percent_decode(trimmed)), None),
        Some((b, "")) => (Some(percent_decode(b)), None),
        Some((b, k)) => (Some(percent_decode(b)), Some(percent_decode(k))),
    }
}

/// Splits a query string into decoded (name, value) pairs; a name without `=` has an empty value.
pub fn parse_query(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| match p.split_once('=') {
            Some((n, v)) => (percent_decode(n), percent_decode(v)),
            None => (percent_decode(p), String::new()),
        })
        .collect()
}

fn percent_decode(s: &str) -> String {
    percent_encoding::percent_decode_str(s)
        .decode_utf8_lossy()
        .into_owned()
}

fn esc(s: &str) -> String {
    quick_xml::escape::escape(s).into_owned()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A small element tree for the request bodies the fixture reads.
#[derive(Debug, Default)]
struct XmlNode {
    name: String,
    text: String,
    children: Vec<XmlNode>,
}

impl XmlNode {
    fn parse(bytes: &[u8]) -> Result<XmlNode, String> {
        let mut reader = quick_xml::Reader::from_reader(bytes);
        let mut stack: Vec<XmlNode> = Vec::new();
        loop {
            match reader
                .read_event()
                .map_err(|e| format!("malformed XML: {e}"))?
            {
                Event::Start(start) => {
                    let name = String::from_utf8_lossy(start.local_name().as_ref()).into_owned();
                    stack.push(XmlNode {
                        name,
                        ..XmlNode::default()
                    });
                }
                Event::Empty(start) => {
                    let name = String::from_utf8_lossy(start.local_name().as_ref()).into_owned();
                    let node = XmlNode {
                        name,
                        ..XmlNode::default()
                    };
                    match stack.last_mut() {
                        Some(parent) => parent.children.push(node),
                        None => return Ok(node),
                    }
                }
                Event::Text(text) => {
                    if let Some(top) = stack.last_mut() {
                        top.text += &text.unescape().map_err(|e| format!("bad text: {e}"))?;
                    }
                }
                Event::CData(data) => {
                    if let Some(top) = stack.last_mut() {
                        top.text += &String::from_utf8_lossy(&data);
                    }
                }
                Event::End(_) => {
                    let node = stack.pop().ok_or("unbalanced end tag")?;
                    match stack.last_mut() {
                        Some(parent) => parent.children.push(node),
                        None => return Ok(node),
                    }
                }
                Event::Eof => return Err("no root element".to_string()),
                _ => {}
            }
        }
    }

    fn child(&self, name: &str) -> Option<&XmlNode> {
        self.children.iter().find(|c| c.name == name)
    }
}

/// Signed seconds from `from` to `to`.
fn secs_between(from: SystemTime, to: SystemTime) -> i64 {
    match to.duration_since(from) {
        Ok(d) => d.as_secs() as i64,
        Err(e) => -(e.duration().as_secs() as i64),
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date.
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// `2026-01-31T12:00:00.000Z`.
pub fn iso8601(t: SystemTime) -> String {
    let d = t.duration_since(UNIX_EPOCH).unwrap_or_default();
    let secs = d.as_secs() as i64;
    let (y, mo, day) = civil_from_days(secs.div_euclid(DAY));
    let rem = secs.rem_euclid(DAY);
    format!(
        "{y:04}-{mo:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60,
        d.subsec_millis()
    )
}

/// Parses `YYYY-MM-DDTHH:MM:SS[.fff](Z|+HH:MM|-HH:MM)`; fractions are dropped.
pub fn parse_iso8601(s: &str) -> Option<SystemTime> {
    let s = s.trim();
    let b = s.as_bytes();
    if b.len() < 19
        || b[4] != b'-'
        || b[7] != b'-'
        || !(b[10] == b'T' || b[10] == b't' || b[10] == b' ')
        || b[13] != b':'
        || b[16] != b':'
    {
        return None;
    }
    let num = |r: std::ops::Range<usize>| s.get(r)?.parse::<i64>().ok();
    let (y, mo, d, h, mi, se) = (
        num(0..4)?,
        num(5..7)?,
        num(8..10)?,
        num(11..13)?,
        num(14..16)?,
        num(17..19)?,
    );
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || se > 60 {
        return None;
    }
    let mut rest = &s[19..];
    if let Some(frac) = rest.strip_prefix('.') {
        let digits = frac.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return None;
        }
        rest = &frac[digits..];
    }
    let offset = match rest {
        "Z" | "z" => 0,
        _ if rest.len() == 6
            && (rest.starts_with('+') || rest.starts_with('-'))
            && &rest[3..4] == ":" =>
        {
            let sign = if rest.starts_with('-') { -1 } else { 1 };
            sign * (rest[1..3].parse::<i64>().ok()? * 3600 + rest[4..6].parse::<i64>().ok()? * 60)
        }
        _ => return None,
    };
    let secs = days_from_civil(y, mo, d) * DAY + h * 3600 + mi * 60 + se - offset;
    Some(if secs >= 0 {
        UNIX_EPOCH + Duration::from_secs(secs as u64)
    } else {
        UNIX_EPOCH - Duration::from_secs((-secs) as u64)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso8601_round_trips() {
        let t = UNIX_EPOCH + Duration::from_secs(1_790_000_000);
        let s = iso8601(t);
        assert_eq!(parse_iso8601(&s), Some(t));
        assert_eq!(iso8601(UNIX_EPOCH), "1970-01-01T00:00:00.000Z");
        assert_eq!(
            parse_iso8601("2000-03-01T00:00:00+01:00"),
            Some(UNIX_EPOCH + Duration::from_secs(951_865_200))
        );
        assert_eq!(
            iso8601(parse_iso8601("2024-02-29T12:34:56.789Z").unwrap()),
            "2024-02-29T12:34:56.000Z"
        );
        assert_eq!(parse_iso8601("2024-02-29"), None);
    }
}
