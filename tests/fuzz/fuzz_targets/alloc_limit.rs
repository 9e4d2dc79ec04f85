//! One allocation over 512 MB is a crash, as AddressSanitizer's `-malloc_limit_mb=512` would make
//! it: the targets are built without a sanitizer (scripts/fuzz), and then libFuzzer has no
//! malloc hook and sees only the resident size (`-rss_limit_mb`), which a huge allocation that is
//! never touched does not raise. Issue 25's import crashes were such preallocations.
use std::alloc::{GlobalAlloc, Layout, System};

pub const LIMIT: usize = 512 << 20;

pub struct Limited;

unsafe impl GlobalAlloc for Limited {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        check(layout.size());
        System.alloc(layout)
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        check(layout.size());
        System.alloc_zeroed(layout)
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        System.dealloc(ptr, layout)
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        check(new_size);
        System.realloc(ptr, layout, new_size)
    }
}

fn check(size: usize) {
    if size > LIMIT {
        // No formatting: nothing may be allocated here. The abort is libFuzzer's "deadly
        // signal": the input is saved as a crash.
        let _ = std::io::Write::write_all(&mut std::io::stderr(), b"==fuzz== one allocation over 512 MB (alloc_limit.rs)\n");
        std::process::abort();
    }
}

#[global_allocator]
static GLOBAL: Limited = Limited;
