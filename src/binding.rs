//! The Node binding: moves chunks in and JSON batches out, nothing else. Parsing runs in
//! `compute`, on libuv's worker pool; the main thread only copies the chunk into a pooled
//! buffer and turns a finished batch into a one-byte JS string.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use bytes::BytesMut;
use napi::bindgen_prelude::*;
use napi::{Env, JsString, Task};
use napi_derive::napi;

use crate::xml::Status as RunStatus;
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
    pub max_record_bytes: f64,
    pub max_depth: u32,
    pub batch_bytes: u32,
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

struct Shared {
    parser: Mutex<Box<dyn Engine>>,
    stats: SharedStats,
}

impl Shared {
    /// A panic inside the parser leaves the lock poisoned; the parser is then marked failed
    /// by the caller, so taking the guard anyway is safe.
    fn lock(&self) -> MutexGuard<'_, Box<dyn Engine>> {
        self.parser.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Run outcomes, mirrored in lib/stream.js.
const NEED_INPUT: u32 = 0;
const BATCH_READY: u32 = 1;
const DONE: u32 = 2;
const FAILED: u32 = 3;
const PANICKED: u32 = 4;

/// One parser instance of any format; JS picks the format with a factory.
#[napi]
pub struct NativeParser {
    shared: Arc<Shared>,
}

fn invalid_option(e: crate::Error) -> Error {
    Error::new(
        Status::InvalidArg,
        format!("{} [{}]", e.message, e.code.as_str()),
    )
}

#[napi]
impl NativeParser {
    fn wrap(engine: Box<dyn Engine>) -> Self {
        NativeParser {
            shared: Arc::new(Shared {
                parser: Mutex::new(engine),
                stats: SharedStats::default(),
            }),
        }
    }

    #[napi(factory)]
    pub fn xml(o: NativeXmlOptions) -> Result<Self> {
        let opts = XmlOptions {
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
            limits: Limits {
                max_record_bytes: o.max_record_bytes as usize,
                max_depth: o.max_depth as usize,
                batch_bytes: o.batch_bytes as usize,
            },
        };
        let parser = XmlParser::new(opts).map_err(invalid_option)?;
        Ok(Self::wrap(Box::new(parser)))
    }

    #[napi(factory)]
    pub fn json(o: NativeJsonOptions) -> Result<Self> {
        let opts = JsonOptions {
            select: o.select,
            tagged: o.tagged,
            format: match o.format.as_str() {
                "ndjson" => JsonFormat::Ndjson,
                "concatenated" => JsonFormat::Concatenated,
                _ => JsonFormat::Json,
            },
            skip_errors: o.skip_errors,
            limits: Limits {
                max_record_bytes: o.max_record_bytes as usize,
                max_depth: o.max_depth as usize,
                batch_bytes: o.batch_bytes as usize,
            },
        };
        let parser = JsonParser::new(opts).map_err(invalid_option)?;
        Ok(Self::wrap(Box::new(parser)))
    }

    /// Queues a chunk; resolves with a run outcome once it is parsed.
    #[napi(ts_return_type = "Promise<number>")]
    pub fn push(&self, chunk: BufferSlice) -> AsyncTask<Run> {
        let mut buf: BytesMut = self.shared.lock().buffer(chunk.len());
        buf.extend_from_slice(&chunk);
        AsyncTask::new(Run::new(&self.shared, Some(buf), false))
    }

    /// Queues several chunks as one run: fewer trips through the worker pool when the
    /// writable side has buffered input while the previous run was busy.
    #[napi(ts_return_type = "Promise<number>")]
    pub fn push_many(&self, chunks: Vec<BufferSlice>) -> AsyncTask<Run> {
        let total = chunks.iter().map(|c| c.len()).sum();
        let mut buf: BytesMut = self.shared.lock().buffer(total);
        for c in &chunks {
            buf.extend_from_slice(c);
        }
        AsyncTask::new(Run::new(&self.shared, Some(buf), false))
    }

    /// Continues after a full batch without new input.
    #[napi(ts_return_type = "Promise<number>")]
    pub fn resume(&self) -> AsyncTask<Run> {
        AsyncTask::new(Run::new(&self.shared, None, false))
    }

    /// Ends the input.
    #[napi(ts_return_type = "Promise<number>")]
    pub fn finish(&self) -> AsyncTask<Run> {
        AsyncTask::new(Run::new(&self.shared, None, true))
    }

    /// The finished records as JSON array text (ASCII), or null.
    #[napi]
    pub fn take_batch<'env>(&self, env: &'env Env) -> Result<Option<JsString<'env>>> {
        let mut parser = self.shared.lock();
        let Some(batch) = parser.take_batch() else {
            return Ok(None);
        };
        let s = env.create_string_latin1(&batch[..]);
        parser.recycle(batch);
        s.map(Some)
    }

    #[napi]
    pub fn take_error(&self) -> Option<NativeError> {
        self.shared.lock().error().map(NativeError::from)
    }

    /// Records dropped by skip-and-continue since the last call, oldest first.
    #[napi]
    pub fn take_skips(&self) -> Vec<NativeSkip> {
        self.shared
            .lock()
            .take_skips()
            .into_iter()
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

pub struct Run {
    shared: Arc<Shared>,
    chunk: Option<BytesMut>,
    finish: bool,
}

impl Run {
    fn new(shared: &Arc<Shared>, chunk: Option<BytesMut>, finish: bool) -> Self {
        Run {
            shared: Arc::clone(shared),
            chunk,
            finish,
        }
    }
}

impl Task for Run {
    type Output = u32;
    type JsValue = u32;

    fn compute(&mut self) -> Result<u32> {
        let shared = &self.shared;
        let chunk = self.chunk.take();
        let finish = self.finish;
        // A panic must never unwind into Node; it becomes an ERR_SLUICE_INTERNAL error.
        let outcome = catch_unwind(AssertUnwindSafe(|| {
            let mut parser = shared.lock();
            if let Some(c) = chunk {
                parser.feed_owned(c);
            }
            let status = if finish {
                parser.finish()
            } else {
                parser.run()
            };
            let st = parser.stats();
            for (slot, v) in shared.stats.0.iter().zip([
                st.bytes,
                st.records,
                st.batches,
                st.pool_hits,
                st.pool_misses,
            ]) {
                slot.store(v, Ordering::Relaxed);
            }
            match status {
                Ok(RunStatus::NeedInput) => NEED_INPUT,
                Ok(RunStatus::BatchReady) => BATCH_READY,
                Ok(RunStatus::Done) => DONE,
                Err(_) => FAILED,
            }
        }));
        Ok(outcome.unwrap_or(PANICKED))
    }

    fn resolve(&mut self, _env: Env, output: u32) -> Result<u32> {
        Ok(output)
    }
}
