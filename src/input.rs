//! The input both engines hold: fed chunks not yet consumed, in one pooled buffer, with the
//! bookkeeping that turns an absolute offset into a line and column.

use bytes::{Buf, BytesMut};

use crate::error::Position;
use crate::pool::Pool;
use crate::position::Lines;

pub(crate) struct Input {
    pub(crate) buf: BytesMut,
    /// Bytes of `buf` already consumed.
    pub(crate) pos: usize,
    pub(crate) pool: Pool,
    lines: Lines,
    fed: u64,
}

impl Input {
    pub(crate) fn new() -> Self {
        let mut pool = Pool::new();
        let buf = pool.take(64 << 10);
        Input {
            buf,
            pos: 0,
            pool,
            lines: Lines::default(),
            fed: 0,
        }
    }

    /// Input whose first byte is at `offset` of a longer input (0, or a checkpoint's when
    /// resuming); lines and columns count from there. `cr_breaks`: a lone CR ends a line (XML).
    pub(crate) fn starting_at(offset: u64, cr_breaks: bool) -> Self {
        let mut input = Input::new();
        input.lines = Lines::starting_at(offset, cr_breaks);
        input
    }

    /// A pooled copy of `chunk`.
    pub(crate) fn copy(&mut self, chunk: &[u8]) -> BytesMut {
        let mut buf = self.pool.take(chunk.len());
        buf.extend_from_slice(chunk);
        buf
    }

    /// Drops the consumed bytes, but none from `keep` on, then appends `chunk`. Returns how
    /// many bytes were dropped, for offsets the caller keeps relative to `buf`.
    pub(crate) fn append(&mut self, chunk: BytesMut, keep: usize) -> usize {
        self.fed += chunk.len() as u64;
        let dropped = self.compact(keep);
        if self.buf.is_empty() {
            let old = std::mem::replace(&mut self.buf, chunk);
            self.pool.give(old);
        } else {
            self.buf.extend_from_slice(&chunk);
            self.pool.give(chunk);
        }
        dropped
    }

    /// [`Input::append`] of only the first `head` bytes of `chunk`, which the caller keeps to
    /// [`Input::switch_to`] once everything held is consumed.
    pub(crate) fn append_head(&mut self, chunk: &[u8], keep: usize, head: usize) -> usize {
        self.fed += chunk.len() as u64;
        let dropped = self.compact(keep);
        self.buf.extend_from_slice(&chunk[..head]);
        dropped
    }

    /// Drops the held input, all of it consumed, for `chunk` from `from` on: the bytes before
    /// `from` were the held input's last ones (see [`Input::append_head`]).
    pub(crate) fn switch_to(&mut self, mut chunk: BytesMut, from: usize) {
        self.lines.advance(&self.buf);
        chunk.advance(from);
        let old = std::mem::replace(&mut self.buf, chunk);
        self.pool.give(old);
        self.pos = 0;
    }

    /// Counts `chunk` as fed without keeping it (the engine has stopped).
    pub(crate) fn discard(&mut self, chunk: BytesMut) {
        self.fed += chunk.len() as u64;
        self.pool.give(chunk);
    }

    fn compact(&mut self, keep: usize) -> usize {
        let dropped = self.pos.min(keep);
        if dropped > 0 {
            self.lines.advance(&self.buf[..dropped]);
            self.buf.advance(dropped);
            self.pos -= dropped;
        }
        dropped
    }

    /// Absolute offset of `buf[0]`.
    pub(crate) fn base(&self) -> u64 {
        self.lines.base()
    }

    /// Bytes fed so far.
    pub(crate) fn fed(&self) -> u64 {
        self.fed
    }

    /// Line and column of an absolute offset within the held input.
    pub(crate) fn position(&self, at: u64) -> Position {
        let rel = usize::try_from(at.saturating_sub(self.base())).unwrap_or(usize::MAX);
        self.lines.at(&self.buf, rel)
    }
}
