//! `verify_receipt`'s reader of a printed PDF (lopdf, the document information dictionary) and
//! of the payload it carries.
#![no_main]
#[path = "alloc_limit.rs"]
mod alloc_limit;
use complaint_desk::docs::verify::{parse_payload, payload_from_pdf};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Some(p) = payload_from_pdf(data) {
        let _ = parse_payload(&p);
    }
    if let Ok(s) = std::str::from_utf8(data) {
        let _ = parse_payload(s);
    }
});
