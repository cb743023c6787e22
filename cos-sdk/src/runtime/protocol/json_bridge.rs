//! The runtime side of the JSON bridge (`generated/json.rs`, the `serde` feature): boto3-style JSON
//! in and out of the generated types, raw payloads as strings, errors as boto3's error dict.

use crate::runtime::error::Error;
use crate::runtime::http::body::ByteStream;
use bytes::Bytes;
use serde_json::{Map, Value};

/// A JSON value (what the bridge takes and gives).
pub type JsonValue = Value;

/// The error for an operation name the table does not have.
pub fn json_unknown_operation(operation: &str) -> Error {
    Error::invalid_input(format!("`{operation}` is not an operation of this service; see `json::OPERATIONS`"))
}

/// The members of a JSON input: an object (`null` counts as `{}`).
pub fn json_fields(input: Value, operation: &str) -> Result<Map<String, Value>, Error> {
    match input {
        Value::Object(map) => Ok(map),
        Value::Null => Ok(Map::new()),
        other => Err(Error::invalid_input(format!(
            "the JSON input of {operation} must be an object of its members, not `{other}`"
        ))),
    }
}

/// Takes a raw payload member (a blob, string or stream body) out of the input: a string is sent as
/// its UTF-8 bytes, `{"base64": "..."}` as the decoded bytes; `null` or absent is no payload.
pub fn json_take_payload(fields: &mut Map<String, Value>, member: &str, operation: &str) -> Result<Option<Bytes>, Error> {
    match fields.remove(member) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(text)) => Ok(Some(Bytes::from(text))),
        Some(Value::Object(map)) if map.len() == 1 && map.get("base64").is_some_and(Value::is_string) => {
            let text = map["base64"].as_str().unwrap_or_default();
            crate::runtime::protocol::scalars::base64_decode(text).map(|b| Some(Bytes::from(b))).ok_or_else(|| {
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
            b.insert("base64".into(), Value::String(crate::runtime::protocol::scalars::base64_encode(bytes)));
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
