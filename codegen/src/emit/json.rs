//! Emits `json.rs` (compiled only with the `serde` feature): a table of every operation by name that
//! turns boto3-style JSON input into the operation's `http::Request` and an `http::Response` into
//! boto3-style JSON output, through the operation's own serializer and parser.
//!
//! Each arm is a few calls into non-generic runtime helpers plus one `serde_json` conversion of the
//! operation's input or output type; nothing here exists in a build without the feature.

use super::{ident, ident_fmt, Ctx};
use crate::naming;
use crate::ir::{Location, Member, Operation, PayloadForm, Scalar, StructureId, Type};
use proc_macro2::TokenStream;
use quote::quote;

/// The input or output member that is the raw body (a blob, string or stream payload), if any.
fn raw_payload<'a>(ctx: &'a Ctx<'_>, shape: StructureId) -> Option<&'a Member> {
    ctx.service
        .structure(shape)
        .members
        .iter()
        .find(|m| matches!(m.location, Location::Payload(PayloadForm::Blob | PayloadForm::Stream | PayloadForm::Text(Scalar::String))))
}

pub(super) fn emit(ctx: &Ctx<'_>) -> TokenStream {
    let rt = &ctx.rt;
    let client = &ctx.client;
    let names = ctx.service.operations.iter().map(|op| &op.name);
    let serialize_arms = ctx.service.operations.iter().map(|op| serialize_arm(ctx, op));
    let parse_arms = ctx.service.operations.iter().map(|op| parse_arm(ctx, op));
    let error_arms = ctx.service.operations.iter().filter(|op| !op.errors.is_empty()).map(|op| error_arm(ctx, op));
    let invoke_arms = ctx.service.operations.iter().map(invoke_arm);
    let skeletons =
        ctx.service.operations.iter().map(|op| skeleton(ctx, &Type::Structure(op.input), &mut Vec::new()).to_string());
    let gen = &ctx.gen;
    quote! {
        use #gen::operation as op;

        /// The name of every operation, in model order.
        pub static OPERATIONS: &[&str] = &[#(#names),*];

        /// Builds the HTTP request of `operation` from boto3-style JSON input
        /// (`{"Bucket": "b", "Key": "k", "Metadata": {"a": "1"}}`). Timestamps are ISO 8601 strings or
        /// epoch seconds, blobs are base64, and a raw payload (`Body` of PutObject) is a string or
        /// `{"base64": "..."}`.
        pub fn serialize_request(
            operation: &str,
            input: #rt::JsonValue,
            endpoint: &#rt::Endpoint,
        ) -> Result<#rt::http::Request<#rt::ByteStream>, #rt::Error> {
            let call = #rt::JsonCall { operation, input, endpoint };
            match operation {
                #(#serialize_arms)*
                _ => Err(#rt::json_unknown_operation(operation)),
            }
        }

        /// Reads the HTTP response of `operation` (its body already in memory) into boto3-style JSON
        /// output; an error response is an `Err` ([`error_to_json`] gives its JSON form).
        pub fn parse_response(
            operation: &str,
            response: #rt::http::Response<#rt::ByteStream>,
        ) -> Result<#rt::JsonValue, #rt::Error> {
            let reply = #rt::JsonReply { operation, response };
            match operation {
                #(#parse_arms)*
                _ => Err(#rt::json_unknown_operation(operation)),
            }
        }

        /// The boto3-style JSON form of an error of `operation`: `Error` (`Code`, `Message` and the
        /// other fields of the error document), `ResponseMetadata`, and when the code names one of
        /// the operation's modeled errors, its members and `ModeledError` (the error shape's name).
        pub fn error_to_json(operation: &str, error: &#rt::Error) -> #rt::JsonValue {
            let modeled: Option<(&'static str, #rt::JsonValue)> = match operation {
                #(#error_arms)*
                _ => None,
            };
            #rt::json_error(error, modeled)
        }

        /// A template of `operation`'s JSON input: every member with a placeholder of its type (`""`
        /// for text, `0` for numbers, `true`, the epoch for timestamps, an enum's values joined by `|`,
        /// one item for lists and maps). `None` for an unknown operation.
        pub fn input_skeleton(operation: &str) -> Option<&'static str> {
            let index = OPERATIONS.iter().position(|name| *name == operation)?;
            Some(INPUT_SKELETONS[index])
        }

        /// The input templates of [`input_skeleton`], in the order of [`OPERATIONS`].
        static INPUT_SKELETONS: &[&str] = &[#(#skeletons),*];

        /// Sends `operation` with boto3-style JSON input through `client` and returns its JSON output
        /// (a streaming body is read whole).
        pub async fn invoke(
            client: &#client,
            operation: &str,
            input: #rt::JsonValue,
        ) -> Result<#rt::JsonValue, #rt::Error> {
            let request = serialize_request(operation, input, client.endpoint())?;
            let meta: &'static #rt::OperationMeta = match operation {
                #(#invoke_arms)*
                _ => return Err(#rt::json_unknown_operation(operation)),
            };
            let response = client.invoke(meta, request).await?;
            let attempts = #rt::attempts_made(&response);
            let response = #rt::read_response_body(response).await?;
            parse_response(operation, response).map_err(|e| e.with_attempts(attempts))
        }
    }
}

fn module(op: &Operation) -> proc_macro2::Ident {
    ident(&op.rust_name)
}

fn serialize_arm(ctx: &Ctx<'_>, op: &Operation) -> TokenStream {
    let rt = &ctx.rt;
    let name = &op.name;
    let m = module(op);
    let Some(p) = raw_payload(ctx, op.input) else {
        return quote!(#name => call.request(op::#m::serialize_request),);
    };
    // The raw body is taken out of the JSON first: text or `{"base64": ...}`, not a member to parse.
    let wire = &p.name;
    let id = ident(&p.rust_name);
    let set = match (&p.ty, super::is_optional(p)) {
        (Type::Stream, _) => quote!(if let Some(b) = raw { input.#id = #rt::ByteStream::from(b); }),
        (Type::Scalar(Scalar::Blob), true) => quote!(input.#id = raw;),
        (Type::Scalar(Scalar::Blob), false) => quote!(if let Some(b) = raw { input.#id = b; }),
        (_, true) => quote!(input.#id = raw.map(|b| String::from_utf8_lossy(&b).into_owned());),
        (_, false) => quote!(if let Some(b) = raw { input.#id = String::from_utf8_lossy(&b).into_owned(); }),
    };
    let input_ty = ident(&ctx.service.structure(op.input).rust_name);
    quote! {
        #name => {
            let mut fields = #rt::json_fields(call.input, operation)?;
            let raw = #rt::json_take_payload(&mut fields, #wire, operation)?;
            let mut input: op::#m::#input_ty = #rt::json_input(fields, operation)?;
            #set
            op::#m::serialize_request(input, endpoint)
        }
    }
}

fn parse_arm(ctx: &Ctx<'_>, op: &Operation) -> TokenStream {
    let rt = &ctx.rt;
    let name = &op.name;
    let m = module(op);
    let Some(p) = raw_payload(ctx, op.output) else {
        return quote!(#name => reply.output(op::#m::parse_response),);
    };
    let wire = &p.name;
    let id = ident(&p.rust_name);
    let bytes = match (&p.ty, super::is_optional(p)) {
        (Type::Stream, _) => quote!(output.#id.as_bytes().map(|b| b.as_ref())),
        (Type::Scalar(Scalar::Blob), true) => quote!(output.#id.as_ref().map(|b| b.as_ref())),
        (Type::Scalar(Scalar::Blob), false) => quote!(Some(output.#id.as_ref())),
        (_, true) => quote!(output.#id.as_ref().map(|s| s.as_bytes())),
        (_, false) => quote!(Some(output.#id.as_bytes())),
    };
    quote! {
        #name => {
            let output = op::#m::parse_response(reply.response)?;
            let mut value = #rt::json_output(&output, operation)?;
            #rt::json_put_payload(&mut value, #wire, #bytes);
            Ok(value)
        }
    }
}

fn error_arm(ctx: &Ctx<'_>, op: &Operation) -> TokenStream {
    let rt = &ctx.rt;
    let name = &op.name;
    let m = module(op);
    let error_ty = ident_fmt(naming::error_type(&op.name));
    let variants = op.errors.iter().map(|e| {
        let error = ctx.service.structure(*e);
        let (id, shape_name) = (ident(&error.rust_name), &error.name);
        quote!(op::#m::#error_ty::#id(v) => #rt::json_output(v, operation).ok().map(|value| (#shape_name, value)),)
    });
    quote! {
        #name => error.operation_error::<op::#m::#error_ty>().and_then(|e| match e {
            #(#variants)*
            op::#m::#error_ty::Unhandled(_) => None,
        }),
    }
}

fn invoke_arm(op: &Operation) -> TokenStream {
    let name = &op.name;
    let m = module(op);
    quote!(#name => &op::#m::META,)
}

/// The placeholder JSON of a value of type `ty`; `seen` holds the structures being expanded, so a
/// recursive shape stops at `{}`.
fn skeleton(ctx: &Ctx<'_>, ty: &Type, seen: &mut Vec<StructureId>) -> serde_json::Value {
    use serde_json::Value;
    match ty {
        Type::Scalar(Scalar::String | Scalar::Blob) | Type::Stream => Value::String(String::new()),
        Type::Scalar(Scalar::Enum(id)) => {
            let values = ctx.service.enumeration(*id).values.iter().map(|v| v.value.as_str());
            Value::String(values.collect::<Vec<_>>().join("|"))
        }
        Type::Scalar(Scalar::Integer | Scalar::Long) => Value::from(0),
        Type::Scalar(Scalar::Float | Scalar::Double) => Value::from(0.0),
        Type::Scalar(Scalar::Boolean) => Value::Bool(true),
        Type::Scalar(Scalar::Timestamp) => Value::String("1970-01-01T00:00:00Z".to_string()),
        Type::List(list) => Value::Array(vec![skeleton(ctx, &list.member, seen)]),
        Type::Map(map) => {
            let mut object = serde_json::Map::new();
            object.insert("KeyName".to_string(), skeleton(ctx, &map.value, seen));
            Value::Object(object)
        }
        Type::Structure(id) => {
            let mut object = serde_json::Map::new();
            if !seen.contains(id) {
                seen.push(*id);
                for member in &ctx.service.structure(*id).members {
                    object.insert(member.name.clone(), skeleton(ctx, &member.ty, seen));
                }
                seen.pop();
            }
            Value::Object(object)
        }
    }
}
