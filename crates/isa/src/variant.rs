//! Instruction-set variants: each maps opcode bytes to entries of the one instruction table.
//!
//! * [`InstructionSet::Gp072`] — Graypaper 0.5.4 … 0.7.2 numbering (the JAM PVM test vectors).
//! * [`InstructionSet::ReviveV1`] — PolkaVM blob version 0 (pallet-revive): GP 0.7.2 without `sbrk`.
//! * [`InstructionSet::Latest32`] — PolkaVM blob version 1: the 32-bit subset plus `memset`, `unlikely`, `sbrk`.
//! * [`InstructionSet::Latest64`] — PolkaVM blob version 2 in its bitmask encoding (PolkaVM ≤ 0.35):
//!   GP 0.7.2 plus `memset` and `unlikely`.
//! * [`InstructionSet::JamV1`] — GP 0.8 / PolkaVM blob version 3: `unlikely` = 2, no `sbrk`,
//!   the two-register group renumbered 102..=111 → 101..=110.

use crate::opcode::Opcode::{self, *};

/// An opcode numbering.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum InstructionSet {
    /// Graypaper 0.7.2 numbering, 64-bit.
    Gp072,
    /// PolkaVM `ReviveV1` (blob version 0), 64-bit.
    ReviveV1,
    /// PolkaVM `Latest32` (blob version 1), 32-bit registers.
    Latest32,
    /// PolkaVM `Latest64` (blob version 2, bitmask encoding), 64-bit.
    Latest64,
    /// PolkaVM `JamV1` / GP 0.8 (blob version 3), 64-bit.
    JamV1,
}

/// The instructions shared by GP 0.7.2 and the PolkaVM 64-bit sets, in the order of
/// their GP 0.7.2 opcode bytes. Each run is `(first byte, instructions)`.
const GP_RUNS: &[(u8, &[Opcode])] = &[
    (0, &[Trap, Fallthrough]),
    (10, &[Ecalli]),
    (20, &[LoadImm64]),
    (30, &[StoreImmU8, StoreImmU16, StoreImmU32, StoreImmU64]),
    (40, &[Jump]),
    (
        50,
        &[
            JumpIndirect,
            LoadImm,
            LoadU8,
            LoadI8,
            LoadU16,
            LoadI16,
            LoadU32,
            LoadI32,
            LoadU64,
            StoreU8,
            StoreU16,
            StoreU32,
            StoreU64,
        ],
    ),
    (70, &[StoreImmIndirectU8, StoreImmIndirectU16, StoreImmIndirectU32, StoreImmIndirectU64]),
    (
        80,
        &[
            LoadImmAndJump,
            BranchEqImm,
            BranchNotEqImm,
            BranchLessUnsignedImm,
            BranchLessOrEqualUnsignedImm,
            BranchGreaterOrEqualUnsignedImm,
            BranchGreaterUnsignedImm,
            BranchLessSignedImm,
            BranchLessOrEqualSignedImm,
            BranchGreaterOrEqualSignedImm,
            BranchGreaterSignedImm,
        ],
    ),
    (100, &[MoveReg]),
    (
        102,
        &[
            CountSetBits64,
            CountSetBits32,
            CountLeadingZeroBits64,
            CountLeadingZeroBits32,
            CountTrailingZeroBits64,
            CountTrailingZeroBits32,
            SignExtend8,
            SignExtend16,
            ZeroExtend16,
            ReverseBytes,
        ],
    ),
    (
        120,
        &[
            StoreIndirectU8,
            StoreIndirectU16,
            StoreIndirectU32,
            StoreIndirectU64,
            LoadIndirectU8,
            LoadIndirectI8,
            LoadIndirectU16,
            LoadIndirectI16,
            LoadIndirectU32,
            LoadIndirectI32,
            LoadIndirectU64,
            AddImm32,
            AndImm,
            XorImm,
            OrImm,
            MulImm32,
            SetLessThanUnsignedImm,
            SetLessThanSignedImm,
            ShiftLogicalLeftImm32,
            ShiftLogicalRightImm32,
            ShiftArithmeticRightImm32,
            NegateAndAddImm32,
            SetGreaterThanUnsignedImm,
            SetGreaterThanSignedImm,
            ShiftLogicalLeftImmAlt32,
            ShiftLogicalRightImmAlt32,
            ShiftArithmeticRightImmAlt32,
            CmovIfZeroImm,
            CmovIfNotZeroImm,
            AddImm64,
            MulImm64,
            ShiftLogicalLeftImm64,
            ShiftLogicalRightImm64,
            ShiftArithmeticRightImm64,
            NegateAndAddImm64,
            ShiftLogicalLeftImmAlt64,
            ShiftLogicalRightImmAlt64,
            ShiftArithmeticRightImmAlt64,
            RotateRightImm64,
            RotateRightImmAlt64,
            RotateRightImm32,
            RotateRightImmAlt32,
        ],
    ),
    (
        170,
        &[
            BranchEq,
            BranchNotEq,
            BranchLessUnsigned,
            BranchLessSigned,
            BranchGreaterOrEqualUnsigned,
            BranchGreaterOrEqualSigned,
        ],
    ),
    (180, &[LoadImmAndJumpIndirect]),
    (
        190,
        &[
            Add32,
            Sub32,
            Mul32,
            DivUnsigned32,
            DivSigned32,
            RemUnsigned32,
            RemSigned32,
            ShiftLogicalLeft32,
            ShiftLogicalRight32,
            ShiftArithmeticRight32,
            Add64,
            Sub64,
            Mul64,
            DivUnsigned64,
            DivSigned64,
            RemUnsigned64,
            RemSigned64,
            ShiftLogicalLeft64,
            ShiftLogicalRight64,
            ShiftArithmeticRight64,
            And,
            Xor,
            Or,
            MulUpperSignedSigned,
            MulUpperUnsignedUnsigned,
            MulUpperSignedUnsigned,
            SetLessThanUnsigned,
            SetLessThanSigned,
            CmovIfZero,
            CmovIfNotZero,
            RotateLeft64,
            RotateLeft32,
            RotateRight64,
            RotateRight32,
            AndInverted,
            OrInverted,
            Xnor,
            Maximum,
            MaximumUnsigned,
            Minimum,
            MinimumUnsigned,
        ],
    ),
];

/// Instructions a 64-bit-only set has that `Latest32` lacks.
const ONLY_64: &[Opcode] = &[
    LoadImm64,
    StoreImmU64,
    LoadU32,
    LoadU64,
    StoreU64,
    StoreImmIndirectU64,
    CountSetBits64,
    CountLeadingZeroBits64,
    CountTrailingZeroBits64,
    StoreIndirectU64,
    LoadIndirectU32,
    LoadIndirectU64,
    AddImm64,
    MulImm64,
    ShiftLogicalLeftImm64,
    ShiftLogicalRightImm64,
    ShiftArithmeticRightImm64,
    NegateAndAddImm64,
    ShiftLogicalLeftImmAlt64,
    ShiftLogicalRightImmAlt64,
    ShiftArithmeticRightImmAlt64,
    RotateRightImm64,
    RotateRightImmAlt64,
    Add64,
    Sub64,
    Mul64,
    DivUnsigned64,
    DivSigned64,
    RemUnsigned64,
    RemSigned64,
    ShiftLogicalLeft64,
    ShiftLogicalRight64,
    ShiftArithmeticRight64,
    RotateLeft64,
    RotateRight64,
];

const fn contains(list: &[Opcode], op: Opcode) -> bool {
    let mut i = 0;
    while i < list.len() {
        if list[i] as u8 == op as u8 {
            return true;
        }
        i += 1;
    }
    false
}

const fn build(set: InstructionSet) -> [Option<Opcode>; 256] {
    let mut table = [None; 256];
    let mut run = 0;
    while run < GP_RUNS.len() {
        let (first, ops) = GP_RUNS[run];
        let mut i = 0;
        while i < ops.len() {
            let op = ops[i];
            let mut byte = first as usize + i;
            if matches!(set, InstructionSet::JamV1) && byte >= 102 && byte <= 111 {
                byte -= 1;
            }
            if !(matches!(set, InstructionSet::Latest32) && contains(ONLY_64, op)) {
                table[byte] = Some(op);
            }
            i += 1;
        }
        run += 1;
    }
    match set {
        InstructionSet::Gp072 => table[101] = Some(Sbrk),
        InstructionSet::ReviveV1 => {}
        InstructionSet::Latest32 | InstructionSet::Latest64 => {
            table[2] = Some(Memset);
            table[3] = Some(Unlikely);
            table[101] = Some(Sbrk);
        }
        InstructionSet::JamV1 => table[2] = Some(Unlikely),
    }
    table
}

const fn invert(table: &[Option<Opcode>; 256]) -> [Option<u8>; crate::opcode::OPCODE_COUNT] {
    let mut out = [None; crate::opcode::OPCODE_COUNT];
    let mut byte = 0;
    while byte < 256 {
        if let Some(op) = table[byte] {
            out[op as usize] = Some(byte as u8);
        }
        byte += 1;
    }
    out
}

static GP072: [Option<Opcode>; 256] = build(InstructionSet::Gp072);
static REVIVE_V1: [Option<Opcode>; 256] = build(InstructionSet::ReviveV1);
static LATEST32: [Option<Opcode>; 256] = build(InstructionSet::Latest32);
static LATEST64: [Option<Opcode>; 256] = build(InstructionSet::Latest64);
static JAM_V1: [Option<Opcode>; 256] = build(InstructionSet::JamV1);

static GP072_INV: [Option<u8>; crate::opcode::OPCODE_COUNT] = invert(&GP072);
static REVIVE_V1_INV: [Option<u8>; crate::opcode::OPCODE_COUNT] = invert(&REVIVE_V1);
static LATEST32_INV: [Option<u8>; crate::opcode::OPCODE_COUNT] = invert(&LATEST32);
static LATEST64_INV: [Option<u8>; crate::opcode::OPCODE_COUNT] = invert(&LATEST64);
static JAM_V1_INV: [Option<u8>; crate::opcode::OPCODE_COUNT] = invert(&JAM_V1);

impl InstructionSet {
    /// Every variant.
    pub const ALL: [InstructionSet; 5] = [
        InstructionSet::Gp072,
        InstructionSet::ReviveV1,
        InstructionSet::Latest32,
        InstructionSet::Latest64,
        InstructionSet::JamV1,
    ];

    /// The byte → instruction table of this variant.
    #[inline]
    pub fn table(self) -> &'static [Option<Opcode>; 256] {
        match self {
            InstructionSet::Gp072 => &GP072,
            InstructionSet::ReviveV1 => &REVIVE_V1,
            InstructionSet::Latest32 => &LATEST32,
            InstructionSet::Latest64 => &LATEST64,
            InstructionSet::JamV1 => &JAM_V1,
        }
    }

    /// The instruction an opcode byte denotes, if any.
    #[inline]
    pub fn opcode(self, byte: u8) -> Option<Opcode> {
        self.table()[byte as usize]
    }

    /// The opcode byte of an instruction in this variant, if it has one.
    #[inline]
    pub fn byte(self, op: Opcode) -> Option<u8> {
        let inverse = match self {
            InstructionSet::Gp072 => &GP072_INV,
            InstructionSet::ReviveV1 => &REVIVE_V1_INV,
            InstructionSet::Latest32 => &LATEST32_INV,
            InstructionSet::Latest64 => &LATEST64_INV,
            InstructionSet::JamV1 => &JAM_V1_INV,
        };
        inverse[op.index()]
    }

    /// Whether registers are 64 bits wide.
    pub const fn is_64bit(self) -> bool {
        !matches!(self, InstructionSet::Latest32)
    }

    /// The `.polkavm` blob version byte, for the variants PolkaVM defines.
    pub const fn blob_version(self) -> Option<u8> {
        match self {
            InstructionSet::Gp072 => None,
            InstructionSet::ReviveV1 => Some(0),
            InstructionSet::Latest32 => Some(1),
            InstructionSet::Latest64 => Some(2),
            InstructionSet::JamV1 => Some(3),
        }
    }

    /// The variant a `.polkavm` blob version byte selects.
    pub const fn from_blob_version(version: u8) -> Option<InstructionSet> {
        match version {
            0 => Some(InstructionSet::ReviveV1),
            1 => Some(InstructionSet::Latest32),
            2 => Some(InstructionSet::Latest64),
            3 => Some(InstructionSet::JamV1),
            _ => None,
        }
    }

    /// Short name used on the command line and in assembler `.isa` directives.
    pub const fn name(self) -> &'static str {
        match self {
            InstructionSet::Gp072 => "gp072",
            InstructionSet::ReviveV1 => "revive",
            InstructionSet::Latest32 => "latest32",
            InstructionSet::Latest64 => "latest64",
            InstructionSet::JamV1 => "jamv1",
        }
    }

    /// Parses a [`InstructionSet::name`].
    pub fn from_name(name: &str) -> Option<InstructionSet> {
        InstructionSet::ALL.into_iter().find(|set| set.name() == name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opcode_counts_per_variant() {
        let count = |set: InstructionSet| set.table().iter().filter(|e| e.is_some()).count();
        assert_eq!(count(InstructionSet::Gp072), 139);
        assert_eq!(count(InstructionSet::ReviveV1), 138);
        assert_eq!(count(InstructionSet::Latest64), 141);
        assert_eq!(count(InstructionSet::JamV1), 139);
        assert_eq!(count(InstructionSet::Latest32), 106);
    }

    #[test]
    fn spot_checks() {
        assert_eq!(InstructionSet::Gp072.opcode(101), Some(Sbrk));
        assert_eq!(InstructionSet::Gp072.opcode(148), Some(CmovIfNotZeroImm));
        assert_eq!(InstructionSet::Gp072.opcode(230), Some(MinimumUnsigned));
        assert_eq!(InstructionSet::Gp072.opcode(161), Some(RotateRightImmAlt32));
        assert_eq!(InstructionSet::JamV1.opcode(110), Some(ReverseBytes));
        assert_eq!(InstructionSet::JamV1.opcode(101), Some(CountSetBits64));
        assert_eq!(InstructionSet::Latest32.opcode(129), Some(LoadIndirectI32));
        assert_eq!(InstructionSet::Latest32.opcode(57), Some(LoadI32));
        assert_eq!(InstructionSet::Latest32.opcode(200), None);
        assert_eq!(InstructionSet::ReviveV1.opcode(101), None);
        for set in InstructionSet::ALL {
            for byte in 0..=255u8 {
                if let Some(op) = set.opcode(byte) {
                    assert_eq!(set.byte(op), Some(byte));
                }
            }
        }
    }
}
