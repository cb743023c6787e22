//! The resolved model: every shape, member and operation with its Rust name and its wire facts,
//! validated once so the emitters never look at the JSON or compute a name.

mod builder;
mod customized;
pub mod docs;
mod paginators;
mod passes;

use builder::{Builder, Raw};
pub use customized::{UrlDecoded, UrlDecoding};
use crate::model::{self, XmlNamespace};
use crate::Error;
use std::collections::HashMap;

/// A whole service, ready to emit.
#[derive(Debug)]
pub struct Service {
    pub metadata: model::Metadata,
    /// The structure shapes, by handle.
    structures: Vec<Structure>,
    /// The enum shapes, by handle.
    enums: Vec<Enumeration>,
    /// Every structure and enum (the shapes that become Rust types), in model order; synthetic
    /// structures last.
    order: Vec<ShapeId>,
    pub operations: Vec<Operation>,
    pub paginators: Vec<Paginator>,
    pub waiters: Vec<Waiter>,
}

/// A structure shape of the service. Only the IR makes them, from a shape it has resolved as a
/// structure, and shapes are never removed, so a handle always names one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct StructureId(usize);

/// An enum shape of the service, made and kept like a [`StructureId`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct EnumId(usize);

/// A shape that becomes a Rust type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShapeId {
    Structure(StructureId),
    Enum(EnumId),
}

/// A shape that becomes a Rust type, as [`Service::shapes`] yields them.
#[derive(Debug, Clone, Copy)]
pub enum ShapeRef<'a> {
    Structure(&'a Structure),
    Enum(&'a Enumeration),
}

impl<'a> ShapeRef<'a> {
    /// The model's name of the shape.
    pub fn name(&self) -> &'a str {
        match self {
            ShapeRef::Structure(s) => &s.name,
            ShapeRef::Enum(e) => &e.name,
        }
    }

    /// The generated type's name.
    pub fn rust_name(&self) -> &'a str {
        match self {
            ShapeRef::Structure(s) => &s.rust_name,
            ShapeRef::Enum(e) => &e.rust_name,
        }
    }
}

/// Where a member travels in an HTTP message, with the form its value takes there. The builder
/// checks each form against the member's type, so emitters match whole cases and never meet a type
/// that cannot travel where the member does.
#[derive(Debug, Clone, PartialEq)]
pub enum Location {
    /// A `{Label}` of the request URI.
    Uri(Scalar),
    /// A query string parameter.
    Query(QueryForm),
    /// One header.
    Header(HeaderForm),
    /// A map of headers sharing a prefix (`x-amz-meta-`).
    PrefixHeaders,
    /// The HTTP status code of a response.
    StatusCode,
    /// The member named by the structure's `payload`: the whole body.
    Payload(PayloadForm),
    /// An element of the XML body.
    Body,
    /// An attribute of the structure's XML element.
    Attribute(Scalar),
}

/// What a query string member holds.
#[derive(Debug, Clone, PartialEq)]
pub enum QueryForm {
    /// One parameter.
    One(Scalar),
    /// The parameter repeated, once per item; the items' timestamp format when the model gives one.
    List(Scalar, Option<TimestampFormat>),
    /// A map whose keys name the parameters.
    Map(Scalar),
    /// A map of lists: each key repeated, once per item.
    MapOfLists(Scalar),
}

/// What a header member holds.
#[derive(Debug, Clone, PartialEq)]
pub enum HeaderForm {
    One(Scalar),
    /// Comma-separated items; the items' timestamp format when the model gives one.
    List(Scalar, Option<TimestampFormat>),
    /// A string holding a JSON document (the model's `jsonvalue`), base64-encoded on the wire.
    Json,
}

/// What a payload member holds: the whole body.
#[derive(Debug, Clone, PartialEq)]
pub enum PayloadForm {
    /// Streamed bytes (`ByteStream`).
    Stream,
    /// Bytes read whole.
    Blob,
    /// Text (a string or an enum).
    Text(Scalar),
    /// An XML document.
    Structure(StructureId),
}

/// A timestamp's text form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimestampFormat {
    Iso8601,
    HttpDate,
    EpochSeconds,
}

/// A value with a text form: what labels, query strings, headers, XML text and attributes carry.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Scalar {
    String,
    /// A string with an enum trait: a generated enum.
    Enum(EnumId),
    Integer,
    Long,
    Boolean,
    Float,
    Double,
    Timestamp,
    Blob,
}

/// The type of a shape, with what its references need.
#[derive(Debug, Clone, PartialEq)]
pub enum Type {
    Scalar(Scalar),
    /// A streaming blob: a `ByteStream`.
    Stream,
    Structure(StructureId),
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

/// A string shape with an enum trait: what becomes a Rust enum.
#[derive(Debug, Clone)]
pub struct Enumeration {
    pub name: String,
    pub rust_name: String,
    pub values: Vec<EnumValue>,
}

/// One value of an enum.
#[derive(Debug, Clone)]
pub struct EnumValue {
    pub value: String,
    pub rust_name: String,
}

/// A structure shape: what becomes a Rust struct.
#[derive(Debug, Clone)]
pub struct Structure {
    pub name: String,
    pub rust_name: String,
    pub xml_namespace: Option<XmlNamespace>,
    /// The XML name of the structure when it is a document root (its `locationName`, else its name).
    pub xml_name: String,
    /// The members; the one the model names as the structure's `payload` is located
    /// [`Location::Payload`].
    pub members: Vec<Member>,
    pub exception: Option<ExceptionInfo>,
    /// Contains a streaming member, directly or below: no `Clone`, `PartialEq` or serde for it.
    pub has_stream: bool,
    /// Has a sensitive member (or one of sensitive shape): `Debug` is written by hand.
    pub has_sensitive: bool,
    /// Some operation's request body holds this structure, so it needs an XML writer (set by a pass).
    pub written: bool,
    /// Some operation's response or error body holds this structure, so it needs an XML reader (set
    /// by a pass).
    pub read: bool,
    /// Users read it from an answer: an operation's output or error, or a structure a response body
    /// holds; it gets borrowing accessors (set by a pass).
    pub answer: bool,
}

/// What the model says of an exception shape.
#[derive(Debug, Clone)]
pub struct ExceptionInfo {
    pub code: String,
    pub status: Option<u16>,
}

impl Structure {
    fn new(
        name: &str,
        xml_namespace: Option<XmlNamespace>,
        xml_name: String,
        members: Vec<Member>,
        exception: Option<ExceptionInfo>,
    ) -> Self {
        Structure {
            name: name.to_string(),
            rust_name: crate::naming::type_name(name),
            xml_namespace,
            xml_name,
            members,
            exception,
            has_stream: false,
            has_sensitive: false,
            written: false,
            read: false,
            answer: false,
        }
    }

    /// Whether building it can fail: a required member (streams default to empty) or a `min` to check.
    /// A builder that cannot fail returns its value, not a `Result`.
    pub fn build_can_fail(&self) -> bool {
        self.members.iter().any(|m| (m.required && m.ty != Type::Stream) || m.checked_min().is_some())
    }
}

impl Member {
    /// The member's `min`, where the builder checks it: a length of text, bytes, lists and maps, or the
    /// value of integers.
    pub fn checked_min(&self) -> Option<i64> {
        match self.ty {
            Type::Scalar(Scalar::String | Scalar::Blob | Scalar::Integer | Scalar::Long) | Type::List(_) | Type::Map(_) => self.min,
            _ => None,
        }
    }
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
    /// Our words on the member (unit, format, allowed values), from the documentation table.
    pub doc: Option<String>,
}

/// One piece of a request URI's path or of a host prefix.
#[derive(Debug, Clone)]
pub enum PathPart {
    Literal(String),
    /// A label with the input member it takes its value from (a scalar); `greedy` keeps `/`.
    Label { label: String, member: Box<Member>, scalar: Scalar, greedy: bool },
}

/// One literal query parameter of a request URI (`?uploads`, `?list-type=2`, `&add={Id}`).
#[derive(Debug, Clone)]
pub enum QueryPart {
    Flag(String),
    Value(String, String),
    Label { key: String, label: String, member: Box<Member>, scalar: Scalar },
}

/// An operation.
#[derive(Debug)]
pub struct Operation {
    pub name: String,
    pub rust_name: String,
    pub method: String,
    pub request_uri: String,
    /// The path template's parts, without the leading `/{Bucket}` when `bucket_label` holds it.
    pub path: Vec<PathPart>,
    pub query: Vec<QueryPart>,
    pub input: StructureId,
    pub output: StructureId,
    /// The root element name and namespace of a request body built from body members (no payload).
    pub input_root: Option<(String, Option<XmlNamespace>)>,
    pub errors: Vec<StructureId>,
    pub response_code: Option<u16>,
    /// The request must carry a checksum (the model's `httpChecksumRequired`, a required request
    /// checksum, or the customization table's `always_content_md5`).
    pub checksum_required: bool,
    /// The output has a streaming member, handed to the caller unread (set by a pass).
    pub streaming_response: bool,
    /// The input carries IBM's service instance id header, which the client fills in from its
    /// configuration (set by a pass).
    pub instance_id: bool,
    /// Error answers carry no body (HEAD), so a modeled error is known only by its HTTP status (set by
    /// a pass).
    pub bodiless_errors: bool,
    /// The endpoint's host prefix (`{AccountId}.`), its labels naming input members.
    pub host_prefix: Option<Vec<PathPart>>,
    pub deprecated: bool,
    pub alias: Option<String>,
    pub customizations: crate::customize::OperationCustomizations,
    /// The leading `{Bucket}` label of the path and its member, which virtual-hosted addressing
    /// moves into the host; `path` holds what follows it (resolved by a pass).
    pub bucket_label: Option<(Box<Member>, Scalar)>,
    /// The answer members to URL-decode, from the customization table (resolved by a pass).
    pub url_decode: Option<UrlDecoding>,
    /// The output member that is the answer document's root element, from the customization table
    /// (resolved by a pass).
    pub root_text_member: Option<Box<Member>>,
    /// Our words on the operation, from the documentation table.
    pub doc: Option<String>,
}

/// An operation of the service, as paginators and waiters refer to it. Only the IR makes them (from a
/// name the model defines), and operations are never removed, so a handle always names one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OperationId(usize);

/// A paginator of `paginators-1.json`, resolved against the model: every token and key is the
/// member it names.
#[derive(Debug)]
pub struct Paginator {
    pub operation: OperationId,
    /// The input members the tokens go back into, in order, each with its scalar (tokens travel
    /// between pages as text).
    pub input_tokens: Vec<(Member, Scalar)>,
    /// Where each token comes from in the output, in the same order.
    pub output_tokens: Vec<OutputToken>,
    /// The input member that limits a page's size.
    pub limit_key: Option<Member>,
    /// The output member that says whether more pages follow.
    pub more_results: Option<Member>,
    /// The output list members holding a page's items (the first is what `items()` yields).
    pub result_keys: Vec<ResultKey>,
    /// Our words on the paginator, from the documentation table.
    pub doc: Option<String>,
}

/// One output token: the model's expression, and the paths it tries in order (`A || B`): `first`,
/// then each of `rest`.
#[derive(Debug)]
pub struct OutputToken {
    pub expression: String,
    pub first: TokenPath,
    pub rest: Vec<TokenPath>,
}

/// Where an output token is read.
#[derive(Debug)]
pub enum TokenPath {
    /// A member of the output, and its scalar.
    Member { member: Box<Member>, scalar: Scalar },
    /// A member of the last item of an output list (`List[-1].Field`), and the field's scalar.
    LastItem { list: Box<Member>, field: Box<Member>, scalar: Scalar },
}

/// A list member of the output holding a page's items, and the items' type.
#[derive(Debug)]
pub struct ResultKey {
    pub member: Member,
    pub item: Type,
}

/// A waiter of `waiters-2.json`.
#[derive(Debug)]
pub struct Waiter {
    pub name: String,
    pub operation: OperationId,
    pub delay: u32,
    pub max_attempts: u32,
    pub acceptors: Vec<Acceptor>,
    /// Our words on the waiter, from the documentation table.
    pub doc: Option<String>,
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
    /// The structure behind a handle.
    pub fn structure(&self, id: StructureId) -> &Structure {
        &self.structures[id.0]
    }

    /// The enum behind a handle.
    pub fn enumeration(&self, id: EnumId) -> &Enumeration {
        &self.enums[id.0]
    }

    /// Every structure and enum, in model order (synthetic structures last).
    pub fn shapes(&self) -> impl Iterator<Item = ShapeRef<'_>> {
        self.order.iter().map(|id| match *id {
            ShapeId::Structure(s) => ShapeRef::Structure(self.structure(s)),
            ShapeId::Enum(e) => ShapeRef::Enum(self.enumeration(e)),
        })
    }

    /// Every structure with its handle, in model order (synthetic structures last).
    pub fn structures(&self) -> impl Iterator<Item = (StructureId, &Structure)> {
        self.order.iter().filter_map(|id| match *id {
            ShapeId::Structure(s) => Some((s, self.structure(s))),
            ShapeId::Enum(_) => None,
        })
    }

    /// Every structure, to change, in no particular order.
    pub(super) fn structures_mut(&mut self) -> impl Iterator<Item = (StructureId, &mut Structure)> {
        self.structures.iter_mut().enumerate().map(|(i, s)| (StructureId(i), s))
    }

    pub fn operation(&self, name: &str) -> Option<&Operation> {
        self.operations.iter().find(|o| o.name == name)
    }

    /// The operation named `name`, as a handle that cannot dangle.
    pub fn operation_id(&self, name: &str) -> Option<OperationId> {
        self.operations.iter().position(|o| o.name == name).map(OperationId)
    }

    /// The operation behind a handle.
    pub fn operation_at(&self, id: OperationId) -> &Operation {
        &self.operations[id.0]
    }
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
    let mut builder = Builder::new(&mut raw);

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
    let mut service = builder.finish(&all, model.metadata, operations)?;
    passes::check_collisions(&service)?;
    passes::check_body_roots(&service)?;
    passes::mark_boxes(&mut service);
    passes::mark_streams_and_sensitive(&mut service);
    passes::mark_operation_facts(&mut service);
    passes::check_bodiless_errors(&service)?;
    passes::mark_wire_directions(&mut service);
    customized::resolve(&mut service)?;
    if let Some(text) = paginators_json {
        service.paginators = paginators::resolve_paginators(&service, text)?;
    }
    if let Some(text) = waiters_json {
        service.waiters = paginators::resolve_waiters(&service, text)?;
    }
    passes::check_made_names(&service)?;
    Ok(service)
}
