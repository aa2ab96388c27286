//! Hand-picked 16-bit (RVC) encodings and their expansions (cross-checked with `llvm-mc`).

use super::{br, check_errors, check_table, decode_half, ld, ri, rr, st};
use crate::riscv::{
    BranchKind as B, DecodeError, Inst, LoadKind as L, RegImmKind as I, RegRegKind as R, StoreKind as S, Xlen,
};

/// Compressed instructions that expand identically on RV32 and RV64.
const COMMON: &[(u16, Inst)] = &[
    (0x0000, Inst::Unimp),                              // c.unimp
    (0x0040, ri(I::Add, 8, 2, 4)),                      // c.addi4spn x8, sp, 4
    (0x1ffc, ri(I::Add, 15, 2, 1020)),                  // c.addi4spn x15, sp, 1020
    (0x0404, ri(I::Add, 9, 2, 512)),                    // c.addi4spn x9, sp, 512
    (0x4080, ld(L::I32, 8, 9, 0)),                      // c.lw x8, 0(x9)
    (0x5c7c, ld(L::I32, 15, 8, 124)),                   // c.lw x15, 124(x8)
    (0x41a8, ld(L::I32, 10, 11, 64)),                   // c.lw x10, 64(x11)
    (0xdce0, st(S::U32, 9, 8, 124)),                    // c.sw x8, 124(x9)
    (0xc35c, st(S::U32, 14, 15, 4)),                    // c.sw x15, 4(x14)
    (0x0001, ri(I::Add, 0, 0, 0)),                      // c.nop
    (0x1501, ri(I::Add, 10, 10, -32)),                  // c.addi a0, -32
    (0x0ffd, ri(I::Add, 31, 31, 31)),                   // c.addi x31, 31
    (0x0085, ri(I::Add, 1, 1, 1)),                      // c.addi x1, 1
    (0x5501, ri(I::Add, 10, 0, -32)),                   // c.li a0, -32
    (0x4a7d, ri(I::Add, 20, 0, 31)),                    // c.li x20, 31
    (0x7101, ri(I::Add, 2, 2, -512)),                   // c.addi16sp sp, -512
    (0x617d, ri(I::Add, 2, 2, 496)),                    // c.addi16sp sp, 496
    (0x6141, ri(I::Add, 2, 2, 16)),                     // c.addi16sp sp, 16
    (0x717d, ri(I::Add, 2, 2, -16)),                    // c.addi16sp sp, -16
    (0x757d, Inst::Lui { rd: 10, imm: -4096 }),         // c.lui a0, 0xfffff
    (0x6785, Inst::Lui { rd: 15, imm: 4096 }),          // c.lui x15, 1
    (0x60fd, Inst::Lui { rd: 1, imm: 0x1f000 }),        // c.lui x1, 0x1f
    (0x7f81, Inst::Lui { rd: 31, imm: -131_072 }),      // c.lui x31, 0xfffe0
    (0x8005, ri(I::Srl, 8, 8, 1)),                      // c.srli x8, 1
    (0x857d, ri(I::Sra, 10, 10, 31)),                   // c.srai x10, 31
    (0x98fd, ri(I::And, 9, 9, -1)),                     // c.andi x9, -1
    (0x8b7d, ri(I::And, 14, 14, 31)),                   // c.andi x14, 31
    (0x9801, ri(I::And, 8, 8, -32)),                    // c.andi x8, -32
    (0x8c05, rr(R::Sub, 8, 8, 9)),                      // c.sub x8, x9
    (0x8d2d, rr(R::Xor, 10, 10, 11)),                   // c.xor x10, x11
    (0x8e55, rr(R::Or, 12, 12, 13)),                    // c.or x12, x13
    (0x8f7d, rr(R::And, 14, 14, 15)),                   // c.and x14, x15
    (0xb001, Inst::Jal { rd: 0, offset: -2048 }),       // c.j -2048
    (0xaffd, Inst::Jal { rd: 0, offset: 2046 }),        // c.j 2046
    (0xa46d, Inst::Jal { rd: 0, offset: 0x2aa }),       // c.j 0x2aa
    (0xbb91, Inst::Jal { rd: 0, offset: -0x2ac }),      // c.j -0x2ac
    (0xd001, br(B::Eq, 8, 0, -256)),                    // c.beqz x8, -256
    (0xc4cd, br(B::Eq, 9, 0, 0xaa)),                    // c.beqz x9, 0xaa
    (0xeffd, br(B::Ne, 15, 0, 254)),                    // c.bnez x15, 254
    (0xf931, br(B::Ne, 10, 0, -0xac)),                  // c.bnez x10, -0xac
    (0x0506, ri(I::Sll, 10, 10, 1)),                    // c.slli a0, 1
    (0x557e, ld(L::I32, 10, 2, 252)),                   // c.lwsp a0, 252(sp)
    (0x4082, ld(L::I32, 1, 2, 0)),                      // c.lwsp x1, 0(sp)
    (0x4856, ld(L::I32, 16, 2, 0x54)),                  // c.lwsp x16, 0x54(sp)
    (0xdfaa, st(S::U32, 2, 10, 252)),                   // c.swsp a0, 252(sp)
    (0xca82, st(S::U32, 2, 0, 0x54)),                   // c.swsp x0, 0x54(sp)
    (0x8082, Inst::Jalr { rd: 0, rs1: 1, offset: 0 }),  // c.jr ra
    (0x8f82, Inst::Jalr { rd: 0, rs1: 31, offset: 0 }), // c.jr x31
    (0x9502, Inst::Jalr { rd: 1, rs1: 10, offset: 0 }), // c.jalr a0
    (0x852e, rr(R::Add, 10, 0, 11)),                    // c.mv a0, a1
    (0x8fc2, rr(R::Add, 31, 0, 16)),                    // c.mv x31, x16
    (0x952e, rr(R::Add, 10, 10, 11)),                   // c.add a0, a1
    (0x917a, rr(R::Add, 2, 2, 30)),                     // c.add x2, x30
    (0x9002, Inst::Ebreak),                             // c.ebreak
];

/// RV64-only compressed instructions (`c.ld`, `c.sd`, `c.ldsp`, `c.sdsp`, `c.addiw`, `c.subw`,
/// `c.addw`, shifts by 32..63).
const RV64_ONLY: &[(u16, Inst)] = &[
    (0x7ce0, ld(L::U64, 8, 9, 248)),    // c.ld x8, 248(x9)
    (0x679c, ld(L::U64, 15, 15, 8)),    // c.ld x15, 8(x15)
    (0xfce0, st(S::U64, 9, 8, 248)),    // c.sd x8, 248(x9)
    (0xe2d0, st(S::U64, 13, 12, 128)),  // c.sd x12, 128(x13)
    (0x357d, ri(I::AddW, 10, 10, -1)),  // c.addiw a0, -1
    (0x2881, ri(I::AddW, 17, 17, 0)),   // c.addiw x17, 0
    (0x93fd, ri(I::Srl, 15, 15, 63)),   // c.srli x15, 63
    (0x9481, ri(I::Sra, 9, 9, 32)),     // c.srai x9, 32
    (0x9f81, rr(R::SubW, 15, 15, 8)),   // c.subw x15, x8
    (0x9ca9, rr(R::AddW, 9, 9, 10)),    // c.addw x9, x10
    (0x1ffe, ri(I::Sll, 31, 31, 63)),   // c.slli x31, 63
    (0x757e, ld(L::U64, 10, 2, 504)),   // c.ldsp a0, 504(sp)
    (0x70ba, ld(L::U64, 1, 2, 0x1a8)),  // c.ldsp x1, 0x1a8(sp)
    (0xffaa, st(S::U64, 2, 10, 504)),   // c.sdsp a0, 504(sp)
    (0xf77e, st(S::U64, 2, 31, 0x1a8)), // c.sdsp x31, 0x1a8(sp)
];

/// RV32-only compressed instructions (`c.jal`) and RV32 encodings checked on RV32.
const RV32_ONLY: &[(u16, Inst)] = &[
    (0x3001, Inst::Jal { rd: 1, offset: -2048 }), // c.jal -2048
    (0x2ffd, Inst::Jal { rd: 1, offset: 2046 }),  // c.jal 2046
    (0x2b91, Inst::Jal { rd: 1, offset: 0x554 }), // c.jal 0x554
    (0x057e, ri(I::Sll, 10, 10, 31)),             // c.slli a0, 31
    (0x807d, ri(I::Srl, 8, 8, 31)),               // c.srli x8, 31
    (0x87c5, ri(I::Sra, 15, 15, 17)),             // c.srai x15, 17
    (0x5ce0, ld(L::I32, 8, 9, 124)),              // c.lw x8, 124(x9)
    (0xc23e, st(S::U32, 2, 15, 4)),               // c.swsp a5, 4(sp)
];

/// HINT encodings: they decode to their (architecturally no-op) expansion.
const HINTS: &[(u16, Inst)] = &[
    (0x0005, ri(I::Add, 0, 0, 1)),            // c.nop 1
    (0x0501, ri(I::Add, 10, 10, 0)),          // c.addi a0, 0
    (0x4015, ri(I::Add, 0, 0, 5)),            // c.li zero, 5
    (0x6005, Inst::Lui { rd: 0, imm: 4096 }), // c.lui zero, 1
    (0x802e, rr(R::Add, 0, 0, 11)),           // c.mv zero, a1
    (0x902e, rr(R::Add, 0, 0, 11)),           // c.add zero, a1
    (0x0006, ri(I::Sll, 0, 0, 1)),            // c.slli zero, 1
    (0x0502, ri(I::Sll, 10, 10, 0)),          // c.slli64 a0
    (0x8001, ri(I::Srl, 8, 8, 0)),            // c.srli64 s0
    (0x8401, ri(I::Sra, 8, 8, 0)),            // c.srai64 s0
];

/// Encodings rejected on both XLENs.
const REJECTED: &[(u16, DecodeError)] = &[
    (0x0004, DecodeError::Reserved(0x0004)), // c.addi4spn with nzuimm = 0
    (0x001c, DecodeError::Reserved(0x001c)), // c.addi4spn with nzuimm = 0, rd' = x15
    (0x2000, DecodeError::Unsupported(0x2000)), // c.fld
    (0x8000, DecodeError::Unsupported(0x8000)), // quadrant 0, funct3 = 0b100 (Zcb)
    (0xa000, DecodeError::Unsupported(0xa000)), // c.fsd
    (0x6101, DecodeError::Reserved(0x6101)), // c.addi16sp with nzimm = 0
    (0x6501, DecodeError::Reserved(0x6501)), // c.lui a0 with nzimm = 0
    (0x6001, DecodeError::Reserved(0x6001)), // c.lui zero with nzimm = 0
    (0x9c41, DecodeError::Unsupported(0x9c41)), // c.mul (Zcb)
    (0x9c61, DecodeError::Unsupported(0x9c61)), // c.zext.b & co (Zcb)
    (0x4002, DecodeError::Reserved(0x4002)), // c.lwsp with rd = x0
    (0x8002, DecodeError::Reserved(0x8002)), // c.jr with rs1 = x0
    (0x2002, DecodeError::Unsupported(0x2002)), // c.fldsp
    (0xa002, DecodeError::Unsupported(0xa002)), // c.fsdsp
];

/// Encodings rejected on RV32 only.
const REJECTED_RV32: &[(u16, DecodeError)] = &[
    (0x7ce0, DecodeError::Unsupported(0x7ce0)), // c.flw (c.ld on RV64)
    (0xfce0, DecodeError::Unsupported(0xfce0)), // c.fsw (c.sd on RV64)
    (0x6002, DecodeError::Unsupported(0x6002)), // c.flwsp (c.ldsp on RV64)
    (0xffaa, DecodeError::Unsupported(0xffaa)), // c.fswsp (c.sdsp on RV64)
    (0x9f81, DecodeError::Unsupported(0x9f81)), // c.subw
    (0x9ca9, DecodeError::Unsupported(0x9ca9)), // c.addw
    (0x9001, DecodeError::Reserved(0x9001)),    // c.srli s0, 32
    (0x9401, DecodeError::Reserved(0x9401)),    // c.srai s0, 32
    (0x1502, DecodeError::Reserved(0x1502)),    // c.slli a0, 32
];

/// Encodings rejected on RV64 only.
const REJECTED_RV64: &[(u16, DecodeError)] = &[
    (0x2001, DecodeError::Reserved(0x2001)), // c.addiw with rd = x0
    (0x6002, DecodeError::Reserved(0x6002)), // c.ldsp with rd = x0
];

#[test]
fn common_compressed() {
    check_table(COMMON, Xlen::Rv64, decode_half);
    check_table(COMMON, Xlen::Rv32, decode_half);
    check_table(HINTS, Xlen::Rv64, decode_half);
    check_table(HINTS, Xlen::Rv32, decode_half);
}

#[test]
fn rv64_only_compressed() {
    check_table(RV64_ONLY, Xlen::Rv64, decode_half);
    check_errors(REJECTED_RV64, Xlen::Rv64, decode_half);
}

#[test]
fn rv32_only_compressed() {
    check_table(RV32_ONLY, Xlen::Rv32, decode_half);
    check_errors(REJECTED_RV32, Xlen::Rv32, decode_half);
    // On RV32 the c.addiw slot is c.jal (here with offset 0).
    assert_eq!(decode_half(0x2001, Xlen::Rv32), Ok(Inst::Jal { rd: 1, offset: 0 }));
}

#[test]
fn rejected_compressed() {
    check_errors(REJECTED, Xlen::Rv64, decode_half);
    check_errors(REJECTED, Xlen::Rv32, decode_half);
}

// Sweeps of immediates through encoders written from the ISA manual's field layouts.

/// Places `value[src]` at bit `dst` of the result, for each `(src, dst)` pair.
fn scatter(value: i32, map: &[(u32, u32)]) -> u16 {
    map.iter().fold(0, |acc, &(src, dst)| acc | ((((value >> src) & 1) as u16) << dst))
}

#[test]
fn every_cj_and_cbranch_offset() {
    // offset[11|4|9:8|10|6|7|3:1|5] in bits 12..2.
    let j = [(11, 12), (4, 11), (9, 10), (8, 9), (10, 8), (6, 7), (7, 6), (3, 5), (2, 4), (1, 3), (5, 2)];
    for offset in (-2048..=2046).step_by(2) {
        let half = 0xa001 | scatter(offset, &j);
        assert_eq!(decode_half(half, Xlen::Rv64), Ok(Inst::Jal { rd: 0, offset }));
        assert_eq!(decode_half(half & !0x8000, Xlen::Rv32), Ok(Inst::Jal { rd: 1, offset }));
    }
    // offset[8|4:3] in bits 12..10, offset[7:6|2:1|5] in bits 6..2.
    let b = [(8, 12), (4, 11), (3, 10), (7, 6), (6, 5), (2, 4), (1, 3), (5, 2)];
    for offset in (-256..=254).step_by(2) {
        let half = 0xe001 | (5 << 7) | scatter(offset, &b);
        assert_eq!(decode_half(half, Xlen::Rv32), Ok(br(B::Ne, 13, 0, offset)));
    }
}

#[test]
fn every_small_immediate() {
    for imm in -32..=31 {
        let bits = scatter(imm, &[(5, 12), (4, 6), (3, 5), (2, 4), (1, 3), (0, 2)]);
        assert_eq!(decode_half(0x4001 | 7 << 7 | bits, Xlen::Rv64), Ok(ri(I::Add, 7, 0, imm))); // c.li
        assert_eq!(decode_half(0x8801 | 3 << 7 | bits, Xlen::Rv32), Ok(ri(I::And, 11, 11, imm))); // c.andi
        if imm != 0 {
            let lui = 0x6001 | 20 << 7 | bits;
            assert_eq!(decode_half(lui, Xlen::Rv64), Ok(Inst::Lui { rd: 20, imm: imm << 12 }));
        }
    }
}

#[test]
fn every_stack_offset() {
    // c.addi16sp: nzimm[9] in bit 12, nzimm[4|6|8:7|5] in bits 6..2.
    for imm in (-512..=496).step_by(16).filter(|&imm| imm != 0) {
        let half = 0x6101 | scatter(imm, &[(9, 12), (4, 6), (6, 5), (8, 4), (7, 3), (5, 2)]);
        assert_eq!(decode_half(half, Xlen::Rv32), Ok(ri(I::Add, 2, 2, imm)));
    }
    // c.addi4spn: nzuimm[5:4|9:6|2|3] in bits 12..5.
    for imm in (4..=1020).step_by(4) {
        let map = [(5, 12), (4, 11), (9, 10), (8, 9), (7, 8), (6, 7), (2, 6), (3, 5)];
        assert_eq!(decode_half(scatter(imm, &map) | 2 << 2, Xlen::Rv64), Ok(ri(I::Add, 10, 2, imm)));
    }
    // c.ldsp / c.sdsp.
    for offset in (0..=504).step_by(8) {
        let ldsp = 0x6002 | 1 << 7 | scatter(offset, &[(5, 12), (4, 6), (3, 5), (8, 4), (7, 3), (6, 2)]);
        assert_eq!(decode_half(ldsp, Xlen::Rv64), Ok(ld(L::U64, 1, 2, offset)));
        let sdsp = 0xe002 | 9 << 2 | scatter(offset, &[(5, 12), (4, 11), (3, 10), (8, 9), (7, 8), (6, 7)]);
        assert_eq!(decode_half(sdsp, Xlen::Rv64), Ok(st(S::U64, 2, 9, offset)));
    }
}
