//! Test-only reference: pre-decoding as it was before the lookup tables (one `match` or
//! `handler_for` call per question, validity from `CodeView::is_jump_target_valid`), and a test
//! that [`Program::compile`] produces exactly the same program on real code.

use isa::gas::CostModel;
use isa::{CodeView, DecodedKind, Opcode};

use super::super::forward::{flow, is_static_transfer, reads, Flow};
use super::super::fused::pair_handler;
use super::super::ops::{Kind, Op, OP_SIZE};
use super::super::threaded::{handler_for, FWD_A, FWD_B, FWD_C};
use super::{lower, Program, CHECKPOINT_INTERVAL, NONE, NO_FORWARD};

/// [`Program::compile`], the straightforward way.
pub(super) fn compile(view: CodeView<'_>, jump_table: &[u32], cost_model: CostModel) -> Program {
    let code_len = view.len() as usize;
    let (mut ops, mut pcs) = (Vec::new(), Vec::new());
    let mut pc_to_op = vec![NONE; code_len + 1];
    let mut fixups: Vec<(usize, u32, u32)> = Vec::new();
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
        if let Some(target) = d.inst.operands.target() {
            fixups.push((ops.len(), target, d.next_pc()));
        }
        ops.push(lower(Op::new(kind_of(d.inst.opcode)), d.inst.operands));
        pcs.push(d.pc);
        if d.ends_block() {
            block_gas = None;
        }
    }
    for (index, target, next) in fixups {
        let op = &mut ops[index];
        let falls_through = op.kind != Kind::Jump && op.kind != Kind::LoadImmAndJump;
        if view.is_jump_target_valid(target) && (!falls_through || view.is_jump_target_valid(next)) {
            op.y = pc_to_op[target as usize] - 1;
        } else if op.kind == Kind::LoadImmAndJump {
            op.kind = Kind::LoadImmAndTrap;
            op.handler = handler_for(Kind::LoadImmAndTrap, 0);
        } else {
            *op = Op::new(Kind::Trap);
        }
    }
    for index in 0..ops.len() {
        let kind = ops[index].kind;
        if kind != Kind::Trap && kind != Kind::LoadImmAndJumpIndirect && is_static_transfer(kind) {
            let target = ops[index].y;
            ops[index].z = ops[target as usize].x;
            ops[index].y = (target.wrapping_sub(index as u32)).wrapping_mul(OP_SIZE);
        }
    }
    let jump_table = jump_table
        .iter()
        .map(|&target| match view.is_jump_target_valid(target) {
            true => {
                let entry = pc_to_op[target as usize] - 1;
                (entry * OP_SIZE, ops[entry as usize].x)
            }
            false => (NONE, 0),
        })
        .collect();
    let forward = assign_forwarding(&mut ops);
    let fused = fuse(&mut ops, &forward);
    Program { ops, pcs, pc_to_op, jump_table, forward, fused }
}

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

fn fuse(ops: &mut [Op], forward: &[u8]) -> usize {
    let mut fused = 0;
    let mut i = 0;
    while i + 1 < ops.len() {
        let f1 = flags(&ops[i], forward[i]);
        let f2 = flags(&ops[i + 1], forward[i + 1]);
        match pair_handler(ops[i].kind, f1, ops[i + 1].kind, f2) {
            Some(handler) => {
                ops[i].handler = handler;
                fused += 1;
                i += 2;
            }
            None => i += 1,
        }
    }
    fused
}

/// The forwarding flags of `o` when register `live` arrives as `last`.
fn flags(o: &Op, live: u8) -> u8 {
    if live == NO_FORWARD {
        return 0;
    }
    let reads = reads(o.kind);
    [(FWD_A, o.a), (FWD_B, o.b), (FWD_C, o.c)]
        .into_iter()
        .filter(|&(bit, reg)| reads & bit != 0 && reg == live)
        .fold(0, |flags, (bit, _)| flags | bit)
}

/// Everything about a program, with handlers as addresses.
fn summary(p: &Program) -> impl PartialEq + std::fmt::Debug {
    let ops: Vec<_> =
        p.ops.iter().map(|o| (o.handler as usize, o.kind, o.a, o.b, o.c, o.x, o.y, o.z)).collect();
    (ops, p.pcs.clone(), p.pc_to_op.clone(), p.jump_table.clone(), p.forward.clone(), p.fused)
}

/// Code blobs of real programs: the corpora's `.polkavm` blobs, JAM services and the JAM test
/// vectors' programs.
fn programs() -> Vec<(String, isa::InstructionSet, isa::blob::CodeBlob)> {
    use isa::blob::{CodeBlob, ProgramBlob, StandardProgram};
    let Some(root) = testkit::corpora() else { return Vec::new() };
    let mut out = Vec::new();
    for path in testkit::files(&root.join("polkavm-blobs"), &["polkavm", "pvm"]) {
        let blob = ProgramBlob::parse(&std::fs::read(&path).unwrap()).unwrap();
        out.push((path.display().to_string(), blob.isa, blob.code));
    }
    for path in testkit::files(&root.join("jam-service-blobs"), &["pvm", "jam"]) {
        let program = StandardProgram::parse_any(&std::fs::read(&path).unwrap()).unwrap();
        out.push((path.display().to_string(), isa::InstructionSet::Gp072, program.code));
    }
    for (path, bytes) in testkit::vector_programs(&root.join("jam-pvm/pvm/programs")) {
        out.push((path.display().to_string(), isa::InstructionSet::Gp072, CodeBlob::parse(&bytes).unwrap()));
    }
    out
}

#[test]
fn compile_matches_the_reference_on_real_programs() {
    for (name, set, code) in programs() {
        // Also as a 32-bit program, for the 32-bit kinds.
        for set in [set, isa::InstructionSet::Latest32] {
            let view = code.view(set);
            let fast = Program::compile(view, &code.jump_table, CostModel::default());
            let slow = compile(view, &code.jump_table, CostModel::default());
            assert_eq!(summary(&fast), summary(&slow), "{name} as {set:?}");
        }
    }
}

#[test]
fn compile_matches_the_reference_on_invalid_targets() {
    // Jumps and branches to the middle of a block, to past the end, and ones whose fall-through
    // successor is no block start, next to fusable neighbours.
    let text = ".isa gp072
        add_imm_64 a0, a0, 1
        load_imm_and_jump a1, 7, @1
        add_64 a0, a1, a2
        branch_not_eq a0, a1, @200
        add_imm_64 a0, a0, 1
        load_imm_and_jump a2, 9, @0
        move_reg a3, a0
        branch_eq_imm a3, 4, @0
        add_imm_64 a0, a0, 1
        jump @3
        trap";
    let (set, code) = isa::text::assemble_code(text).unwrap();
    let view = code.view(set);
    let fast = Program::compile(view, &code.jump_table, CostModel::default());
    let slow = compile(view, &code.jump_table, CostModel::default());
    assert!(fast.ops.iter().any(|op| op.kind == Kind::LoadImmAndTrap));
    assert_eq!(summary(&fast), summary(&slow));
}

#[test]
fn pair_table_covers_every_fused_pair() {
    let t = super::tables();
    let kinds = super::tables::all_kinds();
    for &k1 in &kinds {
        for &k2 in &kinds {
            let any = (0..8).any(|f1| (0..8).any(|f2| pair_handler(k1, f1, k2, f2).is_some()));
            assert_eq!(t.may_pair(k1, k2), any, "{k1:?} {k2:?}");
        }
    }
}
