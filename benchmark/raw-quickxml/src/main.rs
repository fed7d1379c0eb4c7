//! Reads an XML file with quick-xml and only counts events (and `<Release>` starts),
//! printing the benchmark's JSON result line. No objects are built: this is the floor
//! that any quick-xml based record extractor can approach, not a competitor.

use std::fs::File;
use std::io::BufReader;
use std::time::Instant;

use quick_xml::events::Event;
use quick_xml::Reader;

const NAME: &str = "quick-xml raw (Rust)";

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

fn main() {
    let path = std::env::args()
        .nth(1)
        .unwrap_or_else(|| fail("usage: raw-quickxml <file.xml>"));
    let start = Instant::now();
    let file = File::open(&path).unwrap_or_else(|e| fail(&e.to_string()));
    let bytes = file.metadata().map(|m| m.len()).unwrap_or(0);
    let mut reader = Reader::from_reader(BufReader::with_capacity(64 * 1024, file));
    let mut buf = Vec::with_capacity(4096);
    let mut events: u64 = 0;
    let mut records: u64 = 0;
    loop {
        match reader.read_event_into(&mut buf) {
            Ok(Event::Start(e)) => {
                events += 1;
                if e.name().as_ref() == "Release" {
                    records += 1;
                }
            }
            Ok(Event::Eof) => break,
            Ok(_) => events += 1,
            Err(e) => fail(&format!("at byte {}: {e}", reader.buffer_position())),
        }
        buf.clear();
    }
    let seconds = start.elapsed().as_secs_f64();
    let mb = bytes as f64 / 1e6;
    let rss_mib = max_rss_kib().map_or("null".to_string(), |k| format!("{:.1}", k / 1024.0));
    // No event loop here; "busy" is the one thread's wall time, which it spends parsing.
    println!(
        "{{\"name\":\"{NAME}\",\"records\":{records},\"checksum\":null,\"events\":{events},\"bytes\":{bytes},\
\"seconds\":{seconds:.3},\"mbPerSec\":{:.2},\"maxRssMiB\":{rss_mib},\"elDelayP99Ms\":null,\
\"elDelayMaxMs\":null,\"busyMsPerMB\":{:.2}}}",
        mb / seconds,
        seconds * 1000.0 / mb
    );
}
