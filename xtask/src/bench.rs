//! `cargo xtask bench [--quick] [--size MIB] [WORKLOAD...]`: builds the `bench` crate in release mode
//! and runs its wire micro-benchmarks, then cos-sdk beside the raw floor client against the sink
//! server (see `bench/src/main.rs`). `cargo xtask bench wire [ITERATIONS]` runs only the former.

use crate::workspace_root;
use std::process::Command;

pub fn run(args: &[String]) -> Result<(), String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let bench = |bench_args: &[String]| -> Result<(), String> {
        let status = Command::new(&cargo)
            .current_dir(workspace_root())
            .args(["run", "--release", "--quiet", "-p", "cos-sdk-bench", "--"])
            .args(bench_args)
            .status()
            .map_err(|e| format!("cannot run cargo: {e}"))?;
        if status.success() { Ok(()) } else { Err(format!("the benchmark failed ({status})")) }
    };
    if args.first().map(String::as_str) == Some("wire") {
        return bench(args);
    }
    let iterations = if args.iter().any(|a| a == "--quick") { "30" } else { "300" };
    bench(&["wire".to_string(), iterations.to_string()])?;
    let mut run = vec!["run".to_string()];
    run.extend_from_slice(args);
    bench(&run)
}
