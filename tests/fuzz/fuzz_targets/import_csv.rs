//! The import's CSV reader (encoding, delimiter guess, bounded rows and columns).
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = complaint_desk::report::import::read_file(data, "fuzz.csv");
});
