//! The resolved model: every shape, member and operation with its Rust name and its wire facts,
//! validated once so the emitters never look at the JSON or compute a name.

mod paginators;
mod passes;

use crate::model::{self, OrderedMap, XmlNamespace};
use crate::{naming, Error};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// A whole service, ready to emit.
#[derive(Debug)]
pub struct Service {
    pub metadata: model::Metadata,
    /// Structure and enum shapes (the ones that become Rust types), in model order.
    pub shapes: Vec<Shape>,
    pub operations: Vec<Operation>,
    pub paginators: Vec<Paginator>,
    pub waiters: Vec<Waiter>,
    index: HashMap<String, usize>,
}

/// Where a member travels in an HTTP message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// A `{Label}` of the request URI.
    Uri,
    /// A query string parameter.
    Query,
    /// One header.
    Header,
    /// A map of headers sharing a prefix (`x-amz-meta-`).
    PrefixHeaders,
    /// The HTTP status code of a response.
    StatusCode,
    /// The member named by the structure's `payload`: the whole body.
    Payload,
    /// An element (or attribute) of the XML body.
    Body,
}

/// A timestamp's text form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimestampFormat {
    Iso8601,
    HttpDate,
    EpochSeconds,
}

/// The type of a shape, with what its references need.
#[derive(Debug, Clone, PartialEq)]
pub enum Type {
    String,
    /// A string with an enum trait: a generated enum, by shape name.
    Enum(String),
    Integer,
    Long,
    Boolean,
    Float,
    Double,
    Timestamp,
    Blob,
    /// A streaming blob: a `ByteStream`.
    Stream,
    /// A structure, by shape name.
    Structure(String),
    List(Box<ListType>),
    Map(Box<MapType>),
}

/// A list: its member type and XML facts.
#[derive(Debug, Clone, PartialEq)]
pub struct ListType {
    pub member: Type,
    /// The XML element name of each item of a wrapped list (`member` unless the model names it).
    pub member_xml_name: String,
    /// The list member's own `locationName`, which names the items of a flattened list when parsing.
    pub member_location_name: Option<String>,
    pub flattened: bool,
    pub member_timestamp_format: Option<TimestampFormat>,
    pub member_namespace: Option<XmlNamespace>,
}

/// A map: its key and value types and XML facts.
#[derive(Debug, Clone, PartialEq)]
pub struct MapType {
    pub value: Type,
    pub key_xml_name: String,
    pub value_xml_name: String,
    pub flattened: bool,
    pub key_namespace: Option<XmlNamespace>,
    pub value_namespace: Option<XmlNamespace>,
}

/// A structure or enum shape: what becomes a Rust type.
#[derive(Debug, Clone)]
pub struct Shape {
    pub name: String,
    pub rust_name: String,
    pub kind: ShapeKind,
    pub xml_namespace: Option<XmlNamespace>,
    /// The XML name of the shape when it is a document root (its `locationName`, else its name).
    pub xml_name: String,
    pub sensitive: bool,
    pub deprecated: bool,
}

#[derive(Debug, Clone)]
pub enum ShapeKind {
    Structure(Structure),
    Enum(Vec<EnumValue>),
}

/// One value of an enum.
#[derive(Debug, Clone)]
pub struct EnumValue {
    pub value: String,
    pub rust_name: String,
}

/// A structure shape.
#[derive(Debug, Clone)]
pub struct Structure {
    pub members: Vec<Member>,
    pub payload: Option<String>,
    pub exception: Option<ExceptionInfo>,
    /// Contains a streaming member, directly or below: no `Clone`, `PartialEq` or serde for it.
    pub has_stream: bool,
    /// Has a sensitive member (or one of sensitive shape): `Debug` is written by hand.
    pub has_sensitive: bool,
}

/// What the model says of an exception shape.
#[derive(Debug, Clone)]
pub struct ExceptionInfo {
    pub code: String,
    pub status: Option<u16>,
}

/// One member of a structure.
#[derive(Debug, Clone)]
pub struct Member {
    pub name: String,
    pub rust_name: String,
    pub ty: Type,
    /// The shape the member refers to.
    pub shape: String,
    pub location: Location,
    /// Header name, query key, URI label, or XML element/attribute name.
    pub wire_name: String,
    /// The element name when parsing: the wire name.
    pub xml_parse_name: String,
    /// Another element name a reader accepts for the member: a flattened list's items named after
    /// the list member's `locationName` (what older botocore read), when no other member uses it.
    pub xml_alt_parse_name: Option<String>,
    /// The model gives the member a `locationName` (else a payload structure is rooted at its
    /// shape's XML name).
    pub has_location_name: bool,
    pub xml_namespace: Option<XmlNamespace>,
    pub xml_attribute: bool,
    pub timestamp_format: Option<TimestampFormat>,
    pub required: bool,
    pub sensitive: bool,
    pub boxed: bool,
    pub deprecated: bool,
    pub jsonvalue: bool,
    pub idempotency_token: bool,
    pub host_label: bool,
    /// `min` of the member's shape (length of strings, lists and maps; value of numbers).
    pub min: Option<i64>,
}

/// One piece of a request URI's path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathPart {
    Literal(String),
    /// A label with its member's Rust name; `greedy` keeps `/`.
    Label { label: String, member: String, greedy: bool },
}

/// One literal query parameter of a request URI (`?uploads`, `?list-type=2`, `&add={Id}`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum QueryPart {
    Flag(String),
    Value(String, String),
    Label { key: String, label: String, member: String },
}

/// An operation.
#[derive(Debug)]
pub struct Operation {
    pub name: String,
    pub rust_name: String,
    pub method: String,
    pub request_uri: String,
    pub path: Vec<PathPart>,
    pub query: Vec<QueryPart>,
    pub input: String,
    pub output: String,
    /// The root element name and namespace of a request body built from body members (no payload).
    pub input_root: Option<(String, Option<XmlNamespace>)>,
    pub errors: Vec<String>,
    pub response_code: Option<u16>,
    /// The request must carry a checksum (the model's `httpChecksumRequired`, a required request
    /// checksum, or the customization table's `always_content_md5`).
    pub checksum_required: bool,
    /// The output has a streaming member, handed to the caller unread (set by a pass).
    pub streaming_response: bool,
    /// The input carries IBM's service instance id header, which the client fills in from its
    /// configuration (set by a pass).
    pub instance_id: bool,
    pub host_prefix: Option<String>,
    pub deprecated: bool,
    pub alias: Option<String>,
    pub customizations: crate::customize::OperationCustomizations,
}

/// A paginator of `paginators-1.json`, resolved against the model.
#[derive(Debug)]
pub struct Paginator {
    pub operation: String,
    pub input_tokens: Vec<String>,
    /// Output token expressions: a member path, `A || B`, or `List[-1].Member`.
    pub output_tokens: Vec<String>,
    pub limit_key: Option<String>,
    pub more_results: Option<String>,
    pub result_keys: Vec<String>,
}

/// A waiter of `waiters-2.json`.
#[derive(Debug)]
pub struct Waiter {
    pub name: String,
    pub operation: String,
    pub delay: u32,
    pub max_attempts: u32,
    pub acceptors: Vec<Acceptor>,
}

/// A waiter acceptor the generator supports: status codes and error codes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Acceptor {
    Status { status: u16, state: WaiterState },
    Error { code: String, state: WaiterState },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WaiterState {
    Success,
    Retry,
    Failure,
}

impl Service {
    pub fn shape(&self, name: &str) -> &Shape {
        &self.shapes[self.index[name]]
    }

    pub fn structure(&self, name: &str) -> &Structure {
        match &self.shape(name).kind {
            ShapeKind::Structure(s) => s,
            ShapeKind::Enum(_) => panic!("{name} is an enum, not a structure"),
        }
    }

    pub fn operation(&self, name: &str) -> Option<&Operation> {
        self.operations.iter().find(|o| o.name == name)
    }
}

/// The raw shapes of a model, parsed lazily and by name.
struct Raw<'a> {
    shapes: &'a OrderedMap<Value>,
    parsed: HashMap<String, model::Shape>,
}

impl<'a> Raw<'a> {
    fn get(&mut self, name: &str, referenced_from: &str) -> Result<&model::Shape, Error> {
        if !self.parsed.contains_key(name) {
            let value = self.shapes.get(name).ok_or_else(|| Error::Model {
                path: referenced_from.to_string(),
                message: format!("refers to shape `{name}`, which the model does not define"),
            })?;
            let shape: model::Shape = model::from_value(value, &format!("shapes.{name}"))?;
            self.parsed.insert(name.to_string(), shape);
        }
        Ok(&self.parsed[name])
    }
}

fn timestamp_format(text: Option<&str>, path: &str) -> Result<Option<TimestampFormat>, Error> {
    Ok(match text {
        None => None,
        Some("iso8601") => Some(TimestampFormat::Iso8601),
        Some("rfc822") => Some(TimestampFormat::HttpDate),
        Some("unixTimestamp") => Some(TimestampFormat::EpochSeconds),
        Some(other) => {
            return Err(Error::Model {
                path: path.to_string(),
                message: format!("unknown timestampFormat `{other}`; expected iso8601, rfc822 or unixTimestamp"),
            })
        }
    })
}

/// Resolves a model into the IR.
pub fn resolve(
    service_json: &str,
    paginators_json: Option<&str>,
    waiters_json: Option<&str>,
) -> Result<Service, Error> {
    let model: model::ServiceModel = model::from_str(service_json, "service model")?;
    if model.metadata.protocol != "rest-xml" {
        return Err(Error::Model {
            path: "metadata.protocol".into(),
            message: format!(
                "protocol `{}` is not supported; the generator handles rest-xml models only",
                model.metadata.protocol
            ),
        });
    }
    let mut raw = Raw { shapes: &model.shapes, parsed: HashMap::new() };
    let mut builder = Builder { raw: &mut raw, types: BTreeMap::new(), order: Vec::new() };

    let mut operations = Vec::new();
    for (name, value) in &model.operations {
        let path = format!("operations.{name}");
        let op: model::Operation = model::from_value(value, &path)?;
        operations.push(builder.operation(name, op, &path)?);
    }
    // Every shape becomes known, even ones no operation uses, so a dangling reference anywhere fails.
    let all: Vec<String> = model.shapes.keys().cloned().collect();
    for name in &all {
        builder.type_of(&model::ShapeRef { shape: name.clone(), ..Default::default() }, &format!("shapes.{name}"))?;
    }

    let Builder { mut types, order, .. } = builder;
    let mut shapes: Vec<Shape> = order.iter().filter_map(|name| types.remove(name).flatten()).collect();
    // Shapes in model order (synthetic ones last), so output follows the model and stays stable.
    let model_order: HashMap<&str, usize> = all.iter().enumerate().map(|(i, n)| (n.as_str(), i)).collect();
    shapes.sort_by_key(|s| model_order.get(s.name.as_str()).copied().unwrap_or(usize::MAX));
    let index = shapes.iter().enumerate().map(|(i, s)| (s.name.clone(), i)).collect();

    let mut service = Service {
        metadata: model.metadata,
        shapes,
        operations,
        paginators: Vec::new(),
        waiters: Vec::new(),
        index,
    };
    passes::check_collisions(&service)?;
    passes::check_body_roots(&service)?;
    passes::mark_boxes(&mut service);
    passes::mark_streams_and_sensitive(&mut service);
    passes::mark_operation_facts(&mut service);
    if let Some(text) = paginators_json {
        service.paginators = paginators::resolve_paginators(&service, text)?;
    }
    if let Some(text) = waiters_json {
        service.waiters = paginators::resolve_waiters(&service, text)?;
    }
    Ok(service)
}

struct Builder<'r, 'a> {
    raw: &'r mut Raw<'a>,
    /// Resolved structure and enum shapes by name (`None` while a structure is being resolved).
    types: BTreeMap<String, Option<Shape>>,
    order: Vec<String>,
}

impl<'r, 'a> Builder<'r, 'a> {
    /// The Rust-facing type of a reference, resolving (and recording) structure and enum shapes.
    fn type_of(&mut self, r: &model::ShapeRef, path: &str) -> Result<Type, Error> {
        let name = r.shape.clone();
        let shape_path = format!("shapes.{name}");
        let (type_, has_enum, member, key, value, flattened) = {
            let s = self.raw.get(&name, path)?;
            (s.type_.clone(), s.enum_.is_some(), s.member.clone(), s.key.clone(), s.value.clone(), s.flattened)
        };
        Ok(match type_.as_str() {
            "string" if has_enum => {
                self.enum_shape(&name)?;
                Type::Enum(name)
            }
            "string" => Type::String,
            "character" => Type::String,
            "integer" if crate::customize::WIDE_INTEGER_SHAPES.contains(&name.as_str()) => Type::Long,
            "integer" | "short" | "byte" => Type::Integer,
            "long" => Type::Long,
            "boolean" => Type::Boolean,
            "float" => Type::Float,
            "double" | "bigdecimal" => Type::Double,
            "timestamp" => Type::Timestamp,
            "blob" => {
                let streaming = r.streaming || self.raw.get(&name, path)?.streaming;
                if streaming {
                    Type::Stream
                } else {
                    Type::Blob
                }
            }
            "structure" => {
                self.structure_shape(&name)?;
                Type::Structure(name)
            }
            "list" => {
                let member = member.ok_or_else(|| Error::Model {
                    path: shape_path.clone(),
                    message: "a list shape needs `member`".into(),
                })?;
                let member_path = format!("{shape_path}.member");
                let member_ty = self.type_of(&member, &member_path)?;
                let member_fmt = self.timestamp_format_of(&member, &member_path)?;
                let member_ns = match &member.xml_namespace {
                    Some(ns) => Some(ns.clone()),
                    None => self.raw.get(&member.shape, &member_path)?.xml_namespace.clone(),
                };
                Type::List(Box::new(ListType {
                    member: member_ty,
                    member_xml_name: member.location_name.clone().unwrap_or_else(|| "member".to_string()),
                    member_location_name: member.location_name.clone(),
                    flattened: r.flattened.or(flattened).unwrap_or(false),
                    member_timestamp_format: member_fmt,
                    member_namespace: member_ns,
                }))
            }
            "map" => {
                let (key, value) = match (key, value) {
                    (Some(k), Some(v)) => (k, v),
                    _ => {
                        return Err(Error::Model {
                            path: shape_path,
                            message: "a map shape needs `key` and `value`".into(),
                        })
                    }
                };
                let key_ty = self.type_of(&key, &format!("{shape_path}.key"))?;
                if !matches!(key_ty, Type::String | Type::Enum(_)) {
                    return Err(Error::Model {
                        path: format!("{shape_path}.key"),
                        message: "map keys must be strings".into(),
                    });
                }
                let value_ty = self.type_of(&value, &format!("{shape_path}.value"))?;
                Type::Map(Box::new(MapType {
                    value: value_ty,
                    key_xml_name: key.location_name.clone().unwrap_or_else(|| "key".into()),
                    value_xml_name: value.location_name.clone().unwrap_or_else(|| "value".into()),
                    flattened: r.flattened.or(flattened).unwrap_or(false),
                    key_namespace: key.xml_namespace.clone(),
                    value_namespace: value.xml_namespace.clone(),
                }))
            }
            other => {
                return Err(Error::Model {
                    path: format!("{shape_path}.type"),
                    message: format!("shape type `{other}` is not supported by rest-xml"),
                })
            }
        })
    }

    fn timestamp_format_of(&mut self, r: &model::ShapeRef, path: &str) -> Result<Option<TimestampFormat>, Error> {
        let shape_fmt = self.raw.get(&r.shape, path)?.timestamp_format.clone();
        timestamp_format(r.timestamp_format.as_deref().or(shape_fmt.as_deref()), path)
    }

    fn record(&mut self, name: &str) -> bool {
        if self.types.contains_key(name) {
            return false;
        }
        self.types.insert(name.to_string(), None);
        self.order.push(name.to_string());
        true
    }

    fn enum_shape(&mut self, name: &str) -> Result<(), Error> {
        if !self.record(name) {
            return Ok(());
        }
        let path = format!("shapes.{name}");
        let s = self.raw.get(name, &path)?;
        let values = s.enum_.clone().unwrap_or_default();
        let (sensitive, deprecated, ns) = (s.sensitive, s.deprecated, s.xml_namespace.clone());
        let mut seen: HashMap<String, String> = HashMap::new();
        let mut out = Vec::new();
        for value in values {
            let rust_name = naming::variant_name(&value);
            if let Some(previous) = seen.insert(rust_name.clone(), value.clone()) {
                if previous == value {
                    continue;
                }
                return Err(Error::Collision {
                    path: format!("{path}.enum"),
                    first: previous,
                    second: value,
                    rust: rust_name,
                });
            }
            out.push(EnumValue { value, rust_name });
        }
        self.types.insert(
            name.to_string(),
            Some(Shape {
                name: name.to_string(),
                rust_name: naming::type_name(name),
                kind: ShapeKind::Enum(out),
                xml_namespace: ns,
                xml_name: name.to_string(),
                sensitive,
                deprecated,
            }),
        );
        Ok(())
    }

    fn structure_shape(&mut self, name: &str) -> Result<(), Error> {
        if !self.record(name) {
            return Ok(());
        }
        let path = format!("shapes.{name}");
        let (members_json, required, payload, ns, location_name, exception, error, sensitive, deprecated) = {
            let s = self.raw.get(name, &path)?;
            if s.eventstream || s.event {
                return Err(Error::Model {
                    path: path.clone(),
                    message: "event streams (application/vnd.amazon.eventstream) are not supported by the generator".into(),
                });
            }
            (
                s.members.clone(),
                s.required.clone(),
                s.payload.clone(),
                s.xml_namespace.clone(),
                s.location_name.clone(),
                s.exception || s.fault,
                s.error.as_ref().map(|e| (e.code.clone(), e.http_status_code)),
                s.sensitive,
                s.deprecated,
            )
        };
        for r in &required {
            if !members_json.contains_key(r) {
                return Err(Error::Model {
                    path: format!("{path}.required"),
                    message: format!("lists `{r}`, which is not a member"),
                });
            }
        }
        if let Some(p) = &payload {
            if !members_json.contains_key(p) {
                return Err(Error::Model {
                    path: format!("{path}.payload"),
                    message: format!("names `{p}`, which is not a member"),
                });
            }
        }
        let mut members = Vec::new();
        let mut seen: HashMap<String, String> = HashMap::new();
        for (member_name, value) in &members_json {
            let member_path = format!("{path}.members.{member_name}");
            let r: model::ShapeRef = model::from_value(value, &member_path)?;
            let ty = self.type_of(&r, &member_path)?;
            let target = self.raw.get(&r.shape, &member_path)?;
            let (target_sensitive, target_min, target_ns, target_location, target_location_name) = (
                target.sensitive,
                target.min,
                target.xml_namespace.clone(),
                target.location.clone(),
                target.location_name.clone(),
            );
            let customized = crate::customize::member_location(name, member_name);
            let location = if payload.as_deref() == Some(member_name.as_str()) {
                Location::Payload
            } else {
                match r.location.as_deref().or(target_location.as_deref()).or(customized.map(|(location, _)| location)) {
                    None => Location::Body,
                    Some("uri") => Location::Uri,
                    Some("querystring") => Location::Query,
                    Some("header") => Location::Header,
                    Some("headers") => Location::PrefixHeaders,
                    Some("statusCode") => Location::StatusCode,
                    Some(other) => {
                        return Err(Error::Model {
                            path: format!("{member_path}.location"),
                            message: format!(
                                "unknown location `{other}`; expected uri, querystring, header, headers or statusCode"
                            ),
                        })
                    }
                }
            };
            if location == Location::PrefixHeaders && !matches!(ty, Type::Map(_)) {
                return Err(Error::Model {
                    path: member_path,
                    message: "a `headers` member must be a map".into(),
                });
            }
            // Old models put `location` and `locationName` of headers on the shape; a shape's
            // `locationName` names body elements only when it is a document root, never here.
            let shape_wire_name = match location {
                Location::Body | Location::Payload => None,
                _ => target_location_name,
            };
            let wire_name = r
                .query_name
                .clone()
                .or_else(|| r.location_name.clone())
                .or(shape_wire_name)
                .or(customized.map(|(_, wire)| wire.to_string()))
                .unwrap_or_else(|| {
                if location == Location::PrefixHeaders {
                    String::new()
                } else {
                    member_name.clone()
                }
            });
            let xml_parse_name = wire_name.clone();
            let xml_alt_parse_name = match &ty {
                Type::List(list) if list.flattened => {
                    list.member_location_name.clone().filter(|n| n != &wire_name)
                }
                _ => None,
            };
            let rust_name = naming::member_name(member_name);
            if let Some(previous) = seen.insert(rust_name.clone(), member_name.clone()) {
                return Err(Error::Collision {
                    path: format!("{path}.members"),
                    first: previous,
                    second: member_name.clone(),
                    rust: rust_name,
                });
            }
            members.push(Member {
                name: member_name.clone(),
                rust_name,
                shape: r.shape.clone(),
                timestamp_format: self.timestamp_format_of(&r, &member_path)?,
                location,
                wire_name,
                xml_parse_name,
                xml_alt_parse_name,
                has_location_name: r.location_name.is_some(),
                xml_namespace: r.xml_namespace.clone().or(match &ty {
                    Type::Structure(_) => None,
                    _ => target_ns,
                }),
                xml_attribute: r.xml_attribute,
                required: required.contains(member_name),
                sensitive: target_sensitive,
                boxed: false,
                deprecated: r.deprecated,
                jsonvalue: r.jsonvalue,
                idempotency_token: r.idempotency_token,
                host_label: r.host_label,
                min: target_min.map(|m| m as i64),
                ty,
            });
        }
        let exception = if exception {
            let (code, status) = error.unwrap_or((None, None));
            Some(ExceptionInfo { code: code.unwrap_or_else(|| name.to_string()), status })
        } else {
            None
        };
        self.types.insert(
            name.to_string(),
            Some(Shape {
                name: name.to_string(),
                rust_name: naming::type_name(name),
                kind: ShapeKind::Structure(Structure {
                    members,
                    payload,
                    exception,
                    has_stream: false,
                    has_sensitive: false,
                }),
                xml_namespace: ns,
                xml_name: location_name.unwrap_or_else(|| name.to_string()),
                sensitive,
                deprecated,
            }),
        );
        Ok(())
    }

    /// Records an empty structure for an operation without input or output, under a name that
    /// collides with nothing in the model.
    fn synthetic_structure(&mut self, name: &str, path: &str) -> Result<(), Error> {
        if self.raw.shapes.contains_key(name) || self.types.contains_key(name) {
            return Err(Error::Model {
                path: path.to_string(),
                message: format!("needs a synthetic shape `{name}`, but the model already has one by that name"),
            });
        }
        self.record(name);
        self.types.insert(
            name.to_string(),
            Some(Shape {
                name: name.to_string(),
                rust_name: naming::type_name(name),
                kind: ShapeKind::Structure(Structure {
                    members: Vec::new(),
                    payload: None,
                    exception: None,
                    has_stream: false,
                    has_sensitive: false,
                }),
                xml_namespace: None,
                xml_name: name.to_string(),
                sensitive: false,
                deprecated: false,
            }),
        );
        Ok(())
    }

    fn operation(&mut self, name: &str, op: model::Operation, path: &str) -> Result<Operation, Error> {
        if op.name != name {
            return Err(Error::Model {
                path: format!("{path}.name"),
                message: format!("is `{}`, but the operation is keyed `{name}`", op.name),
            });
        }
        let (input, input_root) = match &op.input {
            Some(r) => {
                let t = self.type_of(r, &format!("{path}.input"))?;
                if !matches!(t, Type::Structure(_)) {
                    return Err(Error::Model { path: format!("{path}.input"), message: "must be a structure".into() });
                }
                let root = r.location_name.clone().map(|n| (n, r.xml_namespace.clone()));
                (r.shape.clone(), root)
            }
            None => {
                let synthetic = format!("{name}Request");
                self.synthetic_structure(&synthetic, &format!("{path}.input"))?;
                (synthetic, None)
            }
        };
        // IBM's model sets RestoreObject's output aside as `_output`; its members are optional
        // headers, so reading them when present is harmless and keeps the natural type name.
        let output = match op.output.as_ref().or(op.disabled_output.as_ref()) {
            Some(r) => {
                let t = self.type_of(r, &format!("{path}.output"))?;
                if !matches!(t, Type::Structure(_)) {
                    return Err(Error::Model { path: format!("{path}.output"), message: "must be a structure".into() });
                }
                r.shape.clone()
            }
            None => {
                let synthetic = format!("{name}Output");
                self.synthetic_structure(&synthetic, &format!("{path}.output"))?;
                synthetic
            }
        };
        let mut errors = Vec::new();
        for (i, e) in op.errors.iter().enumerate() {
            self.type_of(e, &format!("{path}.errors[{i}]"))?;
            errors.push(e.shape.clone());
        }
        let (path_parts, query) = self.parse_uri(&op.http.request_uri, &input, &format!("{path}.http.requestUri"))?;
        let checksum_required =
            op.http_checksum_required || op.http_checksum.as_ref().is_some_and(|c| c.request_checksum_required);
        let customizations = crate::customize::for_operation(name);
        Ok(Operation {
            name: name.to_string(),
            rust_name: naming::operation_name(name),
            method: op.http.method.to_uppercase(),
            request_uri: op.http.request_uri.clone(),
            path: path_parts,
            query,
            input,
            output,
            input_root,
            errors,
            response_code: op.http.response_code,
            checksum_required: checksum_required || customizations.always_content_md5,
            streaming_response: false,
            instance_id: false,
            host_prefix: op.endpoint.map(|e| e.host_prefix),
            deprecated: op.deprecated,
            alias: op.alias,
            customizations,
        })
    }

    /// Splits a request URI template into path parts and literal query parts, checking every label
    /// against the input's `uri` members.
    fn parse_uri(&mut self, uri: &str, input: &str, path: &str) -> Result<(Vec<PathPart>, Vec<QueryPart>), Error> {
        let labels: HashMap<String, String> = match self.types.get(input) {
            Some(Some(Shape { kind: ShapeKind::Structure(s), .. })) => s
                .members
                .iter()
                .filter(|m| m.location == Location::Uri)
                .map(|m| (m.wire_name.clone(), m.rust_name.clone()))
                .collect(),
            _ => HashMap::new(),
        };
        let member_of = |label: &str| {
            labels.get(label).cloned().ok_or_else(|| Error::Model {
                path: path.to_string(),
                message: format!("label `{{{label}}}` has no `uri` member named `{label}` in `{input}`"),
            })
        };
        let (path_text, query_text) = match uri.split_once('?') {
            Some((p, q)) => (p, Some(q)),
            None => (uri, None),
        };
        let mut parts = Vec::new();
        let mut rest = path_text;
        while let Some(start) = rest.find('{') {
            if start > 0 {
                parts.push(PathPart::Literal(rest[..start].to_string()));
            }
            let end = rest[start..].find('}').ok_or_else(|| Error::Model {
                path: path.to_string(),
                message: "has a `{` without a closing `}`".into(),
            })? + start;
            let inner = &rest[start + 1..end];
            let (label, greedy) = match inner.strip_suffix('+') {
                Some(l) => (l, true),
                None => (inner, false),
            };
            parts.push(PathPart::Label { label: label.to_string(), member: member_of(label)?, greedy });
            rest = &rest[end + 1..];
        }
        if !rest.is_empty() {
            parts.push(PathPart::Literal(rest.to_string()));
        }
        let mut query = Vec::new();
        for piece in query_text.unwrap_or("").split('&').filter(|p| !p.is_empty()) {
            query.push(match piece.split_once('=') {
                None => QueryPart::Flag(piece.to_string()),
                Some((k, v)) if v.starts_with('{') && v.ends_with('}') => {
                    let label = &v[1..v.len() - 1];
                    QueryPart::Label { key: k.to_string(), label: label.to_string(), member: member_of(label)? }
                }
                Some((k, v)) => QueryPart::Value(k.to_string(), v.to_string()),
            });
        }
        Ok((parts, query))
    }
}
