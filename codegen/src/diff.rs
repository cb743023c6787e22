//! `model-diff`: what a model update changes in the API: operations, their HTTP bindings, members
//! (with their location and required flag), enum values and shapes, added, removed or changed.

use serde_json::{Map, Value};

/// One change, printed as `+ ...` (added), `- ...` (removed) or `~ ...` (changed).
pub type Change = String;

fn object(v: &Value, key: &str) -> Map<String, Value> {
    v.get(key).and_then(Value::as_object).cloned().unwrap_or_default()
}

fn text(v: &Value, path: &[&str]) -> String {
    let mut cur = v;
    for p in path {
        match cur.get(p) {
            Some(next) => cur = next,
            None => return String::new(),
        }
    }
    match cur {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// `PUT /{Bucket}?x` plus the response code when there is one.
fn binding(op: &Value) -> String {
    let code = text(op, &["http", "responseCode"]);
    let base = format!("{} {}", text(op, &["http", "method"]), text(op, &["http", "requestUri"]));
    if code.is_empty() {
        base
    } else {
        format!("{base} -> {code}")
    }
}

/// Where a member travels: `header x-amz-foo`, `query versionId`, `uri Bucket`, `body Foo`.
fn member_binding(member: &Value, name: &str) -> String {
    let location = text(member, &["location"]);
    let wire = {
        let l = text(member, &["locationName"]);
        if l.is_empty() {
            name.to_string()
        } else {
            l
        }
    };
    let place = if location.is_empty() { "body".to_string() } else { location };
    format!("{place} {wire}, shape {}", text(member, &["shape"]))
}

/// Lists the API changes from `old` to `new` (two `service-2.json` texts).
pub fn diff_models(old: &str, new: &str) -> Result<Vec<Change>, String> {
    let old: Value = serde_json::from_str(old).map_err(|e| format!("the old model is not JSON: {e}"))?;
    let new: Value = serde_json::from_str(new).map_err(|e| format!("the new model is not JSON: {e}"))?;
    let mut changes = Vec::new();

    let (old_ops, new_ops) = (object(&old, "operations"), object(&new, "operations"));
    for (name, op) in &new_ops {
        match old_ops.get(name) {
            None => changes.push(format!("+ operation {name} ({})", binding(op))),
            Some(before) => {
                if binding(before) != binding(op) {
                    changes.push(format!("~ operation {name}: {} -> {}", binding(before), binding(op)));
                }
                for key in ["input", "output"] {
                    let (a, b) = (text(before, &[key, "shape"]), text(op, &[key, "shape"]));
                    if a != b {
                        changes.push(format!("~ operation {name}: {key} `{a}` -> `{b}`"));
                    }
                }
                let errors = |v: &Value| -> Vec<String> {
                    v.get("errors").and_then(Value::as_array).into_iter().flatten().map(|e| text(e, &["shape"])).collect()
                };
                let (ea, eb) = (errors(before), errors(op));
                for e in eb.iter().filter(|e| !ea.contains(e)) {
                    changes.push(format!("+ error {name}: {e}"));
                }
                for e in ea.iter().filter(|e| !eb.contains(e)) {
                    changes.push(format!("- error {name}: {e}"));
                }
            }
        }
    }
    for name in old_ops.keys().filter(|n| !new_ops.contains_key(*n)) {
        changes.push(format!("- operation {name}"));
    }

    let (old_shapes, new_shapes) = (object(&old, "shapes"), object(&new, "shapes"));
    for (name, shape) in &new_shapes {
        let Some(before) = old_shapes.get(name) else {
            changes.push(format!("+ shape {name} ({})", text(shape, &["type"])));
            continue;
        };
        if text(before, &["type"]) != text(shape, &["type"]) {
            changes.push(format!("~ shape {name}: type {} -> {}", text(before, &["type"]), text(shape, &["type"])));
        }
        let (ma, mb) = (object(before, "members"), object(shape, "members"));
        let required = |v: &Value, m: &str| {
            v.get("required").and_then(Value::as_array).is_some_and(|r| r.iter().any(|x| x.as_str() == Some(m)))
        };
        for (m, member) in &mb {
            match ma.get(m) {
                None => changes.push(format!(
                    "+ member {name}.{m} ({}{})",
                    member_binding(member, m),
                    if required(shape, m) { ", required" } else { "" }
                )),
                Some(old_member) => {
                    let (a, b) = (member_binding(old_member, m), member_binding(member, m));
                    if a != b {
                        changes.push(format!("~ member {name}.{m}: {a} -> {b}"));
                    }
                    match (required(before, m), required(shape, m)) {
                        (false, true) => changes.push(format!("~ member {name}.{m}: now required")),
                        (true, false) => changes.push(format!("~ member {name}.{m}: no longer required")),
                        _ => {}
                    }
                }
            }
        }
        for m in ma.keys().filter(|m| !mb.contains_key(*m)) {
            changes.push(format!("- member {name}.{m}"));
        }
        let values = |v: &Value| -> Vec<String> {
            v.get("enum").and_then(Value::as_array).into_iter().flatten().filter_map(|x| x.as_str().map(str::to_string)).collect()
        };
        let (va, vb) = (values(before), values(shape));
        for v in vb.iter().filter(|v| !va.contains(v)) {
            changes.push(format!("+ enum value {name}: {v}"));
        }
        for v in va.iter().filter(|v| !vb.contains(v)) {
            changes.push(format!("- enum value {name}: {v}"));
        }
    }
    for name in old_shapes.keys().filter(|n| !new_shapes.contains_key(*n)) {
        changes.push(format!("- shape {name}"));
    }
    Ok(changes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_every_kind_of_change() {
        let old = r#"{"operations": {
            "Get": {"http": {"method": "GET", "requestUri": "/{B}"}, "input": {"shape": "In"}},
            "Gone": {"http": {"method": "GET", "requestUri": "/"}}},
          "shapes": {
            "In": {"type": "structure", "required": ["B"], "members": {"B": {"shape": "S", "location": "uri", "locationName": "B"}, "Old": {"shape": "S"}}},
            "E": {"type": "string", "enum": ["a", "b"]},
            "Dropped": {"type": "string"},
            "S": {"type": "string"}}}"#;
        let new = r#"{"operations": {
            "Get": {"http": {"method": "GET", "requestUri": "/{B}?x"}, "input": {"shape": "In"}, "errors": [{"shape": "NoSuch"}]},
            "Put": {"http": {"method": "PUT", "requestUri": "/{B}"}}},
          "shapes": {
            "In": {"type": "structure", "members": {"B": {"shape": "S", "location": "uri", "locationName": "B"}, "New": {"shape": "S", "location": "header", "locationName": "x-new"}}},
            "E": {"type": "string", "enum": ["a", "c"]},
            "NoSuch": {"type": "structure", "members": {}},
            "S": {"type": "string"}}}"#;
        let changes = diff_models(old, new).unwrap();
        let expected = [
            "~ operation Get: GET /{B} -> GET /{B}?x",
            "+ error Get: NoSuch",
            "+ operation Put (PUT /{B})",
            "- operation Gone",
            "~ member In.B: no longer required",
            "+ member In.New (header x-new, shape S)",
            "- member In.Old",
            "+ enum value E: c",
            "- enum value E: b",
            "+ shape NoSuch (structure)",
            "- shape Dropped",
        ];
        assert_eq!(changes, expected);
        assert!(diff_models(new, new).unwrap().is_empty());
    }
}
