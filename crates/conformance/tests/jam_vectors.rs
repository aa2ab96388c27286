//! The JAM PVM test vectors and Gannet's own vectors on the interpreter.

use gannet_conformance::{corpora_dir, own_vectors_dir, run_dir};
use vm::Backend;

fn require_corpora() -> bool {
    std::env::var("GANNET_REQUIRE_CORPORA").is_ok_and(|v| v == "1")
}

#[test]
fn jam_vectors_pass_on_the_interpreter() {
    let dir = corpora_dir().join("jam-pvm/pvm/programs");
    if !dir.is_dir() {
        assert!(!require_corpora(), "GANNET_REQUIRE_CORPORA=1 but {} is missing", dir.display());
        eprintln!("skipping: JAM vectors not found at {} (set GANNET_CORPORA)", dir.display());
        return;
    }
    let report = run_dir(&dir, Backend::Interpreter).unwrap();
    for failure in &report.failed {
        eprintln!("FAIL {}: {}", failure.name, failure.differences.join("; "));
    }
    assert_eq!(report.failed.len(), 0, "{} passed, {} failed", report.passed, report.failed.len());
    assert_eq!(report.passed, 307);
}

#[test]
fn own_vectors_pass_on_the_interpreter() {
    let report = run_dir(&own_vectors_dir(), Backend::Interpreter).unwrap();
    for failure in &report.failed {
        eprintln!("FAIL {}: {}", failure.name, failure.differences.join("; "));
    }
    assert!(report.passed > 0, "no own vectors found");
    assert_eq!(report.failed.len(), 0);
}
