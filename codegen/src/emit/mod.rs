//! Emitters: IR -> Rust tokens (quote) -> formatted source (prettyplease), one file per concern.

mod client;
mod json;
mod operations;
mod protocol;
mod scalars;
mod types;

use crate::ir::{Member, Scalar, Service, Type};
use crate::{Error, GeneratedFile, Input};
use proc_macro2::{Ident, Span, TokenStream};
use quote::{quote, ToTokens};

/// Everything an emitter needs: the service and how to reach the runtime.
pub(crate) struct Ctx<'a> {
    pub service: &'a Service,
    /// `rt`: generated files name the runtime's façade through a `use` of [`Ctx::rt_use`].
    pub rt: TokenStream,
    /// The façade's full path, `crate::rt` or `::cos_sdk::rt`, imported by each file that uses it.
    pub rt_use: TokenStream,
    /// The same path as text, for attributes that take a path in a string.
    pub rt_path: String,
    /// The path of the generated module itself: `crate::generated`, or deeper when several
    /// generated services share one crate (the conformance runner). Its `types` and `protocol`
    /// modules are imported by each file that uses them and named as `types::` and `protocol::`.
    pub gen: TokenStream,
    /// The client type the fluent builders hold.
    pub client: TokenStream,
    /// Whether `client.rs` defines that type (standalone crates) or extends the runtime's.
    pub wrapper_client: bool,
    pub source_label: &'a str,
}

/// An identifier from a name made by `naming` (which may be a raw identifier `r#type`).
pub(crate) fn ident(name: &str) -> Ident {
    match name.strip_prefix("r#") {
        Some(raw) => Ident::new_raw(raw, Span::call_site()),
        None => Ident::new(name, Span::call_site()),
    }
}

/// An identifier with a prefix or suffix added to a generated name (never raw).
pub(crate) fn ident_fmt(text: String) -> Ident {
    Ident::new(&text.replace("r#", ""), Span::call_site())
}

pub(crate) fn emit(service: &Service, input: &Input<'_>) -> Result<Vec<GeneratedFile>, Error> {
    let path = |text: String, what: &str| {
        syn::parse_str::<syn::Path>(&text).map(|p| p.to_token_stream()).map_err(|e| Error::Emit {
            file: "mod.rs".into(),
            message: format!("the {what} `{text}` is not a Rust path: {e}"),
        })
    };
    let rt_use = path(format!("{}::rt", input.runtime_crate), "runtime crate")?;
    let rt = quote!(rt);
    let rt_path = format!("{}::rt", input.runtime_crate);
    let gen = path(format!("{}::generated", input.module_root), "module root")?;
    let client = if input.wrapper_client { quote!(#gen::client::Client) } else { quote!(#rt::Client) };
    let ctx = Ctx { service, rt, rt_use, rt_path, gen, client, wrapper_client: input.wrapper_client, source_label: input.source_label };
    let mut files = Vec::new();
    let doc = "The generated part of the SDK: types, operations and their wire code.";
    files.push(file(&ctx, "mod.rs", doc, quote! {
        pub mod client;
        #[cfg(feature = "serde")]
        pub mod json;
        pub mod operation;
        pub mod paginator;
        pub(crate) mod protocol;
        pub mod types;
        pub mod waiter;
    })?);
    files.push(file(&ctx, "client.rs", "The client methods that start each operation and waiter.", client::client_file(&ctx))?);
    files.push(file(&ctx, "paginator.rs", "Paginators: streams of pages and of items.", client::paginators_file(&ctx))?);
    files.push(file(&ctx, "waiter.rs", "Waiters: poll an operation until the resource reaches a state.", client::waiters_file(&ctx))?);
    let types_allow = types::has_len_accessor(&ctx).then(|| quote!(#![allow(clippy::len_without_is_empty)]));
    files.push(file_with(&ctx, "types.rs", &types::file_doc(&ctx), types_allow, types::emit(&ctx))?);
    files.push(file(
        &ctx,
        "json.rs",
        "The operation table of the JSON bridge (the `serde` feature): boto3-style JSON in, requests out; responses in, JSON out.",
        json::emit(&ctx),
    )?);
    files.push(file(&ctx, "protocol.rs", "XML writers and readers for every structure shape.", protocol::emit(&ctx))?);
    for (path, doc, tokens) in operations::emit(&ctx) {
        files.push(file(&ctx, &path, &doc, tokens)?);
    }
    Ok(files)
}

/// Formats one file and puts the generated-file header line on top.
fn file(ctx: &Ctx<'_>, path: &str, doc: &str, tokens: TokenStream) -> Result<GeneratedFile, Error> {
    file_with(ctx, path, doc, None, tokens)
}

/// A generated file whose module allows lints (`allow`, an inner attribute its `doc` explains).
fn file_with(ctx: &Ctx<'_>, path: &str, doc: &str, allow: Option<TokenStream>, tokens: TokenStream) -> Result<GeneratedFile, Error> {
    let doc = format!(" {doc}");
    // Short paths keep lines short: `rt::`, `types::` and `protocol::` through imports, made only where used.
    let (rt_use, gen) = (&ctx.rt_use, &ctx.gen);
    let rt_import = starts_path(&tokens, "rt").then(|| quote!(use #rt_use;));
    let types_import = starts_path(&tokens, "types").then(|| quote!(use #gen::types;));
    let protocol_import = starts_path(&tokens, "protocol").then(|| quote!(use #gen::protocol;));
    let with_doc = quote! {
        #![doc = #doc]
        #allow
        #rt_import
        #types_import
        #protocol_import
        #tokens
    };
    let parsed: syn::File = syn::parse2(with_doc).map_err(|e| Error::Emit { file: path.to_string(), message: e.to_string() })?;
    let body = prettyplease::unparse(&parsed);
    let contents = format!(
        "// @generated by `cargo xtask codegen` from {}; do not edit.\n{body}",
        ctx.source_label
    );
    Ok(GeneratedFile { path: path.to_string(), contents })
}

/// Whether `tokens` hold a path that starts with the identifier `first` (`rt::Error`), not counting
/// paths where it follows `::` (`crate::rt::Error`) or a `use` of it.
fn starts_path(tokens: &TokenStream, first: &str) -> bool {
    let trees: Vec<proc_macro2::TokenTree> = tokens.clone().into_iter().collect();
    trees.iter().enumerate().any(|(i, tree)| match tree {
        proc_macro2::TokenTree::Group(group) => starts_path(&group.stream(), first),
        proc_macro2::TokenTree::Ident(id) if id == first => {
            let colon = |at: Option<&proc_macro2::TokenTree>| matches!(at, Some(proc_macro2::TokenTree::Punct(p)) if p.as_char() == ':');
            let after_colons = i >= 2 && colon(trees.get(i - 1)) && colon(trees.get(i - 2));
            let followed_by_colons = colon(trees.get(i + 1)) && colon(trees.get(i + 2));
            !after_colons && followed_by_colons
        }
        _ => false,
    })
}

impl Ctx<'_> {
    /// The Rust type of a value of `ty` (without the `Option` of an optional member).
    pub fn rust_type(&self, ty: &Type) -> TokenStream {
        let rt = &self.rt;
        match ty {
            Type::Scalar(scalar) => self.scalar_type(scalar),
            Type::Structure(id) => self.type_path(&self.service.structure(*id).rust_name),
            Type::Stream => quote!(#rt::ByteStream),
            Type::List(list) => {
                let member = self.rust_type(&list.member);
                quote!(Vec<#member>)
            }
            Type::Map(map) => {
                let value = self.rust_type(&map.value);
                quote!(::std::collections::HashMap<String, #value>)
            }
        }
    }

    /// The Rust type of a scalar.
    pub fn scalar_type(&self, scalar: &Scalar) -> TokenStream {
        let rt = &self.rt;
        match scalar {
            Scalar::String => quote!(String),
            Scalar::Enum(id) => self.type_path(&self.service.enumeration(*id).rust_name),
            Scalar::Integer => quote!(i32),
            Scalar::Long => quote!(i64),
            Scalar::Boolean => quote!(bool),
            Scalar::Float => quote!(f32),
            Scalar::Double => quote!(f64),
            Scalar::Timestamp => quote!(#rt::DateTime),
            Scalar::Blob => quote!(#rt::Bytes),
        }
    }

    /// The path of a generated structure or enum type.
    fn type_path(&self, rust_name: &str) -> TokenStream {
        let id = ident(rust_name);
        quote!(types::#id)
    }

    /// The type of a member's field: boxed when recursive, `Option` unless required (streams are
    /// never optional: an absent body is an empty one).
    pub fn field_type(&self, member: &Member) -> TokenStream {
        let mut ty = self.rust_type(&member.ty);
        if member.boxed {
            ty = quote!(Box<#ty>);
        }
        if is_optional(member) {
            quote!(Option<#ty>)
        } else {
            ty
        }
    }
}

/// Whether a member's field is an `Option`.
pub(crate) fn is_optional(member: &Member) -> bool {
    !member.required && member.ty != Type::Stream
}

/// A sentence describing where a member travels, for rustdoc.
pub(crate) fn member_doc(member: &Member) -> String {
    use crate::ir::Location;
    let place = match member.location {
        Location::Uri(_) => format!("URI label `{{{}}}`", member.wire_name),
        Location::Query(_) => format!("query parameter `{}`", member.wire_name),
        Location::Header(_) => format!("header `{}`", member.wire_name),
        Location::PrefixHeaders => format!("headers `{}*`", member.wire_name),
        Location::StatusCode => "the HTTP status code".to_string(),
        Location::Payload(_) => "the whole body".to_string(),
        Location::Attribute(_) => format!("XML attribute `{}`", member.wire_name),
        Location::Body => format!("XML element `{}`", member.wire_name),
    };
    let mut doc = format!("`{}`: {place}", member.name);
    if member.required {
        doc.push_str("; required");
    }
    if let Some(min) = member.min {
        doc.push_str(&format!("; at least {min}"));
    }
    if member.sensitive {
        doc.push_str("; sensitive (redacted in `Debug`)");
    }
    if member.deprecated {
        doc.push_str("; deprecated");
    }
    doc.push('.');
    if let Some(ours) = &member.doc {
        doc.push(' ');
        doc.push_str(ours);
    }
    if member.shape != member.name {
        doc.push_str(&format!("\n\nShape: `{}`.", member.shape));
    }
    doc
}

/// A short phrase naming a member for setter docs: "`Key` (required)."
pub(crate) fn field_type_doc(member: &Member) -> String {
    let name = if member.required { format!("`{}` (required).", member.name) } else { format!("`{}`.", member.name) };
    match &member.doc {
        Some(ours) => format!("{name} {ours}"),
        None => name,
    }
}

/// Doc attributes for `text`, one per line, each starting with a space so they print as `/// line`.
pub(crate) fn doc(text: &str) -> TokenStream {
    let lines = text.lines().map(|line| if line.is_empty() { String::new() } else { format!(" {line}") });
    quote!(#(#[doc = #lines])*)
}

/// `const SHAPE`, naming the structure a reader reads, when one of `members` must be present (a
/// scalar or structure that is not optional): the checks of those members name it.
pub(crate) fn reader_shape_const<'m>(shape_name: &str, members: impl IntoIterator<Item = &'m Member>) -> Option<TokenStream> {
    let checked = |m: &Member| !is_optional(m) && !matches!(m.ty, Type::Stream | Type::List(_) | Type::Map(_));
    members.into_iter().any(checked).then(|| quote!(const SHAPE: &str = #shape_name;))
}

/// The local variable that holds a member's value while a structure is read: `f_` + the field name,
/// so that members named like the reader's own variables (`parts`, `body`, `node`) cannot shadow them.
pub(crate) fn local(member: &Member) -> Ident {
    ident_fmt(crate::naming::reader_local(&member.rust_name))
}
