//! `cargo xtask`: the maintainers' commands (codegen, update-models, model-diff, conformance, fuzz, bench, bench-cli, soak).

mod bench;
mod bench_cli;
mod codegen_task;
mod conformance;
mod fuzz;
mod models;
mod soak;
mod test_task;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

const USAGE: &str = "usage: cargo xtask <command>

commands:
  codegen [--check]            regenerate cos-sdk/src/generated (--check: compare, print a diff, fail when stale)
  update-models [--version V]  import the S3 model from the ibm-cos-sdk-core release V (default: the pinned one)
  model-diff OLD NEW           list API changes between two service-2.json files
  model-diff --since REV       list API changes of the models changed since the git revision REV
  test [ARGS]                  run the whole test suite (extra ARGS go to cargo test)
  conformance [--ours] [FILES] protocol conformance: our case files and botocore's rest-xml suites
  fuzz [--seconds N] [--target NAME]
                               build the libFuzzer targets in fuzz/ and run each (or NAME) N seconds (default 20)
  bench [--quick] [--size MIB] [WORKLOAD...]
                               wire micro-benchmarks, then cos-sdk beside a raw hyper floor on a sink server
                               (small PUT+GET, listing, 1 GiB put/upload/get/download); `bench wire [N]` alone
  bench-cli [--runs N] [--tools cos,s5cmd,aws,rclone] [--small-only]
                               the `cos` CLI beside s5cmd, the aws CLI and rclone on radosgw (not in CI)
  soak [--minutes N]           64 workers of mixed operations for N minutes (default 10): errors and memory growth";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("codegen") => codegen_task::run(&args[1..]),
        Some("update-models") => models::update(&args[1..]),
        Some("model-diff") => models::diff(&args[1..]),
        Some("test") => test_task::run(&args[1..]),
        Some("conformance") => conformance::run(&args[1..]),
        Some("fuzz") => fuzz::run(&args[1..]),
        Some("bench") => bench::run(&args[1..]),
        Some("bench-cli") => bench_cli::run(&args[1..]),
        Some("soak") => soak::run(&args[1..]),
        _ => Err(USAGE.to_string()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("{message}");
            ExitCode::FAILURE
        }
    }
}

/// The workspace root (the parent of this crate's folder).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("xtask lives inside the workspace").to_path_buf()
}
