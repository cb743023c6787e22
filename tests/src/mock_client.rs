//! A client whose requests go to a `MockTransport` (or any transport), for tests that need no server.

use cos_sdk::transport::HttpClient;
use cos_sdk::{Client, Config, Credentials, RetryConfig};

/// The endpoint the client sends to; nothing listens there.
pub const ENDPOINT: &str = "https://s3.example";

/// A client for [`ENDPOINT`] with HMAC keys, `retry`, and `transport` in place of the network.
pub fn client_over(transport: impl HttpClient, retry: RetryConfig) -> Client {
    let config = Config::builder()
        .endpoint_url(ENDPOINT)
        .credentials(Credentials::hmac("AKID", "secret"))
        .retry(retry)
        .http_client(transport)
        .build()
        .expect("a valid test configuration");
    Client::new(&config).expect("a client for a valid configuration")
}
