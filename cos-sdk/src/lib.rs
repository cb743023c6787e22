//! cos-sdk: the Rust SDK for IBM Cloud Object Storage and other S3-compatible services.
#![warn(missing_docs, missing_debug_implementations)]

pub mod body;
mod client;
pub mod config;
pub mod credentials;
pub mod endpoint;
pub mod error;
pub mod request;
mod iam;
pub mod retry;
mod sign;
mod transport;

mod datetime;
mod paginate;
pub mod presign;
#[rustfmt::skip]
mod generated;
#[doc(hidden)]
pub mod rt;
mod wire;
pub mod xml;

pub use datetime::{DateTime, TimestampFormat};
pub use generated::{operation, paginator, types, waiter};
pub use presign::PresignedRequest;
pub use wire::UnknownValue;

pub use body::ByteStream;
pub use endpoint::Endpoint;
pub use error::{Error, ErrorKind, ServiceError};
pub use client::Client;
pub use config::{Config, ConfigBuilder, Environment, PayloadSigning, Timeouts};
pub use credentials::{AccessToken, Credentials, CredentialsKind, TokenProvider};
pub use endpoint::EndpointType;
pub use retry::{RetryConfig, RetryMode};
