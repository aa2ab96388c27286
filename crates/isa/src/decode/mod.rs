//! The decoder: bitmask and skip rules, operand layouts, register clamping, immediate
//! sign extension, the zero-padded tail, invalid opcodes and the implicit trap at the end.
//!
//! Bitmask queries read a 64-bit window of the bitmask at once and count zeros with
//! `trailing_zeros`/`leading_zeros`; operands come from one 16-byte load of the code
//! (`operands`). The straightforward bit-by-bit definitions they must agree with are kept
//! as test references (`reference`).

mod operands;
#[cfg(test)]
mod reference;
#[cfg(test)]
mod tests;
mod walk;

pub use operands::{decode_operands, imm_after_reg_byte, operands_from_chunk, read_imm};
pub use walk::{Instructions, Position, Positions};

use crate::inst::{Decoded, DecodedKind, Instruction, TERMINATORS};
use crate::variant::InstructionSet;

/// The largest skip an instruction can have; longer gaps end in an invalid position.
pub const MAX_SKIP: u32 = 24;

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

    /// Bitmask bits from position `at` on: bit `i` is position `at + i`. At least the low
    /// 57 bits are the bitmask's (missing bytes read as zero); bits at or past the end of the
    /// code are whatever the bitmask holds there.
    #[inline(always)]
    fn bits_from(&self, at: usize) -> u64 {
        bits_from(self.bitmask, at)
    }

    /// The skip of the instruction at `at` (< code length) given `bits = bits_from(at + 1)`.
    #[inline(always)]
    fn skip_with(&self, at: usize, bits: u64) -> u32 {
        let to_end = (self.code.len() - at - 1).min(MAX_SKIP as usize);
        (bits | 1 << to_end).trailing_zeros()
    }

    /// `skip(offset)`: zero bits after `offset` before the next marked position, counting
    /// positions at or past the end of the code as marked, capped at [`MAX_SKIP`].
    #[inline]
    pub fn skip(&self, offset: u32) -> u32 {
        let at = offset as usize;
        if at >= self.code.len() {
            return 0;
        }
        self.skip_with(at, self.bits_from(at + 1))
    }

    /// Distance back from `offset` to the nearest marked position within the skip limit:
    /// `Some(s)` when `offset - s - 1` is marked and nothing in between is.
    #[inline]
    pub fn previous_skip(&self, offset: u32) -> Option<u32> {
        let at = offset as usize;
        if at == 0 || self.code.is_empty() {
            return None;
        }
        // The highest position that can be marked, and how many unmarkable ones lie above it.
        let top = (at - 1).min(self.code.len() - 1);
        let above = at - 1 - top;
        if above > MAX_SKIP as usize {
            return None;
        }
        // A window whose bit 63 is position `top`, holding at least 57 positions below it
        // (or all of them down to 0).
        let base = (top >> 3).saturating_sub(7);
        let window = self.bits_from(base << 3) << (63 - (top - (base << 3)));
        let s = window.leading_zeros() as usize + above;
        (s <= MAX_SKIP as usize).then_some(s as u32)
    }

    /// Whether an instruction (possibly the invalid position after an over-long gap) starts at `offset`.
    #[inline]
    pub fn is_instruction_start(&self, offset: u32) -> bool {
        (offset as usize) < self.code.len() && self.starts_with(offset, self.previous_skip(offset))
    }

    /// [`Self::is_instruction_start`] for an offset inside the code, given its previous skip.
    #[inline(always)]
    fn starts_with(&self, offset: u32, previous: Option<u32>) -> bool {
        offset == 0 || self.is_marked(offset) || previous == Some(MAX_SKIP)
    }

    /// Whether `offset` is a valid jump target: an instruction start that opens a basic block
    /// (no previous instruction within reach, or the previous one ends a block; an invalid
    /// opcode counts as `trap`). This is PolkaVM's rule; see docs/semantics.md.
    #[inline]
    pub fn is_jump_target_valid(&self, offset: u32) -> bool {
        if offset as usize >= self.code.len() {
            return false;
        }
        let previous = self.previous_skip(offset);
        if !self.starts_with(offset, previous) {
            return false;
        }
        match previous {
            None => true,
            Some(s) => {
                let byte = self.code[(offset - s - 1) as usize];
                self.set.opcode(byte).is_none_or(|op| TERMINATORS[op.index()])
            }
        }
    }

    /// The first marked position at or after `from`, or the code length if there is none.
    fn next_marked(&self, mut from: usize) -> usize {
        let len = self.code.len();
        while from < len {
            let bits = self.bits_from(from);
            if bits != 0 {
                return (from + bits.trailing_zeros() as usize).min(len);
            }
            from += 64 - (from & 7);
        }
        len
    }

    /// Decodes the instruction at `offset`.
    #[inline]
    pub fn decode(&self, offset: u32) -> Decoded {
        self.decoded(self.position_at(offset))
    }

    /// `position` with its operands (none for an invalid one, which decodes as `trap`).
    #[inline(always)]
    pub(super) fn decoded(&self, position: Position) -> Decoded {
        let Position { pc, len, opcode, kind } = position;
        let inst = match kind {
            DecodedKind::Valid => Instruction {
                opcode,
                operands: operands_from_chunk(opcode, pc, self.operand_chunk(pc), len - 1),
            },
            _ => Instruction::TRAP,
        };
        Decoded { pc, len, inst, kind }
    }

    /// The 16 code bytes from `start` as a little-endian number, zero-padded past the end.
    #[inline(always)]
    fn chunk(&self, start: usize) -> u128 {
        // `start..start + 16` rather than `start..` and then 16 bytes of that: one comparison
        // with the code length (`start` is a `u32` plus one, so the end cannot overflow).
        match self.code.get(start..start + 16) {
            Some(bytes) => u128::from_le_bytes(bytes.try_into().expect("a 16-byte slice")),
            None => tail_chunk(self.code, start),
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
        Instructions { positions: self.positions() }
    }

    /// The same walk as [`Self::instructions`] without reading operands: each instruction's
    /// place, length and opcode. For consumers that read operands themselves
    /// ([`Self::operand_chunk`] and [`operands_from_chunk`]), such as a compiler whose
    /// per-opcode handlers each decode their own format.
    pub fn positions(&self) -> Positions<'a> {
        Positions::new(*self)
    }

    /// The 16 code bytes after the opcode byte at `pc`, as a little-endian number,
    /// zero-padded past the end of the code: the input of [`operands_from_chunk`].
    #[inline(always)]
    pub fn operand_chunk(&self, pc: u32) -> u128 {
        self.chunk(pc as usize + 1)
    }
}

// The helpers below take slices rather than a `CodeView`, so that inlining them into a loop
// over [`Instructions`] never takes the iterator's address (which would keep its fields in
// memory instead of registers).

/// Bitmask bits from position `at` on (see [`CodeView::bits_from`]).
#[inline(always)]
pub(super) fn bits_from(bitmask: &[u8], at: usize) -> u64 {
    let index = at >> 3;
    // (`index + 8` cannot overflow: `at` is a code offset.)
    let word = match bitmask.get(index..index + 8) {
        Some(bytes) => u64::from_le_bytes(bytes.try_into().expect("an 8-byte slice")),
        None => tail_word(bitmask, index),
    };
    word >> (at & 7)
}

/// The bitmask bytes from `index` on as a little-endian word, zero-padded.
#[cold]
fn tail_word(bitmask: &[u8], index: usize) -> u64 {
    let mut bytes = [0u8; 8];
    let tail = bitmask.get(index..).unwrap_or(&[]);
    let n = tail.len().min(8);
    bytes[..n].copy_from_slice(&tail[..n]);
    u64::from_le_bytes(bytes)
}

/// [`CodeView::chunk`] near the end of the code.
#[cold]
fn tail_chunk(code: &[u8], start: usize) -> u128 {
    let mut bytes = [0u8; 16];
    let tail = code.get(start..).unwrap_or(&[]);
    bytes[..tail.len()].copy_from_slice(tail);
    u128::from_le_bytes(bytes)
}
