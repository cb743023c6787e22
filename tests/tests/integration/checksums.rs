//! Flexible checksums: computed for requests that name an algorithm and checked by the embedded s3s
//! server (which verifies them), checked on downloads made with `ChecksumMode=ENABLED`, and sent by the
//! transfer manager with every part, listed on CompleteMultipartUpload and checked against the
//! composite checksum the service answers with.

use std::sync::{Arc, Mutex};

use base64::Engine;
use bytes::Bytes;
use cos_sdk::transfer::{ProgressEvent, ProgressListener, TransferConfig, TransferManager};
use cos_sdk::types::{ChecksumAlgorithm, ChecksumMode};
use cos_sdk::{ByteStream, ErrorKind};
use cos_sdk_tests::fault_server::{FaultServer, RecordedRequest, Reply};
use cos_sdk_tests::s3s_server::S3sServer;
use cos_sdk_tests::temp::TempDir;
use sha2::Digest;

use crate::transfer_proxy::support::{client, file_md5, random_bytes, random_file, MIB};
use crate::transfer_proxy::{Action, Proxy};

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// CRC32C as S3 sends it: base64 of the big-endian value.
fn crc32c(data: &[u8]) -> String {
    b64(&crc32c::crc32c(data).to_be_bytes())
}

fn sha256(data: &[u8]) -> String {
    b64(&sha2::Sha256::digest(data))
}

fn crc32c_config() -> TransferConfig {
    TransferConfig::builder()
        .multipart_threshold(5 * MIB)
        .part_size(5 * MIB)
        .checksum_algorithm(ChecksumAlgorithm::Crc32c)
        .build()
        .unwrap()
}

#[tokio::test]
async fn every_algorithm_is_computed_and_accepted_by_a_verifying_server() {
    let server = S3sServer::start().await;
    let client = client(&server.url());
    client.create_bucket().bucket("sums").send().await.unwrap();
    let data = random_bytes(300_001, 7);
    for algorithm in [
        ChecksumAlgorithm::Crc32,
        ChecksumAlgorithm::Crc32c,
        ChecksumAlgorithm::Crc64Nvme,
        ChecksumAlgorithm::Sha1,
        ChecksumAlgorithm::Sha256,
    ] {
        let key = format!("k-{}", algorithm.as_str());
        // s3s computes the checksum itself and answers BadDigest when ours differs.
        client
            .put_object()
            .bucket("sums")
            .key(&key)
            .checksum_algorithm(algorithm.clone())
            .body(ByteStream::from(data.clone()))
            .send()
            .await
            .unwrap_or_else(|e| panic!("{}: {e}", algorithm.as_str()));
        let got = client.get_object().bucket("sums").key(&key).checksum_mode(ChecksumMode::Enabled).send().await.unwrap();
        assert_eq!(got.body.collect().await.unwrap(), data, "{}", algorithm.as_str());
    }
    let got = client.get_object().bucket("sums").key("k-CRC32C").checksum_mode(ChecksumMode::Enabled).send().await.unwrap();
    assert_eq!(got.checksum_crc32c.as_deref(), Some(crc32c(&data).as_str()));

    // A file body is read once more to compute its checksum.
    let dir = TempDir::new("checksum-file");
    let path = dir.path().join("f");
    std::fs::write(&path, &data).unwrap();
    client
        .put_object()
        .bucket("sums")
        .key("file")
        .checksum_algorithm(ChecksumAlgorithm::Sha256)
        .body(ByteStream::from_path(&path).await.unwrap())
        .send()
        .await
        .unwrap();
    let got = client.get_object().bucket("sums").key("file").checksum_mode(ChecksumMode::Enabled).send().await.unwrap();
    assert_eq!(got.checksum_sha256.as_deref(), Some(sha256(&data).as_str()));

    // A value given by the caller is sent as it is, and the server rejects a wrong one.
    let err = client
        .put_object()
        .bucket("sums")
        .key("wrong")
        .checksum_algorithm(ChecksumAlgorithm::Crc32c)
        .checksum_crc32c(crc32c(b"something else"))
        .body(ByteStream::from(data.clone()))
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Service);
    assert!(err.to_string().contains("BadDigest"), "{err}");

    // A one-shot stream cannot be hashed before it is sent.
    let err = client
        .put_object()
        .bucket("sums")
        .key("stream")
        .checksum_algorithm(ChecksumAlgorithm::Crc32)
        .body(ByteStream::from_reader(std::io::Cursor::new(data.clone()), Some(data.len() as u64)))
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
    assert!(err.to_string().contains("ChecksumCRC32"), "{err}");
}

#[tokio::test]
async fn a_download_that_does_not_match_its_checksum_fails_at_its_end() {
    let body = Bytes::from_static(b"hello world");
    let reply = |checksum: &str| Reply::Respond {
        status: 200,
        headers: vec![("x-amz-checksum-crc32c".into(), checksum.into())],
        body: body.clone(),
    };
    let replies = [reply("AAAAAA=="), reply(&crc32c(&body)), reply("AAAAAA==-3"), reply("AAAAAA==")];
    let server = FaultServer::start(move |_, n| replies[n.min(3)].clone()).await;
    let client = client(&server.url());
    let get = |mode: Option<ChecksumMode>| client.get_object().bucket("b").key("k").set_checksum_mode(mode).send();

    // The bytes arrive, but the body ends in an integrity error naming the header and what to do.
    let out = get(Some(ChecksumMode::Enabled)).await.unwrap();
    let err = out.body.collect().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Integrity, "{err}");
    assert!(err.to_string().contains("x-amz-checksum-crc32c: AAAAAA==") && err.to_string().contains("download it again"), "{err}");
    // The right checksum passes.
    assert_eq!(get(Some(ChecksumMode::Enabled)).await.unwrap().body.collect().await.unwrap(), body);
    // A composite checksum of a multipart object covers its parts, not these bytes: not checked.
    assert_eq!(get(Some(ChecksumMode::Enabled)).await.unwrap().body.collect().await.unwrap(), body);
    // Without ChecksumMode nothing is checked.
    assert_eq!(get(None).await.unwrap().body.collect().await.unwrap(), body);
    assert_eq!(server.requests()[0].header("x-amz-checksum-mode"), Some("ENABLED"));
}

#[tokio::test]
async fn a_corrupted_download_is_an_integrity_error_for_files_and_streams() {
    // A small object whose bytes never match the checksum the service sends.
    let body = Bytes::from_static(b"hello world");
    let server = FaultServer::start(move |request, _| {
        let mut headers = vec![("etag".into(), "\"e\"".into()), ("x-amz-checksum-crc32c".into(), "AAAAAA==".into())];
        if request.method == "HEAD" {
            headers.push(("content-length".into(), body.len().to_string()));
            Reply::Respond { status: 200, headers, body: Bytes::new() }
        } else {
            Reply::Respond { status: 200, headers, body: body.clone() }
        }
    })
    .await;
    let manager = TransferManager::with_config(client(&server.url()), crc32c_config());
    let dir = TempDir::new("checksum-corrupt");
    let target = dir.path().join("t");
    let err = manager.download_file("b", "k", &target).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Integrity, "{err}");
    assert!(err.to_string().contains("after 3 attempt(s)"), "each attempt fetched the object again: {err}");
    assert!(!target.exists() && crate::transfer_proxy::support::names_in(dir.path()).is_empty());

    // Streamed to a writer, the bytes are gone before the check fails: the error still says why.
    let (writer, mut reader) = tokio::io::duplex(64 * 1024);
    let handle = manager.download_stream("b", "k").write_to(writer);
    let mut got = Vec::new();
    let _ = tokio::io::AsyncReadExt::read_to_end(&mut reader, &mut got).await;
    let err = handle.await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Integrity, "{err}");
    assert!(err.to_string().contains("already handed on"), "{err}");
}

#[tokio::test]
async fn transfers_send_the_configured_checksum_with_every_part() {
    let server = S3sServer::start().await;
    client(&server.url()).create_bucket().bucket("parts").send().await.unwrap();
    let proxy = Proxy::start(server.url(), |_, _| Action::Forward).await;
    let manager = TransferManager::with_config(client(&proxy.url()), crc32c_config());
    let dir = TempDir::new("checksum-parts");

    let source = dir.path().join("big");
    let md5 = random_file(&source, 12 * MIB + 3, 11);
    let data = std::fs::read(&source).unwrap();
    let up = manager.upload_file(&source, "parts", "big").await.unwrap();
    assert_eq!(up.parts, 3);
    let seen = proxy.seen();
    let create = seen.iter().find(|s| s.operation() == "CreateMultipartUpload").unwrap();
    assert_eq!(create.headers["x-amz-checksum-algorithm"], "CRC32C");
    let mut parts: Vec<_> = seen.iter().filter(|s| s.operation() == "UploadPart").collect();
    parts.sort_by_key(|s| s.part_number());
    assert_eq!(parts.len(), 3);
    for (i, part) in parts.iter().enumerate() {
        let range = &data[i * 5 * MIB as usize..((i + 1) * 5 * MIB as usize).min(data.len())];
        assert_eq!(part.headers["x-amz-checksum-crc32c"], crc32c(range).as_str(), "part {}", i + 1);
        assert_eq!(part.headers["x-amz-sdk-checksum-algorithm"], "CRC32C");
        assert!(!part.headers.contains_key("content-md5"), "a flexible checksum replaces Content-MD5");
    }
    let target = dir.path().join("big.down");
    manager.download_file("parts", "big", &target).await.unwrap();
    assert_eq!(file_md5(&target), md5);

    // A single-part upload carries the checksum on PutObject (verified by s3s), and its one-GET download
    // asks for the checksum and checks it.
    let small = dir.path().join("small");
    let small_md5 = random_file(&small, MIB, 12);
    manager.upload_file(&small, "parts", "small").await.unwrap();
    let put = proxy.seen().into_iter().find(|s| s.operation() == "PutObject").unwrap();
    assert_eq!(put.headers["x-amz-checksum-crc32c"], crc32c(&std::fs::read(&small).unwrap()).as_str());
    let target = dir.path().join("small.down");
    manager.download_file("parts", "small", &target).await.unwrap();
    assert_eq!(file_md5(&target), small_md5);
    let get = proxy.seen().into_iter().rev().find(|s| s.operation() == "GetObject").unwrap();
    assert_eq!(get.headers["x-amz-checksum-mode"], "ENABLED");
}

/// Starts an upload of `source` with a state file and pauses it after its first part.
async fn upload_one_part_then_pause(manager: &TransferManager, source: &std::path::Path, key: &str, state: &std::path::Path) {
    let (listener, mut events) = ProgressListener::channel();
    let handle = manager.upload_file(source, "resume", key).state_file(state).on_progress(listener).start();
    while let Some(p) = events.recv().await {
        if matches!(p.event, ProgressEvent::PartDone { .. }) {
            handle.pause();
            break;
        }
    }
    assert!(cos_sdk::transfer::was_paused(&handle.await.unwrap_err()));
}

#[tokio::test]
async fn a_paused_upload_resumes_with_its_recorded_part_checksums() {
    let server = S3sServer::start().await;
    client(&server.url()).create_bucket().bucket("resume").send().await.unwrap();
    let proxy = Proxy::start(server.url(), |_, _| Action::Forward).await;
    let config = |algorithm: Option<ChecksumAlgorithm>| {
        let builder = TransferConfig::builder().multipart_threshold(5 * MIB).part_size(5 * MIB).max_concurrency(1);
        match algorithm {
            Some(a) => builder.checksum_algorithm(a),
            None => builder,
        }
        .build()
        .unwrap()
    };
    let sha_manager = TransferManager::with_config(client(&proxy.url()), config(Some(ChecksumAlgorithm::Sha256)));
    let md5_manager = TransferManager::with_config(client(&proxy.url()), config(None));
    let dir = TempDir::new("checksum-resume");
    let source = dir.path().join("src");
    let md5 = random_file(&source, 16 * MIB, 13);
    let data = std::fs::read(&source).unwrap();
    let state = dir.path().join("upload.state");

    // The state file records the algorithm and each part's checksum; resuming sends only the rest.
    upload_one_part_then_pause(&sha_manager, &source, "obj", &state).await;
    let saved = std::fs::read_to_string(&state).unwrap();
    assert!(saved.contains("\"checksum_algorithm\":\"SHA256\"") && saved.contains("\"version\":2"), "{saved}");
    assert!(saved.contains(&sha256(&data[..5 * MIB as usize])), "part 1's checksum is recorded: {saved}");
    let sent_before = proxy.count("UploadPart");
    sha_manager.upload_file(&source, "resume", "obj").state_file(&state).await.unwrap();
    let sent = proxy.count("UploadPart") - sent_before;
    assert!(sent <= 3, "the recorded part is not sent again ({sent} of 4 sent)");
    assert_eq!(file_md5(&server.object_path("resume", "obj")), md5);

    // With another checksum setting, the interrupted upload is aborted and all parts are sent anew.
    upload_one_part_then_pause(&sha_manager, &source, "obj2", &state).await;
    let (aborts, sent_before) = (proxy.count("AbortMultipartUpload"), proxy.count("UploadPart"));
    md5_manager.upload_file(&source, "resume", "obj2").state_file(&state).await.unwrap();
    assert_eq!(proxy.count("AbortMultipartUpload"), aborts + 1);
    assert_eq!(proxy.count("UploadPart") - sent_before, 4);
    assert_eq!(file_md5(&server.object_path("resume", "obj2")), md5);
}

/// A scripted multipart service: it answers Create, UploadPart (ETag `"e<N>"`), Complete (with the
/// checksum `complete_checksum` gives for the parts' checksums), Abort and HEAD (`size` bytes).
fn multipart_service(
    size: u64,
    complete_checksum: impl Fn(&[String]) -> String + Send + Sync + 'static,
) -> impl Fn(&RecordedRequest, usize) -> Reply + Send + Sync + 'static {
    let part_sums: Arc<Mutex<Vec<(u32, String)>>> = Arc::default();
    move |request, _| {
        let query = request.uri.query().unwrap_or("");
        let xml = |body: String| Reply::Respond {
            status: 200,
            headers: vec![("content-type".into(), "application/xml".into())],
            body: Bytes::from(body),
        };
        match request.method.as_str() {
            "POST" if query.contains("uploads") => {
                xml("<InitiateMultipartUploadResult><Bucket>b</Bucket><Key>k</Key><UploadId>up-1</UploadId></InitiateMultipartUploadResult>".into())
            }
            "PUT" => {
                let n: u32 = query.split('&').find_map(|p| p.strip_prefix("partNumber=")).unwrap().parse().unwrap();
                let sum = request.header("x-amz-checksum-crc32c").unwrap_or_default().to_string();
                part_sums.lock().unwrap().push((n, sum));
                Reply::Respond { status: 200, headers: vec![("etag".into(), format!("\"e{n}\""))], body: Bytes::new() }
            }
            "POST" => {
                let mut sums = part_sums.lock().unwrap().clone();
                sums.sort();
                let sums: Vec<String> = sums.into_iter().map(|(_, s)| s).collect();
                xml(format!(
                    "<CompleteMultipartUploadResult><Bucket>b</Bucket><Key>k</Key><ETag>\"x-{}\"</ETag>\
                     <ChecksumCRC32C>{}</ChecksumCRC32C></CompleteMultipartUploadResult>",
                    sums.len(),
                    complete_checksum(&sums)
                ))
            }
            "DELETE" => Reply::status(204, ""),
            "HEAD" => Reply::Respond { status: 200, headers: vec![("content-length".into(), size.to_string())], body: Bytes::new() },
            _ => Reply::s3_error(400, "Unexpected", "not scripted"),
        }
    }
}

/// The composite checksum of parts with these CRC32C checksums.
fn composite(sums: &[String]) -> String {
    let mut joined = Vec::new();
    for s in sums {
        joined.extend(base64::engine::general_purpose::STANDARD.decode(s).unwrap());
    }
    format!("{}-{}", crc32c(&joined), sums.len())
}

#[tokio::test]
async fn complete_lists_the_part_checksums_and_the_composite_is_checked() {
    let data = random_bytes(11 * MIB as usize, 21);
    let size = data.len() as u64;
    let server = FaultServer::start(multipart_service(size, composite)).await;
    let manager = TransferManager::with_config(client(&server.url()), crc32c_config());
    let out = manager.upload_stream(std::io::Cursor::new(data.clone()), "b", "k").await.unwrap();
    assert_eq!(out.parts, 3);
    let requests = server.requests();
    let complete = requests.iter().find(|r| r.method == "POST" && !r.uri.query().unwrap_or("").contains("uploads")).unwrap();
    let body = String::from_utf8(complete.body.to_vec()).unwrap();
    for (i, chunk) in data.chunks(5 * MIB as usize).enumerate() {
        let expected = format!("<ChecksumCRC32C>{}</ChecksumCRC32C><PartNumber>{}</PartNumber>", crc32c(chunk), i + 1);
        assert!(body.contains(&expected), "part {} in {body}", i + 1);
    }

    // A service whose object is not what the parts make fails the upload as an integrity error.
    let server = FaultServer::start(multipart_service(size, |sums| composite(&sums[1..]))).await;
    let manager = TransferManager::with_config(client(&server.url()), crc32c_config());
    let err = manager.upload_stream(std::io::Cursor::new(data), "b", "k").await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Integrity, "{err}");
    assert!(err.to_string().contains("CRC32C checksum") && err.to_string().contains("upload again"), "{err}");
}
