//! The per-opcode handler table: one code generator per instruction, each reading its own
//! operands from the code and emitting its code.
//!
//! Every handler is [`handler`] instantiated for one opcode (a const generic), so the operand
//! decoder and the emitters, all inlined into it, see a constant opcode: the format's layout is
//! the only one decoded, and every `match` on the opcode on the way to the assembler folds
//! away. The compile loop therefore pays one indirect call per instruction instead of matching
//! a decoded instruction's format and then its opcode, again and again, at run time.

use isa::decode::operands_from_chunk;
use isa::{Instruction, Opcode, OPCODE_COUNT};

use super::{fuse, Compiler};

/// Compiles the valid instruction at `pc` with `skip` and operand bytes `chunk`
/// ([`isa::CodeView::operand_chunk`]); the number of instructions after it that were fused
/// with it (their code is its code; see [`fuse`]).
pub(super) type Handler = fn(&mut Compiler<'_>, pc: u32, skip: u32, chunk: u128) -> u32;

/// `[handler::<0>, handler::<1>, ...]` for the opcode indices given (the array's type checks
/// that they are exactly [`OPCODE_COUNT`]).
macro_rules! table {
    ($($index:literal)*) => {
        [$(handler::<$index> as Handler),*]
    };
}

/// The handler of each opcode, by [`Opcode::index`].
pub(super) static HANDLERS: [Handler; OPCODE_COUNT] = table!(
    0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29 30 31 32 33 34
    35 36 37 38 39 40 41 42 43 44 45 46 47 48 49 50 51 52 53 54 55 56 57 58 59 60 61 62 63 64 65 66
    67 68 69 70 71 72 73 74 75 76 77 78 79 80 81 82 83 84 85 86 87 88 89 90 91 92 93 94 95 96 97 98
    99 100 101 102 103 104 105 106 107 108 109 110 111 112 113 114 115 116 117 118 119 120 121 122
    123 124 125 126 127 128 129 130 131 132 133 134 135 136 137 138 139 140
);

/// The handler of the opcode with index `OP`.
fn handler<const OP: u8>(c: &mut Compiler<'_>, pc: u32, skip: u32, chunk: u128) -> u32 {
    let opcode = const { Opcode::ALL[OP as usize] };
    // (The instructions with templates never get here: the compile loop emits them.)
    let operands = operands_from_chunk(opcode, pc, chunk, skip);
    let inst = Instruction { opcode, operands };
    let next = pc.wrapping_add(1 + skip);
    // The instructions that can follow this one in a fused group, if any.
    let partners = const { fuse::partners(Opcode::ALL[OP as usize]) };
    if !partners.is_empty() {
        if let Some(second) = c.partner_at(next, partners) {
            let fused = c.fuse(inst, second, next);
            if fused != 0 {
                return fused;
            }
        }
    }
    // (A 32-bit operation may leave its register stale: the walk then settles what follows.)
    c.instruction(pc, next, inst)
}

impl Compiler<'_> {
    /// The instruction at `pc` if it is one of `opcodes` at a marked position (a possible
    /// later instruction of a fused group).
    #[inline(always)]
    pub(super) fn partner_at(&self, pc: u32, opcodes: &[Opcode]) -> Option<Instruction> {
        let view = &self.view;
        let byte = *view.code.get(pc as usize)?;
        let opcode = view.set.opcode(byte).filter(|op| opcodes.contains(op))?;
        if !view.is_marked(pc) {
            return None;
        }
        let operands = operands_from_chunk(opcode, pc, view.operand_chunk(pc), view.skip(pc));
        Some(Instruction { opcode, operands })
    }
}
