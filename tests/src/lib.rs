//! Shared fixtures for the integration tests: servers that run on 127.0.0.1 inside the test process.
