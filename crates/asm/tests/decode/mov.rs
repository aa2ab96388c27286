//! Moves, immediates, loads with zero/sign extension, stores, `lea` and register extensions.

use gannet_asm::{Mem, Reg, Size, Width};
use iced_x86::{Mnemonic, OpKind};

use crate::common::*;

#[test]
fn mov_reg_reg_and_xchg() {
    for size in Size::ALL {
        for dst in Reg::ALL {
            for src in Reg::ALL {
                let (i, c) = one(|a| a.mov_rr(size, dst, src));
                check_shape(&i, &c, Mnemonic::Mov, 2);
                check_reg(&i, &c, 0, dst, sbits(size));
                check_reg(&i, &c, 1, src, sbits(size));
                let (i, c) = one(|a| a.xchg_rr(size, dst, src));
                check_shape(&i, &c, Mnemonic::Xchg, 2);
                check_reg(&i, &c, 0, dst, sbits(size));
                check_reg(&i, &c, 1, src, sbits(size));
            }
        }
    }
}

/// The 64-bit value a decoded `mov reg, imm` leaves in the register.
fn loaded_value(i: &iced_x86::Instruction) -> u64 {
    match i.op_kind(1) {
        OpKind::Immediate32 => i.immediate32() as u64, // 32-bit destination zero-extends
        OpKind::Immediate32to64 => i.immediate32to64() as u64,
        OpKind::Immediate64 => i.immediate64(),
        kind => panic!("unexpected immediate kind {kind:?}"),
    }
}

#[test]
fn mov_immediates() {
    let values: [u64; 12] = [
        0,
        1,
        0x7FFF_FFFF,
        0x8000_0000,
        0xFFFF_FFFF,
        0x1_0000_0000,
        u64::MAX,
        0xFFFF_FFFF_8000_0000,
        0xFFFF_FFFF_7FFF_FFFF,
        0x8000_0000_0000_0000,
        0x1234_5678_9ABC_DEF0,
        (-2i64) as u64,
    ];
    for dst in Reg::ALL {
        for v in values {
            let (i, c) = one(|a| a.mov_imm64(dst, v));
            check_shape(&i, &c, Mnemonic::Mov, 2);
            assert_eq!(i.op_register(0), gpr(dst, if i.op_kind(1) == OpKind::Immediate32 { 32 } else { 64 }));
            assert_eq!(loaded_value(&i), v, "{c:02x?}");
            let shortest = if v <= u32::MAX as u64 {
                5 + (dst.num() >= 8) as usize
            } else if v as i64 == v as i32 as i64 {
                7
            } else {
                10
            };
            assert_eq!(c.len(), shortest, "mov_imm64({dst:?}, {v:#x}) = {c:02x?}");

            let (i, c) = one(|a| a.movabs(dst, v));
            check_shape(&i, &c, Mnemonic::Mov, 2);
            check_reg(&i, &c, 0, dst, 64);
            assert_eq!(i.op_kind(1), OpKind::Immediate64);
            assert_eq!(loaded_value(&i), v);
        }
        for imm in IMMS {
            let (i, c) = one(|a| a.mov_ri(Size::S32, dst, imm));
            check_shape(&i, &c, Mnemonic::Mov, 2);
            check_reg(&i, &c, 0, dst, 32);
            assert_eq!(loaded_value(&i), imm as u32 as u64);
            let (i, c) = one(|a| a.mov_ri(Size::S64, dst, imm));
            check_shape(&i, &c, Mnemonic::Mov, 2);
            check_reg(&i, &c, 0, dst, 64);
            assert_eq!(loaded_value(&i), imm as i64 as u64);
        }
        let (i, c) = one(|a| a.zero(dst));
        check_shape(&i, &c, Mnemonic::Xor, 2);
        check_reg(&i, &c, 0, dst, 32);
        check_reg(&i, &c, 1, dst, 32);
    }
}

#[test]
fn loads() {
    let mems = mems();
    for (k, mem) in mems.iter().enumerate() {
        let dst = Reg::ALL[k % 16];
        for width in Width::ALL {
            let (i, c) = one(|a| a.load(width, dst, *mem));
            let (mnemonic, bits) = match width {
                Width::W8 | Width::W16 => (Mnemonic::Movzx, 32),
                Width::W32 => (Mnemonic::Mov, 32),
                Width::W64 => (Mnemonic::Mov, 64),
            };
            check_shape(&i, &c, mnemonic, 2);
            check_reg(&i, &c, 0, dst, bits);
            check_mem(&i, &c, 1, mem, width.bytes() as usize);

            for size in Size::ALL {
                let (i, c) = one(|a| a.load_sx(size, width, dst, *mem));
                let (mnemonic, bytes) = match (width, size) {
                    (Width::W8 | Width::W16, _) => (Mnemonic::Movsx, width.bytes()),
                    (Width::W32, Size::S64) => (Mnemonic::Movsxd, 4),
                    (_, _) => (Mnemonic::Mov, size.bits() / 8),
                };
                check_shape(&i, &c, mnemonic, 2);
                check_reg(&i, &c, 0, dst, sbits(size));
                check_mem(&i, &c, 1, mem, bytes as usize);
            }
        }
        for size in Size::ALL {
            let (i, c) = one(|a| a.mov_rm(size, dst, *mem));
            check_shape(&i, &c, Mnemonic::Mov, 2);
            check_reg(&i, &c, 0, dst, sbits(size));
            check_mem(&i, &c, 1, mem, sbits(size) as usize / 8);
            let (i, c) = one(|a| a.lea(size, dst, *mem));
            check_shape(&i, &c, Mnemonic::Lea, 2);
            check_reg(&i, &c, 0, dst, sbits(size));
            check_mem(&i, &c, 1, mem, 0);
        }
    }
}

#[test]
fn stores() {
    let mems = mems();
    for (k, mem) in mems.iter().enumerate() {
        for width in Width::ALL {
            // Rotate through all sources, so every byte register (spl..dil included) is stored
            // from every kind of address.
            let src = Reg::ALL[(k + width as usize) % 16];
            let (i, c) = one(|a| a.store(width, *mem, src));
            check_shape(&i, &c, Mnemonic::Mov, 2);
            check_mem(&i, &c, 0, mem, width.bytes() as usize);
            check_reg(&i, &c, 1, src, wbits(width));

            let imm = IMMS[k % IMMS.len()];
            let (i, c) = one(|a| a.store_imm(width, *mem, imm));
            check_shape(&i, &c, Mnemonic::Mov, 2);
            check_mem(&i, &c, 0, mem, width.bytes() as usize);
            check_imm(&i, &c, 1, imm as i64, wbits(width));
        }
        let size = Size::ALL[k % 2];
        let src = Reg::ALL[(k + 5) % 16];
        let (i, c) = one(|a| a.mov_mr(size, *mem, src));
        check_shape(&i, &c, Mnemonic::Mov, 2);
        check_mem(&i, &c, 0, mem, sbits(size) as usize / 8);
        check_reg(&i, &c, 1, src, sbits(size));
    }
}

#[test]
fn byte_stores_of_every_register() {
    for src in Reg::ALL {
        for base in Reg::ALL {
            let mem = Mem::base(base, 0);
            let (i, c) = one(|a| a.store(Width::W8, mem, src));
            check_reg(&i, &c, 1, src, 8);
            check_mem(&i, &c, 0, &mem, 1);
        }
    }
}

#[test]
fn register_extensions() {
    for dst in Reg::ALL {
        for src in Reg::ALL {
            for from in Width::ALL {
                let (i, c) = one(|a| a.movzx(from, dst, src));
                let (mnemonic, dbits) = match from {
                    Width::W8 | Width::W16 => (Mnemonic::Movzx, 32),
                    Width::W32 => (Mnemonic::Mov, 32),
                    Width::W64 => (Mnemonic::Mov, 64),
                };
                check_shape(&i, &c, mnemonic, 2);
                check_reg(&i, &c, 0, dst, dbits);
                check_reg(&i, &c, 1, src, wbits(from).min(dbits));

                for size in Size::ALL {
                    let (i, c) = one(|a| a.movsx(size, from, dst, src));
                    let (mnemonic, sbits_) = match (from, size) {
                        (Width::W8 | Width::W16, _) => (Mnemonic::Movsx, wbits(from)),
                        (Width::W32, Size::S64) => (Mnemonic::Movsxd, 32),
                        (_, _) => (Mnemonic::Mov, sbits(size)),
                    };
                    check_shape(&i, &c, mnemonic, 2);
                    check_reg(&i, &c, 0, dst, sbits(size));
                    check_reg(&i, &c, 1, src, sbits_);
                }
            }
        }
    }
}
