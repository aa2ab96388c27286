//! Memory operands: `[base + index * scale + disp]` and `[rip + label + disp]`, and their
//! ModRM/SIB/displacement encoding with every special case of the x86-64 addressing forms.

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
}

/// A memory operand.
///
/// The encoder picks the shortest displacement (none, 8-bit or 32-bit) and adds the SIB byte or the
/// zero displacement that `rsp`/`r12` and `rbp`/`r13` bases require.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Mem {
    addr: Addr,
    disp: i32,
}

impl Mem {
    /// `[base + disp]`.
    #[inline(always)]
    pub const fn base(base: Reg, disp: i32) -> Mem {
        Mem { addr: Addr::Base(base), disp }
    }

    /// `[base + index * scale + disp]`.
    ///
    /// # Panics
    ///
    /// If `index` is `rsp`, which x86-64 cannot use as an index register.
    #[inline(always)]
    pub const fn index(base: Reg, index: Reg, scale: Scale, disp: i32) -> Mem {
        assert!(!matches!(index, Reg::Rsp), "rsp cannot be an index register");
        Mem { addr: Addr::BaseIndex(base, index, scale), disp }
    }

    /// `[rip + rel32]` addressing `label + disp`; the displacement is fixed up once the label is
    /// bound (see [`crate::Assembler::resolve`]).
    #[inline(always)]
    pub const fn label(label: Label, disp: i32) -> Mem {
        Mem { addr: Addr::Label(label), disp }
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
        Mem { addr: self.addr, disp: self.disp.wrapping_add(delta) }
    }

    /// REX.X (bit 1) and REX.B (bit 0) for this operand.
    #[inline(always)]
    pub(crate) const fn rex_xb(&self) -> u8 {
        match self.addr {
            Addr::Base(b) => b.high(),
            Addr::BaseIndex(b, i, _) => (i.high() << 1) | b.high(),
            Addr::Label(_) => 0,
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
