//! Cross-check against the real assembler: every supported mnemonic, with its expected decoding
//! written next to it, is assembled by `clang-19` for `rv64emac_zbb_xtheadcondmov` (LP64E) and
//! `rv32emac_zbb_xtheadcondmov` (ILP32E), and the resulting `.text` is decoded.
//!
//! The base instructions are assembled twice: under `.option norvc` (all must be 4 bytes long)
//! and under `.option rvc` (the assembler compresses whatever it can, and the expansion must give
//! the same instruction back). Then every compressed form is assembled explicitly (`c.*`).

use super::asm_table::{case, Case, BASE_COMMON, BASE_RV32, BASE_RV64};
use super::{assemble, require_tool, text_section, CLANG};
use super::{br, ld, ri, rr, st};
use crate::riscv::{
    decode, BranchKind as B, Inst, LoadKind as L, RegImmKind as I, RegRegKind as R, StoreKind as S, Xlen,
};

/// Compressed instructions valid on RV32E and RV64E, with their expansions.
const COMPRESSED_COMMON: &[Case] = &[
    case("c.unimp", Inst::Unimp),
    case("c.addi4spn s0, sp, 4", ri(I::Add, 8, 2, 4)),
    case("c.addi4spn a5, sp, 1020", ri(I::Add, 15, 2, 1020)),
    case("c.addi4spn s1, sp, 512", ri(I::Add, 9, 2, 512)),
    case("c.lw s0, 0(s1)", ld(L::I32, 8, 9, 0)),
    case("c.lw a5, 124(s0)", ld(L::I32, 15, 8, 124)),
    case("c.lw a0, 64(a1)", ld(L::I32, 10, 11, 64)),
    case("c.sw s0, 124(s1)", st(S::U32, 9, 8, 124)),
    case("c.sw a5, 4(a4)", st(S::U32, 14, 15, 4)),
    case("c.nop", ri(I::Add, 0, 0, 0)),
    case("c.addi a0, -32", ri(I::Add, 10, 10, -32)),
    case("c.addi a5, 31", ri(I::Add, 15, 15, 31)),
    case("c.addi ra, 1", ri(I::Add, 1, 1, 1)),
    case("c.li a0, -32", ri(I::Add, 10, 0, -32)),
    case("c.li t0, 31", ri(I::Add, 5, 0, 31)),
    case("c.li a1, 0", ri(I::Add, 11, 0, 0)),
    case("c.addi16sp sp, -512", ri(I::Add, 2, 2, -512)),
    case("c.addi16sp sp, 496", ri(I::Add, 2, 2, 496)),
    case("c.addi16sp sp, 16", ri(I::Add, 2, 2, 16)),
    case("c.addi16sp sp, -16", ri(I::Add, 2, 2, -16)),
    case("c.lui a0, 0xfffff", Inst::Lui { rd: 10, imm: -4096 }),
    case("c.lui a5, 1", Inst::Lui { rd: 15, imm: 4096 }),
    case("c.lui ra, 0x1f", Inst::Lui { rd: 1, imm: 0x1f000 }),
    case("c.lui t2, 0xfffe0", Inst::Lui { rd: 7, imm: -131_072 }),
    case("c.srli s0, 1", ri(I::Srl, 8, 8, 1)),
    case("c.srli a5, 31", ri(I::Srl, 15, 15, 31)),
    case("c.srai s1, 17", ri(I::Sra, 9, 9, 17)),
    case("c.srai a0, 1", ri(I::Sra, 10, 10, 1)),
    case("c.andi s1, -1", ri(I::And, 9, 9, -1)),
    case("c.andi a4, 31", ri(I::And, 14, 14, 31)),
    case("c.andi s0, -32", ri(I::And, 8, 8, -32)),
    case("c.sub s0, s1", rr(R::Sub, 8, 8, 9)),
    case("c.xor a0, a1", rr(R::Xor, 10, 10, 11)),
    case("c.or a2, a3", rr(R::Or, 12, 12, 13)),
    case("c.and a4, a5", rr(R::And, 14, 14, 15)),
    case("c.j -2048", Inst::Jal { rd: 0, offset: -2048 }),
    case("c.j 2046", Inst::Jal { rd: 0, offset: 2046 }),
    case("c.j 0x2aa", Inst::Jal { rd: 0, offset: 0x2aa }),
    case("c.j -0x2ac", Inst::Jal { rd: 0, offset: -0x2ac }),
    case("c.beqz s0, -256", br(B::Eq, 8, 0, -256)),
    case("c.beqz s1, 0xaa", br(B::Eq, 9, 0, 0xaa)),
    case("c.bnez a5, 254", br(B::Ne, 15, 0, 254)),
    case("c.bnez a0, -0xac", br(B::Ne, 10, 0, -0xac)),
    case("c.slli a0, 1", ri(I::Sll, 10, 10, 1)),
    case("c.slli a5, 31", ri(I::Sll, 15, 15, 31)),
    case("c.lwsp a0, 252(sp)", ld(L::I32, 10, 2, 252)),
    case("c.lwsp ra, 0(sp)", ld(L::I32, 1, 2, 0)),
    case("c.lwsp t0, 84(sp)", ld(L::I32, 5, 2, 84)),
    case("c.swsp a0, 252(sp)", st(S::U32, 2, 10, 252)),
    case("c.swsp zero, 84(sp)", st(S::U32, 2, 0, 84)),
    case("c.jr ra", Inst::Jalr { rd: 0, rs1: 1, offset: 0 }),
    case("c.jr a5", Inst::Jalr { rd: 0, rs1: 15, offset: 0 }),
    case("c.jalr a0", Inst::Jalr { rd: 1, rs1: 10, offset: 0 }),
    case("c.mv a0, a1", rr(R::Add, 10, 0, 11)),
    case("c.mv a5, t0", rr(R::Add, 15, 0, 5)),
    case("c.add a0, a1", rr(R::Add, 10, 10, 11)),
    case("c.add sp, a5", rr(R::Add, 2, 2, 15)),
    case("c.ebreak", Inst::Ebreak),
];

/// RV64-only compressed instructions.
const COMPRESSED_RV64: &[Case] = &[
    case("c.ld s0, 248(s1)", ld(L::U64, 8, 9, 248)),
    case("c.ld a5, 8(a5)", ld(L::U64, 15, 15, 8)),
    case("c.sd s0, 248(s1)", st(S::U64, 9, 8, 248)),
    case("c.sd a2, 128(a3)", st(S::U64, 13, 12, 128)),
    case("c.ldsp a0, 504(sp)", ld(L::U64, 10, 2, 504)),
    case("c.ldsp ra, 424(sp)", ld(L::U64, 1, 2, 424)),
    case("c.sdsp a0, 504(sp)", st(S::U64, 2, 10, 504)),
    case("c.sdsp a5, 424(sp)", st(S::U64, 2, 15, 424)),
    case("c.addiw a0, -1", ri(I::AddW, 10, 10, -1)),
    case("c.addiw t0, 0", ri(I::AddW, 5, 5, 0)),
    case("c.addiw a5, 31", ri(I::AddW, 15, 15, 31)),
    case("c.subw a5, s0", rr(R::SubW, 15, 15, 8)),
    case("c.addw s1, a0", rr(R::AddW, 9, 9, 10)),
    case("c.slli a0, 63", ri(I::Sll, 10, 10, 63)),
    case("c.slli t2, 32", ri(I::Sll, 7, 7, 32)),
    case("c.srli a5, 63", ri(I::Srl, 15, 15, 63)),
    case("c.srai s1, 32", ri(I::Sra, 9, 9, 32)),
];

/// RV32-only compressed instructions.
const COMPRESSED_RV32: &[Case] = &[
    case("c.jal -2048", Inst::Jal { rd: 1, offset: -2048 }),
    case("c.jal 2046", Inst::Jal { rd: 1, offset: 2046 }),
    case("c.jal 0x554", Inst::Jal { rd: 1, offset: 0x554 }),
];

#[derive(Copy, Clone, Debug, PartialEq, Eq)]
enum Block {
    /// Base instructions under `.option norvc`: all 4 bytes.
    NoRvc,
    /// Base instructions under `.option rvc`: compressed where possible.
    Rvc,
    /// Explicit `c.*` instructions: all 2 bytes.
    Compressed,
}

fn cross_check(xlen: Xlen) {
    let Some(clang) = require_tool(CLANG) else { return };
    let (march, base_extra, compressed_extra) = match xlen {
        Xlen::Rv64 => ("rv64emac_zbb_xtheadcondmov", BASE_RV64, COMPRESSED_RV64),
        Xlen::Rv32 => ("rv32emac_zbb_xtheadcondmov", BASE_RV32, COMPRESSED_RV32),
    };
    let base: Vec<&Case> = BASE_COMMON.iter().chain(base_extra).collect();
    let compressed: Vec<&Case> = COMPRESSED_COMMON.iter().chain(compressed_extra).collect();
    let blocks = [(Block::NoRvc, &base), (Block::Rvc, &base), (Block::Compressed, &compressed)];

    let mut source = String::from(".text\n");
    for (block, cases) in blocks {
        source.push_str(if block == Block::NoRvc { ".option norvc\n" } else { ".option rvc\n" });
        for case in cases.iter() {
            source.push_str(case.asm);
            source.push('\n');
        }
    }
    let obj = assemble(&clang, &source, xlen, march);
    let text = text_section(obj.path());

    let mut offset = 0;
    let mut failures = Vec::new();
    let mut compressed_in_rvc_block = 0;
    for (block, cases) in blocks {
        for case in cases.iter() {
            let bytes = text.get(offset..).unwrap_or_default();
            let raw: Vec<String> = bytes.iter().take(4).map(|b| format!("{b:02x}")).collect();
            let asm = case.asm.lines().last().unwrap_or_default();
            match decode(bytes, xlen) {
                Ok(decoded) => {
                    let expected = match (block, decoded.len, case.compressed) {
                        (Block::Rvc | Block::Compressed, 2, Some(compressed)) => compressed,
                        _ => case.expected,
                    };
                    let len_ok = match block {
                        Block::NoRvc => decoded.len == 4,
                        Block::Rvc => true,
                        Block::Compressed => decoded.len == 2,
                    };
                    if decoded.inst != expected || !len_ok {
                        failures.push(format!(
                            "{block:?} `{asm}` at {offset:#x} [{}]: got {decoded:?}, expected {expected:?}",
                            raw.join(" ")
                        ));
                    }
                    compressed_in_rvc_block += usize::from(block == Block::Rvc && decoded.len == 2);
                    offset += usize::from(decoded.len);
                }
                Err(error) => {
                    failures.push(format!("{block:?} `{asm}` at {offset:#x} [{}]: {error}", raw.join(" ")));
                    offset += if bytes.first().is_some_and(|b| b & 0b11 == 0b11) { 4 } else { 2 };
                }
            }
        }
    }
    assert!(failures.is_empty(), "{xlen:?}: {} mismatches:\n{}", failures.len(), failures.join("\n"));
    assert_eq!(offset, text.len(), "{xlen:?}: the decoded lengths do not add up to the .text size");
    // Make sure the `.option rvc` block really exercised the compressed decoder.
    assert!(compressed_in_rvc_block >= 25, "only {compressed_in_rvc_block} instructions were compressed");
    println!(
        "{xlen:?}: {} base instructions (twice, {compressed_in_rvc_block} compressed under rvc) and {} \
         explicit compressed instructions match",
        base.len(),
        compressed.len()
    );
}

#[test]
fn assembler_cross_check_rv64() {
    cross_check(Xlen::Rv64);
}

#[test]
fn assembler_cross_check_rv32() {
    cross_check(Xlen::Rv32);
}
