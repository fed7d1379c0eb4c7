//! Line and column bookkeeping, shared by every format. Lines are only counted when input is
//! dropped or an error is reported, never per token, so the hot path pays nothing for them.

use crate::error::Position;

#[derive(Debug, Default, Clone, Copy)]
pub struct Lines {
    /// Absolute offset of the first byte still held.
    base: u64,
    /// Line breaks before `base`.
    newlines: u64,
    /// Characters between the last line break before `base` and `base`.
    column: u64,
    /// A lone `\r` is a line break too, and `\r\n` one break (XML's end-of-line handling);
    /// otherwise (JSON, NDJSON) only `\n` is.
    cr_breaks: bool,
    /// The last byte before `base` was `\r`: a `\n` at `base` ends the same break.
    after_cr: bool,
}

/// Line breaks in `s`, and where the text after the last of them starts.
struct Breaks {
    count: u64,
    last_end: Option<usize>,
}

impl Lines {
    /// Offsets from `base` on, lines and columns counted from there.
    pub fn starting_at(base: u64, cr_breaks: bool) -> Self {
        Lines {
            base,
            cr_breaks,
            ..Lines::default()
        }
    }

    fn breaks(&self, s: &[u8]) -> Breaks {
        if !self.cr_breaks {
            return Breaks {
                count: memchr::memchr_iter(b'\n', s).count() as u64,
                last_end: memchr::memrchr(b'\n', s).map(|i| i + 1),
            };
        }
        // Counted in vectorised passes rather than break by break (all input goes through
        // here): every CR and every LF is a break, less the LFs that end a CRLF.
        let lf = memchr::memchr_iter(b'\n', s).count() as u64;
        let continued = u64::from(self.after_cr && s.first() == Some(&b'\n'));
        if memchr::memchr(b'\r', s).is_none() {
            return Breaks {
                count: lf - continued,
                last_end: memchr::memrchr(b'\n', s).map(|i| i + 1),
            };
        }
        let cr = memchr::memchr_iter(b'\r', s).count() as u64;
        let crlf = memchr::memmem::find_iter(s, b"\r\n").count() as u64;
        Breaks {
            count: cr + lf - crlf - continued,
            last_end: memchr::memrchr2(b'\r', b'\n', s).map(|i| i + 1),
        }
    }

    /// Accounts for bytes about to be dropped from the front of the input.
    pub fn advance(&mut self, dropped: &[u8]) {
        self.base += dropped.len() as u64;
        let b = self.breaks(dropped);
        self.newlines += b.count;
        match b.last_end {
            Some(end) => self.column = chars(&dropped[end..]),
            None => self.column += chars(dropped),
        }
        if let Some(&last) = dropped.last() {
            self.after_cr = last == b'\r';
        }
    }

    pub fn base(&self) -> u64 {
        self.base
    }

    /// The position of byte `rel` of `held` (the input from `base` on).
    pub fn at(&self, held: &[u8], rel: usize) -> Position {
        let rel = rel.min(held.len());
        let before = &held[..rel];
        let b = self.breaks(before);
        let column = match b.last_end {
            Some(end) => chars(&before[end..]),
            None => self.column + chars(before),
        };
        Position {
            offset: self.base + rel as u64,
            line: self.newlines + b.count + 1,
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

    #[test]
    fn xml_counts_lone_cr_and_crlf_as_one_break_each_across_drops() {
        let doc = b"<r>\r<a>\r\n</b>\r";
        let at = 9; // `</b>`
        let whole = Lines::starting_at(0, true).at(doc, at);
        assert_eq!((whole.line, whole.column), (3, 1));
        assert_eq!(Lines::default().at(doc, at).line, 2, "JSON counts LF only");
        for cut in 0..=at {
            let mut l = Lines::starting_at(0, true);
            l.advance(&doc[..cut]);
            assert_eq!(l.at(&doc[cut..], at - cut), whole, "cut at {cut}");
        }
    }
}
