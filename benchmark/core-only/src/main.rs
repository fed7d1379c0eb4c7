//! Streams a file through the sluice core in 64 KiB chunks, as a read stream hands it over, on
//! one thread with no Node around it, and prints the benchmark's JSON result line. The batches
//! of JSON text are taken and recycled but never parsed: this is the ceiling for the stream,
//! whose main thread must also turn them into objects.

use std::fs::File;
use std::io::Read;
use std::time::Instant;

use sluice::{Engine, JsonFormat, JsonOptions, JsonParser, Status, XmlOptions, XmlParser};

const NAME: &str = "sluice core (Rust, no Node)";
const CHUNK: usize = 64 * 1024;

/// Peak resident set size in KiB, from /proc (avoids a libc dependency).
fn max_rss_kib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn fail(msg: &str) -> ! {
    println!("{{\"name\":\"{NAME}\",\"error\":{:?}}}", msg);
    std::process::exit(1);
}

/// The same selections as the benchmark's sluice contenders.
fn engine(path: &str) -> Box<dyn Engine> {
    let made: Result<Box<dyn Engine>, sluice::Error> = if path.ends_with(".xml") {
        let select = vec!["Release".to_string()];
        XmlParser::new(XmlOptions {
            select,
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

/// Takes every finished batch, as the binding does, and hands the buffer back to the pool.
fn drain(p: &mut dyn Engine, json_bytes: &mut u64) {
    while let Some(batch) = p.take_batch() {
        *json_bytes += batch.len() as u64;
        p.recycle(batch);
    }
}

fn main() {
    let path = std::env::args()
        .nth(1)
        .unwrap_or_else(|| fail("usage: core-only <file.xml|file.json|file.ndjson>"));
    let start = Instant::now();
    let mut file = File::open(&path).unwrap_or_else(|e| fail(&e.to_string()));
    let bytes = file.metadata().map(|m| m.len()).unwrap_or(0);
    let mut p = engine(&path);
    let mut json_bytes = 0u64;
    let mut buf = vec![0u8; CHUNK];
    loop {
        let n = file.read(&mut buf).unwrap_or_else(|e| fail(&e.to_string()));
        if n == 0 {
            break;
        }
        let mut chunk = p.pool().take(n);
        chunk.extend_from_slice(&buf[..n]);
        p.feed_owned(chunk);
        loop {
            let status = p.run().unwrap_or_else(|e| fail(&e.to_string()));
            drain(p.as_mut(), &mut json_bytes);
            if !matches!(status, Status::BatchReady) {
                break;
            }
        }
    }
    loop {
        let status = p.finish().unwrap_or_else(|e| fail(&e.to_string()));
        drain(p.as_mut(), &mut json_bytes);
        if !matches!(status, Status::BatchReady) {
            break;
        }
    }
    let seconds = start.elapsed().as_secs_f64();
    let mb = bytes as f64 / 1e6;
    let records = p.stats().records;
    let rss_mib = max_rss_kib().map_or("null".to_string(), |k| format!("{:.1}", k / 1024.0));
    // No event loop here; "busy" is the one thread's wall time, which it spends parsing.
    println!(
        "{{\"name\":\"{NAME}\",\"records\":{records},\"checksum\":null,\"jsonBytes\":{json_bytes},\
\"bytes\":{bytes},\"seconds\":{seconds:.3},\"mbPerSec\":{:.2},\"maxRssMiB\":{rss_mib},\
\"elDelayP99Ms\":null,\"elDelayMaxMs\":null,\"busyMsPerMB\":{:.2}}}",
        mb / seconds,
        seconds * 1000.0 / mb
    );
}
