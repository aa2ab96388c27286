//! `gannet`: the command-line front end of the Gannet PVM.
//!
//! Subcommands: `run` (call an export or start at a pc), `inspect` (describe a blob),
//! `disasm` and `asm` (text ↔ blob), `conformance` (run a directory of JSON test vectors),
//! `link` (ELF → blob), `bench` (the guest suite on every VM).
//! Every failure is reported as a single `error: ...` line on stderr with a non-zero exit
//! status; nothing here panics on bad input.
#![forbid(unsafe_code)]

mod cmd;
mod load;
mod num;

use std::io::{self, Write};
use std::process::ExitCode;

use clap::error::ErrorKind;
use clap::{Parser, Subcommand};

/// The Gannet PVM: run, inspect, disassemble and assemble PVM programs.
#[derive(Debug, Parser)]
#[command(name = "gannet", version, about, long_about = None, propagate_version = true)]
struct Cli {
    /// What to do.
    #[command(subcommand)]
    command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
enum Command {
    /// Call an export of a program (or start at a code offset) and print the result.
    Run(cmd::run::RunArgs),
    /// Describe a program blob: format, sizes, imports, exports, code statistics, validity.
    Inspect(cmd::inspect::InspectArgs),
    /// Print the assembly text of a program blob.
    Disasm(cmd::asm::DisasmArgs),
    /// Assemble a text file into a `.polkavm` blob (or, with `--code`, a bare code blob).
    Asm(cmd::asm::AsmArgs),
    /// Run every JSON test vector in a directory and report the failures.
    Conformance(cmd::conformance::ConformanceArgs),
    /// Relink a RISC-V ELF file into a PVM program blob.
    Link(cmd::link::LinkArgs),
    /// Run the guest suite on every VM and write the report (BENCHMARKS.md and a chart).
    Bench(cmd::bench::BenchArgs),
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => return report_clap_error(&err),
    };
    let result = match cli.command {
        Command::Run(args) => cmd::run::run(&args),
        Command::Inspect(args) => cmd::inspect::run(&args),
        Command::Disasm(args) => cmd::asm::disasm(&args),
        Command::Asm(args) => cmd::asm::asm(&args),
        Command::Conformance(args) => cmd::conformance::run(&args),
        Command::Link(args) => cmd::link::run(&args),
        Command::Bench(args) => cmd::bench::run(&args),
    };
    match result {
        Ok(code) => code,
        Err(err) if is_broken_pipe(&err) => ExitCode::FAILURE,
        Err(err) => {
            // `{:#}` joins the context chain with ": " on one line; the messages themselves
            // are single-line, but make sure a stray newline cannot split the report.
            let message = format!("{err:#}").replace('\n', " ");
            let _ = writeln!(io::stderr(), "error: {message}");
            ExitCode::FAILURE
        }
    }
}

/// Prints a command-line parsing error. Help and version requests go to stdout with status 0.
/// A value that a parser rejected (a bad number, say) is reported on its first line only, which
/// names the flag, the value and the reason; other usage errors keep clap's usage hint.
fn report_clap_error(err: &clap::Error) -> ExitCode {
    match err.kind() {
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => {
            let _ = err.print();
            ExitCode::SUCCESS
        }
        ErrorKind::ValueValidation => {
            let rendered = err.render().to_string();
            let first = rendered.lines().next().unwrap_or("error: invalid value");
            let _ = writeln!(io::stderr(), "{first}");
            ExitCode::from(2)
        }
        _ => {
            let _ = err.print();
            ExitCode::from(2)
        }
    }
}

/// Whether an error comes from writing to a closed pipe (`gannet disasm x | head`); such
/// runs end quietly.
fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain()
        .any(|cause| cause.downcast_ref::<io::Error>().is_some_and(|e| e.kind() == io::ErrorKind::BrokenPipe))
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn bad_numbers_are_value_errors() {
        let err =
            Cli::try_parse_from(["gannet", "run", "x.polkavm", "--export", "f", "--arg", "zz"]).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::ValueValidation);
        let first = err.render().to_string();
        let first = first.lines().next().unwrap();
        assert!(first.starts_with("error: invalid value 'zz' for '--arg"), "{first}");
    }
}
