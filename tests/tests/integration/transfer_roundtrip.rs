//! The transfer manager end to end against the embedded s3s server: round trips at the size edges and
//! of 200 MiB compared by hash, streams of unknown length, ordered chunk downloads, single and multipart
//! copies, directories with include and exclude patterns, progress reports, and resume of uploads and
//! downloads.

use bytes::Bytes;
use cos_sdk::transfer::{
    CopySource, ObjectSettings, ProgressEvent, ProgressListener, TransferConfig, TransferManager,
};
use cos_sdk_tests::s3s_server::S3sServer;
use cos_sdk_tests::temp::TempDir;
use futures_util::StreamExt;

use crate::transfer_proxy::support::{client, file_md5, md5_hex, names_in, random_bytes, random_file, MIB};

async fn setup(bucket: &str) -> (S3sServer, TransferManager) {
    let server = S3sServer::start().await;
    let client = client(&server.url());
    client.create_bucket().bucket(bucket).send().await.unwrap();
    (server, TransferManager::new(client))
}

/// A manager with 5 MiB parts and threshold, so multipart paths run on small files.
fn small_parts(manager: &TransferManager, concurrency: usize) -> TransferManager {
    let config = TransferConfig::builder()
        .multipart_threshold(5 * MIB)
        .part_size(5 * MIB)
        .max_concurrency(concurrency)
        .build()
        .unwrap();
    TransferManager::with_config(manager.client().clone(), config)
}

#[tokio::test]
async fn round_trips_at_the_threshold_edges_with_default_config() {
    let (_server, manager) = setup("edges").await;
    let dir = TempDir::new("transfer-edges");
    let threshold = manager.config().multipart_threshold();
    assert_eq!(threshold, 8 * MIB);
    for (i, size) in [0, 1, threshold - 1, threshold, threshold + 1].into_iter().enumerate() {
        let source = dir.path().join(format!("up-{size}"));
        let md5 = random_file(&source, size, i as u64);
        let key = format!("edge/{size}");
        let up = manager.upload_file(&source, "edges", &key).await.unwrap_or_else(|e| panic!("upload {size}: {e}"));
        assert_eq!(up.size, size);
        let expected_parts = if size < threshold { 0 } else { size.div_ceil(8 * MIB) as u32 };
        assert_eq!(up.parts, expected_parts, "parts for {size} bytes");
        let target = dir.path().join(format!("down-{size}"));
        let down = manager.download_file("edges", &key, &target).await.unwrap_or_else(|e| panic!("download {size}: {e}"));
        assert_eq!(down.size, size);
        assert_eq!(file_md5(&target), md5, "content of {size} bytes");
        if size >= threshold {
            assert_eq!(down.parts as u64, size.div_ceil(8 * MIB));
            assert!(up.e_tag.as_deref().unwrap_or_default().contains('-'), "multipart ETag: {:?}", up.e_tag);
        }
    }
    // No temporary or state files are left beside the targets.
    assert!(names_in(dir.path()).iter().all(|n| !n.starts_with('.')), "{:?}", names_in(dir.path()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_hundred_mib_round_trip_by_file_stream_and_copy() {
    let (server, manager) = setup("big").await;
    let manager = small_parts(&manager, 8);
    let dir = TempDir::new("transfer-big");
    let source = dir.path().join("source.bin");
    let md5 = random_file(&source, 200 * MIB, 42);

    let (listener, mut events) = ProgressListener::channel();
    let up = manager.upload_file(&source, "big", "data/source.bin").on_progress(listener).await.unwrap();
    assert_eq!((up.size, up.parts), (200 * MIB, 40));
    let mut parts_done = 0;
    let mut last = None;
    while let Ok(p) = events.try_recv() {
        if matches!(p.event, ProgressEvent::PartDone { .. }) {
            parts_done += 1;
        }
        assert_eq!(p.total, Some(200 * MIB));
        last = Some(p);
    }
    let last = last.unwrap();
    assert_eq!((parts_done, last.event, last.bytes_done), (40, ProgressEvent::Completed, 200 * MIB));
    // The stored object is the file.
    assert_eq!(file_md5(&server.object_path("big", "data/source.bin")), md5);

    let target = dir.path().join("down.bin");
    let down = manager.download_file("big", "data/source.bin", &target).await.unwrap();
    assert_eq!((down.size, down.parts), (200 * MIB, 40));
    assert_eq!(file_md5(&target), md5);

    // Ordered chunks hash to the same.
    let mut chunks = manager.download_stream("big", "data/source.bin").into_chunks();
    let mut hash = md5::Md5::default();
    let mut total = 0;
    while let Some(chunk) = chunks.next().await {
        let chunk = chunk.unwrap();
        total += chunk.len() as u64;
        md5::Digest::update(&mut hash, &chunk);
    }
    assert_eq!(total, 200 * MIB);
    assert_eq!(crate::transfer_proxy::support::hex(&md5::Digest::finalize(hash)), md5);
    chunks.finish().await.unwrap();

    // A multipart copy (UploadPartCopy) gives the same bytes.
    let copy = manager.copy(CopySource::new("big", "data/source.bin"), "big", "data/copy.bin").await.unwrap();
    assert_eq!((copy.size, copy.parts), (200 * MIB, 40));
    assert_eq!(file_md5(&server.object_path("big", "data/copy.bin")), md5);
}

/// A reader of pseudo-random bytes whose length the uploader cannot know in advance.
fn reader_of(data: Vec<u8>) -> impl tokio::io::AsyncRead + Send + 'static {
    std::io::Cursor::new(data)
}

#[tokio::test]
async fn streams_of_unknown_length_upload_in_parts_or_in_one_put() {
    let (server, manager) = setup("streams").await;
    let manager = small_parts(&manager, 4);
    // 12 MiB + 3 bytes: three parts (5, 5, 2 MiB + 3).
    let data = random_bytes((12 * MIB + 3) as usize, 7);
    let up = manager.upload_stream(reader_of(data.clone()), "streams", "reader").await.unwrap();
    assert_eq!((up.size, up.parts), (data.len() as u64, 3));
    assert_eq!(std::fs::read(server.object_path("streams", "reader")).unwrap(), data);

    // The same bytes as a stream of odd-sized chunks.
    let chunks: Vec<Result<Bytes, std::io::Error>> = data.chunks(777_777).map(|c| Ok(Bytes::copy_from_slice(c))).collect();
    let up = manager.upload_chunks(futures_util::stream::iter(chunks), "streams", "chunks").await.unwrap();
    assert_eq!((up.size, up.parts), (data.len() as u64, 3));
    assert_eq!(std::fs::read(server.object_path("streams", "chunks")).unwrap(), data);

    // Exactly one part's worth goes multipart; less than the threshold is one PutObject; empty works.
    for (len, parts) in [(5 * MIB, 1), (5 * MIB - 1, 0), (0, 0)] {
        let data = random_bytes(len as usize, len);
        let key = format!("len-{len}");
        let up = manager.upload_stream(reader_of(data.clone()), "streams", &key).await.unwrap();
        assert_eq!((up.size, up.parts), (len, parts), "{len} bytes");
        assert_eq!(std::fs::read(server.object_path("streams", &key)).unwrap(), data);
    }

    // A failing stream fails the upload (and aborts it) with the stream's error.
    let failing = futures_util::stream::iter(vec![
        Ok(Bytes::from(vec![1u8; (6 * MIB) as usize])),
        Err(std::io::Error::other("the producer broke")),
    ]);
    let err = manager.upload_chunks(failing, "streams", "broken").await.unwrap_err();
    assert!(err.to_string().contains("stream to upload failed"), "{err}");
    assert!(!server.object_path("streams", "broken").exists());
}

#[tokio::test]
async fn download_stream_writes_in_order_to_a_writer() {
    let (_server, manager) = setup("dlbucket").await;
    let manager = small_parts(&manager, 3);
    let data = random_bytes((17 * MIB + 5) as usize, 3);
    manager.client().put_object().bucket("dlbucket").key("k").body(Bytes::from(data.clone())).send().await.unwrap();
    let (writer, mut reader) = tokio::io::duplex(64 * 1024);
    let handle = manager.download_stream("dlbucket", "k").write_to(writer);
    let mut got = Vec::new();
    tokio::io::AsyncReadExt::read_to_end(&mut reader, &mut got).await.unwrap();
    let out = handle.await.unwrap();
    assert_eq!((out.size, out.parts), (data.len() as u64, 4));
    assert_eq!(md5_hex(&got), md5_hex(&data));

    // A small object is one GET, as chunks.
    manager.client().put_object().bucket("dlbucket").key("small").body(Bytes::from_static(b"tiny")).send().await.unwrap();
    let mut chunks = manager.download_stream("dlbucket", "small").into_chunks();
    let mut small = Vec::new();
    while let Some(c) = chunks.next_chunk().await {
        small.extend_from_slice(&c.unwrap());
    }
    assert_eq!(small, b"tiny");
    assert_eq!(chunks.finish().await.unwrap().parts, 0);

    // A missing object is an error naming it, and no file appears.
    let dir = TempDir::new("transfer-missing");
    let err = manager.download_file("dlbucket", "missing", dir.path().join("m")).await.unwrap_err();
    assert!(err.to_string().contains("dlbucket/missing"), "{err}");
    assert!(names_in(dir.path()).is_empty(), "{:?}", names_in(dir.path()));
}

#[tokio::test]
async fn copies_keep_metadata_or_replace_it() {
    let (server, manager) = setup("copies").await;
    let manager = small_parts(&manager, 4);
    let dir = TempDir::new("transfer-copy");
    let source = dir.path().join("s");
    let md5 = random_file(&source, 11 * MIB, 9);
    let settings = ObjectSettings::new().content_type("application/x-test").metadata("origin", "unit");
    manager.upload_file(&source, "copies", "src").settings(settings).await.unwrap();

    // Multipart copy: the source's content type and metadata carry over.
    let out = manager.copy(CopySource::new("copies", "src"), "copies", "dst dir/é+copy").await.unwrap();
    assert_eq!(out.parts, 3);
    let head = manager.client().head_object().bucket("copies").key("dst dir/é+copy").send().await.unwrap();
    assert_eq!(head.content_type.as_deref(), Some("application/x-test"));
    assert_eq!(head.metadata.unwrap().get("origin").map(String::as_str), Some("unit"));
    assert_eq!(file_md5(&server.object_path("copies", "dst dir/é+copy")), md5);

    // Single-part copy with new metadata.
    manager.client().put_object().bucket("copies").key("small").body(Bytes::from_static(b"hello")).send().await.unwrap();
    let out = manager
        .copy(CopySource::new("copies", "small"), "copies", "small-copy")
        .settings(ObjectSettings::new().metadata("new", "yes"))
        .await
        .unwrap();
    assert_eq!(out.parts, 0);
    let head = manager.client().head_object().bucket("copies").key("small-copy").send().await.unwrap();
    assert_eq!(head.metadata.unwrap().get("new").map(String::as_str), Some("yes"));
}

#[tokio::test]
async fn directories_round_trip_with_include_and_exclude() {
    let (_server, manager) = setup("dirs").await;
    let manager = small_parts(&manager, 4);
    let src = TempDir::new("transfer-dir-src");
    src.write("a.csv", "1,2");
    src.write("nested/b.csv", "3,4");
    src.write("nested/deeper/c.csv", "5,6");
    src.write("nested/skip.json", "{}");
    src.write("tmp/d.csv", "7,8");
    let big = random_bytes((6 * MIB) as usize, 1);
    src.write("nested/big.csv", &big);

    let (listener, mut events) = ProgressListener::channel();
    let out = manager
        .upload_directory(src.path(), "dirs", "backup")
        .include("**/*.csv")
        .exclude("tmp/**")
        .on_progress(listener)
        .await
        .unwrap();
    let keys: Vec<&str> = out.transferred.iter().map(|(_, k)| k.as_str()).collect();
    assert_eq!(keys, ["backup/a.csv", "backup/nested/b.csv", "backup/nested/big.csv", "backup/nested/deeper/c.csv"]);
    assert_eq!(out.bytes, 3 * 3 + 6 * MIB);
    let mut last = None;
    while let Ok(p) = events.try_recv() {
        last = Some(p);
    }
    let last = last.unwrap();
    assert_eq!((last.event, last.bytes_done, last.total), (ProgressEvent::Completed, out.bytes, Some(out.bytes)));

    let dst = TempDir::new("transfer-dir-dst");
    let out = manager.download_directory("dirs", "backup/", dst.path()).exclude("nested/deeper/**").await.unwrap();
    assert_eq!(out.transferred.len(), 3);
    assert_eq!(std::fs::read(dst.path().join("a.csv")).unwrap(), b"1,2");
    assert_eq!(std::fs::read(dst.path().join("nested/b.csv")).unwrap(), b"3,4");
    assert_eq!(std::fs::read(dst.path().join("nested/big.csv")).unwrap(), big);
    assert!(!dst.path().join("nested/deeper").exists());

    // A bad pattern is an error naming it.
    let err = manager.upload_directory(src.path(), "dirs", "x").include("[oops").await.unwrap_err();
    assert!(err.to_string().contains("[oops"), "{err}");
}

#[tokio::test]
async fn keys_that_would_share_a_file_are_downloaded_once_and_the_rest_skipped() {
    let (server, manager) = setup("clash").await;
    let put = |key: &'static str, body: &'static str| {
        client(&server.url()).put_object().bucket("clash").key(key).body(cos_sdk::ByteStream::from(body)).send()
    };
    // Under the prefix `data`, `data/x` and `datax` both become `x`: the listing's first key keeps the
    // name. `data/.y.cos-download` is named like the temporary file of a download of `data/y` (as an
    // upload of a directory with an interrupted download in it once made): it is left out.
    for (key, body) in [("data/x", "first"), ("datax", "second"), ("data/.y.cos-download", "odd"), ("data/y", "y")] {
        put(key, body).await.unwrap();
    }
    let dst = TempDir::new("transfer-dir-clash");
    let out = manager.download_directory("clash", "data", dst.path()).await.unwrap();
    let keys: Vec<&str> = out.transferred.iter().map(|(_, k)| k.as_str()).collect();
    assert_eq!(keys, ["data/x", "data/y"]);
    assert_eq!(out.skipped, ["data/.y.cos-download", "datax"]);
    assert_eq!(std::fs::read(dst.path().join("x")).unwrap(), b"first");
    assert_eq!(names_in(dst.path()), ["x", "y"]);

    // Uploading a directory leaves an interrupted download's work files out.
    dst.write(".z.cos-download", "partial");
    dst.write(".z.cos-download.state", "{}");
    let out = manager.upload_directory(dst.path(), "clash", "back").await.unwrap();
    let keys: Vec<&str> = out.transferred.iter().map(|(_, k)| k.as_str()).collect();
    assert_eq!(keys, ["back/x", "back/y"]);
}

#[tokio::test]
async fn a_paused_upload_resumes_from_its_state_file() {
    let (server, manager) = setup("resume").await;
    // One part at a time, so a pause lands between parts.
    let manager = small_parts(&manager, 1);
    let dir = TempDir::new("transfer-resume");
    let source = dir.path().join("src");
    let md5 = random_file(&source, 26 * MIB, 5);
    let state = dir.path().join("upload.state");

    let (listener, mut events) = ProgressListener::channel();
    let handle = manager.upload_file(&source, "resume", "obj").state_file(&state).on_progress(listener).start();
    // Pause once two parts are done.
    let mut done = 0;
    while let Some(p) = events.recv().await {
        if matches!(p.event, ProgressEvent::PartDone { .. }) {
            done += 1;
            if done == 2 {
                handle.pause();
                break;
            }
        }
    }
    let err = handle.await.unwrap_err();
    assert!(cos_sdk::transfer::was_paused(&err), "{err}");
    assert!(state.exists(), "the state file is kept on pause");
    assert!(!server.object_path("resume", "obj").exists());

    let (listener, mut events) = ProgressListener::channel();
    let out = manager.upload_file(&source, "resume", "obj").state_file(&state).on_progress(listener).await.unwrap();
    assert_eq!(out.parts, 6);
    let mut skipped = 0;
    let mut sent = 0;
    while let Ok(p) = events.try_recv() {
        match p.event {
            ProgressEvent::PartSkipped { .. } => skipped += 1,
            ProgressEvent::PartDone { .. } => sent += 1,
            _ => {}
        }
    }
    assert!(skipped >= 2, "parts done before the pause are not sent again: {skipped} skipped, {sent} sent");
    assert_eq!(skipped + sent, 6);
    assert_eq!(file_md5(&server.object_path("resume", "obj")), md5);
    assert!(!state.exists(), "the state file is removed when the upload completes");

    // A state file of another object is refused.
    std::fs::write(&state, "{\"version\":1,\"kind\":\"upload\",\"bucket\":\"resume\",\"key\":\"other\",\"upload_id\":\"x\",\"part_size\":5242880}\n").unwrap();
    let err = manager.upload_file(&source, "resume", "obj").state_file(&state).await.unwrap_err();
    assert!(err.to_string().contains("belongs to an upload to resume/other"), "{err}");
}
