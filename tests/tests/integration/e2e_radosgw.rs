//! End to end against Ceph's radosgw, the strictest S3 server available locally: versioning, object
//! lock with retention enforced, legal holds, tagging, CORS, lifecycle transitions to GLACIER that
//! actually run, and SigV4 refusals (wrong secret, tampered payload). Started by `tests/servers/run.sh`.

use std::time::{Duration, SystemTime};

use cos_sdk::types::{
    BucketLifecycleConfiguration, BucketVersioningStatus, CORSConfiguration, CORSRule, ExpirationStatus,
    LifecycleRule, LifecycleRuleFilter, ObjectLockLegalHold, ObjectLockLegalHoldStatus, ObjectLockMode, StorageClass,
    Tag, Tagging, Transition, TransitionStorageClass, VersioningConfiguration,
};
use cos_sdk::{ByteStream, Client, Config, Credentials, DateTime, RetryConfig};
use cos_sdk_tests::servers::{radosgw, unique_bucket, ServerEnv};

fn client(env: &ServerEnv, secret: &str) -> Client {
    let config = Config::builder()
        .endpoint_url(&env.endpoint)
        .credentials(Credentials::hmac(&env.access_key, secret))
        .retry(RetryConfig::disabled())
        .build()
        .unwrap();
    Client::new(&config).unwrap()
}

#[tokio::test]
async fn versioning_and_list_object_versions() {
    let Some(env) = radosgw() else { return };
    let client = client(&env, &env.secret_key);
    let bucket = unique_bucket("versions");
    client.create_bucket().bucket(&bucket).send().await.unwrap();
    client
        .put_bucket_versioning()
        .bucket(&bucket)
        .versioning_configuration(VersioningConfiguration::builder().status(BucketVersioningStatus::Enabled).build())
        .send()
        .await
        .unwrap();
    let status = client.get_bucket_versioning().bucket(&bucket).send().await.unwrap().status;
    assert_eq!(status, Some(BucketVersioningStatus::Enabled));
    let key = "doc with spaces+plus.txt";
    let v1 = client.put_object().bucket(&bucket).key(key).body(ByteStream::from("one")).send().await.unwrap().version_id.unwrap();
    let v2 = client.put_object().bucket(&bucket).key(key).body(ByteStream::from("two")).send().await.unwrap().version_id.unwrap();
    assert_ne!(v1, v2);
    let old = client.get_object().bucket(&bucket).key(key).version_id(&v1).send().await.unwrap();
    assert_eq!(old.body.collect().await.unwrap(), "one");
    client.delete_object().bucket(&bucket).key(key).send().await.unwrap();
    let listing = client.list_object_versions().bucket(&bucket).send().await.unwrap();
    let versions = listing.versions.unwrap_or_default();
    assert_eq!(versions.len(), 2);
    assert!(versions.iter().all(|v| v.key.as_deref() == Some(key)), "keys are URL-decoded exactly: {versions:?}");
    let markers = listing.delete_markers.unwrap_or_default();
    assert_eq!(markers.len(), 1);
    for v in [v1, v2, markers[0].version_id.clone().unwrap()] {
        client.delete_object().bucket(&bucket).key(key).version_id(v).send().await.unwrap();
    }
    client.delete_bucket().bucket(&bucket).send().await.unwrap();
}

#[tokio::test]
async fn object_lock_retention_and_legal_hold_are_enforced() {
    let Some(env) = radosgw() else { return };
    let client = client(&env, &env.secret_key);
    let bucket = unique_bucket("locked");
    client.create_bucket().bucket(&bucket).object_lock_enabled_for_bucket(true).send().await.unwrap();
    let until = DateTime::from(SystemTime::now() + Duration::from_secs(3600));
    let put = client
        .put_object()
        .bucket(&bucket)
        .key("retained")
        .object_lock_mode(ObjectLockMode::Governance)
        .object_lock_retain_until_date(until)
        .body(ByteStream::from("keep me"))
        .send()
        .await
        .unwrap();
    let version = put.version_id.unwrap();
    let head = client.head_object().bucket(&bucket).key("retained").send().await.unwrap();
    assert_eq!(head.object_lock_mode, Some(ObjectLockMode::Governance));
    assert_eq!(head.object_lock_retain_until_date.map(|d| d.secs()), Some(until.secs()));
    let err = client.delete_object().bucket(&bucket).key("retained").version_id(&version).send().await.unwrap_err();
    assert_eq!(err.code(), Some("AccessDenied"), "{err}");

    let held = client.put_object().bucket(&bucket).key("held").body(ByteStream::from("evidence")).send().await.unwrap();
    let held_version = held.version_id.unwrap();
    let on = ObjectLockLegalHold::builder().status(ObjectLockLegalHoldStatus::On).build();
    client.put_object_legal_hold().bucket(&bucket).key("held").legal_hold(on).send().await.unwrap();
    let status = client.get_object_legal_hold().bucket(&bucket).key("held").send().await.unwrap();
    assert_eq!(status.legal_hold.and_then(|h| h.status), Some(ObjectLockLegalHoldStatus::On));
    let err = client.delete_object().bucket(&bucket).key("held").version_id(&held_version).send().await.unwrap_err();
    assert_eq!(err.code(), Some("AccessDenied"), "{err}");
    let off = ObjectLockLegalHold::builder().status(ObjectLockLegalHoldStatus::Off).build();
    client.put_object_legal_hold().bucket(&bucket).key("held").legal_hold(off).send().await.unwrap();
    client.delete_object().bucket(&bucket).key("held").version_id(&held_version).send().await.unwrap();

    // Governance retention can be bypassed explicitly; then the bucket can go.
    client.delete_object().bucket(&bucket).key("retained").version_id(&version).bypass_governance_retention(true).send().await.unwrap();
    let left = client.list_object_versions().bucket(&bucket).send().await.unwrap();
    for m in left.delete_markers.unwrap_or_default() {
        client.delete_object().bucket(&bucket).key(m.key.unwrap()).version_id(m.version_id.unwrap()).send().await.unwrap();
    }
    client.delete_bucket().bucket(&bucket).send().await.unwrap();
}

#[tokio::test]
async fn tagging_and_cors_round_trip() {
    let Some(env) = radosgw() else { return };
    let client = client(&env, &env.secret_key);
    let bucket = unique_bucket("tags");
    client.create_bucket().bucket(&bucket).send().await.unwrap();
    client.put_object().bucket(&bucket).key("o").body(ByteStream::from("x")).send().await.unwrap();
    let tags = vec![
        Tag::builder().key("team").value("storage").build().unwrap(),
        Tag::builder().key("note").value("a & b <c>").build().unwrap(),
    ];
    client.put_object_tagging().bucket(&bucket).key("o").tagging(Tagging::builder().set_tag_set(Some(tags.clone())).build().unwrap()).send().await.unwrap();
    let mut got = client.get_object_tagging().bucket(&bucket).key("o").send().await.unwrap().tag_set;
    got.sort_by(|a, b| b.key.cmp(&a.key));
    assert_eq!(got, tags);

    let rule = CORSRule::builder()
        .allowed_methods("GET")
        .allowed_methods("PUT")
        .allowed_origins("https://example.com")
        .allowed_headers("*")
        .max_age_seconds(600)
        .build()
        .unwrap();
    client
        .put_bucket_cors()
        .bucket(&bucket)
        .cors_configuration(CORSConfiguration::builder().cors_rules(rule.clone()).build().unwrap())
        .send()
        .await
        .unwrap();
    let cors = client.get_bucket_cors().bucket(&bucket).send().await.unwrap();
    let got = cors.cors_rules.unwrap_or_default();
    assert_eq!(got.len(), 1);
    assert_eq!((&got[0].allowed_methods, &got[0].allowed_origins, got[0].max_age_seconds), (&rule.allowed_methods, &rule.allowed_origins, Some(600)));
    client.delete_object().bucket(&bucket).key("o").send().await.unwrap();
    client.delete_bucket().bucket(&bucket).send().await.unwrap();
}

#[tokio::test]
async fn lifecycle_transition_to_glacier_runs() {
    let Some(env) = radosgw() else { return };
    let client = client(&env, &env.secret_key);
    let bucket = unique_bucket("archive");
    client.create_bucket().bucket(&bucket).send().await.unwrap();
    client.put_object().bucket(&bucket).key("logs/old.txt").body(ByteStream::from("cold data")).send().await.unwrap();
    let rule = LifecycleRule::builder()
        .id("to-glacier")
        .status(ExpirationStatus::Enabled)
        .filter(LifecycleRuleFilter::builder().prefix("logs/").build())
        .transitions(Transition::builder().days(1).storage_class(TransitionStorageClass::Glacier).build())
        .build()
        .unwrap();
    client
        .put_bucket_lifecycle_configuration()
        .bucket(&bucket)
        .lifecycle_configuration(BucketLifecycleConfiguration::builder().rules(rule).build().unwrap())
        .send()
        .await
        .unwrap();
    let rules = client.get_bucket_lifecycle_configuration().bucket(&bucket).send().await.unwrap().rules.unwrap_or_default();
    assert_eq!(rules[0].transitions.as_ref().unwrap()[0].storage_class, Some(TransitionStorageClass::Glacier));
    // With `rgw lc debug interval = 10`, a lifecycle day is 10 seconds; radosgw scans every interval.
    let started = std::time::Instant::now();
    loop {
        let head = client.head_object().bucket(&bucket).key("logs/old.txt").send().await.unwrap();
        if head.storage_class == Some(StorageClass::Glacier) {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(150), "no transition after 150 s: {:?}", head.storage_class);
        tokio::time::sleep(Duration::from_secs(2)).await;
    }
    client.delete_object().bucket(&bucket).key("logs/old.txt").send().await.unwrap();
    client.delete_bucket().bucket(&bucket).send().await.unwrap();
}

#[tokio::test]
async fn wrong_secret_and_tampered_payload_are_refused() {
    let Some(env) = radosgw() else { return };
    let wrong = client(&env, "not-the-secret");
    let err = wrong.list_buckets().send().await.unwrap_err();
    assert!(err.to_string().contains("SignatureDoesNotMatch"), "{err}");

    let client = client(&env, &env.secret_key);
    let bucket = unique_bucket("tamper");
    client.create_bucket().bucket(&bucket).send().await.unwrap();
    // A proxy flips one byte of the body after signing: the payload hash no longer matches.
    let proxy = tamper_proxy(&env.endpoint).await;
    let through = Config::builder()
        .endpoint_url(&proxy)
        .credentials(Credentials::hmac(&env.access_key, &env.secret_key))
        .retry(RetryConfig::disabled())
        .build()
        .unwrap();
    let tampered = Client::new(&through).unwrap();
    let err = tampered.put_object().bucket(&bucket).key("t").body(ByteStream::from("payload to tamper with")).send().await.unwrap_err();
    assert!(matches!(err.code(), Some("XAmzContentSHA256Mismatch" | "BadDigest" | "SignatureDoesNotMatch")), "{err}");
    let err = client.head_object().bucket(&bucket).key("t").send().await.unwrap_err();
    assert_eq!(err.service_error().map(|e| e.status()), Some(404), "nothing was stored: {err}");
    client.delete_bucket().bucket(&bucket).send().await.unwrap();
}

/// A TCP proxy on 127.0.0.1 that forwards to `endpoint` and flips the last byte of each request that
/// has a body (the request is read whole: they are small here).
async fn tamper_proxy(endpoint: &str) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let target = endpoint.trim_start_matches("http://").to_string();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut inbound, _)) = listener.accept().await {
            let target = target.clone();
            tokio::spawn(async move {
                let mut request = Vec::new();
                let mut buf = [0u8; 8192];
                // Read headers, then as many body bytes as Content-Length says.
                let (head_end, length) = loop {
                    let n = inbound.read(&mut buf).await.unwrap_or(0);
                    if n == 0 {
                        return;
                    }
                    request.extend_from_slice(&buf[..n]);
                    if let Some(pos) = request.windows(4).position(|w| w == b"\r\n\r\n") {
                        let head = String::from_utf8_lossy(&request[..pos]).to_ascii_lowercase();
                        let length = head
                            .lines()
                            .find_map(|l| l.strip_prefix("content-length:").map(|v| v.trim().parse::<usize>().unwrap_or(0)))
                            .unwrap_or(0);
                        break (pos + 4, length);
                    }
                };
                while request.len() < head_end + length {
                    let n = inbound.read(&mut buf).await.unwrap_or(0);
                    if n == 0 {
                        return;
                    }
                    request.extend_from_slice(&buf[..n]);
                }
                if length > 0 {
                    let last = head_end + length - 1;
                    request[last] ^= 0x20;
                }
                let Ok(mut outbound) = tokio::net::TcpStream::connect(&target).await else { return };
                if outbound.write_all(&request).await.is_err() {
                    return;
                }
                let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
            });
        }
    });
    format!("http://{addr}")
}
