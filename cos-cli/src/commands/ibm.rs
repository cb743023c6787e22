//! IBM's verbs: bucket protection, retention extension, legal holds, archive rules, restores and
//! replication failures, each one or two operations of the JSON bridge.

use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::cli::{LegalHoldCommand, LifecycleCommand, ProtectionCommand, RestoreArgs, RetentionCommand};
use crate::commands::objects::change;
use crate::context::{usage, Ctx, Fail, Outcome};
use crate::location::Remote;

/// Sends a read operation and prints its output.
async fn read(ctx: &Ctx, operation: &str, input: serde_json::Value) -> Outcome {
    show(ctx, ctx.call(operation, input).await?);
    Ok(())
}

/// Prints a read operation's output: compact with `--json`, indented otherwise.
fn show(ctx: &Ctx, mut output: Value) {
    if let Some(fields) = output.as_object_mut() {
        fields.remove("ResponseMetadata");
    }
    let text = serde_json::to_string_pretty(&output).unwrap_or_default();
    ctx.out.result(output, || text);
}

pub async fn protection(ctx: &Ctx, command: &ProtectionCommand) -> Outcome {
    match command {
        ProtectionCommand::Get { url } => {
            read(ctx, "GetBucketProtectionConfiguration", json!({"Bucket": Remote::parse_bucket(url)?})).await
        }
        ProtectionCommand::Set { url, min_days, max_days, default_days } => {
            if !(min_days <= default_days && default_days <= max_days) {
                return usage("the periods must satisfy --min-days <= --default-days <= --max-days");
            }
            let config = json!({
                "Status": "Retention",
                "MinimumRetention": {"Days": min_days},
                "DefaultRetention": {"Days": default_days},
                "MaximumRetention": {"Days": max_days},
            });
            let input = json!({"Bucket": Remote::parse_bucket(url)?, "ProtectionConfiguration": config});
            change(ctx, "protection set", url, "PutBucketProtectionConfiguration", input).await
        }
    }
}

pub async fn retention(ctx: &Ctx, command: &RetentionCommand) -> Outcome {
    let RetentionCommand::Extend { url, add_seconds, period, until, from_now } = command;
    let object = Remote::parse_object(url)?;
    let mut input = json!({"Bucket": object.bucket, "Key": object.key});
    match (add_seconds, period, until, from_now) {
        (Some(seconds), None, None, None) => input["AdditionalRetentionPeriod"] = json!(seconds),
        (None, Some(seconds), None, None) => input["NewRetentionPeriod"] = json!(seconds),
        (None, None, Some(date), None) => input["NewRetentionExpirationDate"] = json!(date),
        (None, None, None, Some(seconds)) => input["ExtendRetentionFromCurrentTime"] = json!(seconds),
        _ => return usage("give one of --add-seconds, --period, --until and --from-now"),
    }
    change(ctx, "retention extend", url, "ExtendObjectRetention", input).await
}

pub async fn legal_hold(ctx: &Ctx, command: &LegalHoldCommand) -> Outcome {
    let (url, id) = match command {
        LegalHoldCommand::Ls { url } => {
            let object = Remote::parse_object(url)?;
            let input = json!({"Bucket": object.bucket, "Key": object.key});
            return read(ctx, "ListLegalHolds", input).await;
        }
        LegalHoldCommand::Add { url, id } | LegalHoldCommand::Rm { url, id } => (url, id),
    };
    let object = Remote::parse_object(url)?;
    let input = json!({"Bucket": object.bucket, "Key": object.key, "RetentionLegalHoldId": id});
    match command {
        LegalHoldCommand::Add { .. } => change(ctx, "legal-hold add", url, "AddLegalHold", input).await,
        _ => change(ctx, "legal-hold rm", url, "DeleteLegalHold", input).await,
    }
}

pub async fn lifecycle(ctx: &Ctx, command: &LifecycleCommand) -> Outcome {
    match command {
        LifecycleCommand::Get { url } => {
            read(ctx, "GetBucketLifecycleConfiguration", json!({"Bucket": Remote::parse_bucket(url)?})).await
        }
        LifecycleCommand::Archive { url, days, storage_class } => {
            let name = Remote::parse_bucket(url)?;
            // COS allows one archive rule per bucket: it replaces any rule with transitions and keeps
            // the others (expirations, multipart clean-up).
            let mut rules: Vec<Value> = match ctx.call("GetBucketLifecycleConfiguration", json!({"Bucket": name})).await
            {
                Ok(existing) => existing.get("Rules").and_then(Value::as_array).cloned().unwrap_or_default(),
                Err(e) if e.code() == Some("NoSuchLifecycleConfiguration") => Vec::new(),
                Err(e) => return Err(e.into()),
            };
            rules.retain(|rule| rule.get("Transitions").is_none());
            rules.push(json!({
                "ID": format!("archive-after-{days}-days"),
                "Status": "Enabled",
                "Filter": {"Prefix": ""},
                "Transitions": [{"Days": days, "StorageClass": storage_class}],
            }));
            let input = json!({"Bucket": name, "LifecycleConfiguration": {"Rules": rules}});
            change(ctx, "lifecycle archive", url, "PutBucketLifecycleConfiguration", input).await
        }
    }
}

pub async fn restore(ctx: &Ctx, args: &RestoreArgs) -> Outcome {
    let object = Remote::parse_object(&args.url)?;
    let mut request = json!({"Days": args.days});
    if let Some(tier) = &args.tier {
        request["GlacierJobParameters"] = json!({"Tier": tier});
    }
    let input = json!({"Bucket": object.bucket, "Key": object.key, "RestoreRequest": request});
    if !args.wait || ctx.dry_run {
        return change(ctx, "restore", &args.url, "RestoreObject", input).await;
    }
    match ctx.call("RestoreObject", input).await {
        Ok(_) => {}
        // Asked again while a restore runs (COS answers 409): wait for that one.
        Err(e) if e.code() == Some("RestoreAlreadyInProgress") => {}
        Err(e) => return Err(e.into()),
    }
    // Growing pauses, as a restore takes minutes (ACCELERATED) to hours (GLACIER).
    let mut pause = Duration::from_millis(500);
    // A timeout too large to add to the clock means no deadline.
    let deadline = Instant::now().checked_add(Duration::from_secs(args.wait_timeout));
    loop {
        let head = ctx.call("HeadObject", json!({"Bucket": object.bucket, "Key": object.key})).await?;
        let status = head.get("Restore").and_then(Value::as_str).unwrap_or_default().to_string();
        if status.contains("ongoing-request=\"false\"") {
            ctx.out.result(
                json!({"operation": "restore", "target": args.url, "restored": true, "restore": status}),
                || format!("restored {}: {status}", args.url),
            );
            return Ok(());
        }
        if status.is_empty() {
            return Err(Fail::Failed(format!("{} shows no restore in progress", args.url)));
        }
        let left = deadline.map_or(Duration::MAX, |d| d.saturating_duration_since(Instant::now()));
        if left.is_zero() {
            return Err(Fail::Failed(format!(
                "{} is still being restored after {} s ({status}); raise --wait-timeout to wait longer",
                args.url, args.wait_timeout
            )));
        }
        tokio::time::sleep(pause.min(left)).await;
        pause = (pause * 2).min(Duration::from_secs(60));
    }
}

pub async fn replication_failures(ctx: &Ctx, url: &str) -> Outcome {
    let name = Remote::parse_bucket(url)?;
    let mut input = json!({"Bucket": name});
    loop {
        let output = ctx.call("ListBucketReplicationFailures", input.clone()).await?;
        let result = output.get("ListReplicationFailureResult").cloned().unwrap_or(Value::Null);
        for failure in result.get("Contents").and_then(Value::as_array).cloned().unwrap_or_default() {
            let key = failure.get("Key").and_then(Value::as_str).unwrap_or_default().to_string();
            let text = format!("cos://{name}/{key}  {}", failure);
            ctx.out.result(failure, || text);
        }
        match result.get("NextContinuationToken").and_then(Value::as_str) {
            Some(token) if result.get("IsTruncated").and_then(Value::as_bool) == Some(true) => {
                if input.get("ContinuationToken").and_then(Value::as_str) == Some(token) {
                    return Err(Fail::Failed("the listing repeated its continuation token; stopped".into()));
                }
                input = json!({"Bucket": name, "ContinuationToken": token});
            }
            _ => return Ok(()),
        }
    }
}
