//! Decoded instructions: an [`Opcode`] with its operands.

use crate::opcode::{Format, Opcode, OPCODE_COUNT};
use crate::reg::Reg;

/// The operands of a decoded instruction, one variant per [`Format`].
///
/// Immediates are kept as the 32-bit pattern the GP's `X_n` produces (sign-extended from
/// their encoded length); users widen them with [`sext`]. Branch and jump targets are
/// absolute code offsets (`pc + offset`, wrapping).
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum Operands {
    /// No operands.
    Argless,
    /// `ecalli imm`.
    Imm {
        /// The immediate.
        imm: u32,
    },
    /// `load_imm64 reg, imm`.
    RegImm64 {
        /// Destination.
        reg: Reg,
        /// The full 64-bit value.
        imm: u64,
    },
    /// `store_imm_* [address], value`.
    ImmImm {
        /// Address.
        imm1: u32,
        /// Value.
        imm2: u32,
    },
    /// `jump target`.
    Offset {
        /// Absolute target.
        target: u32,
    },
    /// Register and immediate.
    RegImm {
        /// The register (destination of loads, source of stores, base of `jump_indirect`).
        reg: Reg,
        /// The immediate.
        imm: u32,
    },
    /// `store_imm_indirect_* [reg + imm1], imm2`.
    RegImmImm {
        /// Base register.
        reg: Reg,
        /// Offset.
        imm1: u32,
        /// Value.
        imm2: u32,
    },
    /// Register, immediate and branch target.
    RegImmOffset {
        /// The register.
        reg: Reg,
        /// The immediate.
        imm: u32,
        /// Absolute target.
        target: u32,
    },
    /// Two registers.
    RegReg {
        /// Destination.
        d: Reg,
        /// Source.
        s: Reg,
    },
    /// Two registers and an immediate: `a` is the low nibble, `b` the high nibble.
    RegRegImm {
        /// First register (destination, or stored value of `store_indirect_*`).
        a: Reg,
        /// Second register (source, or base address of loads and stores).
        b: Reg,
        /// The immediate.
        imm: u32,
    },
    /// Two registers and a branch target.
    RegRegOffset {
        /// First compared register.
        a: Reg,
        /// Second compared register.
        b: Reg,
        /// Absolute target.
        target: u32,
    },
    /// `load_imm_and_jump_indirect a, b, imm1, imm2`: `a = imm1; jump b + imm2`.
    RegRegImmImm {
        /// Register receiving `imm1`.
        a: Reg,
        /// Jump base register.
        b: Reg,
        /// Loaded value.
        imm1: u32,
        /// Jump offset.
        imm2: u32,
    },
    /// Three registers: `d = s1 op s2`.
    RegRegReg {
        /// Destination.
        d: Reg,
        /// First source.
        s1: Reg,
        /// Second source.
        s2: Reg,
    },
}

impl Operands {
    /// The format these operands belong to.
    #[inline]
    pub const fn format(&self) -> Format {
        match self {
            Operands::Argless => Format::Argless,
            Operands::Imm { .. } => Format::Imm,
            Operands::RegImm64 { .. } => Format::RegImm64,
            Operands::ImmImm { .. } => Format::ImmImm,
            Operands::Offset { .. } => Format::Offset,
            Operands::RegImm { .. } => Format::RegImm,
            Operands::RegImmImm { .. } => Format::RegImmImm,
            Operands::RegImmOffset { .. } => Format::RegImmOffset,
            Operands::RegReg { .. } => Format::RegReg,
            Operands::RegRegImm { .. } => Format::RegRegImm,
            Operands::RegRegOffset { .. } => Format::RegRegOffset,
            Operands::RegRegImmImm { .. } => Format::RegRegImmImm,
            Operands::RegRegReg { .. } => Format::RegRegReg,
        }
    }

    /// The static branch or jump target, if the operands carry one.
    #[inline]
    pub const fn target(&self) -> Option<u32> {
        match *self {
            Operands::Offset { target }
            | Operands::RegImmOffset { target, .. }
            | Operands::RegRegOffset { target, .. } => Some(target),
            _ => None,
        }
    }
}

/// An instruction: what to do and with what.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub struct Instruction {
    /// The instruction.
    pub opcode: Opcode,
    /// Its operands; always of `opcode.format()`.
    pub operands: Operands,
}

impl Instruction {
    /// The `trap` instruction.
    pub const TRAP: Instruction = Instruction { opcode: Opcode::Trap, operands: Operands::Argless };

    /// Builds an instruction, checking that the operands fit the opcode's format.
    pub fn new(opcode: Opcode, operands: Operands) -> Option<Instruction> {
        (opcode.format() == operands.format()).then_some(Instruction { opcode, operands })
    }
}

/// One decoded instruction at a code offset.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Decoded {
    /// Code offset of the opcode byte.
    pub pc: u32,
    /// Distance to the next instruction (`1 + skip`).
    pub len: u32,
    /// The instruction. Invalid opcodes and the implicit end-of-code trap decode as `trap`.
    pub inst: Instruction,
    /// What kind of position this is.
    pub kind: DecodedKind,
}

/// How a decoded position came to be.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum DecodedKind {
    /// A valid opcode at a bitmask-marked offset.
    Valid,
    /// A bitmask-marked offset whose byte is not an opcode of the instruction set.
    InvalidOpcode(u8),
    /// The offset 25 bytes after an instruction with no bitmask bit in between
    /// (the skip limit), or offset 0 without a bitmask bit.
    Unmarked,
    /// Falling off the end of the code.
    EndOfCode,
}

impl Decoded {
    /// Whether a basic block ends with this instruction, so the next one starts a block.
    /// Invalid opcodes and unmarked positions decode as `trap` and so end blocks too.
    #[inline]
    pub fn ends_block(&self) -> bool {
        TERMINATORS[self.inst.opcode.index()]
    }

    /// Offset of the following instruction.
    #[inline]
    pub fn next_pc(&self) -> u32 {
        self.pc.wrapping_add(self.len)
    }
}

/// [`Opcode::is_terminator`] by [`Opcode::index`], for a load instead of a call.
pub(crate) static TERMINATORS: [bool; OPCODE_COUNT] = {
    let mut table = [false; OPCODE_COUNT];
    let mut i = 0;
    while i < OPCODE_COUNT {
        table[i] = Opcode::ALL[i].is_terminator();
        i += 1;
    }
    table
};

/// Sign-extends a decoded 32-bit immediate to 64 bits.
#[inline(always)]
pub const fn sext(imm: u32) -> u64 {
    imm as i32 as i64 as u64
}
