//! cos-sdk's topic examples (`cos-sdk/examples/`) run end to end against the embedded s3s server, as a
//! user would run them against COS: the built binary, with the settings in its environment.

use std::path::PathBuf;
use std::process::Command;

use cos_sdk_tests::s3s_server::{S3sServer, ACCESS_KEY, SECRET_KEY};
use cos_sdk_tests::temp::TempDir;

/// Where cargo put the example binaries: `target/<profile>/examples`, beside this test's `deps`.
fn example(name: &str) -> Option<PathBuf> {
    let exe = std::env::current_exe().ok()?;
    let path = exe.parent()?.parent()?.join("examples").join(format!("{name}{}", std::env::consts::EXE_SUFFIX));
    path.exists().then_some(path)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn topic_examples_run_against_a_real_server() {
    let names = ["pagination", "errors", "presigned", "transfer_progress"];
    let Some(paths) = names.iter().map(|n| example(n)).collect::<Option<Vec<_>>>() else {
        // `cargo test --workspace` (and `cargo xtask test`) builds them; a test run of this crate alone does not.
        assert!(std::env::var("CI").is_err(), "the examples are not built; run `cargo xtask test`");
        eprintln!("skipped: cos-sdk's examples are not built (run `cargo test --workspace`)");
        return;
    };
    let server = S3sServer::start().await;
    let home = TempDir::new("examples-home");
    for (name, path) in names.iter().zip(paths) {
        let mut command = Command::new(&path);
        command
            .env_clear()
            .env("HOME", home.path())
            .env("COS_ENDPOINT", server.url())
            .env("AWS_ACCESS_KEY_ID", ACCESS_KEY)
            .env("AWS_SECRET_ACCESS_KEY", SECRET_KEY);
        // The server answers on this runtime while the example runs on a blocking thread.
        let output = tokio::task::spawn_blocking(move || command.output()).await.unwrap().unwrap();
        let text = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
        assert!(output.status.success(), "{name} failed:\n{text}");
        assert!(text.contains(&format!("{name} example: done")), "{name}:\n{text}");
    }
}
