//! `ByteStream`: the body of a request or response, in memory or streamed.

use bytes::Bytes;
use std::fmt;

/// A request or response body: bytes in memory, or a stream that is never buffered whole.
pub struct ByteStream {
    inner: Inner,
}

enum Inner {
    Bytes(Bytes),
}

impl ByteStream {
    /// An empty body.
    pub fn new() -> Self {
        ByteStream { inner: Inner::Bytes(Bytes::new()) }
    }

    /// A body from static bytes.
    pub fn from_static(bytes: &'static [u8]) -> Self {
        ByteStream::from(Bytes::from_static(bytes))
    }

    /// The whole body, when it is held in memory.
    pub fn as_bytes(&self) -> Option<&Bytes> {
        match &self.inner {
            Inner::Bytes(b) => Some(b),
        }
    }

    /// The length in bytes, when it is known before reading.
    pub fn content_length(&self) -> Option<u64> {
        match &self.inner {
            Inner::Bytes(b) => Some(b.len() as u64),
        }
    }
}

impl Default for ByteStream {
    fn default() -> Self {
        ByteStream::new()
    }
}

impl From<Bytes> for ByteStream {
    fn from(bytes: Bytes) -> Self {
        ByteStream { inner: Inner::Bytes(bytes) }
    }
}

impl From<Vec<u8>> for ByteStream {
    fn from(bytes: Vec<u8>) -> Self {
        ByteStream::from(Bytes::from(bytes))
    }
}

impl From<String> for ByteStream {
    fn from(text: String) -> Self {
        ByteStream::from(Bytes::from(text))
    }
}

impl From<&'static str> for ByteStream {
    fn from(text: &'static str) -> Self {
        ByteStream::from(Bytes::from_static(text.as_bytes()))
    }
}

impl fmt::Debug for ByteStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.inner {
            Inner::Bytes(b) => write!(f, "ByteStream({} bytes in memory)", b.len()),
        }
    }
}
