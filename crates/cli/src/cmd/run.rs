//! `gannet run BLOB`: runs a program and prints how it ended.
//!
//! * A `.polkavm` blob: `--export NAME` calls an export with `--arg` values in `a0..a5`
//!   (`Instance::call`); `--pc N` calls the code at offset `N` the same way. No host functions
//!   are bound yet, so an `ecalli` ends the run with an error naming the import.
//! * A JAM standard program: `--pc N` starts at `N` with the GP's standard initialisation
//!   (`--input HEX` gives the argument bytes) and runs until it exits; a host call ends the run
//!   and is reported as `exit: host call N` (no JAM host functions exist yet).
//! * A bare code blob: `--pc N` runs it under `gp072` with no memory mapped, `--arg` values
//!   in `a0..a5` and `ra` set to the return-to-host address.
//!
//! Output, on stdout: the final `a0` as `0x` hex on the first line; with `--time` a line
//! `time: <number> <ns|us|ms|s>` measuring only the call or run (not loading, compiling or
//! instantiating); then `exit: <reason>`, `gas: <left>` and, unless the program halted,
//! `pc: <offset>`. Every exit reason is a result, so the status is 0; it is non-zero only when
//! the program could not be run.

use std::io::{self, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Context, Result};
use clap::{ArgGroup, Args};
use isa::blob::{CodeBlob, ProgramBlob, StandardProgram};
use vm::{Engine, ExitReason, Imports, Instance, Module, ProgramImage, Reg};

use super::{BackendArg, GasArg};
use crate::load::{self, Program, JAM_ISA};
use crate::num::{format_duration, parse_gas, parse_hex, parse_u32, parse_u64, HexBytes};

/// Gas given to a run when `--gas` is not set.
pub const DEFAULT_GAS: i64 = 10_000_000_000;

/// Most register arguments a call takes (`a0..a5`).
const MAX_ARGS: usize = 6;

/// Arguments of `gannet run`.
#[derive(Debug, Args)]
#[command(group(ArgGroup::new("entry").required(true).args(["export", "pc"])))]
pub struct RunArgs {
    /// The program: a `.polkavm` blob, a JAM standard program or a bare code blob.
    pub blob: PathBuf,
    /// Export to call (`.polkavm` blobs).
    #[arg(long, value_name = "NAME")]
    pub export: Option<String>,
    /// Code offset to start at (JAM standard programs: 0 = refine/is-authorized, 5 = accumulate).
    #[arg(long, value_name = "N", value_parser = parse_u32, allow_negative_numbers = true)]
    pub pc: Option<u32>,
    /// An argument for `a0..a5`, in order (decimal, 0x hex, or negative decimal); repeatable.
    #[arg(long = "arg", value_name = "N", value_parser = parse_u64, allow_negative_numbers = true)]
    pub args: Vec<u64>,
    /// Argument bytes for a JAM standard program, in hex.
    #[arg(long, value_name = "HEX", value_parser = parse_hex)]
    pub input: Option<HexBytes>,
    /// Gas for the run.
    #[arg(
        long,
        value_name = "G",
        value_parser = parse_gas,
        default_value_t = DEFAULT_GAS,
        allow_negative_numbers = true
    )]
    pub gas: i64,
    /// Execution backend.
    #[arg(long, value_enum, default_value_t = BackendArg::Interpreter)]
    pub backend: BackendArg,
    /// How compiled code checks its gas.
    #[arg(long, value_enum, default_value_t = GasArg::Sync)]
    pub gas_metering: GasArg,
    /// Print how long the call itself took.
    #[arg(long)]
    pub time: bool,
}

/// How a run ended.
struct Outcome {
    exit: ExitReason,
    a0: u64,
    gas: i64,
    pc: u32,
    elapsed: Duration,
}

/// Runs `gannet run`.
pub fn run(args: &RunArgs) -> Result<ExitCode> {
    if args.args.len() > MAX_ARGS {
        bail!("too many --arg values: {} (at most {MAX_ARGS}, for a0..a5)", args.args.len());
    }
    let engine = args.backend.engine(args.gas_metering)?;
    let loaded = load::load(&args.blob)?;
    let outcome = match &loaded.program {
        Program::Polkavm(blob) => run_polkavm(args, &engine, blob)?,
        Program::Standard(program) => run_standard(args, &engine, program)?,
        Program::Code(code) => run_code(args, &engine, code)?,
    };

    let mut out = io::stdout().lock();
    writeln!(out, "{:#x}", outcome.a0)?;
    if args.time {
        writeln!(out, "time: {}", format_duration(outcome.elapsed))?;
    }
    writeln!(out, "exit: {}", outcome.exit)?;
    writeln!(out, "gas: {}", outcome.gas)?;
    if outcome.exit != ExitReason::Halt {
        writeln!(out, "pc: {}", outcome.pc)?;
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

/// Pre-decodes the image and makes an instance with the requested gas.
fn instantiate(engine: &Engine, image: ProgramImage, gas: i64) -> Result<Instance> {
    let module = Module::new(engine, image).context("cannot load the program")?;
    let mut instance = Instance::new(&module).context("cannot instantiate the program")?;
    instance.set_gas(gas);
    Ok(instance)
}

fn run_polkavm(args: &RunArgs, engine: &Engine, blob: &ProgramBlob) -> Result<Outcome> {
    if args.input.is_some() {
        bail!("--input gives argument bytes to JAM standard programs; pass .polkavm arguments with --arg");
    }
    let image = ProgramImage::from_polkavm(blob).context("cannot load the program")?;
    let mut instance = instantiate(engine, image, args.gas)?;
    let imports = Imports::<()>::new();
    let (outcome, elapsed, what) = match (&args.export, args.pc) {
        (Some(name), _) => {
            if instance.module().export_pc(name).is_none() {
                let names: Vec<&str> =
                    instance.module().image().exports.iter().map(|(n, _)| n.as_str()).collect();
                let available = if names.is_empty() { "it has none".to_string() } else { names.join(", ") };
                bail!("no export named `{name}` (exports: {available})");
            }
            let start = Instant::now();
            let outcome = instance.call(&imports, &mut (), name, &args.args);
            (outcome, start.elapsed(), format!("export `{name}`"))
        }
        (None, Some(pc)) => {
            instance.prepare_call(pc, &args.args)?;
            let start = Instant::now();
            let outcome = instance.resume_call(&imports, &mut ());
            (outcome, start.elapsed(), format!("code at @{pc}"))
        }
        (None, None) => bail!("give --export NAME or --pc N"),
    };
    let outcome = outcome.with_context(|| format!("the call to {what} failed"))?;
    Ok(Outcome { exit: outcome.exit, a0: outcome.a0, gas: outcome.gas, pc: instance.pc(), elapsed })
}

fn run_standard(args: &RunArgs, engine: &Engine, program: &StandardProgram) -> Result<Outcome> {
    let Some(pc) = args.pc else {
        bail!(
            "a JAM standard program has no named exports; start it with --pc N \
             (0 = refine/is-authorized, 5 = accumulate)"
        );
    };
    if !args.args.is_empty() {
        bail!("--arg sets export arguments; give a JAM standard program its argument bytes with --input HEX");
    }
    let input = args.input.as_ref().map_or(&[][..], |h| &h.0[..]);
    let image = ProgramImage::from_standard(program, JAM_ISA, input).context("cannot load the program")?;
    let mut instance = instantiate(engine, image, args.gas)?;
    instance.set_next_pc(pc);
    Ok(timed_run(&mut instance))
}

fn run_code(args: &RunArgs, engine: &Engine, code: &CodeBlob) -> Result<Outcome> {
    let Some(pc) = args.pc else {
        bail!("a bare code blob has no exports; start it with --pc N");
    };
    if args.input.is_some() {
        return Err(anyhow!("--input needs a JAM standard program; a bare code blob has no memory for it"));
    }
    let mut instance = instantiate(engine, ProgramImage::bare(JAM_ISA, code.clone()), args.gas)?;
    instance.prepare_call(pc, &args.args)?;
    Ok(timed_run(&mut instance))
}

/// Runs until the first exit of any kind (a host call included), timing only the run.
fn timed_run(instance: &mut Instance) -> Outcome {
    let start = Instant::now();
    let exit = instance.run();
    let elapsed = start.elapsed();
    Outcome { exit, a0: instance.reg(Reg::A0), gas: instance.gas(), pc: instance.pc(), elapsed }
}
