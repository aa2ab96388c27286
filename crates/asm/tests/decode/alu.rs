//! ALU operations and `test`: every register pair, immediate boundary and memory special case,
//! both operand sizes.

use gannet_asm::{AluOp, Reg, Size};
use iced_x86::Mnemonic;

use crate::common::*;

fn mnemonic(op: AluOp) -> Mnemonic {
    match op {
        AluOp::Add => Mnemonic::Add,
        AluOp::Or => Mnemonic::Or,
        AluOp::Adc => Mnemonic::Adc,
        AluOp::Sbb => Mnemonic::Sbb,
        AluOp::And => Mnemonic::And,
        AluOp::Sub => Mnemonic::Sub,
        AluOp::Xor => Mnemonic::Xor,
        AluOp::Cmp => Mnemonic::Cmp,
    }
}

/// Expected length of the immediate: 1 if it fits imm8.
fn imm_len(imm: i32) -> usize {
    if imm as i8 as i32 == imm {
        1
    } else {
        4
    }
}

#[test]
fn alu_reg_reg() {
    for op in AluOp::ALL {
        for size in Size::ALL {
            for dst in Reg::ALL {
                for src in Reg::ALL {
                    let (i, c) = one(|a| a.alu_rr(op, size, dst, src));
                    check_shape(&i, &c, mnemonic(op), 2);
                    check_reg(&i, &c, 0, dst, sbits(size));
                    check_reg(&i, &c, 1, src, sbits(size));
                }
            }
        }
    }
}

#[test]
fn alu_reg_imm() {
    for op in AluOp::ALL {
        for size in Size::ALL {
            for dst in Reg::ALL {
                for imm in IMMS {
                    let (i, c) = one(|a| a.alu_ri(op, size, dst, imm));
                    check_shape(&i, &c, mnemonic(op), 2);
                    check_reg(&i, &c, 0, dst, sbits(size));
                    check_imm(&i, &c, 1, imm as i64, sbits(size));
                    assert!(c.ends_with(&imm.to_le_bytes()[..imm_len(imm)]), "{c:02x?}");
                    // opcode + ModRM (none for the short rax form) + optional REX + immediate
                    let rax_short = imm_len(imm) == 4 && dst == Reg::Rax;
                    let rex = (size == Size::S64 || dst.num() >= 8) as usize;
                    assert_eq!(c.len(), rex + 2 - rax_short as usize + imm_len(imm), "{c:02x?}");
                }
            }
        }
    }
}

#[test]
fn alu_reg_mem_and_mem_reg() {
    // The full memory set for two operations, the smaller one for the rest: the memory operand
    // encoding is shared, only the opcode differs.
    let (all, few) = (mems(), few_mems());
    for op in AluOp::ALL {
        let mems = if matches!(op, AluOp::Add | AluOp::Cmp) { &all } else { &few };
        for size in Size::ALL {
            for (k, mem) in mems.iter().enumerate() {
                let reg = Reg::ALL[(k + op as usize) % 16];
                let (i, c) = one(|a| a.alu_rm(op, size, reg, *mem));
                check_shape(&i, &c, mnemonic(op), 2);
                check_reg(&i, &c, 0, reg, sbits(size));
                check_mem(&i, &c, 1, mem, size.bits() as usize / 8);

                let (i, c) = one(|a| a.alu_mr(op, size, *mem, reg));
                check_shape(&i, &c, mnemonic(op), 2);
                check_mem(&i, &c, 0, mem, size.bits() as usize / 8);
                check_reg(&i, &c, 1, reg, sbits(size));
            }
        }
    }
}

#[test]
fn alu_mem_imm() {
    let mems = few_mems();
    for op in AluOp::ALL {
        for size in Size::ALL {
            for (k, mem) in mems.iter().enumerate() {
                for imm in [IMMS[k % 10], IMMS[(k + 3) % 10], IMMS[(k + 7) % 10]] {
                    let (i, c) = one(|a| a.alu_mi(op, size, *mem, imm));
                    check_shape(&i, &c, mnemonic(op), 2);
                    check_mem(&i, &c, 0, mem, size.bits() as usize / 8);
                    check_imm(&i, &c, 1, imm as i64, sbits(size));
                    assert!(c.ends_with(&imm.to_le_bytes()[..imm_len(imm)]), "{c:02x?}");
                }
            }
        }
    }
}

#[test]
fn gas_counter_form() {
    // The recompiler's gas charge: `sub qword [r15 - 0x100], imm32`.
    let mem = gannet_asm::Mem::base(Reg::R15, -0x100);
    for imm in [1, 127, 128, 0x7FFF_FFFF] {
        let (i, c) = one(|a| a.sub_mi(Size::S64, mem, imm));
        check_shape(&i, &c, Mnemonic::Sub, 2);
        check_mem(&i, &c, 0, &mem, 8);
        check_imm(&i, &c, 1, imm as i64, 64);
    }
}

#[test]
fn patchable_immediates() {
    for (k, mem) in few_mems().iter().enumerate() {
        let op = AluOp::ALL[k % 8];
        let size = Size::ALL[k % 2];
        let mut a = gannet_asm::Assembler::new();
        let at = a.alu_mi_imm32(op, size, *mem, 1) as usize;
        assert_eq!(at + 4, a.len());
        let i = decode_at(a.code(), 0);
        check_shape(&i, a.code(), mnemonic(op), 2);
        check_imm(&i, a.code(), 1, 1, sbits(size));
        let patched = IMMS[k % IMMS.len()];
        a.patch_u32(at as u32, patched as u32);
        let code = a.code();
        let i = decode_at(code, 0);
        check_shape(&i, code, mnemonic(op), 2);
        check_mem(&i, code, 0, mem, size.bits() as usize / 8);
        check_imm(&i, code, 1, patched as i64, sbits(size));
    }
}

#[test]
fn patchable_register_immediates() {
    for (k, dst) in Reg::ALL.into_iter().enumerate() {
        let op = AluOp::ALL[k % 8];
        let size = Size::ALL[k % 2];
        let mut a = gannet_asm::Assembler::new();
        let at = a.alu_ri_imm32(op, size, dst, 1) as usize;
        assert_eq!(at + 4, a.len());
        let patched = IMMS[k % IMMS.len()];
        a.patch_u32(at as u32, patched as u32);
        let code = a.code();
        let i = decode_at(code, 0);
        check_shape(&i, code, mnemonic(op), 2);
        check_reg(&i, code, 0, dst, sbits(size));
        check_imm(&i, code, 1, patched as i64, sbits(size));
    }
}

#[test]
fn test_forms() {
    for size in Size::ALL {
        for a in Reg::ALL {
            for b in Reg::ALL {
                let (i, c) = one(|asm| asm.test_rr(size, a, b));
                check_shape(&i, &c, Mnemonic::Test, 2);
                check_reg(&i, &c, 0, a, sbits(size));
                check_reg(&i, &c, 1, b, sbits(size));
            }
            for imm in IMMS {
                let (i, c) = one(|asm| asm.test_ri(size, a, imm));
                check_shape(&i, &c, Mnemonic::Test, 2);
                check_reg(&i, &c, 0, a, sbits(size));
                check_imm(&i, &c, 1, imm as i64, sbits(size));
            }
        }
        for (k, mem) in few_mems().iter().enumerate() {
            let reg = Reg::ALL[k % 16];
            let (i, c) = one(|asm| asm.test_mr(size, *mem, reg));
            check_shape(&i, &c, Mnemonic::Test, 2);
            check_mem(&i, &c, 0, mem, size.bits() as usize / 8);
            check_reg(&i, &c, 1, reg, sbits(size));
            let imm = IMMS[k % IMMS.len()];
            let (i, c) = one(|asm| asm.test_mi(size, *mem, imm));
            check_shape(&i, &c, Mnemonic::Test, 2);
            check_mem(&i, &c, 0, mem, size.bits() as usize / 8);
            check_imm(&i, &c, 1, imm as i64, sbits(size));
        }
    }
}

#[test]
fn shorthands_match_generic() {
    let pairs: [(AluOp, Emit); 8] = [
        (AluOp::Add, |a| a.add_rr(Size::S64, Reg::Rax, Reg::R9)),
        (AluOp::Or, |a| a.or_ri(Size::S32, Reg::Rax, 5)),
        (AluOp::Adc, |a| a.adc_rm(Size::S64, Reg::Rax, gannet_asm::Mem::base(Reg::Rbx, 8))),
        (AluOp::Sbb, |a| a.sbb_mr(Size::S32, gannet_asm::Mem::base(Reg::Rbx, 8), Reg::Rax)),
        (AluOp::And, |a| a.and_mi(Size::S64, gannet_asm::Mem::base(Reg::Rbx, 8), 9)),
        (AluOp::Sub, |a| a.sub_ri(Size::S64, Reg::Rax, 1000)),
        (AluOp::Xor, |a| a.xor_rr(Size::S32, Reg::Rax, Reg::Rax)),
        (AluOp::Cmp, |a| a.cmp_rm(Size::S32, Reg::Rax, gannet_asm::Mem::base(Reg::Rbx, 8))),
    ];
    for (op, f) in pairs {
        let (i, c) = one(f);
        assert_eq!(i.mnemonic(), mnemonic(op), "{c:02x?}");
    }
}
