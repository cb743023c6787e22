//! The transfer manager against the IBM COS fixture (retention headers on CompleteMultipartUpload for
//! multipart uploads, on PutObject and CopyObject for single-part ones, never on Create) and against
//! radosgw, which lists in-progress uploads: a cancelled or failed upload leaves nothing in
//! ListMultipartUploads.

use std::time::Duration;

use bytes::Bytes;
use cos_sdk::transfer::{
    was_cancelled, CopySource, ObjectSettings, ProgressEvent, ProgressListener, TransferConfig, TransferManager,
};
use cos_sdk::types::{BucketProtectionDefaultRetention, BucketProtectionMaximumRetention, BucketProtectionMinimumRetention, BucketProtectionStatus, ProtectionConfiguration};
use cos_sdk::{Client, Config, Credentials, RetryConfig};
use cos_sdk_tests::fault_server::{FaultServer, RecordedRequest, Reply};
use cos_sdk_tests::ibm_fixture::IbmFixture;
use md5::Digest;
use cos_sdk_tests::servers::{radosgw, unique_bucket};
use cos_sdk_tests::temp::TempDir;

use crate::transfer_proxy::support::{file_md5, random_file, MIB};

const TOKEN: &str = "transfer-fixture-token";
const INSTANCE: &str = "crn:v1:bluemix:public:cloud-object-storage:global:a/test:transfer::";

fn small_parts() -> TransferConfig {
    TransferConfig::builder().multipart_threshold(5 * MIB).part_size(5 * MIB).max_concurrency(2).build().unwrap()
}

#[tokio::test]
async fn retention_goes_on_complete_for_multipart_and_on_put_for_single_part() {
    let fixture = IbmFixture::start(TOKEN, INSTANCE).await;
    let config = Config::builder()
        .endpoint_url(fixture.endpoint())
        .credentials(Credentials::bearer_token(TOKEN))
        .instance_id(INSTANCE)
        .allow_http(true)
        .retry(RetryConfig::disabled())
        .build()
        .unwrap();
    let client = Client::new(&config).unwrap();
    client.create_bucket().bucket("vault").send().await.unwrap();
    let protection = ProtectionConfiguration::builder()
        .status(BucketProtectionStatus::Retention)
        .minimum_retention(BucketProtectionMinimumRetention::builder().days(1).build().unwrap())
        .default_retention(BucketProtectionDefaultRetention::builder().days(1).build().unwrap())
        .maximum_retention(BucketProtectionMaximumRetention::builder().days(30).build().unwrap())
        .build()
        ;
    client.put_bucket_protection_configuration().bucket("vault").protection_configuration(protection).send().await.unwrap();
    let manager = TransferManager::with_config(client.clone(), small_parts());
    let settings = ObjectSettings::new()
        .retention_period(7 * 86_400)
        .retention_legal_hold_id("case-42")
        .metadata("project", "archive")
        .content_type("application/octet-stream");

    // Multipart: 11 MiB in three parts.
    let dir = TempDir::new("transfer-ibm");
    let source = dir.path().join("big");
    let md5 = random_file(&source, 11 * MIB, 11);
    let out = manager.upload_file(&source, "vault", "big").settings(settings.clone()).await.unwrap();
    assert_eq!(out.parts, 3);
    let requests = fixture.requests();
    let create = requests.iter().find(|r| r.method == "POST" && r.has_query_param("uploads")).unwrap();
    assert!(create.header("retention-period").is_none(), "no retention on CreateMultipartUpload");
    assert!(create.header("retention-legal-hold-id").is_none());
    assert_eq!(create.header("x-amz-meta-project"), Some("archive"));
    let complete = requests.iter().find(|r| r.method == "POST" && r.has_query_param("uploadId")).unwrap();
    assert_eq!(complete.header("retention-period"), Some("604800"));
    assert_eq!(complete.header("retention-legal-hold-id"), Some("case-42"));
    let parts: Vec<_> = requests.iter().filter(|r| r.method == "PUT" && r.has_query_param("partNumber")).collect();
    assert_eq!(parts.len(), 3);
    assert!(parts.iter().all(|p| p.header("content-md5").is_some()), "Content-MD5 on every part");
    assert!(parts.iter().all(|p| p.header("retention-period").is_none()));
    let head = client.head_object().bucket("vault").key("big").send().await.unwrap();
    assert_eq!((head.retention_period, head.retention_legal_hold_count), (Some(604_800), Some(1)));
    // The retained object reads back whole (ranged GETs against the fixture).
    let target = dir.path().join("back");
    manager.download_file("vault", "big", &target).await.unwrap();
    assert_eq!(file_md5(&target), md5);
    // And cannot be overwritten: the fixture refuses, the upload is aborted and says so.
    let err = manager.upload_file(&source, "vault", "big").await.unwrap_err();
    assert!(err.to_string().contains("was aborted"), "{err}");

    // Single part: the headers go on PutObject.
    fixture.clear_requests();
    let small = dir.path().join("small");
    std::fs::write(&small, b"small and retained").unwrap();
    let out = manager.upload_file(&small, "vault", "small").settings(settings.clone()).await.unwrap();
    assert_eq!(out.parts, 0);
    let requests = fixture.requests();
    let put = requests.iter().find(|r| r.method == "PUT").unwrap();
    assert_eq!(put.header("retention-period"), Some("604800"));
    assert_eq!(put.header("retention-legal-hold-id"), Some("case-42"));
    assert!(put.header("content-md5").is_some());

    // A single-part copy replaces the retention with the one asked for.
    client.put_object().bucket("vault").key("src").body(Bytes::from_static(b"to copy")).send().await.unwrap();
    fixture.clear_requests();
    manager
        .copy(CopySource::new("vault", "src"), "vault", "copied")
        .settings(ObjectSettings::new().retention_period(3 * 86_400))
        .await
        .unwrap();
    let copy = fixture.requests().into_iter().find(|r| r.method == "PUT").unwrap();
    assert_eq!(copy.header("retention-directive"), Some("REPLACE"));
    assert_eq!(copy.header("retention-period"), Some("259200"));
    let head = client.head_object().bucket("vault").key("copied").send().await.unwrap();
    assert_eq!(head.retention_period, Some(259_200));
}

fn radosgw_manager() -> Option<(Client, TransferManager)> {
    let env = radosgw()?;
    let config = Config::builder()
        .endpoint_url(&env.endpoint)
        .credentials(Credentials::hmac(&env.access_key, &env.secret_key))
        .build()
        .unwrap();
    let client = Client::new(&config).unwrap();
    Some((client.clone(), TransferManager::with_config(client, small_parts())))
}

async fn in_progress_uploads(client: &Client, bucket: &str) -> Vec<String> {
    let listing = client.list_multipart_uploads().bucket(bucket).send().await.unwrap();
    listing.uploads.unwrap_or_default().into_iter().filter_map(|u| u.upload_id).collect()
}

#[tokio::test]
async fn radosgw_cancel_leaves_no_multipart_upload_and_round_trips() {
    let Some((client, manager)) = radosgw_manager() else { return };
    let bucket = unique_bucket("transfer");
    client.create_bucket().bucket(&bucket).send().await.unwrap();
    let dir = TempDir::new("transfer-rgw");
    let source = dir.path().join("s");
    let md5 = random_file(&source, 23 * MIB, 12);

    // Cancel after the first part: the upload is aborted, so radosgw lists none in progress.
    let (listener, mut events) = ProgressListener::channel();
    let handle = manager.upload_file(&source, &bucket, "cancelled").on_progress(listener).start();
    while let Some(p) = events.recv().await {
        if matches!(p.event, ProgressEvent::PartDone { .. }) {
            handle.cancel();
            break;
        }
    }
    let err = tokio::time::timeout(Duration::from_secs(30), handle).await.unwrap().unwrap_err();
    assert!(was_cancelled(&err), "{err}");
    assert_eq!(in_progress_uploads(&client, &bucket).await, Vec::<String>::new());

    // A failed part (an unknown SSE-C key on one part cannot be produced, so use a missing source
    // file mid-way): the file shrinks under the upload, which fails and aborts.
    let shrinking = dir.path().join("shrinking");
    random_file(&shrinking, 12 * MIB, 13);
    let handle = manager.upload_file(&shrinking, &bucket, "failed").start();
    std::fs::OpenOptions::new().write(true).open(&shrinking).unwrap().set_len(MIB).unwrap();
    if let Err(e) = handle.await {
        assert!(e.to_string().contains("aborted") || e.to_string().contains("changed"), "{e}");
    }
    assert_eq!(in_progress_uploads(&client, &bucket).await, Vec::<String>::new());

    // A full round trip with a multipart copy.
    let out = manager.upload_file(&source, &bucket, "whole").await.unwrap();
    assert_eq!(out.parts, 5);
    let target = dir.path().join("t");
    manager.download_file(&bucket, "whole", &target).await.unwrap();
    assert_eq!(file_md5(&target), md5);
    let copy = manager.copy(CopySource::new(&bucket, "whole"), &bucket, "copy of whole").await.unwrap();
    assert_eq!(copy.parts, 5);
    manager.download_file(&bucket, "copy of whole", &target).await.unwrap();
    assert_eq!(file_md5(&target), md5);
    assert_eq!(in_progress_uploads(&client, &bucket).await, Vec::<String>::new());
    for key in ["whole", "copy of whole"] {
        client.delete_object().bucket(&bucket).key(key).send().await.unwrap();
    }
    let _ = client.delete_object().bucket(&bucket).key("failed").send().await;
    client.delete_bucket().bucket(&bucket).send().await.unwrap();
}

/// A store of two objects, `d/a` and `d/b`, that lists them with their ETags, answers HEAD and GET
/// (412 when If-Match names another ETag), and counts every request; `d/a` changes after the listing
/// when `changed` is set.
fn listed_store(changed: bool) -> impl Fn(&RecordedRequest, usize) -> Reply + Send + Sync + 'static {
    move |r, _| {
        let body = |key: &str| if changed && key == "d/a" { "new".to_string() } else { key.repeat(1000) };
        let etag = |key: &str| format!("\"{:x}\"", md5::Md5::digest(body(key).as_bytes()));
        let original = |key: &str| format!("\"{:x}\"", md5::Md5::digest(key.repeat(1000).as_bytes()));
        let path = r.uri.path().trim_start_matches("/listed/").to_string();
        if r.method == http::Method::GET && r.uri.query().is_some_and(|q| q.contains("list-type=2")) {
            let contents: String = ["d/a", "d/b"]
                .iter()
                .map(|k| format!("<Contents><Key>{k}</Key><Size>3000</Size><ETag>{}</ETag></Contents>", original(k)))
                .collect();
            let xml = format!("<ListBucketResult><Name>listed</Name><Prefix>d/</Prefix><KeyCount>2</KeyCount><IsTruncated>false</IsTruncated>{contents}</ListBucketResult>");
            return Reply::status(200, xml);
        }
        if r.method == http::Method::HEAD {
            let headers = vec![("etag".into(), etag(&path)), ("content-length".into(), body(&path).len().to_string())];
            return Reply::Respond { status: 200, headers, body: Bytes::new() };
        }
        if r.method != http::Method::GET {
            return Reply::s3_error(405, "MethodNotAllowed", "this store only lists and reads");
        }
        if r.header("if-match").is_some_and(|m| m != etag(&path)) {
            return Reply::s3_error(412, "PreconditionFailed", "At least one of the preconditions did not hold");
        }
        let data = body(&path);
        Reply::Respond {
            status: 200,
            headers: vec![("etag".into(), etag(&path)), ("content-length".into(), data.len().to_string())],
            body: Bytes::from(data),
        }
    }
}

#[tokio::test]
async fn a_known_object_is_downloaded_without_a_head_and_a_changed_one_fails() {
    let dir = TempDir::new("transfer-known");
    for changed in [false, true] {
        let store = FaultServer::start(listed_store(changed)).await;
        let config = Config::builder().endpoint_url(store.url()).credentials(Credentials::hmac("id", "secret")).allow_http(true).build().unwrap();
        let client = Client::new(&config).unwrap();
        let manager = TransferManager::with_config(client.clone(), small_parts());
        let listed = client.list_objects_v2().bucket("listed").prefix("d/").send().await.unwrap();
        let a = &listed.contents.as_ref().unwrap()[0];
        let (size, etag) = (a.size.unwrap() as u64, a.e_tag.clone().unwrap());
        let target = dir.path().join(format!("a-{changed}"));
        // An unquoted ETag (as some listings show it) is sent quoted.
        let etag = if changed { etag.trim_matches('"').to_string() } else { etag };
        let result = manager.download_file("listed", "d/a", &target).known_object(size, &etag).await;
        let methods: Vec<String> = store.requests().iter().skip(1).map(|r| r.method.to_string()).collect();
        let quoted = format!("\"{}\"", etag.trim_matches('"'));
        assert_eq!(store.requests()[1].header("if-match"), Some(quoted.as_str()));
        if changed {
            // The object changed after the listing: the listed ETag is refused (412), HeadObject pins
            // the object as it is now, and that is what lands; never a mix of the two.
            assert_eq!(methods, ["GET", "HEAD", "GET"]);
            assert_eq!(result.unwrap().size, 3);
            assert_eq!(std::fs::read(&target).unwrap(), b"new");
            continue;
        }
        assert!(methods.iter().all(|m| m == "GET"), "no HEAD: {methods:?}");
        assert_eq!(result.unwrap().size, 3000);
        assert_eq!(methods.len(), 1, "one GET: {methods:?}");
        assert_eq!(std::fs::read(&target).unwrap(), "d/a".repeat(1000).as_bytes());

        // A directory download takes size and ETag from its listing: a list and two GETs.
        let before = store.request_count();
        let out = manager.download_directory("listed", "d/", dir.path().join("all")).await.unwrap();
        assert_eq!(out.transferred.len(), 2);
        let methods: Vec<String> = store.requests()[before..].iter().map(|r| r.method.to_string()).collect();
        assert_eq!(methods, ["GET", "GET", "GET"]);
        assert_eq!(std::fs::read(dir.path().join("all/b")).unwrap(), "d/b".repeat(1000).as_bytes());
    }
}

/// Bytes `offset..offset + len` of the 20 MiB object the slow store serves.
fn slow_bytes(offset: u64, len: u64) -> Bytes {
    (offset..offset + len).map(|i| (i % 251) as u8).collect()
}

/// A store of 20 MiB objects that answers each ranged GET after 100 ms.
fn slow_store(r: &RecordedRequest, _: usize) -> Reply {
    const SIZE: u64 = 20 * MIB;
    let headers = |extra: Vec<(String, String)>| {
        let mut h = vec![("etag".to_string(), "\"slow\"".to_string())];
        h.extend(extra);
        h
    };
    if r.method == http::Method::HEAD {
        return Reply::Respond { status: 200, headers: headers(vec![("content-length".into(), SIZE.to_string())]), body: Bytes::new() };
    }
    let range = r.header("range").and_then(|v| v.strip_prefix("bytes=")).and_then(|v| v.split_once('-'));
    let Some((first, last)) = range.and_then(|(a, b)| Some((a.parse::<u64>().ok()?, b.parse::<u64>().ok()?))) else {
        return Reply::s3_error(400, "InvalidRange", "this store only serves ranges");
    };
    let body = slow_bytes(first, last - first + 1);
    let extra = vec![
        ("content-range".to_string(), format!("bytes {first}-{last}/{SIZE}")),
        ("content-length".to_string(), body.len().to_string()),
    ];
    Reply::Delay(Duration::from_millis(100), Box::new(Reply::Respond { status: 206, headers: headers(extra), body }))
}

#[cfg(target_os = "linux")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_downloads_hold_no_more_files_open_than_requests_in_flight() {
    let store = FaultServer::start(slow_store).await;
    let config = Config::builder().endpoint_url(store.url()).credentials(Credentials::hmac("id", "secret")).allow_http(true).build().unwrap();
    let manager = TransferManager::with_config(Client::new(&config).unwrap(), small_parts());
    let dir = TempDir::new("transfer-fds");
    // Twelve 4-part downloads at once through 2 request slots.
    let handles: Vec<_> = (0..12).map(|i| manager.download_file("b", format!("k{i}"), dir.path().join(format!("f{i}"))).start()).collect();
    let open_temp_files = || {
        std::fs::read_dir("/proc/self/fd")
            .unwrap()
            .filter_map(|fd| std::fs::read_link(fd.ok()?.path()).ok())
            .filter(|target| target.starts_with(dir.path()) && target.to_string_lossy().ends_with(".cos-download"))
            .count()
    };
    let mut most = 0;
    while handles.iter().any(|h| !h.is_finished()) {
        most = most.max(open_temp_files());
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    for handle in handles {
        assert_eq!(handle.await.unwrap().size, 20 * MIB);
    }
    // Two parts being written, plus moments of overlap (a part closing as the next opens, a finished
    // download syncing its file before the rename); without the bound it was 24.
    assert!(most <= 6, "{most} temporary files open at once through 2 request slots");
    assert!(most >= 1, "the sampling never saw a temporary file open");
    assert!(std::fs::read(dir.path().join("f7")).unwrap() == slow_bytes(0, 20 * MIB));
}
