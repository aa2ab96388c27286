//! Hand-picked 32-bit encodings (from the ISA manual, cross-checked with `llvm-mc`).

use super::{amo, br, c0, check_errors, check_table, decode_word, ld, ri, rr, st, un};
use crate::riscv::{
    AtomicOp as A, BranchKind as B, DecodeError, Inst, LoadKind as L, RegImmKind as I, RegRegKind as R,
    StoreKind as S, UnaryKind as U, Xlen,
};

/// Encodings that decode identically on RV32 and RV64.
const COMMON: &[(u32, Inst)] = &[
    (0x12345537, Inst::Lui { rd: 10, imm: 0x1234_5000 }), // lui a0, 0x12345
    (0xffffffb7, Inst::Lui { rd: 31, imm: -4096 }),       // lui t6, 0xfffff
    (0x800000b7, Inst::Lui { rd: 1, imm: i32::MIN }),     // lui ra, 0x80000
    (0x00000037, Inst::Lui { rd: 0, imm: 0 }),            // lui x0, 0
    (0x7ffff917, Inst::Auipc { rd: 18, imm: 0x7fff_f000 }), // auipc s2, 0x7ffff
    (0x80000797, Inst::Auipc { rd: 15, imm: i32::MIN }),  // auipc a5, 0x80000
    (0x001000ef, Inst::Jal { rd: 1, offset: 2048 }),      // jal ra, 2048
    (0xffdff06f, Inst::Jal { rd: 0, offset: -4 }),        // jal x0, -4
    (0x7ffff2ef, Inst::Jal { rd: 5, offset: 1_048_574 }), // jal t0, 1048574
    (0x80000fef, Inst::Jal { rd: 31, offset: -1_048_576 }), // jal x31, -1048576
    (0x002003ef, Inst::Jal { rd: 7, offset: 2 }),         // jal x7, 2
    (0x000500e7, Inst::Jalr { rd: 1, rs1: 10, offset: 0 }), // jalr ra, 0(a0)
    (0x80008067, Inst::Jalr { rd: 0, rs1: 1, offset: -2048 }), // jalr x0, -2048(x1)
    (0x7fff08e7, Inst::Jalr { rd: 17, rs1: 30, offset: 2047 }), // jalr x17, 2047(x30)
    (0x80b50063, br(B::Eq, 10, 11, -4096)),               // beq a0, a1, -4096
    (0x7fff1fe3, br(B::Ne, 30, 31, 4094)),                // bne x30, x31, 4094
    (0x00f74463, br(B::Lt, 14, 15, 8)),                   // blt a4, a5, 8
    (0xfe20dfe3, br(B::Ge, 1, 2, -2)),                    // bge x1, x2, -2
    (0x0041e0e3, br(B::Ltu, 3, 4, 2048)),                 // bltu x3, x4, 2048
    (0xff02ff63, br(B::Geu, 5, 16, -2050)),               // bgeu x5, x16, -2050
    (0x80058503, ld(L::I8, 10, 11, -2048)),               // lb a0, -2048(a1)
    (0x7ff5c503, ld(L::U8, 10, 11, 2047)),                // lbu a0, 2047(a1)
    (0xfffa9a03, ld(L::I16, 20, 21, -1)),                 // lh x20, -1(x21)
    (0x00215083, ld(L::U16, 1, 2, 2)),                    // lhu x1, 2(x2)
    (0x00012283, ld(L::I32, 5, 2, 0)),                    // lw t0, 0(sp)
    (0xfeb50fa3, st(S::U8, 10, 11, -1)),                  // sb a1, -1(a0)
    (0x7ff11fa3, st(S::U16, 2, 31, 2047)),                // sh x31, 2047(x2)
    (0x8011a023, st(S::U32, 3, 1, -2048)),                // sw ra, -2048(x3)
    (0x80058513, ri(I::Add, 10, 11, -2048)),              // addi a0, a1, -2048
    (0x7ff00f93, ri(I::Add, 31, 0, 2047)),                // addi x31, x0, 2047
    (0xfff5a513, ri(I::Slt, 10, 11, -1)),                 // slti a0, a1, -1
    (0xfff5b513, ri(I::Sltu, 10, 11, -1)),                // sltiu a0, a1, -1
    (0xfff6c613, ri(I::Xor, 12, 13, -1)),                 // xori a2, a3, -1
    (0x5556e613, ri(I::Or, 12, 13, 1365)),                // ori a2, a3, 1365
    (0x0ff7f713, ri(I::And, 14, 15, 255)),                // andi a4, a5, 255
    (0x00059513, ri(I::Sll, 10, 11, 0)),                  // slli a0, a1, 0
    (0x6015d513, ri(I::Ror, 10, 11, 1)),                  // rori a0, a1, 1
    (0x00c58533, rr(R::Add, 10, 11, 12)),                 // add a0, a1, a2
    (0x41df0fb3, rr(R::Sub, 31, 30, 29)),                 // sub x31, x30, x29
    (0x003110b3, rr(R::Sll, 1, 2, 3)),                    // sll x1, x2, x3
    (0x0062a233, rr(R::Slt, 4, 5, 6)),                    // slt x4, x5, x6
    (0x009433b3, rr(R::Sltu, 7, 8, 9)),                   // sltu x7, x8, x9
    (0x00c5c533, rr(R::Xor, 10, 11, 12)),                 // xor x10, x11, x12
    (0x00f756b3, rr(R::Srl, 13, 14, 15)),                 // srl x13, x14, x15
    (0x4128d833, rr(R::Sra, 16, 17, 18)),                 // sra x16, x17, x18
    (0x015a69b3, rr(R::Or, 19, 20, 21)),                  // or x19, x20, x21
    (0x018bfb33, rr(R::And, 22, 23, 24)),                 // and x22, x23, x24
    (0x02c58533, rr(R::Mul, 10, 11, 12)),                 // mul a0, a1, a2
    (0x02c59533, rr(R::Mulh, 10, 11, 12)),                // mulh a0, a1, a2
    (0x02c5a533, rr(R::Mulhsu, 10, 11, 12)),              // mulhsu a0, a1, a2
    (0x02c5b533, rr(R::Mulhu, 10, 11, 12)),               // mulhu a0, a1, a2
    (0x02c5c533, rr(R::Div, 10, 11, 12)),                 // div a0, a1, a2
    (0x02c5d533, rr(R::Divu, 10, 11, 12)),                // divu a0, a1, a2
    (0x02c5e533, rr(R::Rem, 10, 11, 12)),                 // rem a0, a1, a2
    (0x02c5f533, rr(R::Remu, 10, 11, 12)),                // remu a0, a1, a2
    (0x40c5f533, rr(R::AndN, 10, 11, 12)),                // andn a0, a1, a2
    (0x40c5e533, rr(R::OrN, 10, 11, 12)),                 // orn a0, a1, a2
    (0x40c5c533, rr(R::Xnor, 10, 11, 12)),                // xnor a0, a1, a2
    (0x0ac5e533, rr(R::Max, 10, 11, 12)),                 // max a0, a1, a2
    (0x0ac5f533, rr(R::MaxU, 10, 11, 12)),                // maxu a0, a1, a2
    (0x0ac5c533, rr(R::Min, 10, 11, 12)),                 // min a0, a1, a2
    (0x0ac5d533, rr(R::MinU, 10, 11, 12)),                // minu a0, a1, a2
    (0x60c59533, rr(R::Rol, 10, 11, 12)),                 // rol a0, a1, a2
    (0x60c5d533, rr(R::Ror, 10, 11, 12)),                 // ror a0, a1, a2
    (0x40c5950b, rr(R::CmovEqz, 10, 11, 12)),             // th.mveqz a0, a1, a2
    (0x43df1f8b, rr(R::CmovNez, 31, 30, 29)),             // th.mvnez x31, x30, x29
    (0x60059513, un(U::Clz, 10, 11)),                     // clz a0, a1
    (0x60159513, un(U::Ctz, 10, 11)),                     // ctz a0, a1
    (0x60259513, un(U::Cpop, 10, 11)),                    // cpop a0, a1
    (0x604a9a13, un(U::SextB, 20, 21)),                   // sext.b x20, x21
    (0x605b9b13, un(U::SextH, 22, 23)),                   // sext.h x22, x23
    (0x2875d513, un(U::OrcB, 10, 11)),                    // orc.b a0, a1
    (0x1005a52f, amo(A::Lr, false, 10, 11, 0)),           // lr.w a0, (a1)
    (0x18c5a52f, amo(A::Sc, false, 10, 11, 12)),          // sc.w a0, a2, (a1)
    (0x0cc5a52f, amo(A::Swap, false, 10, 11, 12)),        // amoswap.w.aq a0, a2, (a1)
    (0x02c5a52f, amo(A::Add, false, 10, 11, 12)),         // amoadd.w.rl a0, a2, (a1)
    (0x26c5a52f, amo(A::Xor, false, 10, 11, 12)),         // amoxor.w.aqrl a0, a2, (a1)
    (0x61ff202f, amo(A::And, false, 0, 30, 31)),          // amoand.w x0, x31, (x30)
    (0x40c5a52f, amo(A::Or, false, 10, 11, 12)),          // amoor.w a0, a2, (a1)
    (0x80c5a52f, amo(A::Min, false, 10, 11, 12)),         // amomin.w a0, a2, (a1)
    (0xa0c5a52f, amo(A::Max, false, 10, 11, 12)),         // amomax.w a0, a2, (a1)
    (0xc0c5a52f, amo(A::MinU, false, 10, 11, 12)),        // amominu.w a0, a2, (a1)
    (0xe0c5a52f, amo(A::MaxU, false, 10, 11, 12)),        // amomaxu.w a0, a2, (a1)
    (0x0ff0000f, Inst::Fence),                            // fence
    (0x0210000f, Inst::Fence),                            // fence r, w
    (0x8330000f, Inst::Fence),                            // fence.tso
    (0x0000100f, Inst::Fence),                            // fence.i
    (0x0100000f, Inst::Fence),                            // .insn 4, 0x0100000f
    (0x00000073, Inst::Ecall),                            // ecall
    (0x00100073, Inst::Ebreak),                           // ebreak
    (0xc0001073, Inst::Unimp),                            // unimp
    (0x0000000b, c0(0, 0, 0, 0)),                         // .insn 4, 0x0000000b
    (0x0005950b, c0(1, 10, 11, 0)),                       // .insn r 0x0b, 1, 0, a0, a1, x0
    (0x00c5a50b, c0(2, 10, 11, 12)),                      // .insn r 0x0b, 2, 0, a0, a1, a2
    (0x0000378b, c0(3, 15, 0, 0)),                        // .insn r 0x0b, 3, 0, x15, x0, x0
    (0x01f59513, ri(I::Sll, 10, 11, 31)),                 // slli a0, a1, 31
    (0x01f8d813, ri(I::Srl, 16, 17, 31)),                 // srli x16, x17, 31
    (0x4019d913, ri(I::Sra, 18, 19, 1)),                  // srai x18, x19, 1
    (0x61f5d513, ri(I::Ror, 10, 11, 31)),                 // rori a0, a1, 31
    (0x287f5f93, un(U::OrcB, 31, 30)),                    // orc.b x31, x30
    (0x60059513, un(U::Clz, 10, 11)),                     // clz a0, a1
    (0xffc12283, ld(L::I32, 5, 2, -4)),                   // lw t0, -4(sp)
    (0x00c5a52f, amo(A::Add, false, 10, 11, 12)),         // amoadd.w a0, a2, (a1)
    (0xfffff0ef, Inst::Jal { rd: 1, offset: -2 }),        // jal ra, -2
];

/// Encodings that only exist on RV64 (or mean something else on RV32).
const RV64_ONLY: &[(u32, Inst)] = &[
    (0x06446303, ld(L::U32, 6, 8, 100)),          // lwu t1, 100(s0)
    (0xff8fb503, ld(L::U64, 10, 31, -8)),         // ld a0, -8(x31)
    (0x02913023, st(S::U64, 2, 9, 32)),           // sd s1, 32(sp)
    (0x03f59513, ri(I::Sll, 10, 11, 63)),         // slli a0, a1, 63
    (0x0208d813, ri(I::Srl, 16, 17, 32)),         // srli x16, x17, 32
    (0x43f9d913, ri(I::Sra, 18, 19, 63)),         // srai x18, x19, 63
    (0x63f5d513, ri(I::Ror, 10, 11, 63)),         // rori a0, a1, 63
    (0x8005851b, ri(I::AddW, 10, 11, -2048)),     // addiw a0, a1, -2048
    (0x01f5951b, ri(I::SllW, 10, 11, 31)),        // slliw a0, a1, 31
    (0x0015d51b, ri(I::SrlW, 10, 11, 1)),         // srliw a0, a1, 1
    (0x41f5d51b, ri(I::SraW, 10, 11, 31)),        // sraiw a0, a1, 31
    (0x6115d51b, ri(I::RorW, 10, 11, 17)),        // roriw a0, a1, 17
    (0x01bd0cbb, rr(R::AddW, 25, 26, 27)),        // addw x25, x26, x27
    (0x41ee8e3b, rr(R::SubW, 28, 29, 30)),        // subw x28, x29, x30
    (0x00101fbb, rr(R::SllW, 31, 0, 1)),          // sllw x31, x0, x1
    (0x00c5d53b, rr(R::SrlW, 10, 11, 12)),        // srlw a0, a1, a2
    (0x40c5d53b, rr(R::SraW, 10, 11, 12)),        // sraw a0, a1, a2
    (0x02c5853b, rr(R::MulW, 10, 11, 12)),        // mulw a0, a1, a2
    (0x02c5c53b, rr(R::DivW, 10, 11, 12)),        // divw a0, a1, a2
    (0x02c5d53b, rr(R::DivuW, 10, 11, 12)),       // divuw a0, a1, a2
    (0x02c5e53b, rr(R::RemW, 10, 11, 12)),        // remw a0, a1, a2
    (0x02c5f53b, rr(R::RemuW, 10, 11, 12)),       // remuw a0, a1, a2
    (0x60c5953b, rr(R::RolW, 10, 11, 12)),        // rolw a0, a1, a2
    (0x60c5d53b, rr(R::RorW, 10, 11, 12)),        // rorw a0, a1, a2
    (0x6005951b, un(U::ClzW, 10, 11)),            // clzw a0, a1
    (0x6015951b, un(U::CtzW, 10, 11)),            // ctzw a0, a1
    (0x6025951b, un(U::CpopW, 10, 11)),           // cpopw a0, a1
    (0x0805c53b, un(U::ZextH, 10, 11)),           // zext.h a0, a1
    (0x6b85d513, un(U::Rev8, 10, 11)),            // rev8 a0, a1
    (0x1605b52f, amo(A::Lr, true, 10, 11, 0)),    // lr.d.aqrl a0, (a1)
    (0x18c5b52f, amo(A::Sc, true, 10, 11, 12)),   // sc.d a0, a2, (a1)
    (0x08c5b52f, amo(A::Swap, true, 10, 11, 12)), // amoswap.d a0, a2, (a1)
    (0x00c5b52f, amo(A::Add, true, 10, 11, 12)),  // amoadd.d a0, a2, (a1)
    (0x20c5b52f, amo(A::Xor, true, 10, 11, 12)),  // amoxor.d a0, a2, (a1)
    (0x60c5b52f, amo(A::And, true, 10, 11, 12)),  // amoand.d a0, a2, (a1)
    (0x40c5b52f, amo(A::Or, true, 10, 11, 12)),   // amoor.d a0, a2, (a1)
    (0x80c5b52f, amo(A::Min, true, 10, 11, 12)),  // amomin.d a0, a2, (a1)
    (0xa0c5b52f, amo(A::Max, true, 10, 11, 12)),  // amomax.d a0, a2, (a1)
    (0xc0c5b52f, amo(A::MinU, true, 10, 11, 12)), // amominu.d a0, a2, (a1)
    (0xe0c5b52f, amo(A::MaxU, true, 10, 11, 12)), // amomaxu.d a0, a2, (a1)
];

/// Encodings that only exist on RV32 (or mean something else on RV64).
const RV32_ONLY: &[(u32, Inst)] = &[
    (0x6985d513, un(U::Rev8, 10, 11)),  // rev8 a0, a1
    (0x0805c533, un(U::ZextH, 10, 11)), // zext.h a0, a1
];

/// Encodings rejected on both XLENs.
const REJECTED: &[(u32, DecodeError)] = &[
    (0x0000_2063, DecodeError::Unsupported(0x0000_2063)), // branch funct3 = 2
    (0x0000_3063, DecodeError::Unsupported(0x0000_3063)), // branch funct3 = 3
    (0x0000_7003, DecodeError::Unsupported(0x0000_7003)), // load funct3 = 7
    (0x0000_4023, DecodeError::Unsupported(0x0000_4023)), // store funct3 = 4
    (0x0000_1067, DecodeError::Unsupported(0x0000_1067)), // jalr funct3 = 1
    (0x1015_a52f, DecodeError::Reserved(0x1015_a52f)),    // lr.w with rs2 != 0
    (0x0000_002f, DecodeError::Unsupported(0x0000_002f)), // AMO funct3 = 0
    (0x28c5_a52f, DecodeError::Unsupported(0x28c5_a52f)), // amocas.w (Zacas)
    (0xc000_2573, DecodeError::Unsupported(0xc000_2573)), // csrrs a0, cycle, zero
    (0x0015_9073, DecodeError::Unsupported(0x0015_9073)), // csrrw zero, fflags, a1
    (0x1050_0073, DecodeError::Unsupported(0x1050_0073)), // wfi
    (0x3020_0073, DecodeError::Unsupported(0x3020_0073)), // mret
    (0x0005_a507, DecodeError::Unsupported(0x0005_a507)), // flw fa0, 0(a1)
    (0x00b5_0553, DecodeError::Unsupported(0x00b5_0553)), // fadd.s fa0, fa0, fa1
    (0x0010_200f, DecodeError::Unsupported(0x0010_200f)), // cbo.clean (0)(zero)
    (0x20c5_a533, DecodeError::Unsupported(0x20c5_a533)), // sh1add (Zba)
    (0x28c5_9533, DecodeError::Unsupported(0x28c5_9533)), // bset (Zbs)
    (0x0ac5_9533, DecodeError::Unsupported(0x0ac5_9533)), // clmul (Zbc)
    (0x0ec5_d533, DecodeError::Unsupported(0x0ec5_d533)), // czero.eqz (Zicond)
    (0x2805_9513, DecodeError::Unsupported(0x2805_9513)), // bseti (Zbs)
    (0x6035_9513, DecodeError::Unsupported(0x6035_9513)), // OP-IMM funct3 = 1, imm = 0x603
    (0x6875_d513, DecodeError::Unsupported(0x6875_d513)), // brev8 (Zbkb)
    (0x08c5_c533, DecodeError::Unsupported(0x08c5_c533)), // pack a0, a1, a2 (rs2 != 0)
    (0x0000_050b, DecodeError::Unsupported(0x0000_050b)), // custom-0 funct3 = 0, but not the exact marker
    (0x0020_000b, DecodeError::Unsupported(0x0020_000b)), // custom-0 funct3 = 0, rs2 != 0
    (0x0205_950b, DecodeError::Unsupported(0x0205_950b)), // custom-0 funct3 = 1, funct7 = 1
    (0x0000_400b, DecodeError::Unsupported(0x0000_400b)), // custom-0 funct3 = 4
    (0x40c5_a50b, DecodeError::Unsupported(0x40c5_a50b)), // th.mveqz funct7 with funct3 = 2
    (0x0000_005b, DecodeError::Unsupported(0x0000_005b)), // custom-2
    (0x0000_0057, DecodeError::Unsupported(0x0000_0057)), // OP-V
];

/// RV64-only encodings, rejected on RV32.
const REJECTED_RV32: &[(u32, DecodeError)] = &[
    (0xff8f_b503, DecodeError::Unsupported(0xff8f_b503)), // ld a0, -8(x31)
    (0x0644_6303, DecodeError::Unsupported(0x0644_6303)), // lwu t1, 100(s0)
    (0x0291_3023, DecodeError::Unsupported(0x0291_3023)), // sd s1, 32(sp)
    (0x8005_851b, DecodeError::Unsupported(0x8005_851b)), // addiw a0, a1, -2048
    (0x6005_951b, DecodeError::Unsupported(0x6005_951b)), // clzw a0, a1
    (0x01bd_0cbb, DecodeError::Unsupported(0x01bd_0cbb)), // addw x25, x26, x27
    (0x0805_c53b, DecodeError::Unsupported(0x0805_c53b)), // zext.h a0, a1 (RV64 encoding)
    (0x1605_b52f, DecodeError::Unsupported(0x1605_b52f)), // lr.d.aqrl a0, (a1)
    (0x00c5_b52f, DecodeError::Unsupported(0x00c5_b52f)), // amoadd.d a0, a2, (a1)
    (0x6b85_d513, DecodeError::Unsupported(0x6b85_d513)), // rev8 a0, a1 (RV64 encoding)
    (0x03f5_9513, DecodeError::Reserved(0x03f5_9513)),    // slli a0, a1, 63
    (0x0208_d813, DecodeError::Reserved(0x0208_d813)),    // srli x16, x17, 32
    (0x43f9_d913, DecodeError::Reserved(0x43f9_d913)),    // srai x18, x19, 63
    (0x63f5_d513, DecodeError::Reserved(0x63f5_d513)),    // rori a0, a1, 63
];

/// RV32-only encodings and reserved word shifts, rejected on RV64.
const REJECTED_RV64: &[(u32, DecodeError)] = &[
    (0x6985_d513, DecodeError::Unsupported(0x6985_d513)), // rev8 a0, a1 (RV32 encoding)
    (0x0805_c533, DecodeError::Unsupported(0x0805_c533)), // zext.h a0, a1 (RV32 encoding = pack)
    (0x0205_951b, DecodeError::Reserved(0x0205_951b)),    // slliw with shamt[5] set
    (0x0205_d51b, DecodeError::Reserved(0x0205_d51b)),    // srliw with shamt[5] set
    (0x4205_d51b, DecodeError::Reserved(0x4205_d51b)),    // sraiw with shamt[5] set
    (0x6205_d51b, DecodeError::Reserved(0x6205_d51b)),    // roriw with shamt[5] set
    (0x6035_951b, DecodeError::Unsupported(0x6035_951b)), // OP-IMM-32 funct3 = 1, imm = 0x603
    (0x0805_951b, DecodeError::Unsupported(0x0805_951b)), // slli.uw (Zba)
    (0x0000_251b, DecodeError::Unsupported(0x0000_251b)), // OP-IMM-32 funct3 = 2
];

#[test]
fn common_encodings() {
    check_table(COMMON, Xlen::Rv64, decode_word);
    check_table(COMMON, Xlen::Rv32, decode_word);
}

#[test]
fn rv64_only_encodings() {
    check_table(RV64_ONLY, Xlen::Rv64, decode_word);
    check_errors(REJECTED_RV64, Xlen::Rv64, decode_word);
}

#[test]
fn rv32_only_encodings() {
    check_table(RV32_ONLY, Xlen::Rv32, decode_word);
    check_errors(REJECTED_RV32, Xlen::Rv32, decode_word);
}

#[test]
fn rejected_encodings() {
    check_errors(REJECTED, Xlen::Rv64, decode_word);
    check_errors(REJECTED, Xlen::Rv32, decode_word);
}

#[test]
fn longer_than_32_bits_is_unsupported() {
    for word in [0x0000_001f_u32, 0x0000_003f, 0x0000_007f, 0xffff_ffff] {
        for xlen in [Xlen::Rv32, Xlen::Rv64] {
            assert_eq!(crate::riscv::decode(&word.to_le_bytes(), xlen), Err(DecodeError::Unsupported(word)));
        }
    }
}

// Sweeps of every immediate value through encoders written from the ISA manual's field layouts.

fn enc_i(imm: i32, rs1: u32, funct3: u32, rd: u32, opcode: u32) -> u32 {
    ((imm as u32 & 0xfff) << 20) | (rs1 << 15) | (funct3 << 12) | (rd << 7) | opcode
}

fn enc_s(imm: i32, rs2: u32, rs1: u32, funct3: u32) -> u32 {
    let imm = imm as u32;
    ((imm >> 5 & 0x7f) << 25) | (rs2 << 20) | (rs1 << 15) | (funct3 << 12) | ((imm & 0x1f) << 7) | 0x23
}

fn enc_b(offset: i32, rs2: u32, rs1: u32, funct3: u32) -> u32 {
    let o = offset as u32;
    let hi = ((o >> 12 & 1) << 6) | (o >> 5 & 0x3f);
    let lo = ((o >> 1 & 0xf) << 1) | (o >> 11 & 1);
    (hi << 25) | (rs2 << 20) | (rs1 << 15) | (funct3 << 12) | (lo << 7) | 0x63
}

fn enc_j(offset: i32, rd: u32) -> u32 {
    let o = offset as u32;
    let imm = ((o >> 20 & 1) << 19) | ((o >> 1 & 0x3ff) << 9) | ((o >> 11 & 1) << 8) | (o >> 12 & 0xff);
    (imm << 12) | (rd << 7) | 0x6f
}

#[test]
fn every_i_and_s_immediate() {
    for imm in -2048..=2047 {
        for xlen in [Xlen::Rv32, Xlen::Rv64] {
            assert_eq!(decode_word(enc_i(imm, 11, 0, 10, 0x13), xlen), Ok(ri(I::Add, 10, 11, imm)));
            assert_eq!(decode_word(enc_i(imm, 3, 4, 7, 0x03), xlen), Ok(ld(L::U8, 7, 3, imm)));
            assert_eq!(
                decode_word(enc_i(imm, 9, 0, 1, 0x67), xlen),
                Ok(Inst::Jalr { rd: 1, rs1: 9, offset: imm })
            );
            assert_eq!(decode_word(enc_s(imm, 31, 2, 2), xlen), Ok(st(S::U32, 2, 31, imm)));
        }
    }
}

#[test]
fn every_branch_offset() {
    for offset in (-4096..=4094).step_by(2) {
        assert_eq!(decode_word(enc_b(offset, 5, 6, 7), Xlen::Rv64), Ok(br(B::Geu, 6, 5, offset)));
    }
}

#[test]
fn jump_offsets() {
    // Every bit of the offset on its own, plus the extremes.
    let mut offsets: Vec<i32> = (1..20).map(|bit| 1 << bit).collect();
    offsets.extend([-1_048_576, 1_048_574, -2, 0, 0x5_5554, -0x5_5556]);
    for offset in offsets {
        assert_eq!(decode_word(enc_j(offset, 1), Xlen::Rv32), Ok(Inst::Jal { rd: 1, offset }));
    }
}

#[test]
fn upper_immediates() {
    for upper in [0_u32, 1, 0x7ffff, 0x80000, 0xfffff, 0x12345] {
        let imm = (upper << 12) as i32;
        assert_eq!(decode_word(upper << 12 | 5 << 7 | 0x37, Xlen::Rv64), Ok(Inst::Lui { rd: 5, imm }));
        assert_eq!(decode_word(upper << 12 | 31 << 7 | 0x17, Xlen::Rv32), Ok(Inst::Auipc { rd: 31, imm }));
    }
}

#[test]
fn every_shift_amount() {
    for shamt in 0..64 {
        let slli = enc_i(shamt, 11, 1, 10, 0x13);
        let srai = enc_i(0x400 | shamt, 11, 5, 10, 0x13);
        assert_eq!(decode_word(slli, Xlen::Rv64), Ok(ri(I::Sll, 10, 11, shamt)));
        assert_eq!(decode_word(srai, Xlen::Rv64), Ok(ri(I::Sra, 10, 11, shamt)));
        if shamt < 32 {
            assert_eq!(decode_word(slli, Xlen::Rv32), Ok(ri(I::Sll, 10, 11, shamt)));
            assert_eq!(decode_word(srai, Xlen::Rv32), Ok(ri(I::Sra, 10, 11, shamt)));
            let sraiw = enc_i(0x400 | shamt, 11, 5, 10, 0x1b);
            assert_eq!(decode_word(sraiw, Xlen::Rv64), Ok(ri(I::SraW, 10, 11, shamt)));
        } else {
            assert_eq!(decode_word(slli, Xlen::Rv32), Err(DecodeError::Reserved(slli)));
            assert_eq!(decode_word(srai, Xlen::Rv32), Err(DecodeError::Reserved(srai)));
        }
    }
}

#[test]
fn every_register_field() {
    for reg in 0..32_u8 {
        let r = u32::from(reg);
        let word = (r << 20) | (r << 15) | (r << 7) | 0x33; // add xR, xR, xR
        assert_eq!(decode_word(word, Xlen::Rv32), Ok(rr(R::Add, reg, reg, reg)));
        let word = ((31 - r) << 20) | (r << 15) | 2 << 12 | (r ^ 0x15) << 7 | 0x2f; // amoadd.w
        assert_eq!(decode_word(word, Xlen::Rv64), Ok(amo(A::Add, false, reg ^ 0x15, reg, 31 - reg)));
        let word = ((31 - r) << 20) | (r << 15) | 1 << 12 | (r ^ 0xa) << 7 | 0x0b; // sbrk
        assert_eq!(decode_word(word, Xlen::Rv64), Ok(c0(1, reg ^ 0xa, reg, 31 - reg)));
        let word = (0x602 << 20) | (r << 15) | 1 << 12 | (31 - r) << 7 | 0x13; // cpop
        assert_eq!(decode_word(word, Xlen::Rv32), Ok(un(U::Cpop, 31 - reg, reg)));
    }
}
