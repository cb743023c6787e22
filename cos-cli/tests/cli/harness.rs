//! Running `cos`: a clean environment (its own HOME), the server's address and keys, and the output
//! as text and as parsed JSON lines.

use std::path::Path;
use std::process::{Command, Stdio};

use cos_sdk_tests::s3s_server::{S3sServer, ACCESS_KEY, SECRET_KEY};
use cos_sdk_tests::temp::TempDir;
use serde_json::Value;

pub struct Run {
    pub code: i32,
    /// stdout as text (lossy) and as bytes.
    pub stdout: String,
    pub bytes: Vec<u8>,
    pub stderr: String,
}

impl Run {
    /// Every stdout line parsed as JSON (the `--json` form).
    pub fn json(&self) -> Vec<Value> {
        self.stdout
            .lines()
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON: {l}: {e}\n{}", self.stderr)))
            .collect()
    }

    /// The values of `field` over the JSON lines, sorted.
    pub fn field(&self, field: &str) -> Vec<String> {
        let mut values: Vec<String> =
            self.json().iter().filter_map(|v| v.get(field)?.as_str().map(str::to_string)).collect();
        values.sort();
        values
    }

    pub fn ok(self) -> Run {
        assert_eq!(self.code, 0, "cos failed\nstdout: {}\nstderr: {}", self.stdout, self.stderr);
        self
    }
}

/// A user of `cos`: a HOME of its own and the environment variables that point at one server.
pub struct User {
    pub home: TempDir,
    pub env: Vec<(String, String)>,
}

impl User {
    pub fn new(endpoint: &str, access_key: &str, secret_key: &str) -> User {
        let home = TempDir::new("cos-cli-home");
        let env = [
            ("COS_ENDPOINT", endpoint),
            ("AWS_ACCESS_KEY_ID", access_key),
            ("AWS_SECRET_ACCESS_KEY", secret_key),
            ("COS_ALLOW_HTTP", "1"),
        ];
        User { home, env: env.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect() }
    }

    pub fn of(server: &S3sServer) -> User {
        User::new(&server.url(), ACCESS_KEY, SECRET_KEY)
    }

    pub fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_cos"));
        command.env_clear().env("HOME", self.home.path()).envs(self.env.iter().map(|(k, v)| (k, v))).args(args);
        command.current_dir(self.home.path());
        command
    }

    /// Runs `cos ARGS` in the user's HOME, stdin empty.
    pub async fn run(&self, args: &[&str]) -> Run {
        self.run_with_stdin(args, Vec::new()).await
    }

    pub async fn run_with_stdin(&self, args: &[&str], stdin: Vec<u8>) -> Run {
        let mut command = self.command(args);
        tokio::task::spawn_blocking(move || {
            use std::io::Write;
            let mut child =
                command.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("run cos");
            let mut input = child.stdin.take().unwrap();
            let writer = std::thread::spawn(move || {
                let _ = input.write_all(&stdin);
            });
            let output = child.wait_with_output().expect("cos output");
            writer.join().unwrap();
            Run {
                code: output.status.code().unwrap_or(-1),
                stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
                bytes: output.stdout,
                stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
            }
        })
        .await
        .unwrap()
    }

    pub fn path(&self, name: &str) -> String {
        self.home.path().join(name).display().to_string()
    }

    pub fn write(&self, name: &str, contents: impl AsRef<[u8]>) -> String {
        self.home.write(name, contents).display().to_string()
    }
}

/// Deterministic bytes of `len`.
pub fn pattern(len: usize, seed: u8) -> Vec<u8> {
    (0..len).map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed) ^ (i >> 9) as u8).collect()
}

/// Every file below `dir`, relative and `/`-separated, sorted.
pub fn files_below(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                out.push(path.strip_prefix(dir).unwrap().to_string_lossy().replace('\\', "/"));
            }
        }
    }
    out.sort();
    out
}
