//! Paginators and waiters: the `paginators-1.json` and `waiters-2.json` files, resolved against the
//! model so that every operation and member they name exists.

use super::{Acceptor, Paginator, Service, Type, Waiter, WaiterState};
use crate::{model, Error};
use serde_json::Value;

pub(super) fn resolve_paginators(service: &Service, text: &str) -> Result<Vec<Paginator>, Error> {
    let file: model::PaginatorsFile = model::from_str(text, "paginators")?;
    let mut out = Vec::new();
    for (name, p) in file.pagination {
        let path = format!("pagination.{name}");
        let op = service.operation(&name).ok_or_else(|| Error::Model {
            path: path.clone(),
            message: format!("names operation `{name}`, which the model does not define"),
        })?;
        let input = service.structure(&op.input);
        let output = service.structure(&op.output);
        let input_tokens = p.input_token.to_vec();
        for token in input_tokens.iter().chain(p.limit_key.iter()) {
            if !input.members.iter().any(|m| &m.name == token) {
                return Err(Error::Model {
                    path: path.clone(),
                    message: format!("input member `{token}` is not a member of `{}`", op.input),
                });
            }
        }
        let output_tokens = p.output_token.to_vec();
        if output_tokens.len() != input_tokens.len() {
            return Err(Error::Model {
                path: path.clone(),
                message: "input_token and output_token must have as many entries".into(),
            });
        }
        let fail = |message: String| Error::Model { path: path.clone(), message };
        let member = |name: &str| {
            output
                .members
                .iter()
                .find(|m| m.name == name)
                .ok_or_else(|| fail(format!("output member `{name}` is not a member of `{}`", op.output)))
        };
        // Output tokens: `Member`, `A || B`, or `List[-1].Member` over a list of structures.
        for expr in output_tokens.iter().flat_map(|e| e.split("||")).map(str::trim) {
            match expr.split_once("[-1].") {
                None => {
                    member(expr)?;
                }
                Some((list, field)) => match &member(list)?.ty {
                    Type::List(l) => match &l.member {
                        Type::Structure(item) if service.structure(item).members.iter().any(|m| m.name == field) => {}
                        _ => return Err(fail(format!("output token `{expr}`: the items of `{list}` have no member `{field}`"))),
                    },
                    _ => return Err(fail(format!("output token `{expr}`: `{list}` is not a list"))),
                },
            }
        }
        let result_keys = p.result_key.map(|r| r.to_vec()).unwrap_or_default();
        for key in &result_keys {
            if !matches!(member(key)?.ty, Type::List(_)) {
                return Err(fail(format!("result key `{key}` must be a list member of `{}`", op.output)));
            }
        }
        if let Some(more) = &p.more_results {
            member(more)?;
        }
        out.push(Paginator {
            operation: name,
            input_tokens,
            output_tokens,
            limit_key: p.limit_key,
            more_results: p.more_results,
            result_keys,
        });
    }
    Ok(out)
}

pub(super) fn resolve_waiters(service: &Service, text: &str) -> Result<Vec<Waiter>, Error> {
    let file: model::WaitersFile = model::from_str(text, "waiters")?;
    let mut out = Vec::new();
    for (name, w) in file.waiters {
        let path = format!("waiters.{name}");
        if service.operation(&w.operation).is_none() {
            return Err(Error::Model {
                path: format!("{path}.operation"),
                message: format!("names operation `{}`, which the model does not define", w.operation),
            });
        }
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
        out.push(Waiter { name, operation: w.operation, delay: w.delay, max_attempts: w.max_attempts, acceptors });
    }
    Ok(out)
}
