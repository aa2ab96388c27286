//! Decodes arbitrary code under every rule the decoder has and checks its invariants.
//! Input: byte 0 selects the instruction set, the rest is `code ++ bitmask` (`gannet_fuzz::split_code`).
#![no_main]

use std::collections::BTreeSet;

use gannet_fuzz::split_code;
use isa::{encode, CodeView, DecodedKind, Instruction, InstructionSet, MAX_SKIP};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else { return };
    let set = InstructionSet::ALL[usize::from(selector) % InstructionSet::ALL.len()];
    let (code, bitmask) = split_code(rest);
    let view = CodeView::new(set, &code, &bitmask);
    let len = view.len();

    // Every offset, plus a few past the end.
    let mut starts = BTreeSet::new();
    for pc in 0..len + 3 {
        let d = view.decode(pc);
        assert_eq!(d.pc, pc);
        assert!(d.len >= 1, "length 0 at {pc}: {d:?}");
        assert_eq!(d.inst.operands.format(), d.inst.opcode.format(), "operands do not match the opcode at {pc}");
        let marked = view.is_marked(pc);
        match d.kind {
            DecodedKind::EndOfCode => {
                assert!(pc >= len, "EndOfCode inside the code at {pc}");
                assert_eq!(d.inst, Instruction::TRAP);
            }
            kind => {
                assert!(pc < len, "{kind:?} past the end at {pc}");
                assert!(d.next_pc() > pc && d.next_pc() <= len, "next pc {} out of range at {pc}", d.next_pc());
                match kind {
                    DecodedKind::Valid => {
                        assert!(marked);
                        assert_eq!(set.byte(d.inst.opcode), Some(code[pc as usize]));
                        assert_eq!(d.len, 1 + view.skip(pc));
                        assert!(d.len <= 1 + MAX_SKIP);
                    }
                    DecodedKind::InvalidOpcode(byte) => {
                        assert!(marked);
                        assert_eq!(byte, code[pc as usize]);
                        assert_eq!(set.opcode(byte), None);
                        assert_eq!(d.inst, Instruction::TRAP);
                        assert_eq!(d.len, 1 + view.skip(pc));
                    }
                    DecodedKind::Unmarked => {
                        assert!(!marked);
                        assert_eq!(d.inst, Instruction::TRAP);
                        assert!(view.is_marked(d.next_pc()) || d.next_pc() == len);
                    }
                    DecodedKind::EndOfCode => unreachable!(),
                }
            }
        }
        if d.kind == DecodedKind::Valid {
            check_reencode(set, &d.inst, pc);
        }
        let start = view.is_instruction_start(pc);
        if start {
            starts.insert(pc);
        }
        if view.is_jump_target_valid(pc) {
            assert!(start, "valid jump target {pc} is not an instruction start");
        }
        assert!(view.skip(pc) <= MAX_SKIP);
        if let Some(s) = view.previous_skip(pc) {
            assert!(s <= MAX_SKIP && view.is_marked(pc - s - 1));
        }
    }

    // The iterator walks every instruction start in order, each as `decode` sees it.
    let mut expected_pc = 0u32;
    let mut visited = BTreeSet::new();
    let mut last = None;
    for d in view.instructions() {
        assert_eq!(d.pc, expected_pc, "iterator skipped or repeated an offset");
        assert_eq!(d, view.decode(d.pc));
        assert!(visited.len() <= len as usize, "iterator does not terminate");
        if d.kind != DecodedKind::EndOfCode {
            visited.insert(d.pc);
        }
        expected_pc = d.next_pc();
        last = Some(d);
    }
    if let Some(last) = last {
        assert!(
            last.kind == DecodedKind::EndOfCode
                || (last.next_pc() >= len && !last.inst.opcode.can_fall_through()),
            "iterator stopped early after {last:?}"
        );
    } else {
        assert!(code.is_empty(), "no instructions in non-empty code");
    }
    assert_eq!(visited, starts, "iterator positions differ from is_instruction_start");
});

/// Encodes `inst` at `pc` and decodes it back in isolation: it must be the same instruction.
fn check_reencode(set: InstructionSet, inst: &Instruction, pc: u32) {
    let mut bytes = Vec::new();
    let n = encode(set, inst, pc, &mut bytes).unwrap_or_else(|e| panic!("cannot re-encode {inst:?}: {e}"));
    assert!((1..=1 + MAX_SKIP as usize).contains(&n) && n == bytes.len());
    assert_eq!(set.opcode(bytes[0]), Some(inst.opcode));
    let mut args = [0u8; 24];
    args[..n - 1].copy_from_slice(&bytes[1..]);
    let operands = isa::decode::decode_operands(inst.opcode, pc, &args, n as u32 - 1);
    assert_eq!(operands, inst.operands, "re-encoding changed the operands of {inst:?}");

    // The same through a code view, with the instruction at its real offset, alone and
    // followed by another instruction (kept cheap: only for small offsets).
    if pc > 256 {
        return;
    }
    let mut code = vec![0u8; pc as usize];
    code.extend_from_slice(&bytes);
    for followed in [false, true] {
        if followed {
            code.push(set.byte(isa::Opcode::Trap).expect("every set has trap"));
        }
        let mut bitmask = vec![0u8; code.len().div_ceil(8)];
        for at in [pc as usize, pc as usize + n] {
            if at < code.len() {
                bitmask[at >> 3] |= 1 << (at & 7);
            }
        }
        let back = CodeView::new(set, &code, &bitmask).decode(pc);
        assert_eq!(back.kind, DecodedKind::Valid);
        assert_eq!(back.inst, *inst, "re-encoding changed the instruction (followed: {followed})");
        assert_eq!(back.len as usize, n);
    }
}
