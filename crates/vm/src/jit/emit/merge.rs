//! Merged charges (with either metering): a block that ends in an unconditional static jump
//! (`jump`, `load_imm_and_jump`) to another block pays that block's cost with its own charge
//! and jumps past the other block's charge, so a call, or a jump to a loop's head, costs one
//! charge where it cost two. The target keeps its own charge for every other way in.
//!
//! What keeps the totals and every stop exactly the interpreter's:
//!
//! * A merged block holds no `ecalli`, `sbrk` or `memset` (the host would see the
//!   successor's cost already gone), and is not itself the target of a merged jump (whoever
//!   jumped past its charge would skip the successor's too). A target is never merged.
//! * When the two costs together are more than the gas left, the block's charge fails and the
//!   run falls back to the interpreter for the block (`jit::prepaid`): it stops inside the
//!   block, or the code goes on at the successor's charge, as the interpreter does.
//! * A fault inside a merged block gives the successor's cost back; its retry, and a fresh
//!   start inside such a block, charge it again (or fall back to the interpreter).
//!
//! `fall` does the same for a block that ends in a conditional branch and the block it falls
//! into (with `Sync` metering), with the same rules and the same run-time side.
//!
//! A block's slot in `block_starts` carries [`MARK`]: once the block is open, to say it is
//! merged (so that a later jump back to it is not); before, to say that a merged jump goes
//! past its charge (so that it does not merge), which the walk sees when it opens the block.

use super::{CompileError, Compiler};
use crate::GasMetering;

/// The bit of a `block_starts` slot that marks a merged block or a merge target.
pub(super) const MARK: u32 = 1 << 31;
/// The bit of a `block_starts` slot that marks a block whose charge is out of line: the block
/// before it falls into it having paid for it (see `fall`).
pub(super) const FALL: u32 = 1 << 30;

/// What the walk knows of the block it is emitting, for merging its last jump: whether it
/// cannot merge (an earlier block's merged jump goes past its charge, or it holds an
/// instruction that leaves for the host: `ecalli`, `sbrk`, `memset`, which call
/// [`Open::exits`]).
#[derive(Copy, Clone, Default)]
pub(super) struct Open(bool);

impl Open {
    /// Whether the block cannot pay for its successor.
    #[inline(always)]
    pub(super) fn cannot_merge(self) -> bool {
        self.0
    }

    /// Records that the block holds an instruction that leaves for the host.
    #[inline(always)]
    pub(super) fn exits(&mut self) {
        self.0 = true;
    }
}

impl Compiler<'_> {
    /// Index of the block starting at code offset `pc`, if the walk has opened one.
    #[inline(always)]
    fn block_index(&self, pc: u32) -> Option<usize> {
        match self.block_starts.get(pc as usize).copied().unwrap_or(0) & !(MARK | FALL) {
            0 => None,
            slot => Some((slot - 1) as usize),
        }
    }

    /// Native offset of the block starting at code offset `pc`, if the walk has opened one.
    #[inline(always)]
    pub(super) fn block_start(&self, pc: u32) -> Option<u32> {
        self.block_index(pc).map(|index| self.blocks[index].native)
    }

    /// Records that the next block, `self.blocks.len()`, starts at `pc`; whether its charge
    /// is out of line (the block before falls into it having paid for it, see `fall`).
    #[inline(always)]
    pub(super) fn record_block_start(&mut self, pc: u32) -> bool {
        let index = self.blocks.len() as u32;
        let slot = &mut self.block_starts[pc as usize];
        self.open = Open(*slot != 0);
        // (No more blocks than code bytes, which are fewer than 2^30.)
        debug_assert!(index < FALL - 1);
        let fall = *slot & FALL;
        *slot = (index + 1) | fall;
        fall != 0
    }

    /// Whether the block being emitted, which ends in an unconditional jump to `target`,
    /// pays for the target's block (then the jump goes past the target's charge). `back`:
    /// the walk has passed the target (a valid block start).
    #[inline(always)]
    pub(super) fn merge_jump(&mut self, target: u32, back: bool) -> bool {
        if !self.merging || self.open.0 {
            return false;
        }
        let index = self.blocks.len() - 1;
        let pc = self.blocks[index].pc;
        let slot = &mut self.block_starts[target as usize];
        if back {
            // Not into itself (the loop would run on unpaid), nor into a merged block (nor,
            // for now, into one whose charge is out of line).
            if target == pc || *slot & (MARK | FALL) != 0 {
                return false;
            }
        } else {
            *slot = MARK;
        }
        self.block_starts[pc as usize] |= MARK;
        self.merges.push((index as u32, target));
        true
    }

    /// Once the walk is done: each merged block's charge takes its target's cost too. A
    /// forward target that is no block start (the jump traps) leaves the block's cost alone.
    /// `self.merges` then holds each merged block with that cost instead of its target.
    pub(super) fn resolve_merges(&mut self) -> Result<(), CompileError> {
        self.resolve_falls();
        let mut kept = 0;
        for n in 0..self.merges.len() {
            let (block, target) = self.merges[n];
            let Some(to) = self.block_index(target) else {
                self.block_starts[target as usize] = 0;
                continue;
            };
            let cost = self.blocks[to].cost;
            let from = self.blocks[block as usize];
            if u64::from(from.cost) + u64::from(cost) > i32::MAX as u64 {
                return Err(CompileError::BlockTooExpensive(from.pc));
            }
            self.merges[kept] = (block, cost);
            kept += 1;
            if self.metering == GasMetering::Async {
                self.complete_async_charge(from.native, from.cost + cost);
            }
        }
        self.merges.truncate(kept);
        Ok(())
    }
}

#[cfg(test)]
pub(super) mod tests {
    use isa::gas::CostModel;

    use super::super::Compiler;
    use crate::GasMetering;

    /// The code offset of each block of `text` that pays for its successor, and what it pays.
    pub(in super::super) fn merged(text: &str, metering: GasMetering) -> Vec<(u32, u32)> {
        let (set, code) = isa::text::assemble_code(&format!(".isa gp072\n{text}")).unwrap();
        let out = Compiler::compile(code.view(set), &code.jump_table, CostModel::Naive, metering).unwrap();
        out.prepaid.iter().map(|&(block, cost)| (out.blocks[block as usize].pc, cost)).collect()
    }

    #[test]
    fn blocks_that_jump_pay_for_their_target_unless_a_rule_forbids_it() {
        let text = "
            .jump_table @back
                    load_imm a0, 1
                    load_imm_and_jump ra, 2, @func    ; 0: pays for func (3)
            back:   add_imm_64 a0, a0, 1              ; 7: is no target; Sync: pays for loop (2)
                    branch_eq_imm a0, 9, @self
            loop:   add_imm_64 a1, a1, 1              ; 14: Async: pays for back (2)
                    jump @back
            self:   add_imm_64 a2, a2, 1              ; 19: jumps to itself
                    jump @self
            host:   ecalli 3                          ; 24: holds a host call
                    jump @back
            func:   add_imm_64 a3, a3, 1              ; 28: a target, so it does not pay for far
                    xor a4, a4, a3
                    jump @far
            again:  jump @loop                        ; 36: loop is merged, so this pays nothing
            bad:    jump @13                          ; 38: to no block start
            far:    trap                              ; 40
            ";
        assert_eq!(starts(text), [0, 7, 14, 19, 24, 28, 36, 38, 40]);
        // With `Sync`, the block at 7 pays for the one it falls into (see `fall`), which is
        // then a merge target itself and no longer pays for `back`.
        assert_eq!(merged(text, GasMetering::Sync), [(0, 3), (7, 2)]);
        assert_eq!(merged(text, GasMetering::Async), [(0, 3), (14, 2)]);
    }

    /// The block starts of `text`.
    pub(in super::super) fn starts(text: &str) -> Vec<u32> {
        let (set, code) = isa::text::assemble_code(&format!(".isa gp072\n{text}")).unwrap();
        let out =
            Compiler::compile(code.view(set), &code.jump_table, CostModel::Naive, GasMetering::Sync).unwrap();
        out.blocks.iter().map(|b| b.pc).collect()
    }
}
