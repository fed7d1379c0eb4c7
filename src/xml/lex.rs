//! The markup most documents are made of, read without quick-xml: start tags and end tags
//! that name the open element. The event loop reads text
//! itself too, and hands quick-xml everything else, one event at a time, from where these
//! stop. What is read here is exactly what quick-xml would have read (the same event, bytes
//! and extent), so nothing that follows from an event changes; anything else, well-formed or
//! not, is left to quick-xml, and so are its errors.

use super::attrs::name_stop;
use crate::names;

/// A start tag read here: its content (the bytes after `<`, without `>` or `/>`) is
/// `w[1..1 + len]`, its name the first `name` bytes of that; it ends `extent` bytes in.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct StartTag {
    pub len: usize,
    pub name: usize,
    pub empty: bool,
    pub extent: usize,
}

/// A start tag at the start of `w` (which begins with `<`), as quick-xml would read it: its
/// name runs to the first white space, and the tag to the first `>` outside quotes.
#[inline]
pub(super) fn start_tag(w: &[u8]) -> Option<StartTag> {
    // quick-xml reads `<!`, `</` and `<?` as other constructs.
    if matches!(w.get(1), None | Some(b'!' | b'/' | b'?')) {
        return None;
    }
    let mut i = 1;
    loop {
        // Eight bytes at a time over the letters of the name: only the bytes at or below
        // `>` may end it (or are a colon, a digit, `-` or `.`).
        let (at, b) = name_stop(w, i)?;
        i = at;
        let name = i - 1;
        match b {
            b'>' if name > 0 => return Some(tag(name, name, false)),
            b'/' if name > 0 && w.get(i + 1) == Some(&b'>') => return Some(tag(name, name, true)),
            // Letters and the like, met one at a time in the last bytes.
            b':' | b'-' | b'.' | b'0'..=b'9' | b'?'..=0xff => i += 1,
            b' ' | b'\t' | b'\n' | b'\r' if name > 0 => {
                // Attributes (or only white space) up to the `>`.
                let gt = close_outside_quotes(w, i)?;
                let empty = w[gt - 1] == b'/';
                return Some(tag(gt - 1 - usize::from(empty), name, empty));
            }
            // Quotes, `=`, `<`, controls, an empty name...: quick-xml's to read or refuse.
            _ => return None,
        }
    }
}

fn tag(len: usize, name: usize, empty: bool) -> StartTag {
    StartTag {
        len,
        name,
        empty,
        extent: len + 2 + usize::from(empty),
    }
}

/// The first `>` of `w` from `i` on that is not inside a quoted value.
#[inline]
fn close_outside_quotes(w: &[u8], mut i: usize) -> Option<usize> {
    loop {
        i += memchr::memchr3(b'>', b'"', b'\'', &w[i..])?;
        let q = w[i];
        if q == b'>' {
            return Some(i);
        }
        i += 1;
        i += memchr::memchr(q, &w[i..])? + 1;
    }
}

/// Whether `w` (which begins with `</`) starts with the end tag `</name>`, as quick-xml
/// would read it: `name` and then `>` at once.
#[inline]
pub(super) fn plain_end(w: &[u8], name: &[u8]) -> bool {
    let n = name.len();
    w.get(2 + n) == Some(&b'>') && names::same_name(&w[2..2 + n], name)
}

/// How much of `w` is text: up to its first `<` or `&`, or all of it. Most text is short (the
/// indentation between tags, a value), where a `memchr2` call costs several times the
/// search: eight bytes at a time here, and `memchr2` past the first 32.
#[inline]
pub(super) fn text_len(w: &[u8]) -> usize {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    // The lowest flagged byte of each test is a true match (any false one sits above it), so
    // the lowest of both is the first `<` or `&`.
    let zero = |v: u64| v.wrapping_sub(ONES) & !v & HIGH;
    let mut i = 0;
    while let Some(word) = w.get(i..i + 8) {
        let mut b = [0u8; 8];
        b.copy_from_slice(word);
        let x = u64::from_le_bytes(b);
        let m = zero(x ^ (ONES * u64::from(b'<'))) | zero(x ^ (ONES * u64::from(b'&')));
        if m != 0 {
            return i + (m.trailing_zeros() / 8) as usize;
        }
        i += 8;
        if i == 32 {
            return memchr::memchr2(b'<', b'&', &w[i..]).map_or(w.len(), |k| i + k);
        }
    }
    w[i..]
        .iter()
        .position(|&b| b == b'<' || b == b'&')
        .map_or(w.len(), |k| i + k)
}

/// A reference at the start of `w` (which begins with `&`) as quick-xml reads it, when its
/// `;` comes within a few bytes: the length of its name (between `&` and `;`).
#[inline]
pub(super) fn reference(w: &[u8]) -> Option<usize> {
    // quick-xml reads up to the first `;`, `&` or `<`; only a `;` ends a reference.
    let name = w.get(1..w.len().min(34))?;
    match name.iter().position(|&b| matches!(b, b';' | b'&' | b'<')) {
        Some(i) if name[i] == b';' => Some(i),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The start tag quick-xml reads at the start of `w`: content, name length, whether it
    /// is empty, extent.
    fn quick(w: &[u8]) -> Option<(Vec<u8>, usize, bool, usize)> {
        let mut reader = quick_xml::Reader::from_reader(w);
        super::super::window::configure(reader.config_mut());
        let (e, empty) = match reader.read_event() {
            Ok(quick_xml::events::Event::Start(e)) => (e, false),
            Ok(quick_xml::events::Event::Empty(e)) => (e, true),
            _ => return None,
        };
        let name = e.name().as_ref().len();
        Some((e.to_vec(), name, empty, reader.buffer_position() as usize))
    }

    fn read(w: &[u8]) -> Option<(Vec<u8>, usize, bool, usize)> {
        start_tag(w).map(|t| (w[1..1 + t.len].to_vec(), t.name, t.empty, t.extent))
    }

    #[test]
    fn start_tags_as_quick_xml_reads_them() {
        for t in [
            &b"<a>"[..],
            b"<a/>",
            b"<ern:Release-1.x>rest",
            b"<ReleaseResourceReferenceList>",
            "<caf\u{e9}>".as_bytes(),
            b"<a >",
            b"<a\n/>",
            b"<a b=\"1\">x",
            b"<a b='>' c=\"'/>\"/>",
            b"<abcdefghij\tk=\"v\"/ >",
        ] {
            assert!(read(t).is_some(), "{:?}", String::from_utf8_lossy(t));
            assert_eq!(read(t), quick(t), "{:?}", String::from_utf8_lossy(t));
        }
        // What quick-xml reads otherwise, or refuses: left to it.
        for t in [
            &b"<>"[..],
            b"</a>",
            b"<!-- -->",
            b"<?pi?>",
            b"<a/ ",
            b"<a/",
            b"<a",
            b"<",
            b"< a>",
            b"<a<b>",
            b"<a\"b>",
            b"<a='b'>",
            b"<abcdefghijklmnop",
            b"<a b='>",
            b"<a b=\"1\"",
            b"</>",
        ] {
            assert_eq!(read(t), None, "{:?}", String::from_utf8_lossy(t));
        }
    }

    /// Every tag made of up to four of these parts after `<`: whatever is read here is what
    /// quick-xml reads.
    #[test]
    fn every_mix_is_read_as_quick_xml_reads_it() {
        let parts: [&[u8]; 14] = [
            b"a",
            b"bcdefghij",
            b":",
            b"-1",
            b" ",
            b"\n",
            b"/",
            b">",
            b"=",
            b"\"",
            b"'",
            b"<",
            b"!",
            "\u{e9}".as_bytes(),
        ];
        let mut tags = vec![b"<".to_vec()];
        for _ in 0..4 {
            let mut next = Vec::new();
            for t in &tags {
                for p in parts {
                    let mut t = t.clone();
                    t.extend_from_slice(p);
                    next.push(t);
                }
            }
            tags.extend(next);
        }
        let mut read_here = 0;
        for t in &tags {
            for tail in [&b""[..], b">", b"/>", b"\">", b"'>x"] {
                let mut w = t.clone();
                w.extend_from_slice(tail);
                if let Some(r) = read(&w) {
                    read_here += 1;
                    assert_eq!(Some(r), quick(&w), "{:?}", String::from_utf8_lossy(&w));
                }
            }
        }
        assert!(read_here > 1000, "{read_here}");
        // The same parts as text (and `&`): as long as quick-xml's text event.
        for t in &tags {
            let mut w = t[1..].to_vec();
            w.extend_from_slice(b"&amp;");
            if matches!(w.first(), Some(b'<' | b'&') | None) {
                continue;
            }
            let mut reader = quick_xml::Reader::from_reader(&w[..]);
            super::super::window::configure(reader.config_mut());
            assert!(matches!(
                reader.read_event(),
                Ok(quick_xml::events::Event::Text(_))
            ));
            assert_eq!(text_len(&w), reader.buffer_position() as usize);
        }
        // References: as quick-xml reads them wherever one is read here.
        for t in &tags {
            let mut w = t[1..].to_vec();
            w.insert(0, b'&');
            w.extend_from_slice(b";x");
            let Some(n) = reference(&w) else { continue };
            let mut reader = quick_xml::Reader::from_reader(&w[..]);
            super::super::window::configure(reader.config_mut());
            let Ok(quick_xml::events::Event::GeneralRef(r)) = reader.read_event() else {
                panic!("{:?}", String::from_utf8_lossy(&w));
            };
            assert_eq!(&*r, &w[1..1 + n]);
            assert_eq!(reader.buffer_position() as usize, n + 2);
        }
        for t in [
            &b"&"[..],
            b"&amp",
            b"&a&b;",
            b"&a<b;",
            b"&abcdefghijklmnopqrstuvwxyz0123456789;",
        ] {
            assert_eq!(reference(t), None, "{:?}", String::from_utf8_lossy(t));
        }
        // End tags: `</name>` is quick-xml's end tag of that name, and as long.
        for (w, name) in [
            (&b"</a>x"[..], &b"a"[..]),
            (b"</ern:Release-1.x>", b"ern:Release-1.x"),
        ] {
            assert!(plain_end(w, name));
            let mut reader = quick_xml::Reader::from_reader(w);
            super::super::window::configure(reader.config_mut());
            let Ok(quick_xml::events::Event::End(e)) = reader.read_event() else {
                panic!("{w:?}");
            };
            assert_eq!(e.name().as_ref(), name);
            assert_eq!(reader.buffer_position() as usize, name.len() + 3);
        }
    }

    #[test]
    fn text_ends_at_the_first_lt_or_amp() {
        for n in 0..80 {
            let text = vec![b'x'; n];
            assert_eq!(text_len(&text), n);
            for at in 0..n {
                for stop in [b'<', b'&'] {
                    let mut t = text.clone();
                    t[at] = stop;
                    // Bytes next to the stops, and a second stop after the first.
                    for later in at + 1..n {
                        t[later] = [b';', b'=', b'%', b'<', b'&'][later % 5];
                    }
                    assert_eq!(text_len(&t), at, "{n} {at}");
                }
            }
        }
    }

    #[test]
    fn end_tags_naming_the_open_element() {
        assert!(plain_end(b"</a>", b"a"));
        assert!(plain_end(b"</ern:ReleaseList>\n", b"ern:ReleaseList"));
        for t in [&b"</a >"[..], b"</ab>", b"</b>", b"</a", b"</", b"</A>"] {
            assert!(!plain_end(t, b"a"), "{:?}", String::from_utf8_lossy(t));
        }
        assert!(!plain_end(b"</a>", b"ab"));
    }
}
