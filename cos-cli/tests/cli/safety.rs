//! The rules that keep `cos` from touching what it should not: no copy onto itself, one source per
//! destination, URLs checked before anything is deleted, literal keys with `--raw`, prefixes only with
//! `--recursive`, global flags only on `cos run`'s own command line, symbolic links in a destination
//! left alone.

use crate::harness::User;
use cos_sdk_tests::s3s_server::S3sServer;

#[tokio::test(flavor = "multi_thread")]
async fn nothing_is_lost_to_a_careless_command() {
    let server = S3sServer::start().await;
    let user = User::of(&server);
    user.run(&["mb", "cos://safe"]).await.ok();
    user.write("x/a.txt", b"from x");
    user.write("y/a.txt", b"from y");
    user.write("report[1].pdf", b"bracketed");
    user.write("report1.pdf", b"plain");
    user.run(&["cp", &user.path("x/a.txt"), "cos://safe/dir/a.txt"]).await.ok();

    // mv onto itself: refused, the object stays.
    let onto = user.run(&["--json", "mv", "cos://safe/dir/a.txt", "cos://safe/dir/"]).await;
    assert_eq!(onto.code, 1);
    assert!(onto.stdout.contains("same object"), "{}", onto.stdout);
    assert_eq!(std::fs::read(server.object_path("safe", "dir/a.txt")).unwrap(), b"from x");

    // Two sources with one name: the second is refused, and mv removes only what it moved.
    let both = user.run(&["--json", "mv", &user.path("x/a.txt"), &user.path("y/a.txt"), "cos://safe/two/"]).await;
    assert_eq!(both.code, 1);
    assert!(both.stdout.contains("already lands"), "{}", both.stdout);
    assert_eq!(std::fs::read(server.object_path("safe", "two/a.txt")).unwrap(), b"from x");
    assert!(!user.home.path().join("x/a.txt").exists() && user.home.path().join("y/a.txt").exists());

    // A prefix source needs --recursive; rm checks every URL before deleting any.
    assert_eq!(user.run(&["cp", "cos://safe/", &user.path("all/")]).await.code, 2);
    assert_eq!(user.run(&["rm", "cos://safe/dir/a.txt", "cos://safe/two/"]).await.code, 2);
    assert!(server.object_path("safe", "dir/a.txt").exists(), "rm deleted before refusing");
    let nothing = user.run(&["rm", "cos://safe/typo*"]).await;
    assert_eq!(nothing.code, 1, "a pattern matching nothing is a failure");

    // --raw: `[1]` is part of the key, not a class.
    user.run(&["--raw", "cp", &user.path("report[1].pdf"), "cos://safe/r/report[1].pdf"]).await.ok();
    user.run(&["cp", &user.path("report1.pdf"), "cos://safe/r/report1.pdf"]).await.ok();
    let raw = user.run(&["--json", "--raw", "rm", "cos://safe/r/report[1].pdf"]).await.ok();
    assert_eq!(raw.field("target"), ["cos://safe/r/report[1].pdf"]);
    assert!(server.object_path("safe", "r/report1.pdf").exists(), "--raw matched like a wildcard");

    // A global flag on a `run` line is refused, so `--dry-run` there cannot be silently ignored.
    let script = user.write("cmds.txt", "rm --dry-run cos://safe/r/report1.pdf\n");
    let ran = user.run(&["run", &script]).await;
    assert_eq!(ran.code, 1);
    assert!(ran.stderr.contains("global flags"), "{}", ran.stderr);
    assert!(server.object_path("safe", "r/report1.pdf").exists());
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread")]
async fn a_symbolic_link_in_the_destination_is_left_alone() {
    let server = S3sServer::start().await;
    let user = User::of(&server);
    user.run(&["mb", "cos://links"]).await.ok();
    user.write("src/keep.txt", b"keep");
    user.write("src/shared/x.txt", b"remote x");
    user.run(&["cp", "-r", &user.path("src"), "cos://links/"]).await.ok();
    // The mirror's `shared` is a link to a directory that must not be touched.
    let important = user.write("important/precious.txt", b"precious");
    std::fs::create_dir_all(user.home.path().join("mirror")).unwrap();
    std::os::unix::fs::symlink(user.home.path().join("important"), user.home.path().join("mirror/shared")).unwrap();
    // And a loop, which a walk must survive.
    std::os::unix::fs::symlink(user.home.path().join("mirror"), user.home.path().join("mirror/loop")).unwrap();
    let out = user.run(&["--json", "sync", "--delete", "cos://links/", &user.path("mirror")]).await;
    assert_eq!(std::fs::read(&important).unwrap(), b"precious", "sync deleted or wrote through a link");
    assert!(!user.home.path().join("important/x.txt").exists(), "a download went through a link");
    assert!(out.stdout.contains("symbolic link"), "{}", out.stdout);
    assert_eq!(std::fs::read(user.home.path().join("mirror/keep.txt")).unwrap(), b"keep");
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread")]
async fn an_unreadable_source_entry_stops_sync_delete() {
    use std::os::unix::ffi::OsStrExt;
    let server = S3sServer::start().await;
    let user = User::of(&server);
    user.run(&["mb", "cos://mirror"]).await.ok();
    user.write("src/a.txt", b"a");
    user.write("src/b.txt", b"b");
    user.run(&["sync", &user.path("src"), "cos://mirror/"]).await.ok();
    // b.txt goes away locally, and a name that cannot be a key appears: the walk is incomplete.
    std::fs::remove_file(user.home.path().join("src/b.txt")).unwrap();
    let odd = user.home.path().join("src").join(std::ffi::OsStr::from_bytes(b"bad-\xff-name"));
    std::fs::write(odd, b"?").unwrap();
    let out = user.run(&["--json", "sync", "--delete", &user.path("src"), "cos://mirror/"]).await;
    assert_eq!(out.code, 1);
    assert!(out.stdout.contains("not UTF-8") && out.stdout.contains("removed nothing"), "{}", out.stdout);
    assert!(server.object_path("mirror", "b.txt").exists(), "--delete ran on an incomplete source");
}

#[tokio::test(flavor = "multi_thread")]
async fn keys_that_would_misplace_bytes_and_moves_onto_their_own_sources_are_refused() {
    let server = S3sServer::start().await;
    let user = User::of(&server);
    user.run(&["mb", "cos://odd"]).await.ok();
    user.write("x.bin", vec![b'A'; 4 << 20]);
    user.write("stray", b"BBBBBBBBBB");
    user.run(&["cp", &user.path("x.bin"), "cos://odd/d/x"]).await.ok();
    // A key named like the download of `d/x`'s temporary file: it would take that download's place.
    user.run(&["--raw", "cp", &user.path("stray"), "cos://odd/d/.x.cos-download"]).await.ok();
    let copied = user.run(&["--json", "cp", "-r", "cos://odd/d/", &user.path("out/")]).await;
    assert_eq!(copied.code, 1, "{}", copied.stdout);
    assert!(copied.stdout.contains("temporary or state file"), "{}", copied.stdout);
    assert_eq!(std::fs::read(user.home.path().join("out/x")).unwrap(), vec![b'A'; 4 << 20]);
    assert!(!user.home.path().join("out/.x.cos-download").exists());

    // mv -r of a prefix into a folder below it, where an object of the same name waits: that copy
    // would read an object another job of the same command overwrites, so it is refused, and nothing
    // it would have deleted is lost.
    user.run(&["cp", &user.path("stray"), "cos://odd/inbox/r.csv"]).await.ok();
    user.run(&["cp", &user.path("x.bin"), "cos://odd/inbox/done/r.csv"]).await.ok();
    let moved = user.run(&["--json", "mv", "-r", "cos://odd/inbox/", "cos://odd/inbox/done/"]).await;
    assert_eq!(moved.code, 1, "{}", moved.stdout);
    assert!(moved.stdout.contains("also a source"), "{}", moved.stdout);
    assert_eq!(std::fs::read(server.object_path("odd", "inbox/r.csv")).unwrap(), b"BBBBBBBBBB");
    assert_eq!(std::fs::read(server.object_path("odd", "inbox/done/done/r.csv")).unwrap(), vec![b'A'; 4 << 20]);
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread")]
async fn mv_does_not_reach_through_a_symbolic_link_to_delete() {
    let server = S3sServer::start().await;
    let user = User::of(&server);
    user.run(&["mb", "cos://moved"]).await.ok();
    user.write("important/keep.txt", b"keep me");
    user.write("dir/own.txt", b"mine");
    std::os::unix::fs::symlink(user.home.path().join("important"), user.home.path().join("dir/shared")).unwrap();
    user.run(&["mv", "-r", &user.path("dir"), "cos://moved/"]).await.ok();
    assert!(server.object_path("moved", "own.txt").exists());
    assert!(!server.object_path("moved", "shared/keep.txt").exists(), "a move followed the link");
    assert_eq!(std::fs::read(user.home.path().join("important/keep.txt")).unwrap(), b"keep me");
    assert!(!user.home.path().join("dir/own.txt").exists());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_delete_the_answer_does_not_confirm_is_a_failure() {
    use cos_sdk_tests::fault_server::{FaultServer, Reply};
    // A store whose DeleteObjects answer names no key, neither deleted nor failed.
    let server = FaultServer::start(|_, _| Reply::status(200, "<DeleteResult></DeleteResult>")).await;
    let user = User::new(&server.url(), "k", "s");
    let out = user.run(&["--json", "rm", "cos://b/k1", "cos://b/k2"]).await;
    assert_eq!(out.code, 1, "{}", out.stdout);
    assert!(out.stdout.contains("does not say it was deleted"), "{}", out.stdout);
}
