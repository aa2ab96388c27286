//! Pre-decoding a program into interpreter ops, once per module.
//!
//! One linear pass over the decoder's instruction stream. Every basic block gets a `Gas` op
//! carrying the block's cost, then one op per instruction. Static targets are resolved to op
//! indices afterwards; a branch whose target (or whose fall-through successor) is not a valid
//! block start becomes a `Trap` at the branch, as in PolkaVM.

use isa::gas::CostModel;
use isa::{CodeView, DecodedKind, Opcode, Operands};

use super::ops::{Kind, Op};
use super::threaded::{handler_for, FWD_A, FWD_B, FWD_C};

/// Longest run of instruction ops without a `Checkpoint` (or block entry) in between.
pub(crate) const CHECKPOINT_INTERVAL: u32 = 64;

/// In [`Program::forward`]: no register value is forwarded into this op.
pub(crate) const NO_FORWARD: u8 = u8::MAX;

/// Marks "no op here" in index tables.
pub(crate) const NONE: u32 = u32::MAX;

/// A pre-decoded program, shared by all instances of a module.
pub(crate) struct Program {
    /// The ops.
    pub ops: Vec<Op>,
    /// Code offset of each op (a `Gas` op has the offset of its block's first instruction).
    pub pcs: Vec<u32>,
    /// Op index of the instruction at each code offset (`code_len + 1` entries), or [`NONE`].
    pub pc_to_op: Vec<u32>,
    /// For each jump-table entry, the op index of the target block's `Gas` op (or [`NONE`])
    /// and that block's cost.
    pub jump_table: Vec<(u32, u32)>,
    /// For each op: the register most recently written before it in the same block, whose
    /// value the threaded dispatcher passes along in a host register (or [`NO_FORWARD`]). The
    /// dispatcher reloads it from here whenever it (re-)enters the op sequence mid-block.
    pub forward: Vec<u8>,
    /// Number of op pairs running as one fused handler ([`super::fused`]; read by its tests).
    #[cfg_attr(not(test), allow(dead_code))]
    pub fused: usize,
}

impl Program {
    /// Pre-decodes `view` with the given jump table and cost model.
    pub(crate) fn compile(view: CodeView<'_>, jump_table: &[u32], cost_model: CostModel) -> Program {
        let code_len = view.len() as usize;
        let mut ops = Vec::with_capacity(code_len / 2 + 8);
        let mut pcs = Vec::with_capacity(code_len / 2 + 8);
        let mut pc_to_op = vec![NONE; code_len + 1];
        let mut fixups: Vec<(usize, u32, u32)> = Vec::new(); // (op index, target pc, next pc)
        let mut block_gas: Option<usize> = None;
        let mut since_checkpoint = 0u32;

        for d in view.instructions() {
            if block_gas.is_none() {
                block_gas = Some(ops.len());
                ops.push(Op::new(Kind::Gas));
                pcs.push(d.pc);
                since_checkpoint = 0;
            } else if since_checkpoint == CHECKPOINT_INTERVAL {
                ops.push(Op::new(Kind::Checkpoint));
                pcs.push(d.pc);
                since_checkpoint = 0;
            }
            since_checkpoint += 1;
            let gas_index = block_gas.expect("a block is open");
            let cost = match d.kind {
                DecodedKind::Valid => cost_model.cost(d.inst.opcode),
                _ => cost_model.cost(Opcode::Trap),
            };
            ops[gas_index].x = ops[gas_index].x.saturating_add(cost);

            if let Some(slot) = pc_to_op.get_mut(d.pc as usize) {
                *slot = ops.len() as u32;
            }
            let op = lower(d.inst.opcode, d.inst.operands);
            if let Some(target) = d.inst.operands.target() {
                fixups.push((ops.len(), target, d.next_pc()));
            }
            ops.push(op);
            pcs.push(d.pc);
            if d.ends_block() {
                block_gas = None;
            }
        }

        for (index, target, next) in fixups {
            let op = &mut ops[index];
            let falls_through = op.kind != Kind::Jump && op.kind != Kind::LoadImmAndJump;
            let target_ok = view.is_jump_target_valid(target);
            let next_ok = !falls_through || view.is_jump_target_valid(next);
            if target_ok && next_ok {
                op.y = block_entry(&pc_to_op, target);
            } else {
                *op = Op::new(Kind::Trap);
            }
        }
        // Taken branches and jumps charge their target block inline: keep its cost at hand.
        for index in 0..ops.len() {
            let kind = ops[index].kind;
            if kind != Kind::Trap && kind != Kind::LoadImmAndJumpIndirect && is_static_transfer(kind) {
                ops[index].z = ops[ops[index].y as usize].x;
            }
        }

        let jump_table = jump_table
            .iter()
            .map(|&target| {
                if view.is_jump_target_valid(target) {
                    let entry = block_entry(&pc_to_op, target);
                    (entry, ops[entry as usize].x)
                } else {
                    (NONE, 0)
                }
            })
            .collect();

        let forward = assign_forwarding(&mut ops);
        let fused = super::fused::fuse(&mut ops, &forward);
        Program { ops, pcs, pc_to_op, jump_table, forward, fused }
    }

    /// Op index at which to resume at `pc` without charging gas, if an instruction starts there.
    pub(crate) fn op_at(&self, pc: u32) -> Option<usize> {
        let index = *self.pc_to_op.get(pc as usize)?;
        (index != NONE).then_some(index as usize)
    }

    /// The `Gas` op of the block containing op `index`.
    pub(crate) fn block_of(&self, index: usize) -> usize {
        (0..=index).rev().find(|&i| self.ops[i].kind == Kind::Gas).unwrap_or(0)
    }
}

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
pub(super) fn reads(kind: Kind) -> u8 {
    use Kind::*;
    match kind {
        Gas | Checkpoint | Trap | Fallthrough | Unlikely | Ecalli | Memset | LoadImm64 | LoadImm | Jump
        | LoadImmAndJump | LoadU8 | LoadI8 | LoadU16 | LoadI16 | LoadU32 | LoadI32 | LoadU64 | StoreImmU8
        | StoreImmU16 | StoreImmU32 | StoreImmU64 => 0,
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
        | MinimumUnsigned => FWD_B | FWD_C,
        // Everything else reads `b` only (two-register and register-immediate forms, indirect
        // loads, `sbrk`, `load_imm_and_jump_indirect`).
        _ => FWD_B,
    }
}

/// Chooses forwarding handler variants: walks each block, tracking the register written last,
/// and lets every op that reads that register take it from `last`. Returns the per-op table
/// of the register `last` holds on entry to the op.
fn assign_forwarding(ops: &mut [Op]) -> Vec<u8> {
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
fn is_static_transfer(kind: Kind) -> bool {
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

/// Op index of the `Gas` op opening the block that starts at `pc` (a valid jump target).
fn block_entry(pc_to_op: &[u32], pc: u32) -> u32 {
    pc_to_op[pc as usize] - 1
}

fn lower(opcode: Opcode, operands: Operands) -> Op {
    let mut op = Op::new(Kind::of(opcode));
    match operands {
        Operands::Argless => {}
        Operands::Imm { imm } => op.x = imm,
        Operands::RegImm64 { reg, imm } => {
            op.a = reg as u8;
            op.x = imm as u32;
            op.y = (imm >> 32) as u32;
        }
        Operands::ImmImm { imm1, imm2 } => {
            op.x = imm1;
            op.y = imm2;
        }
        Operands::Offset { .. } => {}
        Operands::RegImm { reg, imm } => {
            op.a = reg as u8;
            op.x = imm;
        }
        Operands::RegImmImm { reg, imm1, imm2 } => {
            op.a = reg as u8;
            op.x = imm1;
            op.y = imm2;
        }
        Operands::RegImmOffset { reg, imm, .. } => {
            op.a = reg as u8;
            op.x = imm;
        }
        Operands::RegReg { d, s } => {
            op.a = d as u8;
            op.b = s as u8;
        }
        Operands::RegRegImm { a, b, imm } => {
            op.a = a as u8;
            op.b = b as u8;
            op.x = imm;
        }
        Operands::RegRegOffset { a, b, .. } => {
            op.a = a as u8;
            op.b = b as u8;
        }
        Operands::RegRegImmImm { a, b, imm1, imm2 } => {
            op.a = a as u8;
            op.b = b as u8;
            op.x = imm1;
            op.z = imm2;
        }
        Operands::RegRegReg { d, s1, s2 } => {
            op.a = d as u8;
            op.b = s1 as u8;
            op.c = s2 as u8;
        }
    }
    op
}
