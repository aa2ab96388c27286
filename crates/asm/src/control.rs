//! Control flow: jumps and calls to labels (rel8 backward when it reaches, rel32 otherwise),
//! indirect jumps and calls, `ret`, `push`/`pop`, traps, and multi-byte `nop` padding.

use crate::buffer::Assembler;
use crate::inst::fits_i8;
use crate::label::{Label, UNBOUND};
use crate::mem::Mem;
use crate::reg::{Cond, Reg};

/// The recommended multi-byte `nop` encodings, indexed by length (Intel SDM, `NOP` instruction).
const NOPS: [&[u8]; 10] = [
    &[],
    &[0x90],
    &[0x66, 0x90],
    &[0x0F, 0x1F, 0x00],
    &[0x0F, 0x1F, 0x40, 0x00],
    &[0x0F, 0x1F, 0x44, 0x00, 0x00],
    &[0x66, 0x0F, 0x1F, 0x44, 0x00, 0x00],
    &[0x0F, 0x1F, 0x80, 0x00, 0x00, 0x00, 0x00],
    &[0x0F, 0x1F, 0x84, 0x00, 0x00, 0x00, 0x00, 0x00],
    &[0x66, 0x0F, 0x1F, 0x84, 0x00, 0x00, 0x00, 0x00, 0x00],
];

/// The longest entry of [`NOPS`].
const MAX_NOP: usize = NOPS.len() - 1;

impl Assembler {
    /// A branch to `label`: `short` (a one-byte opcode taking rel8) when the label is bound and
    /// `allow_short`, else `near` (one or two opcode bytes, then rel32).
    #[inline(always)]
    fn branch(&mut self, short: u8, near: u16, label: Label, allow_short: bool) {
        let target = self.labels[label.0 as usize];
        if target != UNBOUND {
            return self.branch_to(short, near, target, allow_short);
        }
        // Patched by `resolve`.
        let field = self.near_forward(near) as usize;
        self.forward_reference(field, field + 4, label);
    }

    /// `near` (one or two opcode bytes) with an empty rel32; returns the rel32's offset.
    #[inline(always)]
    fn near_forward(&mut self, near: u16) -> u32 {
        emit!(self, |i| {
            i.opcode(near);
            i.imm32(0);
        });
        self.pos as u32 - 4
    }

    /// A branch to code offset `target`: `short` when `allow_short` and rel8 reaches, else
    /// `near`.
    #[inline(always)]
    fn branch_to(&mut self, short: u8, near: u16, target: u32, allow_short: bool) {
        let pos = self.pos;
        if allow_short {
            let rel = (target as i64).wrapping_sub(pos as i64 + 2);
            if rel as i8 as i64 == rel {
                emit!(self, |i| {
                    i.byte(short);
                    i.byte(rel as u8);
                });
                return;
            }
        }
        let end = pos + if near > 0xFF { 6 } else { 5 };
        emit!(self, |i| {
            i.opcode(near);
            i.imm32(target.wrapping_sub(end as u32));
        });
    }

    /// `jmp` to code offset `target` (already emitted code, typically): rel8 when it reaches.
    #[inline]
    pub fn jmp_to(&mut self, target: u32) {
        self.branch_to(0xEB, 0xE9, target, true);
    }

    /// `jcc` to code offset `target` (already emitted code, typically): rel8 when it reaches.
    #[inline]
    pub fn jcc_to(&mut self, cond: Cond, target: u32) {
        self.branch_to(0x70 | cond.num(), 0x0F80 | cond.num() as u16, target, true);
    }

    /// `jmp rel32` to a target not known yet, without a label, like [`Assembler::jcc_forward`]:
    /// returns the offset of the rel32 field for [`Assembler::patch_rel32`].
    #[inline]
    pub fn jmp_forward(&mut self) -> u32 {
        self.near_forward(0xE9)
    }

    /// `jmp label`: rel8 for a bound label within reach, rel32 otherwise.
    #[inline]
    pub fn jmp(&mut self, label: Label) {
        self.branch(0xEB, 0xE9, label, true);
    }

    /// `jmp label`, always with a rel32 displacement (five bytes).
    #[inline]
    pub fn jmp_near(&mut self, label: Label) {
        self.branch(0xEB, 0xE9, label, false);
    }

    /// `jcc label`: rel8 for a bound label within reach, rel32 otherwise.
    #[inline]
    pub fn jcc(&mut self, cond: Cond, label: Label) {
        self.branch(0x70 | cond.num(), 0x0F80 | cond.num() as u16, label, true);
    }

    /// `jcc label`, always with a rel32 displacement (six bytes).
    #[inline]
    pub fn jcc_near(&mut self, cond: Cond, label: Label) {
        self.branch(0x70 | cond.num(), 0x0F80 | cond.num() as u16, label, false);
    }

    /// `jcc rel32` to a target not known yet, without a label: returns the offset of the
    /// rel32 field, to be aimed with [`Assembler::patch_rel32`]. Until then it jumps to the
    /// next instruction. For many one-off forward branches (one per basic block, say), this
    /// saves creating a label and resolving a fixup for each.
    #[inline]
    pub fn jcc_forward(&mut self, cond: Cond) -> u32 {
        self.near_forward(0x0F80 | cond.num() as u16)
    }

    /// Aims the rel32 field at `at` (the last four bytes of a branch, as returned by
    /// [`Assembler::jcc_forward`]) at code offset `target`.
    ///
    /// # Panics
    ///
    /// If `at + 4` is past the emitted code.
    #[inline]
    pub fn patch_rel32(&mut self, at: u32, target: u32) {
        self.patch_u32(at, target.wrapping_sub(at.wrapping_add(4)));
    }

    /// Overwrites the code at `at` with `jmp rel32` to code offset `target` (five bytes: the
    /// start of whatever was emitted there, which must be at least that long and is then
    /// never reached past the jump). If that code refers to a label, call this after
    /// [`Assembler::resolve`], which would write the old displacement back.
    ///
    /// # Panics
    ///
    /// If `at + 5` is past the emitted code.
    #[inline]
    pub fn patch_jmp(&mut self, at: u32, target: u32) {
        assert!(at as usize + 5 <= self.pos, "patch outside the emitted code");
        self.buf[at as usize] = 0xE9;
        self.patch_rel32(at + 1, target);
    }

    /// `call label` (rel32).
    #[inline]
    pub fn call(&mut self, label: Label) {
        self.branch(0xE8, 0xE8, label, false);
    }

    /// `jmp reg`: jump to the address in `reg`.
    #[inline]
    pub fn jmp_reg(&mut self, reg: Reg) {
        emit!(self, |i| i.rr(0, false, 0xFF, 4, reg.num(), false));
    }

    /// `jmp qword [mem]`: jump to the address stored at `mem`.
    #[inline]
    pub fn jmp_mem(&mut self, mem: Mem) {
        emit!(self, |i| i.rm(0, false, 0xFF, 4, &mem, false));
    }

    /// `call reg`: call the address in `reg`.
    #[inline]
    pub fn call_reg(&mut self, reg: Reg) {
        emit!(self, |i| i.rr(0, false, 0xFF, 2, reg.num(), false));
    }

    /// `call qword [mem]`: call the address stored at `mem`.
    #[inline]
    pub fn call_mem(&mut self, mem: Mem) {
        emit!(self, |i| i.rm(0, false, 0xFF, 2, &mem, false));
    }

    /// `ret`.
    #[inline]
    pub fn ret(&mut self) {
        self.data_u8(0xC3);
    }

    /// `push reg` (64-bit).
    #[inline]
    pub fn push(&mut self, reg: Reg) {
        emit!(self, |i| {
            i.rex_rr(false, 0, reg.num(), false);
            i.byte(0x50 | reg.low());
        });
    }

    /// `pop reg` (64-bit).
    #[inline]
    pub fn pop(&mut self, reg: Reg) {
        emit!(self, |i| {
            i.rex_rr(false, 0, reg.num(), false);
            i.byte(0x58 | reg.low());
        });
    }

    /// `push imm` (sign-extended to 64 bits; imm8 form when it fits).
    #[inline]
    pub fn push_imm(&mut self, imm: i32) {
        emit!(self, |i| {
            i.byte(0x68 | ((fits_i8(imm) as u8) << 1));
            i.imm8_or_32(imm);
        });
    }

    /// `ud2`: raises an invalid-opcode fault.
    #[inline]
    pub fn ud2(&mut self) {
        self.data_u16(0x0B0F);
    }

    /// `int3`: a breakpoint trap.
    #[inline]
    pub fn int3(&mut self) {
        self.data_u8(0xCC);
    }

    /// Emits exactly `len` bytes of `nop` instructions, using the longest recommended forms.
    pub fn nop(&mut self, mut len: usize) {
        while len > 0 {
            let n = len.min(MAX_NOP);
            emit!(self, |i| {
                for &b in NOPS[n] {
                    i.byte(b);
                }
            });
            len -= n;
        }
    }

    /// Pads with `nop`s until the offset is a multiple of `align` (a power of two).
    ///
    /// # Panics
    ///
    /// If `align` is not a power of two.
    pub fn align(&mut self, align: usize) {
        assert!(align.is_power_of_two(), "alignment {align} is not a power of two");
        let pad = self.pos.wrapping_neg() & (align - 1);
        self.nop(pad);
    }
}
