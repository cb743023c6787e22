//! `sync`: compares a source tree (a directory or a prefix) with a destination tree by relative name
//! and copies what is missing or different: by size and time (the source is newer) by default, by size
//! only, or by content (MD5 against the ETag). `--delete` removes what only the destination has. The
//! plan is made once; `--dry-run` prints it and the real run carries out exactly it.

use std::collections::{BTreeMap, HashMap, HashSet};
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

    /// The tree's entries by relative name; a local source follows symbolic links, a local
    /// destination leaves them out (see `walk`).
    async fn entries(&self, ctx: &Ctx, filters: &Filters, is_source: bool) -> Result<BTreeMap<String, Entry>, Fail> {
        let mut entries = BTreeMap::new();
        match self {
            Tree::Local(root) if !root.exists() => {}
            Tree::Local(root) => {
                let walked = walk(root, true, is_source)?;
                for problem in walked.problems {
                    ctx.out.failure("sync", &root.display().to_string(), &problem);
                }
                for file in walked.files {
                    let modified = file
                        .modified
                        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                        .map(|d| d.as_secs() as i64);
                    entries.insert(file.relative, Entry { size: file.size, modified, etag: None });
                }
            }
            Tree::Remote(remote) => {
                for o in list_prefix(&ctx.client, &remote.bucket, &remote.key).await? {
                    let relative = o.key.strip_prefix(&remote.key).unwrap_or(&o.key).to_string();
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
    let failures_before = ctx.out.failed();
    let from = source.entries(ctx, &filters, true).await?;
    // A source entry that could not be read must not make its copy look extra.
    let source_complete = ctx.out.failed() == failures_before;
    let to = dest.entries(ctx, &filters, false).await?;
    // Names are matched as the destination tells them apart: a local one may ignore case, and then key
    // `A.txt` is the file `a.txt`, never a file to copy beside it and then delete as extra.
    let same_name = |relative: &str| match &dest {
        Tree::Local(_) => cos_sdk::transfer::file_identity(Path::new(relative)),
        Tree::Remote(_) => relative.to_string(),
    };
    let to_by_name: HashMap<String, &Entry> = to.iter().map(|(relative, entry)| (same_name(relative), entry)).collect();
    let mut jobs = Vec::new();
    for (relative, entry) in &from {
        let wanted = match to_by_name.get(&same_name(relative)).copied() {
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
    if args.delete && !source_complete {
        let reason = "parts of the source could not be read (see above), so --delete removed nothing";
        ctx.out.failure("sync", &args.source, reason);
    }
    // After Ctrl-C nothing is deleted.
    if args.delete && source_complete && !ctx.interrupted() {
        let from_names: HashSet<String> = from.keys().map(|relative| same_name(relative)).collect();
        let extra: Vec<&String> = to.keys().filter(|relative| !from_names.contains(&same_name(relative))).collect();
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
        (Tree::Local(_), Tree::Local(_)) => return Err("one side of sync must be a cos:// URL".to_string()),
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
    let size = a.size;
    let part_sizes = match etag.split_once('-') {
        None => Vec::new(),
        Some((_, count)) => match count.parse::<u64>() {
            Ok(count) if count >= 1 => part_size_candidates(size, count, ctx.manager.config().part_size_for(size).ok()),
            _ => return false,
        },
    };
    if !etag.contains('-') || !part_sizes.is_empty() {
        let computed = tokio::task::spawn_blocking(move || file_etags(&file, &part_sizes)).await;
        return matches!(computed, Ok(Ok(etags)) if etags.contains(&etag));
    }
    false
}

/// The part sizes an upload of `size` bytes in `count` parts may have used, most likely first: this
/// tool's own, the smallest whole MiB that gives `count` parts, and the defaults of common tools (5,
/// 8, 16, 50 and 64 MiB), each only if it gives `count` parts; at most four, all tried in one read.
fn part_size_candidates(size: u64, count: u64, ours: Option<u64>) -> Vec<u64> {
    const MIB: u64 = 1 << 20;
    let fits = |p: u64| p > 0 && size.div_ceil(p) == count;
    let smallest = size.div_ceil(count).div_ceil(MIB) * MIB;
    let mut out: Vec<u64> = Vec::new();
    for p in ours.into_iter().chain([smallest, 5 * MIB, 8 * MIB, 16 * MIB, 50 * MIB, 64 * MIB]) {
        if fits(p) && !out.contains(&p) && out.len() < 4 {
            out.push(p);
        }
    }
    out
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

/// The ETags S3 gives the file at `path`: uploaded whole when `part_sizes` is empty, else in parts of
/// each of `part_sizes` (`hex(md5(md5(part 1) .. md5(part n)))-n`), all from one read.
fn file_etags(path: &Path, part_sizes: &[u64]) -> std::io::Result<Vec<String>> {
    struct Parts {
        size: u64,
        current: Md5,
        filled: u64,
        digests: Md5,
        count: u64,
    }
    let hex = |bytes: &[u8]| bytes.iter().map(|b| format!("{b:02x}")).collect::<String>();
    let mut whole = Md5::new();
    let mut parts: Vec<Parts> = part_sizes
        .iter()
        .map(|&size| Parts { size, current: Md5::new(), filled: 0, digests: Md5::new(), count: 0 })
        .collect();
    let mut file = std::fs::File::open(path)?;
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            break;
        }
        if parts.is_empty() {
            whole.update(&buf[..n]);
        }
        for p in &mut parts {
            let mut chunk = &buf[..n];
            while !chunk.is_empty() {
                let take = ((p.size - p.filled) as usize).min(chunk.len());
                p.current.update(&chunk[..take]);
                p.filled += take as u64;
                chunk = &chunk[take..];
                if p.filled == p.size {
                    p.digests.update(std::mem::take(&mut p.current).finalize());
                    (p.filled, p.count) = (0, p.count + 1);
                }
            }
        }
    }
    if parts.is_empty() {
        return Ok(vec![hex(&whole.finalize())]);
    }
    Ok(parts
        .into_iter()
        .map(|mut p| {
            if p.filled > 0 {
                p.digests.update(p.current.finalize());
                p.count += 1;
            }
            format!("{}-{}", hex(&p.digests.finalize()), p.count)
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::{file_etags, part_size_candidates};

    #[test]
    fn etags_of_whole_and_multipart_files() {
        let dir = std::env::temp_dir().join(format!("cos-cli-etag-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("f");
        std::fs::write(&path, b"hello").unwrap();
        assert_eq!(file_etags(&path, &[]).unwrap(), ["5d41402abc4b2a76b9719d911017c592"]);
        // Parts "hel" and "lo": md5(md5("hel") || md5("lo")), then the count (computed independently
        // with Python's hashlib).
        assert_eq!(
            file_etags(&path, &[3, 2]).unwrap(),
            ["554a2f6105cc700b8cc987b5ddfb8102-2", "75994d598838ab475c86e3140adc14c7-3"]
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn part_sizes_that_give_the_count() {
        const MIB: u64 = 1 << 20;
        // 100 MiB in 2 parts: 50 MiB (the smallest whole MiB and s5cmd's), 64 MiB; not 5, 8 or 16.
        assert_eq!(part_size_candidates(100 * MIB, 2, Some(8 * MIB)), [50 * MIB, 64 * MIB]);
        assert_eq!(part_size_candidates(20 * MIB, 3, Some(8 * MIB)), [8 * MIB, 7 * MIB]);
        assert!(part_size_candidates(10, 20, None).is_empty());
    }
}
