//! The soak run behind `cargo xtask soak --minutes N`: 64 workers send mixed operations (put, get, head,
//! list, delete, presign, and now and then a multipart upload and a streamed multipart download) to an
//! S3 server for N minutes, checking every byte they read back against what they wrote.
//!
//! `soak URL ACCESS_KEY SECRET_KEY MINUTES` prints one summary line: operations, errors (each is printed
//! too), operations per second, and this process's resident memory, sampled every second: the median of
//! a window after the warm-up (the first tenth of the run, at least 20 s) and of the last window, and the
//! peak. It exits non-zero when any operation failed or the median grew by 5% or more, which is what a
//! leak looks like.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use cos_sdk::transfer::{TransferConfig, TransferManager, MIB};
use cos_sdk::{ByteStream, Client, Config, Credentials, PayloadSigning};

const WORKERS: usize = 64;
/// Keys each worker cycles through, so objects are overwritten and deleted over and over.
const KEYS_PER_WORKER: u64 = 16;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [url, access_key, secret_key, minutes] = args.as_slice() else {
        eprintln!("usage: soak URL ACCESS_KEY SECRET_KEY MINUTES");
        std::process::exit(2);
    };
    let minutes: f64 = minutes.parse().unwrap_or_else(|_| {
        eprintln!("MINUTES must be a number, not `{minutes}`");
        std::process::exit(2)
    });
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("a Tokio runtime");
    let passed = runtime.block_on(soak(url, access_key, secret_key, Duration::from_secs_f64(minutes * 60.0)));
    std::process::exit(if passed { 0 } else { 1 });
}

/// Counters shared by the workers.
#[derive(Default)]
struct Tally {
    operations: AtomicU64,
    errors: AtomicU64,
}

async fn soak(url: &str, access_key: &str, secret_key: &str, length: Duration) -> bool {
    let config = Config::builder()
        .endpoint_url(url)
        .credentials(Credentials::hmac(access_key, secret_key))
        .payload_signing(PayloadSigning::Unsigned)
        .build()
        .expect("a configuration");
    let client = Client::new(&config).expect("a client");
    let bucket = format!("soak-{}", std::process::id());
    client.create_bucket().bucket(&bucket).send().await.expect("create the soak bucket");
    let transfers =
        TransferConfig::builder().multipart_threshold(5 * MIB).part_size(5 * MIB).max_concurrency(8).build().expect("a transfer config");
    let manager = TransferManager::with_config(client.clone(), transfers);
    let tally = Arc::new(Tally::default());
    let started = Instant::now();
    let deadline = started + length;
    let mut workers = Vec::new();
    for worker in 0..WORKERS {
        let (client, manager, bucket, tally) = (client.clone(), manager.clone(), bucket.clone(), tally.clone());
        workers.push(tokio::spawn(async move { work(worker, client, manager, bucket, tally, deadline).await }));
    }
    // Memory is sampled every second; at any one instant it swings by the part buffers of the transfers
    // in flight, so the start is the median of the window after the warm-up and the end the median of
    // the last window of the same length. A leak moves both medians apart; a swing does not.
    let sampler = tokio::spawn(async move {
        let mut samples = Vec::new();
        while Instant::now() < deadline {
            samples.push((started.elapsed(), rss_kib()));
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
        samples
    });
    for worker in workers {
        worker.await.expect("a soak worker panicked");
    }
    let samples = sampler.await.expect("the memory sampler panicked");
    let warm_up = (length / 10).max(Duration::from_secs(20)).min(length / 2);
    let window = (length / 10).max(Duration::from_secs(10));
    let median_between = |from: Duration, to: Duration| {
        let mut in_window: Vec<u64> = samples.iter().filter(|(at, _)| (from..to).contains(at)).map(|(_, rss)| *rss).collect();
        in_window.sort_unstable();
        in_window.get(in_window.len() / 2).copied().unwrap_or(0)
    };
    let rss_start = median_between(warm_up, warm_up + window);
    let rss_end = median_between(length.saturating_sub(window), length);
    let peak = samples.iter().map(|(_, rss)| *rss).max().unwrap_or(0);
    let curve: Vec<String> = (0..10)
        .map(|tenth| median_between(length * tenth / 10, length * (tenth + 1) / 10).div_ceil(1024).to_string())
        .collect();
    println!("soak: RSS median of each tenth of the run (MiB): {}", curve.join(", "));
    let elapsed = started.elapsed().as_secs_f64();
    let operations = tally.operations.load(Ordering::Relaxed);
    let errors = tally.errors.load(Ordering::Relaxed);
    let growth = (rss_end as f64 - rss_start as f64) / rss_start.max(1) as f64 * 100.0;
    println!(
        "soak: {operations} operations in {elapsed:.0} s ({:.0}/s) by {WORKERS} workers, {errors} errors; RSS median {rss_start} KiB \
         after the warm-up, {rss_end} KiB at the end ({growth:+.1}%), peak {peak} KiB",
        operations as f64 / elapsed
    );
    if rss_start == 0 || rss_end == 0 {
        eprintln!("soak: /proc/self/status gave no VmRSS, so memory was not measured");
        return false;
    }
    errors == 0 && growth < 5.0
}

/// What a worker wrote to a key: its length and a hash of its bytes (not the bytes, so the soak's own
/// bookkeeping stays small beside the SDK's memory it measures).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
struct Written {
    len: usize,
    hash: u64,
}

impl Written {
    fn of(data: &[u8]) -> Written {
        Written::of_chunks(std::iter::once(data))
    }

    /// The same as [`Written::of`] their concatenation: the hasher takes bytes as a stream.
    fn of_chunks<C: AsRef<[u8]>>(chunks: impl Iterator<Item = C>) -> Written {
        use std::hash::Hasher;
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        let mut len = 0;
        for chunk in chunks {
            hasher.write(chunk.as_ref());
            len += chunk.as_ref().len();
        }
        Written { len, hash: hasher.finish() }
    }
}

/// One worker: operations until the deadline on its own keys, every read checked against its writes.
async fn work(worker: usize, client: Client, manager: TransferManager, bucket: String, tally: Arc<Tally>, deadline: Instant) {
    let mut rng = fastrand::Rng::with_seed(worker as u64);
    let mut written: HashMap<String, Written> = HashMap::new();
    while Instant::now() < deadline {
        let key = format!("w{worker:02}/k{:02}", rng.u64(..KEYS_PER_WORKER));
        let result = step(&client, &manager, &bucket, &key, &mut written, &mut rng).await;
        tally.operations.fetch_add(1, Ordering::Relaxed);
        if let Err(problem) = result {
            tally.errors.fetch_add(1, Ordering::Relaxed);
            eprintln!("soak worker {worker}, {key}: {problem}");
        }
    }
}

async fn step(
    client: &Client,
    manager: &TransferManager,
    bucket: &str,
    key: &str,
    written: &mut HashMap<String, Written>,
    rng: &mut fastrand::Rng,
) -> Result<(), String> {
    let e = |e: cos_sdk::Error| e.to_string();
    match rng.u8(..100) {
        0..=29 => {
            let mut data = vec![0u8; rng.usize(..64 * 1024)];
            rng.fill(&mut data);
            let data = Bytes::from(data);
            client.put_object().bucket(bucket).key(key).body(ByteStream::from(data.clone())).send().await.map_err(e)?;
            written.insert(key.to_string(), Written::of(&data));
        }
        30..=59 => {
            let got = client.get_object().bucket(bucket).key(key).send().await;
            match (got, written.get(key)) {
                (Ok(output), Some(expected)) => {
                    let bytes = output.body.collect().await.map_err(e)?;
                    if Written::of(&bytes) != *expected {
                        return Err(format!("read {} bytes that differ from the {} written", bytes.len(), expected.len));
                    }
                }
                (Err(error), None) if error.code() == Some("NoSuchKey") => {}
                (Ok(_), None) => return Err("an object that was deleted is still there".into()),
                (Err(error), _) => return Err(error.to_string()),
            }
        }
        60..=69 => {
            let head = client.head_object().bucket(bucket).key(key).send().await;
            match (head, written.get(key)) {
                (Ok(head), Some(expected)) if head.content_length == Some(expected.len as i64) => {}
                (Err(error), None) if error.code() == Some("NotFound") => {}
                (head, expected) => return Err(format!("HEAD gave {:?} for {:?} bytes", head.map(|h| h.content_length), expected.map(|w| w.len))),
            }
        }
        70..=79 => {
            let prefix = key.split('/').next().unwrap_or_default();
            let listing = client.list_objects_v2().bucket(bucket).prefix(format!("{prefix}/")).send().await.map_err(e)?;
            let listed = listing.contents.unwrap_or_default().len();
            if listed != written.len() {
                return Err(format!("listed {listed} objects, {} exist", written.len()));
            }
        }
        80..=89 => {
            client.delete_object().bucket(bucket).key(key).send().await.map_err(e)?;
            written.remove(key);
        }
        90..=97 => {
            client.get_object().bucket(bucket).key(key).presigned(Duration::from_secs(600)).map_err(e)?;
        }
        _ => {
            // A multipart round trip: 6 to 12 MiB made up as they are uploaded, read back as a stream; both
            // sides hash as they go, so the soak holds one chunk, not the object.
            let (seed, len) = (rng.u64(..), rng.usize(6 * MIB as usize..=12 * MIB as usize));
            manager.upload_chunks(generated(seed, len), bucket, key).await.map_err(e)?;
            let expected = Written::of_chunks(generated_chunks(seed, len));
            written.insert(key.to_string(), expected);
            let mut chunks = manager.download_stream(bucket, key).into_chunks();
            let mut hasher = std::collections::hash_map::DefaultHasher::new();
            let mut got = 0;
            while let Some(chunk) = chunks.next_chunk().await {
                let chunk = chunk.map_err(e)?;
                std::hash::Hasher::write(&mut hasher, &chunk);
                got += chunk.len();
            }
            chunks.finish().await.map_err(e)?;
            if (Written { len: got, hash: std::hash::Hasher::finish(&hasher) }) != expected {
                return Err(format!("a streamed download of {got} bytes differs from the {len} uploaded"));
            }
        }
    }
    Ok(())
}

/// The chunks of a made-up object: `len` pseudo-random bytes from `seed`, 1 MiB at a time.
fn generated_chunks(seed: u64, len: usize) -> impl Iterator<Item = Bytes> {
    let mut rng = fastrand::Rng::with_seed(seed);
    let mut left = len;
    std::iter::from_fn(move || {
        if left == 0 {
            return None;
        }
        let mut chunk = vec![0u8; left.min(MIB as usize)];
        rng.fill(&mut chunk);
        left -= chunk.len();
        Some(Bytes::from(chunk))
    })
}

/// [`generated_chunks`] as a stream, for `upload_chunks`.
fn generated(seed: u64, len: usize) -> impl futures_util::Stream<Item = Result<Bytes, std::convert::Infallible>> + Send {
    futures_util::stream::iter(generated_chunks(seed, len).map(Ok))
}

/// This process's resident set size now, in KiB (`VmRSS` from `/proc/self/status`).
fn rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}
