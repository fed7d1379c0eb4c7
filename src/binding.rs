//! The Node binding: moves chunks in and JSON batches out, nothing else. Parsing runs on
//! sluice's own threads (`crate::workers`), each run settling the promise its call returned.
//! JavaScript keeps a few runs queued (lib/stream.js) so that the next chunks are parsed while
//! the main thread turns earlier batches into objects; a parser's runs go one at a time, in
//! the order they were queued. The main thread never waits for the parser lock: chunk
//! buffers, finished batches and skip reports cross through small queues of their own.

use std::collections::VecDeque;
use std::fs::File;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use bytes::BytesMut;
use napi::bindgen_prelude::*;
use napi::{Env, JsDeferred, JsString};
use napi_derive::napi;

use crate::engine::Status as RunStatus;
use crate::pool::Pool;
use crate::xml::encoding::EncodingErrors;
use crate::xml::{Ancestor, BatchMeta, Resume};
use crate::{Engine, JsonFormat, JsonOptions, JsonParser, Limits, XmlOptions, XmlParser};

#[napi(object)]
pub struct NativeXmlOptions {
    pub select: Vec<String>,
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
    pub namespaces: bool,
    pub skip_errors: bool,
    pub resume: Option<NativeResume>,
    /// `fatal` or `replace`.
    pub encoding_errors: String,
    pub expand_internal_entities: bool,
    pub max_entity_expansion: f64,
    pub max_record_bytes: f64,
    pub max_depth: u32,
    pub batch_bytes: u32,
    pub max_name_length: u32,
    pub max_attributes: u32,
    pub max_text_length: f64,
}

/// A checkpoint's position and open path (validated in lib/checkpoint.js).
#[napi(object)]
pub struct NativeResume {
    pub offset: f64,
    pub path: Vec<NativeAncestor>,
    pub encoding: Option<String>,
}

#[napi(object)]
pub struct NativeAncestor {
    pub name: String,
    /// `[prefix, uri]` pairs.
    pub ns: Vec<Vec<String>>,
}

/// Record end offsets of a batch, and where the open path changes (JSON text).
#[napi(object)]
pub struct NativeBatchMeta {
    pub ends: Vec<f64>,
    pub contexts: Vec<NativeContext>,
    /// The input's encoding; empty for batches without records.
    pub encoding: String,
}

#[napi(object)]
pub struct NativeContext {
    pub index: u32,
    pub json: String,
}

#[napi(object)]
pub struct NativeJsonOptions {
    pub select: Vec<String>,
    pub tagged: bool,
    /// `json`, `concatenated` or `ndjson`.
    pub format: String,
    pub skip_errors: bool,
    pub max_record_bytes: f64,
    pub max_depth: u32,
    pub batch_bytes: u32,
    /// parseFile: a part of one JSON document, started between two elements of the selected
    /// array (see `crate::json::split`).
    pub resume_element: Option<bool>,
    /// parseFile: the file offset of the part's first byte, for offsets named in messages.
    pub origin: Option<f64>,
}

#[napi(object)]
pub struct NativeError {
    pub code: String,
    pub message: String,
    pub line: f64,
    pub column: f64,
    pub offset: f64,
}

impl From<&crate::Error> for NativeError {
    fn from(e: &crate::Error) -> Self {
        NativeError {
            code: e.code.as_str().to_string(),
            message: e.message.clone(),
            line: e.position.line as f64,
            column: e.position.column as f64,
            offset: e.position.offset as f64,
        }
    }
}

/// What a parser reports at the end of the input fed so far (see `crate::split`).
#[napi(object)]
pub struct NativeBoundary {
    pub offset: f64,
    pub line: f64,
    pub column: f64,
    pub between: bool,
    /// XML: the open path as checkpoint JSON text; empty otherwise.
    pub path: String,
    /// XML: where each open element's start tag is; -1 where the parser never saw it.
    pub opened: Vec<f64>,
    pub index: f64,
}

#[napi(object)]
pub struct NativeSkip {
    pub error: NativeError,
    pub record_index: f64,
}

#[napi(object)]
pub struct NativeStats {
    pub bytes: f64,
    pub records: f64,
    pub batches: f64,
    pub pool_hits: f64,
    pub pool_misses: f64,
}

/// Counters published after every run, so `stats()` never waits for a run in progress.
#[derive(Default)]
struct SharedStats([AtomicU64; 5]);

/// Locks a mutex even if a caught panic poisoned it: every guarded value stays consistent
/// (the parser marks itself failed), so the data is safe to use.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

struct Shared {
    parser: Mutex<Box<dyn Engine>>,
    /// Runs queued and not yet started, and whether a worker is draining them.
    runs: Mutex<Runs>,
    /// Finished batches with their record ends, oldest first, waiting for the main thread.
    ready: Mutex<VecDeque<(BytesMut, BatchMeta)>>,
    /// What went with the batch `take_batch` returned last.
    last_meta: Mutex<BatchMeta>,
    /// Skip reports, oldest first.
    skips: Mutex<VecDeque<(crate::Error, u64)>>,
    /// Buffers the main thread copies chunks into; batches come back here once read.
    buffers: Mutex<Pool>,
    stats: SharedStats,
    /// The engine was swapped for `Released`.
    released: AtomicBool,
    /// The file `push_from_file` reads, opened by `open_file`.
    file: Mutex<Option<Arc<File>>>,
    /// Why a read from the file failed: every later run fails alike, since the parser missed
    /// input.
    read_error: Mutex<Option<String>>,
}

/// Parsers not yet dropped: each goes once its JS object is collected and its last run has
/// ended. Read by the tests to catch leaks.
static LIVE_PARSERS: AtomicU64 = AtomicU64::new(0);
/// Parsers still holding their engine and its buffers: each lets go when its stream is
/// destroyed, without waiting for a collection.
static HELD_ENGINES: AtomicU64 = AtomicU64::new(0);

impl Shared {
    /// Counts the engine as let go, once.
    fn let_go(&self) {
        if !self.released.swap(true, Ordering::Relaxed) {
            HELD_ENGINES.fetch_sub(1, Ordering::Relaxed);
        }
    }
}

impl Drop for Shared {
    fn drop(&mut self) {
        self.let_go();
        LIVE_PARSERS.fetch_sub(1, Ordering::Relaxed);
    }
}

/// How many native parsers are alive, and how many of them still hold their buffers (for
/// leak tests).
#[napi(object)]
pub struct NativeCounts {
    pub live: f64,
    pub held: f64,
}

/// Run outcomes, mirrored in lib/stream.js.
const NEED_INPUT: u32 = 0;
const DONE: u32 = 2;
const FAILED: u32 = 3;
const PANICKED: u32 = 4;

/// One parser instance of any format; JS picks the format with a factory.
#[napi]
pub struct NativeParser {
    shared: Arc<Shared>,
}

fn limits(max_record_bytes: f64, max_depth: u32, batch_bytes: u32) -> Limits {
    Limits {
        max_record_bytes: max_record_bytes as usize,
        max_depth: max_depth as usize,
        batch_bytes: batch_bytes as usize,
        ..Limits::default()
    }
}

/// An open path from JS (`[{ name, ns: [[prefix, uri]] }]`) for the core.
pub(crate) fn ancestors(path: Vec<NativeAncestor>) -> Vec<Ancestor> {
    path.into_iter()
        .map(|a| Ancestor {
            name: a.name,
            ns: a
                .ns
                .into_iter()
                .map(|mut pair| {
                    let uri = pair.pop().unwrap_or_default();
                    let prefix = pair.pop().unwrap_or_default();
                    (prefix, uri)
                })
                .collect(),
        })
        .collect()
}

/// The core's XML options from the JS ones (shared with `binding_sync` and `binding_file`).
pub(crate) fn xml_options(o: NativeXmlOptions) -> XmlOptions {
    XmlOptions {
        select: o.select,
        tagged: o.tagged,
        ignore_attributes: o.ignore_attributes,
        attribute_name_prefix: o.attribute_name_prefix,
        text_node_name: o.text_node_name,
        trim_values: o.trim_values,
        remove_ns_prefix: o.remove_ns_prefix,
        parse_tag_value: o.parse_tag_value,
        parse_attribute_value: o.parse_attribute_value,
        cdata_prop_name: o.cdata_prop_name,
        always_array: o.always_array,
        namespaces: o.namespaces,
        skip_errors: o.skip_errors,
        resume: o.resume.map(|r| Resume {
            offset: r.offset as u64,
            encoding: r.encoding,
            path: ancestors(r.path),
        }),
        encoding_errors: match o.encoding_errors.as_str() {
            "replace" => EncodingErrors::Replace,
            _ => EncodingErrors::Fatal,
        },
        expand_internal_entities: o.expand_internal_entities,
        max_entity_expansion: o.max_entity_expansion as u64,
        limits: Limits {
            max_name_length: o.max_name_length as usize,
            max_attributes: o.max_attributes as usize,
            max_text_length: o.max_text_length as usize,
            ..limits(o.max_record_bytes, o.max_depth, o.batch_bytes)
        },
        utf8_lines: false,
    }
}

/// The core's JSON options from the JS ones (shared with the synchronous entry point).
pub(crate) fn json_options(o: NativeJsonOptions) -> JsonOptions {
    JsonOptions {
        select: o.select,
        tagged: o.tagged,
        format: match o.format.as_str() {
            "ndjson" => JsonFormat::Ndjson,
            "concatenated" => JsonFormat::Concatenated,
            _ => JsonFormat::Json,
        },
        skip_errors: o.skip_errors,
        limits: limits(o.max_record_bytes, o.max_depth, o.batch_bytes),
        resume_element: o.resume_element.unwrap_or(false),
        origin: o.origin.map_or(0, |o| o as u64),
    }
}

// JS turns every error of the constructor into ERR_SLUICE_INVALID_OPTION itself.
pub(crate) fn invalid_option(e: crate::Error) -> Error {
    Error::new(Status::InvalidArg, e.message)
}

#[napi]
impl NativeParser {
    fn wrap(engine: Box<dyn Engine>) -> Self {
        LIVE_PARSERS.fetch_add(1, Ordering::Relaxed);
        HELD_ENGINES.fetch_add(1, Ordering::Relaxed);
        NativeParser {
            shared: Arc::new(Shared {
                parser: Mutex::new(engine),
                runs: Mutex::new(Runs::default()),
                ready: Mutex::new(VecDeque::new()),
                last_meta: Mutex::new(BatchMeta::default()),
                skips: Mutex::new(VecDeque::new()),
                buffers: Mutex::new(Pool::new()),
                stats: SharedStats::default(),
                released: AtomicBool::new(false),
                file: Mutex::new(None),
                read_error: Mutex::new(None),
            }),
        }
    }

    fn queue<'env>(
        &self,
        env: &'env Env,
        chunk: Option<BytesMut>,
        finish: bool,
    ) -> Result<Object<'env>> {
        self.queue_run(env, chunk, finish, false)
    }

    fn queue_run<'env>(
        &self,
        env: &'env Env,
        chunk: Option<BytesMut>,
        finish: bool,
        release: bool,
    ) -> Result<Object<'env>> {
        self.queue_source(env, chunk.map(Source::Chunk), finish, release)
    }

    fn queue_source<'env>(
        &self,
        env: &'env Env,
        source: Option<Source>,
        finish: bool,
        release: bool,
    ) -> Result<Object<'env>> {
        let (settle, promise) = env.create_deferred()?;
        let run = Run {
            source,
            finish,
            release,
            settle,
        };
        let start = {
            let mut runs = lock(&self.shared.runs);
            runs.queued.push_back(run);
            !std::mem::replace(&mut runs.draining, true)
        };
        if start {
            let shared = Arc::clone(&self.shared);
            crate::workers::submit(move || drain(&shared));
        }
        Ok(promise)
    }

    fn copy_in(&self, chunks: &[&[u8]]) -> BytesMut {
        let total = chunks.iter().map(|c| c.len()).sum();
        let mut buf = lock(&self.shared.buffers).take(total);
        for c in chunks {
            buf.extend_from_slice(c);
        }
        buf
    }

    #[napi(factory)]
    pub fn xml(o: NativeXmlOptions) -> Result<Self> {
        let opts = xml_options(o);
        let parser = XmlParser::new(opts).map_err(invalid_option)?;
        Ok(Self::wrap(Box::new(parser)))
    }

    #[napi(factory)]
    pub fn json(o: NativeJsonOptions) -> Result<Self> {
        let opts = json_options(o);
        let parser = JsonParser::new(opts).map_err(invalid_option)?;
        Ok(Self::wrap(Box::new(parser)))
    }

    /// Queues a chunk; resolves with a run outcome once it is parsed.
    #[napi(ts_return_type = "Promise<number>")]
    pub fn push<'env>(&self, env: &'env Env, chunk: BufferSlice) -> Result<Object<'env>> {
        let buf = self.copy_in(&[&chunk]);
        self.queue(env, Some(buf), false)
    }

    /// Queues several chunks as one run.
    #[napi(ts_return_type = "Promise<number>")]
    pub fn push_many<'env>(
        &self,
        env: &'env Env,
        chunks: Vec<BufferSlice>,
    ) -> Result<Object<'env>> {
        let slices: Vec<&[u8]> = chunks.iter().map(|c| &c[..]).collect();
        let buf = self.copy_in(&slices);
        self.queue(env, Some(buf), false)
    }

    /// Opens the file `push_from_file` reads. parseFile reads here rather than through
    /// node's fs: the parse thread then reads each chunk itself, where a read on the main
    /// thread took a round trip through libuv's pool and a copy into the parser per chunk.
    #[napi]
    ///
    /// `id` is the `[dev, ino]` (decimal) of the file the caller planned from: each part
    /// opens the path anew, so a file replaced meanwhile (a log rotated, a download
    /// renamed over it) would otherwise feed some parts from the new file and some from the
    /// old, with nothing to tell.
    pub fn open_file(&self, path: String, id: Option<Vec<String>>) -> Result<()> {
        let file = File::open(&path)
            .map_err(|e| Error::from_reason(format!("sluice: cannot open {path}: {e}")))?;
        if let Some(id) = id {
            same_file(&file, &id).map_err(|why| {
                Error::from_reason(format!(
                    "sluice: {path} was replaced while it was read ({why})"
                ))
            })?;
        }
        *lock(&self.shared.file) = Some(Arc::new(file));
        Ok(())
    }

    /// Queues the `length` bytes at `offset` of the opened file, read on the parse thread;
    /// resolves with a run outcome once they are parsed, rejects if they cannot all be read.
    #[napi(ts_return_type = "Promise<number>")]
    pub fn push_from_file<'env>(
        &self,
        env: &'env Env,
        offset: f64,
        length: u32,
    ) -> Result<Object<'env>> {
        let Some(file) = lock(&self.shared.file).clone() else {
            return Err(Error::from_reason(
                "sluice: push_from_file before open_file",
            ));
        };
        let range = FileRange {
            file,
            offset: offset as u64,
            length: length as usize,
        };
        self.queue_source(env, Some(Source::File(range)), false, false)
    }

    /// Ends the input; resolves after every earlier run.
    #[napi(ts_return_type = "Promise<number>")]
    pub fn finish<'env>(&self, env: &'env Env) -> Result<Object<'env>> {
        self.queue(env, None, true)
    }

    /// Parsers alive and parsers holding buffers, process-wide (for leak tests).
    #[napi]
    pub fn counts() -> NativeCounts {
        NativeCounts {
            live: LIVE_PARSERS.load(Ordering::Relaxed) as f64,
            held: HELD_ENGINES.load(Ordering::Relaxed) as f64,
        }
    }

    /// Frees the parser's buffers once every earlier run is over (the stream was destroyed).
    /// Without it they would wait for the JS object to be collected, and V8, which does not
    /// see native memory, may let thousands of dead streams pile up first.
    #[napi(ts_return_type = "Promise<number>")]
    pub fn dispose<'env>(&self, env: &'env Env) -> Result<Object<'env>> {
        self.queue_run(env, None, false, true)
    }

    /// The oldest finished batch as JSON array text (ASCII), or null.
    #[napi]
    pub fn take_batch<'env>(&self, env: &'env Env) -> Result<Option<JsString<'env>>> {
        let Some((batch, meta)) = lock(&self.shared.ready).pop_front() else {
            return Ok(None);
        };
        *lock(&self.shared.last_meta) = meta;
        let s = env.create_string_latin1(&batch[..]);
        lock(&self.shared.buffers).give(batch);
        s.map(Some)
    }

    /// Finished batches waiting for `take_batch`: lets JavaScript count them without turning
    /// them into strings before it needs them.
    #[napi]
    pub fn ready_batches(&self) -> u32 {
        lock(&self.shared.ready).len() as u32
    }

    /// Record end offsets of the batch `take_batch` returned last, and the open paths.
    #[napi]
    pub fn take_batch_meta(&self) -> NativeBatchMeta {
        let meta = std::mem::take(&mut *lock(&self.shared.last_meta));
        NativeBatchMeta {
            ends: meta.ends.into_iter().map(|e| e as f64).collect(),
            contexts: meta
                .contexts
                .into_iter()
                .map(|(index, json)| NativeContext { index, json })
                .collect(),
            encoding: meta.encoding.to_string(),
        }
    }

    /// Only asked after a run reported failure, when no run holds the parser for long.
    #[napi]
    pub fn take_error(&self) -> Option<NativeError> {
        lock(&self.shared.parser).error().map(NativeError::from)
    }

    /// The state at the end of the input fed so far, for splitting one input into parts.
    /// Only asked between runs (after every queued run has settled), so the lock is free.
    #[napi]
    pub fn boundary(&self) -> Option<NativeBoundary> {
        lock(&self.shared.parser)
            .boundary()
            .map(|b| NativeBoundary {
                offset: b.offset as f64,
                line: b.line as f64,
                column: b.column as f64,
                between: b.between,
                path: b.path,
                opened: b
                    .opened
                    .iter()
                    .map(|&o| if o == u64::MAX { -1.0 } else { o as f64 })
                    .collect(),
                index: b.index as f64,
            })
    }

    /// Records dropped by skip-and-continue since the last call, oldest first.
    #[napi]
    pub fn take_skips(&self) -> Vec<NativeSkip> {
        lock(&self.shared.skips)
            .drain(..)
            .map(|(e, record_index)| NativeSkip {
                error: NativeError::from(&e),
                record_index: record_index as f64,
            })
            .collect()
    }

    #[napi]
    pub fn stats(&self) -> NativeStats {
        let s = &self.shared.stats.0;
        let get = |i: usize| s[i].load(Ordering::Relaxed) as f64;
        NativeStats {
            bytes: get(0),
            records: get(1),
            batches: get(2),
            pool_hits: get(3),
            pool_misses: get(4),
        }
    }
}

/// Where a run's input comes from.
enum Source {
    /// Copied in by the main thread.
    Chunk(BytesMut),
    /// Read by the parse thread.
    File(FileRange),
}

struct FileRange {
    file: Arc<File>,
    offset: u64,
    length: usize,
}

/// Whether `file` is the one whose `[dev, ino]` is `id`; the reason if not.
#[cfg(unix)]
fn same_file(file: &File, id: &[String]) -> std::result::Result<(), String> {
    use std::os::unix::fs::MetadataExt;
    let m = file.metadata().map_err(|e| e.to_string())?;
    let now = [m.dev().to_string(), m.ino().to_string()];
    if id == now {
        Ok(())
    } else {
        Err(format!("device and inode {id:?}, now {now:?}"))
    }
}

/// Windows' file index is not in stable Rust's std: only the path is trusted there.
#[cfg(not(unix))]
fn same_file(_: &File, _: &[String]) -> std::result::Result<(), String> {
    Ok(())
}

/// Reads a run's file range into a buffer of the parser's pool.
fn read_range(shared: &Shared, range: &FileRange) -> std::result::Result<BytesMut, String> {
    if let Some(e) = lock(&shared.read_error).as_ref() {
        return Err(e.clone());
    }
    let mut buf = lock(&shared.buffers).take(range.length);
    buf.resize(range.length, 0);
    let failed = match crate::cut::read_full(&range.file, &mut buf, range.offset) {
        Ok(n) if n == range.length => return Ok(buf),
        Ok(_) => "sluice: the file is shorter than when it was planned".to_string(),
        Err(e) => format!("sluice: cannot read the file at byte {}: {e}", range.offset),
    };
    lock(&shared.buffers).give(buf);
    *lock(&shared.read_error) = Some(failed.clone());
    Err(failed)
}

/// Settles a run's promise with its outcome, from whichever thread ran it.
type Settle = JsDeferred<u32, Box<dyn FnOnce(Env) -> Result<u32>>>;

/// One queued call: a chunk to parse, the end of input, or letting go of everything.
struct Run {
    source: Option<Source>,
    finish: bool,
    release: bool,
    settle: Settle,
}

#[derive(Default)]
struct Runs {
    queued: VecDeque<Run>,
    /// A worker is running this parser's queue: new runs join it instead of starting another,
    /// so they go one at a time and in order.
    draining: bool,
}

/// Runs the parser's queued runs in order until none is left, settling each one's promise.
fn drain(shared: &Shared) {
    loop {
        let run = {
            let mut runs = lock(&shared.runs);
            match runs.queued.pop_front() {
                Some(run) => run,
                None => {
                    runs.draining = false;
                    return;
                }
            }
        };
        let Run {
            source,
            finish,
            release,
            settle,
        } = run;
        let chunk = match source {
            Some(Source::File(range)) if !release => match read_range(shared, &range) {
                Ok(buf) => Some(buf),
                Err(message) => {
                    settle.reject(Error::from_reason(message));
                    continue;
                }
            },
            Some(Source::File(_)) => None,
            Some(Source::Chunk(buf)) => Some(buf),
            None => None,
        };
        // A panic must never unwind into Node; it becomes an ERR_SLUICE_INTERNAL error.
        let outcome = catch_unwind(AssertUnwindSafe(|| parse(shared, chunk, finish, release)))
            .unwrap_or(PANICKED);
        settle.resolve(Box::new(move |_| Ok(outcome)));
    }
}

/// What a parser becomes once released: it holds nothing and does nothing.
struct Released {
    pool: Pool,
}

impl Engine for Released {
    fn feed_owned(&mut self, _chunk: BytesMut) {}
    fn run(&mut self) -> std::result::Result<RunStatus, crate::Error> {
        Ok(RunStatus::NeedInput)
    }
    fn finish(&mut self) -> std::result::Result<RunStatus, crate::Error> {
        Ok(RunStatus::NeedInput)
    }
    fn take_batch(&mut self) -> Option<BytesMut> {
        None
    }
    fn recycle(&mut self, _buf: BytesMut) {}
    fn error(&self) -> Option<&crate::Error> {
        None
    }
    fn stats(&self) -> crate::Stats {
        crate::Stats::default()
    }
    fn pool(&mut self) -> &mut Pool {
        &mut self.pool
    }
    fn layout(&self) -> crate::engine::Layout {
        crate::engine::Layout::Array
    }
}

/// One run on the parser: parse what the chunk completes (or finish, or let go), and hand
/// the finished batches over.
fn parse(shared: &Shared, chunk: Option<BytesMut>, finish: bool, release: bool) -> u32 {
    let mut parser = lock(&shared.parser);
    if release {
        *parser = Box::new(Released { pool: Pool::new() });
        lock(&shared.ready).clear();
        lock(&shared.skips).clear();
        *lock(&shared.buffers) = Pool::new();
        shared.let_go();
        return DONE;
    }
    // Chunk buffers the main thread no longer needs go back to the parser's own pool.
    if let Some(c) = chunk {
        parser.feed_owned(c);
    }
    let outcome = loop {
        let status = if finish {
            parser.finish()
        } else {
            parser.run()
        };
        {
            let mut ready = lock(&shared.ready);
            while let Some(b) = parser.take_batch() {
                ready.push_back((b, parser.take_batch_meta()));
            }
        }
        match status {
            Ok(RunStatus::BatchReady) => continue,
            Ok(RunStatus::NeedInput) => break NEED_INPUT,
            Ok(RunStatus::Done) => break DONE,
            Err(_) => break FAILED,
        }
    };
    lock(&shared.skips).extend(parser.take_skips());
    let st = parser.stats();
    let mut main_pool = lock(&shared.buffers);
    Pool::balance(&mut main_pool, parser.pool());
    for (slot, v) in shared.stats.0.iter().zip([
        st.bytes,
        st.records,
        st.batches,
        st.pool_hits + main_pool.hits(),
        st.pool_misses + main_pool.misses(),
    ]) {
        slot.store(v, Ordering::Relaxed);
    }
    outcome
}
