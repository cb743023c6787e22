//! The transfer manager under faults, through a proxy in front of the embedded s3s server: the
//! concurrency limit, a part that fails twice then succeeds, a part that keeps failing (the upload is
//! aborted and the error names the part), a connection reset mid-part, a response cut short mid-part, an
//! object that changes during a download, cancellation, and resume after a simulated kill.

use std::path::Path;
use std::time::Duration;

use cos_sdk::transfer::{
    was_cancelled, ProgressEvent, ProgressListener, TransferConfig, TransferHandle, TransferManager, UploadOutput,
};
use cos_sdk::RetryConfig;
use cos_sdk_tests::s3s_server::S3sServer;
use cos_sdk_tests::temp::TempDir;

use crate::transfer_proxy::support::{client, client_with, file_md5, names_in, random_file, MIB};
use crate::transfer_proxy::{Action, Proxy, Seen};

fn config(concurrency: usize) -> TransferConfig {
    TransferConfig::builder().multipart_threshold(5 * MIB).part_size(5 * MIB).max_concurrency(concurrency).build().unwrap()
}

/// An s3s server with `bucket`, a proxy in front of it with `rule`, and a manager talking to the proxy.
async fn setup(
    bucket: &str,
    concurrency: usize,
    rule: impl Fn(&Seen, usize) -> Action + Send + Sync + 'static,
) -> (S3sServer, Proxy, TransferManager) {
    let server = S3sServer::start().await;
    client(&server.url()).create_bucket().bucket(bucket).send().await.unwrap();
    let proxy = Proxy::start(server.url(), rule).await;
    let manager = TransferManager::with_config(client(&proxy.url()), config(concurrency));
    (server, proxy, manager)
}

/// Starts an upload of `source` to `bucket`/`k` with the state file `state`, and hands back its handle
/// once a part is done.
async fn upload_until_a_part_is_done(manager: &TransferManager, source: &Path, bucket: &str, state: &Path) -> TransferHandle<UploadOutput> {
    let (listener, mut events) = ProgressListener::channel();
    let handle = manager.upload_file(source, bucket, "k").state_file(state).on_progress(listener).start();
    while let Some(p) = events.recv().await {
        if matches!(p.event, ProgressEvent::PartDone { .. }) {
            break;
        }
    }
    handle
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_concurrency_limit_is_honoured_for_uploads_downloads_and_copies() {
    let slow = |s: &Seen, _: usize| match s.operation() {
        "UploadPart" | "GetObject" | "UploadPartCopy" => Action::Delay(Duration::from_millis(150)),
        _ => Action::Forward,
    };
    let (_server, proxy, manager) = setup("limits", 3, slow).await;
    let dir = TempDir::new("transfer-limit");
    let source = dir.path().join("s");
    let md5 = random_file(&source, 40 * MIB, 1);
    manager.upload_file(&source, "limits", "k").await.unwrap();
    let target = dir.path().join("t");
    manager.download_file("limits", "k", &target).await.unwrap();
    assert_eq!(file_md5(&target), md5);
    manager.copy(cos_sdk::transfer::CopySource::new("limits", "k"), "limits", "k2").await.unwrap();
    for op in ["UploadPart", "GetObject", "UploadPartCopy"] {
        assert_eq!(proxy.count(op), 8, "{op} requests");
        let max = proxy.max_in_flight(op);
        assert!(max <= 3, "{op}: {max} requests in flight, the limit is 3");
        assert!(max >= 2, "{op}: parts should run in parallel, saw at most {max}");
    }
}

#[tokio::test]
async fn a_part_failing_twice_then_succeeding_is_retried_by_the_transfer() {
    // The client does not retry at all here, so what recovers is the transfer's own part retry.
    let flaky = |s: &Seen, earlier: usize| {
        if s.operation() == "UploadPart" && s.part_number() == Some(2) && earlier < 2 {
            Action::Error(500, "InternalError")
        } else {
            Action::Forward
        }
    };
    let (server, proxy, _) = setup("flaky", 2, flaky).await;
    let manager = TransferManager::with_config(client_with(&proxy.url(), RetryConfig::disabled()), config(2));
    let dir = TempDir::new("transfer-flaky");
    let source = dir.path().join("s");
    let md5 = random_file(&source, 12 * MIB, 2);
    let (listener, mut events) = ProgressListener::channel();
    let out = manager.upload_file(&source, "flaky", "k").on_progress(listener).await.unwrap();
    assert_eq!(out.parts, 3);
    assert_eq!(file_md5(&server.object_path("flaky", "k")), md5);
    let attempts_of_part_2 = proxy.seen().iter().filter(|s| s.operation() == "UploadPart" && s.part_number() == Some(2)).count();
    assert_eq!(attempts_of_part_2, 3);
    let mut retries = Vec::new();
    while let Ok(p) = events.try_recv() {
        if let ProgressEvent::PartRetry { part_number, attempt, reason } = p.event {
            assert!(reason.contains("InternalError"), "{reason}");
            retries.push((part_number, attempt));
        }
    }
    assert_eq!(retries, [(2, 1), (2, 2)]);
}

#[tokio::test]
async fn a_part_that_keeps_failing_aborts_the_upload_and_is_named() {
    let denied = |s: &Seen, _: usize| {
        if s.operation() == "UploadPart" && s.part_number() == Some(3) {
            Action::Error(403, "AccessDenied")
        } else {
            Action::Forward
        }
    };
    let (server, proxy, manager) = setup("fails", 2, denied).await;
    let dir = TempDir::new("transfer-fails");
    let source = dir.path().join("s");
    random_file(&source, 16 * MIB, 3);
    let err = manager.upload_file(&source, "fails", "k").await.unwrap_err();
    let text = err.to_string();
    assert_eq!(err.code(), Some("AccessDenied"), "{text}");
    assert!(text.contains("part 3 of 4 (bytes 10485760-15728639) failed after 1 attempt(s)"), "{text}");
    assert!(text.contains("was aborted"), "{text}");
    assert!(text.contains("fails/k"), "{text}");
    assert_eq!(proxy.count("AbortMultipartUpload"), 1);
    assert_eq!(proxy.count("CompleteMultipartUpload"), 0);
    assert!(!server.object_path("fails", "k").exists());

    // 5xx that outlast the client's and the transfer's retries also end in an abort.
    proxy.set_rule(|s: &Seen, _| if s.operation() == "UploadPart" { Action::Error(503, "SlowDown") } else { Action::Forward });
    let err = manager.upload_file(&source, "fails", "k2").await.unwrap_err();
    assert!(err.to_string().contains("failed after 3 attempt(s)"), "{err}");
    assert_eq!(proxy.count("AbortMultipartUpload"), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connection_reset_mid_part_and_a_response_cut_short_are_recovered() {
    let resets = |s: &Seen, earlier: usize| match (s.operation(), s.part_number(), s.range_start(), earlier) {
        // The connection drops after 1 MiB of part 2's body, once.
        ("UploadPart", Some(2), _, 0) => Action::ResetAfter(1 << 20),
        // The second ranged GET sends 1 MiB of its 5 MiB and drops, twice.
        ("GetObject", _, Some(start), 0 | 1) if start == 5 * MIB => Action::TruncateResponse(1 << 20),
        _ => Action::Forward,
    };
    let (server, proxy, manager) = setup("resets", 2, resets).await;
    let dir = TempDir::new("transfer-resets");
    let source = dir.path().join("s");
    let md5 = random_file(&source, 13 * MIB, 4);
    let (listener, mut sent) = ProgressListener::channel();
    manager.upload_file(&source, "resets", "k").on_progress(listener).await.unwrap();
    assert_eq!(file_md5(&server.object_path("resets", "k")), md5);
    assert!(proxy.seen().iter().filter(|s| s.operation() == "UploadPart" && s.part_number() == Some(2)).count() >= 2);
    // Upload progress comes at least every MiB sent, and the reset attempt's bytes count once.
    let mut done = Vec::new();
    let mut byte_events = 0;
    while let Ok(p) = sent.try_recv() {
        byte_events += usize::from(p.event == ProgressEvent::Bytes);
        done.push(p.bytes_done);
    }
    assert!(byte_events >= 10, "{byte_events} Bytes events for 13 MiB");
    // Reports from parallel parts may arrive out of order; sorted, they climb by at most a MiB.
    done.sort_unstable();
    assert!(done.windows(2).all(|w| w[1] - w[0] <= MIB), "{done:?}");
    assert_eq!(done.last().copied(), Some(13 * MIB));

    let target = dir.path().join("t");
    let (listener, mut events) = ProgressListener::channel();
    let out = manager.download_file("resets", "k", &target).on_progress(listener).await.unwrap();
    assert_eq!(out.size, 13 * MIB);
    assert_eq!(file_md5(&target), md5);
    let gets_of_part_2 = proxy.seen().iter().filter(|s| s.operation() == "GetObject" && s.range_start() == Some(5 * MIB)).count();
    assert!(gets_of_part_2 >= 3, "{gets_of_part_2}");
    let mut last = None;
    while let Ok(p) = events.try_recv() {
        last = Some(p);
    }
    // Bytes of broken attempts are not counted twice.
    assert_eq!(last.unwrap().bytes_done, 13 * MIB);
}

#[tokio::test]
async fn an_object_that_changes_during_a_download_leaves_no_file() {
    let changed = |s: &Seen, _: usize| {
        if s.operation() == "GetObject" && s.range_start() == Some(10 * MIB) {
            Action::Error(412, "PreconditionFailed")
        } else {
            Action::Forward
        }
    };
    let (_server, proxy, manager) = setup("changes", 2, changed).await;
    let dir = TempDir::new("transfer-changes");
    let source = dir.path().join("s");
    random_file(&source, 12 * MIB, 6);
    manager.upload_file(&source, "changes", "k").await.unwrap();
    let out_dir = TempDir::new("transfer-changes-out");
    let target = out_dir.path().join("t");
    std::fs::write(&target, b"the old version").unwrap();
    let err = manager.download_file("changes", "k", &target).await.unwrap_err();
    assert!(err.to_string().contains("the object changed during the transfer"), "{err}");
    // Every ranged GET carried the ETag.
    let gets: Vec<Seen> = proxy.seen().into_iter().filter(|s| s.operation() == "GetObject").collect();
    assert!(!gets.is_empty() && gets.iter().all(|s| s.headers.contains_key("if-match")));
    // The old file is untouched and no temporary file is left.
    assert_eq!(std::fs::read(&target).unwrap(), b"the old version");
    assert_eq!(names_in(out_dir.path()), ["t"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancelling_aborts_uploads_and_removes_partial_downloads() {
    let slow = |s: &Seen, _: usize| match s.operation() {
        "UploadPart" | "GetObject" if s.part_number() != Some(1) && s.range_start().unwrap_or(1) != 0 => {
            Action::Delay(Duration::from_secs(30))
        }
        _ => Action::Forward,
    };
    let (server, proxy, manager) = setup("cancel", 2, slow).await;
    let dir = TempDir::new("transfer-cancel");
    let source = dir.path().join("s");
    random_file(&source, 20 * MIB, 7);
    let state = dir.path().join("state");
    let handle = upload_until_a_part_is_done(&manager, &source, "cancel", &state).await;
    handle.cancel();
    let err = tokio::time::timeout(Duration::from_secs(10), handle).await.expect("cancel is prompt").unwrap_err();
    assert!(was_cancelled(&err), "{err}");
    assert_eq!(err.kind(), cos_sdk::ErrorKind::Stopped);
    assert!(err.to_string().contains("was aborted"), "{err}");
    assert_eq!(proxy.count("AbortMultipartUpload"), 1);
    assert!(!state.exists(), "a cancelled upload's state file is removed");
    assert!(!server.object_path("cancel", "k").exists());

    // A cancelled download leaves neither the target nor its temporary files.
    proxy.set_rule(|_: &Seen, _| Action::Forward);
    manager.upload_file(&source, "cancel", "k").await.unwrap();
    proxy.set_rule(slow);
    let out_dir = TempDir::new("transfer-cancel-out");
    let handle = manager.download_file("cancel", "k", out_dir.path().join("t")).start();
    tokio::time::sleep(Duration::from_millis(500)).await;
    handle.cancel();
    let err = tokio::time::timeout(Duration::from_secs(10), handle).await.expect("cancel is prompt").unwrap_err();
    assert!(was_cancelled(&err), "{err}");
    assert!(names_in(out_dir.path()).is_empty(), "{:?}", names_in(out_dir.path()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dropped_handle_cancels_and_a_detached_one_runs_on() {
    let slow = |s: &Seen, _: usize| match s.operation() {
        "UploadPart" if s.part_number() != Some(1) => Action::Delay(Duration::from_secs(30)),
        _ => Action::Forward,
    };
    let (server, proxy, manager) = setup("dropped", 2, slow).await;
    let dir = TempDir::new("transfer-drop");
    let source = dir.path().join("s");
    random_file(&source, 20 * MIB, 9);
    let state = dir.path().join("state");

    // A timeout that runs out drops the transfer, which cancels it: the upload is aborted.
    let timed_out = tokio::time::timeout(Duration::from_secs(1), manager.upload_file(&source, "dropped", "k")).await;
    assert!(timed_out.is_err());
    for _ in 0..100 {
        if proxy.count("AbortMultipartUpload") == 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(proxy.count("AbortMultipartUpload"), 1);
    assert!(!server.object_path("dropped", "k").exists());

    // With a state file, a drop pauses instead: the state and the multipart upload stay for a resume.
    let timed_out = tokio::time::timeout(Duration::from_secs(1), manager.upload_file(&source, "dropped", "k").state_file(&state)).await;
    assert!(timed_out.is_err());
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(state.exists(), "the paused upload's state file is kept");
    assert_eq!(proxy.count("AbortMultipartUpload"), 1, "nothing more was aborted");

    // A detached transfer finishes on its own.
    proxy.set_rule(|_: &Seen, _| Action::Forward);
    let (listener, mut events) = ProgressListener::channel();
    manager.upload_file(&source, "dropped", "k2").on_progress(listener).start().detach();
    let mut finished = false;
    while let Some(p) = events.recv().await {
        if p.event == ProgressEvent::Completed {
            finished = true;
            break;
        }
    }
    assert!(finished);
    assert_eq!(std::fs::metadata(server.object_path("dropped", "k2")).unwrap().len(), 20 * MIB);
    assert_eq!(proxy.count("AbortMultipartUpload"), 1);
}

#[test]
fn an_upload_resumes_after_its_process_is_killed() {
    // The "kill": the runtime running the upload is shut down mid-way, so no cleanup code runs at all
    // (no abort, no state-file removal), as when the process dies.
    let dir = TempDir::new("transfer-kill");
    let source = dir.path().join("s");
    let md5 = random_file(&source, 31 * MIB, 8);
    let state = dir.path().join("upload.state");
    let server_rt = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap();
    let (server, proxy) = server_rt.block_on(async {
        let server = S3sServer::start().await;
        client(&server.url()).create_bucket().bucket("killed").send().await.unwrap();
        // Parts after the third hang, so the kill finds three parts done.
        let proxy = Proxy::start(server.url(), |s: &Seen, _| match s.part_number() {
            Some(n) if n > 3 => Action::Delay(Duration::from_secs(60)),
            _ => Action::Forward,
        })
        .await;
        (server, proxy)
    });

    let doomed = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap();
    let url = proxy.url();
    let state_in = state.clone();
    let source_in = source.clone();
    doomed.block_on(async move {
        let manager = TransferManager::with_config(client(&url), config(2));
        let (listener, mut events) = ProgressListener::channel();
        let handle = manager.upload_file(&source_in, "killed", "k").state_file(&state_in).on_progress(listener).start();
        let mut done = 0;
        while let Some(p) = events.recv().await {
            if matches!(p.event, ProgressEvent::PartDone { .. }) {
                done += 1;
                if done == 3 {
                    break;
                }
            }
        }
        // Dropping a handle would cancel the upload and clean up; a killed process does not.
        handle.detach();
    });
    doomed.shutdown_background();
    let recorded = std::fs::read_to_string(&state).unwrap();
    assert_eq!(recorded.lines().count(), 4, "a header and three parts: {recorded}");

    server_rt.block_on(async {
        proxy.set_rule(|_: &Seen, _| Action::Forward);
        // A part the doomed runtime had already written to its socket may reach the proxy a moment
        // after the kill: count from when the arrivals have settled.
        let mut before = proxy.count("UploadPart");
        loop {
            tokio::time::sleep(Duration::from_millis(300)).await;
            let now = proxy.count("UploadPart");
            if now == before {
                break;
            }
            before = now;
        }
        let manager = TransferManager::with_config(client(&proxy.url()), config(2));
        let out = manager.upload_file(&source, "killed", "k").state_file(&state).await.unwrap();
        assert_eq!((out.size, out.parts), (31 * MIB, 7));
        let ops: Vec<&str> = proxy.seen().iter().map(|s| s.operation()).collect();
        assert_eq!(proxy.count("ListParts"), 1, "the recorded parts are checked with ListParts: {ops:?}");
        assert_eq!(proxy.count("CreateMultipartUpload"), 1, "the interrupted upload is reused");
        let sent = proxy.count("UploadPart") - before;
        assert_eq!(sent, 4, "only parts 4 to 7 are sent again");
        assert_eq!(file_md5(&server.object_path("killed", "k")), md5);
        assert!(!state.exists());
    });
}

#[tokio::test]
async fn a_failed_download_resumes_from_the_parts_already_written() {
    let broken = |s: &Seen, _: usize| {
        if s.operation() == "GetObject" && s.range_start() == Some(15 * MIB) {
            Action::Error(403, "AccessDenied")
        } else {
            Action::Forward
        }
    };
    let (_server, proxy, manager) = setup("dlresume", 1, broken).await;
    let dir = TempDir::new("transfer-dlresume");
    let source = dir.path().join("s");
    let md5 = random_file(&source, 22 * MIB, 9);
    proxy.set_rule(|_: &Seen, _| Action::Forward);
    manager.upload_file(&source, "dlresume", "k").await.unwrap();
    proxy.set_rule(broken);
    let out_dir = TempDir::new("transfer-dlresume-out");
    let target = out_dir.path().join("t.bin");
    let err = manager.download_file("dlresume", "k", &target).await.unwrap_err();
    assert!(err.to_string().contains("download again to resume"), "{err}");
    assert!(!target.exists(), "never a partial file under the target name");
    assert_eq!(names_in(out_dir.path()), [".t.bin.cos-download", ".t.bin.cos-download.state"]);

    proxy.set_rule(|_: &Seen, _| Action::Forward);
    let gets_before = proxy.count("GetObject");
    let out = manager.download_file("dlresume", "k", &target).await.unwrap();
    assert_eq!(out.resumed_parts, 3, "parts 1-3 were on disk");
    assert_eq!(proxy.count("GetObject") - gets_before, 2);
    assert_eq!(file_md5(&target), md5);
    assert_eq!(names_in(out_dir.path()), ["t.bin"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_single_get_cut_short_after_a_written_batch_is_downloaded_again_whole() {
    // The first GET sends 2 MiB of 3 (past the 1 MiB write batch, so bytes reached the file) and drops.
    let cut = |s: &Seen, earlier: usize| match (s.operation(), earlier) {
        ("GetObject", 0) => Action::TruncateResponse(2 << 20),
        _ => Action::Forward,
    };
    let (_server, proxy, manager) = setup("cut", 2, cut).await;
    let dir = TempDir::new("transfer-cut");
    let source = dir.path().join("s");
    let md5 = random_file(&source, 3 * MIB, 7);
    manager.upload_file(&source, "cut", "k").await.unwrap();
    let target = dir.path().join("t");
    let out = manager.download_file("cut", "k", &target).await.unwrap();
    assert_eq!((out.size, out.parts), (3 * MIB, 0));
    assert_eq!(file_md5(&target), md5);
    assert_eq!(proxy.count("GetObject"), 2, "one GET cut short, one whole");
    // A directory that does not exist is refused before any request.
    let before = proxy.count("GetObject") + proxy.count("HeadObject");
    let err = manager.download_file("cut", "k", dir.path().join("absent/t")).await.unwrap_err();
    assert!(err.to_string().contains("create the directory first"), "{err}");
    assert_eq!(proxy.count("GetObject") + proxy.count("HeadObject"), before);
}

#[tokio::test]
async fn a_list_parts_that_pages_on_without_parts_is_not_trusted_and_the_upload_starts_over() {
    let (server, proxy, manager) = setup("endless", 1, |_: &Seen, _| Action::Forward).await;
    let dir = TempDir::new("transfer-endless");
    let source = dir.path().join("s");
    let md5 = random_file(&source, 12 * MIB, 9);
    let state = dir.path().join("upload.state");
    let handle = upload_until_a_part_is_done(&manager, &source, "endless", &state).await;
    handle.pause();
    assert!(cos_sdk::transfer::was_paused(&handle.await.unwrap_err()));

    // Every ListParts page says more follow, with a new marker each time and no part: the resume check
    // stops at the first such page instead of paging on for ever, aborts the interrupted upload (so
    // it does not linger, unrecorded) and sends the file anew.
    proxy.set_rule(|s: &Seen, earlier| match s.operation() {
        "ListParts" => Action::Answer(format!(
            "<ListPartsResult><Bucket>endless</Bucket><Key>k</Key><UploadId>u</UploadId><IsTruncated>true</IsTruncated>\
             <NextPartNumberMarker>{}</NextPartNumberMarker></ListPartsResult>",
            earlier + 1
        )),
        _ => Action::Forward,
    });
    let before = proxy.count("UploadPart");
    let out = manager.upload_file(&source, "endless", "k").state_file(&state).await.unwrap();
    assert_eq!(out.parts, 3);
    assert_eq!(proxy.count("ListParts"), 1);
    assert_eq!(proxy.count("AbortMultipartUpload"), 1);
    assert_eq!(proxy.count("CreateMultipartUpload"), 2);
    assert_eq!(proxy.count("UploadPart") - before, 3, "every part is sent again");
    assert_eq!(file_md5(&server.object_path("endless", "k")), md5);
    assert!(!state.exists());
}

#[tokio::test]
async fn a_file_rewritten_during_its_upload_is_not_stored() {
    let dir = TempDir::new("transfer-rewritten");
    let source = dir.path().join("s");
    random_file(&source, 12 * MIB, 10);
    // While the second part is on its way, the file is rewritten in place, a byte longer (so what
    // tells the change is its size, whatever the file system's clock granularity).
    let rewrite = source.clone();
    let (server, proxy, manager) = setup("rewritten", 1, move |s: &Seen, earlier| {
        if s.operation() == "UploadPart" && s.part_number() == Some(2) && earlier == 0 {
            std::thread::sleep(Duration::from_millis(20));
            random_file(&rewrite, 12 * MIB + 1, 11);
        }
        Action::Forward
    })
    .await;
    let error = manager.upload_file(&source, "rewritten", "k").await.unwrap_err();
    assert_eq!(error.kind(), cos_sdk::ErrorKind::Integrity, "{error}");
    assert!(error.to_string().contains("changed while it was uploaded"), "{error}");
    assert_eq!(proxy.count("CompleteMultipartUpload"), 0);
    assert_eq!(proxy.count("AbortMultipartUpload"), 1);
    assert!(!server.object_path("rewritten", "k").exists());
}
