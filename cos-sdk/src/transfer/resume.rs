//! Resuming an interrupted multipart upload of a file: its state file read back, and its parts checked
//! against what ListParts says, so only parts the service holds as they were recorded are skipped.

use std::collections::BTreeMap;
use std::path::Path;

use super::config::{part_count, part_range, part_size_for, MAX_PARTS};
use super::state::{read_state, RecordedPart};
use super::upload::UploadJob;
use super::{is_no_such_upload, join_message};
use crate::runtime::error::{Error, ErrorKind};
use crate::runtime::protocol::checksum::Algorithm;

impl UploadJob {
    /// Reads the state file of an interrupted upload and confirms its parts with ListParts. `None` when
    /// there is nothing to resume (then any stale upload it names is aborted).
    pub(super) async fn check_resume(
        &self,
        state_path: &Path,
        source: &Path,
        size: u64,
        modified: &str,
    ) -> Result<Option<(String, u64, Vec<RecordedPart>)>, Error> {
        let Some(saved) = read_state(state_path, "upload")? else { return Ok(None) };
        let client = &self.inner.client;
        let Some(upload_id) = saved.str("upload_id").map(str::to_string) else { return Ok(None) };
        let same_object = saved.str("bucket") == Some(&self.bucket) && saved.str("key") == Some(&self.key);
        let algorithm = self.inner.config.part_checksum();
        let same_source = saved.u64("source_size") == Some(size)
            && saved.str("source_modified") == Some(modified)
            && saved.str("checksum_algorithm").unwrap_or(Algorithm::Md5.name()) == algorithm.name();
        let part_size = saved.u64("part_size").filter(|p| part_size_for(size, *p).ok() == Some(*p));
        let part_size = match (same_object, same_source, part_size) {
            (true, true, Some(p)) => p,
            (true, _, _) => {
                let reason = format!("`{}` or the checksum setting changed since", source.display());
                return Ok(self.abandon(&upload_id, state_path, &reason).await);
            }
            (false, _, _) => {
                return Err(Error::invalid_input(format!(
                    "the state file `{}` belongs to an upload to {}/{}, not {}/{}; give another state file",
                    state_path.display(),
                    saved.str("bucket").unwrap_or("?"),
                    saved.str("key").unwrap_or("?"),
                    self.bucket,
                    self.key
                )))
            }
        };
        // Per part number of this upload: the ETag, size and checksum the service lists. Only those part
        // numbers are kept. A page that says more follow must list parts, and an upload has at most
        // 10,000, so a server that pages on and on can neither grow this nor keep the check going: a
        // listing that cannot be trusted aborts the interrupted upload, and the file is sent anew.
        let mut listed: BTreeMap<u32, Listed> = BTreeMap::new();
        let count = part_count(size, part_size);
        let mut pages = client.list_parts().bucket(&self.bucket).key(&self.key).upload_id(&upload_id).into_paginator().send();
        let mut parts_listed = 0u64;
        while let Some(page) = pages.next().await {
            let untrusted = match page {
                Ok(page) => {
                    let parts = page.parts.unwrap_or_default();
                    parts_listed += parts.len() as u64;
                    if parts_listed > MAX_PARTS {
                        Some("it listed more than 10,000 parts".to_string())
                    } else if parts.is_empty() && page.is_truncated == Some(true) {
                        Some("a page of no parts said more follow".to_string())
                    } else {
                        for p in parts {
                            listed_part(&mut listed, p, count, algorithm);
                        }
                        None
                    }
                }
                Err(e) if is_no_such_upload(&e) => return Ok(None),
                Err(e) if e.kind() == ErrorKind::ResponseParse => Some(e.to_string()),
                Err(e) => return Err(e.map_message(|m| join_message(m, "checking the parts of the interrupted upload"))),
            };
            if let Some(reason) = untrusted {
                return Ok(self.abandon(&upload_id, state_path, &format!("its ListParts cannot be trusted: {reason}")).await);
            }
        }
        let parts: Vec<RecordedPart> = saved
            .parts
            .iter()
            .filter(|p| (1..=count).contains(&u64::from(p.part_number)))
            .filter(|p| match listed.get(&p.part_number) {
                Some((etag, listed_size, listed_checksum)) => {
                    let size_ok = listed_size.is_none_or(|s| u64::try_from(s).ok() == Some(p.size))
                        && part_range(size, part_size, u64::from(p.part_number)).1 == p.size;
                    let etag_ok = etag.as_deref().is_none_or(|e| e.trim_matches('"') == p.etag.trim_matches('"'));
                    // With a flexible checksum, a part is kept only with its checksum, and one the service
                    // lists must be the same.
                    let checksum_ok = algorithm == Algorithm::Md5
                        || p.checksum.as_ref().is_some_and(|c| listed_checksum.as_ref().is_none_or(|l| l == c));
                    size_ok && etag_ok && checksum_ok && !p.etag.is_empty()
                }
                None => false,
            })
            .cloned()
            .collect();
        Ok(Some((upload_id, part_size, parts)))
    }

    /// Aborts the interrupted upload `upload_id` that cannot be resumed, saying why, so the file is sent
    /// anew: always `None`, nothing to resume.
    async fn abandon<T>(&self, upload_id: &str, state_path: &Path, reason: &str) -> Option<T> {
        tracing::warn!(state = %state_path.display(), reason, "aborting the interrupted upload and starting over");
        let client = &self.inner.client;
        let _ = client.abort_multipart_upload().bucket(&self.bucket).key(&self.key).upload_id(upload_id).send().await;
        None
    }
}

/// What ListParts says of one part: its ETag, size and checksum.
type Listed = (Option<String>, Option<i64>, Option<String>);

/// Keeps a listed part of an upload of `count` parts, with its checksum of `algorithm`; part numbers
/// outside the upload are left out.
fn listed_part(listed: &mut BTreeMap<u32, Listed>, p: crate::types::Part, count: u64, algorithm: Algorithm) {
    let Some(n) = p.part_number.and_then(|n| u32::try_from(n).ok()).filter(|n| (1..=count).contains(&u64::from(*n))) else {
        return;
    };
    let checksum = match algorithm {
        Algorithm::Md5 => None,
        Algorithm::Crc32 => p.checksum_crc32,
        Algorithm::Crc32c => p.checksum_crc32c,
        Algorithm::Crc64Nvme => p.checksum_crc64_nvme,
        Algorithm::Sha1 => p.checksum_sha1,
        Algorithm::Sha256 => p.checksum_sha256,
    };
    listed.insert(n, (p.e_tag, p.size, checksum));
}
