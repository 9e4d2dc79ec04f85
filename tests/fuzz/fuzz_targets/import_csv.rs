//! The import's CSV reader (encoding, delimiter guess, bounded rows and columns).
#![no_main]
#[path = "alloc_limit.rs"]
mod alloc_limit;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = complaint_desk::report::import::read_file(data, "fuzz.csv");
});
