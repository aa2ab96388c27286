//! The code of gas metering, written as fixed byte templates: each block's charge (`sub r15,
//! cost; jl stub`) and each block's out-of-gas stub (`mov ecx, block; jmp out_of_gas`).
//!
//! There is one of each per basic block, so they are a large share of the compiler's work;
//! written as whole byte sequences (one store each), with only the fields that vary filled
//! in, they cost a fraction of encoding them instruction by instruction. The tests check that
//! the templates are exactly what the assembler's emitters produce.

use asm::{Assembler, Reg as H};

use super::{Block, Compiler, GAS, TMP};

/// A block's gas charge: `sub r15, imm32` (the cost, at [`COST_FIELD`]) and `jl rel32`
/// (aimed at the block's out-of-gas stub, at [`OUT_OF_GAS_FIELD`]). Both fields are zero
/// while the walk emits the blocks, and filled in together when the stubs are emitted.
const CHARGE: [u8; 13] = [0x49, 0x81, 0xEF, 0, 0, 0, 0, 0x0F, 0x8C, 0, 0, 0, 0];

/// The charge of a block of cost `cost` whose out-of-gas branch's rel32 is `rel`.
#[inline(always)]
fn charge(cost: u32, rel: u32) -> [u8; 13] {
    let mut bytes = CHARGE;
    bytes[COST_FIELD as usize..][..4].copy_from_slice(&cost.to_le_bytes());
    bytes[OUT_OF_GAS_FIELD as usize..][..4].copy_from_slice(&rel.to_le_bytes());
    bytes
}

/// Where a block's charge keeps its cost (an imm32), from the block's start.
const COST_FIELD: u32 = 3;

/// Where a block's out-of-gas branch keeps its rel32, from the block's start.
pub(super) const OUT_OF_GAS_FIELD: u32 = 9;

// The templates name these registers in their bytes.
const _: () = assert!(matches!(GAS, H::R15) && matches!(TMP, H::Rcx));

/// Emits `mov ecx, block` then a `jmp` to code offset `target` (behind the code): the short
/// form when its rel8 reaches, as [`Assembler::jmp`] would pick.
#[inline(always)]
fn stub(asm: &mut Assembler, block: u32, target: u32) {
    let at = asm.offset();
    let [b0, b1, b2, b3] = block.to_le_bytes();
    let short = target.wrapping_sub(at + 7) as i32;
    if short as i8 as i32 == short {
        asm.raw([0xB9, b0, b1, b2, b3, 0xEB, short as u8]);
    } else {
        let [r0, r1, r2, r3] = target.wrapping_sub(at + 10).to_le_bytes();
        asm.raw([0xB9, b0, b1, b2, b3, 0xE9, r0, r1, r2, r3]);
    }
}

impl Compiler<'_> {
    /// Emits the gas charge that starts a block, its fields still zero (see [`CHARGE`]).
    #[inline(always)]
    pub(super) fn emit_charge(&mut self) {
        self.asm.raw(CHARGE);
    }

    /// Emits each block's out-of-gas stub (`mov ecx, block index; jmp out_of_gas`) and
    /// completes the block's charge: its cost, and its branch aimed at the stub. `out_of_gas`
    /// is the shared stub's offset, before all of them.
    pub(super) fn emit_out_of_gas_stubs(&mut self, out_of_gas: u32) {
        self.asm.reserve(self.blocks.len() * 10);
        for index in 0..self.blocks.len() {
            let at = self.asm.offset();
            let Block { native, cost, .. } = self.blocks[index];
            let rel = at.wrapping_sub(native + CHARGE.len() as u32);
            self.asm.patch_raw(native, charge(cost, rel));
            stub(&mut self.asm, index as u32, out_of_gas);
        }
    }
}

#[cfg(test)]
mod tests {
    use asm::{AluOp, Cond, Size};

    use super::*;

    #[test]
    fn the_charge_is_the_assemblers_sub_and_jl() {
        let mut asm = Assembler::new();
        let cost = asm.alu_ri_imm32(AluOp::Sub, Size::S64, GAS, 0);
        let branch = asm.jcc_forward(Cond::L);
        assert_eq!(asm.code(), CHARGE);
        assert_eq!((cost, branch), (COST_FIELD, OUT_OF_GAS_FIELD));
    }

    #[test]
    fn a_completed_charge_is_the_assemblers_sub_and_jl_to_its_stub() {
        for (cost, distance) in
            [(0, 0), (1, 7), (0x7F, 0x80), (0x1234_5678, 0x0765_4321), (i32::MAX, 1 << 20)]
        {
            let mut asm = Assembler::new();
            asm.alu_ri_imm32(AluOp::Sub, Size::S64, GAS, cost);
            let branch = asm.jcc_forward(Cond::L);
            asm.patch_rel32(branch, CHARGE.len() as u32 + distance);
            assert_eq!(asm.code(), charge(cost as u32, distance), "cost {cost}, stub {distance} bytes after");
        }
    }

    #[test]
    fn stubs_are_the_assemblers_mov_and_jmp_at_every_distance() {
        for (block, padding) in [(0, 0), (1, 100), (7, 121), (8, 122), (0x1234_5678, 123), (3, 5000)] {
            let (mut want, mut got) = (Assembler::new(), Assembler::new());
            let target = want.new_label();
            want.bind(target);
            want.nop(padding);
            got.nop(padding);
            want.mov_ri(Size::S32, TMP, block as i32);
            want.jmp(target);
            stub(&mut got, block, 0);
            assert_eq!(got.code(), want.code(), "block {block}, {padding} bytes after");
        }
    }
}
