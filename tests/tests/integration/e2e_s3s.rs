//! End to end through the generated fluent API against the embedded s3s server, which verifies SigV4
//! on every request (header signatures, presigned URLs). Each test has its own server and buckets.
//!
//! Known quirks of s3s-fs that are not SDK behavior: it deletes non-empty buckets, answers a
//! payload-hash mismatch with 500, lists buckets in directory order, leaves `+` unencoded in listings
//! with `encoding-type=url` (so a `+` in a key reads back as a space, as `application/x-www-form-urlencoded`
//! says it must), and forgets nothing about aborted uploads (ListParts still answers). Those rules are
//! tested against radosgw instead.

use std::collections::HashMap;
use std::time::Duration;

use cos_sdk::operation::get_object::GetObjectError;
use cos_sdk::types::{CompletedMultipartUpload, CompletedPart, Delete, ObjectIdentifier};
use cos_sdk::{ByteStream, Client, Config, Credentials, ErrorKind};
use cos_sdk_tests::s3s_server::{S3sServer, ACCESS_KEY, SECRET_KEY};
use futures_util::StreamExt;

fn client(server: &S3sServer) -> Client {
    let config = Config::builder()
        .endpoint_url(server.url())
        .credentials(Credentials::hmac(ACCESS_KEY, SECRET_KEY))
        .build()
        .unwrap();
    Client::new(&config).unwrap()
}

async fn new_bucket(client: &Client, name: &str) {
    client.create_bucket().bucket(name).send().await.unwrap();
}

#[tokio::test]
async fn buckets_are_created_listed_and_deleted() {
    let server = S3sServer::start().await;
    let client = client(&server);
    new_bucket(&client, "alpha").await;
    new_bucket(&client, "beta").await;
    let names: Vec<String> = client
        .list_buckets()
        .send()
        .await
        .unwrap()
        .buckets
        .unwrap_or_default()
        .into_iter()
        .filter_map(|b| b.name)
        .collect();
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(sorted, ["alpha", "beta"]);
    client.head_bucket().bucket("alpha").send().await.unwrap();
    client.delete_bucket().bucket("alpha").send().await.unwrap();
    let err = client.head_bucket().bucket("alpha").send().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Service);
    assert_eq!(err.service_error().unwrap().status(), 404);
}

#[tokio::test]
async fn objects_round_trip_with_metadata_and_awkward_keys() {
    let server = S3sServer::start().await;
    let client = client(&server);
    new_bucket(&client, "objects").await;
    let keys = ["plain.txt", "dir/sub/é ü 日本.txt", "a b+c%d", "what?is#this", "semi;colon=eq&amp"];
    for (i, key) in keys.iter().enumerate() {
        let body = format!("content {i} of {key}");
        let metadata: HashMap<String, String> = [("index".to_string(), i.to_string())].into();
        client
            .put_object()
            .bucket("objects")
            .key(*key)
            .content_type("text/plain; charset=utf-8")
            .set_metadata(Some(metadata))
            .body(ByteStream::from(body.clone()))
            .send()
            .await
            .unwrap_or_else(|e| panic!("put {key}: {e}"));
        let got = client.get_object().bucket("objects").key(*key).send().await.unwrap();
        assert_eq!(got.content_type.as_deref(), Some("text/plain; charset=utf-8"));
        assert_eq!(got.metadata.as_ref().and_then(|m| m.get("index")).map(String::as_str), Some(i.to_string().as_str()));
        assert_eq!(got.body.collect().await.unwrap(), body.as_bytes(), "{key}");
        let head = client.head_object().bucket("objects").key(*key).send().await.unwrap();
        assert_eq!(head.content_length, Some(body.len() as i64));
    }
    let listed: Vec<String> = client
        .list_objects_v2()
        .bucket("objects")
        .send()
        .await
        .unwrap()
        .contents
        .unwrap_or_default()
        .into_iter()
        .filter_map(|o| o.key)
        .collect();
    let mut expected: Vec<String> = keys.iter().filter(|k| !k.contains('+')).map(|k| k.to_string()).collect();
    expected.sort();
    let listed: Vec<String> = listed.into_iter().filter(|k| !k.starts_with("a b")).collect();
    assert_eq!(listed, expected, "keys come back URL-decoded and exact");
    for key in keys {
        client.delete_object().bucket("objects").key(key).send().await.unwrap();
    }
    let err = client.get_object().bucket("objects").key("plain.txt").send().await.unwrap_err();
    assert!(matches!(err.as_operation_error(), Some(GetObjectError::NoSuchKey(_))), "{err}");
    assert!(err.to_string().contains("NoSuchKey"), "{err}");
}

#[tokio::test]
async fn ranged_get_and_copy() {
    let server = S3sServer::start().await;
    let client = client(&server);
    new_bucket(&client, "ranges").await;
    let data: Vec<u8> = (0..10_000u32).map(|i| (i % 251) as u8).collect();
    client.put_object().bucket("ranges").key("data").body(ByteStream::from(data.clone())).send().await.unwrap();
    let part = client.get_object().bucket("ranges").key("data").range("bytes=100-199").send().await.unwrap();
    assert_eq!(part.content_length, Some(100));
    assert_eq!(part.body.collect().await.unwrap(), &data[100..200]);
    client.copy_object().bucket("ranges").key("copy").copy_source("ranges/data").send().await.unwrap();
    let copy = client.get_object().bucket("ranges").key("copy").send().await.unwrap();
    assert_eq!(copy.body.collect().await.unwrap(), data);
}

#[tokio::test]
async fn manual_multipart_upload_completes_and_aborts() {
    let server = S3sServer::start().await;
    let client = client(&server);
    new_bucket(&client, "multi").await;
    let part_size = 5 * 1024 * 1024;
    let data: Vec<u8> = (0..(part_size * 2 + 1234)).map(|i| (i * 7 % 256) as u8).collect();
    let upload = client.create_multipart_upload().bucket("multi").key("big").send().await.unwrap();
    let upload_id = upload.upload_id.unwrap();
    let mut parts = Vec::new();
    for (i, chunk) in data.chunks(part_size).enumerate() {
        let number = i as i32 + 1;
        let out = client
            .upload_part()
            .bucket("multi")
            .key("big")
            .upload_id(&upload_id)
            .part_number(number)
            .body(ByteStream::from(chunk.to_vec()))
            .send()
            .await
            .unwrap();
        parts.push(CompletedPart::builder().part_number(number).e_tag(out.e_tag.unwrap()).build());
    }
    let listed = client.list_parts().bucket("multi").key("big").upload_id(&upload_id).send().await.unwrap();
    assert_eq!(listed.parts.unwrap_or_default().len(), 3);
    client
        .complete_multipart_upload()
        .bucket("multi")
        .key("big")
        .upload_id(&upload_id)
        .multipart_upload(CompletedMultipartUpload::builder().set_parts(Some(parts)).build())
        .send()
        .await
        .unwrap();
    let got = client.get_object().bucket("multi").key("big").send().await.unwrap();
    assert_eq!(got.body.collect().await.unwrap(), data);

    let aborted = client.create_multipart_upload().bucket("multi").key("gone").send().await.unwrap();
    let id = aborted.upload_id.unwrap();
    client.abort_multipart_upload().bucket("multi").key("gone").upload_id(&id).send().await.unwrap();
    let err = client.head_object().bucket("multi").key("gone").send().await.unwrap_err();
    assert_eq!(err.service_error().map(|e| e.status()), Some(404), "an aborted upload leaves no object: {err}");
}

#[tokio::test]
async fn paginator_walks_2500_keys_and_delete_objects_removes_them() {
    let server = S3sServer::start().await;
    let client = client(&server);
    new_bucket(&client, "many").await;
    let keys: Vec<String> = (0..2500).map(|i| format!("k/{i:05}")).collect();
    futures_util::stream::iter(keys.clone())
        .for_each_concurrent(16, |key| {
            let client = client.clone();
            async move {
                client.put_object().bucket("many").key(key).body(ByteStream::from_static(b"x")).send().await.unwrap();
            }
        })
        .await;
    let pages: Vec<_> = client.list_objects_v2().bucket("many").into_paginator().page_size(1000).send().collect().await;
    assert_eq!(pages.len(), 3, "1000 + 1000 + 500");
    let listed: Vec<String> = client
        .list_objects_v2()
        .bucket("many")
        .into_paginator()
        .page_size(700)
        .items()
        .map(|o| o.unwrap().key.unwrap())
        .collect()
        .await;
    assert_eq!(listed, keys);
    let first_ten: Vec<_> = client.list_objects_v2().bucket("many").into_paginator().max_items(10).items().collect().await;
    assert_eq!(first_ten.len(), 10);

    for chunk in keys.chunks(1000) {
        let objects: Vec<_> = chunk.iter().map(|k| ObjectIdentifier::builder().key(k).build().unwrap()).collect();
        let out = client
            .delete_objects()
            .bucket("many")
            .delete(Delete::builder().set_objects(Some(objects)).build().unwrap())
            .send()
            .await
            .unwrap();
        assert_eq!(out.deleted.unwrap_or_default().len(), chunk.len());
    }
    let left = client.list_objects_v2().bucket("many").send().await.unwrap();
    assert_eq!(left.key_count, Some(0));
}

#[tokio::test]
async fn presigned_get_and_put_work_with_a_plain_client() {
    let server = S3sServer::start().await;
    let client = client(&server);
    new_bucket(&client, "signed").await;
    let put = client.put_object().bucket("signed").key("up load.txt").presigned(Duration::from_secs(600)).unwrap();
    let status = plain_request("PUT", &put.url(), b"uploaded without credentials".to_vec()).await.0;
    assert_eq!(status, 200);
    let get = client.get_object().bucket("signed").key("up load.txt").presigned(Duration::from_secs(600)).unwrap();
    let (status, body) = plain_request("GET", &get.url(), Vec::new()).await;
    assert_eq!((status, body.as_slice()), (200, &b"uploaded without credentials"[..]));
    // A tampered URL is refused by the verifying server.
    let tampered = get.url().replace("up%20load.txt", "other.txt");
    assert_eq!(plain_request("GET", &tampered, Vec::new()).await.0, 403);
}

async fn plain_request(method: &str, url: &str, body: Vec<u8>) -> (u16, Vec<u8>) {
    use http_body_util::BodyExt;
    let client: hyper_util::client::legacy::Client<_, http_body_util::Full<bytes::Bytes>> =
        hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
            .build(hyper_util::client::legacy::connect::HttpConnector::new());
    let request = http::Request::builder()
        .method(method)
        .uri(url)
        .body(http_body_util::Full::new(bytes::Bytes::from(body)))
        .unwrap();
    let response = client.request(request).await.unwrap();
    let status = response.status().as_u16();
    (status, response.into_body().collect().await.unwrap().to_bytes().to_vec())
}

#[tokio::test]
async fn waiters_see_buckets_and_objects_appear_and_go() {
    let server = S3sServer::start().await;
    let client = client(&server);
    let fast = Duration::from_millis(50);
    let err = client.wait_until_bucket_exists().bucket("later").delay(fast).max_attempts(2).wait().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Timeout, "{err}");
    new_bucket(&client, "later").await;
    client.wait_until_bucket_exists().bucket("later").delay(fast).wait().await.unwrap();
    client.wait_until_object_not_exists().bucket("later").key("o").delay(fast).wait().await.unwrap();
    let waiter = {
        let client = client.clone();
        tokio::spawn(async move {
            client.wait_until_object_exists().bucket("later").key("o").delay(fast).max_attempts(100).wait().await
        })
    };
    tokio::time::sleep(Duration::from_millis(200)).await;
    client.put_object().bucket("later").key("o").body(ByteStream::from_static(b"1")).send().await.unwrap();
    waiter.await.unwrap().unwrap();
    client.delete_object().bucket("later").key("o").send().await.unwrap();
    client.delete_bucket().bucket("later").send().await.unwrap();
    client.wait_until_bucket_not_exists().bucket("later").delay(fast).wait().await.unwrap();
}

#[tokio::test]
async fn large_objects_stream_to_and_from_files() {
    let server = S3sServer::start().await;
    let client = client(&server);
    new_bucket(&client, "files").await;
    let dir = cos_sdk_tests::temp::TempDir::new("e2e-files");
    let data: Vec<u8> = (0..(24 * 1024 * 1024 + 17)).map(|i: u32| (i.wrapping_mul(2_654_435_761) >> 24) as u8).collect();
    let source = dir.write("source.bin", &data);
    let body = ByteStream::from_path(&source).await.unwrap();
    assert_eq!(body.content_length(), Some(data.len() as u64));
    client.put_object().bucket("files").key("big.bin").body(body).send().await.unwrap();
    let target = dir.path().join("copy.bin");
    let object = client.get_object().bucket("files").key("big.bin").send().await.unwrap();
    let written = object.body.write_to_file(&target).await.unwrap();
    assert_eq!(written, data.len() as u64);
    assert!(std::fs::read(&target).unwrap() == data, "the downloaded file equals the upload");
    let leftovers: Vec<_> = std::fs::read_dir(dir.path()).unwrap().filter_map(|e| e.ok()).map(|e| e.file_name()).collect();
    assert_eq!(leftovers.len(), 2, "no temporary file is left: {leftovers:?}");
    let err = ByteStream::from("x").write_to_file(dir.path().join("missing-dir/file")).await.unwrap_err();
    assert!(err.to_string().contains("could not create"), "{err}");
}

#[tokio::test]
async fn a_bodiless_404_of_head_is_the_modeled_error() {
    use cos_sdk::operation::head_bucket::HeadBucketError;
    use cos_sdk::operation::head_object::HeadObjectError;
    let server = S3sServer::start().await;
    let client = client(&server);
    new_bucket(&client, "present").await;

    let err = client.head_object().bucket("present").key("absent").send().await.unwrap_err();
    assert!(err.is_not_found(), "{err}");
    assert!(matches!(err.as_operation_error(), Some(HeadObjectError::NoSuchKey(_))), "{err}");

    let err = client.head_bucket().bucket("absent").send().await.unwrap_err();
    assert!(err.is_not_found(), "{err}");
    assert!(matches!(err.as_operation_error(), Some(HeadBucketError::NoSuchBucket(_))), "{err}");

    // Another status stays unhandled, and is not "not found".
    let err = Client::new(
        &Config::builder().endpoint_url(server.url()).credentials(Credentials::hmac(ACCESS_KEY, "wrong-secret")).build().unwrap(),
    )
    .unwrap()
    .head_object()
    .bucket("present")
    .key("absent")
    .send()
    .await
    .unwrap_err();
    assert!(!err.is_not_found(), "{err}");
    assert!(matches!(err.as_operation_error(), Some(HeadObjectError::Unhandled(_))), "{err}");
}
