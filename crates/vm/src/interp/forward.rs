//! Register forwarding: which register each op may take from the `last` value the threaded
//! dispatcher carries in a host register, chosen once per program.

use super::ops::{Kind, Op};
use super::program::{Tables, NO_FORWARD};
use super::threaded::{FWD_A, FWD_B, FWD_C};

/// Which register an op writes (it then passes the value on as `last`), whether it passes
/// `last` through untouched, and which of its fields it reads as source registers.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub(crate) enum Flow {
    /// Writes register `a`.
    Writes,
    /// Writes nothing; `last` passes through.
    Transparent,
    /// Ends forwarding (block end, host call, or several registers written).
    Breaks,
}

/// How ops of `kind` affect the forwarded value.
pub(crate) fn flow(kind: Kind) -> Flow {
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

/// Chooses forwarding handler variants as ops are emitted: tracks, within each block, the
/// register written last, and lets every op that reads that register take it from `last`.
/// Collects the per-op table of the register `last` holds on entry to the op.
pub(super) struct Forwarding {
    live: u8,
    /// [`super::program::Program::forward`] so far.
    pub forward: Vec<u8>,
}

impl Forwarding {
    /// Starts with room for `capacity` ops.
    pub(super) fn with_capacity(capacity: usize) -> Forwarding {
        Forwarding { live: NO_FORWARD, forward: Vec::with_capacity(capacity) }
    }

    /// Records the next op, giving it the forwarding variant of its handler if it reads the
    /// forwarded register.
    #[inline(always)]
    pub(super) fn next(&mut self, t: &Tables, op: &mut Op) {
        if op.kind == Kind::Gas {
            self.live = NO_FORWARD;
        }
        let live = self.live;
        self.forward.push(live);
        if live != NO_FORWARD {
            let flags = forwarding_flags(t.reads[op.kind as usize], op, live);
            if flags != 0 {
                op.handler = t.handler(op.kind, flags);
            }
        }
        self.live = match t.flows[op.kind as usize] {
            Flow::Writes => op.a,
            Flow::Transparent => live,
            Flow::Breaks => NO_FORWARD,
        };
    }
}

/// The forwarding flags of `op`, which reads the fields `reads`, when register `live` (not
/// [`NO_FORWARD`]) arrives as `last`.
#[inline(always)]
pub(super) fn forwarding_flags(reads: u8, op: &Op, live: u8) -> u8 {
    let hit = |bit: u8, reg: u8| if reg == live { bit } else { 0 };
    reads & (hit(FWD_A, op.a) | hit(FWD_B, op.b) | hit(FWD_C, op.c))
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
