//! The JSON / NDJSON boundary scanner under options and chunking decoded from the input; see
//! `tests/harness/json.rs` for the layout and the invariants.
#![no_main]

#[path = "../../tests/harness/mod.rs"]
mod harness;

libfuzzer_sys::fuzz_target!(|data: &[u8]| harness::json::check(data));
