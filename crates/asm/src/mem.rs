//! Memory operands: `[base + index * scale + disp]`, `[index * scale + disp32]`, `[disp32]` and
//! `[rip + label + disp]`, optionally with a `gs` segment override and 32-bit address size, and
//! their ModRM/SIB/displacement encoding with every special case of the x86-64 addressing forms.

use crate::inst::{fits_i8, Inst};
use crate::label::Label;
use crate::reg::{Reg, Scale};

/// The address part of a [`Mem`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Addr {
    /// `[base + disp]`.
    Base(Reg),
    /// `[base + index * scale + disp]`; `index` is never `rsp`.
    BaseIndex(Reg, Reg, Scale),
    /// `[rip + disp32]` aimed at `label + disp`, resolved like a branch target.
    Label(Label),
    /// `[disp32]`: an absolute address (sign-extended, or zero-extended with 32-bit addressing).
    Abs,
    /// `[index * scale + disp32]`, no base; `index` is never `rsp`.
    Index(Reg, Scale),
}

/// [`Mem::prefixes`] bit: `gs` segment override (`0x65`).
const GS: u8 = 1;
/// [`Mem::prefixes`] bit: 32-bit address size (`0x67`).
const ADDR32: u8 = 2;

/// A memory operand.
///
/// The encoder picks the shortest displacement (none, 8-bit or 32-bit) and adds the SIB byte or the
/// zero displacement that `rsp`/`r12` and `rbp`/`r13` bases require.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Mem {
    addr: Addr,
    disp: i32,
    /// [`GS`] and [`ADDR32`] bits.
    prefixes: u8,
}

impl Mem {
    /// `[base + disp]`.
    #[inline(always)]
    pub const fn base(base: Reg, disp: i32) -> Mem {
        Mem { addr: Addr::Base(base), disp, prefixes: 0 }
    }

    /// `[base + index * scale + disp]`.
    ///
    /// # Panics
    ///
    /// If `index` is `rsp`, which x86-64 cannot use as an index register.
    #[inline(always)]
    pub const fn index(base: Reg, index: Reg, scale: Scale, disp: i32) -> Mem {
        assert!(!matches!(index, Reg::Rsp), "rsp cannot be an index register");
        Mem { addr: Addr::BaseIndex(base, index, scale), disp, prefixes: 0 }
    }

    /// `[rip + rel32]` addressing `label + disp`; the displacement is fixed up once the label is
    /// bound (see [`crate::Assembler::resolve`]).
    #[inline(always)]
    pub const fn label(label: Label, disp: i32) -> Mem {
        Mem { addr: Addr::Label(label), disp, prefixes: 0 }
    }

    /// `[disp32]`, an absolute address.
    #[inline(always)]
    pub const fn abs(disp: i32) -> Mem {
        Mem { addr: Addr::Abs, disp, prefixes: 0 }
    }

    /// `[index * scale + disp32]`, with no base register.
    ///
    /// # Panics
    ///
    /// If `index` is `rsp`, which x86-64 cannot use as an index register.
    #[inline(always)]
    pub const fn index_only(index: Reg, scale: Scale, disp: i32) -> Mem {
        assert!(!matches!(index, Reg::Rsp), "rsp cannot be an index register");
        Mem { addr: Addr::Index(index, scale), disp, prefixes: 0 }
    }

    /// The same operand relative to the `gs` segment base (`0x65` prefix): the address is
    /// `gs_base + effective address`.
    #[inline(always)]
    pub const fn gs(self) -> Mem {
        Mem { prefixes: self.prefixes | GS, ..self }
    }

    /// The same operand with 32-bit address size (`0x67` prefix): registers are read as their
    /// low 32 bits and the effective address is computed modulo 2^32, then zero-extended (before
    /// any segment base is added). Not for [`Addr::Label`] operands.
    #[inline(always)]
    pub const fn addr32(self) -> Mem {
        Mem { prefixes: self.prefixes | ADDR32, ..self }
    }

    /// Whether the operand has a `gs` override.
    #[inline(always)]
    pub const fn is_gs(&self) -> bool {
        self.prefixes & GS != 0
    }

    /// Whether the operand uses 32-bit address size.
    #[inline(always)]
    pub const fn is_addr32(&self) -> bool {
        self.prefixes & ADDR32 != 0
    }

    /// The address form.
    #[inline(always)]
    pub const fn addr(&self) -> Addr {
        self.addr
    }

    /// The displacement (for [`Addr::Label`], the offset added to the label's position).
    #[inline(always)]
    pub const fn disp(&self) -> i32 {
        self.disp
    }

    /// The same operand with `delta` added to the displacement (wrapping).
    #[inline(always)]
    pub const fn offset(self, delta: i32) -> Mem {
        Mem { disp: self.disp.wrapping_add(delta), ..self }
    }

    /// REX.X (bit 1) and REX.B (bit 0) for this operand.
    #[inline(always)]
    pub(crate) const fn rex_xb(&self) -> u8 {
        match self.addr {
            Addr::Base(b) => b.high(),
            Addr::BaseIndex(b, i, _) => (i.high() << 1) | b.high(),
            Addr::Label(_) | Addr::Abs => 0,
            Addr::Index(i, _) => i.high() << 1,
        }
    }
}

impl From<Reg> for Mem {
    /// `[reg]`.
    #[inline(always)]
    fn from(base: Reg) -> Mem {
        Mem::base(base, 0)
    }
}

impl Inst<'_> {
    /// Appends the segment-override and address-size prefixes `mem` asks for (legacy prefixes,
    /// so before any REX prefix).
    #[inline(always)]
    pub(crate) fn mem_prefixes(&mut self, mem: &Mem) {
        self.byte_if(0x65, mem.prefixes & GS != 0);
        self.byte_if(0x67, mem.prefixes & ADDR32 != 0);
    }

    /// Appends ModRM (with `reg` in its reg field), SIB and displacement for `mem`.
    ///
    /// The displacement size is picked arithmetically (no branch on its value): none when it is 0
    /// (except for `rbp`/`r13` bases, where mod = 00 would mean "no base"), disp8 when it fits,
    /// disp32 otherwise.
    #[inline(always)]
    pub(crate) fn mem(&mut self, reg: u8, mem: &Mem) {
        let r = (reg & 7) << 3;
        let disp = mem.disp;
        let (base, sib, has_sib) = match mem.addr {
            Addr::Label(label) => {
                self.byte(r | 0b101);
                self.rip_label(label, disp);
                return;
            }
            // No base: ModRM says "SIB follows", SIB base 101 with mod 00 means "disp32 only".
            Addr::Abs => {
                self.byte(r | 0b100);
                self.byte(0b00_100_101);
                self.imm32(disp as u32);
                return;
            }
            Addr::Index(i, s) => {
                self.byte(r | 0b100);
                self.byte(((s as u8) << 6) | (i.low() << 3) | 0b101);
                self.imm32(disp as u32);
                return;
            }
            // rsp/r12 (low bits 100) as rm means "SIB follows": give them a SIB without index.
            Addr::Base(b) => (b.low(), 0b00_100_100, b.low() == 4),
            Addr::BaseIndex(b, i, s) => (b.low(), ((s as u8) << 6) | (i.low() << 3) | b.low(), true),
        };
        let nonzero = (disp != 0) | (base == 5);
        let long = !fits_i8(disp);
        let md = ((nonzero as u8) << 6) << long as u8;
        let size = nonzero as usize * (1 + 3 * long as usize);
        let rm = if has_sib { 0b100 } else { base };
        self.byte(md | r | rm);
        self.byte_if(sib, has_sib);
        self.le32_keep(disp as u32, size);
    }
}
