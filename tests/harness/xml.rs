//! The XML fuzz check: options decoded from a 6-byte header, then the document parsed whole
//! and in pieces, with every invariant of [`super::drive`] plus chunk invariance.
//!
//! Header: `[selector, flags, limits, chunk mode, seed, seed]`.

use sluice::xml::encoding::EncodingErrors;
use sluice::{ErrorCode, Limits, XmlOptions, XmlParser};

use super::{assert_same, drive, Chunking, Header, Outcome, Positions};

pub const HEADER: usize = 6;

/// Decodes the input and checks the parser on it. Panics on any broken invariant.
pub fn check(data: &[u8]) {
    let (h, doc) = Header::split(data, HEADER);
    let opts = options(&h, doc);
    let chunking = Chunking::from_seed(
        doc.len(),
        h.byte(3),
        u16::from_le_bytes([h.byte(4), h.byte(5)]),
    );
    check_with(&opts, doc, &chunking);
}

/// Parses `doc` whole and as `chunking` says; both must agree. Returns the whole outcome, or
/// `None` when the options are rejected.
pub fn check_with(opts: &XmlOptions, doc: &[u8], chunking: &Chunking) -> Option<Outcome> {
    let whole = parse(opts, doc, &Chunking::whole(doc.len()))?;
    let split = parse(opts, doc, chunking)?;
    assert_same(&whole, &split, "xml");
    if opts.tagged {
        for v in &whole.values {
            let sel = v.get("selector").and_then(|s| s.as_str());
            assert!(
                sel.is_some_and(|s| opts.select.iter().any(|o| o == s)) && v.get("value").is_some(),
                "tagged record without its selector: {v}"
            );
        }
    }
    Some(whole)
}

/// One parse; `None` when the options are rejected (which must be as `InvalidOption`).
pub fn parse(opts: &XmlOptions, doc: &[u8], chunking: &Chunking) -> Option<Outcome> {
    match XmlParser::new(opts.clone()) {
        Ok(mut p) => {
            let positions = if plain_utf8(doc) {
                Positions::Xml
            } else {
                Positions::Unchecked
            };
            Some(drive(&mut p, doc, chunking, positions))
        }
        Err(e) => {
            assert_eq!(e.code, ErrorCode::InvalidOption, "{e:?}");
            None
        }
    }
}

pub fn options(h: &Header, doc: &[u8]) -> XmlOptions {
    let names = element_names(doc);
    let name = |i: usize| names.get(i).cloned().unwrap_or_else(|| "a".to_string());
    let local = |s: String| match s.split_once(':') {
        Some((_, l)) => l.to_string(),
        None => s,
    };
    let uri = namespace_uri(doc).unwrap_or_else(|| "urn:x".to_string());
    let select: Vec<String> = match h.byte(0) % 16 {
        0 => vec!["/*".into()],
        1 => vec!["*".into()],
        2 => vec![name(1)],
        3 => vec![format!("//{}", name(1))],
        4 => vec!["/*/*".into()],
        5 => vec![format!("{{{uri}}}{}", local(name(1)))],
        6 => vec![format!("{{{uri}}}*")],
        7 => vec![name(1), name(2)],
        8 => vec![format!("*/{}", name(2))],
        9 => vec![name(2)],
        10 => vec!["a".into(), "b".into(), "x".into()],
        11 => vec!["Release".into(), "SoundRecording".into(), "Deal".into()],
        12 => vec![format!("/{}/{}", name(0), name(1))],
        13 => vec![format!("{}/*", name(1))],
        14 => vec![name(3), "*".into()],
        _ => vec![format!("/{}", name(0))],
    };
    let flags = h.byte(1);
    let lim = h.byte(2);
    // The chunk mode uses the low four bits of byte 3; the rest picks the newer options.
    let more = h.byte(3) >> 4;
    let pick = |shift: u8, choices: [usize; 4]| choices[usize::from((lim >> shift) & 3)];
    let defaults = Limits::default();
    XmlOptions {
        select,
        tagged: flags & 0x80 != 0,
        ignore_attributes: flags & 1 != 0,
        trim_values: flags & 2 == 0,
        parse_tag_value: flags & 4 != 0,
        parse_attribute_value: flags & 8 != 0,
        namespaces: flags & 0x10 == 0,
        remove_ns_prefix: flags & 0x20 != 0,
        cdata_prop_name: (flags & 0x40 != 0).then(|| "#cdata".to_string()),
        always_array: if lim & 0x40 != 0 {
            vec![name(2), "a/b".into()]
        } else {
            Vec::new()
        },
        attribute_name_prefix: if lim & 0x80 != 0 { "" } else { "@_" }.into(),
        text_node_name: if lim & 0x80 != 0 { "_" } else { "#text" }.into(),
        skip_errors: more & 4 != 0,
        // Byte 5 is also the chunking seed's high byte.
        expand_internal_entities: h.byte(5) & 0x80 != 0,
        max_entity_expansion: if h.byte(5) & 0x40 != 0 {
            64
        } else {
            XmlOptions::default().max_entity_expansion
        },
        encoding_errors: if more & 8 != 0 {
            EncodingErrors::Replace
        } else {
            EncodingErrors::Fatal
        },
        limits: Limits {
            max_depth: pick(0, [defaults.max_depth, 1, 3, 16]),
            max_record_bytes: pick(2, [defaults.max_record_bytes, 16, 200, 4096]),
            batch_bytes: pick(4, [defaults.batch_bytes, 1, 50, 1024]),
            max_name_length: [defaults.max_name_length, 3, 8, 64][usize::from(more & 3)],
            max_attributes: [defaults.max_attributes, 1, 2, 8][usize::from(more & 3)],
            max_text_length: [defaults.max_text_length, 8, 32, 256][usize::from(more & 3)],
        },
        ..XmlOptions::default()
    }
}

/// The first few names after `<` in the document, so selectors can name real elements.
fn element_names(doc: &[u8]) -> Vec<String> {
    let mut out = Vec::new();
    let mut i = 0;
    while out.len() < 4 {
        let Some(lt) = memchr_lt(&doc[i..]) else {
            break;
        };
        let start = i + lt + 1;
        let len = doc[start..]
            .iter()
            .position(|&b| b.is_ascii_whitespace() || matches!(b, b'>' | b'/' | b'<'))
            .unwrap_or(doc.len() - start);
        let name = &doc[start..start + len];
        if !name.is_empty() && !matches!(name[0], b'?' | b'!') {
            out.push(String::from_utf8_lossy(name).into_owned());
        }
        i = start;
    }
    out
}

fn memchr_lt(s: &[u8]) -> Option<usize> {
    s.iter().position(|&b| b == b'<')
}

/// The value of the first namespace declaration, for `{uri}` selectors.
fn namespace_uri(doc: &[u8]) -> Option<String> {
    let at = doc.windows(5).position(|w| w == b"xmlns")?;
    let rest = &doc[at..];
    let q = rest.iter().position(|&b| b == b'"' || b == b'\'')?;
    let quote = rest[q];
    let end = rest[q + 1..].iter().position(|&b| b == quote)?;
    Some(String::from_utf8_lossy(&rest[q + 1..q + 1 + end]).into_owned())
}

/// Whether the document is read as UTF-8 byte for byte: no UTF-16 signature and no declared
/// encoding other than UTF-8.
fn plain_utf8(doc: &[u8]) -> bool {
    let utf16 = [[0xFE, 0xFF], [0xFF, 0xFE], [0x00, b'<'], [b'<', 0x00]]
        .iter()
        .any(|sig| doc.starts_with(sig));
    if utf16 {
        return false;
    }
    let body = doc.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(doc);
    if !body.starts_with(b"<?xml") {
        return true;
    }
    // As far as the parser's own sniffing reads for a declaration (`MAX_DECL_UNITS`).
    let decl = &body[..body.len().min(1024)];
    let decl = &decl[..decl
        .windows(2)
        .position(|w| w == b"?>")
        .unwrap_or(decl.len())];
    let Some(at) = decl.windows(8).position(|w| w == b"encoding") else {
        return true;
    };
    let value: Vec<u8> = decl[at + 8..]
        .iter()
        .skip_while(|&&b| b != b'"' && b != b'\'')
        .skip(1)
        .take_while(|&&b| b != b'"' && b != b'\'')
        .map(u8::to_ascii_lowercase)
        .collect();
    value == b"utf-8" || value == b"utf8"
}
