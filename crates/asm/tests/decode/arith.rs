//! Multiplication, division, shifts, BMI1/BMI2 and single-register bit operations.

use gannet_asm::{Assembler, Cond, Reg, ShiftOp, Size};
use iced_x86::Mnemonic;

use crate::common::*;

type RegReg = fn(&mut Assembler, Size, Reg, Reg);
type Reg3 = fn(&mut Assembler, Size, Reg, Reg, Reg);
type OneReg = fn(&mut Assembler, Size, Reg);

#[test]
fn two_register_forms() {
    let forms: [(Mnemonic, RegReg); 5] = [
        (Mnemonic::Imul, |a, s, d, r| a.imul_rr(s, d, r)),
        (Mnemonic::Popcnt, |a, s, d, r| a.popcnt(s, d, r)),
        (Mnemonic::Lzcnt, |a, s, d, r| a.lzcnt(s, d, r)),
        (Mnemonic::Tzcnt, |a, s, d, r| a.tzcnt(s, d, r)),
        (Mnemonic::Cmovb, |a, s, d, r| a.cmov_rr(Cond::B, s, d, r)),
    ];
    for (mnemonic, emit) in forms {
        for size in Size::ALL {
            for dst in Reg::ALL {
                for src in Reg::ALL {
                    let (i, c) = one(|a| emit(a, size, dst, src));
                    check_shape(&i, &c, mnemonic, 2);
                    check_reg(&i, &c, 0, dst, sbits(size));
                    check_reg(&i, &c, 1, src, sbits(size));
                }
            }
        }
    }
}

#[test]
fn memory_source_forms() {
    for (k, mem) in mems().iter().enumerate() {
        let size = Size::ALL[k % 2];
        let dst = Reg::ALL[(k / 2) % 16];
        let (i, c) = one(|a| a.imul_rm(size, dst, *mem));
        check_shape(&i, &c, Mnemonic::Imul, 2);
        check_reg(&i, &c, 0, dst, sbits(size));
        check_mem(&i, &c, 1, mem, sbits(size) as usize / 8);
        let cond = Cond::ALL[k % 16];
        let (i, c) = one(|a| a.cmov_rm(cond, size, dst, *mem));
        check_shape(&i, &c, cond_mnemonics(cond).2, 2);
        check_reg(&i, &c, 0, dst, sbits(size));
        check_mem(&i, &c, 1, mem, sbits(size) as usize / 8);
    }
}

#[test]
fn imul_three_operand() {
    for size in Size::ALL {
        for dst in Reg::ALL {
            for src in Reg::ALL {
                for imm in IMMS {
                    let (i, c) = one(|a| a.imul_rri(size, dst, src, imm));
                    check_shape(&i, &c, Mnemonic::Imul, 3);
                    check_reg(&i, &c, 0, dst, sbits(size));
                    check_reg(&i, &c, 1, src, sbits(size));
                    check_imm(&i, &c, 2, imm as i64, sbits(size));
                    let short = imm as i8 as i32 == imm;
                    assert!(c.ends_with(&imm.to_le_bytes()[..if short { 1 } else { 4 }]));
                }
            }
        }
    }
}

#[test]
fn one_register_forms() {
    let forms: [(Mnemonic, OneReg); 7] = [
        (Mnemonic::Mul, |a, s, r| a.mul(s, r)),
        (Mnemonic::Imul, |a, s, r| a.imul1(s, r)),
        (Mnemonic::Div, |a, s, r| a.div(s, r)),
        (Mnemonic::Idiv, |a, s, r| a.idiv(s, r)),
        (Mnemonic::Neg, |a, s, r| a.neg(s, r)),
        (Mnemonic::Not, |a, s, r| a.not(s, r)),
        (Mnemonic::Bswap, |a, s, r| a.bswap(s, r)),
    ];
    for (mnemonic, emit) in forms {
        for size in Size::ALL {
            for reg in Reg::ALL {
                let (i, c) = one(|a| emit(a, size, reg));
                check_shape(&i, &c, mnemonic, 1);
                check_reg(&i, &c, 0, reg, sbits(size));
            }
        }
    }
    for (mnemonic, emit) in [
        (Mnemonic::Cdq, Assembler::cdq as fn(&mut Assembler)),
        (Mnemonic::Cqo, Assembler::cqo),
        (Mnemonic::Cdqe, Assembler::cdqe),
    ] {
        let (i, _) = one(emit);
        assert_eq!(i.mnemonic(), mnemonic);
    }
}

#[test]
fn shifts() {
    let mnemonic = |op| match op {
        ShiftOp::Rol => Mnemonic::Rol,
        ShiftOp::Ror => Mnemonic::Ror,
        ShiftOp::Shl => Mnemonic::Shl,
        ShiftOp::Shr => Mnemonic::Shr,
        ShiftOp::Sar => Mnemonic::Sar,
    };
    for op in ShiftOp::ALL {
        for size in Size::ALL {
            for reg in Reg::ALL {
                for imm in [0u8, 1, 2, 31, 32, 63] {
                    let (i, c) = one(|a| a.shift_ri(op, size, reg, imm));
                    check_shape(&i, &c, mnemonic(op), 2);
                    check_reg(&i, &c, 0, reg, sbits(size));
                    check_imm(&i, &c, 1, imm as i64, 8);
                }
                let (i, c) = one(|a| a.shift_rcl(op, size, reg));
                check_shape(&i, &c, mnemonic(op), 2);
                check_reg(&i, &c, 0, reg, sbits(size));
                check_reg(&i, &c, 1, Reg::Rcx, 8);
            }
        }
    }
    let shorthands: [(Mnemonic, Emit); 5] = [
        (Mnemonic::Shl, |a| a.shl_ri(Size::S64, Reg::R9, 3)),
        (Mnemonic::Shr, |a| a.shr_ri(Size::S32, Reg::R9, 3)),
        (Mnemonic::Sar, |a| a.sar_ri(Size::S64, Reg::R9, 3)),
        (Mnemonic::Rol, |a| a.rol_ri(Size::S32, Reg::R9, 3)),
        (Mnemonic::Ror, |a| a.ror_ri(Size::S64, Reg::R9, 3)),
    ];
    for (mnemonic, emit) in shorthands {
        assert_eq!(one(emit).0.mnemonic(), mnemonic);
    }
}

#[test]
fn vex_three_register_forms() {
    // Operand order as the decoder lists it: (dst, first source, second source).
    let forms: [(Mnemonic, Reg3, [usize; 3]); 5] = [
        (Mnemonic::Mulx, |a, s, x, y, z| a.mulx(s, x, y, z), [0, 1, 2]),
        (Mnemonic::Shlx, |a, s, x, y, z| a.shlx(s, x, y, z), [0, 1, 2]),
        (Mnemonic::Shrx, |a, s, x, y, z| a.shrx(s, x, y, z), [0, 1, 2]),
        (Mnemonic::Sarx, |a, s, x, y, z| a.sarx(s, x, y, z), [0, 1, 2]),
        (Mnemonic::Andn, |a, s, x, y, z| a.andn(s, x, y, z), [0, 1, 2]),
    ];
    for (mnemonic, emit, order) in forms {
        for size in Size::ALL {
            for x in Reg::ALL {
                for y in Reg::ALL {
                    for z in [Reg::Rax, Reg::Rsp, Reg::Rbp, Reg::R8, Reg::R12, Reg::R13, Reg::R15, y] {
                        let (i, c) = one(|a| emit(a, size, x, y, z));
                        check_shape(&i, &c, mnemonic, 3);
                        let regs = [x, y, z];
                        for (op, &k) in order.iter().enumerate() {
                            check_reg(&i, &c, op as u32, regs[k], sbits(size));
                        }
                    }
                }
            }
        }
    }
    for size in Size::ALL {
        for dst in Reg::ALL {
            for src in Reg::ALL {
                for imm in [0u8, 1, 13, 31, 63, 255] {
                    let (i, c) = one(|a| a.rorx(size, dst, src, imm));
                    check_shape(&i, &c, Mnemonic::Rorx, 3);
                    check_reg(&i, &c, 0, dst, sbits(size));
                    check_reg(&i, &c, 1, src, sbits(size));
                    check_imm(&i, &c, 2, imm as i64, 8);
                }
            }
        }
    }
}

#[test]
fn setcc_cmov_and_bt() {
    for cond in Cond::ALL {
        let (_, set, cmov) = cond_mnemonics(cond);
        for dst in Reg::ALL {
            let (i, c) = one(|a| a.setcc(cond, dst));
            check_shape(&i, &c, set, 1);
            check_reg(&i, &c, 0, dst, 8);
            for size in Size::ALL {
                let src = Reg::ALL[(dst.num() as usize + cond.num() as usize) % 16];
                let (i, c) = one(|a| a.cmov_rr(cond, size, dst, src));
                check_shape(&i, &c, cmov, 2);
                check_reg(&i, &c, 0, dst, sbits(size));
                check_reg(&i, &c, 1, src, sbits(size));
            }
        }
        assert_eq!(cond.invert().invert(), cond);
        assert_ne!(cond.invert(), cond);
    }
    for size in Size::ALL {
        for reg in Reg::ALL {
            for imm in [0u8, 5, 31, 63] {
                let (i, c) = one(|a| a.bt_ri(size, reg, imm));
                check_shape(&i, &c, Mnemonic::Bt, 2);
                check_reg(&i, &c, 0, reg, sbits(size));
                check_imm(&i, &c, 1, imm as i64, 8);
            }
        }
    }
}
