//! The progress bar on a terminal (a pseudo-terminal from util-linux's `script`), none when piped;
//! `cp --resume` continuing an upload or a download that was killed; Ctrl-C (SIGINT) pausing a
//! resumable upload and aborting one that is not.

use std::time::{Duration, Instant};

use crate::harness::{pattern, User};
use cos_sdk_tests::s3s_server::S3sServer;

#[tokio::test(flavor = "multi_thread")]
async fn the_progress_bar_draws_on_a_terminal_only() {
    let server = S3sServer::start().await;
    let user = User::of(&server);
    user.run(&["mb", "cos://tty"]).await.ok();
    let file = user.write("big.bin", pattern(24 << 20, 5));
    let drawn = on_terminal(&user, &format!("--part-size 5 -c 2 cp {file} cos://tty/big.bin")).await;
    assert!(drawn.contains("MiB") && drawn.contains("ETA") && drawn.contains("\u{1b}["), "no bar was drawn: {drawn:?}");
    // A command that moves no bytes draws no bar over its output, even on a terminal.
    let listed = on_terminal(&user, "ls cos://tty/").await;
    assert!(listed.contains("big.bin") && !listed.contains("\u{1b}["), "{listed:?}");
    // Piped: the same copy draws nothing on stderr.
    let piped = user.run(&["--part-size", "5", "cp", &file, "cos://tty/big2.bin"]).await.ok();
    assert!(piped.stderr.is_empty(), "{:?}", piped.stderr);
    assert_eq!(piped.stdout.trim(), format!("cp {file} cos://tty/big2.bin"));
}

/// What `cos ARGS` (split on spaces) draws on a pseudo-terminal (util-linux's `script` runs it on one
/// and copies the screen to its stdout); the command must succeed.
async fn on_terminal(user: &User, args: &str) -> String {
    let line = format!("{} {args}", env!("CARGO_BIN_EXE_cos"));
    let mut script = std::process::Command::new("script");
    script.env_clear().envs(user.env.iter().map(|(k, v)| (k, v))).env("HOME", user.home.path()).env("TERM", "xterm");
    script.args(["-qec", &line, "/dev/null"]);
    let tty = tokio::task::spawn_blocking(move || script.output().expect("run script (util-linux)")).await.unwrap();
    let drawn = String::from_utf8_lossy(&tty.stdout).into_owned();
    assert!(tty.status.success(), "{drawn}");
    drawn
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
    let child = user
        .command(&["--part-size", "5", "-c", "1", "cp", "--resume", &file, "cos://resume/big.bin"])
        .spawn()
        .unwrap();
    let killed = kill_after_parts(child, || std::fs::read_dir(&state_dir).ok()?.next()?.ok().map(|e| e.path()));
    assert!(killed, "the upload finished (or stalled) before it recorded three parts");
    assert!(!server.object_path("resume", "big.bin").exists());
    let resumed =
        user.run(&["--json", "--part-size", "5", "cp", "--resume", &file, "cos://resume/big.bin"]).await.ok().json();
    let skipped = resumed[0]["resumed_bytes"].as_u64().unwrap();
    assert!(skipped >= 3 * (5 << 20), "only {skipped} bytes were not sent again");
    assert_eq!(resumed[0]["size"], 160u64 << 20);
    assert!(std::fs::read(server.object_path("resume", "big.bin")).unwrap() == data, "the resumed object differs");
    assert!(std::fs::read_dir(&state_dir).unwrap().next().is_none(), "the state file outlived the upload");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_killed_download_resumes_with_resume() {
    let server = S3sServer::start().await;
    let user = User::of(&server);
    user.run(&["mb", "cos://resume"]).await.ok();
    let data = pattern(160 << 20, 11);
    user.run(&["--part-size", "5", "cp", &user.write("up.bin", &data), "cos://resume/big.bin"]).await.ok();
    let target = user.home.path().join("down.bin");
    let state = user.home.path().join(".down.bin.cos-download.state");
    let child = user
        .command(&["--part-size", "5", "-c", "1", "cp", "--resume", "cos://resume/big.bin", &user.path("down.bin")])
        .spawn()
        .unwrap();
    assert!(kill_after_parts(child, || Some(state.clone())), "the download finished before it recorded three parts");
    assert!(!target.exists(), "a partial download landed at its name");
    let resumed = user
        .run(&["--json", "--part-size", "5", "cp", "--resume", "cos://resume/big.bin", &user.path("down.bin")])
        .await
        .ok()
        .json();
    assert!(resumed[0]["resumed_bytes"].as_u64().unwrap() >= 3 * (5 << 20), "{resumed:?}");
    assert!(std::fs::read(&target).unwrap() == data, "the resumed download differs");
    assert!(!state.exists());
}

/// The number of parts the state file `path()` names records.
fn parts_recorded(path: Option<std::path::PathBuf>) -> usize {
    path.and_then(|p| std::fs::read_to_string(p).ok()).map_or(0, |text| text.matches("\"part\":").count())
}

/// Kills `child` once the state file `path()` names records three finished parts; false when the
/// transfer ended (or a minute passed) first.
fn kill_after_parts(child: std::process::Child, path: impl Fn() -> Option<std::path::PathBuf>) -> bool {
    signal_when(child, "KILL", || parts_recorded(path()) >= 3).is_some()
}

/// Sends `signal` to `child` once `ready()` holds and returns how it ended; `None` when it ended (or
/// a minute passed) first.
pub fn signal_when(
    mut child: std::process::Child,
    signal: &str,
    ready: impl Fn() -> bool,
) -> Option<std::process::ExitStatus> {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if ready() {
            let sent =
                std::process::Command::new("kill").args(["-s", signal, &child.id().to_string()]).status().unwrap();
            assert!(sent.success());
            return Some(child.wait().unwrap());
        }
        if child.try_wait().unwrap().is_some() || Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            return None;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn ctrl_c_pauses_a_resumable_upload() {
    let server = S3sServer::start().await;
    let user = User::of(&server);
    user.run(&["mb", "cos://int"]).await.ok();
    let data = pattern(160 << 20, 12);
    let file = user.write("big.bin", &data);
    let state_dir = user.home.path().join(".local/state/cos/uploads");
    let state = || std::fs::read_dir(&state_dir).ok()?.next()?.ok().map(|e| e.path());
    let child =
        user.command(&["--part-size", "5", "-c", "1", "cp", "--resume", &file, "cos://int/big.bin"]).spawn().unwrap();
    let status = signal_when(child, "INT", || parts_recorded(state()) >= 2).expect("the upload ended before two parts");
    assert_eq!(status.code(), Some(130));
    assert!(state().is_some(), "a paused upload keeps its state file");
    let resumed =
        user.run(&["--json", "--part-size", "5", "cp", "--resume", &file, "cos://int/big.bin"]).await.ok().json();
    assert!(resumed[0]["resumed_bytes"].as_u64().unwrap() >= 2 * (5 << 20), "{resumed:?}");
    assert!(std::fs::read(server.object_path("int", "big.bin")).unwrap() == data);
}
