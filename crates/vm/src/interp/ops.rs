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
            $($name,)*
        }

        impl Kind {
            /// The kind executing `op`.
            pub(crate) fn of(op: Opcode) -> Kind {
                match op {
                    $(Opcode::$name => Kind::$name,)*
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
