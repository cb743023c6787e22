//! Commands on single objects and buckets: `ls`, `buckets`, `cat`, `pipe`, `stat`, `du`, `mb`, `rb`,
//! `presign`.

use std::time::Duration;

use cos_sdk::DateTime;
use serde_json::{json, Map, Value};
use tokio::io::AsyncWriteExt;

use crate::cli::{LsArgs, MbArgs, ObjectArgs};
use crate::commands::copy::settings;
use crate::context::{usage, Ctx, Fail, Outcome};
use crate::location::{Expansion, Remote};
use crate::output::{human_size, size_text};

/// `2026-11-30 04:05:06`, or blanks when unknown.
fn time_text(when: Option<&DateTime>) -> String {
    match when {
        Some(t) => t.to_string().replace('T', " ").chars().take(19).collect(),
        None => " ".repeat(19),
    }
}

pub async fn ls(ctx: &Ctx, args: &LsArgs) -> Outcome {
    let Some(url) = &args.url else {
        return buckets(ctx, false).await;
    };
    let remote = Remote::parse(url)?;
    if args.versions {
        return versions(ctx, &remote, args).await;
    }
    if remote.has_wildcard() {
        let mut expansion = Expansion::new(&ctx.client, &remote, true)?;
        let mut matched = false;
        while let Some(page) = expansion.next_page(&ctx.client).await {
            for o in page? {
                matched = true;
                print_object(
                    ctx,
                    &remote,
                    &o.key,
                    o.size,
                    o.last_modified.as_ref(),
                    o.etag.as_deref(),
                    o.storage_class.as_deref(),
                    args,
                );
            }
        }
        if !matched {
            ctx.out.failure("ls", url, "nothing matched");
        }
        return Ok(());
    }
    let mut request = ctx.client.list_objects_v2().bucket(&remote.bucket).prefix(&remote.key);
    if !args.recursive {
        request = request.delimiter("/");
    }
    let mut pages = request.into_paginator().send();
    while let Some(page) = pages.next().await {
        let page = page?;
        for prefix in page.common_prefixes.unwrap_or_default().into_iter().filter_map(|p| p.prefix) {
            print_prefix(ctx, remote.url(&prefix));
        }
        for o in page.contents.unwrap_or_default() {
            let Some(key) = &o.key else { continue };
            let class = o.storage_class.as_ref().map(|c| c.as_str());
            let size = o.size.unwrap_or(0).max(0) as u64;
            print_object(ctx, &remote, key, size, o.last_modified.as_ref(), o.e_tag.as_deref(), class, args);
        }
    }
    Ok(())
}

/// A row for a deeper prefix of a one-level listing.
fn print_prefix(ctx: &Ctx, url: String) {
    ctx.out.result(json!({"prefix": url}), || format!("{:>19}  {:>10}  {url}", "", "DIR"));
}

#[allow(clippy::too_many_arguments)]
fn print_object(
    ctx: &Ctx,
    remote: &Remote,
    key: &str,
    size: u64,
    modified: Option<&DateTime>,
    etag: Option<&str>,
    class: Option<&str>,
    args: &LsArgs,
) {
    let url = remote.url(key);
    ctx.out.result(
        json!({"key": url, "size": size, "last_modified": modified.map(|t| t.to_string()), "etag": etag, "storage_class": class}),
        || {
            let mut line = format!("{}  {:>10}  ", time_text(modified), size_text(size, args.human));
            if args.long {
                line.push_str(&format!("{:<34}  {:<12}  ", etag.unwrap_or("-"), class.unwrap_or("STANDARD")));
            }
            line + &url
        },
    );
}

/// Every version and delete marker under a prefix (one level without --recursive) or matching a
/// pattern.
async fn versions(ctx: &Ctx, remote: &Remote, args: &LsArgs) -> Outcome {
    let pattern = remote.has_wildcard().then(|| remote.pattern()).transpose()?;
    let (prefix, base) = pattern.as_ref().map_or((remote.key.as_str(), ""), |(literal, base, _)| (literal, base));
    let wanted = |key: &str| {
        pattern
            .as_ref()
            .is_none_or(|(_, _, glob)| key.strip_prefix(base).is_some_and(|relative| glob.matches(relative)))
    };
    let mut request = ctx.client.list_object_versions().bucket(&remote.bucket).prefix(prefix);
    if !args.recursive && pattern.is_none() {
        request = request.delimiter("/");
    }
    let mut pages = request.into_paginator().send();
    let mut matched = false;
    while let Some(page) = pages.next().await {
        let page = page?;
        for prefix in page.common_prefixes.unwrap_or_default().into_iter().filter_map(|p| p.prefix) {
            print_prefix(ctx, remote.url(&prefix));
        }
        for v in page.versions.unwrap_or_default() {
            let (Some(key), size) = (&v.key, v.size.unwrap_or(0).max(0) as u64) else {
                continue;
            };
            if !wanted(key) {
                continue;
            }
            matched = true;
            let (url, id, latest) =
                (remote.url(key), v.version_id.clone().unwrap_or_default(), v.is_latest.unwrap_or(false));
            ctx.out.result(
                json!({"key": url, "version_id": id, "is_latest": latest, "size": size, "last_modified": v.last_modified.map(|t| t.to_string())}),
                || format!("{}  {:>10}  {}{}  {url}", time_text(v.last_modified.as_ref()), size_text(size, args.human), id, if latest { " (latest)" } else { "" }),
            );
        }
        for m in page.delete_markers.unwrap_or_default() {
            let Some(key) = m.key.as_deref().filter(|key| wanted(key)) else { continue };
            matched = true;
            let (url, id) = (remote.url(key), m.version_id.clone().unwrap_or_default());
            ctx.out.result(
                json!({"key": url, "version_id": id, "delete_marker": true, "last_modified": m.last_modified.map(|t| t.to_string())}),
                || format!("{}  {:>10}  {id}  {url}", time_text(m.last_modified.as_ref()), "DELETED"),
            );
        }
    }
    if pattern.is_some() && !matched {
        ctx.out.failure("ls", &remote.url(&remote.key), "nothing matched");
    }
    Ok(())
}

pub async fn buckets(ctx: &Ctx, extended: bool) -> Outcome {
    let (operation, input) = if extended { ("ListBucketsExtended", json!({})) } else { ("ListBuckets", json!({})) };
    let mut input = input;
    loop {
        let output = ctx.call(operation, input.clone()).await?;
        let list = output.get("Buckets").and_then(Value::as_array).cloned().unwrap_or_default();
        let mut last = None;
        for b in &list {
            let name = b.get("Name").and_then(Value::as_str).unwrap_or_default().to_string();
            let created = b.get("CreationDate").and_then(Value::as_str).unwrap_or_default().replace('T', " ");
            let location = b.get("LocationConstraint").and_then(Value::as_str).unwrap_or_default().to_string();
            let template = b.get("CreationTemplateId").and_then(Value::as_str);
            let value = json!({
                "bucket": format!("cos://{name}"),
                "name": name,
                "created": b.get("CreationDate"),
                "location_constraint": (!location.is_empty()).then_some(&location),
                "creation_template_id": template,
            });
            ctx.out
                .result(value, || format!("{:<19}  {name}  {location}", created.chars().take(19).collect::<String>()));
            last = Some(name);
        }
        // ListBucketsExtended pages with a marker; ListBuckets answers at once.
        match (extended, output.get("IsTruncated").and_then(Value::as_bool), last) {
            (true, Some(true), Some(marker))
                if input.get("Marker").and_then(Value::as_str) != Some(marker.as_str()) =>
            {
                input = json!({"Marker": marker})
            }
            (true, Some(true), _) => {
                return Err(Fail::Failed("the bucket listing repeated its last page; stopped".into()))
            }
            _ => return Ok(()),
        }
    }
}

/// A byte range as asked for: `FIRST-LAST`, `FIRST-` or `-COUNT`.
#[derive(Debug, PartialEq, Eq)]
struct ByteRange {
    first: Option<u64>,
    last: Option<u64>,
}

impl ByteRange {
    /// `0-99`, `100-`, `-100` or a whole `bytes=...` header value; a FIRST past the LAST is refused, as
    /// servers would answer it with the whole object.
    fn parse(text: &str) -> Result<ByteRange, Fail> {
        let spec = text.strip_prefix("bytes=").unwrap_or(text);
        // An end: empty (`None`), or a number that fits (`Some`); anything else refuses the range.
        let end = |s: &str| -> Option<Option<u64>> {
            if s.is_empty() {
                Some(None)
            } else if s.bytes().all(|c| c.is_ascii_digit()) {
                s.parse().ok().map(Some)
            } else {
                None
            }
        };
        let range = spec.split_once('-').and_then(|(a, b)| Some(ByteRange { first: end(a)?, last: end(b)? }));
        match range {
            Some(r) if r.first.is_some() || r.last.is_some() => match (r.first, r.last) {
                (Some(first), Some(last)) if first > last => usage(format!("--range `{text}` starts after it ends")),
                _ => Ok(r),
            },
            _ => usage(format!("--range `{text}` must be FIRST-LAST, FIRST- or -COUNT (bytes)")),
        }
    }

    fn header(&self) -> String {
        let text = |n: Option<u64>| n.map(|n| n.to_string()).unwrap_or_default();
        format!("bytes={}-{}", text(self.first), text(self.last))
    }

    /// Whether an answer of the whole object (`length` bytes, no Content-Range) is what this range asks
    /// for: it starts at 0 and reaches the end, or counts back over the whole object.
    fn is_whole(&self, length: u64) -> bool {
        match (self.first, self.last) {
            (Some(0), last) => last.is_none_or(|last| last.saturating_add(1) >= length),
            (None, Some(count)) => count >= length,
            _ => false,
        }
    }
}

pub async fn cat(ctx: &Ctx, url: &str, range: Option<&str>) -> Outcome {
    let remote = Remote::parse_object(url)?;
    let mut request = ctx.client.get_object().bucket(&remote.bucket).key(&remote.key);
    let range = range.map(ByteRange::parse).transpose()?;
    if let Some(range) = &range {
        request = request.range(range.header());
    }
    let mut output = request.send().await?;
    // A server that ignores a range answers with the whole object: printed, it would pass for the range.
    if let Some(range) = range.filter(|_| output.content_range.is_none()) {
        let length = output.content_length.and_then(|n| u64::try_from(n).ok());
        if !length.is_some_and(|length| range.is_whole(length)) {
            return Err(Fail::Failed(format!(
                "the service answered the range {} with the whole object (no Content-Range); nothing was printed",
                range.header()
            )));
        }
    }
    let mut stdout = tokio::io::stdout();
    while let Some(chunk) = output.body.next_chunk().await {
        let chunk = chunk?;
        if let Err(e) = stdout.write_all(&chunk).await {
            // The reader went away (`cos cat ... | head`): stop quietly.
            if e.kind() == std::io::ErrorKind::BrokenPipe {
                return Ok(());
            }
            return Err(Fail::Failed(format!("writing to stdout: {e}")));
        }
    }
    stdout.flush().await.map_err(|e| Fail::Failed(format!("writing to stdout: {e}")))?;
    Ok(())
}

pub async fn pipe(ctx: &Ctx, url: &str, expected_size: Option<u64>, object: &ObjectArgs) -> Outcome {
    let remote = Remote::parse_object(url)?;
    let target = remote.url(&remote.key);
    if ctx.dry_run {
        ctx.out.result(json!({"operation": "pipe", "dry_run": true, "destination": target}), || {
            format!("(dry run) pipe stdin {target}")
        });
        return Ok(());
    }
    let mut request =
        ctx.manager.upload_stream(tokio::io::stdin(), &remote.bucket, &remote.key).settings(settings(object)?);
    if let Some(bytes) = expected_size {
        request = request.size_hint(bytes);
    }
    if let Some(counter) = ctx.out.transfer_progress() {
        request = request.on_progress(cos_sdk::transfer::ProgressListener::new(move |p| counter.observe(p)));
    }
    let done = ctx.finish(request.start(), false).await?;
    ctx.out.result(json!({"operation": "pipe", "destination": target, "size": done.size}), || {
        format!("pipe stdin {target} ({})", human_size(done.size))
    });
    Ok(())
}

pub async fn stat(ctx: &Ctx, url: &str) -> Outcome {
    let remote = Remote::parse_object(url)?;
    let output = ctx.call("HeadObject", json!({"Bucket": remote.bucket, "Key": remote.key})).await?;
    let mut fields: Map<String, Value> = output.as_object().cloned().unwrap_or_default();
    fields.remove("ResponseMetadata");
    fields.insert("Url".into(), Value::String(remote.url(&remote.key)));
    let text = fields
        .iter()
        .map(|(k, v)| format!("{k:<28} {}", v.as_str().map(str::to_string).unwrap_or_else(|| v.to_string())))
        .collect::<Vec<_>>()
        .join("\n");
    ctx.out.result(Value::Object(fields), || text);
    Ok(())
}

pub async fn du(ctx: &Ctx, url: &str, human: bool) -> Outcome {
    let remote = Remote::parse(url)?;
    // A prefix is a folder: `du cos://b/photos` does not count `photos-old/`.
    let target = match remote.has_wildcard() {
        true => remote,
        false => Remote { key: remote.dir_prefix(), bucket: remote.bucket },
    };
    // Summed a listing page at a time, so memory stays bounded.
    let (mut size, mut count) = (0u64, 0usize);
    let mut expansion = Expansion::new(&ctx.client, &target, true)?;
    while let Some(page) = expansion.next_page(&ctx.client).await {
        let page = page?;
        size += page.iter().map(|o| o.size).sum::<u64>();
        count += page.len();
    }
    ctx.out.result(json!({"target": url, "size": size, "count": count}), || {
        format!("{}  {count} objects  {url}", size_text(size, human))
    });
    Ok(())
}

pub async fn mb(ctx: &Ctx, args: &MbArgs) -> Outcome {
    let bucket = Remote::parse_bucket(&args.url)?;
    let mut input = json!({"Bucket": bucket});
    if let Some(constraint) = &args.location_constraint {
        input["CreateBucketConfiguration"] = json!({"LocationConstraint": constraint});
    }
    if let Some(crn) = &args.kp_root_key_crn {
        input["IBMSSEKPCustomerRootKeyCrn"] = json!(crn);
        input["IBMSSEKPEncryptionAlgorithm"] = json!(args.kp_encryption_algorithm.as_deref().unwrap_or("AES256"));
    }
    change(ctx, "mb", &args.url, "CreateBucket", input).await
}

pub async fn rb(ctx: &Ctx, url: &str) -> Outcome {
    let bucket = Remote::parse_bucket(url)?;
    change(ctx, "rb", url, "DeleteBucket", json!({"Bucket": bucket})).await
}

/// Sends one changing operation (or, with `--dry-run`, says it would) and reports it.
pub async fn change(ctx: &Ctx, command: &str, target: &str, operation: &str, input: Value) -> Outcome {
    if ctx.dry_run {
        ctx.out.result(json!({"operation": command, "dry_run": true, "target": target, "request": operation}), || {
            format!("(dry run) {command} {target}")
        });
        return Ok(());
    }
    let mut output = ctx.call(operation, input).await?;
    if let Some(fields) = output.as_object_mut() {
        fields.remove("ResponseMetadata");
    }
    ctx.out.result(json!({"operation": command, "target": target, "output": output}), || format!("{command} {target}"));
    Ok(())
}

pub async fn presign(ctx: &Ctx, url: &str, expires: u64, put: bool) -> Outcome {
    let remote = Remote::parse_object(url)?;
    let expires_in = Duration::from_secs(expires);
    let presigned = if put {
        ctx.client.put_object().bucket(&remote.bucket).key(&remote.key).presigned(expires_in)?
    } else {
        ctx.client.get_object().bucket(&remote.bucket).key(&remote.key).presigned(expires_in)?
    };
    let link = presigned.url();
    ctx.out.result(json!({"url": link, "method": presigned.method().as_str(), "expires_in": expires}), || link.clone());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::ByteRange;

    #[test]
    fn ranges() {
        let header = |text: &str| ByteRange::parse(text).unwrap().header();
        assert_eq!(header("0-99"), "bytes=0-99");
        assert_eq!(header("-5"), "bytes=-5");
        assert_eq!(header("bytes=7-"), "bytes=7-");
        for bad in ["", "-", "a-b", "5", "1-2-3", "bytes=x", "100-50", "99999999999999999999-"] {
            assert!(ByteRange::parse(bad).is_err(), "{bad}");
        }
        // An answer without a Content-Range is taken only when it is the whole of what was asked.
        let whole = |text: &str, length: u64| ByteRange::parse(text).unwrap().is_whole(length);
        assert!(whole("0-", 10) && whole("0-9", 10) && whole("0-99", 10) && whole("-10", 10));
        assert!(!whole("0-8", 10) && !whole("1-", 10) && !whole("-9", 10));
    }
}
