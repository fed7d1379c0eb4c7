//! The streaming XML engine: bytes in, batches of finished records (as JSON text) out.
//!
//! Input arrives in arbitrary chunks. Each run hands quick-xml's borrowed-slice reader a
//! window of the buffered input that ends where no construct can be cut in half (after the
//! last `>`, or in plain text away from a partial reference), so the fast zero-copy reader
//! never sees a torn tag, reference or UTF-8 sequence. A construct still incomplete at the
//! window end is retried once the pending input has doubled, which keeps the work linear even
//! for one-byte chunks.

mod attrs;
mod chars;
mod checkpoint;
mod dtd;
pub mod encoding;
mod events;
mod expand;
mod lex;
pub(crate) mod name_chars;
mod namespaces;
mod oversize;
mod resync;
mod skip;
mod split;
mod state;
mod window;
mod xml_decl;

use bytes::BytesMut;

use crate::engine::{Stats, Status};
use crate::error::{Error, ErrorCode, Position, Result};
use crate::escape;
use crate::input::Input;
use crate::limits::{Limits, MAX_XML_DEPTH};
use crate::names::{self, Symbols};
use crate::pool::Pool;
use crate::select::Selector;
use crate::shape::{ShapeOptions, Tree};
use attrs::Fault;
use chars::Bad;
use encoding::{Chosen, EncodingErrors, Source};
use events::cdata_end_in_text;
use namespaces::Namespaces;
use state::State;
use window::{configure, quick_xml_fail};

pub use checkpoint::{Ancestor, BatchMeta, Resume};

/// Options, named and defaulted as in the JavaScript API.
#[derive(Debug, Clone)]
pub struct XmlOptions {
    pub select: Vec<String>,
    /// Wrap each record as `{"selector": ..., "value": ...}` (when `select` was an array).
    pub tagged: bool,
    pub ignore_attributes: bool,
    pub attribute_name_prefix: String,
    pub text_node_name: String,
    pub trim_values: bool,
    pub remove_ns_prefix: bool,
    pub parse_tag_value: bool,
    pub parse_attribute_value: bool,
    pub cdata_prop_name: Option<String>,
    pub always_array: Vec<String>,
    /// Check that every prefix is declared (and resolve URIs for `{uri}` selectors).
    pub namespaces: bool,
    /// Drop a malformed record, report it through [`XmlParser::take_skips`] and resume at
    /// the next one (see `resync`).
    pub skip_errors: bool,
    /// Start just after a record of an earlier run instead of at the document start.
    pub resume: Option<Resume>,
    /// Undecodable bytes in a non-UTF-8 document: an error, or U+FFFD.
    pub encoding_errors: EncodingErrors,
    /// Expand general entities declared in the internal subset (external ones never are).
    pub expand_internal_entities: bool,
    /// Most bytes entity expansion may produce in one document.
    pub max_entity_expansion: u64,
    pub limits: Limits,
    /// Batches for a file rather than for `JSON.parse`: each record as `JSON.stringify` writes
    /// it (strings in UTF-8, not `\uXXXX`) followed by `\n`, with no array around them, so
    /// that the native converter writes them as they are.
    pub utf8_lines: bool,
}

impl Default for XmlOptions {
    fn default() -> Self {
        XmlOptions {
            select: vec!["/*".into()],
            tagged: false,
            ignore_attributes: false,
            attribute_name_prefix: "@_".into(),
            text_node_name: "#text".into(),
            trim_values: true,
            remove_ns_prefix: false,
            parse_tag_value: false,
            parse_attribute_value: false,
            cdata_prop_name: None,
            always_array: Vec::new(),
            namespaces: true,
            skip_errors: false,
            resume: None,
            encoding_errors: EncodingErrors::Fatal,
            expand_internal_entities: false,
            max_entity_expansion: 64 << 20,
            limits: Limits::default(),
            utf8_lines: false,
        }
    }
}

/// A failure at an absolute byte offset; lines and columns are added by the caller, which
/// still holds the input around it.
struct Fail {
    at: u64,
    code: ErrorCode,
    message: String,
    /// Set when the error was positioned earlier, while its input was still held.
    known: Option<Error>,
}

#[cold]
fn fail(at: u64, code: ErrorCode, message: impl Into<String>) -> Fail {
    Fail {
        at,
        code,
        message: message.into(),
        known: None,
    }
}

#[cold]
fn from_fault(base: u64, f: Fault) -> Fail {
    fail(base + f.at as u64, f.code, f.message)
}

pub struct XmlParser {
    /// Raw input: the encoding, and decoding into UTF-8 when it is not UTF-8.
    source: Source,
    /// Fed bytes as UTF-8; `input.pos` of them are already turned into events.
    input: Input,
    /// Bytes of `input.buf` checked by `chars::scan`.
    scanned: usize,
    /// A forbidden character found by the scan, relative to `input`.
    bad: Option<(usize, Bad)>,
    /// Pending bytes needed before an incomplete construct is parsed again.
    retry_len: usize,
    started: bool,
    failed: Option<Error>,
    batches: u64,
    skip_errors: bool,
    /// A malformed record is being skipped.
    resync: Option<Resync>,
    /// Records dropped so far, and the reports not yet taken.
    skipped: u64,
    skips: Vec<(Error, u64)>,
    /// What went with the batch last taken.
    taken_meta: BatchMeta,
    /// Entries of `st.meta.ends` already mapped to source offsets.
    mapped_ends: usize,
    /// The chunk fed last, when only its head (up to its first `>`) was copied behind the
    /// unfinished tag held from the chunk before: parsing moves to the chunk itself once that
    /// is consumed, sparing the copy of the whole chunk (see `XmlParser::append`).
    pending: Option<(BytesMut, usize)>,
    st: State,
}

/// Held input no longer than this, an unfinished tag, may be finished from the head of the next
/// chunk instead of the chunk being copied behind it.
const BRIDGE_HELD: usize = 4096;
/// How far into the next chunk the `>` that ends the held tag is looked for.
const BRIDGE_REACH: usize = 1024;

/// A dropped record, while the input is scanned for where to resume.
struct Resync {
    error: Error,
    record_start: u64,
    record: Vec<u8>,
    parent: Vec<u8>,
    index: u64,
    scan: resync::Scan,
}

/// Everything the event handlers touch, kept apart from the input buffer so that a window of
/// the input can be borrowed while the handlers run.
impl XmlParser {
    pub fn new(opts: XmlOptions) -> Result<Self> {
        if opts.select.is_empty() {
            return Err(Error::unpositioned(
                ErrorCode::InvalidOption,
                "`select` needs at least one selector",
            ));
        }
        let selectors = opts
            .select
            .iter()
            .map(|s| Selector::parse(s))
            .collect::<Result<Vec<_>>>()?;
        if opts.limits.max_depth > MAX_XML_DEPTH {
            return Err(Error::unpositioned(
                ErrorCode::InvalidOption,
                format!("`maxDepth` can be at most {MAX_XML_DEPTH} for XML"),
            ));
        }
        // No element may have such a name; refusing it also means that a name found too long
        // can only be selected by a wildcard, before the rest of it has even arrived.
        if let Some(s) = selectors
            .iter()
            .find(|s| s.longest_name() > opts.limits.max_name_length)
        {
            return Err(Error::unpositioned(
                ErrorCode::InvalidOption,
                format!(
                    "selector {:?} names an element longer than maxNameLength ({})",
                    s.source(),
                    opts.limits.max_name_length
                ),
            ));
        }
        if !opts.namespaces && selectors.iter().any(Selector::needs_namespaces) {
            return Err(Error::unpositioned(
                ErrorCode::InvalidOption,
                "`{uri}` selectors need `namespaces: true`",
            ));
        }
        let tags = selectors
            .iter()
            .map(|s| {
                let mut t = BytesMut::new();
                t.extend_from_slice(b"{\"selector\":");
                escape::write_str_as(&mut t, s.source().as_bytes(), opts.utf8_lines);
                t.extend_from_slice(b",\"value\":");
                t.to_vec()
            })
            .collect();
        let mut always_array_names = Vec::new();
        let mut always_array_paths = Vec::new();
        for entry in &opts.always_array {
            let sel = Selector::parse(entry)?;
            // Names here are output keys, so a prefixed name must match as written.
            if !entry.contains('/') && !entry.contains('*') {
                always_array_names.push(entry.trim().as_bytes().to_vec());
            } else {
                always_array_paths.push(sel);
            }
        }
        let mut text_key = BytesMut::new();
        escape::write_str_as(
            &mut text_key,
            opts.text_node_name.as_bytes(),
            opts.utf8_lines,
        );
        text_key.extend_from_slice(b":");
        let mut input = match &opts.resume {
            Some(r) => Input::starting_at(r.offset, true),
            None => Input::starting_at(0, true),
        };
        let out = input.pool.take(opts.limits.batch_bytes);
        let mut parser = XmlParser {
            source: match &opts.resume {
                Some(r) => Source::resumed(r.encoding.as_deref(), opts.encoding_errors, r.offset)
                    .map_err(|why| {
                    Error::unpositioned(ErrorCode::InvalidOption, format!("`resumeFrom` {why}"))
                })?,
                None => Source::new(opts.encoding_errors),
            },
            input,
            scanned: 0,
            bad: None,
            retry_len: 0,
            // A fragment has no prolog to sniff.
            started: opts.resume.is_some(),
            failed: None,
            batches: 0,
            skip_errors: opts.skip_errors,
            resync: None,
            skipped: 0,
            skips: Vec::new(),
            taken_meta: BatchMeta::default(),
            mapped_ends: 0,
            pending: None,
            st: State {
                selectors,
                tags: if opts.tagged { tags } else { Vec::new() },
                shape: ShapeOptions {
                    text_key: text_key.to_vec(),
                    trim_values: opts.trim_values,
                    parse_tag_value: opts.parse_tag_value,
                    parse_attribute_value: opts.parse_attribute_value,
                    always_array_paths,
                    utf8: opts.utf8_lines,
                },
                trim: opts.trim_values,
                ignore_attributes: opts.ignore_attributes,
                remove_ns_prefix: opts.remove_ns_prefix,
                check_namespaces: opts.namespaces,
                cdata_name: opts.cdata_prop_name.map(String::into_bytes),
                always_array_names,
                limits: opts.limits,
                symbols: Symbols::new(
                    &opts.attribute_name_prefix,
                    opts.remove_ns_prefix,
                    &opts.text_node_name,
                )
                .utf8(opts.utf8_lines),
                tree: Tree::new(opts.parse_tag_value),
                stack: Vec::new(),
                ns: Namespaces::default(),
                record: None,
                ancestors: Vec::new(),
                spans: Vec::new(),
                value: Vec::new(),
                decl_at: 0,
                encoding: Chosen::Utf8,
                seen_root: false,
                root_closed: false,
                seen_doctype: false,
                text_start: 0,
                text_end: u64::MAX,
                cdata_ends: Vec::new(),
                cdata_next: 0,
                next_cdata_end: u64::MAX,
                name_cache: name_chars::NameCache::new(opts.namespaces),
                entities: expand::Entities::new(
                    opts.expand_internal_entities,
                    opts.max_entity_expansion,
                ),
                out,
                records: 0,
                ev_end: 0,
                meta: BatchMeta::default(),
                ctx_gen: 0,
                emitted_ctx_gen: u64::MAX,
                failed_tag: None,
                failed_name: Vec::new(),
                failed_start: None,
                failed_comment: None,
                nested_sibling: None,
                track_nested: opts.skip_errors,
            },
        };
        if let Some(r) = &opts.resume {
            parser.st.restore(r)?;
        }
        Ok(parser)
    }

    /// Copies a chunk in. Prefer [`XmlParser::feed_owned`] with a buffer from
    /// [`XmlParser::buffer`] to skip a copy.
    pub fn feed(&mut self, chunk: &[u8]) {
        let buf = self.input.copy(chunk);
        self.feed_owned(buf);
    }

    /// A pooled buffer to copy the next chunk into.
    pub fn buffer(&mut self, capacity: usize) -> BytesMut {
        self.input.pool.take(capacity)
    }

    pub fn feed_owned(&mut self, chunk: BytesMut) {
        self.flush_pending();
        let end = self.input.base() + self.input.buf.len() as u64;
        if let Some(utf8) = self.source.push(chunk, &mut self.input.pool, end) {
            self.append(utf8);
        }
    }

    fn append(&mut self, utf8: BytesMut) {
        // After an error the input is dead, and the parse may have run past the character
        // scan (up to the bad byte), so compacting would break the scan offsets.
        if self.failed.is_some() {
            self.input.pool.give(utf8);
            return;
        }
        // Skip mode may have to resume at a tag inside the record being parsed.
        let keep = self.st.nested_sibling.map_or(self.input.pos, |at| {
            usize::try_from(at.saturating_sub(self.input.base()))
                .unwrap_or(usize::MAX)
                .min(self.input.pos)
        });
        self.source.dropping(&self.input.buf[..keep]);
        // The scan state is relative to the held input, which loses its consumed front.
        let dropped = match self.bridge_head(&utf8, keep) {
            Some(head) => {
                let dropped = self.input.append_head(&utf8, keep, head);
                self.pending = Some((utf8, head));
                dropped
            }
            None => self.input.append(utf8, keep),
        };
        self.scanned -= dropped;
        if let Some((b, _)) = &mut self.bad {
            *b -= dropped;
        }
    }

    /// When what is held is a short unfinished tag and `chunk` a long one with a `>` near its
    /// start, how much of `chunk` to copy behind the tag: up to and with that `>`. Parsing
    /// then moves on to `chunk` itself (`XmlParser::switch_pending`), or, when that `>` did
    /// not end the tag (it was in an attribute value, a comment...), the rest is copied after
    /// all (`XmlParser::flush_pending`). Only for plain UTF-8 input outside skip mode, whose
    /// offsets into the held input need no other bookkeeping.
    fn bridge_head(&self, chunk: &[u8], keep: usize) -> Option<usize> {
        let held = self.input.buf.get(self.input.pos..)?;
        if self.skip_errors
            || self.bad.is_some()
            || keep != self.input.pos
            || held.first() != Some(&b'<')
            || held.len() > BRIDGE_HELD
            || chunk.len() < 4 * BRIDGE_REACH
            || self.source.chosen() != Chosen::Utf8
        {
            return None;
        }
        let gt = memchr::memchr(b'>', &chunk[..BRIDGE_REACH])?;
        Some(gt + 1)
    }

    /// Moves parsing to the pending chunk, once everything held before it is consumed.
    /// Returns `false` when there is none.
    fn switch_pending(&mut self) -> bool {
        if self.input.pos < self.input.buf.len() || self.bad.is_some() {
            return self.flush_pending();
        }
        let Some((chunk, from)) = self.pending.take() else {
            return false;
        };
        self.source.dropping(&self.input.buf);
        self.input.switch_to(chunk, from);
        self.scanned = 0;
        self.scan_held();
        true
    }

    /// Copies the rest of the pending chunk behind the held input, as `append` does without a
    /// bridge. Returns `false` when there is none.
    fn flush_pending(&mut self) -> bool {
        let Some((chunk, from)) = self.pending.take() else {
            return false;
        };
        self.input.buf.extend_from_slice(&chunk[from..]);
        self.input.pool.give(chunk);
        self.scan_held();
        true
    }

    /// Runs the character scan over held input not yet checked, up to the first bad byte.
    fn scan_held(&mut self) {
        if self.bad.is_none() && self.scanned < self.input.buf.len() {
            match chars::scan(&self.input.buf[self.scanned..]) {
                Ok(n) => self.scanned += n,
                Err((at, why)) => self.bad = Some((self.scanned + at, why)),
            }
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

    /// The offset in the original input of offset `decoded` in the UTF-8 the engine parses
    /// (the offsets errors, records and events are counted in). The same number for UTF-8
    /// input. Otherwise it is exact (for multi-byte legacy encodings: with the exceptions
    /// `encoding::legacy_width` lists) while the parser still holds that input, which includes
    /// everything the last `run`/`finish` parsed (held input is only let go by the next
    /// `feed`); for input already let go it is exact where it was let go and proportional in
    /// between.
    pub fn source_offset(&self, decoded: u64) -> u64 {
        self.source.to_source(decoded, &self.input.buf)
    }

    /// Line and column of a decoded offset, with its offset in the original input.
    fn position(&self, at: u64) -> Position {
        let mut position = self.input.position(at);
        position.offset = self.source_offset(at);
        position
    }

    /// The finished records as a JSON array (as NDJSON lines with `utf8_lines`), or `None`
    /// when there are none.
    pub fn take_batch(&mut self) -> Option<BytesMut> {
        if self.st.out.is_empty() {
            return None;
        }
        if !self.st.shape.utf8 {
            self.st.out.extend_from_slice(b"]");
        }
        self.batches += 1;
        self.taken_meta = std::mem::take(&mut self.st.meta);
        self.taken_meta.encoding = self.source.chosen().name();
        self.mapped_ends = 0;
        let next = self.input.pool.take(self.st.limits.batch_bytes);
        Some(std::mem::replace(&mut self.st.out, next))
    }

    /// Whether batches are NDJSON lines for a file (`utf8_lines`).
    pub fn writes_lines(&self) -> bool {
        self.st.shape.utf8
    }

    /// Record end offsets and open paths of the batch last taken.
    pub fn take_batch_meta(&mut self) -> BatchMeta {
        std::mem::take(&mut self.taken_meta)
    }

    /// Records dropped by `skip_errors` since the last call: the error and the index the
    /// record would have had among the selected records (emitted and dropped alike).
    pub fn take_skips(&mut self) -> Vec<(Error, u64)> {
        std::mem::take(&mut self.skips)
    }

    /// Records dropped by `skip_errors` so far.
    pub fn skipped(&self) -> u64 {
        self.skipped
    }

    /// Gives a batch buffer back once its text has been copied out.
    pub fn recycle(&mut self, buf: BytesMut) {
        self.input.pool.give(buf);
    }

    /// The error that stopped parsing, if any.
    pub fn error(&self) -> Option<&Error> {
        self.failed.as_ref()
    }

    pub fn pool(&mut self) -> &mut Pool {
        &mut self.input.pool
    }

    pub fn stats(&self) -> Stats {
        Stats {
            bytes: self.source.fed(),
            records: self.st.records,
            batches: self.batches,
            pool_hits: self.input.pool.hits(),
            pool_misses: self.input.pool.misses(),
        }
    }
}

#[cfg(test)]
mod tests;
