//! Where the server processes that `tests/servers/run.sh up` starts can be reached (radosgw, moto).
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

fn missing(what: &str) -> Option<ServerEnv> {
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

/// A bucket name no other test uses: `prefix-` plus a random suffix.
pub fn unique_bucket(prefix: &str) -> String {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default().as_nanos());
    format!("{prefix}-{:012x}", h.finish() & 0xffff_ffff_ffff)
}
