//! Decoder tests: hand-checked programs, and the fast bitmask queries, operand decoding and
//! instruction stream against the bit-by-bit [`reference`](super::reference) on random code.

use alloc::{vec, vec::Vec};

use proptest::collection::vec as arb_vec;
use proptest::prelude::*;

use super::reference as slow;
use super::*;
use crate::inst::Operands;
use crate::opcode::Opcode;
use crate::reg::Reg;

#[test]
fn immediates_sign_extend() {
    let mut b = [0u8; 24];
    b[0] = 0x80;
    assert_eq!(read_imm(&b, 0, 1), 0xFFFF_FF80);
    b[1] = 0x00;
    assert_eq!(read_imm(&b, 0, 2), 0x80);
    assert_eq!(read_imm(&b, 0, 0), 0);
}

#[test]
fn hello_world_latest32_decodes() {
    // The 25-byte code of PolkaVM's hello-world example (Latest32).
    let code = [
        0x83, 0x11, 0xf8, 0x7a, 0x10, 0x04, 0x7a, 0x15, 0xbe, 0x78, 0x05, 0x0a, 0xbe, 0x57, 0x07, 0x81, 0x10,
        0x04, 0x81, 0x15, 0x83, 0x11, 0x08, 0x32, 0x00,
    ];
    let bitmask = [0x49, 0x99, 0x94, 0x00];
    let view = CodeView::new(InstructionSet::Latest32, &code, &bitmask);
    let all: Vec<_> = view.instructions().collect();
    let pcs: Vec<u32> = all.iter().map(|d| d.pc).collect();
    assert_eq!(pcs, [0, 3, 6, 8, 11, 12, 15, 18, 20, 23]);
    assert_eq!(all[0].inst.opcode, Opcode::AddImm32);
    assert_eq!(all[0].inst.operands, Operands::RegRegImm { a: Reg::SP, b: Reg::SP, imm: (-8i32) as u32 });
    assert_eq!(all[3].inst.operands, Operands::RegRegReg { d: Reg::S0, s1: Reg::A1, s2: Reg::A0 });
    assert_eq!(all[9].inst.opcode, Opcode::JumpIndirect);
}

#[test]
fn long_gap_yields_unmarked_position() {
    let mut code = vec![0u8; 40];
    code[0] = 1; // fallthrough
    code[30] = 0; // trap
    let mut bitmask = vec![0u8; 5];
    bitmask[0] = 1;
    bitmask[3] = 1 << 6; // offset 30
    let view = CodeView::new(InstructionSet::Gp072, &code, &bitmask);
    let items: Vec<_> = view.instructions().map(|d| (d.pc, d.kind)).collect();
    assert_eq!(items, [(0, DecodedKind::Valid), (25, DecodedKind::Unmarked), (30, DecodedKind::Valid)]);
    assert!(view.is_instruction_start(25));
    assert!(view.is_jump_target_valid(25));
}

#[test]
fn opcode_indices_follow_the_table() {
    // The decoder's per-opcode tables are indexed by `Opcode::index`.
    for (i, op) in Opcode::ALL.iter().enumerate() {
        assert_eq!(op.index(), i);
    }
}

/// Random code with a bitmask of random density (from none to every byte marked, sparse
/// enough for gaps past [`MAX_SKIP`]) and of random length (shorter than the code, exact,
/// or longer with stray bits past the end).
fn arb_program() -> impl Strategy<Value = (InstructionSet, Vec<u8>, Vec<u8>)> {
    (0..InstructionSet::ALL.len(), arb_vec(any::<u8>(), 0..300), 0u32..7, -3i32..3, any::<u64>()).prop_map(
        |(set, code, density, extra, seed)| {
            let mut state = seed | 1;
            let mut random = move || {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                state as u8
            };
            let len = (code.len().div_ceil(8) as i32 + extra).max(0) as usize;
            let bitmask = (0..len)
                .map(|_| match density {
                    0 => 0,
                    6 => 0xFF,
                    n => (1..n).fold(random(), |byte, _| byte & random()),
                })
                .collect();
            (InstructionSet::ALL[set], code, bitmask)
        },
    )
}

/// Offsets worth querying: all inside the code, some past it, and the extremes.
fn offsets(len: usize) -> impl Iterator<Item = u32> {
    (0..len as u32 + 40).chain([u32::MAX - 1, u32::MAX, u32::MAX / 2])
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn bitmask_queries_match_the_reference((set, code, bitmask) in arb_program()) {
        let view = CodeView::new(set, &code, &bitmask);
        for offset in offsets(code.len()) {
            prop_assert_eq!(view.skip(offset), slow::skip(&view, offset), "skip({})", offset);
            prop_assert_eq!(view.previous_skip(offset), slow::previous_skip(&view, offset), "previous_skip({})", offset);
            prop_assert_eq!(view.is_instruction_start(offset), slow::is_instruction_start(&view, offset), "start({})", offset);
            prop_assert_eq!(view.is_jump_target_valid(offset), slow::is_jump_target_valid(&view, offset), "target({})", offset);
            prop_assert_eq!(view.decode(offset), slow::decode(&view, offset), "decode({})", offset);
        }
    }

    #[test]
    fn instruction_stream_matches_the_reference((set, code, bitmask) in arb_program()) {
        let view = CodeView::new(set, &code, &bitmask);
        let fast: Vec<_> = view.instructions().collect();
        prop_assert_eq!(fast, slow::instructions(&view));
    }

    /// `position_at`, stepped from offset 0 up to the position that ends the walk, is the walk.
    #[test]
    fn stepping_position_at_is_the_walk((set, code, bitmask) in arb_program()) {
        let view = CodeView::new(set, &code, &bitmask);
        let mut stepped = Vec::new();
        let mut pc = 0;
        while !code.is_empty() {
            let position = view.position_at(pc);
            stepped.push(position);
            pc = position.next_pc();
            if position.ends_walk(code.len()) {
                break;
            }
        }
        prop_assert_eq!(stepped, view.positions().collect::<Vec<_>>());
    }

    /// What the interpreter's pre-decode relies on to skip the validity check per target.
    #[test]
    fn block_starts_are_the_valid_jump_targets((set, code, bitmask) in arb_program()) {
        let view = CodeView::new(set, &code, &bitmask);
        let starts: Vec<u32> = view.block_starts().filter(|&pc| (pc as usize) < code.len()).collect();
        let valid: Vec<u32> = (0..code.len() as u32).filter(|&pc| view.is_jump_target_valid(pc)).collect();
        prop_assert_eq!(starts, valid);
    }

    #[test]
    fn operands_match_the_reference(op in 0..Opcode::ALL.len(), pc in any::<u32>(), args in any::<[u8; 24]>(), skip in 0..=MAX_SKIP) {
        let opcode = Opcode::ALL[op];
        prop_assert_eq!(decode_operands(opcode, pc, &args, skip), slow::operands(opcode, pc, &args, skip));
    }
}
