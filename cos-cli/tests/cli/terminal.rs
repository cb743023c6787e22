//! The progress bar on a terminal (a pseudo-terminal from util-linux's `script`), none when piped,
//! and `cp --resume` continuing an upload that was killed.

use std::time::{Duration, Instant};

use crate::harness::{pattern, User};
use cos_sdk_tests::s3s_server::S3sServer;

#[tokio::test(flavor = "multi_thread")]
async fn the_progress_bar_draws_on_a_terminal_only() {
    let server = S3sServer::start().await;
    let user = User::of(&server);
    user.run(&["mb", "cos://tty"]).await.ok();
    let file = user.write("big.bin", pattern(24 << 20, 5));
    let cos = env!("CARGO_BIN_EXE_cos");
    // `script` runs the command on a pseudo-terminal and copies what it drew to stdout.
    let line = format!("{cos} --part-size 5 -c 2 cp {file} cos://tty/big.bin");
    let tty = tokio::task::spawn_blocking({
        let mut script = std::process::Command::new("script");
        script.env_clear().envs(user.env.iter().map(|(k, v)| (k, v))).env("HOME", user.home.path()).env("TERM", "xterm");
        script.args(["-qec", &line, "/dev/null"]);
        move || script.output().expect("run script (util-linux)")
    })
    .await
    .unwrap();
    let drawn = String::from_utf8_lossy(&tty.stdout);
    assert!(tty.status.success(), "{drawn}");
    assert!(drawn.contains("MiB") && drawn.contains("ETA") && drawn.contains("\u{1b}["), "no bar was drawn: {drawn:?}");
    // Piped: the same copy draws nothing on stderr.
    let piped = user.run(&["--part-size", "5", "cp", &file, "cos://tty/big2.bin"]).await.ok();
    assert!(piped.stderr.is_empty(), "{:?}", piped.stderr);
    assert_eq!(piped.stdout.trim(), format!("cp {file} cos://tty/big2.bin"));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_killed_upload_resumes_with_resume() {
    let server = S3sServer::start().await;
    let user = User::of(&server);
    user.run(&["mb", "cos://resume"]).await.ok();
    let data = pattern(160 << 20, 9);
    let file = user.write("big.bin", &data);
    let state_dir = user.home.path().join(".local/state/cos/uploads");
    // One part at a time, so the state file records parts well before the end; kill once it has some.
    let mut child = user.command(&["--part-size", "5", "-c", "1", "cp", "--resume", &file, "cos://resume/big.bin"]).spawn().unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    let killed = loop {
        let recorded = std::fs::read_dir(&state_dir)
            .ok()
            .and_then(|mut entries| entries.next())
            .and_then(|entry| std::fs::read_to_string(entry.ok()?.path()).ok())
            .is_some_and(|text| text.matches("\"etag\"").count() >= 3);
        if recorded {
            child.kill().unwrap();
            break true;
        }
        if child.try_wait().unwrap().is_some() || Instant::now() > deadline {
            break false;
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let _ = child.wait();
    assert!(killed, "the upload finished (or stalled) before it recorded three parts");
    assert!(!server.object_path("resume", "big.bin").exists());
    let resumed = user.run(&["--json", "--part-size", "5", "cp", "--resume", &file, "cos://resume/big.bin"]).await.ok().json();
    let skipped = resumed[0]["resumed_bytes"].as_u64().unwrap();
    assert!(skipped >= 3 * (5 << 20), "only {skipped} bytes were not sent again");
    assert_eq!(resumed[0]["size"], 160u64 << 20);
    assert!(std::fs::read(server.object_path("resume", "big.bin")).unwrap() == data, "the resumed object differs");
    assert!(std::fs::read_dir(&state_dir).unwrap().next().is_none(), "the state file outlived the upload");
}
