//! Attribute scanning and value decoding. quick-xml's iterator allocates a duplicate-check
//! table per tag and leaves values raw; this scanner reuses one vector and reports exact
//! positions for every malformation.

use std::collections::HashSet;

use super::chars::{is_xml_space, resolve, Ref};
use crate::error::ErrorCode;
use crate::limits::Limits;
use crate::shape::{js_trim_end, js_trim_start};

/// Byte ranges inside the tag content (the bytes after `<`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    pub name: (usize, usize),
    pub value: (usize, usize),
    /// The name holds a `:` (found as it is scanned, so namespaces need not look again).
    pub prefixed: bool,
}

/// The high bit of each of the eight bytes of `w` (little-endian) that is at or below `>`:
/// every byte that ends an attribute name is, and so are `:`, `-`, `.` and the digits; the
/// letters, `_` and non-ASCII bytes are not. (No byte carries into the next: each sum is at
/// most 0xc0.)
#[inline]
fn at_or_below_gt(w: &[u8]) -> u64 {
    let mut b = [0u8; 8];
    b.copy_from_slice(w);
    let x = u64::from_le_bytes(b);
    const LOW7: u64 = 0x7f7f_7f7f_7f7f_7f7f;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    !((x & LOW7) + 0x4141_4141_4141_4141) & !x & HIGH
}

/// From `i` on, the first byte of `w` that may end a name or is not a letter of one, with its
/// index: eight bytes at a time past letters (bytes above `>`), then one at a time in the
/// last few. `None` at the end of `w`. The scans of element and attribute names both go on
/// from there.
#[inline]
pub(super) fn name_stop(w: &[u8], mut i: usize) -> Option<(usize, u8)> {
    while let Some(word) = w.get(i..i + 8) {
        match at_or_below_gt(word) {
            0 => i += 8,
            m => {
                let j = i + (m.trailing_zeros() / 8) as usize;
                return Some((j, word[j - i]));
            }
        }
    }
    w.get(i).map(|&b| (i, b))
}

/// A problem at byte `at` of the scanned slice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fault {
    pub at: usize,
    pub code: ErrorCode,
    pub message: String,
}

#[cold]
fn fault(at: usize, code: ErrorCode, message: impl Into<String>) -> Fault {
    Fault {
        at,
        code,
        message: message.into(),
    }
}

/// Scans the attributes of `tag` from `from` (just after the element name) into `out`,
/// stopping at the first one over a limit, so `out` never holds more than `max_attributes`.
pub fn scan(tag: &[u8], from: usize, limits: &Limits, out: &mut Vec<Span>) -> Result<(), Fault> {
    out.clear();
    let mut i = from;
    loop {
        let ws_start = i;
        while i < tag.len() && is_xml_space(tag[i]) {
            i += 1;
        }
        if i == tag.len() {
            return Ok(());
        }
        if i == ws_start {
            return Err(fault(
                i,
                ErrorCode::InvalidAttribute,
                "expected white space before an attribute",
            ));
        }
        if out.len() == limits.max_attributes {
            return Err(fault(
                i,
                ErrorCode::TooManyAttributes,
                format!(
                    "more than maxAttributes ({}) attributes on one element",
                    limits.max_attributes
                ),
            ));
        }
        let name_start = i;
        let mut prefixed = false;
        // The name runs to the first byte that ends it; a colon on the way prefixes it.
        loop {
            let Some((at, b)) = name_stop(tag, i) else {
                i = tag.len();
                break;
            };
            i = at;
            if matches!(b, b'=' | b'"' | b'\'' | b'<' | b'>' | b'/') || is_xml_space(b) {
                break;
            }
            prefixed |= b == b':';
            i += 1;
        }
        if i == name_start {
            return Err(fault(
                i,
                ErrorCode::InvalidAttribute,
                format!(
                    "unexpected {:?} where an attribute name was expected",
                    tag[i] as char
                ),
            ));
        }
        if i - name_start > limits.max_name_length {
            return Err(name_too_long(name_start, "an attribute", limits));
        }
        let name = (name_start, i);
        while i < tag.len() && is_xml_space(tag[i]) {
            i += 1;
        }
        if tag.get(i) != Some(&b'=') {
            return Err(fault(
                i,
                ErrorCode::InvalidAttribute,
                format!(
                    "expected `=` after attribute `{}`",
                    String::from_utf8_lossy(&tag[name.0..name.1])
                ),
            ));
        }
        i += 1;
        while i < tag.len() && is_xml_space(tag[i]) {
            i += 1;
        }
        let quote = match tag.get(i) {
            Some(&q @ (b'"' | b'\'')) => q,
            _ => {
                return Err(fault(
                    i,
                    ErrorCode::InvalidAttribute,
                    "expected a quoted attribute value",
                ))
            }
        };
        let v_start = i + 1;
        // One pass finds the closing quote of a value with no `<` (all but broken ones).
        let rest = &tag[v_start..];
        if let Some(n) = rest.iter().position(|&b| b == quote || b == b'<') {
            if rest[n] == quote {
                if n > limits.max_text_length {
                    return Err(text_too_long(v_start, "an attribute value", limits));
                }
                out.push(Span {
                    name,
                    value: (v_start, v_start + n),
                    prefixed,
                });
                i = v_start + n + 1;
                continue;
            }
        }
        let v_end = match tag[v_start..].iter().position(|&b| b == quote) {
            Some(n) => v_start + n,
            None => {
                return Err(fault(
                    i,
                    ErrorCode::InvalidAttribute,
                    "unterminated attribute value",
                ))
            }
        };
        if v_end - v_start > limits.max_text_length {
            return Err(text_too_long(v_start, "an attribute value", limits));
        }
        if let Some(lt) = tag[v_start..v_end].iter().position(|&b| b == b'<') {
            return Err(fault(
                v_start + lt,
                ErrorCode::InvalidAttribute,
                "`<` is not allowed in an attribute value",
            ));
        }
        out.push(Span {
            name,
            value: (v_start, v_end),
            prefixed,
        });
        i = v_end + 1;
    }
}

/// Beyond this many attributes, duplicates are found with a hash set: comparing every pair
/// would let one tag with `maxAttributes` attributes cost tens of millions of comparisons.
const PAIRWISE_MAX: usize = 16;

/// Index of the first attribute whose name repeats an earlier one.
#[inline]
pub fn find_duplicate(tag: &[u8], spans: &[Span]) -> Option<usize> {
    let name = |s: &Span| &tag[s.name.0..s.name.1];
    if spans.len() <= PAIRWISE_MAX {
        return (1..spans.len()).find(|&j| spans[..j].iter().any(|s| name(s) == name(&spans[j])));
    }
    find_duplicate_hashed(tag, spans)
}

#[cold]
fn find_duplicate_hashed(tag: &[u8], spans: &[Span]) -> Option<usize> {
    let mut seen = HashSet::with_capacity(spans.len());
    spans
        .iter()
        .position(|s| !seen.insert(&tag[s.name.0..s.name.1]))
}

/// The name starting at `at` is longer than `maxNameLength`; `what` says whose name it is.
#[cold]
#[inline(never)]
pub fn name_too_long(at: usize, what: &str, limits: &Limits) -> Fault {
    fault(
        at,
        ErrorCode::NameTooLong,
        format!(
            "{what} name is longer than maxNameLength ({} bytes)",
            limits.max_name_length
        ),
    )
}

/// Text starting at `start` runs past `maxTextLength`; reported at the first byte beyond the
/// limit, which is the same byte however the input was chunked.
#[cold]
#[inline(never)]
pub fn text_too_long(start: usize, what: &str, limits: &Limits) -> Fault {
    fault(
        start + limits.max_text_length,
        ErrorCode::TextTooLong,
        format!(
            "{what} is longer than maxTextLength ({} bytes)",
            limits.max_text_length
        ),
    )
}

/// Decodes an attribute value into `out`: references resolved, and literal white space
/// normalised to spaces as XML 1.0 (3.3.3) requires for CDATA attributes. With `trim`, white
/// space at either end is dropped, but only literal white space: as in fast-xml-parser, trimming
/// happens before references are decoded, so `&#32;` survives.
#[cfg(test)]
pub fn decode_value(
    raw: &[u8],
    trim: bool,
    max_name: usize,
    out: &mut Vec<u8>,
) -> Result<(), Fault> {
    decode_value_with(raw, trim, max_name, out, &mut |name, _| {
        Err(undefined_entity(0, name))
    })
}

/// Appends the replacement text of the named entity to a value being decoded.
pub type EntityResolver<'a> = dyn FnMut(&[u8], &mut Vec<u8>) -> Result<(), Fault> + 'a;

/// [`decode_value`], with references to other entities handed to `entity`, which appends
/// their normalised replacement text (a fault's `at` is taken as the reference's).
pub fn decode_value_with(
    raw: &[u8],
    trim: bool,
    max_name: usize,
    out: &mut Vec<u8>,
    entity: &mut EntityResolver<'_>,
) -> Result<(), Fault> {
    out.clear();
    let mut i = if trim { js_trim_start(raw) } else { 0 };
    let mut hard_end = 0;
    while i < raw.len() {
        match raw[i..]
            .iter()
            .position(|&b| matches!(b, b'&' | b'\r' | b'\n'))
            .map(|n| i + n)
        {
            None => {
                push_literal(out, &raw[i..]);
                break;
            }
            Some(j) => {
                push_literal(out, &raw[i..j]);
                match raw[j] {
                    b'&' => {
                        let Some(len) = raw[j + 1..].iter().position(|&b| b == b';') else {
                            return Err(fault(
                                j,
                                ErrorCode::InvalidReference,
                                "`&` must start a reference ending in `;`",
                            ));
                        };
                        let name = &raw[j + 1..j + 1 + len];
                        if len > max_name {
                            return Err(fault(
                                j + 1,
                                ErrorCode::NameTooLong,
                                format!(
                                    "an entity name is longer than maxNameLength ({max_name} bytes)"
                                ),
                            ));
                        }
                        match resolve(name) {
                            Ref::Char(c) => {
                                let mut buf = [0u8; 4];
                                out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
                                hard_end = out.len();
                            }
                            Ref::Undefined => {
                                entity(name, out).map_err(|f| Fault { at: j, ..f })?;
                                hard_end = out.len();
                            }
                            Ref::Invalid => return Err(invalid_char_ref(j, name)),
                        }
                        i = j + len + 2;
                    }
                    b'\r' if raw.get(j + 1) == Some(&b'\n') => {
                        out.push(b' ');
                        i = j + 2;
                    }
                    _ => {
                        out.push(b' ');
                        i = j + 1;
                    }
                }
            }
        }
    }
    if trim {
        let end = hard_end + js_trim_end(&out[hard_end..]);
        out.truncate(end);
    }
    Ok(())
}

fn push_literal(out: &mut Vec<u8>, s: &[u8]) {
    if !s.contains(&b'\t') {
        out.extend_from_slice(s);
    } else {
        out.extend(s.iter().map(|&b| if b == b'\t' { b' ' } else { b }));
    }
}

pub fn undefined_entity(at: usize, name: &[u8]) -> Fault {
    fault(
        at,
        ErrorCode::UndefinedEntity,
        format!(
            "undefined entity `&{};`: only &lt; &gt; &amp; &apos; &quot; and character references are expanded",
            String::from_utf8_lossy(name)
        ),
    )
}

pub fn invalid_char_ref(at: usize, name: &[u8]) -> Fault {
    fault(
        at,
        ErrorCode::InvalidReference,
        format!(
            "`&{};` is not a reference to a character XML allows",
            String::from_utf8_lossy(name)
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spans(tag: &str, from: usize) -> Result<Vec<(String, String)>, Fault> {
        let mut out = Vec::new();
        scan(tag.as_bytes(), from, &Limits::default(), &mut out)?;
        Ok(out
            .iter()
            .map(|s| {
                (
                    tag[s.name.0..s.name.1].to_string(),
                    tag[s.value.0..s.value.1].to_string(),
                )
            })
            .collect())
    }

    #[test]
    fn scans_both_quote_styles_and_spacing() {
        let got = spans("a x=\"1\" y = 'two \"2\"'\n z='>'", 1).unwrap();
        assert_eq!(
            got,
            vec![
                ("x".into(), "1".into()),
                ("y".into(), "two \"2\"".into()),
                ("z".into(), ">".into())
            ]
        );
    }

    #[test]
    fn reports_malformed_attributes_where_they_are() {
        assert_eq!(spans("a x", 1).unwrap_err().at, 3);
        assert_eq!(spans("a x=1", 1).unwrap_err().at, 4);
        assert_eq!(spans("a x='1'y='2'", 1).unwrap_err().at, 7);
        assert_eq!(spans("a x='<'", 1).unwrap_err().at, 5);
        let tag = b"a x='1' y='2' x='3'";
        let mut out = Vec::new();
        scan(tag, 1, &Limits::default(), &mut out).unwrap();
        assert_eq!(find_duplicate(tag, &out), Some(2));
    }

    /// Names are scanned eight bytes at a time up to the first byte at or below `>`: at every
    /// length and position of a colon, digit or delimiter, the name ends where a byte loop
    /// ends it, and `prefixed` says whether it holds a colon.
    #[test]
    fn names_end_at_their_first_delimiter_at_every_length() {
        for n in 0..20 {
            for k in 0..=n {
                for inner in [b':', b'1', b'-', b'.', b'_', 0xc3] {
                    let mut name: Vec<u8> = (0..n).map(|j| b'a' + (j % 26) as u8).collect();
                    if k < n {
                        name[k] = inner;
                    }
                    if inner == 0xc3 && k < n {
                        // Keep it UTF-8: é.
                        name.insert(k + 1, 0xa9);
                    }
                    let name = String::from_utf8(name).unwrap();
                    if name.is_empty() {
                        continue;
                    }
                    let tag = format!("a {name}='v' b=\"w\"");
                    let mut out = Vec::new();
                    scan(tag.as_bytes(), 1, &Limits::default(), &mut out).unwrap();
                    assert_eq!(&tag[out[0].name.0..out[0].name.1], name);
                    assert_eq!(out[0].prefixed, name.contains(':'), "{name}");
                    assert_eq!(&tag[out[1].name.0..out[1].name.1], "b");
                    for delim in ['"', '\'', '<', '>', '/'] {
                        let tag = format!("a {name}{delim}='v'");
                        assert_eq!(spans(&tag, 1).unwrap_err().at, 2 + name.len());
                    }
                    for space in ['\t', '\n', ' '] {
                        let tag = format!("a {name}{space}='v'");
                        assert_eq!(spans(&tag, 1).unwrap()[0].0, name);
                    }
                }
            }
        }
    }

    #[test]
    fn decodes_normalises_and_trims_only_literal_space() {
        let mut out = Vec::new();
        decode_value(b" a\tb\r\nc &#32;&amp; ", true, 9, &mut out).unwrap();
        assert_eq!(out, b"a b c  &");
        decode_value(b"&#32;x&#32;", true, 9, &mut out).unwrap();
        assert_eq!(out, b" x ");
        assert_eq!(
            decode_value(b"a &nbsp;", true, 9, &mut out)
                .unwrap_err()
                .code,
            ErrorCode::UndefinedEntity
        );
        assert_eq!(
            decode_value(b"a & b", true, 9, &mut out).unwrap_err().code,
            ErrorCode::InvalidReference
        );
    }
}
