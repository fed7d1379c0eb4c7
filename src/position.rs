//! Line and column bookkeeping, shared by every format. Lines are only counted when input is
//! dropped or an error is reported, never per token, so the hot path pays nothing for them.

use crate::error::Position;

#[derive(Debug, Default, Clone, Copy)]
pub struct Lines {
    /// Absolute offset of the first byte still held.
    base: u64,
    /// `\n` characters before `base`.
    newlines: u64,
    /// Characters between the last `\n` before `base` and `base`.
    column: u64,
}

impl Lines {
    /// Offsets from `base` on, lines and columns counted from there.
    pub fn starting_at(base: u64) -> Self {
        Lines {
            base,
            ..Lines::default()
        }
    }

    /// Accounts for bytes about to be dropped from the front of the input.
    pub fn advance(&mut self, dropped: &[u8]) {
        self.base += dropped.len() as u64;
        let count = memchr::memchr_iter(b'\n', dropped).count() as u64;
        match memchr::memrchr(b'\n', dropped) {
            Some(last) => {
                self.newlines += count;
                self.column = chars(&dropped[last + 1..]);
            }
            None => self.column += chars(dropped),
        }
    }

    pub fn base(&self) -> u64 {
        self.base
    }

    /// The position of byte `rel` of `held` (the input from `base` on).
    pub fn at(&self, held: &[u8], rel: usize) -> Position {
        let rel = rel.min(held.len());
        let before = &held[..rel];
        let count = memchr::memchr_iter(b'\n', before).count() as u64;
        let column = match memchr::memrchr(b'\n', before) {
            Some(last) => chars(&before[last + 1..]),
            None => self.column + chars(before),
        };
        Position {
            offset: self.base + rel as u64,
            line: self.newlines + count + 1,
            column: column + 1,
        }
    }
}

/// Counts characters (UTF-8 lead bytes), not bytes: how every column is counted.
pub(crate) fn chars(s: &[u8]) -> u64 {
    s.iter().filter(|&&b| (b as i8) >= -0x40).count() as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_survive_dropping_input() {
        let doc = "ab\ncdé\nfg".as_bytes();
        let whole = Lines::default().at(doc, 9);
        let mut l = Lines::default();
        l.advance(&doc[..5]);
        assert_eq!(l.at(&doc[5..], 4), whole);
        assert_eq!(
            whole,
            Position {
                offset: 9,
                line: 3,
                column: 2
            }
        );
        assert_eq!(Lines::default().at(doc, 7).column, 4, "é is one column");
    }
}
