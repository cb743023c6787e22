//! `update-models`: imports the S3 model from the published ibm-cos-sdk-core package, and
//! `model-diff`: lists what changes in the API between two versions of a model.

use crate::workspace_root;
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The release of IBM's Python SDK core package whose S3 model cos-sdk is generated from.
pub const PINNED_VERSION: &str = "2.16.2";
const PACKAGE: &str = "ibm-cos-sdk-core";
const MODEL_DIR: &str = "models/s3/2006-03-01";
const MODEL_FILES: [&str; 3] = ["service-2.json", "paginators-1.json", "waiters-2.json"];

pub fn update(args: &[String]) -> Result<(), String> {
    let version = match args {
        [] => PINNED_VERSION.to_string(),
        [flag, v] if flag == "--version" => v.clone(),
        _ => return Err("usage: cargo xtask update-models [--version V]".into()),
    };
    let root = workspace_root();
    let download_dir = root.join("target/xtask/models").join(&version);
    let archive = download(&version, &download_dir)?;
    let bytes = fs::read(&archive).map_err(|e| format!("cannot read {}: {e}", archive.display()))?;
    let sha256 = hex(&Sha256::digest(&bytes));
    let extracted = extract_models(&bytes)?;
    let out_dir = root.join(MODEL_DIR);
    fs::create_dir_all(&out_dir).map_err(|e| format!("cannot create {}: {e}", out_dir.display()))?;
    for (name, text) in &extracted {
        let mut value: Value =
            serde_json::from_str(text).map_err(|e| format!("{name} in the package is not JSON: {e}"))?;
        strip_documentation(&mut value, None);
        let mut pretty = serde_json::to_string_pretty(&value).expect("a JSON value always serializes");
        pretty.push('\n');
        let path = out_dir.join(name);
        fs::write(&path, pretty).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        println!("wrote {}", path.strip_prefix(&root).unwrap_or(&path).display());
    }
    let archive_name = archive.file_name().and_then(|n| n.to_str()).unwrap_or_default();
    let source = format!(
        "# Where the models come from\n\n\
         The files in `s3/2006-03-01/` are the S3 service model of IBM's Python SDK, imported by\n\
         `cargo xtask update-models` from the package published on PyPI, with every `documentation` and\n\
         `documentationUrl` string removed (we do not redistribute others' prose). Do not edit them by hand.\n\n\
         | what | value |\n|---|---|\n\
         | package | `{PACKAGE}` |\n\
         | version | `{version}` |\n\
         | archive | `{archive_name}` |\n\
         | archive sha256 | `{sha256}` |\n\
         | files | `ibm_botocore/data/s3/2006-03-01/{{{}}}` |\n\
         | command | `cargo xtask update-models --version {version}` |\n",
        MODEL_FILES.join(",")
    );
    fs::write(root.join("models/SOURCE.md"), source).map_err(|e| format!("cannot write models/SOURCE.md: {e}"))?;
    println!("wrote models/SOURCE.md ({PACKAGE} {version}, sha256 {sha256})");
    Ok(())
}

/// Downloads the source distribution of the package with pip, unless it is already there.
fn download(version: &str, dir: &Path) -> Result<PathBuf, String> {
    if let Some(found) = find_archive(dir) {
        return Ok(found);
    }
    fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let status = Command::new("python3")
        .args(["-m", "pip", "download", "--quiet", "--no-deps", "--no-binary", ":all:", "--dest"])
        .arg(dir)
        .arg(format!("{PACKAGE}=={version}"))
        .status()
        .map_err(|e| format!("cannot run `python3 -m pip` ({e}); install Python 3 with pip"))?;
    if !status.success() {
        return Err(format!("pip could not download {PACKAGE}=={version} (exit status {status})"));
    }
    find_archive(dir).ok_or_else(|| format!("pip finished but left no .tar.gz in {}", dir.display()))
}

fn find_archive(dir: &Path) -> Option<PathBuf> {
    fs::read_dir(dir).ok()?.flatten().map(|e| e.path()).find(|p| {
        p.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.ends_with(".tar.gz"))
    })
}

/// Reads the three model files out of the source archive.
fn extract_models(archive: &[u8]) -> Result<Vec<(&'static str, String)>, String> {
    let mut found: Vec<(&'static str, String)> = Vec::new();
    let mut tar = tar::Archive::new(flate2::read::GzDecoder::new(archive));
    let entries = tar.entries().map_err(|e| format!("the archive is not a readable tar.gz: {e}"))?;
    for entry in entries {
        let mut entry = entry.map_err(|e| format!("the archive is damaged: {e}"))?;
        let path = entry.path().map_err(|e| format!("bad path in the archive: {e}"))?.to_string_lossy().into_owned();
        for name in MODEL_FILES {
            if path.ends_with(&format!("ibm_botocore/data/s3/2006-03-01/{name}")) {
                let mut text = String::new();
                entry.read_to_string(&mut text).map_err(|e| format!("cannot read {path}: {e}"))?;
                found.push((name, text));
            }
        }
    }
    found.sort_by_key(|(name, _)| MODEL_FILES.iter().position(|n| n == name));
    if found.len() != MODEL_FILES.len() {
        return Err(format!(
            "the archive lacks some of ibm_botocore/data/s3/2006-03-01/{{{}}}",
            MODEL_FILES.join(",")
        ));
    }
    Ok(found)
}

/// Removes `documentation` and `documentationUrl` strings everywhere except where they are names
/// (keys of `members`, `shapes` and `operations` maps).
fn strip_documentation(value: &mut Value, parent_key: Option<&str>) {
    match value {
        Value::Object(map) => {
            let names_only = matches!(parent_key, Some("members" | "shapes" | "operations"));
            if !names_only {
                map.retain(|k, v| !(matches!(k.as_str(), "documentation" | "documentationUrl") && v.is_string()));
            }
            for (k, v) in map.iter_mut() {
                strip_documentation(v, Some(k));
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|v| strip_documentation(v, None)),
        _ => {}
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

pub fn diff(args: &[String]) -> Result<(), String> {
    let pairs: Vec<(String, String, String)> = match args {
        [flag, rev] if flag == "--since" => changed_models_since(rev)?,
        [old, new] => {
            let read = |p: &String| fs::read_to_string(p).map_err(|e| format!("cannot read {p}: {e}"));
            vec![(format!("{old} -> {new}"), read(old)?, read(new)?)]
        }
        _ => return Err("usage: cargo xtask model-diff OLD NEW | --since REV".into()),
    };
    for (label, old, new) in pairs {
        let changes = codegen::diff::diff_models(&old, &new).map_err(|e| format!("{label}: {e}"))?;
        println!("model-diff {label}: {} change(s)", changes.len());
        for change in changes {
            println!("  {change}");
        }
    }
    Ok(())
}

/// The service models that changed since `rev`, as (label, old text, new text); nothing when none did.
fn changed_models_since(rev: &str) -> Result<Vec<(String, String, String)>, String> {
    let root = workspace_root();
    let git = |args: &[&str]| -> Result<String, String> {
        let out = Command::new("git")
            .current_dir(&root)
            .args(args)
            .output()
            .map_err(|e| format!("cannot run git: {e}"))?;
        if !out.status.success() {
            return Err(format!("git {} failed: {}", args.join(" "), String::from_utf8_lossy(&out.stderr).trim()));
        }
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    };
    let names = git(&["diff", "--name-only", rev, "--", "models"])?;
    let mut pairs = Vec::new();
    for path in names.lines().filter(|p| p.ends_with("service-2.json")) {
        let old = git(&["show", &format!("{rev}:{path}")]).unwrap_or_else(|_| "{}".into());
        let new = fs::read_to_string(root.join(path)).unwrap_or_else(|_| "{}".into());
        pairs.push((format!("{path} since {rev}"), old, new));
    }
    Ok(pairs)
}
