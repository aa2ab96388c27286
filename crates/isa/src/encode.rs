//! The encoder: an [`Instruction`] at a code offset → bytes (the inverse of the decoder).
//!
//! Immediates get their shortest encoding unless [`ImmWidths`] asks for more, which lets the
//! text assembler reproduce other encoders' byte-for-byte choices.

use alloc::vec::Vec;

use crate::inst::{Instruction, Operands};
use crate::reg::Reg;
use crate::variant::InstructionSet;

/// Why an instruction cannot be encoded.
#[derive(Copy, Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum EncodeError {
    /// The instruction set has no opcode byte for this instruction.
    #[error("instruction `{0}` does not exist in instruction set `{1}`")]
    NotInSet(&'static str, &'static str),
    /// An immediate width above 4 bytes was requested.
    #[error("immediate width {0} is not in 0..=4")]
    BadWidth(u8),
    /// A requested immediate width cannot represent the value.
    #[error("immediate {value:#x} does not fit in {width} bytes")]
    WidthTooSmall {
        /// The value.
        value: u32,
        /// The requested width.
        width: u8,
    },
}

/// The shortest length (0..=4) whose sign extension reproduces `imm`.
pub const fn imm_len(imm: u32) -> u8 {
    let v = imm as i32;
    if v == 0 {
        0
    } else if v >= -0x80 && v < 0x80 {
        1
    } else if v >= -0x8000 && v < 0x8000 {
        2
    } else if v >= -0x80_0000 && v < 0x80_0000 {
        3
    } else {
        4
    }
}

/// Explicit byte widths for the (up to two) immediates of an instruction; `None` = shortest.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub struct ImmWidths {
    /// Width of the first immediate (or the only one).
    pub first: Option<u8>,
    /// Width of the second immediate.
    pub second: Option<u8>,
}

fn push_imm(out: &mut Vec<u8>, imm: u32, width: Option<u8>) -> Result<u8, EncodeError> {
    let min = imm_len(imm);
    let width = match width {
        Some(w) if w > 4 => return Err(EncodeError::BadWidth(w)),
        Some(w) if w < min => return Err(EncodeError::WidthTooSmall { value: imm, width: w }),
        Some(w) => w,
        None => min,
    };
    out.extend_from_slice(&imm.to_le_bytes()[..width as usize]);
    Ok(width)
}

fn regs(lo: Reg, hi: Reg) -> u8 {
    lo as u8 | (hi as u8) << 4
}

/// Appends the encoding of `inst` located at code offset `pc` to `out`; returns its length.
pub fn encode(
    set: InstructionSet,
    inst: &Instruction,
    pc: u32,
    out: &mut Vec<u8>,
) -> Result<usize, EncodeError> {
    encode_with(set, inst, pc, ImmWidths::default(), out)
}

/// Like [`encode`], with explicit immediate widths.
pub fn encode_with(
    set: InstructionSet,
    inst: &Instruction,
    pc: u32,
    widths: ImmWidths,
    out: &mut Vec<u8>,
) -> Result<usize, EncodeError> {
    let byte = set.byte(inst.opcode).ok_or(EncodeError::NotInSet(inst.opcode.name(), set.name()))?;
    let start = out.len();
    out.push(byte);
    let rel = |target: u32| target.wrapping_sub(pc);
    match inst.operands {
        Operands::Argless => {}
        Operands::Imm { imm } => {
            push_imm(out, imm, widths.first)?;
        }
        Operands::Offset { target } => {
            push_imm(out, rel(target), widths.first)?;
        }
        Operands::RegImm64 { reg, imm } => {
            out.push(reg as u8);
            out.extend_from_slice(&imm.to_le_bytes());
        }
        Operands::ImmImm { imm1, imm2 } => {
            let at = out.len();
            out.push(0);
            out[at] = push_imm(out, imm1, widths.first)?;
            push_imm(out, imm2, widths.second)?;
        }
        Operands::RegImm { reg, imm } => {
            out.push(reg as u8);
            push_imm(out, imm, widths.first)?;
        }
        Operands::RegImmImm { reg, imm1: first, imm2: second }
        | Operands::RegImmOffset { reg, imm: first, target: second } => {
            let second =
                if matches!(inst.operands, Operands::RegImmOffset { .. }) { rel(second) } else { second };
            let at = out.len();
            out.push(0);
            let l1 = push_imm(out, first, widths.first)?;
            out[at] = reg as u8 | l1 << 4;
            push_imm(out, second, widths.second)?;
        }
        Operands::RegReg { d, s } => out.push(regs(d, s)),
        Operands::RegRegImm { a, b, imm } => {
            out.push(regs(a, b));
            push_imm(out, imm, widths.first)?;
        }
        Operands::RegRegOffset { a, b, target } => {
            out.push(regs(a, b));
            push_imm(out, rel(target), widths.first)?;
        }
        Operands::RegRegImmImm { a, b, imm1, imm2 } => {
            out.push(regs(a, b));
            let at = out.len();
            out.push(0);
            out[at] = push_imm(out, imm1, widths.first)?;
            push_imm(out, imm2, widths.second)?;
        }
        Operands::RegRegReg { d, s1, s2 } => {
            out.push(regs(s1, s2));
            out.push(d as u8);
        }
    }
    Ok(out.len() - start)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decode::CodeView;
    use crate::opcode::{Format, Opcode};
    use alloc::vec;
    use proptest::prelude::*;

    fn arb_reg() -> impl Strategy<Value = Reg> {
        (0u8..13).prop_map(Reg::from_byte_clamped)
    }

    fn arb_inst() -> impl Strategy<Value = Instruction> {
        (0..Opcode::ALL.len(), arb_reg(), arb_reg(), arb_reg(), any::<u32>(), any::<u32>(), any::<u64>())
            .prop_map(|(i, r1, r2, r3, x, y, z)| {
                let opcode = Opcode::ALL[i];
                let operands = match opcode.format() {
                    Format::Argless => Operands::Argless,
                    Format::Imm => Operands::Imm { imm: x },
                    Format::RegImm64 => Operands::RegImm64 { reg: r1, imm: z },
                    Format::ImmImm => Operands::ImmImm { imm1: x, imm2: y },
                    Format::Offset => Operands::Offset { target: x },
                    Format::RegImm => Operands::RegImm { reg: r1, imm: x },
                    Format::RegImmImm => Operands::RegImmImm { reg: r1, imm1: x, imm2: y },
                    Format::RegImmOffset => Operands::RegImmOffset { reg: r1, imm: x, target: y },
                    Format::RegReg => Operands::RegReg { d: r1, s: r2 },
                    Format::RegRegImm => Operands::RegRegImm { a: r1, b: r2, imm: x },
                    Format::RegRegOffset => Operands::RegRegOffset { a: r1, b: r2, target: x },
                    Format::RegRegImmImm => Operands::RegRegImmImm { a: r1, b: r2, imm1: x, imm2: y },
                    Format::RegRegReg => Operands::RegRegReg { d: r1, s1: r2, s2: r3 },
                };
                Instruction { opcode, operands }
            })
    }

    proptest! {
        #[test]
        fn encode_then_decode_is_identity(inst in arb_inst(), pc in 0u32..1000) {
            let set = InstructionSet::Latest64;
            let mut code = vec![0u8; pc as usize];
            let len = encode(set, &inst, pc, &mut code).unwrap();
            prop_assert!(len <= 1 + 24);
            let mut bitmask = vec![0u8; code.len().div_ceil(8)];
            bitmask[pc as usize >> 3] |= 1 << (pc & 7);
            let view = CodeView::new(set, &code, &bitmask);
            let decoded = view.decode(pc);
            prop_assert_eq!(decoded.inst, inst);
            prop_assert_eq!(decoded.len as usize, len);
        }
    }
}
