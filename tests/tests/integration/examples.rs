//! cos-sdk's topic examples (`cos-sdk/examples/`) run end to end as a user would run them against COS:
//! the built binary, with the settings in its environment. The S3 ones run against the embedded s3s
//! server; the IBM ones (service credential, archive and restore, retention) against the IBM fixture,
//! with a service credential file whose API key the IAM fixture exchanges for bearer tokens.

use std::path::PathBuf;
use std::process::Command;

use cos_sdk_tests::iam_server::{IamBehavior, IamServer, GOOD_API_KEY};
use cos_sdk_tests::ibm_fixture::IbmFixture;
use cos_sdk_tests::s3s_server::{S3sServer, ACCESS_KEY, SECRET_KEY};
use cos_sdk_tests::temp::TempDir;

/// Where cargo put the example binaries: `target/<profile>/examples`, beside this test's `deps`.
fn example(name: &str) -> Option<PathBuf> {
    let exe = std::env::current_exe().ok()?;
    let path = exe.parent()?.parent()?.join("examples").join(format!("{name}{}", std::env::consts::EXE_SUFFIX));
    path.exists().then_some(path)
}

/// The built examples, or `None` (with the reason printed) when this run did not build them.
fn examples(names: &[&str]) -> Option<Vec<PathBuf>> {
    let paths = names.iter().map(|n| example(n)).collect::<Option<Vec<_>>>();
    if paths.is_none() {
        // `cargo test --workspace` (and `cargo xtask test`) builds them; a test run of this crate alone does not.
        assert!(std::env::var("CI").is_err(), "the examples are not built; run `cargo xtask test`");
        eprintln!("skipped: cos-sdk's examples are not built (run `cargo test --workspace`)");
    }
    paths
}

/// Runs one example with exactly `env` (and `HOME`) and returns what it printed; it must succeed and
/// say it is done.
async fn run(name: &str, path: PathBuf, home: &TempDir, env: &[(&str, String)]) -> String {
    let mut command = Command::new(&path);
    command.env_clear().env("HOME", home.path()).envs(env.iter().map(|(k, v)| (k, v)));
    // The servers answer on this runtime while the example runs on a blocking thread.
    let output = tokio::task::spawn_blocking(move || command.output()).await.unwrap().unwrap();
    let text = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    assert!(output.status.success(), "{name} failed:\n{text}");
    assert!(text.contains(&format!("{name} example: done")), "{name}:\n{text}");
    text
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn topic_examples_run_against_a_real_server() {
    let names = ["pagination", "errors", "presigned", "transfer_progress"];
    let Some(paths) = examples(&names) else { return };
    let server = S3sServer::start().await;
    let home = TempDir::new("examples-home");
    let env = [
        ("COS_ENDPOINT", server.url()),
        ("AWS_ACCESS_KEY_ID", ACCESS_KEY.to_string()),
        ("AWS_SECRET_ACCESS_KEY", SECRET_KEY.to_string()),
    ];
    for (name, path) in names.iter().zip(paths) {
        run(name, path, &home, &env).await;
    }
}

#[tokio::test]
async fn the_quickstart_embeds_a_server_when_nothing_is_configured() {
    let Some(mut paths) = examples(&["quickstart"]) else { return };
    let home = TempDir::new("examples-quickstart-home");
    let mut command = Command::new(paths.remove(0));
    command.env_clear().env("HOME", home.path()).env("TMPDIR", home.path());
    let output = tokio::task::spawn_blocking(move || command.output()).await.unwrap().unwrap();
    let text = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    assert!(output.status.success() && text.contains("quickstart: every step succeeded"), "{text}");
    assert!(text.contains("started an embedded S3 server") && text.contains("fetched 20 bytes without credentials"), "{text}");
    assert_eq!(std::fs::read_dir(home.path()).unwrap().count(), 0, "the quickstart left files behind");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ibm_examples_run_with_a_service_credential() {
    let names = ["service_credential", "archive_restore", "retention"];
    let Some(paths) = examples(&names) else { return };
    const INSTANCE: &str = "crn:v1:bluemix:public:cloud-object-storage:global:a/examples:instance::";
    let iam = IamServer::start(IamBehavior::Issue { expires_in: 3600, delay: std::time::Duration::ZERO }).await;
    let fixture = IbmFixture::start("token-1", INSTANCE).await;
    let home = TempDir::new("examples-ibm-home");
    let credential = serde_json::json!({"apikey": GOOD_API_KEY, "resource_instance_id": INSTANCE, "iam_apikey_name": "examples"});
    let file = home.write("cos_credentials.json", credential.to_string().as_bytes());
    let env = [
        ("COS_CREDENTIALS_FILE", file.display().to_string()),
        ("IBM_AUTH_ENDPOINT", iam.token_url()),
        ("COS_ENDPOINT", fixture.endpoint()),
        // The fixtures speak plain http on 127.0.0.1; the SDK refuses that for secrets unless told.
        ("COS_ALLOW_HTTP", "1".to_string()),
    ];
    let mut printed = Vec::new();
    for (name, path) in names.iter().zip(paths) {
        // Each run is a new process with a new token; the fixture takes the one IAM issues next.
        fixture.set_token(&format!("token-{}", iam.issued() + 1));
        printed.push(run(name, path, &home, &env).await);
    }
    assert_eq!(iam.issued(), names.len(), "one token per run, no more");
    assert!(!printed.iter().any(|text| text.contains(GOOD_API_KEY)), "an example printed the API key");
    let (credential, archive, retention) = (&printed[0], &printed[1], &printed[2]);
    assert!(credential.contains("an API key") && credential.contains(INSTANCE) && credential.contains("include ours: true"), "{credential}");
    assert!(archive.contains("storage class: Some(\"ACCELERATED\")") && archive.contains("GET before a restore: InvalidObjectState"), "{archive}");
    assert!(archive.contains("ongoing-request=\"true\"") && archive.contains("ongoing-request=\"false\""), "{archive}");
    assert!(retention.contains("delete refused: HTTP Some(451) AccessDenied") && retention.contains("legal holds: [\"case-4711\"]"), "{retention}");
}
