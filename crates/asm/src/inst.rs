//! The per-instruction writer: every emitter writes its instruction's bytes straight into a
//! [`WINDOW`]-byte window at the end of the code buffer (which always has that much slack), and
//! the assembler then advances its length once.
//!
//! The helpers follow the x86-64 layout: legacy prefix, REX or VEX, opcode, ModRM/SIB/displacement
//! (in [`crate::mem`]), immediate. Optional parts are written unconditionally and then counted or
//! not (`len += needed as usize`), and multi-byte fields are single unaligned stores, so the hot
//! paths have no branches that depend on operand values (such branches mispredict constantly in a
//! JIT, where registers and immediates look random).

use crate::label::Label;
use crate::mem::Mem;
use crate::reg::Reg;

/// Emits one instruction: `emit!(asm, |i| body)` runs `body` with `i: &mut Inst` writing into the
/// code buffer (see `Assembler::emit`), with the closure forced inline so that the instruction's
/// length stays in a register.
macro_rules! emit {
    ($asm:expr, |$i:ident| $body:expr $(,)?) => {
        $asm.emit(
            #[inline(always)]
            |$i: &mut $crate::inst::Inst<'_>| $body,
        )
    };
}

/// The longest instruction x86-64 accepts.
pub const MAX_INST_LEN: usize = 15;

/// The longest instruction this crate emits: the `gs` and address-size prefixes + REX + opcode +
/// ModRM + SIB + disp32 + imm32 (an operand-size prefix only comes with an imm16, a two-byte
/// opcode only with an imm8 or none).
pub(crate) const MAX_EMITTED_LEN: usize = 2 + 1 + 1 + 1 + 1 + 4 + 4;
const _: () = assert!(MAX_EMITTED_LEN <= MAX_INST_LEN);

/// Bytes writable at the end of the code: an instruction plus a speculative 8-byte store starting
/// at any position below 16 always fits, so in-window indexing never needs a bounds check.
pub(crate) const WINDOW: usize = 32;
const _: () = assert!(16 + 8 <= WINDOW && MAX_EMITTED_LEN < 16);

/// A VEX-encoded opcode: map (`mmmmm`), implied prefix (`pp`) and opcode byte.
#[derive(Clone, Copy)]
pub(crate) struct Vex {
    /// 1 (`0F`), 2 (`0F38`) or 3 (`0F3A`).
    pub(crate) map: u8,
    /// 0 (none), 1 (`66`), 2 (`F3`) or 3 (`F2`).
    pub(crate) pp: u8,
    /// The opcode byte.
    pub(crate) op: u8,
}

/// One instruction under construction, written in place.
///
/// Writing the bytes to their final place (rather than to a stack array copied afterwards) also
/// avoids a store-forwarding stall: a wide load of bytes just stored one at a time cannot be
/// forwarded from the store buffer.
pub(crate) struct Inst<'a> {
    /// The window at the end of the code.
    bytes: &'a mut [u8; WINDOW],
    /// Bytes of the instruction so far.
    pub(crate) len: usize,
    /// A rip-relative `disp32` inside this instruction: its position, the label it aims at and
    /// the offset added to the label.
    pub(crate) rip: Option<(usize, Label, i32)>,
}

impl<'a> Inst<'a> {
    /// An empty instruction writing into `bytes`.
    #[inline(always)]
    pub(crate) fn new(bytes: &'a mut [u8; WINDOW]) -> Inst<'a> {
        Inst { bytes, len: 0, rip: None }
    }

    /// The write position, masked so the compiler can see every access is in the window.
    /// Emitters never go past [`MAX_EMITTED_LEN`] (checked in debug builds by
    /// `Assembler::emit`), so the mask never changes the value.
    #[inline(always)]
    fn at(&self) -> usize {
        self.len & 15
    }

    /// Appends one byte.
    #[inline(always)]
    pub(crate) fn byte(&mut self, b: u8) {
        let at = self.at();
        self.bytes[at] = b;
        self.len += 1;
    }

    /// Writes `b` and keeps it only if `keep`.
    #[inline(always)]
    pub(crate) fn byte_if(&mut self, b: u8, keep: bool) {
        let at = self.at();
        self.bytes[at] = b;
        self.len += keep as usize;
    }

    /// Writes the four bytes of `v` (little-endian) and keeps the first `keep` of them.
    #[inline(always)]
    pub(crate) fn le32_keep(&mut self, v: u32, keep: usize) {
        let at = self.at();
        self.bytes[at..at + 4].copy_from_slice(&v.to_le_bytes());
        self.len += keep;
    }

    /// Appends `N` bytes as they are (`N` at most [`MAX_EMITTED_LEN`]).
    #[inline(always)]
    pub(crate) fn raw<const N: usize>(&mut self, bytes: [u8; N]) {
        const { assert!(N <= MAX_EMITTED_LEN) };
        let at = self.at();
        self.bytes[at..at + N].copy_from_slice(&bytes);
        self.len += N;
    }

    /// Writes the eight bytes of `v` (little-endian) and keeps the first `keep` of them.
    #[inline(always)]
    pub(crate) fn le64_keep(&mut self, v: u64, keep: usize) {
        let at = self.at();
        self.bytes[at..at + 8].copy_from_slice(&v.to_le_bytes());
        self.len += keep;
    }

    /// Appends a little-endian 16-bit immediate.
    #[inline(always)]
    pub(crate) fn imm16(&mut self, v: u16) {
        let at = self.at();
        self.bytes[at..at + 2].copy_from_slice(&v.to_le_bytes());
        self.len += 2;
    }

    /// Appends a little-endian 32-bit immediate or displacement.
    #[inline(always)]
    pub(crate) fn imm32(&mut self, v: u32) {
        self.le32_keep(v, 4);
    }

    /// Appends a little-endian 64-bit immediate.
    #[inline(always)]
    pub(crate) fn imm64(&mut self, v: u64) {
        let at = self.at();
        self.bytes[at..at + 8].copy_from_slice(&v.to_le_bytes());
        self.len += 8;
    }

    /// Appends a sign-extended immediate as imm8 if it fits, imm32 otherwise.
    #[inline(always)]
    pub(crate) fn imm8_or_32(&mut self, imm: i32) {
        self.le32_keep(imm as u32, if fits_i8(imm) { 1 } else { 4 });
    }

    /// Appends a placeholder rip-relative displacement to `label + addend`.
    #[inline(always)]
    pub(crate) fn rip_label(&mut self, label: Label, addend: i32) {
        self.rip = Some((self.len, label, addend));
        self.imm32(0);
    }

    /// Appends an operand-size (`0x66`) or mandatory (`0xF2`/`0xF3`) prefix, or nothing for 0.
    #[inline(always)]
    pub(crate) fn prefix(&mut self, p: u8) {
        self.byte_if(p, p != 0);
    }

    /// Appends REX when any of its bits is set or `force` asks for one (byte registers
    /// `spl`/`bpl`/`sil`/`dil`).
    #[inline(always)]
    fn rex(&mut self, w: bool, r: u8, x: u8, b: u8, force: bool) {
        let bits = ((w as u8) << 3) | (r << 2) | (x << 1) | b;
        self.byte_if(0x40 | bits, (bits != 0) | force);
    }

    /// REX for a register-register form: `reg` in ModRM.reg, `rm` in ModRM.rm (or the opcode).
    #[inline(always)]
    pub(crate) fn rex_rr(&mut self, w: bool, reg: u8, rm: u8, force: bool) {
        self.rex(w, (reg >> 3) & 1, 0, (rm >> 3) & 1, force);
    }

    /// REX for a register-memory form.
    #[inline(always)]
    pub(crate) fn rex_rm(&mut self, w: bool, reg: u8, mem: &Mem, force: bool) {
        self.mem_prefixes(mem);
        let xb = mem.rex_xb();
        self.rex(w, (reg >> 3) & 1, xb >> 1, xb & 1, force);
    }

    /// A register-direct ModRM byte.
    #[inline(always)]
    pub(crate) fn modrm_rr(&mut self, reg: u8, rm: u8) {
        self.byte(0xC0 | ((reg & 7) << 3) | (rm & 7));
    }

    /// A three-byte VEX prefix with L = 0. `map` is 1 (`0F`), 2 (`0F38`) or 3 (`0F3A`); `pp` is
    /// 0 (none), 1 (`66`), 2 (`F3`) or 3 (`F2`); `vvvv` is the extra register operand (0 if none).
    #[inline(always)]
    pub(crate) fn vex3(&mut self, w: bool, reg: u8, xb: u8, map: u8, vvvv: u8, pp: u8) {
        let r = (reg >> 3) & 1;
        self.byte(0xC4);
        self.byte(((!((r << 2) | xb) & 7) << 5) | map);
        self.byte(((w as u8) << 7) | ((!vvvv & 15) << 3) | pp);
    }

    /// Appends a one-byte opcode, or a two-byte one whose high byte is nonzero (`0x0F ..`).
    #[inline(always)]
    pub(crate) fn opcode(&mut self, op: u16) {
        if op > 0xFF {
            self.byte((op >> 8) as u8);
        }
        self.byte(op as u8);
    }

    /// The common `[prefix] [REX] opcode ModRM(11, reg, rm)` shape; `op` is one or two bytes
    /// (`0x0F` escape included) given as `0x0FAF` or `0x01`.
    #[inline(always)]
    pub(crate) fn rr(&mut self, prefix: u8, w: bool, op: u16, reg: u8, rm: u8, force_rex: bool) {
        self.prefix(prefix);
        self.rex_rr(w, reg, rm, force_rex);
        self.opcode(op);
        self.modrm_rr(reg, rm);
    }

    /// The common `[prefix] [REX] opcode ModRM/SIB/disp` shape for a memory operand.
    #[inline(always)]
    pub(crate) fn rm(&mut self, prefix: u8, w: bool, op: u16, reg: u8, mem: &Mem, force_rex: bool) {
        self.prefix(prefix);
        self.rex_rm(w, reg, mem, force_rex);
        self.opcode(op);
        self.mem(reg, mem);
    }

    /// A VEX-encoded `reg, vvvv, rm` instruction with a register `rm`.
    #[inline(always)]
    pub(crate) fn vex_rr(&mut self, w: bool, vex: Vex, reg: Reg, vvvv: Reg, rm: Reg) {
        self.vex3(w, reg.num(), rm.high(), vex.map, vvvv.num(), vex.pp);
        self.byte(vex.op);
        self.modrm_rr(reg.num(), rm.num());
    }
}

/// Whether `v` survives a round trip through `i8`.
#[inline(always)]
pub(crate) const fn fits_i8(v: i32) -> bool {
    v as i8 as i32 == v
}
