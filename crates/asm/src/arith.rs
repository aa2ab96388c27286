//! Arithmetic beyond the two-operand ALU group: `imul` in its two- and three-operand forms,
//! one-operand `mul`/`imul`/`div`/`idiv` on `rdx:rax`, `cdq`/`cqo`/`cdqe`, shifts and rotates by an
//! immediate or by `cl`, the BMI1/BMI2 forms (`mulx`, `shlx`, `shrx`, `sarx`, `rorx`, `andn`),
//! single-register bit operations (`neg`, `not`, `bswap`, `popcnt`, `lzcnt`, `tzcnt`, `bt`) and the
//! flag consumers `setcc` and `cmovcc`.

use crate::buffer::Assembler;
use crate::inst::{fits_i8, Vex};
use crate::mem::Mem;
use crate::reg::{Cond, Reg, Size};

/// A shift or rotate, numbered as its `/digit` in opcodes `0xC1`/`0xD1`/`0xD3`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum ShiftOp {
    /// Rotate left.
    Rol = 0,
    /// Rotate right.
    Ror = 1,
    /// Shift left.
    Shl = 4,
    /// Logical (unsigned) shift right.
    Shr = 5,
    /// Arithmetic (signed) shift right.
    Sar = 7,
}

impl ShiftOp {
    /// All five operations.
    pub const ALL: [ShiftOp; 5] = [ShiftOp::Rol, ShiftOp::Ror, ShiftOp::Shl, ShiftOp::Shr, ShiftOp::Sar];
}

/// VEX `pp` field values (implied prefix).
const PP_NONE: u8 = 0;
const PP_66: u8 = 1;
const PP_F3: u8 = 2;
const PP_F2: u8 = 3;
/// VEX `mmmmm` opcode maps.
const MAP_0F38: u8 = 2;
const MAP_0F3A: u8 = 3;

/// The VEX-encoded BMI instructions with three register operands.
const MULX: Vex = Vex { map: MAP_0F38, pp: PP_F2, op: 0xF6 };
const SHLX: Vex = Vex { map: MAP_0F38, pp: PP_66, op: 0xF7 };
const SHRX: Vex = Vex { map: MAP_0F38, pp: PP_F2, op: 0xF7 };
const SARX: Vex = Vex { map: MAP_0F38, pp: PP_F3, op: 0xF7 };
const ANDN: Vex = Vex { map: MAP_0F38, pp: PP_NONE, op: 0xF2 };

impl Assembler {
    /// `imul dst, src`: `dst = dst * src`, truncated to `size`.
    #[inline]
    pub fn imul_rr(&mut self, size: Size, dst: Reg, src: Reg) {
        emit!(self, |i| i.rr(0, size.w(), 0x0FAF, dst.num(), src.num(), false));
    }

    /// `imul dst, [mem]`.
    #[inline]
    pub fn imul_rm(&mut self, size: Size, dst: Reg, mem: Mem) {
        emit!(self, |i| i.rm(0, size.w(), 0x0FAF, dst.num(), &mem, false));
    }

    /// `imul dst, src, imm`: `dst = src * imm` (imm8 form when `imm` fits, else imm32;
    /// sign-extended for [`Size::S64`]).
    #[inline]
    pub fn imul_rri(&mut self, size: Size, dst: Reg, src: Reg, imm: i32) {
        emit!(self, |i| {
            i.rr(0, size.w(), 0x69 | ((fits_i8(imm) as u16) << 1), dst.num(), src.num(), false);
            i.imm8_or_32(imm);
        });
    }

    /// The one-operand `0xF7 /digit` group on a register.
    #[inline(always)]
    pub(crate) fn group_f7(&mut self, digit: u8, size: Size, reg: Reg) {
        emit!(self, |i| i.rr(0, size.w(), 0xF7, digit, reg.num(), false));
    }

    /// `mul src`: unsigned `rdx:rax = rax * src` (`edx:eax` for [`Size::S32`]).
    #[inline]
    pub fn mul(&mut self, size: Size, src: Reg) {
        self.group_f7(4, size, src);
    }

    /// One-operand `imul src`: signed `rdx:rax = rax * src` (`edx:eax` for [`Size::S32`]).
    #[inline]
    pub fn imul1(&mut self, size: Size, src: Reg) {
        self.group_f7(5, size, src);
    }

    /// `div src`: unsigned `rax = rdx:rax / src`, `rdx = rdx:rax % src`. Faults on a zero divisor
    /// or an overflowing quotient.
    #[inline]
    pub fn div(&mut self, size: Size, src: Reg) {
        self.group_f7(6, size, src);
    }

    /// `idiv src`: signed division of `rdx:rax` by `src`. Faults on a zero divisor and on
    /// `MIN / -1`.
    #[inline]
    pub fn idiv(&mut self, size: Size, src: Reg) {
        self.group_f7(7, size, src);
    }

    /// `cdq`: sign-extends `eax` into `edx`.
    #[inline]
    pub fn cdq(&mut self) {
        emit!(self, |i| {
            i.byte(0x99);
        });
    }

    /// `cqo`: sign-extends `rax` into `rdx`.
    #[inline]
    pub fn cqo(&mut self) {
        emit!(self, |i| {
            i.byte(0x48);
            i.byte(0x99);
        });
    }

    /// `cdqe`: sign-extends `eax` into `rax`.
    #[inline]
    pub fn cdqe(&mut self) {
        emit!(self, |i| {
            i.byte(0x48);
            i.byte(0x98);
        });
    }

    /// BMI2 `mulx hi, lo, src`: unsigned `hi:lo = rdx * src` (`edx` for [`Size::S32`]) without
    /// touching the flags. If `hi == lo` the register receives the high half.
    #[inline]
    pub fn mulx(&mut self, size: Size, hi: Reg, lo: Reg, src: Reg) {
        emit!(self, |i| i.vex_rr(size.w(), MULX, hi, lo, src));
    }

    /// `op reg, imm`: shift or rotate by a constant (the hardware masks the count to 5 or 6 bits;
    /// a count of 1 uses the short `0xD1` form).
    #[inline]
    pub fn shift_ri(&mut self, op: ShiftOp, size: Size, reg: Reg, imm: u8) {
        if imm == 1 {
            emit!(self, |i| i.rr(0, size.w(), 0xD1, op as u8, reg.num(), false));
        } else {
            emit!(self, |i| {
                i.rr(0, size.w(), 0xC1, op as u8, reg.num(), false);
                i.byte(imm);
            });
        }
    }

    /// `op reg, cl`: shift or rotate by `cl` (masked by the hardware).
    #[inline]
    pub fn shift_rcl(&mut self, op: ShiftOp, size: Size, reg: Reg) {
        emit!(self, |i| i.rr(0, size.w(), 0xD3, op as u8, reg.num(), false));
    }

    /// `shl reg, imm`.
    #[inline]
    pub fn shl_ri(&mut self, size: Size, reg: Reg, imm: u8) {
        self.shift_ri(ShiftOp::Shl, size, reg, imm);
    }

    /// `shr reg, imm`.
    #[inline]
    pub fn shr_ri(&mut self, size: Size, reg: Reg, imm: u8) {
        self.shift_ri(ShiftOp::Shr, size, reg, imm);
    }

    /// `sar reg, imm`.
    #[inline]
    pub fn sar_ri(&mut self, size: Size, reg: Reg, imm: u8) {
        self.shift_ri(ShiftOp::Sar, size, reg, imm);
    }

    /// `rol reg, imm`.
    #[inline]
    pub fn rol_ri(&mut self, size: Size, reg: Reg, imm: u8) {
        self.shift_ri(ShiftOp::Rol, size, reg, imm);
    }

    /// `ror reg, imm`.
    #[inline]
    pub fn ror_ri(&mut self, size: Size, reg: Reg, imm: u8) {
        self.shift_ri(ShiftOp::Ror, size, reg, imm);
    }

    /// BMI2 `shlx dst, src, count`: `dst = src << (count & mask)`, flags untouched.
    #[inline]
    pub fn shlx(&mut self, size: Size, dst: Reg, src: Reg, count: Reg) {
        emit!(self, |i| i.vex_rr(size.w(), SHLX, dst, count, src));
    }

    /// BMI2 `shrx dst, src, count`: logical shift right, flags untouched.
    #[inline]
    pub fn shrx(&mut self, size: Size, dst: Reg, src: Reg, count: Reg) {
        emit!(self, |i| i.vex_rr(size.w(), SHRX, dst, count, src));
    }

    /// BMI2 `sarx dst, src, count`: arithmetic shift right, flags untouched.
    #[inline]
    pub fn sarx(&mut self, size: Size, dst: Reg, src: Reg, count: Reg) {
        emit!(self, |i| i.vex_rr(size.w(), SARX, dst, count, src));
    }

    /// BMI2 `rorx dst, src, imm`: rotate right by a constant, flags untouched.
    #[inline]
    pub fn rorx(&mut self, size: Size, dst: Reg, src: Reg, imm: u8) {
        emit!(self, |i| {
            i.vex3(size.w(), dst.num(), src.high(), MAP_0F3A, 0, PP_F2);
            i.byte(0xF0);
            i.modrm_rr(dst.num(), src.num());
            i.byte(imm);
        });
    }

    /// BMI1 `andn dst, a, b`: `dst = !a & b`.
    #[inline]
    pub fn andn(&mut self, size: Size, dst: Reg, a: Reg, b: Reg) {
        emit!(self, |i| i.vex_rr(size.w(), ANDN, dst, a, b));
    }
}

/// Mandatory prefix of `popcnt`, `lzcnt` and `tzcnt`.
const REP: u8 = 0xF3;

impl Assembler {
    /// `neg reg`: two's-complement negation.
    #[inline]
    pub fn neg(&mut self, size: Size, reg: Reg) {
        self.group_f7(3, size, reg);
    }

    /// `not reg`: bitwise complement (flags untouched).
    #[inline]
    pub fn not(&mut self, size: Size, reg: Reg) {
        self.group_f7(2, size, reg);
    }

    /// `bswap reg`: reverses the byte order of the low 32 or all 64 bits.
    #[inline]
    pub fn bswap(&mut self, size: Size, reg: Reg) {
        emit!(self, |i| {
            i.rex_rr(size.w(), 0, reg.num(), false);
            i.byte(0x0F);
            i.byte(0xC8 | reg.low());
        });
    }

    /// `popcnt dst, src`: number of set bits.
    #[inline]
    pub fn popcnt(&mut self, size: Size, dst: Reg, src: Reg) {
        emit!(self, |i| i.rr(REP, size.w(), 0x0FB8, dst.num(), src.num(), false));
    }

    /// `lzcnt dst, src` (LZCNT/ABM): leading zero bits; `size` bits for a zero source.
    #[inline]
    pub fn lzcnt(&mut self, size: Size, dst: Reg, src: Reg) {
        emit!(self, |i| i.rr(REP, size.w(), 0x0FBD, dst.num(), src.num(), false));
    }

    /// `tzcnt dst, src` (BMI1): trailing zero bits; `size` bits for a zero source.
    #[inline]
    pub fn tzcnt(&mut self, size: Size, dst: Reg, src: Reg) {
        emit!(self, |i| i.rr(REP, size.w(), 0x0FBC, dst.num(), src.num(), false));
    }

    /// `setcc dst8`: the low byte of `dst` becomes 1 if `cond` holds, else 0; the other bits are
    /// unchanged (follow with [`Assembler::movzx`] from [`crate::Width::W8`] for a full value).
    #[inline]
    pub fn setcc(&mut self, cond: Cond, dst: Reg) {
        let op = 0x0F90 | cond.num() as u16;
        emit!(self, |i| i.rr(0, false, op, 0, dst.num(), dst.byte_needs_rex()));
    }

    /// `cmovcc dst, src`: `dst = src` if `cond` holds. A 32-bit `cmov` zero-extends `dst` even when
    /// the condition is false.
    #[inline]
    pub fn cmov_rr(&mut self, cond: Cond, size: Size, dst: Reg, src: Reg) {
        let op = 0x0F40 | cond.num() as u16;
        emit!(self, |i| i.rr(0, size.w(), op, dst.num(), src.num(), false));
    }

    /// `cmovcc dst, [mem]`: the load happens (and may fault) whether or not `cond` holds.
    #[inline]
    pub fn cmov_rm(&mut self, cond: Cond, size: Size, dst: Reg, mem: Mem) {
        let op = 0x0F40 | cond.num() as u16;
        emit!(self, |i| i.rm(0, size.w(), op, dst.num(), &mem, false));
    }

    /// `bt reg, imm`: CF = bit `imm` of `reg`.
    #[inline]
    pub fn bt_ri(&mut self, size: Size, reg: Reg, imm: u8) {
        emit!(self, |i| {
            i.rr(0, size.w(), 0x0FBA, 4, reg.num(), false);
            i.byte(imm);
        });
    }
}
