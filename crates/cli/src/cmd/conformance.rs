//! `gannet conformance DIR`: runs every `*.json` test vector in a directory (the JAM PVM
//! vectors' schema plus Gannet's extensions) on one backend.
//!
//! Output: one `FAIL <name>: <difference>; <difference>; ...` line per failing vector, then
//! the line `N passed, M failed`. The exit status is non-zero when a vector failed.

use std::io::{self, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Context, Result};
use clap::Args;

use super::{BackendArg, GasArg};

/// Arguments of `gannet conformance`.
#[derive(Debug, Args)]
pub struct ConformanceArgs {
    /// Directory of JSON test vectors (e.g. `jam-pvm/pvm/programs` of the corpora).
    pub dir: PathBuf,
    /// Backend to run the vectors on.
    #[arg(long, value_enum, default_value_t = BackendArg::Interpreter)]
    pub backend: BackendArg,
    /// How compiled code checks its gas.
    #[arg(long, value_enum, default_value_t = GasArg::Sync)]
    pub gas_metering: GasArg,
}

/// Runs `gannet conformance`.
pub fn run(args: &ConformanceArgs) -> Result<ExitCode> {
    // Check the backend once, so that an unavailable one is one error, not one per vector.
    args.backend.engine(args.gas_metering)?;
    if !args.dir.is_dir() {
        bail!("{}: not a directory", args.dir.display());
    }
    let report = conformance::run_dir_with(&args.dir, &args.backend.config(args.gas_metering))
        .with_context(|| format!("cannot load the test vectors in {}", args.dir.display()))?;
    let failed = report.failed.len();
    if report.passed + failed == 0 {
        bail!("{}: no test vectors (*.json files) found", args.dir.display());
    }

    let mut out = io::stdout().lock();
    for failure in &report.failed {
        let differences: Vec<String> = failure.differences.iter().map(|d| d.replace('\n', " ")).collect();
        writeln!(out, "FAIL {}: {}", failure.name, differences.join("; "))?;
    }
    writeln!(out, "{} passed, {} failed", report.passed, failed)?;
    out.flush()?;
    Ok(if failed == 0 { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}
