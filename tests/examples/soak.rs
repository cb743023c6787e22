//! The soak run behind `cargo xtask soak --minutes N`: 64 workers send mixed operations (put, get, head,
//! list, delete, presign, and now and then a multipart upload and a streamed multipart download) to an
//! S3 server for N minutes, checking every byte they read back against what they wrote.
//!
//! `soak URL ACCESS_KEY SECRET_KEY MINUTES` prints operations, errors (each is printed too) and
//! operations per second, then two memory measures: this process's resident memory and the bytes it
//! holds on the heap (counted by a global allocator). Under load both swing with the part buffers of the
//! transfers in flight, so they are printed as a curve (the median of each tenth of the run) and a
//! peak; the verdict compares them at rest: the workers all stop after the warm-up (the first tenth,
//! at least 20 s) and again at the end, for 65 s so that idle pooled connections close, and what the
//! process holds then is what a leak would grow. It
//! exits non-zero when any operation failed or the heap in use grew by 5% or more between the two
//! rests; resident memory is reported beside it (see the end of [`soak`] for why it can grow alone).

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use cos_sdk::transfer::{TransferConfig, TransferManager, MIB};
use cos_sdk::{ByteStream, Client, Config, Credentials, PayloadSigning};

const WORKERS: usize = 64;

/// The system allocator, counting the bytes allocated and not yet freed.
struct Counting;

static HEAP_BYTES: AtomicU64 = AtomicU64::new(0);

// SAFETY: every call goes to the system allocator unchanged; the counter only observes sizes.
unsafe impl std::alloc::GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: std::alloc::Layout) -> *mut u8 {
        HEAP_BYTES.fetch_add(layout.size() as u64, Ordering::Relaxed);
        std::alloc::System.alloc(layout)
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: std::alloc::Layout) {
        HEAP_BYTES.fetch_sub(layout.size() as u64, Ordering::Relaxed);
        std::alloc::System.dealloc(ptr, layout)
    }
    unsafe fn alloc_zeroed(&self, layout: std::alloc::Layout) -> *mut u8 {
        HEAP_BYTES.fetch_add(layout.size() as u64, Ordering::Relaxed);
        std::alloc::System.alloc_zeroed(layout)
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: std::alloc::Layout, new_size: usize) -> *mut u8 {
        HEAP_BYTES.fetch_add(new_size as u64, Ordering::Relaxed);
        HEAP_BYTES.fetch_sub(layout.size() as u64, Ordering::Relaxed);
        std::alloc::System.realloc(ptr, layout, new_size)
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;
/// How long the workers stay stopped before memory is measured at rest.
const REST: Duration = Duration::from_secs(65);
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

/// What the workers share: where they send operations, and their counters.
struct Shared {
    client: Client,
    manager: TransferManager,
    bucket: String,
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
    let shared = Arc::new(Shared { client, manager, bucket, operations: AtomicU64::new(0), errors: AtomicU64::new(0) });
    let started = Instant::now();
    let warm_up = (length / 10).max(Duration::from_secs(20)).min(length / 2);
    // Memory is sampled every second for the curve; at any one instant it swings by the part buffers of
    // the transfers in flight. The verdict compares memory at rest instead: after the warm-up and at
    // the end, every worker stops, and what the process still holds is what a leak would grow.
    let sampling = Arc::new(std::sync::atomic::AtomicBool::new(true));
    let still_sampling = sampling.clone();
    let sampler = tokio::spawn(async move {
        let mut samples = Vec::new();
        while still_sampling.load(Ordering::Relaxed) {
            samples.push((started.elapsed(), rss_kib(), HEAP_BYTES.load(Ordering::Relaxed) / 1024));
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
        samples
    });
    let mut books: Vec<HashMap<String, Written>> = vec![HashMap::new(); WORKERS];
    let mut at_rest = Vec::new();
    // The warm-up, then the rest of the run; each phase is followed by a rest.
    for (phase, busy) in [warm_up, length - warm_up].into_iter().enumerate() {
        let phase_end = Instant::now() + busy;
        let mut workers = Vec::new();
        for (worker, written) in books.drain(..).enumerate() {
            let seed = (phase * WORKERS + worker) as u64;
            workers.push(tokio::spawn(work(worker, seed, written, shared.clone(), phase_end)));
        }
        for worker in workers {
            books.push(worker.await.expect("a soak worker panicked"));
        }
        // At rest, the pool's idle connections (and the read buffers they grew) are closed after the
        // transport's idle timeout of 30 s, checked on the same period; what is left after that is the
        // client's own state.
        tokio::time::sleep(REST).await;
        at_rest.push((rss_kib(), HEAP_BYTES.load(Ordering::Relaxed) / 1024));
    }
    sampling.store(false, Ordering::Relaxed);
    let samples = sampler.await.expect("the memory sampler panicked");
    let elapsed = length.as_secs_f64();
    let operations = shared.operations.load(Ordering::Relaxed);
    let errors = shared.errors.load(Ordering::Relaxed);
    println!(
        "soak: {operations} operations in {elapsed:.0} s ({:.0}/s) by {WORKERS} workers, {errors} errors",
        operations as f64 / elapsed
    );
    let [(rss_start, heap_start), (rss_end, heap_end)] = at_rest[..] else { unreachable!("two phases") };
    let sampled = started.elapsed();
    let rss_growth = report("resident memory", &samples, |s| s.1, sampled, (rss_start, rss_end));
    let heap_growth = report("heap in use", &samples, |s| s.2, sampled, (heap_start, heap_end));
    // A leak grows the heap in use. Resident memory can grow without one: glibc keeps freed blocks of a
    // few MiB (part buffers) in its per-thread arenas once its dynamic mmap threshold has risen, so the
    // same work spread over more arenas holds more resident memory. That is reported, not failed.
    if let (Some(rss), Some(heap)) = (rss_growth, heap_growth) {
        if rss >= 5.0 && heap < 5.0 {
            println!(
                "soak: resident memory grew while the heap in use did not: that is the C allocator keeping freed \
                 memory, not a leak (MALLOC_MMAP_THRESHOLD_=1048576 or MALLOC_ARENA_MAX=2 show it)"
            );
        }
    }
    errors == 0 && heap_growth.is_some_and(|g| g < 5.0) && rss_growth.is_some()
}

/// One memory sample: time into the run, resident memory and heap in use, both in KiB.
type Sample = (Duration, u64, u64);

/// Prints how one memory measure moved: its median per tenth of the `length` it was sampled for (rests
/// included) and its peak, and its value at rest after the warm-up and at the end; returns the growth at rest in percent (`None`
/// when nothing was measured).
fn report(what: &str, samples: &[Sample], measure: fn(&Sample) -> u64, length: Duration, (start, end): (u64, u64)) -> Option<f64> {
    let median_between = |from: Duration, to: Duration| {
        let mut in_window: Vec<u64> = samples.iter().filter(|s| (from..to).contains(&s.0)).map(measure).collect();
        in_window.sort_unstable();
        in_window.get(in_window.len() / 2).copied().unwrap_or(0)
    };
    let peak = samples.iter().map(measure).max().unwrap_or(0);
    let curve: Vec<String> = (0..10)
        .map(|tenth| median_between(length * tenth / 10, length * (tenth + 1) / 10).div_ceil(1024).to_string())
        .collect();
    if start == 0 || end == 0 {
        eprintln!("soak: {what} was not measured");
        return None;
    }
    let growth = (end as f64 - start as f64) / start as f64 * 100.0;
    println!(
        "soak: {what}: at rest {start} KiB after the warm-up, {end} KiB at the end ({growth:+.1}%); peak {peak} KiB, \
         median of each tenth of the run (MiB): {}",
        curve.join(", ")
    );
    Some(growth)
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

/// One worker: operations until the deadline on its own keys, every read checked against its writes
/// (`written`, handed back for the next phase); `seed` makes the run reproducible.
async fn work(
    worker: usize,
    seed: u64,
    mut written: HashMap<String, Written>,
    shared: Arc<Shared>,
    deadline: Instant,
) -> HashMap<String, Written> {
    let mut rng = fastrand::Rng::with_seed(seed);
    while Instant::now() < deadline {
        let key = format!("w{worker:02}/k{:02}", rng.u64(..KEYS_PER_WORKER));
        let result = step(&shared.client, &shared.manager, &shared.bucket, &key, &mut written, &mut rng).await;
        shared.operations.fetch_add(1, Ordering::Relaxed);
        if let Err(problem) = result {
            shared.errors.fetch_add(1, Ordering::Relaxed);
            eprintln!("soak worker {worker}, {key}: {problem}");
        }
    }
    written
}

async fn step(
    client: &Client,
    manager: &TransferManager,
    bucket: &str,
    key: &str,
    written: &mut HashMap<String, Written>,
    rng: &mut fastrand::Rng,
) -> Result<(), String> {
    match rng.u8(..100) {
        0..=29 => {
            let mut data = vec![0u8; rng.usize(..64 * 1024)];
            rng.fill(&mut data);
            let data = Bytes::from(data);
            client.put_object().bucket(bucket).key(key).body(ByteStream::from(data.clone())).send().await.map_err(|e| e.to_string())?;
            written.insert(key.to_string(), Written::of(&data));
        }
        30..=59 => {
            let got = client.get_object().bucket(bucket).key(key).send().await;
            match (got, written.get(key)) {
                (Ok(output), Some(expected)) => {
                    let bytes = output.body.collect().await.map_err(|e| e.to_string())?;
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
            let listing = client.list_objects_v2().bucket(bucket).prefix(format!("{prefix}/")).send().await.map_err(|e| e.to_string())?;
            let listed = listing.contents.unwrap_or_default().len();
            if listed != written.len() {
                return Err(format!("listed {listed} objects, {} exist", written.len()));
            }
        }
        80..=89 => {
            client.delete_object().bucket(bucket).key(key).send().await.map_err(|e| e.to_string())?;
            written.remove(key);
        }
        90..=97 => {
            client.get_object().bucket(bucket).key(key).presigned(Duration::from_secs(600)).map_err(|e| e.to_string())?;
        }
        _ => {
            // A multipart round trip: 6 to 12 MiB made up as they are uploaded, read back as a stream; both
            // sides hash as they go, so the soak holds one chunk, not the object.
            let (seed, len) = (rng.u64(..), rng.usize(6 * MIB as usize..=12 * MIB as usize));
            manager.upload_chunks(generated(seed, len), bucket, key).await.map_err(|e| e.to_string())?;
            let expected = Written::of_chunks(generated_chunks(seed, len));
            written.insert(key.to_string(), expected);
            let mut chunks = manager.download_stream(bucket, key).into_chunks();
            let mut hasher = std::collections::hash_map::DefaultHasher::new();
            let mut got = 0;
            while let Some(chunk) = chunks.next_chunk().await {
                let chunk = chunk.map_err(|e| e.to_string())?;
                std::hash::Hasher::write(&mut hasher, &chunk);
                got += chunk.len();
            }
            chunks.finish().await.map_err(|e| e.to_string())?;
            if (Written { len: got, hash: std::hash::Hasher::finish(&hasher) }) != expected {
                return Err(format!("a streamed download of {got} bytes differs from the {len} uploaded"));
            }
        }
    }
    Ok(())
}

/// The chunks of a made-up object: `len` bytes of a fixed pseudo-random pattern, starting at an offset
/// taken from `seed`, 1 MiB at a time. The chunks are slices of the pattern, so the soak itself
/// allocates nothing per object and the memory it reports is the SDK's.
fn generated_chunks(seed: u64, len: usize) -> impl Iterator<Item = Bytes> {
    static PATTERN: std::sync::OnceLock<Bytes> = std::sync::OnceLock::new();
    let max_object = 12 * MIB as usize;
    let pattern = PATTERN.get_or_init(|| {
        let mut rng = fastrand::Rng::with_seed(0x50a4);
        let mut data = vec![0u8; max_object + MIB as usize];
        rng.fill(&mut data);
        Bytes::from(data)
    });
    assert!(len <= max_object, "generated objects are at most 12 MiB");
    let start = (seed % MIB) as usize;
    let object = pattern.slice(start..start + len);
    (0..len.div_ceil(MIB as usize)).map(move |i| object.slice(i * MIB as usize..((i + 1) * MIB as usize).min(len)))
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
