//! `gannet disasm BLOB` and `gannet asm FILE -o BLOB`: between blobs and the assembly text
//! of `isa::text` (described in `docs/assembly.md`).
//!
//! `disasm` writes a `.polkavm` program as whole-program text (data, imports, exports, code);
//! JAM standard programs and bare code blobs are written as their code blob under `gp072`,
//! a standard program with its sizes in header comments. `asm` writes a `.polkavm` blob, or
//! with `--code` a bare code blob; it reports every assembler error as `file:line:col: message`.

use std::io::{self, BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{anyhow, Context, Result};
use clap::Args;
use isa::text::{assemble, assemble_code, disassemble_code_with, disassemble_with, AsmErrors, DisasmOptions};

use crate::load::{self, printable, Program, JAM_ISA};

/// Arguments of `gannet disasm`.
#[derive(Debug, Args)]
pub struct DisasmArgs {
    /// The program: a `.polkavm` blob, a JAM standard program or a bare code blob.
    pub blob: PathBuf,
    /// Annotate every instruction with its code offset and every basic block with its gas.
    #[arg(long)]
    pub offsets: bool,
    /// Annotate every instruction with its encoded bytes.
    #[arg(long)]
    pub bytes: bool,
}

/// Arguments of `gannet asm`.
#[derive(Debug, Args)]
pub struct AsmArgs {
    /// The assembly text file.
    pub file: PathBuf,
    /// Where to write the blob.
    #[arg(short, long, value_name = "BLOB")]
    pub output: PathBuf,
    /// Write a bare code blob (GP `deblob` format) instead of a `.polkavm` container; the text
    /// may then use only `.isa`, `.jump_table`, `.jump_table_entry_size`, `.bitmask`, `.raw`
    /// and `.pad` directives.
    #[arg(long)]
    pub code: bool,
}

/// Runs `gannet disasm`.
pub fn disasm(args: &DisasmArgs) -> Result<ExitCode> {
    let loaded = load::load(&args.blob)?;
    let opts = DisasmOptions { show_offsets: args.offsets, show_bytes: args.bytes };
    let mut text = String::new();
    match &loaded.program {
        Program::Polkavm(blob) => text = disassemble_with(blob, opts),
        Program::Standard(program) => {
            text.push_str(&format!("; {}\n", loaded.program.format_name()));
            if let Some(metadata) = &program.metadata {
                text.push_str(&format!(
                    "; metadata: {} bytes \"{}\"\n",
                    metadata.len(),
                    printable(metadata, 120)
                ));
            }
            text.push_str(&format!(
                "; ro_data {} bytes, rw_data {} bytes, heap pages {}, stack {} bytes\n",
                program.ro_data.len(),
                program.rw_data.len(),
                program.heap_pages,
                program.stack_size
            ));
            text.push_str("; code blob:\n");
            text.push_str(&disassemble_code_with(JAM_ISA, &program.code, opts));
        }
        Program::Code(code) => {
            text.push_str(&format!("; {}\n", loaded.program.format_name()));
            text.push_str(&disassemble_code_with(JAM_ISA, code, opts));
        }
    }
    let mut out = BufWriter::new(io::stdout().lock());
    out.write_all(text.as_bytes())?;
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

/// Runs `gannet asm`.
pub fn asm(args: &AsmArgs) -> Result<ExitCode> {
    let bytes = load::read_file(&args.file)?;
    let text = String::from_utf8(bytes).map_err(|e| {
        anyhow!("{}: not UTF-8 text (invalid byte at {})", args.file.display(), e.utf8_error().valid_up_to())
    })?;
    let result = if args.code {
        assemble_code(&text).map(|(_, code)| code.to_bytes())
    } else {
        assemble(&text).map(|blob| blob.to_bytes())
    };
    let blob = match result {
        Ok(blob) => blob,
        Err(errors) => return Err(report_errors(args, &errors)),
    };
    std::fs::write(&args.output, &blob).with_context(|| format!("cannot write {}", args.output.display()))?;
    let kind = if args.code { "code blob" } else { ".polkavm blob" };
    writeln!(io::stdout().lock(), "wrote {} ({kind}, {} bytes)", args.output.display(), blob.len())?;
    Ok(ExitCode::SUCCESS)
}

/// Prints each diagnostic as `file:line:col: message` on stderr and returns the summary error.
fn report_errors(args: &AsmArgs, errors: &AsmErrors) -> anyhow::Error {
    let file = args.file.display();
    let mut err = io::stderr().lock();
    for e in errors.errors() {
        let _ = writeln!(err, "{file}:{}:{}: {}", e.line, e.column, e.kind);
    }
    let n = errors.len();
    anyhow!("{file}: {n} assembler error{}; nothing written", if n == 1 { "" } else { "s" })
}
