//! `cargo xtask fuzz [--seconds N] [--target NAME]`: builds the libFuzzer targets of `fuzz/` and runs
//! each for N seconds (default 20), seeding their corpora first.
//!
//! It needs neither cargo-fuzz nor a nightly toolchain: the `fuzz/` crate links libFuzzer through
//! `libfuzzer-sys`, and the build passes the stable `rustc` flags that turn on SanitizerCoverage (the
//! `sancov-module` LLVM pass with inline 8-bit counters, a PC table and compare tracing), which is all
//! libFuzzer needs to be guided by coverage. The flags are given for the host triple named with
//! `--target`, so build scripts and proc macros, which run on the host, are built without them.
//!
//! Seeds: the response, error-document and XML targets get the responses (status, headers, body) of
//! the conformance cases in `tests/conformance/cases/`, of botocore's rest-xml output suites when
//! `cargo xtask conformance` has extracted them, and one made-up answer per operation and modeled
//! error of the S3 model; the other targets start from the small files in `fuzz/seeds/<target>/`.
//! Generated corpora go to `fuzz/corpus/<target>/`, crash files to `fuzz/artifacts/<target>/` and
//! libFuzzer's output to `fuzz/artifacts/logs/<target>.log`; none of them is committed.

use crate::workspace_root;
use codegen::ir::{Location, Scalar, Service, StructureId, TimestampFormat, Type};
use serde_json::Value;
use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

/// The fuzz targets: binary name, largest input libFuzzer makes, and where their seeds come from.
const TARGETS: [(&str, usize, Seeds); 8] = [
    ("responses", 16_384, Seeds::Envelopes),
    ("error_document", 8_192, Seeds::Envelopes),
    ("xml", 16_384, Seeds::XmlBodies),
    ("datetime", 256, Seeds::Files),
    ("credential_file", 4_096, Seeds::Files),
    ("ini_profiles", 4_096, Seeds::Files),
    ("state_file", 4_096, Seeds::Files),
    ("iam_token", 4_096, Seeds::Files),
];

/// The flags that instrument the code for libFuzzer (what cargo-fuzz passes with `--sanitizer none`),
/// plus `--cfg fuzzing`, which exposes `cos_sdk::fuzzing`, and the checks of a debug build.
const RUSTFLAGS: [&str; 8] = [
    "--cfg=fuzzing",
    "-Cpasses=sancov-module",
    "-Cllvm-args=-sanitizer-coverage-level=4",
    "-Cllvm-args=-sanitizer-coverage-inline-8bit-counters",
    "-Cllvm-args=-sanitizer-coverage-pc-table",
    "-Cllvm-args=-sanitizer-coverage-trace-compares",
    "-Cdebug-assertions",
    "-Coverflow-checks",
];

/// Memory a target may use before libFuzzer calls it a crash (out of memory).
const RSS_LIMIT_MB: u32 = 2048;
/// Seconds one input may take before libFuzzer calls it a crash (a hang).
const INPUT_TIMEOUT_SECS: u32 = 10;
const USAGE: &str = "usage: cargo xtask fuzz [--seconds N] [--target NAME]\n  \
    builds the fuzz targets in fuzz/ and runs each (or only NAME) for N seconds (default 20)";

#[derive(Clone, Copy, PartialEq)]
enum Seeds {
    /// Whole responses as envelopes (see `fuzz/src/lib.rs`), from the cases and the model.
    Envelopes,
    /// Response and request bodies, from the cases and the model.
    XmlBodies,
    /// Only the committed files in `fuzz/seeds/<target>/`.
    Files,
}

/// What one run of a target came to, read from libFuzzer's output.
#[derive(Default)]
struct Outcome {
    /// The coverage counters libFuzzer found in the binary: none means it was built uninstrumented.
    counters: u64,
    runs: u64,
    cov: u64,
    ft: u64,
    corpus: u64,
    /// Crash, timeout or out-of-memory files libFuzzer wrote.
    artifacts: Vec<PathBuf>,
    /// The panic message (or libFuzzer's error line) of a crash.
    reason: Option<String>,
}

pub fn run(args: &[String]) -> Result<(), String> {
    let mut seconds: u64 = 20;
    let mut only: Option<String> = None;
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--seconds" => {
                let value = args.next().ok_or(USAGE)?;
                seconds = value.parse().ok().filter(|&s| s > 0).ok_or_else(|| format!("--seconds {value}: not a positive number\n{USAGE}"))?;
            }
            "--target" => only = Some(args.next().ok_or(USAGE)?.clone()),
            _ => return Err(USAGE.to_string()),
        }
    }
    let targets: Vec<_> = TARGETS.iter().filter(|(name, ..)| only.as_deref().is_none_or(|o| o == *name)).collect();
    if targets.is_empty() {
        let names: Vec<&str> = TARGETS.iter().map(|(name, ..)| *name).collect();
        return Err(format!("no fuzz target `{}`; the targets are {}", only.unwrap_or_default(), names.join(", ")));
    }
    let root = workspace_root();
    let fuzz = root.join("fuzz");
    let host = host_triple()?;
    let started = Instant::now();
    build(&fuzz, &host, only.as_deref())?;
    println!("fuzz: built the targets in {:.0} s", started.elapsed().as_secs_f64());

    let seeds = SeedSet::gather(&root)?;
    let bin_dir = fuzz.join("target").join(&host).join("release");
    let mut crashed = Vec::new();
    for &&(name, max_len, kind) in &targets {
        let corpus = fuzz.join("corpus").join(name);
        let artifacts = fuzz.join("artifacts").join(name);
        let logs = fuzz.join("artifacts").join("logs");
        for dir in [&corpus, &artifacts, &logs] {
            fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        }
        let written = match kind {
            Seeds::Envelopes => write_seeds(&corpus, &seeds.envelopes)?,
            Seeds::XmlBodies => write_seeds(&corpus, &seeds.bodies)?,
            Seeds::Files => 0,
        };
        let committed = fuzz.join("seeds").join(name);
        let dict = match kind {
            Seeds::Envelopes | Seeds::XmlBodies => Some(write_dictionary(&fuzz, name, &seeds.dictionary)?),
            Seeds::Files => None,
        };
        let log = logs.join(format!("{name}.log"));
        let binary = bin_dir.join(name);
        let mut command = Command::new(&binary);
        command
            .arg(format!("-max_total_time={seconds}"))
            .arg(format!("-rss_limit_mb={RSS_LIMIT_MB}"))
            .arg(format!("-max_len={max_len}"))
            .arg(format!("-timeout={INPUT_TIMEOUT_SECS}"))
            .arg(format!("-artifact_prefix={}/", artifacts.display()))
            .arg("-print_final_stats=1");
        if let Some(dict) = &dict {
            command.arg(format!("-dict={}", dict.display()));
        }
        command.arg(&corpus);
        if committed.is_dir() {
            command.arg(&committed);
        }
        let log_file = fs::File::create(&log).map_err(|e| format!("cannot create {}: {e}", log.display()))?;
        let err_file = log_file.try_clone().map_err(|e| format!("cannot share {}: {e}", log.display()))?;
        println!("fuzz: {name}: {seconds} s ({written} new seeds; libFuzzer's output in {})", relative(&root, &log));
        let status = command
            .current_dir(&fuzz)
            .stdin(Stdio::null())
            .stdout(log_file)
            .stderr(err_file)
            .status()
            .map_err(|e| format!("cannot run {}: {e}", binary.display()))?;
        let text = fs::read(&log).map_err(|e| format!("cannot read {}: {e}", log.display()))?;
        let outcome = read_outcome(&String::from_utf8_lossy(&text));
        println!(
            "fuzz: {name}: {} runs, cov {}, ft {}, corpus {}, crashes {}",
            outcome.runs,
            outcome.cov,
            outcome.ft,
            outcome.corpus,
            outcome.artifacts.len()
        );
        if outcome.counters == 0 {
            return Err(format!(
                "fuzz: {name} has no coverage counters (see {}): the build was not instrumented; \
                 check that nothing overrides RUSTFLAGS (CARGO_ENCODED_RUSTFLAGS, build.rustflags in a config)",
                relative(&root, &log)
            ));
        }
        if !status.success() || !outcome.artifacts.is_empty() {
            report_crash(&root, name, &binary, &log, status.code(), &outcome);
            crashed.push(name);
        }
    }
    // The closing line counts targets as the test suites count tests.
    println!("fuzz: {} passed, {} failed", targets.len() - crashed.len(), crashed.len());
    if crashed.is_empty() {
        Ok(())
    } else {
        Err(format!("fuzz: {} of {} targets crashed: {}", crashed.len(), targets.len(), crashed.join(", ")))
    }
}

/// The host's target triple, from `rustc -vV`.
fn host_triple() -> Result<String, String> {
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    let out = Command::new(&rustc).arg("-vV").output().map_err(|e| format!("cannot run {rustc} -vV: {e}"))?;
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .find_map(|line| line.strip_prefix("host: "))
        .map(str::to_string)
        .ok_or_else(|| format!("{rustc} -vV does not name the host triple"))
}

/// Builds the targets (release, instrumented) into `fuzz/target/`, apart from the workspace's builds.
fn build(fuzz: &Path, host: &str, only: Option<&str>) -> Result<(), String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut command = Command::new(cargo);
    command
        .current_dir(fuzz)
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .env("RUSTFLAGS", RUSTFLAGS.join(" "))
        .args(["build", "--release", "--target", host, "--target-dir"])
        .arg(fuzz.join("target"))
        .arg("--manifest-path")
        .arg(fuzz.join("Cargo.toml"));
    match only {
        Some(name) => command.args(["--bin", name]),
        None => command.arg("--bins"),
    };
    let status = command.status().map_err(|e| format!("cannot run cargo: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("the fuzz build failed ({status})"))
    }
}

/// Reads the numbers of libFuzzer's last status line (`#RUNS DONE cov: C ft: F corp: N/SIZE ...`), the
/// final statistics, and the files it wrote for a crash.
fn read_outcome(log: &str) -> Outcome {
    let mut outcome = Outcome::default();
    let field = |line: &str, name: &str| -> Option<u64> {
        let rest = &line[line.find(name)? + name.len()..];
        let digits: String = rest.trim_start().chars().take_while(char::is_ascii_digit).collect();
        digits.parse().ok()
    };
    let mut lines = log.lines().peekable();
    while let Some(line) = lines.next() {
        if let Some(rest) = line.strip_prefix("INFO: Loaded 1 modules") {
            outcome.counters = field(rest, "(").unwrap_or(0);
        } else if line.starts_with('#') && line.contains(" cov: ") {
            outcome.runs = line[1..].chars().take_while(char::is_ascii_digit).collect::<String>().parse().unwrap_or(outcome.runs);
            outcome.cov = field(line, " cov:").unwrap_or(outcome.cov);
            outcome.ft = field(line, " ft:").unwrap_or(outcome.ft);
            outcome.corpus = field(line, " corp:").unwrap_or(outcome.corpus);
        } else if let Some(runs) = line.strip_prefix("stat::number_of_executed_units:") {
            outcome.runs = runs.trim().parse().unwrap_or(outcome.runs);
        } else if let Some((_, path)) = line.split_once("Test unit written to ") {
            outcome.artifacts.push(PathBuf::from(path.trim()));
        } else if line.contains(" panicked at ") && outcome.reason.is_none() {
            let message = lines.peek().map(|next| format!("{}\n    {next}", line.trim())).unwrap_or_else(|| line.trim().to_string());
            outcome.reason = Some(message);
        } else if line.starts_with("==") && line.contains("ERROR: libFuzzer:") && outcome.reason.is_none() {
            outcome.reason = line.split_once("ERROR: ").map(|(_, what)| what.to_string());
        }
    }
    outcome
}

/// Prints what crashed, the input, and how to run it again.
fn report_crash(root: &Path, name: &str, binary: &Path, log: &Path, code: Option<i32>, outcome: &Outcome) {
    eprintln!("fuzz: {name}: CRASH (exit code {})", code.map_or("none".to_string(), |c| c.to_string()));
    if let Some(reason) = &outcome.reason {
        eprintln!("  {reason}");
    }
    for artifact in &outcome.artifacts {
        eprintln!("  input file: {}", relative(root, artifact));
        if let Ok(bytes) = fs::read(artifact) {
            let shown: String = bytes.iter().take(300).flat_map(|&b| std::ascii::escape_default(b)).map(char::from).collect();
            let more = if bytes.len() > 300 { format!(" ... ({} bytes)", bytes.len()) } else { String::new() };
            eprintln!("  input: b\"{shown}\"{more}");
        }
        eprintln!("  reproduce: {} {}", relative(root, binary), relative(root, artifact));
    }
    if outcome.artifacts.is_empty() {
        eprintln!("  libFuzzer wrote no crash file; see {}", relative(root, log));
    }
}

fn relative(root: &Path, path: &Path) -> String {
    path.strip_prefix(root).unwrap_or(path).display().to_string()
}

/// Writes each seed as `seed-<hash>` unless it is there already; returns how many were new.
fn write_seeds(dir: &Path, seeds: &[Vec<u8>]) -> Result<usize, String> {
    let mut written = 0;
    for seed in seeds {
        let path = dir.join(format!("seed-{:016x}", fnv1a(seed)));
        if !path.exists() {
            fs::write(&path, seed).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
            written += 1;
        }
    }
    Ok(written)
}

/// FNV-1a, 64 bits: a stable name for a seed, so writing the same seed again changes nothing.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, &b| (hash ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3))
}

/// Writes libFuzzer's dictionary for a target (the model's element and header names) under `fuzz/target/`.
fn write_dictionary(fuzz: &Path, name: &str, words: &BTreeSet<String>) -> Result<PathBuf, String> {
    let dir = fuzz.join("target").join("dictionaries");
    fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let mut text = String::new();
    for word in words {
        let escaped: String = word
            .bytes()
            .map(|b| match b {
                b'"' | b'\\' => format!("\\{}", char::from(b)),
                b' '..=b'~' => char::from(b).to_string(),
                _ => format!("\\x{b:02X}"),
            })
            .collect();
        text.push_str(&format!("\"{escaped}\"\n"));
    }
    let path = dir.join(format!("{name}.dict"));
    fs::write(&path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    Ok(path)
}

/// The generated seeds and dictionary words, gathered once for all targets.
struct SeedSet {
    /// Whole responses, as envelopes.
    envelopes: Vec<Vec<u8>>,
    /// XML documents: response and request bodies.
    bodies: Vec<Vec<u8>>,
    dictionary: BTreeSet<String>,
}

impl SeedSet {
    fn gather(root: &Path) -> Result<SeedSet, String> {
        let mut set = SeedSet { envelopes: Vec::new(), bodies: Vec::new(), dictionary: BTreeSet::new() };
        let mut files: Vec<PathBuf> = fs::read_dir(root.join("tests/conformance/cases"))
            .map_err(|e| format!("cannot list the conformance cases: {e}"))?
            .flatten()
            .map(|entry| entry.path())
            .filter(|path| path.extension().is_some_and(|x| x == "json"))
            .collect();
        files.sort();
        // botocore's output suites, when `cargo xtask conformance` has extracted them (it is not run here).
        let botocore = root.join("target/xtask/botocore").join(crate::conformance::BOTOCORE_VERSION).join("extracted/tests/unit/protocols");
        files.extend(["output/rest-xml.json", "legacy/output/rest-xml.json"].map(|f| botocore.join(f)).into_iter().filter(|p| p.exists()));
        for file in &files {
            let text = fs::read_to_string(file).map_err(|e| format!("cannot read {}: {e}", file.display()))?;
            let suites: Value = serde_json::from_str(&text).map_err(|e| format!("{} is not JSON: {e}", file.display()))?;
            set.add_cases(&suites);
        }
        let model = root.join("models/s3/2006-03-01/service-2.json");
        let model = fs::read_to_string(&model).map_err(|e| format!("cannot read {}: {e}", model.display()))?;
        let service = codegen::ir::resolve(&model, None, None).map_err(|e| e.to_string())?;
        set.add_model(&service);
        Ok(set)
    }

    /// The responses of the cases of a case file (a list of suites), and the request bodies.
    fn add_cases(&mut self, suites: &Value) {
        let cases = suites.as_array().into_iter().flatten().flat_map(|suite| suite["cases"].as_array().into_iter().flatten());
        for case in cases {
            let operation = case["given"]["name"].as_str().unwrap_or_default();
            if let Some(response) = case.get("response") {
                let status = response["status_code"].as_u64().unwrap_or(200);
                let headers: Vec<(String, String)> = response["headers"]
                    .as_object()
                    .into_iter()
                    .flatten()
                    .filter_map(|(name, value)| Some((name.clone(), value.as_str()?.to_string())))
                    .collect();
                let body = response["body"].as_str().unwrap_or_default();
                self.envelopes.push(envelope(operation, status, &headers, body.as_bytes()));
                if !body.trim().is_empty() {
                    self.bodies.push(body.as_bytes().to_vec());
                }
            }
            if let Some(body) = case["serialized"]["body"].as_str().filter(|b| b.trim_start().starts_with('<')) {
                self.bodies.push(body.as_bytes().to_vec());
            }
        }
    }

    /// One made-up answer per operation (headers and body members with plausible values) and one per
    /// modeled error; the model's element and header names go into the dictionary.
    fn add_model(&mut self, service: &Service) {
        for operation in &service.operations {
            self.dictionary.insert(operation.name.clone());
            let output = service.structure(operation.output);
            let mut headers = Vec::new();
            for member in &output.members {
                match member.location {
                    Location::Header(_) => headers.push((member.wire_name.clone(), header_sample(&member.ty, member.timestamp_format))),
                    Location::PrefixHeaders => headers.push((format!("{}color", member.wire_name), "blue".to_string())),
                    _ => continue,
                }
                self.dictionary.insert(format!("{}: ", member.wire_name));
            }
            let payload = output.members.iter().find(|m| matches!(m.location, Location::Payload(_)));
            let body = match payload {
                Some(member) => match &member.ty {
                    Type::Structure(shape) => {
                        let root = if member.has_location_name { &member.wire_name } else { &service.structure(*shape).xml_name };
                        let mut xml = String::new();
                        self.structure_xml(service, *shape, root, 0, &mut xml);
                        xml
                    }
                    _ => "payload bytes".to_string(),
                },
                None if output.members.iter().any(|m| matches!(m.location, Location::Body | Location::Attribute(_))) => {
                    let mut xml = String::new();
                    self.structure_xml(service, operation.output, &output.xml_name, 0, &mut xml);
                    xml
                }
                None => String::new(),
            };
            let status = u64::from(operation.response_code.unwrap_or(200));
            self.envelopes.push(envelope(&operation.name, status, &headers, body.as_bytes()));
            if !body.is_empty() && body.starts_with('<') {
                self.bodies.push(body.into_bytes());
            }
            for error in &operation.errors {
                let Some(info) = &service.structure(*error).exception else { continue };
                let mut xml = format!("<Error><Code>{}</Code><Message>made up</Message>", info.code);
                let mut members = String::new();
                self.structure_xml(service, *error, "Members", 1, &mut members);
                let inner = members.strip_prefix("<Members>").and_then(|m| m.strip_suffix("</Members>")).unwrap_or_default();
                xml.push_str(inner);
                xml.push_str("<RequestId>r-1</RequestId></Error>");
                let status = u64::from(info.status.unwrap_or(400));
                self.envelopes.push(envelope(&operation.name, status, &[("x-amz-request-id".into(), "r-1".into())], xml.as_bytes()));
            }
        }
    }

    /// Writes `<name>` with the body members of structure `shape`, nesting up to a few levels.
    fn structure_xml(&mut self, service: &Service, shape: StructureId, name: &str, depth: usize, out: &mut String) {
        let structure = service.structure(shape);
        let body_members = structure.members.iter().filter(|m| matches!(m.location, Location::Body | Location::Attribute(_)));
        let (attributes, elements): (Vec<_>, Vec<_>) = body_members.partition(|m| matches!(m.location, Location::Attribute(_)));
        out.push('<');
        out.push_str(name);
        for attribute in attributes {
            out.push_str(&format!(" {}=\"{}\"", attribute.xml_parse_name, text_sample(&attribute.ty, attribute.timestamp_format, service)));
        }
        out.push('>');
        if depth < 4 {
            for member in elements {
                self.dictionary.insert(format!("<{}>", member.xml_parse_name));
                self.value_xml(service, &member.ty, &member.xml_parse_name, member.timestamp_format, depth + 1, out);
            }
        }
        out.push_str(&format!("</{name}>"));
    }

    /// Writes one member's value as the element `name` (lists and maps as their items).
    fn value_xml(&mut self, service: &Service, ty: &Type, name: &str, format: Option<TimestampFormat>, depth: usize, out: &mut String) {
        match ty {
            Type::Structure(shape) => self.structure_xml(service, *shape, name, depth, out),
            Type::List(list) => {
                let item = if list.flattened { list.member_location_name.as_deref().unwrap_or(name) } else { &list.member_xml_name };
                self.dictionary.insert(format!("<{item}>"));
                if !list.flattened {
                    out.push_str(&format!("<{name}>"));
                }
                for _ in 0..2 {
                    self.value_xml(service, &list.member, item, list.member_timestamp_format, depth, out);
                }
                if !list.flattened {
                    out.push_str(&format!("</{name}>"));
                }
            }
            Type::Map(map) => {
                let entry = if map.flattened { name.to_string() } else { "entry".to_string() };
                if !map.flattened {
                    out.push_str(&format!("<{name}>"));
                }
                out.push_str(&format!("<{entry}><{k}>key</{k}>", k = map.key_xml_name));
                self.value_xml(service, &map.value, &map.value_xml_name, None, depth, out);
                out.push_str(&format!("</{entry}>"));
                if !map.flattened {
                    out.push_str(&format!("</{name}>"));
                }
            }
            _ => out.push_str(&format!("<{name}>{}</{name}>", text_sample(ty, format, service))),
        }
    }
}

/// A plausible text for a scalar in XML (timestamps ISO 8601 unless the member says otherwise).
fn text_sample(ty: &Type, format: Option<TimestampFormat>, service: &Service) -> String {
    match ty {
        Type::Scalar(Scalar::Enum(id)) => service.enumeration(*id).values.first().map(|v| v.value.clone()).unwrap_or_default(),
        Type::Scalar(Scalar::Integer | Scalar::Long) => "42".into(),
        Type::Scalar(Scalar::Boolean) => "true".into(),
        Type::Scalar(Scalar::Float | Scalar::Double) => "1.5".into(),
        Type::Scalar(Scalar::Timestamp) => timestamp_sample(format.unwrap_or(TimestampFormat::Iso8601)).into(),
        Type::Scalar(Scalar::Blob) => "aGVsbG8=".into(),
        _ => "text".into(),
    }
}

/// A plausible header value (timestamps as HTTP-dates unless the member says otherwise).
fn header_sample(ty: &Type, format: Option<TimestampFormat>) -> String {
    match ty {
        Type::Scalar(Scalar::Integer | Scalar::Long) => "42".into(),
        Type::Scalar(Scalar::Boolean) => "true".into(),
        Type::Scalar(Scalar::Float | Scalar::Double) => "1.5".into(),
        Type::Scalar(Scalar::Timestamp) => timestamp_sample(format.unwrap_or(TimestampFormat::HttpDate)).into(),
        Type::List(_) => "a, \"b,c\"".into(),
        _ => "value".into(),
    }
}

fn timestamp_sample(format: TimestampFormat) -> &'static str {
    match format {
        TimestampFormat::Iso8601 => "2026-11-24T14:08:00.5Z",
        TimestampFormat::HttpDate => "Tue, 24 Nov 2026 14:08:00 GMT",
        TimestampFormat::EpochSeconds => "1795529280",
    }
}

/// An envelope as the fuzz targets read it: operation line, status line, header lines, empty line, body.
fn envelope(operation: &str, status: u64, headers: &[(String, String)], body: &[u8]) -> Vec<u8> {
    let mut text = format!("{operation}\n{status}\n").into_bytes();
    for (name, value) in headers {
        text.extend_from_slice(format!("{name}: {value}\n").as_bytes());
    }
    text.push(b'\n');
    text.extend_from_slice(body);
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_libfuzzer_output() {
        let log = "INFO: Loaded 1 modules   (3212 inline 8-bit counters): 3212 [0x5, 0x6), \n\
            #2\tINITED cov: 8 ft: 8 corp: 1/1b exec/s: 0 rss: 27Mb\n\
            #707870\tDONE   cov: 3781 ft: 6810 corp: 1714/106Kb lim: 405 exec/s: 78652 rss: 34Mb\n\
            stat::number_of_executed_units: 707871\n";
        let outcome = read_outcome(log);
        assert_eq!((outcome.runs, outcome.cov, outcome.ft, outcome.corpus), (707_871, 3781, 6810, 1714));
        assert_eq!(outcome.counters, 3212);
        assert!(outcome.artifacts.is_empty());

        let crash = "#1024\tpulse  cov: 226 ft: 393 corp: 115/598b\n\
            thread '<unnamed>' (18348) panicked at fuzz_targets/datetime.rs:22:13:\n\
            assertion failed\n\
            ==18348== ERROR: libFuzzer: deadly signal\n\
            artifact_prefix='/w/fuzz/artifacts/datetime/'; Test unit written to /w/fuzz/artifacts/datetime/crash-1f\n";
        let outcome = read_outcome(crash);
        assert_eq!(outcome.artifacts, [PathBuf::from("/w/fuzz/artifacts/datetime/crash-1f")]);
        assert_eq!(outcome.reason.as_deref(), Some("thread '<unnamed>' (18348) panicked at fuzz_targets/datetime.rs:22:13:\n    assertion failed"));
        assert_eq!(outcome.runs, 1024);
    }

    #[test]
    fn seeds_are_named_by_content() {
        assert_eq!(fnv1a(b""), 0xcbf2_9ce4_8422_2325);
        assert_ne!(fnv1a(b"a"), fnv1a(b"b"));
        assert_eq!(envelope("GetObject", 206, &[("etag".into(), "\"e\"".into())], b"x"), b"GetObject\n206\netag: \"e\"\n\nx");
    }
}
