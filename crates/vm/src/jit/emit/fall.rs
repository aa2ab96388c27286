//! Fall-through merges (`Sync` metering): a block that ends in a conditional branch
//! pays, with its own charge, for the block it falls into when the branch is not taken, and
//! that block's code follows with no charge at all. The taken branch goes through a stub
//! after the code that gives the successor's cost back (`add r10, cost`) and jumps on to the
//! target. Every other way into the successor (other branches, the jump table, a fresh start)
//! goes to its charge, which is out of line too: a stub after the code that charges and
//! jumps to the block's code, and which is the block's native start in the block table.
//!
//! The rules are those of `merge`: a block that pays for its successor holds no instruction
//! that leaves for the host, and is no merge target itself; a successor is never merged.

use asm::{AluOp, Size};

use super::merge::{FALL, MARK};
use super::{Compiler, GAS};
use crate::GasMetering;

/// A branch whose block pays for the block it falls into.
pub(super) struct Fall {
    /// The paying block's index (its successor is the next one).
    block: u32,
    /// The branch: where its code starts (the compare) and its rel32 field.
    start: u32,
    field: u32,
    /// Its target and its own code offset.
    target: u32,
    pc: u32,
}

impl Compiler<'_> {
    /// Whether the block being emitted, which ends in a conditional branch to `target` and
    /// falls through to `next`, pays for the block at `next`; if so the caller
    /// records the branch with [`Self::record_fall`].
    #[inline(always)]
    pub(super) fn merge_fall(&mut self, next: u32, target: u32) -> bool {
        // (Not with `Async` metering yet: its out-of-gas trap finds its block by the charge's
        // native offset, which must then rise with the block index.)
        let sync = self.metering == GasMetering::Sync;
        if !self.merging || !sync || self.open.cannot_merge() || next >= self.view.len() {
            return false;
        }
        let index = self.blocks.len() - 1;
        let own = self.blocks[index].pc;
        // Not when the successor is reached some other way already known (a forward merged
        // jump), nor for a branch to the successor itself or to its own block.
        if self.block_starts[next as usize] != 0 || target == next || target == own {
            return false;
        }
        self.block_starts[next as usize] = MARK | FALL;
        self.block_starts[own as usize] |= MARK;
        self.merges.push((index as u32, next));
        true
    }

    /// Records the branch of a block that pays for its successor (see [`Self::merge_fall`]):
    /// its code starts at `start`, its rel32 field is at `field`.
    pub(super) fn record_fall(&mut self, pc: u32, target: u32, start: u32, field: u32) {
        let block = (self.blocks.len() - 1) as u32;
        self.falls.push(Fall { block, start, field, target, pc });
    }

    /// Once the walk is done: a branch whose target is no block start traps, taken or not, so
    /// its block does not pay for its successor after all: its merge is aimed at that target
    /// instead, which [`Self::resolve_merges`] drops like a merged jump's invalid target.
    pub(super) fn resolve_falls(&mut self) {
        for n in 0..self.falls.len() {
            let Fall { block, target, .. } = self.falls[n];
            if self.block_start(target).is_none() {
                if let Ok(at) = self.merges.binary_search_by_key(&block, |&(b, _)| b) {
                    self.merges[at].1 = target;
                }
            }
        }
    }

    /// Emits, after the code, each merged successor's charge (its entry for every other way
    /// in) and each paying block's refund stub for its taken branch.
    pub(super) fn emit_fall_stubs(&mut self) {
        let falls = core::mem::take(&mut self.falls);
        for fall in &falls {
            let index = fall.block as usize + 1;
            let body = self.blocks[index].native;
            let entry = self.asm.offset();
            self.emit_charge();
            self.asm.jmp_to(body);
            self.blocks[index].native = entry;
        }
        for fall in &falls {
            let cost = self.blocks[fall.block as usize + 1].cost;
            let stub = self.asm.offset();
            match self.block_start(fall.target) {
                Some(native) => {
                    self.asm.alu_ri_imm32(AluOp::Add, Size::S64, GAS, cost as i32);
                    self.asm.patch_rel32(fall.field, stub);
                    self.asm.jmp_to(native);
                }
                None => {
                    // The target is no block start: the branch traps, taken or not (and its
                    // block did not pay for its successor, see `resolve_falls`).
                    self.trap(fall.pc);
                    self.asm.patch_jmp(fall.start, stub);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::merge::tests::merged;
    use crate::GasMetering;

    #[test]
    fn blocks_that_branch_pay_for_the_block_they_fall_into_unless_a_rule_forbids_it() {
        let text = "
            .jump_table @tgt
            head:   add_imm_64 a0, a0, 1              ; 0: pays for body (2)
                    branch_eq_imm a0, 5, @far
            body:   add_imm_64 a2, a2, 3              ; 7: a merge target, so it pays for nothing
                    branch_less_unsigned_imm a0, 3, @head
            next:   xor a4, a4, a0                    ; 14: pays for tgt (2), in the jump table
                    branch_eq_imm a0, 4, @body
            tgt:    add_imm_64 a5, a5, 1              ; 21
                    branch_eq_imm a5, 1, @tgt
            spin:   add_imm_64 a5, a5, 1              ; 28: a branch to its own block
                    branch_eq_imm a5, 1, @spin
            to:     add_imm_64 a5, a5, 1              ; 35: a branch to the next block
                    branch_eq_imm a5, 1, @next2
            next2:  ecalli 1                          ; 42: holds a host call
                    branch_eq_imm a5, 1, @far
            far:    jump @jumped                      ; 48: pays for jumped (2)
            pre:    add_imm_64 s0, s0, 1              ; 50: its successor is a merged jump's target
                    branch_eq_imm s0, 1, @far
            jumped: add_imm_64 s1, s1, 1              ; 57
                    jump @far
            late:   jump @body                        ; 62: to a block whose charge is out of line
            ";
        assert_eq!(super::super::merge::tests::starts(text), [0, 7, 14, 21, 28, 35, 42, 48, 50, 57, 62]);
        assert_eq!(merged(text, GasMetering::Sync), [(0, 2), (14, 2), (48, 2)]);
        // (Not with `Async` yet: there `late` pays for `body`, an ordinary block.)
        assert_eq!(merged(text, GasMetering::Async), [(48, 2), (62, 2)]);
    }
}
