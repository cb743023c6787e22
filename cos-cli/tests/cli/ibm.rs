//! IBM's verbs against the IBM fixture, signed in through the IAM fixture with an API key from a
//! profile `cos configure` wrote.

use crate::harness::User;
use cos_sdk_tests::iam_server::{IamBehavior, IamServer, GOOD_API_KEY};
use cos_sdk_tests::ibm_fixture::{IbmFixture, ReplicationFailure};

const INSTANCE: &str = "crn:v1:bluemix:public:cloud-object-storage:global:a/cli:instance::";

#[tokio::test(flavor = "multi_thread")]
async fn ibm_verbs_against_the_fixture() {
    let iam = IamServer::start(IamBehavior::Issue { expires_in: 3600, delay: std::time::Duration::ZERO }).await;
    let fixture = IbmFixture::start("token-1", INSTANCE).await;
    let mut user = User::new("unused", "", "");
    user.env = vec![
        ("COS_ALLOW_HTTP".into(), "1".into()),
        ("IBM_AUTH_ENDPOINT".into(), iam.token_url()),
        ("API_KEY".into(), GOOD_API_KEY.into()),
    ];
    let configured = user
        .run(&[
            "--endpoint",
            &fixture.endpoint(),
            "--instance-id",
            INSTANCE,
            "configure",
            "--api-key-from-env",
            "API_KEY",
        ])
        .await
        .ok();
    assert!(!configured.stdout.contains(GOOD_API_KEY) && !configured.stderr.contains(GOOD_API_KEY));
    // Every run is a new process that signs in once; the fixture takes the token IAM issues next.
    let run = |args: Vec<String>| {
        fixture.set_token(&format!("token-{}", iam.issued() + 1));
        let user = &user;
        async move { user.run(&args.iter().map(String::as_str).collect::<Vec<_>>()).await }
    };
    let a = |s: &str| s.split_whitespace().map(str::to_string).collect::<Vec<_>>();

    // mb with Key Protect headers, buckets --extended.
    let crn = "crn:v1:bluemix:public:kms:us-south:a/x:key:root-1";
    run(vec!["mb".into(), "cos://vault".into(), "--kp-root-key-crn".into(), crn.into()]).await.ok();
    let create = fixture.requests().into_iter().rev().find(|r| r.method == "PUT").unwrap();
    assert_eq!(create.header("ibm-sse-kp-customer-root-key-crn"), Some(crn));
    assert_eq!(create.header("ibm-sse-kp-encryption-algorithm"), Some("AES256"));
    assert_eq!(create.header("ibm-service-instance-id"), Some(INSTANCE));
    let buckets = run(a("--json buckets --extended")).await.ok().json();
    assert!(buckets.iter().any(|b| b["name"] == "vault" && b["location_constraint"].is_string()), "{buckets:?}");
    // --instance-id on a command wins over the profile's.
    let other = "crn:v1:bluemix:public:cloud-object-storage:global:a/cli:other::";
    run(vec!["--instance-id".into(), other.into(), "buckets".into()]).await;
    let listing = fixture.requests().into_iter().next_back().unwrap();
    assert_eq!(listing.header("ibm-service-instance-id"), Some(other));

    // Protection, then an object under retention, extended; legal holds.
    run(a("protection set cos://vault --min-days 1 --default-days 2 --max-days 30")).await.ok();
    let protection = run(a("--json protection get cos://vault")).await.ok().json();
    assert_eq!(protection[0]["ProtectionConfiguration"]["DefaultRetention"]["Days"], 2);
    run(a("api PutObject --input {\"Bucket\":\"vault\",\"Key\":\"doc\",\"Body\":\"x\"}")).await.ok();
    run(a("retention extend cos://vault/doc --add-seconds 3600")).await.ok();
    let extend = fixture.requests().into_iter().rev().find(|r| r.has_query_param("extendRetention")).unwrap();
    assert_eq!(extend.header("additional-retention-period"), Some("3600"));
    assert_eq!(run(a("retention extend cos://vault/doc")).await.code, 2, "one way to extend is required");
    // The other three ways, each its own header.
    let until = cos_sdk::DateTime::from_secs(cos_sdk::DateTime::now().secs() + 10 * 86_400)
        .format(cos_sdk::TimestampFormat::Iso8601);
    for (way, value, header) in [
        ("--period", "400000", "new-retention-period"),
        ("--until", until.as_str(), "new-retention-expiration-date"),
        ("--from-now", "1000000", "extend-retention-from-current-time"),
    ] {
        run(vec!["retention".into(), "extend".into(), "cos://vault/doc".into(), way.into(), value.into()]).await.ok();
        let extend = fixture.requests().into_iter().rev().find(|r| r.has_query_param("extendRetention")).unwrap();
        assert!(extend.header(header).is_some(), "{way}: {:?}", extend.headers);
    }
    run(a("legal-hold add cos://vault/doc --id case-1")).await.ok();
    let holds = run(a("--json legal-hold ls cos://vault/doc")).await.ok().json();
    assert_eq!(holds[0]["LegalHolds"][0]["ID"], "case-1", "{holds:?}");
    run(a("legal-hold rm cos://vault/doc --id case-1")).await.ok();
    let holds = run(a("--json legal-hold ls cos://vault/doc")).await.ok().json();
    assert!(holds[0]["LegalHolds"].as_array().is_none_or(Vec::is_empty), "{holds:?}");

    // Archive rule, then restore with --wait (a restore takes 1 s on the fixture's clock).
    run(a("mb cos://cold")).await.ok();
    run(a("lifecycle archive cos://cold --days 0 --storage-class ACCELERATED")).await.ok();
    let rules = run(a("--json lifecycle get cos://cold")).await.ok().json();
    assert_eq!(rules[0]["Rules"][0]["Transitions"][0]["StorageClass"], "ACCELERATED");
    run(a("api PutObject --input {\"Bucket\":\"cold\",\"Key\":\"old\",\"Body\":\"archived\"}")).await.ok();
    assert_eq!(run(a("cat cos://cold/old")).await.code, 1, "an archived object cannot be read");
    let restored = run(a("--json restore cos://cold/old --days 1 --tier Accelerated --wait")).await.ok();
    assert!(restored.json().iter().any(|v| v["restored"] == true), "{}", restored.stdout);
    assert_eq!(run(a("cat cos://cold/old")).await.ok().stdout, "archived");
    // Without --wait the request is only made. --wait on a restore already running (409) waits for
    // it. A wait that runs out is a failure that says so: with no time at all it checks once, right
    // after asking, while the fixture's restore takes a second.
    for key in ["older", "oldest"] {
        let put = format!(r#"{{"Bucket":"cold","Key":"{key}","Body":"x"}}"#);
        run(vec!["api".into(), "PutObject".into(), "--input".into(), put]).await.ok();
    }
    let started = run(a("--json restore cos://cold/older --days 1")).await.ok().json();
    assert_eq!((started.len(), &started[0]["operation"]), (1, &serde_json::json!("restore")), "{started:?}");
    let joined = run(a("--json restore cos://cold/older --days 1 --wait")).await.ok().json();
    assert!(joined.iter().any(|v| v["restored"] == true), "{joined:?}");
    let impatient = run(a("restore cos://cold/oldest --days 1 --wait --wait-timeout 0")).await;
    assert_eq!(impatient.code, 1, "{}", impatient.stderr);
    assert!(impatient.stderr.contains("still being restored after 0 s"), "{}", impatient.stderr);

    // A second archive rule replaces the first and keeps the bucket's other rules.
    let expiry = r#"{"Bucket":"cold","LifecycleConfiguration":{"Rules":[{"ID":"expire","Status":"Enabled","Filter":{"Prefix":"tmp/"},"Expiration":{"Days":7}},{"ID":"old-archive","Status":"Enabled","Filter":{"Prefix":""},"Transitions":[{"Days":1,"StorageClass":"ACCELERATED"}]}]}}"#;
    run(vec!["api".into(), "PutBucketLifecycleConfiguration".into(), "--input".into(), expiry.into()]).await.ok();
    run(a("lifecycle archive cos://cold --days 30 --storage-class GLACIER")).await.ok();
    let rules = run(a("--json lifecycle get cos://cold")).await.ok().json();
    let ids: Vec<&str> = rules[0]["Rules"].as_array().unwrap().iter().filter_map(|r| r["ID"].as_str()).collect();
    assert_eq!(ids, ["expire", "archive-after-30-days"], "{rules:?}");
    assert_eq!(rules[0]["Rules"][1]["Transitions"][0]["StorageClass"], "GLACIER");

    // Uploads carry CRC32C by default, Content-MD5 when asked.
    let file = user.write("note.txt", b"a note");
    for (flag, header) in [("crc32c", "x-amz-checksum-crc32c"), ("md5", "content-md5")] {
        run(vec![
            "--checksum-algorithm".into(),
            flag.into(),
            "cp".into(),
            file.clone(),
            format!("cos://cold/note-{flag}"),
        ])
        .await
        .ok();
        let put = fixture.requests().into_iter().rev().find(|r| r.method == "PUT").unwrap();
        assert!(put.header(header).is_some(), "{flag}: {:?}", put.headers);
    }

    // Replication failures.
    let now = std::time::SystemTime::now();
    let failure = ReplicationFailure {
        key: "lost.txt".into(),
        version_id: "v1".into(),
        sync_type: "PUT".into(),
        first_sync_attempted: now,
        last_sync_attempted: now,
        sync_failure_cause: Some("destination unreachable".into()),
    };
    fixture.seed_replication_failure("vault", failure);
    let failures = run(a("--json replication failures cos://vault")).await.ok().json();
    assert_eq!(failures.len(), 1);
    assert_eq!(failures[0]["Key"], "lost.txt");

    // --dry-run of every changing verb sends nothing but reads, and the state stays as it was.
    let before = fixture.requests().len();
    for line in [
        "--dry-run protection set cos://cold --min-days 1 --default-days 1 --max-days 1",
        "--dry-run retention extend cos://vault/doc --add-seconds 60",
        "--dry-run legal-hold add cos://vault/doc --id case-2",
        "--dry-run legal-hold rm cos://vault/doc --id case-2",
        "--dry-run lifecycle archive cos://cold --days 5 --storage-class ACCELERATED",
        "--dry-run restore cos://cold/older --days 3 --wait",
        "--dry-run mb cos://never --kp-root-key-crn crn:v1:x",
        "--dry-run rb cos://cold",
    ] {
        let dry = run(a(line)).await.ok();
        assert!(dry.stdout.contains("dry run"), "{line}: {}", dry.stdout);
    }
    let sent: Vec<String> = fixture.requests()[before..].iter().map(|r| r.method.clone()).collect();
    assert!(sent.iter().all(|m| m == "GET" || m == "HEAD"), "a dry run changed something: {sent:?}");
    let rules = run(a("--json lifecycle get cos://cold")).await.ok().json();
    assert_eq!(rules[0]["Rules"][1]["Transitions"][0]["StorageClass"], "GLACIER");
    assert!(run(a("--json buckets")).await.ok().json().iter().all(|b| b["name"] != "never"));

    // A typed http:// endpoint alone does not let the API key and tokens travel over plain http:
    // COS_ALLOW_HTTP=1 says so, as for the SDK.
    let issued = iam.issued();
    user.env.retain(|(name, _)| name != "COS_ALLOW_HTTP");
    let refused = user.run(&["--endpoint", &fixture.endpoint(), "buckets"]).await;
    assert_eq!(refused.code, 1, "{}", refused.stderr);
    assert!(refused.stderr.contains("COS_ALLOW_HTTP"), "{}", refused.stderr);
    assert_eq!(iam.issued(), issued, "the API key went out over plain http");
}
