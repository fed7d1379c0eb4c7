//! Reads an XML file with quick-xml and only counts events (and `<Release>` starts),
//! printing the benchmark's JSON result line. No objects are built: this is the floor
//! that any quick-xml based record extractor can approach, not a competitor.

use std::fs::File;
use std::io::BufReader;
use std::time::Instant;

use quick_xml::events::Event;
use quick_xml::Reader;

#[path = "../../native-result.rs"]
mod result;

const NAME: &str = "quick-xml raw (Rust)";

fn fail(msg: &str) -> ! {
    result::fail(NAME, msg)
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
                if e.name().as_ref() == b"Release" {
                    records += 1;
                }
            }
            Ok(Event::Eof) => break,
            Ok(_) => events += 1,
            Err(e) => fail(&format!("at byte {}: {e}", reader.buffer_position())),
        }
        buf.clear();
    }
    result::report(NAME, records, ("events", events), bytes, start.elapsed());
}
