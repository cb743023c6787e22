//! The executable half of the conformance runner, compiled into the crate `cargo xtask conformance`
//! generates for each case file (next to one generated module per suite and a `dispatch` module).
//!
//! It drives every case through the JSON bridge and prints what actually happened, one JSON line per
//! case: the request an input case produced, or the output or error an output case parsed. It judges
//! nothing; the runner in `xtask/src/conformance.rs` compares these lines with the expectations.

use serde_json::{json, Map, Value};
use std::io::Write;

/// One case as the runner wrote it into `cases.json`.
struct Case {
    suite: usize,
    operation: String,
    endpoint: String,
    params: Option<Value>,
    response: Option<Value>,
}

fn read_cases(path: &str) -> Result<Vec<Case>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {path}: {e}"))?;
    let value: Value = serde_json::from_str(&text).map_err(|e| format!("{path} is not JSON: {e}"))?;
    let list = value.as_array().ok_or_else(|| format!("{path} must hold a list of cases"))?;
    list.iter()
        .map(|c| {
            Ok(Case {
                suite: c["suite"].as_u64().ok_or("a case lacks `suite`")? as usize,
                operation: c["operation"].as_str().ok_or("a case lacks `operation`")?.to_string(),
                endpoint: c["endpoint"].as_str().unwrap_or("https://example.com").to_string(),
                params: c.get("params").cloned(),
                response: c.get("response").cloned(),
            })
        })
        .collect()
}

/// The request as JSON: method, URI, headers in order (names lower-cased by `http`), body as text, or
/// as base64 when it is not UTF-8.
fn request_json(request: &http::Request<cos_sdk::ByteStream>) -> Value {
    let headers: Vec<Value> = request
        .headers()
        .iter()
        .map(|(k, v)| json!([k.as_str(), String::from_utf8_lossy(v.as_bytes())]))
        .collect();
    let body = match request.body().as_bytes() {
        Some(bytes) => match std::str::from_utf8(bytes) {
            Ok(text) => json!({ "text": text }),
            Err(_) => json!({ "base64": cos_sdk::rt::base64_encode(bytes) }),
        },
        None => json!({ "stream": true }),
    };
    json!({ "method": request.method().as_str(), "uri": request.uri().to_string(), "headers": headers, "body": body })
}

fn response_from(spec: &Value) -> Result<http::Response<cos_sdk::ByteStream>, String> {
    let status = spec["status_code"].as_u64().unwrap_or(200) as u16;
    let mut builder = http::Response::builder().status(status);
    if let Some(headers) = spec["headers"].as_object() {
        for (name, value) in headers {
            let text = match value {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            builder = builder.header(name.as_str(), text);
        }
    }
    let body = spec["body"].as_str().unwrap_or_default().to_string();
    builder.body(cos_sdk::ByteStream::from(body)).map_err(|e| format!("the case's response is not valid HTTP: {e}"))
}

fn run_case(case: &Case) -> Value {
    if let Some(params) = &case.params {
        let endpoint = match cos_sdk::Endpoint::new(&case.endpoint) {
            Ok(e) => e,
            Err(e) => return json!({ "harness_error": format!("endpoint {}: {e}", case.endpoint) }),
        };
        match crate::dispatch::serialize(case.suite, &case.operation, params.clone(), &endpoint) {
            Ok(request) => json!({ "request": request_json(&request) }),
            Err(e) => json!({ "serialize_error": e.to_string() }),
        }
    } else if let Some(spec) = &case.response {
        let response = match response_from(spec) {
            Ok(r) => r,
            Err(e) => return json!({ "harness_error": e }),
        };
        match crate::dispatch::parse(case.suite, &case.operation, response) {
            Ok(output) => json!({ "output": output }),
            Err(e) => {
                let error = crate::dispatch::error_json(case.suite, &case.operation, &e);
                json!({ "error": error, "message": e.to_string() })
            }
        }
    } else {
        json!({ "harness_error": "a case has neither params nor response" })
    }
}

pub fn main() {
    let path = std::env::args().nth(1).unwrap_or_else(|| "cases.json".to_string());
    let cases = match read_cases(&path) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(2);
        }
    };
    // A panic is a failure of its case, never of the run: report it and go on.
    std::panic::set_hook(Box::new(|_| {}));
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    for (i, case) in cases.iter().enumerate() {
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| run_case(case)))
            .unwrap_or_else(|panic| {
                let text = panic
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_default();
                json!({ "panic": text })
            });
        let mut line = Map::new();
        line.insert("index".into(), json!(i));
        if let Value::Object(fields) = result {
            line.extend(fields);
        }
        let _ = writeln!(out, "{}", Value::Object(line));
    }
}
