//! The register instructions' templates (see `templates` for the memory ones and for why
//! the compile loop emits them itself): `load_imm` and `move_reg` from tables by register,
//! `sub_64`, `and`, `or`, `xor` and `mul_64` as `move_reg`'s copy then a table entry for
//! `op d, b`, the 64-bit shifts by an immediate as the copy then the shift from a table by
//! destination register. The tests in `templates` check them against the general path.

use asm::{AluOp, CodeTemplate, ShiftOp, Size};
use isa::decode::imm_after_reg_byte;
use isa::{Opcode, Reg, OPCODE_COUNT};

use super::{Compiler, HOST};

/// Emits `load_imm`, `move_reg`, `sub_64`, `and`, `or`, `xor`, `mul_64` or a 64-bit shift by
/// an immediate (`opcode`) from the operand bytes `chunk` (skip `skip`), or returns `false`
/// for any other instruction, for the `sub_64` that [`emit_alu`] leaves to its handler, and
/// for `mul_64` and `shift_logical_left_imm_64` when the instruction after them (`next`,
/// [`Opcode::Trap`] if none is valid there) could be fused with them: their handlers decide.
#[inline(always)]
pub(super) fn emit_reg(c: &mut Compiler<'_>, opcode: Opcode, chunk: u128, skip: u32, next: Opcode) -> bool {
    // (Tests of bits of one table entry, not a `match` on the opcode, which LLVM compiles
    // into a jump table: an indirect branch, mispredicted as often as the handlers' call.)
    let kind = KIND[opcode.index()];
    if kind == 0 {
        return false;
    }
    let table = usize::from(kind >> TABLE_SHIFT);
    if kind & IS_ALU != 0 {
        if opcode == Opcode::Mul64 && PARTNER[next.index()] & AFTER_MUL != 0 {
            return false;
        }
        return emit_alu(c, &ALU_RR[table], kind & IS_COMMUTATIVE != 0, chunk);
    }
    let byte = chunk as u8;
    if kind & IS_SHIFT != 0 {
        if opcode == Opcode::ShiftLogicalLeftImm64 && PARTNER[next.index()] & AFTER_SHL != 0 {
            return false;
        }
        emit_shift(c, &SHIFT[table], chunk, skip);
    } else if kind & IS_LOAD_IMM != 0 {
        let imm = imm_after_reg_byte(chunk, skip);
        let template = LOAD_IMM[(byte & 15) as usize][(imm >> 31) as usize];
        c.asm.code_template_imm32(template, imm as i32);
    } else {
        c.asm.code_template(MOVE_REG[byte as usize]);
    }
    true
}

/// [`KIND`] bits: `load_imm`.
const IS_LOAD_IMM: u8 = 1;
/// `move_reg`.
const IS_MOVE: u8 = 2;
/// `d = a op b`, its table in [`ALU_RR`] at [`TABLE_SHIFT`].
const IS_ALU: u8 = 4;
/// An [`IS_ALU`] operation that is commutative.
const IS_COMMUTATIVE: u8 = 8;
/// A 64-bit shift by an immediate, its table in [`SHIFT`] at [`TABLE_SHIFT`].
const IS_SHIFT: u8 = 16;
/// Where a [`KIND`] entry keeps its table's index.
const TABLE_SHIFT: u8 = 5;

/// What [`emit_reg`] does with each opcode, by [`Opcode::index`] (0: nothing).
static KIND: [u8; OPCODE_COUNT] = {
    use Opcode as O;
    let mut table = [0; OPCODE_COUNT];
    table[O::LoadImm.index()] = IS_LOAD_IMM;
    table[O::MoveReg.index()] = IS_MOVE;
    let alu = [
        (O::Sub64, 0),
        (O::And, IS_COMMUTATIVE),
        (O::Or, IS_COMMUTATIVE),
        (O::Xor, IS_COMMUTATIVE),
        (O::Mul64, IS_COMMUTATIVE),
    ];
    let mut i = 0;
    while i < alu.len() {
        table[alu[i].0.index()] = IS_ALU | alu[i].1 | (i as u8) << TABLE_SHIFT;
        i += 1;
    }
    let shifts = [O::ShiftLogicalRightImm64, O::ShiftArithmeticRightImm64, O::ShiftLogicalLeftImm64];
    let mut i = 0;
    while i < shifts.len() {
        table[shifts[i].index()] = IS_SHIFT | (i as u8) << TABLE_SHIFT;
        i += 1;
    }
    table
};

/// Emits `d = b shifted by imm` (operand bytes `chunk`: `d` and `b` in the first byte's
/// nibbles, then the immediate; skip `skip`) as `mov d, b` (nothing when `d` is `b`) and the
/// shift of `d` from `table` (in [`SHIFT`]), by one or by the count's byte.
#[inline(always)]
fn emit_shift(c: &mut Compiler<'_>, table: &[[CodeTemplate; 2]; 16], chunk: u128, skip: u32) {
    let count = (imm_after_reg_byte(chunk, skip) & 63) as u8;
    let shift = table[(chunk & 15) as usize][usize::from(count == 1)];
    c.asm.code_templates_byte(MOVE_REG[chunk as u8 as usize], shift, count, count != 1);
}

/// Emits `d = a op b` (operand bytes `chunk`: `a` and `b` in the first byte's nibbles, `d` in
/// the second's low one) as `mov d, a` (nothing when `d` is `a`) and `op d, b` from `table`
/// (in [`ALU_RR`]). A `commutative` operation whose `d` is `b` swaps its sources; `sub_64` with
/// `d` = `b` ≠ `a` is left to its handler (`false`).
#[inline(always)]
fn emit_alu(c: &mut Compiler<'_>, table: &[CodeTemplate; 256], commutative: bool, chunk: u128) -> bool {
    let index = |nibble: u128| Reg::from_nibble(nibble as u8).index() as u8;
    let (a, b, d) = (index(chunk), index(chunk >> 4), index(chunk >> 8));
    let (a, b) = if commutative && d == b { (b, a) } else { (a, b) };
    if d == b && d != a {
        return false;
    }
    c.asm.code_templates(MOVE_REG[usize::from(d | a << 4)], table[usize::from(d | b << 4)]);
    true
}

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

/// `sub_64`, `and`, `or`, `xor` and `mul_64` by register byte (destination in the low
/// nibble, source in the high one): `op d, s` (`imul d, s`) on 64 bits, in [`KIND`]'s order.
static ALU_RR: [[CodeTemplate; 256]; 5] = {
    let ops = [AluOp::Sub, AluOp::And, AluOp::Or, AluOp::Xor];
    let mut table = [[CodeTemplate::EMPTY; 256]; 5];
    let mut op = 0;
    while op < table.len() {
        let mut byte = 0;
        while byte < 256 {
            let d = HOST[Reg::from_nibble(byte as u8).index()];
            let s = HOST[Reg::from_nibble((byte >> 4) as u8).index()];
            table[op][byte] = if op < ops.len() {
                CodeTemplate::alu_rr(ops[op], Size::S64, d, s)
            } else {
                CodeTemplate::imul_rr(Size::S64, d, s)
            };
            byte += 1;
        }
        op += 1;
    }
    table
};

/// `shift_logical_right_imm_64`, `shift_arithmetic_right_imm_64` and
/// `shift_logical_left_imm_64` by destination nibble: the 64-bit shift by a count byte to
/// follow, and by one.
static SHIFT: [[[CodeTemplate; 2]; 16]; 3] = {
    let ops = [ShiftOp::Shr, ShiftOp::Sar, ShiftOp::Shl];
    let mut table = [[[CodeTemplate::EMPTY; 2]; 16]; 3];
    let mut op = 0;
    while op < ops.len() {
        let mut nibble = 0;
        while nibble < 16 {
            let d = HOST[Reg::from_nibble(nibble as u8).index()];
            table[op][nibble] = [
                CodeTemplate::shift_ri(ops[op], Size::S64, d, false),
                CodeTemplate::shift_ri(ops[op], Size::S64, d, true),
            ];
            nibble += 1;
        }
        op += 1;
    }
    table
};

/// [`PARTNER`] bits: the opcode can follow `mul_64` in a fused group.
const AFTER_MUL: u8 = 1;
/// It can follow `shift_logical_left_imm_64` in one.
const AFTER_SHL: u8 = 2;

/// For each opcode (by [`Opcode::index`]), the templated instructions it can follow in a
/// fused group (then their handlers compile them), from `fuse::partners`.
static PARTNER: [u8; OPCODE_COUNT] = {
    let starts = [(Opcode::Mul64, AFTER_MUL), (Opcode::ShiftLogicalLeftImm64, AFTER_SHL)];
    let mut table = [0; OPCODE_COUNT];
    let mut i = 0;
    while i < starts.len() {
        let partners = super::fuse::partners(starts[i].0);
        let mut j = 0;
        while j < partners.len() {
            table[partners[j].index()] |= starts[i].1;
            j += 1;
        }
        i += 1;
    }
    table
};
