//! cos-sdk: the Rust SDK for IBM Cloud Object Storage and other S3-compatible services.
#![warn(missing_docs, missing_debug_implementations)]

pub mod body;
pub mod endpoint;
pub mod error;
pub mod request;

pub use body::ByteStream;
pub use endpoint::Endpoint;
pub use error::{Error, ErrorKind, ServiceError};
