//! Runs our own protocol conformance cases (`tests/conformance/cases/`) against the real generated
//! operations of cos-sdk, so plain `cargo test` proves the wire rules. It shells out to
//! `cargo xtask conformance --ours`, which builds one small crate in the workspace's target directory
//! (the dependencies are already built there). botocore's suites need a download and run in CI
//! through `cargo xtask conformance`.

use std::process::Command;

#[test]
fn our_conformance_cases_pass() {
    let output = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(["conformance", "--ours"])
        .output()
        .expect("the xtask binary runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    let summary = stdout.lines().find(|l| l.starts_with("conformance: ") && l.contains("passed"));
    assert!(
        output.status.success(),
        "conformance cases failed:\n{stdout}\n{stderr}"
    );
    let summary = summary.unwrap_or_else(|| panic!("no summary line in:\n{stdout}"));
    assert!(summary.contains(" 0 failed"), "{summary}");
    assert!(!summary.starts_with("conformance: 0 passed"), "no case ran: {summary}");
}
