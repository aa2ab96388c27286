//! The decoder: bitmask and skip rules, operand layouts, register clamping, immediate
//! sign extension, the zero-padded tail, invalid opcodes and the implicit trap at the end.

use crate::inst::{Decoded, DecodedKind, Instruction, Operands};
use crate::opcode::{Format, Opcode};
use crate::reg::Reg;
use crate::variant::InstructionSet;

/// The largest skip an instruction can have; longer gaps end in an invalid position.
pub const MAX_SKIP: u32 = 24;

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

#[inline(always)]
fn clamp4(n: i64) -> usize {
    n.clamp(0, 4) as usize
}

/// Decodes the operands of `opcode` at `pc` from the bytes following the opcode byte
/// (`args`, zero-padded) and the instruction's skip.
pub fn decode_operands(opcode: Opcode, pc: u32, args: &[u8; 24], skip: u32) -> Operands {
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
        // PolkaVM reads the destination from the low nibble of the second byte (clamped);
        // the GP text clamps the whole byte. We follow PolkaVM (docs/semantics.md).
        Format::RegRegReg => Operands::RegRegReg { d: lo(1), s1: lo(0), s2: hi(0) },
    }
}

/// A read-only view of a program's code and bitmask under one instruction set.
#[derive(Copy, Clone, Debug)]
pub struct CodeView<'a> {
    /// The instruction set the opcode bytes are read with.
    pub set: InstructionSet,
    /// Code bytes.
    pub code: &'a [u8],
    /// Bitmask, one bit per code byte, least significant bit first.
    pub bitmask: &'a [u8],
}

impl<'a> CodeView<'a> {
    /// Creates a view. `bitmask` must hold at least `ceil(code.len() / 8)` bytes
    /// (blob parsing guarantees it); missing bytes read as zero.
    pub fn new(set: InstructionSet, code: &'a [u8], bitmask: &'a [u8]) -> Self {
        CodeView { set, code, bitmask }
    }

    /// Code length in bytes.
    #[inline]
    pub fn len(&self) -> u32 {
        self.code.len() as u32
    }

    /// Whether the code is empty.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.code.is_empty()
    }

    /// Whether the bitmask marks an instruction at `offset` (false past the end).
    #[inline]
    pub fn is_marked(&self, offset: u32) -> bool {
        (offset as usize) < self.code.len()
            && self.bitmask.get(offset as usize >> 3).is_some_and(|b| b & (1 << (offset & 7)) != 0)
    }

    /// `skip(offset)`: zero bits after `offset` before the next marked position, counting
    /// positions at or past the end of the code as marked, capped at [`MAX_SKIP`].
    #[inline]
    pub fn skip(&self, offset: u32) -> u32 {
        let mut n = 0;
        while n < MAX_SKIP {
            let next = offset.saturating_add(1 + n);
            if next as usize >= self.code.len() || self.is_marked(next) {
                break;
            }
            n += 1;
        }
        n
    }

    /// Distance back from `offset` to the nearest marked position within the skip limit:
    /// `Some(s)` when `offset - s - 1` is marked and nothing in between is.
    pub fn previous_skip(&self, offset: u32) -> Option<u32> {
        (0..=MAX_SKIP).find(|&s| offset > s && self.is_marked(offset - s - 1))
    }

    /// Whether an instruction (possibly the invalid position after an over-long gap) starts at `offset`.
    pub fn is_instruction_start(&self, offset: u32) -> bool {
        (offset as usize) < self.code.len()
            && (offset == 0 || self.is_marked(offset) || self.previous_skip(offset) == Some(MAX_SKIP))
    }

    /// Whether `offset` is a valid jump target: an instruction start that opens a basic block
    /// (no previous instruction within reach, or the previous one ends a block; an invalid
    /// opcode counts as `trap`). This is PolkaVM's rule; see docs/semantics.md.
    pub fn is_jump_target_valid(&self, offset: u32) -> bool {
        if !self.is_instruction_start(offset) {
            return false;
        }
        match self.previous_skip(offset) {
            None => true,
            Some(s) => {
                let byte = self.code[(offset - s - 1) as usize];
                self.set.opcode(byte).is_none_or(Opcode::is_terminator)
            }
        }
    }

    /// Decodes the instruction at `offset`.
    pub fn decode(&self, offset: u32) -> Decoded {
        let len = self.code.len();
        if offset as usize >= len {
            return Decoded { pc: offset, len: 1, inst: Instruction::TRAP, kind: DecodedKind::EndOfCode };
        }
        if !self.is_marked(offset) {
            let mut next = offset + 1;
            while (next as usize) < len && !self.is_marked(next) {
                next += 1;
            }
            return Decoded {
                pc: offset,
                len: next - offset,
                inst: Instruction::TRAP,
                kind: DecodedKind::Unmarked,
            };
        }
        let byte = self.code[offset as usize];
        let skip = self.skip(offset);
        let Some(opcode) = self.set.opcode(byte) else {
            return Decoded {
                pc: offset,
                len: 1 + skip,
                inst: Instruction::TRAP,
                kind: DecodedKind::InvalidOpcode(byte),
            };
        };
        let mut args = [0u8; 24];
        let start = offset as usize + 1;
        let end = (start + 16).min(len);
        if start < end {
            args[..end - start].copy_from_slice(&self.code[start..end]);
        }
        let operands = decode_operands(opcode, offset, &args, skip);
        Decoded {
            pc: offset,
            len: 1 + skip,
            inst: Instruction { opcode, operands },
            kind: DecodedKind::Valid,
        }
    }

    /// Code offsets at which basic blocks start, in order: offset 0 and every instruction after
    /// one that [ends a block](Decoded::ends_block) (the implicit end-of-code trap included).
    pub fn block_starts(&self) -> impl Iterator<Item = u32> + 'a {
        let mut at_start = true;
        self.instructions().filter_map(move |d| {
            let start = at_start.then_some(d.pc);
            at_start = d.ends_block();
            start
        })
    }

    /// Iterates over every instruction from offset 0 in code order, including invalid
    /// positions and, if the last instruction can fall through, the implicit trap at the end.
    pub fn instructions(&self) -> Instructions<'a> {
        Instructions { view: *self, pc: 0, done: self.code.is_empty() }
    }
}

/// Iterator returned by [`CodeView::instructions`].
#[derive(Clone, Debug)]
pub struct Instructions<'a> {
    view: CodeView<'a>,
    pc: u32,
    done: bool,
}

impl Iterator for Instructions<'_> {
    type Item = Decoded;

    fn next(&mut self) -> Option<Decoded> {
        if self.done {
            return None;
        }
        let decoded = self.view.decode(self.pc);
        let next = decoded.next_pc();
        let falls_off = next as usize >= self.view.code.len() && !decoded.inst.opcode.can_fall_through();
        if decoded.kind == DecodedKind::EndOfCode || falls_off {
            self.done = true;
        }
        self.pc = next;
        Some(decoded)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::{vec, vec::Vec};

    #[test]
    fn immediates_sign_extend() {
        let mut b = [0u8; 24];
        b[0] = 0x80;
        assert_eq!(read_imm(&b, 0, 1), 0xFFFF_FF80);
        b[1] = 0x00;
        assert_eq!(read_imm(&b, 0, 2), 0x80);
        assert_eq!(read_imm(&b, 0, 0), 0);
    }

    #[test]
    fn hello_world_latest32_decodes() {
        // The 25-byte code of PolkaVM's hello-world example (Latest32).
        let code = [
            0x83, 0x11, 0xf8, 0x7a, 0x10, 0x04, 0x7a, 0x15, 0xbe, 0x78, 0x05, 0x0a, 0xbe, 0x57, 0x07, 0x81,
            0x10, 0x04, 0x81, 0x15, 0x83, 0x11, 0x08, 0x32, 0x00,
        ];
        let bitmask = [0x49, 0x99, 0x94, 0x00];
        let view = CodeView::new(InstructionSet::Latest32, &code, &bitmask);
        let all: Vec<_> = view.instructions().collect();
        let pcs: Vec<u32> = all.iter().map(|d| d.pc).collect();
        assert_eq!(pcs, [0, 3, 6, 8, 11, 12, 15, 18, 20, 23]);
        assert_eq!(all[0].inst.opcode, Opcode::AddImm32);
        assert_eq!(all[0].inst.operands, Operands::RegRegImm { a: Reg::SP, b: Reg::SP, imm: (-8i32) as u32 });
        assert_eq!(all[3].inst.operands, Operands::RegRegReg { d: Reg::S0, s1: Reg::A1, s2: Reg::A0 });
        assert_eq!(all[9].inst.opcode, Opcode::JumpIndirect);
    }

    #[test]
    fn long_gap_yields_unmarked_position() {
        let mut code = vec![0u8; 40];
        code[0] = 1; // fallthrough
        code[30] = 0; // trap
        let mut bitmask = vec![0u8; 5];
        bitmask[0] = 1;
        bitmask[3] = 1 << 6; // offset 30
        let view = CodeView::new(InstructionSet::Gp072, &code, &bitmask);
        let items: Vec<_> = view.instructions().map(|d| (d.pc, d.kind)).collect();
        assert_eq!(items, [(0, DecodedKind::Valid), (25, DecodedKind::Unmarked), (30, DecodedKind::Valid)]);
        assert!(view.is_instruction_start(25));
        assert!(view.is_jump_target_valid(25));
    }
}
