//! The runtime side of the JSON bridge (`generated/json.rs`, the `serde` feature): boto3-style JSON
//! in and out of the generated types, raw payloads as strings, errors as boto3's error dict.

use crate::runtime::base64::{base64_decode, base64_encode};
use crate::runtime::config::endpoint::Endpoint;
use crate::runtime::error::Error;
use crate::runtime::http::body::ByteStream;
use crate::runtime::protocol::checksum::Algorithm;
use crate::runtime::protocol::copy_source::{copy_source, encode_copy_source_text};
use bytes::Bytes;
use serde_json::{Map, Value};

/// A JSON value (what the bridge takes and gives).
pub type JsonValue = Value;

/// The error for an operation name the table does not have.
pub fn json_unknown_operation(operation: &str) -> Error {
    Error::invalid_input(format!("`{operation}` is not an operation of this service; see `json::OPERATIONS`"))
}

/// The members of a JSON input: an object (`null` counts as `{}`), with the parameters boto3 rewrites
/// before sending rewritten the same way (see `boto3_parameters`).
pub fn json_fields(input: Value, operation: &str) -> Result<Map<String, Value>, Error> {
    let mut fields = match input {
        Value::Object(map) => map,
        Value::Null => Map::new(),
        other => {
            return Err(Error::invalid_input(format!(
                "the JSON input of {operation} must be an object of its members, not `{other}`"
            )))
        }
    };
    boto3_parameters(&mut fields, operation)?;
    Ok(fields)
}

/// What ibm_boto3 does to parameters before they reach the wire, done here so the same JSON means the
/// same request:
/// - `CopySource` as `"bucket/key"` (an optional `?versionId=...` at the end kept as it is) or as
///   `{"Bucket", "Key", "VersionId"}` becomes the URL-encoded header value, so a key holding `+`, `%`,
///   `?` or a space copies that very object;
/// - `SSECustomerKey` and `CopySourceSSECustomerKey` without their `...KeyMD5` are the raw key (a string's
///   UTF-8 bytes, or `{"base64": "..."}` for binary): they are sent base64-encoded with the MD5 the
///   service checks them by. Given with their MD5, both are sent as they are.
fn boto3_parameters(fields: &mut Map<String, Value>, operation: &str) -> Result<(), Error> {
    if let Some(source) = fields.get("CopySource") {
        let encoded = match source {
            Value::String(text) => encode_copy_source_text(text),
            Value::Object(parts) => {
                let text = |name: &str| parts.get(name).and_then(Value::as_str);
                let (Some(bucket), Some(key)) = (text("Bucket"), text("Key")) else {
                    return Err(Error::invalid_input(format!(
                        "{operation}.CopySource: give \"bucket/key\" or {{\"Bucket\": ..., \"Key\": ..., \"VersionId\": ...}} \
                         with Bucket and Key as strings"
                    )));
                };
                copy_source(bucket, key, text("VersionId"))
            }
            _ => {
                return Err(Error::invalid_input(format!(
                    "{operation}.CopySource: give \"bucket/key\" or {{\"Bucket\": ..., \"Key\": ..., \"VersionId\": ...}}"
                )))
            }
        };
        fields.insert("CopySource".into(), Value::String(encoded));
    }
    for prefix in ["SSECustomer", "CopySourceSSECustomer"] {
        let (key_member, md5_member) = (format!("{prefix}Key"), format!("{prefix}KeyMD5"));
        if fields.contains_key(&md5_member) {
            continue;
        }
        let raw = match fields.get(&key_member) {
            None | Some(Value::Null) => continue,
            // A 256-bit key given in base64 by mistake would be encoded again, and the service would
            // refuse the request with no hint why.
            Some(Value::String(text)) if text.len() != 32 && base64_decode(text).is_some_and(|k| k.len() == 32) => {
                return Err(Error::invalid_input(format!(
                    "{operation}.{key_member} looks base64-encoded (it decodes to a 32-byte key); give the raw key, \
                     or {{\"base64\": \"...\"}} for binary, or add {md5_member} to send it as it is"
                )))
            }
            Some(Value::String(text)) => text.as_bytes().to_vec(),
            Some(Value::Object(map)) if map.len() == 1 && map.get("base64").is_some_and(Value::is_string) => {
                base64_decode(map["base64"].as_str().unwrap_or_default()).ok_or_else(|| {
                    Error::invalid_input(format!("{operation}.{key_member}: `base64` is not valid base64"))
                })?
            }
            Some(_) => {
                return Err(Error::invalid_input(format!(
                    "{operation}.{key_member} is the raw key: give a string or {{\"base64\": \"...\"}}"
                )))
            }
        };
        fields.insert(md5_member, Value::String(Algorithm::Md5.base64(&raw)));
        fields.insert(key_member, Value::String(base64_encode(&raw)));
    }
    Ok(())
}

/// Takes a raw payload member (a blob, string or stream body) out of the input: a string is sent as
/// its UTF-8 bytes, `{"base64": "..."}` as the decoded bytes; `null` or absent is no payload.
pub fn json_take_payload(fields: &mut Map<String, Value>, member: &str, operation: &str) -> Result<Option<Bytes>, Error> {
    match fields.remove(member) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(text)) => Ok(Some(Bytes::from(text))),
        Some(Value::Object(map)) if map.len() == 1 && map.get("base64").is_some_and(Value::is_string) => {
            let text = map["base64"].as_str().unwrap_or_default();
            base64_decode(text).map(|b| Some(Bytes::from(b))).ok_or_else(|| {
                Error::invalid_input(format!("{operation}.{member}: `base64` is not valid base64"))
            })
        }
        Some(other) => Err(Error::invalid_input(format!(
            "{operation}.{member} is the request body: give a string or {{\"base64\": \"...\"}}, not `{other}`"
        ))),
    }
}

/// Deserializes an operation's input type from its members.
pub fn json_input<T: serde::de::DeserializeOwned>(fields: Map<String, Value>, operation: &str) -> Result<T, Error> {
    serde_json::from_value(Value::Object(fields))
        .map_err(|e| Error::invalid_input(format!("the JSON input of {operation} does not fit its model: {e}")))
}

/// One operation's JSON input on its way to a request: what the generated table's arms share.
#[derive(Debug)]
pub struct JsonCall<'a> {
    /// The operation's name, for errors.
    pub operation: &'a str,
    /// The boto3-style input.
    pub input: Value,
    /// Where the request goes.
    pub endpoint: &'a Endpoint,
}

impl JsonCall<'_> {
    /// The request, through the operation's own `serialize`.
    pub fn request<I: serde::de::DeserializeOwned>(
        self,
        serialize: fn(I, &Endpoint) -> Result<http::Request<ByteStream>, Error>,
    ) -> Result<http::Request<ByteStream>, Error> {
        serialize(json_input(json_fields(self.input, self.operation)?, self.operation)?, self.endpoint)
    }
}

/// One operation's response on its way to JSON output.
#[derive(Debug)]
pub struct JsonReply<'a> {
    /// The operation's name, for errors.
    pub operation: &'a str,
    /// The response, its body in memory.
    pub response: http::Response<ByteStream>,
}

impl JsonReply<'_> {
    /// The output, read by the operation's own `parse`, as JSON.
    pub fn output<O: serde::Serialize>(
        self,
        parse: fn(http::Response<ByteStream>) -> Result<O, Error>,
    ) -> Result<Value, Error> {
        json_output(&parse(self.response)?, self.operation)
    }
}

/// Serializes an output (or modeled error) to JSON.
pub fn json_output<T: serde::Serialize>(value: &T, operation: &str) -> Result<Value, Error> {
    serde_json::to_value(value)
        .map_err(|e| Error::response_parse(format!("the output of {operation} cannot be written as JSON: {e}")))
}

/// Puts a raw payload into a JSON output: text when it is UTF-8, else base64 in `{"base64": "..."}`.
pub fn json_put_payload(output: &mut Value, member: &str, payload: Option<&[u8]>) {
    let (Value::Object(map), Some(bytes)) = (output, payload) else { return };
    let value = match std::str::from_utf8(bytes) {
        Ok(text) => Value::String(text.to_string()),
        Err(_) => {
            let mut b = Map::new();
            b.insert("base64".into(), Value::String(base64_encode(bytes)));
            Value::Object(b)
        }
    };
    map.insert(member.to_string(), value);
}

/// boto3's error dict: `Error` (`Code`, `Message`, the other fields of the error document),
/// `ResponseMetadata` (`HTTPStatusCode`, `RequestId`, `HostId`), and for a modeled error its
/// members and `ModeledError`, the name of its shape.
pub fn json_error(error: &Error, modeled: Option<(&str, Value)>) -> Value {
    let mut out = match &modeled {
        Some((_, Value::Object(map))) => map.clone(),
        _ => Map::new(),
    };
    if let Some((shape, _)) = modeled {
        out.insert("ModeledError".into(), Value::String(shape.to_string()));
    }
    let mut details = Map::new();
    let mut metadata = Map::new();
    match error.service_error() {
        Some(service) => {
            details.insert("Code".into(), Value::String(service.code().to_string()));
            if let Some(message) = service.message() {
                details.insert("Message".into(), Value::String(message.to_string()));
            }
            for (name, value) in service.extras() {
                details.insert(name.clone(), Value::String(value.clone()));
            }
            metadata.insert("HTTPStatusCode".into(), Value::from(service.status()));
            if let Some(id) = service.request_id() {
                metadata.insert("RequestId".into(), Value::String(id.to_string()));
            }
            if let Some(id) = service.host_id() {
                metadata.insert("HostId".into(), Value::String(id.to_string()));
            }
        }
        None => {
            details.insert("Code".into(), Value::String(format!("{:?}", error.kind())));
            details.insert("Message".into(), Value::String(error.to_string()));
        }
    }
    out.insert("Error".into(), Value::Object(details));
    out.insert("ResponseMetadata".into(), Value::Object(metadata));
    Value::Object(out)
}

/// Reads a response's body into memory, so the JSON bridge can parse and print it.
pub async fn read_response_body(response: http::Response<ByteStream>) -> Result<http::Response<ByteStream>, Error> {
    let (parts, body) = response.into_parts();
    let bytes = body.collect().await?;
    Ok(http::Response::from_parts(parts, ByteStream::from(bytes)))
}
