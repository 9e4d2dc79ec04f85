//! The customer and worker import's spreadsheet reader (archive checks, bounded cells reader).
#![no_main]
#[path = "alloc_limit.rs"]
mod alloc_limit;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = complaint_desk::report::import::read_file(data, "fuzz.xlsx");
});
