//! The interpreter's pre-decoded instruction form.
//!
//! Each basic block becomes a `Gas` op followed by one op per instruction. Operands are
//! pre-extracted: registers are indices into the 256-entry register file (so indexing with a
//! `u8` needs no bounds check), branch targets are op indices of the target block's `Gas` op.

use isa::Opcode;

use super::threaded::{handler_for, Handler};

macro_rules! define_kinds {
    ($($name:ident),* $(,)?) => {
        /// What an op does: one kind per instruction plus the interpreter's pseudo ops.
        #[derive(Copy, Clone, Debug, PartialEq, Eq)]
        #[repr(u8)]
        pub(crate) enum Kind {
            /// Block entry: charge `x` gas.
            Gas,
            /// No effect on the program; the threaded dispatcher spends budget here.
            Checkpoint,
            /// `load_imm_and_jump` to an invalid target: writes the register, then panics
            /// there (as PolkaVM does).
            LoadImmAndTrap,
            $($name,)*
            /// `mul_upper_signed_signed` of a 32-bit program (high half of the 64-bit product).
            MulUpperSignedSigned32,
            /// `mul_upper_unsigned_unsigned` of a 32-bit program.
            MulUpperUnsignedUnsigned32,
            /// `mul_upper_signed_unsigned` of a 32-bit program.
            MulUpperSignedUnsigned32,
            /// `reverse_byte` of a 32-bit program (swaps the low four bytes).
            ReverseBytes32,
            /// `sbrk` of a 32-bit program (the size is the register's low 32 bits).
            Sbrk32,
            /// `and_inverted` of a 32-bit program (on the low 32 bits, sign-extended).
            AndInverted32,
            /// `or_inverted` of a 32-bit program.
            OrInverted32,
            /// `xnor` of a 32-bit program.
            Xnor32,
            /// `maximum` of a 32-bit program (signed 32-bit compare).
            Maximum32,
            /// `maximum_unsigned` of a 32-bit program.
            MaximumUnsigned32,
            /// `minimum` of a 32-bit program.
            Minimum32,
            /// `minimum_unsigned` of a 32-bit program.
            MinimumUnsigned32,
        }

        impl Kind {
            /// The kind executing `op`.
            pub(crate) fn of(op: Opcode) -> Kind {
                match op {
                    $(Opcode::$name => Kind::$name,)*
                }
            }

            /// The kind executing `op` in a program with 32-bit registers (PolkaVM's
            /// `Latest32`). Registers hold sign-extended 32-bit values there, on which most
            /// kinds already compute the 32-bit result; these few are chosen here, once,
            /// so that no handler tests the register width at run time.
            pub(crate) fn of_32bit(op: Opcode) -> Kind {
                match Kind::of(op) {
                    Kind::MulUpperSignedSigned => Kind::MulUpperSignedSigned32,
                    Kind::MulUpperUnsignedUnsigned => Kind::MulUpperUnsignedUnsigned32,
                    Kind::MulUpperSignedUnsigned => Kind::MulUpperSignedUnsigned32,
                    Kind::ReverseBytes => Kind::ReverseBytes32,
                    Kind::Sbrk => Kind::Sbrk32,
                    Kind::AndInverted => Kind::AndInverted32,
                    Kind::OrInverted => Kind::OrInverted32,
                    Kind::Xnor => Kind::Xnor32,
                    Kind::Maximum => Kind::Maximum32,
                    Kind::MaximumUnsigned => Kind::MaximumUnsigned32,
                    Kind::Minimum => Kind::Minimum32,
                    Kind::MinimumUnsigned => Kind::MinimumUnsigned32,
                    kind => kind,
                }
            }
        }
    };
}

define_kinds! {
    Trap, Fallthrough, Unlikely, Memset, Ecalli, LoadImm64,
    StoreImmU8, StoreImmU16, StoreImmU32, StoreImmU64, Jump,
    JumpIndirect, LoadImm, LoadU8, LoadI8, LoadU16, LoadI16, LoadU32, LoadI32, LoadU64,
    StoreU8, StoreU16, StoreU32, StoreU64,
    StoreImmIndirectU8, StoreImmIndirectU16, StoreImmIndirectU32, StoreImmIndirectU64,
    LoadImmAndJump, BranchEqImm, BranchNotEqImm, BranchLessUnsignedImm, BranchLessOrEqualUnsignedImm,
    BranchGreaterOrEqualUnsignedImm, BranchGreaterUnsignedImm, BranchLessSignedImm,
    BranchLessOrEqualSignedImm, BranchGreaterOrEqualSignedImm, BranchGreaterSignedImm,
    MoveReg, Sbrk, CountSetBits64, CountSetBits32, CountLeadingZeroBits64, CountLeadingZeroBits32,
    CountTrailingZeroBits64, CountTrailingZeroBits32, SignExtend8, SignExtend16, ZeroExtend16, ReverseBytes,
    StoreIndirectU8, StoreIndirectU16, StoreIndirectU32, StoreIndirectU64,
    LoadIndirectU8, LoadIndirectI8, LoadIndirectU16, LoadIndirectI16, LoadIndirectU32, LoadIndirectI32,
    LoadIndirectU64, AddImm32, AndImm, XorImm, OrImm, MulImm32, SetLessThanUnsignedImm,
    SetLessThanSignedImm, ShiftLogicalLeftImm32, ShiftLogicalRightImm32, ShiftArithmeticRightImm32,
    NegateAndAddImm32, SetGreaterThanUnsignedImm, SetGreaterThanSignedImm, ShiftLogicalLeftImmAlt32,
    ShiftLogicalRightImmAlt32, ShiftArithmeticRightImmAlt32, CmovIfZeroImm, CmovIfNotZeroImm,
    AddImm64, MulImm64, ShiftLogicalLeftImm64, ShiftLogicalRightImm64, ShiftArithmeticRightImm64,
    NegateAndAddImm64, ShiftLogicalLeftImmAlt64, ShiftLogicalRightImmAlt64, ShiftArithmeticRightImmAlt64,
    RotateRightImm64, RotateRightImmAlt64, RotateRightImm32, RotateRightImmAlt32,
    BranchEq, BranchNotEq, BranchLessUnsigned, BranchLessSigned, BranchGreaterOrEqualUnsigned,
    BranchGreaterOrEqualSigned, LoadImmAndJumpIndirect,
    Add32, Sub32, Mul32, DivUnsigned32, DivSigned32, RemUnsigned32, RemSigned32,
    ShiftLogicalLeft32, ShiftLogicalRight32, ShiftArithmeticRight32,
    Add64, Sub64, Mul64, DivUnsigned64, DivSigned64, RemUnsigned64, RemSigned64,
    ShiftLogicalLeft64, ShiftLogicalRight64, ShiftArithmeticRight64,
    And, Xor, Or, MulUpperSignedSigned, MulUpperUnsignedUnsigned, MulUpperSignedUnsigned,
    SetLessThanUnsigned, SetLessThanSigned, CmovIfZero, CmovIfNotZero,
    RotateLeft64, RotateLeft32, RotateRight64, RotateRight32, AndInverted, OrInverted, Xnor,
    Maximum, MaximumUnsigned, Minimum, MinimumUnsigned,
}

/// One pre-decoded op (24 bytes).
///
/// Field use by format: `a`/`b`/`c` registers (for three-register ops `a` = destination,
/// `b`/`c` = sources); `x` = first immediate, `y` = second immediate or target op index;
/// `LoadImm64` keeps its value in `x` (low) and `y` (high).
#[derive(Copy, Clone, Debug)]
#[repr(C)]
pub(crate) struct Op {
    /// Handler used by the threaded dispatch.
    pub handler: Handler,
    pub kind: Kind,
    pub a: u8,
    pub b: u8,
    pub c: u8,
    pub x: u32,
    pub y: u32,
    pub z: u32,
}

impl Op {
    pub(crate) fn new(kind: Kind) -> Op {
        Op { handler: handler_for(kind, 0), kind, a: 0, b: 0, c: 0, x: 0, y: 0, z: 0 }
    }
}

const _: () = assert!(core::mem::size_of::<Op>() == 24);

/// Size of an op in bytes: static targets and jump-table entries are byte offsets, which saves
/// the threaded dispatcher a multiplication per taken branch.
pub(crate) const OP_SIZE: u32 = core::mem::size_of::<Op>() as u32;

// Byte offsets of ops fit in 31 bits: a program has at most two ops per code byte (an
// instruction op, plus a `Gas` or `Checkpoint` op before it) and a few more at the end.
const _: () = assert!((2 * isa::blob::MAX_CODE_SIZE as u64 + 16) * (OP_SIZE as u64) < 1 << 31);

impl Op {
    /// For a static jump or branch at op index `at`: the op index of its target's `Gas` op
    /// (`y` holds the byte distance to it).
    #[inline(always)]
    pub(crate) fn target(&self, at: usize) -> usize {
        (at as isize + (self.y as i32 as isize) / OP_SIZE as isize) as usize
    }
}

/// Semantics of the 32-bit-program variants ([`Kind::of_32bit`]): each computes on the low 32
/// bits of its operands and sign-extends the 32-bit result, as PolkaVM does for `Latest32`.
/// The size operand of `sbrk` in a 64-bit program: the register as a signed value, 0 (fails)
/// unless it fits in `u32`.
#[inline(always)]
pub(crate) fn sbrk_size(a: u64) -> u32 {
    u32::try_from(a as i64).unwrap_or(0)
}

pub(crate) mod bits32 {
    use isa::ops::sext32;

    /// High 32 bits of the signed × signed product.
    #[inline(always)]
    pub(crate) fn mulh_ss(a: u64, b: u64) -> u64 {
        sext32(((i64::from(a as i32) * i64::from(b as i32)) >> 32) as u64)
    }

    /// High 32 bits of the unsigned × unsigned product.
    #[inline(always)]
    pub(crate) fn mulh_uu(a: u64, b: u64) -> u64 {
        sext32((u64::from(a as u32) * u64::from(b as u32)) >> 32)
    }

    /// High 32 bits of the signed × unsigned product.
    #[inline(always)]
    pub(crate) fn mulh_su(a: u64, b: u64) -> u64 {
        sext32((i64::from(a as i32).wrapping_mul(i64::from(b as u32)) >> 32) as u64)
    }

    /// Byte swap of the low 32 bits.
    #[inline(always)]
    pub(crate) fn reverse_bytes(a: u64) -> u64 {
        sext32(u64::from((a as u32).swap_bytes()))
    }

    /// `a & !b`.
    #[inline(always)]
    pub(crate) fn and_inverted(a: u64, b: u64) -> u64 {
        sext32(a & !b)
    }

    /// `a | !b`.
    #[inline(always)]
    pub(crate) fn or_inverted(a: u64, b: u64) -> u64 {
        sext32(a | !b)
    }

    /// `!(a ^ b)`.
    #[inline(always)]
    pub(crate) fn xnor(a: u64, b: u64) -> u64 {
        sext32(!(a ^ b))
    }

    /// Signed maximum.
    #[inline(always)]
    pub(crate) fn max_s(a: u64, b: u64) -> u64 {
        (a as i32).max(b as i32) as i64 as u64
    }

    /// Unsigned maximum.
    #[inline(always)]
    pub(crate) fn max_u(a: u64, b: u64) -> u64 {
        sext32(u64::from((a as u32).max(b as u32)))
    }

    /// Signed minimum.
    #[inline(always)]
    pub(crate) fn min_s(a: u64, b: u64) -> u64 {
        (a as i32).min(b as i32) as i64 as u64
    }

    /// Unsigned minimum.
    #[inline(always)]
    pub(crate) fn min_u(a: u64, b: u64) -> u64 {
        sext32(u64::from((a as u32).min(b as u32)))
    }

    /// The size operand of `sbrk`: the register's low 32 bits.
    #[inline(always)]
    pub(crate) fn sbrk_size(a: u64) -> u32 {
        a as u32
    }
}
