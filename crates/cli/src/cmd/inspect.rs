//! `gannet inspect BLOB`: what a program file is and whether it would run.
//!
//! Prints the format, the instruction set, sizes, imports and exports, code statistics and
//! the validation result. Counting rules:
//!
//! * **instructions** are the bitmask-marked code offsets (each marks an instruction start);
//!   invalid opcodes among them are reported separately;
//! * **basic blocks** are the offsets where a block starts: offset 0 and every instruction
//!   after a terminator (branches, jumps, `trap`, `fallthrough`; an invalid opcode counts as
//!   `trap`), as the decoder walks the code.

use std::fmt::Write as _;
use std::io::{self, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use clap::Args;
use isa::blob::{symbol_name, CodeBlob, PolkavmLayout, ProgramBlob, StandardProgram};
use isa::{DecodedKind, InstructionSet};
use vm::{Config, Engine, Module, ProgramImage};

use crate::load::{self, printable, Program};

/// Arguments of `gannet inspect`.
#[derive(Debug, Args)]
pub struct InspectArgs {
    /// The program: a `.polkavm` blob, a JAM standard program or a bare code blob.
    pub blob: PathBuf,
}

/// Code statistics.
struct CodeStats {
    marked: usize,
    invalid_opcodes: usize,
    blocks: usize,
}

fn code_stats(code: &CodeBlob, set: InstructionSet) -> CodeStats {
    let view = code.view(set);
    let marked = (0..view.len()).filter(|&offset| view.is_marked(offset)).count();
    let invalid_opcodes =
        view.instructions().filter(|d| matches!(d.kind, DecodedKind::InvalidOpcode(_))).count();
    // Blocks that start inside the code (the implicit end-of-code trap is not counted).
    let blocks = view.block_starts().filter(|&pc| pc < view.len()).count();
    CodeStats { marked, invalid_opcodes, blocks }
}

/// `name: value` lines with aligned values.
fn field(out: &mut String, name: &str, value: impl std::fmt::Display) {
    let _ = writeln!(out, "{:<14}{value}", format!("{name}:"));
}

fn bytes(n: impl Into<u64>) -> String {
    let n = n.into();
    if n == 1 {
        "1 byte".into()
    } else {
        format!("{n} bytes")
    }
}

/// Runs `gannet inspect`.
pub fn run(args: &InspectArgs) -> Result<ExitCode> {
    let loaded = load::load(&args.blob)?;
    let mut out = String::new();
    field(&mut out, "file", loaded.path.display());
    field(&mut out, "format", loaded.program.format_name());
    field(&mut out, "blob size", bytes(loaded.size as u64));
    let mut problems = Vec::new();
    let image = match &loaded.program {
        Program::Polkavm(blob) => polkavm(&mut out, blob, &mut problems),
        Program::Standard(program) => standard(&mut out, program, &mut problems),
        Program::Code(code) => {
            field(&mut out, "isa", format!("{} (assumed: the JAM vectors' numbering)", load::JAM_ISA.name()));
            Ok(ProgramImage::bare(load::JAM_ISA, code.clone()))
        }
    };
    let code = loaded.program.code();
    let set = loaded.program.isa();
    let stats = code_stats(code, set);
    field(&mut out, "code", bytes(code.code.len() as u64));
    let invalid = match stats.invalid_opcodes {
        0 => String::new(),
        n => format!(", {n} with an opcode invalid in {}", set.name()),
    };
    field(&mut out, "instructions", format!("{} (bitmask-marked offsets{invalid})", stats.marked));
    field(
        &mut out,
        "jump table",
        format!("{} entries ({} per entry)", code.jump_table.len(), bytes(code.jump_table_entry_size)),
    );
    field(
        &mut out,
        "basic blocks",
        format!("{} (offset 0 and every offset after a terminator)", stats.blocks),
    );

    // A container's code is checked by `ProgramBlob::validate` above.
    if !matches!(loaded.program, Program::Polkavm(_)) {
        if let Err(e) = code.validate() {
            problems.push(format!("code blob: {e}"));
        }
    }
    let view = code.view(set);
    let bad_targets = code.jump_table.iter().filter(|&&pc| !view.is_jump_target_valid(pc)).count();
    if bad_targets > 0 {
        problems.push(format!(
            "{bad_targets} jump-table entries are not basic-block starts (jumps to them panic)"
        ));
    }
    if problems.is_empty() {
        field(&mut out, "validation", "ok");
    } else {
        field(&mut out, "validation", format!("{} problem(s)", problems.len()));
        for p in &problems {
            let _ = writeln!(out, "  - {p}");
        }
    }
    let runnable = image.and_then(|image| {
        let engine = Engine::new(&Config::new()).map_err(|e| e.to_string())?;
        Module::new(&engine, image).map_err(|e| e.to_string())
    });
    match runnable {
        Ok(_) => field(&mut out, "runnable", "yes (interpreter)"),
        Err(reason) => field(&mut out, "runnable", format!("no: {reason}")),
    }
    let mut stdout = io::stdout().lock();
    stdout.write_all(out.as_bytes())?;
    stdout.flush()?;
    Ok(ExitCode::SUCCESS)
}

/// The `.polkavm` part: version, memory configuration and layout, imports, exports.
/// Returns the program image the VM would run, or why there is none.
fn polkavm(out: &mut String, blob: &ProgramBlob, problems: &mut Vec<String>) -> Result<ProgramImage, String> {
    field(out, "version", format!("{} (instruction set {})", blob.version, blob.isa.name()));
    field(
        out,
        "ro data",
        format!("{} declared, {} initial", bytes(blob.ro_data_size), bytes(blob.ro_data.len() as u64)),
    );
    field(
        out,
        "rw data",
        format!("{} declared, {} initial", bytes(blob.rw_data_size), bytes(blob.rw_data.len() as u64)),
    );
    field(out, "stack", bytes(blob.stack_size));
    match PolkavmLayout::for_program(blob, 0) {
        Ok(l) => field(
            out,
            "memory map",
            format!(
                "ro {:#x}+{:#x}, rw {:#x}+{:#x}, heap from {:#x}, stack {:#x}..{:#x}",
                l.ro_address, l.ro_size, l.rw_address, l.rw_size, l.heap_base, l.stack_low, l.stack_high
            ),
        ),
        Err(e) => problems.push(format!("memory layout: {e}")),
    }
    if !blob.extra_sections.is_empty() {
        let ids: Vec<String> = blob
            .extra_sections
            .iter()
            .map(|s| format!("{} ({})", s.id, bytes(s.payload.len() as u64)))
            .collect();
        field(out, "extra sections", ids.join(", "));
    }
    field(out, "imports", blob.imports.len());
    for (i, import) in blob.imports.iter().enumerate() {
        let _ = writeln!(out, "  {i:<6} {}", symbol_name(&import.symbol));
    }
    field(out, "exports", blob.exports.len());
    let view = blob.code_view();
    for export in &blob.exports {
        let name = symbol_name(&export.symbol);
        let _ = writeln!(out, "  {:<6} {name}", format!("@{}", export.pc));
        if !view.is_jump_target_valid(export.pc) {
            problems.push(format!("export `{name}` at @{} is not a basic-block start", export.pc));
        }
    }
    if let Err(e) = blob.validate() {
        problems.push(format!("blob: {e}"));
    }
    ProgramImage::from_polkavm(blob).map_err(|e| e.to_string())
}

/// The JAM standard program part: metadata, sizes, layout.
/// Returns the program image (with empty arguments) the VM would run, or why there is none.
fn standard(
    out: &mut String,
    program: &StandardProgram,
    problems: &mut Vec<String>,
) -> Result<ProgramImage, String> {
    field(out, "isa", format!("{} (JAM standard programs use the GP 0.7.2 numbering)", load::JAM_ISA.name()));
    if let Some(metadata) = &program.metadata {
        field(out, "metadata", format!("{} \"{}\"", bytes(metadata.len() as u64), printable(metadata, 80)));
    }
    field(out, "ro data", bytes(program.ro_data.len() as u64));
    field(out, "rw data", bytes(program.rw_data.len() as u64));
    field(out, "heap pages", program.heap_pages);
    field(out, "stack", bytes(program.stack_size));
    match program.layout(0) {
        Ok(l) => field(
            out,
            "memory map",
            format!(
                "ro {:#x}+{:#x}, rw {:#x}+{:#x}, heap from {:#x}, stack {:#x}..{:#x}, args at {:#x}",
                l.ro_base,
                l.ro_size,
                l.rw_base,
                l.rw_size,
                l.initial_heap_top,
                l.stack_low,
                l.stack_high,
                l.args_base
            ),
        ),
        Err(e) => problems.push(format!("memory layout: {e}")),
    }
    field(out, "imports", "none (host calls are `ecalli n` with JAM host function numbers)");
    field(
        out,
        "exports",
        "none by name (entry points are code offsets: 0 = refine/is-authorized, 5 = accumulate)",
    );
    ProgramImage::from_standard(program, load::JAM_ISA, &[]).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_blocks_and_instructions() {
        let blob = isa::text::assemble(
            ".isa revive\n.export \"f\" @f\nf: load_imm a0, 1\nfallthrough\nadd_64 a0, a0, a1\njump_indirect ra, 0\n",
        )
        .unwrap();
        let stats = code_stats(&blob.code, blob.isa);
        assert_eq!(stats.marked, 4);
        assert_eq!(stats.blocks, 2);
        assert_eq!(stats.invalid_opcodes, 0);
    }
}
