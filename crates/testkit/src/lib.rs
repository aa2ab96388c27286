//! Test support shared by Gannet's crates (a dev-dependency only).
//!
//! Corpora we did not write live outside the repository, in `$GANNET_CORPORA` (default
//! `../shared/corpora` beside the repository). Tests that need them call [`corpora`]: it
//! returns `None` after printing why when they are absent, and panics instead when
//! `GANNET_REQUIRE_CORPORA=1` (CI sets it), so a missing corpus can never pass silently in CI.

use std::path::{Path, PathBuf};

/// The corpora directory named by the environment, whether or not it exists.
pub fn corpora_path() -> PathBuf {
    match std::env::var_os("GANNET_CORPORA") {
        Some(dir) => PathBuf::from(dir),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpora"),
    }
}

/// The corpora root, or `None` (after printing why) when the calling test should skip.
pub fn corpora() -> Option<PathBuf> {
    let root = corpora_path();
    if root.is_dir() {
        return Some(root);
    }
    assert!(
        std::env::var("GANNET_REQUIRE_CORPORA").as_deref() != Ok("1"),
        "corpora not found at {} (GANNET_REQUIRE_CORPORA=1)",
        root.display()
    );
    eprintln!("skipping: corpora not found at {} (set GANNET_CORPORA)", root.display());
    None
}

/// Files under `dir` (recursively) whose extension is one of `exts`, sorted.
pub fn files(dir: &Path, exts: &[&str]) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else { continue };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().and_then(|e| e.to_str()).is_some_and(|e| exts.contains(&e)) {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

/// The `program` field (a GP code blob) of every JSON vector directly in `dir`, by path, sorted.
pub fn vector_programs(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    files(dir, &["json"])
        .into_iter()
        .map(|path| {
            let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            let json: serde_json::Value =
                serde_json::from_slice(&bytes).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            let program = json["program"]
                .as_array()
                .unwrap_or_else(|| panic!("{}: no program array", path.display()))
                .iter()
                .map(|v| v.as_u64().and_then(|b| u8::try_from(b).ok()).expect("program bytes are u8"))
                .collect();
            (path, program)
        })
        .collect()
}
