//! Shared fixtures for the integration tests: servers that run on 127.0.0.1 inside the test process.
//! One test binary for all integration tests (one link instead of one per file).

pub mod fault_server;
pub mod iam_server;
pub mod log_capture;
pub mod mock_client;
pub mod ibm_fixture;
pub mod s3s_server;
pub mod servers;
pub mod temp;
pub mod tls;

/// The README's examples, compiled as doctests so they cannot drift from the API.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
pub struct ReadmeExamples;
