//! The object commands against the embedded server: what each prints in JSON, what it changed, and
//! that `--dry-run` changes nothing.

use crate::harness::{files_below, pattern, User};
use cos_sdk_tests::s3s_server::S3sServer;

#[tokio::test(flavor = "multi_thread")]
async fn objects_round_trip_through_every_command() {
    let server = S3sServer::start().await;
    let user = User::of(&server);
    user.run(&["mb", "cos://photos"]).await.ok();

    // Upload a directory: keys are relative to it, below the destination prefix.
    user.write("site/index.html", b"<h1>hi</h1>");
    user.write("site/css/a.css", pattern(3000, 1));
    user.write("site/img/b.bin", pattern(70_000, 2));
    let up = user.run(&["--json", "cp", "-r", &user.path("site"), "cos://photos/web/"]).await.ok();
    assert_eq!(
        up.field("destination"),
        ["cos://photos/web/css/a.css", "cos://photos/web/img/b.bin", "cos://photos/web/index.html"]
    );
    assert_eq!(std::fs::read(server.object_path("photos", "web/img/b.bin")).unwrap(), pattern(70_000, 2));

    // ls: one level (a directory row and one object), and recursive.
    let ls = user.run(&["--json", "ls", "cos://photos/web/"]).await.ok();
    assert_eq!(ls.field("prefix"), ["cos://photos/web/css/", "cos://photos/web/img/"]);
    assert_eq!(ls.field("key"), ["cos://photos/web/index.html"]);
    let all = user.run(&["--json", "ls", "-r", "cos://photos/"]).await.ok();
    assert_eq!(all.json().iter().map(|v| v["size"].as_u64().unwrap()).sum::<u64>(), 11 + 3000 + 70_000);
    let human = user.run(&["ls", "-H", "-r", "cos://photos/web/img/"]).await.ok();
    assert!(
        human.stdout.contains("68.4 KiB") && human.stdout.contains("cos://photos/web/img/b.bin"),
        "{}",
        human.stdout
    );
    let buckets = user.run(&["--json", "ls"]).await.ok();
    assert_eq!(buckets.field("name"), ["photos"]);

    // Wildcards: `*` stays within a level, `**` crosses levels.
    let star = user.run(&["--json", "ls", "cos://photos/web/*.html"]).await.ok();
    assert_eq!(star.field("key"), ["cos://photos/web/index.html"]);
    let deep = user.run(&["--json", "ls", "cos://photos/web/**/*.bin"]).await.ok();
    assert_eq!(deep.field("key"), ["cos://photos/web/img/b.bin"]);

    // du, stat, cat and a range of it.
    // `?` is one character and `[...]` a class, within a level.
    let one = user.run(&["--json", "ls", "cos://photos/web/???/?.css"]).await.ok();
    assert_eq!(one.field("key"), ["cos://photos/web/css/a.css"]);
    let class = user.run(&["--json", "ls", "cos://photos/web/[ci]*/[ab].*"]).await.ok();
    assert_eq!(class.field("key"), ["cos://photos/web/css/a.css", "cos://photos/web/img/b.bin"]);
    assert_eq!(user.run(&["--json", "ls", "cos://photos/web/[!ci]*/*"]).await.code, 1, "a class that matches nothing");

    // du, stat (and its alias head), cat and a range of it.
    let du = user.run(&["--json", "du", "cos://photos/web/"]).await.ok().json();
    assert_eq!((du[0]["size"].as_u64(), du[0]["count"].as_u64()), (Some(73_011), Some(3)));
    let du_human = user.run(&["du", "-H", "cos://photos/web/"]).await.ok().stdout;
    assert!(du_human.contains("71.3 KiB") && du_human.contains('3'), "{du_human}");
    let stat = user.run(&["--json", "stat", "cos://photos/web/css/a.css"]).await.ok().json();
    assert_eq!(stat[0]["ContentLength"], 3000);
    assert!(stat[0]["ETag"].as_str().unwrap().starts_with('"'));
    assert_eq!(user.run(&["--json", "head", "cos://photos/web/css/a.css"]).await.ok().json(), stat);
    let cat = user.run(&["cat", "cos://photos/web/index.html"]).await.ok();
    assert_eq!(cat.stdout, "<h1>hi</h1>");
    let part = user.run(&["cat", "--range", "4-5", "cos://photos/web/index.html"]).await.ok();
    assert_eq!(part.stdout, "hi");

    // Download with a wildcard: names relative to the pattern's directory; the file's time is the object's.
    let down = user.run(&["--json", "cp", "cos://photos/web/**", &user.path("copy/")]).await.ok();
    assert_eq!(down.json().len(), 3);
    assert_eq!(files_below(&user.home.path().join("copy")), ["css/a.css", "img/b.bin", "index.html"]);
    assert_eq!(std::fs::read(user.home.path().join("copy/img/b.bin")).unwrap(), pattern(70_000, 2));
    let object_time = stat_time(&user, "cos://photos/web/img/b.bin").await;
    let file_time = std::fs::metadata(user.home.path().join("copy/img/b.bin")).unwrap().modified().unwrap();
    assert_eq!(file_time.duration_since(std::time::UNIX_EPOCH).unwrap().as_secs(), object_time);

    // pipe: stdin to an object.
    let piped =
        user.run_with_stdin(&["--json", "pipe", "cos://photos/stdin.bin"], pattern(100_000, 3)).await.ok().json();
    assert_eq!(piped[0]["size"], 100_000);
    assert_eq!(std::fs::read(server.object_path("photos", "stdin.bin")).unwrap(), pattern(100_000, 3));

    // Server-side copy, then mv, which removes the source.
    user.run(&["cp", "cos://photos/stdin.bin", "cos://photos/copies/"]).await.ok();
    user.run(&["mv", "cos://photos/copies/stdin.bin", "cos://photos/moved.bin"]).await.ok();
    let moved = user.run(&["--json", "ls", "-r", "cos://photos/"]).await.ok().field("key");
    assert!(
        moved.contains(&"cos://photos/moved.bin".to_string()) && !moved.iter().any(|k| k.contains("copies/")),
        "{moved:?}"
    );

    // presign: a URL with a signature.
    let url = user.run(&["presign", "--expires", "600", "cos://photos/moved.bin"]).await.ok().stdout;
    assert!(
        url.starts_with(&server.url()) && url.contains("X-Amz-Signature=") && url.contains("X-Amz-Expires=600"),
        "{url}"
    );
    // The URL works without credentials.
    let fetch = "import sys, urllib.request; sys.stdout.buffer.write(urllib.request.urlopen(sys.argv[1]).read())";
    let link = url.trim().to_string();
    let fetched = tokio::task::spawn_blocking(move || {
        std::process::Command::new("python3").args(["-c", fetch, &link]).output().unwrap()
    })
    .await
    .unwrap();
    assert!(fetched.stdout == pattern(100_000, 3), "{}", String::from_utf8_lossy(&fetched.stderr));
    // presign --put: a URL that uploads without credentials.
    let put = user.run(&["--json", "presign", "--put", "cos://photos/by-url.txt"]).await.ok().json();
    assert_eq!(put[0]["method"], "PUT");
    let link = put[0]["url"].as_str().unwrap().to_string();
    let upload = "import sys, urllib.request; urllib.request.urlopen(urllib.request.Request(sys.argv[1], data=b'sent by url', method='PUT'))";
    let sent = tokio::task::spawn_blocking(move || {
        std::process::Command::new("python3").args(["-c", upload, &link]).output().unwrap()
    })
    .await
    .unwrap();
    assert!(sent.status.success(), "{}", String::from_utf8_lossy(&sent.stderr));
    assert_eq!(std::fs::read(server.object_path("photos", "by-url.txt")).unwrap(), b"sent by url");
}

#[tokio::test(flavor = "multi_thread")]
async fn rm_deletes_exactly_what_its_dry_run_printed() {
    let server = S3sServer::start().await;
    let user = User::of(&server);
    user.run(&["mb", "cos://logs"]).await.ok();
    for i in 0..30 {
        user.write(&format!("l/2023/{i:02}.gz"), b"x");
        user.write(&format!("l/2024/{i:02}.gz"), b"y");
    }
    user.write("l/2023/keep.txt", b"k");
    user.run(&["cp", "-r", &user.path("l"), "cos://logs/"]).await.ok();
    let before = user.run(&["--json", "ls", "-r", "cos://logs/"]).await.ok().field("key");
    assert_eq!(before.len(), 61);

    let dry = user.run(&["--json", "--dry-run", "rm", "cos://logs/2023/*.gz"]).await.ok();
    assert!(dry.json().iter().all(|v| v["dry_run"] == true));
    assert_eq!(
        user.run(&["--json", "ls", "-r", "cos://logs/"]).await.ok().field("key"),
        before,
        "a dry run changed something"
    );

    let real = user.run(&["--json", "rm", "cos://logs/2023/*.gz"]).await.ok();
    assert_eq!(real.field("target"), dry.field("target"));
    assert_eq!(real.json().len(), 30);
    let after = user.run(&["--json", "ls", "-r", "cos://logs/"]).await.ok().field("key");
    assert_eq!(after.len(), 31);
    assert!(after.contains(&"cos://logs/2023/keep.txt".to_string()));

    // A prefix without --recursive is a usage error; with it, everything goes.
    assert_eq!(user.run(&["rm", "cos://logs/2024/"]).await.code, 2);
    user.run(&["rm", "-r", "cos://logs/"]).await.ok();
    assert!(user.run(&["--json", "ls", "-r", "cos://logs/"]).await.ok().stdout.is_empty());
    user.run(&["rb", "cos://logs"]).await.ok();
    assert!(user.run(&["--json", "ls"]).await.ok().field("name").is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn exit_codes_and_errors() {
    let server = S3sServer::start().await;
    let user = User::of(&server);
    user.run(&["mb", "cos://bkt"]).await.ok();
    // Usage errors: 2.
    assert_eq!(user.run(&["cp", "a", "b"]).await.code, 2);
    assert_eq!(user.run(&["frobnicate"]).await.code, 2);
    assert_eq!(user.run(&["cat", "cos://bkt/x", "--range", "oops"]).await.code, 2);
    assert_eq!(user.run(&["api", "NoSuchOperation"]).await.code, 2);
    // A failed operation: 1, with the reason.
    let missing = user.run(&["cat", "cos://bkt/missing"]).await;
    assert_eq!(missing.code, 1);
    assert!(missing.stderr.contains("NoSuchKey") || missing.stderr.contains("not found"), "{}", missing.stderr);
    // Some of many failed: 1, each failure reported, the rest done, and a summary.
    user.write("ok.txt", b"fine");
    let run = user.run(&["--json", "cp", &user.path("ok.txt"), &user.path("absent.txt"), "cos://bkt/"]).await;
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stderr.contains("absent.txt"), "{}", run.stderr);
    assert!(server.object_path("bkt", "ok.txt").exists(), "the good source was not copied");
    let lines = run.json();
    assert_eq!(lines.len(), 2, "{}", run.stdout);
    assert!(lines.iter().any(|v| v["error"].as_str().is_some_and(|e| e.contains("absent.txt"))), "{}", run.stdout);
}

/// An object's LastModified in seconds since the epoch, as `cos ls` reports it.
async fn stat_time(user: &User, url: &str) -> u64 {
    let listed = user.run(&["--json", "ls", url]).await.ok().json();
    let text = listed[0]["last_modified"].as_str().unwrap().to_string();
    // `2026-11-30T04:05:06Z`: days from the civil date, then the time of day.
    let (y, m, d) =
        (text[0..4].parse::<i64>().unwrap(), text[5..7].parse::<i64>().unwrap(), text[8..10].parse::<i64>().unwrap());
    let (h, mi, se) = (
        text[11..13].parse::<i64>().unwrap(),
        text[14..16].parse::<i64>().unwrap(),
        text[17..19].parse::<i64>().unwrap(),
    );
    let (y, m) = if m <= 2 { (y - 1, m + 9) } else { (y, m - 3) };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * m + 2) / 5 + d - 1;
    let days = era * 146_097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719_468;
    (days * 86_400 + h * 3600 + mi * 60 + se) as u64
}

#[tokio::test(flavor = "multi_thread")]
async fn rm_and_du_go_page_by_page_over_many_keys() {
    let server = S3sServer::start().await;
    let mut user = User::of(&server);
    user.run(&["mb", "cos://many"]).await.ok();
    for i in 0..1200 {
        user.write(&format!("m/{i:04}"), b"x");
    }
    user.run(&["cp", "-r", &user.path("m"), "cos://many/m/"]).await.ok();
    let du = user.run(&["--json", "du", "cos://many/m"]).await.ok().json();
    assert_eq!((du[0]["count"].as_u64(), du[0]["size"].as_u64()), (Some(1200), Some(1200)));
    let listed = user.run(&["--json", "ls", "cos://many/m/*1"]).await.ok();
    assert_eq!(listed.json().len(), 120, "the pattern's listing spans two pages");
    // Through a real proxy, whose log shows each request: two listing pages, two DeleteObjects.
    let proxies = cos_sdk_tests::servers::proxies();
    if let Some(proxies) = &proxies {
        user.env.push(("http_proxy".to_string(), proxies.open.clone()));
    }
    let removed = user.run(&["--json", "rm", "-r", "cos://many/m/"]).await.ok();
    assert_eq!(removed.json().len(), 1200);
    assert!(user.run(&["--json", "ls", "-r", "cos://many/"]).await.ok().stdout.is_empty());
    if let Some(proxies) = proxies {
        let carried = proxies.carried(&server.authority());
        let deletes = carried.iter().filter(|r| r.starts_with("POST ") && r.contains("?delete")).count();
        assert_eq!(deletes, 2, "1,200 keys take two DeleteObjects requests of at most 1,000: {carried:#?}");
    }
}

/// Every directory (as `name/`) and file below `dir`, files with their bytes: a tree to compare before
/// and after a command (an empty bucket is an empty directory on the embedded server).
fn snapshot(dir: &std::path::Path) -> std::collections::BTreeMap<String, Vec<u8>> {
    let mut out = std::collections::BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            let name = path.strip_prefix(dir).unwrap().display().to_string();
            if path.is_dir() {
                out.insert(format!("{name}/"), Vec::new());
                stack.push(path);
            } else {
                out.insert(name, std::fs::read(&path).unwrap());
            }
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread")]
async fn every_changing_command_changes_nothing_with_dry_run() {
    let server = S3sServer::start().await;
    let user = User::of(&server);
    user.run(&["mb", "cos://dry"]).await.ok();
    user.run(&["mb", "cos://vacant"]).await.ok();
    user.write("src/a.txt", b"a");
    user.write("src/sub/b.txt", b"bb");
    user.run(&["cp", "-r", &user.path("src"), "cos://dry/"]).await.ok();
    user.write("src/new.txt", b"only local");
    user.write("down/extra.txt", b"only in the mirror");
    let script = user.write("cmds.txt", format!("cp {} cos://dry/x\nrm cos://dry/a.txt\n", user.path("src/new.txt")));
    let (remote, local) = (snapshot(server.root()), snapshot(user.home.path()));

    let new = user.path("src/new.txt");
    let (src, down) = (user.path("src"), user.path("down"));
    let commands: Vec<Vec<&str>> = vec![
        vec!["cp", &new, "cos://dry/new.txt"],
        vec!["cp", "-r", &src, "cos://dry/again/"],
        vec!["cp", "cos://dry/a.txt", &down],
        vec!["cp", "cos://dry/a.txt", "cos://dry/copy.txt"],
        vec!["mv", &new, "cos://dry/moved.txt"],
        vec!["mv", "cos://dry/a.txt", &down],
        vec!["mv", "-r", "cos://dry/sub/", "cos://vacant/"],
        vec!["rm", "-r", "cos://dry/"],
        vec!["pipe", "cos://dry/piped"],
        vec!["mb", "cos://another"],
        vec!["rb", "cos://vacant"],
        vec!["sync", &src, "cos://dry/"],
        vec!["sync", "--delete", "cos://dry/", &down],
        vec!["sync", "--delete", "cos://dry/", "cos://vacant/"],
        vec!["run", &script],
        vec!["api", "DeleteObject", "--input", r#"{"Bucket":"dry","Key":"a.txt"}"#],
    ];
    for args in commands {
        let line = [&["--json", "--dry-run"][..], &args].concat();
        let dry = user.run_with_stdin(&line, b"piped bytes".to_vec()).await.ok();
        let lines = dry.json();
        assert!(!lines.is_empty() && lines.iter().all(|v| v["dry_run"] == true), "{args:?}: {}", dry.stdout);
    }
    assert!(snapshot(server.root()) == remote, "a dry run changed the server's objects");
    assert!(snapshot(user.home.path()) == local, "a dry run changed local files");
}
