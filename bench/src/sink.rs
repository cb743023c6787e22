//! The sink: an S3 server that answers at once and checks nothing, so a benchmark measures the client.
//!
//! Bodies sent to it are read and dropped. An object's size is in its key (`obj-1073741824`; 1 KiB for
//! other keys) and its bytes are a pattern (`offset % 251`), served from one shared block without
//! copying, ranges included. A bucket listing is always the same 1,000 keys. Multipart uploads get an
//! id and a completion document; nothing is kept.

use std::convert::Infallible;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use http::{Method, Request, Response, StatusCode};
use http_body::{Body, Frame};
use http_body_util::BodyExt;
use hyper::body::Incoming;

/// The length of the pattern block: a multiple of 251 near 1 MiB, so any offset starts a slice of it.
const BLOCK: usize = 251 * 4096;
/// The ETag of every object.
pub const ETAG: &str = "\"0123456789abcdef0123456789abcdef\"";
/// How many keys a listing holds.
pub const LISTED_KEYS: usize = 1000;

/// Runs the sink on 127.0.0.1 (a free port, printed on stdout) until the process is killed.
pub fn main() {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("a Tokio runtime");
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind 127.0.0.1:0");
        println!("{}", listener.local_addr().expect("a local address").port());
        let block = Bytes::from((0..BLOCK).map(|i| (i % 251) as u8).collect::<Vec<u8>>());
        let listing = Bytes::from(listing());
        loop {
            let Ok((stream, _)) = listener.accept().await else { continue };
            let _ = stream.set_nodelay(true);
            let (block, listing) = (block.clone(), listing.clone());
            tokio::spawn(async move {
                let service = hyper::service::service_fn(move |request| {
                    let (block, listing) = (block.clone(), listing.clone());
                    async move { Ok::<_, Infallible>(answer(request, &block, &listing).await) }
                });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
                    .await;
            });
        }
    });
}

/// The bytes of an object at `offset..offset + len`, as slices of the shared block.
pub struct Pattern {
    block: Bytes,
    offset: u64,
    left: u64,
}

impl Body for Pattern {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(mut self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        if self.left == 0 {
            return Poll::Ready(None);
        }
        let start = (self.offset % 251) as usize;
        let len = (BLOCK - start).min(usize::try_from(self.left).unwrap_or(usize::MAX));
        let chunk = self.block.slice(start..start + len);
        self.offset += len as u64;
        self.left -= len as u64;
        Poll::Ready(Some(Ok(Frame::data(chunk))))
    }

    fn size_hint(&self) -> http_body::SizeHint {
        http_body::SizeHint::with_exact(self.left)
    }
}

type Reply = Response<http_body_util::Either<Pattern, http_body_util::Full<Bytes>>>;

fn reply(status: StatusCode, body: impl Into<Bytes>) -> Reply {
    let mut response = Response::new(http_body_util::Either::Right(http_body_util::Full::new(body.into())));
    *response.status_mut() = status;
    response
}

async fn answer(request: Request<Incoming>, block: &Bytes, listing: &Bytes) -> Reply {
    let (parts, mut body) = request.into_parts();
    while let Some(frame) = body.frame().await {
        if frame.is_err() {
            return reply(StatusCode::BAD_REQUEST, "");
        }
    }
    let query = parts.uri.query().unwrap_or("");
    let path = parts.uri.path();
    let key = path.trim_start_matches('/').split_once('/').map(|(_, key)| key);
    let size = key.and_then(|k| k.strip_prefix("obj-")).and_then(|n| n.parse::<u64>().ok()).unwrap_or(1024);
    let mut response = match (&parts.method, key) {
        (&Method::GET, None) if query.contains("list-type=2") => reply(StatusCode::OK, listing.clone()),
        (&Method::POST, Some(key)) if query.contains("uploads") => reply(
            StatusCode::OK,
            format!("<InitiateMultipartUploadResult><Bucket>b</Bucket><Key>{key}</Key><UploadId>upload-1</UploadId></InitiateMultipartUploadResult>"),
        ),
        (&Method::POST, Some(key)) if query.contains("uploadId") => reply(
            StatusCode::OK,
            format!("<CompleteMultipartUploadResult><Bucket>b</Bucket><Key>{key}</Key><ETag>\"feedbeef-1\"</ETag></CompleteMultipartUploadResult>"),
        ),
        (&Method::PUT, Some(_)) => reply(StatusCode::OK, ""),
        (&Method::DELETE, Some(_)) => reply(StatusCode::NO_CONTENT, ""),
        (&Method::HEAD, Some(_)) => {
            let mut r = reply(StatusCode::OK, "");
            r.headers_mut().insert("content-length", size.into());
            r
        }
        (&Method::GET, Some(_)) => {
            let range = parts.headers.get("range").and_then(|v| v.to_str().ok()).and_then(|r| parse_range(r, size));
            let (status, first, len) = match range {
                Some((first, last)) => (StatusCode::PARTIAL_CONTENT, first, last - first + 1),
                None => (StatusCode::OK, 0, size),
            };
            let mut r = Response::new(http_body_util::Either::Left(Pattern { block: block.clone(), offset: first, left: len }));
            *r.status_mut() = status;
            if range.is_some() {
                let value = format!("bytes {first}-{}/{size}", first + len - 1);
                r.headers_mut().insert("content-range", value.parse().expect("a valid header"));
            }
            r
        }
        _ => reply(StatusCode::NOT_IMPLEMENTED, "the sink does not answer this"),
    };
    let headers = response.headers_mut();
    headers.insert("etag", http::HeaderValue::from_static(ETAG));
    headers.insert("last-modified", http::HeaderValue::from_static("Mon, 30 Nov 2026 00:00:00 GMT"));
    headers.insert("x-amz-request-id", http::HeaderValue::from_static("sink"));
    response
}

/// `bytes=a-b` within `size`.
fn parse_range(range: &str, size: u64) -> Option<(u64, u64)> {
    let (first, last) = range.strip_prefix("bytes=")?.split_once('-')?;
    let first: u64 = first.parse().ok()?;
    let last = last.parse::<u64>().ok().unwrap_or(size - 1).min(size - 1);
    (first <= last).then_some((first, last))
}

/// A ListObjectsV2 answer with [`LISTED_KEYS`] keys, as S3 writes it.
fn listing() -> String {
    let mut xml = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ListBucketResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Name>b</Name><Prefix></Prefix><KeyCount>1000</KeyCount><MaxKeys>1000</MaxKeys><IsTruncated>false</IsTruncated>",
    );
    for n in 0..LISTED_KEYS {
        xml.push_str(&format!(
            "<Contents><Key>logs/2026/11/30/host-{n:04}.log.gz</Key><LastModified>2026-11-30T00:00:{:02}.000Z</LastModified><ETag>&quot;0123456789abcdef0123456789ab{n:04}&quot;</ETag><Size>{}</Size><StorageClass>STANDARD</StorageClass></Contents>",
            n % 60,
            1000 + n * 37
        ));
    }
    xml.push_str("</ListBucketResult>");
    xml
}
