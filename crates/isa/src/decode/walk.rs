//! Walking the code in order: [`Positions`] finds each instruction's place, length and opcode
//! from the bitmask; [`Instructions`] adds the operands.
//!
//! The walk reads the bitmask one 64-bit word at a time, so finding the next instruction costs
//! a few register operations and no dependent load.

use super::{bits_from, CodeView, MAX_SKIP};
use crate::inst::{Decoded, DecodedKind, TERMINATORS};
use crate::opcode::Opcode;

/// An instruction's place in the code, before its operands are read.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Position {
    /// Code offset of the opcode byte.
    pub pc: u32,
    /// Distance to the next instruction (`1 + skip`).
    pub len: u32,
    /// The instruction; `trap` for every kind but [`DecodedKind::Valid`].
    pub opcode: Opcode,
    /// What kind of position this is.
    pub kind: DecodedKind,
}

impl Position {
    /// Whether a basic block ends with this instruction (see [`Decoded::ends_block`]).
    #[inline(always)]
    pub fn ends_block(&self) -> bool {
        TERMINATORS[self.opcode.index()]
    }

    /// Offset of the following instruction.
    #[inline(always)]
    pub fn next_pc(&self) -> u32 {
        self.pc.wrapping_add(self.len)
    }

    /// Whether the walk ends with this position in code of `code_len` bytes: nothing falls
    /// through it (an invalid position decodes as `trap`) and the next offset is at or past
    /// the end, where the implicit trap would otherwise follow.
    #[inline(always)]
    pub fn ends_walk(&self, code_len: usize) -> bool {
        self.next_pc() as usize >= code_len && !self.opcode.can_fall_through()
    }

    /// The marked position `pc` of length `len` whose opcode byte is `byte`.
    #[inline(always)]
    fn marked(table: &[Option<Opcode>; 256], pc: u32, len: u32, byte: u8) -> Position {
        match table[usize::from(byte)] {
            Some(opcode) => Position { pc, len, opcode, kind: DecodedKind::Valid },
            None => Position::invalid(pc, len, DecodedKind::InvalidOpcode(byte)),
        }
    }

    /// A position holding no valid instruction, which decodes as `trap`.
    #[inline(always)]
    fn invalid(pc: u32, len: u32, kind: DecodedKind) -> Position {
        Position { pc, len, opcode: Opcode::Trap, kind }
    }
}

impl CodeView<'_> {
    /// The position at `pc`, a place the walk reaches: offset 0, or the next position after
    /// one (see [`Position::next_pc`]). That is a marked instruction, an unmarked run after
    /// an over-long gap (or at offset 0), or, at the end of the code, the implicit trap.
    ///
    /// Stepping with it from offset 0 up to the position that [ends the
    /// walk](Position::ends_walk) yields what [`CodeView::positions`] yields. It keeps no state between positions, so a loop that calls other code between steps
    /// (a compiler's handlers) carries only the offset across those calls.
    #[inline(always)]
    pub fn position_at(&self, pc: u32) -> Position {
        let at = pc as usize;
        if at >= self.code.len() {
            return Position::invalid(pc, 1, DecodedKind::EndOfCode);
        }
        // Bit 0: `pc` itself; the bits above it: the positions after it.
        let bits = bits_from(self.bitmask, at);
        if bits & 1 == 0 {
            return self.unmarked_position(pc);
        }
        let skip = self.skip_with(at, bits >> 1);
        Position::marked(self.set.table(), pc, 1 + skip, self.code[at])
    }

    /// The unmarked run at `pc`, up to the next marked position or the end of the code.
    #[cold]
    #[inline(never)]
    fn unmarked_position(&self, pc: u32) -> Position {
        let next = self.next_marked(pc as usize + 1) as u32;
        Position::invalid(pc, next - pc, DecodedKind::Unmarked)
    }
}

/// Iterator returned by [`CodeView::positions`]: every instruction from offset 0 in code
/// order, invalid positions and the implicit trap at the end included.
#[derive(Clone, Debug)]
pub struct Positions<'a> {
    view: CodeView<'a>,
    table: &'static [Option<Opcode>; 256],
    /// The position yielded next.
    pc: u32,
    done: bool,
    /// The code length if `pc` is marked, else 0: the fast path of [`Iterator::next`] needs
    /// `next_mark < limit`, one comparison for "`pc` is marked and `next_mark` is inside the
    /// code".
    limit: u32,
    /// The first marked position after `pc`, or the code length.
    next_mark: u32,
    /// The marks of 64-position block `block` from `next_mark` on (none once it is the end).
    word: u64,
    block: usize,
}

impl<'a> Positions<'a> {
    pub(super) fn new(view: CodeView<'a>) -> Positions<'a> {
        let mut walk = Positions {
            view,
            table: view.set.table(),
            pc: 0,
            done: view.code.is_empty(),
            limit: if view.is_marked(0) { view.len() } else { 0 },
            next_mark: 0,
            word: bits_from(view.bitmask, 0) & !1,
            block: 0,
        };
        walk.settle();
        walk
    }

    /// Sets `next_mark` to the lowest mark in `word` or the blocks after it.
    #[inline(always)]
    fn settle(&mut self) {
        let len = self.view.code.len();
        if self.word == 0 {
            // By value, so that the iterator's fields can stay in registers.
            (self.block, self.word) = next_block(self.view.bitmask, len, self.block);
        }
        let mark = (self.block << 6) + self.word.trailing_zeros() as usize;
        self.next_mark = mark.min(len) as u32;
    }

    /// Moves to `next_mark` and finds the mark after it (`limit` unchanged).
    #[inline(always)]
    fn step(&mut self) {
        self.pc = self.next_mark;
        self.word &= self.word.wrapping_sub(1);
        self.settle();
    }

    /// [`Self::step`], and `limit` for the new position.
    #[inline(always)]
    fn advance(&mut self) {
        let len = self.view.len();
        self.limit = if self.next_mark < len { len } else { 0 };
        self.step();
    }
}

/// The first 64-position block after `index` with a mark, and its marks; past the end of the
/// code, the block holding the end and no marks (an empty word then yields the code length).
/// Takes the bitmask by value so that [`Positions`] can live in registers.
#[inline(never)]
fn next_block(bitmask: &[u8], len: usize, mut index: usize) -> (usize, u64) {
    loop {
        index += 1;
        if index << 6 >= len {
            return (len >> 6, 0);
        }
        let word = bits_from(bitmask, index << 6);
        if word != 0 {
            return (index, word);
        }
    }
}

impl Iterator for Positions<'_> {
    type Item = Position;

    #[inline(always)]
    fn next(&mut self) -> Option<Position> {
        let pc = self.pc;
        // The common case first: a marked position whose successor is marked, within the
        // skip limit and inside the code (`next_mark` is at most the code length).
        let gap = self.next_mark.wrapping_sub(pc).wrapping_sub(1);
        if gap <= MAX_SKIP && self.next_mark < self.limit {
            // (`limit` stays: the new position, `next_mark`, is marked.)
            self.step();
            return Some(Position::marked(self.table, pc, 1 + gap, self.view.code[pc as usize]));
        }
        // By value: a call given the iterator's address would keep all its fields in memory,
        // in the common path too, where they can otherwise live in registers.
        let position;
        (*self, position) = self.clone().next_rare();
        position
    }
}

impl Positions<'_> {
    /// [`Iterator::next`] at an unmarked position, before an over-long gap, or at the last
    /// instruction.
    #[cold]
    #[inline(never)]
    fn next_rare(mut self) -> (Self, Option<Position>) {
        let position = self.rare();
        (self, position)
    }

    /// The body of [`Self::next_rare`].
    #[inline(always)]
    fn rare(&mut self) -> Option<Position> {
        if self.done {
            return None;
        }
        let pc = self.pc;
        let len = self.view.code.len();
        if self.limit == 0 {
            self.done = true;
            if pc as usize >= len {
                return Some(Position::invalid(pc, 1, DecodedKind::EndOfCode));
            }
            let position = Position::invalid(pc, self.next_mark - pc, DecodedKind::Unmarked);
            self.advance();
            self.done = position.ends_walk(len);
            return Some(position);
        }
        // `next_mark` is at most the code length, which counts as marked.
        let gap = self.next_mark - pc - 1;
        let skip = gap.min(MAX_SKIP);
        if skip == gap {
            self.advance();
        } else {
            self.pc = pc + 1 + skip;
            self.limit = 0;
        }
        let position = Position::marked(self.table, pc, 1 + skip, self.view.code[pc as usize]);
        self.done = position.ends_walk(len);
        Some(position)
    }
}

impl core::iter::FusedIterator for Positions<'_> {}

/// Iterator returned by [`CodeView::instructions`]: [`Positions`] with operands.
#[derive(Clone, Debug)]
pub struct Instructions<'a> {
    pub(super) positions: Positions<'a>,
}

impl Iterator for Instructions<'_> {
    type Item = Decoded;

    #[inline(always)]
    fn next(&mut self) -> Option<Decoded> {
        let position = self.positions.next()?;
        Some(self.positions.view.decoded(position))
    }
}

impl core::iter::FusedIterator for Instructions<'_> {}
