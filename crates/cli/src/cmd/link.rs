//! `gannet link ELF -o BLOB [--isa revive|gp072] [--strip]`: relinks a RISC-V ELF file into a
//! PVM program with `gannet-linker`, reporting every problem as `file: section+offset
//! (symbol+offset): message`.

use std::io::{self, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{anyhow, Context, Result};
use clap::{Args, ValueEnum};
use linker::{link as link_elf, LinkOptions, OutputIsa};

use crate::load;

/// The `--isa` values.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum IsaArg {
    /// PolkaVM `ReviveV1` (`.polkavm` version 0): runs on PolkaVM 0.37 and pallet-revive.
    #[default]
    Revive,
    /// Graypaper 0.7.2 numbering, written as a JAM standard program.
    Gp072,
}

/// Arguments of `gannet link`.
#[derive(Debug, Args)]
pub struct LinkArgs {
    /// The RISC-V ELF file (RV64E; a shared object linked with `--emit-relocs`, or a
    /// relocatable object).
    pub elf: PathBuf,
    /// Where to write the program.
    #[arg(short, long, value_name = "BLOB")]
    pub output: PathBuf,
    /// Output instruction set.
    #[arg(long, value_enum, default_value_t)]
    pub isa: IsaArg,
    /// Leave out optional sections (debug information).
    #[arg(long)]
    pub strip: bool,
}

/// Runs `gannet link`.
pub fn run(args: &LinkArgs) -> Result<ExitCode> {
    let elf = load::read_file(&args.elf)?;
    let isa = match args.isa {
        IsaArg::Revive => OutputIsa::Revive,
        IsaArg::Gp072 => OutputIsa::Gp072,
    };
    let options = LinkOptions { isa, strip: args.strip, default_stack_size: None };
    let file = args.elf.display();
    let result = link_elf(&elf, &options).and_then(|linked| linked.to_bytes().map(|b| (linked, b)));
    let (linked, bytes) = match result {
        Ok(ok) => ok,
        Err(e) if e.diagnostics.len() == 1 => return Err(anyhow!("{file}: {}", e.diagnostics[0])),
        Err(e) => {
            let mut err = io::stderr().lock();
            for d in &e.diagnostics {
                let _ = writeln!(err, "{file}: {d}");
            }
            return Err(anyhow!("{file}: {} error(s), no output written", e.diagnostics.len()));
        }
    };
    std::fs::write(&args.output, &bytes)
        .with_context(|| format!("cannot write {}", args.output.display()))?;
    for warning in &linked.warnings {
        let _ = writeln!(io::stderr().lock(), "warning: {file}: {warning}");
    }
    let b = &linked.blob;
    writeln!(
        io::stdout().lock(),
        "wrote {} ({} bytes: {} code bytes, {} jump-table entries, {} imports, {} exports)",
        args.output.display(),
        bytes.len(),
        b.code.code.len(),
        b.code.jump_table.len(),
        b.imports.len(),
        b.exports.len()
    )?;
    Ok(ExitCode::SUCCESS)
}
