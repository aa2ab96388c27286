//! The JAM PVM test vectors and Gannet's own vectors on the interpreter.

use gannet_conformance::{corpora_dir, own_vectors_dir, run_dir_with, Report};
use vm::{Config, Dispatch};

/// Every interpreter configuration the vectors must pass on: both dispatch strategies, and
/// step mode (the runner steps through every instruction; outcomes must not change).
fn configs() -> Vec<(&'static str, Config)> {
    let mut threaded = Config::new();
    threaded.set_dispatch(Dispatch::Threaded);
    let mut switch = Config::new();
    switch.set_dispatch(Dispatch::Switch);
    let mut step = Config::new();
    step.set_step(true);
    vec![("threaded", threaded), ("switch", switch), ("step", step)]
}

fn run_all(dir: &std::path::Path) -> Vec<(&'static str, Report)> {
    configs().into_iter().map(|(name, config)| (name, run_dir_with(dir, &config).unwrap())).collect()
}

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
    for (name, report) in run_all(&dir) {
        for failure in &report.failed {
            eprintln!("FAIL [{name}] {}: {}", failure.name, failure.differences.join("; "));
        }
        assert_eq!(
            report.failed.len(),
            0,
            "[{name}] {} passed, {} failed",
            report.passed,
            report.failed.len()
        );
        assert_eq!(report.passed, 307);
    }
}

#[test]
fn own_vectors_pass_on_the_interpreter() {
    for (name, report) in run_all(&own_vectors_dir()) {
        for failure in &report.failed {
            eprintln!("FAIL [{name}] {}: {}", failure.name, failure.differences.join("; "));
        }
        assert!(report.passed > 50, "own vectors missing: {}", report.passed);
        assert_eq!(report.failed.len(), 0, "[{name}]");
    }
}
