//! Object handlers: PutObject, GetObject and HeadObject (conditional and ranged), DeleteObject,
//! CopyObject, and the multipart upload operations.

use std::collections::BTreeMap;

use bytes::Bytes;
use md5::{Digest, Md5};

use super::dates::iso8601;
use super::retention::{
    check_overwrite, initial_holds, protection_reason, retention_for_write, retention_headers,
};
use super::routing::{
    check_md5, err, get_bucket, get_bucket_mut, invalid_argument, no_such_key, protected,
    require_md5, Ok200, Req, S3Error,
};
use super::wire::{esc, hex, parse_range, percent_decode, XmlNode};
use super::{ArchiveState, Bucket, Object, State, Upload, S3_NS};

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

pub(super) fn put_object(
    state: &mut State,
    req: &Req,
    bucket: &str,
    key: &str,
) -> Result<Ok200, S3Error> {
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
        archive: ArchiveState::for_new_object(b.archive_rule(), now),
    };
    get_bucket_mut(state, bucket)?
        .objects
        .insert(key.to_string(), object);
    Ok(Ok200::empty(200).header("etag", etag))
}

/// GetObject and HeadObject, with `If-Match` / `If-None-Match` and a single `Range: bytes=a-b` (GET only).
pub(super) fn get_object(
    state: &State,
    req: &Req,
    bucket: &str,
    key: &str,
    with_body: bool,
) -> Result<Ok200, S3Error> {
    let now = state.now();
    let b = get_bucket(state, bucket)?;
    let o = b.objects.get(key).ok_or_else(|| no_such_key(key))?;
    if with_body && !o.archive.readable(now) {
        return Err(err(
            403,
            "InvalidObjectState",
            "The object is archived; restore it (RestoreObject) before reading it",
        ));
    }
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
    let ok = o.archive.headers(ok, now);
    Ok(retention_headers(ok, o, b.protection.is_some()))
}

pub(super) fn delete_object(state: &mut State, bucket: &str, key: &str) -> Result<Ok200, S3Error> {
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

pub(super) fn copy_object(
    state: &mut State,
    req: &Req,
    bucket: &str,
    key: &str,
) -> Result<Ok200, S3Error> {
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
        archive: ArchiveState::for_new_object(b.archive_rule(), now),
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

pub(super) fn create_upload(
    state: &mut State,
    req: &Req,
    bucket: &str,
    key: &str,
) -> Result<Ok200, S3Error> {
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

pub(super) fn upload_part(
    state: &mut State,
    req: &Req,
    bucket: &str,
    key: &str,
) -> Result<Ok200, S3Error> {
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

pub(super) fn complete_upload(
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
    let archive = ArchiveState::for_new_object(b.archive_rule(), now);
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
            archive,
        },
    );
    Ok(Ok200::xml(format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<CompleteMultipartUploadResult xmlns=\"{S3_NS}\"><Location>/{0}/{1}</Location><Bucket>{0}</Bucket><Key>{1}</Key><ETag>{2}</ETag></CompleteMultipartUploadResult>",
        esc(bucket),
        esc(key),
        esc(&etag)
    )))
}

pub(super) fn abort_upload(state: &mut State, req: &Req, bucket: &str) -> Result<Ok200, S3Error> {
    let b = get_bucket_mut(state, bucket)?;
    upload_for(b, req)?;
    b.uploads.remove(req.param("uploadId").unwrap_or(""));
    Ok(Ok200::empty(204))
}
