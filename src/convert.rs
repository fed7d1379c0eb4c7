//! A whole input to NDJSON (or one JSON array) without JavaScript: the command's fast path.
//!
//! The output's bytes equal what the stream API gives a JavaScript consumer that stringifies
//! its records: `JSON.stringify(JSON.parse(record))`, with non-ASCII characters as UTF-8
//! rather than `\u` escapes, `\b` and `\f` in their short forms, `-0` as `0`, no whitespace.
//! The XML core writes its records so for a file (`Layout::Lines`); batches laid out for
//! JavaScript are split into records and rewritten here (see [`RecordWriter`]).
//!
//! Parsing runs on the calling thread, reading on a second and writing on a third, so that
//! the parser's thread does nothing but parse: the copy out of the page cache and the writes
//! overlap with it.

use std::io::{self, Read, Write};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{mpsc, Mutex};

use bytes::BytesMut;

use crate::engine::Status;
use crate::engine::{Engine, Layout};
use crate::error::Error;

/// How the records are laid out in the output.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OutputFormat {
    /// One record per line, each line ended by `\n`.
    Ndjson,
    /// `[`, the records separated by `,\n` each on its own line, `]` (`[]` when empty).
    JsonArray,
}

/// Counters another thread may read while a conversion runs.
#[derive(Default, Debug)]
pub struct Progress {
    pub bytes_read: AtomicU64,
    pub records: AtomicU64,
    pub skipped: AtomicU64,
    /// The skip reports of a conversion that failed (the first [`MAX_SKIP_REPORTS`]): the
    /// records it dropped before the error are reported too, as the stream API reports them.
    pub skips_before_error: Mutex<Vec<(Error, u64)>>,
}

/// Keeps the skip reports of a conversion that is failing, for [`Progress`].
pub(crate) fn keep_skips(progress: &Progress, skips: Vec<(Error, u64)>) {
    if let Ok(mut kept) = progress.skips_before_error.lock() {
        *kept = skips;
    }
}

/// Why a conversion stopped early.
#[derive(Debug)]
pub enum ConvertError {
    Read(io::Error),
    Write(io::Error),
    /// The input is malformed (the parser's positioned error).
    Parse(Error),
    Cancelled,
    /// The batch text was not what the core writes: a bug, never the input's fault.
    Internal(&'static str),
}

impl std::fmt::Display for ConvertError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ConvertError::Read(e) => write!(f, "read error: {e}"),
            ConvertError::Write(e) => write!(f, "write error: {e}"),
            ConvertError::Parse(e) => write!(f, "{e}"),
            ConvertError::Cancelled => f.write_str("cancelled"),
            ConvertError::Internal(m) => write!(f, "internal error: {m}"),
        }
    }
}

impl std::error::Error for ConvertError {}

/// What a finished conversion did.
#[derive(Debug, Default)]
pub struct Summary {
    pub records: u64,
    pub bytes: u64,
    /// Records dropped by skip-and-continue (all of them counted in `skipped`; the first
    /// [`MAX_SKIP_REPORTS`] kept with their errors and indexes).
    pub skips: Vec<(Error, u64)>,
    pub skipped: u64,
    /// The parts the input was read in: 1, unless [`crate::convert_parts`] cut it.
    pub parts: u64,
}

pub const MAX_SKIP_REPORTS: usize = 1000;

/// Read size: large reads cost fewer system calls; the parser takes any chunk size.
const READ_CHUNK: usize = 256 * 1024;
/// Batches queued for the writer thread before the parser waits for it.
const WRITE_QUEUE: usize = 8;
/// Chunks read ahead of the parser.
const READ_AHEAD: usize = 4;

/// Converts everything `input` holds, writing records to `output` as they are parsed.
/// `cancel` is checked between chunks. On error the output holds a prefix of the records.
pub fn convert<R: Read + Send + 'static, W: Write + Send>(
    engine: &mut dyn Engine,
    input: R,
    output: W,
    format: OutputFormat,
    progress: &Progress,
    cancel: &AtomicBool,
) -> Result<Summary, ConvertError> {
    let (to_writer, batches) = mpsc::sync_channel::<ToWriter>(WRITE_QUEUE);
    let (give_back, returned) = mpsc::channel::<BytesMut>();
    let layout = engine.layout();
    let (to_parser, chunks) = mpsc::sync_channel::<io::Result<BytesMut>>(READ_AHEAD);
    let (spare, spares) = mpsc::channel::<BytesMut>();
    // Not joined: a read may block on a pipe after parsing stopped; the thread ends at its next
    // chunk, when it finds no parser to send it to.
    std::thread::Builder::new()
        .name("sluice-read".into())
        .spawn(move || read_ahead(input, &to_parser, &spares))
        .map_err(ConvertError::Read)?;
    std::thread::scope(|scope| {
        let writer = scope.spawn(move || write_batches(batches, give_back, output, format, layout));
        let parsed = parse_all(
            engine, &chunks, &spare, &to_writer, &returned, progress, cancel,
        );
        if parsed.is_ok() {
            // Only a complete input gets the closing `]`: a cut-off array must not look whole.
            let _ = to_writer.send(ToWriter::End);
        }
        // Closing the queue lets the writer finish; its result matters only if parsing
        // succeeded (a parse error is the more useful report).
        drop(to_writer);
        let written = writer
            .join()
            .unwrap_or(Err(ConvertError::Internal("the writer thread panicked")));
        match (parsed, written) {
            // A parse error explains more than the writer stopping because of it.
            (Err(ConvertError::Parse(e)), _) => Err(ConvertError::Parse(e)),
            (_, Err(w)) => Err(w),
            (parsed, Ok(())) => parsed,
        }
    })
}

/// What the parsing thread hands the writer thread.
enum ToWriter {
    Batch(BytesMut),
    /// The input ended without error.
    End,
}

/// Reads `input` into chunks for the parser until its end (an empty chunk) or an error, or until
/// the parser is gone. `spares` are buffers the parser is done with.
fn read_ahead<R: Read>(
    mut input: R,
    to_parser: &mpsc::SyncSender<io::Result<BytesMut>>,
    spares: &mpsc::Receiver<BytesMut>,
) {
    loop {
        let mut chunk = spares
            .try_recv()
            .unwrap_or_else(|_| BytesMut::with_capacity(READ_CHUNK));
        chunk.resize(READ_CHUNK, 0);
        let read = read_some(&mut input, &mut chunk).map(|n| {
            chunk.truncate(n);
            chunk
        });
        let last = !matches!(&read, Ok(c) if !c.is_empty());
        if to_parser.send(read).is_err() || last {
            return;
        }
    }
}

fn parse_all(
    engine: &mut dyn Engine,
    chunks: &mpsc::Receiver<io::Result<BytesMut>>,
    spare: &mpsc::Sender<BytesMut>,
    to_writer: &mpsc::SyncSender<ToWriter>,
    returned: &mpsc::Receiver<BytesMut>,
    progress: &Progress,
    cancel: &AtomicBool,
) -> Result<Summary, ConvertError> {
    let mut skips = Vec::new();
    let mut skipped = 0u64;
    let mut at_end = false;
    while !at_end {
        if cancel.load(Ordering::Relaxed) {
            return Err(ConvertError::Cancelled);
        }
        let chunk = chunks
            .recv()
            .map_err(|_| ConvertError::Internal("the reader stopped"))?
            .map_err(ConvertError::Read)?;
        at_end = chunk.is_empty();
        if !at_end {
            engine.feed_owned(chunk);
        }
        loop {
            let status = if at_end {
                engine.finish()
            } else {
                engine.run()
            };
            while let Some(batch) = engine.take_batch() {
                // The writer gone means it failed; its error is reported by the caller.
                if to_writer.send(ToWriter::Batch(batch)).is_err() {
                    return Err(ConvertError::Internal("the writer stopped"));
                }
            }
            while let Ok(buf) = returned.try_recv() {
                engine.recycle(buf);
            }
            // A buffer back to the reader for each chunk, when the parser has one to spare.
            if let Some(buf) = engine.pool().take_kept(READ_CHUNK) {
                let _ = spare.send(buf);
            }
            for skip in engine.take_skips() {
                skipped += 1;
                if skips.len() < MAX_SKIP_REPORTS {
                    skips.push(skip);
                }
            }
            let st = engine.stats();
            progress.bytes_read.store(st.bytes, Ordering::Relaxed);
            progress.records.store(st.records, Ordering::Relaxed);
            progress.skipped.store(skipped, Ordering::Relaxed);
            match status {
                Ok(Status::BatchReady) => continue,
                Ok(_) => break,
                Err(e) => {
                    keep_skips(progress, skips);
                    return Err(ConvertError::Parse(e));
                }
            }
        }
    }
    let st = engine.stats();
    Ok(Summary {
        records: st.records,
        bytes: st.bytes,
        skips,
        skipped,
        parts: 1,
    })
}

/// One read, retried when a signal interrupted it.
fn read_some<R: Read>(input: &mut R, buf: &mut [u8]) -> io::Result<usize> {
    loop {
        match input.read(buf) {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            other => return other,
        }
    }
}

fn write_batches<W: Write>(
    batches: mpsc::Receiver<ToWriter>,
    give_back: mpsc::Sender<BytesMut>,
    mut output: W,
    format: OutputFormat,
    layout: Layout,
) -> Result<(), ConvertError> {
    let mut records = RecordWriter::new(format).layout(layout);
    let mut out = Vec::with_capacity(256 * 1024);
    for message in batches {
        out.clear();
        match message {
            // Already what the output holds: written without a copy.
            ToWriter::Batch(batch) if records.verbatim() => {
                records.first = false;
                output.write_all(&batch).map_err(ConvertError::Write)?;
                let _ = give_back.send(batch);
                continue;
            }
            ToWriter::Batch(batch) => {
                records.batch(&batch, &mut out)?;
                // The parser may be gone already; the buffer is then simply dropped.
                let _ = give_back.send(batch);
            }
            ToWriter::End => records.end(&mut out),
        }
        output.write_all(&out).map_err(ConvertError::Write)?;
    }
    // The records before an error are written too, as the stream API hands them over.
    output.flush().map_err(ConvertError::Write)
}

/// Rewrites batches of records into the output layout; see the module comment.
pub struct RecordWriter {
    format: OutputFormat,
    first: bool,
    /// What the batches hold: for `Layout::Verbatim` (the JSON engine) each record goes
    /// through `crate::restringify`, for `Layout::Array` only its strings are rewritten, and
    /// `Layout::Lines` are the output's lines already.
    layout: Layout,
    members: Vec<crate::restringify::Member>,
}

impl RecordWriter {
    pub fn new(format: OutputFormat) -> Self {
        RecordWriter {
            format,
            first: true,
            layout: Layout::Array,
            members: Vec::new(),
        }
    }

    /// A writer for records that follow others already written (a part after the first):
    /// in a JSON array, its first record too is preceded by `,\n`.
    pub fn continuing(format: OutputFormat) -> Self {
        RecordWriter {
            format,
            first: false,
            layout: Layout::Array,
            members: Vec::new(),
        }
    }

    /// The same writer for batches laid out as `layout` (an engine's [`Engine::layout`]).
    pub fn layout(mut self, layout: Layout) -> Self {
        self.layout = layout;
        self
    }

    /// Whether each batch is written as it is (NDJSON lines into NDJSON).
    pub fn verbatim(&self) -> bool {
        self.layout == Layout::Lines && self.format == OutputFormat::Ndjson
    }

    /// Appends the records of one batch to `out`; returns how many there were.
    pub fn batch(&mut self, batch: &[u8], out: &mut Vec<u8>) -> Result<u64, ConvertError> {
        if self.layout == Layout::Lines {
            return Ok(self.lines(batch, out));
        }
        const BAD: ConvertError = ConvertError::Internal("a batch is not a JSON array");
        let mut i = skip_ws(batch, 0);
        if batch.get(i) != Some(&b'[') {
            return Err(BAD);
        }
        i = skip_ws(batch, i + 1);
        if batch.get(i) == Some(&b']') {
            return Ok(0);
        }
        let mut count = 0;
        loop {
            match self.format {
                OutputFormat::Ndjson => {}
                OutputFormat::JsonArray if self.first => out.extend_from_slice(b"[\n"),
                OutputFormat::JsonArray => out.extend_from_slice(b",\n"),
            }
            self.first = false;
            let (end, last) = if self.layout == Layout::Verbatim {
                let end = crate::restringify::value(batch, i, out, &mut self.members)?;
                match batch.get(skip_ws(batch, end)) {
                    Some(b',') => (skip_ws(batch, skip_ws(batch, end) + 1), false),
                    Some(b']') => (end, true),
                    _ => return Err(BAD),
                }
            } else {
                record(batch, i, out)?
            };
            count += 1;
            if self.format == OutputFormat::Ndjson {
                out.push(b'\n');
            }
            if last {
                return Ok(count);
            }
            i = end;
        }
    }

    /// A batch of NDJSON lines: copied, or for a JSON array each line after a separator.
    fn lines(&mut self, batch: &[u8], out: &mut Vec<u8>) -> u64 {
        let count = memchr::memchr_iter(b'\n', batch).count() as u64;
        if self.format == OutputFormat::Ndjson {
            out.extend_from_slice(batch);
            self.first &= count == 0;
            return count;
        }
        let mut from = 0;
        for end in memchr::memchr_iter(b'\n', batch) {
            out.extend_from_slice(if self.first { b"[\n" } else { b",\n" });
            self.first = false;
            out.extend_from_slice(&batch[from..end]);
            from = end + 1;
        }
        count
    }

    /// What closes the output.
    pub fn end(&mut self, out: &mut Vec<u8>) {
        if self.format == OutputFormat::JsonArray {
            out.extend_from_slice(if self.first { b"[]\n" } else { b"\n]\n" });
        }
    }
}

fn skip_ws(b: &[u8], mut i: usize) -> usize {
    while matches!(b.get(i), Some(b' ' | b'\n' | b'\r' | b'\t')) {
        i += 1;
    }
    i
}

/// Copies one record starting at `i`; returns where the next one starts and whether this
/// was the batch's last (the array's `]` followed it).
fn record(b: &[u8], mut i: usize, out: &mut Vec<u8>) -> Result<(usize, bool), ConvertError> {
    const CUT: ConvertError = ConvertError::Internal("a batch ends inside a record");
    let mut depth = 0usize;
    loop {
        let Some(&c) = b.get(i) else { return Err(CUT) };
        match c {
            b'"' => i = string(b, i, out)?,
            b'[' | b'{' => {
                depth += 1;
                out.push(c);
                i += 1;
            }
            b']' | b'}' if depth == 0 => return Ok((i + 1, true)),
            b']' | b'}' => {
                depth -= 1;
                out.push(c);
                i += 1;
            }
            b',' if depth == 0 => return Ok((skip_ws(b, i + 1), false)),
            b' ' | b'\n' | b'\r' | b'\t' => i += 1,
            // JSON.stringify writes negative zero as 0.
            b'-' if b.get(i + 1) == Some(&b'0')
                && !matches!(b.get(i + 2), Some(b'0'..=b'9' | b'.' | b'e' | b'E')) =>
            {
                i += 1
            }
            _ => {
                out.push(c);
                i += 1;
            }
        }
    }
}

const HEX: &[u8; 16] = b"0123456789abcdef";

fn hex4(b: &[u8], i: usize) -> Option<u32> {
    let digits = b.get(i..i + 4)?;
    let mut v = 0u32;
    for &d in digits {
        v = v << 4 | (d as char).to_digit(16)?;
    }
    Some(v)
}

/// Copies the string literal at `i` (its opening quote) in JSON.stringify's form; returns
/// the index after its closing quote.
pub(crate) fn string(b: &[u8], mut i: usize, out: &mut Vec<u8>) -> Result<usize, ConvertError> {
    const CUT: ConvertError = ConvertError::Internal("a batch ends inside a string");
    const BAD: ConvertError = ConvertError::Internal("a bad escape in a batch");
    out.push(b'"');
    i += 1;
    loop {
        let Some(at) = memchr::memchr2(b'"', b'\\', &b[i..]) else {
            return Err(CUT);
        };
        out.extend_from_slice(&b[i..i + at]);
        i += at;
        if b[i] == b'"' {
            out.push(b'"');
            return Ok(i + 1);
        }
        let Some(&e) = b.get(i + 1) else {
            return Err(CUT);
        };
        if e != b'u' {
            match e {
                b'/' => out.push(b'/'),
                b'"' | b'\\' | b'b' | b'f' | b'n' | b'r' | b't' => {
                    out.extend_from_slice(&b[i..i + 2])
                }
                _ => return Err(BAD),
            }
            i += 2;
            continue;
        }
        let unit = hex4(b, i + 2).ok_or(BAD)?;
        i += 6;
        let scalar = if (0xD800..0xDC00).contains(&unit) {
            match (b.get(i..i + 2), hex4(b, i + 2)) {
                (Some(b"\\u"), Some(low)) if (0xDC00..0xE000).contains(&low) => {
                    i += 6;
                    Some(0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00))
                }
                _ => None,
            }
        } else if (0xDC00..0xE000).contains(&unit) {
            None
        } else {
            Some(unit)
        };
        match scalar.and_then(char::from_u32) {
            Some(ch) => push_char(ch, out),
            // A lone surrogate: JSON.stringify escapes it, in lower case.
            None => push_escape(unit, out),
        }
    }
}

fn push_escape(unit: u32, out: &mut Vec<u8>) {
    out.extend_from_slice(b"\\u");
    for shift in [12, 8, 4, 0] {
        out.push(HEX[(unit >> shift & 0xF) as usize]);
    }
}

fn push_char(ch: char, out: &mut Vec<u8>) {
    match ch {
        '"' => out.extend_from_slice(b"\\\""),
        '\\' => out.extend_from_slice(b"\\\\"),
        '\u{8}' => out.extend_from_slice(b"\\b"),
        '\u{c}' => out.extend_from_slice(b"\\f"),
        '\n' => out.extend_from_slice(b"\\n"),
        '\r' => out.extend_from_slice(b"\\r"),
        '\t' => out.extend_from_slice(b"\\t"),
        c if (c as u32) < 0x20 => push_escape(c as u32, out),
        c => {
            let mut buf = [0u8; 4];
            out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{XmlOptions, XmlParser};

    fn rewrite(format: OutputFormat, batches: &[&str]) -> String {
        let mut w = RecordWriter::new(format);
        let mut out = Vec::new();
        for b in batches {
            w.batch(b.as_bytes(), &mut out).unwrap();
        }
        w.end(&mut out);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn splits_batches_into_lines() {
        let got = rewrite(
            OutputFormat::Ndjson,
            &[r#"[{"a":"x,]}"},[1,2]]"#, "[]", r#"["s"]"#],
        );
        assert_eq!(got, "{\"a\":\"x,]}\"}\n[1,2]\n\"s\"\n");
    }

    #[test]
    fn json_array_layout() {
        assert_eq!(rewrite(OutputFormat::JsonArray, &["[]"]), "[]\n");
        assert_eq!(
            rewrite(OutputFormat::JsonArray, &["[1,2]", "[3]"]),
            "[\n1,\n2,\n3\n]\n"
        );
    }

    #[test]
    fn strings_as_json_stringify_writes_them() {
        let got = rewrite(
            OutputFormat::Ndjson,
            &[
                r#"[["\u00e9\u65e5\ud83c\udfb5","\u0008\u000c\u0001\u001F","\/\"\\","\ud800x",-0,-0.5,-10]]"#,
            ],
        );
        assert_eq!(
            got,
            "[\"é日🎵\",\"\\b\\f\\u0001\\u001f\",\"/\\\"\\\\\",\"\\ud800x\",0,-0.5,-10]\n"
        );
    }

    #[test]
    fn malformed_batches_are_internal_errors_not_panics() {
        let mut w = RecordWriter::new(OutputFormat::Ndjson);
        for bad in ["", "{}", "[\"abc", "[1,", r#"["\u12"]"#, r#"["\q"]"#] {
            assert!(
                matches!(
                    w.batch(bad.as_bytes(), &mut Vec::new()),
                    Err(ConvertError::Internal(_))
                ),
                "{bad}"
            );
        }
    }

    fn xml(select: &str) -> XmlParser {
        XmlParser::new(XmlOptions {
            select: vec![select.to_string()],
            ..XmlOptions::default()
        })
        .unwrap()
    }

    #[test]
    fn converts_a_reader() {
        let doc = "<c><r id=\"1\">caf\u{e9}</r><r id=\"2\"><t>a\u{1F3B5}</t></r></c>";
        let mut out = Vec::new();
        let progress = Progress::default();
        let summary = convert(
            &mut xml("r"),
            doc.as_bytes(),
            &mut out,
            OutputFormat::Ndjson,
            &progress,
            &AtomicBool::new(false),
        )
        .unwrap();
        assert_eq!(summary.records, 2);
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "{\"@_id\":\"1\",\"#text\":\"caf\u{e9}\"}\n{\"@_id\":\"2\",\"t\":\"a\u{1F3B5}\"}\n"
        );
        assert_eq!(progress.records.load(Ordering::Relaxed), 2);
    }

    /// Converted in both layouts: the parser's own NDJSON lines (`utf8_lines`, the command's)
    /// and its JSON arrays rewritten by the writer (what JavaScript receives, in the output's
    /// form). They must be the same bytes, in both output formats.
    fn both_layouts(doc: &str, o: &XmlOptions, format: OutputFormat) -> (Vec<u8>, Vec<u8>) {
        let run = |lines: bool| {
            let mut p = XmlParser::new(XmlOptions {
                utf8_lines: lines,
                ..o.clone()
            })
            .unwrap();
            let mut out = Vec::new();
            let r = convert(
                &mut p,
                std::io::Cursor::new(doc.as_bytes().to_vec()),
                &mut out,
                format,
                &Progress::default(),
                &AtomicBool::new(false),
            );
            if let Err(e) = r {
                out.extend_from_slice(format!("error: {e}").as_bytes());
            }
            out
        };
        (run(true), run(false))
    }

    #[test]
    fn lines_from_the_parser_equal_rewritten_arrays() {
        let texts = [
            "plain",
            "caf\u{e9} \u{65e5}\u{672c} \u{1F3B5}",
            "q&quot;b\\s/",
            "&#x9;t&#xA;n&#xD;r",
            "\u{7f}\u{80}\u{a0}\u{2028}\u{2029}\u{feff}\u{fffd}",
            "  12  ",
            "-0",
            "1e3",
            "0x1F",
            "true",
            "<![CDATA[c \" \\ \u{e9}]]>",
        ];
        let names = ["r", "r\u{e9}", "p:r"];
        let mut docs = Vec::new();
        for (i, t) in texts.iter().enumerate() {
            for n in names {
                let ns = if n.starts_with("p:") {
                    " xmlns:p=\"u\""
                } else {
                    ""
                };
                docs.push(format!(
                    "<c{ns}><{n} a\u{e9}=\"{t}\" b=\"{i}\"><k\u{e9}y>{t}</k\u{e9}y><k\u{e9}y>{t}</k\u{e9}y>{t}</{n}><{n}/></c>"
                ));
            }
        }
        // C0 character references are refused (XML 1.0's Char): the same error either way. The
        // short escapes JSON.stringify uses for them are checked in `escape`'s own tests.
        docs.push(
            "<?xml version=\"1.1\"?><c><r a=\"&#x1;&#x8;&#xC;\">&#x1F;&#x8;&#xC;&#x7F;</r></c>"
                .into(),
        );
        docs.push("<c><r>1</r><r>bad</x></c>".into());
        let mut options = Vec::new();
        for typed in [false, true] {
            for tagged in [false, true] {
                for prefix in ["@_", "\u{e9}"] {
                    options.push(XmlOptions {
                        select: vec!["r".into(), "r\u{e9}".into(), "p:r".into()],
                        tagged,
                        parse_tag_value: typed,
                        parse_attribute_value: typed,
                        attribute_name_prefix: prefix.into(),
                        text_node_name: "#t\u{e9}xt".into(),
                        cdata_prop_name: typed.then(|| "\u{e7}data".into()),
                        ..XmlOptions::default()
                    });
                }
            }
        }
        let mut compared = 0;
        for d in &docs {
            for o in &options {
                for format in [OutputFormat::Ndjson, OutputFormat::JsonArray] {
                    let (lines, rewritten) = both_layouts(d, o, format);
                    assert_eq!(
                        String::from_utf8_lossy(&lines),
                        String::from_utf8_lossy(&rewritten),
                        "{d} {o:?} {format:?}"
                    );
                    compared += 1;
                }
            }
        }
        assert_eq!(compared, docs.len() * 16);
    }

    #[test]
    fn parse_errors_and_cancel_stop_it() {
        let mut out = Vec::new();
        let err = convert(
            &mut xml("r"),
            "<c><r>1</r><r>".as_bytes(),
            &mut out,
            OutputFormat::Ndjson,
            &Progress::default(),
            &AtomicBool::new(false),
        )
        .unwrap_err();
        assert!(matches!(err, ConvertError::Parse(_)), "{err}");
        assert_eq!(out, b"\"1\"\n");
        // Records skipped before a fatal error are reported.
        let progress = Progress::default();
        let mut skipping = XmlParser::new(XmlOptions {
            select: vec!["r".to_string()],
            skip_errors: true,
            ..XmlOptions::default()
        })
        .unwrap();
        let err = convert(
            &mut skipping,
            "<c><r>&nope;</r><r>2</r><r>".as_bytes(),
            Vec::new(),
            OutputFormat::Ndjson,
            &progress,
            &AtomicBool::new(false),
        )
        .unwrap_err();
        assert!(matches!(err, ConvertError::Parse(_)), "{err}");
        let kept = progress.skips_before_error.lock().unwrap();
        assert_eq!(kept.len(), 1);
        assert_eq!(kept[0].1, 0);
        let mut out = Vec::new();
        convert(
            &mut xml("r"),
            "<c><r>1</r><r>".as_bytes(),
            &mut out,
            OutputFormat::JsonArray,
            &Progress::default(),
            &AtomicBool::new(false),
        )
        .unwrap_err();
        assert_eq!(out, b"[\n\"1\"", "no closing bracket after an error");
        let err = convert(
            &mut xml("r"),
            "<c/>".as_bytes(),
            Vec::new(),
            OutputFormat::Ndjson,
            &Progress::default(),
            &AtomicBool::new(true),
        )
        .unwrap_err();
        assert!(matches!(err, ConvertError::Cancelled));
    }

    proptest::proptest! {
        /// Any string the core writes comes out as serde_json writes it, which for valid
        /// strings is also JSON.stringify's form (UTF-8, short escapes, lower-case hex).
        #[test]
        fn strings_match_serde_json(s in "\\PC*|[\\x00-\\x1f\"\\\\\u{7f}-\u{a0}\u{fffd}\u{10000}-\u{10ffff}]*") {
            let mut batch = bytes::BytesMut::from(&b"["[..]);
            crate::escape::write_str(&mut batch, s.as_bytes());
            batch.extend_from_slice(b"]");
            let mut out = Vec::new();
            RecordWriter::new(OutputFormat::Ndjson).batch(&batch, &mut out).unwrap();
            proptest::prop_assert_eq!(
                String::from_utf8(out).unwrap(),
                format!("{}\n", serde_json::to_string(&s).unwrap())
            );
        }

        /// Text of any characters XML allows, in both layouts (see `both_layouts`).
        #[test]
        fn any_text_is_the_same_in_both_layouts(s in "[\t\n\x20-\x7e\u{80}-\u{d7ff}\u{e000}-\u{fffd}\u{10000}-\u{10ffff}]*") {
            let text = s.replace('&', "&amp;").replace('<', "&lt;").replace('"', "&quot;");
            let doc = format!("<c><r a=\"{text}\">{text}</r><r><x>{text}</x><x>{text}</x></r></c>");
            let (lines, rewritten) = both_layouts(&doc, &XmlOptions { select: vec!["r".into()], ..XmlOptions::default() }, OutputFormat::Ndjson);
            proptest::prop_assert_eq!(lines, rewritten);
        }
    }

    struct Broken;
    impl Write for Broken {
        fn write(&mut self, _: &[u8]) -> io::Result<usize> {
            Err(io::Error::other("disk full"))
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn write_errors_are_reported() {
        let doc = format!("<c>{}</c>", "<r>x</r>".repeat(100_000));
        let err = convert(
            &mut xml("r"),
            std::io::Cursor::new(doc.as_bytes().to_vec()),
            Broken,
            OutputFormat::Ndjson,
            &Progress::default(),
            &AtomicBool::new(false),
        )
        .unwrap_err();
        assert!(matches!(err, ConvertError::Write(_)), "{err}");
    }

    /// Hands out its bytes a few at a time, then fails (after `fail_at` bytes) if asked to.
    struct Trickle {
        doc: Vec<u8>,
        at: usize,
        fail_at: Option<usize>,
    }

    impl Read for Trickle {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            if self.fail_at.is_some_and(|f| self.at >= f) {
                return Err(io::Error::other("the disk went away"));
            }
            let n = (self.at % 7 + 1)
                .min(buf.len())
                .min(self.doc.len() - self.at);
            buf[..n].copy_from_slice(&self.doc[self.at..self.at + n]);
            self.at += n;
            Ok(n)
        }
    }

    #[test]
    fn reads_of_any_size_and_read_errors() {
        let doc = format!("<c>{}</c>", "<r>x\u{e9}</r>".repeat(2_000));
        let run = |fail_at| {
            let mut out = Vec::new();
            let r = convert(
                &mut xml("r"),
                Trickle {
                    doc: doc.clone().into_bytes(),
                    at: 0,
                    fail_at,
                },
                &mut out,
                OutputFormat::Ndjson,
                &Progress::default(),
                &AtomicBool::new(false),
            );
            (String::from_utf8(out).unwrap(), r)
        };
        let (all, r) = run(None);
        assert_eq!(r.unwrap().records, 2_000);
        assert!(all == "\"x\u{e9}\"\n".repeat(2_000), "{}", &all[..40]);
        // The records before a read error are written; the error is the read's.
        let (some, r) = run(Some(doc.len() / 2));
        assert!(matches!(r, Err(ConvertError::Read(_))), "{r:?}");
        assert!(all.starts_with(&some));
        assert!(
            some.len() < all.len() && !some.is_empty(),
            "{} of {}",
            some.len(),
            all.len()
        );
    }
}
