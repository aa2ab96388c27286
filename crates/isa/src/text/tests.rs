//! Unit tests of the text module: the hello-world sample, instruction syntax, labels,
//! exactness cases (width suffixes, padding, raw bytes, unmarked gaps) and diagnostics.

use alloc::collections::BTreeMap;
use alloc::string::{String, ToString};
use alloc::vec;
use alloc::vec::Vec;

use super::*;
use crate::blob::{CodeBlob, Export, Import, OpaqueSection, ProgramBlob};
use crate::inst::{Instruction, Operands};
use crate::opcode::{Format, Opcode};
use crate::reg::Reg;
use crate::variant::InstructionSet;

fn hello_world() -> ProgramBlob {
    let code = vec![
        0x83, 0x11, 0xf8, 0x7a, 0x10, 0x04, 0x7a, 0x15, 0xbe, 0x78, 0x05, 0x0a, 0xbe, 0x57, 0x07, 0x81, 0x10,
        0x04, 0x81, 0x15, 0x83, 0x11, 0x08, 0x32, 0x00,
    ];
    ProgramBlob {
        version: 1,
        isa: InstructionSet::Latest32,
        ro_data_size: 0,
        rw_data_size: 0,
        stack_size: 8192,
        ro_data: vec![],
        rw_data: vec![],
        imports: vec![Import { symbol: b"get_third_number".to_vec() }],
        exports: vec![Export { pc: 0, symbol: b"add_numbers".to_vec() }],
        code: CodeBlob {
            jump_table: vec![],
            jump_table_entry_size: 0,
            code,
            bitmask: vec![0x49, 0x99, 0x94, 0x00],
        },
        extra_sections: vec![],
    }
}

fn code_round_trip(set: InstructionSet, code: &CodeBlob) -> String {
    let text = disassemble_code(set, code);
    let (set2, back) = assemble_code(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
    assert_eq!(set2, set);
    assert_eq!(&back, code, "{text}");
    text
}

fn code_of(bytes: &[u8], starts: &[usize]) -> CodeBlob {
    let mut bitmask = vec![0u8; bytes.len().div_ceil(8)];
    for &s in starts {
        bitmask[s / 8] |= 1 << (s % 8);
    }
    CodeBlob { jump_table: vec![], jump_table_entry_size: 0, code: bytes.to_vec(), bitmask }
}

#[test]
fn hello_world_disassembles_sensibly_and_round_trips() {
    let blob = hello_world();
    let text = disassemble(&blob);
    let expected = [
        ".isa latest32",
        ".stack_size 8192",
        ".export \"add_numbers\" @0",
        "@0:",
        "    add_imm_32 sp, sp, -8",
        "    store_indirect_u32 ra, sp, 4",
        "    store_indirect_u32 s0, sp, 0",
        "    add_32 s0, a1, a0",
        "    load_indirect_i32 ra, sp, 4",
        "    jump_indirect ra, 0",
    ];
    for line in expected {
        assert!(text.lines().any(|l| l == line), "missing `{line}` in\n{text}");
    }
    assert!(text.contains(".import \"get_third_number\""));
    assert!(
        text.lines().any(|l| l.starts_with("    ecalli 0") && l.ends_with("; get_third_number")),
        "{text}"
    );
    assert_eq!(assemble(&text).unwrap(), blob);
    let annotated = disassemble_with(&blob, DisasmOptions { show_offsets: true, show_bytes: true });
    assert!(annotated.contains("block gas 10"), "{annotated}");
    assert!(annotated.contains("; @0, 8311f8"), "{annotated}");
    assert_eq!(assemble(&annotated).unwrap(), blob);
}

fn sample_operands(format: Format) -> Operands {
    let (a, b, c) = (Reg::A0, Reg::SP, Reg::T2);
    match format {
        Format::Argless => Operands::Argless,
        Format::Imm => Operands::Imm { imm: 7 },
        Format::RegImm64 => Operands::RegImm64 { reg: a, imm: 0x8000_0000_0000_0001 },
        Format::ImmImm => Operands::ImmImm { imm1: 0x20000, imm2: u32::MAX },
        Format::Offset => Operands::Offset { target: 40 },
        Format::RegImm => Operands::RegImm { reg: a, imm: 0xffff_0000 },
        Format::RegImmImm => Operands::RegImmImm { reg: b, imm1: 8, imm2: 255 },
        Format::RegImmOffset => Operands::RegImmOffset { reg: a, imm: 3, target: 0 },
        Format::RegReg => Operands::RegReg { d: a, s: c },
        Format::RegRegImm => Operands::RegRegImm { a: b, b: a, imm: 0x8000_0000 },
        Format::RegRegOffset => Operands::RegRegOffset { a, b: c, target: 12 },
        Format::RegRegImmImm => Operands::RegRegImmImm { a: Reg::RA, b: a, imm1: 4, imm2: 0 },
        Format::RegRegReg => Operands::RegRegReg { d: Reg::A5, s1: a, s2: b },
    }
}

#[test]
fn every_instruction_formats_and_parses_back() {
    let labels = BTreeMap::new();
    for &opcode in Opcode::ALL {
        let inst = Instruction::new(opcode, sample_operands(opcode.format())).unwrap();
        let text = format_instruction(&inst);
        assert!(text.starts_with(opcode.name()));
        assert_eq!(parse_instruction(&text, 0, &labels), Ok(inst), "{text}");
    }
}

#[test]
fn instruction_syntax_details() {
    let mut labels = BTreeMap::new();
    labels.insert(String::from("loop"), 4);
    let p = |s: &str, pc| parse_instruction(s, pc, &labels);
    let t = |target| Operands::RegRegOffset { a: Reg::A0, b: Reg::A1, target };
    assert_eq!(p("branch_eq a0, a1, @loop", 0).unwrap().operands, t(4));
    assert_eq!(p("branch_eq a0, a1, @+8", 100).unwrap().operands, t(108));
    assert_eq!(p("branch_eq a0, a1, @-8", 4).unwrap().operands, t(0xffff_fffc));
    assert_eq!(p("branch_eq r7 , r8,@0x10 ; comment", 0).unwrap().operands, t(16));
    assert_eq!(
        p("load_imm a0, -0x80000000", 0).unwrap().operands,
        Operands::RegImm { reg: Reg::A0, imm: 0x8000_0000 }
    );
    assert_eq!(
        p("load_imm a0, 0xffffffff:4", 0).unwrap().operands,
        Operands::RegImm { reg: Reg::A0, imm: u32::MAX }
    );
    let e = p("load_imm a0, 300:1", 0).unwrap_err();
    assert_eq!((e.column, &e.kind), (14, &AsmErrorKind::WidthTooSmall { value: 300, width: 1 }));
    assert!(matches!(p("load_imm a0, 0x100000000", 0).unwrap_err().kind, AsmErrorKind::OutOfRange { .. }));
    assert!(matches!(p("add_32 a0, a1", 0).unwrap_err().kind, AsmErrorKind::OperandCount { found: 2, .. }));
    assert!(matches!(p("trap a0", 0).unwrap_err().kind, AsmErrorKind::OperandCount { found: 1, .. }));
    assert!(matches!(
        p("move_reg a0, a1, a2", 0).unwrap_err().kind,
        AsmErrorKind::OperandCount { found: 3, .. }
    ));
    assert!(matches!(p("move_reg a0, x9", 0).unwrap_err().kind, AsmErrorKind::Expected { .. }));
    assert!(matches!(p("jump @nowhere", 0).unwrap_err().kind, AsmErrorKind::UndefinedLabel(_)));
    assert!(matches!(p("frobnicate", 0).unwrap_err().kind, AsmErrorKind::UnknownInstruction(_)));
    assert!(matches!(p("move_reg a0:1, a1", 0).unwrap_err().kind, AsmErrorKind::WidthNotAllowed));
}

#[test]
fn hand_written_program_with_labels() {
    let text = "
        .isa jamv1
        .stack_size 4096
        .ro_data \"68656c6c6f\"
        .import \"log\"
        .export \"main\" @main
        .jump_table @main @done
        main:   load_imm a0, 0
                load_imm a1, 10
                fallthrough            ; a branch target must start a basic block
        loop:   add_imm_64 a0, a0, 1   ; count up
                branch_not_eq a0, a1, @loop
                jump @done
                .pad 0 0
        done:   ecalli 0
                jump_indirect ra, 0
    ";
    let blob = assemble(text).unwrap();
    assert_eq!(blob.version, 3);
    assert_eq!(blob.ro_data, b"hello");
    assert_eq!(blob.ro_data_size, 5);
    assert_eq!(blob.exports, vec![Export { pc: 0, symbol: b"main".to_vec() }]);
    let view = blob.code.view(InstructionSet::JamV1);
    let insts: Vec<_> = view.instructions().collect();
    let branch = insts.iter().find(|d| d.inst.opcode == Opcode::BranchNotEq).unwrap();
    let add = insts.iter().find(|d| d.inst.opcode == Opcode::AddImm64).unwrap();
    assert_eq!(branch.inst.operands.target(), Some(add.pc));
    let jump = insts.iter().find(|d| d.inst.opcode == Opcode::Jump).unwrap();
    assert_eq!(jump.len, 4, "jump with 2 bytes of padding");
    assert_eq!(blob.code.jump_table, vec![0, jump.next_pc()]);
    assert!(view.is_jump_target_valid(add.pc) && view.is_jump_target_valid(jump.next_pc()));
    let text2 = disassemble(&blob);
    assert_eq!(assemble(&text2).unwrap(), blob);
    assert_eq!(disassemble(&assemble(&text2).unwrap()), text2);
}

#[test]
fn labels_grow_to_fit_long_branches() {
    let mut text = String::from(".isa gp072\nstart: fallthrough\n");
    for _ in 0..200 {
        text.push_str("load_imm a0, 0x12345678\n");
    }
    text.push_str("branch_eq a0, a1, @start\njump @start\nbranch_eq a0, a1, @end\nend: trap\n");
    let (_, code) = assemble_code(&text).unwrap();
    let view = code.view(InstructionSet::Gp072);
    let targets: Vec<_> = view.instructions().filter_map(|d| d.inst.operands.target()).collect();
    assert_eq!(targets, [0, 0, code.code.len() as u32 - 1]);
    // Shortest encodings: 2-byte backward offsets, a 1-byte forward one.
    assert_eq!(code.code.len(), 1 + 200 * 6 + 4 + 3 + 3 + 1);
}

#[test]
fn non_canonical_encodings_round_trip() {
    let g = InstructionSet::Gp072;
    // load_imm a0, 5 with a 4-byte immediate and 2 bytes of padding; fallthrough with padding.
    let text = code_round_trip(g, &code_of(&[51, 7, 5, 0, 0, 0, 0xaa, 0xbb, 1, 9, 9], &[0, 8]));
    assert!(text.contains("load_imm a0, 5:4\n    .pad 0xaa 0xbb\n"), "{text}");
    // High-nibble garbage in a reg_imm register byte and a clamped register (15 -> a5).
    let text = code_round_trip(g, &code_of(&[51, 0x17, 5, 100, 0xf7, 0], &[0, 3]));
    assert!(text.contains(".raw 0x33 0x17 0x05") && text.contains("= load_imm a0, 5"), "{text}");
    // reg_reg_reg whose destination byte is the next opcode; load_imm64 with a short skip.
    code_round_trip(g, &code_of(&[190, 0x87, 0, 20, 7, 1, 2, 3], &[0, 2, 3]));
    // Invalid opcode, a long unmarked gap, an unmarked start, a trailing fallthrough.
    let mut bytes = vec![0xee, 1, 2];
    bytes.extend(0..40u8);
    bytes.push(1);
    let text = code_round_trip(g, &code_of(&bytes, &[2, 43]));
    assert!(text.contains("no bitmask bit") && text.contains("invalid opcode 0x02"), "{text}");
    // Store-imm with an over-long first immediate and l1 field garbage.
    code_round_trip(g, &code_of(&[30, 0x02, 5, 0, 9, 30, 0xfa, 1, 2], &[0, 5]));
    // Offsets wrapping below zero, and a branch target past the end.
    code_round_trip(g, &code_of(&[40, 0xfb, 170, 0x87, 0x7f], &[0, 2]));
}

#[test]
fn code_blob_details_round_trip() {
    let mut code = code_of(&[0, 1, 0], &[0, 1, 2]);
    code.jump_table = vec![1, 2, 0x1_0000];
    code.jump_table_entry_size = 4;
    let text = code_round_trip(InstructionSet::JamV1, &code);
    assert!(text.contains(".jump_table_entry_size 4") && text.contains(".jump_table @1 @2 @65536"), "{text}");
    code.jump_table_entry_size = 3;
    assert!(!code_round_trip(InstructionSet::JamV1, &code).contains("entry_size"));
    code.bitmask = vec![0x07 | 0x80, 0xff];
    assert!(code_round_trip(InstructionSet::JamV1, &code).contains(".bitmask \"87ff\""));
    code_round_trip(InstructionSet::JamV1, &CodeBlob::default());
}

#[test]
fn program_details_round_trip() {
    let mut blob = hello_world();
    blob.version = 7;
    blob.ro_data = (0..=255u8).collect();
    blob.ro_data_size = 4096;
    blob.rw_data = vec![1, 2, 3];
    // Import 0 is named in the comment after `ecalli 0`; a newline must not escape it.
    blob.imports.insert(0, Import { symbol: b"we\"ird\\\n\xff; trap".to_vec() });
    blob.extra_sections = vec![
        OpaqueSection { id: 128, payload: (0..100u8).collect() },
        OpaqueSection { id: 128, payload: vec![] },
        OpaqueSection { id: 255, payload: vec![9] },
    ];
    let text = disassemble(&blob);
    assert!(text.contains(".version 7"));
    assert_eq!(assemble(&text).unwrap(), blob, "{text}");
}

#[test]
fn diagnostics_have_positions_and_are_all_reported() {
    let text =
        ".isa gp072\n  load_imm a0, zz\nfoo:\nfoo: trap\n  .bogus\n  jump @missing\n@3: trap\n  .import \"x";
    let errs = assemble_code(text).unwrap_err();
    let got: Vec<_> = errs.errors().iter().map(|e| (e.line, e.column)).collect();
    assert_eq!(got, [(2, 16), (4, 1), (5, 3), (6, 8), (7, 1), (8, 11)], "{errs}");
    assert!(
        matches!(errs.errors()[4].kind, AsmErrorKind::PositionMismatch { expected: 3, actual: 2 }),
        "{errs}"
    );
    assert_eq!(
        errs.first().to_string(),
        "2:16: invalid number `zz` (use decimal or 0x-prefixed hex, optionally negative)"
    );
    assert!(matches!(assemble("trap").unwrap_err().first().kind, AsmErrorKind::MissingIsa));
    assert!(matches!(assemble(".isa gp072\ntrap").unwrap_err().first().kind, AsmErrorKind::NoVersion(_)));
    assert!(matches!(
        assemble(".isa latest32\nadd_64 a0, a0, a0").unwrap_err().first().kind,
        AsmErrorKind::NotInSet { .. }
    ));
    assert!(matches!(
        assemble_code(".isa gp072\n.stack_size 1").unwrap_err().first().kind,
        AsmErrorKind::NotAllowedInCode(_)
    ));
    let many: String = core::iter::repeat_n("bad\n", 500).collect();
    assert_eq!(assemble(&many).unwrap_err().len(), MAX_ERRORS + 1);
}

#[test]
fn garbage_never_panics() {
    let inputs = [
        "",
        "\"",
        "@",
        "@:",
        ":",
        ",,,",
        ".isa",
        ".raw",
        ".raw 256",
        ".pad -1",
        "jump @",
        "jump @+",
        "x:y:z",
        "\\x",
        ".section 1 \"\"",
        ".section_data \"00\"",
        ".bitmask \"0\"",
        "@99999999999999999999: trap",
        ".isa gp072\n.bitmask \"ff\"\ntrap",
        ".isa gp072\njump @-99999999999",
        "ecalli \"\\xZ\"",
        ".isa gp072\na: jump @b\nb: jump @a:0",
        "é: trap",
        ".export \"\" @+1",
    ];
    for input in inputs {
        let _ = assemble(input);
        let _ = assemble_code(input);
        let _ = parse_instruction(input, u32::MAX, &BTreeMap::new());
    }
}
