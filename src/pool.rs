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
        self.take_kept(capacity).unwrap_or_else(|| {
            self.misses += 1;
            BytesMut::with_capacity(capacity.max(4096))
        })
    }

    /// A kept buffer with at least `capacity` bytes of room, if there is one.
    pub fn take_kept(&mut self, capacity: usize) -> Option<BytesMut> {
        // Best fit, so a small request does not take the big buffer a batch needs next.
        let i = (0..self.free.len())
            .filter(|&i| self.free[i].capacity() >= capacity)
            .min_by_key(|&i| self.free[i].capacity())?;
        self.hits += 1;
        Some(self.free.swap_remove(i))
    }

    pub fn give(&mut self, mut buf: BytesMut) {
        buf.clear();
        // Input buffers are consumed by advancing their start; win that room back so the
        // buffer counts at its real size next time.
        // Failing only means the buffer is pooled at its smaller size.
        let _ = buf.try_reclaim(64 << 10);
        if buf.capacity() > MAX_KEPT_CAPACITY {
            return;
        }
        if self.free.len() < MAX_KEPT_BUFFERS {
            self.free.push(buf);
        } else if let Some(i) = (0..self.free.len()).min_by_key(|&i| self.free[i].capacity()) {
            if self.free[i].capacity() < buf.capacity() {
                self.free[i] = buf;
            }
        }
    }

    /// Evens out the free buffers of two pools. The binding has one pool on each side of the
    /// thread boundary, and buffers flow one way through each (chunks in, batches out), so
    /// without this one side would only allocate while the other only drops.
    pub fn balance(a: &mut Pool, b: &mut Pool) {
        while a.free.len() > b.free.len() + 1 {
            if let Some(buf) = a.free.pop() {
                b.free.push(buf);
            }
        }
        while b.free.len() > a.free.len() + 1 {
            if let Some(buf) = b.free.pop() {
                a.free.push(buf);
            }
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
    fn small_requests_leave_big_buffers_for_big_ones() {
        let mut pool = Pool::new();
        pool.give(BytesMut::with_capacity(1 << 20));
        pool.give(BytesMut::with_capacity(64 << 10));
        assert_eq!(pool.take(1000).capacity(), 64 << 10);
        assert_eq!(pool.take(1 << 20).capacity(), 1 << 20);
        assert_eq!(pool.misses(), 0);
    }

    #[test]
    fn balance_evens_out_free_buffers() {
        let (mut a, mut b) = (Pool::new(), Pool::new());
        for _ in 0..5 {
            a.give(BytesMut::with_capacity(4096));
        }
        Pool::balance(&mut a, &mut b);
        assert_eq!((a.free.len(), b.free.len()), (3, 2));
    }

    #[test]
    fn does_not_keep_huge_buffers() {
        let mut pool = Pool::new();
        pool.give(BytesMut::with_capacity(MAX_KEPT_CAPACITY + 1));
        let _ = pool.take(16);
        assert_eq!(pool.hits(), 0);
    }
}
