//! Precomputed code for the commonest instructions, whose code (one or two x86 instructions)
//! depends only on the opcode, the registers and the immediate:
//!
//! * the loads and stores with a base register (`load_indirect_*`, `store_indirect_*`,
//!   a fifth to a third of all instructions in typical programs) and `add_imm_64` (an `lea`):
//!   a table of [`asm::MemTemplate`]s by register byte (data register in the low nibble, base
//!   in the high one), emitted with the immediate as the displacement;
//! * `load_imm`: an [`asm::CodeTemplate`] by register and the immediate's sign (a 32-bit
//!   `mov` zero-extends, a 64-bit one sign-extends), emitted with the immediate;
//! * `move_reg`: a [`asm::CodeTemplate`] by register byte (none when both name one
//!   register);
//! * `sub_64`, `and`, `or`, `xor`, `mul_64` (`d = a op b`) and the 64-bit shifts by an
//!   immediate: `move_reg`'s template for the copy into `d`, then an [`asm::CodeTemplate`] by
//!   register for the operation (`mul_64` and `shift_logical_left_imm_64` only when the next
//!   instruction cannot be fused with them); these are in `reg_templates`.
//!
//! Their code is the table entry, not REX, ModRM and SIB encoded field by field, and the
//! compile loop emits it itself ([`emit_mem`], then `reg_templates::emit_reg`), without the
//! indirect call to a handler, which the processor mispredicts often: on
//! `jam-bootstrap-service` the memory instructions' entries saved 1.6 % of the compile's host
//! instructions and more of its time; `load_imm` and `move_reg` moved out of their handlers
//! once the loop decoded each position ahead (the test then depends on nothing computed
//! late), and that took 5 % off the compile time of both corpus services, the operations and
//! shifts after them 2 to 3 % more on `algo` (BENCHMARKS.md). The tables are built with the
//! same choices of instruction as the general path ([`Compiler::load_from`],
//! [`Compiler::store`], [`Compiler::alu_imm`], [`Compiler::alu2`], `Compiler::alu3`,
//! `mov_imm64`), and the tests check that both give the same bytes.

use asm::{Mem, MemTemplate, Reg as H, Size};
use isa::decode::imm_after_reg_byte;
use isa::{Opcode, Reg, OPCODE_COUNT};

use super::mem::{guest, load_kind, store_width};
use super::{Compiler, HOST};

/// Emits the valid instruction `opcode` whose operand bytes are `chunk` (and whose skip is
/// `skip`) from its memory templates, if it has them; `false` if not. The compile loop calls
/// this before it dispatches to the opcode's handler, so that these instructions, the
/// commonest, cost neither the indirect call nor the handler's general operand decoding.
#[inline(always)]
pub(super) fn emit_mem(c: &mut Compiler<'_>, opcode: Opcode, chunk: u128, skip: u32) -> bool {
    let Some(table) = MEM[opcode.index()] else { return false };
    c.asm.mem_template(table[chunk as u8 as usize], imm_after_reg_byte(chunk, skip) as i32);
    true
}

/// The opcodes with memory templates.
const MEM_OPCODES: [Opcode; 12] = {
    use Opcode as O;
    [
        O::LoadIndirectU8,
        O::LoadIndirectI8,
        O::LoadIndirectU16,
        O::LoadIndirectI16,
        O::LoadIndirectU32,
        O::LoadIndirectI32,
        O::LoadIndirectU64,
        O::StoreIndirectU8,
        O::StoreIndirectU16,
        O::StoreIndirectU32,
        O::StoreIndirectU64,
        O::AddImm64,
    ]
};

/// The templates of one opcode, by register byte.
type Templates = [MemTemplate; 256];

/// What the tables hold before they are built (every entry is overwritten).
const FILLER: MemTemplate = MemTemplate::lea(Size::S64, H::Rax, Mem::base(H::Rax, 0));

/// The templates of each of [`MEM_OPCODES`], in that order.
static MEM_TABLES: [Templates; MEM_OPCODES.len()] = {
    let mut tables = [[FILLER; 256]; MEM_OPCODES.len()];
    let mut i = 0;
    while i < MEM_OPCODES.len() {
        tables[i] = build(MEM_OPCODES[i]);
        i += 1;
    }
    tables
};

/// Each opcode's memory templates, if it has them, by [`Opcode::index`].
static MEM: [Option<&Templates>; OPCODE_COUNT] = {
    let mut table = [None; OPCODE_COUNT];
    let mut i = 0;
    while i < MEM_OPCODES.len() {
        table[MEM_OPCODES[i].index()] = Some(&MEM_TABLES[i]);
        i += 1;
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
    let mut table = [FILLER; 256];
    let mut byte = 0;
    while byte < 256 {
        table[byte] = template(opcode, byte as u8);
        byte += 1;
    }
    table
}

#[cfg(test)]
mod tests {
    use isa::{CodeView, InstructionSet, Operands};

    use super::super::reg_templates::emit_reg;
    use super::*;

    /// Immediates covering every displacement size, zero and the extremes.
    const IMMS: [u32; 9] = [0, 1, 0x7F, 0x80, 0xFFFF_FF80, 0xFFFF_FF7F, 0x1234_5678, 0x8000_0000, u32::MAX];

    /// The code the general path ([`Compiler::instruction`]) gives `opcode` with `operands`.
    fn general(opcode: Opcode, operands: Operands) -> Vec<u8> {
        let code = [0u8; 1];
        let view = CodeView::new(InstructionSet::Gp072, &code, &[1]);
        let mut c = Compiler::new(view, &[], isa::gas::CostModel::Free, crate::GasMetering::Sync);
        let start = c.asm.offset() as usize;
        c.instruction(0, 1, isa::Instruction { opcode, operands });
        c.asm.code()[start..].to_vec()
    }

    /// The code the templates give `opcode` with operand bytes `chunk` and skip `skip`, as
    /// the compile loop reaches them ([`emit_mem`], then [`emit_reg`]), or `None`.
    fn templated(opcode: Opcode, chunk: u128, skip: u32) -> Option<Vec<u8>> {
        templated_before(opcode, chunk, skip, Opcode::Trap)
    }

    /// As [`templated`], with the instruction after it `next`.
    fn templated_before(opcode: Opcode, chunk: u128, skip: u32, next: Opcode) -> Option<Vec<u8>> {
        let code = [0u8; 1];
        let view = CodeView::new(InstructionSet::Gp072, &code, &[1]);
        let mut c = Compiler::new(view, &[], isa::gas::CostModel::Free, crate::GasMetering::Sync);
        let start = c.asm.offset() as usize;
        let emitted = emit_mem(&mut c, opcode, chunk, skip) || emit_reg(&mut c, opcode, chunk, skip, next);
        emitted.then(|| c.asm.code()[start..].to_vec())
    }

    /// The operand bytes of an instruction with register byte `byte` and immediate `imm`
    /// (as many immediate bytes as the value needs, then bytes of the next instruction,
    /// which must be ignored), and its skip.
    fn chunk(byte: u8, imm: u32) -> (u128, u32) {
        let len = (1..=4).find(|&len| {
            let up = 32 - 8 * len;
            (((imm << up) as i32) >> up) as u32 == imm
        });
        let len = len.expect("every 32-bit value fits in 4 bytes");
        let mask = if len == 4 { u32::MAX } else { (1 << (8 * len)) - 1 };
        let next = 0xA5A5_A5A5_A5A5_A5A5_A5A5u128 << (8 * (1 + len));
        (u128::from(byte) | u128::from(imm & mask) << 8 | next, 1 + len)
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
                        _ if MEM[opcode.index()].is_some() => Operands::RegRegImm { a, b, imm },
                        Opcode::ShiftLogicalRightImm64
                        | Opcode::ShiftArithmeticRightImm64
                        | Opcode::ShiftLogicalLeftImm64 => Operands::RegRegImm { a, b, imm },
                        _ => continue,
                    };
                    let (chunk, skip) = chunk(byte, imm);
                    let what = format!("{opcode:?} {operands:?}");
                    assert_eq!(templated(opcode, chunk, skip), Some(general(opcode, operands)), "{what}");
                    checked += 1;
                }
            }
        }
        // Twelve opcodes with memory templates, `load_imm`, `move_reg` and three shifts.
        assert_eq!(checked, 17 * 256 * IMMS.len(), "every opcode with templates was checked");
    }

    #[test]
    fn three_register_templates_give_the_general_paths_code_for_every_register_triple() {
        let mut handled = 0;
        for opcode in [Opcode::Sub64, Opcode::And, Opcode::Or, Opcode::Xor, Opcode::Mul64] {
            for byte in 0..=255u8 {
                for d_nibble in 0..16u8 {
                    // Operand bytes: the sources' nibbles, then the destination's (its high
                    // nibble and the next instruction's bytes must be ignored).
                    let chunk = u128::from(byte) | u128::from(0xA0 | d_nibble) << 8 | 0x5A5A << 16;
                    let (a, b, d) =
                        (Reg::from_nibble(byte), Reg::from_nibble(byte >> 4), Reg::from_nibble(d_nibble));
                    let operands = Operands::RegRegReg { d, s1: a, s2: b };
                    let what = format!("{opcode:?} {operands:?}");
                    let got = templated(opcode, chunk, 2);
                    if opcode == Opcode::Sub64 && d == b && d != a {
                        assert_eq!(got, None, "{what}: left to its handler");
                    } else {
                        assert_eq!(got, Some(general(opcode, operands)), "{what}");
                        handled += 1;
                    }
                }
            }
        }
        // Only `sub_64`'s `d = a - d` is left to its handler: by nibbles (12 to 15 all name
        // the last register), `b` and `d` one of the first 12 registers and `a` any of 15 other
        // nibbles, or both the last one (4 * 4 ways) and `a` any of 12.
        assert_eq!(handled, 5 * 256 * 16 - (12 * 15 + 16 * 12));
    }

    #[test]
    fn instructions_that_start_fused_groups_are_left_to_their_handlers_before_a_partner() {
        let shl = |next| templated_before(Opcode::ShiftLogicalLeftImm64, 0x0321, 2, next);
        for &next in &Opcode::ALL[..OPCODE_COUNT] {
            let partner = super::super::fuse::partners(Opcode::ShiftLogicalLeftImm64).contains(&next);
            assert_eq!(shl(next).is_none(), partner, "shift_logical_left_imm_64 before {next:?}");
            let mul = templated_before(Opcode::Mul64, 0x0321, 2, next);
            assert_eq!(mul.is_none(), next == Opcode::MulUpperUnsignedUnsigned, "mul_64 before {next:?}");
        }
    }

    #[test]
    fn other_instructions_are_left_to_the_general_path() {
        assert_eq!(templated(Opcode::AndImm, 0x87, 2), None);
        assert_eq!(templated(Opcode::LoadU64, 0x07, 2), None);
    }
}
