//! Immutable Object Storage: the bucket protection configuration, the retention and legal holds
//! given on writes, the refusal to delete or overwrite a protected object, and the legal hold and
//! ExtendObjectRetention operations.

use std::time::{Duration, SystemTime};

use super::dates::{iso8601, parse_iso8601, secs_between};
use super::routing::{
    err, get_bucket, get_bucket_mut, invalid_argument, no_such_key, protected, require_md5, Ok200,
    Req, S3Error,
};
use super::wire::{esc, XmlNode};
use super::{Bucket, Object, Protection, Retention, State, DAY};

/// COS caps retention at 99 years.
const MAX_RETENTION_DAYS: i64 = 36_159;
/// COS allows at most 100 legal holds per object.
const MAX_LEGAL_HOLDS: usize = 100;
/// Legal hold IDs are at most 64 characters.
const MAX_LEGAL_HOLD_ID_LEN: usize = 64;

// --- protection configuration ------------------------------------------------------------------------------

pub(super) fn put_protection(state: &mut State, req: &Req, bucket: &str) -> Result<Ok200, S3Error> {
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

pub(super) fn get_protection(state: &State, bucket: &str) -> Result<Ok200, S3Error> {
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

// --- retention ---------------------------------------------------------------------------------------------

/// The retention asked for by `Retention-Period` / `Retention-Expiration-Date` (or the bucket default),
/// checked against the bucket's protection. `inherited` is used when no header is given (CopyObject with
/// Retention-Directive COPY). Returns None for an unprotected bucket without retention headers.
pub(super) fn retention_for_write(
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
pub(super) fn protection_reason(o: &Object, now: SystemTime) -> Option<String> {
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

pub(super) fn check_overwrite(b: &Bucket, key: &str, now: SystemTime) -> Result<(), S3Error> {
    if let Some(o) = b.objects.get(key) {
        if let Some(why) = protection_reason(o, now) {
            return Err(protected(key, &format!("{why}; it cannot be overwritten")));
        }
    }
    Ok(())
}

pub(super) fn initial_holds(
    req: &Req,
    now: SystemTime,
) -> Result<Vec<(String, SystemTime)>, S3Error> {
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

pub(super) fn retention_headers(ok: Ok200, o: &Object, protected_bucket: bool) -> Ok200 {
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

pub(super) fn legal_hold(
    state: &mut State,
    req: &Req,
    bucket: &str,
    key: &str,
) -> Result<Ok200, S3Error> {
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

pub(super) fn list_legal_holds(
    state: &mut State,
    bucket: &str,
    key: &str,
) -> Result<Ok200, S3Error> {
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

pub(super) fn extend_retention(
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
    // A number of seconds to add, which may not be negative; `header` names it in the refusal.
    let seconds_to_add = |v: &str, header: &str| match int(v)? {
        n if n < 0 => Err(invalid_argument(format!("{header} cannot be negative"))),
        n => Ok(n),
    };
    // The new retention as seconds from the object's creation (-1 permanent).
    let new_period = match *name {
        "additional-retention-period" => {
            secs_between(o.created, current_expiration) + seconds_to_add(value, "Additional-Retention-Period")?
        }
        "extend-retention-from-current-time" => {
            secs_between(o.created, now) + seconds_to_add(value, "Extend-Retention-From-Current-Time")?
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
