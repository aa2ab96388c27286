//! Data movement: register moves, immediates (with the shortest correct form for 64-bit
//! constants), loads with zero or sign extension, stores, `lea`, and register-to-register
//! `movzx`/`movsx`/`movsxd`.

use crate::buffer::Assembler;
use crate::mem::Mem;
use crate::reg::{Reg, Size, Width};

/// Operand-size prefix for 16-bit operations.
const OPSIZE: u8 = 0x66;

/// How a register-memory move is encoded, apart from its operands: legacy prefix (or 0),
/// REX.W, opcode (one byte, or `0x0F` and one), and whether the register operand needs a REX
/// prefix anyway. Shared by the emitters and [`crate::MemTemplate`].
#[derive(Clone, Copy)]
pub(crate) struct Form {
    pub(crate) prefix: u8,
    pub(crate) w: bool,
    pub(crate) op: u16,
    pub(crate) force_rex: bool,
}

impl Form {
    /// A form with no prefix and no forced REX.
    #[inline(always)]
    const fn plain(w: bool, op: u16) -> Form {
        Form { prefix: 0, w, op, force_rex: false }
    }

    /// [`Assembler::load`].
    #[inline(always)]
    pub(crate) const fn load(width: Width) -> Form {
        match width {
            Width::W8 => Form::plain(false, 0x0FB6),
            Width::W16 => Form::plain(false, 0x0FB7),
            Width::W32 => Form::plain(false, 0x8B),
            Width::W64 => Form::plain(true, 0x8B),
        }
    }

    /// [`Assembler::load_sx`].
    #[inline(always)]
    pub(crate) const fn load_sx(size: Size, width: Width) -> Form {
        match (width, size) {
            (Width::W8, _) => Form::plain(size.w(), 0x0FBE),
            (Width::W16, _) => Form::plain(size.w(), 0x0FBF),
            (Width::W32, Size::S64) => Form::plain(true, 0x63),
            (Width::W32 | Width::W64, _) => Form::plain(size.w(), 0x8B),
        }
    }

    /// [`Assembler::lea`].
    #[inline(always)]
    pub(crate) const fn lea(size: Size) -> Form {
        Form::plain(size.w(), 0x8D)
    }

    /// [`Assembler::store`] of `src`.
    #[inline(always)]
    pub(crate) const fn store(width: Width, src: Reg) -> Form {
        match width {
            Width::W8 => Form { force_rex: src.byte_needs_rex(), ..Form::plain(false, 0x88) },
            Width::W16 => Form { prefix: OPSIZE, ..Form::plain(false, 0x89) },
            Width::W32 => Form::plain(false, 0x89),
            Width::W64 => Form::plain(true, 0x89),
        }
    }
}

impl Assembler {
    /// `mov dst, src`. A 32-bit move zero-extends into the full register.
    #[inline]
    pub fn mov_rr(&mut self, size: Size, dst: Reg, src: Reg) {
        emit!(self, |i| i.rr(0, size.w(), 0x89, src.num(), dst.num(), false));
    }

    /// `mov dst, imm`: for [`Size::S32`] `mov r32, imm32` (the bit pattern of `imm`, zero-extended
    /// to 64 bits); for [`Size::S64`] `mov r/m64, imm32` (sign-extended).
    #[inline]
    pub fn mov_ri(&mut self, size: Size, dst: Reg, imm: i32) {
        emit!(self, |i| {
            match size {
                Size::S32 => {
                    i.rex_rr(false, 0, dst.num(), false);
                    i.byte(0xB8 | dst.low());
                }
                Size::S64 => {
                    i.rex_rr(true, 0, dst.num(), false);
                    i.byte(0xC7);
                    i.modrm_rr(0, dst.num());
                }
            }
            i.imm32(imm as u32);
        });
    }

    /// `movabs dst, imm64`: always the ten-byte form.
    #[inline]
    pub fn movabs(&mut self, dst: Reg, imm: u64) {
        emit!(self, |i| {
            i.rex_rr(true, 0, dst.num(), false);
            i.byte(0xB8 | dst.low());
            i.imm64(imm);
        });
    }

    /// Loads the 64-bit constant `imm` into `dst` with the shortest form that leaves the flags
    /// alone: `mov r32, imm32` when it zero-extends, `mov r/m64, imm32` when it sign-extends,
    /// `movabs` otherwise. (Use [`Assembler::zero`] for a shorter, flag-clobbering zero.)
    #[inline]
    pub fn mov_imm64(&mut self, dst: Reg, imm: u64) {
        if imm <= u32::MAX as u64 {
            self.mov_ri(Size::S32, dst, imm as u32 as i32);
        } else if imm as i64 == imm as i32 as i64 {
            self.mov_ri(Size::S64, dst, imm as i32);
        } else {
            self.movabs(dst, imm);
        }
    }

    /// `xor dst32, dst32`: zeroes the whole register; clobbers the flags.
    #[inline]
    pub fn zero(&mut self, dst: Reg) {
        emit!(self, |i| i.rr(0, false, 0x31, dst.num(), dst.num(), false));
    }

    /// Loads `width` bytes from `mem` into `dst`, zero-extended to 64 bits (`movzx` for 8 and 16
    /// bits, a 32-bit `mov` for 32, a 64-bit `mov` for 64).
    #[inline]
    pub fn load(&mut self, width: Width, dst: Reg, mem: Mem) {
        let f = Form::load(width);
        emit!(self, |i| i.rm(f.prefix, f.w, f.op, dst.num(), &mem, f.force_rex));
    }

    /// Loads `width` bytes from `mem` into `dst`, sign-extended to `size` (and, for
    /// [`Size::S32`], then zero-extended to 64 bits). A width at least as wide as `size` is a plain
    /// `size` load of the low bytes.
    #[inline(always)]
    pub fn load_sx(&mut self, size: Size, width: Width, dst: Reg, mem: Mem) {
        let f = Form::load_sx(size, width);
        emit!(self, |i| i.rm(f.prefix, f.w, f.op, dst.num(), &mem, f.force_rex));
    }

    /// Stores the low `width` bytes of `src` to `mem`.
    #[inline]
    pub fn store(&mut self, width: Width, mem: Mem, src: Reg) {
        let f = Form::store(width, src);
        emit!(self, |i| i.rm(f.prefix, f.w, f.op, src.num(), &mem, f.force_rex));
    }

    /// Stores an immediate of `width` bytes to `mem`: the low 8 or 16 bits of `imm`, all 32 bits,
    /// or (for [`Width::W64`]) `imm` sign-extended to 64 bits.
    #[inline(always)]
    pub fn store_imm(&mut self, width: Width, mem: Mem, imm: i32) {
        match width {
            Width::W8 => {
                emit!(self, |i| {
                    i.rm(0, false, 0xC6, 0, &mem, false);
                    i.byte(imm as u8);
                });
            }
            Width::W16 => {
                emit!(self, |i| {
                    i.rm(OPSIZE, false, 0xC7, 0, &mem, false);
                    i.imm16(imm as u16);
                });
            }
            Width::W32 | Width::W64 => {
                emit!(self, |i| {
                    i.rm(0, width == Width::W64, 0xC7, 0, &mem, false);
                    i.imm32(imm as u32);
                });
            }
        }
    }

    /// `lea dst, [mem]`: the address computed in 64 bits, truncated to `size`.
    #[inline]
    pub fn lea(&mut self, size: Size, dst: Reg, mem: Mem) {
        let f = Form::lea(size);
        emit!(self, |i| i.rm(f.prefix, f.w, f.op, dst.num(), &mem, f.force_rex));
    }

    /// Zero-extends the low `from` bytes of `src` into `dst` (all 64 bits): `movzx r32, r8/r16`,
    /// or a 32-/64-bit `mov`.
    #[inline]
    pub fn movzx(&mut self, from: Width, dst: Reg, src: Reg) {
        emit!(self, |i| match from {
            Width::W8 => i.rr(0, false, 0x0FB6, dst.num(), src.num(), src.byte_needs_rex()),
            Width::W16 => i.rr(0, false, 0x0FB7, dst.num(), src.num(), false),
            Width::W32 => i.rr(0, false, 0x8B, dst.num(), src.num(), false),
            Width::W64 => i.rr(0, true, 0x8B, dst.num(), src.num(), false),
        });
    }

    /// Sign-extends the low `from` bytes of `src` into `dst` at `size`: `movsx` from 8/16 bits,
    /// `movsxd` from 32 to 64 bits, or a plain `size` move when `from` is at least as wide.
    #[inline]
    pub fn movsx(&mut self, size: Size, from: Width, dst: Reg, src: Reg) {
        let (w, op, force) = match (from, size) {
            (Width::W8, _) => (size.w(), 0x0FBE, src.byte_needs_rex()),
            (Width::W16, _) => (size.w(), 0x0FBF, false),
            (Width::W32, Size::S64) => (true, 0x63, false),
            (Width::W32 | Width::W64, _) => (size.w(), 0x8B, false),
        };
        emit!(self, |i| i.rr(0, w, op, dst.num(), src.num(), force));
    }

    /// `mov dst, [mem]` at `size` (the same as [`Assembler::load`] at that width).
    #[inline]
    pub fn mov_rm(&mut self, size: Size, dst: Reg, mem: Mem) {
        emit!(self, |i| i.rm(0, size.w(), 0x8B, dst.num(), &mem, false));
    }

    /// `mov [mem], src` at `size` (the same as [`Assembler::store`] at that width).
    #[inline]
    pub fn mov_mr(&mut self, size: Size, mem: Mem, src: Reg) {
        emit!(self, |i| i.rm(0, size.w(), 0x89, src.num(), &mem, false));
    }

    /// `xchg a, b` (registers).
    #[inline]
    pub fn xchg_rr(&mut self, size: Size, a: Reg, b: Reg) {
        emit!(self, |i| i.rr(0, size.w(), 0x87, b.num(), a.num(), false));
    }
}
