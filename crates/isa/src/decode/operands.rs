//! Operand layouts: reading an instruction's operands from the bytes after its opcode byte.
//!
//! The fast path works on a little-endian `u128` "chunk" of the 16 bytes following the opcode
//! (zero-padded past the end of the code), as PolkaVM's decoder does; no operand reads past
//! byte 10 of it.

use crate::inst::Operands;
use crate::opcode::{Format, Opcode};
use crate::reg::Reg;

/// Reads a little-endian immediate of `len` (0..=4) bytes and sign-extends it to 32 bits.
#[inline(always)]
pub fn read_imm(bytes: &[u8; 24], at: usize, len: usize) -> u32 {
    if len == 0 {
        return 0;
    }
    let raw = u32::from_le_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]]);
    let shift = 32 - 8 * len as u32;
    (((raw << shift) as i32) >> shift) as u32
}

/// Decodes the operands of `opcode` at `pc` from the bytes following the opcode byte
/// (`args`, zero-padded) and the instruction's skip.
pub fn decode_operands(opcode: Opcode, pc: u32, args: &[u8; 24], skip: u32) -> Operands {
    let mut chunk = [0u8; 16];
    chunk.copy_from_slice(&args[..16]);
    operands_from_chunk(opcode, pc, u128::from_le_bytes(chunk), skip)
}

/// The immediate of `len` (0..=4) bytes at byte `at` of `chunk`, sign-extended to 32 bits.
#[inline(always)]
fn imm(chunk: u128, at: u32, len: u32) -> u32 {
    let raw = u64::from((chunk >> (8 * at)) as u32);
    // Two shifts each way keep every shift amount below 64 (`len == 0` yields 0).
    let up = 32 - 8 * len;
    ((((raw << 32) << up) as i64 >> 32) >> up) as u32
}

/// The immediate of an instruction whose operands are one register byte and one immediate
/// (formats `RegImm` and `RegRegImm`), from its operand `chunk` and skip: what
/// [`operands_from_chunk`] gives as `imm` for those formats.
#[inline(always)]
pub fn imm_after_reg_byte(chunk: u128, skip: u32) -> u32 {
    imm(chunk, 1, skip.saturating_sub(1).min(4))
}

/// Byte `i` of `chunk`.
#[inline(always)]
fn byte(chunk: u128, i: u32) -> u8 {
    (chunk >> (8 * i)) as u8
}

/// Decodes the operands of `opcode` at `pc` from `chunk` (the 16 bytes after the opcode byte,
/// little-endian, zero-padded: [`super::CodeView::operand_chunk`]) and the instruction's skip.
/// Inlined with a constant `opcode`, only that opcode's format remains.
#[inline(always)]
pub fn operands_from_chunk(opcode: Opcode, pc: u32, chunk: u128, skip: u32) -> Operands {
    let b0 = chunk as u8;
    let lo0 = Reg::from_nibble(b0);
    let hi0 = Reg::from_nibble(b0 >> 4);
    // `clamp4(skip - n)`: the length left for an immediate after `n` bytes.
    let rest = |n: u32| skip.saturating_sub(n).min(4);
    // `Opcode::format` rather than the table: with a constant opcode the match folds to one
    // arm, where a load from the table would stay a load and a jump.
    match opcode.format() {
        Format::Argless => Operands::Argless,
        Format::Imm => Operands::Imm { imm: imm(chunk, 0, rest(0)) },
        Format::Offset => Operands::Offset { target: pc.wrapping_add(imm(chunk, 0, rest(0))) },
        Format::RegImm64 => Operands::RegImm64 { reg: lo0, imm: (chunk >> 8) as u64 },
        Format::ImmImm => {
            let l1 = u32::from(b0 & 7).min(4);
            Operands::ImmImm { imm1: imm(chunk, 1, l1), imm2: imm(chunk, 1 + l1, rest(1 + l1)) }
        }
        Format::RegImm => Operands::RegImm { reg: lo0, imm: imm_after_reg_byte(chunk, skip) },
        Format::RegImmImm => {
            let l1 = u32::from((b0 >> 4) & 7).min(4);
            let imm1 = imm(chunk, 1, l1);
            let imm2 = imm(chunk, 1 + l1, rest(1 + l1));
            Operands::RegImmImm { reg: lo0, imm1, imm2 }
        }
        Format::RegImmOffset => {
            let l1 = u32::from((b0 >> 4) & 7).min(4);
            let imm1 = imm(chunk, 1, l1);
            let imm2 = imm(chunk, 1 + l1, rest(1 + l1));
            Operands::RegImmOffset { reg: lo0, imm: imm1, target: pc.wrapping_add(imm2) }
        }
        Format::RegReg => Operands::RegReg { d: lo0, s: hi0 },
        Format::RegRegImm => Operands::RegRegImm { a: lo0, b: hi0, imm: imm_after_reg_byte(chunk, skip) },
        Format::RegRegOffset => {
            Operands::RegRegOffset { a: lo0, b: hi0, target: pc.wrapping_add(imm(chunk, 1, rest(1))) }
        }
        Format::RegRegImmImm => {
            let l1 = u32::from(byte(chunk, 1) & 7).min(4);
            Operands::RegRegImmImm {
                a: lo0,
                b: hi0,
                imm1: imm(chunk, 2, l1),
                imm2: imm(chunk, 2 + l1, rest(2 + l1)),
            }
        }
        // PolkaVM reads the destination from the low nibble of the second byte (clamped);
        // the GP text clamps the whole byte. We follow PolkaVM (docs/semantics.md).
        Format::RegRegReg => Operands::RegRegReg { d: Reg::from_nibble(byte(chunk, 1)), s1: lo0, s2: hi0 },
    }
}
