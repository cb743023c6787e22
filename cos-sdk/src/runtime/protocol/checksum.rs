//! Checksums of bodies: `Content-MD5` and S3's flexible checksums (CRC32, CRC32C, CRC64NVME, SHA-1,
//! SHA-256). Requests that name an algorithm in `x-amz-sdk-checksum-algorithm` get its value computed,
//! and downloads made with `x-amz-checksum-mode: ENABLED` are checked against the checksum the service
//! sends while they stream.

use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use http::HeaderMap;
use http_body::{Body, Frame, SizeHint};
use md5::Digest;

use crate::runtime::error::{Error, ErrorKind};
use crate::runtime::http::body::{BoxError, ByteStream};
use crate::runtime::protocol::scalars::base64_encode;

/// The request header naming the flexible checksum the SDK should compute.
const REQUESTED_ALGORITHM: &str = "x-amz-sdk-checksum-algorithm";
/// The request header asking the service for the object's checksum.
const CHECKSUM_MODE: &str = "x-amz-checksum-mode";

/// A checksum algorithm the SDK computes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Algorithm {
    Md5,
    Crc32,
    Crc32c,
    Crc64Nvme,
    Sha1,
    Sha256,
}

/// The flexible checksums, in the order a response's headers are looked at.
const FLEXIBLE: [Algorithm; 5] =
    [Algorithm::Crc64Nvme, Algorithm::Crc32c, Algorithm::Crc32, Algorithm::Sha256, Algorithm::Sha1];

impl Algorithm {
    /// The flexible checksum named `name` (a `ChecksumAlgorithm` value, set in `field`); other names are
    /// an error listing the ones the SDK computes.
    pub(crate) fn flexible(name: &str, field: &str) -> Result<Algorithm, Error> {
        Algorithm::from_name(name).filter(|a| *a != Algorithm::Md5).ok_or_else(|| {
            Error::invalid_input(format!(
                "{field} is `{name}`, which cos-sdk cannot compute; use CRC32, CRC32C, CRC64NVME, SHA1 or SHA256"
            ))
        })
    }

    /// The algorithm named `name` on the wire (`CRC32C`), in any case.
    fn from_name(name: &str) -> Option<Algorithm> {
        [Algorithm::Md5].into_iter().chain(FLEXIBLE).find(|a| a.name().eq_ignore_ascii_case(name))
    }

    /// The wire name (`CRC32C`).
    pub(crate) fn name(self) -> &'static str {
        match self {
            Algorithm::Md5 => "MD5",
            Algorithm::Crc32 => "CRC32",
            Algorithm::Crc32c => "CRC32C",
            Algorithm::Crc64Nvme => "CRC64NVME",
            Algorithm::Sha1 => "SHA1",
            Algorithm::Sha256 => "SHA256",
        }
    }

    /// The header that carries the checksum (`x-amz-checksum-crc32c`, or `content-md5`).
    pub(crate) fn header(self) -> &'static str {
        match self {
            Algorithm::Md5 => "content-md5",
            Algorithm::Crc32 => "x-amz-checksum-crc32",
            Algorithm::Crc32c => "x-amz-checksum-crc32c",
            Algorithm::Crc64Nvme => "x-amz-checksum-crc64nvme",
            Algorithm::Sha1 => "x-amz-checksum-sha1",
            Algorithm::Sha256 => "x-amz-checksum-sha256",
        }
    }

    pub(crate) fn hasher(self) -> Hasher {
        match self {
            Algorithm::Md5 => Hasher::Md5(md5::Md5::new()),
            Algorithm::Crc32 => Hasher::Crc32(crc32fast::Hasher::new()),
            Algorithm::Crc32c => Hasher::Crc32c(0),
            Algorithm::Crc64Nvme => Hasher::Crc64Nvme(CRC64_NVME.digest()),
            Algorithm::Sha1 => Hasher::Sha1(sha1::Sha1::new()),
            Algorithm::Sha256 => Hasher::Sha256(sha2::Sha256::new()),
        }
    }

    /// The raw digest of `data`.
    pub(crate) fn digest(self, data: &[u8]) -> Vec<u8> {
        let mut hasher = self.hasher();
        hasher.update(data);
        hasher.finish()
    }

    /// The base64 checksum of `data`, as it goes in a header.
    pub(crate) fn base64(self, data: &[u8]) -> String {
        base64_encode(&self.digest(data))
    }

    /// The checksum S3 gives a multipart object whose parts have these raw digests: the digest of their
    /// concatenation, then `-` and the number of parts.
    pub(crate) fn composite<'a>(self, parts: impl IntoIterator<Item = &'a [u8]>) -> String {
        let mut hasher = self.hasher();
        let mut count = 0;
        for digest in parts {
            hasher.update(digest);
            count += 1;
        }
        format!("{}-{count}", base64_encode(&hasher.finish()))
    }
}

/// CRC-64/NVME with a slice-by-16 table (32 KiB, built at compile time).
static CRC64_NVME: crc::Crc<u64, crc::Table<16>> = crc::Crc::<u64, crc::Table<16>>::new(&crc::CRC_64_NVME);

/// A running checksum.
pub(crate) enum Hasher {
    Md5(md5::Md5),
    Crc32(crc32fast::Hasher),
    Crc32c(u32),
    Crc64Nvme(crc::Digest<'static, u64, crc::Table<16>>),
    Sha1(sha1::Sha1),
    Sha256(sha2::Sha256),
}

impl Hasher {
    pub(crate) fn update(&mut self, data: &[u8]) {
        match self {
            Hasher::Md5(h) => h.update(data),
            Hasher::Crc32(h) => h.update(data),
            Hasher::Crc32c(crc) => *crc = crc32c::crc32c_append(*crc, data),
            Hasher::Crc64Nvme(h) => h.update(data),
            Hasher::Sha1(h) => h.update(data),
            Hasher::Sha256(h) => h.update(data),
        }
    }

    /// The raw digest (big-endian for the CRCs, as S3 encodes them).
    pub(crate) fn finish(self) -> Vec<u8> {
        match self {
            Hasher::Md5(h) => h.finalize().to_vec(),
            Hasher::Crc32(h) => h.finalize().to_be_bytes().to_vec(),
            Hasher::Crc32c(crc) => crc.to_be_bytes().to_vec(),
            Hasher::Crc64Nvme(h) => h.finalize().to_be_bytes().to_vec(),
            Hasher::Sha1(h) => h.finalize().to_vec(),
            Hasher::Sha256(h) => h.finalize().to_vec(),
        }
    }
}

/// The headers of an Object Lock write. S3's rule (which moto and radosgw enforce) is that such a write
/// carries `Content-MD5` or a flexible checksum.
const OBJECT_LOCK_HEADERS: &[&str] =
    &["x-amz-object-lock-mode", "x-amz-object-lock-retain-until-date", "x-amz-object-lock-legal-hold"];

/// Adds the checksum a request needs when the caller did not set its value, computed over an
/// in-memory body or a file: the one asked for with `x-amz-sdk-checksum-algorithm` (the model's
/// `ChecksumAlgorithm` member), else `Content-MD5` on an Object Lock write that carries no checksum. A
/// one-shot stream cannot be read twice, so it needs the value set by the caller.
pub(crate) async fn add_requested(headers: &mut HeaderMap, body: &ByteStream) -> Result<(), Error> {
    // What needs the checksum, and which member the caller of a stream body sets instead.
    let (algorithm, why, member) = match headers.get(REQUESTED_ALGORITHM) {
        Some(requested) => {
            let name = requested.to_str().unwrap_or_default();
            let algorithm = Algorithm::flexible(name, "ChecksumAlgorithm")?;
            (algorithm, format!("ChecksumAlgorithm is {name}"), format!("the matching Checksum{name} member"))
        }
        None if OBJECT_LOCK_HEADERS.iter().any(|h| headers.contains_key(*h)) && !has_checksum(headers) => {
            (Algorithm::Md5, "an Object Lock write must carry a checksum".to_string(), "content_md5".to_string())
        }
        None => return Ok(()),
    };
    if headers.contains_key(algorithm.header()) {
        return Ok(());
    }
    let value = if let Some(bytes) = body.as_bytes() {
        algorithm.base64(bytes)
    } else if let Some((path, offset, length)) = body.file_range() {
        let path = path.to_path_buf();
        crate::runtime::http::body::run_blocking("the checksum task", move || hash_file_range(algorithm, &path, offset, length)).await??
    } else {
        return Err(Error::invalid_input(format!(
            "{why} but the body is a stream, which cannot be read twice to compute it; set the checksum value \
             yourself ({member}), or give the body as bytes or a file"
        )));
    };
    let value = http::HeaderValue::from_str(&value).expect("base64 is a valid header value");
    headers.insert(algorithm.header(), value);
    Ok(())
}

/// Adds `Content-MD5` to a request that must carry a checksum and has none, when its body is in memory
/// (a file or stream body gets one from [`add_requested`] or its caller).
pub(crate) fn add_content_md5(headers: &mut HeaderMap, body: &ByteStream) {
    if let (false, Some(bytes)) = (has_checksum(headers), body.as_bytes()) {
        let value = http::HeaderValue::from_str(&Algorithm::Md5.base64(bytes)).expect("base64 is a valid header value");
        headers.insert(Algorithm::Md5.header(), value);
    }
}

/// Whether the request already carries `Content-MD5` or a flexible checksum.
fn has_checksum(headers: &HeaderMap) -> bool {
    [Algorithm::Md5].into_iter().chain(FLEXIBLE).any(|a| headers.contains_key(a.header()))
}

fn hash_file_range(algorithm: Algorithm, path: &std::path::Path, offset: u64, length: u64) -> Result<String, Error> {
    use std::io::{Read, Seek, SeekFrom};
    let fail = |e: std::io::Error| {
        Error::new(ErrorKind::Io, format!("could not read `{}` to compute its {} checksum", path.display(), algorithm.name()))
            .with_source(e)
    };
    let mut file = std::fs::File::open(path).map_err(fail)?;
    file.seek(SeekFrom::Start(offset)).map_err(fail)?;
    let mut hasher = algorithm.hasher();
    let mut buffer = vec![0u8; 256 * 1024];
    let mut left = length;
    while left > 0 {
        let want = buffer.len().min(usize::try_from(left).unwrap_or(usize::MAX));
        let n = file.read(&mut buffer[..want]).map_err(fail)?;
        if n == 0 {
            return Err(Error::new(
                ErrorKind::Io,
                format!("`{}` ended {left} bytes early while computing its checksum; it changed, send it again", path.display()),
            ));
        }
        hasher.update(&buffer[..n]);
        left -= n as u64;
    }
    Ok(base64_encode(&hasher.finish()))
}

/// Whether the request asked the service for the object's checksum (`ChecksumMode=ENABLED`).
pub(crate) fn validation_requested(headers: &HeaderMap) -> bool {
    headers.get(CHECKSUM_MODE).is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"enabled"))
}

/// The checksum to check a whole-object response against: the first flexible checksum header that holds
/// a checksum of the full object (a multipart object's composite value, `...-N` or typed `COMPOSITE`,
/// covers its parts, not the bytes, and is skipped).
pub(crate) fn expected_checksum(headers: &HeaderMap) -> Option<(Algorithm, String)> {
    if headers.get("x-amz-checksum-type").is_some_and(|t| t.as_bytes().eq_ignore_ascii_case(b"composite")) {
        return None;
    }
    FLEXIBLE.into_iter().find_map(|algorithm| {
        let value = headers.get(algorithm.header())?.to_str().ok()?.trim();
        (!value.is_empty() && !value.contains('-')).then(|| (algorithm, value.to_string()))
    })
}

/// A response body that hashes what passes through it and fails at its end when the result differs from
/// the checksum the service sent.
pub(crate) struct ValidatingBody<B> {
    inner: B,
    hasher: Option<Hasher>,
    algorithm: Algorithm,
    expected: String,
}

impl<B> ValidatingBody<B> {
    pub(crate) fn new(inner: B, algorithm: Algorithm, expected: String) -> Self {
        ValidatingBody { inner, hasher: Some(algorithm.hasher()), algorithm, expected }
    }
}

impl<B> Body for ValidatingBody<B>
where
    B: Body<Data = Bytes> + Unpin,
    B::Error: Into<BoxError>,
{
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        let this = &mut *self;
        match Pin::new(&mut this.inner).poll_frame(cx) {
            Poll::Ready(Some(Ok(frame))) => {
                if let (Some(data), Some(hasher)) = (frame.data_ref(), this.hasher.as_mut()) {
                    hasher.update(data);
                }
                Poll::Ready(Some(Ok(frame)))
            }
            Poll::Ready(Some(Err(e))) => Poll::Ready(Some(Err(e.into()))),
            Poll::Ready(None) => {
                let Some(hasher) = this.hasher.take() else { return Poll::Ready(None) };
                let actual = base64_encode(&hasher.finish());
                if actual == this.expected {
                    Poll::Ready(None)
                } else {
                    let header = this.algorithm.header();
                    let message = format!(
                        "the downloaded data has {} checksum {actual}, but the service sent {header}: {}; \
                         the data was corrupted on the way, download it again",
                        this.algorithm.name(),
                        this.expected
                    );
                    Poll::Ready(Some(Err(Box::new(Error::new(ErrorKind::Integrity, message)))))
                }
            }
            Poll::Pending => Poll::Pending,
        }
    }

    fn is_end_stream(&self) -> bool {
        self.hasher.is_none() && self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }

    #[test]
    fn check_values_of_every_algorithm() {
        let data = b"123456789";
        assert_eq!(hex(&Algorithm::Crc32.digest(data)), "cbf43926");
        assert_eq!(hex(&Algorithm::Crc32c.digest(data)), "e3069283");
        assert_eq!(hex(&Algorithm::Crc64Nvme.digest(data)), "ae8b14860a799888");
        assert_eq!(hex(&Algorithm::Sha1.digest(data)), "f7c3bc1d808e04732adf679965ccc34ca7ae3441");
        assert_eq!(
            hex(&Algorithm::Sha256.digest(data)),
            "15e2b0d3c33891ebb0f1ef609ec419420c20e320ce94c65fbc8c3312448eb225"
        );
        assert_eq!(hex(&Algorithm::Md5.digest(data)), "25f9e794323b453885f5181f1b624d0b");
        // Base64 of the big-endian CRC, as S3 sends it: CRC32C("hello world") is 0xc99465aa.
        assert_eq!(Algorithm::Crc32c.base64(b"hello world"), "yZRlqg==");
        assert_eq!(Algorithm::Crc32.base64(b""), "AAAAAA==");
    }

    #[test]
    fn hashing_in_pieces_equals_hashing_at_once() {
        let data: Vec<u8> = (0..10_000u32).map(|i| (i * 7 % 251) as u8).collect();
        for algorithm in [Algorithm::Md5].into_iter().chain(FLEXIBLE) {
            let mut hasher = algorithm.hasher();
            for chunk in data.chunks(333) {
                hasher.update(chunk);
            }
            assert_eq!(hasher.finish(), algorithm.digest(&data), "{algorithm:?}");
        }
    }

    #[test]
    fn composite_checksum_is_the_checksum_of_the_part_checksums() {
        let parts = [b"first part".as_slice(), b"second part"];
        let digests: Vec<Vec<u8>> = parts.iter().map(|p| Algorithm::Crc32c.digest(p)).collect();
        let mut joined = Vec::new();
        for d in &digests {
            joined.extend_from_slice(d);
        }
        let expected = format!("{}-2", Algorithm::Crc32c.base64(&joined));
        assert_eq!(Algorithm::Crc32c.composite(digests.iter().map(Vec::as_slice)), expected);
    }

    #[test]
    fn names() {
        assert_eq!(Algorithm::from_name("crc32c"), Some(Algorithm::Crc32c));
        assert_eq!(Algorithm::flexible("SHA256", "f").unwrap(), Algorithm::Sha256);
        assert!(Algorithm::flexible("MD5", "f").is_err());
        let e = Algorithm::flexible("XXH3", "TransferConfig.checksum_algorithm").unwrap_err();
        assert!(e.to_string().contains("TransferConfig.checksum_algorithm is `XXH3`"), "{e}");
    }

    #[test]
    fn requested_checksums_are_computed_for_bytes_and_files_but_not_streams() {
        crate::runtime::http::body::tests::runtime().block_on(requested_checksums());
    }

    async fn requested_checksums() {
        let mut headers = HeaderMap::new();
        headers.insert(REQUESTED_ALGORITHM, "CRC32C".parse().unwrap());
        add_requested(&mut headers, &ByteStream::from("hello world")).await.unwrap();
        assert_eq!(headers["x-amz-checksum-crc32c"], "yZRlqg==");

        // A value set by the caller is kept.
        headers.insert("x-amz-checksum-crc32c", "AAAAAA==".parse().unwrap());
        add_requested(&mut headers, &ByteStream::from("hello world")).await.unwrap();
        assert_eq!(headers["x-amz-checksum-crc32c"], "AAAAAA==");

        let path = std::env::temp_dir().join(format!("cos-sdk-checksum-{}", std::process::id()));
        std::fs::write(&path, b"xxhello worldyy").unwrap();
        let mut headers = HeaderMap::new();
        headers.insert(REQUESTED_ALGORITHM, "sha256".parse().unwrap());
        add_requested(&mut headers, &ByteStream::from_file_range(&path, 2, 11).await.unwrap()).await.unwrap();
        assert_eq!(headers["x-amz-checksum-sha256"], Algorithm::Sha256.base64(b"hello world").as_str());
        std::fs::remove_file(&path).unwrap();

        let stream = ByteStream::from_reader(std::io::Cursor::new(b"x".to_vec()), Some(1));
        headers.remove("x-amz-checksum-sha256");
        let e = add_requested(&mut headers.clone(), &stream).await.unwrap_err();
        assert!(e.to_string().contains("cannot be read twice"), "{e}");

        headers.insert(REQUESTED_ALGORITHM, "XXH3".parse().unwrap());
        let e = add_requested(&mut headers, &ByteStream::from("x")).await.unwrap_err();
        assert!(e.to_string().contains("`XXH3`") && e.to_string().contains("CRC32C"), "{e}");
    }

    #[test]
    fn composite_values_are_not_expected_of_the_bytes() {
        let mut headers = HeaderMap::new();
        headers.insert("x-amz-checksum-crc32", "abcd-3".parse().unwrap());
        assert_eq!(expected_checksum(&headers), None);
        headers.insert("x-amz-checksum-sha256", "full".parse().unwrap());
        assert_eq!(expected_checksum(&headers), Some((Algorithm::Sha256, "full".to_string())));
        headers.insert("x-amz-checksum-type", "COMPOSITE".parse().unwrap());
        assert_eq!(expected_checksum(&headers), None);
    }
}
