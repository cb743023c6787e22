//! `cargo xtask conformance [FILES...]`: protocol conformance suites in botocore's format.
//!
//! A case file is a list of suites (`description`, `metadata`, `shapes`, `cases`). For a group of
//! files the runner generates one crate under `target/conformance/`: one module per suite, made by our
//! generator from the suite's shapes and the operations its cases name, plus `tests/conformance/harness.rs`,
//! which sends every case through the JSON bridge and prints what happened. One `cargo build` (in the
//! workspace's target directory, so dependencies are reused) runs a whole group. The runner then
//! compares what happened with what the case expects: requests by method, path, decoded query
//! parameters, headers (case-insensitively) and body (as XML trees when it is XML), responses as JSON
//! with type awareness (timestamps, blobs, floats), errors by code, message and modeled members.
//!
//! A suite with `"sdk": "cos-sdk"` has no shapes of its own: its cases run against the real generated
//! operations of cos-sdk (`cos_sdk::json`), so our own case files prove the SDK users get.
//!
//! Without FILES it runs our case files (`tests/conformance/cases/`) and the rest-xml suites of the
//! pinned botocore release, which it downloads with pip and checks against a pinned sha256.

use crate::workspace_root;
use codegen::ir::{Location, Service, Type};
use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The botocore release whose protocol tests we run.
pub const BOTOCORE_VERSION: &str = "1.44.5";
/// The sha256 of `botocore-1.44.5.tar.gz` as published on PyPI.
pub const BOTOCORE_SHA256: &str = "a988f39e3a4484def0b8010f41128f71157da0515a4804fccce4739aa8f216da";
/// The rest-xml protocol test files inside the botocore archive.
const BOTOCORE_FILES: [&str; 4] = [
    "tests/unit/protocols/input/rest-xml.json",
    "tests/unit/protocols/output/rest-xml.json",
    "tests/unit/protocols/legacy/input/rest-xml.json",
    "tests/unit/protocols/legacy/output/rest-xml.json",
];
const CASES_DIR: &str = "tests/conformance/cases";
const SKIP_FILE: &str = "tests/conformance/skip.json";
const HARNESS: &str = "tests/conformance/harness.rs";

pub fn run(args: &[String]) -> Result<(), String> {
    let root = workspace_root();
    let mut groups: Vec<(String, Vec<PathBuf>)> = Vec::new();
    let mut ours_only = false;
    let mut files = Vec::new();
    for arg in args {
        match arg.as_str() {
            "--ours" => ours_only = true,
            "-h" | "--help" => {
                return Err("usage: cargo xtask conformance [--ours] [FILES...]\n  \
                    without FILES: our case files and botocore's rest-xml suites; --ours: only our case files"
                    .into())
            }
            file => files.push(PathBuf::from(file)),
        }
    }
    if files.is_empty() {
        groups.push(("ours".into(), our_case_files(&root)?));
        if !ours_only {
            for path in botocore_files(&root)? {
                let label = label_of(&root, &path);
                groups.push((label, vec![path]));
            }
        }
    } else if files.len() == 1 {
        groups.push((label_of(&root, &files[0]), files));
    } else {
        groups.push(("selected".into(), files));
    }
    let skips = read_skips(&root)?;
    let mut totals = (0usize, 0usize, 0usize);
    for (name, files) in &groups {
        let report = run_group(&root, name, files, &skips)?;
        totals.0 += report.0;
        totals.1 += report.1;
        totals.2 += report.2;
    }
    println!("conformance: {} passed, {} failed, {} skipped", totals.0, totals.1, totals.2);
    if totals.1 > 0 {
        return Err(format!("conformance: {} case(s) failed", totals.1));
    }
    Ok(())
}

fn label_of(root: &Path, path: &Path) -> String {
    let text = path.strip_prefix(root).unwrap_or(path).to_string_lossy().replace('\\', "/");
    match text.find("tests/unit/protocols/") {
        Some(i) => format!("botocore/{}", &text[i + "tests/unit/protocols/".len()..]),
        None => text.strip_prefix("tests/conformance/").unwrap_or(&text).to_string(),
    }
}

fn our_case_files(root: &Path) -> Result<Vec<PathBuf>, String> {
    let dir = root.join(CASES_DIR);
    let mut files: Vec<PathBuf> = fs::read_dir(&dir)
        .map_err(|e| format!("cannot list {}: {e}", dir.display()))?
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    Ok(files)
}

/// Downloads botocore with pip (once), checks its sha256 and extracts the rest-xml test files.
pub fn botocore_files(root: &Path) -> Result<Vec<PathBuf>, String> {
    let dir = root.join("target/xtask/botocore").join(BOTOCORE_VERSION);
    let archive = dir.join(format!("botocore-{BOTOCORE_VERSION}.tar.gz"));
    if !archive.exists() {
        fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        println!("conformance: downloading botocore {BOTOCORE_VERSION} with pip");
        let status = Command::new("python3")
            .args(["-m", "pip", "download", "--quiet", "--no-deps", "--no-binary", ":all:", "--dest"])
            .arg(&dir)
            .arg(format!("botocore=={BOTOCORE_VERSION}"))
            .status()
            .map_err(|e| format!("cannot run `python3 -m pip` ({e}); install Python 3 with pip"))?;
        if !status.success() || !archive.exists() {
            return Err(format!("pip could not download botocore=={BOTOCORE_VERSION} into {}", dir.display()));
        }
    }
    let bytes = fs::read(&archive).map_err(|e| format!("cannot read {}: {e}", archive.display()))?;
    let sha: String = Sha256::digest(&bytes).iter().map(|b| format!("{b:02x}")).collect();
    if sha != BOTOCORE_SHA256 {
        return Err(format!(
            "{} has sha256 {sha}, not the pinned {BOTOCORE_SHA256}; delete it and run again, or review the change",
            archive.display()
        ));
    }
    let out_dir = dir.join("extracted");
    let mut paths = Vec::new();
    let mut tar = tar::Archive::new(flate2::read::GzDecoder::new(&bytes[..]));
    let entries = tar.entries().map_err(|e| format!("the botocore archive is not a readable tar.gz: {e}"))?;
    let mut found: BTreeMap<&str, String> = BTreeMap::new();
    for entry in entries {
        let mut entry = entry.map_err(|e| format!("the botocore archive is damaged: {e}"))?;
        let path = entry.path().map_err(|e| format!("bad path in the archive: {e}"))?.to_string_lossy().into_owned();
        if let Some(file) = BOTOCORE_FILES.iter().find(|f| path.ends_with(*f)) {
            let mut text = String::new();
            entry.read_to_string(&mut text).map_err(|e| format!("cannot read {path}: {e}"))?;
            found.insert(file, text);
        }
    }
    for file in BOTOCORE_FILES {
        let text = found.get(file).ok_or_else(|| format!("the botocore archive lacks {file}"))?;
        let path = out_dir.join(file);
        fs::create_dir_all(path.parent().expect("a file has a folder"))
            .map_err(|e| format!("cannot create the folder of {}: {e}", path.display()))?;
        fs::write(&path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        paths.push(path);
    }
    Ok(paths)
}

/// A case the skip list exempts, with its reason.
struct Skip {
    file: String,
    case: String,
    reason: String,
}

fn read_skips(root: &Path) -> Result<Vec<Skip>, String> {
    let path = root.join(SKIP_FILE);
    let text = fs::read_to_string(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let value: Value = serde_json::from_str(&text).map_err(|e| format!("{SKIP_FILE} is not JSON: {e}"))?;
    let list = value.as_array().ok_or_else(|| format!("{SKIP_FILE} must be a list"))?;
    list.iter()
        .map(|s| {
            let field = |k: &str| {
                s[k].as_str().map(str::to_string).ok_or_else(|| format!("{SKIP_FILE}: an entry lacks `{k}`"))
            };
            let skip = Skip { file: field("file")?, case: field("case")?, reason: field("reason")? };
            if skip.reason.trim().is_empty() {
                return Err(format!("{SKIP_FILE}: {} has no reason", skip.case));
            }
            Ok(skip)
        })
        .collect()
}

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
fn run_group(root: &Path, name: &str, files: &[PathBuf], skips: &[Skip]) -> Result<(usize, usize, usize), String> {
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
            let input_ty = service.operation(&p.operation).map(|op| Type::Structure(op.input.clone()));
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

fn case_key(description: &str, index: usize, case: &Value) -> String {
    match case["id"].as_str() {
        Some(id) => id.to_string(),
        None => format!("{description}#{index}"),
    }
}

fn find_skip(skips: &[Skip], file: &str, key: &str) -> Option<String> {
    skips.iter().find(|s| s.file == file && s.case == key).map(|s| s.reason.clone())
}

fn s3_service(root: &Path) -> Result<Service, String> {
    let read = |name: &str| {
        let path = root.join("models/s3/2006-03-01").join(name);
        fs::read_to_string(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))
    };
    codegen::ir::resolve(&read("service-2.json")?, None, None).map_err(|e| e.to_string())
}

/// The service model of a suite: its metadata and shapes, and the operations its cases give. When
/// two cases give different operations under one name, the later ones are renamed `<Name>Case<i>`;
/// returns the operation name each case uses.
fn suite_model(suite: &Value) -> (Value, Vec<String>) {
    let mut metadata = suite["metadata"].as_object().cloned().unwrap_or_default();
    metadata.insert("protocol".into(), json!("rest-xml"));
    let mut operations: Map<String, Value> = Map::new();
    let mut names = Vec::new();
    for (i, case) in suite["cases"].as_array().into_iter().flatten().enumerate() {
        let mut given = case["given"].clone();
        let Some(obj) = given.as_object_mut() else {
            names.push(String::new());
            continue;
        };
        obj.entry("http").or_insert_with(|| json!({ "method": "POST", "requestUri": "/" }));
        let mut name = obj.get("name").and_then(Value::as_str).unwrap_or("Operation").to_string();
        if let Some(existing) = operations.get(&name) {
            if existing != &given {
                name = format!("{name}Case{i}");
                given["name"] = json!(name);
            }
        }
        operations.entry(name.clone()).or_insert(given);
        names.push(name);
    }
    let model = json!({
        "metadata": metadata,
        "operations": operations,
        "shapes": suite["shapes"].clone(),
    });
    (model, names)
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
            let st = service.structure(name);
            let mut out = Map::new();
            for (k, v) in map {
                let normalized = match st.members.iter().find(|m| &m.name == k) {
                    Some(m) => normalize_input(service, &m.ty, v, m.location == Location::Payload),
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
        (Type::Blob, Value::String(text)) if !raw => json!(base64(text.as_bytes())),
        _ => value.clone(),
    }
}

/// Compares what the harness reported for a case with what the case expects.
fn judge(service: &Service, operation: &str, case: &Value, actual: &Value) -> Result<(), String> {
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
            let input = service.structure(&op.input);
            match input.members.iter().find(|m| m.location == Location::Payload) {
                Some(m) => m.ty.clone(),
                None => Type::Structure(op.input.clone()),
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
                service.structure(e).exception.as_ref().map(|x| x.code.as_str()) == Some(code) || e.as_str() == code
            });
            match shape {
                Some(shape) => compare(service, &Type::Structure(shape.clone()), expected, &Value::Object(modeled), "error", false)?,
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
        return compare(service, &Type::Structure(op.output.clone()), expected, output, "result", false);
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

/// Compares an expected value (botocore's test form) with our JSON output, guided by the model type.
/// `raw` marks a raw payload member (a blob or stream body given as text).
fn compare(service: &Service, ty: &Type, expected: &Value, actual: &Value, path: &str, raw: bool) -> Result<(), String> {
    let mismatch = || Err(format!("{path}: expected {expected}, got {actual}"));
    match ty {
        Type::Structure(name) => {
            let (Value::Object(want), Value::Object(got)) = (expected, actual) else { return mismatch() };
            let st = service.structure(name);
            for (k, v) in want {
                let member = st.members.iter().find(|m| &m.name == k);
                let sub = format!("{path}.{k}");
                match (member, got.get(k)) {
                    (Some(m), Some(a)) => compare(service, &m.ty, v, a, &sub, m.location == Location::Payload)?,
                    (Some(_), None) if is_empty(v) => {}
                    (None, Some(a)) => compare_untyped(v, a, &sub)?,
                    (_, None) => return Err(format!("{sub}: expected {v}, but it is absent")),
                }
            }
            for (k, v) in got {
                if !want.contains_key(k) && !is_empty(v) {
                    return Err(format!("{path}.{k}: not expected, got {v}"));
                }
            }
            Ok(())
        }
        Type::List(list) => {
            let (Value::Array(want), Value::Array(got)) = (expected, actual) else { return mismatch() };
            if want.len() != got.len() {
                return mismatch();
            }
            for (i, (w, g)) in want.iter().zip(got).enumerate() {
                compare(service, &list.member, w, g, &format!("{path}[{i}]"), false)?;
            }
            Ok(())
        }
        Type::Map(map) => {
            let (Value::Object(want), Value::Object(got)) = (expected, actual) else { return mismatch() };
            if want.len() != got.len() {
                return mismatch();
            }
            for (k, w) in want {
                let Some(g) = got.get(k) else { return mismatch() };
                compare(service, &map.value, w, g, &format!("{path}.{k}"), false)?;
            }
            Ok(())
        }
        Type::Timestamp => match (timestamp_value(expected), timestamp_value(actual)) {
            (Some(w), Some(g)) if (w - g).abs() < 1e-3 => Ok(()),
            _ => mismatch(),
        },
        Type::Blob | Type::Stream => {
            let want = expected.as_str().map(|s| s.as_bytes().to_vec());
            let got = match actual {
                Value::String(s) if raw || *ty == Type::Stream => Some(s.as_bytes().to_vec()),
                Value::String(s) => unbase64(s),
                Value::Object(o) => o.get("base64").and_then(Value::as_str).and_then(unbase64),
                _ => None,
            };
            if want.is_some() && want == got {
                Ok(())
            } else {
                mismatch()
            }
        }
        Type::Float | Type::Double => {
            let (Some(w), Some(g)) = (float_value(expected), float_value(actual)) else { return mismatch() };
            let same = if w.is_nan() || g.is_nan() {
                w.is_nan() && g.is_nan()
            } else if *ty == Type::Float {
                (w as f32) == (g as f32)
            } else {
                w == g || (w - g).abs() <= 1e-9 * w.abs().max(1.0)
            };
            if same {
                Ok(())
            } else {
                mismatch()
            }
        }
        _ => compare_untyped(expected, actual, path),
    }
}

fn compare_untyped(expected: &Value, actual: &Value, path: &str) -> Result<(), String> {
    match (expected, actual) {
        (Value::Object(want), Value::Object(got)) => {
            for (k, v) in want {
                match got.get(k) {
                    Some(g) => compare_untyped(v, g, &format!("{path}.{k}"))?,
                    None => return Err(format!("{path}.{k}: expected {v}, but it is absent")),
                }
            }
            for (k, v) in got {
                if !want.contains_key(k) && !is_empty(v) {
                    return Err(format!("{path}.{k}: not expected, got {v}"));
                }
            }
            Ok(())
        }
        (Value::Number(w), Value::Number(g)) if w.as_f64() == g.as_f64() => Ok(()),
        (w, g) if w == g => Ok(()),
        _ => Err(format!("{path}: expected {expected}, got {actual}")),
    }
}

fn is_empty(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::Array(a) => a.is_empty(),
        Value::Object(o) => o.is_empty(),
        _ => false,
    }
}

fn float_value(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => match s.as_str() {
            "NaN" => Some(f64::NAN),
            "Infinity" => Some(f64::INFINITY),
            "-Infinity" => Some(f64::NEG_INFINITY),
            other => other.parse().ok(),
        },
        _ => None,
    }
}

/// Seconds since the epoch of a timestamp given as a number or an ISO 8601 string.
fn timestamp_value(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => parse_iso8601(s),
        _ => None,
    }
}

fn parse_iso8601(s: &str) -> Option<f64> {
    let s = s.trim();
    let (date, time) = s.split_once(['T', 't', ' '])?;
    let mut d = date.split('-');
    let (y, mo, da): (i64, i64, i64) = (d.next()?.parse().ok()?, d.next()?.parse().ok()?, d.next()?.parse().ok()?);
    let time = time.trim_end_matches(['Z', 'z']);
    let (time, offset) = match time.rfind(['+', '-']) {
        Some(i) if i >= 8 => {
            let (t, o) = time.split_at(i);
            let sign = if o.starts_with('-') { -1.0 } else { 1.0 };
            let (oh, om) = o[1..].split_once(':').unwrap_or((&o[1..], "0"));
            (t, sign * (oh.parse::<f64>().ok()? * 3600.0 + om.parse::<f64>().ok()? * 60.0))
        }
        _ => (time, 0.0),
    };
    let mut t = time.split(':');
    let (h, mi, sec): (f64, f64, f64) = (t.next()?.parse().ok()?, t.next()?.parse().ok()?, t.next()?.parse().ok()?);
    let yy = if mo <= 2 { y - 1 } else { y };
    let era = yy.div_euclid(400);
    let yoe = yy.rem_euclid(400);
    let mp = (mo + 9) % 12;
    let doy = (153 * mp + 2) / 5 + da - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some(days as f64 * 86_400.0 + h * 3600.0 + mi * 60.0 + sec - offset)
}

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

fn base64(bytes: &[u8]) -> String {
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk.iter().enumerate().fold(0u32, |acc, (i, b)| acc | (u32::from(*b) << (16 - 8 * i)));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(B64[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn unbase64(text: &str) -> Option<Vec<u8>> {
    let (mut acc, mut bits, mut out) = (0u32, 0u32, Vec::new());
    for c in text.bytes().filter(|c| *c != b'=' && !c.is_ascii_whitespace()) {
        acc = (acc << 6) | B64.iter().position(|b| *b == c)? as u32;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

/// URIs as the comparison sees them: authority, raw path, decoded query parameters.
mod http_uri {
    pub struct Uri {
        pub authority: String,
        pub path: String,
        pub query: Vec<(String, Option<String>)>,
    }

    pub fn parse(text: &str) -> Uri {
        let (authority, rest) = match text.split_once("://") {
            Some((_, after)) => match after.find('/') {
                Some(i) => (after[..i].to_string(), &after[i..]),
                None => match after.find('?') {
                    Some(i) => (after[..i].to_string(), &after[i..]),
                    None => (after.to_string(), "/"),
                },
            },
            None => (String::new(), text),
        };
        let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
        let path = if path.is_empty() { "/".to_string() } else { path.to_string() };
        let query = query
            .split('&')
            .filter(|p| !p.is_empty())
            .map(|p| match p.split_once('=') {
                Some((k, v)) => (decode(k), Some(decode(v))),
                None => (decode(p), None),
            })
            .collect();
        Uri { authority, path, query }
    }

    fn decode(text: &str) -> String {
        let bytes = text.as_bytes();
        let mut out = Vec::new();
        let mut i = 0;
        while i < bytes.len() {
            if bytes[i] == b'%' && i + 2 < bytes.len() {
                if let Ok(b) = u8::from_str_radix(&text[i + 1..i + 3], 16) {
                    out.push(b);
                    i += 3;
                    continue;
                }
            }
            out.push(bytes[i]);
            i += 1;
        }
        String::from_utf8_lossy(&out).into_owned()
    }
}

/// XML documents as trees for comparison: qualified names, attributes as a sorted map, text of leaf
/// elements exactly, whitespace between elements ignored.
mod xml_tree {
    use quick_xml::events::Event;
    use std::collections::BTreeMap;

    #[derive(Debug, Default, PartialEq)]
    pub struct Node {
        name: String,
        attributes: BTreeMap<String, String>,
        text: String,
        children: Vec<Node>,
    }

    pub fn parse(text: &str) -> Result<Node, String> {
        let mut reader = quick_xml::Reader::from_str(text);
        let mut stack: Vec<Node> = Vec::new();
        let mut root = None;
        loop {
            match reader.read_event().map_err(|e| e.to_string())? {
                Event::Start(e) => stack.push(node(&e)?),
                Event::Empty(e) => {
                    let n = node(&e)?;
                    match stack.last_mut() {
                        Some(p) => p.children.push(n),
                        None => root = Some(n),
                    }
                }
                Event::End(_) => {
                    let mut n = stack.pop().ok_or("unbalanced end tag")?;
                    if !n.children.is_empty() && n.text.trim().is_empty() {
                        n.text.clear();
                    }
                    match stack.last_mut() {
                        Some(p) => p.children.push(n),
                        None => root = Some(n),
                    }
                }
                Event::Text(t) => {
                    if let Some(n) = stack.last_mut() {
                        n.text.push_str(&t.unescape().map_err(|e| e.to_string())?);
                    }
                }
                Event::CData(t) => {
                    if let Some(n) = stack.last_mut() {
                        n.text.push_str(&String::from_utf8_lossy(&t));
                    }
                }
                Event::Eof => break,
                _ => {}
            }
        }
        root.ok_or_else(|| "no root element".to_string())
    }

    /// Puts the entries of every map in key order, guided by the model type of `node`: maps are
    /// unordered (the SDK holds them in `HashMap`s and writes them sorted), so their order is not
    /// part of what a case checks. Everything else keeps its document order.
    pub fn sort_map_entries(service: &codegen::ir::Service, node: &mut Node, ty: &codegen::ir::Type) {
        use codegen::ir::Type;
        match ty {
            Type::Structure(name) => {
                let st = service.structure(name);
                for m in &st.members {
                    if let Type::Map(map) = &m.ty {
                        if map.flattened {
                            sort_run(&mut node.children, &m.wire_name, &map.key_xml_name);
                        }
                    }
                }
                for child in node.children.iter_mut() {
                    let Some(m) = st.members.iter().find(|m| m.wire_name == child.name || m.xml_parse_name == child.name)
                    else {
                        continue;
                    };
                    match &m.ty {
                        Type::List(list) if list.flattened => sort_map_entries(service, child, &list.member),
                        Type::Map(map) if map.flattened => {
                            if let Some(v) = child.children.iter_mut().find(|c| c.name == map.value_xml_name) {
                                sort_map_entries(service, v, &map.value);
                            }
                        }
                        other => sort_map_entries(service, child, other),
                    }
                }
            }
            Type::List(list) => {
                for item in node.children.iter_mut() {
                    sort_map_entries(service, item, &list.member);
                }
            }
            Type::Map(map) => {
                let names: Vec<String> = node.children.iter().map(|c| c.name.clone()).collect();
                if let Some(first) = names.first() {
                    sort_run(&mut node.children, &first.clone(), &map.key_xml_name);
                }
                for entry in node.children.iter_mut() {
                    if let Some(v) = entry.children.iter_mut().find(|c| c.name == map.value_xml_name) {
                        sort_map_entries(service, v, &map.value);
                    }
                }
            }
            _ => {}
        }
    }

    /// Sorts the children named `name` by the text of their `key` child, in the positions they hold.
    fn sort_run(children: &mut [Node], name: &str, key: &str) {
        let positions: Vec<usize> = (0..children.len()).filter(|i| children[*i].name == name).collect();
        let key_of = |n: &Node| n.children.iter().find(|c| c.name == key).map(|c| c.text.clone()).unwrap_or_default();
        let mut run: Vec<Node> = positions.iter().map(|i| std::mem::take(&mut children[*i])).collect();
        run.sort_by_key(key_of);
        for (i, n) in positions.into_iter().zip(run) {
            children[i] = n;
        }
    }

    fn node(e: &quick_xml::events::BytesStart<'_>) -> Result<Node, String> {
        let mut attributes = BTreeMap::new();
        for a in e.attributes() {
            let a = a.map_err(|e| e.to_string())?;
            let value = a.unescape_value().map_err(|e| e.to_string())?.into_owned();
            attributes.insert(String::from_utf8_lossy(a.key.as_ref()).into_owned(), value);
        }
        Ok(Node {
            name: String::from_utf8_lossy(e.name().as_ref()).into_owned(),
            attributes,
            text: String::new(),
            children: Vec::new(),
        })
    }
}
