//! Precomputed code for the commonest instructions of the `reg_reg_imm` format whose code is
//! one register-memory instruction: the loads and stores with a base register
//! (`load_indirect_*`, `store_indirect_*`, together a third of all instructions in typical
//! programs) and `add_imm_64` (an `lea`).
//!
//! Their code depends only on the opcode, the register byte (data register in the low
//! nibble, base in the high one) and the immediate. So each such opcode has a table, built at
//! compile time, of [`asm::MemTemplate`]s by register byte, and its handler emits the entry
//! with the immediate as the displacement instead of encoding REX, ModRM and SIB field by
//! field. The tables are built with the same choices of instruction as the general path
//! ([`Compiler::load_from`], [`Compiler::store`], [`Compiler::alu_imm`]), and the tests check
//! that both give the same bytes.

use asm::{Mem, MemTemplate, Reg as H, Size};
use isa::{Opcode, Reg};

use super::mem::{load_kind, store_width};
#[cfg(any(doc, test))]
use super::Compiler;
use super::HOST;

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

/// The template of `opcode` for the register byte `byte`.
const fn template(opcode: Opcode, byte: u8) -> MemTemplate {
    let data = HOST[Reg::from_nibble(byte).index()];
    let base = HOST[Reg::from_nibble(byte >> 4).index()];
    // Guest memory: `gs:[base32 + offset]` (see `Compiler::load`).
    let guest = Mem::base(base, 0).gs().addr32();
    match (opcode, load_kind(opcode), store_width(opcode)) {
        (Opcode::AddImm64, _, _) => MemTemplate::lea(Size::S64, data, Mem::base(base, 0)),
        (_, Some((width, false)), _) => MemTemplate::load(width, data, guest),
        (_, Some((width, true)), _) => MemTemplate::load_sx(Size::S64, width, data, guest),
        (_, None, Some(width)) => MemTemplate::store(width, guest, data),
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

    #[test]
    fn templates_give_the_general_paths_code_for_every_register_byte() {
        let code = [0u8; 1];
        let view = CodeView::new(InstructionSet::Gp072, &code, &[1]);
        let mut checked = 0;
        for &opcode in &Opcode::ALL[..OPCODE_COUNT] {
            let Some(table) = of(opcode) else { continue };
            for byte in 0..=255u8 {
                let (a, b) = (Reg::from_nibble(byte), Reg::from_nibble(byte >> 4));
                for imm in IMMS {
                    let mut general = Compiler::new(view, &[], isa::gas::CostModel::Free);
                    let start = general.asm.offset();
                    let inst = isa::Instruction { opcode, operands: Operands::RegRegImm { a, b, imm } };
                    general.instruction(0, 1, inst);
                    let mut templated = asm::Assembler::new();
                    templated.mem_template(table[byte as usize], imm as i32);
                    assert_eq!(
                        templated.code(),
                        &general.asm.code()[start as usize..],
                        "{opcode:?} {a:?}, {b:?}, {imm:#x}"
                    );
                }
            }
            checked += 1;
        }
        assert_eq!(checked, 12, "every opcode with templates was checked");
    }
}
