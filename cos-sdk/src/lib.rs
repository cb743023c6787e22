//! cos-sdk: the Rust SDK for IBM Cloud Object Storage (COS) and other S3-compatible services.
//!
//! Every operation of the COS API is generated from IBM's service model into
//! [`operation`] (one module per operation) and [`types`]; a [`Client`] sends them with SigV4 (HMAC
//! keys) or IAM bearer tokens (API keys), retries, timeouts and streaming bodies.
//!
//! # A client with HMAC keys
//!
//! ```no_run
//! use cos_sdk::{Client, Config, Credentials};
//!
//! # fn main() -> Result<(), cos_sdk::Error> {
//! let config = Config::builder()
//!     .location("us-south") // or .endpoint_url("https://s3.us-south.cloud-object-storage.appdomain.cloud")
//!     .credentials(Credentials::hmac("access key id", "secret access key"))
//!     .build()?;
//! let client = Client::new(&config)?;
//! # let _ = client; Ok(()) }
//! ```
//!
//! # A client with an IAM API key
//!
//! The key is exchanged for a bearer token at IBM IAM, refreshed before it expires. Bucket creation and
//! listing need the service instance id.
//!
//! ```no_run
//! use cos_sdk::{Client, Config, Credentials};
//!
//! # async fn example() -> Result<(), cos_sdk::Error> {
//! let config = Config::builder()
//!     .location("eu-de")
//!     .credentials(Credentials::api_key("my IAM API key"))
//!     .instance_id("crn:v1:bluemix:public:cloud-object-storage:global:a/...")
//!     .build()?;
//! let client = Client::new(&config)?;
//! let buckets = client.list_buckets().send().await?;
//! # let _ = buckets; Ok(()) }
//! ```
//!
//! `Client::from_env().await` finds credentials and endpoint in the environment, the service credential
//! file (`~/.bluemix/cos_credentials`) or `~/.aws` profiles. A service credential's `apikey` and
//! `resource_instance_id` are all it takes (the `service_credential` example):
//!
//! ```no_run
//! # async fn example() -> Result<(), cos_sdk::Error> {
//! // COS_CREDENTIALS_FILE=./credential.json COS_REGION=us-south
//! let config = cos_sdk::Config::from_env()?;
//! assert_eq!(config.credentials().kind(), cos_sdk::CredentialsKind::ApiKey);
//! let client = cos_sdk::Client::new(&config)?;
//! # let _ = client; Ok(()) }
//! ```
//!
//! # Upload and download
//!
//! ```no_run
//! use cos_sdk::{ByteStream, Client};
//!
//! # async fn example(client: Client) -> Result<(), cos_sdk::Error> {
//! // A file is streamed from disk, never read whole into memory.
//! let body = ByteStream::from_path("report.pdf").await?;
//! client.put_object().bucket("docs").key("2026/report.pdf").content_type("application/pdf").body(body).send().await?;
//!
//! let object = client.get_object().bucket("docs").key("2026/report.pdf").send().await?;
//! println!("{} bytes, ETag {:?}", object.content_length().unwrap_or_default(), object.e_tag());
//! let bytes = object.body.collect().await?;
//! # let _ = bytes; Ok(()) }
//! ```
//!
//! # Presigned URLs
//!
//! Any operation's request can become a URL that works without credentials for a while (HMAC keys
//! only; the `presigned` example):
//!
//! ```no_run
//! # fn example(client: cos_sdk::Client) -> Result<(), cos_sdk::Error> {
//! let share = client.get_object().bucket("docs").key("2026/report.pdf").presigned(std::time::Duration::from_secs(3600))?;
//! println!("{}", share.uri());
//! # Ok(()) }
//! ```
//!
//! # Large files, with progress
//!
//! [`transfer::TransferManager`] moves files of any size in parallel parts, with bounded memory and
//! progress events (the `transfer_progress` example):
//!
//! ```no_run
//! use cos_sdk::transfer::{ProgressListener, TransferManager};
//!
//! # async fn example(client: cos_sdk::Client) -> Result<(), cos_sdk::Error> {
//! let progress = ProgressListener::new(|p| println!("{} of {:?} bytes", p.bytes_done, p.total));
//! TransferManager::new(client).upload_file("backup.tar", "backups", "2026/backup.tar").on_progress(progress).await?;
//! # Ok(()) }
//! ```
//!
//! # Checksums
//!
//! Name a flexible checksum and the client computes it over an in-memory or file body; ask for the
//! object's checksum on a download and the body is checked as it streams (a mismatch ends it with an
//! [`ErrorKind::Integrity`] error).
//!
//! ```no_run
//! use cos_sdk::types::{ChecksumAlgorithm, ChecksumMode};
//! use cos_sdk::ByteStream;
//!
//! # async fn example(client: cos_sdk::Client) -> Result<(), cos_sdk::Error> {
//! let body = ByteStream::from_path("ledger.csv").await?;
//! client.put_object().bucket("docs").key("ledger.csv").checksum_algorithm(ChecksumAlgorithm::Crc32c).body(body).send().await?;
//! let object = client.get_object().bucket("docs").key("ledger.csv").checksum_mode(ChecksumMode::Enabled).send().await?;
//! let checked = object.body.collect().await?;
//! # let _ = checked; Ok(()) }
//! ```
//!
//! # Listing
//!
//! Paginators follow continuation tokens for you, as a stream of pages or of items; `next()` and
//! `try_collect()` need no trait import (the `pagination` example).
//!
//! ```no_run
//! # async fn example(client: cos_sdk::Client) -> Result<(), cos_sdk::Error> {
//! let mut objects = client.list_objects_v2().bucket("docs").prefix("2026/").into_paginator().items();
//! while let Some(object) = objects.next().await {
//!     let object = object?;
//!     println!("{} ({} bytes)", object.key().unwrap_or_default(), object.size().unwrap_or_default());
//! }
//! # Ok(()) }
//! ```
//!
//! # Archive policy and restore
//!
//! Objects move to the archive tier (`GLACIER`, restored within 12 hours, or `ACCELERATED`, within 2)
//! by a lifecycle rule; `RestoreObject` brings a temporary copy back (the `archive_restore` example
//! polls it to the end).
//!
//! ```no_run
//! use cos_sdk::types::{
//!     BucketLifecycleConfiguration, ExpirationStatus, GlacierJobParameters, LifecycleRule, LifecycleRuleFilter,
//!     RestoreRequest, Tier, Transition, TransitionStorageClass,
//! };
//!
//! # async fn example(client: cos_sdk::Client) -> Result<(), cos_sdk::Error> {
//! let rule = LifecycleRule::builder()
//!     .id("archive-after-30-days")
//!     .status(ExpirationStatus::Enabled)
//!     .filter(LifecycleRuleFilter::builder().prefix("").build())
//!     .transitions(Transition::builder().days(30).storage_class(TransitionStorageClass::Accelerated).build())
//!     .build()?; // `Status` is required, so this build can fail; the two above cannot.
//! client
//!     .put_bucket_lifecycle_configuration()
//!     .bucket("docs")
//!     .lifecycle_configuration(BucketLifecycleConfiguration::builder().rules(rule).build()?)
//!     .send()
//!     .await?;
//!
//! let restore = RestoreRequest::builder()
//!     .days(3)
//!     .glacier_job_parameters(GlacierJobParameters::builder().tier(Tier::Accelerated).build()?)
//!     .build()?;
//! client.restore_object().bucket("docs").key("2025/old.pdf").restore_request(restore).send().await?;
//! let head = client.head_object().bucket("docs").key("2025/old.pdf").send().await?;
//! println!("restore status: {:?}", head.restore()); // `ongoing-request="true"` until the copy is ready
//! # Ok(()) }
//! ```
//!
//! # Immutable Object Storage: protection configuration and legal holds
//!
//! Bucket retention is in days, an object's in seconds; retained or held objects cannot be deleted
//! (the `retention` example shows the refusal).
//!
//! ```no_run
//! use cos_sdk::types::{
//!     BucketProtectionDefaultRetention, BucketProtectionMaximumRetention, BucketProtectionMinimumRetention,
//!     BucketProtectionStatus, ProtectionConfiguration,
//! };
//!
//! # async fn example(client: cos_sdk::Client) -> Result<(), cos_sdk::Error> {
//! let protection = ProtectionConfiguration::builder()
//!     .status(BucketProtectionStatus::Retention)
//!     .minimum_retention(BucketProtectionMinimumRetention::builder().days(1).build()?)
//!     .default_retention(BucketProtectionDefaultRetention::builder().days(30).build()?)
//!     .maximum_retention(BucketProtectionMaximumRetention::builder().days(365).build()?)
//!     .build();
//! client.put_bucket_protection_configuration().bucket("records").protection_configuration(protection).send().await?;
//!
//! // Retention for one object (seconds), and a legal hold that blocks deletion until removed.
//! client.put_object().bucket("records").key("contract.pdf").retention_period(90 * 24 * 3600).send().await?;
//! client.add_legal_hold().bucket("records").key("contract.pdf").retention_legal_hold_id("case-4711").send().await?;
//! let holds = client.list_legal_holds().bucket("records").key("contract.pdf").send().await?;
//! println!("legal holds: {:?}", holds.legal_holds());
//! client.delete_legal_hold().bucket("records").key("contract.pdf").retention_legal_hold_id("case-4711").send().await?;
//! # Ok(()) }
//! ```
//!
//! # Errors
//!
//! Every operation's `send()` fails with a [`SendError`]: an [`Error`] tied to that operation's error
//! enum. Its [`kind`](Error::kind) says what went wrong; its `Display` names the operation, HTTP status,
//! error code, message, request id and, after retries, the number of attempts;
//! [`as_operation_error`](SendError::as_operation_error) gives the enum to match, with no type to name.
//! `?` turns it into a plain [`Error`], which every other function of the crate returns.
//!
//! ```no_run
//! use cos_sdk::operation::head_object::HeadObjectError;
//!
//! # async fn example(client: cos_sdk::Client) -> Result<(), cos_sdk::Error> {
//! match client.head_object().bucket("photos").key("cat.jpg").send().await {
//!     Ok(head) => println!("{:?} bytes", head.content_length()),
//!     // HEAD answers have no body, yet a 404 is still the operation's modeled error.
//!     Err(e) if matches!(e.as_operation_error(), Some(HeadObjectError::NoSuchKey(_))) => println!("absent"),
//!     Err(e) => return Err(e.into()),
//! }
//! # Ok(()) }
//! ```
#![warn(missing_docs, missing_debug_implementations)]

mod client;
#[rustfmt::skip]
mod generated;
mod runtime;
#[doc(hidden)]
pub mod rt;
pub mod transfer;
#[cfg(fuzzing)]
#[doc(hidden)]
pub mod fuzzing;

pub use client::{config, presign};
pub use runtime::auth::credentials;
pub use runtime::config::endpoint;
pub use runtime::http::body;
pub use runtime::{error, retry};

/// How requests reach the network: the [`HttpClient`](transport::HttpClient) seam, the proxy and
/// trust settings and the connection pool of the built-in transport, and
/// [`MockTransport`](transport::MockTransport) for tests.
pub mod transport {
    pub use crate::runtime::http::hyper_client::PoolSettings;
    pub use crate::runtime::http::mock::{MockTransport, RecordedRequest};
    pub use crate::runtime::http::proxy::{Proxy, ProxyConfig};
    pub use crate::runtime::http::tls::TlsRoots;
    pub use crate::runtime::http::transport::{HttpClient, HttpFuture};
}

pub use generated::{operation, paginator, types, waiter};
/// The JSON bridge: every operation by name, boto3-style JSON in and out (the `serde` feature).
#[cfg(feature = "serde")]
pub use generated::json;

pub use body::ByteStream;
pub use client::options::CallOptions;
pub use client::Client;
pub use config::{Config, ConfigBuilder, Environment, PayloadSigning, ResponseLimits, Timeouts};
pub use credentials::{AccessToken, Credentials, CredentialsKind, TokenProvider};
pub use endpoint::{Endpoint, EndpointType};
pub use error::{Error, ErrorKind, SendError, ServiceError};
pub use presign::PresignedRequest;
pub use retry::{RetryConfig, RetryMode};
pub use transport::{ProxyConfig, TlsRoots};
pub use runtime::paginate::ResultStream;
pub use runtime::protocol::datetime::{DateTime, TimestampFormat};
pub use runtime::protocol::request::OperationMeta;
pub use runtime::protocol::scalars::UnknownValue;
