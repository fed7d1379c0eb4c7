//! JSON string literals written as pure ASCII. Non-ASCII characters become `\uXXXX` escapes so
//! that each batch can cross into JavaScript as a one-byte (latin1) string, which V8 both
//! creates and `JSON.parse`s faster than a UTF-8 decoded one.

use bytes::BytesMut;

const HEX: &[u8; 16] = b"0123456789abcdef";

/// `true` for bytes that cannot be copied verbatim into an ASCII JSON string.
static NEEDS_ESCAPE: [bool; 256] = {
    let mut t = [false; 256];
    let mut i = 0;
    while i < 256 {
        t[i] = i < 0x20 || i == b'"' as usize || i == b'\\' as usize || i >= 0x80;
        i += 1;
    }
    t
};

/// Writes `s` (valid UTF-8) as a quoted JSON string.
#[inline]
pub fn write_str(out: &mut BytesMut, s: &[u8]) {
    out.reserve(s.len() + 2);
    out.extend_from_slice(b"\"");
    if is_clean(s) {
        out.extend_from_slice(s);
    } else {
        write_str_body(out, s);
    }
    out.extend_from_slice(b"\"");
}

/// Whether no byte of `s` needs escaping, a word at a time with no byte loop: most values are
/// short ASCII (codes, dates, ids), and a value's last bytes are read as one word that
/// overlaps the one before it.
#[inline]
fn is_clean(s: &[u8]) -> bool {
    let n = s.len();
    if n < 8 {
        // Padded with spaces, which never need escaping.
        let mut w = [b' '; 8];
        w[..n].copy_from_slice(s);
        return !word_needs_escape(&w);
    }
    let mut i = 0;
    while i + 8 < n {
        if word_needs_escape(&s[i..i + 8]) {
            return false;
        }
        i += 8;
    }
    !word_needs_escape(&s[n - 8..])
}

/// Writes the escaped contents of `s` (valid UTF-8) without quotes.
pub fn write_str_body(out: &mut BytesMut, s: &[u8]) {
    let mut start = 0;
    let mut i = 0;
    while i < s.len() {
        // Eight bytes at a time: a clean word is skipped whole, and in any other the lowest
        // flagged byte is the first to escape (the tests' false positives only ever sit above
        // a true one), so text with a few accented letters is not walked byte by byte.
        if let Some(w) = s.get(i..i + 8) {
            let m = escape_mask(w);
            if m == 0 {
                i += 8;
                continue;
            }
            i += (m.trailing_zeros() / 8) as usize;
        } else if !NEEDS_ESCAPE[s[i] as usize] {
            i += 1;
            continue;
        }
        let b = s[i];
        out.extend_from_slice(&s[start..i]);
        if b < 0x80 {
            match b {
                b'"' => out.extend_from_slice(b"\\\""),
                b'\\' => out.extend_from_slice(b"\\\\"),
                b'\n' => out.extend_from_slice(b"\\n"),
                b'\r' => out.extend_from_slice(b"\\r"),
                b'\t' => out.extend_from_slice(b"\\t"),
                _ => write_u(out, b as u32),
            }
            i += 1;
        } else {
            let (cp, len) = decode_utf8(&s[i..]);
            if cp >= 0x10000 {
                let v = cp - 0x10000;
                write_u(out, 0xD800 | (v >> 10));
                write_u(out, 0xDC00 | (v & 0x3FF));
            } else {
                write_u(out, cp);
            }
            i += len;
        }
        start = i;
    }
    out.extend_from_slice(&s[start..]);
}

/// Whether any of 8 bytes is a control, `"`, `\\` or non-ASCII (SWAR test).
#[inline]
fn word_needs_escape(b: &[u8]) -> bool {
    escape_mask(b) != 0
}

/// The high bit of each of 8 bytes (little-endian) that may need escaping: the lowest one set
/// always does, bits above it may be false positives of the borrow.
#[inline]
fn escape_mask(b: &[u8]) -> u64 {
    let mut w = [0u8; 8];
    w.copy_from_slice(b);
    let x = u64::from_le_bytes(w);
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let has_zero = |v: u64| v.wrapping_sub(ONES) & !v & HIGH;
    let below_0x20 = x.wrapping_sub(ONES * 0x20) & !x & HIGH;
    let quote = has_zero(x ^ (ONES * b'"' as u64));
    let backslash = has_zero(x ^ (ONES * b'\\' as u64));
    (x & HIGH) | below_0x20 | quote | backslash
}

#[inline]
fn write_u(out: &mut BytesMut, unit: u32) {
    out.extend_from_slice(&unicode_escape(unit));
}

/// `\uXXXX` for one UTF-16 code unit.
#[inline]
pub fn unicode_escape(unit: u32) -> [u8; 6] {
    [
        b'\\',
        b'u',
        HEX[(unit >> 12 & 0xF) as usize],
        HEX[(unit >> 8 & 0xF) as usize],
        HEX[(unit >> 4 & 0xF) as usize],
        HEX[(unit & 0xF) as usize],
    ]
}

/// Decodes one scalar from the front of `s`, which the caller guarantees is valid UTF-8
/// starting at a lead byte. Malformed input cannot reach here (the reader validates it); the
/// fallback of U+FFFD keeps this total rather than panicking if that promise is ever broken.
#[inline]
fn decode_utf8(s: &[u8]) -> (u32, usize) {
    let b0 = s[0] as u32;
    let cont = |i: usize| s.get(i).map_or(0, |&b| (b & 0x3F) as u32);
    if b0 & 0xE0 == 0xC0 && s.len() >= 2 {
        (((b0 & 0x1F) << 6) | cont(1), 2)
    } else if b0 & 0xF0 == 0xE0 && s.len() >= 3 {
        (((b0 & 0x0F) << 12) | (cont(1) << 6) | cont(2), 3)
    } else if b0 & 0xF8 == 0xF0 && s.len() >= 4 {
        (
            ((b0 & 0x07) << 18) | (cont(1) << 12) | (cont(2) << 6) | cont(3),
            4,
        )
    } else {
        (0xFFFD, 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn esc(s: &str) -> String {
        let mut out = BytesMut::new();
        write_str(&mut out, s.as_bytes());
        String::from_utf8(out.to_vec()).unwrap()
    }

    #[test]
    fn escapes_to_ascii_that_round_trips() {
        for s in [
            "plain",
            "quote \" backslash \\ slash /",
            "ctl \u{1} \n \r \t",
            "é ü ß",
            "日本語 Кириллица",
            "emoji 🎵🎶",
            "",
        ] {
            let json = esc(s);
            assert!(json.is_ascii(), "{json}");
            let back: String = serde_json::from_str(&json).unwrap();
            assert_eq!(back, s);
        }
    }

    /// One character at a time, the plain way.
    fn esc_reference(s: &str) -> String {
        let mut out = String::from("\"");
        for c in s.chars() {
            match c {
                '"' => out.push_str("\\\""),
                '\\' => out.push_str("\\\\"),
                '\n' => out.push_str("\\n"),
                '\r' => out.push_str("\\r"),
                '\t' => out.push_str("\\t"),
                c if (c as u32) < 0x20 || (c as u32) >= 0x80 => {
                    let mut units = [0u16; 2];
                    for u in c.encode_utf16(&mut units) {
                        out.push_str(&format!("\\u{u:04x}"));
                    }
                }
                c => out.push(c),
            }
        }
        out.push('"');
        out
    }

    #[test]
    fn escapes_every_mix_at_every_position_as_the_plain_way() {
        let parts = [
            "a", "bcdefgh", "\"", "\\", "\n", "\u{1}", "é", "日", "🎵", " ",
        ];
        // Every string of up to four parts, and each padded so that it crosses word edges.
        let mut cases = vec![String::new()];
        for _ in 0..4 {
            let mut next = Vec::new();
            for c in &cases {
                for p in parts {
                    next.push(format!("{c}{p}"));
                }
            }
            cases.extend(next);
            cases.dedup();
        }
        for c in &cases {
            for pad in 0..9 {
                let s = format!("{}{c}", "x".repeat(pad));
                assert_eq!(esc(&s), esc_reference(&s), "{s:?}");
            }
        }
    }

    #[test]
    fn clean_strings_are_found_at_every_length_and_position() {
        for n in 0..24 {
            assert!(is_clean(&vec![b'a'; n]), "{n}");
            for at in 0..n {
                for bad in [b'"', b'\\', 0x00, 0x1f, 0x80, 0xff] {
                    let mut s = vec![b'a'; n];
                    s[at] = bad;
                    assert!(!is_clean(&s), "{n} {at} {bad}");
                }
            }
        }
    }
}
