//! `TransferConfig`: when to go multipart, how big the parts are, how many requests run at once, and the
//! part-size arithmetic that keeps every object within S3's 10,000-part limit.

use crate::runtime::error::Error;
use crate::runtime::protocol::checksum::Algorithm;
use crate::types::ChecksumAlgorithm;

/// One mebibyte.
pub const MIB: u64 = 1024 * 1024;
/// One gibibyte.
pub const GIB: u64 = 1024 * MIB;
/// The smallest part S3 accepts (except the last part of an upload).
pub const MIN_PART_SIZE: u64 = 5 * MIB;
/// The largest part S3 accepts.
pub const MAX_PART_SIZE: u64 = 5 * GIB;
/// The most parts one multipart upload may have.
pub const MAX_PARTS: u64 = 10_000;

/// How transfers are split and run. The defaults are boto3's: multipart above 8 MiB, 8 MiB parts
/// (doubled until the object fits in 10,000 parts), 10 requests at once, and `Content-MD5` on every part
/// unless a flexible checksum is chosen.
///
/// Memory: an upload holds at most `max_concurrency` part buffers, so its peak is about
/// `max_concurrency x part size` plus a small constant, whatever the object size.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TransferConfig {
    multipart_threshold: u64,
    part_size: u64,
    max_concurrency: usize,
    part_attempts: u32,
    /// The checksum sent with every part and single-part upload: MD5 unless a flexible one is chosen.
    part_checksum: Algorithm,
}

impl Default for TransferConfig {
    fn default() -> Self {
        TransferConfig { multipart_threshold: 8 * MIB, part_size: 8 * MIB, max_concurrency: 10, part_attempts: 3, part_checksum: Algorithm::Md5 }
    }
}

impl TransferConfig {
    /// The defaults (see the type's documentation).
    pub fn new() -> TransferConfig {
        TransferConfig::default()
    }

    /// A builder starting from the defaults; [`TransferConfigBuilder::build`] checks every field.
    pub fn builder() -> TransferConfigBuilder {
        TransferConfigBuilder { config: TransferConfig::default(), checksum_algorithm: None }
    }

    /// Objects of at least this many bytes are uploaded, downloaded and copied in parts.
    pub fn multipart_threshold(&self) -> u64 {
        self.multipart_threshold
    }

    /// The preferred part size; doubled for objects that would otherwise need more than 10,000 parts.
    pub fn part_size(&self) -> u64 {
        self.part_size
    }

    /// How many part requests (and part buffers) one transfer uses at once.
    pub fn max_concurrency(&self) -> usize {
        self.max_concurrency
    }

    /// How many times one part is attempted before the transfer gives up. Each attempt is itself one
    /// client call, which retries transport errors and 5xx answers on its own.
    pub fn part_attempts(&self) -> u32 {
        self.part_attempts
    }

    /// The flexible checksum sent with every part (and checked by the service), or `None` when parts
    /// carry `Content-MD5`.
    pub fn checksum_algorithm(&self) -> Option<ChecksumAlgorithm> {
        model_algorithm(self.part_checksum)
    }

    pub(crate) fn part_checksum(&self) -> Algorithm {
        self.part_checksum
    }

    /// The part size for an object of `size` bytes: the configured part size, doubled until the object
    /// fits in 10,000 parts. Fails when even 5 GiB parts are not enough.
    pub fn part_size_for(&self, size: u64) -> Result<u64, Error> {
        part_size_for(size, self.part_size)
    }
}

/// The part size for an object of `size` bytes starting from `preferred`: doubled until at most 10,000
/// parts are needed, capped at 5 GiB.
pub fn part_size_for(size: u64, preferred: u64) -> Result<u64, Error> {
    let mut part_size = preferred.clamp(MIN_PART_SIZE, MAX_PART_SIZE);
    while part_count(size, part_size) > MAX_PARTS {
        if part_size >= MAX_PART_SIZE {
            return Err(Error::invalid_input(format!(
                "an object of {size} bytes needs more than {MAX_PARTS} parts of 5 GiB, the most S3 allows; \
                 split it into several objects"
            )));
        }
        part_size = (part_size * 2).min(MAX_PART_SIZE);
    }
    Ok(part_size)
}

/// How many parts of `part_size` bytes an object of `size` bytes takes (one for an empty object).
pub fn part_count(size: u64, part_size: u64) -> u64 {
    if size == 0 {
        1
    } else {
        size.div_ceil(part_size.max(1))
    }
}

/// The byte range `(offset, length)` of part `part_number` (1-based).
pub fn part_range(size: u64, part_size: u64, part_number: u64) -> (u64, u64) {
    let offset = (part_number - 1).saturating_mul(part_size);
    let length = size.saturating_sub(offset).min(part_size);
    (offset, length)
}

/// Builds a [`TransferConfig`]; every setter's value is checked by [`TransferConfigBuilder::build`].
#[derive(Clone, Debug)]
pub struct TransferConfigBuilder {
    config: TransferConfig,
    checksum_algorithm: Option<ChecksumAlgorithm>,
}

impl TransferConfigBuilder {
    /// Sets the size at and above which transfers go in parts (default 8 MiB; at least 1 byte).
    pub fn multipart_threshold(mut self, bytes: u64) -> Self {
        self.config.multipart_threshold = bytes;
        self
    }

    /// Sets the preferred part size (default 8 MiB; 5 MiB to 5 GiB).
    pub fn part_size(mut self, bytes: u64) -> Self {
        self.config.part_size = bytes;
        self
    }

    /// Sets how many requests one transfer runs at once (default 10; 1 to 1,000).
    pub fn max_concurrency(mut self, requests: usize) -> Self {
        self.config.max_concurrency = requests;
        self
    }

    /// Sets how many times a part is attempted before the transfer gives up (default 3; 1 to 100).
    pub fn part_attempts(mut self, attempts: u32) -> Self {
        self.config.part_attempts = attempts;
        self
    }

    /// Sends this flexible checksum (CRC32, CRC32C, CRC64NVME, SHA1 or SHA256) with every part instead of
    /// `Content-MD5`: the multipart upload is created with the algorithm, each part carries its checksum,
    /// CompleteMultipartUpload lists them, and a composite checksum (`...-N`) in its answer is checked
    /// against the parts (a full-object checksum, which S3 gives CRC64NVME objects, is not checked
    /// here). Downloads below
    /// the multipart threshold ask for the object's checksum and check it. Choose what the service
    /// supports: every S3-compatible store takes `Content-MD5`, not all take flexible checksums.
    pub fn checksum_algorithm(mut self, algorithm: ChecksumAlgorithm) -> Self {
        self.checksum_algorithm = Some(algorithm);
        self
    }

    /// Checks every field and returns the configuration; the error names the field that is out of range.
    pub fn build(self) -> Result<TransferConfig, Error> {
        let mut c = self.config;
        if let Some(algorithm) = &self.checksum_algorithm {
            c.part_checksum = Algorithm::flexible(algorithm.as_str(), "TransferConfig.checksum_algorithm")?;
        }
        if c.multipart_threshold == 0 {
            return Err(Error::invalid_input(
                "TransferConfig.multipart_threshold is 0; give at least 1 byte (8 MiB is the default)",
            ));
        }
        if !(MIN_PART_SIZE..=MAX_PART_SIZE).contains(&c.part_size) {
            return Err(Error::invalid_input(format!(
                "TransferConfig.part_size is {} bytes; S3 accepts parts of 5 MiB ({MIN_PART_SIZE}) to 5 GiB ({MAX_PART_SIZE})",
                c.part_size
            )));
        }
        if !(1..=1000).contains(&c.max_concurrency) {
            return Err(Error::invalid_input(format!(
                "TransferConfig.max_concurrency is {}; give 1 to 1000 requests at once (10 is the default)",
                c.max_concurrency
            )));
        }
        if !(1..=100).contains(&c.part_attempts) {
            return Err(Error::invalid_input(format!(
                "TransferConfig.part_attempts is {}; give 1 to 100 attempts (3 is the default)",
                c.part_attempts
            )));
        }
        Ok(c)
    }
}

/// The model's value for a flexible checksum; `None` for `Content-MD5`, which is not one.
pub(crate) fn model_algorithm(algorithm: Algorithm) -> Option<ChecksumAlgorithm> {
    (algorithm != Algorithm::Md5).then(|| ChecksumAlgorithm::from(algorithm.name()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_boto3s() {
        let c = TransferConfig::default();
        assert_eq!(c.multipart_threshold(), 8 * MIB);
        assert_eq!(c.part_size(), 8 * MIB);
        assert_eq!(c.max_concurrency(), 10);
        assert_eq!(TransferConfig::builder().build().unwrap(), c);
    }

    #[test]
    fn validation_names_the_field() {
        let e = TransferConfig::builder().part_size(5 * MIB - 1).build().unwrap_err();
        assert!(e.to_string().contains("part_size"), "{e}");
        let e = TransferConfig::builder().part_size(5 * GIB + 1).build().unwrap_err();
        assert!(e.to_string().contains("part_size"), "{e}");
        let e = TransferConfig::builder().max_concurrency(0).build().unwrap_err();
        assert!(e.to_string().contains("max_concurrency"), "{e}");
        let e = TransferConfig::builder().multipart_threshold(0).build().unwrap_err();
        assert!(e.to_string().contains("multipart_threshold"), "{e}");
        let e = TransferConfig::builder().part_attempts(0).build().unwrap_err();
        assert!(e.to_string().contains("part_attempts"), "{e}");
        let e = TransferConfig::builder().checksum_algorithm(ChecksumAlgorithm::from("XXH3")).build().unwrap_err();
        assert!(e.to_string().contains("TransferConfig.checksum_algorithm"), "{e}");
        let c = TransferConfig::builder().checksum_algorithm(ChecksumAlgorithm::Crc32c).build().unwrap();
        assert_eq!(c.checksum_algorithm(), Some(ChecksumAlgorithm::Crc32c));
        assert_eq!(TransferConfig::default().checksum_algorithm(), None);
        assert!(TransferConfig::builder().part_size(5 * MIB).build().is_ok());
        assert!(TransferConfig::builder().part_size(5 * GIB).build().is_ok());
    }

    #[test]
    fn part_size_doubles_at_exactly_ten_thousand_parts() {
        let p = 8 * MIB;
        // Exactly 10,000 parts of 8 MiB fit; one byte more needs 16 MiB parts.
        assert_eq!(part_size_for(10_000 * p, p).unwrap(), p);
        assert_eq!(part_count(10_000 * p, p), 10_000);
        assert_eq!(part_size_for(10_000 * p + 1, p).unwrap(), 2 * p);
        assert_eq!(part_count(10_000 * p + 1, 2 * p), 5_001);
        // 10,000 x 16 MiB fits in 16 MiB parts; one more byte needs 32 MiB.
        assert_eq!(part_size_for(10_000 * 2 * p, p).unwrap(), 2 * p);
        assert_eq!(part_size_for(10_000 * 2 * p + 1, p).unwrap(), 4 * p);
        // 1 TiB: 8 MiB x 2^4 = 128 MiB parts, 8,192 of them.
        let tib = 1024 * GIB;
        assert_eq!(part_size_for(tib, p).unwrap(), 128 * MIB);
        assert_eq!(part_count(tib, 128 * MIB), 8_192);
        // 10 TiB (COS's largest object): 1 GiB parts, 10,240 would be too many, so 2 GiB.
        assert_eq!(part_size_for(10 * tib, p).unwrap(), 2 * GIB);
    }

    #[test]
    fn part_size_is_capped_at_five_gib() {
        // Doubling 8 MiB reaches 4 GiB, then the cap of 5 GiB, which holds 10,000 x 5 GiB exactly.
        let max = MAX_PARTS * MAX_PART_SIZE;
        assert_eq!(part_size_for(max, 8 * MIB).unwrap(), MAX_PART_SIZE);
        let e = part_size_for(max + 1, 8 * MIB).unwrap_err();
        assert!(e.to_string().contains("10000 parts"), "{e}");
        // A preferred size outside the limits is clamped into them.
        assert_eq!(part_size_for(1, 1).unwrap(), MIN_PART_SIZE);
        assert_eq!(part_size_for(1, u64::MAX).unwrap(), MAX_PART_SIZE);
    }

    #[test]
    fn part_ranges_cover_the_object_exactly() {
        let size = 10_000 * 8 * MIB + 1;
        let part_size = part_size_for(size, 8 * MIB).unwrap();
        let count = part_count(size, part_size);
        let mut next = 0;
        for n in 1..=count {
            let (offset, length) = part_range(size, part_size, n);
            assert_eq!(offset, next);
            assert!(length > 0 && length <= part_size);
            next += length;
        }
        assert_eq!(next, size);
        assert_eq!(part_range(size, part_size, count).1, size - (count - 1) * part_size);
        assert_eq!(part_count(0, 8 * MIB), 1);
        assert_eq!(part_range(0, 8 * MIB, 1), (0, 0));
    }
}
