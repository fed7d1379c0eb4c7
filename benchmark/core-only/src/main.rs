//! Streams a file through the sluice core in 64 KiB chunks, as a read stream hands it over, on
//! one thread with no Node around it, and prints the benchmark's JSON result line. The batches
//! of JSON text are taken and recycled but never parsed: this is the ceiling for the stream,
//! whose main thread must also turn them into objects.

use std::fs::File;
use std::io::{Read, Write};
use std::time::Instant;

use sluice::{Engine, JsonFormat, JsonOptions, JsonParser, Status, XmlOptions, XmlParser};

#[path = "../../native-result.rs"]
mod result;

const NAME: &str = "sluice core (Rust, no Node)";
const CHUNK: usize = 64 * 1024;

fn fail(msg: &str) -> ! {
    result::fail(NAME, msg)
}

/// The same selections as the benchmark's sluice contenders, unless `SLUICE_SELECT` names
/// another (XML only: the byte-identity check runs other corpora through the core).
fn engine(path: &str) -> Box<dyn Engine> {
    let made: Result<Box<dyn Engine>, sluice::Error> = if path.ends_with(".xml") {
        let select = vec![std::env::var("SLUICE_SELECT").unwrap_or_else(|_| "Release".into())];
        XmlParser::new(XmlOptions {
            select,
            // `SLUICE_LINES=1`: the native command's layout (NDJSON lines in UTF-8), so that
            // its parse thread's work can be counted without Node around it.
            utf8_lines: std::env::var("SLUICE_LINES").is_ok_and(|v| v == "1"),
            ..XmlOptions::default()
        })
        .map(|p| Box::new(p) as _)
    } else {
        let ndjson = path.ends_with(".ndjson");
        let options = JsonOptions {
            select: vec![if ndjson { "$" } else { "$.releases[*]" }.to_string()],
            format: if ndjson {
                JsonFormat::Ndjson
            } else {
                JsonFormat::Json
            },
            ..JsonOptions::default()
        };
        JsonParser::new(options).map(|p| Box::new(p) as _)
    };
    made.unwrap_or_else(|e| fail(&e.to_string()))
}

/// Runs the engine on what it has been fed (or, `at_end`, on the rest) as the binding does:
/// until it needs input, taking every finished batch and handing the buffer back to the pool.
/// With `out`, the batches are also written there, so that two builds' records can be compared
/// byte for byte.
fn drive(p: &mut dyn Engine, at_end: bool, json_bytes: &mut u64, out: &mut Option<File>) {
    loop {
        let status = if at_end { p.finish() } else { p.run() };
        let status = status.unwrap_or_else(|e| fail(&e.to_string()));
        while let Some(batch) = p.take_batch() {
            *json_bytes += batch.len() as u64;
            if let Some(f) = out {
                f.write_all(&batch).unwrap_or_else(|e| fail(&e.to_string()));
            }
            p.recycle(batch);
        }
        if !matches!(status, Status::BatchReady) {
            return;
        }
    }
}

fn main() {
    let path = std::env::args()
        .nth(1)
        .unwrap_or_else(|| fail("usage: core-only <file.xml|file.json|file.ndjson> [records.out]"));
    let mut out = std::env::args()
        .nth(2)
        .map(|o| File::create(o).unwrap_or_else(|e| fail(&e.to_string())));
    let start = Instant::now();
    let mut file = File::open(&path).unwrap_or_else(|e| fail(&e.to_string()));
    let bytes = file.metadata().map(|m| m.len()).unwrap_or(0);
    let mut p = engine(&path);
    let mut json_bytes = 0u64;
    // `SLUICE_CHUNK=262144`: the command's read size instead of a read stream's.
    let chunk_size = std::env::var("SLUICE_CHUNK")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(CHUNK);
    let mut buf = vec![0u8; chunk_size];
    loop {
        let n = file.read(&mut buf).unwrap_or_else(|e| fail(&e.to_string()));
        if n == 0 {
            break;
        }
        let mut chunk = p.pool().take(n);
        chunk.extend_from_slice(&buf[..n]);
        p.feed_owned(chunk);
        drive(p.as_mut(), false, &mut json_bytes, &mut out);
    }
    drive(p.as_mut(), true, &mut json_bytes, &mut out);
    let records = p.stats().records;
    result::report(
        NAME,
        records,
        ("jsonBytes", json_bytes),
        bytes,
        start.elapsed(),
    );
}
