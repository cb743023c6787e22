//! `sync`: compares a source tree (a directory or a prefix) with a destination tree by relative name
//! and copies what is missing or different: by size and time (the source is newer) by default, by size
//! only, or by content (MD5 against the ETag). `--delete` removes what only the destination has. The
//! plan is made once; `--dry-run` prints it and the real run carries out exactly it.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};

use md5::{Digest, Md5};
use serde_json::json;

use crate::cli::SyncArgs;
use crate::commands::copy::{run_jobs, settings, Job};
use crate::commands::remove::delete_keys;
use crate::context::{usage, Ctx, Fail, Outcome};
use crate::location::{list_prefix, local_target, walk, Filters, Location, Remote};

/// One file or object of a tree.
#[derive(Debug, Clone)]
struct Entry {
    size: u64,
    /// Seconds since the epoch.
    modified: Option<i64>,
    etag: Option<String>,
}

enum Tree {
    Local(PathBuf),
    Remote(Remote),
}

impl Tree {
    fn new(location: Location) -> Result<Tree, Fail> {
        Ok(match location {
            Location::Local(path) => Tree::Local(path),
            Location::Remote(remote) if remote.has_wildcard() => {
                return usage(format!(
                    "sync compares whole trees; `{}` has a wildcard (use --include)",
                    remote.url(&remote.key)
                ))
            }
            Location::Remote(remote) => Tree::Remote(Remote { key: remote.dir_prefix(), bucket: remote.bucket }),
        })
    }

    async fn entries(&self, ctx: &Ctx, filters: &Filters) -> Result<BTreeMap<String, Entry>, Fail> {
        let mut entries = BTreeMap::new();
        match self {
            Tree::Local(root) if !root.exists() => {}
            Tree::Local(root) => {
                for file in walk(root, true)? {
                    let modified = file
                        .modified
                        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                        .map(|d| d.as_secs() as i64);
                    entries.insert(file.relative, Entry { size: file.size, modified, etag: None });
                }
            }
            Tree::Remote(remote) => {
                for o in list_prefix(&ctx.client, &remote.bucket, &remote.key).await? {
                    let relative = o.key[remote.key.len()..].to_string();
                    if relative.is_empty() || relative.ends_with('/') {
                        continue;
                    }
                    entries.insert(
                        relative,
                        Entry { size: o.size, modified: o.last_modified.map(|t| t.secs()), etag: o.etag },
                    );
                }
            }
        }
        entries.retain(|relative, _| filters.takes(relative));
        Ok(entries)
    }

    fn local_path(&self, relative: &str) -> Option<Result<PathBuf, String>> {
        match self {
            Tree::Local(root) => Some(local_target(root, relative)),
            Tree::Remote(_) => None,
        }
    }
}

pub async fn sync(ctx: &Ctx, args: &SyncArgs) -> Outcome {
    let filters = Filters::new(&args.include, &args.exclude)?;
    let source = Tree::new(Location::parse(&args.source)?)?;
    let dest = Tree::new(Location::parse(&args.destination)?)?;
    if let (Tree::Local(_), Tree::Local(_)) = (&source, &dest) {
        return usage("one side of sync must be a cos:// URL");
    }
    if let Tree::Local(root) = &source {
        if !root.is_dir() {
            return usage(format!("{} is not a directory", root.display()));
        }
    }
    let (from, to) = (source.entries(ctx, &filters).await?, dest.entries(ctx, &filters).await?);
    let mut jobs = Vec::new();
    for (relative, entry) in &from {
        let wanted = match to.get(relative) {
            None => true,
            Some(there) if args.checksum => !same_content(ctx, &source, &dest, relative, entry, there).await,
            Some(there) if args.size_only => entry.size != there.size,
            Some(there) => entry.size != there.size || entry.modified > there.modified,
        };
        if wanted {
            match job(&source, &dest, relative, entry) {
                Ok(job) => jobs.push(job),
                Err(problem) => ctx.out.failure("sync", relative, &problem),
            }
        }
    }
    run_jobs(ctx, "sync", jobs, &settings(&args.object)?, false, false).await;
    if args.delete {
        let extra: Vec<&String> = to.keys().filter(|k| !from.contains_key(*k)).collect();
        match &dest {
            Tree::Remote(remote) => {
                let keys = extra.iter().map(|r| format!("{}{r}", remote.key)).collect();
                delete_keys(ctx, "delete", &remote.bucket, keys).await;
            }
            Tree::Local(root) => {
                for relative in extra {
                    let path = root.join(relative);
                    let target = path.display().to_string();
                    if ctx.dry_run {
                        ctx.out.result(json!({"operation": "delete", "dry_run": true, "target": target}), || {
                            format!("(dry run) delete {target}")
                        });
                    } else {
                        match std::fs::remove_file(&path) {
                            Ok(()) => ctx.out.result(json!({"operation": "delete", "target": target}), || {
                                format!("delete {target}")
                            }),
                            Err(e) => ctx.out.failure("delete", &target, &e.to_string()),
                        }
                    }
                }
            }
        }
    }
    Ok(())
}

fn job(source: &Tree, dest: &Tree, relative: &str, entry: &Entry) -> Result<Job, String> {
    let size = entry.size;
    Ok(match (source, dest) {
        (Tree::Local(root), Tree::Remote(to)) => Job::Upload {
            path: root.join(relative),
            size,
            to: Remote { bucket: to.bucket.clone(), key: format!("{}{relative}", to.key) },
        },
        (Tree::Remote(from), Tree::Local(root)) => Job::Download {
            from: Remote { bucket: from.bucket.clone(), key: format!("{}{relative}", from.key) },
            size,
            path: local_target(root, relative)?,
            modified: entry.modified.map(cos_sdk::DateTime::from_secs),
            etag: entry.etag.clone(),
        },
        (Tree::Remote(from), Tree::Remote(to)) => Job::Copy {
            from: Remote { bucket: from.bucket.clone(), key: format!("{}{relative}", from.key) },
            size,
            to: Remote { bucket: to.bucket.clone(), key: format!("{}{relative}", to.key) },
        },
        (Tree::Local(_), Tree::Local(_)) => unreachable!("refused before planning"),
    })
}

/// Whether the two sides hold the same bytes: equal ETags between objects; between a file and an
/// object, the file's MD5 (of each part, for a multipart ETag `hex-N`) against the ETag. An ETag that
/// is not an MD5 (SSE-KMS, another part size) reads as different, so the file is copied again.
async fn same_content(ctx: &Ctx, source: &Tree, dest: &Tree, relative: &str, a: &Entry, b: &Entry) -> bool {
    if a.size != b.size {
        return false;
    }
    // Some stores leave the ETag out of listings; HEAD has it.
    let (a_etag, b_etag) = (etag_of(ctx, source, relative, a).await, etag_of(ctx, dest, relative, b).await);
    let (file, etag) = match (source.local_path(relative), dest.local_path(relative), a_etag, b_etag) {
        (None, None, Some(x), Some(y)) => return x == y,
        (Some(Ok(path)), None, _, Some(etag)) | (None, Some(Ok(path)), Some(etag), _) => {
            (path, etag.trim_matches('"').to_string())
        }
        _ => return false,
    };
    let part_size = match etag.split_once('-') {
        Some((_, parts)) if parts.parse::<u64>().is_ok() => match ctx.manager.config().part_size_for(a.size) {
            Ok(size) => Some(size),
            Err(_) => return false,
        },
        _ => None,
    };
    let computed = tokio::task::spawn_blocking(move || file_etag(&file, part_size)).await;
    matches!(computed, Ok(Ok(text)) if text == etag)
}

/// The ETag of an object of `tree`: from the listing, else from HEAD; `None` for a file or a failure.
async fn etag_of(ctx: &Ctx, tree: &Tree, relative: &str, entry: &Entry) -> Option<String> {
    let Tree::Remote(remote) = tree else {
        return None;
    };
    if entry.etag.is_some() {
        return entry.etag.clone();
    }
    let key = format!("{}{relative}", remote.key);
    ctx.client.head_object().bucket(&remote.bucket).key(key).send().await.ok()?.e_tag
}

/// The ETag S3 gives a file uploaded whole (`part_size` `None`) or in parts of `part_size`.
fn file_etag(path: &Path, part_size: Option<u64>) -> std::io::Result<String> {
    let mut file = std::fs::File::open(path)?;
    let mut buf = vec![0u8; 1 << 20];
    let mut parts = Vec::new();
    let mut part = Md5::new();
    let mut in_part = 0u64;
    loop {
        let want = match part_size {
            Some(size) => (size - in_part).min(buf.len() as u64) as usize,
            None => buf.len(),
        };
        let n = file.read(&mut buf[..want])?;
        if n == 0 {
            break;
        }
        part.update(&buf[..n]);
        in_part += n as u64;
        if part_size == Some(in_part) {
            parts.push(std::mem::take(&mut part).finalize());
            in_part = 0;
        }
    }
    let hex = |bytes: &[u8]| bytes.iter().map(|b| format!("{b:02x}")).collect::<String>();
    Ok(match part_size {
        None => hex(&part.finalize()),
        Some(_) => {
            if in_part > 0 {
                parts.push(part.finalize());
            }
            let mut whole = Md5::new();
            for p in &parts {
                whole.update(p);
            }
            format!("{}-{}", hex(&whole.finalize()), parts.len())
        }
    })
}

#[cfg(test)]
mod tests {
    use super::file_etag;

    #[test]
    fn etags_of_whole_and_multipart_files() {
        let dir = std::env::temp_dir().join(format!("cos-cli-etag-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("f");
        std::fs::write(&path, b"hello").unwrap();
        assert_eq!(file_etag(&path, None).unwrap(), "5d41402abc4b2a76b9719d911017c592");
        // Parts "hel" and "lo": MD5 over the two binary MD5s, then the part count.
        let etag = file_etag(&path, Some(3)).unwrap();
        assert!(etag.ends_with("-2") && etag.len() == 34, "{etag}");
        assert_ne!(etag, file_etag(&path, Some(2)).unwrap());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
