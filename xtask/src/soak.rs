//! `cargo xtask soak [--minutes N]`: the soak run (tests/examples/soak.rs, release build) against the
//! embedded s3s server in a process of its own (`transfer_bench serve`), so the memory the soak reports
//! is the client's alone. Not part of CI: it takes minutes by design.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use crate::workspace_root;

pub fn run(args: &[String]) -> Result<(), String> {
    let minutes = match args {
        [] => "10".to_string(),
        [flag, n] if flag == "--minutes" && n.parse::<f64>().is_ok_and(|m| m > 0.0) => n.clone(),
        _ => return Err("usage: cargo xtask soak [--minutes N]   (default 10)".into()),
    };
    let root = workspace_root();
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let built = Command::new(&cargo)
        .current_dir(&root)
        .args(["build", "--release", "--quiet", "-p", "cos-sdk-tests", "--example", "soak", "--example", "transfer_bench"])
        .status()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if !built.success() {
        return Err(format!("building the soak failed ({built})"));
    }
    let examples = root.join("target/release/examples");
    let data = root.join("target/soak-server");
    let _ = std::fs::remove_dir_all(&data);
    let mut server = Command::new(examples.join("transfer_bench"))
        .arg("serve")
        .arg(&data)
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start the soak server: {e}"))?;
    let mut line = String::new();
    let read = server.stdout.take().map(|out| BufReader::new(out).read_line(&mut line));
    let fields: Vec<&str> = line.split_whitespace().collect();
    let result = match (read, fields.as_slice()) {
        (Some(Ok(_)), [url, access, secret]) => {
            println!("soak: {minutes} minute(s) against {url}");
            Command::new(examples.join("soak"))
                .args([url, access, secret, minutes.as_str()])
                .status()
                .map_err(|e| format!("cannot run the soak: {e}"))
                .and_then(|status| if status.success() { Ok(()) } else { Err(format!("the soak failed ({status})")) })
        }
        _ => Err(format!("the soak server did not print its address (got `{}`)", line.trim())),
    };
    let _ = server.kill();
    let _ = server.wait();
    let _ = std::fs::remove_dir_all(&data);
    result
}
