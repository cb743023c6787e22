//! `rm`: the keys a URL names, deleted 1,000 per DeleteObjects request, several requests at once
//! while the listing goes on.
//! `--dry-run` prints the same list the real run deletes, computed by the same code.

use futures_util::StreamExt;
use serde_json::{json, Value};

use crate::cli::RmArgs;
use crate::context::{usage, Ctx, Fail, Outcome};
use crate::location::{Expansion, Remote};

/// The most keys one DeleteObjects request takes.
const BATCH: usize = 1000;

pub async fn rm(ctx: &Ctx, args: &RmArgs) -> Outcome {
    // Every URL is checked before anything is deleted.
    let mut targets = Vec::new();
    for url in &args.urls {
        let remote = Remote::parse(url)?;
        let many = remote.has_wildcard() || args.recursive;
        if !many && remote.is_dir() {
            return usage(format!("`{url}` is a prefix; add --recursive to remove everything under it"));
        }
        targets.push((url, remote, many));
    }
    for (url, remote, many) in targets {
        if !many {
            delete_keys(ctx, "rm", &remote.bucket, vec![remote.key.clone()]).await;
            continue;
        }
        // A listing page (up to 1,000 keys, one DeleteObjects) at a time, listed while earlier pages are
        // being deleted: at most `in_flight` pages are held, however many keys match.
        let in_flight = ctx.concurrency.clamp(1, 8);
        // A recursive removal takes the folder markers too, or the bucket would not be empty after it.
        let expansion = Expansion::new(&ctx.client, &remote, args.recursive)?;
        let expansion = if args.recursive { expansion.with_folder_markers() } else { expansion };
        let pages = futures_util::stream::unfold(Some(expansion), |expansion| async move {
            let mut expansion = expansion.filter(|_| !ctx.interrupted())?;
            match expansion.next_page(&ctx.client).await? {
                Ok(objects) => Some((Ok(objects), Some(expansion))),
                // Listing stops at an error; the pages already listed are still deleted.
                Err(e) => Some((Err(e), None)),
            }
        });
        let bucket = remote.bucket.as_str();
        let deletions = pages
            .map(|page| async move {
                let keys: Vec<String> = page?.into_iter().map(|o| o.key).collect();
                let count = keys.len();
                delete_keys(ctx, "rm", bucket, keys).await;
                Ok::<usize, Fail>(count)
            })
            .buffer_unordered(in_flight);
        tokio::pin!(deletions);
        let (mut matched, mut listing_failed) = (0, None);
        while let Some(deleted) = deletions.next().await {
            match deleted {
                Ok(count) => matched += count,
                Err(e) => listing_failed = Some(e),
            }
        }
        if let Some(e) = listing_failed {
            return Err(e);
        }
        if matched == 0 && !ctx.interrupted() {
            ctx.out.failure("rm", url, "nothing matched");
        }
    }
    Ok(())
}

/// Deletes `keys` from `bucket` (or, with `--dry-run`, prints them), reporting each key.
pub async fn delete_keys(ctx: &Ctx, operation: &str, bucket: &str, keys: Vec<String>) {
    let remote = Remote { bucket: bucket.to_string(), key: String::new() };
    if ctx.dry_run {
        for key in keys {
            let url = remote.url(&key);
            ctx.out.result(json!({"operation": operation, "dry_run": true, "target": url}), || {
                format!("(dry run) {operation} {url}")
            });
        }
        return;
    }
    let batches: Vec<Vec<String>> = keys.chunks(BATCH).map(<[String]>::to_vec).collect();
    let mut results = futures_util::stream::iter(batches)
        .map(|batch| async move {
            // After Ctrl-C no further batch is sent.
            if ctx.interrupted() {
                return (batch, Err("not sent: interrupted".to_string()));
            }
            let objects: Vec<Value> = batch.iter().map(|k| json!({"Key": k})).collect();
            let input = json!({"Bucket": bucket, "Delete": {"Objects": objects}});
            let result = ctx.call("DeleteObjects", input).await.map_err(|e| e.to_string());
            (batch, result)
        })
        .buffer_unordered(ctx.concurrency.clamp(1, 8));
    while let Some((batch, result)) = results.next().await {
        match result {
            Ok(output) => report_batch(ctx, operation, &remote, &batch, &output),
            Err(e) => {
                for key in batch {
                    ctx.out.failure(operation, &remote.url(&key), &e);
                }
            }
        }
    }
}

/// Reports what a DeleteObjects answer says of each key of `batch`; a key it names neither deleted
/// nor failed is a failure too, not a silent success.
fn report_batch(ctx: &Ctx, operation: &str, remote: &Remote, batch: &[String], output: &Value) {
    let list = |name: &str| output.get(name).and_then(Value::as_array).cloned().unwrap_or_default();
    let mut answered = std::collections::HashSet::new();
    for deleted in list("Deleted") {
        let key = deleted.get("Key").and_then(Value::as_str).unwrap_or_default();
        answered.insert(key.to_string());
        let url = remote.url(key);
        ctx.out.result(json!({"operation": operation, "target": url}), || format!("{operation} {url}"));
    }
    for error in list("Errors") {
        let field = |name: &str| error.get(name).and_then(Value::as_str).unwrap_or_default().to_string();
        answered.insert(field("Key"));
        let message = format!("{}: {}", field("Code"), field("Message"));
        ctx.out.failure(operation, &remote.url(&field("Key")), &message);
    }
    for key in batch.iter().filter(|key| !answered.contains(*key)) {
        ctx.out.failure(operation, &remote.url(key), "the service's answer does not say it was deleted");
    }
}
