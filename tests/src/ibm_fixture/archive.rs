//! Archive tiers: a bucket's lifecycle configuration with an archive rule (a `Transition` to
//! `GLACIER` or `ACCELERATED`), objects that rule archives, and RestoreObject.
//!
//! As COS documents it: the rule applies to objects written after it was set (`Days` 0 archives them
//! right away); an archived object cannot be read until a restore has made a temporary copy, which
//! stays `Days` days; HEAD shows the storage class and the restore's progress in `x-amz-restore`. COS
//! takes up to 2 hours (Accelerated) or 12 hours (Archive) to restore; the fixture takes
//! [`RESTORE_TIME`] on its own clock, so a client polling HEAD sees both states.

use std::time::{Duration, SystemTime};

use super::routing::{err, get_bucket, get_bucket_mut, no_such_key, require_md5, Ok200, Req, S3Error};
use super::wire::XmlNode;
use super::{Object, State, DAY};

/// How long a restore takes in the fixture, on its clock.
pub const RESTORE_TIME: Duration = Duration::from_secs(1);

/// The archive rule of a bucket: after how many days new objects move, and to which class.
#[derive(Clone, Debug)]
pub(super) struct ArchiveRule {
    days: u64,
    class: String,
}

/// Where an object stands with respect to archiving.
#[derive(Clone, Debug, Default)]
pub(super) struct ArchiveState {
    /// The class the object moves to, and when.
    pub(super) archive: Option<(String, SystemTime)>,
    /// A restore: when its copy is ready, and when that copy goes away.
    pub(super) restore: Option<(SystemTime, SystemTime)>,
}

impl ArchiveState {
    /// The state of an object written at `now` into a bucket with `rule`.
    pub(super) fn for_new_object(rule: Option<&ArchiveRule>, now: SystemTime) -> ArchiveState {
        let archive = rule.map(|r| (r.class.clone(), now + Duration::from_secs(r.days * DAY as u64)));
        ArchiveState { archive, restore: None }
    }

    /// The archive class, once the object has moved.
    fn archived_class(&self, now: SystemTime) -> Option<&str> {
        self.archive.as_ref().filter(|(_, at)| *at <= now).map(|(class, _)| class.as_str())
    }

    /// Whether its bytes can be read: never archived, or restored and not yet expired.
    pub(super) fn readable(&self, now: SystemTime) -> bool {
        self.archived_class(now).is_none() || self.restore.is_some_and(|(ready, expires)| ready <= now && now < expires)
    }

    /// The storage class and restore headers HEAD and GET answer with.
    pub(super) fn headers(&self, mut ok: Ok200, now: SystemTime) -> Ok200 {
        let Some(class) = self.archived_class(now) else { return ok };
        ok = ok.header("x-amz-storage-class", class);
        match self.restore {
            Some((ready, _)) if now < ready => ok.header("x-amz-restore", "ongoing-request=\"true\""),
            Some((_, expires)) if now < expires => ok.header(
                "x-amz-restore",
                format!("ongoing-request=\"false\", expiry-date=\"{}\"", httpdate::fmt_http_date(expires)),
            ),
            _ => ok,
        }
    }
}

/// PutBucketLifecycleConfiguration: keeps the document, and its archive rule when it has one.
pub(super) fn put_lifecycle(state: &mut State, req: &Req, bucket: &str) -> Result<Ok200, S3Error> {
    require_md5(req)?;
    let root = XmlNode::parse(&req.body).map_err(|e| err(400, "MalformedXML", e))?;
    let mut archive = None;
    for rule in root.children.iter().filter(|c| c.name == "Rule") {
        let enabled = rule.child("Status").is_some_and(|s| s.text == "Enabled");
        let Some(transition) = rule.child("Transition") else { continue };
        let class = transition.child("StorageClass").map(|c| c.text.clone()).unwrap_or_default();
        if class != "GLACIER" && class != "ACCELERATED" {
            return Err(err(400, "InvalidStorageClass", format!("COS archives to GLACIER or ACCELERATED, not {class:?}")));
        }
        let days = transition.child("Days").and_then(|d| d.text.parse::<u64>().ok());
        let days = days.ok_or_else(|| err(400, "MalformedXML", "an archive Transition needs Days, a whole number"))?;
        if enabled {
            archive = Some(ArchiveRule { days, class });
        }
    }
    let b = get_bucket_mut(state, bucket)?;
    b.lifecycle = Some((String::from_utf8_lossy(&req.body).into_owned(), archive));
    Ok(Ok200::empty(200))
}

/// GetBucketLifecycleConfiguration: the document as it was put.
pub(super) fn get_lifecycle(state: &State, bucket: &str) -> Result<Ok200, S3Error> {
    match &get_bucket(state, bucket)?.lifecycle {
        Some((document, _)) => Ok(Ok200::xml(document.clone())),
        None => Err(err(404, "NoSuchLifecycleConfiguration", "The lifecycle configuration does not exist")),
    }
}

/// DeleteBucketLifecycle: objects already written keep the archive date they were given.
pub(super) fn delete_lifecycle(state: &mut State, bucket: &str) -> Result<Ok200, S3Error> {
    get_bucket_mut(state, bucket)?.lifecycle = None;
    Ok(Ok200::empty(204))
}

/// RestoreObject: 202 when a restore starts, 200 when a restored copy's stay is renewed, 409 while one
/// is running, 403 `InvalidObjectState` for an object that is not archived.
pub(super) fn restore_object(state: &mut State, req: &Req, bucket: &str, key: &str) -> Result<Ok200, S3Error> {
    let root = XmlNode::parse(&req.body).map_err(|e| err(400, "MalformedXML", e))?;
    let days = root.child("Days").and_then(|d| d.text.parse::<u64>().ok()).filter(|d| *d >= 1);
    let days = days.ok_or_else(|| err(400, "MalformedXML", "RestoreRequest needs Days, a whole number of at least 1"))?;
    let tier = root.child("GlacierJobParameters").and_then(|g| g.child("Tier")).map_or("Standard", |t| t.text.as_str());
    if !["Accelerated", "Standard", "Bulk"].contains(&tier) {
        return Err(err(400, "MalformedXML", format!("Tier must be Accelerated, Standard or Bulk, not {tier:?}")));
    }
    let now = state.now();
    let object: &mut Object = get_bucket_mut(state, bucket)?.objects.get_mut(key).ok_or_else(|| no_such_key(key))?;
    let archive = &mut object.archive;
    if archive.archived_class(now).is_none() {
        return Err(err(403, "InvalidObjectState", "The object is not archived; it can be read as it is"));
    }
    let stay = Duration::from_secs(days * DAY as u64);
    match archive.restore {
        Some((ready, _)) if now < ready => Err(err(409, "RestoreAlreadyInProgress", "A restore of this object is already running")),
        Some((ready, expires)) if now < expires => {
            archive.restore = Some((ready, now + stay));
            Ok(Ok200::empty(200))
        }
        _ => {
            let ready = now + RESTORE_TIME;
            archive.restore = Some((ready, ready + stay));
            Ok(Ok200::empty(202))
        }
    }
}
