//! Where commands read and write: `cos://bucket/key` URLs (with wildcards) and local paths, and how a
//! source expands into the objects or files it names, each with the relative name it keeps at the
//! destination.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::SystemTime;

use cos_sdk::operation::list_objects_v2::ListObjectsV2Output;
use cos_sdk::transfer::Glob;
use cos_sdk::{Client, DateTime, ResultStream};

use crate::context::{usage, Fail};

/// A bucket and a key (or prefix, or pattern).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Remote {
    pub bucket: String,
    pub key: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    Local(PathBuf),
    Remote(Remote),
}

const WILDCARDS: &[char] = &['*', '?', '['];

/// `--raw`: URLs are taken literally, so keys holding `*`, `?` or `[` can be named.
static LITERAL: AtomicBool = AtomicBool::new(false);

pub fn set_literal(literal: bool) {
    LITERAL.store(literal, Ordering::Relaxed);
}

impl Location {
    /// `cos://bucket/key` (or `s3://`) is remote; anything else is a local path.
    pub fn parse(text: &str) -> Result<Location, Fail> {
        let Some(rest) = text.strip_prefix("cos://").or_else(|| text.strip_prefix("s3://")) else {
            if text.is_empty() {
                return usage("an empty path");
            }
            return Ok(Location::Local(PathBuf::from(text)));
        };
        let (bucket, key) = rest.split_once('/').unwrap_or((rest, ""));
        if bucket.is_empty() || bucket.contains(WILDCARDS) {
            return usage(format!("`{text}` names no bucket; write cos://bucket/key"));
        }
        Ok(Location::Remote(Remote { bucket: bucket.to_string(), key: key.to_string() }))
    }
}

impl Remote {
    pub fn parse(text: &str) -> Result<Remote, Fail> {
        match Location::parse(text)? {
            Location::Remote(r) => Ok(r),
            Location::Local(_) => usage(format!("`{text}` is not a cos://bucket/key URL")),
        }
    }

    /// A URL that must name a bucket only; its name.
    pub fn parse_bucket(text: &str) -> Result<String, Fail> {
        let remote = Remote::parse(text)?;
        if !remote.key.is_empty() {
            return usage(format!("`{text}` must name a bucket only: cos://bucket"));
        }
        Ok(remote.bucket)
    }

    /// A URL that must name one object, not a prefix or a pattern.
    pub fn parse_object(text: &str) -> Result<Remote, Fail> {
        let remote = Remote::parse(text)?;
        if remote.is_dir() || remote.has_wildcard() {
            return usage(format!("`{text}` must name one object: cos://bucket/key"));
        }
        Ok(remote)
    }

    pub fn has_wildcard(&self) -> bool {
        !LITERAL.load(Ordering::Relaxed) && self.key.contains(WILDCARDS)
    }

    /// A key with wildcards split into the literal text before the first wildcard (what a listing
    /// asks for), the directory of that text (relative names start below it), and the pattern that
    /// relative names must match.
    pub fn pattern(&self) -> Result<(&str, &str, Glob), Fail> {
        let literal = &self.key[..self.key.find(WILDCARDS).unwrap_or(self.key.len())];
        let base = &literal[..literal.rfind('/').map(|i| i + 1).unwrap_or(0)];
        let glob = Glob::new(&self.key[base.len()..]).map_err(|e| Fail::Usage(e.to_string()))?;
        Ok((literal, base, glob))
    }

    pub fn url(&self, key: &str) -> String {
        format!("cos://{}/{key}", self.bucket)
    }

    /// Whether the key names a "directory": it is empty or ends with `/`.
    pub fn is_dir(&self) -> bool {
        self.key.is_empty() || self.key.ends_with('/')
    }

    /// The key a source lands at: this key itself when `one` object goes to a key that names an
    /// object, else `relative` below it as a directory.
    pub fn landing_key(&self, one: bool, relative: &str) -> String {
        if one && !self.is_dir() {
            self.key.clone()
        } else {
            format!("{}{relative}", self.dir_prefix())
        }
    }

    /// The key as a prefix that ends a "directory": empty, or ending with `/`.
    pub fn dir_prefix(&self) -> String {
        if self.is_dir() {
            self.key.clone()
        } else {
            format!("{}/", self.key)
        }
    }
}

/// One object found by a listing.
#[derive(Debug, Clone)]
pub struct Object {
    pub key: String,
    /// The name it keeps below a destination directory (`/`-separated).
    pub relative: String,
    pub size: u64,
    pub last_modified: Option<DateTime>,
    pub etag: Option<String>,
    pub storage_class: Option<String>,
}

/// An object of a listing page, if its key is below `prefix`: a store that ignores `prefix` must not
/// widen what a command touches.
fn listed(item: cos_sdk::types::Object, prefix: &str) -> Option<Object> {
    let key = item.key.filter(|k| k.starts_with(prefix))?;
    Some(Object {
        relative: String::new(),
        size: item.size.unwrap_or(0).max(0) as u64,
        last_modified: item.last_modified,
        etag: item.e_tag,
        storage_class: item.storage_class.map(|c| c.as_str().to_string()),
        key,
    })
}

/// Every object under `prefix` (no delimiter), in key order.
pub async fn list_prefix(client: &Client, bucket: &str, prefix: &str) -> Result<Vec<Object>, Fail> {
    let mut items = client.list_objects_v2().bucket(bucket).prefix(prefix).into_paginator().items();
    let mut found = Vec::new();
    while let Some(item) = items.next().await {
        found.extend(listed(item?, prefix));
    }
    Ok(found)
}

/// The objects a source URL names (see [`expand`]), a listing page at a time, so a command over
/// millions of keys holds one page of them.
pub struct Expansion {
    pages: Option<ResultStream<ListObjectsV2Output>>,
    /// What the listing asks for; every key must start with it.
    prefix: String,
    /// Relative names are below it.
    base: String,
    glob: Option<Glob>,
    /// The one object to HEAD: from the start, or (with `recursive`) when the listing found nothing.
    single: Option<Remote>,
    found: bool,
    /// Folder markers (keys ending with `/`) are listed too: what a recursive removal must take.
    markers: bool,
}

impl Expansion {
    pub fn new(client: &Client, source: &Remote, recursive: bool) -> Result<Expansion, Fail> {
        let list =
            |prefix: &str| Some(client.list_objects_v2().bucket(&source.bucket).prefix(prefix).into_paginator().send());
        if source.has_wildcard() {
            let (literal, base, glob) = source.pattern()?;
            return Ok(Expansion {
                pages: list(literal),
                prefix: literal.to_string(),
                base: base.to_string(),
                glob: Some(glob),
                single: None,
                found: false,
                markers: false,
            });
        }
        if recursive || source.is_dir() {
            let prefix = source.dir_prefix();
            let single = (!source.is_dir()).then(|| source.clone());
            return Ok(Expansion {
                pages: list(&prefix),
                base: prefix.clone(),
                prefix,
                glob: None,
                single,
                found: false,
                markers: false,
            });
        }
        Ok(Expansion {
            pages: None,
            prefix: String::new(),
            base: String::new(),
            glob: None,
            single: Some(source.clone()),
            found: false,
            markers: false,
        })
    }

    /// Lists folder markers (keys ending with `/`) too, which are otherwise left out as not content.
    pub fn with_folder_markers(mut self) -> Expansion {
        self.markers = true;
        self
    }

    /// The next page of objects (possibly empty), or `None` at the end. Folder markers (keys ending
    /// with `/`) are not content and are left out unless asked for.
    pub async fn next_page(&mut self, client: &Client) -> Option<Result<Vec<Object>, Fail>> {
        if let Some(pages) = &mut self.pages {
            match pages.next().await {
                Some(Ok(page)) => {
                    let mut objects: Vec<Object> = page
                        .contents
                        .unwrap_or_default()
                        .into_iter()
                        .filter_map(|item| listed(item, &self.prefix))
                        .filter(|o| self.markers || !o.key.ends_with('/'))
                        .collect();
                    for o in &mut objects {
                        o.relative = o.key.strip_prefix(self.base.as_str()).unwrap_or(&o.key).to_string();
                    }
                    if let Some(glob) = &self.glob {
                        objects.retain(|o| glob.matches(&o.relative));
                    }
                    self.found |= !objects.is_empty();
                    return Some(Ok(objects));
                }
                Some(Err(e)) => return Some(Err(e.into())),
                None => self.pages = None,
            }
        }
        let single = self.single.take().filter(|_| !self.found)?;
        Some(head_object(client, &single).await.map(|o| vec![o]))
    }
}

async fn head_object(client: &Client, source: &Remote) -> Result<Object, Fail> {
    let head = client.head_object().bucket(&source.bucket).key(&source.key).send().await?;
    Ok(Object {
        relative: source.key.rsplit('/').next().unwrap_or(&source.key).to_string(),
        size: head.content_length.unwrap_or(0).max(0) as u64,
        last_modified: head.last_modified,
        etag: head.e_tag,
        storage_class: head.storage_class.map(|c| c.as_str().to_string()),
        key: source.key.clone(),
    })
}

/// The objects a source URL names:
/// - a pattern (`logs/*.gz`, `**` crossing `/`): the matching keys, named relative to the pattern's
///   last `/` before its first wildcard;
/// - a key that is empty or ends with `/`, or any key with `recursive`: everything under it as a
///   directory, named relative to it (with `recursive`, a key with nothing under it is the one object);
/// - else the one object (which must exist), named by its last segment.
pub async fn expand(client: &Client, source: &Remote, recursive: bool) -> Result<Vec<Object>, Fail> {
    let mut expansion = Expansion::new(client, source, recursive)?;
    let mut objects = Vec::new();
    while let Some(page) = expansion.next_page(client).await {
        objects.extend(page?);
    }
    Ok(objects)
}

/// One local file found by a walk.
#[derive(Debug, Clone)]
pub struct LocalFile {
    pub path: PathBuf,
    /// Its name below the walked directory, `/`-separated.
    pub relative: String,
    pub size: u64,
    pub modified: Option<SystemTime>,
}

/// What a walk found: the files, and what it could not take (each a message naming the path).
#[derive(Debug, Default)]
pub struct Walk {
    pub files: Vec<LocalFile>,
    pub problems: Vec<String>,
}

/// The files a local path names: a file itself (named by its file name), or with `recursive` every
/// file below a directory (named relative to it), in name order. A source (`follow_links`) follows
/// symbolic links, each directory once, so a link loop ends; a destination tree does not list links
/// at all, so nothing behind one is compared, written or deleted. A name that is not UTF-8 or an
/// entry that cannot be read is a problem of its own; the rest of the walk goes on.
pub fn walk(path: &Path, recursive: bool, follow_links: bool) -> Result<Walk, Fail> {
    let meta = std::fs::metadata(path).map_err(|e| Fail::Failed(format!("{}: {e}", path.display())))?;
    if meta.is_file() {
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let file =
            LocalFile { path: path.to_path_buf(), relative: name, size: meta.len(), modified: meta.modified().ok() };
        return Ok(Walk { files: vec![file], problems: Vec::new() });
    }
    if !recursive {
        return usage(format!("{} is a directory; add --recursive", path.display()));
    }
    let mut walk = Walk::default();
    let mut seen = HashSet::new();
    let mut stack = vec![(path.to_path_buf(), String::new())];
    while let Some((dir, relative)) = stack.pop() {
        let Ok(meta) = std::fs::metadata(&dir) else { continue };
        if !seen.insert(identity(&meta)) {
            continue;
        }
        let entries = match std::fs::read_dir(&dir) {
            Ok(entries) => entries,
            Err(e) => {
                walk.problems.push(format!("{}: {e}", dir.display()));
                continue;
            }
        };
        for entry in entries {
            let entry = match entry {
                Ok(entry) => entry,
                Err(e) => {
                    walk.problems.push(format!("{}: {e}", dir.display()));
                    continue;
                }
            };
            let child = entry.path();
            let Ok(name) = entry.file_name().into_string() else {
                walk.problems
                    .push(format!("{}: the name is not UTF-8, so it cannot be a key; skipped", child.display()));
                continue;
            };
            let child_relative = if relative.is_empty() { name } else { format!("{relative}/{name}") };
            let meta = if follow_links { std::fs::metadata(&child) } else { std::fs::symlink_metadata(&child) };
            match meta {
                Ok(meta) if meta.is_dir() => stack.push((child, child_relative)),
                Ok(meta) if meta.is_file() => {
                    let modified = meta.modified().ok();
                    walk.files.push(LocalFile { path: child, relative: child_relative, size: meta.len(), modified });
                }
                Ok(_) => {}
                Err(e) => walk.problems.push(format!("{}: {e}; skipped", child.display())),
            }
        }
    }
    walk.files.sort_by(|a, b| a.relative.cmp(&b.relative));
    Ok(walk)
}

/// What tells one directory from another, so a walk enters each once.
#[cfg(unix)]
fn identity(meta: &std::fs::Metadata) -> (u64, u64) {
    use std::os::unix::fs::MetadataExt;
    (meta.dev(), meta.ino())
}

#[cfg(not(unix))]
fn identity(meta: &std::fs::Metadata) -> (u64, u64) {
    (
        meta.len(),
        meta.modified()
            .ok()
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map_or(0, |d| d.as_nanos() as u64),
    )
}

/// `relative` (a key's name, `/`-separated) below `dir`. Keys are outside input, so a name is refused
/// when any segment is empty, `.` or `..`, or holds a `\` (a separator on Windows), since two keys must
/// never land on one file and none outside `dir`; when its file is named like a download's work file
/// (`.NAME.cos-download`), which would take another download's place; and when a directory on the way
/// is a symbolic link (which could lead anywhere).
pub fn local_target(dir: &Path, relative: &str) -> Result<PathBuf, String> {
    let refused = |why: &str| Err(format!("the key's name `{relative}` {why}; skipped"));
    if relative
        .split('/')
        .any(|segment| segment.is_empty() || segment == "." || segment == ".." || segment.contains(['\0', '\\']))
    {
        return refused(&format!("has an empty, `.`, `..` or `\\` segment and cannot land below {}", dir.display()));
    }
    if relative.rsplit('/').next().is_some_and(cos_sdk::transfer::is_work_file) {
        return refused("is named like a download's temporary or state file");
    }
    let mut path = dir.to_path_buf();
    let segments: Vec<&str> = relative.split('/').collect();
    for (i, segment) in segments.iter().enumerate() {
        path.push(segment);
        let last = i + 1 == segments.len();
        if std::fs::symlink_metadata(&path).is_ok_and(|m| m.file_type().is_symlink() && !last) {
            return refused(&format!("passes through the symbolic link {}", path.display()));
        }
    }
    Ok(path)
}

/// The glob filters of `sync`: a relative path is taken when it matches an include (if any) and no
/// exclude.
pub struct Filters {
    include: Vec<Glob>,
    exclude: Vec<Glob>,
}

impl Filters {
    pub fn new(include: &[String], exclude: &[String]) -> Result<Filters, Fail> {
        let compile = |patterns: &[String]| -> Result<Vec<Glob>, Fail> {
            patterns.iter().map(|p| Glob::new(p).map_err(|e| Fail::Usage(e.to_string()))).collect()
        };
        Ok(Filters { include: compile(include)?, exclude: compile(exclude)? })
    }

    pub fn takes(&self, relative: &str) -> bool {
        (self.include.is_empty() || self.include.iter().any(|g| g.matches(relative)))
            && !self.exclude.iter().any(|g| g.matches(relative))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_and_paths() {
        assert_eq!(
            Location::parse("cos://b/a/k").unwrap(),
            Location::Remote(Remote { bucket: "b".into(), key: "a/k".into() })
        );
        assert_eq!(Location::parse("s3://b").unwrap(), Location::Remote(Remote { bucket: "b".into(), key: "".into() }));
        assert_eq!(Location::parse("./x").unwrap(), Location::Local(PathBuf::from("./x")));
        assert!(matches!(Location::parse("cos:///k"), Err(Fail::Usage(_))));
        assert!(matches!(Location::parse("cos://b*/k"), Err(Fail::Usage(_))));
        assert!(matches!(Remote::parse_object("cos://b/dir/"), Err(Fail::Usage(_))));
        assert!(Remote::parse("cos://b/logs/*.gz").unwrap().has_wildcard());
    }

    #[test]
    fn keys_never_leave_the_destination() {
        let dir = Path::new("/d");
        assert_eq!(local_target(dir, "a/b.txt").unwrap(), PathBuf::from("/d/a/b.txt"));
        let bad_names = ["../x", "a/../../x", "/etc/passwd", "", "a/", "./a", "a//b", "a/./b", "a/b/.", "a/.."];
        let windows_and_work_files = ["d/..\\..\\evil", "a\\b", "d/.x.cos-download", ".x.cos-download.state"];
        for bad in bad_names.into_iter().chain(windows_and_work_files) {
            assert!(local_target(dir, bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn filters_take_includes_minus_excludes() {
        let f = Filters::new(&["**/*.txt".into()], &["tmp/**".into()]).unwrap();
        assert!(f.takes("a.txt") && f.takes("d/a.txt"));
        assert!(!f.takes("tmp/a.txt") && !f.takes("a.bin"));
        assert!(Filters::new(&[], &[]).unwrap().takes("anything"));
    }
}
