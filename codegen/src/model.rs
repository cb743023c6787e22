//! Serde types for boto-style JSON service models (`service-2.json`, `paginators-1.json`,
//! `waiters-2.json`). Unknown keys are errors that name their JSON path, so a model update that brings
//! a feature the generator does not know fails loudly instead of being ignored.

use serde::Deserialize;
use serde_json::Value;
use std::collections::BTreeMap;

/// Maps that keep the model's order (serde_json's `preserve_order` keeps the file's key order).
pub type OrderedMap<V> = serde_json::Map<String, V>;

/// A whole `service-2.json`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServiceModel {
    pub version: Option<String>,
    pub metadata: Metadata,
    #[serde(default)]
    pub operations: OrderedMap<Value>,
    #[serde(default)]
    pub shapes: OrderedMap<Value>,
    pub documentation: Option<String>,
}

/// The model's `metadata` object.
#[derive(Debug, Deserialize, Clone)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Metadata {
    pub api_version: Option<String>,
    pub checksum_format: Option<String>,
    pub endpoint_prefix: Option<String>,
    pub global_endpoint: Option<String>,
    pub protocol: String,
    #[serde(default)]
    pub protocols: Vec<String>,
    pub service_abbreviation: Option<String>,
    pub service_full_name: Option<String>,
    pub service_id: Option<String>,
    pub signature_version: Option<String>,
    pub signing_name: Option<String>,
    pub timestamp_format: Option<String>,
    pub uid: Option<String>,
    pub target_prefix: Option<String>,
    pub json_version: Option<String>,
    pub xml_namespace: Option<String>,
    pub auth: Option<Vec<String>>,
}

/// One entry of `operations`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Operation {
    pub name: String,
    pub http: HttpBinding,
    pub input: Option<ShapeRef>,
    pub output: Option<ShapeRef>,
    /// An output reference the model has set aside (IBM's RestoreObject); used when `output` is absent.
    #[serde(rename = "_output")]
    pub disabled_output: Option<ShapeRef>,
    #[serde(default)]
    pub errors: Vec<ShapeRef>,
    pub documentation: Option<String>,
    pub documentation_url: Option<String>,
    pub alias: Option<String>,
    #[serde(default)]
    pub http_checksum_required: bool,
    pub http_checksum: Option<HttpChecksum>,
    #[serde(default)]
    pub deprecated: bool,
    pub deprecated_message: Option<String>,
    pub endpoint: Option<OperationEndpoint>,
    pub auth_type: Option<String>,
    pub static_context_params: Option<Value>,
    pub context_params: Option<Value>,
    pub idempotent: Option<bool>,
    pub unsigned_payload: Option<bool>,
    /// Request compression (gzip of large bodies); read so such models load, not acted on.
    pub requestcompression: Option<Value>,
}

/// `http` of an operation.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct HttpBinding {
    pub method: String,
    pub request_uri: String,
    pub response_code: Option<u16>,
}

/// `httpChecksum` of an operation.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct HttpChecksum {
    pub request_algorithm_member: Option<String>,
    #[serde(default)]
    pub request_checksum_required: bool,
    pub request_validation_mode_member: Option<String>,
    #[serde(default)]
    pub response_algorithms: Vec<String>,
}

/// `endpoint` of an operation (a host prefix template).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct OperationEndpoint {
    pub host_prefix: String,
}

/// A reference to a shape, with the serialization traits a reference may carry.
#[derive(Debug, Deserialize, Clone, Default)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ShapeRef {
    pub shape: String,
    pub location: Option<String>,
    pub location_name: Option<String>,
    pub query_name: Option<String>,
    pub xml_namespace: Option<XmlNamespace>,
    #[serde(default)]
    pub xml_attribute: bool,
    pub flattened: Option<bool>,
    #[serde(default)]
    pub streaming: bool,
    #[serde(default)]
    pub deprecated: bool,
    pub deprecated_message: Option<String>,
    pub timestamp_format: Option<String>,
    #[serde(default)]
    pub jsonvalue: bool,
    #[serde(default)]
    pub idempotency_token: bool,
    #[serde(default)]
    pub host_label: bool,
    #[serde(default)]
    pub event_payload: bool,
    /// The spelling of `eventPayload` in old models.
    #[serde(default)]
    pub eventpayload: bool,
    pub documentation: Option<String>,
    pub context_param: Option<Value>,
    pub result_wrapper: Option<String>,
}

/// An `xmlNamespace`, either `{"uri": ..., "prefix": ...}` or a bare URI string.
#[derive(Debug, Deserialize, Clone, PartialEq, Eq)]
#[serde(untagged)]
pub enum XmlNamespace {
    Uri(String),
    Full {
        uri: String,
        prefix: Option<String>,
    },
}

impl XmlNamespace {
    pub fn uri(&self) -> &str {
        match self {
            XmlNamespace::Uri(uri) | XmlNamespace::Full { uri, .. } => uri,
        }
    }
    pub fn prefix(&self) -> Option<&str> {
        match self {
            XmlNamespace::Uri(_) => None,
            XmlNamespace::Full { prefix, .. } => prefix.as_deref(),
        }
    }
}

/// One entry of `shapes`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Shape {
    #[serde(rename = "type")]
    pub type_: String,
    #[serde(default)]
    pub members: OrderedMap<Value>,
    #[serde(default)]
    pub required: Vec<String>,
    #[serde(rename = "enum")]
    pub enum_: Option<Vec<String>>,
    pub payload: Option<String>,
    pub member: Option<ShapeRef>,
    pub key: Option<ShapeRef>,
    pub value: Option<ShapeRef>,
    pub flattened: Option<bool>,
    pub xml_namespace: Option<XmlNamespace>,
    pub location_name: Option<String>,
    /// A location given on the shape instead of the member (old models do this for headers).
    pub location: Option<String>,
    #[serde(default)]
    pub exception: bool,
    #[serde(default)]
    pub fault: bool,
    pub error: Option<ErrorTrait>,
    #[serde(default)]
    pub sensitive: bool,
    pub timestamp_format: Option<String>,
    #[serde(rename = "box")]
    pub box_: Option<bool>,
    pub pattern: Option<String>,
    pub min: Option<f64>,
    pub max: Option<f64>,
    #[serde(default)]
    pub streaming: bool,
    #[serde(default)]
    pub requires_length: bool,
    #[serde(default)]
    pub deprecated: bool,
    pub deprecated_message: Option<String>,
    pub documentation: Option<String>,
    #[serde(default)]
    pub event: bool,
    #[serde(default)]
    pub eventstream: bool,
    #[serde(default)]
    pub union: bool,
    #[serde(default)]
    pub document: bool,
    #[serde(default)]
    pub wrapper: bool,
    pub result_wrapper: Option<String>,
}

/// `error` of an exception shape.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ErrorTrait {
    pub code: Option<String>,
    pub http_status_code: Option<u16>,
    #[serde(default)]
    pub sender_fault: bool,
}

/// `paginators-1.json`.
#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct PaginatorsFile {
    pub pagination: BTreeMap<String, Paginator>,
}

/// One paginator. Tokens and result keys are either one expression or a list of them.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Paginator {
    pub input_token: OneOrMany,
    pub output_token: OneOrMany,
    pub limit_key: Option<String>,
    pub more_results: Option<String>,
    pub result_key: Option<OneOrMany>,
    pub non_aggregate_keys: Option<Vec<String>>,
}

/// A string or a list of strings.
#[derive(Debug, Deserialize, Clone)]
#[serde(untagged)]
pub enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

impl OneOrMany {
    pub fn to_vec(&self) -> Vec<String> {
        match self {
            OneOrMany::One(s) => vec![s.clone()],
            OneOrMany::Many(v) => v.clone(),
        }
    }
}

/// `waiters-2.json`.
#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct WaitersFile {
    pub version: u32,
    pub waiters: BTreeMap<String, Waiter>,
}

/// One waiter.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Waiter {
    pub delay: u32,
    pub operation: String,
    pub max_attempts: u32,
    pub acceptors: Vec<Acceptor>,
    pub description: Option<String>,
}

/// One acceptor of a waiter.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Acceptor {
    pub expected: Value,
    pub matcher: String,
    pub state: String,
    pub argument: Option<String>,
}

/// Deserializes `value` as `T`; an error names the JSON path below `path`.
pub fn from_value<T: serde::de::DeserializeOwned>(value: &Value, path: &str) -> Result<T, crate::Error> {
    serde_path_to_error::deserialize(value).map_err(|e| {
        let inner = e.path().to_string();
        let full = if inner == "." { path.to_string() } else { format!("{path}.{inner}") };
        crate::Error::Model { path: full, message: e.into_inner().to_string() }
    })
}

/// Parses a whole JSON document as `T`; an error names the JSON path.
pub fn from_str<T: serde::de::DeserializeOwned>(text: &str, file: &str) -> Result<T, crate::Error> {
    let de = &mut serde_json::Deserializer::from_str(text);
    serde_path_to_error::deserialize(de).map_err(|e| crate::Error::Model {
        path: format!("{file}: {}", e.path()),
        message: e.into_inner().to_string(),
    })
}
