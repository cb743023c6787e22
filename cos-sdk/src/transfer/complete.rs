//! Completing a multipart upload: CompleteMultipartUpload with the retention settings, the check of the
//! composite checksum the service answers with, and the size check with HeadObject.

use std::collections::BTreeMap;

use super::abort_upload;
use super::handle::{until_stopped, StopSignal, Stopped};
use super::options::apply_settings;
use super::pin::real_version;
use super::state::RecordedPart;
use super::upload::{apply_checksum, PartContext, UploadJob, UploadOutput};
use crate::runtime::error::{Error, ErrorKind};
use crate::runtime::protocol::checksum::Algorithm;
use crate::runtime::protocol::scalars::base64_decode;
use crate::types::{CompletedMultipartUpload, CompletedPart};

impl UploadJob {
    /// CompleteMultipartUpload with the retention settings, then a size check with HeadObject.
    pub(super) async fn complete(
        &self,
        ctx: &PartContext,
        parts: BTreeMap<u32, RecordedPart>,
        expected: Option<u64>,
    ) -> Result<UploadOutput, Error> {
        let client = &self.inner.client;
        let algorithm = self.inner.config.part_checksum();
        let size: u64 = parts.values().map(|p| p.size).sum();
        let count = parts.len() as u32;
        let result = async {
            if let Some(expected) = expected {
                if size != expected {
                    return Err(Error::new(
                        ErrorKind::Integrity,
                        format!("the parts hold {size} bytes but the source has {expected}; the source changed during the upload"),
                    ));
                }
            }
            let completed = parts
                .values()
                .map(|p| {
                    let part = CompletedPart::builder().part_number(p.part_number as i32).e_tag(p.etag.clone());
                    apply_checksum!(part, algorithm, p.checksum.as_ref(), values).build()
                })
                .collect::<Vec<_>>();
            let upload = CompletedMultipartUpload::builder().set_parts(Some(completed)).build();
            let s = &*self.settings;
            let request = client
                .complete_multipart_upload()
                .bucket(&self.bucket)
                .key(&self.key)
                .upload_id(&ctx.upload_id)
                .multipart_upload(upload);
            let request = apply_settings!(request, s, sse_c);
            let request = apply_settings!(request, s, retention);
            request.send().await.map_err(Error::from)
        };
        let output = match until_stopped(&self.stop, result).await {
            Ok(Ok(output)) => output,
            Ok(Err(e)) => {
                if let Some(state) = &ctx.state {
                    state.remove();
                }
                return Err(abort_upload(client, &self.bucket, &self.key, &ctx.upload_id, e).await);
            }
            Err(reason) => {
                if reason == Stopped::Cancelled {
                    if let Some(state) = &ctx.state {
                        state.remove();
                    }
                    let e = StopSignal::error(reason, "upload");
                    return Err(abort_upload(client, &self.bucket, &self.key, &ctx.upload_id, e).await);
                }
                return Err(StopSignal::error(reason, "upload"));
            }
        };
        if let Some(state) = &ctx.state {
            state.remove();
        }
        check_composite_checksum(algorithm, &parts, &output)?;
        // `null` is what stores answer for unversioned buckets: it names no version to ask for.
        let version_id = real_version(output.version_id.as_deref()).map(str::to_string);
        self.check_completed_size(&version_id, size, count).await?;
        Ok(UploadOutput {
            bucket: self.bucket.clone(),
            key: self.key.clone(),
            e_tag: output.e_tag,
            version_id,
            size,
            parts: count,
            upload_id: Some(ctx.upload_id.clone()),
        })
    }

    /// Checks the size of a completed multipart object with a HEAD. The service has already said the
    /// upload completed, so a HEAD that fails (no read permission, a store quirk) is logged, never
    /// reported as a failed upload; only a size that differs is an error.
    async fn check_completed_size(&self, version_id: &Option<String>, size: u64, count: u32) -> Result<(), Error> {
        let (algorithm, key, key_md5) = self.settings.sse_c();
        let head = self
            .inner
            .client
            .head_object()
            .bucket(&self.bucket)
            .key(&self.key)
            .set_version_id(version_id.clone())
            .set_sse_customer_algorithm(algorithm)
            .set_sse_customer_key(key)
            .set_sse_customer_key_md5(key_md5)
            .send()
            .await;
        let stored = match head {
            Ok(head) => head.content_length,
            Err(e) => {
                tracing::warn!(error = %e, "the upload completed, but the HEAD that checks its size failed; not checked");
                None
            }
        };
        match stored {
            Some(stored) if u64::try_from(stored).ok() != Some(size) => Err(Error::new(
                ErrorKind::Integrity,
                format!(
                    "the completed object is {stored} bytes but {size} were uploaded in {count} parts; delete it and \
                     upload again"
                ),
            )),
            _ => Ok(()),
        }
    }
}

/// Checks the composite checksum the service gives the completed object (the checksum of the parts'
/// checksums, `-` and the part count) against the one computed from the parts sent. A full-object checksum
/// (no `-N`) or none at all is not checked here.
fn check_composite_checksum(
    algorithm: Algorithm,
    parts: &BTreeMap<u32, RecordedPart>,
    output: &crate::types::CompleteMultipartUploadOutput,
) -> Result<(), Error> {
    let returned = match algorithm {
        Algorithm::Md5 => None,
        Algorithm::Crc32 => output.checksum_crc32.as_deref(),
        Algorithm::Crc32c => output.checksum_crc32c.as_deref(),
        Algorithm::Crc64Nvme => output.checksum_crc64_nvme.as_deref(),
        Algorithm::Sha1 => output.checksum_sha1.as_deref(),
        Algorithm::Sha256 => output.checksum_sha256.as_deref(),
    };
    // Base64 has no `-`: it only separates a composite checksum from its part count.
    let Some(returned) = returned.filter(|r| r.contains('-')) else { return Ok(()) };
    let digests: Option<Vec<Vec<u8>>> = parts.values().map(|p| p.checksum.as_deref().and_then(base64_decode)).collect();
    let Some(digests) = digests else { return Ok(()) };
    let expected = algorithm.composite(digests.iter().map(Vec::as_slice));
    if returned == expected {
        Ok(())
    } else {
        Err(Error::new(
            ErrorKind::Integrity,
            format!(
                "the completed object's {} checksum is {returned}, but its parts give {expected}; \
                 the object does not hold what was sent, delete it and upload again",
                algorithm.name()
            ),
        ))
    }
}
