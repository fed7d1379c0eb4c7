//! Reads an XML file into memory, then times quick-xml tokenising it (borrowed-slice reader,
//! events counted, `<Release>` starts counted as records). No file reading, no objects, no
//! checks beyond quick-xml's own: the ceiling for any quick-xml based record extractor.

use std::time::Instant;

use quick_xml::events::Event;
use quick_xml::Reader;

#[path = "../../native-result.rs"]
mod result;

const NAME: &str = "quick-xml 0.39 in memory (Rust)";

fn fail(msg: &str) -> ! {
    result::fail(NAME, msg)
}

fn main() {
    let path = std::env::args()
        .nth(1)
        .unwrap_or_else(|| fail("usage: quickxml-memory <file.xml>"));
    let data = std::fs::read(&path).unwrap_or_else(|e| fail(&e.to_string()));
    let start = Instant::now();
    let mut reader = Reader::from_reader(data.as_slice());
    let mut events: u64 = 0;
    let mut records: u64 = 0;
    loop {
        match reader.read_event() {
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
    }
    let elapsed = start.elapsed();
    result::report(NAME, records, ("events", events), data.len() as u64, elapsed);
}
