//! `cargo xtask codegen [--check]`: writes `cos-sdk/src/generated/` from the S3 model, or compares.
//!
//! With `--check` (and whenever `CI` is set) it only compares: it prints a diff of every stale file and
//! fails. Without it, it writes the files and removes generated files the model no longer produces.

use crate::workspace_root;
use similar::TextDiff;
use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

pub const MODEL_DIR: &str = "models/s3/2006-03-01";
pub const OUT_DIR: &str = "cos-sdk/src/generated";

pub fn run(args: &[String]) -> Result<(), String> {
    let check = match args {
        [] => false,
        [flag] if flag == "--check" => true,
        _ => return Err("usage: cargo xtask codegen [--check]".into()),
    };
    let started = std::time::Instant::now();
    let root = workspace_root();
    let files = generate_s3(&root)?;
    let out = root.join(OUT_DIR);
    if check {
        let stale = compare(&out, &files)?;
        if stale.is_empty() {
            println!("codegen --check: {} generated files are up to date", files.len());
            return Ok(());
        }
        return Err(format!(
            "codegen --check: {} file(s) in {OUT_DIR} are stale; run `cargo xtask codegen` and commit the result:\n{}",
            stale.len(),
            stale.join("\n")
        ));
    }
    write_all(&out, &files)?;
    println!("codegen: wrote {} files to {OUT_DIR} in {:.2?}", files.len(), started.elapsed());
    Ok(())
}

/// Our documentation table for the S3 model's members and operations: one file per topic.
const DOCS_TABLE: &str = "models/docs";

/// Generates the S3 files from the committed model.
pub fn generate_s3(root: &Path) -> Result<Vec<codegen::GeneratedFile>, String> {
    let read = |name: &str| {
        let path = root.join(MODEL_DIR).join(name);
        fs::read_to_string(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))
    };
    let (service, paginators, waiters) = (read("service-2.json")?, read("paginators-1.json")?, read("waiters-2.json")?);
    let docs = codegen::ir::docs::read_dir(&root.join(DOCS_TABLE))?;
    codegen::generate(&codegen::Input {
        service: &service,
        paginators: Some(&paginators),
        waiters: Some(&waiters),
        source_label: &format!("{MODEL_DIR}/service-2.json"),
        runtime_crate: "crate",
        module_root: "crate",
        wrapper_client: false,
        docs: &docs,
    })
    .map_err(|e| e.to_string())
}

/// Each stale file as a unified diff (current -> expected), plus files that should not be there.
pub fn compare(out: &Path, files: &[codegen::GeneratedFile]) -> Result<Vec<String>, String> {
    let mut stale = Vec::new();
    for file in files {
        let path = out.join(&file.path);
        let current = fs::read_to_string(&path).unwrap_or_default();
        if current != file.contents {
            let diff = TextDiff::from_lines(&current, &file.contents)
                .unified_diff()
                .context_radius(2)
                .header(&format!("a/{}", file.path), &format!("b/{}", file.path))
                .to_string();
            stale.push(diff);
        }
    }
    let expected: BTreeSet<PathBuf> = files.iter().map(|f| out.join(&f.path)).collect();
    for extra in existing_files(out).into_iter().filter(|p| !expected.contains(p)) {
        stale.push(format!("{} is no longer generated; delete it", extra.display()));
    }
    Ok(stale)
}

fn write_all(out: &Path, files: &[codegen::GeneratedFile]) -> Result<(), String> {
    let expected: BTreeSet<PathBuf> = files.iter().map(|f| out.join(&f.path)).collect();
    for extra in existing_files(out).into_iter().filter(|p| !expected.contains(p)) {
        fs::remove_file(&extra).map_err(|e| format!("cannot remove {}: {e}", extra.display()))?;
    }
    for file in files {
        let path = out.join(&file.path);
        if fs::read_to_string(&path).ok().as_deref() == Some(file.contents.as_str()) {
            continue;
        }
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent).map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
        }
        fs::write(&path, &file.contents).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    }
    Ok(())
}

fn existing_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in fs::read_dir(&d).into_iter().flatten().flatten() {
            let p = entry.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

#[cfg(test)]
mod tests {
    /// The committed generated code matches the model (the same check as `cargo xtask codegen --check`).
    /// Outside CI a stale tree is regenerated, so the fix is one `git diff` away; the test still fails.
    #[test]
    fn generated_code_is_fresh() {
        let root = crate::workspace_root();
        let files = super::generate_s3(&root).unwrap();
        let out = root.join(super::OUT_DIR);
        let stale = super::compare(&out, &files).unwrap();
        if !stale.is_empty() && std::env::var_os("CI").is_none() {
            super::write_all(&out, &files).unwrap();
        }
        assert!(stale.is_empty(), "generated code is stale (regenerated outside CI; review `git diff`):\n{}", stale.join("\n"));
    }
}
