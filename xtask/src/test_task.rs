//! `cargo xtask test`: the whole test suite, as the README names it and CI runs it.
//!
//! It brings up the server processes the end-to-end tests need (`tests/servers/run.sh up`: Ceph's
//! radosgw and moto, installed from Debian and PyPI when missing), runs every test of the workspace with
//! the `serde` feature on and the servers' addresses in the environment, and stops the servers again,
//! whatever the outcome. `COS_TEST_SERVERS=none` runs without them (their tests then skip, or fail
//! under `CI=true`).

use crate::workspace_root;
use std::path::Path;
use std::process::Command;

pub fn run(args: &[String]) -> Result<(), String> {
    let root = workspace_root();
    let servers = std::env::var("COS_TEST_SERVERS").unwrap_or_default() != "none";
    let mut env = Vec::new();
    if servers {
        run_script(&root, "up")?;
        // run.sh writes its env file into COS_TEST_WORK_DIR (default: target/).
        let work_dir = std::env::var_os("COS_TEST_WORK_DIR").map(std::path::PathBuf::from).unwrap_or_else(|| root.join("target"));
        env = read_env_file(&work_dir.join("test-servers.env"))?;
    }
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let status = Command::new(cargo)
        .current_dir(&root)
        .envs(env)
        .args(["test", "--workspace", "--features", "cos-sdk/serde"])
        .args(args)
        .status();
    if servers {
        if let Err(e) = run_script(&root, "down") {
            eprintln!("xtask test: {e}");
        }
    }
    let status = status.map_err(|e| format!("cannot run cargo: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("the test suite failed ({status})"))
    }
}

pub(crate) fn run_script(root: &Path, action: &str) -> Result<(), String> {
    let status = Command::new("bash")
        .arg(root.join("tests/servers/run.sh"))
        .arg(action)
        .status()
        .map_err(|e| format!("cannot run tests/servers/run.sh: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("tests/servers/run.sh {action} failed ({status}); its logs are in target/servers-log/ (or $COS_TEST_WORK_DIR)"))
    }
}

/// The `export NAME=value` lines the script wrote.
pub(crate) fn read_env_file(path: &Path) -> Result<Vec<(String, String)>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    Ok(text
        .lines()
        .filter_map(|line| line.trim().strip_prefix("export "))
        .filter_map(|assignment| assignment.split_once('='))
        .map(|(name, value)| (name.to_string(), value.trim_matches(['"', '\'']).to_string()))
        .collect())
}
