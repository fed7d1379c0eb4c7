//! Drives an engine the way the binding does and checks what must hold for ANY input: batches
//! are non-empty ASCII JSON arrays, `BatchReady` always yields a batch, loops are bounded,
//! errors are sticky and positioned consistently with the input, and the outcome does not
//! depend on how the input was chunked.
//!
//! Shared by the fuzz targets (`fuzz/fuzz_targets/*.rs` include this file by path), the fuzz
//! regression tests (`tests/fuzz_regressions.rs`) and the property tests
//! (`tests/proptest_chunks.rs`), so a crash found by the fuzzer replays under `cargo test`
//! through exactly the same checks.

// Each test crate uses only part of the harness.
#![allow(dead_code)]

pub mod json;
pub mod xml;

use bytes::BytesMut;
use serde::Deserialize;
use sluice::{Engine, Error, Status};

/// How a document is fed: the end offset of each piece, and whether `run` follows it.
#[derive(Debug, Clone)]
pub struct Chunking {
    pub steps: Vec<(usize, bool)>,
}

impl Chunking {
    pub fn whole(len: usize) -> Self {
        Chunking {
            steps: vec![(len, true)],
        }
    }

    /// Pieces cut at `cuts` (ascending, each at most `len`), each followed by `run`.
    pub fn at(cuts: &[usize], len: usize) -> Self {
        let mut steps: Vec<(usize, bool)> = cuts.iter().map(|&c| (c.min(len), true)).collect();
        steps.push((len, true));
        Chunking { steps }
    }

    /// Pieces of pseudo-random sizes up to a maximum picked by `mode`, from `seed`; with
    /// some modes empty pieces come too, and `run` is sometimes skipped so that several pieces
    /// are fed before the engine sees them.
    pub fn from_seed(len: usize, mode: u8, seed: u16) -> Self {
        let max = match mode & 3 {
            0 => 1,
            1 => 8,
            2 => 64,
            _ => 4096,
        };
        let empties = mode & 4 != 0;
        let skip_runs = mode & 8 != 0;
        let mut rng = XorShift(u64::from(seed).wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
        let mut steps = Vec::new();
        let mut at = 0;
        while at < len {
            let r = rng.next();
            let size = if empties { r % (max + 1) } else { 1 + r % max };
            at = (at + size as usize).min(len);
            let run = !skip_runs || !(r >> 32).is_multiple_of(3);
            steps.push((at, run));
        }
        steps.push((len, true));
        Chunking { steps }
    }
}

struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }
}

/// What an engine made of one input.
#[derive(Debug, Default, Clone)]
pub struct Outcome {
    /// Every record's JSON text, joined by `,`, whatever the batches were.
    pub records: String,
    pub count: u64,
    pub values: Vec<serde_json::Value>,
    pub error: Option<Error>,
    /// Skipped records: error and record index.
    pub skips: Vec<(Error, u64)>,
    /// Checkpoint offsets (end of each record), for formats that keep them.
    pub ends: Vec<u64>,
}

/// Feeds `doc` as `chunking` says, draining batches after every `run` and at `finish`, and
/// checks the per-run invariants.
///
/// `utf8`: the input is parsed as UTF-8 as it is, so line and column can be checked against
/// the byte offset (for other encodings offsets are in the source, columns in characters).
/// How `drive` checks error positions against offsets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Positions {
    /// Not checked (input in another encoding than UTF-8: offsets are not decoded ones).
    Unchecked,
    /// Lines end at `\n` (JSON, NDJSON).
    Lf,
    /// Lines end at `\n`, `\r` or `\r\n` (XML).
    Xml,
}

pub fn drive(
    engine: &mut dyn Engine,
    doc: &[u8],
    chunking: &Chunking,
    positions: Positions,
) -> Outcome {
    let mut out = Outcome::default();
    // Every BatchReady hands over at least one record and every record covers at least one
    // input byte, so more BatchReady than input bytes means a loop that makes no progress.
    let mut budget = doc.len() + 8;
    let mut last = 0;
    for &(end, run) in &chunking.steps {
        let end = end.clamp(last, doc.len());
        engine.feed_owned(BytesMut::from(&doc[last..end]));
        last = end;
        if run && out.error.is_none() {
            settle(engine, &mut out, false, &mut budget);
        }
    }
    assert_eq!(last, doc.len(), "the chunking covers the input");
    if out.error.is_none() {
        settle(engine, &mut out, true, &mut budget);
    }
    if let Some(e) = &out.error {
        assert_eq!(engine.error(), Some(e), "error() reports the error");
        let again = engine.finish().expect_err("errors are sticky");
        assert_eq!(&again, e, "a second call repeats the error");
        assert!(engine.take_batch().is_none(), "no batch after the error");
        if positions != Positions::Unchecked {
            check_position(e, doc, positions);
        }
    } else {
        assert!(engine.error().is_none());
        assert_eq!(engine.finish(), Ok(Status::Done), "finish after Done");
        assert!(engine.take_batch().is_none(), "no batch after Done");
    }
    for (e, _) in out
        .skips
        .iter()
        .filter(|_| positions != Positions::Unchecked)
    {
        check_position(e, doc, positions);
    }
    assert!(
        out.ends.is_empty() || out.ends.len() as u64 == out.count,
        "checkpoint ends for some records only"
    );
    assert!(
        out.ends.iter().all(|&e| e <= doc.len() as u64),
        "a record ends beyond the input: {:?}",
        out.ends
    );
    let stats = engine.stats();
    assert_eq!(
        stats.bytes,
        doc.len() as u64,
        "stats().bytes counts the input"
    );
    assert_eq!(
        stats.records, out.count,
        "stats().records counts the records"
    );
    out
}

fn settle(engine: &mut dyn Engine, out: &mut Outcome, finish: bool, budget: &mut usize) {
    loop {
        let status = if finish {
            engine.finish()
        } else {
            engine.run()
        };
        let batches = drain(engine, out);
        out.skips.extend(engine.take_skips());
        match status {
            Ok(Status::BatchReady) => {
                assert!(batches > 0, "BatchReady but no batch to take");
                *budget = budget
                    .checked_sub(1)
                    .expect("BatchReady more often than the input can justify");
            }
            Ok(Status::NeedInput) => {
                assert!(!finish, "finish() returned NeedInput");
                return;
            }
            Ok(Status::Done) => {
                assert!(finish, "run() returned Done before finish()");
                return;
            }
            Err(e) => {
                out.error = Some(e);
                return;
            }
        }
    }
}

/// Takes every pending batch, checking each is a non-empty ASCII JSON array. Returns how many.
fn drain(engine: &mut dyn Engine, out: &mut Outcome) -> usize {
    let mut n = 0;
    while let Some(b) = engine.take_batch() {
        n += 1;
        assert!(
            b.is_ascii(),
            "batch is not ASCII: {:?}",
            String::from_utf8_lossy(&b)
        );
        assert!(
            b.len() >= 3 && b[0] == b'[' && b[b.len() - 1] == b']',
            "batch is not a non-empty array: {:?}",
            String::from_utf8_lossy(&b)
        );
        let values = parse_json(&b).unwrap_or_else(|e| {
            panic!(
                "batch is not valid JSON ({e}): {:?}",
                String::from_utf8_lossy(&b)
            )
        });
        let serde_json::Value::Array(values) = values else {
            panic!("batch is not an array");
        };
        assert!(!values.is_empty(), "empty batch");
        let meta = engine.take_batch_meta();
        if !meta.ends.is_empty() {
            assert_eq!(
                meta.ends.len(),
                values.len(),
                "one checkpoint end per record"
            );
            assert!(
                meta.ends.windows(2).all(|w| w[0] <= w[1]),
                "record ends go backwards: {:?}",
                meta.ends
            );
            out.ends.extend(meta.ends);
        }
        out.count += values.len() as u64;
        out.values.extend(values);
        if !out.records.is_empty() {
            out.records.push(',');
        }
        // ASCII was checked above.
        out.records
            .push_str(std::str::from_utf8(&b[1..b.len() - 1]).unwrap_or_default());
        engine.recycle(b);
    }
    n
}

/// serde_json without its recursion limit (records may nest as deep as the limits allow), on
/// [`serde_compatible`] text.
pub fn parse_json(text: &[u8]) -> Result<serde_json::Value, serde_json::Error> {
    let text = serde_compatible(text);
    let mut de = serde_json::Deserializer::from_slice(&text);
    de.disable_recursion_limit();
    let v = serde_json::Value::deserialize(&mut de)?;
    de.end()?;
    Ok(v)
}

/// RFC 8259's number: `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`.
fn is_json_number(token: &[u8]) -> bool {
    let digits = |i: usize| token[i..].iter().take_while(|c| c.is_ascii_digit()).count();
    let mut i = usize::from(token.first() == Some(&b'-'));
    match digits(i) {
        0 => return false,
        n if n > 1 && token[i] == b'0' => return false,
        n => i += n,
    }
    if token.get(i) == Some(&b'.') {
        match digits(i + 1) {
            0 => return false,
            n => i += 1 + n,
        }
    }
    if matches!(token.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(token.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        match digits(i) {
            0 => return false,
            n => i += n,
        }
    }
    i == token.len()
}

/// `text` with what `JSON.parse` takes but serde_json refuses masked, the same way wherever
/// it comes from: a `\uXXXX` escape naming a lone surrogate becomes `\uFFFD` (escaped pairs
/// stay), and a number too large for an f64 (`Infinity` to `JSON.parse`) becomes `0`.
pub fn serde_compatible(text: &[u8]) -> Vec<u8> {
    let unit = |at: usize| -> Option<u32> {
        if text.get(at) != Some(&b'\\') || text.get(at + 1) != Some(&b'u') {
            return None;
        }
        let digits = text.get(at + 2..at + 6)?;
        u32::from_str_radix(std::str::from_utf8(digits).ok()?, 16).ok()
    };
    let mut out = Vec::with_capacity(text.len());
    let mut in_string = false;
    let mut i = 0;
    while i < text.len() {
        let b = text[i];
        if in_string {
            match (b, unit(i)) {
                (b'"', _) => in_string = false,
                (b'\\', Some(0xD800..=0xDBFF))
                    if unit(i + 6).is_some_and(|lo| (0xDC00..=0xDFFF).contains(&lo)) =>
                {
                    out.extend_from_slice(&text[i..i + 12]);
                    i += 12;
                    continue;
                }
                (b'\\', Some(0xD800..=0xDFFF)) => {
                    out.extend_from_slice(b"\\uFFFD");
                    i += 6;
                    continue;
                }
                // Any other escape, `\\` included, is two characters as far as this cares.
                (b'\\', _) => {
                    out.extend_from_slice(&text[i..(i + 2).min(text.len())]);
                    i += 2;
                    continue;
                }
                _ => {}
            }
        } else if b == b'"' {
            in_string = true;
        } else if b == b'-' || b.is_ascii_digit() {
            let len = text[i..]
                .iter()
                .position(|&c| !matches!(c, b'0'..=b'9' | b'-' | b'+' | b'.' | b'e' | b'E'))
                .unwrap_or(text.len() - i);
            let token = &text[i..i + len];
            // Only a token JSON allows: Rust reads `1.e400` as infinite too, and masking it
            // would hide a number both sides must refuse.
            let infinite = is_json_number(token)
                && std::str::from_utf8(token)
                    .ok()
                    .and_then(|t| t.parse::<f64>().ok())
                    .is_some_and(f64::is_infinite);
            out.extend_from_slice(if infinite { b"0" } else { token });
            i += len;
            continue;
        }
        out.push(b);
        i += 1;
    }
    out
}

/// Line and column must be those of the byte offset: lines count line breaks (`\n`, and
/// for XML a lone `\r` or `\r\n` as one), columns count characters (UTF-8 lead bytes) since
/// the last break, both 1-based.
pub fn check_position(e: &Error, doc: &[u8], positions: Positions) {
    let p = e.position;
    if p.line == 0 {
        assert_eq!(p, Default::default(), "half-positioned error {e:?}");
        return;
    }
    let off = usize::try_from(p.offset).unwrap_or(usize::MAX);
    assert!(off <= doc.len(), "error beyond the input: {e:?}");
    let before = &doc[..off];
    let xml = positions == Positions::Xml;
    let is_break = |i: usize| match before[i] {
        b'\n' => !(xml && i > 0 && before[i - 1] == b'\r'),
        b'\r' => xml,
        _ => false,
    };
    let line = 1 + (0..before.len()).filter(|&i| is_break(i)).count() as u64;
    let line_start = before
        .iter()
        .rposition(|&b| b == b'\n' || (xml && b == b'\r'))
        .map_or(0, |i| i + 1);
    let column = 1 + before[line_start..]
        .iter()
        .filter(|&&b| (b as i8) >= -0x40)
        .count() as u64;
    assert_eq!(
        (p.line, p.column),
        (line, column),
        "line/column disagree with offset {}: {e:?}",
        p.offset
    );
}

/// Two runs over the same input agree: same records (same text), same error code and
/// position (messages may word the same fault differently), same skips.
pub fn assert_same(whole: &Outcome, split: &Outcome, what: &str) {
    assert_eq!(
        split.records, whole.records,
        "{what}: records differ from the unsplit parse"
    );
    assert_eq!(split.count, whole.count, "{what}: record counts differ");
    let key = |e: &Option<Error>| e.as_ref().map(|e| (e.code, e.position));
    assert_eq!(
        key(&split.error),
        key(&whole.error),
        "{what}: errors differ: split {:?}, whole {:?}",
        split.error,
        whole.error
    );
    let skips = |o: &Outcome| -> Vec<_> {
        o.skips
            .iter()
            .map(|(e, i)| (e.code, e.position, *i))
            .collect()
    };
    assert_eq!(skips(split), skips(whole), "{what}: skips differ");
    assert_eq!(split.ends, whole.ends, "{what}: record end offsets differ");
}

/// A little reader over the fuzz input's option header: bytes past the end read as zero, so
/// every input, however short, decodes to some configuration.
pub struct Header<'a> {
    data: &'a [u8],
    len: usize,
}

impl<'a> Header<'a> {
    /// Splits `data` into a header of `len` bytes and the document.
    pub fn split(data: &'a [u8], len: usize) -> (Self, &'a [u8]) {
        let n = len.min(data.len());
        (
            Header {
                data: &data[..n],
                len,
            },
            &data[n..],
        )
    }

    pub fn byte(&self, i: usize) -> u8 {
        debug_assert!(i < self.len);
        self.data.get(i).copied().unwrap_or(0)
    }
}
