//! The command's fast path as seen from Node: a whole file converted to NDJSON (or a JSON
//! array) on a thread of its own, with counters JavaScript polls for the progress bar and a
//! promise that settles with the outcome. No JavaScript object is made per record.
//!
//! A plain thread per conversion rather than sluice's worker pool: a conversion holds its
//! thread for the whole file, and the pool's few threads must stay free for the streams.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use napi::bindgen_prelude::*;
use napi::{Env, JsDeferred};
use napi_derive::napi;

use crate::binding::{
    invalid_option, json_options, xml_options, NativeAncestor, NativeError, NativeJsonOptions,
    NativeSkip, NativeXmlOptions,
};
use crate::convert::{convert, ConvertError, OutputFormat, Progress, Summary};
use crate::convert_parts::{convert_parts, Part};
use crate::{Engine, JsonFormat, JsonOptions, JsonParser, XmlOptions, XmlParser};

#[napi(object)]
pub struct NativeConvertProgress {
    pub bytes: f64,
    pub records: f64,
    pub skipped: f64,
}

/// An I/O failure: `during` is `open`, `read`, `create` or `write`.
#[napi(object)]
pub struct NativeIoError {
    pub during: String,
    pub message: String,
    /// The OS error number, when there is one (JS maps it to a name such as `EIO`).
    pub errno: Option<i32>,
}

#[napi(object)]
pub struct NativeConvertResult {
    pub ok: bool,
    pub cancelled: bool,
    /// The input is malformed (positioned).
    pub error: Option<NativeError>,
    pub io_error: Option<NativeIoError>,
    /// A bug in sluice, never the input's fault.
    pub internal: Option<String>,
    pub records: f64,
    pub bytes: f64,
    pub skipped: f64,
    pub skips: Vec<NativeSkip>,
    /// The parts the file was read in (1 when it was not cut); 0 when the run failed.
    pub parts: f64,
}

struct State {
    progress: Progress,
    cancel: AtomicBool,
    /// The parser until `run` takes it: a converter runs once.
    engine: Mutex<Option<Box<dyn Engine>>>,
    /// The options each part's parser is made with (`runSplit`).
    options: Options,
}

enum Options {
    Xml(XmlOptions),
    Json(JsonOptions),
}

impl State {
    fn new(engine: Box<dyn Engine>, options: Options) -> Self {
        State {
            progress: Progress::default(),
            cancel: AtomicBool::new(false),
            engine: Mutex::new(Some(engine)),
            options,
        }
    }

    /// Whether the records come from the JSON engine (reparsed for the output).
    fn json(&self) -> bool {
        matches!(self.options, Options::Json(_))
    }
}

/// One file's conversion.
#[napi]
pub struct NativeFileConvert {
    state: Arc<State>,
}

/// A promise of what `work` gives, run on a thread of its own named `name`. A panic must
/// never unwind into Node: it resolves the promise with `on_panic()` instead.
fn on_thread<'env, T: ToNapiValue + Send + 'static>(
    env: &'env Env,
    name: &str,
    work: impl FnOnce() -> T + Send + 'static,
    on_panic: impl FnOnce() -> T + Send + 'static,
) -> Result<Object<'env>> {
    type Settle<T> = JsDeferred<T, Box<dyn FnOnce(Env) -> Result<T>>>;
    let (settle, promise): (Settle<T>, Object<'env>) = env.create_deferred()?;
    std::thread::Builder::new()
        .name(name.into())
        .spawn(move || {
            let value = std::panic::catch_unwind(std::panic::AssertUnwindSafe(work))
                .unwrap_or_else(|_| on_panic());
            settle.resolve(Box::new(move |_| Ok(value)));
        })
        .map_err(|e| Error::from_reason(format!("cannot start a thread: {e}")))?;
    Ok(promise)
}

fn io_error(during: &str, e: &io::Error) -> NativeIoError {
    NativeIoError {
        during: during.to_string(),
        message: e.to_string(),
        errno: e.raw_os_error(),
    }
}

/// Writes to stdout, waiting out EAGAIN: Node may have made the descriptor non-blocking.
/// On Unix a duplicate of the descriptor, so that no line buffering sits in between.
#[cfg(unix)]
struct Stdout(File);

#[cfg(unix)]
fn stdout() -> io::Result<Stdout> {
    use std::os::fd::AsFd;
    Ok(Stdout(File::from(
        io::stdout().as_fd().try_clone_to_owned()?,
    )))
}

#[cfg(not(unix))]
struct Stdout(io::Stdout);

#[cfg(not(unix))]
fn stdout() -> io::Result<Stdout> {
    Ok(Stdout(io::stdout()))
}

impl Write for Stdout {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        loop {
            match self.0.write(buf) {
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    std::thread::sleep(Duration::from_millis(1))
                }
                other => return other,
            }
        }
    }
    fn flush(&mut self) -> io::Result<()> {
        loop {
            match self.0.flush() {
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    std::thread::sleep(Duration::from_millis(1))
                }
                other => return other,
            }
        }
    }
}

fn outcome(
    state: &State,
    result: std::result::Result<Summary, ConvertError>,
) -> NativeConvertResult {
    let p = &state.progress;
    let mut r = NativeConvertResult {
        ok: false,
        cancelled: false,
        error: None,
        io_error: None,
        internal: None,
        records: p.records.load(Ordering::Relaxed) as f64,
        bytes: p.bytes_read.load(Ordering::Relaxed) as f64,
        skipped: p.skipped.load(Ordering::Relaxed) as f64,
        skips: Vec::new(),
        parts: 0.0,
    };
    match result {
        Ok(s) => {
            r.ok = true;
            r.parts = s.parts as f64;
            r.records = s.records as f64;
            r.bytes = s.bytes as f64;
            r.skipped = s.skipped as f64;
            r.skips = skip_reports(&s.skips);
        }
        Err(ConvertError::Parse(e)) => {
            r.error = Some(NativeError::from(&e));
            // The records skipped before the error are reported too.
            if let Ok(mut kept) = p.skips_before_error.lock() {
                r.skips = skip_reports(&std::mem::take(&mut *kept));
            }
        }
        Err(ConvertError::Read(e)) => r.io_error = Some(io_error("read", &e)),
        Err(ConvertError::Write(e)) => r.io_error = Some(io_error("write", &e)),
        Err(ConvertError::Cancelled) => r.cancelled = true,
        Err(ConvertError::Internal(m)) => r.internal = Some(m.to_string()),
    }
    r
}

fn skip_reports(skips: &[(crate::Error, u64)]) -> Vec<NativeSkip> {
    skips
        .iter()
        .map(|(e, i)| NativeSkip {
            error: NativeError::from(e),
            record_index: *i as f64,
        })
        .collect()
}

/// Opening the input or creating the output failed: nothing was converted.
fn failed_io(state: &State, during: &str, e: &io::Error) -> NativeConvertResult {
    let mut r = outcome(state, Ok(Summary::default()));
    r.ok = false;
    r.io_error = Some(io_error(during, e));
    r
}

/// What failed to open (the step, for the message) and why.
type OpenError = (&'static str, io::Error);
type Output = Box<dyn Write + Send>;

/// The output: the file `output` (created or truncated), or stdout.
fn open_output(output: Option<&str>) -> std::result::Result<Output, OpenError> {
    // Boxed: the buffer calls through it only when a megabyte is full.
    Ok(match output {
        Some(path) => Box::new(File::create(path).map_err(|e| ("create", e))?),
        None => Box::new(stdout().map_err(|e| ("write", e))?),
    })
}

/// The input file, then the output (in that order, so a missing input creates no output).
fn open_files(input: &str, output: Option<&str>) -> std::result::Result<(File, Output), OpenError> {
    let file = File::open(input).map_err(|e| ("open", e))?;
    Ok((file, open_output(output)?))
}

/// The converter's engine (it runs once) and its open files.
struct Started {
    engine: Box<dyn Engine>,
    file: File,
    out: BufWriter<Output>,
}

/// Takes the engine and opens the files, or gives the result that says why not (boxed: it is
/// large, and only the rare failure carries it).
fn start(
    state: &State,
    input: &str,
    output: Option<&str>,
) -> std::result::Result<Started, Box<NativeConvertResult>> {
    let Some(engine) = state.engine.lock().ok().and_then(|mut e| e.take()) else {
        return Err(Box::new(outcome(
            state,
            Err(ConvertError::Internal("a converter runs once")),
        )));
    };
    let (file, out) =
        open_files(input, output).map_err(|(during, e)| Box::new(failed_io(state, during, &e)))?;
    Ok(Started {
        engine,
        file,
        out: BufWriter::with_capacity(1 << 20, out),
    })
}

/// The whole file through `engine` on one thread (with the writing on another, as always).
fn run_whole(state: &State, started: Started, format: OutputFormat) -> NativeConvertResult {
    let Started {
        mut engine,
        file,
        out,
    } = started;
    let result = convert(
        engine.as_mut(),
        file,
        out,
        format,
        &state.progress,
        &state.cancel,
    );
    outcome(state, result)
}

fn run_file(
    state: &State,
    input: &str,
    output: Option<&str>,
    format: OutputFormat,
) -> NativeConvertResult {
    match start(state, input, output) {
        Ok(started) => run_whole(state, started, format),
        Err(result) => *result,
    }
}

/// The file on `threads` threads, cut natively (`crate::cut`) while its first part starts;
/// a file too small to cut runs as `run_file` does.
fn run_file_split(
    state: &State,
    input: &str,
    output: Option<&str>,
    format: OutputFormat,
    names: Option<&[String]>,
    part_bytes: u64,
    threads: usize,
) -> NativeConvertResult {
    let started = match start(state, input, output) {
        Ok(started) => started,
        Err(result) => return *result,
    };
    let size = match started.file.metadata() {
        Ok(m) => m.len(),
        Err(e) => return failed_io(state, "read", &e),
    };
    // A JSON document is cut only between the elements of the array one selector names
    // (`$.items[*]`); other selections, concatenated values and small files: one thread.
    let element_keys = match &state.options {
        Options::Json(o) if o.format == JsonFormat::Json => {
            crate::json::candidates::element_keys(&o.select)
        }
        _ => None,
    };
    let one_document = matches!(&state.options, Options::Json(o) if o.format != JsonFormat::Ndjson)
        && element_keys.is_none();
    if one_document || size < part_bytes.saturating_mul(2) {
        return run_whole(state, started, format);
    }
    // Parts make their own engines; the converter's own was taken only so that it runs once.
    let Started { file, out, .. } = started;
    let make = |p: &Part| -> std::result::Result<Box<dyn Engine>, crate::Error> {
        Ok(match &state.options {
            Options::Xml(o) => Box::new(XmlParser::new(p.xml_options(o))?),
            // An NDJSON part starts at a line start, where a fresh parser is right; a JSON
            // document's part after the first between two elements of the selected array.
            Options::Json(o) => Box::new(JsonParser::new(JsonOptions {
                resume_element: o.format == JsonFormat::Json && p.guess.is_some(),
                origin: p.start,
                ..o.clone()
            })?),
        })
    };
    let plan = || {
        match (&state.options, &element_keys) {
            (Options::Xml(_), _) => crate::cut::plan_xml(&file, names, part_bytes),
            (Options::Json(o), _) if o.format == JsonFormat::Ndjson => {
                crate::cut::plan_ndjson(&file, part_bytes)
            }
            (Options::Json(_), Some(keys)) => crate::cut::plan_json(&file, keys, part_bytes),
            (Options::Json(_), None) => Err(io::Error::other("a JSON document is not cut")),
        }
        .map_err(ConvertError::Read)
    };
    let result = convert_parts(
        &make,
        &file,
        Box::new(plan),
        part_bytes,
        threads,
        out,
        format,
        state.json(),
        &state.progress,
        &state.cancel,
    );
    outcome(state, result)
}

#[napi]
impl NativeFileConvert {
    /// A converter for one XML file with these (validated) options.
    #[napi(factory)]
    pub fn xml(o: NativeXmlOptions) -> Result<Self> {
        // Records go to a file, not to JSON.parse: written as lines as the output holds them.
        let options = XmlOptions {
            utf8_lines: true,
            ..xml_options(o)
        };
        let parser = XmlParser::new(options.clone()).map_err(invalid_option)?;
        Ok(NativeFileConvert {
            state: Arc::new(State::new(Box::new(parser), Options::Xml(options))),
        })
    }

    /// A converter for one JSON or NDJSON file with these (validated) options: the records
    /// are written as `JSON.stringify` writes what `JSON.parse` makes of them.
    #[napi(factory)]
    pub fn json(o: NativeJsonOptions) -> Result<Self> {
        let options = json_options(o);
        let parser = JsonParser::new(options.clone()).map_err(invalid_option)?;
        Ok(NativeFileConvert {
            state: Arc::new(State::new(Box::new(parser), Options::Json(options))),
        })
    }

    /// Converts `input` into the file `output` (created or truncated), or into stdout when
    /// `output` is null; `array` writes one JSON array instead of NDJSON. Resolves when done.
    #[napi(ts_return_type = "Promise<NativeConvertResult>")]
    pub fn run<'env>(
        &self,
        env: &'env Env,
        input: String,
        output: Option<String>,
        array: bool,
    ) -> Result<Object<'env>> {
        self.spawn(
            env,
            move |state, format| run_file(state, &input, output.as_deref(), format),
            array,
        )
    }

    /// As `run`, on `threads` threads, the file cut into parts of about `partBytes`: XML at
    /// start tags with one of `names` as their local name (any when null), NDJSON at line
    /// starts, a JSON document between the elements of the array its one selector names
    /// (other JSON selections are not cut). The same bytes, skips and first error as `run`.
    #[napi(ts_return_type = "Promise<NativeConvertResult>")]
    #[allow(clippy::too_many_arguments)]
    pub fn run_split<'env>(
        &self,
        env: &'env Env,
        input: String,
        output: Option<String>,
        array: bool,
        names: Option<Vec<String>>,
        part_bytes: f64,
        threads: u32,
    ) -> Result<Object<'env>> {
        self.spawn(
            env,
            move |state, format| {
                run_file_split(
                    state,
                    &input,
                    output.as_deref(),
                    format,
                    names.as_deref(),
                    part_bytes as u64,
                    threads as usize,
                )
            },
            array,
        )
    }

    fn spawn<'env>(
        &self,
        env: &'env Env,
        job: impl FnOnce(&State, OutputFormat) -> NativeConvertResult + Send + 'static,
        array: bool,
    ) -> Result<Object<'env>> {
        let state = Arc::clone(&self.state);
        let failed = Arc::clone(&self.state);
        let format = if array {
            OutputFormat::JsonArray
        } else {
            OutputFormat::Ndjson
        };
        on_thread(
            env,
            "sluice-convert",
            move || job(&state, format),
            move || {
                outcome(
                    &failed,
                    Err(ConvertError::Internal("a panic in the converter")),
                )
            },
        )
    }

    /// Counters so far (bytes read, records, records skipped).
    #[napi]
    pub fn progress(&self) -> NativeConvertProgress {
        let p = &self.state.progress;
        NativeConvertProgress {
            bytes: p.bytes_read.load(Ordering::Relaxed) as f64,
            records: p.records.load(Ordering::Relaxed) as f64,
            skipped: p.skipped.load(Ordering::Relaxed) as f64,
        }
    }

    /// Stops the conversion at the next chunk; the promise then resolves with `cancelled`.
    #[napi]
    pub fn cancel(&self) {
        self.state.cancel.store(true, Ordering::Relaxed);
    }
}

/// lib/split/plan.js's guess at the elements open where records are: the path at the first
/// start tag at or after `start` whose local name is one of `names` (any when null), read on
/// a thread of its own within `budget` bytes (see `crate::guess`). Null when there is none.
#[napi(ts_return_type = "Promise<Array<NativeAncestor> | null>")]
#[cfg_attr(test, allow(dead_code))]
pub fn guess_open_path<'env>(
    env: &'env Env,
    file: String,
    start: f64,
    names: Option<Vec<String>>,
    budget: f64,
) -> Result<Object<'env>> {
    on_thread(
        env,
        "sluice-guess",
        move || {
            guess_in(&file, start as u64, names, budget as u64).map(|path| {
                path.into_iter()
                    .map(|a| NativeAncestor {
                        name: a.name,
                        ns: a.ns.into_iter().map(|(p, u)| vec![p, u]).collect(),
                    })
                    .collect::<Vec<_>>()
            })
        },
        || None,
    )
}

#[cfg_attr(test, allow(dead_code))]
fn guess_in(
    file: &str,
    start: u64,
    names: Option<Vec<String>>,
    budget: u64,
) -> Option<Vec<crate::xml::Ancestor>> {
    use std::io::{Read, Seek, SeekFrom};
    let mut f = File::open(file).ok()?;
    f.seek(SeekFrom::Start(start)).ok()?;
    let mut guess = crate::guess::PathGuess::new(names);
    let mut buf = vec![0u8; 256 * 1024];
    let mut read = 0u64;
    while read < budget {
        let n = f.read(&mut buf).ok()?;
        if n == 0 || guess.feed(&buf[..n]) {
            break;
        }
        read += n as u64;
    }
    guess.finish()
}

/// A JSON document's cuts for lib/split/plan.js.
#[napi(object)]
pub struct NativeJsonCuts {
    /// The keys of the objects around the array, root first: the parts' guessed state.
    pub keys: Vec<String>,
    /// Where parts after the first start.
    pub cuts: Vec<f64>,
}

/// lib/split/plan.js's cuts of one JSON document: offsets about `partBytes` apart between two
/// elements of the array `select` names (see `crate::json::candidates`), found on a thread of
/// their own. Null when `select` is not one selector of such an array or the file cannot be
/// read (the document is then one part).
#[napi(ts_return_type = "Promise<NativeJsonCuts | null>")]
#[cfg_attr(test, allow(dead_code))]
pub fn json_cuts<'env>(
    env: &'env Env,
    file: String,
    select: Vec<String>,
    part_bytes: f64,
) -> Result<Object<'env>> {
    on_thread(
        env,
        "sluice-cuts",
        move || {
            let keys = crate::json::candidates::element_keys(&select)?;
            let f = File::open(&file).ok()?;
            let cuts = crate::cut::json_cuts(&f, &keys, part_bytes as u64).ok()?;
            Some(NativeJsonCuts {
                keys: keys
                    .iter()
                    .map(|k| String::from_utf8_lossy(k).into_owned())
                    .collect(),
                cuts: cuts.into_iter().map(|o| o as f64).collect(),
            })
        },
        || None,
    )
}
