//! The disassembler: a program blob or bare code blob → assembly text that the assembler
//! turns back into the same bytes.
//!
//! Each decoded position becomes one item: an instruction (with `:N` width suffixes where
//! the encoding is longer than the shortest, and a `.pad` line for ignored trailing bytes),
//! a `.raw` line when the bytes cannot be re-encoded from the decoded instruction (register
//! bytes with ignored bits set, a `load_imm64` or three-register instruction overlapping the
//! next one, invalid opcodes), or `.pad` lines for bytes no bitmask bit covers.

use alloc::collections::BTreeSet;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt::Write;

use super::inst::{slots, values, write_instruction, Slot, Value};
use super::syntax::{fmt_bytes, fmt_hex, fmt_str};
use super::DisasmOptions;
use crate::blob::{CodeBlob, Import, ProgramBlob};
use crate::decode::CodeView;
use crate::encode::{encode_with, imm_len, ImmWidths};
use crate::gas::CostModel;
use crate::inst::{Decoded, DecodedKind};
use crate::opcode::{Format, Opcode};
use crate::variant::InstructionSet;

/// Data directives carry this many bytes per line.
const DATA_CHUNK: usize = 32;
/// `.pad` lines carry this many bytes.
const PAD_CHUNK: usize = 16;
/// `.jump_table` lines carry this many entries.
const JT_CHUNK: usize = 8;
/// Column where trailing comments start.
const COMMENT_COL: usize = 44;

/// Disassembles a whole `.polkavm` program with default options.
pub fn disassemble(blob: &ProgramBlob) -> String {
    disassemble_with(blob, DisasmOptions::default())
}

/// Disassembles a whole `.polkavm` program.
pub fn disassemble_with(blob: &ProgramBlob, opts: DisasmOptions) -> String {
    let mut out = String::new();
    let _ = writeln!(out, ".isa {}", blob.isa.name());
    if blob.isa.blob_version() != Some(blob.version) {
        let _ = writeln!(out, ".version {}", blob.version);
    }
    let _ = writeln!(out, ".ro_data_size {}", blob.ro_data_size);
    let _ = writeln!(out, ".rw_data_size {}", blob.rw_data_size);
    let _ = writeln!(out, ".stack_size {}", blob.stack_size);
    for chunk in blob.ro_data.chunks(DATA_CHUNK) {
        let _ = writeln!(out, ".ro_data \"{}\"", fmt_hex(chunk));
    }
    for chunk in blob.rw_data.chunks(DATA_CHUNK) {
        let _ = writeln!(out, ".rw_data \"{}\"", fmt_hex(chunk));
    }
    for (i, import) in blob.imports.iter().enumerate() {
        let line = alloc::format!(".import {}", fmt_str(&import.symbol));
        push_commented(&mut out, &line, &alloc::format!("ecalli {i}"));
    }
    for export in &blob.exports {
        let _ = writeln!(out, ".export {} @{}", fmt_str(&export.symbol), export.pc);
    }
    for section in &blob.extra_sections {
        let mut chunks = section.payload.chunks(DATA_CHUNK);
        let _ = writeln!(out, ".section {} \"{}\"", section.id, fmt_hex(chunks.next().unwrap_or(&[])));
        for chunk in chunks {
            let _ = writeln!(out, ".section_data \"{}\"", fmt_hex(chunk));
        }
    }
    let exports: Vec<u32> = blob.exports.iter().map(|e| e.pc).collect();
    write_code(&mut out, blob.isa, &blob.code, opts, &blob.imports, &exports);
    out
}

/// Disassembles a bare code blob (jump table, code, bitmask) with default options.
pub fn disassemble_code(set: InstructionSet, code: &CodeBlob) -> String {
    disassemble_code_with(set, code, DisasmOptions::default())
}

/// Disassembles a bare code blob (jump table, code, bitmask).
pub fn disassemble_code_with(set: InstructionSet, code: &CodeBlob, opts: DisasmOptions) -> String {
    let mut out = String::new();
    let _ = writeln!(out, ".isa {}", set.name());
    write_code(&mut out, set, code, opts, &[], &[]);
    out
}

/// The jump-table entry width the assembler picks when none is given: the fewest bytes
/// that hold the largest entry (as [`CodeBlob::new`] picks it).
pub fn canonical_entry_size(jump_table: &[u32]) -> u8 {
    jump_table.iter().map(|&e| crate::blob::entry_width(e)).max().unwrap_or(0)
}

/// The bitmask the assembler derives from instruction starts: `ceil(len / 8)` bytes,
/// zero padding bits.
pub(crate) fn is_canonical_bitmask(code: &CodeBlob) -> bool {
    let len = code.code.len();
    let tail_bits = len % 8;
    code.bitmask.len() == len.div_ceil(8)
        && (tail_bits == 0 || code.bitmask.last().is_none_or(|&b| b >> tail_bits == 0))
}

fn push_commented(out: &mut String, text: &str, comment: &str) {
    out.push_str(text);
    if !comment.is_empty() {
        let pad = COMMENT_COL.saturating_sub(text.chars().count()).max(1);
        out.extend(core::iter::repeat_n(' ', pad));
        out.push_str("; ");
        out.push_str(comment);
    }
    out.push('\n');
}

/// The immediate widths the decoder used for `d` (the inverse of the encoder's choice).
fn decoder_widths(format: Format, code: &[u8], d: &Decoded) -> [Option<u8>; 2] {
    let at = |i: usize| code.get(d.pc as usize + 1 + i).copied().unwrap_or(0);
    let skip = i64::from(d.len) - 1;
    let c4 = |n: i64| Some(n.clamp(0, 4) as u8);
    let two = |l1: u8, used: i64| [Some(l1), c4(skip - used - i64::from(l1))];
    match format {
        Format::Imm | Format::Offset => [c4(skip), None],
        Format::RegImm | Format::RegRegImm | Format::RegRegOffset => [c4(skip - 1), None],
        Format::ImmImm => two((at(0) & 7).min(4), 1),
        Format::RegImmImm | Format::RegImmOffset => two(((at(0) >> 4) & 7).min(4), 1),
        Format::RegRegImmImm => two((at(1) & 7).min(4), 2),
        _ => [None, None],
    }
}

/// Renders a valid instruction so that it re-encodes to exactly its bytes: the text and the
/// number of bytes it covers (the rest is padding), or `None` when only `.raw` can.
fn render_valid(set: InstructionSet, code: &[u8], d: &Decoded) -> Option<(String, usize)> {
    let widths = decoder_widths(d.inst.opcode.format(), code, d);
    let mut buf = Vec::with_capacity(16);
    encode_with(set, &d.inst, d.pc, ImmWidths { first: widths[0], second: widths[1] }, &mut buf).ok()?;
    let start = d.pc as usize;
    let bytes = code.get(start..start + d.len as usize)?;
    if buf.len() > bytes.len() || buf[..] != bytes[..buf.len()] {
        return None;
    }
    let mut suffix = [None; 2];
    let vals = values(&d.inst.operands);
    for (slot, val) in slots(d.inst.opcode.format()).iter().zip(vals) {
        let (k, min) = match (*slot, val) {
            (Slot::Imm(k), Value::Imm(x)) => (k, imm_len(x)),
            (Slot::Target(k), Value::Imm(t)) => (k, imm_len(t.wrapping_sub(d.pc))),
            _ => continue,
        };
        if widths[k] != Some(min) {
            suffix[k] = widths[k];
        }
    }
    let mut text = String::new();
    write_instruction(&mut text, &d.inst, suffix);
    Some((text, buf.len()))
}

fn write_code(
    out: &mut String,
    set: InstructionSet,
    code: &CodeBlob,
    opts: DisasmOptions,
    imports: &[Import],
    exports: &[u32],
) {
    if code.jump_table_entry_size != canonical_entry_size(&code.jump_table) {
        let _ = writeln!(out, ".jump_table_entry_size {}", code.jump_table_entry_size);
    }
    for chunk in code.jump_table.chunks(JT_CHUNK) {
        out.push_str(".jump_table");
        for entry in chunk {
            let _ = write!(out, " @{entry}");
        }
        out.push('\n');
    }
    if !is_canonical_bitmask(code) {
        let _ = writeln!(out, ".bitmask \"{}\"", fmt_hex(&code.bitmask));
    }

    let view = CodeView::new(set, &code.code, &code.bitmask);
    let mut items = Vec::new();
    let mut pc: u32 = 0;
    while (pc as usize) < code.code.len() {
        let d = view.decode(pc);
        items.push(d);
        match pc.checked_add(d.len) {
            Some(next) if d.len > 0 => pc = next,
            _ => break,
        }
    }
    let mut refs: BTreeSet<u32> = code.jump_table.iter().chain(exports).copied().collect();
    refs.extend(
        items.iter().filter(|d| d.kind == DecodedKind::Valid).filter_map(|d| d.inst.operands.target()),
    );

    // Basic-block starts and, for annotations, each block's gas.
    let ends_block = |d: &Decoded| d.kind != DecodedKind::Valid || d.inst.opcode.is_terminator();
    let starts: Vec<bool> = (0..items.len()).map(|i| i == 0 || ends_block(&items[i - 1])).collect();
    let mut gas = alloc::vec![0u64; items.len()];
    let mut acc = 0u64;
    for i in (0..items.len()).rev() {
        let op = if items[i].kind == DecodedKind::Valid { items[i].inst.opcode } else { Opcode::Trap };
        acc += u64::from(CostModel::Naive.cost(op));
        if starts[i] {
            gas[i] = acc;
            acc = 0;
        }
    }

    for (i, d) in items.iter().enumerate() {
        if starts[i] {
            out.push('\n');
        }
        if starts[i] || refs.contains(&d.pc) {
            let label = alloc::format!("@{}:", d.pc);
            let note = if opts.show_offsets && starts[i] {
                alloc::format!("block gas {}", gas[i])
            } else {
                String::new()
            };
            push_commented(out, &label, &note);
        }
        write_item(out, set, &code.code, d, opts, imports);
    }
}

fn write_item(
    out: &mut String,
    set: InstructionSet,
    code: &[u8],
    d: &Decoded,
    opts: DisasmOptions,
    imports: &[Import],
) {
    let start = d.pc as usize;
    let bytes = code.get(start..start.saturating_add(d.len as usize)).unwrap_or(&[]);
    let mut notes = Vec::new();
    if opts.show_offsets {
        notes.push(alloc::format!("@{}", d.pc));
    }
    if opts.show_bytes {
        notes.push(fmt_hex(bytes));
    }
    let (text, covered) = match d.kind {
        DecodedKind::Valid => match render_valid(set, code, d) {
            Some((text, covered)) => {
                if let crate::inst::Operands::Imm { imm } = d.inst.operands {
                    if let Some(import) = imports.get(imm as usize) {
                        // Escaped, so that no symbol byte can end the comment line.
                        let quoted = fmt_str(&import.symbol);
                        notes.push(String::from(&quoted[1..quoted.len() - 1]));
                    }
                }
                (alloc::format!("    {text}"), covered)
            }
            None => {
                notes.insert(0, alloc::format!("= {}", super::format_instruction(&d.inst)));
                (alloc::format!("    .raw {}", fmt_bytes(bytes)), bytes.len())
            }
        },
        DecodedKind::InvalidOpcode(byte) => {
            notes.insert(0, alloc::format!("invalid opcode {byte:#04x} (traps)"));
            (alloc::format!("    .raw {}", fmt_bytes(bytes)), bytes.len())
        }
        DecodedKind::Unmarked | DecodedKind::EndOfCode => {
            notes.insert(0, String::from("no bitmask bit (traps if reached)"));
            (String::new(), 0)
        }
    };
    let note = notes.join(", ");
    if !text.is_empty() {
        push_commented(out, &text, &note);
    }
    for (j, chunk) in bytes.get(covered..).unwrap_or(&[]).chunks(PAD_CHUNK).enumerate() {
        let line = alloc::format!("    .pad {}", fmt_bytes(chunk));
        push_commented(out, &line, if text.is_empty() && j == 0 { &note } else { "" });
    }
}
