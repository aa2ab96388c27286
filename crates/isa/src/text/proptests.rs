//! Property tests of the text module: random code round-trips bytes → text → bytes, random
//! instruction programs round-trip text → bytes → text, and random text never panics.

use alloc::format;
use alloc::string::String;
use alloc::vec;
use alloc::vec::Vec;

use proptest::prelude::*;

use super::inst::{build, slots, values, Slot, Value};
use super::*;
use crate::blob::CodeBlob;
use crate::encode::{encode_with, imm_len, ImmWidths};
use crate::inst::{Instruction, Operands};
use crate::opcode::{Format, Opcode};
use crate::reg::Reg;
use crate::variant::InstructionSet;

fn arb_set() -> impl Strategy<Value = InstructionSet> {
    prop::sample::select(InstructionSet::ALL.to_vec())
}

fn ops_of(set: InstructionSet) -> Vec<Opcode> {
    Opcode::ALL.iter().copied().filter(|&op| set.byte(op).is_some()).collect()
}

/// An immediate biased towards every encoded length.
fn arb_imm() -> impl Strategy<Value = u32> {
    prop_oneof![Just(0i32), -128i32..128, -40000i32..40000, any::<i32>()].prop_map(|v| v as u32)
}

fn operands(format: Format, r: [u8; 3], x: u32, y: u32, z: u64, target: u32) -> Operands {
    let reg = |i: usize| Reg::from_byte_clamped(r[i] % 13);
    let (a, b, c) = (reg(0), reg(1), reg(2));
    match format {
        Format::Argless => Operands::Argless,
        Format::Imm => Operands::Imm { imm: x },
        Format::RegImm64 => Operands::RegImm64 { reg: a, imm: z },
        Format::ImmImm => Operands::ImmImm { imm1: x, imm2: y },
        Format::Offset => Operands::Offset { target },
        Format::RegImm => Operands::RegImm { reg: a, imm: x },
        Format::RegImmImm => Operands::RegImmImm { reg: a, imm1: x, imm2: y },
        Format::RegImmOffset => Operands::RegImmOffset { reg: a, imm: x, target },
        Format::RegReg => Operands::RegReg { d: a, s: b },
        Format::RegRegImm => Operands::RegRegImm { a, b, imm: x },
        Format::RegRegOffset => Operands::RegRegOffset { a, b, target },
        Format::RegRegImmImm => Operands::RegRegImmImm { a, b, imm1: x, imm2: y },
        Format::RegRegReg => Operands::RegRegReg { d: a, s1: b, s2: c },
    }
}

/// One random instruction description: opcode index, registers, immediates, target index.
type RawInst = (usize, [u8; 3], u32, u32, u64, usize);

fn arb_raw_inst() -> impl Strategy<Value = RawInst> {
    (any::<usize>(), any::<[u8; 3]>(), arb_imm(), arb_imm(), any::<u64>(), any::<usize>())
}

fn assert_code_round_trip(set: InstructionSet, code: &CodeBlob) -> Result<String, TestCaseError> {
    let text = disassemble_code(set, code);
    let back = assemble_code(&text).map_err(|e| TestCaseError::fail(format!("{e}\n{text}")))?;
    prop_assert_eq!(&back, &(set, code.clone()), "{}", text);
    let annotated = disassemble_code_with(set, code, DisasmOptions { show_offsets: true, show_bytes: true });
    prop_assert_eq!(assemble_code(&annotated).ok(), Some((set, code.clone())));
    Ok(text)
}

proptest! {
    /// Arbitrary bytes and bitmask (invalid opcodes, garbage nibbles, overlaps, gaps).
    #[test]
    fn random_code_round_trips(
        set in arb_set(),
        code in prop::collection::vec(any::<u8>(), 0..160),
        marks in prop::collection::vec(prop::bool::weighted(0.3), 160),
        jump_table in prop::collection::vec(any::<u32>(), 0..4),
        entry_size in 0u8..=4,
        junk_tail in any::<u8>(),
    ) {
        let mut bitmask = vec![0u8; code.len().div_ceil(8)];
        for (i, _) in marks.iter().enumerate().take(code.len()).filter(|(_, &m)| m) {
            bitmask[i / 8] |= 1 << (i % 8);
        }
        if junk_tail % 4 == 0 {
            if let Some(last) = bitmask.last_mut() {
                *last |= junk_tail & 0x80;
            }
        }
        let blob = CodeBlob { jump_table, jump_table_entry_size: entry_size, code, bitmask };
        assert_code_round_trip(set, &blob)?;
    }

    /// Real encodings with random (over-long) immediate widths and padding: the disassembler
    /// must express them as instructions, never as `.raw`.
    #[test]
    fn padded_encodings_round_trip_as_instructions(
        set in arb_set(),
        insts in prop::collection::vec((arb_raw_inst(), 0u8..5, 0u8..5, prop::collection::vec(any::<u8>(), 0..3)), 1..24),
    ) {
        let ops = ops_of(set);
        let (mut code, mut starts) = (Vec::new(), Vec::new());
        for ((op, r, x, y, z, t), w1, w2, pad) in insts {
            let opcode = ops[op % ops.len()];
            let inst = Instruction { opcode, operands: operands(opcode.format(), r, x, y, z, t as u32 % 64) };
            let pc = code.len() as u32;
            let mut widths = [None; 2];
            for (slot, val) in slots(opcode.format()).iter().zip(values(&inst.operands)) {
                match (*slot, val) {
                    (Slot::Imm(k), Value::Imm(v)) => widths[k] = Some([w1, w2][k].max(imm_len(v))),
                    (Slot::Target(k), Value::Imm(t)) => widths[k] = Some([w1, w2][k].max(imm_len(t.wrapping_sub(pc)))),
                    _ => {}
                }
            }
            let widths = ImmWidths { first: widths[0], second: widths[1] };
            starts.push(code.len());
            encode_with(set, &inst, pc, widths, &mut code).unwrap();
            // Padding only where the skip limit allows it.
            let len = code.len() - starts[starts.len() - 1];
            code.extend(pad.iter().take(25usize.saturating_sub(len)));
        }
        let mut bitmask = vec![0u8; code.len().div_ceil(8)];
        for s in starts {
            bitmask[s / 8] |= 1 << (s % 8);
        }
        let text = assert_code_round_trip(set, &CodeBlob { jump_table: vec![], jump_table_entry_size: 0, code, bitmask })?;
        prop_assert!(!text.contains(".raw"), "{}", text);
    }

    /// Hand-written-style programs with named labels: text → bytes → text → bytes is a fixpoint,
    /// and every instruction decodes to what was written.
    #[test]
    fn labelled_programs_round_trip(set in arb_set(), insts in prop::collection::vec(arb_raw_inst(), 1..40)) {
        let ops = ops_of(set);
        let n = insts.len();
        let mut text = format!(".isa {}\n", set.name());
        let mut expected = Vec::new();
        for (i, &(op, r, x, y, z, t)) in insts.iter().enumerate() {
            let opcode = ops[op % ops.len()];
            let inst = Instruction { opcode, operands: operands(opcode.format(), r, x, y, z, 0) };
            let mut line = format_instruction(&inst);
            if let Some(at) = line.find("@0") {
                line.replace_range(at..at + 2, &format!("@L{}", t % n));
            }
            text.push_str(&format!("L{i}: {line}\n"));
            expected.push((inst, t % n));
        }
        let (_, blob) = assemble_code(&text).map_err(|e| TestCaseError::fail(format!("{e}\n{text}")))?;
        let view = blob.view(set);
        let decoded: Vec<_> = view.instructions().filter(|d| d.kind == crate::inst::DecodedKind::Valid).collect();
        prop_assert!(decoded.len() >= n);
        for (i, (inst, t)) in expected.iter().enumerate() {
            let mut vals = values(&inst.operands);
            if let Some(idx) = slots(inst.opcode.format()).iter().position(|s| matches!(s, Slot::Target(_))) {
                vals[idx] = Value::Imm(decoded[*t].pc);
            }
            let want = build(inst.opcode, &vals);
            prop_assert_eq!(decoded[i].inst, want);
        }
        let text2 = assert_code_round_trip(set, &blob)?;
        prop_assert_eq!(disassemble_code(set, &assemble_code(&text2).unwrap().1), text2);
    }

    /// Random token soup never panics the assembler.
    #[test]
    fn token_soup_never_panics(words in prop::collection::vec(prop::sample::select(vec![
        ".isa", "gp072", "jamv1", ".raw", ".pad", ".jump_table", ".bitmask", ".section", ".section_data",
        ".export", ".import", ".version", ".ro_data", "\"00ff\"", "\"", "\\x", "add_32", "jump", "branch_eq",
        "load_imm64", "load_imm", "a0", "ra", "r13", ",", ":", "@", "@1", "@-3", "@+4", "@x", "x:", "@0:", "\n",
        "0x", "-0x80000000", "4294967296", "-1", "5:9", ";", "\r\n", "é", "0", "255", "256", "_",
    ]), 0..60)) {
        let text: String = words.join(" ");
        let _ = assemble(&text);
        let _ = assemble_code(&text);
        let _ = parse_instruction(&text, 0, &alloc::collections::BTreeMap::new());
    }

    /// Arbitrary strings never panic the assembler.
    #[test]
    fn arbitrary_text_never_panics(text in "\\PC{0,200}") {
        let _ = assemble(&text);
        let _ = assemble_code(&text);
    }
}
