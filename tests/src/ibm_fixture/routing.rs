//! Request handling: reads and records each request, checks the bearer token, routes it to a
//! handler and writes the answer or the S3 error document. Also the request, answer and error types
//! and the bucket lookups and Content-MD5 checks the handlers share.

use std::sync::{Arc, Mutex};

use base64::Engine as _;
use bytes::Bytes;
use http::{HeaderMap, Method, Request, Response};
use http_body_util::{BodyExt, Full};
use md5::{Digest, Md5};

use super::archive::{delete_lifecycle, get_lifecycle, put_lifecycle, restore_object};
use super::buckets::{
    aspera, create_bucket, delete_bucket, head_bucket, list_buckets, list_buckets_extended,
    replication_failures,
};
use super::objects::{
    abort_upload, complete_upload, copy_object, create_upload, delete_object, get_object,
    put_object, upload_part,
};
use super::retention::{
    extend_retention, get_protection, legal_hold, list_legal_holds, put_protection,
};
use super::wire::{esc, parse_query, split_path};
use super::{Bucket, RecordedRequest, State, PROTECTED_OBJECT_STATUS, S3_NS};

type Reply = Response<Full<Bytes>>;

/// An S3 error to send back.
pub(super) struct S3Error {
    status: u16,
    code: &'static str,
    message: String,
}

pub(super) fn err(status: u16, code: &'static str, message: impl Into<String>) -> S3Error {
    S3Error {
        status,
        code,
        message: message.into(),
    }
}

pub(super) fn invalid_argument(message: impl Into<String>) -> S3Error {
    err(400, "InvalidArgument", message)
}

pub(super) fn no_such_bucket(bucket: &str) -> S3Error {
    err(
        404,
        "NoSuchBucket",
        format!("The specified bucket does not exist: {bucket}"),
    )
}

pub(super) fn no_such_key(key: &str) -> S3Error {
    err(
        404,
        "NoSuchKey",
        format!("The specified key does not exist: {key}"),
    )
}

pub(super) fn protected(key: &str, why: &str) -> S3Error {
    err(
        PROTECTED_OBJECT_STATUS,
        "AccessDenied",
        format!("Object {key} is protected: {why}"),
    )
}

/// What the handlers see of a request.
pub(super) struct Req {
    method: Method,
    bucket: Option<String>,
    key: Option<String>,
    query: Vec<(String, String)>,
    pub(super) headers: HeaderMap,
    pub(super) body: Bytes,
}

impl Req {
    pub(super) fn has(&self, name: &str) -> bool {
        self.query.iter().any(|(n, _)| n == name)
    }

    pub(super) fn param(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    pub(super) fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// A successful answer under construction.
pub(super) struct Ok200 {
    pub(super) status: u16,
    pub(super) headers: Vec<(String, String)>,
    pub(super) body: Bytes,
}

impl Ok200 {
    pub(super) fn empty(status: u16) -> Ok200 {
        Ok200 {
            status,
            headers: Vec::new(),
            body: Bytes::new(),
        }
    }

    pub(super) fn xml(body: String) -> Ok200 {
        Ok200 {
            status: 200,
            headers: vec![("content-type".into(), "application/xml".into())],
            body: Bytes::from(body),
        }
    }

    pub(super) fn header(mut self, name: &str, value: impl Into<String>) -> Ok200 {
        self.headers.push((name.to_string(), value.into()));
        self
    }
}

pub(super) async fn serve(
    state: &Arc<Mutex<State>>,
    request: Request<hyper::body::Incoming>,
) -> Reply {
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
                Method::PUT if req.has("lifecycle") => put_lifecycle(state, req, bucket),
                Method::GET if req.has("lifecycle") => get_lifecycle(state, bucket),
                Method::DELETE if req.has("lifecycle") => delete_lifecycle(state, bucket),
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
                Method::POST if req.has("restore") => restore_object(state, req, bucket, key),
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
        format!(
            "the IBM fixture does not implement {} with query {:?}; extend tests/src/ibm_fixture/",
            req.method, query
        ),
    )
}

pub(super) fn get_bucket<'a>(state: &'a State, bucket: &str) -> Result<&'a Bucket, S3Error> {
    state
        .buckets
        .get(bucket)
        .ok_or_else(|| no_such_bucket(bucket))
}

pub(super) fn get_bucket_mut<'a>(
    state: &'a mut State,
    bucket: &str,
) -> Result<&'a mut Bucket, S3Error> {
    state
        .buckets
        .get_mut(bucket)
        .ok_or_else(|| no_such_bucket(bucket))
}

/// Checks Content-MD5 against the body: required, valid base64 of 16 bytes, and matching.
pub(super) fn require_md5(req: &Req) -> Result<(), S3Error> {
    let Some(given) = req.header("content-md5") else {
        return Err(err(
            400,
            "InvalidRequest",
            "Missing required header for this request: Content-MD5",
        ));
    };
    check_md5(given, &req.body)
}

pub(super) fn check_md5(given: &str, body: &[u8]) -> Result<(), S3Error> {
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
