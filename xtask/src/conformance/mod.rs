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

mod base64;
mod botocore;
mod cases;
mod compare;
mod group;
mod http_uri;
mod judge;
mod xml_tree;

pub use botocore::BOTOCORE_VERSION;

use crate::workspace_root;
use botocore::botocore_files;
use cases::{label_of, our_case_files, read_skips};
use group::run_group;
use std::path::PathBuf;

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
