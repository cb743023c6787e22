//! Bytes on the network: request and response bodies ([`body::ByteStream`]), the [`transport::HttpClient`]
//! seam with its stall rule, the built-in pooled hyper client, proxies, trust anchors, and the mock
//! transport for tests. Nothing here knows S3.

pub mod body;
pub(crate) mod connector;
pub(crate) mod hyper_client;
pub(crate) mod mock;
pub(crate) mod proxy;
pub(crate) mod tls;
pub(crate) mod transport;

/// The Host header of a request to `uri`: its authority, without the port when it is the scheme's
/// default (HTTP clients leave it out of the Host header they send, so SigV4 signs it the same way).
/// `None` when the URI has no authority.
pub(crate) fn host_header(uri: &http::Uri) -> Option<&str> {
    let authority = uri.authority()?;
    let default_port = matches!((uri.scheme_str(), authority.port_u16()), (Some("http"), Some(80)) | (Some("https"), Some(443)));
    Some(if default_port { authority.host() } else { authority.as_str() })
}
