//! The hand-written runtime under the generated operations, in rooms that import only downwards:
//!
//! - [`paginate`]: the page loop, resume tokens and waiter acceptors; over
//! - [`auth`]: credentials, IAM tokens and SigV4 signing; over
//! - [`protocol`]: what rest-xml puts on the wire (requests, scalars, headers, XML, error documents,
//!   timestamps, checksums); over
//! - [`config`]: the environment settings come from and the endpoint requests go to; and
//! - [`http`]: bodies and the pooled transport; and [`retry`]: which failures are retried and when;
//!   all over
//! - [`error`]: the one error type, and [`base64`]: the one base64 codec.
//!
//! The client (`crate::client`) and the transfer manager sit above the runtime; the generated code
//! reaches it only through the `rt` façade. `architecture.md` at the repository root has the picture.

pub(crate) mod auth;
pub(crate) mod base64;
pub(crate) mod config;
pub mod error;
pub(crate) mod http;
pub(crate) mod paginate;
pub(crate) mod protocol;
pub mod retry;
