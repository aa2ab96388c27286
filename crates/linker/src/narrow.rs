//! RV32E output: the lowering produces the 64-bit instruction forms; for a 32-bit input they are
//! rewritten here into the `Latest32` forms (PolkaVM blob version 1).
//!
//! On RV32 every register holds a 32-bit value, which the PVM's 32-bit instructions keep
//! sign-extended, so each 64-bit operation the lowering picks for an RV32 instruction has a
//! 32-bit counterpart computing the RV32 result: `add` → `add_32`, `slli` →
//! `shift_logical_left_imm_32` (RV32 shift amounts are below 32), `clz` →
//! `count_leading_zero_bits_32`, and so on. Constants are truncated to 32 bits (`load_imm64` →
//! `load_imm`; RV32 address arithmetic wraps at 2^32). Loads of 32 or 64 bits become
//! `load_*_i32` (the lowering's 64-bit ones only save and restore scratch registers); 64-bit
//! stores become 32-bit ones likewise. The rest of the instruction set (comparisons, bitwise
//! operations, `mul_upper_*`, `reverse_byte`, ...) has one form whose meaning follows the
//! program's register width.

use isa::{Instruction, InstructionSet, Opcode, Operands};

/// The `Latest32` form of `inst`, or why there is none.
pub(crate) fn to_32bit(inst: Instruction) -> Result<Instruction, String> {
    use Opcode as O;
    let opcode = match inst.opcode {
        O::LoadImm64 => {
            let Operands::RegImm64 { reg, imm } = inst.operands else {
                return Err("malformed load_imm64".into());
            };
            return Ok(Instruction {
                opcode: O::LoadImm,
                operands: Operands::RegImm { reg, imm: imm as u32 },
            });
        }
        O::LoadU32 | O::LoadU64 => O::LoadI32,
        O::LoadIndirectU32 | O::LoadIndirectU64 => O::LoadIndirectI32,
        O::StoreU64 => O::StoreU32,
        O::StoreIndirectU64 => O::StoreIndirectU32,
        O::StoreImmIndirectU64 => O::StoreImmIndirectU32,
        O::StoreImmU64 => O::StoreImmU32,
        O::CountSetBits64 => O::CountSetBits32,
        O::CountLeadingZeroBits64 => O::CountLeadingZeroBits32,
        O::CountTrailingZeroBits64 => O::CountTrailingZeroBits32,
        O::AddImm64 => O::AddImm32,
        O::MulImm64 => O::MulImm32,
        O::ShiftLogicalLeftImm64 => O::ShiftLogicalLeftImm32,
        O::ShiftLogicalRightImm64 => O::ShiftLogicalRightImm32,
        O::ShiftArithmeticRightImm64 => O::ShiftArithmeticRightImm32,
        O::NegateAndAddImm64 => O::NegateAndAddImm32,
        O::ShiftLogicalLeftImmAlt64 => O::ShiftLogicalLeftImmAlt32,
        O::ShiftLogicalRightImmAlt64 => O::ShiftLogicalRightImmAlt32,
        O::ShiftArithmeticRightImmAlt64 => O::ShiftArithmeticRightImmAlt32,
        O::RotateRightImm64 => O::RotateRightImm32,
        O::RotateRightImmAlt64 => O::RotateRightImmAlt32,
        O::Add64 => O::Add32,
        O::Sub64 => O::Sub32,
        O::Mul64 => O::Mul32,
        O::DivUnsigned64 => O::DivUnsigned32,
        O::DivSigned64 => O::DivSigned32,
        O::RemUnsigned64 => O::RemUnsigned32,
        O::RemSigned64 => O::RemSigned32,
        O::ShiftLogicalLeft64 => O::ShiftLogicalLeft32,
        O::ShiftLogicalRight64 => O::ShiftLogicalRight32,
        O::ShiftArithmeticRight64 => O::ShiftArithmeticRight32,
        O::RotateLeft64 => O::RotateLeft32,
        O::RotateRight64 => O::RotateRight32,
        op => op,
    };
    if InstructionSet::Latest32.byte(opcode).is_none() {
        return Err(format!("`{}` has no 32-bit form", opcode.name()));
    }
    Ok(Instruction { opcode, operands: inst.operands })
}

#[cfg(test)]
mod tests {
    use isa::{Instruction, InstructionSet, Opcode};

    use super::to_32bit;

    #[test]
    fn every_instruction_has_a_32_bit_form_or_an_error() {
        for &opcode in Opcode::ALL {
            let operands = isa::decode::decode_operands(opcode, 0, &[0; 24], 0);
            let narrowed = to_32bit(Instruction { opcode, operands });
            if let Ok(inst) = narrowed {
                assert!(InstructionSet::Latest32.byte(inst.opcode).is_some(), "{opcode:?}");
            }
            if InstructionSet::Latest32.byte(opcode).is_some() {
                assert_eq!(narrowed.map(|i| i.opcode), Ok(opcode), "{opcode:?} changed");
            }
        }
    }
}
