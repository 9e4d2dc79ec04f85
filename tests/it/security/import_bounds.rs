//! Issue 25, item 5: imports cannot crash or exhaust the app. The crafted workbooks of the fuzz
//! corpus (tests/fuzz/corpus/import_xlsx/, written by tests/fuzz/make_seeds.py) are imported in
//! a child process whose address space is capped at 512 MB (setrlimit RLIMIT_AS): a
//! preallocation or a deflate bomb there is an allocation failure, which aborts the process
//! (it is not a panic, nothing can catch it). The child must instead get the clear, typed
//! refusal, and then import a valid file: the desk is still alive.
#![cfg(unix)]

use crate::common;

use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::Command;

use serde_json::json;

use common::{Fx, ADMIN};

const CHILD_FILE: &str = "CDESK_IMPORT_BOUNDS_FILE";
const CAP: u64 = 512 * 1024 * 1024;

fn corpus(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz/corpus").join(name)
}

/// The child: one import of the file named in the environment, then a valid one.
#[test]
fn import_bounds_child() {
    let Ok(file) = std::env::var(CHILD_FILE) else { return };
    let mut fx = Fx::new();
    let r = fx.call(ADMIN, "import_customers", json!({ "path": file }));
    let outcome = match &r {
        Ok(v) => format!("ok rows={}", v["total_rows"]),
        Err(e) => format!("err {} {}", e.code, e.message_key),
    };
    let valid = corpus("import_xlsx/valid-customers.xlsx").display().to_string();
    let after = fx.ok(ADMIN, "import_customers", json!({ "path": valid, "dry_run": false }));
    assert_eq!(after["created"], 2, "{after}");
    println!("RESULT {outcome}");
}

/// Runs the child on `file` under the memory cap; returns its RESULT line.
fn import_capped(file: &str) -> String {
    let exe = std::env::current_exe().unwrap();
    let mut cmd = Command::new(exe);
    cmd.arg(common::this_test(module_path!(), "import_bounds_child"))
        .args(["--exact", "--nocapture", "--test-threads=1", "-q"])
        .env(CHILD_FILE, corpus(file));
    // SAFETY: setrlimit is async-signal-safe; nothing else runs between fork and exec.
    unsafe {
        cmd.pre_exec(|| {
            let lim = libc::rlimit { rlim_cur: CAP, rlim_max: CAP };
            if libc::setrlimit(libc::RLIMIT_AS, &lim) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let out = cmd.output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{file}: the child died ({:?}) instead of refusing the file:\n{stdout}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr).lines().rev().take(15).collect::<Vec<_>>().join("\n")
    );
    stdout.lines().find_map(|l| l.strip_prefix("RESULT ")).unwrap_or_else(|| panic!("{file}: no result: {stdout}")).to_string()
}

#[test]
fn a_huge_unique_count_in_shared_strings_is_refused_not_preallocated() {
    // ~1 KB: <sst uniqueCount="4000000000"> with three strings.
    assert!(std::fs::metadata(corpus("import_xlsx/unique-count-4e9.xlsx")).unwrap().len() < 4096);
    assert_eq!(import_capped("import_xlsx/unique-count-4e9.xlsx"), "err invalid error.invalid.archive_suspicious");
}

#[test]
fn cells_far_apart_are_read_cell_by_cell_not_as_their_bounding_box() {
    // A1 and XFD1048576: the last column is beyond the 64 the import reads.
    assert_eq!(import_capped("import_xlsx/cells-far-apart.xlsx"), "err invalid error.invalid.too_many_columns");
    // A1:C1 and A1048576, BL1048576 (64 columns × a million rows as a box, 2 GB of cells): read
    // as what it is, a header and one row.
    assert_eq!(import_capped("import_xlsx/cells-far-apart-in-bounds.xlsx"), "ok rows=1");
}

#[test]
fn a_deflate_bomb_is_refused_before_it_is_unpacked() {
    // sheet1.xml: 1 GB of zeros in 1 MB. Declared honestly, the declared size is refused.
    assert_eq!(import_capped("import_xlsx/bomb-1gb-zeros.xlsx"), "err invalid error.invalid.archive_too_large");
    // Declared as 1,000 bytes: unpacking stops at the 1,001st.
    assert_eq!(import_capped("import_xlsx/bomb-1gb-zeros-declared-1kb.xlsx"), "err invalid error.invalid.archive_suspicious");
}

#[test]
fn an_archive_with_too_many_entries_is_refused() {
    assert_eq!(import_capped("import_xlsx/many-entries.xlsx"), "err invalid error.invalid.archive_suspicious");
}
