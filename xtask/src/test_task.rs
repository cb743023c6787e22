//! `cargo xtask test`: the whole test suite, as the README names it and CI runs it.
//!
//! It runs every test of the workspace with the `serde` feature on, so the JSON forms are tested too.

use crate::workspace_root;
use std::process::Command;

pub fn run(args: &[String]) -> Result<(), String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let status = Command::new(cargo)
        .current_dir(workspace_root())
        .args(["test", "--workspace", "--features", "cos-sdk/serde"])
        .args(args)
        .status()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("the test suite failed ({status})"))
    }
}
