//! One group of case files: generating its crate under `target/conformance/`, building and running
//! it through the harness, then judging and reporting every case.

use super::base64::base64;
use super::cases::{case_key, find_skip, label_of, suite_model, Skip};
use super::judge::judge;
use codegen::ir::{Location, Scalar, Service, Type};
use serde_json::{json, Map, Value};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

const HARNESS: &str = "tests/conformance/harness.rs";

/// One case ready to run, with what it expects.
struct Prepared {
    file: String,
    suite_label: String,
    key: String,
    /// Index of the suite in the generated crate.
    suite: usize,
    /// The operation name the case uses (renamed when suites define one name twice).
    operation: String,
    /// Type facts for comparison: the service the suite was generated from.
    service: usize,
    case: Value,
    /// The suite's `clientEndpoint`.
    endpoint: Option<String>,
    skip: Option<String>,
    /// A problem found before running (the suite did not generate).
    early_failure: Option<String>,
}

/// Runs one group of files in one generated crate; returns (passed, failed, skipped).
pub(super) fn run_group(root: &Path, name: &str, files: &[PathBuf], skips: &[Skip]) -> Result<(usize, usize, usize), String> {
    let crate_name = format!("conformance-{}", sanitize(name));
    let dir = root.join("target/conformance").join(&crate_name);
    let src = dir.join("src");
    if src.exists() {
        fs::remove_dir_all(&src).map_err(|e| format!("cannot clear {}: {e}", src.display()))?;
    }
    fs::create_dir_all(&src).map_err(|e| format!("cannot create {}: {e}", src.display()))?;

    let s3 = s3_service(root)?;
    let mut services: Vec<Service> = Vec::new();
    let mut prepared: Vec<Prepared> = Vec::new();
    let mut modules = String::new();
    let mut dispatch_ser = String::new();
    let mut dispatch_parse = String::new();
    let mut dispatch_err = String::new();
    let mut suite_index = 0usize;
    for file in files {
        let label = label_of(root, file);
        let text = fs::read_to_string(file).map_err(|e| format!("cannot read {}: {e}", file.display()))?;
        let suites: Value = serde_json::from_str(&text).map_err(|e| format!("{label} is not JSON: {e}"))?;
        let suites = suites.as_array().ok_or_else(|| format!("{label} must be a list of suites"))?;
        for (si, suite) in suites.iter().enumerate() {
            let index = suite_index;
            suite_index += 1;
            let description = suite["description"].as_str().unwrap_or("(no description)").to_string();
            let suite_label = format!("{label} :: {description}");
            let cases = suite["cases"].as_array().cloned().unwrap_or_default();
            let real_sdk = suite["sdk"].as_str() == Some("cos-sdk");
            let (model, renames) = if real_sdk { (Value::Null, Vec::new()) } else { suite_model(suite) };
            let generated = if real_sdk {
                Ok(None)
            } else {
                let service_text = serde_json::to_string(&model).expect("JSON writes");
                codegen::ir::resolve(&service_text, None, None)
                    .and_then(|service| {
                        let module_root = format!("crate::suite_{index}");
                        let source_label = format!("{label} suite {si}");
                        codegen::generate(&codegen::Input {
                            service: &service_text,
                            paginators: None,
                            waiters: None,
                            source_label: &source_label,
                            runtime_crate: "::cos_sdk",
                            module_root: &module_root,
                            wrapper_client: true,
                            docs: &[],
                        })
                        .map(|files| Some((service, files)))
                    })
                    .map_err(|e| e.to_string())
            };
            let service_index = match generated {
                Ok(Some((service, gen_files))) => {
                    let module_dir = src.join(format!("suite_{index}/generated"));
                    for f in gen_files {
                        let path = module_dir.join(&f.path);
                        fs::create_dir_all(path.parent().expect("has a folder")).map_err(|e| e.to_string())?;
                        fs::write(&path, f.contents).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
                    }
                    fs::write(
                        src.join(format!("suite_{index}.rs")),
                        format!("//! {}\n#[rustfmt::skip]\npub mod generated;\n", suite_label.replace('\n', " ")),
                    )
                    .map_err(|e| e.to_string())?;
                    modules.push_str(&format!("#[allow(dead_code, unused_imports)]\nmod suite_{index};\n"));
                    let m = format!("crate::suite_{index}::generated::json");
                    dispatch_ser.push_str(&format!("        {index} => {m}::serialize_request(op, input, endpoint),\n"));
                    dispatch_parse.push_str(&format!("        {index} => {m}::parse_response(op, response),\n"));
                    dispatch_err.push_str(&format!("        {index} => {m}::error_to_json(op, error),\n"));
                    services.push(service);
                    Some(services.len() - 1)
                }
                Ok(None) => {
                    let m = "::cos_sdk::json";
                    dispatch_ser.push_str(&format!("        {index} => {m}::serialize_request(op, input, endpoint),\n"));
                    dispatch_parse.push_str(&format!("        {index} => {m}::parse_response(op, response),\n"));
                    dispatch_err.push_str(&format!("        {index} => {m}::error_to_json(op, error),\n"));
                    None
                }
                Err(e) => {
                    for (ci, case) in cases.iter().enumerate() {
                        let key = case_key(&description, ci, case);
                        prepared.push(Prepared {
                            file: label.clone(),
                            suite_label: suite_label.clone(),
                            skip: find_skip(skips, &label, &key),
                            key,
                            suite: index,
                            operation: String::new(),
                            service: usize::MAX,
                            case: case.clone(),
                            endpoint: None,
                            early_failure: Some(format!("the generator rejected the suite: {e}")),
                        });
                    }
                    continue;
                }
            };
            for (ci, case) in cases.iter().enumerate() {
                let key = case_key(&description, ci, case);
                let operation = renames.get(ci).cloned().unwrap_or_else(|| case["given"]["name"].as_str().unwrap_or_default().to_string());
                prepared.push(Prepared {
                    file: label.clone(),
                    suite_label: suite_label.clone(),
                    skip: find_skip(skips, &label, &key),
                    key,
                    suite: index,
                    operation,
                    service: service_index.unwrap_or(usize::MAX),
                    case: case.clone(),
                    endpoint: case.get("clientEndpoint").or(suite.get("clientEndpoint")).and_then(Value::as_str).map(str::to_string),
                    early_failure: None,
                });
            }
        }
    }
    let service_of = |p: &Prepared| -> &Service {
        if p.service == usize::MAX {
            &s3
        } else {
            &services[p.service]
        }
    };

    // The cases the harness runs: inputs normalized to the bridge's JSON forms.
    let mut to_run = Vec::new();
    let mut run_index: Vec<Option<usize>> = Vec::new();
    for p in &prepared {
        if p.skip.is_some() || p.early_failure.is_some() {
            run_index.push(None);
            continue;
        }
        let service = service_of(p);
        let mut entry = Map::new();
        entry.insert("suite".into(), json!(p.suite));
        entry.insert("operation".into(), json!(p.operation));
        if let Some(params) = p.case.get("params") {
            let input_ty = service.operation(&p.operation).map(|op| Type::Structure(op.input));
            let params = match &input_ty {
                Some(ty) => normalize_input(service, ty, params, false),
                None => params.clone(),
            };
            entry.insert("params".into(), params);
            let endpoint = p.endpoint.as_deref().unwrap_or("https://example.com");
            entry.insert("endpoint".into(), json!(endpoint));
        } else if let Some(response) = p.case.get("response") {
            entry.insert("response".into(), response.clone());
        }
        run_index.push(Some(to_run.len()));
        to_run.push(Value::Object(entry));
    }
    let cases_path = dir.join("cases.json");
    fs::write(&cases_path, serde_json::to_string_pretty(&to_run).expect("JSON writes")).map_err(|e| e.to_string())?;

    // The crate.
    let harness = root.join(HARNESS);
    let dispatch = format!(
        "//! Routes each case to its suite's JSON bridge.\n\
         use cos_sdk::{{ByteStream, Endpoint, Error}};\nuse serde_json::Value;\n\n\
         pub fn serialize(suite: usize, op: &str, input: Value, endpoint: &Endpoint) -> Result<http::Request<ByteStream>, Error> {{\n    match suite {{\n{dispatch_ser}        _ => Err(Error::invalid_input(\"no such suite\")),\n    }}\n}}\n\n\
         pub fn parse(suite: usize, op: &str, response: http::Response<ByteStream>) -> Result<Value, Error> {{\n    match suite {{\n{dispatch_parse}        _ => Err(Error::invalid_input(\"no such suite\")),\n    }}\n}}\n\n\
         pub fn error_json(suite: usize, op: &str, error: &Error) -> Value {{\n    match suite {{\n{dispatch_err}        _ => Value::Null,\n    }}\n}}\n"
    );
    fs::write(src.join("dispatch.rs"), dispatch).map_err(|e| e.to_string())?;
    fs::write(
        src.join("main.rs"),
        format!(
            "//! Generated by `cargo xtask conformance`: every suite of {name} and the harness that runs their cases.\n\
             #![allow(clippy::all)]\n\n#[path = {harness:?}]\nmod harness;\nmod dispatch;\n{modules}\n\
             fn main() {{\n    harness::main();\n}}\n",
            harness = harness.display().to_string(),
        ),
    )
    .map_err(|e| e.to_string())?;
    write_manifest(root, &dir, &crate_name)?;

    // One build for the whole group, in the workspace's target directory.
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let target_dir = root.join("target");
    println!("conformance: building {} suite(s) of {name}", suite_index);
    let build = Command::new(&cargo)
        .current_dir(&dir)
        .env("CARGO_TARGET_DIR", &target_dir)
        .args(["build", "--quiet", "--message-format", "short"])
        .output()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    let mut lines: Vec<Value> = Vec::new();
    let build_failure = if build.status.success() {
        let exe = target_dir.join("debug").join(&crate_name);
        let out = Command::new(&exe).arg(&cases_path).output().map_err(|e| format!("cannot run {}: {e}", exe.display()))?;
        if !out.status.success() {
            Some(format!("the harness exited with {}: {}", out.status, String::from_utf8_lossy(&out.stderr)))
        } else {
            for line in String::from_utf8_lossy(&out.stdout).lines() {
                lines.push(serde_json::from_str(line).map_err(|e| format!("the harness printed a non-JSON line ({e}): {line}"))?);
            }
            None
        }
    } else {
        let stderr = String::from_utf8_lossy(&build.stderr);
        let errors: Vec<&str> = stderr.lines().filter(|l| l.contains("error")).take(20).collect();
        Some(format!("the generated crate {} does not build:\n      {}", dir.display(), errors.join("\n      ")))
    };

    // Judge and report, suite by suite.
    let mut totals = (0, 0, 0);
    // Per suite: its name, (passed, failed, skipped), and the report lines.
    type SuiteReport = (String, (usize, usize, usize), Vec<String>);
    let mut by_suite: Vec<SuiteReport> = Vec::new();
    for (p, ri) in prepared.iter().zip(&run_index) {
        let verdict: Result<(), String> = if let Some(reason) = &p.skip {
            Err(format!("SKIP {reason}"))
        } else if let Some(f) = &p.early_failure {
            Err(f.clone())
        } else if build_failure.is_some() {
            Err("the generated crate did not build or run (see the end of this group)".into())
        } else {
            let line = ri.and_then(|i| lines.get(i));
            match line {
                None => Err("the harness printed nothing for this case".into()),
                Some(actual) => judge(service_of(p), &p.operation, &p.case, actual),
            }
        };
        if by_suite.last().map(|(l, _, _)| l != &p.suite_label).unwrap_or(true) {
            by_suite.push((p.suite_label.clone(), (0, 0, 0), Vec::new()));
        }
        let entry = by_suite.last_mut().expect("pushed above");
        match verdict {
            Ok(()) => entry.1 .0 += 1,
            Err(reason) if reason.starts_with("SKIP ") => {
                entry.1 .2 += 1;
                entry.2.push(format!("skipped {} ({})", p.key, &reason[5..]));
            }
            Err(reason) => {
                entry.1 .1 += 1;
                entry.2.push(format!("FAILED {} [{}]: {reason}", p.key, p.file));
            }
        }
    }
    for (label, (passed, failed, skipped), notes) in &by_suite {
        println!("  {label}: {passed} passed, {failed} failed, {skipped} skipped");
        for note in notes {
            println!("      {note}");
        }
        totals.0 += passed;
        totals.1 += failed;
        totals.2 += skipped;
    }
    if let Some(f) = &build_failure {
        println!("  {name}: {f}");
    }
    println!("{name}: {} passed, {} failed, {} skipped", totals.0, totals.1, totals.2);
    Ok(totals)
}

fn sanitize(name: &str) -> String {
    name.chars().map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { '-' }).collect()
}

fn s3_service(root: &Path) -> Result<Service, String> {
    let read = |name: &str| {
        let path = root.join("models/s3/2006-03-01").join(name);
        fs::read_to_string(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))
    };
    codegen::ir::resolve(&read("service-2.json")?, None, None).map_err(|e| e.to_string())
}

fn write_manifest(root: &Path, dir: &Path, crate_name: &str) -> Result<(), String> {
    let workspace_manifest = fs::read_to_string(root.join("Cargo.toml")).map_err(|e| format!("cannot read Cargo.toml: {e}"))?;
    // The same profiles as the workspace, so the dependencies already built there are reused.
    let profiles = workspace_manifest.find("[profile").map(|i| &workspace_manifest[i..]).unwrap_or("");
    let manifest = format!(
        "# Generated by `cargo xtask conformance`; rewritten on every run.\n\
         [package]\nname = \"{crate_name}\"\nversion = \"0.0.0\"\nedition = \"2021\"\npublish = false\n\n\
         [workspace]\n\n\
         [features]\ndefault = [\"serde\"]\nserde = []\n\n\
         [dependencies]\ncos-sdk = {{ path = {cos:?}, features = [\"serde\"] }}\nserde = {{ version = \"1\", features = [\"derive\"] }}\n\
         serde_json = \"1\"\nhttp = \"1\"\n\n{profiles}",
        cos = root.join("cos-sdk").display().to_string(),
    );
    fs::write(dir.join("Cargo.toml"), manifest).map_err(|e| e.to_string())?;
    let lock = dir.join("Cargo.lock");
    if !lock.exists() {
        fs::copy(root.join("Cargo.lock"), &lock).map_err(|e| format!("cannot copy Cargo.lock: {e}"))?;
    }
    Ok(())
}

/// Params in botocore's test form -> the JSON bridge's form: blobs that are not the raw payload are
/// given as text in the tests and travel as base64 in the bridge.
fn normalize_input(service: &Service, ty: &Type, value: &Value, raw: bool) -> Value {
    match (ty, value) {
        (Type::Structure(name), Value::Object(map)) => {
            let st = service.structure(*name);
            let mut out = Map::new();
            for (k, v) in map {
                let normalized = match st.members.iter().find(|m| &m.name == k) {
                    Some(m) => normalize_input(service, &m.ty, v, matches!(m.location, Location::Payload(_))),
                    None => v.clone(),
                };
                out.insert(k.clone(), normalized);
            }
            Value::Object(out)
        }
        (Type::List(list), Value::Array(items)) => {
            Value::Array(items.iter().map(|v| normalize_input(service, &list.member, v, false)).collect())
        }
        (Type::Map(map), Value::Object(entries)) => Value::Object(
            entries.iter().map(|(k, v)| (k.clone(), normalize_input(service, &map.value, v, false))).collect(),
        ),
        (Type::Scalar(Scalar::Blob), Value::String(text)) if !raw => json!(base64(text.as_bytes())),
        _ => value.clone(),
    }
}
