//! The fault suite: a seeded run of mixed operations (put, get, ranged get, list, multipart upload,
//! download and copy, delete) through the fault proxy in front of a real server (the embedded s3s, and
//! radosgw when it runs), with faults at random: 503 and 500 answers, connection resets, responses cut
//! short, stalls, errors behind a 200, and objects overwritten between the parts of a download (s3s
//! ignores `If-Match`, so that is the store that bends the rule; radosgw keeps it).
//!
//! What must hold: every success is byte-correct against a ledger of what each key may hold (a failed
//! write leaves the key holding the old or the new bytes, nothing else); every failure is an error that
//! says what failed; a failed download leaves no file; no multipart upload is left behind; nothing
//! panics. `COS_FAULT_OPS` (default 300) and `COS_FAULT_SEEDS` (default `1`, comma-separated) set the
//! size; the operation sequence is reproducible from its seed (faults land on requests in arrival order,
//! so with parts in parallel their exact placement can vary).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use cos_sdk::transfer::{CopySource, TransferConfig, TransferManager};
use cos_sdk::{ByteStream, Client, Config, Credentials, Error, ErrorKind, PayloadSigning, RetryConfig, Timeouts};
use cos_sdk_tests::s3s_server::{S3sServer, ACCESS_KEY, SECRET_KEY};
use cos_sdk_tests::servers::{radosgw, unique_bucket};
use cos_sdk_tests::temp::TempDir;

use crate::transfer_proxy::support::{random_bytes, MIB};
use crate::transfer_proxy::{Action, Proxy, Seen};

/// The keys the operations work on: few, so that operations meet each other's objects.
const KEYS: usize = 10;

/// What each key may hold: one entry when certain; `None` is "no object".
type Ledger = HashMap<String, Vec<Option<Bytes>>>;

/// The faults injected, and the objects the proxy overwrote mid-download.
#[derive(Default)]
struct Injected {
    counts: HashMap<&'static str, usize>,
    replaced: Vec<(String, Bytes)>,
}

fn config_from_env(name: &str, default: &str) -> String {
    std::env::var(name).ok().filter(|v| !v.is_empty()).unwrap_or_else(|| default.to_string())
}

fn client(url: &str, access_key: &str, secret_key: &str) -> Client {
    // Longer than a loaded server takes to answer: a request that timed out after the server acted on
    // it (a CreateMultipartUpload above all, whose upload id the client then never learns) is a fault
    // of the test's making, not of the SDK's.
    let timeouts = Timeouts { stall: Some(Duration::from_secs(2)), ..Timeouts::default() };
    let retry = RetryConfig::default().with_initial_backoff(Duration::from_millis(10)).with_max_backoff(Duration::from_millis(50));
    let config = Config::builder()
        .endpoint_url(url)
        .credentials(Credentials::hmac(access_key, secret_key))
        .payload_signing(PayloadSigning::Unsigned)
        .timeouts(timeouts)
        .retry(retry)
        .build()
        .unwrap();
    Client::new(&config).unwrap()
}

/// The fault rule: about one request in ten gets a fault that fits its operation, and one later part of a
/// transfer download in six finds its object overwritten.
fn fault_rule(
    seed: u64,
    injected: Arc<Mutex<Injected>>,
) -> impl Fn(&Seen, usize) -> Action + Send + Sync + 'static {
    let rng = Mutex::new(fastrand::Rng::with_seed(seed ^ 0xfa17));
    move |seen, _| {
        let mut rng = rng.lock().unwrap();
        let operation = seen.operation();
        // A part of a transfer download (pinned with If-Match, not the first part): sometimes the object
        // is overwritten just before it is served.
        let later_part = operation == "GetObject"
            && seen.headers.contains_key("if-match")
            && seen.range_start().is_some_and(|start| start > 0);
        if later_part && rng.u8(..6) == 0 {
            let key = seen.path.trim_start_matches('/').split_once('/').map(|(_, k)| k.to_string()).unwrap_or_default();
            let data = Bytes::from(random_bytes(rng.usize(6 * MIB as usize..=13 * MIB as usize), rng.u64(..)));
            let mut injected = injected.lock().unwrap();
            injected.replaced.push((key, data.clone()));
            *injected.counts.entry("object replaced mid-download").or_insert(0) += 1;
            return Action::ReplaceThenForward(data);
        }
        if rng.u8(..10) != 0 {
            return Action::Forward;
        }
        let (name, action) = match rng.u8(..6) {
            0 => ("503 SlowDown", Action::Error(503, "SlowDown")),
            1 => ("500 InternalError", Action::Error(500, "InternalError")),
            2 => ("reset", Action::ResetAfter(rng.usize(..2048))),
            // Not for CreateMultipartUpload: an upload whose id never reached the client can only be
            // cleaned up by a lifecycle rule (AbortIncompleteMultipartUpload), which no SDK can help.
            3 if operation != "CreateMultipartUpload" => ("truncated response", Action::TruncateResponse(rng.usize(..512))),
            4 => ("stall", Action::Stall(Duration::from_millis(2500))),
            5 if matches!(operation, "CopyObject" | "UploadPartCopy" | "CompleteMultipartUpload") => ("error behind 200", Action::ErrorIn200),
            _ => ("503 SlowDown", Action::Error(503, "SlowDown")),
        };
        *injected.lock().unwrap().counts.entry(name).or_insert(0) += 1;
        action
    }
}

/// A failure must say what failed (the operation, or the transfer and its object) and why (a service
/// error's status and code, or a message), and never be a task that panicked.
fn check_failure(what: &str, error: &Error, violations: &mut Vec<String>) {
    let text = error.to_string();
    let names_what = error.operation().is_some() || ["downloading ", "uploading to ", "copying "].iter().any(|c| text.contains(c));
    let says_why = error.service_error().is_some_and(|s| !s.code().is_empty()) || !error.message().is_empty();
    if !names_what || !says_why || text.contains("ended abnormally") || text.contains("panicked") {
        violations.push(format!("{what}: unclear or panicking failure: {text}"));
    }
}

/// Checks `got` against what `key` may hold, and narrows the ledger to it.
fn settle(ledger: &mut Ledger, key: &str, got: Option<Bytes>, what: &str, violations: &mut Vec<String>) {
    let candidates = ledger.entry(key.to_string()).or_insert_with(|| vec![None]);
    if candidates.contains(&got) {
        *candidates = vec![got];
    } else {
        let len = got.as_ref().map(|b| b.len());
        violations.push(format!("{what}: {key} holds {len:?} bytes that no write put there (CORRUPTION)"));
    }
}

struct Run {
    client: Client,
    manager: TransferManager,
    bucket: String,
    dir: TempDir,
    ledger: Ledger,
    violations: Vec<String>,
    succeeded: usize,
    failed: HashMap<ErrorKind, usize>,
}

impl Run {
    fn fail(&mut self, what: &str, error: &Error) {
        if std::env::var_os("COS_FAULT_VERBOSE").is_some() {
            eprintln!("{what}: {error}");
        }
        check_failure(what, error, &mut self.violations);
        *self.failed.entry(error.kind()).or_insert(0) += 1;
    }

    /// One operation, chosen by `rng`.
    async fn step(&mut self, index: usize, rng: &mut fastrand::Rng) {
        let key = format!("k{:02}", rng.usize(..KEYS));
        let roll = rng.u8(..100);
        let what = format!("op {index}");
        match roll {
            0..=24 => {
                let data = Bytes::from(random_bytes(rng.usize(..=64 * 1024), rng.u64(..)));
                let sent = self.client.put_object().bucket(&self.bucket).key(&key).body(ByteStream::from(data.clone())).send().await;
                self.record_write(&what, &key, Some(data), sent.map(|_| ()).map_err(Error::from));
            }
            25..=44 => {
                let got = self.client.get_object().bucket(&self.bucket).key(&key).send().await;
                let got = match got {
                    Ok(output) => output.body.collect().await.map(Some),
                    Err(e) if e.code() == Some("NoSuchKey") => Ok(None),
                    Err(e) => Err(e.into_error()),
                };
                match got {
                    Ok(bytes) => {
                        self.succeeded += 1;
                        settle(&mut self.ledger, &key, bytes, &format!("{what} GET"), &mut self.violations);
                    }
                    Err(e) => self.fail(&format!("{what} GET {key}"), &e),
                }
            }
            45..=54 => {
                // A range of an object whose contents are certain.
                let Some(Some(data)) = self.certain(&key) else { return };
                if data.is_empty() {
                    return;
                }
                let start = rng.usize(..data.len());
                let end = rng.usize(start..data.len());
                let got = self.client.get_object().bucket(&self.bucket).key(&key).range(format!("bytes={start}-{end}")).send().await;
                match got {
                    Ok(output) => match output.body.collect().await {
                        Ok(bytes) if bytes == data.slice(start..=end) => self.succeeded += 1,
                        Ok(bytes) => self.violations.push(format!("{what}: range {start}-{end} of {key} gave {} wrong bytes (CORRUPTION)", bytes.len())),
                        Err(e) => self.fail(&format!("{what} ranged GET body"), &e),
                    },
                    Err(e) => self.fail(&format!("{what} ranged GET {key}"), &e),
                }
            }
            55..=63 => match self.client.list_objects_v2().bucket(&self.bucket).send().await {
                Ok(listing) => {
                    self.succeeded += 1;
                    for object in listing.contents.unwrap_or_default() {
                        let (name, size) = (object.key.unwrap_or_default(), object.size.unwrap_or(-1));
                        let possible = self.ledger.get(&name).is_some_and(|c| c.iter().flatten().any(|b| b.len() as i64 == size));
                        if !possible {
                            self.violations.push(format!("{what}: listing shows {name} with {size} bytes, which no write made"));
                        }
                    }
                }
                Err(e) => self.fail(&format!("{what} LIST"), &e),
            },
            64..=73 => {
                let data = Bytes::from(random_bytes(rng.usize(6 * MIB as usize..=13 * MIB as usize), rng.u64(..)));
                let path = self.dir.write(&format!("up-{index}"), &data);
                let sent = self.manager.upload_file(&path, &self.bucket, &key).await;
                let _ = std::fs::remove_file(&path);
                self.record_write(&what, &key, Some(data), sent.map(|_| ()));
            }
            74..=83 => {
                let target = self.dir.path().join(format!("down-{index}"));
                match self.manager.download_file(&self.bucket, &key, &target).await {
                    Ok(_) => {
                        self.succeeded += 1;
                        let bytes = Bytes::from(std::fs::read(&target).unwrap());
                        settle(&mut self.ledger, &key, Some(bytes), &format!("{what} download"), &mut self.violations);
                    }
                    Err(e) if e.code() == Some("NoSuchKey") || e.code() == Some("NotFound") => {
                        settle(&mut self.ledger, &key, None, &format!("{what} download"), &mut self.violations)
                    }
                    Err(e) => {
                        if target.exists() {
                            self.violations.push(format!("{what}: a failed download left {} behind: {e}", target.display()));
                        }
                        self.fail(&format!("{what} download {key}"), &e);
                    }
                }
                let _ = std::fs::remove_file(&target);
            }
            84..=90 => {
                let destination = format!("k{:02}", rng.usize(..KEYS));
                if destination == key {
                    return;
                }
                let sources = self.ledger.get(&key).cloned().unwrap_or_else(|| vec![None]);
                let copied = self.manager.copy(CopySource::new(&self.bucket, &key), &self.bucket, &destination).await;
                match copied {
                    Ok(_) => {
                        self.succeeded += 1;
                        // The copy holds one of the source's possible contents; a later read tells which.
                        self.ledger.insert(destination, sources.into_iter().filter(Option::is_some).collect());
                    }
                    Err(e) => {
                        if e.code() != Some("NoSuchKey") && e.code() != Some("NotFound") {
                            let entry = self.ledger.entry(destination).or_insert_with(|| vec![None]);
                            entry.extend(sources.into_iter().filter(Option::is_some));
                        }
                        self.fail(&format!("{what} copy {key}"), &e);
                    }
                }
            }
            _ => {
                let sent = self.client.delete_object().bucket(&self.bucket).key(&key).send().await;
                self.record_write(&what, &key, None, sent.map(|_| ()).map_err(Error::from));
            }
        }
    }

    /// The contents of `key` when only one is possible.
    fn certain(&self, key: &str) -> Option<Option<Bytes>> {
        match self.ledger.get(key).map(Vec::as_slice) {
            Some([only]) => Some(only.clone()),
            _ => None,
        }
    }

    fn record_write(&mut self, what: &str, key: &str, value: Option<Bytes>, result: Result<(), Error>) {
        match result {
            Ok(()) => {
                self.succeeded += 1;
                self.ledger.insert(key.to_string(), vec![value]);
            }
            Err(e) => {
                // The write may or may not have happened.
                let candidates = self.ledger.entry(key.to_string()).or_insert_with(|| vec![None]);
                if !candidates.contains(&value) {
                    candidates.push(value);
                }
                self.fail(&format!("{what} write {key}"), &e);
            }
        }
    }
}

/// Runs `ops` operations with faults against `upstream` through a proxy; returns the violations.
async fn run_suite(upstream: &str, access_key: &str, secret_key: &str, bucket: &str, seed: u64, ops: usize) -> (Vec<String>, Proxy) {
    let injected = Arc::new(Mutex::new(Injected::default()));
    let proxy = Proxy::start(upstream.to_string(), fault_rule(seed, injected.clone())).await;
    proxy.set_upstream_client(client(upstream, access_key, secret_key));
    let faulty = client(&proxy.url(), access_key, secret_key);
    let transfer = TransferConfig::builder().multipart_threshold(5 * MIB).part_size(5 * MIB).max_concurrency(4).build().unwrap();
    let mut run = Run {
        client: faulty.clone(),
        manager: TransferManager::with_config(faulty, transfer),
        bucket: bucket.to_string(),
        dir: TempDir::new("fault-suite"),
        ledger: Ledger::new(),
        violations: Vec::new(),
        succeeded: 0,
        failed: HashMap::new(),
    };
    let started = Instant::now();
    let mut rng = fastrand::Rng::with_seed(seed);
    for index in 0..ops {
        run.step(index, &mut rng).await;
        // Objects the proxy overwrote hold the new bytes, or the old ones if that write failed.
        for (key, data) in std::mem::take(&mut injected.lock().unwrap().replaced) {
            run.ledger.entry(key).or_insert_with(|| vec![None]).push(Some(data));
        }
    }
    // Faults off: every key must hold one of the contents the ledger allows.
    proxy.set_rule(|_, _| Action::Forward);
    let clean = client(upstream, access_key, secret_key);
    for k in 0..KEYS {
        let key = format!("k{k:02}");
        let got = match clean.get_object().bucket(bucket).key(&key).send().await {
            Ok(output) => Some(output.body.collect().await.unwrap()),
            Err(e) if e.code() == Some("NoSuchKey") => None,
            Err(e) => panic!("reading {key} back without faults failed: {e}"),
        };
        settle(&mut run.ledger, &key, got, "final read", &mut run.violations);
    }
    let counts = injected.lock().unwrap().counts.clone();
    eprintln!(
        "fault suite seed {seed}: {ops} operations in {:.1} s, {} succeeded, failed by kind {:?}, {} requests, faults injected {counts:?}",
        started.elapsed().as_secs_f64(),
        run.succeeded,
        run.failed,
        proxy.seen().len(),
    );
    assert!(run.succeeded > ops / 2, "most operations should succeed: {} of {ops}", run.succeeded);
    (run.violations, proxy)
}

fn seeds_and_ops() -> (Vec<u64>, usize) {
    let seeds = config_from_env("COS_FAULT_SEEDS", "1").split(',').map(|s| s.trim().parse().expect("COS_FAULT_SEEDS: numbers")).collect();
    let ops = config_from_env("COS_FAULT_OPS", "300").parse().expect("COS_FAULT_OPS: a number");
    (seeds, ops)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mixed_operations_under_random_faults_against_s3s() {
    let (seeds, ops) = seeds_and_ops();
    for seed in seeds {
        let server = S3sServer::start().await;
        let bucket = format!("faults-{seed}");
        client(&server.url(), ACCESS_KEY, SECRET_KEY).create_bucket().bucket(&bucket).send().await.unwrap();
        let (violations, _proxy) = run_suite(&server.url(), ACCESS_KEY, SECRET_KEY, &bucket, seed, ops).await;
        assert!(violations.is_empty(), "seed {seed}: {} violations:\n{}", violations.len(), violations.join("\n"));
        // s3s-fs keeps an upload's marker and parts as `.upload_id-*` files in its root until the upload is
        // completed or aborted: none may be left.
        let orphans: Vec<String> = std::fs::read_dir(server.root())
            .unwrap()
            .filter_map(|e| e.ok()?.file_name().into_string().ok())
            .filter(|name| name.starts_with(".upload_id-"))
            .collect();
        assert!(orphans.is_empty(), "seed {seed}: multipart uploads left behind: {orphans:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mixed_operations_under_random_faults_against_radosgw() {
    let Some(env) = radosgw() else { return };
    let (seeds, ops) = seeds_and_ops();
    for seed in seeds {
        let bucket = unique_bucket("faults");
        let direct = client(&env.endpoint, &env.access_key, &env.secret_key);
        direct.create_bucket().bucket(&bucket).send().await.unwrap();
        let (violations, _proxy) = run_suite(&env.endpoint, &env.access_key, &env.secret_key, &bucket, seed, ops / 3).await;
        assert!(violations.is_empty(), "seed {seed}: {} violations:\n{}", violations.len(), violations.join("\n"));
        let uploads = direct.list_multipart_uploads().bucket(&bucket).send().await.unwrap().uploads.unwrap_or_default();
        let left: Vec<_> = uploads.iter().map(|u| (u.key.clone(), u.upload_id.clone())).collect();
        assert!(left.is_empty(), "seed {seed}: multipart uploads left behind: {left:?}");
    }
}
