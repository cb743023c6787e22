//! `cargo xtask bench`: cos-sdk measured beside a floor, a raw hyper client doing the same work
//! (`floor.rs`), against a sink server that answers at once (`sink.rs`), plus the wire
//! micro-benchmarks (`wire.rs`).
//!
//! `cos-sdk-bench run` starts the sink pinned to CPU 0 and runs every measurement as a child process
//! pinned to CPU 1 (`taskset`; unpinned, and said so, where it cannot), floor and cos-sdk interleaved,
//! and prints the median of each figure and cos-sdk's ratio to the floor. A child measures only its
//! workload: wall time, CPU time (user + system, from `/proc/self/stat`) and peak RSS (`VmHWM`).

mod floor;
mod sdk;
mod sink;
mod wire;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use bytes::Bytes;

/// The multipart part size and ranged-download range of both clients.
pub const PART_SIZE: u64 = 8 * 1024 * 1024;
/// Parts or ranges in flight at once.
pub const PARTS_IN_FLIGHT: usize = 10;
/// The floor's file read size.
pub const BLOCK: usize = 1024 * 1024;
const ACCESS_KEY: &str = "bench-access-key";
const SECRET_KEY: &str = "bench-secret-key";
const MIB: f64 = 1024.0 * 1024.0;

type Error = Box<dyn std::error::Error + Send + Sync>;

/// What one measurement does.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Workload {
    Small1,
    Small32,
    List,
    Put,
    Upload,
    Get,
    Download,
}

impl Workload {
    const ALL: [Workload; 7] =
        [Workload::Small1, Workload::Small32, Workload::List, Workload::Put, Workload::Upload, Workload::Get, Workload::Download];

    fn name(self) -> &'static str {
        match self {
            Workload::Small1 => "small1",
            Workload::Small32 => "small32",
            Workload::List => "list",
            Workload::Put => "put",
            Workload::Upload => "upload",
            Workload::Get => "get",
            Workload::Download => "download",
        }
    }

    fn label(self, mib: u64) -> String {
        match self {
            Workload::Small1 => "1 KiB PUT+GET, 1 at a time".into(),
            Workload::Small32 => "1 KiB PUT+GET, 32 at a time".into(),
            Workload::List => "ListObjectsV2, 1,000 keys".into(),
            Workload::Put => format!("{mib} MiB PutObject from a file"),
            Workload::Upload => format!("{mib} MiB upload_file (8 MiB parts x10, CRC32C)"),
            Workload::Get => format!("{mib} MiB GetObject to a file"),
            Workload::Download => format!("{mib} MiB download_file (8 MiB ranges x10)"),
        }
    }

    /// Whether its units are bytes (else operations).
    fn moves_bytes(self) -> bool {
        matches!(self, Workload::Put | Workload::Upload | Workload::Get | Workload::Download)
    }

    /// How many operations a run does (PUT+GET pairs, or list calls).
    fn operations(self, quick: bool) -> u64 {
        let full = match self {
            Workload::Small1 => 3_000,
            Workload::Small32 => 20_000,
            Workload::List => 300,
            _ => 1,
        };
        if quick { (full / 10).max(1) } else { full }
    }
}

/// A client under test.
#[derive(Clone)]
enum Subject {
    Floor(Box<floor::Floor>),
    Sdk(sdk::Sdk),
}

macro_rules! each {
    ($subject:expr, $client:ident => $call:expr) => {
        match $subject {
            Subject::Floor($client) => $call.await,
            Subject::Sdk($client) => $call.await,
        }
    };
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("sink") => {
            sink::main();
            Ok(())
        }
        Some("client") => client(&args[1..]),
        Some("wire") => {
            wire::main(args.get(1).and_then(|n| n.parse().ok()).unwrap_or(300));
            Ok(())
        }
        Some("run") => orchestrate(&args[1..]),
        _ => Err("usage: cos-sdk-bench run [--quick] [--size MIB] [WORKLOAD...] | wire [ITERATIONS] | sink | client ...".into()),
    };
    if let Err(e) = result {
        eprintln!("cos-sdk-bench: {e}");
        std::process::exit(1);
    }
}

/// User plus system CPU seconds of this process so far (Linux's clock ticks are 1/100 s).
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let fields: Vec<&str> = stat.rsplit_once(')').map(|(_, rest)| rest.split_whitespace().collect()).unwrap_or_default();
    let ticks = |i: usize| fields.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    (ticks(11) + ticks(12)) / 100.0
}

/// The peak resident set of this process, in KiB.
fn peak_rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let line = status.lines().find(|l| l.starts_with("VmHWM:")).unwrap_or("");
    line.split_whitespace().nth(1).and_then(|v| v.parse().ok()).unwrap_or(0)
}

/// `client IMPL WORKLOAD URL FILE SIZE QUICK`: one measured run; prints `wall cpu rss_kib units`.
fn client(args: &[String]) -> Result<(), Error> {
    let [subject, workload, url, file, size, quick] = args else { return Err("client: wrong arguments".into()) };
    let workload = Workload::ALL.into_iter().find(|w| w.name() == workload).ok_or("client: unknown workload")?;
    let (file, size, quick) = (PathBuf::from(file), size.parse::<u64>()?, quick == "quick");
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    let subject = match subject.as_str() {
        "floor" => Subject::Floor(Box::new(floor::Floor::new(url, ACCESS_KEY, SECRET_KEY))),
        _ => Subject::Sdk(sdk::Sdk::new(url, ACCESS_KEY, SECRET_KEY)?),
    };
    let (cpu, started) = (cpu_seconds(), Instant::now());
    let units = runtime.block_on(run(&subject, workload, &file, size, quick))?;
    let (wall, cpu) = (started.elapsed().as_secs_f64(), cpu_seconds() - cpu);
    println!("{wall} {cpu} {} {units}", peak_rss_kib());
    Ok(())
}

/// Does the workload once; answers how many units (bytes or operations) it moved.
async fn run(subject: &Subject, workload: Workload, file: &Path, size: u64, quick: bool) -> Result<u64, Error> {
    let key = format!("obj-{size}");
    let out = file.with_extension("out");
    match workload {
        Workload::Small1 | Workload::Small32 => {
            let tasks = if workload == Workload::Small1 { 1 } else { 32 };
            let each = workload.operations(quick) / tasks;
            let data = Bytes::from(vec![7u8; 1024]);
            let mut running = tokio::task::JoinSet::new();
            for _ in 0..tasks {
                let (subject, data) = (subject.clone(), data.clone());
                running.spawn(async move {
                    for _ in 0..each {
                        each!(&subject, c => c.put_get("obj-1024", &data))?;
                    }
                    Ok::<_, Error>(())
                });
            }
            while let Some(done) = running.join_next().await {
                done??;
            }
            Ok(each * tasks)
        }
        Workload::List => {
            for _ in 0..workload.operations(quick) {
                let entries = each!(subject, c => c.list())?;
                if entries != sink::LISTED_KEYS {
                    return Err(format!("a listing held {entries} entries").into());
                }
            }
            Ok(workload.operations(quick))
        }
        Workload::Put => each!(subject, c => c.put_file(&key, file)).map(|()| size),
        Workload::Upload => each!(subject, c => c.upload_file(&key, file)).map(|()| size),
        Workload::Get => {
            let written = each!(subject, c => c.get_file(&key, &out))?;
            if written != size {
                return Err(format!("GetObject wrote {written} of {size} bytes").into());
            }
            Ok(size)
        }
        Workload::Download => {
            match subject {
                Subject::Floor(c) => c.download_file(&key, size, &out).await?,
                Subject::Sdk(c) => c.download_file(&key, &out).await?,
            }
            Ok(size)
        }
    }
}

/// One run's figures.
#[derive(Clone, Copy)]
struct Sample {
    wall: f64,
    cpu: f64,
    rss_kib: u64,
    units: u64,
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

/// `run [--quick] [--size MIB] [WORKLOAD...]`.
fn orchestrate(args: &[String]) -> Result<(), Error> {
    let quick = args.iter().any(|a| a == "--quick");
    let mib: u64 = match args.iter().position(|a| a == "--size") {
        Some(i) => args.get(i + 1).ok_or("--size needs a number of MiB")?.parse()?,
        None if quick => 64,
        None => 1024,
    };
    let named: Vec<Workload> = Workload::ALL.into_iter().filter(|w| args.iter().any(|a| a == w.name())).collect();
    let workloads = if named.is_empty() { Workload::ALL.to_vec() } else { named };
    let exe = std::env::current_exe()?;
    let pinned = Command::new("taskset").args(["-c", "1", "true"]).status().is_ok_and(|s| s.success());
    let pin = |cpu: &str, command: &mut Command| -> Command {
        if !pinned {
            return std::mem::replace(command, Command::new(&exe));
        }
        let mut taskset = Command::new("taskset");
        taskset.args(["-c", cpu]).arg(command.get_program()).args(command.get_args());
        taskset
    };

    // In memory (tmpfs) where there is one, so the figures are the clients' and not the disk's.
    let shm = Path::new("/dev/shm");
    let dir = if shm.is_dir() { shm.join("cos-sdk-bench") } else { std::env::temp_dir().join("cos-sdk-bench") };
    std::fs::create_dir_all(&dir)?;
    let file = dir.join(format!("data-{mib}MiB"));
    let size = mib * 1024 * 1024;
    if std::fs::metadata(&file).map(|m| m.len()).ok() != Some(size) {
        let block: Vec<u8> = (0..BLOCK).map(|i| (i % 253) as u8).collect();
        let mut out = std::io::BufWriter::new(std::fs::File::create(&file)?);
        for _ in 0..mib {
            std::io::Write::write_all(&mut out, &block)?;
        }
        std::io::Write::flush(&mut out)?;
    }

    let mut sink = pin("0", Command::new(&exe).arg("sink")).stdout(Stdio::piped()).spawn()?;
    let mut port = String::new();
    std::io::BufRead::read_line(&mut std::io::BufReader::new(sink.stdout.take().ok_or("no sink stdout")?), &mut port)?;
    let url = format!("http://127.0.0.1:{}", port.trim());
    println!("sink at {url}; {}; files in {}", if pinned { "sink on CPU 0, clients on CPU 1" } else { "taskset is missing: nothing pinned" }, dir.display());

    let mut rows = Vec::new();
    for workload in workloads {
        let reps = if quick { 1 } else if workload.moves_bytes() { 3 } else { 5 };
        let mut samples: [Vec<Sample>; 2] = [Vec::new(), Vec::new()];
        for _ in 0..reps {
            for (i, subject) in ["floor", "cos-sdk"].into_iter().enumerate() {
                let mut command = Command::new(&exe);
                command.args(["client", subject, workload.name(), &url]).arg(&file);
                command.args([size.to_string(), if quick { "quick".into() } else { "full".into() }]);
                let output = pin("1", &mut command).output()?;
                if !output.status.success() {
                    return Err(format!("{subject} {}: {}", workload.name(), String::from_utf8_lossy(&output.stderr)).into());
                }
                let text = String::from_utf8_lossy(&output.stdout);
                let v: Vec<f64> = text.split_whitespace().filter_map(|x| x.parse().ok()).collect();
                let [wall, cpu, rss, units] = v[..] else { return Err(format!("unreadable child output {text:?}").into()) };
                samples[i].push(Sample { wall, cpu, rss_kib: rss as u64, units: units as u64 });
            }
        }
        rows.push((workload, samples));
        eprint!(".");
    }
    let _ = sink.kill();
    let _ = std::fs::remove_file(file.with_extension("out"));
    eprintln!();
    print_table(&rows, mib);
    Ok(())
}

fn print_table(rows: &[(Workload, [Vec<Sample>; 2])], mib: u64) {
    println!("| workload | floor | cos-sdk | ratio | floor CPU | cos-sdk CPU | CPU ratio | floor RSS | cos-sdk RSS |");
    println!("|---|---|---|---|---|---|---|---|---|");
    for (workload, [floor, sdk]) in rows {
        let rate = |s: &[Sample]| median(s.iter().map(|s| s.units as f64 / s.wall).collect());
        let cpu = |s: &[Sample]| median(s.iter().map(|s| s.cpu / s.units as f64).collect());
        let rss = |s: &[Sample]| median(s.iter().map(|s| s.rss_kib as f64 / 1024.0).collect());
        let (fr, sr, fc, sc) = (rate(floor), rate(sdk), cpu(floor), cpu(sdk));
        let bytes = workload.moves_bytes();
        let rate_text = |r: f64| if bytes { format!("{:.0} MiB/s", r / MIB) } else { format!("{r:.0} ops/s") };
        let cpu_text = |c: f64| if bytes { format!("{:.2} s", c * (mib as f64) * MIB) } else { format!("{:.0} µs/op", c * 1e6) };
        println!(
            "| {} | {} | {} | {:.2}x | {} | {} | {:.2}x | {:.0} MiB | {:.0} MiB |",
            workload.label(mib),
            rate_text(fr),
            rate_text(sr),
            sr / fr,
            cpu_text(fc),
            cpu_text(sc),
            sc / fc,
            rss(floor),
            rss(sdk)
        );
    }
}
