//! Benchmark of the transfer manager (driven by `tests/bench/transfer_bench.sh`).
//!
//! `transfer_bench serve DIR` runs the embedded s3s server over DIR on 127.0.0.1 and prints
//! `URL ACCESS_KEY SECRET_KEY` on its first line, so the Rust and Python clients run in their own
//! processes against the same server and their peak memory is their own.
//!
//! `transfer_bench client URL BUCKET FILE [unsigned] [crc32c]` uploads FILE with the default
//! `TransferConfig` (8 MiB parts, 10 at once; `unsigned` skips the SigV4 payload hash, `crc32c` sends
//! CRC32C part checksums instead of Content-MD5), downloads it back, checks the bytes, and prints one JSON line with the
//! throughput of each direction and the process's peak RSS (`VmHWM` from `/proc/self/status`) after the
//! upload and after the download, beside the bound `max_concurrency x part size`.

use std::path::Path;
use std::time::Instant;

use cos_sdk::transfer::{TransferConfig, TransferManager};
use cos_sdk::types::ChecksumAlgorithm;
use cos_sdk::{Client, Config, Credentials, PayloadSigning};
use cos_sdk_tests::s3s_server::{ACCESS_KEY, SECRET_KEY};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("a Tokio runtime");
    match args.first().map(String::as_str) {
        Some("serve") if args.len() == 2 => runtime.block_on(serve(Path::new(&args[1]))),
        Some("client") if args.len() >= 4 && args[4..].iter().all(|a| a == "unsigned" || a == "crc32c") => {
            let flag = |name: &str| args[4..].iter().any(|a| a == name);
            runtime.block_on(client(&args[1], &args[2], Path::new(&args[3]), flag("unsigned"), flag("crc32c")))
        }
        _ => {
            eprintln!("usage: transfer_bench serve DIR | transfer_bench client URL BUCKET FILE [unsigned] [crc32c]");
            std::process::exit(2);
        }
    }
}

async fn serve(root: &Path) {
    use hyper_util::rt::TokioIo;
    std::fs::create_dir_all(root).expect("create the server's directory");
    let fs = s3s_fs::FileSystem::new(root).expect("s3s-fs over the directory");
    let mut builder = s3s::service::S3ServiceBuilder::new(fs);
    builder.set_auth(s3s::auth::SimpleAuth::from_single(ACCESS_KEY, SECRET_KEY));
    let service = builder.build();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind 127.0.0.1:0");
    println!("http://{} {ACCESS_KEY} {SECRET_KEY}", listener.local_addr().unwrap());
    loop {
        let Ok((stream, _)) = listener.accept().await else { continue };
        let _ = stream.set_nodelay(true);
        let service = service.clone();
        tokio::spawn(async move {
            let _ = hyper::server::conn::http1::Builder::new().serve_connection(TokioIo::new(stream), service).await;
        });
    }
}

/// Peak resident set size of this process in KiB.
fn peak_rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

async fn client(url: &str, bucket: &str, file: &Path, unsigned: bool, crc32c: bool) {
    let mut config = Config::builder().endpoint_url(url).credentials(Credentials::hmac(ACCESS_KEY, SECRET_KEY));
    if unsigned {
        config = config.payload_signing(PayloadSigning::Unsigned);
    }
    let client = Client::new(&config.build().unwrap()).unwrap();
    let _ = client.create_bucket().bucket(bucket).send().await;
    let mut transfer = TransferConfig::builder();
    if crc32c {
        transfer = transfer.checksum_algorithm(ChecksumAlgorithm::Crc32c);
    }
    let manager = TransferManager::with_config(client, transfer.build().unwrap());
    let size = std::fs::metadata(file).expect("the benchmark file").len();
    let baseline = peak_rss_kib();

    let started = Instant::now();
    let up = manager.upload_file(file, bucket, "bench-object").await.expect("upload");
    let upload_secs = started.elapsed().as_secs_f64();
    let after_upload = peak_rss_kib();

    let target = file.with_extension("rust-download");
    let started = Instant::now();
    let down = manager.download_file(bucket, "bench-object", &target).await.expect("download");
    let download_secs = started.elapsed().as_secs_f64();
    let after_download = peak_rss_kib();
    assert_eq!((up.size, down.size), (size, size));
    let same = files_equal(file, &target);
    let _ = std::fs::remove_file(&target);

    let mib = size as f64 / (1024.0 * 1024.0);
    let bound_kib = manager.config().max_concurrency() as u64 * manager.config().part_size() / 1024;
    println!(
        "{{\"client\":\"cos-sdk (Rust){}\",\"bytes\":{size},\"parts\":{},\"upload_s\":{upload_secs:.2},\"upload_mib_s\":{:.0},\
         \"download_s\":{download_secs:.2},\"download_mib_s\":{:.0},\"rss_start_mib\":{:.0},\"peak_rss_after_upload_mib\":{:.0},\
         \"peak_rss_after_download_mib\":{:.0},\"buffer_bound_mib\":{:.0},\"identical\":{same}}}",
        match (unsigned, crc32c) {
            (true, true) => ", unsigned payload, CRC32C parts",
            (true, false) => ", unsigned payload",
            (false, true) => ", CRC32C parts",
            (false, false) => "",
        },
        up.parts,
        mib / upload_secs,
        mib / download_secs,
        baseline as f64 / 1024.0,
        after_upload as f64 / 1024.0,
        after_download as f64 / 1024.0,
        bound_kib as f64 / 1024.0,
    );
    if !same {
        eprintln!("the downloaded file differs from the uploaded one");
        std::process::exit(1);
    }
    // The bound the transfer manager promises: part buffers plus a small constant over the baseline.
    let slack_kib = 32 * 1024;
    let upload_peak = after_upload.saturating_sub(baseline);
    let download_peak = after_download.saturating_sub(baseline);
    if upload_peak > bound_kib + slack_kib || download_peak > bound_kib + slack_kib {
        eprintln!(
            "peak memory over the bound: upload {} KiB, download {} KiB, bound {bound_kib} KiB + {slack_kib} KiB",
            upload_peak, download_peak
        );
        std::process::exit(1);
    }
}

fn files_equal(a: &Path, b: &Path) -> bool {
    use std::io::Read;
    let (mut fa, mut fb) = match (std::fs::File::open(a), std::fs::File::open(b)) {
        (Ok(fa), Ok(fb)) => (fa, fb),
        _ => return false,
    };
    let (mut ba, mut bb) = (vec![0u8; 1 << 20], vec![0u8; 1 << 20]);
    loop {
        let na = fa.read(&mut ba).unwrap_or(0);
        let mut nb = 0;
        while nb < na {
            match fb.read(&mut bb[nb..na]) {
                Ok(0) | Err(_) => return false,
                Ok(n) => nb += n,
            }
        }
        if na == 0 {
            return fb.read(&mut bb).map(|n| n == 0).unwrap_or(false);
        }
        if ba[..na] != bb[..na] {
            return false;
        }
    }
}
