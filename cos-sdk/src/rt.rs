//! The façade generated code calls: one stable path to every runtime type and function it needs.
//! Not for application code (hidden from the docs); its contents may change with the generator.

pub use crate::body::ByteStream;
pub use crate::datetime::{DateTime, TimestampFormat};
pub use crate::endpoint::Endpoint;
pub use crate::error::{Error, ServiceError};
pub use crate::presign::PresignedRequest;
pub use crate::request::{OperationMeta, RequestParts};
pub use crate::wire::*;
#[cfg(feature = "serde")]
pub use crate::wire::json_bridge::*;
pub use crate::xml::{XmlDocument, XmlElement, XmlWriter};
pub use bytes::Bytes;
pub use http;
pub use crate::client::{attempts_made, Client};
pub use crate::paginate::{
    decode_resume_token, encode_resume_token, page_items, paginate, sleep, waiter_step, BoxFuture, ResultStream,
    WaiterAcceptor, WaiterState,
};
pub use futures_core::Stream;
