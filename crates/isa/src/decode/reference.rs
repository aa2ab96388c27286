//! Test-only reference decoder: the straightforward bit-by-bit definitions (the decoder as it
//! was before the word-sized bitmask windows), which the fast decoder must agree with exactly.

use alloc::vec::Vec;

use super::{CodeView, MAX_SKIP};
use crate::inst::{Decoded, DecodedKind, Instruction, Operands};
use crate::opcode::{Format, Opcode};
use crate::reg::Reg;

fn clamp4(n: i64) -> usize {
    n.clamp(0, 4) as usize
}

/// Operand decoding from a zero-padded 24-byte argument array.
pub fn operands(opcode: Opcode, pc: u32, args: &[u8; 24], skip: u32) -> Operands {
    use super::read_imm;
    let l = i64::from(skip);
    let lo = |i: usize| Reg::from_nibble(args[i]);
    let hi = |i: usize| Reg::from_nibble(args[i] >> 4);
    match opcode.format() {
        Format::Argless => Operands::Argless,
        Format::Imm => Operands::Imm { imm: read_imm(args, 0, clamp4(l)) },
        Format::Offset => Operands::Offset { target: pc.wrapping_add(read_imm(args, 0, clamp4(l))) },
        Format::RegImm64 => {
            let mut raw = [0u8; 8];
            raw.copy_from_slice(&args[1..9]);
            Operands::RegImm64 { reg: lo(0), imm: u64::from_le_bytes(raw) }
        }
        Format::ImmImm => {
            let l1 = usize::from(args[0] & 7).min(4);
            let l2 = clamp4(l - 1 - l1 as i64);
            Operands::ImmImm { imm1: read_imm(args, 1, l1), imm2: read_imm(args, 1 + l1, l2) }
        }
        Format::RegImm => Operands::RegImm { reg: lo(0), imm: read_imm(args, 1, clamp4(l - 1)) },
        Format::RegImmImm | Format::RegImmOffset => {
            let l1 = usize::from((args[0] >> 4) & 7).min(4);
            let l2 = clamp4(l - 1 - l1 as i64);
            let imm1 = read_imm(args, 1, l1);
            let imm2 = read_imm(args, 1 + l1, l2);
            if opcode.format() == Format::RegImmImm {
                Operands::RegImmImm { reg: lo(0), imm1, imm2 }
            } else {
                Operands::RegImmOffset { reg: lo(0), imm: imm1, target: pc.wrapping_add(imm2) }
            }
        }
        Format::RegReg => Operands::RegReg { d: lo(0), s: hi(0) },
        Format::RegRegImm => {
            Operands::RegRegImm { a: lo(0), b: hi(0), imm: read_imm(args, 1, clamp4(l - 1)) }
        }
        Format::RegRegOffset => Operands::RegRegOffset {
            a: lo(0),
            b: hi(0),
            target: pc.wrapping_add(read_imm(args, 1, clamp4(l - 1))),
        },
        Format::RegRegImmImm => {
            let l1 = usize::from(args[1] & 7).min(4);
            let l2 = clamp4(l - 2 - l1 as i64);
            Operands::RegRegImmImm {
                a: lo(0),
                b: hi(0),
                imm1: read_imm(args, 2, l1),
                imm2: read_imm(args, 2 + l1, l2),
            }
        }
        Format::RegRegReg => Operands::RegRegReg { d: lo(1), s1: lo(0), s2: hi(0) },
    }
}

/// `skip`, one bit at a time.
pub fn skip(view: &CodeView<'_>, offset: u32) -> u32 {
    let mut n = 0;
    while n < MAX_SKIP {
        let next = offset.saturating_add(1 + n);
        if next as usize >= view.code.len() || view.is_marked(next) {
            break;
        }
        n += 1;
    }
    n
}

/// `previous_skip`, one bit at a time.
pub fn previous_skip(view: &CodeView<'_>, offset: u32) -> Option<u32> {
    (0..=MAX_SKIP).find(|&s| offset > s && view.is_marked(offset - s - 1))
}

/// `is_instruction_start` on the reference `previous_skip`.
pub fn is_instruction_start(view: &CodeView<'_>, offset: u32) -> bool {
    (offset as usize) < view.code.len()
        && (offset == 0 || view.is_marked(offset) || previous_skip(view, offset) == Some(MAX_SKIP))
}

/// `is_jump_target_valid` on the reference bitmask queries.
pub fn is_jump_target_valid(view: &CodeView<'_>, offset: u32) -> bool {
    if !is_instruction_start(view, offset) {
        return false;
    }
    match previous_skip(view, offset) {
        None => true,
        Some(s) => view.set.opcode(view.code[(offset - s - 1) as usize]).is_none_or(Opcode::is_terminator),
    }
}

/// `decode` on the reference bitmask queries and operand decoding.
pub fn decode(view: &CodeView<'_>, offset: u32) -> Decoded {
    let len = view.code.len();
    if offset as usize >= len {
        return Decoded { pc: offset, len: 1, inst: Instruction::TRAP, kind: DecodedKind::EndOfCode };
    }
    if !view.is_marked(offset) {
        let mut next = offset + 1;
        while (next as usize) < len && !view.is_marked(next) {
            next += 1;
        }
        return Decoded {
            pc: offset,
            len: next - offset,
            inst: Instruction::TRAP,
            kind: DecodedKind::Unmarked,
        };
    }
    let byte = view.code[offset as usize];
    let skip = skip(view, offset);
    let Some(opcode) = view.set.opcode(byte) else {
        let kind = DecodedKind::InvalidOpcode(byte);
        return Decoded { pc: offset, len: 1 + skip, inst: Instruction::TRAP, kind };
    };
    let mut args = [0u8; 24];
    let start = offset as usize + 1;
    let end = (start + 16).min(len);
    if start < end {
        args[..end - start].copy_from_slice(&view.code[start..end]);
    }
    let operands = operands(opcode, offset, &args, skip);
    Decoded { pc: offset, len: 1 + skip, inst: Instruction { opcode, operands }, kind: DecodedKind::Valid }
}

/// The instruction stream on the reference `decode`.
pub fn instructions(view: &CodeView<'_>) -> Vec<Decoded> {
    let mut out = Vec::new();
    let mut pc = 0u32;
    let mut done = view.code.is_empty();
    while !done {
        let decoded = decode(view, pc);
        let next = decoded.next_pc();
        let falls_off = next as usize >= view.code.len() && !decoded.inst.opcode.can_fall_through();
        done = decoded.kind == DecodedKind::EndOfCode || falls_off;
        pc = next;
        out.push(decoded);
    }
    out
}
