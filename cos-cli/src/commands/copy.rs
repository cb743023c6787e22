//! `cp` and `mv`: a plan of single transfers (upload, download, server-side copy) from the sources
//! and destination, run by a worker pool over one transfer manager, `--concurrency` at a time.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use cos_sdk::transfer::{CopySource, ObjectSettings, ProgressEvent, ProgressListener};
use futures_util::StreamExt;
use serde_json::json;

use crate::cli::{CopyArgs, ObjectArgs};
use crate::context::{usage, Ctx, Fail, Outcome};
use crate::location::{expand, local_target, walk, Location, Remote};

/// One transfer of a plan.
#[derive(Debug, Clone)]
pub enum Job {
    Upload {
        path: PathBuf,
        size: u64,
        to: Remote,
    },
    Download {
        from: Remote,
        size: u64,
        path: PathBuf,
        modified: Option<cos_sdk::DateTime>,
        /// The ETag the listing showed: the download then needs no HeadObject.
        etag: Option<String>,
    },
    Copy {
        from: Remote,
        size: u64,
        to: Remote,
    },
}

impl Job {
    pub fn source(&self) -> String {
        match self {
            Job::Upload { path, .. } => path.display().to_string(),
            Job::Download { from, .. } | Job::Copy { from, .. } => from.url(&from.key),
        }
    }

    pub fn destination(&self) -> String {
        match self {
            Job::Download { path, .. } => path.display().to_string(),
            Job::Upload { to, .. } | Job::Copy { to, .. } => to.url(&to.key),
        }
    }

    fn size(&self) -> u64 {
        match self {
            Job::Upload { size, .. } | Job::Download { size, .. } | Job::Copy { size, .. } => *size,
        }
    }
}

/// Whether a local destination names a directory: it is one, or it ends with a separator.
fn local_is_dir(path: &Path) -> bool {
    path.is_dir() || path.as_os_str().to_string_lossy().ends_with(std::path::MAIN_SEPARATOR)
}

/// The transfers `cp SOURCES... DESTINATION` means. A move (`moving`) does not follow symbolic links in
/// a local source tree: what it uploads it deletes, and nothing behind a link is its to delete.
pub async fn plan(ctx: &Ctx, paths: &[String], recursive: bool, moving: bool) -> Result<Vec<Job>, Fail> {
    let Some((dest, sources)) = paths.split_last().filter(|(_, sources)| !sources.is_empty()) else {
        return usage("give one or more sources and a destination");
    };
    let dest = Location::parse(dest)?;
    let many_sources = sources.len() > 1;
    let mut jobs = Vec::new();
    for source in sources {
        match plan_source(ctx, source, &dest, recursive, many_sources, moving, &mut jobs).await {
            Err(Fail::Failed(problem)) => ctx.out.failure("cp", source, &problem),
            other => other?,
        }
    }
    // Each destination takes one source (a local one as the file system tells names apart), an object
    // is never copied (or moved) onto itself, and never onto another source of the same command, whose
    // copy would then read before or after it was overwritten, by timing.
    let sources: HashSet<String> = jobs.iter().map(Job::source).collect();
    let mut taken = HashSet::new();
    jobs.retain(|job| {
        let (source, destination) = (job.source(), job.destination());
        let landing = match job {
            Job::Download { path, .. } => cos_sdk::transfer::file_identity(path),
            _ => destination.clone(),
        };
        let problem = if source == destination {
            "the source and the destination are the same object"
        } else if sources.contains(&destination) {
            "the destination is also a source of this command"
        } else if !taken.insert(landing) {
            "another source already lands at the same destination"
        } else {
            return true;
        };
        ctx.out.failure("cp", &source, &format!("{problem} ({destination}); skipped"));
        false
    });
    Ok(jobs)
}

/// Adds the transfers of one source to `jobs`.
async fn plan_source(
    ctx: &Ctx,
    source: &str,
    dest: &Location,
    recursive: bool,
    many_sources: bool,
    moving: bool,
    jobs: &mut Vec<Job>,
) -> Result<(), Fail> {
    match (Location::parse(source)?, dest) {
        (Location::Local(_), Location::Local(_)) => return usage("one side of cp must be a cos:// URL"),
        (Location::Local(path), Location::Remote(to)) => {
            let walked = walk(&path, recursive, !moving)?;
            for problem in walked.problems {
                ctx.out.failure("cp", source, &problem);
            }
            let single = !path.is_dir();
            for file in walked.files {
                let key = to.landing_key(single && !many_sources, &file.relative);
                jobs.push(Job::Upload {
                    path: file.path,
                    size: file.size,
                    to: Remote { bucket: to.bucket.clone(), key },
                });
            }
        }
        (Location::Remote(from), _) if from.is_dir() && !from.has_wildcard() && !recursive => {
            return usage(format!("`{source}` is a prefix; add --recursive to copy everything under it"))
        }
        (Location::Remote(from), dest) => {
            let single = !from.has_wildcard() && !recursive && !from.is_dir();
            for object in expand(&ctx.client, &from, recursive).await? {
                let source = Remote { bucket: from.bucket.clone(), key: object.key.clone() };
                match dest {
                    Location::Local(dir) => {
                        let path = if single && !many_sources && !local_is_dir(dir) {
                            dir.clone()
                        } else {
                            match local_target(dir, &object.relative) {
                                Ok(path) => path,
                                Err(problem) => {
                                    ctx.out.failure("cp", &source.url(&source.key), &problem);
                                    continue;
                                }
                            }
                        };
                        jobs.push(Job::Download {
                            from: source,
                            size: object.size,
                            path,
                            modified: object.last_modified,
                            etag: object.etag,
                        });
                    }
                    Location::Remote(to) => {
                        let key = to.landing_key(single && !many_sources, &object.relative);
                        jobs.push(Job::Copy {
                            from: source,
                            size: object.size,
                            to: Remote { bucket: to.bucket.clone(), key },
                        });
                    }
                }
            }
        }
    }
    Ok(())
}

pub fn settings(args: &ObjectArgs) -> Result<ObjectSettings, Fail> {
    let mut settings = ObjectSettings::new();
    if let Some(class) = &args.storage_class {
        settings = settings.storage_class(class.as_str());
    }
    if let Some(content_type) = &args.content_type {
        settings = settings.content_type(content_type);
    }
    for pair in &args.metadata {
        let Some((name, value)) = pair.split_once('=') else {
            return usage(format!("--metadata `{pair}` must be NAME=VALUE"));
        };
        settings = settings.metadata(name, value);
    }
    Ok(settings)
}

pub async fn cp(ctx: &Ctx, args: &CopyArgs, remove_source: bool) -> Outcome {
    let operation = if remove_source { "mv" } else { "cp" };
    let jobs = plan(ctx, &args.paths, args.recursive, remove_source).await?;
    if jobs.is_empty() && ctx.out.failed() == 0 {
        return Err(Fail::Failed("nothing matched the sources".to_string()));
    }
    let settings = settings(&args.object)?;
    run_jobs(ctx, operation, jobs, &settings, args.resume, remove_source).await;
    Ok(())
}

/// Runs `jobs` `--concurrency` at a time, reporting each as it ends; a failed job is reported and
/// the others go on.
pub async fn run_jobs(
    ctx: &Ctx,
    operation: &str,
    jobs: Vec<Job>,
    settings: &ObjectSettings,
    resume: bool,
    remove_source: bool,
) {
    if ctx.dry_run {
        for job in jobs {
            let (source, destination) = (job.source(), job.destination());
            ctx.out.result(
                json!({"operation": operation, "dry_run": true, "source": source, "destination": destination, "size": job.size()}),
                || format!("(dry run) {operation} {source} {destination}"),
            );
        }
        return;
    }
    ctx.out.expect_bytes(jobs.iter().map(Job::size).sum());
    let mut results = futures_util::stream::iter(jobs)
        .map(|job| async move {
            // After Ctrl-C nothing new starts.
            if ctx.interrupted() {
                return (job, Err("not started: interrupted".to_string()));
            }
            // mv removes each source as soon as its copy is done, in parallel with the other jobs.
            let result = match run_job(ctx, &job, settings, resume).await {
                Ok(done) if remove_source => remove(ctx, &job).await.map(|()| done),
                other => other,
            };
            (job, result)
        })
        .buffer_unordered(ctx.concurrency);
    while let Some((job, result)) = results.next().await {
        let (source, destination) = (job.source(), job.destination());
        match result {
            Ok(done) => ctx.out.result(
                json!({"operation": operation, "source": source, "destination": destination, "size": done.size, "resumed_bytes": done.resumed}),
                || format!("{operation} {source} {destination}"),
            ),
            Err(e) => ctx.out.failure(operation, &source, &e),
        }
    }
}

pub struct Done {
    pub size: u64,
    /// Bytes a resumed transfer did not move again.
    pub resumed: u64,
}

async fn run_job(ctx: &Ctx, job: &Job, settings: &ObjectSettings, resume: bool) -> Result<Done, String> {
    let progress = ctx.out.transfer_progress();
    let resumed = Arc::new(AtomicU64::new(0));
    let (counted, bar) = (resumed.clone(), progress.clone());
    let listener = ProgressListener::new(move |p| {
        if let ProgressEvent::PartSkipped { bytes, .. } = p.event {
            counted.fetch_add(bytes, Ordering::Relaxed);
        }
        if let Some(bar) = &bar {
            bar.observe(p);
        }
    });
    let result = match job {
        Job::Upload { path, to, .. } => {
            let mut request =
                ctx.manager.upload_file(path, &to.bucket, &to.key).settings(settings.clone()).on_progress(listener);
            // Only a resumable upload keeps its parts after a failure; the others are aborted.
            if resume {
                let state = upload_state_file(path, to);
                if let Some(dir) = state.parent() {
                    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
                }
                request = request.state_file(&state);
            }
            ctx.finish(request.start(), resume).await.map(|o| o.size)
        }
        Job::Download { from, path, modified, etag, size } => {
            if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
                std::fs::create_dir_all(parent).map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
            }
            let mut request =
                ctx.manager.download_file(&from.bucket, &from.key, path).resume(resume).on_progress(listener);
            if let Some(etag) = etag {
                request = request.known_object(*size, etag);
            }
            let done = ctx.finish(request.start(), resume).await;
            if let (Ok(_), Some(modified)) = (&done, modified) {
                // The object's time becomes the file's, so `sync` sees the two as the same.
                set_modified(path, modified);
            }
            done.map(|o| o.size)
        }
        Job::Copy { from, to, size } => {
            let request = ctx
                .manager
                .copy(CopySource::new(&from.bucket, &from.key), &to.bucket, &to.key)
                .settings(settings.clone())
                .on_progress(listener);
            ctx.finish(request.start(), false).await.map(|_| *size)
        }
    };
    let size = result.as_ref().map(|s| *s).unwrap_or(0);
    if let Some(counter) = &progress {
        counter.settle(size, job.size());
    }
    result.map(|size| Done { size, resumed: resumed.load(Ordering::Relaxed) }).map_err(|e| e.to_string())
}

fn set_modified(path: &Path, when: &cos_sdk::DateTime) {
    let Ok(secs) = u64::try_from(when.secs()) else {
        return;
    };
    let time = std::time::UNIX_EPOCH + std::time::Duration::from_secs(secs);
    if let Ok(file) = std::fs::File::options().write(true).open(path) {
        let _ = file.set_modified(time);
    }
}

/// Removes a moved job's source.
async fn remove(ctx: &Ctx, job: &Job) -> Result<(), String> {
    match job {
        Job::Upload { path, .. } => {
            std::fs::remove_file(path).map_err(|e| format!("copied, but cannot remove {}: {e}", path.display()))
        }
        Job::Download { from, .. } | Job::Copy { from, .. } => ctx
            .client
            .delete_object()
            .bucket(&from.bucket)
            .key(&from.key)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| format!("copied, but cannot remove the source: {e}")),
    }
}

/// Where the state of a multipart upload of `path` to `to` is kept between runs, so `--resume` can
/// continue it: one file per (file, object) in `$XDG_STATE_HOME/cos/uploads` (else
/// `~/.local/state/cos/uploads`, else the temporary directory).
fn upload_state_file(path: &Path, to: &Remote) -> PathBuf {
    let dir = std::env::var_os("XDG_STATE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/state")))
        .unwrap_or_else(std::env::temp_dir)
        .join("cos/uploads");
    let absolute = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    // FNV-1a: a stable name from the file and the object, the same in every run and build.
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in absolute
        .as_os_str()
        .as_encoded_bytes()
        .iter()
        .chain(b"\0")
        .chain(to.bucket.as_bytes())
        .chain(b"\0")
        .chain(to.key.as_bytes())
    {
        hash = (hash ^ u64::from(*byte)).wrapping_mul(0x0100_0000_01b3);
    }
    dir.join(format!("{hash:016x}.state"))
}
