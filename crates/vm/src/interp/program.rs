//! Pre-decoding a program into interpreter ops, once per module.
//!
//! One linear pass over the decoder's instruction stream. Every basic block gets a `Gas` op
//! carrying the block's cost, then one op per instruction. Static targets are resolved to op
//! indices afterwards (and then to byte distances, see `Op::target`); a branch whose target (or whose fall-through successor) is not a valid
//! block start becomes a `Trap` at the branch, as in PolkaVM.

use isa::gas::CostModel;
use isa::{CodeView, DecodedKind, Opcode, Operands};

use super::forward::{assign_forwarding, is_static_transfer};
use super::ops::{Kind, Op, OP_SIZE};

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
    /// For each jump-table entry, the byte offset (from the first op) of the target block's
    /// `Gas` op, or [`NONE`], and that block's cost.
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
    /// Pre-decodes `view` with the given jump table and cost model. Programs of a 32-bit
    /// instruction set get the 32-bit variants of the few kinds whose results differ
    /// ([`Kind::of_32bit`]).
    pub(crate) fn compile(view: CodeView<'_>, jump_table: &[u32], cost_model: CostModel) -> Program {
        let code_len = view.len() as usize;
        let mut ops = Vec::with_capacity(code_len / 2 + 8);
        let mut pcs = Vec::with_capacity(code_len / 2 + 8);
        let mut pc_to_op = vec![NONE; code_len + 1];
        let mut fixups: Vec<(usize, u32, u32)> = Vec::new(); // (op index, target pc, next pc)
        let mut block_gas: Option<usize> = None;
        let mut since_checkpoint = 0u32;
        let kind_of = if view.set.is_64bit() { Kind::of } else { Kind::of_32bit };

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
            let op = lower(kind_of(d.inst.opcode), d.inst.operands);
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
            } else if op.kind == Kind::LoadImmAndJump {
                // The register is written before the jump target is found invalid.
                op.kind = Kind::LoadImmAndTrap;
                op.handler = super::threaded::handler_for(Kind::LoadImmAndTrap, 0);
            } else {
                *op = Op::new(Kind::Trap);
            }
        }
        // Taken branches and jumps charge their target block inline: keep its cost at hand.
        for index in 0..ops.len() {
            let kind = ops[index].kind;
            if kind != Kind::Trap && kind != Kind::LoadImmAndJumpIndirect && is_static_transfer(kind) {
                let target = ops[index].y;
                ops[index].z = ops[target as usize].x;
                // From here on, `y` is the byte distance to the target (see `Op::target`).
                ops[index].y = (target.wrapping_sub(index as u32)).wrapping_mul(OP_SIZE);
            }
        }

        let jump_table = jump_table
            .iter()
            .map(|&target| {
                if view.is_jump_target_valid(target) {
                    let entry = block_entry(&pc_to_op, target);
                    (entry * OP_SIZE, ops[entry as usize].x)
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

/// Op index of the `Gas` op opening the block that starts at `pc` (a valid jump target).
fn block_entry(pc_to_op: &[u32], pc: u32) -> u32 {
    pc_to_op[pc as usize] - 1
}

fn lower(kind: Kind, operands: Operands) -> Op {
    let mut op = Op::new(kind);
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
