//! `gannet bench`: the guest suite on every VM this binary was built with (Gannet's
//! interpreter and native code always; PolkaVM 0.37 and wasmi with the `peers` feature), one
//! table of times and ratios, compile time per KiB and the host-call round trip; writes the
//! section of `BENCHMARKS.md` and the SVG chart.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{anyhow, bail, Context, Result};
use benches::document::{section, write_section, Provenance};
use benches::harness::{all_vms, PEERS};
use benches::run::{run as run_suite, Options};
use benches::suite::{load_programs, repo_root, GuestBuild};
use clap::Args;

/// Arguments of `gannet bench`.
#[derive(Debug, Args)]
pub struct BenchArgs {
    /// Small arguments and one run per pair: checks that everything works, measures nothing.
    #[arg(long)]
    pub quick: bool,
    /// Only this program (repeatable; default: the whole suite).
    #[arg(long = "program", value_name = "NAME")]
    pub programs: Vec<String>,
    /// Only this VM (repeatable): native, gannet-interp, gannet-jit, polkavm-interp, polkavm-jit,
    /// wasmi; also gannet-jit-unmetered (the compiler without gas metering) and
    /// gannet-jit-async (`Async` gas metering), only measured when named.
    #[arg(long = "vm", value_name = "NAME")]
    pub vms: Vec<String>,
    /// Minimum time spent in timed runs per program and VM, in seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 1.0)]
    pub min_time: f64,
    /// The Gannet source tree (for `guest/`; default: the tree this binary was built from).
    #[arg(long, value_name = "DIR")]
    pub repo: Option<PathBuf>,
    /// Use the guest builds in this directory as they are (default: run `guest/build.sh`
    /// into `<repo>/target/guest`).
    #[arg(long, value_name = "DIR")]
    pub guest_dir: Option<PathBuf>,
    /// Write the report section into this Markdown file (default: `<repo>/BENCHMARKS.md`, and
    /// only after a complete run: every VM and program, not `--quick`).
    #[arg(long, value_name = "FILE")]
    pub markdown: Option<PathBuf>,
    /// Write the chart here (default: `<repo>/docs/benchmarks/guest-suite.svg`, after a complete
    /// run only).
    #[arg(long, value_name = "FILE")]
    pub chart: Option<PathBuf>,
    /// Print the report only; write no files.
    #[arg(long)]
    pub no_write: bool,
}

/// Runs `gannet bench`.
pub fn run(args: &BenchArgs) -> Result<ExitCode> {
    let repo = args.repo.clone().unwrap_or_else(repo_root);
    let programs = load_programs(&repo)
        .with_context(|| format!("no guest suite under {} (pass --repo)", repo.display()))?;
    for name in &args.programs {
        if !programs.iter().any(|p| &p.name == name) {
            bail!("unknown program {name:?} (see guest/programs/expected.txt)");
        }
    }
    if !(args.min_time.is_finite() && args.min_time >= 0.0) {
        bail!("--min-time must be a non-negative number of seconds");
    }
    let vms = all_vms()?;
    for name in &args.vms {
        if !vms.iter().any(|vm| vm.name() == name) {
            let known: Vec<&str> = vms.iter().map(|vm| vm.name()).collect();
            bail!("unknown or unavailable VM {name:?} (this build has: {})", known.join(", "));
        }
    }
    let build = match &args.guest_dir {
        Some(dir) => GuestBuild::existing(dir),
        None => GuestBuild::build(&repo, &repo.join("target").join("guest"))?,
    };
    if !PEERS {
        eprintln!("note: built without PolkaVM and wasmi; for them: cargo run --release -p gannet-cli --features peers -- bench");
    }
    let mut options = if args.quick { Options::quick() } else { Options::full() };
    options.only = args.programs.clone();
    options.vms = args.vms.clone();
    if !args.quick {
        options.budget.min_time = Duration::from_secs_f64(args.min_time);
    }
    let report = run_suite(&vms, &build, &programs, &options, &mut |line| eprintln!("{line}"))?;
    let provenance = Provenance::collect(&repo);
    let write = !args.no_write;
    // The repository's report and chart are rewritten by default only by a complete run: every
    // VM and program, full arguments. Anything less writes only where asked explicitly.
    let complete = !args.quick && PEERS && args.programs.is_empty() && args.vms.is_empty();
    if !complete && !args.no_write && (args.markdown.is_none() || args.chart.is_none()) {
        eprintln!("note: not a complete run, so BENCHMARKS.md and the chart are left alone (use --markdown/--chart)");
    }
    let chart_path =
        args.chart.clone().or_else(|| complete.then(|| repo.join("docs/benchmarks/guest-suite.svg")));
    let markdown_path = args.markdown.clone().or_else(|| complete.then(|| repo.join("BENCHMARKS.md")));
    let mut chart_link = None;
    if let (true, Some(path)) = (write, &chart_path) {
        let title = format!("Gannet guest suite, {}", provenance.date);
        let svg = benches::chart::svg(&report, &title)?;
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).with_context(|| format!("create {}", parent.display()))?;
        }
        std::fs::write(path, svg).with_context(|| format!("write {}", path.display()))?;
        chart_link = Some(relative_link(markdown_path.as_deref(), path));
    }
    let text = section(&report, &provenance, chart_link.as_deref());
    println!("{}", report.markdown());
    if let (true, Some(path)) = (write, &markdown_path) {
        write_section(path, &text)?;
        eprintln!("wrote {}", path.display());
    }
    if let (true, Some(path)) = (write, &chart_path) {
        eprintln!("wrote {}", path.display());
    }
    if !report.failures.is_empty() {
        return Err(anyhow!(
            "{} measurement(s) failed: {}",
            report.failures.len(),
            report.failures.join("; ")
        ));
    }
    Ok(ExitCode::SUCCESS)
}

/// The chart's path as the Markdown file would link it (relative to its directory if inside).
fn relative_link(markdown: Option<&Path>, chart: &Path) -> String {
    let dir = markdown.and_then(Path::parent);
    match dir.and_then(|d| chart.strip_prefix(d).ok()) {
        Some(relative) => relative.display().to_string(),
        None => chart.display().to_string(),
    }
}
