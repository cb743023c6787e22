//! Emits `protocol.rs`: for every structure shape, a function that writes it as XML and one that reads
//! it from an XML element. Plain loops and matches over the runtime's non-generic XML types.

use super::scalars::{header_value, read_scalar_text, text_of};
use super::{ident, ident_fmt, is_optional, Ctx};
use crate::naming;
use crate::ir::{Location, Member, Scalar, Structure, TimestampFormat, Type};
use crate::model::XmlNamespace;
use proc_macro2::TokenStream;
use quote::quote;

pub(super) fn emit(ctx: &Ctx<'_>) -> TokenStream {
    let mut out = TokenStream::new();
    for (id, st) in ctx.service.structures() {
        if st.has_stream {
            continue;
        }
        if st.written {
            out.extend(writer(ctx, st));
        }
        if st.read {
            out.extend(reader(ctx, st));
        }
        if st.exception.is_some() || ctx.service.operations.iter().any(|op| op.errors.contains(&id)) {
            out.extend(error_reader(ctx, st));
        }
    }
    out
}

/// `ser_<shape>`: the name of a structure's XML writer.
pub(super) fn ser_fn(shape: &Structure) -> proc_macro2::Ident {
    let [writer, _, _] = naming::wire_fns(&shape.name);
    ident_fmt(writer)
}

/// `de_<shape>`: the name of a structure's XML reader.
pub(super) fn de_fn(shape: &Structure) -> proc_macro2::Ident {
    let [_, reader, _] = naming::wire_fns(&shape.name);
    ident_fmt(reader)
}

/// The attribute that declares a namespace (`xmlns` or `xmlns:prefix`) and its URI.
fn namespace_attr(ns: &XmlNamespace) -> (String, String) {
    let name = match ns.prefix() {
        Some(prefix) => format!("xmlns:{prefix}"),
        None => "xmlns".to_string(),
    };
    (name, ns.uri().to_string())
}

fn writer(ctx: &Ctx<'_>, st: &Structure) -> TokenStream {
    let rt = &ctx.rt;
    let name = ser_fn(st);
    let ty = ident(&st.rust_name);
    let attributes = st.members.iter().filter_map(attribute).map(|(m, scalar)| {
        let id = ident(&m.rust_name);
        let wire = &m.wire_name;
        let text = text_of(ctx, scalar, quote!(v), m.timestamp_format.unwrap_or(TimestampFormat::Iso8601));
        if is_optional(m) {
            quote!(if let Some(v) = &value.#id { w.attribute(#wire, #text); })
        } else {
            quote!({ let v = &value.#id; w.attribute(#wire, #text); })
        }
    });
    let elements = st.members.iter().filter(|m| attribute(m).is_none()).map(|m| {
        let id = ident(&m.rust_name);
        let write = write_value(ctx, &m.ty, quote!(v), &m.wire_name, m.xml_namespace.as_ref(), m.timestamp_format, is_flattened(&m.ty));
        if is_optional(m) {
            quote!(if let Some(v) = &value.#id { #write })
        } else {
            quote!({ let v = &value.#id; #write })
        }
    });
    let unused = if st.members.is_empty() { quote!(let _ = (value, w);) } else { TokenStream::new() };
    let doc_attr = super::doc(&format!("Writes the attributes and children of a `{}` element.", st.name));
    quote! {
        #doc_attr
        pub(crate) fn #name(value: &types::#ty, w: &mut #rt::XmlWriter) {
            #unused
            #(#attributes)*
            #(#elements)*
        }
    }
}

fn is_flattened(ty: &Type) -> bool {
    match ty {
        Type::List(l) => l.flattened,
        Type::Map(m) => m.flattened,
        _ => false,
    }
}

/// Statements that write value `v` (a reference) as element(s) named `name`.
pub(super) fn write_value(
    ctx: &Ctx<'_>,
    ty: &Type,
    v: TokenStream,
    name: &str,
    ns: Option<&XmlNamespace>,
    fmt: Option<TimestampFormat>,
    flattened: bool,
) -> TokenStream {
    let ns_attr = ns.map(|ns| {
        let (attr, uri) = namespace_attr(ns);
        quote!(w.attribute(#attr, #uri);)
    });
    match ty {
        Type::Structure(shape) => {
            let target = ctx.service.structure(*shape);
            let f = ser_fn(target);
            // The member's namespace, else the one of the structure's shape.
            let ns_attr = ns.or(target.xml_namespace.as_ref()).map(|ns| {
                let (attr, uri) = namespace_attr(ns);
                quote!(w.attribute(#attr, #uri);)
            });
            quote! { w.start(#name); #ns_attr protocol::#f(#v, w); w.end(#name); }
        }
        Type::List(list) => {
            let item_fmt = list.member_timestamp_format.or(fmt);
            if flattened {
                let item = write_value(ctx, &list.member, quote!(item), name, list.member_namespace.as_ref().or(ns), item_fmt, false);
                quote! { for item in #v.iter() { #item } }
            } else {
                let item = write_value(ctx, &list.member, quote!(item), &list.member_xml_name, list.member_namespace.as_ref(), item_fmt, false);
                quote! { w.start(#name); #ns_attr for item in #v.iter() { #item } w.end(#name); }
            }
        }
        Type::Map(map) => {
            let key_name = &map.key_xml_name;
            let value = write_value(ctx, &map.value, quote!(item), &map.value_xml_name, map.value_namespace.as_ref(), fmt, false);
            let key = write_value(ctx, &Type::Scalar(Scalar::String), quote!(key), key_name, map.key_namespace.as_ref(), None, false);
            let entries = quote! {
                let mut entries: Vec<_> = #v.iter().collect();
                entries.sort_by(|a, b| a.0.cmp(b.0));
            };
            if flattened {
                quote! {
                    #entries
                    for (key, item) in entries { w.start(#name); #ns_attr #key #value w.end(#name); }
                }
            } else {
                quote! {
                    w.start(#name); #ns_attr
                    #entries
                    for (key, item) in entries { w.start("entry"); #key #value w.end("entry"); }
                    w.end(#name);
                }
            }
        }
        Type::Stream => quote!(),
        Type::Scalar(scalar) => {
            let text = text_of(ctx, scalar, v, fmt.unwrap_or(TimestampFormat::Iso8601));
            match ns_attr {
                Some(attr) => quote! { w.start(#name); #attr w.text(#text); w.end(#name); },
                None => quote! { w.leaf(#name, #text); },
            }
        }
    }
}

fn reader(ctx: &Ctx<'_>, st: &Structure) -> TokenStream {
    let rt = &ctx.rt;
    let name = de_fn(st);
    let ty = ident(&st.rust_name);
    let members: Vec<&Member> = st.members.iter().collect();
    let body = body_reader(ctx, &members, None);
    let shape_const = super::reader_shape_const(&st.name, st.members.iter());
    let fields = members.iter().map(|m| {
        let id = ident(&m.rust_name);
        let local = super::local(m);
        quote!(#id: #local,)
    });
    let doc_attr = super::doc(&format!("Reads a `{}` from its element, to the element's end.", st.name));
    quote! {
        #doc_attr
        pub(crate) fn #name(r: &mut #rt::XmlReader<'_>, node: &#rt::XmlStart<'_>) -> Result<types::#ty, #rt::Error> {
            #shape_const
            #body
            Ok(types::#ty { #(#fields)* })
        }
    }
}

/// `de_<shape>_response`: the name of an error structure's reader over a whole error response.
pub(super) fn de_response_fn(shape: &Structure) -> proc_macro2::Ident {
    let [_, _, error_reader] = naming::wire_fns(&shape.name);
    ident_fmt(error_reader)
}

/// Reads an error structure from an error response: header and status-code members from the
/// response, the others from the `<Error>` element.
fn error_reader(ctx: &Ctx<'_>, st: &Structure) -> TokenStream {
    let rt = &ctx.rt;
    let name = de_response_fn(st);
    let ty = ident(&st.rust_name);
    let body_members: Vec<&Member> = st
        .members
        .iter()
        .filter(|m| !matches!(m.location, Location::Header(_) | Location::PrefixHeaders | Location::StatusCode))
        .collect();
    let body = body_reader(ctx, &body_members, None);
    let others = st.members.iter().filter(|m| !body_members.iter().any(|b| b.name == m.name)).map(|m| {
        let id = super::local(m);
        let key = &m.wire_name;
        let value = match &m.location {
            Location::Header(form) => header_value(ctx, m, form, quote!(#key)),
            Location::PrefixHeaders => quote!(#rt::prefix_headers(&parts.headers, #key)),
            _ => quote!(Some(parts.status.as_u16() as i32)),
        };
        let wire = &m.name;
        if is_optional(m) {
            quote!(let #id = #value;)
        } else if matches!(m.ty, Type::Map(_) | Type::List(_)) {
            quote!(let #id = #value.unwrap_or_default();)
        } else {
            quote!(let #id = #rt::required_in_response(#value, SHAPE, #wire)?;)
        }
    });
    let fields = st.members.iter().map(|m| {
        let id = ident(&m.rust_name);
        let local = super::local(m);
        quote!(#id: #local,)
    });
    let doc_attr = super::doc(&format!("Reads a `{}` from an error response and its `<Error>` element.", st.name));
    // The response's status and headers are read only when a member lives there.
    let parts = if body_members.len() == st.members.len() { quote!(_parts) } else { quote!(parts) };
    let headers = st
        .members
        .iter()
        .any(|m| matches!(m.location, Location::Header(_)))
        .then(|| quote!(let headers = &parts.headers;));
    let shape_const = super::reader_shape_const(&st.name, st.members.iter());
    quote! {
        #doc_attr
        pub(crate) fn #name(
            #parts: &#rt::http::response::Parts,
            r: &mut #rt::XmlReader<'_>,
            node: &#rt::XmlStart<'_>,
        ) -> Result<types::#ty, #rt::Error> {
            #shape_const
            #body
            #headers
            #(#others)*
            Ok(types::#ty { #(#fields)* })
        }
    }
}

/// Statements that read `members` from the attributes and children of element `node` (a
/// `&XmlStart`) with reader `r`, to the element's end, into local variables named like the fields,
/// with required ones checked. `root_text` is a member read from the text of `node` itself when
/// `node` has the member's name (a document whose root is the value).
pub(super) fn body_reader(ctx: &Ctx<'_>, members: &[&Member], root_text: Option<&Member>) -> TokenStream {
    let rt = &ctx.rt;
    let decls = members.iter().map(|m| {
        let id = super::local(m);
        let ty = ctx.rust_type(&m.ty);
        let ty = if m.boxed { quote!(Box<#ty>) } else { ty };
        quote!(let mut #id: Option<#ty> = None;)
    });
    let attrs = members.iter().copied().filter_map(attribute).map(|(m, scalar)| {
        let id = super::local(m);
        let wire = &m.wire_name;
        let parse = read_scalar_text(ctx, scalar, quote!(text), m.timestamp_format, &m.name);
        quote! {
            if let Some(text) = node.attribute(#wire) {
                let text: &str = &text;
                #id = Some(#parse);
            }
        }
    });
    let reads = members.iter().filter(|m| attribute(m).is_none()).flat_map(|m| {
        // A flattened list's items are also accepted under the list member's name, when no other
        // member reads that element or claims it the same way.
        let alt = m.xml_alt_parse_name.as_ref().filter(|alt| {
            !members.iter().any(|o| &o.xml_parse_name == *alt || (o.name != m.name && o.xml_alt_parse_name.as_ref() == Some(*alt)))
        });
        std::iter::once(&m.xml_parse_name).chain(alt).map(move |wire| (*m, wire))
    });
    // Members that share an element name (a deprecated member beside its replacement; the IR allows
    // it for scalars only) read its text once, together.
    let mut grouped: Vec<(&String, Vec<&Member>)> = Vec::new();
    for (m, wire) in reads {
        match grouped.iter_mut().find(|(w, _)| *w == wire) {
            Some((_, list)) => list.push(m),
            None => grouped.push((wire, vec![m])),
        }
    }
    let arms = grouped.iter().map(|(wire, group)| {
        // The IR lets only members read from text share an element; were another among them, the
        // first member alone would read it.
        let texts: Option<Vec<TokenStream>> = group.iter().map(|m| member_from_text(ctx, m)).collect();
        match (group.as_slice(), texts) {
            ([_, _, ..], Some(each)) => quote! {
                #wire => {
                    let text = r.text(&child)?;
                    let text: &str = &text;
                    #(#each)*
                }
            },
            _ => {
                let read = member_from_element(ctx, group[0]);
                quote!(#wire => #read,)
            }
        }
    });
    let finals = members.iter().map(|m| {
        let id = super::local(m);
        let wire = &m.name;
        if m.ty == Type::Stream {
            quote!(let #id = #id.unwrap_or_default();)
        } else if is_optional(m) {
            quote!()
        } else if matches!(m.ty, Type::List(_) | Type::Map(_)) {
            quote!(let #id = #id.unwrap_or_default();)
        } else {
            quote!(let #id = #rt::required_in_response(#id, SHAPE, #wire)?;)
        }
    });
    let has_elements = members.iter().any(|m| attribute(m).is_none());
    let mut loop_ = if has_elements {
        quote! {
            while let Some(child) = r.next_child(node)? {
                match child.name() {
                    #(#arms)*
                    _ => r.skip(&child)?,
                }
            }
        }
    } else {
        quote!(r.skip(node)?;)
    };
    if let Some(m) = root_text {
        let id = super::local(m);
        let wire = &m.wire_name;
        let value = read_value(ctx, &m.ty, quote!(node), m.timestamp_format, &m.name);
        loop_ = quote! {
            if node.name() == #wire {
                #id = Some(#value);
            } else {
                #loop_
            }
        };
    }
    quote! {
        #(#decls)*
        #(#attrs)*
        #loop_
        #(#finals)*
    }
}

/// An expression (of type `()`) that reads member `m` from element `child`, to its end.
fn member_from_element(ctx: &Ctx<'_>, m: &Member) -> TokenStream {
    let id = super::local(m);
    match &m.ty {
        Type::List(list) if list.flattened => {
            let fmt = list.member_timestamp_format.or(m.timestamp_format);
            let item = read_value(ctx, &list.member, quote!(&child), fmt, &m.name);
            quote!(#id.get_or_insert_with(Vec::new).push(#item))
        }
        Type::Map(map) if map.flattened => {
            let entry = read_entry(ctx, map, quote!(&child), m.timestamp_format, &m.name);
            quote! {
                if let (key, Some(value)) = #entry {
                    #id.get_or_insert_with(::std::collections::HashMap::new).insert(key, value);
                }
            }
        }
        ty => {
            let mut value = read_value(ctx, ty, quote!(&child), m.timestamp_format, &m.name);
            if m.boxed {
                value = quote!(Box::new(#value));
            }
            quote!(#id = Some(#value))
        }
    }
}

/// A statement that reads scalar member `m` (or an item of its flattened list) from `text`, a `&str`;
/// `None` for a member that is not read from text.
fn member_from_text(ctx: &Ctx<'_>, m: &Member) -> Option<TokenStream> {
    let id = super::local(m);
    match &m.ty {
        Type::List(list) => {
            let Type::Scalar(scalar) = &list.member else { return None };
            let fmt = list.member_timestamp_format.or(m.timestamp_format);
            let item = read_scalar_text(ctx, scalar, quote!(text), fmt, &m.name);
            Some(quote!(#id.get_or_insert_with(Vec::new).push(#item);))
        }
        Type::Scalar(scalar) => {
            let value = read_scalar_text(ctx, scalar, quote!(text), m.timestamp_format, &m.name);
            Some(quote!(#id = Some(#value);))
        }
        Type::Structure(_) | Type::Map(_) | Type::Stream => None,
    }
}

/// The member and its scalar when it is an XML attribute.
fn attribute(m: &Member) -> Option<(&Member, &Scalar)> {
    match &m.location {
        Location::Attribute(scalar) => Some((m, scalar)),
        _ => None,
    }
}

/// An expression reading a map entry's `(key, Option<value>)` from element `e` (a `&XmlStart`), to its end.
fn read_entry(ctx: &Ctx<'_>, map: &crate::ir::MapType, e: TokenStream, fmt: Option<TimestampFormat>, what: &str) -> TokenStream {
    let key_name = &map.key_xml_name;
    let value_name = &map.value_xml_name;
    let value = read_value(ctx, &map.value, quote!(&part), fmt, what);
    quote!({
        let (mut key, mut value) = (String::new(), None);
        while let Some(part) = r.next_child(#e)? {
            match part.name() {
                #key_name => key = r.text(&part)?.into_owned(),
                #value_name => value = Some(#value),
                _ => r.skip(&part)?,
            }
        }
        (key, value)
    })
}

/// An expression reading a value of `ty` from element `e` (a `&XmlStart`) with reader `r`, to the
/// element's end; `what` names the member in errors.
pub(super) fn read_value(ctx: &Ctx<'_>, ty: &Type, e: TokenStream, fmt: Option<TimestampFormat>, what: &str) -> TokenStream {
    let rt = &ctx.rt;
    match ty {
        Type::Structure(shape) => {
            let f = de_fn(ctx.service.structure(*shape));
            quote!(protocol::#f(r, #e)?)
        }
        Type::List(list) => {
            let item = read_value(ctx, &list.member, quote!(&item), list.member_timestamp_format.or(fmt), what);
            quote!({
                let mut items = Vec::new();
                while let Some(item) = r.next_child(#e)? { items.push(#item); }
                items
            })
        }
        Type::Map(map) => {
            let entry = read_entry(ctx, map, quote!(&entry), fmt, what);
            quote!({
                let mut map = ::std::collections::HashMap::new();
                while let Some(entry) = r.next_child(#e)? {
                    if let (key, Some(value)) = #entry {
                        map.insert(key, value);
                    }
                }
                map
            })
        }
        Type::Stream => quote!({
            r.skip(#e)?;
            #rt::ByteStream::new()
        }),
        Type::Scalar(Scalar::String) => quote!(r.text(#e)?.into_owned()),
        Type::Scalar(scalar) => {
            // An enum converts from a `&str`; the parsers take the text by auto-deref.
            let text = match scalar {
                Scalar::Enum(_) => quote!(&*r.text(#e)?),
                _ => quote!(&r.text(#e)?),
            };
            read_scalar_text(ctx, scalar, text, fmt, what)
        }
    }
}

