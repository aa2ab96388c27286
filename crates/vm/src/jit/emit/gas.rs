//! The code of gas metering, written as fixed byte templates: each block's charge (`sub r10,
//! cost; jl stub`, with an 8-bit cost, or out of line, see [`LONG_CHARGE`]) and each block's
//! out-of-gas stub (`call out_of_gas`) for [`GasMetering::Sync`]; for [`GasMetering::Async`],
//! a charge whose branch jumps back into the charge's own encoding (see [`ASYNC_CHARGE`]) and
//! no stubs.
//!
//! There is one of each per basic block, so they are a large share of the compiler's work;
//! written as whole byte sequences (one store each), with only the fields that vary filled
//! in, they cost a fraction of encoding them instruction by instruction. The tests check that
//! the templates are exactly what the assembler's emitters produce.

use asm::Reg as H;

use super::{Block, Compiler, GAS};
use crate::GasMetering;

/// A block's gas charge: `sub r10, imm8` (the cost, at [`COST_FIELD`]) and `jl rel32`
/// (aimed at the block's out-of-gas stub, at [`OUT_OF_GAS_FIELD`]). Both fields are zero
/// while the walk emits the blocks, and filled in together when the stubs are emitted. A
/// block that costs more than 127 (with what it pays for its successor, see `merge`) gets a
/// `jmp` to a [`LONG_CHARGE`] in its place.
///
/// (Ten bytes, where an imm32 cost made thirteen: on short blocks the bytes show, though less
/// than where the code happens to lie does; docs/jit.md, "Gas".)
const CHARGE: [u8; 10] = [0x49, 0x83, 0xEA, 0, 0x0F, 0x8C, 0, 0, 0, 0];

/// The charge of a block of cost `cost` whose out-of-gas branch's rel32 is `rel`.
#[inline(always)]
fn charge(cost: u8, rel: u32) -> [u8; 10] {
    let mut bytes = CHARGE;
    bytes[COST_FIELD as usize] = cost;
    bytes[OUT_OF_GAS_FIELD as usize..][..4].copy_from_slice(&rel.to_le_bytes());
    bytes
}

/// The costliest block [`CHARGE`] can charge.
const SHORT_COST: u32 = i8::MAX as u32;

/// A costlier block's charge, after the code: `sub r10, imm32; jl stub; jmp back` (back: past
/// the block's [`CHARGE`], whose first five bytes became a `jmp` here).
const LONG_CHARGE: [u8; 18] = [0x49, 0x81, 0xEA, 0, 0, 0, 0, 0x0F, 0x8C, 0, 0, 0, 0, 0xE9, 0, 0, 0, 0];

/// The long charge at code offset `at` of `cost`, aimed at the out-of-gas stub at `stub`
/// and back to `back`.
#[inline(always)]
fn long_charge(at: u32, cost: u32, stub: u32, back: u32) -> [u8; 18] {
    let mut bytes = LONG_CHARGE;
    bytes[3..7].copy_from_slice(&cost.to_le_bytes());
    bytes[9..13].copy_from_slice(&stub.wrapping_sub(at + 13).to_le_bytes());
    bytes[14..18].copy_from_slice(&back.wrapping_sub(at + 18).to_le_bytes());
    bytes
}

/// Where a block's charge keeps its cost (an imm8, in both kinds), from the block's start.
const COST_FIELD: u32 = 3;

/// A block's gas charge under [`GasMetering::Async`]: `sub r10, imm8` (the cost, at
/// [`COST_FIELD`]) and `jl rel8` aimed back at the charge's third byte, [`ASYNC_TRAP`]. That
/// byte is the `sub`'s ModRM, `0xEA`, which as an opcode is the far `jmp` that 64-bit mode
/// does not have: reached by the branch, it raises #UD (SIGILL) at a native address that
/// names the block, which the run turns into the block's out-of-gas exit. Reached in order,
/// it is just part of the `sub`. A block that costs more than [`SHORT_COST`] gets a `jmp` to
/// an [`ASYNC_LONG_CHARGE`] in its place.
const ASYNC_CHARGE: [u8; 6] = [0x49, 0x83, 0xEA, 0, 0x7C, 0xFC];

/// A costlier block's `Async` charge, after the code: `sub r10, imm32; jl` back to its own
/// ModRM (a trap two bytes in, as in the short charge), then `jmp back` past the block's
/// [`ASYNC_CHARGE`], whose first five bytes became a `jmp` here. The run finds the block
/// from the `jmp`'s target ([`async_long_charge_block`]).
const ASYNC_LONG_CHARGE: [u8; 14] = [0x49, 0x81, 0xEA, 0, 0, 0, 0, 0x7C, 0xF9, 0xE9, 0, 0, 0, 0];

/// The `Async` long charge at code offset `at` of `cost`, going on at `back`.
#[inline(always)]
fn async_long_charge(at: u32, cost: u32, back: u32) -> [u8; 14] {
    let mut bytes = ASYNC_LONG_CHARGE;
    bytes[3..7].copy_from_slice(&cost.to_le_bytes());
    bytes[10..14].copy_from_slice(&back.wrapping_sub(at + 14).to_le_bytes());
    bytes
}

/// The native start of the block whose [`ASYNC_LONG_CHARGE`] is at offset `at` of `code`, if
/// one is there.
pub(crate) fn async_long_charge_block(code: &[u8], at: u32) -> Option<u32> {
    let bytes: &[u8; 14] = code.get(at as usize..)?.get(..14)?.try_into().ok()?;
    if bytes[..3] != ASYNC_LONG_CHARGE[..3] || bytes[7..10] != ASYNC_LONG_CHARGE[7..10] {
        return None;
    }
    let rel = u32::from_le_bytes([bytes[10], bytes[11], bytes[12], bytes[13]]);
    (at + 14).wrapping_add(rel).checked_sub(ASYNC_CHARGE.len() as u32)
}

/// Where, from a block's start, its [`GasMetering::Async`] charge traps when the block cannot
/// be paid for.
pub(crate) const ASYNC_TRAP: u32 = 2;

/// The byte there (the `sub`'s ModRM for `r10`; an invalid opcode in 64-bit mode).
pub(crate) const ASYNC_TRAP_BYTE: u8 = ASYNC_CHARGE[ASYNC_TRAP as usize];

/// Where a block's out-of-gas branch keeps its rel32, from the block's start.
const OUT_OF_GAS_FIELD: u32 = 6;

// The templates name this register in their bytes.
const _: () = assert!(matches!(GAS, H::R10));
// The `jl`'s rel8 lands on the trap byte.
const _: () = assert!(ASYNC_CHARGE.len() as i32 + ASYNC_CHARGE[5] as i8 as i32 == ASYNC_TRAP as i32);
const _: () = assert!(9 + ASYNC_LONG_CHARGE[8] as i8 as i32 == ASYNC_TRAP as i32);
const _: () = assert!(ASYNC_TRAP_BYTE == 0xEA);

/// Length of a block's out-of-gas stub under [`GasMetering::Sync`]: `call out_of_gas`.
pub(crate) const GAS_STUB_LEN: u32 = 5;

/// The out-of-gas stub at code offset `at`: `call rel32` to the shared stub at `target`. The
/// stubs lie one after the other in block order, so the return address that the `call`
/// pushes names the block, and every stub is the same five bytes but for the rel32.
#[inline(always)]
fn stub(at: u32, target: u32) -> [u8; GAS_STUB_LEN as usize] {
    let [r0, r1, r2, r3] = target.wrapping_sub(at + GAS_STUB_LEN).to_le_bytes();
    [0xE8, r0, r1, r2, r3]
}

impl Compiler<'_> {
    /// Emits the gas charge that starts a block, its cost still zero (see [`CHARGE`] and
    /// [`ASYNC_CHARGE`]).
    #[inline(always)]
    pub(super) fn emit_charge(&mut self) {
        match self.metering {
            GasMetering::Sync => self.asm.raw(CHARGE),
            GasMetering::Async => self.asm.raw(ASYNC_CHARGE),
        }
    }

    /// Length of a block's charge (what a merged jump goes past, see `merge`).
    #[inline(always)]
    pub(super) fn charge_len(&self) -> u32 {
        match self.metering {
            GasMetering::Sync => CHARGE.len() as u32,
            GasMetering::Async => ASYNC_CHARGE.len() as u32,
        }
    }

    /// Completes an [`ASYNC_CHARGE`] at native offset `native` with the block's `cost` (or
    /// records it for [`Self::emit_async_long_charges`]; if more than once, the last cost
    /// counts).
    #[inline(always)]
    pub(super) fn complete_async_charge(&mut self, native: u32, cost: u32) {
        if cost <= SHORT_COST {
            self.asm.patch_raw(native + COST_FIELD, [cost as u8]);
        } else {
            self.long_charges.push((native, cost));
        }
    }

    /// Emits the [`ASYNC_LONG_CHARGE`]s of the costly blocks and points each block's charge at
    /// its own (a block recorded twice, alone and then with what it pays for its successor,
    /// ends up pointing at the second).
    pub(super) fn emit_async_long_charges(&mut self) {
        for n in 0..self.long_charges.len() {
            let (native, cost) = self.long_charges[n];
            let here = self.asm.offset();
            self.asm.raw(async_long_charge(here, cost, native + ASYNC_CHARGE.len() as u32));
            self.asm.patch_jmp(native, here);
        }
    }

    /// Emits each block's out-of-gas stub (`call out_of_gas`, [`GAS_STUB_LEN`] bytes, in
    /// block order from the returned offset on) and completes the block's charge: its cost,
    /// and its branch aimed at the stub (or a jump to its [`LONG_CHARGE`], emitted after the
    /// stubs). `out_of_gas` is the shared stub's offset, before all of them.
    pub(super) fn emit_out_of_gas_stubs(&mut self, out_of_gas: u32) -> u32 {
        let first = self.asm.offset();
        // (The merged blocks with their targets' costs, in block order: `self.merges[next]`
        // is the next one.)
        let mut next = 0;
        let mut at = first;
        // The blocks too costly for a short charge (rare: 128 instructions or more).
        let mut long = Vec::new();
        for index in 0..self.blocks.len() {
            let Block { native, cost, .. } = self.blocks[index];
            let prepaid = match self.merges.get(next) {
                Some(&(block, prepaid)) if block as usize == index => {
                    next += 1;
                    prepaid
                }
                _ => 0,
            };
            // (No sum overflows: each block's and each merged pair's cost is below 2^31.)
            let total = cost + prepaid;
            if total <= SHORT_COST {
                let rel = at.wrapping_sub(native + CHARGE.len() as u32);
                self.asm.patch_raw(native, charge(total as u8, rel));
            } else {
                long.push((native, total, at));
            }
            at += GAS_STUB_LEN;
        }
        self.asm.records(self.blocks.len(), |index| stub(first + GAS_STUB_LEN * index as u32, out_of_gas));
        for (native, cost, stub) in long {
            let here = self.asm.offset();
            self.asm.bytes(&long_charge(here, cost, stub, native + CHARGE.len() as u32));
            self.asm.patch_jmp(native, here);
        }
        first
    }
}

#[cfg(test)]
mod tests {
    use asm::{AluOp, Assembler, Cond, Size};

    use super::*;

    #[test]
    fn the_charge_is_the_assemblers_sub_and_jl() {
        let mut asm = Assembler::new();
        asm.alu_ri(AluOp::Sub, Size::S64, GAS, 0);
        let branch = asm.jcc_forward(Cond::L);
        assert_eq!(asm.code(), CHARGE);
        assert_eq!(branch, OUT_OF_GAS_FIELD);
        assert_eq!(asm.code()[COST_FIELD as usize], 0);
    }

    #[test]
    fn a_completed_charge_is_the_assemblers_sub_and_jl_to_its_stub() {
        for (cost, distance) in [(0, 0), (1, 7), (0x7F, 0x80), (0x45, 0x0765_4321), (0x7F, 1 << 20)] {
            let mut asm = Assembler::new();
            asm.alu_ri(AluOp::Sub, Size::S64, GAS, cost);
            let branch = asm.jcc_forward(Cond::L);
            asm.patch_rel32(branch, CHARGE.len() as u32 + distance);
            assert_eq!(asm.code(), charge(cost as u8, distance), "cost {cost}, stub {distance} bytes after");
        }
        assert_eq!(SHORT_COST, 0x7F);
    }

    #[test]
    fn a_long_charge_is_the_assemblers_sub_jl_and_jmp() {
        for (cost, stub, back) in [(0x80, 0, 0), (0x1234_5678, 0x200, 0x100), (i32::MAX, 1 << 20, 7)] {
            // The charge at offset 1000 (after padding), the stub and the way back before it.
            let mut asm = Assembler::new();
            asm.nop(1000);
            asm.alu_ri_imm32(AluOp::Sub, Size::S64, GAS, cost);
            let branch = asm.jcc_forward(Cond::L);
            asm.patch_rel32(branch, stub);
            let field = asm.jmp_forward();
            asm.patch_rel32(field, back);
            let want = long_charge(1000, cost as u32, stub, back);
            assert_eq!(&asm.code()[1000..], want, "cost {cost}, stub at {stub}, back to {back}");
        }
    }

    #[test]
    fn the_async_charge_is_the_assemblers_sub_and_a_jl_back_to_its_modrm() {
        for cost in [0, 1, 0x45, 0x7F] {
            let mut asm = Assembler::new();
            asm.alu_ri(AluOp::Sub, Size::S64, GAS, cost);
            asm.jcc_to(Cond::L, ASYNC_TRAP);
            let mut want = ASYNC_CHARGE;
            want[COST_FIELD as usize] = cost as u8;
            assert_eq!(asm.code(), want, "cost {cost}");
        }
    }

    #[test]
    fn an_async_long_charge_traps_on_its_modrm_and_names_its_block() {
        for (cost, back) in [(0x80, 6), (0x1234_5678, 0x106), (i32::MAX, 2006)] {
            let mut asm = Assembler::new();
            asm.nop(1000);
            let field = asm.alu_ri_imm32(AluOp::Sub, Size::S64, GAS, cost);
            asm.jcc_to(Cond::L, 1000 + ASYNC_TRAP);
            let jump = asm.jmp_forward();
            asm.patch_rel32(jump, back);
            assert_eq!(field, 1000 + COST_FIELD);
            let want = async_long_charge(1000, cost as u32, back);
            assert_eq!(&asm.code()[1000..], want, "cost {cost}");
            assert_eq!(want[ASYNC_TRAP as usize], ASYNC_TRAP_BYTE);
            let block = back - ASYNC_CHARGE.len() as u32;
            assert_eq!(async_long_charge_block(asm.code(), 1000), Some(block));
            // Anything else is not one, and a short read is none either.
            assert_eq!(async_long_charge_block(asm.code(), 1001), None);
            assert_eq!(async_long_charge_block(&asm.code()[..1013], 1000), None);
        }
    }

    #[test]
    fn stubs_are_the_assemblers_call_at_every_distance() {
        for padding in [0, 1, 100, 127, 128, 5000] {
            let (mut want, mut got) = (Assembler::new(), Assembler::new());
            let target = want.new_label();
            want.bind(target);
            want.nop(padding);
            got.nop(padding);
            want.call(target);
            got.raw(stub(got.offset(), 0));
            assert_eq!(got.code(), want.code(), "{padding} bytes after");
            assert_eq!(got.code().len() - padding, GAS_STUB_LEN as usize);
        }
    }
}
