//! The façade generated code calls: one stable path to every runtime type and function it needs, each
//! named here (no globs), so this file is the list of what the generator may use.
//! Not for application code (hidden from the docs); its contents may change with the generator.

pub use bytes::Bytes;
pub use http;

pub use crate::client::presign::PresignedRequest;
pub use crate::client::options::CallOptions;
pub use crate::client::{attempts_made, Client};
pub use crate::runtime::config::endpoint::Endpoint;
pub use crate::runtime::error::{Error, SendError, ServiceError};
pub use crate::runtime::http::body::ByteStream;
pub use crate::runtime::paginate::{
    bad_resume_token, decode_resume_token, page_items, paginate, resume_token, sleep, waiter_step, BoxFuture, PageLink,
    ResultStream, WaiterAcceptor, WaiterState,
};
pub use crate::runtime::protocol::datetime::{DateTime, TimestampFormat};
pub use crate::runtime::protocol::errors::{error_details, is_error_response, read_error_element};
pub use crate::runtime::protocol::headers::{
    header, header_json, header_list, header_text, header_timestamp, header_timestamp_list, prefix_headers,
    quote_header_list_item,
};
pub use crate::runtime::protocol::request::{OperationMeta, RequestParts};
pub use crate::runtime::protocol::scalars::{
    base64_encode, body_bytes, body_string, check_min, fmt_bool, fmt_f32, fmt_float, idempotency_token, parse_base64,
    parse_bool, parse_f32, parse_f64, parse_i32, parse_i64, parse_timestamp, required, required_in_response, sorted_entries,
    url_decode_in_place, UnknownValue,
};
pub use crate::runtime::protocol::xml::{XmlReader, XmlStart, XmlWriter};
pub use crate::{__fluent_builder_basics as fluent_builder_basics, __wire_enum_conversions as wire_enum_conversions};
#[cfg(feature = "serde")]
pub use crate::runtime::protocol::json_bridge::{
    json_error, json_fields, json_input, json_output, json_put_payload, json_take_payload, json_unknown_operation,
    read_response_body, JsonCall, JsonReply, JsonValue,
};
#[cfg(feature = "serde")]
pub use crate::runtime::protocol::serde_members::{
    serde_blob, serde_blob_opt, serde_f32, serde_f32_opt, serde_float, serde_float_opt, serde_json_text,
    serde_json_text_opt,
};
