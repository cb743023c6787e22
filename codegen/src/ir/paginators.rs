//! Paginators and waiters: the `paginators-1.json` and `waiters-2.json` files, resolved against the
//! model so that every operation and member they name exists.

use super::{Acceptor, Member, OutputToken, Paginator, ResultKey, Scalar, Service, TokenPath, Type, Waiter, WaiterState};
use crate::{model, Error};
use serde_json::Value;

pub(super) fn resolve_paginators(service: &Service, text: &str) -> Result<Vec<Paginator>, Error> {
    let file: model::PaginatorsFile = model::from_str(text, "paginators")?;
    let mut out = Vec::new();
    for (name, p) in file.pagination {
        let path = format!("pagination.{name}");
        let id = service.operation_id(&name).ok_or_else(|| Error::Model {
            path: path.clone(),
            message: format!("names operation `{name}`, which the model does not define"),
        })?;
        let op = service.operation_at(id);
        let input = service.structure(op.input);
        let output = service.structure(op.output);
        let fail = |message: String| Error::Model { path: path.clone(), message };
        let input_member = |name: &str| {
            input
                .members
                .iter()
                .find(|m| m.name == name)
                .cloned()
                .ok_or_else(|| fail(format!("input member `{name}` is not a member of `{}`", input.name)))
        };
        let output_member = |name: &str| {
            output
                .members
                .iter()
                .find(|m| m.name == name)
                .cloned()
                .ok_or_else(|| fail(format!("output member `{name}` is not a member of `{}`", output.name)))
        };
        // Tokens travel between pages (and in resume tokens) as text, so each is a text or integer scalar.
        let token_scalar = |m: &Member| match &m.ty {
            Type::Scalar(scalar @ (Scalar::String | Scalar::Enum(_) | Scalar::Integer | Scalar::Long)) => Ok(*scalar),
            _ => Err(fail(format!("token member `{}` must be text or an integer", m.name))),
        };
        let input_tokens = p
            .input_token
            .to_vec()
            .iter()
            .map(|t| input_member(t).and_then(|m| token_scalar(&m).map(|scalar| (m, scalar))))
            .collect::<Result<Vec<_>, _>>()?;
        let limit_key = p.limit_key.as_deref().map(input_member).transpose()?;
        let expressions = p.output_token.to_vec();
        if expressions.len() != input_tokens.len() {
            return Err(fail("input_token and output_token must have as many entries".into()));
        }
        // Output tokens: `Member`, `A || B`, or `List[-1].Member` over a list of structures.
        let mut output_tokens = Vec::new();
        for expression in expressions {
            let mut alternatives = Vec::new();
            for alternative in expression.split("||").map(str::trim) {
                alternatives.push(match alternative.split_once("[-1].") {
                    None => {
                        let member = output_member(alternative)?;
                        TokenPath::Member { scalar: token_scalar(&member)?, member: Box::new(member) }
                    }
                    Some((list, field_name)) => {
                        let list = output_member(list)?;
                        let field = match &list.ty {
                            Type::List(l) => match &l.member {
                                Type::Structure(item) => service.structure(*item).members.iter().find(|m| m.name == field_name).cloned(),
                                _ => None,
                            },
                            _ => None,
                        };
                        let field = field.ok_or_else(|| {
                            fail(format!("output token `{alternative}`: `{}` is not a list of structures with a member `{field_name}`", list.name))
                        })?;
                        TokenPath::LastItem { scalar: token_scalar(&field)?, list: Box::new(list), field: Box::new(field) }
                    }
                });
            }
            let mut alternatives = alternatives.into_iter();
            let first = alternatives.next().ok_or_else(|| fail(format!("output token `{expression}` is empty")))?;
            output_tokens.push(OutputToken { expression, first, rest: alternatives.collect() });
        }
        let mut result_keys = Vec::new();
        for key in p.result_key.map(|r| r.to_vec()).unwrap_or_default() {
            let member = output_member(&key)?;
            let Type::List(list) = &member.ty else {
                return Err(fail(format!("result key `{key}` must be a list member of `{}`", output.name)));
            };
            let item = list.member.clone();
            result_keys.push(ResultKey { member, item });
        }
        let more_results = p.more_results.as_deref().map(output_member).transpose()?;
        out.push(Paginator { operation: id, input_tokens, output_tokens, limit_key, more_results, result_keys, doc: None });
    }
    Ok(out)
}

pub(super) fn resolve_waiters(service: &Service, text: &str) -> Result<Vec<Waiter>, Error> {
    let file: model::WaitersFile = model::from_str(text, "waiters")?;
    let mut out = Vec::new();
    for (name, w) in file.waiters {
        let path = format!("waiters.{name}");
        let Some(operation) = service.operation_id(&w.operation) else {
            return Err(Error::Model {
                path: format!("{path}.operation"),
                message: format!("names operation `{}`, which the model does not define", w.operation),
            });
        };
        let mut acceptors = Vec::new();
        for (i, a) in w.acceptors.iter().enumerate() {
            let apath = format!("{path}.acceptors[{i}]");
            let state = match a.state.as_str() {
                "success" => WaiterState::Success,
                "retry" => WaiterState::Retry,
                "failure" => WaiterState::Failure,
                other => {
                    return Err(Error::Model { path: apath, message: format!("unknown state `{other}`") });
                }
            };
            acceptors.push(match (a.matcher.as_str(), &a.expected) {
                ("status", Value::Number(n)) => Acceptor::Status {
                    status: n.as_u64().and_then(|n| u16::try_from(n).ok()).ok_or_else(|| Error::Model {
                        path: apath.clone(),
                        message: "a status acceptor expects an HTTP status code".into(),
                    })?,
                    state,
                },
                ("error", Value::String(code)) => Acceptor::Error { code: code.clone(), state },
                (matcher, _) => {
                    return Err(Error::Model {
                        path: apath,
                        message: format!("matcher `{matcher}` is not supported (status and error are)"),
                    })
                }
            });
        }
        out.push(Waiter { name, operation, delay: w.delay, max_attempts: w.max_attempts, acceptors, doc: None });
    }
    Ok(out)
}
