//! Service and bucket handlers: ListBuckets and ListBucketsExtended (per service instance),
//! CreateBucket with a location and Key Protect headers, HeadBucket, DeleteBucket, the seeded
//! replication failures and the canned Aspera answer.

use std::collections::{BTreeMap, HashMap};

use super::dates::{iso8601, parse_iso8601};
use super::routing::{err, get_bucket, invalid_argument, require_md5, Ok200, Req, S3Error};
use super::wire::{esc, XmlNode};
use super::{
    Bucket, ReplicationFailure, State, ASPERA_ACCESS_KEY_ID, ASPERA_ATS_ENDPOINT, ASPERA_SECRET,
    DEFAULT_LOCATION, S3_NS,
};

fn require_instance_id(req: &Req) -> Result<String, S3Error> {
    match req.header("ibm-service-instance-id") {
        Some(id) if !id.is_empty() => Ok(id.to_string()),
        _ => Err(invalid_argument(
            "Missing header ibm-service-instance-id: set the service instance id (resource_instance_id) on the client",
        )),
    }
}

pub(super) fn list_buckets(state: &State, req: &Req) -> Result<Ok200, S3Error> {
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

pub(super) fn list_buckets_extended(state: &State, req: &Req) -> Result<Ok200, S3Error> {
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

pub(super) fn create_bucket(state: &mut State, req: &Req, bucket: &str) -> Result<Ok200, S3Error> {
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
            lifecycle: None,
            objects: BTreeMap::new(),
            uploads: HashMap::new(),
            replication_failures: Vec::new(),
        },
    );
    Ok(Ok200::empty(200).header("location", format!("/{bucket}")))
}

pub(super) fn head_bucket(state: &State, bucket: &str) -> Result<Ok200, S3Error> {
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

pub(super) fn delete_bucket(state: &mut State, bucket: &str) -> Result<Ok200, S3Error> {
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

pub(super) fn replication_failures(
    state: &State,
    req: &Req,
    bucket: &str,
) -> Result<Ok200, S3Error> {
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

pub(super) fn aspera(state: &State, bucket: &str) -> Result<Ok200, S3Error> {
    get_bucket(state, bucket)?;
    Ok(Ok200::xml(format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<FASPConnectionInfo xmlns=\"{S3_NS}\"><AccessKey><Id>{ASPERA_ACCESS_KEY_ID}</Id><Secret>{ASPERA_SECRET}</Secret></AccessKey><ATSEndpoint>{ASPERA_ATS_ENDPOINT}</ATSEndpoint></FASPConnectionInfo>"
    )))
}
