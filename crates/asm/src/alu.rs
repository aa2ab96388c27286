//! The eight classic two-operand ALU operations (`add or adc sbb and sub xor cmp`) in every
//! register/memory/immediate form, and `test`.
//!
//! Immediates are 32-bit; 64-bit operations sign-extend them. The one-byte `imm8` form is chosen
//! whenever the value fits, and the short `eax`/`rax` form otherwise when the destination is `rax`.

use crate::buffer::Assembler;
use crate::inst::fits_i8;
use crate::mem::Mem;
use crate::reg::{Reg, Size};

/// A two-operand ALU operation, numbered as its `/digit` in opcodes `0x81`/`0x83`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum AluOp {
    /// `dst += src`.
    Add = 0,
    /// `dst |= src`.
    Or = 1,
    /// `dst += src + CF`.
    Adc = 2,
    /// `dst -= src + CF`.
    Sbb = 3,
    /// `dst &= src`.
    And = 4,
    /// `dst -= src`.
    Sub = 5,
    /// `dst ^= src`.
    Xor = 6,
    /// Flags of `dst - src`; `dst` is unchanged.
    Cmp = 7,
}

impl AluOp {
    /// All eight operations in encoding order.
    pub const ALL: [AluOp; 8] =
        [AluOp::Add, AluOp::Or, AluOp::Adc, AluOp::Sbb, AluOp::And, AluOp::Sub, AluOp::Xor, AluOp::Cmp];

    /// Opcode of the `r/m, reg` form; `+2` gives `reg, r/m`, `+4` gives `eax, imm32`.
    #[inline(always)]
    const fn base(self) -> u8 {
        (self as u8) << 3
    }
}

/// `0x83` (imm8) when `imm` fits a sign-extended byte, else `0x81` (imm32).
#[inline(always)]
const fn imm_opcode(imm: i32) -> u16 {
    0x81 | ((fits_i8(imm) as u16) << 1)
}

impl Assembler {
    /// `op dst, src` (registers).
    #[inline]
    pub fn alu_rr(&mut self, op: AluOp, size: Size, dst: Reg, src: Reg) {
        emit!(self, |i| i.rr(0, size.w(), (op.base() | 1) as u16, src.num(), dst.num(), false));
    }

    /// `op dst, imm` (immediate sign-extended to 64 bits for [`Size::S64`]).
    #[inline]
    pub fn alu_ri(&mut self, op: AluOp, size: Size, dst: Reg, imm: i32) {
        emit!(self, |i| {
            i.rex_rr(size.w(), 0, dst.num(), false);
            if dst == Reg::Rax && !fits_i8(imm) {
                i.byte(op.base() | 5);
                i.imm32(imm as u32);
            } else {
                i.opcode(imm_opcode(imm));
                i.modrm_rr(op as u8, dst.num());
                i.imm8_or_32(imm);
            }
        });
    }

    /// `op dst, [mem]`.
    #[inline]
    pub fn alu_rm(&mut self, op: AluOp, size: Size, dst: Reg, mem: Mem) {
        emit!(self, |i| i.rm(0, size.w(), (op.base() | 3) as u16, dst.num(), &mem, false));
    }

    /// `op [mem], src`.
    #[inline]
    pub fn alu_mr(&mut self, op: AluOp, size: Size, mem: Mem, src: Reg) {
        emit!(self, |i| i.rm(0, size.w(), (op.base() | 1) as u16, src.num(), &mem, false));
    }

    /// `op [mem], imm` (a 32- or 64-bit memory operand; the immediate is sign-extended).
    #[inline]
    pub fn alu_mi(&mut self, op: AluOp, size: Size, mem: Mem, imm: i32) {
        emit!(self, |i| {
            i.rm(0, size.w(), imm_opcode(imm), op as u8, &mem, false);
            i.imm8_or_32(imm);
        });
    }

    /// `op [mem], imm32`, always with a four-byte immediate even when `imm` would fit in one,
    /// returning the offset of that immediate so that it can be rewritten later with
    /// [`Assembler::patch_u32`] (say, a block's gas charge, known only when the block ends).
    #[inline]
    pub fn alu_mi_imm32(&mut self, op: AluOp, size: Size, mem: Mem, imm: i32) -> u32 {
        emit!(self, |i| {
            i.rm(0, size.w(), 0x81, op as u8, &mem, false);
            i.imm32(imm as u32);
        });
        self.offset() - 4
    }

    /// `op dst, imm32`, always in the `0x81` form with a four-byte immediate, returning the
    /// offset of that immediate for [`Assembler::patch_u32`] (as [`Assembler::alu_mi_imm32`]).
    #[inline]
    pub fn alu_ri_imm32(&mut self, op: AluOp, size: Size, dst: Reg, imm: i32) -> u32 {
        emit!(self, |i| {
            i.rr(0, size.w(), 0x81, op as u8, dst.num(), false);
            i.imm32(imm as u32);
        });
        self.offset() - 4
    }

    /// `test a, b`: flags of `a & b`.
    #[inline]
    pub fn test_rr(&mut self, size: Size, a: Reg, b: Reg) {
        emit!(self, |i| i.rr(0, size.w(), 0x85, b.num(), a.num(), false));
    }

    /// `test reg, imm32`: flags of `reg & imm` (sign-extended for [`Size::S64`]).
    #[inline]
    pub fn test_ri(&mut self, size: Size, reg: Reg, imm: i32) {
        emit!(self, |i| {
            i.rex_rr(size.w(), 0, reg.num(), false);
            if reg == Reg::Rax {
                i.byte(0xA9);
            } else {
                i.byte(0xF7);
                i.modrm_rr(0, reg.num());
            }
            i.imm32(imm as u32);
        });
    }

    /// `test [mem], reg`.
    #[inline]
    pub fn test_mr(&mut self, size: Size, mem: Mem, reg: Reg) {
        emit!(self, |i| i.rm(0, size.w(), 0x85, reg.num(), &mem, false));
    }

    /// `test [mem], imm32`.
    #[inline]
    pub fn test_mi(&mut self, size: Size, mem: Mem, imm: i32) {
        emit!(self, |i| {
            i.rm(0, size.w(), 0xF7, 0, &mem, false);
            i.imm32(imm as u32);
        });
    }
}

/// Generates the per-operation shorthands (`add_rr`, `add_ri`, …) over the generic emitters.
macro_rules! alu_shorthands {
    ($($op:ident: $rr:ident $ri:ident $rm:ident $mr:ident $mi:ident;)*) => {
        impl Assembler {
            $(
                #[doc = concat!("`", stringify!($rr), "`: [`Assembler::alu_rr`] with [`AluOp::", stringify!($op), "`].")]
                #[inline]
                pub fn $rr(&mut self, size: Size, dst: Reg, src: Reg) {
                    self.alu_rr(AluOp::$op, size, dst, src);
                }
                #[doc = concat!("`", stringify!($ri), "`: [`Assembler::alu_ri`] with [`AluOp::", stringify!($op), "`].")]
                #[inline]
                pub fn $ri(&mut self, size: Size, dst: Reg, imm: i32) {
                    self.alu_ri(AluOp::$op, size, dst, imm);
                }
                #[doc = concat!("`", stringify!($rm), "`: [`Assembler::alu_rm`] with [`AluOp::", stringify!($op), "`].")]
                #[inline]
                pub fn $rm(&mut self, size: Size, dst: Reg, mem: Mem) {
                    self.alu_rm(AluOp::$op, size, dst, mem);
                }
                #[doc = concat!("`", stringify!($mr), "`: [`Assembler::alu_mr`] with [`AluOp::", stringify!($op), "`].")]
                #[inline]
                pub fn $mr(&mut self, size: Size, mem: Mem, src: Reg) {
                    self.alu_mr(AluOp::$op, size, mem, src);
                }
                #[doc = concat!("`", stringify!($mi), "`: [`Assembler::alu_mi`] with [`AluOp::", stringify!($op), "`].")]
                #[inline]
                pub fn $mi(&mut self, size: Size, mem: Mem, imm: i32) {
                    self.alu_mi(AluOp::$op, size, mem, imm);
                }
            )*
        }
    };
}

alu_shorthands! {
    Add: add_rr add_ri add_rm add_mr add_mi;
    Or: or_rr or_ri or_rm or_mr or_mi;
    Adc: adc_rr adc_ri adc_rm adc_mr adc_mi;
    Sbb: sbb_rr sbb_ri sbb_rm sbb_mr sbb_mi;
    And: and_rr and_ri and_rm and_mr and_mi;
    Sub: sub_rr sub_ri sub_rm sub_mr sub_mi;
    Xor: xor_rr xor_ri xor_rm xor_mr xor_mi;
    Cmp: cmp_rr cmp_ri cmp_rm cmp_mr cmp_mi;
}
