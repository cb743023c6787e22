//! The JSON bridge takes boto3's parameters as ibm_boto3 does: `CopySource` as text or as a
//! `{Bucket, Key, VersionId}` object, URL-encoded so that keys with `+`, `%`, `?` or spaces copy the
//! right object (checked on the embedded s3s server), and raw SSE-C keys encoded with their MD5.

use cos_sdk::transport::MockTransport;
use cos_sdk::{json, Client, Config, Credentials, ErrorKind, RetryConfig};
use cos_sdk_tests::mock_client::client_over;
use cos_sdk_tests::s3s_server::{S3sServer, ACCESS_KEY, SECRET_KEY};
use serde_json::json;

#[tokio::test]
async fn copy_source_in_both_forms_copies_the_named_object() {
    let server = S3sServer::start().await;
    let config = Config::builder().endpoint_url(server.url()).credentials(Credentials::hmac(ACCESS_KEY, SECRET_KEY)).build().unwrap();
    let client = Client::new(&config).unwrap();
    client.create_bucket().bucket("src").send().await.unwrap();
    client.create_bucket().bucket("dst").send().await.unwrap();
    // Keys that differ only in what URL encoding would blur together.
    let keys = ["a+b", "a b", "a%20b", "a%2Bb", "what?.txt", "dir/a b+c"];
    for key in keys {
        client.put_object().bucket("src").key(key).body(format!("content of {key}")).send().await.unwrap();
    }
    for (n, key) in keys.iter().enumerate() {
        let as_text = json!({"Bucket": "dst", "Key": format!("text-{n}"), "CopySource": format!("src/{key}")});
        let as_object = json!({"Bucket": "dst", "Key": format!("object-{n}"), "CopySource": {"Bucket": "src", "Key": key}});
        for input in [as_text, as_object] {
            json::invoke(&client, "CopyObject", input.clone()).await.unwrap_or_else(|e| panic!("{input}: {e}"));
        }
        for copy in [format!("text-{n}"), format!("object-{n}")] {
            let got = client.get_object().bucket("dst").key(&copy).send().await.unwrap().body.collect().await.unwrap();
            assert_eq!(std::str::from_utf8(&got).unwrap(), format!("content of {key}"), "{copy} from {key}");
        }
    }

    let err = json::invoke(&client, "CopyObject", json!({"Bucket": "dst", "Key": "x", "CopySource": {"Key": "a"}})).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
    assert!(err.to_string().contains("CopyObject.CopySource"), "{err}");
}

#[tokio::test]
async fn raw_sse_c_keys_are_encoded_with_their_md5() {
    let copied = "<CopyObjectResult><ETag>\"e\"</ETag></CopyObjectResult>";
    let mock = MockTransport::new().answer(200, &[], "").answer(200, &[], copied).answer(200, &[], "");
    let client = client_over(mock.clone(), RetryConfig::disabled());
    let raw = "0123456789abcdef0123456789abcdef";
    json::invoke(&client, "PutObject", json!({"Bucket": "b", "Key": "k", "Body": "x", "SSECustomerAlgorithm": "AES256", "SSECustomerKey": raw}))
        .await
        .unwrap();
    // The same key as binary, and a copy whose source key is given raw too.
    json::invoke(
        &client,
        "CopyObject",
        json!({"Bucket": "b", "Key": "k2", "CopySource": "b/k", "CopySourceSSECustomerAlgorithm": "AES256",
               "CopySourceSSECustomerKey": {"base64": "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="}}),
    )
    .await
    .unwrap();
    // Given with its MD5, a key is taken as already encoded.
    json::invoke(
        &client,
        "GetObject",
        json!({"Bucket": "b", "Key": "k", "SSECustomerAlgorithm": "AES256", "SSECustomerKey": "ZW5jb2RlZA==", "SSECustomerKeyMD5": "bWQ1"}),
    )
    .await
    .unwrap();

    // A key that is already base64 (of 32 bytes) without its MD5 would be encoded twice: refused.
    let err = json::invoke(&client, "GetObject", json!({"Bucket": "b", "Key": "k", "SSECustomerAlgorithm": "AES256", "SSECustomerKey": encoded_key()}))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
    assert!(err.to_string().contains("looks base64-encoded") && err.to_string().contains("SSECustomerKeyMD5"), "{err}");

    let sent = mock.requests();
    // base64 of the 32 bytes, and base64 of their MD5 (echo -n 0123...ef | openssl md5 -binary | base64).
    let encoded = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=";
    let md5 = "hRasmdxgYDKV3nvbahU1MA==";
    assert_eq!(sent[0].headers["x-amz-server-side-encryption-customer-key"], encoded);
    assert_eq!(sent[0].headers["x-amz-server-side-encryption-customer-key-md5"], md5);
    assert_eq!(sent[1].headers["x-amz-copy-source-server-side-encryption-customer-key"], encoded);
    assert_eq!(sent[1].headers["x-amz-copy-source-server-side-encryption-customer-key-md5"], md5);
    assert_eq!(sent[2].headers["x-amz-server-side-encryption-customer-key"], "ZW5jb2RlZA==");
    assert_eq!(sent[2].headers["x-amz-server-side-encryption-customer-key-md5"], "bWQ1");
}

/// The test key, base64-encoded.
fn encoded_key() -> &'static str {
    "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="
}
