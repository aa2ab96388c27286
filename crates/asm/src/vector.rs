//! The few VEX-encoded (AVX) vector instructions the recompiler needs to keep a 64-bit counter
//! in an XMM register: 64-bit moves between XMM registers, general-purpose registers and memory,
//! a packed 64-bit subtraction with a memory operand, and `vmovmskpd` to read the sign bits.
//!
//! Only VEX forms are offered: they clear bits 128 and up of the destination, so mixing them
//! with AVX code in the host never pays an SSE/AVX transition penalty.

use crate::buffer::Assembler;
use crate::mem::Mem;
use crate::reg::Reg;

/// An XMM register, numbered as the hardware encodes it (`xmm0` = 0 … `xmm15` = 15).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Xmm(u8);

impl Xmm {
    /// All sixteen XMM registers in hardware order.
    pub const ALL: [Xmm; 16] = {
        let mut all = [Xmm(0); 16];
        let mut n = 0;
        while n < 16 {
            all[n] = Xmm(n as u8);
            n += 1;
        }
        all
    };

    /// `xmm{n & 15}`.
    #[inline(always)]
    pub const fn new(n: u8) -> Xmm {
        Xmm(n & 15)
    }

    /// The 4-bit hardware number.
    #[inline(always)]
    pub const fn num(self) -> u8 {
        self.0
    }
}

/// VEX `pp` values (implied prefix) and the `0F` map.
const PP_66: u8 = 1;
const PP_F3: u8 = 2;
const MAP_0F: u8 = 1;

impl Assembler {
    /// `vmovq xmm, [mem]`: loads 64 bits and clears the rest of the register.
    #[inline]
    pub fn vmovq_load(&mut self, dst: Xmm, mem: Mem) {
        emit!(self, |i| {
            i.mem_prefixes(&mem);
            i.vex(false, dst.num(), mem.rex_xb(), MAP_0F, 0, PP_F3);
            i.byte(0x7E);
            i.mem(dst.num(), &mem);
        });
    }

    /// `vmovq [mem], xmm`: stores the low 64 bits.
    #[inline]
    pub fn vmovq_store(&mut self, mem: Mem, src: Xmm) {
        emit!(self, |i| {
            i.mem_prefixes(&mem);
            i.vex(false, src.num(), mem.rex_xb(), MAP_0F, 0, PP_66);
            i.byte(0xD6);
            i.mem(src.num(), &mem);
        });
    }

    /// `vmovq xmm, reg`: the 64-bit register into the low lane, the rest cleared.
    #[inline]
    pub fn vmovq_from_gpr(&mut self, dst: Xmm, src: Reg) {
        emit!(self, |i| {
            i.vex(true, dst.num(), src.high(), MAP_0F, 0, PP_66);
            i.byte(0x6E);
            i.modrm_rr(dst.num(), src.num());
        });
    }

    /// `vmovq reg, xmm`: the low 64 bits into a general-purpose register.
    #[inline]
    pub fn vmovq_to_gpr(&mut self, dst: Reg, src: Xmm) {
        emit!(self, |i| {
            i.vex(true, src.num(), dst.high(), MAP_0F, 0, PP_66);
            i.byte(0x7E);
            i.modrm_rr(src.num(), dst.num());
        });
    }

    /// `vpsubq dst, a, [mem]`: subtracts each 64-bit lane of the 16 bytes at `mem` from `a`'s.
    /// VEX forms take unaligned memory operands.
    #[inline]
    pub fn vpsubq_load(&mut self, dst: Xmm, a: Xmm, mem: Mem) {
        emit!(self, |i| {
            i.mem_prefixes(&mem);
            i.vex(false, dst.num(), mem.rex_xb(), MAP_0F, a.num(), PP_66);
            i.byte(0xFB);
            i.mem(dst.num(), &mem);
        });
    }

    /// `vmovmskpd reg, xmm`: the sign bits of the two 64-bit lanes into bits 0 and 1 of the
    /// 32-bit register (the rest cleared).
    #[inline]
    pub fn vmovmskpd(&mut self, dst: Reg, src: Xmm) {
        emit!(self, |i| {
            i.vex(false, dst.num(), (src.num() >> 3) & 1, MAP_0F, 0, PP_66);
            i.byte(0x50);
            i.modrm_rr(dst.num(), src.num());
        });
    }
}
