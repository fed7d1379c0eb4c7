//! The synchronous entry point: a whole document parsed on the calling thread, for inputs so
//! small that handing them to a worker would cost more than parsing them (lib/parse.js, the
//! HTTP middleware's small bodies). Same engines and options as `binding.rs`, no queue, no
//! promise: one call in, every record out as one JSON array text.

use std::panic::{catch_unwind, AssertUnwindSafe};

use bytes::BytesMut;
use napi::bindgen_prelude::*;
use napi::{Env, JsString};
use napi_derive::napi;

use crate::binding::{
    invalid_option, json_options, xml_options, NativeError, NativeJsonOptions, NativeSkip,
    NativeXmlOptions,
};
use crate::engine::Status as RunStatus;
use crate::{Engine, JsonParser, XmlParser};

/// What a synchronous parse found: the records that ended before any error, the error, and
/// what skip-and-continue dropped.
#[napi(object)]
pub struct NativeParsed<'env> {
    /// One JSON array (ASCII) holding every record, in order.
    pub records: JsString<'env>,
    pub error: Option<NativeError>,
    pub skips: Vec<NativeSkip>,
    /// The engine panicked (a bug): `error` is then empty.
    pub panicked: bool,
}

/// Parses `input` as one whole XML document.
#[napi]
pub fn parse_xml_sync<'env>(
    env: &'env Env,
    options: NativeXmlOptions,
    input: BufferSlice,
) -> Result<NativeParsed<'env>> {
    let engine = XmlParser::new(xml_options(options)).map_err(invalid_option)?;
    run(env, Box::new(engine), &input)
}

/// Parses `input` as one whole JSON, concatenated JSON or NDJSON document.
#[napi]
pub fn parse_json_sync<'env>(
    env: &'env Env,
    options: NativeJsonOptions,
    input: BufferSlice,
) -> Result<NativeParsed<'env>> {
    let engine = JsonParser::new(json_options(options)).map_err(invalid_option)?;
    run(env, Box::new(engine), &input)
}

struct Outcome {
    records: Vec<u8>,
    error: Option<NativeError>,
    skips: Vec<NativeSkip>,
}

fn run<'env>(
    env: &'env Env,
    mut engine: Box<dyn Engine>,
    input: &[u8],
) -> Result<NativeParsed<'env>> {
    // A panic must never unwind into Node; it becomes ERR_SLUICE_INTERNAL in JS.
    let outcome = catch_unwind(AssertUnwindSafe(|| drive(engine.as_mut(), input)));
    let (outcome, panicked) = match outcome {
        Ok(o) => (o, false),
        Err(_) => (
            Outcome {
                records: b"[]".to_vec(),
                error: None,
                skips: Vec::new(),
            },
            true,
        ),
    };
    Ok(NativeParsed {
        records: env.create_string_latin1(&outcome.records)?,
        error: outcome.error,
        skips: outcome.skips,
        panicked,
    })
}

/// Feeds the whole input, finishes, and joins the batches (each a JSON array) into one array.
fn drive(engine: &mut dyn Engine, input: &[u8]) -> Outcome {
    let mut chunk = engine.pool().take(input.len());
    chunk.extend_from_slice(input);
    engine.feed_owned(chunk);
    let mut records = Vec::with_capacity(input.len() + 2);
    records.push(b'[');
    let mut first = true;
    let mut join = |batch: &BytesMut, records: &mut Vec<u8>| {
        // Strip the batch's own brackets; an empty batch adds nothing.
        let inner = batch
            .strip_prefix(b"[")
            .and_then(|b| b.strip_suffix(b"]"))
            .unwrap_or(&[]);
        if inner.is_empty() {
            return;
        }
        if !first {
            records.push(b',');
        }
        first = false;
        records.extend_from_slice(inner);
    };
    let mut failed = false;
    loop {
        let status = engine.finish();
        while let Some(batch) = engine.take_batch() {
            join(&batch, &mut records);
            engine.recycle(batch);
        }
        match status {
            Ok(RunStatus::BatchReady) => continue,
            Ok(RunStatus::NeedInput | RunStatus::Done) => break,
            Err(_) => {
                failed = true;
                break;
            }
        }
    }
    records.push(b']');
    let error = if failed {
        engine.error().map(NativeError::from)
    } else {
        None
    };
    let skips = engine
        .take_skips()
        .into_iter()
        .map(|(e, record_index)| NativeSkip {
            error: NativeError::from(&e),
            record_index: record_index as f64,
        })
        .collect();
    Outcome {
        records,
        error,
        skips,
    }
}
