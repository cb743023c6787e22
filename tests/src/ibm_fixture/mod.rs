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
//!
//! Layout: this file holds the handle ([`IbmFixture`]), what it records and the in-memory model;
//! `routing` turns HTTP requests into handler calls; `buckets`, `objects` and `retention` hold the
//! handlers; `wire` and `dates` are the parsing and formatting helpers they share.

mod archive;
mod buckets;
mod dates;
mod objects;
mod retention;
mod routing;
mod wire;

use std::collections::{BTreeMap, HashMap};
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use http::Request;
use tokio::net::TcpListener;
use tokio::task::JoinSet;

pub use archive::RESTORE_TIME;
pub use dates::{iso8601, parse_iso8601};
pub use wire::parse_query;

use archive::{ArchiveRule, ArchiveState};
use routing::serve;

/// The HTTP status COS uses when a retained or held object cannot be deleted or overwritten.
pub const PROTECTED_OBJECT_STATUS: u16 = 451;
/// Seconds in a day, the unit of the protection configuration.
const DAY: i64 = 86_400;
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
    archive: ArchiveState,
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
    /// The lifecycle document as put, and the archive rule it holds.
    lifecycle: Option<(String, Option<ArchiveRule>)>,
    objects: BTreeMap<String, Object>,
    uploads: HashMap<String, Upload>,
    replication_failures: Vec<ReplicationFailure>,
}

impl Bucket {
    /// The archive rule new objects are written under.
    fn archive_rule(&self) -> Option<&ArchiveRule> {
        self.lifecycle.as_ref().and_then(|(_, rule)| rule.as_ref())
    }
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
