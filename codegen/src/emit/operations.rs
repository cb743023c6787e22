//! Emits one module per operation: its metadata, error enum, request serializer and response parser.
//! Serializer and parser are pure functions over `http` types, so every wire rule is testable offline.

use super::protocol::{body_reader, de_fn, ser_fn, write_value};
use super::scalars::{header_value, text_of};
use super::{ident, ident_fmt, is_optional, Ctx};
use crate::naming;
use crate::ir::{
    HeaderForm, Location, Member, Operation, PathPart, PayloadForm, QueryForm, QueryPart, Scalar, TimestampFormat, Type,
    UrlDecoded, UrlDecoding,
};
use proc_macro2::TokenStream;
use quote::quote;

/// `(path, module doc, tokens)` for `operation/mod.rs` and each operation's file.
pub(super) fn emit(ctx: &Ctx<'_>) -> Vec<(String, String, TokenStream)> {
    let mut files = Vec::new();
    let mods = ctx.service.operations.iter().map(|op| {
        let m = ident(&op.rust_name);
        let doc = format!("`{}`: `{} {}`.", op.name, op.method, op.request_uri);
        let doc_attr = super::doc(&doc);
        quote!(#doc_attr pub mod #m;)
    });
    files.push(("operation/mod.rs".to_string(), "One module per operation of the model.".to_string(), quote!(#(#mods)*)));
    for op in &ctx.service.operations {
        let doc = format!(
            "`{}`: `{} {}`; input `{}`, output `{}`.",
            op.name,
            op.method,
            op.request_uri,
            ctx.service.structure(op.input).name,
            ctx.service.structure(op.output).name
        );
        files.push((format!("operation/{}.rs", op.rust_name.trim_start_matches("r#")), doc, operation(ctx, op)));
    }
    files
}

fn operation(ctx: &Ctx<'_>, op: &Operation) -> TokenStream {
    let rt = &ctx.rt;
    let service = ctx.service;
    let input_ty = ident(&service.structure(op.input).rust_name);
    let output_ty = ident(&service.structure(op.output).rust_name);
    let input_builder = ident_fmt(naming::builder_type(&service.structure(op.input).rust_name));
    let error_ty = ident_fmt(naming::error_type(&op.name));
    let name = &op.name;
    // The output reader takes the status and headers, and the body, only when a member lives there.
    let output_members = &service.structure(op.output).members;
    let from_head = |m: &&Member| matches!(m.location, Location::Header(_) | Location::PrefixHeaders | Location::StatusCode);
    let parts_param = if output_members.iter().any(|m| from_head(&m)) { quote!(parts) } else { quote!(_parts) };
    let body_param = if output_members.iter().all(|m| from_head(&m)) { quote!(_body) } else { quote!(body) };
    // An input with no members is not read by the serializer.
    let input_param = if service.structure(op.input).members.is_empty() { quote!(_input) } else { quote!(input) };
    let facts = [
        (op.streaming_response, quote!(.streaming_response())),
        (op.customizations.error_in_200, quote!(.error_in_200())),
        (op.customizations.long_running, quote!(.long_running())),
        (op.instance_id, quote!(.instance_id())),
        (op.checksum_required, quote!(.checksum_required())),
    ];
    let facts = facts.into_iter().filter(|(set, _)| *set).map(|(_, setter)| setter);

    // Errors.
    let variants = op.errors.iter().map(|e| {
        let shape = service.structure(*e);
        let id = ident(&shape.rust_name);
        let doc = match shape.exception.as_ref().and_then(|x| x.status) {
            Some(status) if op.bodiless_errors => format!(
                "`{}` (HTTP {status}). A {} answer has no body to name its error, so every {status} is reported as this one.",
                shape.name, op.method
            ),
            Some(status) => format!("`{}` (HTTP {status}).", shape.name),
            None => format!("`{}`.", shape.name),
        };
        let doc_attr = super::doc(&doc);
        quote!(#doc_attr #id(types::#id),)
    });
    let display_arms = op.errors.iter().map(|e| {
        let shape = service.structure(*e);
        let id = ident(&shape.rust_name);
        let code = &shape.exception.as_ref().map(|x| x.code.clone()).unwrap_or_else(|| shape.name.clone());
        quote!(Self::#id(_) => f.write_str(#code),)
    });
    // Reads an error structure from the body's `<Error>` element (one reader per arm taken).
    let read_error = |de: proc_macro2::Ident| quote!(#rt::read_error_element(&body, |r, node| protocol::#de(&parts, r, node)));
    let match_arms = op.errors.iter().map(|e| {
        let shape = service.structure(*e);
        let id = ident(&shape.rust_name);
        let code = shape.exception.as_ref().map(|x| x.code.clone()).unwrap_or_else(|| shape.name.clone());
        let read = read_error(super::protocol::de_response_fn(shape));
        quote! {
            #code => match #read {
                Ok(value) => #error_ty::#id(value),
                Err(_) => #error_ty::Unhandled(details.clone()),
            },
        }
    });
    // A bodiless error (HEAD) is the modeled error of its status, when the model has one of that status.
    let status_arms = op.errors.iter().filter(|_| op.bodiless_errors).filter_map(|e| {
        let shape = service.structure(*e);
        let status = proc_macro2::Literal::u16_unsuffixed(shape.exception.as_ref().and_then(|x| x.status)?);
        let id = ident(&shape.rust_name);
        let read = read_error(super::protocol::de_response_fn(shape));
        Some(quote! {
            _ if details.status() == #status => match #read {
                Ok(value) => #error_ty::#id(value),
                Err(_) => #error_ty::Unhandled(details.clone()),
            },
        })
    });
    // The typed error: the modeled error the code names, else `Unhandled`.
    let typed = if op.errors.is_empty() {
        quote!(#error_ty::Unhandled(details.clone()))
    } else {
        quote! {
            match details.code() {
                #(#match_arms)*
                #(#status_arms)*
                _ => #error_ty::Unhandled(details.clone()),
            }
        }
    };
    // With no modeled errors the enum has one variant: a `let` takes it apart, not a one-arm match.
    let display_body = if op.errors.is_empty() {
        quote! {
            let Self::Unhandled(details) = self;
            ::std::fmt::Display::fmt(details, f)
        }
    } else {
        quote! {
            match self {
                #(#display_arms)*
                Self::Unhandled(details) => ::std::fmt::Display::fmt(details, f),
            }
        }
    };
    let error_doc = format!("The errors `{name}` can return: the ones the model lists, and `Unhandled` for any other.");

    let fluent = super::client::fluent_builder(ctx, op);
    let serializer = serializer(ctx, op);
    let parser = parser(ctx, op);
    let meta_doc = format!("What the runtime needs to know about `{name}`.");
    let ser_doc = format!("Builds the HTTP request of `{name}` for `endpoint`. Pure: no I/O.");
    let parse_doc = format!("Reads the HTTP response of `{name}`: the output, or the typed error. Pure: no I/O.");
    let (meta_doc_attr, error_doc_attr, ser_doc_attr, parse_doc_attr) =
        (super::doc(&meta_doc), super::doc(&error_doc), super::doc(&ser_doc), super::doc(&parse_doc));

    quote! {
        pub use types::{#input_ty, #input_builder, #output_ty};

        #meta_doc_attr
        pub static META: #rt::OperationMeta = #rt::OperationMeta::new(#name) #(#facts)*;

        #error_doc_attr
        #[derive(Debug)]
        #[non_exhaustive]
        pub enum #error_ty {
            #(#variants)*
            /// An error the model does not list for this operation.
            Unhandled(#rt::ServiceError),
        }

        impl ::std::fmt::Display for #error_ty {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                #display_body
            }
        }

        impl ::std::error::Error for #error_ty {}

        #ser_doc_attr
        pub fn serialize_request(
            #input_param: #input_ty,
            endpoint: &#rt::Endpoint,
        ) -> Result<#rt::http::Request<#rt::ByteStream>, #rt::Error> {
            #serializer
        }

        #parse_doc_attr
        pub fn parse_response(
            response: #rt::http::Response<#rt::ByteStream>,
        ) -> Result<#output_ty, #rt::Error> {
            let (parts, body) = response.into_parts();
            if #rt::is_error_response(parts.status, &body, META.error_in_200) {
                let details = #rt::error_details(parts.status, &parts.headers, &body);
                let typed = #typed;
                return Err(#rt::Error::operation_service(META.name, details, typed));
            }
            read_output(&parts, body).map_err(|e| e.with_operation(META.name))
        }

        #fluent

        fn read_output(
            #parts_param: &#rt::http::response::Parts,
            #body_param: #rt::ByteStream,
        ) -> Result<#output_ty, #rt::Error> {
            #parser
        }
    }
}

/// Binds `v` to a reference to the member's value and runs `body`, skipping absent optional members.
fn with_value(m: &Member, body: TokenStream) -> TokenStream {
    let id = ident(&m.rust_name);
    if is_optional(m) {
        quote!(if let Some(v) = &input.#id { #body })
    } else {
        quote!({ let v = &input.#id; #body })
    }
}

fn serializer(ctx: &Ctx<'_>, op: &Operation) -> TokenStream {
    let rt = &ctx.rt;
    let service = ctx.service;
    let input = service.structure(op.input);
    let method = &op.method;
    let mut stmts = Vec::new();

    // Path: the bucket label goes to the client, which places it in the host or the path.
    if let Some((m, scalar)) = &op.bucket_label {
        let value = label_value(ctx, m, scalar);
        stmts.push(quote!(request.bucket(#value);));
    }
    for part in &op.path {
        stmts.push(match part {
            PathPart::Literal(text) => quote!(request.path_literal(#text);),
            PathPart::Label { label, member: m, scalar, greedy } => {
                let value = label_value(ctx, m, scalar);
                quote!(request.path_label(#label, #value, #greedy);)
            }
        });
    }
    for q in &op.query {
        stmts.push(match q {
            QueryPart::Flag(key) => quote!(request.query_flag(#key);),
            QueryPart::Value(key, value) => quote!(request.query(#key, #value);),
            QueryPart::Label { key, member: m, scalar, .. } => {
                let value = label_value(ctx, m, scalar);
                quote!(request.query(#key, #value);)
            }
        });
    }
    if let Some(prefix) = &op.host_prefix {
        let pushes = prefix.iter().map(|part| match part {
            PathPart::Literal(text) => quote!(prefix.push_str(#text);),
            PathPart::Label { member: m, scalar, .. } => {
                let value = label_value(ctx, m, scalar);
                quote!(prefix.push_str(#value);)
            }
        });
        stmts.push(quote!({
            let mut prefix = String::new();
            #(#pushes)*
            request.host_prefix(prefix);
        }));
    }

    if let Some(decoding) = &op.url_decode {
        let m = &decoding.request_member;
        let id = ident(&m.rust_name);
        let key = &m.wire_name;
        stmts.push(quote!(if input.#id.is_none() { request.query(#key, "url"); }));
    }

    let mut stream_body = None;
    let mut body_members = Vec::new();
    for m in &input.members {
        let fmt = |default| m.timestamp_format.unwrap_or(default);
        let key = &m.wire_name;
        match &m.location {
            Location::Uri(_) | Location::StatusCode => {}
            Location::Query(form) => {
                let stmt = match form {
                    QueryForm::List(item, item_fmt) => {
                        let text = text_of(ctx, item, quote!(item), item_fmt.unwrap_or(TimestampFormat::Iso8601));
                        quote!(for item in v.iter() { request.query(#key, #text); })
                    }
                    QueryForm::MapOfLists(item) => {
                        let text = text_of(ctx, item, quote!(item), TimestampFormat::Iso8601);
                        quote!(for (k, items) in #rt::sorted_entries(v) { for item in items.iter() { request.query_from_map(k, #text); } })
                    }
                    QueryForm::Map(value) => {
                        let text = text_of(ctx, value, quote!(item), TimestampFormat::Iso8601);
                        quote!(for (k, item) in #rt::sorted_entries(v) { request.query_from_map(k, #text); })
                    }
                    QueryForm::One(scalar) => {
                        let text = text_of(ctx, scalar, quote!(v), fmt(TimestampFormat::Iso8601));
                        quote!(request.query(#key, #text);)
                    }
                };
                let stmt = if m.idempotency_token {
                    let id = ident(&m.rust_name);
                    quote!(match &input.#id {
                        Some(v) => { #stmt }
                        None => request.query(#key, &#rt::idempotency_token()),
                    })
                } else {
                    with_value(m, stmt)
                };
                stmts.push(stmt);
            }
            Location::Header(form) => {
                let stmt = match form {
                    HeaderForm::List(item, item_fmt) => {
                        let text = text_of(ctx, item, quote!(item), item_fmt.unwrap_or(TimestampFormat::HttpDate));
                        let item = if *item == Scalar::Timestamp {
                            quote!(ToString::to_string(#text))
                        } else {
                            quote!(#rt::quote_header_list_item(#text))
                        };
                        quote!(if !v.is_empty() {
                            let items: Vec<String> = v.iter().map(|item| #item).collect();
                            request.header(#key, &items.join(", "));
                        })
                    }
                    HeaderForm::Json => quote!(request.header(#key, &#rt::base64_encode(v.as_bytes()));),
                    HeaderForm::One(scalar) => {
                        let text = text_of(ctx, scalar, quote!(v), fmt(TimestampFormat::HttpDate));
                        quote!(request.header(#key, #text);)
                    }
                };
                let stmt = if m.idempotency_token {
                    let id = ident(&m.rust_name);
                    quote!(match &input.#id {
                        Some(v) => { #stmt }
                        None => request.header(#key, &#rt::idempotency_token()),
                    })
                } else {
                    with_value(m, stmt)
                };
                stmts.push(stmt);
            }
            Location::PrefixHeaders => {
                stmts.push(with_value(m, quote!(for (k, item) in #rt::sorted_entries(v) { request.prefixed_header(#key, k, item); })));
            }
            Location::Payload(form) => {
                let id = ident(&m.rust_name);
                match form {
                    PayloadForm::Stream => stream_body = Some(quote!(request.body(input.#id);)),
                    PayloadForm::Blob => stmts.push(with_value(m, quote!(request.body(#rt::ByteStream::from(v.clone()));))),
                    PayloadForm::Text(Scalar::String) => stmts.push(with_value(m, quote!(request.text_body(v.clone());))),
                    PayloadForm::Text(_) => stmts.push(with_value(m, quote!(request.text_body(v.as_str().to_string());))),
                    PayloadForm::Structure(shape) => {
                        let target = service.structure(*shape);
                        // The root element: a `locationName` of the member that renames it, else
                        // the shape's own `locationName`, else the member's `locationName` (S3 roots
                        // `BucketLifecycleConfiguration` at `LifecycleConfiguration` that way), else
                        // the shape's name.
                        let renamed = m.has_location_name && m.wire_name != m.name;
                        let shape_named = target.xml_name != target.name;
                        let name = if renamed || (m.has_location_name && !shape_named) {
                            &m.wire_name
                        } else {
                            &target.xml_name
                        };
                        let f = ser_fn(target);
                        let ns = m.xml_namespace.as_ref().or(target.xml_namespace.as_ref()).map(|ns| {
                            let attr = match ns.prefix() {
                                Some(p) => format!("xmlns:{p}"),
                                None => "xmlns".to_string(),
                            };
                            let uri = ns.uri();
                            quote!(w.attribute(#attr, #uri);)
                        });
                        stmts.push(with_value(m, quote! {
                            let mut w = #rt::XmlWriter::new();
                            w.start(#name);
                            #ns
                            protocol::#f(v, &mut w);
                            w.end(#name);
                            request.xml_body(w.finish());
                        }));
                    }
                }
            }
            Location::Body | Location::Attribute(_) => body_members.push(m),
        }
    }
    if !body_members.is_empty() {
        let input_shape = service.structure(op.input);
        let root = if input_shape.xml_name != input_shape.name {
            input_shape.xml_name.clone()
        } else {
            op.input_root.as_ref().map(|(name, _)| name.clone()).unwrap_or_else(|| input_shape.xml_name.clone())
        };
        let ns = op.input_root.as_ref().and_then(|(_, ns)| ns.clone()).or_else(|| input_shape.xml_namespace.clone());
        let ns = ns.map(|ns| {
            let attr = match ns.prefix() {
                Some(p) => format!("xmlns:{p}"),
                None => "xmlns".to_string(),
            };
            let uri = ns.uri().to_string();
            quote!(w.attribute(#attr, #uri);)
        });
        let any_set = body_members.iter().map(|m| {
            let id = ident(&m.rust_name);
            if m.idempotency_token {
                quote!(true)
            } else if is_optional(m) {
                quote!(input.#id.is_some())
            } else {
                quote!(true)
            }
        });
        let writes = body_members.iter().map(|m| {
            let write = write_value(ctx, &m.ty, quote!(v), &m.wire_name, m.xml_namespace.as_ref(), m.timestamp_format, match &m.ty {
                Type::List(l) => l.flattened,
                Type::Map(mm) => mm.flattened,
                _ => false,
            });
            let id = ident(&m.rust_name);
            if let Location::Attribute(scalar) = &m.location {
                let text = text_of(ctx, scalar, quote!(v), TimestampFormat::Iso8601);
                let key = &m.wire_name;
                if is_optional(m) {
                    quote!(if let Some(v) = &input.#id { w.attribute(#key, #text); })
                } else {
                    quote!({ let v = &input.#id; w.attribute(#key, #text); })
                }
            } else if m.idempotency_token && is_optional(m) {
                let key = &m.wire_name;
                quote!(match &input.#id {
                    Some(v) => { #write }
                    None => w.leaf(#key, &#rt::idempotency_token()),
                })
            } else if is_optional(m) {
                quote!(if let Some(v) = &input.#id { #write })
            } else {
                quote!({ let v = &input.#id; #write })
            }
        });
        // Attributes first: they belong to the root's start tag.
        let (attrs, elems): (Vec<_>, Vec<_>) = body_members.iter().zip(writes).partition(|(m, _)| matches!(m.location, Location::Attribute(_)));
        let attrs = attrs.into_iter().map(|(_, t)| t);
        let elems = elems.into_iter().map(|(_, t)| t);
        stmts.push(quote! {
            if #(#any_set)||* {
                let mut writer = #rt::XmlWriter::new();
                let w = &mut writer;
                w.start(#root);
                #ns
                #(#attrs)*
                #(#elems)*
                w.end(#root);
                request.xml_body(writer.finish());
            }
        });
    }
    if let Some(s) = stream_body {
        stmts.push(s);
    }
    quote! {
        let mut request = #rt::RequestParts::new(#method);
        #(#stmts)*
        request.finish(endpoint, &META)
    }
}

/// The text of a URI label member; an absent one is empty, which the request records as an error.
fn label_value(ctx: &Ctx<'_>, m: &Member, scalar: &Scalar) -> TokenStream {
    let id = ident(&m.rust_name);
    let fmt = m.timestamp_format.unwrap_or(TimestampFormat::Iso8601);
    match (scalar, is_optional(m)) {
        (Scalar::String, false) => quote!(input.#id.as_str()),
        (Scalar::String, true) => quote!(input.#id.as_deref().unwrap_or_default()),
        (Scalar::Integer | Scalar::Long, false) => quote!(&input.#id.to_string()),
        (_, false) => text_of(ctx, scalar, quote!((&input.#id)), fmt),
        (_, true) => {
            let text = text_of(ctx, scalar, quote!(v), fmt);
            quote!(&match &input.#id {
                Some(v) => ToString::to_string(#text),
                None => String::new(),
            })
        }
    }
}

fn parser(ctx: &Ctx<'_>, op: &Operation) -> TokenStream {
    let rt = &ctx.rt;
    let service = ctx.service;
    let output = service.structure(op.output);
    let out_ty = ident(&output.rust_name);
    let mut stmts = vec![header_reader(ctx, &output.members)];
    let mut body_members: Vec<&Member> = Vec::new();
    for m in &output.members {
        let id = super::local(m);
        let key = &m.wire_name;
        let wire = &m.name;
        match &m.location {
            Location::Header(_) => stmts.push(finish_member(ctx, m, wire, quote!())),
            Location::PrefixHeaders => {
                stmts.push(quote!(let #id = #rt::prefix_headers(&parts.headers, #key);));
            }
            Location::StatusCode => {
                stmts.push(finish_member(ctx, m, wire, quote!(let #id = Some(parts.status.as_u16() as i32);)));
            }
            Location::Payload(form) => {
                let value = match form {
                    PayloadForm::Stream => quote!(let #id = body;),
                    PayloadForm::Blob => quote!(let #id = #rt::body_bytes(&body)?;),
                    PayloadForm::Text(Scalar::String) => quote!(let #id = #rt::body_string(&body)?;),
                    PayloadForm::Text(text) => {
                        let ty = ctx.scalar_type(text);
                        quote!(let #id = #rt::body_string(&body)?.map(|text| #ty::from(text.as_str()));)
                    }
                    PayloadForm::Structure(target) => {
                        let f = de_fn(service.structure(*target));
                        quote!(let #id = match #rt::XmlReader::open(&body)? {
                            Some((mut r, node)) => {
                                let value = protocol::#f(&mut r, &node)?;
                                r.finish()?;
                                Some(value)
                            }
                            None => None,
                        };)
                    }
                };
                if *form == PayloadForm::Stream {
                    stmts.push(value);
                } else {
                    stmts.push(finish_member(ctx, m, wire, value));
                }
            }
            Location::Uri(_) | Location::Query(_) | Location::Body | Location::Attribute(_) => body_members.push(m),
        }
    }
    if !body_members.is_empty() {
        let reader = body_reader(ctx, &body_members, op.root_text_member.as_deref());
        stmts.push(quote! {
            let (mut reader, node) = #rt::XmlReader::open_or_empty(&body)?;
            let (r, node) = (&mut reader, &node);
            #reader
            reader.finish()?;
        });
    }
    if let Some(decoding) = &op.url_decode {
        stmts.push(url_decode(ctx, decoding));
    }
    let fields = output.members.iter().map(|m| {
        let id = ident(&m.rust_name);
        let local = super::local(m);
        quote!(#id: #local,)
    });
    let shape_const = super::reader_shape_const(&output.name, output.members.iter());
    quote! {
        #shape_const
        #(#stmts)*
        Ok(#out_ty { #(#fields)* })
    }
}


/// Reads the header members of an output in one pass over the headers the response has (a few),
/// rather than one lookup per member the model names (dozens for GetObject): each present header is
/// read by its member's reader, into a local variable named like the field. An output with a single
/// header name looks that one up instead.
fn header_reader(ctx: &Ctx<'_>, members: &[Member]) -> TokenStream {
    let headers: Vec<(&Member, &HeaderForm)> = members
        .iter()
        .filter_map(|m| match &m.location {
            Location::Header(form) => Some((m, form)),
            _ => None,
        })
        .collect();
    if headers.is_empty() {
        return quote!();
    }
    // Members that name the same header (in any case) read it together.
    let mut by_name: Vec<(String, Vec<(&Member, &HeaderForm)>)> = Vec::new();
    for (m, form) in &headers {
        let name = m.wire_name.to_ascii_lowercase();
        match by_name.iter_mut().find(|(n, _)| *n == name) {
            Some((_, members)) => members.push((m, form)),
            None => by_name.push((name, vec![(m, form)])),
        }
    }
    // One header name: a lookup, with no loop.
    if let [(name, members)] = by_name.as_slice() {
        let reads = members.iter().map(|(m, form)| {
            let id = super::local(m);
            let value = header_value(ctx, m, form, quote!(#name));
            quote!(let #id = #value;)
        });
        return quote! {
            let headers = &parts.headers;
            #(#reads)*
        };
    }
    let decls = headers.iter().map(|(m, _)| {
        let id = super::local(m);
        quote!(let mut #id = None;)
    });
    let arms = by_name.iter().map(|(name, members)| {
        let reads: Vec<TokenStream> = members
            .iter()
            .map(|(m, form)| {
                let id = super::local(m);
                let value = header_value(ctx, m, form, quote!(name));
                quote!(#id = #value)
            })
            .collect();
        match reads.as_slice() {
            [one] => quote!(#name => #one,),
            reads => quote!(#name => { #(#reads;)* }),
        }
    });
    quote! {
        #(#decls)*
        let headers = &parts.headers;
        for name in headers.keys() {
            match name.as_str() {
                #(#arms)*
                _ => {}
            }
        }
    }
}

/// Applies a required check to a member read from headers or the payload.
fn finish_member(ctx: &Ctx<'_>, m: &Member, wire: &str, read: TokenStream) -> TokenStream {
    let rt = &ctx.rt;
    let id = super::local(m);
    if is_optional(m) || m.ty == Type::Stream {
        read
    } else if matches!(m.ty, Type::List(_) | Type::Map(_)) {
        quote!(#read let #id = #id.unwrap_or_default();)
    } else {
        quote!(#read let #id = #rt::required_in_response(#id, SHAPE, #wire)?;)
    }
}

/// URL-decodes the listed members when the answer says `EncodingType` is `url`.
fn url_decode(ctx: &Ctx<'_>, decoding: &UrlDecoding) -> TokenStream {
    let rt = &ctx.rt;
    let enc = super::local(&decoding.answer_member);
    let stmts = decoding.fields.iter().map(|field| match field {
        UrlDecoded::Text(m) => {
            let id = super::local(m);
            quote!(#rt::url_decode_in_place(&mut #id)?;)
        }
        UrlDecoded::ItemText { list, item } => {
            let id = super::local(list);
            let item_id = ident(&item.rust_name);
            quote!(
                if let Some(items) = #id.as_mut() {
                    for item in items.iter_mut() { #rt::url_decode_in_place(&mut item.#item_id)?; }
                }
            )
        }
    });
    quote! {
        if #enc.as_ref().map(|e| e.as_str()) == Some("url") {
            #(#stmts)*
        }
    }
}
