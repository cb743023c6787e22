//! `sync` both ways: what it copies the first time, that a second run copies nothing, that a change is
//! picked up by time, size or checksum, the filters, and `--delete` doing exactly its dry run.

use crate::harness::{files_below, User};
use cos_sdk_tests::s3s_server::S3sServer;

#[tokio::test(flavor = "multi_thread")]
async fn sync_up_and_down_copies_only_what_changed() {
    let server = S3sServer::start().await;
    let user = User::of(&server);
    user.run(&["mb", "cos://site"]).await.ok();
    for name in ["index.html", "a/one.txt", "a/two.txt", "tmp/scratch.txt", "b/three.log"] {
        user.write(&format!("src/{name}"), name.as_bytes());
    }
    let src = user.path("src");
    let first = user.run(&["--json", "sync", "--exclude", "tmp/**", &src, "cos://site/www"]).await.ok();
    assert_eq!(
        first.field("destination"),
        [
            "cos://site/www/a/one.txt",
            "cos://site/www/a/two.txt",
            "cos://site/www/b/three.log",
            "cos://site/www/index.html"
        ]
    );
    // Nothing changed: nothing is copied.
    let again = user.run(&["--json", "sync", "--exclude", "tmp/**", &src, "cos://site/www/"]).await.ok();
    assert!(again.stdout.is_empty(), "{}", again.stdout);

    // A newer file of the same size: copied by default, not with --size-only.
    let index = std::fs::File::options().write(true).open(user.home.path().join("src/index.html")).unwrap();
    index.set_modified(std::time::SystemTime::now() + std::time::Duration::from_secs(3600)).unwrap();
    assert!(user
        .run(&["--json", "sync", "--size-only", "--exclude", "tmp/**", &src, "cos://site/www/"])
        .await
        .ok()
        .stdout
        .is_empty());
    let newer = user.run(&["--json", "sync", "--exclude", "tmp/**", &src, "cos://site/www/"]).await.ok();
    assert_eq!(newer.field("destination"), ["cos://site/www/index.html"]);
    // A changed size is copied by default and with --size-only.
    user.write("src/a/one.txt", b"a longer body");
    let changed = user.run(&["--json", "sync", "--size-only", &src, "cos://site/www/"]).await.ok();
    assert_eq!(changed.field("destination"), ["cos://site/www/a/one.txt", "cos://site/www/tmp/scratch.txt"]);
    // Same size, different bytes: only --checksum sees it.
    user.write("src/a/two.txt", b"A/TWO.TXT");
    assert!(user.run(&["--json", "sync", "--size-only", &src, "cos://site/www/"]).await.ok().stdout.is_empty());
    let by_content = user.run(&["--json", "sync", "--checksum", &src, "cos://site/www/"]).await.ok();
    assert_eq!(by_content.field("destination"), ["cos://site/www/a/two.txt"]);

    // --delete: the dry run names what the real run deletes, and only that.
    std::fs::remove_file(user.home.path().join("src/b/three.log")).unwrap();
    let dry = user
        .run(&["--json", "--dry-run", "sync", "--delete", "--include", "**/*.log", &src, "cos://site/www/"])
        .await
        .ok();
    assert_eq!(dry.field("target"), ["cos://site/www/b/three.log"]);
    assert!(server.object_path("site", "www/b/three.log").exists(), "the dry run deleted");
    let real = user.run(&["--json", "sync", "--delete", "--include", "**/*.log", &src, "cos://site/www/"]).await.ok();
    assert_eq!(real.field("target"), dry.field("target"));
    assert!(!server.object_path("site", "www/b/three.log").exists());
    assert!(server.object_path("site", "www/index.html").exists());

    // Down: everything, then nothing, then --delete of a local extra.
    let down = user.run(&["--json", "sync", "cos://site/www/", &user.path("mirror")]).await.ok();
    assert_eq!(down.json().len(), 4);
    assert_eq!(
        files_below(&user.home.path().join("mirror")),
        ["a/one.txt", "a/two.txt", "index.html", "tmp/scratch.txt"]
    );
    assert_eq!(std::fs::read(user.home.path().join("mirror/a/two.txt")).unwrap(), b"A/TWO.TXT");
    let second = user.run(&["--json", "sync", "cos://site/www/", &user.path("mirror")]).await.ok();
    assert!(second.stdout.is_empty(), "downloaded files keep the objects' times, so nothing is new: {}", second.stdout);
    user.write("mirror/extra.txt", b"only here");
    let cleaned = user.run(&["--json", "sync", "--delete", "cos://site/www/", &user.path("mirror")]).await.ok();
    assert_eq!(cleaned.field("operation"), ["delete"]);
    assert!(!user.home.path().join("mirror/extra.txt").exists());

    // Bucket to bucket, server-side.
    user.run(&["mb", "cos://copy"]).await.ok();
    let across = user.run(&["--json", "sync", "cos://site/www/", "cos://copy/"]).await.ok();
    assert_eq!(across.json().len(), 4);
    assert_eq!(std::fs::read(server.object_path("copy", "a/one.txt")).unwrap(), b"a longer body");
}
