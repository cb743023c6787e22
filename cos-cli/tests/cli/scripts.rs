//! `api`, `run`, `configure` and `completions`.

use crate::harness::User;
use std::time::Duration;

use cos_sdk_tests::fault_server::{FaultServer, RecordedRequest, Reply};
use cos_sdk_tests::s3s_server::{S3sServer, ACCESS_KEY, SECRET_KEY};

#[tokio::test(flavor = "multi_thread")]
async fn api_calls_any_operation_with_json() {
    let server = S3sServer::start().await;
    let user = User::of(&server);
    let list = user.run(&["api", "--list"]).await.ok();
    assert_eq!(list.stdout.lines().count(), 81);
    assert!(list.stdout.lines().any(|l| l == "ListBucketsExtended"));
    // A template needs no server and parses as the operation's input.
    let skeleton: serde_json::Value = serde_json::from_str(
        &User::new("http://127.0.0.1:9", "x", "y").run(&["api", "PutObject", "--skeleton"]).await.ok().stdout,
    )
    .unwrap();
    assert!(
        skeleton["Bucket"].is_string() && skeleton["Metadata"].is_object() && skeleton["ContentLength"].is_number(),
        "{skeleton}"
    );

    user.run(&["api", "CreateBucket", "--input", r#"{"Bucket": "bkt"}"#]).await.ok();
    user.run(&[
        "api",
        "PutObject",
        "--input",
        r#"{"Bucket": "bkt", "Key": "k", "Body": "hello", "Metadata": {"m": "1"}}"#,
    ])
    .await
    .ok();
    user.write("in.json", br#"{"Bucket": "bkt", "Prefix": "k"}"#);
    let listed = user.run(&["--json", "api", "ListObjectsV2", "--input-file", &user.path("in.json")]).await.ok().json();
    assert_eq!(listed[0]["Contents"][0]["Key"], "k");
    assert_eq!(listed[0]["Contents"][0]["Size"], 5);
    let stdin = br#"{"Bucket": "bkt", "Prefix": "nothing-"}"#.to_vec();
    let none = user.run_with_stdin(&["--json", "api", "ListObjectsV2", "--input-file", "-"], stdin).await.ok().json();
    assert_eq!((none[0]["KeyCount"].as_u64(), none[0]["Prefix"].as_str()), (Some(0), Some("nothing-")));
    let head =
        user.run(&["--json", "api", "HeadObject", "--input", r#"{"Bucket": "bkt", "Key": "k"}"#]).await.ok().json();
    assert_eq!(head[0]["Metadata"]["m"], "1");
    // A service error: exit 1 and boto3's error form; bad JSON: exit 2.
    let missing = user.run(&["--json", "api", "GetObject", "--input", r#"{"Bucket": "bkt", "Key": "nope"}"#]).await;
    assert_eq!(missing.code, 1);
    let error: serde_json::Value = serde_json::from_str(missing.json()[0]["error"].as_str().unwrap()).unwrap();
    assert_eq!(error["Error"]["Code"], "NoSuchKey");
    assert_eq!(error["ResponseMetadata"]["HTTPStatusCode"], 404);
    assert_eq!(user.run(&["api", "ListObjectsV2", "--input", "{oops"]).await.code, 2);
    // --dry-run sends nothing.
    user.run(&["--dry-run", "api", "DeleteObject", "--input", r#"{"Bucket": "bkt", "Key": "k"}"#]).await.ok();
    assert!(server.object_path("bkt", "k").exists());
}

#[tokio::test(flavor = "multi_thread")]
async fn run_executes_a_file_of_commands_in_parallel() {
    let server = S3sServer::start().await;
    let user = User::of(&server);
    user.run(&["mb", "cos://batch"]).await.ok();
    let mut script = String::from("# uploads\n\n");
    for i in 0..40 {
        let file = user.write(&format!("f/{i}.txt"), format!("file {i}"));
        script.push_str(&format!("cp '{file}' cos://batch/up/{i}.txt\n"));
    }
    script.push_str("cp /nonexistent/file cos://batch/never\nnot-a-command\n");
    let file = user.write("commands.txt", &script);
    let run = user.run(&["--json", "run", &file]).await;
    assert_eq!(run.code, 1, "two lines fail: {}", run.stderr);
    let lines = run.json();
    assert_eq!(lines.iter().filter(|v| v["operation"] == "cp" && v.get("error").is_none()).count(), 40);
    assert_eq!(lines.iter().filter(|v| v.get("error").is_some()).count(), 2, "{}", run.stdout);
    // The summary at the end names both failures.
    let summary = run.stderr.split_once("2 of 42 operations failed:").map(|(_, rest)| rest).unwrap_or_default();
    assert!(summary.contains("/nonexistent/file") && summary.contains("not-a-command"), "{}", run.stderr);
    for i in [0, 17, 39] {
        assert_eq!(
            std::fs::read(server.object_path("batch", &format!("up/{i}.txt"))).unwrap(),
            format!("file {i}").as_bytes()
        );
    }
    // The same from stdin.
    let piped = user
        .run_with_stdin(&["--json", "run"], b"rm cos://batch/up/0.txt\nls cos://batch/up/1.txt\n".to_vec())
        .await
        .ok();
    assert_eq!(piped.json().len(), 2);
    assert!(!server.object_path("batch", "up/0.txt").exists());
}

#[tokio::test(flavor = "multi_thread")]
async fn run_sends_its_lines_at_once() {
    // Every answer waits two seconds, so lines run one after another would share one connection;
    // lines run at once need one connection each.
    let slow = |_: &RecordedRequest, _: usize| Reply::Delay(Duration::from_secs(2), Box::new(Reply::status(200, "")));
    let server = FaultServer::start(slow).await;
    let user = User::new(&server.url(), ACCESS_KEY, SECRET_KEY);
    let script: String = (0..8).map(|i| format!("stat cos://b/k{i}\n")).collect();
    let ran = user.run_with_stdin(&["--json", "run"], script.into_bytes()).await.ok();
    assert_eq!(ran.json().len(), 8, "{}", ran.stdout);
    let connections: std::collections::HashSet<usize> = server.requests().iter().map(|r| r.connection).collect();
    assert_eq!(connections.len(), 8, "the eight lines did not all run at once");
}

#[tokio::test(flavor = "multi_thread")]
async fn configure_writes_a_profile_the_next_command_uses() {
    let server = S3sServer::start().await;
    // No credentials or endpoint in the environment: only what `configure` writes.
    let mut user = User::new("unused", "", "");
    // A credentials file that exists, readable by others: configure must tighten it.
    let existing = user.write(".aws/credentials", "[keep]\naws_access_key_id = k\naws_secret_access_key = s\n");
    #[cfg(unix)]
    std::fs::set_permissions(&existing, std::os::unix::fs::PermissionsExt::from_mode(0o644)).unwrap();
    user.env = vec![("COS_ALLOW_HTTP".into(), "1".into()), ("THE_SECRET".into(), SECRET_KEY.into())];
    let url = server.url();
    let configure = [
        "--profile",
        "work",
        "--endpoint",
        &url,
        "configure",
        "--access-key-id",
        ACCESS_KEY,
        "--secret-from-env",
        "THE_SECRET",
    ];
    let dry = user.run(&[&["--dry-run"], &configure[..]].concat()).await.ok();
    assert!(
        dry.stdout.contains("(dry run)") && !user.home.path().join(".aws/config").exists(),
        "a dry run wrote: {}",
        dry.stdout
    );
    let out = user.run(&configure).await.ok();
    assert!(!out.stdout.contains(SECRET_KEY) && !out.stderr.contains(SECRET_KEY));
    let credentials = std::fs::read_to_string(user.home.path().join(".aws/credentials")).unwrap();
    assert!(credentials.contains("[work]") && credentials.contains(SECRET_KEY));
    assert!(credentials.contains("[keep]\naws_access_key_id = k"), "another profile was lost: {credentials}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(user.home.path().join(".aws/credentials")).unwrap().permissions().mode();
        assert_eq!(mode & 0o077, 0, "the credentials file is readable by others");
    }
    let config = std::fs::read_to_string(user.home.path().join(".aws/config")).unwrap();
    assert!(
        config.contains("[profile work]") && config.contains(&format!("endpoint_url = {}", server.url())),
        "{config}"
    );
    // The profile alone reaches the server: credentials and endpoint.
    user.run(&["--profile", "work", "mb", "cos://configured"]).await.ok();
    assert!(server.root().join("configured").is_dir());
    // --profile ranks above credential variables: a command meant for one account never runs with the
    // keys the environment holds for another (which the server refuses here).
    user.env
        .extend([("AWS_ACCESS_KEY_ID".into(), "AKID_OTHER".into()), ("AWS_SECRET_ACCESS_KEY".into(), "other".into())]);
    assert_eq!(user.run(&["--endpoint", &url, "mb", "cos://other-keys"]).await.code, 1);
    user.run(&["--profile", "work", "mb", "cos://profiled"]).await.ok();
    assert!(server.root().join("profiled").is_dir());
    user.env.retain(|(name, _)| !name.starts_with("AWS_"));
    // Secrets from stdin, for the default profile; then an unknown profile fails clearly.
    let typed = user.run_with_stdin(&["configure"], format!("{ACCESS_KEY}\n{SECRET_KEY}\n").into_bytes()).await.ok();
    assert!(!typed.stdout.contains(SECRET_KEY) && !typed.stderr.contains(SECRET_KEY), "a typed secret was echoed");
    assert!(std::fs::read_to_string(user.home.path().join(".aws/credentials")).unwrap().contains("[default]"));
    // --location and --endpoint-type make an IBM endpoint, in a profile and on any command.
    user.run(&[
        "--profile",
        "ibm",
        "--location",
        "us-south",
        "--endpoint-type",
        "private",
        "configure",
        "--access-key-id",
        ACCESS_KEY,
        "--secret-from-env",
        "THE_SECRET",
    ])
    .await
    .ok();
    let config = std::fs::read_to_string(user.home.path().join(".aws/config")).unwrap();
    assert!(
        config.contains("endpoint_url = https://s3.private.us-south.cloud-object-storage.appdomain.cloud"),
        "{config}"
    );
    let link =
        user.run(&["--location", "eu-de", "--endpoint-type", "direct", "presign", "cos://b/k"]).await.ok().stdout;
    assert!(link.starts_with("https://s3.direct.eu-de.cloud-object-storage.appdomain.cloud/b/k?"), "{link}");
    let unknown = user.run(&["--profile", "nope", "ls"]).await;
    assert_eq!(unknown.code, 1);
    assert!(unknown.stderr.contains("nope"), "{}", unknown.stderr);

    // A value with a line break, or a profile name with a bracket, would add sections of its own: refused,
    // and the files stay as they were.
    let before = std::fs::read_to_string(user.home.path().join(".aws/credentials")).unwrap();
    user.env.push(("INJECTED".into(), "sec\n[evil]\naws_access_key_id = X".into()));
    let injected = ["configure", "--access-key-id", ACCESS_KEY, "--secret-from-env", "INJECTED"];
    let refused = user.run(&injected).await;
    assert_eq!(refused.code, 2, "{}", refused.stderr);
    assert!(refused.stderr.contains("line break"), "{}", refused.stderr);
    let bracket = user
        .run(&[
            "--profile",
            "q]\nfoo = 1",
            "configure",
            "--access-key-id",
            ACCESS_KEY,
            "--secret-from-env",
            "THE_SECRET",
        ])
        .await;
    assert_eq!(bracket.code, 2, "{}", bracket.stderr);
    assert_eq!(std::fs::read_to_string(user.home.path().join(".aws/credentials")).unwrap(), before);
}

#[tokio::test(flavor = "multi_thread")]
async fn completions_for_each_shell() {
    let user = User::new("http://127.0.0.1:9", "x", "y");
    for (shell, marker) in [("bash", "complete -F"), ("zsh", "#compdef cos"), ("fish", "complete -c cos")] {
        let out = user.run(&["completions", shell]).await.ok();
        assert!(out.stdout.contains(marker) && out.stdout.contains("legal-hold"), "{shell}");
    }
    let commands = [
        "ls",
        "buckets",
        "cp",
        "mv",
        "rm",
        "cat",
        "pipe",
        "stat",
        "du",
        "mb",
        "rb",
        "presign",
        "sync",
        "run",
        "api",
        "protection",
        "retention",
        "legal-hold",
        "lifecycle",
        "restore",
        "replication",
        "configure",
        "completions",
    ];
    for command in commands {
        let help = user.run(&[command, "--help"]).await.ok();
        assert!(help.stdout.contains("Examples:") && help.stdout.contains(&format!("cos {command}")), "{command}");
    }
    let help = user.run(&["--help"]).await.ok();
    assert!(help.stdout.contains("Examples:") && help.stdout.contains("Exit codes"));
}
