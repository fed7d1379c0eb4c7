//! The streaming JSON / NDJSON engine: bytes in, batches of selected records (as ASCII JSON
//! text) out. Same shape as [`crate::xml::XmlParser`].
//!
//! * Input is validated as `JSON.parse` would (RFC 8259), incrementally: a chunk may end on
//!   any byte, and a malformed byte fails as soon as it arrives.
//! * Record text is copied as it is scanned, so only the current chunk is held, plus the
//!   record being copied (in the batch buffer). Records are written verbatim except that
//!   whitespace between tokens is dropped and non-ASCII characters become `\uXXXX` escapes:
//!   `JSON.parse` of a batch gives exactly what it gives for each original record (duplicate
//!   keys, big numbers, `__proto__`, lone-surrogate escapes untouched). A `null` record is
//!   written as `null`.
//! * [`JsonFormat::Json`] accepts one document or several top-level values separated by
//!   whitespace; input with no value at all (empty or only whitespace) is an
//!   `ERR_SLUICE_JSON_UNEXPECTED_EOF` error. A UTF-8 byte order mark is skipped at the very
//!   start only.
//! * [`JsonFormat::Ndjson`] takes one value per line (blank lines and CRLF allowed; empty
//!   input is fine). A line's records are committed together when the line ends, so a bad
//!   line never leaves part of itself behind; with `skip_errors` it is dropped and reported
//!   through [`JsonParser::take_skips`].

pub mod candidates;
mod path;
mod scan;
mod split;

use bytes::BytesMut;

use crate::engine::{Stats, Status};
use crate::error::{Error, ErrorCode, Position, Result};
use crate::input::Input;
use crate::limits::Limits;
use crate::pool::Pool;
use path::Path;
use scan::{Config, Core, Fail, Scan};

/// Most selectors one parser takes (they are tracked as a 64-bit set).
pub const MAX_SELECTORS: usize = 64;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum JsonFormat {
    /// One JSON document, as `JSON.parse` takes it: anything after it is an error.
    #[default]
    Json,
    /// Several JSON values one after another, separated by white space.
    Concatenated,
    /// Newline-delimited JSON: one value per line.
    Ndjson,
}

#[derive(Debug, Clone)]
pub struct JsonOptions {
    /// JSONPath subset: `$`, `.key`, `['key']`, `["key"]`, `[n]`, `[*]`, `.*`.
    pub select: Vec<String>,
    /// Wrap each record as `{"selector": ..., "value": ...}` (when `select` was an array).
    pub tagged: bool,
    pub format: JsonFormat,
    /// NDJSON only: drop a malformed line (see [`JsonParser::take_skips`]) and go on.
    pub skip_errors: bool,
    pub limits: Limits,
    /// A part of one JSON document (see [`split`]): the parser starts between two elements
    /// of the array the one selector names (`$.a.b[*]`), right after a `,`, with the
    /// objects on the selector's keys and the array open. Its positions still count from
    /// its own first byte.
    pub resume_element: bool,
    /// Offset of the first byte in the whole input, for offsets named in messages.
    pub origin: u64,
}

impl Default for JsonOptions {
    fn default() -> Self {
        JsonOptions {
            select: vec!["$".into()],
            tagged: false,
            format: JsonFormat::Json,
            skip_errors: false,
            limits: Limits {
                max_depth: 1024,
                ..Limits::default()
            },
            resume_element: false,
            origin: 0,
        }
    }
}

/// An NDJSON line dropped in `skip_errors` mode.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skip {
    pub code: ErrorCode,
    pub message: String,
    pub position: Position,
    /// Index of the line among the non-blank lines (0-based).
    pub record_index: u64,
}

pub struct JsonParser {
    /// Fed bytes; `input.pos` of them are already scanned.
    input: Input,
    core: Core,
    skip_errors: bool,
    skips: Vec<Skip>,
    skipped: u64,
    failed: Option<Error>,
    done: bool,
    batches: u64,
    batch_bytes: usize,
}

impl JsonParser {
    pub fn new(opts: JsonOptions) -> Result<Self> {
        if opts.select.is_empty() {
            return Err(Error::unpositioned(
                ErrorCode::InvalidOption,
                "`select` needs at least one selector",
            ));
        }
        if opts.select.len() > MAX_SELECTORS {
            return Err(Error::unpositioned(
                ErrorCode::InvalidOption,
                format!("`select` takes at most {MAX_SELECTORS} selectors"),
            ));
        }
        if opts.skip_errors && opts.format != JsonFormat::Ndjson {
            return Err(Error::unpositioned(
                ErrorCode::InvalidOption,
                "`skipErrors` applies to NDJSON only",
            ));
        }
        let paths = opts
            .select
            .iter()
            .map(|s| Path::parse(s))
            .collect::<Result<Vec<_>>>()?;
        let mut input = Input::new();
        let out = input.pool.take(opts.limits.batch_bytes);
        let mut core = Core::new(
            Config {
                ndjson: opts.format == JsonFormat::Ndjson,
                single: opts.format == JsonFormat::Json,
                paths,
                tagged: opts.tagged,
                limits: opts.limits,
                origin: opts.origin,
            },
            out,
        );
        if opts.resume_element && !core.resume_element() {
            return Err(Error::unpositioned(
                ErrorCode::InvalidOption,
                "a part of a JSON document starts between array elements: it needs format \
                 'json' and one selector naming the elements of an array under object keys \
                 (such as `$.items[*]`)",
            ));
        }
        Ok(JsonParser {
            input,
            core,
            skip_errors: opts.skip_errors,
            skips: Vec::new(),
            skipped: 0,
            failed: None,
            done: false,
            batches: 0,
            batch_bytes: opts.limits.batch_bytes,
        })
    }

    /// Copies a chunk in. Prefer [`JsonParser::feed_owned`] with a buffer from
    /// [`JsonParser::buffer`] to skip a copy.
    pub fn feed(&mut self, chunk: &[u8]) {
        let buf = self.input.copy(chunk);
        self.feed_owned(buf);
    }

    /// A pooled buffer to copy the next chunk into.
    pub fn buffer(&mut self, capacity: usize) -> BytesMut {
        self.input.pool.take(capacity)
    }

    pub fn feed_owned(&mut self, chunk: BytesMut) {
        if self.failed.is_some() || self.done {
            self.input.discard(chunk);
        } else {
            self.input.append(chunk, usize::MAX);
        }
    }

    /// Processes what has been fed. Records finished so far accumulate in the batch; on an
    /// error the batch still holds every record that ended before it.
    pub fn run(&mut self) -> Result<Status> {
        self.drive(false)
    }

    /// Declares the end of input and processes the rest.
    pub fn finish(&mut self) -> Result<Status> {
        self.drive(true)
    }

    fn drive(&mut self, at_eof: bool) -> Result<Status> {
        if let Some(e) = &self.failed {
            return Err(e.clone());
        }
        if self.done {
            return Ok(Status::Done);
        }
        match self.step(at_eof) {
            Ok(s) => Ok(s),
            Err(f) => {
                let e = self.positioned(f);
                self.core.drop_unfinished();
                self.failed = Some(e.clone());
                Err(e)
            }
        }
    }

    fn step(&mut self, at_eof: bool) -> std::result::Result<Status, Fail> {
        loop {
            let base = self.input.base();
            match self.core.scan(&self.input.buf, self.input.pos, base) {
                Ok(Scan::Full(p)) => {
                    self.input.pos = p;
                    return Ok(Status::BatchReady);
                }
                Ok(Scan::Wait(p)) => {
                    self.input.pos = p;
                    break;
                }
                Ok(Scan::Consumed) => {
                    self.input.pos = self.input.buf.len();
                    break;
                }
                Err(f) if self.can_skip(&f) => {
                    let rel = usize::try_from(f.at.saturating_sub(base)).unwrap_or(usize::MAX);
                    self.skip(f);
                    self.input.pos = rel.min(self.input.buf.len());
                }
                Err(f) => return Err(f),
            }
        }
        if !at_eof {
            return Ok(Status::NeedInput);
        }
        let end = self.input.base() + self.input.buf.len() as u64;
        match self.core.eof(end) {
            Ok(()) => {}
            Err(f) if self.can_skip(&f) => self.skip(f),
            Err(f) => return Err(f),
        }
        self.done = true;
        Ok(Status::Done)
    }

    fn can_skip(&self, f: &Fail) -> bool {
        self.skip_errors && f.code != ErrorCode::UnsupportedEncoding
    }

    fn skip(&mut self, f: Fail) {
        let record_index = self.core.lines_seen.saturating_sub(1);
        let e = self.positioned(f);
        self.core.abandon_line();
        self.skipped += 1;
        self.skips.push(Skip {
            code: e.code,
            message: e.message,
            position: e.position,
            record_index,
        });
    }

    fn positioned(&self, f: Fail) -> Error {
        // A stray first byte (0xFE or 0xFF) is judged on the byte after it, which may come in
        // a later chunk, once the first is no longer held: it is the input's first character.
        let position = if f.at == 0 {
            Position {
                offset: 0,
                line: 1,
                column: 1,
            }
        } else {
            self.input.position(f.at)
        };
        Error::new(f.code, f.message, position)
    }

    /// The finished records as a JSON array, or `None` when there are none.
    pub fn take_batch(&mut self) -> Option<BytesMut> {
        let committed = self.core.committed;
        if committed == 0 {
            return None;
        }
        let tail = self.core.out.len() - committed;
        let mut next = self.input.pool.take(tail.max(self.batch_bytes));
        let out = &mut self.core.out;
        if out.len() > committed {
            // A record in progress moves to the next batch (it starts with its `,`).
            next.extend_from_slice(b"[");
            next.extend_from_slice(&out[committed + 1..]);
            out.truncate(committed);
        }
        out.extend_from_slice(b"]");
        self.core.committed = 0;
        self.batches += 1;
        Some(std::mem::replace(out, next))
    }

    /// Gives a batch buffer back once its text has been copied out.
    pub fn recycle(&mut self, buf: BytesMut) {
        self.input.pool.give(buf);
    }

    /// The error that stopped parsing, if any.
    pub fn error(&self) -> Option<&Error> {
        self.failed.as_ref()
    }

    /// NDJSON lines dropped in `skip_errors` mode since the last call.
    pub fn take_skips(&mut self) -> Vec<Skip> {
        std::mem::take(&mut self.skips)
    }

    /// NDJSON lines dropped in `skip_errors` mode so far.
    pub fn skipped(&self) -> u64 {
        self.skipped
    }

    pub fn pool(&mut self) -> &mut Pool {
        &mut self.input.pool
    }

    pub fn stats(&self) -> Stats {
        Stats {
            bytes: self.input.fed(),
            records: self.core.records,
            batches: self.batches,
            pool_hits: self.input.pool.hits(),
            pool_misses: self.input.pool.misses(),
        }
    }
}

#[cfg(test)]
mod tests;
