//! Pre-decoding a program into interpreter ops, once per module.
//!
//! One linear pass over the decoder's instruction stream. Every basic block gets a `Gas` op
//! carrying the block's cost, then one op per instruction; register forwarding
//! ([`super::forward`]) is chosen as the ops are emitted. Static targets are resolved to op
//! indices afterwards (and then to byte distances, see `Op::target`); a branch whose target (or
//! whose fall-through successor) is not a valid block start becomes a `Trap` at the branch, as
//! in PolkaVM. Fused pairs ([`super::fused`]) are chosen last. Per-kind questions (handler,
//! forwarding behaviour, fusion partners) are answered from [`tables()`] built once per process.

use isa::gas::CostModel;
use isa::{CodeView, DecodedKind, Opcode, Operands};

use super::forward::Forwarding;
use super::ops::{Kind, Op, OP_SIZE};

#[cfg(test)]
mod reference;
mod tables;

pub(crate) use tables::{tables, Tables};

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
        let t = tables();
        let kinds = if view.set.is_64bit() { &t.kinds } else { &t.kinds_32bit };
        let code_len = view.len() as usize;
        let mut ops = Vec::with_capacity(code_len / 2 + 8);
        let mut pcs = Vec::with_capacity(code_len / 2 + 8);
        // Forwarding is chosen as ops are emitted: turning a branch into a `Trap` below keeps
        // it right, since a branch ends its block and a `Trap` reads no register.
        let mut forwarding = Forwarding::with_capacity(code_len / 2 + 8);
        let mut pc_to_op = vec![NONE; code_len + 1];
        // Block starts inside the code: exactly the valid jump targets (see `BlockStarts`).
        let mut starts = BlockStarts::new(code_len);
        let mut fixups: Vec<(usize, u32, u32)> = Vec::new(); // (op index, target pc, next pc)
        let trap_cost = cost_model.cost(Opcode::Trap);
        // The open block's `Gas` op and cost so far.
        let mut block: Option<(usize, u32)> = None;
        let mut since_checkpoint = 0u32;

        for d in view.instructions() {
            let (gas_index, mut cost) = match block {
                Some(open) => {
                    if since_checkpoint == CHECKPOINT_INTERVAL {
                        let mut op = new_op(t, Kind::Checkpoint);
                        forwarding.next(t, &mut op);
                        ops.push(op);
                        pcs.push(d.pc);
                        since_checkpoint = 0;
                    }
                    open
                }
                None => {
                    starts.insert(d.pc);
                    let mut op = new_op(t, Kind::Gas);
                    forwarding.next(t, &mut op);
                    ops.push(op);
                    pcs.push(d.pc);
                    since_checkpoint = 0;
                    (ops.len() - 1, 0)
                }
            };
            since_checkpoint += 1;
            cost = cost.saturating_add(match d.kind {
                DecodedKind::Valid => cost_model.cost(d.inst.opcode),
                _ => trap_cost,
            });

            if let Some(slot) = pc_to_op.get_mut(d.pc as usize) {
                *slot = ops.len() as u32;
            }
            let kind = kinds[d.inst.opcode.index()];
            if let Some(target) = d.inst.operands.target() {
                fixups.push((ops.len(), target, d.next_pc()));
            }
            let mut op = lower(new_op(t, kind), d.inst.operands);
            forwarding.next(t, &mut op);
            ops.push(op);
            pcs.push(d.pc);
            if d.ends_block() {
                ops[gas_index].x = cost;
                block = None;
            } else {
                block = Some((gas_index, cost));
            }
        }
        if let Some((gas_index, cost)) = block {
            ops[gas_index].x = cost;
        }

        // Every op with a target is a static jump or branch (`is_static_transfer`).
        for (index, target, next) in fixups {
            let falls_through = ops[index].kind != Kind::Jump && ops[index].kind != Kind::LoadImmAndJump;
            let target_ok = starts.contains(target);
            let next_ok = !falls_through || starts.contains(next);
            if target_ok && next_ok {
                // Taken branches and jumps charge their target block inline: keep its cost at
                // hand, and `y` is the byte distance to the target (see `Op::target`).
                let entry = block_entry(&pc_to_op, target);
                ops[index].z = ops[entry as usize].x;
                ops[index].y = entry.wrapping_sub(index as u32).wrapping_mul(OP_SIZE);
            } else if ops[index].kind == Kind::LoadImmAndJump {
                // The register is written before the jump target is found invalid. (Its
                // forwarding stays right: neither kind reads a register or passes one on.)
                ops[index].kind = Kind::LoadImmAndTrap;
                ops[index].handler = t.handler(Kind::LoadImmAndTrap, 0);
            } else {
                ops[index] = Op::new(Kind::Trap);
            }
        }

        let jump_table = jump_table
            .iter()
            .map(|&target| {
                if starts.contains(target) {
                    let entry = block_entry(&pc_to_op, target);
                    (entry * OP_SIZE, ops[entry as usize].x)
                } else {
                    (NONE, 0)
                }
            })
            .collect();

        let forward = forwarding.forward;
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

/// `Op::new(kind)`, with the handler from the table.
#[inline(always)]
fn new_op(t: &Tables, kind: Kind) -> Op {
    Op { handler: t.handler(kind, 0), kind, a: 0, b: 0, c: 0, x: 0, y: 0, z: 0 }
}

/// Fills `op` (fresh, of the instruction's kind) with the instruction's operands.
#[inline(always)]
pub(super) fn lower(mut op: Op, operands: Operands) -> Op {
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

/// The block starts of a program inside its code, one bit per code offset. The instruction
/// stream's positions are exactly the offsets where `CodeView::is_instruction_start` holds, and
/// a position opens a block exactly when the previous one ends a block, which is
/// `CodeView::is_jump_target_valid`'s rule; so these are the valid jump targets.
struct BlockStarts {
    bits: Vec<u64>,
    len: usize,
}

impl BlockStarts {
    fn new(len: usize) -> BlockStarts {
        BlockStarts { bits: vec![0; len.div_ceil(64)], len }
    }

    #[inline(always)]
    fn insert(&mut self, pc: u32) {
        let pc = pc as usize;
        if pc < self.len {
            self.bits[pc >> 6] |= 1 << (pc & 63);
        }
    }

    #[inline(always)]
    fn contains(&self, pc: u32) -> bool {
        let pc = pc as usize;
        pc < self.len && self.bits[pc >> 6] & (1 << (pc & 63)) != 0
    }
}
