//! Scalars in text, for both directions and every place they travel (labels, query strings, headers,
//! XML text and attributes): the one place the generator decides how a model scalar is written and read.

use super::Ctx;
use crate::ir::{Member, TimestampFormat, Type};
use proc_macro2::TokenStream;
use quote::quote;

/// The text of a scalar value `v` (a reference), for a label, query string, header or XML text.
pub(super) fn text_of(ctx: &Ctx<'_>, ty: &Type, v: TokenStream, fmt: TimestampFormat) -> TokenStream {
    let rt = &ctx.rt;
    match ty {
        Type::String | Type::Enum(_) => quote!(#v.as_str()),
        Type::Integer | Type::Long => quote!(&#v.to_string()),
        Type::Boolean => quote!(#rt::fmt_bool(*#v)),
        Type::Float => quote!(&#rt::fmt_f32(*#v)),
        Type::Double => quote!(&#rt::fmt_float(*#v)),
        Type::Timestamp => {
            let f = timestamp_format_tokens(ctx, fmt);
            quote!(&#v.format(#f))
        }
        Type::Blob => quote!(&#rt::base64_encode(#v)),
        other => unreachable!("not a scalar: {other:?}"),
    }
}

pub(super) fn timestamp_format_tokens(ctx: &Ctx<'_>, fmt: TimestampFormat) -> TokenStream {
    let rt = &ctx.rt;
    match fmt {
        TimestampFormat::Iso8601 => quote!(#rt::TimestampFormat::Iso8601),
        TimestampFormat::HttpDate => quote!(#rt::TimestampFormat::HttpDate),
        TimestampFormat::EpochSeconds => quote!(#rt::TimestampFormat::EpochSeconds),
    }
}

/// An expression reading a scalar from text (an attribute value), naming `what` in errors.
pub(super) fn read_scalar_text(ctx: &Ctx<'_>, ty: &Type, text: TokenStream, fmt: Option<TimestampFormat>, what: &str) -> TokenStream {
    let rt = &ctx.rt;
    let f = timestamp_format_tokens(ctx, fmt.unwrap_or(TimestampFormat::Iso8601));
    match ty {
        Type::String => quote!(#text.to_string()),
        Type::Enum(_) => {
            let t = ctx.rust_type(ty);
            quote!(#t::from(#text))
        }
        Type::Integer => quote!(#rt::parse_i32(#text, #what)?),
        Type::Long => quote!(#rt::parse_i64(#text, #what)?),
        Type::Boolean => quote!(#rt::parse_bool(#text, #what)?),
        Type::Float => quote!(#rt::parse_f64(#text, #what)? as f32),
        Type::Double => quote!(#rt::parse_f64(#text, #what)?),
        Type::Timestamp => quote!(#rt::parse_timestamp(#text, #f, #what)?),
        Type::Blob => quote!(#rt::parse_base64(#text, #what)?),
        other => unreachable!("attributes are scalars, not {other:?}"),
    }
}

/// An expression (using `?`) that reads a header member from `parts.headers` into an `Option`.
pub(super) fn header_value(ctx: &Ctx<'_>, m: &Member) -> TokenStream {
    let rt = &ctx.rt;
    let key = &m.wire_name;
    let fmt = timestamp_format_tokens(ctx, m.timestamp_format.unwrap_or(TimestampFormat::HttpDate));
    match &m.ty {
        Type::List(list) if list.member == Type::Timestamp => {
            let fmt = list.member_timestamp_format.or(m.timestamp_format).unwrap_or(TimestampFormat::HttpDate);
            let fmt = timestamp_format_tokens(ctx, fmt);
            quote!(#rt::header_timestamp_list(&parts.headers, #key, #fmt)?)
        }
        Type::String if m.jsonvalue => quote!(#rt::header_json(&parts.headers, #key)?),
        Type::List(list) => {
            let item = read_scalar_text(ctx, &list.member, quote!(item.as_str()), list.member_timestamp_format.or(m.timestamp_format), &m.name);
            quote!(match #rt::header_list(&parts.headers, #key)? {
                Some(items) => {
                    let mut out = Vec::new();
                    for item in items { out.push(#item); }
                    Some(out)
                }
                None => None,
            })
        }
        Type::Timestamp => quote!(#rt::header_timestamp(&parts.headers, #key, #fmt)?),
        Type::String => quote!(#rt::header_string(&parts.headers, #key)?),
        Type::Enum(_) => {
            let t = ctx.rust_type(&m.ty);
            quote!(#rt::header_string(&parts.headers, #key)?.map(|text| #t::from(text.as_str())))
        }
        ty => {
            let what = &m.name;
            let parse = match ty {
                Type::Integer => quote!(#rt::parse_i32),
                Type::Long => quote!(#rt::parse_i64),
                Type::Boolean => quote!(#rt::parse_bool),
                Type::Float => quote!(#rt::parse_f32),
                Type::Double => quote!(#rt::parse_f64),
                Type::Blob => quote!(#rt::parse_base64),
                other => unreachable!("headers hold scalars, not {other:?}"),
            };
            quote!(#rt::header_parsed(&parts.headers, #key, #what, #parse)?)
        }
    }
}
