//! Pinning a multi-request transfer to one version of its object. `If-Match` asks the store to refuse a
//! changed object, but some S3-compatible stores ignore it; so every answer is also checked against the
//! first one (the HEAD): ETag, version id, and for ranges the `Content-Range` start, end and total size.
//! An object that changed mid-way is an [`ErrorKind::Integrity`] error that is never retried, and the
//! transfer's partial result is thrown away.

use std::fmt;

use crate::runtime::error::{Error, ErrorKind};
use crate::types::{GetObjectOutput, HeadObjectOutput};

/// The identity of the object as the first answer gave it.
#[derive(Clone, Debug)]
pub(crate) struct ObjectPin {
    pub(crate) size: u64,
    pub(crate) e_tag: Option<String>,
    /// The version id, when the store has one (`null`, what unversioned buckets answer, is none).
    pub(crate) version_id: Option<String>,
}

/// The marker an "object changed" error carries as its source, so callers can tell it from damage on
/// the way (which another attempt can fix).
#[derive(Debug)]
struct ObjectChanged;

impl fmt::Display for ObjectChanged {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("every part is checked against the object's first answer")
    }
}

impl std::error::Error for ObjectChanged {}

/// A version id that names a version: `null` (unversioned buckets) and empty are none.
pub(crate) fn real_version(version_id: Option<&str>) -> Option<&str> {
    version_id.filter(|v| !v.is_empty() && *v != "null")
}

/// The error for an object that changed mid-transfer; `what` says what differed.
pub(crate) fn object_changed(what: &str) -> Error {
    Error::new(ErrorKind::Integrity, format!("{what}; the object changed during the transfer: transfer it again")).with_source(ObjectChanged)
}

/// An ETag without the weak-validator prefix and the quotes, which stores do not all write the same
/// way in every answer.
pub(crate) fn bare_etag(e_tag: &str) -> &str {
    let e_tag = e_tag.trim();
    e_tag.strip_prefix("W/").unwrap_or(e_tag).trim_matches('"')
}

/// Whether `error` says the object changed: a failed `If-Match` or a failed pin check.
pub(crate) fn is_object_changed(error: &Error) -> bool {
    let precondition = error.service_error().is_some_and(|s| s.status() == 412 || s.code() == "PreconditionFailed");
    let pin = std::error::Error::source(error).is_some_and(|s| s.is::<ObjectChanged>());
    precondition || pin
}

impl ObjectPin {
    /// The identity a HEAD answered with; an answer without a size is an error.
    /// A pin from what a listing showed: the ETag in its quoted form, as `If-Match` wants it.
    pub(crate) fn listed(size: u64, e_tag: &str) -> ObjectPin {
        let e_tag = Some(bare_etag(e_tag)).filter(|e| !e.is_empty()).map(|e| format!("\"{e}\""));
        ObjectPin { size, e_tag, version_id: None }
    }

    pub(crate) fn from_head(head: &HeadObjectOutput, what: &str) -> Result<ObjectPin, Error> {
        let size = head
            .content_length
            .and_then(|n| u64::try_from(n).ok())
            .ok_or_else(|| Error::response_parse(format!("HeadObject of {what} answered without a Content-Length")))?;
        Ok(ObjectPin {
            size,
            e_tag: head.e_tag.clone().filter(|e_tag| !bare_etag(e_tag).is_empty()),
            version_id: real_version(head.version_id.as_deref()).map(str::to_string),
        })
    }

    /// Whether later answers can be told to be of this same object: it has an ETag or a version id to
    /// ask for and check. A transfer in several requests needs one, or its parts could come from
    /// different versions unnoticed.
    pub(crate) fn identifies(&self) -> bool {
        self.e_tag.is_some() || self.version_id.is_some()
    }

    /// Checks that an ETag and version id from a later answer name the pinned object.
    pub(crate) fn check_identity(&self, e_tag: Option<&str>, version_id: Option<&str>) -> Result<(), Error> {
        if let (Some(pinned), Some(now)) = (&self.e_tag, e_tag) {
            if bare_etag(pinned) != bare_etag(now) {
                return Err(object_changed(&format!(
                    "the object's ETag changed from {pinned} to {now} although every request asked for {pinned} (the \
                     store may ignore If-Match)"
                )));
            }
        }
        if let (Some(pinned), Some(now)) = (&self.version_id, real_version(version_id)) {
            if pinned != now {
                return Err(object_changed(&format!("the object's version changed from {pinned} to {now}")));
            }
        }
        Ok(())
    }

    /// Checks a GET's answer: the same object, and exactly the range asked for (`(offset, len)`), or the
    /// whole object when no range was asked for.
    pub(crate) fn check_get(&self, output: &GetObjectOutput, range: Option<(u64, u64)>) -> Result<(), Error> {
        self.check_identity(output.e_tag.as_deref(), output.version_id.as_deref())?;
        let Some((offset, len)) = range else {
            return match output.content_length.map(|n| u64::try_from(n).unwrap_or(u64::MAX)) {
                Some(n) if n != self.size => {
                    Err(object_changed(&format!("the object's size changed from {} to {n} bytes", self.size)))
                }
                _ => Ok(()),
            };
        };
        let end = offset + len - 1;
        let whole_length = output.content_length.is_some_and(|n| u64::try_from(n).ok() == Some(self.size));
        let Some(text) = output.content_range.as_deref() else {
            // A range that covers the whole object may be answered as a plain 200 of the whole object.
            if offset == 0 && len == self.size && whole_length {
                return Ok(());
            }
            return Err(Error::new(
                ErrorKind::Integrity,
                format!(
                    "the answer to a GET of bytes {offset}-{end} has no Content-Range, so which bytes it holds is \
                     unknown; the store may not support ranged GETs: raise the transfer's multipart threshold above \
                     the object's size to read it in one GET"
                ),
            ));
        };
        let Some((start, last, total)) = parse_content_range(text) else {
            return Err(Error::new(ErrorKind::Integrity, format!("the Content-Range `{text}` of a ranged GET is not `bytes START-END/SIZE`")));
        };
        // `*` (total unknown) is legal HTTP; a known total must be the pinned size.
        if let Some(total) = total.filter(|total| *total != self.size) {
            return Err(object_changed(&format!("the object's size changed from {} to {total} bytes", self.size)));
        }
        if (start, last) != (offset, end) {
            return Err(Error::new(
                ErrorKind::Integrity,
                format!("a GET of bytes {offset}-{end} was answered with bytes {start}-{last}"),
            ));
        }
        Ok(())
    }
}

/// `bytes START-END/SIZE` (SIZE may be `*`) as numbers; `None` when it is not of that form.
fn parse_content_range(text: &str) -> Option<(u64, u64, Option<u64>)> {
    let rest = text.trim().strip_prefix("bytes")?.trim_start();
    let (span, total) = rest.split_once('/')?;
    let (start, end) = span.split_once('-')?;
    let number = |s: &str| s.trim().parse::<u64>().ok();
    let total = match total.trim() {
        "*" => None,
        t => Some(number(t)?),
    };
    let (start, end) = (number(start)?, number(end)?);
    (start <= end).then_some((start, end, total))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pin() -> ObjectPin {
        ObjectPin { size: 100, e_tag: Some("\"a\"".into()), version_id: Some("v1".into()) }
    }

    fn answer(e_tag: &str, version: Option<&str>, range: Option<&str>) -> GetObjectOutput {
        let mut output = GetObjectOutput::builder().e_tag(e_tag).build();
        output.version_id = version.map(str::to_string);
        output.content_range = range.map(str::to_string);
        output
    }

    #[test]
    fn every_part_must_name_the_pinned_object_and_range() {
        let p = pin();
        assert!(p.check_get(&answer("\"a\"", Some("v1"), Some("bytes 10-19/100")), Some((10, 10))).is_ok());
        // `null` is what unversioned buckets answer: no version to compare.
        assert!(p.check_get(&answer("\"a\"", Some("null"), Some("bytes 10-19/100")), Some((10, 10))).is_ok());
        for (output, changed) in [
            (answer("\"b\"", Some("v1"), Some("bytes 10-19/100")), true),
            (answer("\"a\"", Some("v2"), Some("bytes 10-19/100")), true),
            (answer("\"a\"", Some("v1"), Some("bytes 10-19/120")), true),
            (answer("\"a\"", Some("v1"), Some("bytes 0-9/100")), false),
            (answer("\"a\"", Some("v1"), Some("bytes 19-10/100")), false),
            (answer("\"a\"", Some("v1"), Some("garbage")), false),
            (answer("\"a\"", Some("v1"), None), false),
        ] {
            let error = p.check_get(&output, Some((10, 10))).unwrap_err();
            assert_eq!(error.kind(), ErrorKind::Integrity);
            assert_eq!(is_object_changed(&error), changed, "{error}");
        }
        // What a correct answer may look like on other stores: not a change.
        for output in [
            answer("W/\"a\"", Some("v1"), Some("bytes 10-19/100")),
            answer("a", None, Some("bytes 10-19/100")),
            answer("\"a\"", Some("v1"), Some("bytes 10-19/*")),
        ] {
            assert!(p.check_get(&output, Some((10, 10))).is_ok(), "{output:?}");
        }
        // A range of the whole object answered as a plain 200 of the whole object.
        let mut plain = answer("\"a\"", None, None);
        plain.content_length = Some(100);
        assert!(p.check_get(&plain, Some((0, 100))).is_ok());
        plain.content_length = Some(99);
        assert!(p.check_get(&plain, Some((0, 100))).is_err());
        let mut whole = answer("\"a\"", None, None);
        whole.content_length = Some(101);
        assert!(is_object_changed(&p.check_get(&whole, None).unwrap_err()));
        whole.content_length = Some(100);
        assert!(p.check_get(&whole, None).is_ok());
        assert!(is_object_changed(&Error::service(crate::runtime::error::ServiceError::new(412, "PreconditionFailed"))));
        assert!(!is_object_changed(&Error::new(ErrorKind::Integrity, "checksum mismatch")));
    }
}
