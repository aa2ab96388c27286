//! Register forwarding: which register each op may take from the `last` value the threaded
//! dispatcher carries in a host register, chosen once per program.

use super::ops::{Kind, Op};
use super::program::NO_FORWARD;
use super::threaded::{handler_for, FWD_A, FWD_B, FWD_C};

/// Which register an op writes (it then passes the value on as `last`), whether it passes
/// `last` through untouched, and which of its fields it reads as source registers.
enum Flow {
    /// Writes register `a`.
    Writes,
    /// Writes nothing; `last` passes through.
    Transparent,
    /// Ends forwarding (block end, host call, or several registers written).
    Breaks,
}

fn flow(kind: Kind) -> Flow {
    use Kind::*;
    match kind {
        Gas
        | Trap
        | LoadImmAndTrap
        | Fallthrough
        | Ecalli
        | Memset
        | Jump
        | JumpIndirect
        | LoadImmAndJump
        | LoadImmAndJumpIndirect => Flow::Breaks,
        Checkpoint | Unlikely => Flow::Transparent,
        // Stores (including `store_imm_*`, which read no register) and branches.
        k if !writes_a(k) => Flow::Transparent,
        _ => Flow::Writes,
    }
}

/// Whether ops of `kind` write register `a` (the ones [`flow`] does not classify otherwise):
/// everything but stores and static control transfers.
fn writes_a(kind: Kind) -> bool {
    !is_store(kind) && !is_static_transfer(kind)
}

/// Whether ops of `kind` store to memory (and so write no register).
fn is_store(kind: Kind) -> bool {
    use Kind::*;
    matches!(
        kind,
        StoreImmU8
            | StoreImmU16
            | StoreImmU32
            | StoreImmU64
            | StoreU8
            | StoreU16
            | StoreU32
            | StoreU64
            | StoreImmIndirectU8
            | StoreImmIndirectU16
            | StoreImmIndirectU32
            | StoreImmIndirectU64
            | StoreIndirectU8
            | StoreIndirectU16
            | StoreIndirectU32
            | StoreIndirectU64
    )
}

/// The fields an op of `kind` reads as source registers ([`FWD_A`] | [`FWD_B`] | [`FWD_C`]).
pub(crate) fn reads(kind: Kind) -> u8 {
    use Kind::*;
    match kind {
        Gas | Checkpoint | Trap | LoadImmAndTrap | Fallthrough | Unlikely | Ecalli | Memset | LoadImm64
        | LoadImm | Jump | LoadImmAndJump | LoadU8 | LoadI8 | LoadU16 | LoadI16 | LoadU32 | LoadI32
        | LoadU64 | StoreImmU8 | StoreImmU16 | StoreImmU32 | StoreImmU64 => 0,
        JumpIndirect
        | StoreU8
        | StoreU16
        | StoreU32
        | StoreU64
        | StoreImmIndirectU8
        | StoreImmIndirectU16
        | StoreImmIndirectU32
        | StoreImmIndirectU64
        | BranchEqImm
        | BranchNotEqImm
        | BranchLessUnsignedImm
        | BranchLessOrEqualUnsignedImm
        | BranchGreaterOrEqualUnsignedImm
        | BranchGreaterUnsignedImm
        | BranchLessSignedImm
        | BranchLessOrEqualSignedImm
        | BranchGreaterOrEqualSignedImm
        | BranchGreaterSignedImm => FWD_A,
        StoreIndirectU8
        | StoreIndirectU16
        | StoreIndirectU32
        | StoreIndirectU64
        | BranchEq
        | BranchNotEq
        | BranchLessUnsigned
        | BranchLessSigned
        | BranchGreaterOrEqualUnsigned
        | BranchGreaterOrEqualSigned => FWD_A | FWD_B,
        // Conditional moves keep the old destination when the condition fails.
        CmovIfZeroImm | CmovIfNotZeroImm => FWD_A | FWD_B,
        CmovIfZero | CmovIfNotZero => FWD_A | FWD_B | FWD_C,
        Add32
        | Sub32
        | Mul32
        | DivUnsigned32
        | DivSigned32
        | RemUnsigned32
        | RemSigned32
        | ShiftLogicalLeft32
        | ShiftLogicalRight32
        | ShiftArithmeticRight32
        | Add64
        | Sub64
        | Mul64
        | DivUnsigned64
        | DivSigned64
        | RemUnsigned64
        | RemSigned64
        | ShiftLogicalLeft64
        | ShiftLogicalRight64
        | ShiftArithmeticRight64
        | And
        | Xor
        | Or
        | MulUpperSignedSigned
        | MulUpperUnsignedUnsigned
        | MulUpperSignedUnsigned
        | SetLessThanUnsigned
        | SetLessThanSigned
        | RotateLeft64
        | RotateLeft32
        | RotateRight64
        | RotateRight32
        | AndInverted
        | OrInverted
        | Xnor
        | Maximum
        | MaximumUnsigned
        | Minimum
        | MinimumUnsigned
        | MulUpperSignedSigned32
        | MulUpperUnsignedUnsigned32
        | MulUpperSignedUnsigned32
        | AndInverted32
        | OrInverted32
        | Xnor32
        | Maximum32
        | MaximumUnsigned32
        | Minimum32
        | MinimumUnsigned32 => FWD_B | FWD_C,
        // Everything else reads `b` only (two-register and register-immediate forms, indirect
        // loads, `sbrk`, `load_imm_and_jump_indirect`).
        _ => FWD_B,
    }
}

/// Chooses forwarding handler variants: walks each block, tracking the register written last,
/// and lets every op that reads that register take it from `last`. Returns the per-op table
/// of the register `last` holds on entry to the op.
pub(super) fn assign_forwarding(ops: &mut [Op]) -> Vec<u8> {
    let mut forward = vec![NO_FORWARD; ops.len()];
    let mut live = NO_FORWARD;
    for (index, op) in ops.iter_mut().enumerate() {
        if op.kind == Kind::Gas {
            live = NO_FORWARD;
        }
        forward[index] = live;
        if live != NO_FORWARD {
            let reads = reads(op.kind);
            let mut flags = 0;
            for (bit, reg) in [(FWD_A, op.a), (FWD_B, op.b), (FWD_C, op.c)] {
                if reads & bit != 0 && reg == live {
                    flags |= bit;
                }
            }
            if flags != 0 {
                op.handler = handler_for(op.kind, flags);
            }
        }
        live = match flow(op.kind) {
            Flow::Writes => op.a,
            Flow::Transparent => live,
            Flow::Breaks => NO_FORWARD,
        };
    }
    forward
}

/// Whether ops of `kind` carry a static target op index in `y`.
pub(super) fn is_static_transfer(kind: Kind) -> bool {
    matches!(
        kind,
        Kind::Jump
            | Kind::LoadImmAndJump
            | Kind::BranchEqImm
            | Kind::BranchNotEqImm
            | Kind::BranchLessUnsignedImm
            | Kind::BranchLessOrEqualUnsignedImm
            | Kind::BranchGreaterOrEqualUnsignedImm
            | Kind::BranchGreaterUnsignedImm
            | Kind::BranchLessSignedImm
            | Kind::BranchLessOrEqualSignedImm
            | Kind::BranchGreaterOrEqualSignedImm
            | Kind::BranchGreaterSignedImm
            | Kind::BranchEq
            | Kind::BranchNotEq
            | Kind::BranchLessUnsigned
            | Kind::BranchLessSigned
            | Kind::BranchGreaterOrEqualUnsigned
            | Kind::BranchGreaterOrEqualSigned
    )
}
