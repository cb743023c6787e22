//! The rest-xml protocol as the generated code speaks it: requests being assembled and the facts of
//! each operation ([`request`]), scalar text forms ([`scalars`]), response headers ([`headers`]), XML
//! ([`xml`]), error documents ([`errors`]), timestamps ([`datetime`]), body checksums ([`checksum`]) and
//! copy sources ([`copy_source`]); with the `serde` feature, the JSON bridge and serde helpers.

pub(crate) mod checksum;
pub(crate) mod copy_source;
pub(crate) mod datetime;
pub(crate) mod errors;
pub(crate) mod headers;
#[cfg(feature = "serde")]
pub(crate) mod json_bridge;
pub(crate) mod request;
pub(crate) mod scalars;
#[cfg(feature = "serde")]
pub(crate) mod serde_members;
pub(crate) mod xml;
