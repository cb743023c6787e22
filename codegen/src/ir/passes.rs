//! Whole-service passes over the resolved model: checks that need every shape (name collisions, body
//! roots) and the facts derived from the shapes an operation reaches (boxes, streams, sensitive
//! members, the operation facts the runtime acts on).

use super::{Location, Service, StructureId, Type};
use crate::{naming, Error};
use std::collections::{BTreeSet, HashMap};

/// Two shapes, or an operation module and a shape, that map to one Rust name are an error.
pub(super) fn check_collisions(service: &Service) -> Result<(), Error> {
    let mut types: HashMap<&str, &str> = HashMap::new();
    for shape in service.shapes() {
        if let Some(first) = types.insert(shape.rust_name(), shape.name()) {
            return Err(Error::Collision {
                path: "shapes".into(),
                first: first.to_string(),
                second: shape.name().to_string(),
                rust: shape.rust_name().to_string(),
            });
        }
        // Builders are named `<Type>Builder`; a shape of that name would collide.
        let builder = format!("{}Builder", shape.rust_name());
        if let Some(other) = service.shapes().find(|s| s.rust_name() == builder) {
            return Err(Error::Collision {
                path: "shapes".into(),
                first: format!("{} (its builder)", shape.name()),
                second: other.name().to_string(),
                rust: builder,
            });
        }
    }
    let mut ops: HashMap<&str, &str> = HashMap::new();
    for op in &service.operations {
        if let Some(first) = ops.insert(&op.rust_name, &op.name) {
            return Err(Error::Collision {
                path: "operations".into(),
                first: first.to_string(),
                second: op.name.clone(),
                rust: op.rust_name.clone(),
            });
        }
    }
    Ok(())
}

/// The names the emitters make from model names (builders, errors, fluent builders, paginators,
/// waiters, XML reader and writer functions) are distinct where they share a scope. Runs after the
/// paginators and waiters are resolved.
pub(super) fn check_made_names(service: &Service) -> Result<(), Error> {
    // The XML functions of every structure share `protocol.rs`.
    let mut wire = Vec::new();
    for (_, st) in service.structures() {
        let [writer, reader, error_reader] = naming::wire_fns(&st.name);
        wire.extend([(writer, format!("{} (its writer)", st.name)), (reader, format!("{} (its reader)", st.name))]);
        wire.push((error_reader, format!("{} (its error reader)", st.name)));
    }
    unique("shapes", wire)?;
    // A structure's impl holds `builder()` and, for answers, one accessor per member.
    for (_, st) in service.structures() {
        let accessors = st.members.iter().filter(|_| st.answer).map(|m| (m.rust_name.clone(), format!("{} (accessor)", m.name)));
        unique(&format!("shapes.{}", st.name), std::iter::once(("builder".to_string(), "builder()".to_string())).chain(accessors))?;
    }
    // A builder has a setter and an `Option` setter (`set_x`) per member, and `build`.
    let setters = |members: &[super::Member]| -> Vec<(String, String)> {
        members
            .iter()
            .flat_map(|m| [(m.rust_name.clone(), format!("{} (setter)", m.name)), (naming::option_setter(&m.rust_name), format!("{} (Option setter)", m.name))])
            .collect()
    };
    for (_, st) in service.structures() {
        let own = [("build".to_string(), "build()".to_string())];
        unique(&format!("shapes.{} (builder)", st.name), setters(&st.members).into_iter().chain(own))?;
    }
    // A fluent builder has the input's setters beside its own methods.
    let paged: BTreeSet<&str> = service.paginators.iter().map(|p| service.operation_at(p.operation).name.as_str()).collect();
    for op in &service.operations {
        let mut own = vec!["new", "as_input", "customize", "send"];
        own.extend(op.customizations.presignable.then_some("presigned"));
        own.extend(paged.contains(op.name.as_str()).then_some("into_paginator"));
        let own = own.into_iter().map(|name| (name.to_string(), format!("{name}() of the fluent builder")));
        let members = &service.structure(op.input).members;
        unique(&format!("operations.{} (fluent builder)", op.name), setters(members).into_iter().chain(own))?;
    }
    // An operation's module holds its input, input builder, output, error and fluent builder types.
    for op in &service.operations {
        let (input, output) = (service.structure(op.input), service.structure(op.output));
        unique(
            &format!("operations.{}", op.name),
            [
                (input.rust_name.clone(), format!("{} (input)", input.name)),
                (naming::builder_type(&input.rust_name), format!("{} (input builder)", input.name)),
                (output.rust_name.clone(), format!("{} (output)", output.name)),
                (naming::error_type(&op.name), format!("{} (error type)", op.name)),
                (naming::fluent_builder_type(&op.name), format!("{} (fluent builder)", op.name)),
            ],
        )?;
    }
    // Paginators and waiters share their modules; waiters' methods share the client with operations'.
    let paginated = service.paginators.iter().map(|p| &service.operation_at(p.operation).name);
    unique("pagination", paginated.map(|name| (naming::paginator_type(name), name.clone())))?;
    // Their plain functions share the paginator module too.
    let paginator_fns = service.paginators.iter().flat_map(|p| {
        let op = service.operation_at(p.operation);
        naming::paginator_fns(&op.rust_name).map(|f| (f, op.name.clone()))
    });
    unique("pagination (functions)", paginator_fns)?;
    unique("waiters", service.waiters.iter().map(|w| (naming::waiter_names(&w.name).0, w.name.clone())))?;
    let methods = service.operations.iter().map(|op| (op.rust_name.clone(), op.name.clone()));
    unique("waiters", methods.chain(service.waiters.iter().map(|w| (naming::waiter_names(&w.name).1, format!("waiter {}", w.name)))))
}

/// Fails on the first Rust name that two model things map to.
fn unique(path: &str, names: impl IntoIterator<Item = (String, String)>) -> Result<(), Error> {
    let mut seen: HashMap<String, String> = HashMap::new();
    for (rust, from) in names {
        if let Some(first) = seen.insert(rust.clone(), from.clone()) {
            return Err(Error::Collision { path: path.into(), first, second: from, rust });
        }
    }
    Ok(())
}

/// Boxes every member whose structure can reach back to the structure that holds it without going
/// through a list or map (which are already on the heap).
pub(super) fn mark_boxes(service: &mut Service) {
    let reaches = |from: StructureId, to: StructureId| -> bool {
        let mut stack = vec![from];
        let mut seen = BTreeSet::new();
        while let Some(next) = stack.pop() {
            if next == to {
                return true;
            }
            if seen.insert(next) {
                stack.extend(service.structure(next).members.iter().filter_map(|m| match m.ty {
                    Type::Structure(t) => Some(t),
                    _ => None,
                }));
            }
        }
        false
    };
    let mut boxed = Vec::new();
    for (id, st) in service.structures() {
        for (i, m) in st.members.iter().enumerate() {
            if let Type::Structure(t) = m.ty {
                if reaches(t, id) {
                    boxed.push((id, i));
                }
            }
        }
    }
    for (id, i) in boxed {
        service.structures[id.0].members[i].boxed = true;
    }
}

/// Computes `has_stream` and `has_sensitive` for every structure.
pub(super) fn mark_streams_and_sensitive(service: &mut Service) {
    fn type_has_stream(service: &Service, ty: &Type, seen: &mut BTreeSet<StructureId>) -> bool {
        match ty {
            Type::Stream => true,
            Type::List(l) => type_has_stream(service, &l.member, seen),
            Type::Map(m) => type_has_stream(service, &m.value, seen),
            Type::Structure(id) => {
                if !seen.insert(*id) {
                    return false;
                }
                service.structure(*id).members.iter().any(|m| type_has_stream(service, &m.ty, seen))
            }
            _ => false,
        }
    }
    let flags: Vec<(bool, bool)> = service
        .structures
        .iter()
        .map(|st| {
            let stream = st.members.iter().any(|m| type_has_stream(service, &m.ty, &mut BTreeSet::new()));
            (stream, st.members.iter().any(|m| m.sensitive))
        })
        .collect();
    for (st, flags) in service.structures.iter_mut().zip(flags) {
        (st.has_stream, st.has_sensitive) = flags;
    }
}

/// The facts of each operation that come from the shapes it reaches: whether its output streams, and
/// whether its input carries IBM's service instance id header (`customize::INSTANCE_ID_HEADER`).
pub(super) fn mark_operation_facts(service: &mut Service) {
    let facts: Vec<(bool, bool)> = service
        .operations
        .iter()
        .map(|op| {
            let streams = service.structure(op.output).members.iter().any(|m| m.ty == Type::Stream);
            let instance_id = service.structure(op.input).members.iter().any(|m| {
                matches!(m.location, Location::Header(_)) && m.wire_name.eq_ignore_ascii_case(crate::customize::INSTANCE_ID_HEADER)
            });
            (streams, instance_id)
        })
        .collect();
    for (op, (streams, instance_id)) in service.operations.iter_mut().zip(facts) {
        op.streaming_response = streams;
        op.instance_id = instance_id;
        // HTTP gives a HEAD answer no body, so its errors arrive as a bare status.
        op.bodiless_errors = op.method == "HEAD";
    }
}

/// A body-less error (HEAD) is known by its status alone, so an operation with such errors may model
/// at most one error per status.
pub(super) fn check_bodiless_errors(service: &Service) -> Result<(), Error> {
    for op in service.operations.iter().filter(|op| op.bodiless_errors) {
        let mut seen: HashMap<u16, &str> = HashMap::new();
        for error in op.errors.iter().map(|e| service.structure(*e)) {
            let Some(status) = error.exception.as_ref().and_then(|x| x.status) else { continue };
            let error = &error.name;
            if let Some(first) = seen.insert(status, error) {
                return Err(Error::Model {
                    path: format!("operations.{}.errors", op.name),
                    message: format!(
                        "`{first}` and `{error}` both have HTTP status {status}, but {} answers errors without a body, \
                         so only the status can tell them apart",
                        op.name
                    ),
                });
            }
        }
    }
    Ok(())
}

/// Marks the structures that travel in XML bodies: written when an operation's request body holds
/// them, read when a response or error body does, each with every structure below it. Structures
/// that travel only in the other direction, or in none, get no writer or reader.
pub(super) fn mark_wire_directions(service: &mut Service) {
    fn reach(service: &Service, ty: &Type, seen: &mut BTreeSet<StructureId>) {
        match ty {
            Type::List(l) => reach(service, &l.member, seen),
            Type::Map(m) => reach(service, &m.value, seen),
            Type::Structure(id) if seen.insert(*id) => {
                for m in &service.structure(*id).members {
                    reach(service, &m.ty, seen);
                }
            }
            _ => {}
        }
    }
    let in_body = |service: &Service, shape: StructureId, seen: &mut BTreeSet<StructureId>| {
        for m in service.structure(shape).members.iter().filter(|m| matches!(m.location, Location::Body | Location::Attribute(_) | Location::Payload(_))) {
            reach(service, &m.ty, seen);
        }
    };
    let (mut written, mut read, mut answers) = (BTreeSet::new(), BTreeSet::new(), BTreeSet::new());
    for op in &service.operations {
        in_body(service, op.input, &mut written);
        in_body(service, op.output, &mut read);
        answers.insert(op.output);
        for error in &op.errors {
            in_body(service, *error, &mut read);
            answers.insert(*error);
        }
    }
    for (id, st) in service.structures_mut() {
        st.written = written.contains(&id);
        st.read = read.contains(&id);
        st.answer = st.read || answers.contains(&id);
    }
}

/// Refuses an operation whose input has body members but no payload, when nothing in the model names
/// the body's root element: the body would be rooted at the input shape's name (`<CopyObjectRequest>`),
/// which no service reads. Such a member almost always lacks its `location`: give it one in
/// `customize::MEMBER_LOCATIONS`.
pub(super) fn check_body_roots(service: &Service) -> Result<(), Error> {
    for op in &service.operations {
        let input = service.structure(op.input);
        let body: Vec<&str> = input
            .members
            .iter()
            .filter(|m| matches!(m.location, Location::Body | Location::Attribute(_)))
            .map(|m| m.name.as_str())
            .collect();
        let named_root = input.xml_name != input.name || op.input_root.is_some();
        if !body.is_empty() && !named_root {
            return Err(Error::Model {
                path: format!("operations.{}.input", op.name),
                message: format!(
                    "members {} of `{}` have no location, so they would form an XML body rooted at `<{}>`, and \
                     neither the input nor its shape has a locationName; give the members their location (in \
                     customize::MEMBER_LOCATIONS when the model lacks it) or the input a locationName",
                    body.join(", "),
                    input.name,
                    input.name
                ),
            });
        }
    }
    Ok(())
}
