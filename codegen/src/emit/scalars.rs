//! Scalars in text, for both directions and every place they travel (labels, query strings, headers,
//! XML text and attributes): the one place the generator decides how a model scalar is written and read.

use super::Ctx;
use crate::ir::{HeaderForm, Member, Scalar, TimestampFormat};
use proc_macro2::TokenStream;
use quote::quote;

/// The text of a scalar value `v` (a reference), for a label, query string, header or XML text: a
/// `&str` expression.
pub(super) fn text_of(ctx: &Ctx<'_>, scalar: &Scalar, v: TokenStream, fmt: TimestampFormat) -> TokenStream {
    match text(ctx, scalar, v, fmt) {
        Text::Borrowed(text) => text,
        Text::Owned(text) => quote!(&#text),
    }
}

/// The text of a scalar value `v` (a reference) as a `String` expression (a page token).
pub(super) fn owned_text_of(ctx: &Ctx<'_>, scalar: &Scalar, v: TokenStream, fmt: TimestampFormat) -> TokenStream {
    match text(ctx, scalar, v, fmt) {
        Text::Borrowed(text) => quote!(#text.to_owned()),
        Text::Owned(text) => text,
    }
}

/// A scalar's text as an expression that borrows (`&str`) or makes a `String`.
enum Text {
    Borrowed(TokenStream),
    Owned(TokenStream),
}

fn text(ctx: &Ctx<'_>, scalar: &Scalar, v: TokenStream, fmt: TimestampFormat) -> Text {
    let rt = &ctx.rt;
    match scalar {
        Scalar::String | Scalar::Enum(_) => Text::Borrowed(quote!(#v.as_str())),
        Scalar::Integer | Scalar::Long => Text::Owned(quote!(#v.to_string())),
        Scalar::Boolean => Text::Borrowed(quote!(#rt::fmt_bool(*#v))),
        Scalar::Float => Text::Owned(quote!(#rt::fmt_f32(*#v))),
        Scalar::Double => Text::Owned(quote!(#rt::fmt_float(*#v))),
        Scalar::Timestamp => {
            let f = timestamp_format_tokens(ctx, fmt);
            Text::Owned(quote!(#v.format(#f)))
        }
        Scalar::Blob => Text::Owned(quote!(#rt::base64_encode(#v))),
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
        Scalar::Float => quote!(#rt::parse_f32(#text, #what)?),
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
