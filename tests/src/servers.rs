//! Where the server processes that `tests/servers/run.sh up` starts can be reached (radosgw, moto,
//! tinyproxy).
//!
//! Tests that need one read its address from the environment. Under `CI=true` a missing server is a
//! failure, never a silent skip; on a developer's machine the test prints how to start it and returns.

/// Connection settings of an S3 server process.
#[derive(Debug, Clone)]
pub struct ServerEnv {
    pub endpoint: String,
    pub access_key: String,
    pub secret_key: String,
}

fn var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

fn missing<T>(what: &str) -> Option<T> {
    let message = format!(
        "{what} is not running: start it with `tests/servers/run.sh up && . target/test-servers.env` (or run `cargo xtask test`)"
    );
    if std::env::var("CI").is_ok_and(|v| v == "true" || v == "1") {
        panic!("{message}");
    }
    eprintln!("skipped: {message}");
    None
}

/// The radosgw cluster, from `COS_TEST_RADOSGW_ENDPOINT`, `_ACCESS_KEY` and `_SECRET_KEY`.
pub fn radosgw() -> Option<ServerEnv> {
    match (var("COS_TEST_RADOSGW_ENDPOINT"), var("COS_TEST_RADOSGW_ACCESS_KEY"), var("COS_TEST_RADOSGW_SECRET_KEY")) {
        (Some(endpoint), Some(access_key), Some(secret_key)) => Some(ServerEnv { endpoint, access_key, secret_key }),
        _ => missing("radosgw"),
    }
}

/// moto's S3 server, from `COS_TEST_MOTO_ENDPOINT` (it accepts any keys).
pub fn moto() -> Option<ServerEnv> {
    match var("COS_TEST_MOTO_ENDPOINT") {
        Some(endpoint) => Some(ServerEnv { endpoint, access_key: "moto".into(), secret_key: "moto-secret".into() }),
        None => missing("moto"),
    }
}

/// The user name and password the `auth` proxy accepts (tests/servers/tinyproxy.sh has the same).
pub const PROXY_USER: &str = "cosuser";
/// See [`PROXY_USER`].
pub const PROXY_PASSWORD: &str = "proxy-s3cret-7";

/// The tinyproxy instances: URLs without credentials, and the open one's log.
#[derive(Debug, Clone)]
pub struct Proxies {
    /// Forwards and tunnels anything.
    pub open: String,
    /// Wants [`PROXY_USER`] and [`PROXY_PASSWORD`].
    pub auth: String,
    /// Tunnels to port 443 only (403 for any other port).
    pub strict: String,
    log: std::path::PathBuf,
}

impl Proxies {
    /// The auth proxy's URL with `user:password@` in it.
    pub fn auth_with(&self, user: &str, password: &str) -> String {
        self.auth.replacen("http://", &format!("http://{user}:{password}@"), 1)
    }

    /// The requests of the open proxy's log that name `target` (`127.0.0.1:PORT`): its CONNECTs to it
    /// and the plain requests it forwarded there.
    pub fn carried(&self, target: &str) -> Vec<String> {
        let log = std::fs::read_to_string(&self.log).unwrap_or_default();
        log.lines()
            .filter(|l| l.contains("Request (file descriptor") && (l.contains(&format!(" {target} ")) || l.contains(&format!("//{target}/"))))
            .map(|l| l.split("): ").nth(1).unwrap_or(l).to_string())
            .collect()
    }
}

/// The tinyproxy instances, from `COS_TEST_PROXY_OPEN`, `_AUTH`, `_STRICT` and `_LOG`.
pub fn proxies() -> Option<Proxies> {
    match (var("COS_TEST_PROXY_OPEN"), var("COS_TEST_PROXY_AUTH"), var("COS_TEST_PROXY_STRICT"), var("COS_TEST_PROXY_LOG")) {
        (Some(open), Some(auth), Some(strict), Some(log)) => Some(Proxies { open, auth, strict, log: log.into() }),
        _ => missing("tinyproxy"),
    }
}

/// A bucket name no other test uses: `prefix-` plus a random suffix.
pub fn unique_bucket(prefix: &str) -> String {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default().as_nanos());
    format!("{prefix}-{:012x}", h.finish() & 0xffff_ffff_ffff)
}
