//! Directory transfers: every file under a directory to keys under a prefix, or every object under a
//! prefix to files under a directory, filtered by include and exclude globs on the relative path. Objects
//! run `max_concurrency` at a time and share the manager's part buffers, so memory stays bounded too.

use std::collections::hash_map::Entry;
use std::collections::HashMap;
use std::future::IntoFuture;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

use futures_util::StreamExt;

use super::download::DownloadJob;
use super::target::{file_identity, is_work_file};
use super::pin::{bare_etag, ObjectPin};
use super::glob::{selected, Glob};
use super::handle::{StopSignal, TransferHandle};
use super::options::{DownloadSettings, ObjectSettings};
use super::progress::{ProgressEvent, ProgressListener, ProgressState};
use super::upload::{file_error, UploadJob};
use super::{join_message, TransferManager};
use crate::runtime::error::Error;

/// What a directory transfer did.
#[derive(Debug, Default)]
#[non_exhaustive]
pub struct DirectoryOutput {
    /// The objects transferred, as `(relative path, key)`.
    pub transferred: Vec<(String, String)>,
    /// The bytes transferred.
    pub bytes: u64,
    /// Keys not downloaded because their names would leave the directory (`..`, absolute paths), name a
    /// folder marker or a download's temporary or state file (`.NAME.cos-download[.state]`), or because
    /// an earlier key of the listing is written to the same file: `data/x` and `datax` under the prefix
    /// `data`, `a` and `/a`, and on macOS and Windows (whose volumes ignore case by default) names that
    /// differ only in case or, on Windows, in trailing dots and spaces.
    pub skipped: Vec<String>,
}

/// A directory upload: set filters and options, then await it or call `start`.
#[derive(Debug)]
#[must_use = "a directory upload does nothing until it is awaited or started"]
pub struct DirectoryUploadRequest {
    manager: TransferManager,
    dir: PathBuf,
    bucket: String,
    prefix: String,
    include: Vec<String>,
    exclude: Vec<String>,
    settings: ObjectSettings,
    listener: Option<ProgressListener>,
}

/// A directory download: set filters and options, then await it or call `start`.
#[derive(Debug)]
#[must_use = "a directory download does nothing until it is awaited or started"]
pub struct DirectoryDownloadRequest {
    manager: TransferManager,
    bucket: String,
    prefix: String,
    dir: PathBuf,
    include: Vec<String>,
    exclude: Vec<String>,
    settings: DownloadSettings,
    listener: Option<ProgressListener>,
}

impl TransferManager {
    /// Uploads every file under `dir` (recursively; symbolic links to directories are not followed) to
    /// `bucket` with keys `prefix/relative/path`. The temporary and state files of interrupted downloads
    /// (`.NAME.cos-download`, `.NAME.cos-download.state`) are left out.
    pub fn upload_directory(&self, dir: impl AsRef<Path>, bucket: impl Into<String>, prefix: impl Into<String>) -> DirectoryUploadRequest {
        DirectoryUploadRequest {
            manager: self.clone(),
            dir: dir.as_ref().to_path_buf(),
            bucket: bucket.into(),
            prefix: prefix.into(),
            include: Vec::new(),
            exclude: Vec::new(),
            settings: ObjectSettings::default(),
            listener: None,
        }
    }

    /// Downloads every object of `bucket` under `prefix` to files under `dir`, named by the rest of the key.
    pub fn download_directory(&self, bucket: impl Into<String>, prefix: impl Into<String>, dir: impl AsRef<Path>) -> DirectoryDownloadRequest {
        DirectoryDownloadRequest {
            manager: self.clone(),
            bucket: bucket.into(),
            prefix: prefix.into(),
            dir: dir.as_ref().to_path_buf(),
            include: Vec::new(),
            exclude: Vec::new(),
            settings: DownloadSettings::default(),
            listener: None,
        }
    }
}

macro_rules! filter_methods {
    () => {
        /// Transfers only paths matching this glob (relative, `/`-separated); may be given several times.
        pub fn include(mut self, pattern: impl Into<String>) -> Self {
            self.include.push(pattern.into());
            self
        }

        /// Skips paths matching this glob; may be given several times. Excludes win over includes.
        pub fn exclude(mut self, pattern: impl Into<String>) -> Self {
            self.exclude.push(pattern.into());
            self
        }

        /// Calls `listener` with progress reports over all objects.
        pub fn on_progress(mut self, listener: ProgressListener) -> Self {
            self.listener = Some(listener);
            self
        }
    };
}

fn compile(patterns: &[String]) -> Result<Vec<Glob>, Error> {
    patterns.iter().map(|p| Glob::new(p)).collect()
}

fn key_prefix(prefix: &str) -> String {
    if prefix.is_empty() || prefix.ends_with('/') {
        prefix.to_string()
    } else {
        format!("{prefix}/")
    }
}

impl DirectoryUploadRequest {
    filter_methods!();

    /// Settings for every uploaded object.
    pub fn settings(mut self, settings: ObjectSettings) -> Self {
        self.settings = settings;
        self
    }

    /// Starts the upload in the background.
    pub fn start(self) -> TransferHandle<DirectoryOutput> {
        let stop = StopSignal::new();
        let progress = ProgressState::new(self.listener.clone());
        let (stop2, progress2) = (stop.clone(), progress.clone());
        TransferHandle::spawn(stop, progress, async move { self.run(stop2, progress2).await })
    }

    async fn run(self, stop: Arc<StopSignal>, progress: Arc<ProgressState>) -> Result<DirectoryOutput, Error> {
        let include = compile(&self.include)?;
        let exclude = compile(&self.exclude)?;
        let root = self.dir.clone();
        let files = crate::runtime::http::body::run_blocking("listing the directory", move || walk(&root)).await??;
        let files: Vec<(String, PathBuf, u64)> = files.into_iter().filter(|(rel, _, _)| selected(rel, &include, &exclude)).collect();
        progress.set_total(Some(files.iter().map(|f| f.2).sum()));
        progress.report(0, ProgressEvent::Started);
        let prefix = key_prefix(&self.prefix);
        let settings = Arc::new(self.settings.clone());
        let inner = self.manager.inner.clone();
        let concurrency = inner.config.max_concurrency();
        let results: Vec<(String, String, u64, Result<(), Error>)> = futures_util::stream::iter(files)
            .map(|(rel, path, size)| {
                let job = UploadJob {
                    inner: inner.clone(),
                    bucket: self.bucket.clone(),
                    key: format!("{prefix}{rel}"),
                    settings: settings.clone(),
                    state_file: None,
                    size_hint: None,
                    stop: stop.clone(),
                    progress: ProgressState::child(&progress),
                };
                async move {
                    let result = job.upload_file(&path).await.map(|_| ());
                    (rel, job.key.clone(), size, result)
                }
            })
            .buffer_unordered(concurrency)
            .collect()
            .await;
        let output = summarize(results, "uploaded", "upload")?;
        progress.report(0, ProgressEvent::Completed);
        Ok(output)
    }
}

impl IntoFuture for DirectoryUploadRequest {
    type Output = Result<DirectoryOutput, Error>;
    type IntoFuture = TransferHandle<DirectoryOutput>;
    fn into_future(self) -> Self::IntoFuture {
        self.start()
    }
}

impl DirectoryDownloadRequest {
    filter_methods!();

    /// Settings for every download (an SSE-C key).
    pub fn settings(mut self, settings: DownloadSettings) -> Self {
        self.settings = settings;
        self
    }

    /// Starts the download in the background.
    pub fn start(self) -> TransferHandle<DirectoryOutput> {
        let stop = StopSignal::new();
        let progress = ProgressState::new(self.listener.clone());
        let (stop2, progress2) = (stop.clone(), progress.clone());
        TransferHandle::spawn(stop, progress, async move { self.run(stop2, progress2).await })
    }

    async fn run(self, stop: Arc<StopSignal>, progress: Arc<ProgressState>) -> Result<DirectoryOutput, Error> {
        let include = compile(&self.include)?;
        let exclude = compile(&self.exclude)?;
        let inner = self.manager.inner.clone();
        let mut objects = Vec::new();
        let mut skipped = Vec::new();
        // Every file a download writes, as the file system tells names apart, with its key.
        let mut claimed: HashMap<String, String> = HashMap::new();
        let mut listing = inner.client.list_objects_v2().bucket(&self.bucket).prefix(&self.prefix).into_paginator().items();
        while let Some(object) = listing.next().await {
            let object = object.map_err(|e| e.map_message(|m| join_message(m, "listing the objects to download")))?;
            let Some(key) = object.key else { continue };
            let rel = key.strip_prefix(&self.prefix).unwrap_or(&key).trim_start_matches('/').to_string();
            match safe_relative_path(&rel).filter(|path| !path.file_name().is_some_and(|n| is_work_file(&n.to_string_lossy()))) {
                Some(path) => {
                    if selected(&rel, &include, &exclude) {
                        match claimed.entry(file_identity(&path)) {
                            Entry::Occupied(earlier) => {
                                tracing::warn!(key = %key, earlier = %earlier.get(), "not downloading a key that would be written to the file of an earlier key");
                                skipped.push(key);
                                continue;
                            }
                            Entry::Vacant(slot) => {
                                slot.insert(key.clone());
                            }
                        }
                        let size = object.size.and_then(|s| u64::try_from(s).ok()).unwrap_or(0);
                        // With the listing's size and ETag each download skips its HeadObject, unless
                        // the settings ask for a version, which the listing does not show.
                        let known = object
                            .e_tag
                            .filter(|e_tag| !bare_etag(e_tag).is_empty() && object.size.is_some())
                            .filter(|_| self.settings.version_id.is_none())
                            .map(|e_tag| ObjectPin::listed(size, &e_tag));
                        objects.push((rel, key, path, size, known));
                    }
                }
                None => {
                    tracing::warn!(key = %key, "not downloading a key that would leave the target directory, or names a folder or a download's work file");
                    skipped.push(key);
                }
            }
        }
        progress.set_total(Some(objects.iter().map(|o| o.3).sum()));
        progress.report(0, ProgressEvent::Started);
        let concurrency = inner.config.max_concurrency();
        let dir = self.dir.clone();
        let results: Vec<(String, String, u64, Result<(), Error>)> = futures_util::stream::iter(objects)
            .map(|(rel, key, path, size, known)| {
                let job = Arc::new(DownloadJob {
                    inner: inner.clone(),
                    bucket: self.bucket.clone(),
                    key: key.clone(),
                    settings: self.settings.clone(),
                    stop: stop.clone(),
                    progress: ProgressState::child(&progress),
                    known,
                });
                let target = dir.join(path);
                async move {
                    let result = async {
                        if let Some(parent) = target.parent() {
                            tokio::fs::create_dir_all(parent).await.map_err(|e| file_error("create the directory", parent, e))?;
                        }
                        job.to_file(&target, true).await.map(|_| ())
                    }
                    .await;
                    (rel, key, size, result)
                }
            })
            .buffer_unordered(concurrency)
            .collect()
            .await;
        let mut output = summarize(results, "downloaded", "download")?;
        output.skipped = skipped;
        progress.report(0, ProgressEvent::Completed);
        Ok(output)
    }
}

impl IntoFuture for DirectoryDownloadRequest {
    type Output = Result<DirectoryOutput, Error>;
    type IntoFuture = TransferHandle<DirectoryOutput>;
    fn into_future(self) -> Self::IntoFuture {
        self.start()
    }
}

/// The output, or the first failure (by relative path) with how many failed.
fn summarize(mut results: Vec<(String, String, u64, Result<(), Error>)>, done: &str, verb: &str) -> Result<DirectoryOutput, Error> {
    results.sort_by(|a, b| a.0.cmp(&b.0));
    let total = results.len();
    let mut output = DirectoryOutput::default();
    let mut failures: Vec<(String, Error)> = Vec::new();
    for (rel, key, size, result) in results {
        match result {
            Ok(()) => {
                output.bytes += size;
                output.transferred.push((rel, key));
            }
            Err(e) => failures.push((rel, e)),
        }
    }
    if failures.is_empty() {
        return Ok(output);
    }
    let failed = failures.len();
    let names: Vec<String> = failures.iter().map(|(rel, _)| rel.clone()).take(10).collect();
    let (_, first) = failures.remove(0);
    Err(first.map_message(|m| {
        join_message(
            m,
            &format!(
                "{failed} of {total} objects failed to {verb} ({}{}), {} were {done}; run the transfer again for the rest",
                names.join(", "),
                if failed > names.len() { ", ..." } else { "" },
                total - failed
            ),
        )
    }))
}

/// Every regular file under `root`: `(relative path with /, path, size)`, sorted.
fn walk(root: &Path) -> Result<Vec<(String, PathBuf, u64)>, Error> {
    let meta = std::fs::metadata(root).map_err(|e| file_error("read", root, e))?;
    if !meta.is_dir() {
        return Err(Error::invalid_input(format!("`{}` is not a directory; give the directory to upload", root.display())));
    }
    let mut files = Vec::new();
    let mut pending = vec![(root.to_path_buf(), String::new())];
    while let Some((dir, rel)) = pending.pop() {
        let entries = std::fs::read_dir(&dir).map_err(|e| file_error("list", &dir, e))?;
        for entry in entries {
            let entry = entry.map_err(|e| file_error("list", &dir, e))?;
            let path = entry.path();
            let name = entry.file_name().into_string().map_err(|_| {
                Error::invalid_input(format!("`{}` has a name that is not UTF-8 and cannot be a key; rename it or exclude it", path.display()))
            })?;
            let rel_path = if rel.is_empty() { name } else { format!("{rel}/{name}") };
            let kind = entry.file_type().map_err(|e| file_error("read", &path, e))?;
            if kind.is_dir() {
                pending.push((path, rel_path));
            } else if is_work_file(&rel_path[rel_path.rfind('/').map_or(0, |i| i + 1)..]) {
                // An interrupted download's temporary or state file is not part of the tree.
            } else if kind.is_file() || kind.is_symlink() {
                // Symbolic links to files are followed; links to directories are not walked into.
                match std::fs::metadata(&path) {
                    Ok(m) if m.is_file() => files.push((rel_path, path, m.len())),
                    _ => {}
                }
            }
        }
    }
    files.sort();
    Ok(files)
}

/// The relative path a key maps to under the target directory, or `None` when it would escape it (`..`,
/// an absolute path, a drive prefix) or names no file (empty, or a folder marker ending in `/`).
fn safe_relative_path(rel: &str) -> Option<PathBuf> {
    if rel.is_empty() || rel.ends_with('/') || rel.contains('\\') || rel.contains('\0') {
        return None;
    }
    let mut path = PathBuf::new();
    for part in rel.split('/') {
        if part.is_empty() || part == "." || part == ".." {
            return None;
        }
        let component = Path::new(part);
        if component.components().count() != 1 || !matches!(component.components().next(), Some(Component::Normal(_))) {
            return None;
        }
        path.push(part);
    }
    Some(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn work_files_and_file_identities() {
        for name in [".a.cos-download", ".a.cos-download.state", ".a b.cos-download"] {
            assert!(is_work_file(name), "{name}");
        }
        for name in ["a.cos-download", "..cos-download", ".a.cos-download.stat", ".a.cos-downloads", "a", ".a"] {
            assert!(!is_work_file(name), "{name}");
        }
        let same = |a: &str, b: &str| file_identity(Path::new(a)) == file_identity(Path::new(b));
        assert!(same("d/x", "d/x") && !same("d/x", "d/y"));
        assert_eq!(same("Report.pdf", "report.pdf"), cfg!(any(target_os = "macos", windows)));
        assert_eq!(same("a./b ", "a/b"), cfg!(windows));
    }

    #[test]
    fn keys_that_would_leave_the_directory_are_refused() {
        assert_eq!(safe_relative_path("a/b.txt"), Some(PathBuf::from("a").join("b.txt")));
        for bad in ["", "../x", "a/../../x", "/etc/passwd", "a//b", "dir/", "./a", "a\\..\\b"] {
            assert_eq!(safe_relative_path(bad), None, "{bad}");
        }
        assert_eq!(key_prefix("backups"), "backups/");
        assert_eq!(key_prefix("backups/"), "backups/");
        assert_eq!(key_prefix(""), "");
    }
}
