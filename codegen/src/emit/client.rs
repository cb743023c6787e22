//! Emits the API users touch: a fluent builder per operation (`client.put_object().bucket("b")...send()`),
//! the client methods that start them, paginators and waiters.

use super::scalars::{owned_text_of, read_scalar_text};
use super::{ident, ident_fmt, Ctx};
use crate::naming;
use crate::ir::{Acceptor, Member, Operation, OutputToken, Paginator, ResultKey, Scalar, TimestampFormat, TokenPath, Type, Waiter, WaiterState};
use proc_macro2::TokenStream;
use quote::quote;

/// Our words from the documentation table, as a paragraph of its own (empty without).
fn paragraph(doc: &Option<String>) -> String {
    doc.as_ref().map(|d| format!("\n\n{d}")).unwrap_or_default()
}

/// Builds `op`'s input from the builder `builder`: `?` with the operation named in the error when the
/// input has something to check, the plain value when it has not. `meta` is the operation's `META`.
fn build_input(ctx: &Ctx<'_>, op: &Operation, builder: TokenStream, meta: TokenStream) -> TokenStream {
    if ctx.service.structure(op.input).build_can_fail() {
        quote!(#builder.build().map_err(|e| e.with_operation(#meta.name))?)
    } else {
        quote!(#builder.build())
    }
}

/// The fluent builder of one operation, emitted into the operation's module.
pub(super) fn fluent_builder(ctx: &Ctx<'_>, op: &Operation) -> TokenStream {
    let rt = &ctx.rt;
    let client = &ctx.client;
    let service = ctx.service;
    let build_input = build_input(ctx, op, quote!(self.input), quote!(META));
    let input_shape = service.structure(op.input);
    let input_builder = ident_fmt(naming::builder_type(&input_shape.rust_name));
    let output_ty = ident(&service.structure(op.output).rust_name);
    let fluent = ident_fmt(naming::fluent_builder_type(&op.name));
    let name = &op.name;
    let error_ty = ident_fmt(naming::error_type(&op.name));
    let setters = service.structure(op.input).members.iter().map(|m| fluent_setter(ctx, m));
    let doc = super::doc(&format!(
        "Sends a `{name}` request (`{} {}`): set its members, then call `send`.{}",
        op.method,
        op.request_uri,
        paragraph(&op.doc)
    ));
    let gen = &ctx.gen;
    let paginate = ctx.service.paginators.iter().find(|p| ctx.service.operation_at(p.operation).name == op.name).map(|_| {
        let paginator = ident_fmt(naming::paginator_type(&op.name));
        quote! {
            /// Pages through all results instead of sending one request.
            pub fn into_paginator(self) -> #gen::paginator::#paginator {
                #gen::paginator::#paginator::new(self.client, self.input)
            }
        }
    });
    let presigned = op.customizations.presignable.then(|| {
        quote! {
            /// A presigned URL for this request instead of sending it: SigV4 query signing with HMAC
            /// keys, valid for `expires_in` (at most 7 days).
            pub fn presigned(
                self,
                expires_in: ::std::time::Duration,
            ) -> Result<#rt::PresignedRequest, #rt::Error> {
                let input = #build_input;
                let request = serialize_request(input, self.client.endpoint()).map_err(|e| e.with_operation(META.name))?;
                self.client.presign(&META, request, expires_in)
            }
        }
    });
    quote! {
        #doc
        #[derive(Debug)]
        pub struct #fluent {
            client: #client,
            input: #input_builder,
        }

        #rt::fluent_builder_basics!(#fluent, #input_builder, #client);

        impl #fluent {
            #(#setters)*

            /// Sends the request and reads the answer; a failure's `as_operation_error()` gives this
            /// operation's error enum.
            pub async fn send(self) -> Result<#output_ty, #rt::SendError<#error_ty>> {
                let input = #build_input;
                let sent = self.client.send_operation(&META, input, serialize_request, parse_response);
                Ok(sent.await?)
            }

            #paginate
            #presigned
        }

    }
}

fn fluent_setter(ctx: &Ctx<'_>, m: &Member) -> TokenStream {
    let id = ident(&m.rust_name);
    let set_id = ident_fmt(naming::option_setter(&m.rust_name));
    let super::types::Setter { params, args, doc, .. } = super::types::setter_parts(ctx, m);
    let ty = super::types::builder_field_type(ctx, m);
    let doc = super::doc(&doc);
    let set_doc = super::doc(&format!("Sets or clears {}", super::field_type_doc(m)));
    quote! {
        #doc
        pub fn #id(mut self, #params) -> Self {
            self.input = self.input.#id(#args);
            self
        }
        #set_doc
        pub fn #set_id(mut self, value: Option<#ty>) -> Self {
            self.input = self.input.#set_id(value);
            self
        }
    }
}

/// `client.rs`: the methods that start each operation and waiter; in wrapper mode, the client type too.
pub(super) fn client_file(ctx: &Ctx<'_>) -> TokenStream {
    let rt = &ctx.rt;
    let gen = &ctx.gen;
    let client = &ctx.client;
    let starters = ctx.service.operations.iter().map(|op| {
        let m = ident(&op.rust_name);
        let fluent = ident_fmt(naming::fluent_builder_type(&op.name));
        let doc = super::doc(&format!("`{}`: `{} {}`.{}", op.name, op.method, op.request_uri, paragraph(&op.doc)));
        quote! {
            #doc
            pub fn #m(&self) -> #gen::operation::#m::#fluent {
                #gen::operation::#m::#fluent::new(self.clone())
            }
        }
    });
    let waiters = ctx.service.waiters.iter().map(|w| {
        let (ty, method) = naming::waiter_names(&w.name);
        let (m, ty) = (ident_fmt(method), ident_fmt(ty));
        let doc = super::doc(&format!(
            "Waits until {} ({} every {} s, at most {} times by default).{}",
            w.name,
            ctx.service.operation_at(w.operation).name,
            w.delay,
            w.max_attempts,
            paragraph(&w.doc)
        ));
        quote! {
            #doc
            pub fn #m(&self) -> #gen::waiter::#ty {
                #gen::waiter::#ty::new(self.clone())
            }
        }
    });
    let wrapper = if ctx.wrapper_client {
        quote! {
            /// A client for this service, on cos-sdk's runtime.
            #[derive(Clone, Debug)]
            pub struct Client {
                inner: #rt::Client,
            }

            impl Client {
                /// Wraps a configured cos-sdk client.
                pub fn new(inner: #rt::Client) -> Self {
                    Client { inner }
                }

                /// Where requests go.
                pub fn endpoint(&self) -> &#rt::Endpoint {
                    self.inner.endpoint()
                }

                /// Sends a serialized request with the runtime's auth, retries and timeouts.
                pub async fn invoke(
                    &self,
                    operation: &'static #rt::OperationMeta,
                    request: #rt::http::Request<#rt::ByteStream>,
                ) -> Result<#rt::http::Response<#rt::ByteStream>, #rt::Error> {
                    self.inner.invoke(operation, request).await
                }

                /// Serializes, sends and parses one operation's request (see
                /// `cos_sdk::Client::send_operation`).
                pub async fn send_operation<I, O>(
                    &self,
                    operation: &'static #rt::OperationMeta,
                    input: I,
                    serialize: fn(I, &#rt::Endpoint) -> Result<#rt::http::Request<#rt::ByteStream>, #rt::Error>,
                    parse: fn(#rt::http::Response<#rt::ByteStream>) -> Result<O, #rt::Error>,
                ) -> Result<O, #rt::Error> {
                    self.inner.send_operation(operation, input, serialize, parse).await
                }

                /// A clone whose calls use `options` (see `cos_sdk::CallOptions`).
                pub fn with_call_options(&self, options: #rt::CallOptions) -> Self {
                    Client { inner: self.inner.with_call_options(options) }
                }

                /// Presigns a serialized request (HMAC keys only).
                pub fn presign(
                    &self,
                    operation: &'static #rt::OperationMeta,
                    request: #rt::http::Request<#rt::ByteStream>,
                    expires_in: ::std::time::Duration,
                ) -> Result<#rt::PresignedRequest, #rt::Error> {
                    self.inner.presign(operation, request, expires_in)
                }
            }
        }
    } else {
        TokenStream::new()
    };
    quote! {
        #wrapper
        impl #client {
            #(#starters)*
            #(#waiters)*
        }
    }
}

/// `paginator.rs`: one paginator per entry of `paginators-1.json`.
pub(super) fn paginators_file(ctx: &Ctx<'_>) -> TokenStream {
    let mut out = TokenStream::new();
    for p in &ctx.service.paginators {
        out.extend(paginator(ctx, p));
    }
    out
}

/// An expression for an output token: the first of its alternatives that is present.
fn token_expr(ctx: &Ctx<'_>, token: &OutputToken) -> TokenStream {
    let first = token_alternative(ctx, &token.first);
    token.rest.iter().map(|path| token_alternative(ctx, path)).fold(first, |acc, next| quote!(#acc.or_else(|| #next)))
}

/// The text of one token path, as an `Option<String>`.
fn token_alternative(ctx: &Ctx<'_>, path: &TokenPath) -> TokenStream {
    let (value, scalar) = match path {
        TokenPath::Member { member, scalar } => {
            let id = ident(&member.rust_name);
            (quote!(output.#id.as_ref()), scalar)
        }
        TokenPath::LastItem { list, field, scalar } => {
            let (list_id, field_id) = (ident(&list.rust_name), ident(&field.rust_name));
            let last = if super::is_optional(list) { quote!(output.#list_id.as_ref().and_then(|l| l.last())) } else { quote!(output.#list_id.last()) };
            let value = if super::is_optional(field) { quote!(#last.and_then(|i| i.#field_id.as_ref())) } else { quote!(#last.map(|i| &i.#field_id)) };
            (value, scalar)
        }
    };
    let text = owned_text_of(ctx, scalar, quote!(v), TimestampFormat::Iso8601);
    quote!(#value.map(|v| #text))
}

fn paginator(ctx: &Ctx<'_>, p: &Paginator) -> TokenStream {
    let rt = &ctx.rt;
    let gen = &ctx.gen;
    let client = &ctx.client;
    let service = ctx.service;
    let op = service.operation_at(p.operation);
    let module = ident(&op.rust_name);
    let input_shape = service.structure(op.input);
    let input_builder = ident_fmt(naming::builder_type(&input_shape.rust_name));
    let output_ty = ident(&service.structure(op.output).rust_name);
    let ty = ident_fmt(naming::paginator_type(&op.name));
    let token_count = p.input_tokens.len();
    let reads = p.output_tokens.iter().map(|token| token_expr(ctx, token));
    let sets = sets_tokens(ctx, p);
    let [fetch, next_tokens, with_tokens] = naming::paginator_fns(&op.rust_name).map(ident_fmt);
    let fns = paginator_fns(ctx, op, &module, &input_builder, &output_ty, &sets);
    // Whether the page says more follow: an absent member says no, as botocore reads it.
    let more = match &p.more_results {
        Some(m) => {
            let id = ident(&m.rust_name);
            if super::is_optional(m) {
                quote!(Some(output.#id.unwrap_or(false)))
            } else {
                quote!(Some(output.#id))
            }
        }
        None => quote!(None),
    };
    let page_size = p.limit_key.as_ref().map(|m| {
        let (id, limit) = (ident(&m.rust_name), &m.name);
        let arg = match &m.ty {
            Type::Scalar(Scalar::Long) => quote!(i64),
            _ => quote!(i32),
        };
        let doc = super::doc(&format!("Asks for at most `size` results per page (`{limit}`)."));
        quote! {
            #doc
            pub fn page_size(mut self, size: #arg) -> Self {
                self.input = self.input.#id(size);
                self
            }
        }
    });
    let items = p.result_keys.first().map(|ResultKey { member: m, item }| {
        let (id, key) = (ident(&m.rust_name), &m.name);
        let item_ty = ctx.rust_type(item);
        let take = if super::is_optional(m) { quote!(page.#id.unwrap_or_default()) } else { quote!(page.#id) };
        let doc = super::doc(&format!("Every `{key}` item of every page, stopping after `max_items` when set."));
        quote! {
            #doc
            pub fn items(self) -> #rt::ResultStream<#item_ty> {
                let max_items = self.max_items;
                #rt::page_items(self.send(), |page: #gen::operation::#module::#output_ty| #take, max_items)
            }
        }
    });
    let doc = super::doc(&format!(
        "Pages through `{}`, following `{}` with `{}`.{}",
        op.name,
        p.output_tokens.iter().map(|t| t.expression.as_str()).collect::<Vec<_>>().join("`, `"),
        p.input_tokens.iter().map(|(m, _)| m.name.as_str()).collect::<Vec<_>>().join("`, `"),
        paragraph(&p.doc)
    ));
    quote! {
        #doc
        #[derive(Debug)]
        pub struct #ty {
            client: #client,
            input: types::#input_builder,
            max_items: Option<usize>,
        }

        impl #ty {
            pub(crate) fn new(client: #client, input: types::#input_builder) -> Self {
                #ty { client, input, max_items: None }
            }

            #page_size

            /// Stops `items` after this many items.
            pub fn max_items(mut self, max_items: usize) -> Self {
                self.max_items = Some(max_items);
                self
            }

            /// Starts from a token that [`resume_token`](Self::resume_token) gave for an earlier page.
            pub fn starting_token(mut self, token: &str) -> Result<Self, #rt::Error> {
                let tokens = #rt::decode_resume_token(token, #token_count)?;
                self.input = #with_tokens(self.input, &tokens).map_err(#rt::bad_resume_token)?;
                Ok(self)
            }

            /// The token that resumes a listing after `page`, or `None` on the last page; an error for
            /// a page that says more follow but gives no token to resume from.
            pub fn resume_token(page: &#gen::operation::#module::#output_ty) -> Result<Option<String>, #rt::Error> {
                #rt::resume_token(#next_tokens(page))
            }

            /// Every page, in order. A next token seen before in the listing, or a page that says more
            /// follow without one, ends the stream with an error instead of looping forever or stopping
            /// short.
            pub fn send(self) -> #rt::ResultStream<#gen::operation::#module::#output_ty> {
                #rt::paginate(self.client, self.input, #fetch, #next_tokens, #with_tokens)
            }

            #items
        }

        fn #next_tokens(output: &#gen::operation::#module::#output_ty) -> #rt::PageLink {
            (#more, ::std::vec![#(#reads),*])
        }

        #fns
    }
}

/// Statements that copy decoded `tokens` into the input builder's token members; a token that does
/// not read as its member's scalar (a resume token the caller edited) is an error.
fn sets_tokens(ctx: &Ctx<'_>, p: &Paginator) -> Vec<TokenStream> {
    p.input_tokens
        .iter()
        .enumerate()
        .map(|(i, (m, scalar))| {
            let set = ident_fmt(naming::option_setter(&m.rust_name));
            let read = read_scalar_text(ctx, scalar, quote!(t), None, &m.name);
            let value = match scalar {
                Scalar::String => quote!(tokens[#i].clone()),
                Scalar::Enum(_) => quote!(tokens[#i].as_deref().map(|t| #read)),
                _ => quote!(match tokens[#i].as_deref() { Some(t) => Some(#read), None => None }),
            };
            quote!(input = input.#set(#value);)
        })
        .collect()
}

/// The two plain functions a paginator hands the runtime: fetch a page, and make the next input.
fn paginator_fns(
    ctx: &Ctx<'_>,
    op: &Operation,
    module: &proc_macro2::Ident,
    input_builder: &proc_macro2::Ident,
    output_ty: &proc_macro2::Ident,
    sets: &[TokenStream],
) -> TokenStream {
    let rt = &ctx.rt;
    let gen = &ctx.gen;
    let client = &ctx.client;
    let op_mod = quote!(#gen::operation::#module);
    let build_input = build_input(ctx, op, quote!(input), quote!(#op_mod::META));
    let [fetch, _, with_tokens] = naming::paginator_fns(&op.rust_name).map(ident_fmt);
    quote! {
        fn #fetch(
            client: #client,
            input: types::#input_builder,
        ) -> #rt::BoxFuture<Result<#gen::operation::#module::#output_ty, #rt::Error>> {
            Box::pin(async move {
                let input = #build_input;
                let (serialize, parse) = (#op_mod::serialize_request, #op_mod::parse_response);
                client.send_operation(&#op_mod::META, input, serialize, parse).await
            })
        }

        fn #with_tokens(
            input: types::#input_builder,
            tokens: &[Option<String>],
        ) -> Result<types::#input_builder, #rt::Error> {
            let mut input = input;
            #(#sets)*
            Ok(input)
        }
    }
}

/// `waiter.rs`: one waiter per entry of `waiters-2.json`, matching status codes and error codes.
pub(super) fn waiters_file(ctx: &Ctx<'_>) -> TokenStream {
    let mut out = TokenStream::new();
    for w in &ctx.service.waiters {
        out.extend(waiter(ctx, w));
    }
    out
}

fn waiter(ctx: &Ctx<'_>, w: &Waiter) -> TokenStream {
    let rt = &ctx.rt;
    let gen = &ctx.gen;
    let client = &ctx.client;
    let service = ctx.service;
    let op = service.operation_at(w.operation);
    let module = ident(&op.rust_name);
    let build_input = build_input(ctx, op, quote!(self.input), quote!(#gen::operation::#module::META));
    let input_shape = service.structure(op.input);
    let input_ty = ident(&input_shape.rust_name);
    let input_builder = ident_fmt(naming::builder_type(&input_shape.rust_name));
    let ty = ident_fmt(naming::waiter_names(&w.name).0);
    let name = &w.name;
    let (delay, max_attempts) = (u64::from(w.delay), w.max_attempts);
    let setters = service.structure(op.input).members.iter().map(|m| fluent_setter(ctx, m));
    let state = |s: &WaiterState| match s {
        WaiterState::Success => quote!(#rt::WaiterState::Success),
        WaiterState::Retry => quote!(#rt::WaiterState::Retry),
        WaiterState::Failure => quote!(#rt::WaiterState::Failure),
    };
    let acceptors = w.acceptors.iter().map(|a| match a {
        Acceptor::Status { status, state: s } => {
            let s = state(s);
            quote!(#rt::WaiterAcceptor::Status(#status, #s))
        }
        Acceptor::Error { code, state: s } => {
            let s = state(s);
            quote!(#rt::WaiterAcceptor::Error(#code, #s))
        }
    });
    let doc = super::doc(&format!(
        "Waits until `{name}`: sends `{}` every {delay} s (at most {max_attempts} times by default) until an acceptor says success or failure.{}",
        op.name,
        paragraph(&w.doc)
    ));
    quote! {
        #doc
        #[derive(Debug)]
        pub struct #ty {
            client: #client,
            input: types::#input_builder,
            delay: ::std::time::Duration,
            max_attempts: u32,
        }

        impl #ty {
            pub(crate) fn new(client: #client) -> Self {
                #ty {
                    client,
                    input: types::#input_ty::builder(),
                    delay: ::std::time::Duration::from_secs(#delay),
                    max_attempts: #max_attempts,
                }
            }

            /// Sets the pause between attempts.
            pub fn delay(mut self, delay: ::std::time::Duration) -> Self {
                self.delay = delay;
                self
            }

            /// Sets how many requests are sent before giving up.
            pub fn max_attempts(mut self, max_attempts: u32) -> Self {
                self.max_attempts = max_attempts;
                self
            }

            #(#setters)*

            /// Polls until success (`Ok`), a failure state, an unexpected error, or the attempts run out.
            pub async fn wait(self) -> Result<(), #rt::Error> {
                const ACCEPTORS: &[#rt::WaiterAcceptor] = &[#(#acceptors),*];
                let input = #build_input;
                let mut attempt = 0;
                loop {
                    attempt += 1;
                    let request = #gen::operation::#module::serialize_request(input.clone(), self.client.endpoint())?;
                    let response = self.client.invoke(&#gen::operation::#module::META, request).await?;
                    let status = response.status().as_u16();
                    let result = #gen::operation::#module::parse_response(response).map(|_| ());
                    match #rt::waiter_step(#name, ACCEPTORS, status, result, attempt, self.max_attempts)? {
                        Some(()) => return Ok(()),
                        None => #rt::sleep(self.delay).await,
                    }
                }
            }
        }
    }
}
