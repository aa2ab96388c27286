//! The JAM PVM test vectors and Gannet's own vectors on the interpreter and the compiler.

use gannet_conformance::{own_vectors_dir, run_dir_with, Report};
use vm::{Backend, Config, Dispatch, GasMetering};

/// Every configuration the vectors must pass on: both interpreter dispatch strategies, step
/// mode (the runner steps through every instruction; outcomes must not change), and the
/// compiler where this machine supports it, with each kind of gas metering and in crosscheck
/// mode.
fn configs() -> Vec<(&'static str, Config)> {
    let mut threaded = Config::new();
    threaded.set_dispatch(Dispatch::Threaded);
    let mut switch = Config::new();
    switch.set_dispatch(Dispatch::Switch);
    let mut step = Config::new();
    step.set_step(true);
    let mut configs = vec![("threaded", threaded), ("switch", switch), ("step", step)];
    if vm::jit::is_supported() {
        let mut compiler = Config::new();
        compiler.set_backend(Backend::Compiler);
        configs.push(("compiler", compiler));
        let mut asynchronous = Config::new();
        asynchronous.set_backend(Backend::Compiler).set_gas_metering(GasMetering::Async);
        configs.push(("compiler (async gas)", asynchronous));
        // In debug builds this also runs the interpreter beside the compiled code, run by run.
        let mut crosscheck = Config::new();
        crosscheck.set_backend(Backend::Compiler).set_crosscheck(true);
        configs.push(("crosscheck", crosscheck));
    } else {
        eprintln!("the compiler is not supported on this machine: vectors run on the interpreter only");
    }
    configs
}

fn run_all(dir: &std::path::Path) -> Vec<(&'static str, Report)> {
    configs().into_iter().map(|(name, config)| (name, run_dir_with(dir, &config).unwrap())).collect()
}

#[test]
fn jam_vectors_pass_on_every_backend() {
    let Some(corpora) = testkit::corpora() else { return };
    let dir = corpora.join("jam-pvm/pvm/programs");
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
fn own_vectors_pass_on_every_backend() {
    for (name, report) in run_all(&own_vectors_dir()) {
        for failure in &report.failed {
            eprintln!("FAIL [{name}] {}: {}", failure.name, failure.differences.join("; "));
        }
        assert!(report.passed > 50, "own vectors missing: {}", report.passed);
        assert_eq!(report.failed.len(), 0, "[{name}]");
    }
}
