//! The XML core end to end (tokeniser, selectors, shape writer) under options and chunking
//! decoded from the input; see `tests/harness/xml.rs` for the layout and the invariants.
#![no_main]

#[path = "../../tests/harness/mod.rs"]
mod harness;

libfuzzer_sys::fuzz_target!(|data: &[u8]| harness::xml::check(data));
