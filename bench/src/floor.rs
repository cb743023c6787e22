//! The floor: what a careful hand-written client costs for the same work, to measure cos-sdk against.
//!
//! A pooled hyper 1 client, requests signed with aws-sigv4's own signer by the rules cos-sdk follows
//! (`UNSIGNED-PAYLOAD` for files, the SHA-256 of in-memory bodies), the same CRC32C part checksums
//! the benchmark asks of cos-sdk's transfer manager, files read and written in 1 MiB blocks by a
//! thread of their own and flushed to disk before a download counts as done (cos-sdk's downloads
//! land only when durable), and a quick-xml pull parser that fills typed listing entries (a timestamp,
//! a number and a storage class, as cos-sdk's are). No retries, no
//! timeouts, no checks of what comes back beyond the status: the least a client can do.

use std::fs::File;
use std::io::{Read, Write};
use std::os::unix::fs::FileExt;
use std::path::Path;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::SystemTime;

use aws_sigv4::http_request::{
    sign, PayloadChecksumKind, PercentEncodingMode, SignableBody, SignableRequest, SigningSettings,
    UriPathNormalizationMode,
};
use base64::Engine as _;
use bytes::Bytes;
use futures_util::StreamExt;
use http::{Method, Request};
use http_body::{Body, Frame};
use http_body_util::BodyExt;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use tokio::sync::mpsc;

use crate::{BLOCK, PARTS_IN_FLIGHT, PART_SIZE};

/// A request body: bytes in memory, or blocks a reader thread sends.
pub enum FloorBody {
    Bytes(Option<Bytes>),
    Channel { blocks: mpsc::Receiver<Bytes>, left: u64 },
}

impl Body for FloorBody {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, std::io::Error>>> {
        match self.get_mut() {
            FloorBody::Bytes(bytes) => Poll::Ready(bytes.take().map(|b| Ok(Frame::data(b)))),
            FloorBody::Channel { blocks, left } => match blocks.poll_recv(cx) {
                Poll::Ready(Some(block)) => {
                    *left -= block.len() as u64;
                    Poll::Ready(Some(Ok(Frame::data(block))))
                }
                Poll::Ready(None) if *left > 0 => Poll::Ready(Some(Err(std::io::Error::other("the file ended early")))),
                Poll::Ready(None) => Poll::Ready(None),
                Poll::Pending => Poll::Pending,
            },
        }
    }

    fn size_hint(&self) -> http_body::SizeHint {
        match self {
            FloorBody::Bytes(bytes) => http_body::SizeHint::with_exact(bytes.as_ref().map_or(0, |b| b.len() as u64)),
            FloorBody::Channel { left, .. } => http_body::SizeHint::with_exact(*left),
        }
    }
}

/// The floor client for one endpoint and bucket.
#[derive(Clone)]
pub struct Floor {
    client: Client<HttpConnector, FloorBody>,
    base: String,
    identity: aws_smithy_runtime_api::client::identity::Identity,
}

type Error = Box<dyn std::error::Error + Send + Sync>;

impl Floor {
    pub fn new(base: &str, access_key: &str, secret_key: &str) -> Floor {
        let mut connector = HttpConnector::new();
        connector.set_nodelay(true);
        let client = Client::builder(hyper_util::rt::TokioExecutor::new()).pool_max_idle_per_host(64).build(connector);
        let identity = aws_credential_types::Credentials::new(access_key, secret_key, None, None, "bench").into();
        Floor { client, base: base.to_string(), identity }
    }

    /// Signs and sends one request; the answer's body is returned unread. `hash` says whether the
    /// body's SHA-256 is signed (in-memory bodies) or `UNSIGNED-PAYLOAD` is (streams).
    async fn send(
        &self,
        method: Method,
        path_and_query: &str,
        headers: &[(&str, String)],
        body: FloorBody,
    ) -> Result<http::Response<hyper::body::Incoming>, Error> {
        let mut request = Request::builder().method(method).uri(format!("{}{path_and_query}", self.base));
        for (name, value) in headers {
            request = request.header(*name, value);
        }
        let mut request = request.body(body)?;
        let mut settings = SigningSettings::default();
        settings.percent_encoding_mode = PercentEncodingMode::Single;
        settings.uri_path_normalization_mode = UriPathNormalizationMode::Disabled;
        settings.payload_checksum_kind = PayloadChecksumKind::XAmzSha256;
        let params = aws_sigv4::sign::v4::SigningParams::builder()
            .identity(&self.identity)
            .region("us-east-1")
            .name("s3")
            .time(SystemTime::now())
            .settings(settings)
            .build()?
            .into();
        let signable_body = match request.body() {
            FloorBody::Bytes(bytes) => SignableBody::Bytes(bytes.as_deref().unwrap_or(&[])),
            FloorBody::Channel { .. } => SignableBody::UnsignedPayload,
        };
        let signed_headers = request.headers().iter().map(|(n, v)| (n.as_str(), v.to_str().unwrap_or("")));
        let signable = SignableRequest::new(request.method().as_str(), request.uri().to_string(), signed_headers, signable_body)?;
        let (instructions, _) = sign(signable, &params)?.into_parts();
        instructions.apply_to_request_http1x(&mut request);
        let response = self.client.request(request).await?;
        if !response.status().is_success() {
            return Err(format!("HTTP {}", response.status()).into());
        }
        Ok(response)
    }

    /// PUT then GET of a small in-memory object.
    pub async fn put_get(&self, key: &str, data: &Bytes) -> Result<(), Error> {
        self.send(Method::PUT, &format!("/bench/{key}"), &[], FloorBody::Bytes(Some(data.clone()))).await?.into_body().collect().await?;
        let got = self.send(Method::GET, &format!("/bench/{key}"), &[], FloorBody::Bytes(None)).await?.into_body().collect().await?;
        if got.to_bytes().len() != data.len() {
            return Err("the GET answered the wrong size".into());
        }
        Ok(())
    }

    /// One ListObjectsV2 call, parsed into typed entries; answers how many.
    pub async fn list(&self) -> Result<usize, Error> {
        let response = self.send(Method::GET, "/bench?list-type=2&encoding-type=url", &[], FloorBody::Bytes(None)).await?;
        let body = response.into_body().collect().await?.to_bytes();
        let entries = parse_listing(&body)?;
        if entries.iter().any(|e| e.key.is_empty() || e.e_tag.is_empty() || e.storage_class != StorageClass::Standard) {
            return Err("an entry lacks a field".into());
        }
        Ok(entries.len())
    }

    /// PutObject of a whole file, streamed.
    pub async fn put_file(&self, key: &str, path: &Path) -> Result<(), Error> {
        let len = std::fs::metadata(path)?.len();
        let blocks = read_blocks(path, 0, len)?;
        let headers = [("content-length", len.to_string())];
        self.send(Method::PUT, &format!("/bench/{key}"), &headers, FloorBody::Channel { blocks, left: len }).await?.into_body().collect().await?;
        Ok(())
    }

    /// A multipart upload of a file: [`PART_SIZE`] parts, [`PARTS_IN_FLIGHT`] at once, each with its CRC32C.
    pub async fn upload_file(&self, key: &str, path: &Path) -> Result<(), Error> {
        let len = std::fs::metadata(path)?.len();
        let created = self.send(Method::POST, &format!("/bench/{key}?uploads"), &[("x-amz-checksum-algorithm", "CRC32C".into())], FloorBody::Bytes(None)).await?;
        let created = created.into_body().collect().await?.to_bytes();
        let created = String::from_utf8_lossy(&created);
        let upload_id = created.split("<UploadId>").nth(1).and_then(|s| s.split('<').next()).ok_or("no UploadId")?.to_string();
        let file = Arc::new(File::open(path)?);
        let parts = len.div_ceil(PART_SIZE);
        let mut done: Vec<(u64, String, String)> = futures_util::stream::iter(1..=parts)
            .map(|number| {
                let (file, upload_id) = (file.clone(), upload_id.clone());
                async move {
                    let offset = (number - 1) * PART_SIZE;
                    let size = PART_SIZE.min(len - offset);
                    let data = tokio::task::spawn_blocking(move || {
                        let mut data = vec![0u8; size as usize];
                        file.read_exact_at(&mut data, offset).map(|()| Bytes::from(data))
                    })
                    .await??;
                    let checksum = base64::engine::general_purpose::STANDARD.encode(crc32c::crc32c(&data).to_be_bytes());
                    let headers = [("content-length", size.to_string()), ("x-amz-checksum-crc32c", checksum.clone())];
                    let path = format!("/bench/{key}?partNumber={number}&uploadId={upload_id}");
                    let response = self.send(Method::PUT, &path, &headers, FloorBody::Bytes(Some(data))).await?;
                    let etag = response.headers().get("etag").and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
                    response.into_body().collect().await?;
                    Ok::<_, Error>((number, etag, checksum))
                }
            })
            .buffer_unordered(PARTS_IN_FLIGHT)
            .collect::<Vec<_>>()
            .await
            .into_iter()
            .collect::<Result<_, _>>()?;
        done.sort_by_key(|(number, _, _)| *number);
        let mut xml = String::from("<CompleteMultipartUpload>");
        for (number, etag, checksum) in &done {
            xml.push_str(&format!("<Part><PartNumber>{number}</PartNumber><ETag>{etag}</ETag><ChecksumCRC32C>{checksum}</ChecksumCRC32C></Part>"));
        }
        xml.push_str("</CompleteMultipartUpload>");
        let path = format!("/bench/{key}?uploadId={upload_id}");
        self.send(Method::POST, &path, &[], FloorBody::Bytes(Some(Bytes::from(xml)))).await?.into_body().collect().await?;
        Ok(())
    }

    /// GetObject of a whole object into a file, written by a thread of its own.
    pub async fn get_file(&self, key: &str, path: &Path) -> Result<u64, Error> {
        let response = self.send(Method::GET, &format!("/bench/{key}"), &[], FloorBody::Bytes(None)).await?;
        let (sender, receiver) = std::sync::mpsc::sync_channel::<Bytes>(8);
        let mut file = File::create(path)?;
        let writer = std::thread::spawn(move || -> std::io::Result<u64> {
            let mut written = 0;
            for chunk in receiver {
                file.write_all(&chunk)?;
                written += chunk.len() as u64;
            }
            file.sync_all()?;
            Ok(written)
        });
        let mut body = response.into_body();
        while let Some(frame) = body.frame().await {
            if let Ok(data) = frame?.into_data() {
                if sender.send(data).is_err() {
                    break;
                }
            }
        }
        drop(sender);
        Ok(writer.join().map_err(|_| "the writer thread panicked")??)
    }

    /// A ranged download into a file: [`PART_SIZE`] ranges, [`PARTS_IN_FLIGHT`] at once, each frame
    /// written at its place by one writer thread as it arrives.
    pub async fn download_file(&self, key: &str, size: u64, path: &Path) -> Result<(), Error> {
        let file = File::create(path)?;
        file.set_len(size)?;
        let (sender, receiver) = std::sync::mpsc::sync_channel::<(u64, Bytes)>(16);
        let writer = std::thread::spawn(move || -> std::io::Result<()> {
            for (offset, data) in receiver {
                file.write_all_at(&data, offset)?;
            }
            file.sync_all()
        });
        let parts = size.div_ceil(PART_SIZE);
        let results: Vec<Result<(), Error>> = futures_util::stream::iter(0..parts)
            .map(|index| {
                let sender = sender.clone();
                async move {
                    let first = index * PART_SIZE;
                    let last = (first + PART_SIZE).min(size) - 1;
                    let range = [("range", format!("bytes={first}-{last}"))];
                    let response = self.send(Method::GET, &format!("/bench/{key}"), &range, FloorBody::Bytes(None)).await?;
                    let mut body = response.into_body();
                    let mut offset = first;
                    while let Some(frame) = body.frame().await {
                        if let Ok(data) = frame?.into_data() {
                            let len = data.len() as u64;
                            // A full queue blocks this worker a moment, as a bounded writer must.
                            sender.send((offset, data)).map_err(|_| "the writer thread stopped")?;
                            offset += len;
                        }
                    }
                    if offset != last + 1 {
                        return Err("a range answered the wrong size".into());
                    }
                    Ok(())
                }
            })
            .buffer_unordered(PARTS_IN_FLIGHT)
            .collect()
            .await;
        drop(sender);
        results.into_iter().collect::<Result<(), Error>>()?;
        Ok(writer.join().map_err(|_| "the writer thread panicked")??)
    }
}

/// Reads `len` bytes of `path` from `offset` in [`BLOCK`]-sized blocks on a thread of its own.
fn read_blocks(path: &Path, offset: u64, len: u64) -> std::io::Result<mpsc::Receiver<Bytes>> {
    let mut file = File::open(path)?;
    std::io::Seek::seek(&mut file, std::io::SeekFrom::Start(offset))?;
    let (sender, receiver) = mpsc::channel(4);
    std::thread::spawn(move || {
        let mut left = len;
        while left > 0 {
            let mut block = vec![0u8; BLOCK.min(left as usize)];
            if file.read_exact(&mut block).is_err() {
                return;
            }
            left -= block.len() as u64;
            if sender.blocking_send(Bytes::from(block)).is_err() {
                return;
            }
        }
    });
    Ok(receiver)
}

/// A listing entry with the types a typed client gives it: a timestamp, a number, a storage class.
#[derive(Default)]
struct Entry {
    key: String,
    last_modified: i64,
    e_tag: String,
    size: u64,
    storage_class: StorageClass,
}

#[derive(Default, PartialEq)]
enum StorageClass {
    #[default]
    Standard,
    Glacier,
    Other(String),
}

/// Seconds since 1970 of `YYYY-MM-DDThh:mm:ss[.fff]Z`, as S3 writes listing dates (no more checks).
fn epoch_seconds(text: &str) -> Option<i64> {
    let b = text.as_bytes();
    let num = |range: std::ops::Range<usize>| -> Option<i64> {
        b.get(range)?.iter().try_fold(0i64, |n, d| d.is_ascii_digit().then(|| n * 10 + i64::from(d - b'0')))
    };
    let (y, m, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    // Days from the civil date, counting March as the first month of the year.
    let (y, m) = if m <= 2 { (y - 1, m + 9) } else { (y, m - 3) };
    let days = 365 * y + y / 4 - y / 100 + y / 400 + (153 * m + 2) / 5 + d - 719_469;
    Some(days * 86_400 + num(11..13)? * 3600 + num(14..16)? * 60 + num(17..19)?)
}

/// Reads `<Contents>` entries with a pull parser, no tree.
fn parse_listing(body: &[u8]) -> Result<Vec<Entry>, Error> {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_reader(body);
    let mut entries = Vec::with_capacity(1000);
    let (mut entry, mut field): (Option<Entry>, Vec<u8>) = (None, Vec::new());
    loop {
        match reader.read_event()? {
            Event::Start(start) => {
                if start.name().as_ref() == b"Contents" {
                    entry = Some(Entry::default());
                }
                field.clear();
                field.extend_from_slice(start.name().as_ref());
            }
            Event::Text(text) => {
                if let Some(entry) = entry.as_mut() {
                    let text = text.unescape()?;
                    match field.as_slice() {
                        b"Key" => entry.key = text.into_owned(),
                        b"LastModified" => entry.last_modified = epoch_seconds(&text).ok_or("a bad LastModified")?,
                        b"ETag" => entry.e_tag = text.into_owned(),
                        b"Size" => entry.size = text.parse()?,
                        b"StorageClass" => {
                            entry.storage_class = match &*text {
                                "STANDARD" => StorageClass::Standard,
                                "GLACIER" => StorageClass::Glacier,
                                other => StorageClass::Other(other.to_string()),
                            }
                        }
                        _ => {}
                    }
                }
            }
            Event::End(end) if end.name().as_ref() == b"Contents" => entries.extend(entry.take()),
            Event::Eof => break,
            _ => {}
        }
    }
    if entries.iter().map(|e| e.size).sum::<u64>() == 0 || entries.iter().any(|e| e.last_modified < 1_700_000_000) {
        return Err("the listing has no sizes or dates".into());
    }
    Ok(entries)
}
