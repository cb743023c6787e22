//! The GLACIER restore flow against moto's S3 server, the one local server that plays it. moto checks no
//! signatures, so nothing about signing is tested here.

use cos_sdk::types::{GlacierJobParameters, RestoreRequest, StorageClass, Tier};
use cos_sdk::{ByteStream, Client, Config, Credentials, RetryConfig};
use cos_sdk_tests::servers::{moto, unique_bucket};

#[tokio::test]
async fn archived_object_is_unreadable_until_restored() {
    let Some(env) = moto() else { return };
    let client = moto_client(&env);
    let bucket = unique_bucket("restore");
    client.create_bucket().bucket(&bucket).send().await.unwrap();
    client
        .put_object()
        .bucket(&bucket)
        .key("archived.txt")
        .storage_class(StorageClass::Glacier)
        .body(ByteStream::from("frozen"))
        .send()
        .await
        .unwrap();
    let err = client.get_object().bucket(&bucket).key("archived.txt").send().await.unwrap_err();
    assert_eq!(err.code(), Some("InvalidObjectState"), "{err}");
    assert!(client.head_object().bucket(&bucket).key("archived.txt").send().await.unwrap().restore.is_none());

    let request = RestoreRequest::builder()
        .days(1)
        .glacier_job_parameters(GlacierJobParameters::builder().tier(Tier::Accelerated).build().unwrap())
        .build()
        .unwrap();
    client.restore_object().bucket(&bucket).key("archived.txt").restore_request(request).send().await.unwrap();
    let head = client.head_object().bucket(&bucket).key("archived.txt").send().await.unwrap();
    let restore = head.restore.expect("x-amz-restore after RestoreObject");
    assert!(restore.contains("ongoing-request="), "{restore}");
    assert_eq!(head.storage_class, Some(StorageClass::Glacier));
    let body = client.get_object().bucket(&bucket).key("archived.txt").send().await.unwrap().body.collect().await.unwrap();
    assert_eq!(body, "frozen");
    client.delete_object().bucket(&bucket).key("archived.txt").send().await.unwrap();
    client.delete_bucket().bucket(&bucket).send().await.unwrap();
}

fn moto_client(env: &cos_sdk_tests::servers::ServerEnv) -> Client {
    let config = Config::builder()
        .endpoint_url(&env.endpoint)
        .credentials(Credentials::hmac(&env.access_key, &env.secret_key))
        .retry(RetryConfig::disabled())
        .build()
        .unwrap();
    Client::new(&config).unwrap()
}

/// moto refuses an Object Lock write without Content-MD5 or a flexible checksum, as S3 does: the client
/// computes one for in-memory and file bodies, and asks for it when the body is a one-shot stream.
#[tokio::test]
async fn object_lock_writes_carry_an_integrity_header() {
    use cos_sdk::types::{ObjectLockLegalHoldStatus, ObjectLockMode};
    let Some(env) = moto() else { return };
    let client = moto_client(&env);
    let bucket = unique_bucket("locked");
    client.create_bucket().bucket(&bucket).object_lock_enabled_for_bucket(true).send().await.unwrap();
    let dir = cos_sdk_tests::temp::TempDir::new("moto-lock");
    let file = dir.write("evidence.txt", "file evidence");
    let until = cos_sdk::DateTime::from(std::time::SystemTime::now() + std::time::Duration::from_secs(3600));
    for (key, body) in [("bytes", ByteStream::from("evidence")), ("file", ByteStream::from_path(&file).await.unwrap())] {
        client
            .put_object()
            .bucket(&bucket)
            .key(key)
            .object_lock_legal_hold_status(ObjectLockLegalHoldStatus::On)
            .body(body)
            .send()
            .await
            .unwrap_or_else(|e| panic!("{key}: {e}"));
    }
    let retained = ByteStream::from("kept");
    client
        .put_object()
        .bucket(&bucket)
        .key("retained")
        .object_lock_mode(ObjectLockMode::Governance)
        .object_lock_retain_until_date(until)
        .body(retained)
        .send()
        .await
        .unwrap();
    let read = client.get_object().bucket(&bucket).key("file").send().await.unwrap().body.collect().await.unwrap();
    assert_eq!(read, "file evidence");
    let stream = ByteStream::from_reader(std::io::Cursor::new(b"streamed".to_vec()), Some(8));
    let error = client
        .put_object()
        .bucket(&bucket)
        .key("stream")
        .object_lock_legal_hold_status(ObjectLockLegalHoldStatus::On)
        .body(stream)
        .send()
        .await
        .unwrap_err();
    assert!(error.to_string().contains("Object Lock write must carry a checksum"), "{error}");
}

/// moto answers CompleteMultipartUpload on an unversioned bucket with `x-amz-version-id: null`; the
/// upload is a success, reported as one, with no version.
#[tokio::test]
async fn a_multipart_upload_answered_with_version_null_succeeds() {
    use cos_sdk::transfer::{TransferConfig, TransferManager, MIB};
    let Some(env) = moto() else { return };
    let client = moto_client(&env);
    let bucket = unique_bucket("nullversion");
    client.create_bucket().bucket(&bucket).send().await.unwrap();
    let dir = cos_sdk_tests::temp::TempDir::new("moto-null");
    let data: Vec<u8> = (0..12 * MIB as usize).map(|i| (i % 251) as u8).collect();
    let source = dir.write("big.bin", &data);
    let config = TransferConfig::builder().multipart_threshold(5 * MIB).part_size(5 * MIB).build().unwrap();
    let manager = TransferManager::with_config(client.clone(), config);
    let uploaded = manager.upload_file(&source, &bucket, "big.bin").await.unwrap();
    assert_eq!((uploaded.parts, uploaded.version_id.as_deref()), (3, None));
    let target = dir.path().join("back.bin");
    manager.download_file(&bucket, "big.bin", &target).await.unwrap();
    assert!(std::fs::read(&target).unwrap() == data);
}
