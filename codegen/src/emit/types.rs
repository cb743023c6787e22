//! Emits `types.rs`: a struct with a builder per structure shape and an enum per string enum shape.

use super::{field_type_doc, ident, ident_fmt, is_optional, member_doc, Ctx};
use crate::naming;
use crate::ir::{Enumeration, Member, Scalar, ShapeRef, Structure, Type};
use proc_macro2::TokenStream;
use quote::quote;

/// The module documentation of `types.rs`, which names the lint it allows when it allows one.
pub(super) fn file_doc(ctx: &Ctx<'_>) -> String {
    let mut doc = String::from("One Rust type per structure and enum shape of the model, with builders.");
    if has_len_accessor(ctx) {
        doc.push_str("\n\nClippy's `len_without_is_empty` is allowed: accessors are named after members, and a member is called `Len`.");
    }
    doc
}

/// An answer structure has an accessor `len` (a member named `Len`), which Clippy would take for a
/// collection's length.
pub(super) fn has_len_accessor(ctx: &Ctx<'_>) -> bool {
    ctx.service.structures().any(|(_, st)| st.answer && st.members.iter().any(|m| m.rust_name == "len"))
}

pub(super) fn emit(ctx: &Ctx<'_>) -> TokenStream {
    let mut out = TokenStream::new();
    for shape in ctx.service.shapes() {
        out.extend(match shape {
            ShapeRef::Structure(st) => structure(ctx, st),
            ShapeRef::Enum(e) => enumeration(ctx, e),
        });
    }
    out
}

fn structure(ctx: &Ctx<'_>, st: &Structure) -> TokenStream {
    let rt = &ctx.rt;
    let name = ident(&st.rust_name);
    let builder = ident_fmt(naming::builder_type(&st.rust_name));
    let kind = if st.exception.is_some() { "error structure" } else { "structure" };
    let doc_attr = super::doc(&format!("The `{}` {kind} of the model.{}", st.name, renamed_note(&st.name, &st.rust_name)));

    let fields = st.members.iter().map(|m| {
        let id = ident(&m.rust_name);
        let ty = ctx.field_type(m);
        let doc_attr = super::doc(&member_doc(m));
        let serde_attr = serde_field_attr(ctx, m);
        quote! {
            #doc_attr
            #serde_attr
            pub #id: #ty,
        }
    });

    let mut derives = vec![quote!(Debug)];
    if st.has_sensitive {
        derives.clear();
    }
    if !st.has_stream {
        derives.push(quote!(Clone));
        derives.push(quote!(PartialEq));
    }
    let serde_derive = quote! {
        #[cfg_attr(feature = "serde", derive(::serde::Serialize, ::serde::Deserialize))]
        #[cfg_attr(feature = "serde", serde(deny_unknown_fields, rename_all = "PascalCase"))]
    };
    let debug_impl = if st.has_sensitive { redacted_debug(st) } else { TokenStream::new() };

    // Builder.
    let builder_fields = st.members.iter().map(|m| {
        let id = ident(&m.rust_name);
        let ty = builder_field_type(ctx, m);
        quote!(#id: Option<#ty>,)
    });
    let setters = st.members.iter().map(|m| setter(ctx, m));
    let accessors = st.members.iter().filter(|_| st.answer).filter_map(|m| accessor(ctx, m));
    let checks: Vec<TokenStream> = st.members.iter().filter_map(|m| min_check(ctx, m)).collect();
    // Required members and `min` checks name their shape through one constant, so each fits on a line.
    let can_fail = st.build_can_fail();
    let shape_const = can_fail.then(|| {
        let shape_name = &st.name;
        quote!(const SHAPE: &str = #shape_name;)
    });
    let builds: Vec<TokenStream> = st.members.iter().map(|m| {
        let id = ident(&m.rust_name);
        let wire = &m.name;
        let setter_name = m.rust_name.trim_start_matches("r#");
        let value = if m.ty == Type::Stream {
            quote!(self.#id.unwrap_or_default())
        } else if is_optional(m) {
            quote!(self.#id)
        } else {
            quote!(#rt::required(self.#id, SHAPE, #wire, #setter_name)?)
        };
        quote!(#id: #value,)
    }).collect();
    // A builder with nothing to check returns the value itself.
    let build_fn = if can_fail {
        quote! {
            /// Builds the value, or says which member is missing or invalid.
            pub fn build(self) -> Result<#name, #rt::Error> {
                #shape_const
                #(#checks)*
                Ok(#name {
                    #(#builds)*
                })
            }
        }
    } else {
        quote! {
            /// Builds the value (every member is optional, so nothing can be missing).
            pub fn build(self) -> #name {
                #name {
                    #(#builds)*
                }
            }
        }
    };
    let builder_doc = if st.build_can_fail() {
        format!("Builds a [`{}`]; `build` checks required members and `min` constraints.", st.rust_name)
    } else {
        format!("Builds a [`{}`]; every member is optional, so `build` returns it as it is.", st.rust_name)
    };
    let builder_doc_attr = super::doc(&builder_doc);
    // Builders derive `Default`, `Clone` unless a stream is inside, and `Debug` unless it must redact.
    let mut builder_derives = vec![quote!(Default)];
    if !st.has_stream {
        builder_derives.push(quote!(Clone));
    }
    if !st.has_sensitive {
        builder_derives.push(quote!(Debug));
    }
    let builder_derive = quote!(#[derive(#(#builder_derives),*)]);
    let builder_debug_impl = st.has_sensitive.then(|| {
        let text = format!("{}Builder {{ .. }}", st.rust_name);
        quote! {
            impl ::std::fmt::Debug for #builder {
                fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                    f.write_str(#text)
                }
            }
        }
    });
    let derive_attr = if derives.is_empty() { TokenStream::new() } else { quote!(#[derive(#(#derives),*)]) };

    quote! {
        #doc_attr
        #derive_attr
        #serde_derive
        #[non_exhaustive]
        pub struct #name {
            #(#fields)*
        }

        #debug_impl

        impl #name {
            /// A builder for this type.
            pub fn builder() -> #builder {
                #builder::default()
            }
            #(#accessors)*
        }

        #builder_doc_attr
        #builder_derive
        pub struct #builder {
            #(#builder_fields)*
        }

        #builder_debug_impl

        impl #builder {
            #(#setters)*

            #build_fn
        }
    }
}

/// The type a builder holds for a member (the field type without `Option`).
pub(super) fn builder_field_type(ctx: &Ctx<'_>, m: &Member) -> TokenStream {
    let ty = ctx.rust_type(&m.ty);
    if m.boxed {
        quote!(Box<#ty>)
    } else {
        ty
    }
}

/// A member's plain setter, shared by the builder and the fluent builder: its parameters, the
/// arguments the fluent builder passes on, what it does to the builder's field, and its doc. Lists
/// and maps get an appending setter (`rules(rule)`, `metadata(key, value)`); `set_*` sets the whole.
pub(super) struct Setter {
    pub(super) params: TokenStream,
    pub(super) args: TokenStream,
    pub(super) store: TokenStream,
    pub(super) doc: String,
}

/// A parameter for a value of `ty` named `name`, and the expression that makes it a `ty`: text-like
/// types take anything that converts.
fn value_param(ctx: &Ctx<'_>, ty: &Type, name: TokenStream) -> (TokenStream, TokenStream) {
    let base = ctx.rust_type(ty);
    match ty {
        Type::Scalar(Scalar::String | Scalar::Enum(_) | Scalar::Timestamp | Scalar::Blob) | Type::Stream => (quote!(impl Into<#base>), quote!(#name.into())),
        _ => (base, name),
    }
}

pub(super) fn setter_parts(ctx: &Ctx<'_>, m: &Member) -> Setter {
    let id = ident(&m.rust_name);
    let whole = naming::option_setter(&m.rust_name);
    let whole = whole.trim_start_matches("r#");
    match &m.ty {
        Type::List(list) => {
            let (param, conv) = value_param(ctx, &list.member, quote!(item));
            Setter {
                params: quote!(item: #param),
                args: quote!(item),
                store: quote!(self.#id.get_or_insert_with(Vec::new).push(#conv);),
                doc: format!("Appends one item to {} `{whole}` sets or clears the whole list.", field_type_doc(m)),
            }
        }
        Type::Map(map) => {
            let (param, conv) = value_param(ctx, &map.value, quote!(value));
            Setter {
                params: quote!(key: impl Into<String>, value: #param),
                args: quote!(key, value),
                store: quote!(self.#id.get_or_insert_with(Default::default).insert(key.into(), #conv);),
                doc: format!("Adds one entry to {} `{whole}` sets or clears the whole map.", field_type_doc(m)),
            }
        }
        _ => {
            let (param, conv) = value_param(ctx, &m.ty, quote!(value));
            let conv = if m.boxed { quote!(Box::new(#conv)) } else { conv };
            Setter {
                params: quote!(value: #param),
                args: quote!(value),
                store: quote!(self.#id = Some(#conv);),
                doc: format!("Sets {}", field_type_doc(m)),
            }
        }
    }
}

fn setter(ctx: &Ctx<'_>, m: &Member) -> TokenStream {
    let id = ident(&m.rust_name);
    let set_id = ident_fmt(naming::option_setter(&m.rust_name));
    let set_doc_attr = super::doc(&format!("Sets or clears {}", field_type_doc(m)));
    let ty = builder_field_type(ctx, m);
    let Setter { params, store, doc, .. } = setter_parts(ctx, m);
    let doc_attr = super::doc(&doc);
    quote! {
        #doc_attr
        pub fn #id(mut self, #params) -> Self {
            #store
            self
        }
        #set_doc_attr
        pub fn #set_id(mut self, value: Option<#ty>) -> Self {
            self.#id = value;
            self
        }
    }
}

/// A borrowing accessor for a member of an answer: `&str` for text, `&[T]` for lists (empty when
/// absent), values for numbers, booleans and timestamps, references for the rest. `#[inline]` keeps
/// the ones a program does not call out of its build. Streams have none: they are taken by value.
fn accessor(ctx: &Ctx<'_>, m: &Member) -> Option<TokenStream> {
    let id = ident(&m.rust_name);
    let base = ctx.rust_type(&m.ty);
    let optional = is_optional(m);
    let (ty, body) = match (&m.ty, optional) {
        (Type::Stream, _) => return None,
        (Type::Scalar(Scalar::String), true) => (quote!(Option<&str>), quote!(self.#id.as_deref())),
        (Type::Scalar(Scalar::String), false) => (quote!(&str), quote!(&self.#id)),
        (Type::Scalar(Scalar::Blob), true) => (quote!(Option<&[u8]>), quote!(self.#id.as_deref())),
        (Type::Scalar(Scalar::Blob), false) => (quote!(&[u8]), quote!(&self.#id)),
        (Type::List(list), true) => {
            let item = ctx.rust_type(&list.member);
            (quote!(&[#item]), quote!(self.#id.as_deref().unwrap_or_default()))
        }
        (Type::List(list), false) => {
            let item = ctx.rust_type(&list.member);
            (quote!(&[#item]), quote!(&self.#id))
        }
        (Type::Scalar(Scalar::Integer | Scalar::Long | Scalar::Boolean | Scalar::Float | Scalar::Double | Scalar::Timestamp), true) => {
            (quote!(Option<#base>), quote!(self.#id))
        }
        (Type::Scalar(Scalar::Integer | Scalar::Long | Scalar::Boolean | Scalar::Float | Scalar::Double | Scalar::Timestamp), false) => {
            (base, quote!(self.#id))
        }
        (_, true) if m.boxed => (quote!(Option<&#base>), quote!(self.#id.as_deref())),
        (_, true) => (quote!(Option<&#base>), quote!(self.#id.as_ref())),
        (_, false) if m.boxed => (quote!(&#base), quote!(&self.#id)),
        (_, false) => (quote!(&#base), quote!(&self.#id)),
    };
    let doc_attr = super::doc(&field_type_doc(m));
    Some(quote! {
        #doc_attr
        #[inline]
        pub fn #id(&self) -> #ty {
            #body
        }
    })
}

/// A `min` check in `build`, for strings, blobs, lists and maps (length) and numbers (value), naming
/// the shape through `build`'s `SHAPE`.
fn min_check(ctx: &Ctx<'_>, m: &Member) -> Option<TokenStream> {
    let rt = &ctx.rt;
    let min = m.checked_min()?;
    let id = ident(&m.rust_name);
    let wire = &m.name;
    let measure = match &m.ty {
        Type::Scalar(Scalar::Integer | Scalar::Long) => quote!(*value as i64),
        _ => quote!(value.len() as i64),
    };
    let what = match &m.ty {
        Type::Scalar(Scalar::Integer | Scalar::Long) => "value",
        _ => "length",
    };
    Some(quote! {
        if let Some(value) = &self.#id {
            #rt::check_min(SHAPE, #wire, #what, #measure, #min)?;
        }
    })
}

/// `Debug` that prints `** redacted **` for sensitive members.
fn redacted_debug(st: &Structure) -> TokenStream {
    let name = ident(&st.rust_name);
    let text_name = &st.rust_name;
    let fields = st.members.iter().map(|m| {
        let id = ident(&m.rust_name);
        let label = m.rust_name.trim_start_matches("r#");
        if m.sensitive {
            quote!(.field(#label, &"** redacted **"))
        } else {
            quote!(.field(#label, &self.#id))
        }
    });
    quote! {
        impl ::std::fmt::Debug for #name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.debug_struct(#text_name)
                    #(#fields)*
                    .finish()
            }
        }
    }
}

/// serde attributes of a field, none when the container's defaults do: the model's member name when
/// the container's `rename_all = "PascalCase"` does not give it, optional members skipped when absent,
/// blobs as base64, non-finite floats and JSON text in their own forms, streams not serialized.
fn serde_field_attr(ctx: &Ctx<'_>, m: &Member) -> TokenStream {
    let wire = &m.name;
    let mut parts = Vec::new();
    if serde_pascal_case(m.rust_name.trim_start_matches("r#")) != *wire {
        parts.push(quote!(rename = #wire));
    }
    if m.ty == Type::Stream {
        parts.push(quote!(skip));
    } else if is_optional(m) {
        parts.push(quote!(skip_serializing_if = "Option::is_none"));
    }
    let optional = is_optional(m);
    let with_module = match (&m.ty, optional) {
        (Type::Scalar(Scalar::String), false) if m.jsonvalue => Some("serde_json_text"),
        (Type::Scalar(Scalar::String), true) if m.jsonvalue => Some("serde_json_text_opt"),
        (Type::Scalar(Scalar::Blob), false) => Some("serde_blob"),
        (Type::Scalar(Scalar::Blob), true) => Some("serde_blob_opt"),
        (Type::Scalar(Scalar::Double), false) => Some("serde_float"),
        (Type::Scalar(Scalar::Double), true) => Some("serde_float_opt"),
        (Type::Scalar(Scalar::Float), false) => Some("serde_f32"),
        (Type::Scalar(Scalar::Float), true) => Some("serde_f32_opt"),
        _ => None,
    };
    if let Some(module) = with_module {
        let path = format!("{}::{module}", ctx.rt_path);
        parts.push(quote!(with = #path));
        // Read through `with`, a field is not known to be an `Option`: an absent one needs `default`.
        if optional {
            parts.push(quote!(default));
        }
    }
    // One attribute per part keeps each on a line of its own.
    quote!(#(#[cfg_attr(feature = "serde", serde(#parts))])*)
}

/// The name serde's `rename_all = "PascalCase"` gives a field: each `_`-separated word capitalized.
fn serde_pascal_case(field: &str) -> String {
    let mut out = String::with_capacity(field.len());
    let mut capitalize = true;
    for c in field.chars() {
        if c == '_' {
            capitalize = true;
        } else if capitalize {
            out.push(c.to_ascii_uppercase());
            capitalize = false;
        } else {
            out.push(c);
        }
    }
    out
}

/// A note naming the model shape when its Rust type has another name (`OptionShape`).
fn renamed_note(name: &str, rust_name: &str) -> String {
    if rust_name == name {
        String::new()
    } else {
        format!("\n\nShape: `{name}`.")
    }
}

fn enumeration(ctx: &Ctx<'_>, e: &Enumeration) -> TokenStream {
    let values = &e.values;
    let rt = &ctx.rt;
    let name = ident(&e.rust_name);
    let listed: Vec<String> = values.iter().map(|v| format!("`{}`", v.value)).collect();
    let doc = format!(
        "The `{}` enum of the model: {}.\n\nValues the model does not list arrive as `Unknown`.{}",
        e.name,
        listed.join(", "),
        renamed_note(&e.name, &e.rust_name)
    );
    let doc_attr = super::doc(&doc);
    let variants = values.iter().map(|v| {
        let id = ident(&v.rust_name);
        let d = format!("`{}`", v.value);
        let d_attr = super::doc(&d);
        quote!(#d_attr #id,)
    });
    let to_str = values.iter().map(|v| {
        let id = ident(&v.rust_name);
        let text = &v.value;
        quote!(Self::#id => #text,)
    });
    let from_str = values.iter().map(|v| {
        let id = ident(&v.rust_name);
        let text = &v.value;
        quote!(#text => Self::#id,)
    });
    let all = values.iter().map(|v| &v.value);
    quote! {
        #doc_attr
        #[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[cfg_attr(feature = "serde", derive(::serde::Serialize, ::serde::Deserialize))]
        #[cfg_attr(feature = "serde", serde(from = "String", into = "String"))]
        #[non_exhaustive]
        pub enum #name {
            #(#variants)*
            /// A value the model does not list; `as_str` gives it back.
            Unknown(#rt::UnknownValue),
        }

        impl #name {
            /// Every value the model lists.
            pub const VALUES: &'static [&'static str] = &[#(#all),*];

            /// The value as it travels on the wire.
            pub fn as_str(&self) -> &str {
                match self {
                    #(#to_str)*
                    Self::Unknown(value) => value.as_str(),
                }
            }
        }

        impl From<&str> for #name {
            fn from(value: &str) -> Self {
                match value {
                    #(#from_str)*
                    other => Self::Unknown(#rt::UnknownValue::new(other)),
                }
            }
        }

        #rt::wire_enum_conversions!(#name);
    }
}
