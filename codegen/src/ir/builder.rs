//! Resolving the raw model into the IR, one shape at a time: types of member references, enums,
//! structures (with their members' wire facts and Rust names), operations and their request URIs,
//! each checked as it is read so that an error names the JSON path at fault.

use super::{
    EnumId, EnumValue, Enumeration, ExceptionInfo, HeaderForm, ListType, Location, MapType, Member, Operation,
    PathPart, PayloadForm, QueryForm, QueryPart, Scalar, Service, ShapeId, Structure, StructureId, TimestampFormat,
    Type,
};
use crate::model::{self, OrderedMap};
use crate::{naming, Error};
use serde_json::Value;
use std::collections::HashMap;

/// The raw shapes of a model, parsed lazily and by name.
pub(super) struct Raw<'a> {
    pub(super) shapes: &'a OrderedMap<Value>,
    pub(super) parsed: HashMap<String, model::Shape>,
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

pub(super) struct Builder<'r, 'a> {
    raw: &'r mut Raw<'a>,
    /// The handle of every structure and enum met so far, by name.
    ids: HashMap<String, ShapeId>,
    /// Structures by handle (`None` while one is being resolved).
    structures: Vec<Option<Structure>>,
    /// Enums by handle.
    enums: Vec<Enumeration>,
    /// Handles in the order the shapes were met.
    order: Vec<ShapeId>,
}

impl<'r, 'a> Builder<'r, 'a> {
    pub(super) fn new(raw: &'r mut Raw<'a>) -> Self {
        Builder { raw, ids: HashMap::new(), structures: Vec::new(), enums: Vec::new(), order: Vec::new() }
    }

    /// The service these shapes and `operations` make, its shapes in the order of `model_order`
    /// (shapes it does not name, the synthetic ones, last in the order they were met).
    pub(super) fn finish(self, model_order: &[String], metadata: model::Metadata, operations: Vec<Operation>) -> Result<Service, Error> {
        // A structure is resolved as soon as it is met, or the whole resolution fails.
        let structures = self.structures.into_iter().collect::<Option<Vec<_>>>().ok_or_else(|| Error::Model {
            path: "shapes".into(),
            message: "a structure was met but never resolved (a generator bug)".into(),
        })?;
        let position: HashMap<&str, usize> = model_order.iter().enumerate().map(|(i, n)| (n.as_str(), i)).collect();
        let name_of = |id: &ShapeId| match *id {
            ShapeId::Structure(s) => structures[s.0].name.as_str(),
            ShapeId::Enum(e) => self.enums[e.0].name.as_str(),
        };
        let mut order = self.order;
        order.sort_by_key(|id| position.get(name_of(id)).copied().unwrap_or(usize::MAX));
        Ok(Service { metadata, structures, enums: self.enums, order, operations, paginators: Vec::new(), waiters: Vec::new() })
    }

    /// The Rust-facing type of a reference, resolving (and recording) structure and enum shapes.
    pub(super) fn type_of(&mut self, r: &model::ShapeRef, path: &str) -> Result<Type, Error> {
        let name = r.shape.clone();
        let shape_path = format!("shapes.{name}");
        let (type_, has_enum, member, key, value, flattened) = {
            let s = self.raw.get(&name, path)?;
            (s.type_.clone(), s.enum_.is_some(), s.member.clone(), s.key.clone(), s.value.clone(), s.flattened)
        };
        Ok(match type_.as_str() {
            "string" if has_enum => Type::Scalar(Scalar::Enum(self.enum_shape(&name)?)),
            "string" => Type::Scalar(Scalar::String),
            "character" => Type::Scalar(Scalar::String),
            "integer" if crate::customize::WIDE_INTEGER_SHAPES.contains(&name.as_str()) => Type::Scalar(Scalar::Long),
            "integer" | "short" | "byte" => Type::Scalar(Scalar::Integer),
            "long" => Type::Scalar(Scalar::Long),
            "boolean" => Type::Scalar(Scalar::Boolean),
            "float" => Type::Scalar(Scalar::Float),
            "double" | "bigdecimal" => Type::Scalar(Scalar::Double),
            "timestamp" => Type::Scalar(Scalar::Timestamp),
            "blob" => {
                let streaming = r.streaming || self.raw.get(&name, path)?.streaming;
                if streaming {
                    Type::Stream
                } else {
                    Type::Scalar(Scalar::Blob)
                }
            }
            "structure" => Type::Structure(self.structure_shape(&name)?),
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
                if !matches!(key_ty, Type::Scalar(Scalar::String | Scalar::Enum(_))) {
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

    /// The handle of the structure `name`, recorded (unresolved) when it is new.
    fn record_structure(&mut self, name: &str) -> (StructureId, bool) {
        if let Some(ShapeId::Structure(id)) = self.ids.get(name) {
            return (*id, false);
        }
        let id = StructureId(self.structures.len());
        self.structures.push(None);
        self.ids.insert(name.to_string(), ShapeId::Structure(id));
        self.order.push(ShapeId::Structure(id));
        (id, true)
    }

    fn enum_shape(&mut self, name: &str) -> Result<EnumId, Error> {
        if let Some(ShapeId::Enum(id)) = self.ids.get(name) {
            return Ok(*id);
        }
        let path = format!("shapes.{name}");
        let s = self.raw.get(name, &path)?;
        let values = s.enum_.clone().unwrap_or_default();
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
        let id = EnumId(self.enums.len());
        self.enums.push(Enumeration { name: name.to_string(), rust_name: naming::type_name(name), values: out });
        self.ids.insert(name.to_string(), ShapeId::Enum(id));
        self.order.push(ShapeId::Enum(id));
        Ok(id)
    }

    fn structure_shape(&mut self, name: &str) -> Result<StructureId, Error> {
        let (id, new) = self.record_structure(name);
        if !new {
            return Ok(id);
        }
        let path = format!("shapes.{name}");
        let (members_json, required, payload, ns, location_name, exception, error) = {
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
            let timestamp_format = self.timestamp_format_of(&r, &member_path)?;
            let place = if payload.as_deref() == Some(member_name.as_str()) {
                Place::Payload
            } else {
                match r.location.as_deref().or(target_location.as_deref()).or(customized.map(|(location, _)| location)) {
                    None if r.xml_attribute => Place::Attribute,
                    None => Place::Body,
                    Some("uri") => Place::Uri,
                    Some("querystring") => Place::Query,
                    Some("header") => Place::Header,
                    Some("headers") => Place::PrefixHeaders,
                    Some("statusCode") => Place::StatusCode,
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
            let location = located(place, &ty, r.jsonvalue, timestamp_format, &member_path)?;
            // Old models put `location` and `locationName` of headers on the shape; a shape's
            // `locationName` names body elements only when it is a document root, never here.
            let shape_wire_name = match location {
                Location::Body | Location::Attribute(_) | Location::Payload(_) => None,
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
                timestamp_format,
                location,
                wire_name,
                xml_parse_name,
                xml_alt_parse_name,
                has_location_name: r.location_name.is_some(),
                xml_namespace: r.xml_namespace.clone().or(match &ty {
                    Type::Structure(_) => None,
                    _ => target_ns,
                }),
                required: required.contains(member_name),
                sensitive: target_sensitive,
                boxed: false,
                doc: None,
                deprecated: r.deprecated,
                jsonvalue: r.jsonvalue,
                idempotency_token: r.idempotency_token,
                host_label: r.host_label,
                min: target_min.map(|m| m as i64),
                ty,
            });
        }
        check_shared_elements(&members, &path)?;
        let exception = if exception {
            let (code, status) = error.unwrap_or((None, None));
            Some(ExceptionInfo { code: code.unwrap_or_else(|| name.to_string()), status })
        } else {
            None
        };
        let xml_name = location_name.unwrap_or_else(|| name.to_string());
        self.structures[id.0] = Some(Structure::new(name, ns, xml_name, members, exception));
        Ok(id)
    }

    /// Records an empty structure for an operation without input or output, under a name that
    /// collides with nothing in the model.
    fn synthetic_structure(&mut self, name: &str, path: &str) -> Result<StructureId, Error> {
        if self.raw.shapes.contains_key(name) || self.ids.contains_key(name) {
            return Err(Error::Model {
                path: path.to_string(),
                message: format!("needs a synthetic shape `{name}`, but the model already has one by that name"),
            });
        }
        let (id, _) = self.record_structure(name);
        self.structures[id.0] = Some(Structure::new(name, None, name.to_string(), Vec::new(), None));
        Ok(id)
    }

    pub(super) fn operation(&mut self, name: &str, op: model::Operation, path: &str) -> Result<Operation, Error> {
        if op.name != name {
            return Err(Error::Model {
                path: format!("{path}.name"),
                message: format!("is `{}`, but the operation is keyed `{name}`", op.name),
            });
        }
        let (input, input_root) = match &op.input {
            Some(r) => {
                let Type::Structure(id) = self.type_of(r, &format!("{path}.input"))? else {
                    return Err(Error::Model { path: format!("{path}.input"), message: "must be a structure".into() });
                };
                (id, r.location_name.clone().map(|n| (n, r.xml_namespace.clone())))
            }
            None => (self.synthetic_structure(&format!("{name}Request"), &format!("{path}.input"))?, None),
        };
        // IBM's model sets RestoreObject's output aside as `_output`; its members are optional
        // headers, so reading them when present is harmless and keeps the natural type name.
        let output = match op.output.as_ref().or(op.disabled_output.as_ref()) {
            Some(r) => match self.type_of(r, &format!("{path}.output"))? {
                Type::Structure(id) => id,
                _ => return Err(Error::Model { path: format!("{path}.output"), message: "must be a structure".into() }),
            },
            None => self.synthetic_structure(&format!("{name}Output"), &format!("{path}.output"))?,
        };
        let mut errors = Vec::new();
        for (i, e) in op.errors.iter().enumerate() {
            let path = format!("{path}.errors[{i}]");
            match self.type_of(e, &path)? {
                Type::Structure(id) => errors.push(id),
                _ => return Err(Error::Model { path, message: "must be a structure".into() }),
            }
        }
        let (path_parts, query) = self.parse_uri(&op.http.request_uri, input, &format!("{path}.http.requestUri"))?;
        let host_prefix = match &op.endpoint {
            Some(e) => Some(self.parse_host_prefix(&e.host_prefix, input, &format!("{path}.endpoint.hostPrefix"))?),
            None => None,
        };
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
            bodiless_errors: false,
            host_prefix,
            deprecated: op.deprecated,
            alias: op.alias,
            doc: None,
            customizations,
            bucket_label: None,
            url_decode: None,
            root_text_member: None,
        })
    }

    /// The input's name and members, once it is built.
    fn input_members(&self, input: StructureId) -> (&str, &[Member]) {
        match &self.structures[input.0] {
            Some(s) => (&s.name, &s.members),
            None => ("", &[]),
        }
    }

    /// Splits a request URI template into path parts and literal query parts, checking every label
    /// against the input's `uri` members.
    fn parse_uri(&self, uri: &str, input: StructureId, path: &str) -> Result<(Vec<PathPart>, Vec<QueryPart>), Error> {
        let (input, members) = self.input_members(input);
        let member_of = |label: &str| {
            label_member(members, label, uri_member).ok_or_else(|| Error::Model {
                path: path.to_string(),
                message: format!("label `{{{label}}}` has no `uri` member named `{label}` in `{input}`"),
            })
        };
        let (path_text, query_text) = match uri.split_once('?') {
            Some((p, q)) => (p, Some(q)),
            None => (uri, None),
        };
        let parts = template_parts(path_text, path, member_of)?;
        let mut query = Vec::new();
        for piece in query_text.unwrap_or("").split('&').filter(|p| !p.is_empty()) {
            query.push(match piece.split_once('=') {
                None => QueryPart::Flag(piece.to_string()),
                Some((k, v)) if v.starts_with('{') && v.ends_with('}') => {
                    let label = &v[1..v.len() - 1];
                    let (member, scalar) = member_of(label)?;
                    QueryPart::Label { key: k.to_string(), label: label.to_string(), member, scalar }
                }
                Some((k, v)) => QueryPart::Value(k.to_string(), v.to_string()),
            });
        }
        Ok((parts, query))
    }

    /// Splits an endpoint's host prefix into literals and labels, each label naming a scalar input
    /// member.
    fn parse_host_prefix(&self, prefix: &str, input: StructureId, path: &str) -> Result<Vec<PathPart>, Error> {
        let (input, members) = self.input_members(input);
        template_parts(prefix, path, |label| {
            label_member(members, label, scalar_member).ok_or_else(|| Error::Model {
                path: path.to_string(),
                message: format!("host prefix label `{{{label}}}` names no scalar member of `{input}`"),
            })
        })
    }
}

/// The first of `members` that `pick` accepts for `label`, with the scalar it holds.
fn label_member(
    members: &[Member],
    label: &str,
    pick: fn(&Member, &str) -> Option<Scalar>,
) -> Option<(Box<Member>, Scalar)> {
    members.iter().find_map(|m| pick(m, label).map(|scalar| (Box::new(m.clone()), scalar)))
}

/// A URI label's member: a `uri` member with the label's wire name.
fn uri_member(m: &Member, label: &str) -> Option<Scalar> {
    match &m.location {
        Location::Uri(scalar) if m.wire_name == label => Some(*scalar),
        _ => None,
    }
}

/// A host prefix label's member: a scalar member with the label's name.
fn scalar_member(m: &Member, label: &str) -> Option<Scalar> {
    match &m.ty {
        Type::Scalar(scalar) if m.name == label => Some(*scalar),
        _ => None,
    }
}

/// The literals and `{Label}`s (`{Label+}` when greedy) of a template, each label with the member
/// `member_of` finds for it.
fn template_parts(
    template: &str,
    path: &str,
    member_of: impl Fn(&str) -> Result<(Box<Member>, Scalar), Error>,
) -> Result<Vec<PathPart>, Error> {
    let mut parts = Vec::new();
    let mut rest = template;
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
        let (member, scalar) = member_of(label)?;
        parts.push(PathPart::Label { label: label.to_string(), member, scalar, greedy });
        rest = &rest[end + 1..];
    }
    if !rest.is_empty() {
        parts.push(PathPart::Literal(rest.to_string()));
    }
    Ok(parts)
}

/// Body members that read the same element (a deprecated member beside its replacement) are read
/// from its text together, so only scalars and flattened lists of scalars may share one.
fn check_shared_elements(members: &[Member], path: &str) -> Result<(), Error> {
    let in_body = |m: &&Member| matches!(m.location, Location::Body | Location::Uri(_) | Location::Query(_));
    let text_only = |ty: &Type| match ty {
        Type::Structure(_) | Type::Map(_) | Type::Stream => false,
        Type::List(list) => list.flattened && !matches!(list.member, Type::Structure(_) | Type::Map(_) | Type::List(_)),
        _ => true,
    };
    let body: Vec<&Member> = members.iter().filter(in_body).collect();
    for (i, a) in body.iter().enumerate() {
        if let Some(b) = body[i + 1..].iter().find(|b| b.xml_parse_name == a.xml_parse_name) {
            if !text_only(&a.ty) || !text_only(&b.ty) {
                return Err(Error::Model {
                    path: format!("{path}.members"),
                    message: format!(
                        "`{}` and `{}` both read element `{}`; members may share an element only when both are scalars or flattened lists of scalars",
                        a.name, b.name, a.xml_parse_name
                    ),
                });
            }
        }
    }
    Ok(())
}

/// Where the model puts a member, before its form is checked.
#[derive(Clone, Copy)]
enum Place {
    Uri,
    Query,
    Header,
    PrefixHeaders,
    StatusCode,
    Payload,
    Body,
    Attribute,
}

/// The member's location with the form its type takes there, or an error naming the member when the
/// type cannot travel there (a structure in a header, a list in a URI label, a number as the body).
fn located(place: Place, ty: &Type, jsonvalue: bool, fmt: Option<TimestampFormat>, path: &str) -> Result<Location, Error> {
    let scalar = match ty {
        Type::Scalar(s) => Some(*s),
        _ => None,
    };
    let list_of_scalars = match ty {
        Type::List(list) => match &list.member {
            Type::Scalar(s) => Some((*s, list.member_timestamp_format.or(fmt))),
            _ => None,
        },
        _ => None,
    };
    let wrong = |what: &str| Error::Model { path: path.to_string(), message: format!("{what}; its type is {}", describe(ty)) };
    Ok(match place {
        Place::Uri => Location::Uri(scalar.ok_or_else(|| wrong("a URI label holds one scalar value"))?),
        Place::Attribute => Location::Attribute(scalar.ok_or_else(|| wrong("an XML attribute holds one scalar value"))?),
        Place::Query => match (scalar, list_of_scalars, ty) {
            (Some(s), _, _) => Location::Query(QueryForm::One(s)),
            (_, Some((s, fmt)), _) => Location::Query(QueryForm::List(s, fmt)),
            (_, _, Type::Map(map)) => match &map.value {
                Type::Scalar(s) => Location::Query(QueryForm::Map(*s)),
                Type::List(list) => match &list.member {
                    Type::Scalar(s) => Location::Query(QueryForm::MapOfLists(*s)),
                    _ => return Err(wrong("a query string map holds scalars or lists of scalars")),
                },
                _ => return Err(wrong("a query string map holds scalars or lists of scalars")),
            },
            _ => return Err(wrong("a query string parameter holds a scalar, a list of scalars or a map of them")),
        },
        Place::Header => match (scalar, list_of_scalars) {
            (Some(Scalar::String), _) if jsonvalue => Location::Header(HeaderForm::Json),
            (Some(s), _) => Location::Header(HeaderForm::One(s)),
            (_, Some((s, fmt))) => Location::Header(HeaderForm::List(s, fmt)),
            _ => return Err(wrong("a header holds a scalar or a list of scalars")),
        },
        Place::PrefixHeaders => match ty {
            Type::Map(map) if map.value == Type::Scalar(Scalar::String) => Location::PrefixHeaders,
            _ => return Err(wrong("a `headers` member must be a map of strings")),
        },
        Place::StatusCode => match ty {
            Type::Scalar(Scalar::Integer) => Location::StatusCode,
            _ => return Err(wrong("a `statusCode` member must be an integer")),
        },
        Place::Payload => Location::Payload(match ty {
            Type::Stream => PayloadForm::Stream,
            Type::Scalar(Scalar::Blob) => PayloadForm::Blob,
            Type::Scalar(s @ (Scalar::String | Scalar::Enum(_))) => PayloadForm::Text(*s),
            Type::Structure(shape) => PayloadForm::Structure(*shape),
            _ => return Err(wrong("a payload member is a blob, a stream, a string or a structure")),
        }),
        Place::Body => Location::Body,
    })
}

/// A type's kind, for errors.
fn describe(ty: &Type) -> &'static str {
    match ty {
        Type::Scalar(_) => "a scalar",
        Type::Stream => "a stream",
        Type::Structure(_) => "a structure",
        Type::List(_) => "a list",
        Type::Map(_) => "a map",
    }
}
