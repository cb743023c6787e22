//! Case files: finding ours, labelling them, reading the skip list, keying cases and turning a
//! suite into a service model.

use serde_json::{json, Map, Value};
use std::fs;
use std::path::{Path, PathBuf};

const CASES_DIR: &str = "tests/conformance/cases";
const SKIP_FILE: &str = "tests/conformance/skip.json";

pub(super) fn label_of(root: &Path, path: &Path) -> String {
    let text = path.strip_prefix(root).unwrap_or(path).to_string_lossy().replace('\\', "/");
    match text.find("tests/unit/protocols/") {
        Some(i) => format!("botocore/{}", &text[i + "tests/unit/protocols/".len()..]),
        None => text.strip_prefix("tests/conformance/").unwrap_or(&text).to_string(),
    }
}

pub(super) fn our_case_files(root: &Path) -> Result<Vec<PathBuf>, String> {
    let dir = root.join(CASES_DIR);
    let mut files: Vec<PathBuf> = fs::read_dir(&dir)
        .map_err(|e| format!("cannot list {}: {e}", dir.display()))?
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    Ok(files)
}

/// A case the skip list exempts, with its reason.
pub(super) struct Skip {
    file: String,
    case: String,
    reason: String,
}

pub(super) fn read_skips(root: &Path) -> Result<Vec<Skip>, String> {
    let path = root.join(SKIP_FILE);
    let text = fs::read_to_string(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let value: Value = serde_json::from_str(&text).map_err(|e| format!("{SKIP_FILE} is not JSON: {e}"))?;
    let list = value.as_array().ok_or_else(|| format!("{SKIP_FILE} must be a list"))?;
    list.iter()
        .map(|s| {
            let field = |k: &str| {
                s[k].as_str().map(str::to_string).ok_or_else(|| format!("{SKIP_FILE}: an entry lacks `{k}`"))
            };
            let skip = Skip { file: field("file")?, case: field("case")?, reason: field("reason")? };
            if skip.reason.trim().is_empty() {
                return Err(format!("{SKIP_FILE}: {} has no reason", skip.case));
            }
            Ok(skip)
        })
        .collect()
}

pub(super) fn case_key(description: &str, index: usize, case: &Value) -> String {
    match case["id"].as_str() {
        Some(id) => id.to_string(),
        None => format!("{description}#{index}"),
    }
}

pub(super) fn find_skip(skips: &[Skip], file: &str, key: &str) -> Option<String> {
    skips.iter().find(|s| s.file == file && s.case == key).map(|s| s.reason.clone())
}

/// The service model of a suite: its metadata and shapes, and the operations its cases give. When
/// two cases give different operations under one name, the later ones are renamed `<Name>Case<i>`;
/// returns the operation name each case uses.
pub(super) fn suite_model(suite: &Value) -> (Value, Vec<String>) {
    let mut metadata = suite["metadata"].as_object().cloned().unwrap_or_default();
    metadata.insert("protocol".into(), json!("rest-xml"));
    let mut operations: Map<String, Value> = Map::new();
    let mut names = Vec::new();
    for (i, case) in suite["cases"].as_array().into_iter().flatten().enumerate() {
        let mut given = case["given"].clone();
        let Some(obj) = given.as_object_mut() else {
            names.push(String::new());
            continue;
        };
        obj.entry("http").or_insert_with(|| json!({ "method": "POST", "requestUri": "/" }));
        let mut name = obj.get("name").and_then(Value::as_str).unwrap_or("Operation").to_string();
        if let Some(existing) = operations.get(&name) {
            if existing != &given {
                name = format!("{name}Case{i}");
                given["name"] = json!(name);
            }
        }
        operations.entry(name.clone()).or_insert(given);
        names.push(name);
    }
    let model = json!({
        "metadata": metadata,
        "operations": operations,
        "shapes": suite["shapes"].clone(),
    });
    (model, names)
}
