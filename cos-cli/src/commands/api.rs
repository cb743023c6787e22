//! `api`: any operation by name through the SDK's JSON bridge, boto3-style JSON in and out, as
//! `aws s3api` does; `--list` names them all and `--skeleton` prints a template of an input.

use std::io::Read;

use cos_sdk::json::{error_to_json, input_skeleton, invoke, OPERATIONS};
use serde_json::{json, Value};

use crate::cli::ApiArgs;
use crate::context::{usage, Ctx, Fail, Outcome};
use crate::output::Output;

/// The parts of `api` that need no client: `--list` and `--skeleton`. `None` when the call must be sent.
pub fn offline(args: &ApiArgs, out: &Output) -> Option<Outcome> {
    if args.list {
        for name in OPERATIONS {
            out.result(json!({"operation": name}), || name.to_string());
        }
        return Some(Ok(()));
    }
    let operation = args.operation.as_deref()?;
    if !OPERATIONS.contains(&operation) {
        return Some(usage(format!("unknown operation `{operation}`; `cos api --list` names them all")));
    }
    if !args.skeleton {
        return None;
    }
    let template: Value = serde_json::from_str(input_skeleton(operation)?).ok()?;
    let text = serde_json::to_string_pretty(&template).unwrap_or_default();
    out.result(template, || text);
    Some(Ok(()))
}

fn input(args: &ApiArgs) -> Result<Value, Fail> {
    let (text, origin) = match (&args.input, &args.input_file) {
        (Some(text), _) => (text.clone(), "--input".to_string()),
        (None, Some(path)) if path == "-" => {
            let mut text = String::new();
            std::io::stdin().read_to_string(&mut text).map_err(|e| Fail::Failed(format!("reading stdin: {e}")))?;
            (text, "stdin".to_string())
        }
        (None, Some(path)) => {
            let text = std::fs::read_to_string(path)
                .map_err(|e| Fail::Usage(format!("cannot read --input-file {path}: {e}")))?;
            (text, path.clone())
        }
        (None, None) => return Ok(json!({})),
    };
    serde_json::from_str(&text).map_err(|e| Fail::Usage(format!("the input in {origin} is not JSON: {e}")))
}

pub async fn api(ctx: &Ctx, args: &ApiArgs) -> Outcome {
    let operation = args.operation.as_deref().unwrap_or_default();
    let input = input(args)?;
    if ctx.dry_run {
        ctx.out.result(json!({"operation": operation, "dry_run": true, "input": input}), || {
            format!("(dry run) {operation} {input}")
        });
        return Ok(());
    }
    match invoke(&ctx.client, operation, input).await {
        Ok(output) => {
            let text = serde_json::to_string_pretty(&output).unwrap_or_default();
            ctx.out.result(output, || text);
        }
        Err(e) => {
            let detail = error_to_json(operation, &e);
            let message = if ctx.out.is_json() { detail.to_string() } else { e.to_string() };
            ctx.out.failure("api", operation, &message);
        }
    }
    Ok(())
}
