//! The one instruction table: every PVM instruction, its name and its operand format.
//!
//! Opcode *bytes* are not here: each instruction-set variant maps bytes to these
//! instructions (see [`crate::InstructionSet`]). Everything that consumes instructions
//! (decoder, encoder, assembler, disassembler, interpreter, gas) starts from this list.

/// The operand layout of an instruction (GP A.5 / PolkaVM argument formats).
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum Format {
    /// No operands.
    Argless,
    /// One immediate (`ecalli`).
    Imm,
    /// A register and a raw 64-bit immediate (`load_imm64`).
    RegImm64,
    /// Two immediates: address, value (`store_imm_*`).
    ImmImm,
    /// One pc-relative offset (`jump`).
    Offset,
    /// A register and an immediate.
    RegImm,
    /// A register and two immediates: base, offset, value (`store_imm_indirect_*`).
    RegImmImm,
    /// A register, an immediate and a pc-relative offset (`branch_*_imm`, `load_imm_and_jump`).
    RegImmOffset,
    /// Two registers: destination, source.
    RegReg,
    /// Two registers and an immediate.
    RegRegImm,
    /// Two registers and a pc-relative offset (`branch_*`).
    RegRegOffset,
    /// Two registers and two immediates (`load_imm_and_jump_indirect`).
    RegRegImmImm,
    /// Three registers: destination, first source, second source.
    RegRegReg,
}

macro_rules! define_instructions {
    ($($format:ident: [$($op:ident = $name:literal),* $(,)?],)*) => {
        /// A PVM instruction, independent of any opcode numbering.
        #[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[repr(u8)]
        #[allow(missing_docs)]
        pub enum Opcode {
            $($($op,)*)*
        }

        impl Opcode {
            /// Every instruction, in table order.
            pub const ALL: &'static [Opcode] = &[$($(Opcode::$op,)*)*];

            /// The instruction's assembler mnemonic.
            pub const fn name(self) -> &'static str {
                match self {
                    $($(Opcode::$op => $name,)*)*
                }
            }

            /// The instruction's operand format.
            #[inline]
            pub const fn format(self) -> Format {
                match self {
                    $($(Opcode::$op => Format::$format,)*)*
                }
            }
        }
    };
}

define_instructions! {
    Argless: [
        Trap = "trap",
        Fallthrough = "fallthrough",
        Unlikely = "unlikely",
        Memset = "memset",
    ],
    Imm: [Ecalli = "ecalli"],
    RegImm64: [LoadImm64 = "load_imm64"],
    ImmImm: [
        StoreImmU8 = "store_imm_u8",
        StoreImmU16 = "store_imm_u16",
        StoreImmU32 = "store_imm_u32",
        StoreImmU64 = "store_imm_u64",
    ],
    Offset: [Jump = "jump"],
    RegImm: [
        JumpIndirect = "jump_indirect",
        LoadImm = "load_imm",
        LoadU8 = "load_u8",
        LoadI8 = "load_i8",
        LoadU16 = "load_u16",
        LoadI16 = "load_i16",
        LoadU32 = "load_u32",
        LoadI32 = "load_i32",
        LoadU64 = "load_u64",
        StoreU8 = "store_u8",
        StoreU16 = "store_u16",
        StoreU32 = "store_u32",
        StoreU64 = "store_u64",
    ],
    RegImmImm: [
        StoreImmIndirectU8 = "store_imm_indirect_u8",
        StoreImmIndirectU16 = "store_imm_indirect_u16",
        StoreImmIndirectU32 = "store_imm_indirect_u32",
        StoreImmIndirectU64 = "store_imm_indirect_u64",
    ],
    RegImmOffset: [
        LoadImmAndJump = "load_imm_and_jump",
        BranchEqImm = "branch_eq_imm",
        BranchNotEqImm = "branch_not_eq_imm",
        BranchLessUnsignedImm = "branch_less_unsigned_imm",
        BranchLessOrEqualUnsignedImm = "branch_less_or_equal_unsigned_imm",
        BranchGreaterOrEqualUnsignedImm = "branch_greater_or_equal_unsigned_imm",
        BranchGreaterUnsignedImm = "branch_greater_unsigned_imm",
        BranchLessSignedImm = "branch_less_signed_imm",
        BranchLessOrEqualSignedImm = "branch_less_or_equal_signed_imm",
        BranchGreaterOrEqualSignedImm = "branch_greater_or_equal_signed_imm",
        BranchGreaterSignedImm = "branch_greater_signed_imm",
    ],
    RegReg: [
        MoveReg = "move_reg",
        Sbrk = "sbrk",
        CountSetBits64 = "count_set_bits_64",
        CountSetBits32 = "count_set_bits_32",
        CountLeadingZeroBits64 = "count_leading_zero_bits_64",
        CountLeadingZeroBits32 = "count_leading_zero_bits_32",
        CountTrailingZeroBits64 = "count_trailing_zero_bits_64",
        CountTrailingZeroBits32 = "count_trailing_zero_bits_32",
        SignExtend8 = "sign_extend_8",
        SignExtend16 = "sign_extend_16",
        ZeroExtend16 = "zero_extend_16",
        ReverseBytes = "reverse_bytes",
    ],
    RegRegImm: [
        StoreIndirectU8 = "store_indirect_u8",
        StoreIndirectU16 = "store_indirect_u16",
        StoreIndirectU32 = "store_indirect_u32",
        StoreIndirectU64 = "store_indirect_u64",
        LoadIndirectU8 = "load_indirect_u8",
        LoadIndirectI8 = "load_indirect_i8",
        LoadIndirectU16 = "load_indirect_u16",
        LoadIndirectI16 = "load_indirect_i16",
        LoadIndirectU32 = "load_indirect_u32",
        LoadIndirectI32 = "load_indirect_i32",
        LoadIndirectU64 = "load_indirect_u64",
        AddImm32 = "add_imm_32",
        AndImm = "and_imm",
        XorImm = "xor_imm",
        OrImm = "or_imm",
        MulImm32 = "mul_imm_32",
        SetLessThanUnsignedImm = "set_less_than_unsigned_imm",
        SetLessThanSignedImm = "set_less_than_signed_imm",
        ShiftLogicalLeftImm32 = "shift_logical_left_imm_32",
        ShiftLogicalRightImm32 = "shift_logical_right_imm_32",
        ShiftArithmeticRightImm32 = "shift_arithmetic_right_imm_32",
        NegateAndAddImm32 = "negate_and_add_imm_32",
        SetGreaterThanUnsignedImm = "set_greater_than_unsigned_imm",
        SetGreaterThanSignedImm = "set_greater_than_signed_imm",
        ShiftLogicalLeftImmAlt32 = "shift_logical_left_imm_alt_32",
        ShiftLogicalRightImmAlt32 = "shift_logical_right_imm_alt_32",
        ShiftArithmeticRightImmAlt32 = "shift_arithmetic_right_imm_alt_32",
        CmovIfZeroImm = "cmov_if_zero_imm",
        CmovIfNotZeroImm = "cmov_if_not_zero_imm",
        AddImm64 = "add_imm_64",
        MulImm64 = "mul_imm_64",
        ShiftLogicalLeftImm64 = "shift_logical_left_imm_64",
        ShiftLogicalRightImm64 = "shift_logical_right_imm_64",
        ShiftArithmeticRightImm64 = "shift_arithmetic_right_imm_64",
        NegateAndAddImm64 = "negate_and_add_imm_64",
        ShiftLogicalLeftImmAlt64 = "shift_logical_left_imm_alt_64",
        ShiftLogicalRightImmAlt64 = "shift_logical_right_imm_alt_64",
        ShiftArithmeticRightImmAlt64 = "shift_arithmetic_right_imm_alt_64",
        RotateRightImm64 = "rotate_right_imm_64",
        RotateRightImmAlt64 = "rotate_right_imm_alt_64",
        RotateRightImm32 = "rotate_right_imm_32",
        RotateRightImmAlt32 = "rotate_right_imm_alt_32",
    ],
    RegRegOffset: [
        BranchEq = "branch_eq",
        BranchNotEq = "branch_not_eq",
        BranchLessUnsigned = "branch_less_unsigned",
        BranchLessSigned = "branch_less_signed",
        BranchGreaterOrEqualUnsigned = "branch_greater_or_equal_unsigned",
        BranchGreaterOrEqualSigned = "branch_greater_or_equal_signed",
    ],
    RegRegImmImm: [LoadImmAndJumpIndirect = "load_imm_and_jump_indirect"],
    RegRegReg: [
        Add32 = "add_32",
        Sub32 = "sub_32",
        Mul32 = "mul_32",
        DivUnsigned32 = "div_unsigned_32",
        DivSigned32 = "div_signed_32",
        RemUnsigned32 = "rem_unsigned_32",
        RemSigned32 = "rem_signed_32",
        ShiftLogicalLeft32 = "shift_logical_left_32",
        ShiftLogicalRight32 = "shift_logical_right_32",
        ShiftArithmeticRight32 = "shift_arithmetic_right_32",
        Add64 = "add_64",
        Sub64 = "sub_64",
        Mul64 = "mul_64",
        DivUnsigned64 = "div_unsigned_64",
        DivSigned64 = "div_signed_64",
        RemUnsigned64 = "rem_unsigned_64",
        RemSigned64 = "rem_signed_64",
        ShiftLogicalLeft64 = "shift_logical_left_64",
        ShiftLogicalRight64 = "shift_logical_right_64",
        ShiftArithmeticRight64 = "shift_arithmetic_right_64",
        And = "and",
        Xor = "xor",
        Or = "or",
        MulUpperSignedSigned = "mul_upper_signed_signed",
        MulUpperUnsignedUnsigned = "mul_upper_unsigned_unsigned",
        MulUpperSignedUnsigned = "mul_upper_signed_unsigned",
        SetLessThanUnsigned = "set_less_than_unsigned",
        SetLessThanSigned = "set_less_than_signed",
        CmovIfZero = "cmov_if_zero",
        CmovIfNotZero = "cmov_if_not_zero",
        RotateLeft64 = "rotate_left_64",
        RotateLeft32 = "rotate_left_32",
        RotateRight64 = "rotate_right_64",
        RotateRight32 = "rotate_right_32",
        AndInverted = "and_inverted",
        OrInverted = "or_inverted",
        Xnor = "xnor",
        Maximum = "maximum",
        MaximumUnsigned = "maximum_unsigned",
        Minimum = "minimum",
        MinimumUnsigned = "minimum_unsigned",
    ],
}

/// Number of instructions in the table.
pub const OPCODE_COUNT: usize = Opcode::ALL.len();

impl Opcode {
    /// Looks an instruction up by its mnemonic.
    pub fn from_name(name: &str) -> Option<Opcode> {
        Opcode::ALL.iter().copied().find(|op| op.name() == name)
    }

    /// The instruction's dense index into [`Opcode::ALL`].
    #[inline]
    pub const fn index(self) -> usize {
        self as usize
    }

    /// Whether the instruction ends a basic block (GP set `T`).
    #[inline]
    pub const fn is_terminator(self) -> bool {
        matches!(
            self.format(),
            Format::Offset | Format::RegImmOffset | Format::RegRegOffset | Format::RegRegImmImm
        ) || matches!(self, Opcode::Trap | Opcode::Fallthrough | Opcode::JumpIndirect)
    }

    /// Whether execution can continue to the next instruction after this one.
    #[inline]
    pub const fn can_fall_through(self) -> bool {
        !matches!(
            self,
            Opcode::Trap
                | Opcode::Jump
                | Opcode::JumpIndirect
                | Opcode::LoadImmAndJump
                | Opcode::LoadImmAndJumpIndirect
        )
    }

    /// Whether the instruction is a conditional branch.
    pub const fn is_branch(self) -> bool {
        matches!(self.format(), Format::RegRegOffset)
            || (matches!(self.format(), Format::RegImmOffset) && !matches!(self, Opcode::LoadImmAndJump))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_counts() {
        // 139 GP 0.7.2 instructions plus the PolkaVM-only `unlikely` and `memset`.
        assert_eq!(OPCODE_COUNT, 141);
        let terminators = Opcode::ALL.iter().filter(|op| op.is_terminator()).count();
        // trap, fallthrough, jump, jump_indirect, load_imm_and_jump(_indirect) and 16 branches.
        assert_eq!(terminators, 22);
        assert_eq!(Opcode::ALL.iter().filter(|op| op.is_branch()).count(), 16);
    }

    #[test]
    fn names_are_unique_and_round_trip() {
        for &op in Opcode::ALL {
            assert_eq!(Opcode::from_name(op.name()), Some(op));
        }
    }
}
