//! The thirteen PVM registers.

use core::fmt;

/// A PVM register. The discriminant is the register's encoding (0..=12).
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(u8)]
pub enum Reg {
    /// Return address (`x1`).
    RA = 0,
    /// Stack pointer (`x2`).
    SP = 1,
    /// Temporary 0 (`x5`).
    T0 = 2,
    /// Temporary 1 (`x6`).
    T1 = 3,
    /// Temporary 2 (`x7`).
    T2 = 4,
    /// Saved 0 (`x8`).
    S0 = 5,
    /// Saved 1 (`x9`).
    S1 = 6,
    /// Argument / result 0 (`x10`).
    A0 = 7,
    /// Argument / result 1 (`x11`).
    A1 = 8,
    /// Argument 2 (`x12`).
    A2 = 9,
    /// Argument 3 (`x13`).
    A3 = 10,
    /// Argument 4 (`x14`).
    A4 = 11,
    /// Argument 5 (`x15`).
    A5 = 12,
}

/// The register of each 4-bit field value (values above 12 clamp to `a5`).
static NIBBLE: [Reg; 16] = {
    let mut table = [Reg::A5; 16];
    let mut i = 0;
    while i < 13 {
        table[i] = Reg::from_byte_clamped(i as u8);
        i += 1;
    }
    table
};

/// Number of PVM registers.
pub const REG_COUNT: usize = 13;

impl Reg {
    /// All registers in encoding order.
    pub const ALL: [Reg; REG_COUNT] = [
        Reg::RA,
        Reg::SP,
        Reg::T0,
        Reg::T1,
        Reg::T2,
        Reg::S0,
        Reg::S1,
        Reg::A0,
        Reg::A1,
        Reg::A2,
        Reg::A3,
        Reg::A4,
        Reg::A5,
    ];

    /// The argument registers in calling-convention order.
    pub const ARGS: [Reg; 6] = [Reg::A0, Reg::A1, Reg::A2, Reg::A3, Reg::A4, Reg::A5];

    /// Decodes a 4-bit register field; values above 12 clamp to `a5`, as the GP and PolkaVM do.
    #[inline]
    pub const fn from_nibble(nibble: u8) -> Reg {
        // A load from a table, not the `match` below: where a decoded register feeds several
        // computations (a code generator's encodings), LLVM turns that `match` into a jump
        // table (an indirect branch per operand) instead of a clamp.
        NIBBLE[(nibble & 0xF) as usize]
    }

    /// Decodes a whole byte as a register index, clamping values above 12 (the `reg_reg_reg` destination).
    #[inline]
    pub const fn from_byte_clamped(byte: u8) -> Reg {
        // A `match` rather than an index into `ALL`: the compiler sees that each arm yields
        // its own discriminant, so decoding is a clamp and no load.
        match byte {
            0 => Reg::RA,
            1 => Reg::SP,
            2 => Reg::T0,
            3 => Reg::T1,
            4 => Reg::T2,
            5 => Reg::S0,
            6 => Reg::S1,
            7 => Reg::A0,
            8 => Reg::A1,
            9 => Reg::A2,
            10 => Reg::A3,
            11 => Reg::A4,
            _ => Reg::A5,
        }
    }

    /// The register's index (0..=12).
    #[inline]
    pub const fn index(self) -> usize {
        self as usize
    }

    /// The ABI name (`ra`, `sp`, `t0`, …).
    pub const fn name(self) -> &'static str {
        match self {
            Reg::RA => "ra",
            Reg::SP => "sp",
            Reg::T0 => "t0",
            Reg::T1 => "t1",
            Reg::T2 => "t2",
            Reg::S0 => "s0",
            Reg::S1 => "s1",
            Reg::A0 => "a0",
            Reg::A1 => "a1",
            Reg::A2 => "a2",
            Reg::A3 => "a3",
            Reg::A4 => "a4",
            Reg::A5 => "a5",
        }
    }

    /// Parses an ABI name (`a0`) or a numeric name (`r7`).
    pub fn from_name(name: &str) -> Option<Reg> {
        if let Some(reg) = Reg::ALL.iter().copied().find(|r| r.name() == name) {
            return Some(reg);
        }
        let n = name.strip_prefix('r')?;
        n.parse::<u8>().ok().filter(|&n| n < 13).map(Reg::from_byte_clamped)
    }
}

impl fmt::Display for Reg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_parse() {
        for reg in Reg::ALL {
            assert_eq!(Reg::from_name(reg.name()), Some(reg));
            assert_eq!(Reg::from_name(&alloc::format!("r{}", reg as u8)), Some(reg));
        }
        assert_eq!(Reg::from_name("r13"), None);
        assert_eq!(Reg::from_name("x"), None);
    }

    #[test]
    fn nibbles_decode_to_their_register_and_clamp_above_twelve() {
        for byte in 0..=u8::MAX {
            let field = byte & 0xF;
            let expected = if field < 13 { Reg::ALL[usize::from(field)] } else { Reg::A5 };
            assert_eq!(Reg::from_nibble(byte), expected, "byte {byte:#04x}");
            assert_eq!(Reg::from_nibble(byte), Reg::from_byte_clamped(field));
        }
    }
}
