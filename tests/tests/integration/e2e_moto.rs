//! The GLACIER restore flow against moto's S3 server, the one local server that plays it. moto checks no
//! signatures, so nothing about signing is tested here.

use cos_sdk::types::{GlacierJobParameters, RestoreRequest, StorageClass, Tier};
use cos_sdk::{ByteStream, Client, Config, Credentials, RetryConfig};
use cos_sdk_tests::servers::{moto, unique_bucket};

#[tokio::test]
async fn archived_object_is_unreadable_until_restored() {
    let Some(env) = moto() else { return };
    let config = Config::builder()
        .endpoint_url(&env.endpoint)
        .credentials(Credentials::hmac(&env.access_key, &env.secret_key))
        .retry(RetryConfig::disabled())
        .build()
        .unwrap();
    let client = Client::new(&config).unwrap();
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
