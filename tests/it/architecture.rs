//! The layering of `src/` (docs/ARCHITECTURE.md, "Layers"), checked on the source text: every
//! `crate::…` path in a file under `src/` (and `complaint_desk::…` in the CLI) is an arrow from
//! the file's top-level module to the module the path names. An arrow may only point down, the
//! documents import no wing, and no cycle may cross folders. The compiler accepts any of these
//! arrows, so without this test the layers would only be a drawing.
//!
//! Test modules (`#[cfg(test)] mod … { … }`) are left out: a unit test may drive the whole
//! program through the registry without the code under test depending on it.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Bottom up. A module may import a module of a lower rank and, inside one rank, any module
/// as long as no cycle results (the documents excepted, see `importing_no_wing`).
const LAYERS: &[(u8, &[&str])] = &[
    // What every command gets and the vocabulary: no table, no rule of the process.
    // `ops`: the operation table (names, roles, lifecycle edges), plain data over `model`.
    (0, &["lib", "error", "clock", "lang", "model", "signature", "reply", "ops"]),
    // The store: the schema, the tables and the hash-chained timeline; the accounts.
    (1, &["store", "timeline", "auth"]),
    // Rules over data that need no command: deadline arithmetic, masking of personal data.
    (2, &["deadlines", "privacy"]),
    // The wings (one function per operation) and the documents they print.
    (3, &["workflow", "report", "retention", "maintenance", "docs", "demo"]),
    // The registry, the single door every caller comes through, and what is generated from it.
    (4, &["api", "desk", "tsgen"]),
    // Shells: adapters only.
    (5, &["bin"]),
];

/// The documents receive their data: they may import anything below the wings, no wing.
const IMPORTING_NO_WING: &[&str] = &["docs"];

/// Arrows the layers forbid that are still in the tree, each with the step that removes it. The
/// test fails when one of them disappears too, so this list only shrinks.
const KNOWN: &[(&str, &str, &str)] = &[
    // `Ctx`, the context every command gets, still lives in workflow/ (it moves to the bottom
    // layer with the operation table, issue 26 item 2). The documents import workflow/ for it and
    // for what they print: `views::get` (docs/data.rs) and the receipt's complaint (docs/verify.rs);
    // the follow-up passes the loaded detail in from the wing that owns the command.
    ("docs", "workflow", "Ctx, and the complaint detail a document prints"),
];

fn rank_of(module: &str) -> Option<u8> {
    LAYERS.iter().find(|(_, ms)| ms.contains(&module)).map(|(r, _)| *r)
}

/// The top-level module a file under `src/` belongs to: `src/x.rs` and `src/x/…` are `x`.
fn module_of(src: &Path, file: &Path) -> String {
    let rel = file.strip_prefix(src).unwrap();
    let first = rel.components().next().unwrap().as_os_str().to_string_lossy().into_owned();
    first.strip_suffix(".rs").map(str::to_owned).unwrap_or(first)
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// The text without comments, string and character literals, and `#[cfg(test)] mod … { … }`
/// blocks (braces are counted on the text without literals).
fn code_of(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let b = text.as_bytes();
    let mut i = 0;
    while i < b.len() {
        let rest = &text[i..];
        let prev_ident = i > 0 && (b[i - 1].is_ascii_alphanumeric() || b[i - 1] == b'_');
        if rest.starts_with("//") {
            i += rest.find('\n').unwrap_or(rest.len());
        } else if rest.starts_with("/*") {
            i += rest.find("*/").map_or(rest.len(), |e| e + 2);
        } else if !prev_ident && (rest.starts_with("r\"") || rest.starts_with("r#") || rest.starts_with("br\"") || rest.starts_with("br#"))
        {
            let r = rest.find('r').unwrap();
            let hashes = rest[r + 1..].bytes().take_while(|&c| c == b'#').count();
            if rest.as_bytes().get(r + 1 + hashes) != Some(&b'"') {
                out.push('r');
                i += 1;
                continue;
            }
            let close = format!("\"{}", "#".repeat(hashes));
            let body = r + 2 + hashes;
            i += body + rest[body..].find(&close).map_or(rest.len() - body, |e| e + close.len());
            out.push_str("\"\"");
        } else if b[i] == b'"' {
            i += 1;
            while i < b.len() && b[i] != b'"' {
                i += if b[i] == b'\\' { 2 } else { 1 };
            }
            i += 1;
            out.push_str("\"\"");
        } else if b[i] == b'\'' && (rest[1..].starts_with('\\') || rest[1..].chars().nth(1) == Some('\'')) {
            // A character literal ('x', '\n', '\u{..}'), not a lifetime.
            i += 1 + rest[1..].char_indices().skip(1).find(|&(_, c)| c == '\'').map_or(0, |(e, _)| e + 1);
            out.push_str("' '");
        } else {
            let c = rest.chars().next().unwrap();
            out.push(c);
            i += c.len_utf8();
        }
    }
    drop_test_modules(&out)
}

fn drop_test_modules(code: &str) -> String {
    let mut out = String::with_capacity(code.len());
    let mut rest = code;
    while let Some(at) = rest.find("#[cfg(test)]") {
        let after = &rest[at + "#[cfg(test)]".len()..];
        let t = after.trim_start();
        let is_mod = t.starts_with("mod ") || t.starts_with("pub mod ") || t.starts_with("pub(crate) mod ");
        match (is_mod, t.find(['{', ';'])) {
            (true, Some(o)) if t.as_bytes()[o] == b'{' => {
                out.push_str(&rest[..at]);
                let mut depth = 0usize;
                let mut end = t.len();
                for (j, c) in t.char_indices().skip(o) {
                    match c {
                        '{' => depth += 1,
                        '}' => {
                            depth -= 1;
                            if depth == 0 {
                                end = j + 1;
                                break;
                            }
                        }
                        _ => {}
                    }
                }
                rest = &t[end..];
            }
            _ => {
                out.push_str(&rest[..at + 1]);
                rest = &rest[at + 1..];
            }
        }
    }
    out.push_str(rest);
    out
}

fn ident(s: &str) -> &str {
    let s = s.trim_start();
    let end = s.find(|c: char| !(c.is_alphanumeric() || c == '_')).unwrap_or(s.len());
    &s[..end]
}

/// The first segments a path names after `crate::`: one for `crate::a::b`, one per item for
/// `crate::{a::b, c}`.
fn heads(rest: &str) -> Vec<String> {
    if !rest.starts_with('{') {
        return vec![ident(rest).to_owned()];
    }
    let (mut depth, mut cur, mut items) = (0usize, String::new(), Vec::new());
    for c in rest.chars() {
        match c {
            '{' => {
                depth += 1;
                if depth > 1 {
                    cur.push(c);
                }
            }
            '}' => {
                depth -= 1;
                if depth == 0 {
                    items.push(std::mem::take(&mut cur));
                    break;
                }
                cur.push(c);
            }
            ',' if depth == 1 => items.push(std::mem::take(&mut cur)),
            _ => cur.push(c),
        }
    }
    items.iter().map(|i| ident(i).to_owned()).filter(|i| !i.is_empty()).collect()
}

/// The crate root's `pub use m::{A, B};` lines: `crate::A` is an arrow to `m`.
fn root_reexports(lib: &str) -> BTreeMap<String, String> {
    let mut m = BTreeMap::new();
    for line in lib.lines().filter_map(|l| l.trim().strip_prefix("pub use ")) {
        let (module, rest) = line.split_once("::").unwrap();
        for name in heads(rest.trim_end_matches(';')) {
            m.insert(name, module.to_owned());
        }
    }
    m
}

/// Arrow (from, to) → the files that draw it.
fn arrows() -> BTreeMap<(String, String), BTreeSet<String>> {
    let src = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src");
    let root = root_reexports(&std::fs::read_to_string(src.join("lib.rs")).unwrap());
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut out: BTreeMap<(String, String), BTreeSet<String>> = BTreeMap::new();
    for f in files {
        let from = module_of(&src, &f);
        let code = code_of(&std::fs::read_to_string(&f).unwrap());
        let prefix = if from == "bin" { "complaint_desk::" } else { "crate::" };
        for (at, _) in code.match_indices(prefix) {
            if at > 0 && code[..at].ends_with(|c: char| c.is_alphanumeric() || c == '_' || c == '$') {
                continue;
            }
            for head in heads(&code[at + prefix.len()..]) {
                let to = root.get(&head).cloned().unwrap_or(head);
                if to != from && to != "self" {
                    let rel = f.strip_prefix(&src).unwrap().to_string_lossy().replace('\\', "/");
                    out.entry((from.clone(), to)).or_default().insert(rel);
                }
            }
        }
    }
    out
}

fn forbidden(from: &str, to: &str) -> Option<&'static str> {
    let (Some(rf), Some(rt)) = (rank_of(from), rank_of(to)) else { return Some("a module missing from LAYERS") };
    if rt > rf {
        Some("points up")
    } else if IMPORTING_NO_WING.contains(&from) && rt == rank_of("workflow").unwrap() {
        Some("a document imports a wing")
    } else {
        None
    }
}

/// Strongly connected components with more than one module (Tarjan).
fn cycles(edges: &BTreeSet<(String, String)>) -> Vec<Vec<String>> {
    fn visit<'a>(
        v: &'a str,
        g: &BTreeMap<&'a str, Vec<&'a str>>,
        st: &mut (usize, BTreeMap<&'a str, (usize, usize)>, Vec<&'a str>, BTreeSet<&'a str>, Vec<Vec<String>>),
    ) {
        let i = st.0;
        st.0 += 1;
        st.1.insert(v, (i, i));
        st.2.push(v);
        st.3.insert(v);
        for &w in g.get(v).into_iter().flatten() {
            if !st.1.contains_key(w) {
                visit(w, g, st);
                let lw = st.1[w].1;
                st.1.get_mut(v).unwrap().1 = st.1[v].1.min(lw);
            } else if st.3.contains(w) {
                let iw = st.1[w].0;
                st.1.get_mut(v).unwrap().1 = st.1[v].1.min(iw);
            }
        }
        if st.1[v].0 == st.1[v].1 {
            let mut comp = Vec::new();
            loop {
                let w = st.2.pop().unwrap();
                st.3.remove(w);
                comp.push(w.to_owned());
                if w == v {
                    break;
                }
            }
            if comp.len() > 1 {
                comp.sort();
                st.4.push(comp);
            }
        }
    }
    let mut g: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (a, b) in edges {
        g.entry(a).or_default().push(b);
        g.entry(b).or_default();
    }
    let mut st = (0, BTreeMap::new(), Vec::new(), BTreeSet::new(), Vec::new());
    for v in g.keys().copied().collect::<Vec<_>>() {
        if !st.1.contains_key(v) {
            visit(v, &g, &mut st);
        }
    }
    st.4
}

#[test]
fn arrows_point_down_and_documents_import_no_wing() {
    let all = arrows();
    assert!(all.len() > 20, "the scan found too few arrows ({}): is src/ where it was?", all.len());
    let mut bad = Vec::new();
    for ((from, to), files) in &all {
        if let Some(why) = forbidden(from, to) {
            if !KNOWN.iter().any(|(f, t, _)| f == from && t == to) {
                bad.push(format!("{from} -> {to} ({why}) in {files:?}"));
            }
        }
    }
    assert!(bad.is_empty(), "forbidden arrows in src/ (see docs/ARCHITECTURE.md):\n{}", bad.join("\n"));
    let gone: Vec<_> = KNOWN.iter().filter(|(f, t, _)| !all.contains_key(&(f.to_string(), t.to_string()))).collect();
    assert!(gone.is_empty(), "these known arrows are gone: take them off KNOWN: {gone:?}");
    let stale: Vec<_> = KNOWN.iter().filter(|(f, t, _)| forbidden(f, t).is_none()).collect();
    assert!(stale.is_empty(), "these KNOWN arrows are allowed by the layers anyway: {stale:?}");
}

#[test]
fn no_cycle_crosses_folders() {
    let all = arrows();
    let edges: BTreeSet<_> = all.keys().filter(|(f, t)| !KNOWN.iter().any(|(kf, kt, _)| kf == f && kt == t)).cloned().collect();
    let found = cycles(&edges);
    let shown: Vec<String> = found
        .iter()
        .map(|c| {
            let inner: Vec<String> = all
                .iter()
                .filter(|((f, t), _)| c.contains(f) && c.contains(t) && edges.contains(&(f.clone(), t.clone())))
                .map(|((f, t), files)| format!("  {f} -> {t} in {files:?}"))
                .collect();
            format!("{c:?}:\n{}", inner.join("\n"))
        })
        .collect();
    assert!(found.is_empty(), "import cycles between folders of src/:\n{}", shown.join("\n"));
}

/// The CLI is a shell: what it needs from the database it asks the core for, so a query cannot
/// drift from the rules the registry applies.
#[test]
fn the_cli_holds_no_sql() {
    let src = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src/bin/cdesk.rs");
    let code = std::fs::read_to_string(src).unwrap();
    let found: Vec<&str> = [".query_row(", ".execute(", ".prepare(", ".execute_batch(", "SELECT ", "INSERT ", "UPDATE ", "DELETE "]
        .into_iter()
        .filter(|s| code.contains(s))
        .collect();
    assert!(found.is_empty(), "src/bin/cdesk.rs holds SQL ({found:?}): move it into a core function");
}
