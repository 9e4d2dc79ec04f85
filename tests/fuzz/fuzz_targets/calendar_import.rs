//! `import_calendar`'s parser of `date,kind,name` files, with the two round trips the app
//! relies on: `from_csv(to_csv(c)) == c` (export then import) and the database's own storage
//! (`from_rows` of the stored days gives the same days).
#![no_main]
#[path = "alloc_limit.rs"]
mod alloc_limit;
use complaint_desk::deadlines::BusinessCalendar;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // import_calendar takes a JSON string: only UTF-8 can reach the parser, at most 1 MB.
    let Ok(text) = std::str::from_utf8(data) else { return };
    if text.len() > 1_000_000 {
        return;
    }
    let Ok(cal) = BusinessCalendar::from_csv(text) else { return };
    let again = BusinessCalendar::from_csv(&cal.to_csv()).expect("the calendar's own CSV reads back");
    assert_eq!(again, cal, "export then import changed the calendar");
    let rows: Vec<(String, &str, &str)> =
        cal.days.iter().map(|(d, e)| (d.format("%Y-%m-%d").to_string(), e.kind.as_str(), e.name.as_str())).collect();
    let stored = BusinessCalendar::from_rows(rows.iter().map(|(d, k, n)| (d.as_str(), *k, *n))).expect("stored rows read back");
    assert_eq!(stored.days, cal.days, "the stored calendar differs from the imported one");
});
