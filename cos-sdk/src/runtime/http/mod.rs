//! Bytes on the network: request and response bodies ([`body::ByteStream`]) and the pooled hyper
//! transport with its timeouts. Nothing here knows S3.

pub mod body;
pub(crate) mod transport;
