//! The documentation table (`models/docs/*.txt`): our own words for members and operations, merged into
//! the IR so the emitters add them to rustdoc. The model's documentation strings are not ours, so they
//! are not used at all; an entry that names nothing in the model is an error.
//!
//! The format: `#` starts a comment line. An entry is a line of targets ending in `:`, then its text on
//! the lines below, each indented by two spaces. A target is `Shape.Member` (model names),
//! `Operation()`, `paginator/Operation` or `waiter/Name`. The table is split into files by topic; an
//! error names the file and line.

use super::Service;
use crate::Error;
use std::collections::HashMap;
use std::fs;
use std::path::Path;

/// The table's files in `dir` (every `.txt`, in name order), as (file name, text).
pub fn read_dir(dir: &Path) -> Result<Vec<(String, String)>, String> {
    let failed = |e: std::io::Error| format!("cannot read {}: {e}", dir.display());
    let mut paths = Vec::new();
    for entry in fs::read_dir(dir).map_err(failed)? {
        let path = entry.map_err(failed)?.path();
        // Editors' hidden lock and backup files are not part of the table.
        let hidden = path.file_name().is_some_and(|n| n.to_string_lossy().starts_with('.'));
        if !hidden && path.extension().is_some_and(|x| x == "txt") {
            paths.push(path);
        }
    }
    paths.sort();
    paths
        .into_iter()
        .map(|path| {
            let text = fs::read_to_string(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
            let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            Ok((name, text))
        })
        .collect()
}

/// Adds the text of the table's `files` (name, text) to the members and operations they name. A
/// target named twice, in one file or two, is an error naming both places.
pub fn apply(service: &mut Service, files: &[(String, String)]) -> Result<(), Error> {
    let mut named: HashMap<String, String> = HashMap::new();
    for (file, table) in files {
        apply_file(service, file, table, &mut named)?;
    }
    Ok(())
}

fn apply_file(service: &mut Service, file: &str, table: &str, named: &mut HashMap<String, String>) -> Result<(), Error> {
    for (line, targets, text) in entries(file, table)? {
        let place = format!("docs table {file}, line {line}");
        let at = |message: String| Error::Model { path: place.clone(), message };
        for target in targets.split_whitespace() {
            if let Some(first) = named.insert(target.to_string(), place.clone()) {
                return Err(at(format!("`{target}` already has words at {first}")));
            }
            if let Some(operation) = target.strip_prefix("paginator/") {
                let found = service.paginators.iter().position(|p| service.operation_at(p.operation).name == operation);
                let found = found.ok_or_else(|| at(format!("`{target}` names no paginator of the model")))?;
                service.paginators[found].doc = Some(text.clone());
                continue;
            }
            if let Some(name) = target.strip_prefix("waiter/") {
                let waiter = service.waiters.iter_mut().find(|w| w.name == name);
                waiter.ok_or_else(|| at(format!("`{target}` names no waiter of the model")))?.doc = Some(text.clone());
                continue;
            }
            if let Some(operation) = target.strip_suffix("()") {
                let op = service.operations.iter_mut().find(|o| o.name == operation);
                let op = op.ok_or_else(|| at(format!("`{target}` names no operation of the model")))?;
                op.doc = Some(text.clone());
                continue;
            }
            let (shape, member) =
                target.split_once('.').ok_or_else(|| {
                    at(format!("`{target}` is not `Shape.Member`, `Operation()`, `paginator/Operation` or `waiter/Name`"))
                })?;
            let found = service.structures_mut().find(|(_, s)| s.name == shape);
            let found = found.and_then(|(_, s)| s.members.iter_mut().find(|m| m.name == member));
            found.ok_or_else(|| at(format!("`{target}` names no member of the model")))?.doc = Some(text.clone());
        }
    }
    Ok(())
}

/// The entries: their line number, targets and text (continuation lines joined with spaces).
fn entries(file: &str, table: &str) -> Result<Vec<(usize, String, String)>, Error> {
    let mut out: Vec<(usize, String, String)> = Vec::new();
    for (n, line) in table.lines().enumerate().map(|(i, l)| (i + 1, l)) {
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        if let Some(text) = line.strip_prefix("  ") {
            let Some((_, _, body)) = out.last_mut() else {
                return Err(Error::Model { path: format!("docs table {file}, line {n}"), message: "text before any targets".into() });
            };
            if !body.is_empty() {
                body.push(' ');
            }
            body.push_str(text.trim());
        } else if let Some(targets) = line.strip_suffix(':') {
            out.push((n, targets.to_string(), String::new()));
        } else {
            return Err(Error::Model {
                path: format!("docs table {file}, line {n}"),
                message: "a line is a comment (`#`), targets ending in `:`, or text indented by two spaces".into(),
            });
        }
    }
    if let Some((n, _, _)) = out.iter().find(|(_, _, text)| text.is_empty()) {
        return Err(Error::Model { path: format!("docs table {file}, line {n}"), message: "an entry without text".into() });
    }
    Ok(out)
}
