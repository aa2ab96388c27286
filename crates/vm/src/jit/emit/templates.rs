//! Precomputed code for the commonest instructions, whose code is one x86 instruction that
//! depends only on the opcode, the register byte and the immediate:
//!
//! * the loads and stores with a base register (`load_indirect_*`, `store_indirect_*`,
//!   a fifth to a third of all instructions in typical programs) and `add_imm_64` (an `lea`):
//!   a table of [`asm::MemTemplate`]s by register byte (data register in the low nibble, base
//!   in the high one), emitted with the immediate as the displacement;
//! * `load_imm`: an [`asm::CodeTemplate`] by register and the immediate's sign (a 32-bit
//!   `mov` zero-extends, a 64-bit one sign-extends), emitted with the immediate;
//! * `move_reg`: a [`asm::CodeTemplate`] by register byte (none when both name one
//!   register).
//!
//! Each handler emits its entry instead of encoding REX, ModRM and SIB field by field. The
//! tables are built with the same choices of instruction as the general path
//! ([`Compiler::load_from`], [`Compiler::store`], [`Compiler::alu_imm`], [`Compiler::alu2`],
//! `mov_imm64`), and the tests check that both give the same bytes.

use asm::{CodeTemplate, Mem, MemTemplate, Reg as H, Size};
use isa::{Opcode, Operands, Reg};

use super::mem::{guest, load_kind, store_width};
use super::{Compiler, HOST};

/// Emits instruction `opcode` with register byte `byte` and `operands` from its templates
/// (`mem`: the opcode's [`MemTemplate`]s, from [`of`]), if it has them; `false` if not.
#[inline(always)]
pub(super) fn emit(
    c: &mut Compiler<'_>,
    opcode: Opcode,
    mem: Option<&Templates>,
    byte: u8,
    operands: Operands,
) -> bool {
    match (opcode, mem, operands) {
        (_, Some(table), Operands::RegRegImm { imm, .. }) => {
            c.asm.mem_template(table[byte as usize], imm as i32);
        }
        (Opcode::LoadImm, _, Operands::RegImm { imm, .. }) => {
            let template = LOAD_IMM[(byte & 15) as usize][(imm >> 31) as usize];
            c.asm.code_template_imm32(template, imm as i32);
        }
        (Opcode::MoveReg, _, _) => c.asm.code_template(MOVE_REG[byte as usize]),
        _ => return false,
    }
    true
}

/// The templates of one opcode, by register byte.
pub(super) type Templates = [MemTemplate; 256];

/// The templates of `opcode`, if it has them.
pub(super) const fn of(opcode: Opcode) -> Option<&'static Templates> {
    use Opcode as O;
    Some(match opcode {
        O::LoadIndirectU8 => &LOAD_U8,
        O::LoadIndirectI8 => &LOAD_I8,
        O::LoadIndirectU16 => &LOAD_U16,
        O::LoadIndirectI16 => &LOAD_I16,
        O::LoadIndirectU32 => &LOAD_U32,
        O::LoadIndirectI32 => &LOAD_I32,
        O::LoadIndirectU64 => &LOAD_U64,
        O::StoreIndirectU8 => &STORE_U8,
        O::StoreIndirectU16 => &STORE_U16,
        O::StoreIndirectU32 => &STORE_U32,
        O::StoreIndirectU64 => &STORE_U64,
        O::AddImm64 => &ADD_IMM_64,
        _ => return None,
    })
}

static LOAD_U8: Templates = build(Opcode::LoadIndirectU8);
static LOAD_I8: Templates = build(Opcode::LoadIndirectI8);
static LOAD_U16: Templates = build(Opcode::LoadIndirectU16);
static LOAD_I16: Templates = build(Opcode::LoadIndirectI16);
static LOAD_U32: Templates = build(Opcode::LoadIndirectU32);
static LOAD_I32: Templates = build(Opcode::LoadIndirectI32);
static LOAD_U64: Templates = build(Opcode::LoadIndirectU64);
static STORE_U8: Templates = build(Opcode::StoreIndirectU8);
static STORE_U16: Templates = build(Opcode::StoreIndirectU16);
static STORE_U32: Templates = build(Opcode::StoreIndirectU32);
static STORE_U64: Templates = build(Opcode::StoreIndirectU64);
static ADD_IMM_64: Templates = build(Opcode::AddImm64);

/// `load_imm` by register nibble and the immediate's sign bit: `mov r32, imm32` (which
/// zero-extends) or `mov r64, imm32` (which sign-extends), as `mov_imm64` picks them.
static LOAD_IMM: [[CodeTemplate; 2]; 16] = {
    let mut table = [[CodeTemplate::EMPTY; 2]; 16];
    let mut nibble = 0;
    while nibble < 16 {
        let reg = HOST[Reg::from_nibble(nibble as u8).index()];
        table[nibble] = [CodeTemplate::mov_ri(Size::S32, reg), CodeTemplate::mov_ri(Size::S64, reg)];
        nibble += 1;
    }
    table
};

/// `move_reg` by register byte (destination in the low nibble): a 64-bit `mov`, or nothing
/// when both nibbles name one register.
static MOVE_REG: [CodeTemplate; 256] = {
    let mut table = [CodeTemplate::EMPTY; 256];
    let mut byte = 0;
    while byte < 256 {
        let d = HOST[Reg::from_nibble(byte as u8).index()];
        let s = HOST[Reg::from_nibble((byte >> 4) as u8).index()];
        if d as u8 != s as u8 {
            table[byte] = CodeTemplate::mov_rr(Size::S64, d, s);
        }
        byte += 1;
    }
    table
};

/// The template of `opcode` for the register byte `byte`.
const fn template(opcode: Opcode, byte: u8) -> MemTemplate {
    let data = HOST[Reg::from_nibble(byte).index()];
    let base = HOST[Reg::from_nibble(byte >> 4).index()];
    let memory = guest(Some(base), 0);
    match (opcode, load_kind(opcode), store_width(opcode)) {
        (Opcode::AddImm64, _, _) => MemTemplate::lea(Size::S64, data, Mem::base(base, 0)),
        (_, Some((width, false)), _) => MemTemplate::load(width, data, memory),
        (_, Some((width, true)), _) => MemTemplate::load_sx(Size::S64, width, data, memory),
        (_, None, Some(width)) => MemTemplate::store(width, memory, data),
        _ => panic!("no template for this opcode"),
    }
}

/// The table of `opcode`.
const fn build(opcode: Opcode) -> Templates {
    let mut table = [MemTemplate::lea(Size::S64, H::Rax, Mem::base(H::Rax, 0)); 256];
    let mut byte = 0;
    while byte < 256 {
        table[byte] = template(opcode, byte as u8);
        byte += 1;
    }
    table
}

#[cfg(test)]
mod tests {
    use isa::{CodeView, InstructionSet, Operands, OPCODE_COUNT};

    use super::*;

    /// Immediates covering every displacement size, zero and the extremes.
    const IMMS: [u32; 9] = [0, 1, 0x7F, 0x80, 0xFFFF_FF80, 0xFFFF_FF7F, 0x1234_5678, 0x8000_0000, u32::MAX];

    /// The code the general path ([`Compiler::instruction`]) gives `opcode` with `operands`.
    fn general(opcode: Opcode, operands: Operands) -> Vec<u8> {
        let code = [0u8; 1];
        let view = CodeView::new(InstructionSet::Gp072, &code, &[1]);
        let mut c = Compiler::new(view, &[], isa::gas::CostModel::Free);
        let start = c.asm.offset() as usize;
        c.instruction(0, 1, isa::Instruction { opcode, operands });
        c.asm.code()[start..].to_vec()
    }

    /// The code [`emit`] gives `opcode` with register byte `byte` and `operands`, or `None`.
    fn templated(opcode: Opcode, byte: u8, operands: Operands) -> Option<Vec<u8>> {
        let code = [0u8; 1];
        let view = CodeView::new(InstructionSet::Gp072, &code, &[1]);
        let mut c = Compiler::new(view, &[], isa::gas::CostModel::Free);
        let start = c.asm.offset() as usize;
        emit(&mut c, opcode, of(opcode), byte, operands).then(|| c.asm.code()[start..].to_vec())
    }

    #[test]
    fn templates_give_the_general_paths_code_for_every_register_byte() {
        let mut checked = 0;
        for &opcode in &Opcode::ALL[..OPCODE_COUNT] {
            for byte in 0..=255u8 {
                let (a, b) = (Reg::from_nibble(byte), Reg::from_nibble(byte >> 4));
                for imm in IMMS {
                    let operands = match opcode {
                        Opcode::LoadImm => Operands::RegImm { reg: a, imm },
                        Opcode::MoveReg => Operands::RegReg { d: a, s: b },
                        _ if of(opcode).is_some() => Operands::RegRegImm { a, b, imm },
                        _ => continue,
                    };
                    let what = format!("{opcode:?} {operands:?}");
                    assert_eq!(templated(opcode, byte, operands), Some(general(opcode, operands)), "{what}");
                    checked += 1;
                }
            }
        }
        // Twelve opcodes with memory templates, `load_imm` and `move_reg`.
        assert_eq!(checked, 14 * 256 * IMMS.len(), "every opcode with templates was checked");
    }

    #[test]
    fn other_instructions_are_left_to_the_general_path() {
        let operands = Operands::RegRegImm { a: Reg::A0, b: Reg::A1, imm: 4 };
        assert_eq!(templated(Opcode::AndImm, 0x87, operands), None);
        let operands = Operands::RegImm { reg: Reg::A0, imm: 4 };
        assert_eq!(templated(Opcode::LoadU64, 0x07, operands), None);
    }
}
