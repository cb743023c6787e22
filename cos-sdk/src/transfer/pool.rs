//! The fixed pool of part buffers every transfer of one manager shares. A part can be read only after a
//! buffer is free, so a fast disk cannot run ahead of a slow network (or the other way round): memory
//! stays at `buffers x part size` plus a small constant, whatever the object size.

use std::sync::{Arc, Mutex};

use bytes::{Bytes, BytesMut};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::runtime::error::{Error, ErrorKind};

/// A fixed number of reusable part buffers.
#[derive(Debug)]
pub(crate) struct BufferPool {
    permits: Arc<Semaphore>,
    free: Mutex<Vec<BytesMut>>,
    capacity: usize,
}

/// One buffer taken from the pool; its slot returns to the pool when this is dropped.
#[derive(Debug)]
pub(crate) struct PartBuffer {
    data: BytesMut,
    pool: Arc<BufferPool>,
    _permit: OwnedSemaphorePermit,
}

impl BufferPool {
    pub(crate) fn new(buffers: usize) -> Arc<BufferPool> {
        Arc::new(BufferPool { permits: Arc::new(Semaphore::new(buffers)), free: Mutex::new(Vec::new()), capacity: buffers })
    }

    /// Waits for a free buffer and makes sure it holds at least `capacity` bytes; it is empty.
    pub(crate) async fn take(self: &Arc<Self>, capacity: usize) -> Result<PartBuffer, Error> {
        let permit = self.permits.clone().acquire_owned().await.map_err(|_| {
            Error::new(ErrorKind::Io, "the transfer manager's buffer pool was closed; create a new TransferManager")
        })?;
        let reused = self.free.lock().map(|mut free| free.pop()).unwrap_or(None);
        let mut data = match reused {
            // A buffer much larger than needed (left by a bigger object) is dropped, not kept.
            Some(b) if b.capacity() >= capacity && b.capacity() <= capacity.saturating_mul(2).max(1) => b,
            _ => BytesMut::new(),
        };
        data.clear();
        if data.capacity() < capacity {
            data.reserve(capacity);
        }
        Ok(PartBuffer { data, pool: self.clone(), _permit: permit })
    }

    /// How many buffers are free right now.
    #[cfg(test)]
    pub(crate) fn available(&self) -> usize {
        self.permits.available_permits()
    }
}

impl PartBuffer {
    /// The buffer to fill.
    pub(crate) fn data_mut(&mut self) -> &mut BytesMut {
        &mut self.data
    }

    /// The filled bytes, shared without a copy; the slot stays taken until [`PartBuffer::recycle`] or drop.
    pub(crate) fn freeze(&mut self) -> Bytes {
        std::mem::take(&mut self.data).freeze()
    }

    /// Gives `bytes` (from [`PartBuffer::freeze`]) back so its memory is reused, when no one else holds it.
    pub(crate) fn recycle(mut self, bytes: Bytes) {
        if let Ok(data) = bytes.try_into_mut() {
            self.data = data;
        }
    }
}

impl Drop for PartBuffer {
    fn drop(&mut self) {
        let data = std::mem::take(&mut self.data);
        if let Ok(mut free) = self.pool.free.lock() {
            // This buffer's permit is released right after; when it is the last one in use, the pool is
            // idle and its memory is given back instead of being kept for the manager's lifetime.
            if self.pool.permits.available_permits() + 1 >= self.pool.capacity {
                free.clear();
            } else if data.capacity() > 0 {
                free.push(data);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buffers_are_bounded_and_reused() {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        rt.block_on(async {
            let pool = BufferPool::new(2);
            let mut a = pool.take(1024).await.unwrap();
            let b = pool.take(1024).await.unwrap();
            assert_eq!(pool.available(), 0);
            // A third take waits until a buffer comes back.
            let waiting = tokio::time::timeout(std::time::Duration::from_millis(20), pool.take(1024)).await;
            assert!(waiting.is_err());
            a.data_mut().extend_from_slice(b"hello");
            let ptr = a.data_mut().as_ptr();
            let bytes = a.freeze();
            assert_eq!(&bytes[..], b"hello");
            a.recycle(bytes);
            drop(b);
            assert_eq!(pool.available(), 2);
            // Idle, the pool keeps no memory.
            assert_eq!(pool.free.lock().unwrap().len(), 0);
            let mut c = pool.take(1024).await.unwrap();
            assert!(c.data_mut().is_empty());
            let d = pool.take(1024).await.unwrap();
            c.data_mut().extend_from_slice(b"x");
            drop(c);
            // Busy, a returned buffer is kept for the next part.
            assert_eq!(pool.free.lock().unwrap().len(), 1);
            let e = pool.take(1024).await.unwrap();
            assert_eq!(pool.free.lock().unwrap().len(), 0, "the kept buffer was reused");
            drop((d, e));
            let _ = ptr;
        });
    }
}
