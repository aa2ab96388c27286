//! Sign extensions nothing reads. A 32-bit result is sign-extended to 64 bits (a `movsxd`
//! after the 32-bit x86 operation, which zero-extends), but when the next instruction
//! overwrites the register reading only its low half, as clang's RV64 code does in chains of
//! `addw`/`subw` or before a mask, the extension is dead and is left out.

use isa::{Opcode, Operands as P, Reg};

use super::{concat, Compiler};

/// The 32-bit operations both sign-extended in place when compiled and reading only the low
/// half of their register operands (and unable to fault).
const THIRTY_TWO_BIT: [Opcode; 13] = {
    use Opcode as O;
    [
        O::Add32,
        O::Sub32,
        O::Mul32,
        O::ShiftLogicalLeft32,
        O::ShiftLogicalRight32,
        O::ShiftArithmeticRight32,
        O::RotateLeft32,
        O::RotateRight32,
        O::AddImm32,
        O::MulImm32,
        O::ShiftLogicalLeftImm32,
        O::ShiftLogicalRightImm32,
        O::RotateRightImm32,
    ]
};

/// The instructions whose 32-bit result `Compiler::alu3` and `Compiler::alu_imm` sign-
/// extend in place, which they can leave out when the result's high half is dead.
const EXTENDED_IN_PLACE: [Opcode; 17] = concat(
    &THIRTY_TWO_BIT,
    &[
        Opcode::ShiftLogicalLeftImmAlt32,
        Opcode::ShiftLogicalRightImmAlt32,
        Opcode::ShiftArithmeticRightImmAlt32,
        Opcode::RotateRightImmAlt32,
    ],
);

/// Instructions that cannot fault and read only the low 32 bits of every register operand
/// (as compiled here too), and `and_imm` (whose non-negative masks read at most 31 bits).
const LOW_HALF_READERS: [Opcode; 15] =
    concat(&THIRTY_TWO_BIT, &[Opcode::ShiftArithmeticRightImm32, Opcode::AndImm]);

impl Compiler<'_> {
    /// Whether `opcode` (writing guest register `d`) is one whose 32-bit result is
    /// sign-extended in place and the instruction at `next` (in the same block: `opcode` does
    /// not end one) overwrites `d` reading only its low half: then the extension is dead.
    /// Nothing can stop the code between the two (neither can fault, and gas is charged per
    /// block), and a start at `next` loads the registers from the `Cpu`.
    #[inline(always)]
    pub(super) fn high_half_dead(&self, opcode: Opcode, next: u32, d: Reg) -> bool {
        EXTENDED_IN_PLACE.contains(&opcode) && self.overwrites_reading_low_half(next, d)
    }

    /// Whether the instruction at `next` is one of [`LOW_HALF_READERS`] writing `d` (with a
    /// non-negative mask, if an `and_imm`).
    #[inline(never)]
    fn overwrites_reading_low_half(&self, next: u32, d: Reg) -> bool {
        let Some(reader) = self.partner_at(next, &LOW_HALF_READERS) else { return false };
        match reader.operands {
            P::RegRegReg { d: written, .. } => written == d,
            P::RegRegImm { a: written, imm, .. } => {
                written == d && (reader.opcode != Opcode::AndImm || (imm as i32) >= 0)
            }
            _ => false,
        }
    }
}
