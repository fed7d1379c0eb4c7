//! A small free-list of byte buffers. Chunk copies, carried-over input and output batches are
//! taken from here and given back, so steady-state parsing allocates nothing per chunk.

use bytes::BytesMut;

/// Buffers larger than this are not kept: one giant record must not pin its memory forever.
const MAX_KEPT_CAPACITY: usize = 8 << 20;
/// Enough for the input buffer, one chunk in flight and one batch on its way to JS.
const MAX_KEPT_BUFFERS: usize = 8;

#[derive(Debug, Default)]
pub struct Pool {
    free: Vec<BytesMut>,
    hits: u64,
    misses: u64,
}

impl Pool {
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty buffer with at least `capacity` bytes of room.
    pub fn take(&mut self, capacity: usize) -> BytesMut {
        if let Some(i) = self.free.iter().rposition(|b| b.capacity() >= capacity) {
            self.hits += 1;
            self.free.swap_remove(i)
        } else {
            self.misses += 1;
            BytesMut::with_capacity(capacity.max(4096))
        }
    }

    pub fn give(&mut self, mut buf: BytesMut) {
        buf.clear();
        // Input buffers are consumed by advancing their start; win that room back so the
        // buffer counts at its real size next time.
        buf.try_reclaim(64 << 10);
        if buf.capacity() <= MAX_KEPT_CAPACITY && self.free.len() < MAX_KEPT_BUFFERS {
            self.free.push(buf);
        }
    }

    pub fn hits(&self) -> u64 {
        self.hits
    }

    pub fn misses(&self) -> u64 {
        self.misses
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reuses_given_buffers() {
        let mut pool = Pool::new();
        let mut a = pool.take(1000);
        a.extend_from_slice(b"hello");
        pool.give(a);
        let b = pool.take(1000);
        assert!(b.is_empty(), "a reused buffer comes back cleared");
        assert_eq!((pool.hits(), pool.misses()), (1, 1));
    }

    #[test]
    fn does_not_keep_huge_buffers() {
        let mut pool = Pool::new();
        pool.give(BytesMut::with_capacity(MAX_KEPT_CAPACITY + 1));
        let _ = pool.take(16);
        assert_eq!(pool.hits(), 0);
    }
}
