//! Types cross the IPC once: the window's TypeScript types are generated from the Rust types of
//! the command registry. This fails when the committed file is stale, so a renamed field breaks
//! the build instead of a user's form.

#[test]
fn committed_typescript_bindings_are_current() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("ui/src/api/types.gen.ts");
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    let fresh = complaint_desk::tsgen::generate();
    assert!(
        committed == fresh,
        "ui/src/api/types.gen.ts is stale: run `cargo run --bin cdesk -- typescript > ui/src/api/types.gen.ts` and commit it"
    );
}
