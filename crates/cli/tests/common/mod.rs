//! Helpers shared by the `gannet` binary tests: running the binary, checking its output,
//! scratch directories, and finding the corpora.
#![allow(dead_code)]

use std::ops::Deref;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The binary under test.
pub const GANNET: &str = env!("CARGO_BIN_EXE_gannet");

/// The CLI crate directory.
pub fn manifest_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Runs `gannet` with `args`.
pub fn gannet<S: AsRef<std::ffi::OsStr>>(args: &[S]) -> Output {
    Command::new(GANNET).args(args).output().expect("the gannet binary runs")
}

/// The captured stdout as text.
pub fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The captured stderr as text.
pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Asserts success and returns stdout.
pub fn ok(out: Output) -> String {
    assert!(out.status.success(), "gannet failed ({}): {}", out.status, stderr(&out));
    assert!(!stderr(&out).contains("panicked"), "{}", stderr(&out));
    stdout(&out)
}

/// Asserts a failure reported as exactly one `error: ...` line on stderr; returns that line.
pub fn one_line_error(out: Output) -> String {
    let err = stderr(&out);
    assert!(!out.status.success(), "expected a failure, got success; stdout: {}", stdout(&out));
    assert!(!err.contains("panicked"), "{err}");
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 1, "expected one line of stderr, got: {err:?}");
    assert!(lines[0].starts_with("error: "), "{err:?}");
    lines[0].to_string()
}

/// A scratch directory for one test, removed when dropped.
pub struct Scratch(PathBuf);

impl Deref for Scratch {
    type Target = Path;

    fn deref(&self) -> &Path {
        &self.0
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A fresh scratch directory for one test.
pub fn scratch(name: &str) -> Scratch {
    let dir = std::env::temp_dir().join(format!("gannet-cli-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    Scratch(dir)
}

/// Assembles `tests/data/add.pvmasm` into `dir` and returns the blob path.
pub fn add_blob(dir: &Path) -> PathBuf {
    let out = dir.join("add.polkavm");
    let src = manifest_dir().join("tests/data/add.pvmasm");
    let text = ok(gannet(&["asm".as_ref(), src.as_os_str(), "-o".as_ref(), out.as_os_str()]));
    assert!(text.starts_with("wrote "), "{text}");
    out
}

#[allow(unused_imports)] // not every test binary that includes this module uses it
pub use testkit::corpora;

/// Files under `root/sub` with one of the extensions, sorted.
pub fn files(root: &Path, sub: &str, extensions: &[&str]) -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = std::fs::read_dir(root.join(sub))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| extensions.iter().any(|x| e == *x)))
        .collect();
    found.sort();
    found
}

/// The 16 JAM service programs of the corpora.
pub fn service_blobs(root: &Path) -> Vec<PathBuf> {
    let mut all = files(root, "jam-service-blobs/jamduna", &["pvm"]);
    all.extend(files(root, "jam-service-blobs/w3f-jamtestvectors", &["jam"]));
    all
}

/// The `.polkavm` blobs of the corpora.
pub fn polkavm_blobs(root: &Path) -> Vec<PathBuf> {
    let mut all = Vec::new();
    for sub in ["polkavm-blobs/polkavm", "polkavm-blobs/revive", "polkavm-blobs/jar"] {
        all.extend(files(root, sub, &["polkavm", "pvm"]));
    }
    all
}

/// `^time: [0-9.]+ (ns|us|ms|s)$`, without a regex crate.
pub fn is_time_line(line: &str) -> bool {
    let Some(rest) = line.strip_prefix("time: ") else { return false };
    let Some((number, unit)) = rest.split_once(' ') else { return false };
    !number.is_empty()
        && number.chars().all(|c| c.is_ascii_digit() || c == '.')
        && ["ns", "us", "ms", "s"].contains(&unit)
}
