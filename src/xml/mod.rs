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
mod expand;
pub(crate) mod name_chars;
mod namespaces;
mod oversize;
mod resync;
mod skip;
mod split;
mod xml_decl;

use std::collections::HashSet;

use bytes::BytesMut;
use quick_xml::errors::{Error as QError, IllFormedError, SyntaxError};
use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;

use crate::error::{Error, ErrorCode, Position, Result};
use crate::escape;
use crate::input::Input;
use crate::limits::{Limits, MAX_XML_DEPTH};
use crate::names::{self, Symbols};
use crate::pool::Pool;
use crate::select::Selector;
use crate::shape::{ShapeOptions, Tree};
use attrs::{Fault, Span};
use chars::{is_xml_space, Bad, Ref};
use encoding::{Chosen, EncodingErrors, Source};
use namespaces::{DeclError, Namespaces};

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
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Everything fed so far is processed; feed more (or finish).
    NeedInput,
    /// A batch is full: take it, then run again without feeding.
    BatchReady,
    /// The document ended cleanly (only after `finish`).
    Done,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stats {
    pub bytes: u64,
    pub records: u64,
    pub batches: u64,
    pub pool_hits: u64,
    pub pool_misses: u64,
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

fn fail(at: u64, code: ErrorCode, message: impl Into<String>) -> Fail {
    Fail {
        at,
        code,
        message: message.into(),
        known: None,
    }
}

fn from_fault(base: u64, f: Fault) -> Fail {
    fail(base + f.at as u64, f.code, f.message)
}

enum Window {
    Consumed,
    BatchFull(usize),
    Incomplete(usize),
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
    st: State,
}

/// A dropped record, while the input is scanned for where to resume.
struct Resync {
    error: Error,
    record_start: u64,
    record: Vec<u8>,
    parent: Vec<u8>,
    index: u64,
}

/// Everything the event handlers touch, kept apart from the input buffer so that a window of
/// the input can be borrowed while the handlers run.
struct State {
    selectors: Vec<Selector>,
    /// `{"selector":"...","value":` per selector, when records are tagged.
    tags: Vec<Vec<u8>>,
    shape: ShapeOptions,
    trim: bool,
    ignore_attributes: bool,
    remove_ns_prefix: bool,
    check_namespaces: bool,
    cdata_name: Option<Vec<u8>>,
    always_array_names: Vec<Vec<u8>>,
    limits: Limits,

    symbols: Symbols,
    tree: Tree,
    stack: Vec<Open>,
    names: Vec<u8>,
    ns: Namespaces,
    record: Option<Record>,
    ancestors: Vec<u32>,
    spans: Vec<Span>,
    value: Vec<u8>,

    decl_at: u64,
    encoding: Chosen,
    seen_root: bool,
    root_closed: bool,
    seen_doctype: bool,
    /// The text node read last, as absolute offsets: text arrives in pieces (across windows,
    /// around references) and `maxTextLength` counts it whole. A piece starting where the
    /// last one ended continues it; any markup in between leaves a gap.
    text_start: u64,
    text_end: u64,
    /// Offsets of every `]]>` in the current window, and the first not yet behind the text
    /// being handled: text checks itself against one offset instead of scanning for `]]>`.
    cdata_ends: Vec<u64>,
    cdata_next: usize,
    /// `cdata_ends[cdata_next]`, or `u64::MAX`: the one comparison every text makes.
    next_cdata_end: u64,
    name_cache: name_chars::NameCache,
    entities: expand::Entities,

    out: BytesMut,
    records: u64,

    /// End offset of the event being handled.
    ev_end: u64,
    /// Record ends and open paths of the batch being filled.
    meta: BatchMeta,
    /// Bumped whenever the elements open outside records change.
    ctx_gen: u64,
    /// `ctx_gen` when the last record was emitted.
    emitted_ctx_gen: u64,
    /// A start tag that failed before its record began, had it been selected: its offset
    /// and the depth of its parent. Its name is in `failed_name`.
    failed_tag: Option<(u64, usize)>,
    failed_name: Vec<u8>,
    /// Skip mode: the offset of the first start tag inside the current record that a selector
    /// would pick as the record's sibling. Records do not contain such tags when they are
    /// well-formed, so if the record breaks, that tag begins the next record: parsing resumes
    /// there, and one missing end tag costs one record instead of the rest of the list. The
    /// input from it on is held until the record ends.
    nested_sibling: Option<u64>,
    track_nested: bool,
}

struct Open {
    /// Qualified name, as a range of `State::names`.
    name: (u32, u32),
    /// Offset of the local name within the qualified name.
    local: u32,
    /// Namespace bindings in scope for this element (its own included).
    ns_end: u32,
    ns_mark: u32,
    at: u64,
}

struct Record {
    start: u64,
    selector: usize,
    /// Elements open once the record's element is (its own depth).
    depth: usize,
}

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
                escape::write_str(&mut t, s.source().as_bytes());
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
        escape::write_str(&mut text_key, opts.text_node_name.as_bytes());
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
            st: State {
                selectors,
                tags: if opts.tagged { tags } else { Vec::new() },
                shape: ShapeOptions {
                    text_key: text_key.to_vec(),
                    trim_values: opts.trim_values,
                    parse_tag_value: opts.parse_tag_value,
                    parse_attribute_value: opts.parse_attribute_value,
                    always_array_paths,
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
                ),
                tree: Tree::new(opts.parse_tag_value),
                stack: Vec::new(),
                names: Vec::new(),
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
        let dropped = self.input.append(utf8, keep);
        self.scanned -= dropped;
        if let Some((b, _)) = &mut self.bad {
            *b -= dropped;
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

    fn drive(&mut self, at_eof: bool) -> Result<Status> {
        if let Some(e) = &self.failed {
            return Err(e.clone());
        }
        if at_eof {
            let end = self.input.base() + self.input.buf.len() as u64;
            if let Some(utf8) = self.source.finish(&mut self.input.pool, end) {
                self.append(utf8);
            }
        }
        if let Some(e) = self.source.sniff_error() {
            self.failed = Some(e.clone());
            return Err(e.clone());
        }
        let result = self.step(at_eof).map_err(|f| match f.known {
            Some(e) => e,
            None => Error::new(f.code, f.message, self.position(f.at)),
        });
        if let Err(e) = &result {
            self.failed = Some(e.clone());
        }
        // Record ends are decoded offsets; map them while their input is still held, so that
        // checkpoints name exact source offsets.
        let ends = &mut self.st.meta.ends;
        if let Some(new) = ends.get_mut(self.mapped_ends..) {
            self.source.map_in_place(new, &self.input.buf);
        }
        self.mapped_ends = ends.len();
        result
    }

    fn step(&mut self, at_eof: bool) -> std::result::Result<Status, Fail> {
        loop {
            if self.resync.is_some() && !self.resync_step(at_eof)? {
                return Ok(Status::NeedInput);
            }
            match self.step_records(at_eof) {
                Err(f) if self.skip_errors && f.known.is_none() => match self.record_context(&f) {
                    Some(record) => self.begin_resync(f, record),
                    None => return Err(f),
                },
                other => return other,
            }
        }
    }

    fn step_records(&mut self, at_eof: bool) -> std::result::Result<Status, Fail> {
        if !self.started && !self.start_document(at_eof)? {
            return Ok(Status::NeedInput);
        }
        if self.bad.is_none() && self.scanned < self.input.buf.len() {
            match chars::scan(&self.input.buf[self.scanned..]) {
                Ok(n) => self.scanned += n,
                Err((at, why)) => self.bad = Some((self.scanned + at, why)),
            }
        }
        if let (None, Some((at, _))) = (self.bad, self.source.undecodable()) {
            // Decoding stopped there, so everything before it is all the engine will get.
            if at == self.input.base() + self.scanned as u64 {
                self.bad = Some((self.scanned, Bad::Undecodable));
            }
        }
        let base = self.input.base();
        loop {
            if self.st.out.len() >= self.st.limits.batch_bytes {
                return Ok(Status::BatchReady);
            }
            let limit = self.bad.map_or(self.scanned, |(b, _)| b);
            if self.input.pos >= limit {
                break;
            }
            let pending = limit - self.input.pos;
            let whole = (at_eof && limit == self.input.buf.len()) || self.bad.is_some();
            // Held input beyond the size limit fails unless complete constructs in it get
            // parsed first, and at the end of input nothing more will come: in both cases
            // waiting for the retry threshold would report a different error than whole
            // input does.
            let oversize = self
                .st
                .span_check(base + self.input.pos as u64, base + limit as u64);
            if !whole && !at_eof && pending < self.retry_len && oversize.is_ok() {
                break;
            }
            // Whole input shows at once that such markup can never be well-formed: so must a
            // piece of it, rather than wait for a `>` that may never come (or end the window
            // at the next `<`, where `<!` alone looks unfinished).
            if let [b'<', b'!', c, ..] = self.input.buf[self.input.pos..limit] {
                if !matches!(c, b'-' | b'[' | b'D' | b'd') {
                    return Err(invalid_bang(base + self.input.pos as u64));
                }
            }
            let end = if whole {
                limit
            } else {
                self.input.pos + safe_cut(&self.input.buf[self.input.pos..limit])
            };
            if end == self.input.pos {
                // Checked in the order the finished construct is: its span first.
                self.span_first(base + self.input.pos as u64, base + limit as u64)?;
                let w = &self.input.buf[self.input.pos..limit];
                if let Some(f) = oversize::check(w, &self.st.limits) {
                    return Err(from_fault(base + self.input.pos as u64, f));
                }
                self.retry_len = pending * 2;
                break;
            }
            let final_window = at_eof && end == self.input.buf.len();
            match self.parse_window(end, final_window)? {
                Window::Consumed => {
                    self.input.pos = end;
                    self.retry_len = 0;
                }
                Window::BatchFull(p) => {
                    self.input.pos = p;
                    self.retry_len = 0;
                    return Ok(Status::BatchReady);
                }
                Window::Incomplete(p) => {
                    self.span_first(base + p as u64, base + limit as u64)?;
                    if let Some(f) = oversize::check(&self.input.buf[p..end], &self.st.limits) {
                        return Err(from_fault(base + p as u64, f));
                    }
                    self.input.pos = p;
                    self.retry_len = (end - p) * 2;
                    break;
                }
            }
        }
        // What is held now is an unfinished construct: one that already spans too much fails
        // as it would whole. Only checked input counts (up to a bad character, or short of a
        // cut UTF-8 sequence), as in the loop above.
        let held_end = self.bad.map_or(self.scanned, |(b, _)| b);
        self.span_first(base + self.input.pos as u64, base + held_end as u64)?;
        if let Some((b, why)) = self.bad {
            let at = base + b as u64;
            return Err(match why {
                Bad::NotUtf8 => fail(at, ErrorCode::InvalidChar, "invalid UTF-8"),
                Bad::Undecodable => fail(
                    at,
                    ErrorCode::Encoding,
                    self.source.undecodable().map_or("", |(_, why)| why),
                ),
                Bad::Forbidden(c) => fail(
                    at,
                    ErrorCode::InvalidChar,
                    format!("character U+{c:04X} is not allowed in XML"),
                ),
            });
        }
        if !at_eof {
            return Ok(Status::NeedInput);
        }
        let end = base + self.input.buf.len() as u64;
        if self.input.pos < self.input.buf.len() || self.scanned < self.input.buf.len() {
            return Err(fail(
                base + self.input.pos as u64,
                ErrorCode::UnexpectedEof,
                "input ended inside markup or a character",
            ));
        }
        if let Some(open) = self.st.stack.last() {
            let name = String::from_utf8_lossy(self.st.name(open)).into_owned();
            let opened = self.input.position(open.at);
            let opened_line = if open.at == checkpoint::RESTORED {
                " (opened before the checkpoint resumed from)".to_string()
            } else if open.at >= base {
                format!(
                    " (opened at line {}, column {})",
                    opened.line, opened.column
                )
            } else {
                format!(" (opened at byte {})", self.source_offset(open.at))
            };
            return Err(fail(
                end,
                ErrorCode::UnexpectedEof,
                format!("input ended before </{name}>{opened_line}"),
            ));
        }
        if !self.st.seen_root {
            return Err(fail(end, ErrorCode::NoRoot, "no root element"));
        }
        Ok(Status::Done)
    }

    /// Waits for the encoding to be known and skips a byte order mark (decoded UTF-16 keeps
    /// its BOM as U+FEFF). Returns `false` until enough bytes have arrived to tell.
    fn start_document(&mut self, at_eof: bool) -> std::result::Result<bool, Fail> {
        let head = &self.input.buf[..self.input.buf.len().min(4)];
        if !self.source.settled() || (head.len() < 4 && !at_eof) {
            return Ok(false);
        }
        self.st.encoding = self.source.chosen();
        if head.starts_with(&[0xEF, 0xBB, 0xBF]) {
            self.input.pos = 3;
            self.scanned = 3;
            self.st.decl_at = 3;
        }
        self.started = true;
        Ok(true)
    }

    fn parse_window(
        &mut self,
        end: usize,
        final_window: bool,
    ) -> std::result::Result<Window, Fail> {
        let base = self.input.base();
        let mut start = self.input.pos;
        // quick-xml drops a UTF-8 BOM at the start of every reader it is given; past the
        // document start that is a U+FEFF character of text, so pass it on ourselves.
        while start > 0 || base > 0 {
            if self.input.buf[start..end].starts_with(&[0xEF, 0xBB, 0xBF]) {
                let at = base + start as u64;
                self.st.count_text(at, at + 3)?;
                self.st.text(&self.input.buf[start..start + 3], at)?;
                start += 3;
            } else {
                break;
            }
        }
        let window = &self.input.buf[start..end];
        let wbase = base + start as u64;
        self.st.cdata_ends.clear();
        self.st.cdata_next = 0;
        for i in memchr::memchr_iter(b']', window) {
            if window.get(i + 1..i + 3) == Some(b"]>") {
                self.st.cdata_ends.push(wbase + i as u64);
            }
        }
        self.st.next_cdata_end = self.st.cdata_ends.first().copied().unwrap_or(u64::MAX);
        let mut reader = Reader::from_reader(window);
        configure(reader.config_mut());
        loop {
            let ev_start = wbase + reader.buffer_position();
            let ev_rel = reader.buffer_position() as usize;
            let event = match reader.read_event() {
                Ok(ev) => ev,
                Err(e) => {
                    let at = reader.error_position() as usize;
                    return match classify(&e, window.len() - at) {
                        Some(why) if !final_window => {
                            let _ = why;
                            Ok(Window::Incomplete(start + at))
                        }
                        Some(why) => {
                            // The limits win, in the order they are checked when the input
                            // arrives slowly and this construct is held unfinished.
                            self.span_first(wbase + at as u64, wbase + window.len() as u64)?;
                            Err(match oversize::check(&window[at..], &self.st.limits) {
                                Some(f) => from_fault(wbase + at as u64, f),
                                None => fail(
                                    wbase + at as u64,
                                    ErrorCode::UnexpectedEof,
                                    format!("input ended inside {why}"),
                                ),
                            })
                        }
                        None => {
                            // A construct that breaks the size limit fails on that first, as
                            // it does when it arrives slowly and is never parsed whole.
                            let mut end = reader.buffer_position().max(at as u64);
                            if let QError::IllFormed(IllFormedError::UnclosedReference) = e {
                                // An unclosed `&` reaches its first `>` at most: a window may
                                // end there, and then that is all quick-xml reads of it.
                                let rest = window.get(at..).unwrap_or_default();
                                if let Some(g) = rest.iter().position(|&b| b == b'>') {
                                    end = end.min((at + g + 1) as u64);
                                }
                            }
                            self.span_first(ev_start, wbase + end)?;
                            if let QError::IllFormed(IllFormedError::DoubleHyphenInComment) = e {
                                // Held unfinished, the comment meets `maxTextLength` first when
                                // its first `--` comes after the limit; so must it whole.
                                let c = window.get(ev_rel..).unwrap_or_default();
                                let hyphens =
                                    c.get(4..).and_then(|b| memchr::memmem::find(b, b"--"));
                                let held = &c[..hyphens.map_or(0, |i| (4 + i + 2).min(c.len()))];
                                if let Some(f) = oversize::check(held, &self.st.limits) {
                                    return Err(from_fault(ev_start, f));
                                }
                            }
                            if let QError::IllFormed(IllFormedError::UnclosedReference) = e {
                                let name = window.get(at + 1..).unwrap_or_default();
                                let gt = name.iter().position(|&b| b == b'>');
                                let name = &name[..gt.unwrap_or(name.len())];
                                return Err(self.st.unclosed_reference(name, wbase + at as u64));
                            }
                            Err(quick_xml_fail(&e, wbase + at as u64))
                        }
                    };
                }
            };
            let ev_end = wbase + reader.buffer_position();
            self.st.ev_end = ev_end;
            // Checked before the event is handled, so that nothing inside a construct too
            // large to hold can report first: arriving in small chunks, it is never parsed.
            // Text outside records is exempt: it streams through in pieces of any size.
            if self.st.record.is_some() || !matches!(event, Event::Text(_)) {
                self.span_first(ev_start, ev_end)?;
            }
            let records_before = self.st.records;
            match event {
                Event::Eof => return Ok(Window::Consumed),
                Event::Start(e) => self.st.start(&e, false, ev_start)?,
                Event::Empty(e) => self.st.start(&e, true, ev_start)?,
                Event::End(e) => {
                    let name = e.name();
                    let name = name.as_ref().as_bytes();
                    self.st
                        .check_name_length(name, "an element", ev_start + 2)?;
                    self.st.end(name, ev_start)?
                }
                Event::Text(t) => {
                    self.st.outside_root_first(t.as_bytes(), ev_start)?;
                    self.st.count_text(ev_start, ev_end)?;
                    self.st.text(t.as_bytes(), ev_start)?
                }
                Event::GeneralRef(r) => {
                    self.st.count_text(ev_start, ev_end)?;
                    self.st.reference(r.as_bytes(), ev_start)?
                }
                Event::CData(c) => {
                    self.st
                        .check_text_length(c.len(), "a CDATA section", ev_start + 9)?;
                    self.st.cdata(c.as_bytes(), ev_start)?
                }
                Event::Comment(c) => {
                    self.st
                        .check_text_length(c.len(), "a comment", ev_start + 4)?
                }
                Event::PI(pi) => self.st.pi(pi.as_bytes(), ev_start)?,
                Event::Decl(d) => {
                    // Measured like a processing instruction, as it is before it ends.
                    let what = "a processing instruction";
                    self.st.check_text_length(d.len(), what, ev_start + 2)?;
                    let raw = window
                        .get((ev_start - wbase) as usize..(ev_end - wbase) as usize)
                        .unwrap_or(&[]);
                    self.st.decl(&d, raw, ev_start)?
                }
                Event::DocType(_) => {
                    let raw = window
                        .get((ev_start - wbase) as usize..(ev_end - wbase) as usize)
                        .unwrap_or(&[]);
                    self.st.doctype(raw, ev_start)?
                }
            }
            if self.st.records != records_before && self.st.out.len() >= self.st.limits.batch_bytes
            {
                return Ok(Window::BatchFull(start + reader.buffer_position() as usize));
            }
        }
    }

    /// `maxRecordBytes` for the construct at `start` reaching `end` (absolute offsets of
    /// held input). When it is over, the early limit checks get the part of it within the
    /// limit first: arriving byte by byte, that is all of it ever held before the size limit
    /// was passed, so whichever limit breaks first wins however the input was chunked.
    fn span_first(&self, start: u64, end: u64) -> std::result::Result<(), Fail> {
        let Err(over) = self.st.span_check(start, end) else {
            return Ok(());
        };
        let base = self.input.base();
        let rel = |at: u64| usize::try_from(at.saturating_sub(base)).unwrap_or(usize::MAX);
        let (from, cap) = (rel(start), rel(over.at).min(self.input.buf.len()));
        if from < cap {
            let w = &self.input.buf[from..cap];
            if w.first() != Some(&b'<') {
                // Text (or a reference): the text node's own limit, as `count_text` counts.
                let st = &self.st;
                let ts = if start == st.text_end {
                    st.text_start
                } else {
                    start
                };
                // A `]]>` that is whole before the limit's byte is met first as the text
                // arrives, unless the text node's own limit comes earlier still.
                let text_limit = ts.saturating_add(st.limits.max_text_length as u64);
                if let Some(p) = memchr::memmem::find(w, b"]]>") {
                    let p = start + p as u64;
                    if p + 2 < text_limit {
                        return Err(cdata_end_in_text(p));
                    }
                }
                let held = (base + cap as u64).saturating_sub(ts);
                if held > st.limits.max_text_length as u64 {
                    let f = attrs::text_too_long(0, "a text node", &st.limits);
                    return Err(from_fault(ts, f));
                }
            }
            if let Some(f) = oversize::check(w, &self.st.limits) {
                return Err(from_fault(start, f));
            }
        }
        Err(over)
    }

    /// The finished records as a JSON array, or `None` when there are none.
    pub fn take_batch(&mut self) -> Option<BytesMut> {
        if self.st.out.is_empty() {
            return None;
        }
        self.st.out.extend_from_slice(b"]");
        self.batches += 1;
        self.taken_meta = std::mem::take(&mut self.st.meta);
        self.taken_meta.encoding = self.source.chosen().name();
        self.mapped_ends = 0;
        let next = self.input.pool.take(self.st.limits.batch_bytes);
        Some(std::mem::replace(&mut self.st.out, next))
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

/// quick-xml's settings for every reader sluice runs: end names, unmatched ends and text
/// are left to sluice's own checks, which position their errors.
fn configure(cfg: &mut quick_xml::reader::Config) {
    cfg.check_end_names = false;
    cfg.allow_unmatched_ends = true;
    cfg.check_comments = true;
    cfg.expand_empty_elements = false;
    cfg.trim_text(false);
}

/// Where a window may end without cutting a construct: after the last `>`, or inside trailing
/// text but before a reference whose `;` has not arrived. `u` never ends inside a UTF-8
/// sequence (the character scan stops short of one).
fn safe_cut(u: &[u8]) -> usize {
    let gt = memchr::memrchr(b'>', u);
    let lt = memchr::memrchr(b'<', u);
    match (lt, gt) {
        (Some(l), Some(g)) if l > g => l,
        (Some(l), None) => l,
        _ => {
            let text_from = gt.map_or(0, |g| g + 1);
            match memchr::memrchr(b'&', &u[text_from..]) {
                Some(a) if memchr::memchr(b';', &u[text_from + a..]).is_none() => text_from + a,
                _ => {
                    // Trailing `]` or `]]` wait for the next byte, so that a `]]>` in text
                    // always reaches one window whole and is seen.
                    let min = u.len().saturating_sub(2).max(text_from);
                    let mut cut = u.len();
                    while cut > min && u[cut - 1] == b']' {
                        cut -= 1;
                    }
                    cut
                }
            }
        }
    }
}

/// For errors caused by the window ending inside a construct, what that construct is.
fn classify(e: &QError, left: usize) -> Option<&'static str> {
    match e {
        QError::Syntax(s) => match s {
            SyntaxError::UnclosedPI | SyntaxError::UnclosedXmlDecl => {
                Some("a processing instruction")
            }
            SyntaxError::UnclosedComment => Some("a comment"),
            SyntaxError::UnclosedDoctype => Some("a DOCTYPE"),
            SyntaxError::UnclosedCData => Some("a CDATA section"),
            SyntaxError::UnclosedTag
            | SyntaxError::UnclosedSingleQuotedAttributeValue
            | SyntaxError::UnclosedDoubleQuotedAttributeValue => Some("a tag"),
            // quick-xml tells `<!` markup apart by its third byte alone.
            SyntaxError::InvalidBangMarkup if left < 3 => Some("markup"),
            SyntaxError::InvalidBangMarkup => None,
        },
        _ => None,
    }
}

fn unclosed_reference(at: u64) -> Fail {
    fail(
        at,
        ErrorCode::InvalidReference,
        "`&` must start a reference ending in `;`",
    )
}

fn invalid_bang(at: u64) -> Fail {
    fail(
        at,
        ErrorCode::Syntax,
        "`<!` must start a comment, a CDATA section or a DOCTYPE",
    )
}

fn quick_xml_fail(e: &QError, at: u64) -> Fail {
    match e {
        QError::IllFormed(IllFormedError::DoubleHyphenInComment) => fail(
            at,
            ErrorCode::Syntax,
            "`--` is not allowed inside a comment",
        ),
        QError::IllFormed(IllFormedError::UnclosedReference) => unclosed_reference(at),
        QError::IllFormed(
            IllFormedError::MissingDeclVersion(_) | IllFormedError::UnknownVersion,
        ) => fail(at, ErrorCode::InvalidDeclaration, e.to_string()),
        QError::IllFormed(IllFormedError::MissingDoctypeName) => {
            fail(at, ErrorCode::InvalidDoctype, e.to_string())
        }
        QError::Syntax(SyntaxError::InvalidBangMarkup) => invalid_bang(at),
        QError::Encoding(_) => fail(at, ErrorCode::InvalidChar, "invalid UTF-8"),
        other => fail(at, ErrorCode::Syntax, other.to_string()),
    }
}

impl State {
    /// Opens an element whose namespace bindings were declared after `ns_mark`.
    fn push_open(&mut self, qname: &[u8], ns_mark: usize, at: u64) {
        let name_start = self.names.len() as u32;
        self.names.extend_from_slice(qname);
        self.stack.push(Open {
            name: (name_start, self.names.len() as u32),
            local: (qname.len() - names::local_name(qname).len()) as u32,
            ns_end: self.ns.mark() as u32,
            ns_mark: ns_mark as u32,
            at,
        });
    }

    fn name(&self, open: &Open) -> &[u8] {
        &self.names[open.name.0 as usize..open.name.1 as usize]
    }

    /// `maxRecordBytes` bounds a record from its start, or a piece of markup outside records
    /// from `start`, up to `end`. Both parse paths (a finished event, or an unfinished
    /// construct held at the end of a run) use this one rule, so that the error is the same
    /// however the input was chunked. It points at the first byte past the limit, as JSON's
    /// does: a record's start may be input that was already let go.
    fn span_check(&self, start: u64, end: u64) -> std::result::Result<(), Fail> {
        let max = self.limits.max_record_bytes;
        let (from, what) = match &self.record {
            Some(rec) => (rec.start, "record"),
            None => (start, "piece of markup"),
        };
        if end.saturating_sub(from) > max as u64 {
            return Err(fail(
                from.saturating_add(max as u64),
                ErrorCode::RecordTooLarge,
                format!(
                    "the {what} starting at byte {from} is larger than maxRecordBytes ({max} bytes)"
                ),
            ));
        }
        Ok(())
    }

    fn start(&mut self, tag: &BytesStart, empty: bool, at: u64) -> std::result::Result<(), Fail> {
        let depth = self.stack.len();
        let result = self.start_element(tag, empty, at);
        if result.is_err() && self.record.is_none() && self.stack.len() == depth {
            let qname = tag.name();
            let qname = qname.as_ref().as_bytes();
            if depth > 0 && !self.root_closed && self.would_select(qname).is_some() {
                self.failed_name.clear();
                self.failed_name.extend_from_slice(qname);
                self.failed_tag = Some((at, depth));
            }
        } else if let Err(f) = &result {
            // A broken tag inside a record that would begin a sibling record begins one. Not
            // a name over maxNameLength: held unfinished, that fails before there is a tag.
            if f.code != ErrorCode::NameTooLong {
                let qname = tag.name();
                self.note_nested_sibling(qname.as_ref().as_bytes(), at);
            }
        }
        result
    }

    fn start_element(
        &mut self,
        tag: &BytesStart,
        empty: bool,
        at: u64,
    ) -> std::result::Result<(), Fail> {
        let raw: &[u8] = tag.as_bytes();
        let qname = tag.name();
        let qname = qname.as_ref().as_bytes();
        self.check_name_length(qname, "an element", at + 1)?;
        if !self.name_cache.check(qname) {
            // `a < b` reaches here as an element with no name: say what the user must write.
            let starts_name = qname
                .first()
                .is_some_and(|&b| b >= 0x80 || name_chars::is_name_start(b as char));
            if !starts_name {
                // Positioned where the name should start, as other bad names are.
                let what = if qname.is_empty() {
                    "`<` not followed by an element name".to_string()
                } else {
                    format!(
                        "`<` followed by `{}`, which is not an element name",
                        String::from_utf8_lossy(qname)
                    )
                };
                return Err(fail(
                    at + 1,
                    ErrorCode::Syntax,
                    format!("{what}: a `<` in text must be escaped as `&lt;`"),
                ));
            }
            return Err(bad_name(qname, "element", at + 1));
        }
        if self.root_closed {
            return Err(fail(
                at,
                ErrorCode::MultipleRoots,
                format!(
                    "a second root element <{}>: a document has exactly one",
                    String::from_utf8_lossy(qname)
                ),
            ));
        }
        if self.stack.len() >= self.limits.max_depth {
            return Err(fail(
                at,
                ErrorCode::TooDeep,
                format!(
                    "elements nest deeper than maxDepth ({})",
                    self.limits.max_depth
                ),
            ));
        }
        let tag_base = at + 1;
        attrs::scan(raw, qname.len(), &self.limits, &mut self.spans)
            .map_err(|f| from_fault(tag_base, f))?;
        for s in &self.spans {
            let key = raw.get(s.name.0..s.name.1).unwrap_or(&[]);
            if !self.name_cache.check(key) {
                return Err(bad_name(key, "attribute", tag_base + s.name.0 as u64));
            }
        }
        if let Some(j) = attrs::find_duplicate(raw, &self.spans) {
            let s = self.spans[j];
            return Err(fail(
                tag_base + s.name.0 as u64,
                ErrorCode::DuplicateAttribute,
                format!(
                    "duplicate attribute `{}`",
                    String::from_utf8_lossy(&raw[s.name.0..s.name.1])
                ),
            ));
        }
        let ns_mark = self.ns.mark();
        if self.check_namespaces {
            self.bind_namespaces(raw, qname, tag_base)?;
        }
        self.push_open(qname, ns_mark, at);
        self.seen_root = true;

        if self.record.is_none() {
            if let Some(sel) = self.match_selector() {
                self.begin_record(sel, at);
            }
        }
        if self.record.is_some() {
            self.note_nested_sibling(qname, at);
            let sym = self.intern(qname);
            self.tree.open(sym, self.trim);
            self.add_attributes(raw, tag_base)?;
        } else {
            self.ctx_gen += 1;
            self.check_attribute_values(raw, tag_base)?;
        }
        if empty {
            self.end(qname, at)?;
        }
        Ok(())
    }

    fn bind_namespaces(
        &mut self,
        raw: &[u8],
        qname: &[u8],
        tag_base: u64,
    ) -> std::result::Result<(), Fail> {
        for i in 0..self.spans.len() {
            let s = self.spans[i];
            let key = &raw[s.name.0..s.name.1];
            let prefix = match key {
                b"xmlns" => &b""[..],
                k if k.starts_with(b"xmlns:") => &k[6..],
                _ => continue,
            };
            self.decode(
                &raw[s.value.0..s.value.1],
                false,
                tag_base + s.value.0 as u64,
            )?;
            if let Err(e) = self.ns.declare(prefix, &self.value) {
                let why = match e {
                    DeclError::EmptyPrefixedUri => "a prefix cannot be bound to an empty URI",
                    DeclError::Reserved => "reserved prefix or namespace URI",
                };
                return Err(fail(
                    tag_base + s.name.0 as u64,
                    ErrorCode::UnboundPrefix,
                    format!(
                        "invalid namespace declaration `{}`: {why}",
                        String::from_utf8_lossy(key)
                    ),
                ));
            }
        }
        // Each tag is bounded, but declarations pile up with depth: bound them as one record.
        if self.ns.held_bytes() > self.limits.max_record_bytes {
            return Err(fail(
                tag_base,
                ErrorCode::RecordTooLarge,
                format!(
                    "namespace declarations in scope exceed maxRecordBytes ({} bytes)",
                    self.limits.max_record_bytes
                ),
            ));
        }
        let mark = self.ns.mark();
        if let Some(p) = names::prefix(qname) {
            if p == b"xmlns" || self.ns.resolve(p, mark).is_none() {
                return Err(unbound(tag_base, p, qname));
            }
        }
        let mut prefixed = 0;
        for s in &self.spans {
            let key = &raw[s.name.0..s.name.1];
            if let Some(p) = names::prefix(key) {
                if p != b"xmlns" && self.ns.resolve(p, mark).is_none() {
                    return Err(unbound(tag_base + s.name.0 as u64, p, key));
                }
                prefixed += 1;
            }
        }
        if prefixed > 1 {
            self.check_expanded_names(raw, tag_base)?;
        }
        Ok(())
    }

    /// Two attributes with different prefixes bound to one URI and the same local name are
    /// the same attribute (Namespaces 1.0, 6.3).
    fn check_expanded_names(&self, raw: &[u8], tag_base: u64) -> std::result::Result<(), Fail> {
        let mark = self.ns.mark();
        let expanded = |s: &Span| {
            let key = raw.get(s.name.0..s.name.1).unwrap_or(&[]);
            let p = names::prefix(key).filter(|p| *p != b"xmlns")?;
            Some((self.ns.resolve(p, mark)?, names::local_name(key)))
        };
        // Pairwise on small tags; through a set on large ones, so that a tag with thousands
        // of prefixed attributes costs thousands of lookups rather than millions.
        let small = self.spans.len() <= 16;
        let mut seen = None;
        for (j, b) in self.spans.iter().enumerate() {
            let Some(eb) = expanded(b) else { continue };
            let repeated = if small {
                self.spans[..j].iter().any(|a| expanded(a) == Some(eb))
            } else {
                !seen
                    .get_or_insert_with(|| HashSet::with_capacity(self.spans.len()))
                    .insert(eb)
            };
            if repeated {
                return Err(fail(
                    tag_base + b.name.0 as u64,
                    ErrorCode::DuplicateAttribute,
                    format!(
                        "attribute `{}` repeats another one's namespace and local name",
                        String::from_utf8_lossy(raw.get(b.name.0..b.name.1).unwrap_or(&[]))
                    ),
                ));
            }
        }
        Ok(())
    }

    fn match_selector(&self) -> Option<usize> {
        let depth = self.stack.len();
        let local = |i: usize| {
            let o = &self.stack[i];
            &self.names[(o.name.0 + o.local) as usize..o.name.1 as usize]
        };
        let uri = |i: usize| {
            let o = &self.stack[i];
            let q = &self.names[o.name.0 as usize..o.name.1 as usize];
            self.ns
                .resolve(names::prefix(q).unwrap_or(b""), o.ns_end as usize)
        };
        self.selectors
            .iter()
            .position(|s| s.matches(depth, local, uri))
    }

    /// Skip mode: notes a start tag at `at`, inside the current record, that would begin a
    /// sibling record (see `nested_sibling`).
    fn note_nested_sibling(&mut self, qname: &[u8], at: u64) {
        if !self.track_nested || self.nested_sibling.is_some() {
            return;
        }
        let Some(rec) = &self.record else {
            return;
        };
        if at > rec.start
            && self.is_element_name(qname)
            && self.would_select_under(rec.depth - 1, qname).is_some()
        {
            self.nested_sibling = Some(at);
        }
    }

    fn begin_record(&mut self, selector: usize, at: u64) {
        self.nested_sibling = None;
        self.symbols.reset_if_large();
        self.tree.clear();
        self.ancestors.clear();
        if !self.shape.always_array_paths.is_empty() {
            for i in 0..self.stack.len() - 1 {
                let o = &self.stack[i];
                let q = self.names[o.name.0 as usize..o.name.1 as usize].to_vec();
                let sym = self.intern(&q);
                self.ancestors.push(sym);
            }
        }
        self.record = Some(Record {
            start: at,
            selector,
            depth: self.stack.len(),
        });
    }

    fn intern(&mut self, qname: &[u8]) -> u32 {
        let names = &self.always_array_names;
        self.symbols
            .intern(qname, |out| names.iter().any(|n| n.as_slice() == out))
    }

    fn add_attributes(&mut self, raw: &[u8], tag_base: u64) -> std::result::Result<(), Fail> {
        for i in 0..self.spans.len() {
            let s = self.spans[i];
            let key = &raw[s.name.0..s.name.1];
            let is_xmlns = key == b"xmlns" || key.starts_with(b"xmlns:");
            if self.ignore_attributes || (self.remove_ns_prefix && is_xmlns) {
                self.check_value(raw, s, tag_base)?;
                continue;
            }
            self.decode(
                &raw[s.value.0..s.value.1],
                self.trim,
                tag_base + s.value.0 as u64,
            )?;
            let sym = self.intern(key);
            self.tree.attr(sym, &self.value);
        }
        Ok(())
    }

    fn check_attribute_values(
        &mut self,
        raw: &[u8],
        tag_base: u64,
    ) -> std::result::Result<(), Fail> {
        for i in 0..self.spans.len() {
            let s = self.spans[i];
            self.check_value(raw, s, tag_base)?;
        }
        Ok(())
    }

    /// Decodes an attribute value at input offset `at` into `self.value`.
    fn decode(&mut self, v: &[u8], trim: bool, at: u64) -> std::result::Result<(), Fail> {
        let entities = &mut self.entities;
        let max_name = self.limits.max_name_length;
        attrs::decode_value_with(v, trim, max_name, &mut self.value, &mut |name, out| {
            entities.expand_in_attribute(name, out, at)
        })
        .map_err(|f| from_fault(at, f))
    }

    /// Attribute values outside records are only decoded when they hold a reference, to
    /// report bad ones; nothing else about them can be wrong once scanned.
    fn check_value(&mut self, raw: &[u8], s: Span, tag_base: u64) -> std::result::Result<(), Fail> {
        let v = &raw[s.value.0..s.value.1];
        if v.contains(&b'&') {
            self.decode(v, false, tag_base + s.value.0 as u64)?;
        }
        Ok(())
    }

    fn end(&mut self, qname: &[u8], at: u64) -> std::result::Result<(), Fail> {
        let Some(open) = self.stack.last() else {
            return Err(fail(
                at,
                ErrorCode::MismatchedTag,
                format!(
                    "unexpected </{}>: no element is open",
                    String::from_utf8_lossy(qname)
                ),
            ));
        };
        if self.name(open) != qname {
            return Err(fail(
                at,
                ErrorCode::MismatchedTag,
                format!(
                    "expected </{}> but found </{}>",
                    String::from_utf8_lossy(self.name(open)),
                    String::from_utf8_lossy(qname)
                ),
            ));
        }
        let (name_start, ns_mark) = (open.name.0, open.ns_mark);
        self.names.truncate(name_start as usize);
        self.ns.truncate(ns_mark as usize);
        self.stack.pop();
        if self.record.is_none() {
            self.ctx_gen += 1;
        }
        if let Some(rec) = &self.record {
            let selector = rec.selector;
            if self.tree.close(self.trim) {
                self.emit(selector);
            }
        }
        if self.stack.is_empty() {
            self.root_closed = true;
        }
        Ok(())
    }

    fn emit(&mut self, selector: usize) {
        self.record = None;
        self.nested_sibling = None;
        self.out
            .extend_from_slice(if self.out.is_empty() { b"[" } else { b"," });
        if let Some(tag) = self.tags.get(selector) {
            self.out.extend_from_slice(tag);
        }
        self.tree
            .write(&mut self.out, &self.symbols, &self.shape, &self.ancestors);
        if !self.tags.is_empty() {
            self.out.extend_from_slice(b"}");
        }
        self.records += 1;
        self.note_record_end();
    }

    /// Counts `start..end` into the current text node, which may have begun windows ago.
    /// Text outside the root fails at its first non-space byte, unless the text node was
    /// already over `maxTextLength` there: the order bytes arriving one at a time meet the two
    /// checks in, whatever pieces the text comes in.
    fn outside_root_first(&self, t: &[u8], at: u64) -> std::result::Result<(), Fail> {
        if !self.stack.is_empty() {
            return Ok(());
        }
        let Some(i) = t.iter().position(|&b| !is_xml_space(b)) else {
            return Ok(());
        };
        let ts = if at == self.text_end {
            self.text_start
        } else {
            at
        };
        let j = at + i as u64;
        if j < ts.saturating_add(self.limits.max_text_length as u64) {
            return Err(self.outside_root(j));
        }
        Ok(())
    }

    fn count_text(&mut self, start: u64, end: u64) -> std::result::Result<(), Fail> {
        if start != self.text_end {
            self.text_start = start;
        }
        self.text_end = end;
        let over_at = self
            .text_start
            .saturating_add(self.limits.max_text_length as u64);
        if end > over_at {
            // Arriving byte by byte, a `]]>` completed before the byte that breaks the limit
            // fails first; so must it when the text comes whole.
            if self.next_cdata_end < over_at && start < over_at {
                self.check_cdata_end((over_at - start) as usize, start)?;
            }
            let from = self.text_start;
            return Err(from_fault(
                from,
                attrs::text_too_long(0, "a text node", &self.limits),
            ));
        }
        Ok(())
    }

    /// `len` bytes of text-like content starting at `at`.
    fn check_text_length(&self, len: usize, what: &str, at: u64) -> std::result::Result<(), Fail> {
        if len > self.limits.max_text_length {
            return Err(from_fault(at, attrs::text_too_long(0, what, &self.limits)));
        }
        Ok(())
    }

    fn check_name_length(&self, name: &[u8], what: &str, at: u64) -> std::result::Result<(), Fail> {
        if name.len() > self.limits.max_name_length {
            return Err(from_fault(at, attrs::name_too_long(0, what, &self.limits)));
        }
        Ok(())
    }

    #[inline]
    fn text(&mut self, t: &[u8], at: u64) -> std::result::Result<(), Fail> {
        if self.next_cdata_end < at + t.len() as u64 {
            self.check_cdata_end(t.len(), at)?;
        }
        self.text_body(t, at)
    }

    /// Text already checked for `]]>`.
    #[inline]
    fn text_body(&mut self, t: &[u8], at: u64) -> std::result::Result<(), Fail> {
        if self.stack.is_empty() {
            if let Some(i) = t.iter().position(|&b| !is_xml_space(b)) {
                return Err(self.outside_root(at + i as u64));
            }
        } else if self.record.is_some() {
            self.tree.text(t, self.trim);
        }
        Ok(())
    }

    /// A `]]>` of the window lies at or after the text's start: skip those behind it (they
    /// ended CDATA sections, comments...), and refuse one inside it.
    #[cold]
    fn check_cdata_end(&mut self, len: usize, at: u64) -> std::result::Result<(), Fail> {
        while let Some(&p) = self.cdata_ends.get(self.cdata_next) {
            if p >= at {
                if p + 3 <= at + len as u64 {
                    return Err(cdata_end_in_text(p));
                }
                self.next_cdata_end = p;
                return Ok(());
            }
            self.cdata_next += 1;
        }
        self.next_cdata_end = u64::MAX;
        Ok(())
    }

    fn outside_root(&self, at: u64) -> Fail {
        let when = if self.root_closed { "after" } else { "before" };
        fail(
            at,
            ErrorCode::TextOutsideRoot,
            format!("text {when} the root element"),
        )
    }

    fn reference(&mut self, name: &[u8], at: u64) -> std::result::Result<(), Fail> {
        // quick-xml reads a reference up to `;`, `&` or `<`, so `&x>y;` comes whole only when
        // no window ends at that `>`; cut there, it is an unclosed `&`. Both must agree.
        if let Some(gt) = name.iter().position(|&b| b == b'>') {
            return Err(self.unclosed_reference(&name[..gt], at));
        }
        self.check_name_length(name, "an entity", at + 1)?;
        if self.stack.is_empty() {
            return Err(self.outside_root(at));
        }
        match chars::resolve(name) {
            Ref::Char(c) => {
                if self.record.is_some() {
                    self.tree.text_ref(c);
                }
                Ok(())
            }
            Ref::Undefined => self.entity_in_content(name, at),
            Ref::Invalid => Err(from_fault(at, attrs::invalid_char_ref(0, name))),
        }
    }

    /// An `&` at `at` whose name so far is `name` and that cannot end: too long a name, as
    /// the early check finds it while it is held unfinished, or else unclosed.
    fn unclosed_reference(&self, name: &[u8], at: u64) -> Fail {
        let mut held = Vec::with_capacity(name.len() + 1);
        held.push(b'&');
        held.extend_from_slice(name);
        match oversize::check(&held, &self.limits) {
            Some(f) => from_fault(at, f),
            None => unclosed_reference(at),
        }
    }

    fn cdata(&mut self, content: &[u8], at: u64) -> std::result::Result<(), Fail> {
        if self.stack.is_empty() {
            return Err(self.outside_root(at));
        }
        if self.record.is_some() {
            match self.cdata_name.take() {
                Some(name) => {
                    let sym = self.intern(&name);
                    self.tree.cdata_child(sym, content, self.trim);
                    self.cdata_name = Some(name);
                }
                None => self.tree.cdata_text(content, self.trim),
            }
        }
        Ok(())
    }

    fn pi(&mut self, pi: &[u8], at: u64) -> std::result::Result<(), Fail> {
        let target_len = pi.iter().position(|&b| is_xml_space(b)).unwrap_or(pi.len());
        if target_len > self.limits.max_name_length {
            return Err(from_fault(
                at + 2,
                attrs::name_too_long(0, "a processing-instruction target", &self.limits),
            ));
        }
        self.check_text_length(pi.len(), "a processing instruction", at + 2)?;
        if let Err((off, why)) = dtd::check_pi(pi, self.check_namespaces) {
            let code = if off == 0 && pi.get(..3).is_some_and(|t| t.eq_ignore_ascii_case(b"xml")) {
                ErrorCode::InvalidDeclaration
            } else {
                ErrorCode::Syntax
            };
            return Err(fail(at + 2 + off as u64, code, why));
        }
        if self.record.is_some() {
            self.tree.end_piece(self.trim);
        }
        Ok(())
    }

    #[cold]
    #[inline(never)]
    fn decl(
        &mut self,
        d: &quick_xml::events::BytesDecl,
        raw: &[u8],
        at: u64,
    ) -> std::result::Result<(), Fail> {
        if at != self.decl_at {
            return Err(fail(
                at,
                ErrorCode::InvalidDeclaration,
                "the XML declaration is only allowed at the very start of the document",
            ));
        }
        self.entities.standalone = xml_decl::check(raw)
            .map_err(|(off, why)| fail(at + off as u64, ErrorCode::InvalidDeclaration, why))?;
        let version = d
            .version()
            .map_err(|e| fail(at, ErrorCode::InvalidDeclaration, e.to_string()))?;
        let ok_version = version.len() > 2
            && version.starts_with("1.")
            && version[2..].bytes().all(|b| b.is_ascii_digit());
        if !ok_version {
            return Err(fail(
                at,
                ErrorCode::InvalidDeclaration,
                format!("unsupported XML version {:?}", version),
            ));
        }
        if let Some(enc) = d.encoding() {
            let enc = enc.map_err(|e| fail(at, ErrorCode::InvalidDeclaration, e.to_string()))?;
            encoding::check_declared(&enc, self.encoding)
                .map_err(|why| fail(at, ErrorCode::UnsupportedEncoding, why))?;
        }
        Ok(())
    }

    #[cold]
    #[inline(never)]
    fn doctype(&mut self, d: &[u8], at: u64) -> std::result::Result<(), Fail> {
        if self.seen_root || self.seen_doctype {
            return Err(fail(
                at,
                ErrorCode::InvalidDoctype,
                "a DOCTYPE must come once, before the root element",
            ));
        }
        self.seen_doctype = true;
        let dtd = dtd::parse(d, self.check_namespaces)
            .map_err(|e| fail(at + e.at as u64, ErrorCode::InvalidDoctype, e.message))?;
        self.entities.dtd = Some(dtd);
        Ok(())
    }
}

fn unbound(at: u64, prefix: &[u8], name: &[u8]) -> Fail {
    fail(
        at,
        ErrorCode::UnboundPrefix,
        format!(
            "prefix `{}` of `{}` is not bound to a namespace (no xmlns:{} in scope)",
            String::from_utf8_lossy(prefix),
            String::from_utf8_lossy(name),
            String::from_utf8_lossy(prefix)
        ),
    )
}

fn cdata_end_in_text(at: u64) -> Fail {
    fail(
        at,
        ErrorCode::Syntax,
        "`]]>` is not allowed in text outside a CDATA section",
    )
}

#[cold]
fn bad_name(name: &[u8], what: &str, at: u64) -> Fail {
    fail(
        at,
        ErrorCode::Syntax,
        format!("invalid {what} name {:?}", String::from_utf8_lossy(name)),
    )
}

#[cfg(test)]
mod tests;
