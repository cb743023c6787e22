//! The everyday commands against Ceph's radosgw, a real S3 implementation in its own process.

use crate::harness::{pattern, User};
use cos_sdk_tests::servers::{radosgw, unique_bucket};

#[tokio::test(flavor = "multi_thread")]
async fn everyday_commands_on_radosgw() {
    let Some(server) = radosgw() else { return };
    let user = User::new(&server.endpoint, &server.access_key, &server.secret_key);
    let bucket = unique_bucket("cli");
    let root = format!("cos://{bucket}");
    user.run(&["mb", &root]).await.ok();
    for i in 0..25 {
        user.write(&format!("d/{i:02}.txt"), format!("body {i}"));
    }
    // Large enough for a multipart upload in 5 MiB parts.
    let big = pattern(12 << 20, 4);
    user.write("d/big.bin", &big);
    let up = user.run(&["--json", "--part-size", "5", "cp", "-r", &user.path("d"), &format!("{root}/in/")]).await.ok();
    assert_eq!(up.json().len(), 26);
    let listed = user.run(&["--json", "ls", "-r", &format!("{root}/in/")]).await.ok();
    assert_eq!(listed.json().len(), 26);
    let etag = listed.json().iter().find(|v| v["key"].as_str().unwrap().ends_with("big.bin")).unwrap()["etag"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(etag.ends_with("-3\""), "a multipart ETag: {etag}");
    let du = user.run(&["--json", "du", &format!("{root}/in/")]).await.ok().json();
    assert_eq!(du[0]["count"], 26);

    // sync --checksum recognises the multipart ETag as the same content.
    let same = user
        .run(&["--json", "--part-size", "5", "sync", "--checksum", &user.path("d"), &format!("{root}/in/")])
        .await
        .ok();
    assert!(same.stdout.is_empty(), "{}", same.stdout);

    let down = user
        .run(&["--json", "--part-size", "5", "cp", &format!("{root}/in/big.bin"), &user.path("big.copy")])
        .await
        .ok();
    assert_eq!(down.json()[0]["size"], 12u64 << 20);
    assert!(std::fs::read(user.home.path().join("big.copy")).unwrap() == big);
    assert_eq!(user.run(&["cat", "--range", "-7", &format!("{root}/in/03.txt")]).await.ok().stdout, "body 3");

    let stat = user.run(&["--json", "stat", &format!("{root}/in/big.bin")]).await.ok().json();
    assert_eq!(stat[0]["ContentLength"], 12u64 << 20);
    let dry = user.run(&["--json", "--dry-run", "rm", "-r", &format!("{root}/in/")]).await.ok();
    assert_eq!(dry.json().len(), 26);
    assert_eq!(user.run(&["--json", "ls", "-r", &root]).await.ok().json().len(), 26);
    let removed = user.run(&["--json", "rm", "-r", &format!("{root}/in/")]).await.ok();
    assert_eq!(removed.field("target"), dry.field("target"));

    // pipe, mv, then versions: two writes of one key in a versioned bucket, listed and removed by id.
    user.run_with_stdin(&["pipe", &format!("{root}/p.bin")], pattern(300_000, 6)).await.ok();
    user.run(&["mv", &format!("{root}/p.bin"), &format!("{root}/q.bin")]).await.ok();
    assert_eq!(user.run(&["--json", "ls", &format!("{root}/")]).await.ok().field("key"), [format!("{root}/q.bin")]);
    assert!(user.run(&["cat", &format!("{root}/q.bin")]).await.ok().bytes == pattern(300_000, 6));
    // presign: the URL reads the object without credentials; run: a file of commands.
    let url = user.run(&["presign", &format!("{root}/q.bin")]).await.ok().stdout.trim().to_string();
    let fetch = "import sys, urllib.request; sys.stdout.buffer.write(urllib.request.urlopen(sys.argv[1]).read())";
    let fetched = tokio::task::spawn_blocking(move || {
        std::process::Command::new("python3").args(["-c", fetch, &url]).output().unwrap()
    })
    .await
    .unwrap();
    assert!(fetched.stdout == pattern(300_000, 6), "{}", String::from_utf8_lossy(&fetched.stderr));
    let script = user.write("cmds.txt", format!("cp {root}/q.bin {root}/r.bin\nstat {root}/q.bin\n"));
    let ran = user.run(&["--json", "run", &script]).await.ok().json();
    assert_eq!(ran.len(), 2);
    assert!(user.run(&["--json", "buckets"]).await.ok().field("name").contains(&bucket));
    user.run(&["rm", &format!("{root}/q.bin"), &format!("{root}/r.bin")]).await.ok();
    user.run(&["rb", &root]).await.ok();

    let versioned = unique_bucket("cli-ver");
    user.run(&["mb", &format!("cos://{versioned}")]).await.ok();
    let input = format!(r#"{{"Bucket": "{versioned}", "VersioningConfiguration": {{"Status": "Enabled"}}}}"#);
    user.run(&["api", "PutBucketVersioning", "--input", &input]).await.ok();
    for (key, body) in [("k", "one"), ("k", "two"), ("j", "other")] {
        user.run_with_stdin(&["pipe", &format!("cos://{versioned}/{key}")], body.as_bytes().to_vec()).await.ok();
    }
    let versions = user.run(&["--json", "ls", "--versions", &format!("cos://{versioned}/")]).await.ok().json();
    assert_eq!(versions.len(), 3, "{versions:?}");
    assert_eq!(versions.iter().filter(|v| v["is_latest"] == true).count(), 2);
    // A pattern picks keys; one that matches nothing is a failure.
    let of_k = user.run(&["--json", "ls", "--versions", &format!("cos://{versioned}/k*")]).await.ok();
    assert_eq!(of_k.field("key"), [format!("cos://{versioned}/k"), format!("cos://{versioned}/k")]);
    assert_eq!(user.run(&["ls", "--versions", &format!("cos://{versioned}/z*")]).await.code, 1);
    for v in &versions {
        let (key, id) = (v["key"].as_str().unwrap().rsplit('/').next().unwrap(), v["version_id"].as_str().unwrap());
        let input = format!(r#"{{"Bucket": "{versioned}", "Key": "{key}", "VersionId": "{id}"}}"#);
        user.run(&["api", "DeleteObject", "--input", &input]).await.ok();
    }
    user.run(&["rb", &format!("cos://{versioned}")]).await.ok();
}

#[tokio::test(flavor = "multi_thread")]
async fn ctrl_c_aborts_an_upload_started_without_resume() {
    let Some(server) = radosgw() else { return };
    let user = User::new(&server.endpoint, &server.access_key, &server.secret_key);
    let bucket = unique_bucket("cli-int");
    user.run(&["mb", &format!("cos://{bucket}")]).await.ok();
    let file = user.write("big.bin", pattern(200 << 20, 13));
    let uploads_input = format!(r#"{{"Bucket": "{bucket}"}}"#);
    let uploads = |user: &User| {
        let mut command = user.command(&["--json", "api", "ListMultipartUploads", "--input", &uploads_input]);
        let output = command.output().unwrap();
        let value: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap_or_default();
        value["Uploads"].as_array().map_or(0, Vec::len)
    };
    let child = user
        .command(&["--part-size", "5", "-c", "1", "cp", &file, &format!("cos://{bucket}/big.bin")])
        .spawn()
        .unwrap();
    let status = tokio::task::block_in_place(|| crate::terminal::signal_when(child, "INT", || uploads(&user) > 0))
        .expect("the upload ended before its multipart upload was listed");
    assert_eq!(status.code(), Some(130));
    assert_eq!(uploads(&user), 0, "Ctrl-C left a multipart upload behind");
    user.run(&["rb", &format!("cos://{bucket}")]).await.ok();
}

#[tokio::test(flavor = "multi_thread")]
async fn sync_mv_and_long_listings_on_radosgw() {
    let Some(server) = radosgw() else { return };
    let user = User::new(&server.endpoint, &server.access_key, &server.secret_key);
    let bucket = unique_bucket("cli-sync");
    let root = format!("cos://{bucket}");
    let made = user.run(&["--json", "mb", &root]).await.ok().json();
    assert_eq!((&made[0]["operation"], &made[0]["target"]), (&"mb".into(), &root.clone().into()));
    for name in ["index.html", "a/one.txt", "a/two.txt", "tmp/scratch.txt"] {
        user.write(&format!("src/{name}"), name.as_bytes());
    }
    let src = user.path("src");
    let www = format!("{root}/www/");

    // Up: everything but the excluded, then nothing, then a change of size.
    let first = user.run(&["--json", "sync", "--exclude", "tmp/**", &src, &www]).await.ok();
    assert_eq!(
        first.field("destination"),
        [format!("{www}a/one.txt"), format!("{www}a/two.txt"), format!("{www}index.html")]
    );
    assert!(user.run(&["--json", "sync", "--exclude", "tmp/**", &src, &www]).await.ok().stdout.is_empty());
    user.write("src/a/one.txt", b"a longer body than before");
    let changed = user.run(&["--json", "sync", "--exclude", "tmp/**", &src, &www]).await.ok();
    assert_eq!(changed.field("destination"), [format!("{www}a/one.txt")]);

    // --delete does exactly what its dry run printed.
    std::fs::remove_file(user.home.path().join("src/a/two.txt")).unwrap();
    let dry = user.run(&["--json", "--dry-run", "sync", "--delete", "--exclude", "tmp/**", &src, &www]).await.ok();
    assert_eq!(dry.field("target"), [format!("{www}a/two.txt")]);
    let real = user.run(&["--json", "sync", "--delete", "--exclude", "tmp/**", &src, &www]).await.ok();
    assert_eq!(real.field("target"), dry.field("target"));

    // Down, then a local extra removed by --delete; bucket to bucket.
    let mirror = user.path("mirror");
    assert_eq!(user.run(&["--json", "sync", &www, &mirror]).await.ok().json().len(), 2);
    assert_eq!(std::fs::read(user.home.path().join("mirror/a/one.txt")).unwrap(), b"a longer body than before");
    assert!(user.run(&["--json", "sync", &www, &mirror]).await.ok().stdout.is_empty());
    user.write("mirror/extra.txt", b"x");
    let cleaned = user.run(&["--json", "sync", "--delete", &www, &mirror]).await.ok();
    assert_eq!(cleaned.field("operation"), ["delete"]);
    assert!(!user.home.path().join("mirror/extra.txt").exists());
    let across = user.run(&["--json", "sync", &www, &format!("{root}/copy/")]).await.ok();
    assert_eq!(across.json().len(), 2);

    // A pipe longer than one part is a multipart upload; ls -l shows its ETag and class.
    user.run_with_stdin(&["--part-size", "5", "pipe", &format!("{root}/big.bin")], pattern(12 << 20, 7)).await.ok();
    let long = user.run(&["ls", "-l", "-H", &format!("{root}/big.bin")]).await.ok().stdout;
    assert!(long.contains("12.0 MiB") && long.contains("-3\"") && long.contains("STANDARD"), "{long}");

    // mv prints each move and leaves only the destination.
    let moved = user.run(&["--json", "mv", "-r", &www, &format!("{root}/old/")]).await.ok();
    assert_eq!(moved.field("destination"), [format!("{root}/old/a/one.txt"), format!("{root}/old/index.html")]);
    let keys = user.run(&["--json", "ls", "-r", &root]).await.ok().field("key");
    assert!(keys.iter().all(|k| !k.contains("/www/")), "{keys:?}");

    user.run(&["rm", "-r", &format!("{root}/")]).await.ok();
    let removed = user.run(&["--json", "rb", &root]).await.ok().json();
    assert_eq!(removed[0]["operation"], "rb");
    assert!(!user.run(&["--json", "buckets"]).await.ok().field("name").contains(&bucket));
}

#[tokio::test(flavor = "multi_thread")]
async fn rm_recursive_takes_folder_markers_too() {
    let Some(server) = radosgw() else { return };
    let user = User::new(&server.endpoint, &server.access_key, &server.secret_key);
    let bucket = unique_bucket("cli-markers");
    let root = format!("cos://{bucket}");
    user.run(&["mb", &root]).await.ok();
    user.write("f.txt", b"f");
    user.run(&["cp", &user.path("f.txt"), &format!("{root}/dir/f.txt")]).await.ok();
    // A folder marker, as consoles make them: without it gone, the bucket could not be removed.
    user.run(&["api", "PutObject", "--input", &format!(r#"{{"Bucket": "{bucket}", "Key": "dir/sub/"}}"#)]).await.ok();
    let removed = user.run(&["--json", "rm", "-r", &format!("{root}/dir/")]).await.ok();
    let mut targets = removed.field("target");
    targets.sort();
    assert_eq!(targets, [format!("{root}/dir/f.txt"), format!("{root}/dir/sub/")]);
    user.run(&["rb", &root]).await.ok();
}
