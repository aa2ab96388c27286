//! Operand vocabulary: general-purpose registers, operand sizes, access widths, index scales and
//! condition codes, all numbered the way the hardware encodes them.

/// A general-purpose x86-64 register, numbered as the hardware encodes it (`Rax` = 0 … `R15` = 15).
///
/// The operand size (and so whether `Rax` means `eax` or `rax`) comes from the instruction's
/// [`Size`] or [`Width`] argument, never from the register.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(u8)]
pub enum Reg {
    /// `rax` / `eax` / `ax` / `al` (0).
    Rax = 0,
    /// `rcx` / `ecx` / `cx` / `cl` (1).
    Rcx = 1,
    /// `rdx` / `edx` / `dx` / `dl` (2).
    Rdx = 2,
    /// `rbx` / `ebx` / `bx` / `bl` (3).
    Rbx = 3,
    /// `rsp` / `esp` / `sp` / `spl` (4).
    Rsp = 4,
    /// `rbp` / `ebp` / `bp` / `bpl` (5).
    Rbp = 5,
    /// `rsi` / `esi` / `si` / `sil` (6).
    Rsi = 6,
    /// `rdi` / `edi` / `di` / `dil` (7).
    Rdi = 7,
    /// `r8` (8).
    R8 = 8,
    /// `r9` (9).
    R9 = 9,
    /// `r10` (10).
    R10 = 10,
    /// `r11` (11).
    R11 = 11,
    /// `r12` (12).
    R12 = 12,
    /// `r13` (13).
    R13 = 13,
    /// `r14` (14).
    R14 = 14,
    /// `r15` (15).
    R15 = 15,
}

impl Reg {
    /// All sixteen registers in hardware order.
    pub const ALL: [Reg; 16] = [
        Reg::Rax,
        Reg::Rcx,
        Reg::Rdx,
        Reg::Rbx,
        Reg::Rsp,
        Reg::Rbp,
        Reg::Rsi,
        Reg::Rdi,
        Reg::R8,
        Reg::R9,
        Reg::R10,
        Reg::R11,
        Reg::R12,
        Reg::R13,
        Reg::R14,
        Reg::R15,
    ];

    /// The 4-bit hardware number.
    #[inline(always)]
    pub const fn num(self) -> u8 {
        self as u8
    }

    /// The register with hardware number `n & 15`.
    #[inline(always)]
    pub const fn from_num(n: u8) -> Reg {
        // A match rather than a table lookup: it compiles to nothing but the mask.
        match n & 15 {
            0 => Reg::Rax,
            1 => Reg::Rcx,
            2 => Reg::Rdx,
            3 => Reg::Rbx,
            4 => Reg::Rsp,
            5 => Reg::Rbp,
            6 => Reg::Rsi,
            7 => Reg::Rdi,
            8 => Reg::R8,
            9 => Reg::R9,
            10 => Reg::R10,
            11 => Reg::R11,
            12 => Reg::R12,
            13 => Reg::R13,
            14 => Reg::R14,
            _ => Reg::R15,
        }
    }

    /// The low three bits that go into a ModRM/SIB field or an opcode.
    #[inline(always)]
    pub(crate) const fn low(self) -> u8 {
        self as u8 & 7
    }

    /// The fourth bit, carried by a REX (or VEX) prefix.
    #[inline(always)]
    pub(crate) const fn high(self) -> u8 {
        (self as u8 >> 3) & 1
    }

    /// Whether the low byte of this register (`spl`, `bpl`, `sil`, `dil`) can only be named with a
    /// REX prefix; without one the same number means `ah`, `ch`, `dh` or `bh`.
    #[inline(always)]
    pub(crate) const fn byte_needs_rex(self) -> bool {
        matches!(self, Reg::Rsp | Reg::Rbp | Reg::Rsi | Reg::Rdi)
    }
}

/// The operand size of an integer operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Size {
    /// 32-bit operands; a 32-bit register result zero-extends into the full 64-bit register.
    S32,
    /// 64-bit operands (REX.W).
    S64,
}

impl Size {
    /// Both sizes, for iteration.
    pub const ALL: [Size; 2] = [Size::S32, Size::S64];

    /// Whether this size needs REX.W.
    #[inline(always)]
    pub(crate) const fn w(self) -> bool {
        matches!(self, Size::S64)
    }

    /// The size in bits.
    #[inline(always)]
    pub const fn bits(self) -> u32 {
        match self {
            Size::S32 => 32,
            Size::S64 => 64,
        }
    }
}

/// The width of a memory access or of a register's source part in an extension.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Width {
    /// One byte.
    W8,
    /// Two bytes.
    W16,
    /// Four bytes.
    W32,
    /// Eight bytes.
    W64,
}

impl Width {
    /// All widths, narrowest first.
    pub const ALL: [Width; 4] = [Width::W8, Width::W16, Width::W32, Width::W64];

    /// The width in bytes.
    #[inline(always)]
    pub const fn bytes(self) -> u32 {
        match self {
            Width::W8 => 1,
            Width::W16 => 2,
            Width::W32 => 4,
            Width::W64 => 8,
        }
    }
}

impl From<Size> for Width {
    #[inline(always)]
    fn from(size: Size) -> Width {
        match size {
            Size::S32 => Width::W32,
            Size::S64 => Width::W64,
        }
    }
}

/// The scale applied to an index register in a memory operand.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum Scale {
    /// `index * 1`.
    S1 = 0,
    /// `index * 2`.
    S2 = 1,
    /// `index * 4`.
    S4 = 2,
    /// `index * 8`.
    S8 = 3,
}

impl Scale {
    /// All scales, smallest first.
    pub const ALL: [Scale; 4] = [Scale::S1, Scale::S2, Scale::S4, Scale::S8];

    /// The multiplier (1, 2, 4 or 8).
    #[inline(always)]
    pub const fn factor(self) -> u32 {
        1 << self as u32
    }
}

/// A condition code, numbered as in `Jcc`/`SETcc`/`CMOVcc` opcodes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum Cond {
    /// Overflow (`OF = 1`).
    O = 0,
    /// No overflow (`OF = 0`).
    No = 1,
    /// Below, unsigned `<` (`CF = 1`); also "carry".
    B = 2,
    /// Above or equal, unsigned `>=` (`CF = 0`); also "no carry".
    Ae = 3,
    /// Equal / zero (`ZF = 1`).
    E = 4,
    /// Not equal / not zero (`ZF = 0`).
    Ne = 5,
    /// Below or equal, unsigned `<=`.
    Be = 6,
    /// Above, unsigned `>`.
    A = 7,
    /// Sign (`SF = 1`).
    S = 8,
    /// No sign (`SF = 0`).
    Ns = 9,
    /// Parity even (`PF = 1`).
    P = 10,
    /// Parity odd (`PF = 0`).
    Np = 11,
    /// Less, signed `<`.
    L = 12,
    /// Greater or equal, signed `>=`.
    Ge = 13,
    /// Less or equal, signed `<=`.
    Le = 14,
    /// Greater, signed `>`.
    G = 15,
}

impl Cond {
    /// All sixteen conditions in encoding order.
    pub const ALL: [Cond; 16] = [
        Cond::O,
        Cond::No,
        Cond::B,
        Cond::Ae,
        Cond::E,
        Cond::Ne,
        Cond::Be,
        Cond::A,
        Cond::S,
        Cond::Ns,
        Cond::P,
        Cond::Np,
        Cond::L,
        Cond::Ge,
        Cond::Le,
        Cond::G,
    ];
    /// Alias of [`Cond::B`]: carry set.
    pub const C: Cond = Cond::B;
    /// Alias of [`Cond::Ae`]: carry clear.
    pub const NC: Cond = Cond::Ae;
    /// Alias of [`Cond::E`]: zero.
    pub const Z: Cond = Cond::E;
    /// Alias of [`Cond::Ne`]: not zero.
    pub const NZ: Cond = Cond::Ne;

    /// The 4-bit condition number.
    #[inline(always)]
    pub const fn num(self) -> u8 {
        self as u8
    }

    /// The opposite condition (true exactly when `self` is false).
    #[inline(always)]
    pub const fn invert(self) -> Cond {
        match self {
            Cond::O => Cond::No,
            Cond::No => Cond::O,
            Cond::B => Cond::Ae,
            Cond::Ae => Cond::B,
            Cond::E => Cond::Ne,
            Cond::Ne => Cond::E,
            Cond::Be => Cond::A,
            Cond::A => Cond::Be,
            Cond::S => Cond::Ns,
            Cond::Ns => Cond::S,
            Cond::P => Cond::Np,
            Cond::Np => Cond::P,
            Cond::L => Cond::Ge,
            Cond::Ge => Cond::L,
            Cond::Le => Cond::G,
            Cond::G => Cond::Le,
        }
    }
}
