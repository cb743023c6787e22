//! Verdicts: what the harness reported for a case against what the case expects, for requests
//! (serialization), results, errors and parse errors.

use super::compare::{compare, compare_untyped};
use super::{http_uri, xml_tree};
use codegen::ir::{Location, Service, Type};
use serde_json::Value;

/// Compares what the harness reported for a case with what the case expects.
pub(super) fn judge(service: &Service, operation: &str, case: &Value, actual: &Value) -> Result<(), String> {
    if let Some(p) = actual.get("panic") {
        return Err(format!("PANIC: {p}"));
    }
    if let Some(e) = actual.get("harness_error") {
        return Err(format!("harness: {e}"));
    }
    if let Some(expected) = case.get("serialized") {
        let request = match actual.get("request") {
            Some(r) => r,
            None => return Err(format!("serializing failed: {}", actual["serialize_error"])),
        };
        // The type of the XML body: the structure payload, else the input's body members.
        let body_type = service.operation(operation).map(|op| {
            let input = service.structure(op.input);
            match input.members.iter().find(|m| matches!(m.location, Location::Payload(_))) {
                Some(m) => m.ty.clone(),
                None => Type::Structure(op.input),
            }
        });
        return judge_request(service, body_type.as_ref(), expected, request);
    }
    let op = service.operation(operation).ok_or_else(|| format!("operation {operation} not in the model"))?;
    if case.get("error").is_some() || case.get("errorCode").is_some() {
        let Some(error) = actual.get("error") else {
            return Err(format!("expected an error, got output {}", actual["output"]));
        };
        let details = &error["Error"];
        if let Some(code) = case.get("errorCode") {
            if &details["Code"] != code {
                return Err(format!("error code: expected {code}, got {} ({})", details["Code"], actual["message"]));
            }
        }
        if let Some(message) = case.get("errorMessage") {
            if &details["Message"] != message {
                return Err(format!("error message: expected {message}, got {}", details["Message"]));
            }
        }
        if let Some(expected) = case.get("error") {
            let mut modeled = error.as_object().cloned().unwrap_or_default();
            modeled.remove("Error");
            modeled.remove("ResponseMetadata");
            let modeled_name = modeled.remove("ModeledError");
            // Our extension: which modeled error the code maps to (`null`: none).
            if let Some(want) = case.get("modeledError") {
                if modeled_name.as_ref().unwrap_or(&Value::Null) != want {
                    return Err(format!("modeled error: expected {want}, got {modeled_name:?}"));
                }
            }
            let code = case.get("errorCode").and_then(Value::as_str).unwrap_or_default();
            let shape = op.errors.iter().find(|e| {
                let error = service.structure(**e);
                error.exception.as_ref().map(|x| x.code.as_str()) == Some(code) || error.name == code
            });
            match shape {
                Some(shape) => compare(service, &Type::Structure(*shape), expected, &Value::Object(modeled), "error", false)?,
                None => compare_untyped(expected, &Value::Object(modeled), "error")?,
            }
        }
        if let Some(extra) = case.get("error_extra") {
            let got = details.as_object().cloned().unwrap_or_default();
            for (k, v) in extra.as_object().into_iter().flatten() {
                if got.get(k) != Some(v) {
                    return Err(format!("Error.{k}: expected {v}, got {:?}", got.get(k)));
                }
            }
        }
        return Ok(());
    }
    if let Some(expected) = case.get("result") {
        let Some(output) = actual.get("output") else {
            return Err(format!("expected a result, got error {} ({})", actual["error"]["Error"], actual["message"]));
        };
        return compare(service, &Type::Structure(op.output), expected, output, "result", false);
    }
    if let Some(fragment) = case.get("parseErrorContains").and_then(Value::as_str) {
        let message = actual["message"].as_str().unwrap_or_default();
        if actual.get("output").is_some() {
            return Err(format!("expected a parse error containing `{fragment}`, got output {}", actual["output"]));
        }
        if !message.contains(fragment) {
            return Err(format!("expected an error containing `{fragment}`, got `{message}`"));
        }
        return Ok(());
    }
    Err("the case has no expectation (serialized, result, error or parseErrorContains)".into())
}

fn judge_request(service: &Service, body_type: Option<&Type>, expected: &Value, actual: &Value) -> Result<(), String> {
    let mut problems = Vec::new();
    if let Some(method) = expected["method"].as_str() {
        if actual["method"].as_str() != Some(method) {
            problems.push(format!("method: expected {method}, got {}", actual["method"]));
        }
    }
    let actual_uri: http_uri::Uri = http_uri::parse(actual["uri"].as_str().unwrap_or_default());
    if let Some(uri) = expected["uri"].as_str() {
        let want = http_uri::parse(uri);
        if want.path != actual_uri.path {
            problems.push(format!("path: expected {}, got {}", want.path, actual_uri.path));
        }
        let (mut w, mut a) = (want.query.clone(), actual_uri.query.clone());
        w.sort();
        a.sort();
        if w != a {
            problems.push(format!("query: expected {:?}, got {:?}", want.query, actual_uri.query));
        }
    }
    if let Some(host) = expected["host"].as_str() {
        if actual_uri.authority != host {
            problems.push(format!("host: expected {host}, got {}", actual_uri.authority));
        }
    }
    let headers: Vec<(String, String)> = actual["headers"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|h| (h[0].as_str().unwrap_or_default().to_ascii_lowercase(), h[1].as_str().unwrap_or_default().to_string()))
        .collect();
    let header = |name: &str| -> Option<String> {
        let values: Vec<&str> =
            headers.iter().filter(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str()).collect();
        (!values.is_empty()).then(|| values.join(", "))
    };
    // A list header's items may be separated by `,` or `, ` (RFC 9110 ignores the space).
    let items = |v: &str| v.split(',').map(str::trim).collect::<Vec<_>>().join(",");
    for (name, value) in expected["headers"].as_object().into_iter().flatten() {
        let want = value.as_str().map(str::to_string).unwrap_or_else(|| value.to_string());
        match header(name) {
            Some(got) if items(&got) == items(&want) => {}
            got => problems.push(format!("header {name}: expected {want:?}, got {got:?}")),
        }
    }
    for name in expected["forbidHeaders"].as_array().into_iter().flatten().filter_map(Value::as_str) {
        if let Some(got) = header(name) {
            problems.push(format!("header {name} must be absent, got {got:?}"));
        }
    }
    for name in expected["requireHeaders"].as_array().into_iter().flatten().filter_map(Value::as_str) {
        if header(name).is_none() {
            problems.push(format!("header {name} must be present"));
        }
    }
    if let Some(body) = expected.get("body") {
        let want = body.as_str().unwrap_or_default();
        let got = match &actual["body"] {
            b if b.get("text").is_some() => b["text"].as_str().unwrap_or_default().to_string(),
            b if b.get("base64").is_some() => format!("(binary, base64 {})", b["base64"]),
            _ => "(a stream)".to_string(),
        };
        if want.trim_start().starts_with('<') {
            let canonical = |text: &str| {
                xml_tree::parse(text).map(|mut tree| {
                    if let Some(ty) = body_type {
                        xml_tree::sort_map_entries(service, &mut tree, ty);
                    }
                    tree
                })
            };
            match (canonical(want), canonical(&got)) {
                (Ok(w), Ok(g)) if w == g => {}
                (Ok(_), Ok(_)) => problems.push(format!("body (XML): expected {want}, got {got}")),
                (Err(e), _) => problems.push(format!("the expected body is not XML ({e}): {want}")),
                (_, Err(e)) => problems.push(format!("body is not XML ({e}): expected {want}, got {got}")),
            }
        } else if want != got {
            problems.push(format!("body: expected {want:?}, got {got:?}"));
        }
    }
    // Our extension: raw text the body must contain (XML comparison unescapes, so this is how a case
    // pins down an escape such as `&#xD;`).
    for fragment in expected["bodyContains"].as_array().into_iter().flatten().filter_map(Value::as_str) {
        let text = actual["body"]["text"].as_str().unwrap_or_default();
        if !text.contains(fragment) {
            problems.push(format!("body lacks {fragment:?}: {text}"));
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("; "))
    }
}
