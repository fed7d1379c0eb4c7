//! JSON string literals, in two forms:
//! * pure ASCII ([`write_str`]): non-ASCII characters become `\uXXXX` escapes so that each
//!   batch can cross into JavaScript as a one-byte (latin1) string, which V8 both creates and
//!   `JSON.parse`s faster than a UTF-8 decoded one;
//! * as `JSON.stringify` writes them ([`write_str_utf8`]): UTF-8 as it is, only `"`, `\\` and
//!   controls escaped, for records that go straight to a file and are never parsed again.

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

/// Writes `s` (valid UTF-8) as a quoted JSON string in ASCII.
#[inline]
pub fn write_str(out: &mut BytesMut, s: &[u8]) {
    write_quoted::<false>(out, s)
}

/// Writes `s` (valid UTF-8) as a quoted JSON string as `JSON.stringify` writes it.
#[inline]
pub fn write_str_utf8(out: &mut BytesMut, s: &[u8]) {
    write_quoted::<true>(out, s)
}

/// [`write_str`] or [`write_str_utf8`].
#[inline]
pub fn write_str_as(out: &mut BytesMut, s: &[u8], utf8: bool) {
    if utf8 {
        write_str_utf8(out, s)
    } else {
        write_str(out, s)
    }
}

#[inline]
fn write_quoted<const UTF8: bool>(out: &mut BytesMut, s: &[u8]) {
    write_entry::<UTF8>(out, b"", s)
}

/// `key` (an entry's rendered key, `,"name":`) and then `s` (valid UTF-8) as a quoted JSON
/// string, in ASCII or (`utf8`) as `JSON.stringify` writes it: a leaf's or an attribute's
/// entry, most of what a record writes.
#[inline]
pub fn write_entry_as(out: &mut BytesMut, key: &[u8], s: &[u8], utf8: bool) {
    if utf8 {
        write_entry::<true>(out, key, s)
    } else {
        write_entry::<false>(out, key, s)
    }
}

#[inline]
fn write_entry<const UTF8: bool>(out: &mut BytesMut, key: &[u8], s: &[u8]) {
    if !is_clean::<UTF8>(s) {
        out.extend_from_slice(key);
        out.extend_from_slice(b"\"");
        write_body::<UTF8>(out, s);
        out.extend_from_slice(b"\"");
        return;
    }
    // Most values need no escaping: the key, the quotes and the value go into one
    // reservation, without a capacity test and a length update for each of the four.
    let n = key.len() + s.len() + 2;
    let at = out.len();
    out.reserve(n);
    // SAFETY: `reserve` left room for `n` bytes past `at`, the length; the four writes fill
    // exactly those `n` bytes (key, quote, value, quote), from slices that cannot overlap
    // the buffer's spare room, before the length takes them in.
    unsafe {
        let dst = out.as_mut_ptr().add(at);
        std::ptr::copy_nonoverlapping(key.as_ptr(), dst, key.len());
        dst.add(key.len()).write(b'"');
        std::ptr::copy_nonoverlapping(s.as_ptr(), dst.add(key.len() + 1), s.len());
        dst.add(n - 1).write(b'"');
        out.set_len(at + n);
    }
}

/// Whether no byte of `s` needs escaping, a word at a time with no byte loop: most values are
/// short ASCII (codes, dates, ids), and a value's last bytes are read as one word that
/// overlaps the one before it.
#[inline]
fn is_clean<const UTF8: bool>(s: &[u8]) -> bool {
    let n = s.len();
    if n < 8 {
        // Fixed-size loads only (a copy of a variable length was a `memcpy` call per value):
        // two overlapping halves, or the bytes of a shorter one padded with spaces, which
        // never need escaping. Any byte that needs escaping leaves the mask non-zero.
        let x = if n >= 4 {
            let half = |at: usize| {
                let mut w = [0u8; 4];
                w.copy_from_slice(&s[at..at + 4]);
                u64::from(u32::from_le_bytes(w))
            };
            half(0) | half(n - 4) << 32
        } else {
            s.iter()
                .enumerate()
                .fold(0x2020_2020_2020_2020, |x, (i, &b)| {
                    x & !(0xff << (8 * i)) | u64::from(b) << (8 * i)
                })
        };
        return word_mask::<UTF8>(x) == 0;
    }
    let mut i = 0;
    while i + 8 < n {
        if escape_mask::<UTF8>(&s[i..i + 8]) != 0 {
            return false;
        }
        i += 8;
    }
    escape_mask::<UTF8>(&s[n - 8..]) == 0
}

/// Writes the escaped contents of `s` (valid UTF-8) without quotes, in ASCII or (`utf8`) as
/// `JSON.stringify` writes it.
pub fn write_str_body_as(out: &mut BytesMut, s: &[u8], utf8: bool) {
    if utf8 {
        write_body::<true>(out, s)
    } else {
        write_body::<false>(out, s)
    }
}

fn write_body<const UTF8: bool>(out: &mut BytesMut, s: &[u8]) {
    let mut start = 0;
    let mut i = 0;
    while i < s.len() {
        // Eight bytes at a time: a clean word is skipped whole, and in any other the lowest
        // flagged byte is the first to escape (the tests' false positives only ever sit above
        // a true one), so text with a few accented letters is not walked byte by byte.
        if let Some(w) = s.get(i..i + 8) {
            let m = escape_mask::<UTF8>(w);
            if m == 0 {
                i += 8;
                continue;
            }
            i += (m.trailing_zeros() / 8) as usize;
        } else if !NEEDS_ESCAPE[s[i] as usize] || (UTF8 && s[i] >= 0x80) {
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
                // JSON.stringify's short forms; the ASCII form keeps `\u` (both parse alike).
                0x08 if UTF8 => out.extend_from_slice(b"\\b"),
                0x0c if UTF8 => out.extend_from_slice(b"\\f"),
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

/// The high bit of each of 8 bytes (little-endian) that may need escaping (a control, `"`,
/// `\\`, and unless `UTF8` a non-ASCII byte): the lowest one set always does, bits above it
/// may be false positives of the borrow. (A byte at 0x80 or above never borrows, so in UTF-8
/// the lowest bit set is still a true one.)
#[inline]
fn escape_mask<const UTF8: bool>(b: &[u8]) -> u64 {
    let mut w = [0u8; 8];
    w.copy_from_slice(b);
    word_mask::<UTF8>(u64::from_le_bytes(w))
}

/// [`escape_mask`] of eight bytes already loaded (little-endian).
#[inline]
fn word_mask<const UTF8: bool>(x: u64) -> u64 {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let has_zero = |v: u64| v.wrapping_sub(ONES) & !v & HIGH;
    let below_0x20 = x.wrapping_sub(ONES * 0x20) & !x & HIGH;
    let quote = has_zero(x ^ (ONES * b'"' as u64));
    let backslash = has_zero(x ^ (ONES * b'\\' as u64));
    let high = if UTF8 { 0 } else { x & HIGH };
    high | below_0x20 | quote | backslash
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

    /// Every string of up to `most` of `parts`, each also behind 1 to 8 `x`s so that it
    /// crosses the scans' word edges.
    fn mixes(parts: &[&str], most: usize) -> Vec<String> {
        let mut cases = vec![String::new()];
        for _ in 0..most {
            let mut next = Vec::new();
            for c in &cases {
                for p in parts {
                    next.push(format!("{c}{p}"));
                }
            }
            cases.extend(next);
            cases.dedup();
        }
        cases
            .iter()
            .flat_map(|c| (0..9).map(move |pad| format!("{}{c}", "x".repeat(pad))))
            .collect()
    }

    #[test]
    fn escapes_every_mix_at_every_position_as_the_plain_way() {
        let parts = [
            "a", "bcdefgh", "\"", "\\", "\n", "\u{1}", "é", "日", "🎵", " ",
        ];
        for s in mixes(&parts, 4) {
            assert_eq!(esc(&s), esc_reference(&s), "{s:?}");
        }
    }

    #[test]
    fn clean_strings_are_found_at_every_length_and_position() {
        for n in 0..24 {
            assert!(is_clean::<false>(&vec![b'a'; n]), "{n}");
            assert!(is_clean::<true>(&vec![b'a'; n]), "{n}");
            // Neighbours of the bytes that need escaping need none.
            let near: Vec<u8> = (0..n).map(|i| b" !#[]~\x7f"[i % 7]).collect();
            assert!(
                is_clean::<false>(&near) && is_clean::<true>(&near),
                "{near:?}"
            );
            for at in 0..n {
                for bad in [b'"', b'\\', 0x00, 0x1f, 0x80, 0xff] {
                    let mut s = vec![b'a'; n];
                    s[at] = bad;
                    assert!(!is_clean::<false>(&s), "{n} {at} {bad}");
                    assert_eq!(is_clean::<true>(&s), bad >= 0x80, "{n} {at} {bad}");
                }
            }
        }
    }

    /// An entry is its key and then the string as `write_str_as` writes it, in both forms,
    /// clean or not, whatever the buffer held and however little room it had left.
    #[test]
    fn entries_are_the_key_then_the_string() {
        let parts = ["a", "bcdefgh", "\"", "\u{1}", "é", "🎵"];
        for (i, s) in mixes(&parts, 3).iter().enumerate() {
            for utf8 in [false, true] {
                for key in [&b""[..], b"\"k\":", b",\"a longer key, past a word\":"] {
                    let mut out = BytesMut::with_capacity(i % 7);
                    out.extend_from_slice(&b"held"[..i % 5]);
                    let mut want = out.clone();
                    write_entry_as(&mut out, key, s.as_bytes(), utf8);
                    want.extend_from_slice(key);
                    write_str_as(&mut want, s.as_bytes(), utf8);
                    assert_eq!(out, want, "{s:?} {utf8}");
                }
            }
        }
    }

    /// JSON.stringify's form is serde_json's: `"`, `\\` and controls escaped (`\b`, `\f`,
    /// `\n`, `\r`, `\t`, else `\u00xx`), everything else as it is.
    #[test]
    fn utf8_form_is_json_stringify_s() {
        let parts = [
            "a", "bcdefgh", "\"", "\\", "\n", "\u{1}", "\u{8}", "\u{c}", "\u{1f}", "\u{7f}", "é",
            "日", "🎵", " ", "\u{2028}",
        ];
        for s in mixes(&parts, 3) {
            let mut out = BytesMut::new();
            write_str_utf8(&mut out, s.as_bytes());
            assert_eq!(out, serde_json::to_string(&s).unwrap().as_bytes(), "{s:?}");
        }
    }
}
