//! The JSON fuzz check: options decoded from a 5-byte header, then the document parsed whole
//! and in pieces, with every invariant of [`super::drive`] plus chunk invariance, plus
//! agreement with serde_json for a single document selected whole.
//!
//! Header: `[selector, format and flags, limits, chunk mode, seed]`.

use sluice::{ErrorCode, JsonFormat, JsonOptions, JsonParser, Limits};

use super::{assert_same, drive, parse_json, Chunking, Header, Outcome, Positions};

pub const HEADER: usize = 5;

/// Decodes the input and checks the parser on it. Panics on any broken invariant.
pub fn check(data: &[u8]) {
    let (h, doc) = Header::split(data, HEADER);
    let opts = options(&h, doc);
    let chunking = Chunking::from_seed(
        doc.len(),
        h.byte(3),
        u16::from_le_bytes([h.byte(4), h.byte(3) >> 4]),
    );
    check_with(&opts, doc, &chunking);
}

/// Parses `doc` whole and as `chunking` says; both must agree, and a whole document selected
/// with `$` must be what serde_json makes of it. Returns the whole outcome, or `None` when
/// the options are rejected.
pub fn check_with(opts: &JsonOptions, doc: &[u8], chunking: &Chunking) -> Option<Outcome> {
    let whole = parse(opts, doc, &Chunking::whole(doc.len()))?;
    let split = parse(opts, doc, chunking)?;
    assert_same(&whole, &split, "json");
    if opts.format == JsonFormat::Json && opts.select == ["$"] && !opts.tagged {
        compare_with_serde(&whole, doc);
    }
    Some(whole)
}

/// One parse; `None` when the options are rejected (which must be as `InvalidOption`).
pub fn parse(opts: &JsonOptions, doc: &[u8], chunking: &Chunking) -> Option<Outcome> {
    match JsonParser::new(opts.clone()) {
        Ok(mut p) => Some(drive(&mut p, doc, chunking, Positions::Lf)),
        Err(e) => {
            assert_eq!(e.code, ErrorCode::InvalidOption, "{e:?}");
            None
        }
    }
}

/// serde_json is the reference for RFC 8259. Where it and sluice both accept, the values must
/// be equal: serde_json parses the record text and the input alike (through
/// [`super::serde_compatible`], which masks lone surrogates and infinite numbers on both
/// sides), so duplicate keys and big numbers are treated alike. sluice may refuse what
/// serde_json accepts only for a limit, and never accepts what it refuses.
fn compare_with_serde(ours: &Outcome, doc: &[u8]) {
    let body = doc.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(doc);
    match (&ours.error, parse_json(body)) {
        (None, Ok(expect)) => {
            assert_eq!(ours.count, 1, "one document, one record");
            assert_eq!(
                ours.values.first(),
                Some(&expect),
                "record differs from serde_json"
            );
        }
        (None, Err(e)) => panic!("sluice accepted what serde_json rejects: {e}"),
        (Some(e), Ok(_)) => assert!(
            matches!(e.code, ErrorCode::TooDeep | ErrorCode::RecordTooLarge),
            "sluice rejected what serde_json accepts: {e:?}"
        ),
        (Some(_), Err(_)) => {}
    }
}

pub fn options(h: &Header, doc: &[u8]) -> JsonOptions {
    let key = first_key(doc).unwrap_or_else(|| "a".to_string());
    let quoted = format!("['{}']", key.replace('\'', ""));
    let select: Vec<String> = match h.byte(0) % 16 {
        0..=3 => vec!["$".into()],
        4 => vec![format!("$.{key}")],
        5 => vec!["$[*]".into()],
        6 => vec!["$.*".into()],
        7 => vec!["$[0]".into()],
        8 => vec![format!("${quoted}")],
        9 => vec!["$.*.*".into()],
        10 => vec![format!("$..{key}")],
        11 => vec![format!("$.{key}"), "$[*]".into()],
        12 => vec![format!("$.*{quoted}")],
        13 => vec!["$[1]".into(), "$.*[*]".into()],
        14 => vec![format!("$.{key}[*]")],
        _ => vec!["$".into(), "$.*".into()],
    };
    let flags = h.byte(1);
    let format = match flags & 3 {
        0 => JsonFormat::Json,
        1 => JsonFormat::Concatenated,
        _ => JsonFormat::Ndjson,
    };
    let lim = h.byte(2);
    let pick = |shift: u8, choices: [usize; 4]| choices[usize::from((lim >> shift) & 3)];
    let defaults = JsonOptions::default().limits;
    JsonOptions {
        select,
        tagged: flags & 4 != 0,
        format,
        skip_errors: format == JsonFormat::Ndjson && flags & 8 != 0,
        limits: Limits {
            max_depth: pick(0, [defaults.max_depth, 1, 4, 64]),
            max_record_bytes: pick(2, [defaults.max_record_bytes, 8, 100, 4096]),
            batch_bytes: pick(4, [defaults.batch_bytes, 1, 40, 1024]),
            ..defaults
        },
        ..JsonOptions::default()
    }
}

/// The first object key in the document, so selectors can name real members.
fn first_key(doc: &[u8]) -> Option<String> {
    let open = doc.iter().position(|&b| b == b'{')?;
    let rest = &doc[open + 1..];
    let q = rest.iter().position(|&b| b == b'"')?;
    let len = rest[q + 1..].iter().position(|&b| b == b'"')?;
    let key = String::from_utf8_lossy(&rest[q + 1..q + 1 + len]).into_owned();
    Some(key)
}
