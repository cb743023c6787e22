//! Scalars in text, for both directions and every place they travel (labels, query strings, headers,
//! XML text and attributes): the one place the generator decides how a model scalar is written and read.

use super::Ctx;
use crate::ir::{HeaderForm, Member, Scalar, TimestampFormat};
use proc_macro2::TokenStream;
use quote::quote;

/// The text of a scalar value `v` (a reference), for a label, query string, header or XML text.
pub(super) fn text_of(ctx: &Ctx<'_>, scalar: &Scalar, v: TokenStream, fmt: TimestampFormat) -> TokenStream {
    let rt = &ctx.rt;
    match scalar {
        Scalar::String | Scalar::Enum(_) => quote!(#v.as_str()),
        Scalar::Integer | Scalar::Long => quote!(&#v.to_string()),
        Scalar::Boolean => quote!(#rt::fmt_bool(*#v)),
        Scalar::Float => quote!(&#rt::fmt_f32(*#v)),
        Scalar::Double => quote!(&#rt::fmt_float(*#v)),
        Scalar::Timestamp => {
            let f = timestamp_format_tokens(ctx, fmt);
            quote!(&#v.format(#f))
        }
        Scalar::Blob => quote!(&#rt::base64_encode(#v)),
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
pub(super) fn read_scalar_text(ctx: &Ctx<'_>, scalar: &Scalar, text: TokenStream, fmt: Option<TimestampFormat>, what: &str) -> TokenStream {
    let rt = &ctx.rt;
    let f = timestamp_format_tokens(ctx, fmt.unwrap_or(TimestampFormat::Iso8601));
    match scalar {
        Scalar::String => quote!(#text.to_string()),
        Scalar::Enum(_) => {
            let t = ctx.scalar_type(scalar);
            quote!(#t::from(#text))
        }
        Scalar::Integer => quote!(#rt::parse_i32(#text, #what)?),
        Scalar::Long => quote!(#rt::parse_i64(#text, #what)?),
        Scalar::Boolean => quote!(#rt::parse_bool(#text, #what)?),
        Scalar::Float => quote!(#rt::parse_f64(#text, #what)? as f32),
        Scalar::Double => quote!(#rt::parse_f64(#text, #what)?),
        Scalar::Timestamp => quote!(#rt::parse_timestamp(#text, #f, #what)?),
        Scalar::Blob => quote!(#rt::parse_base64(#text, #what)?),
    }
}

/// An expression (using `?`) that reads header member `m`, holding `form`, from `headers` (a local
/// `&HeaderMap`) into an `Option`; `key` is the header's name (the matched `&HeaderName` or a literal).
pub(super) fn header_value(ctx: &Ctx<'_>, m: &Member, form: &HeaderForm, key: TokenStream) -> TokenStream {
    let rt = &ctx.rt;
    match form {
        HeaderForm::List(Scalar::Timestamp, item_fmt) => {
            let fmt = timestamp_format_tokens(ctx, item_fmt.unwrap_or(TimestampFormat::HttpDate));
            quote!(#rt::header_timestamp_list(headers, #key, #fmt)?)
        }
        HeaderForm::Json => quote!(#rt::header_json(headers, #key)?),
        HeaderForm::List(scalar, item_fmt) => {
            let item = read_scalar_text(ctx, scalar, quote!(item.as_str()), *item_fmt, &m.name);
            quote!(match #rt::header_list(headers, #key)? {
                Some(items) => {
                    let mut out = Vec::new();
                    for item in items { out.push(#item); }
                    Some(out)
                }
                None => None,
            })
        }
        HeaderForm::One(scalar) => match (scalar, m.timestamp_format) {
            (Scalar::String | Scalar::Enum(_), _) => quote!(#rt::header_text(headers, #key)?),
            (Scalar::Timestamp, Some(format)) if format != TimestampFormat::HttpDate => {
                let fmt = timestamp_format_tokens(ctx, format);
                quote!(#rt::header_timestamp(headers, #key, #fmt)?)
            }
            // Numbers, booleans, base64 and HTTP-date timestamps parse through `rt::FromHeader`.
            _ => {
                let member = &m.name;
                quote!(#rt::header(headers, #key, #member)?)
            }
        },
    }
}
