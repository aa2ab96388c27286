//! Peephole fusion of common pairs of consecutive instructions in one block, compiled as one
//! unit when the pair allows it:
//!
//! * `mul_64 lo, a, b` + `mul_upper_unsigned_unsigned hi, a, b` (the two halves of one
//!   product, as big-integer code computes them): one `mulx`;
//! * `add_64 d, a, b` + `set_less_than_unsigned c, d, a` (or `b`): the carry of the addition,
//!   read from the flags the `add` sets, instead of a second compare;
//! * `shift_logical_left_imm_64 d, s, k` + `shift_logical_right_imm_64 x, d, j` (or the
//!   arithmetic right shift) for `k` = 32, 48 or 56 and `j <= k`: RISC-V's idiom for zero- or
//!   sign-extending the low 32, 16 or 8 bits (RV64 without Zba), scaled by `2^(k - j)` when
//!   `j < k` (an array index): one `mov`, `movzx` or `movsx` from `s` straight into `x`, a
//!   left shift if scaled, and the first shift itself only if `x` is not `d` (which then
//!   still needs its value);
//! * `add_64 x, a, b` + `load_indirect_* x, x, offset` (an element of an array, loaded over
//!   its own address): one load from `gs:[a32 + b32 + offset]`;
//! * `shift_logical_left_imm_64 x, s, k` (`k` = 1, 2 or 3) + `add_64 x, x, b` (an array's
//!   element address, `b + s * 2^k`): one `lea`; and if a `load_indirect_* x, x, offset`
//!   follows, the three as one load from `gs:[b32 + s32 * 2^k + offset]`;
//! * the same with the table's address put into `b` between the two (clang's order for a
//!   global table, a switch's included): by `load_imm b, value`, one `lea` from `s` and the
//!   constant (or, with a load over the sum after it, the four as one load from
//!   `gs:[s32 * 2^k + value + offset]`), then the constant into `b`; by a load, the load
//!   and then one `lea`.
//!
//! A fused group lies inside one block (only its first instruction can be a jump target), so
//! the fused code gives the registers and gas the instructions give one after the other.
//! At most one instruction of a group can fault, a load, whose code comes before anything
//! else of the group writes a register; its fault is reported as the load's, with the results
//! of the instructions before it written as the interpreter would have (`jit::run`). Each later
//! instruction of a group also gets a side entry (`Compiler::emit_side_entries`): it compiled
//! alone, then on into the next one's side entry (emitted right after it) or a jump past the
//! group. A fresh start inside a group, or a retry of the load after a fault, begins there.

use asm::{AluOp, Assembler, Cond, Mem, Reg as H, Scale, ShiftOp, Size, Width};
use isa::{Instruction, Opcode, Operands as P, Reg};

use super::{concat, host, Compiler, TMP};

/// `hi:lo = a * b` (unsigned 128-bit product) with BMI2 `mulx`, which takes one factor in
/// `rdx` (a guest register here, saved in `rcx` when it is not an operand). With `hi == lo`
/// the register receives the high half.
pub(super) fn mul_wide(asm: &mut Assembler, hi: H, lo: H, a: H, b: H) {
    let (a, b) = if b == H::Rdx { (b, a) } else { (a, b) };
    if a == H::Rdx {
        asm.mulx(Size::S64, hi, lo, b);
        return;
    }
    asm.mov_rr(Size::S64, TMP, H::Rdx);
    asm.mov_rr(Size::S64, H::Rdx, a);
    asm.mulx(Size::S64, hi, lo, b);
    if hi != H::Rdx && lo != H::Rdx {
        asm.mov_rr(Size::S64, H::Rdx, TMP);
    }
}

/// `d = a + b` and `c = carry` (`c` may be any register, `d` included).
fn add_carry(asm: &mut Assembler, d: H, a: H, b: H, c: H) {
    // Clearing `c` first (the `xor` would clobber the flags after the `add`) needs a `c` that
    // the addition does not read or write.
    let clear_first = c != d && c != a && c != b;
    if clear_first {
        asm.zero(c);
    }
    if d == a {
        asm.alu_rr(AluOp::Add, Size::S64, d, b);
    } else if d == b {
        asm.alu_rr(AluOp::Add, Size::S64, d, a);
    } else {
        asm.mov_rr(Size::S64, d, a);
        asm.alu_rr(AluOp::Add, Size::S64, d, b);
    }
    if clear_first {
        asm.setcc(Cond::B, c);
    } else {
        asm.setcc(Cond::B, TMP);
        asm.movzx(Width::W8, c, TMP);
    }
}

/// The loads that end a fused group.
const INDIRECT_LOADS: [Opcode; 7] = [
    Opcode::LoadIndirectU64,
    Opcode::LoadIndirectU32,
    Opcode::LoadIndirectI32,
    Opcode::LoadIndirectU8,
    Opcode::LoadIndirectI8,
    Opcode::LoadIndirectU16,
    Opcode::LoadIndirectI16,
];

/// The partners of `add_64`: the carry's compare, or a load over the sum.
const ADD_PARTNERS: [Opcode; 8] = concat(&[Opcode::SetLessThanUnsigned], &INDIRECT_LOADS);

/// The partners of `shift_logical_left_imm_64`: a right shift (an extension), the addition of
/// a scaled index, or a table's address put into a register first (a constant or a load).
const SHL_PARTNERS: [Opcode; 11] = concat(
    &[Opcode::ShiftLogicalRightImm64, Opcode::ShiftArithmeticRightImm64, Opcode::Add64, Opcode::LoadImm],
    &INDIRECT_LOADS,
);

/// The possible second instructions of the groups `first` starts (empty if none): the one list
/// of fused groups, which the per-opcode handlers evaluate at compile time to know whether to
/// look ahead at all.
pub(super) const fn partners(first: Opcode) -> &'static [Opcode] {
    match first {
        Opcode::Mul64 => &[Opcode::MulUpperUnsignedUnsigned],
        Opcode::Add64 => &ADD_PARTNERS,
        Opcode::ShiftLogicalLeftImm64 => &SHL_PARTNERS,
        _ => &[],
    }
}

/// The scale of an address index shifted left by `k` (modulo 64), if `lea` has it.
fn scale(k: u32) -> Option<Scale> {
    match k & 63 {
        1 => Some(Scale::S2),
        2 => Some(Scale::S4),
        3 => Some(Scale::S8),
        _ => None,
    }
}

/// The instruction between the `shl` and the `add_64` of [`Compiler::fuse_scaled_around`]:
/// what it writes to its register.
#[derive(Copy, Clone)]
enum Middle {
    /// `load_imm t, value`.
    Constant(u32),
    /// `load_indirect_* t, base, offset`.
    Load(Opcode, Reg, u32),
}

/// The extension `shl k` + `shr k` (`signed`: `sar k`) performs, if `k` makes it one.
fn extension(k: u32) -> Option<Width> {
    match k {
        32 => Some(Width::W32),
        48 => Some(Width::W16),
        56 => Some(Width::W8),
        _ => None,
    }
}

impl Compiler<'_> {
    /// Compiles `first`, `second` (consecutive, in one block; `second`, at `second_pc`, is one
    /// of [`partners`]`(first)`) and perhaps the instruction after them together if their
    /// operands allow it; the number of instructions after `first` that the fused code
    /// performs too (0: nothing emitted).
    pub(super) fn fuse(&mut self, first: Instruction, second: Instruction, second_pc: u32) -> u32 {
        debug_assert!(partners(first.opcode).contains(&second.opcode));
        if first.opcode == Opcode::ShiftLogicalLeftImm64 {
            return match second.opcode {
                Opcode::Add64 => self.fuse_scaled(first, second, second_pc),
                Opcode::ShiftLogicalRightImm64 | Opcode::ShiftArithmeticRightImm64 => {
                    self.fuse_extension(first, second).into()
                }
                _ => self.fuse_scaled_around(first, second, second_pc),
            };
        }
        if let (Opcode::Add64, P::RegRegImm { a: x, b: base, imm: offset }) = (first.opcode, second.operands)
        {
            return self.fuse_indexed_load(first, second.opcode, x, base, offset).into();
        }
        self.fuse_pair(first, second).into()
    }

    /// The pairs of three-register instructions.
    fn fuse_pair(&mut self, first: Instruction, second: Instruction) -> bool {
        let (P::RegRegReg { d: d1, s1: a, s2: b }, P::RegRegReg { d: d2, s1: x, s2: y }) =
            (first.operands, second.operands)
        else {
            return false;
        };
        match (first.opcode, second.opcode) {
            (Opcode::Mul64, Opcode::MulUpperUnsignedUnsigned) => {
                // The second must read the same factors, untouched by the first's write.
                let same = (x == a && y == b) || (x == b && y == a);
                if !same || d1 == a || d1 == b {
                    return false;
                }
                mul_wide(&mut self.asm, host(d2), host(d1), host(a), host(b));
                true
            }
            (Opcode::Add64, Opcode::SetLessThanUnsigned) => {
                // `(a + b) mod 2^64 < a` and `< b` are both the carry, if that operand still
                // holds its value (it is not the sum's destination).
                if x != d1 || (y != a && y != b) || y == d1 {
                    return false;
                }
                add_carry(&mut self.asm, host(d1), host(a), host(b), host(d2));
                true
            }
            _ => false,
        }
    }

    /// `shl d, s, k` + `shr x, d, j` (or `sar`), `j <= k`: `x` is an extension of `s` shifted
    /// left by `k - j`. In place (`x` is `d`) that is all; otherwise `d` keeps its own
    /// result, computed before or after `x` so that `s` is read before it is overwritten.
    fn fuse_extension(&mut self, first: Instruction, second: Instruction) -> bool {
        let (P::RegRegImm { a: d, b: s, imm: k }, P::RegRegImm { a: x, b: y, imm: j }) =
            (first.operands, second.operands)
        else {
            return false;
        };
        // The shifts take their count modulo 64; the second must shift the first's result
        // back by at most as much.
        let (k, j) = (k & 63, j & 63);
        let Some(width) = extension(k).filter(|_| j <= k && y == d) else {
            return false;
        };
        let (d, s, x) = (host(d), host(s), host(x));
        let shl = Opcode::ShiftLogicalLeftImm64;
        if x != d && x == s {
            // (`d` is not `s` here, else `x` would be `d`.)
            self.alu_imm(shl, d, (s, k), true);
        }
        let asm = &mut self.asm;
        if second.opcode == Opcode::ShiftArithmeticRightImm64 {
            asm.movsx(Size::S64, width, x, s);
        } else {
            asm.movzx(width, x, s);
        }
        if j < k {
            asm.shift_ri(ShiftOp::Shl, Size::S64, x, (k - j) as u8);
        }
        if x != d && x != s {
            self.alu_imm(shl, d, (s, k), true);
        }
        true
    }

    /// `add_64 x, a, b` + `load x, x, offset`: the load from `a + b + offset` (mod 2^32) that
    /// overwrites the sum, so the sum itself never needs a register.
    fn fuse_indexed_load(&mut self, add: Instruction, load: Opcode, x: Reg, base: Reg, offset: u32) -> bool {
        let P::RegRegReg { d, s1: a, s2: b } = add.operands else { return false };
        if d != x || base != x {
            return false;
        }
        self.indexed_load(load, host(x), host(a), host(b), offset)
    }

    /// `shl x, s, k` (`k` = 1..=3) + `add_64 x, x, b` (either order, `b` not `x`): `x = b + s *
    /// 2^k`, one `lea`; with a `load_indirect_* x, x, offset` at `add_pc`'s successor, which
    /// overwrites that address, one load from `gs:[b32 + s32 * 2^k + offset]` (the same address
    /// modulo 2^32) instead.
    fn fuse_scaled(&mut self, shl: Instruction, add: Instruction, add_pc: u32) -> u32 {
        let (P::RegRegImm { a: x, b: s, imm: k }, P::RegRegReg { d, s1, s2 }) = (shl.operands, add.operands)
        else {
            return 0;
        };
        let Some(scale) = scale(k) else { return 0 };
        let b = match (s1 == x, s2 == x) {
            (true, false) => s2,
            (false, true) => s1,
            _ => return 0,
        };
        if d != x {
            return 0;
        }
        let (x, s, b) = (host(x), host(s), host(b));
        1 + u32::from(self.sum_then_load(add_pc, x, Mem::index(b, s, scale, 0)))
    }

    /// The end of a scaled group whose address `sum` (a register-only operand) goes into `x`
    /// at the `add_64` at `add_pc`: if a `load_indirect_* x, x, offset` follows, one load from
    /// `gs:[sum + offset]` (32-bit address size) and `true`; else `lea x, [sum]` and `false`.
    fn sum_then_load(&mut self, add_pc: u32, x: H, sum: Mem) -> bool {
        let load_pc = add_pc.wrapping_add(1 + self.view.skip(add_pc));
        if let Some(Instruction { opcode, operands: P::RegRegImm { a: y, b: base, imm: offset } }) =
            self.partner_at(load_pc, &INDIRECT_LOADS)
        {
            if y == base && host(y) == x {
                let loaded = self.load_from(opcode, x, sum.offset(offset as i32).gs().addr32());
                debug_assert!(loaded);
                return true;
            }
        }
        self.asm.lea(Size::S64, x, sum);
        false
    }

    /// `shl x, s, k` (`k` = 1..=3), then `load_imm t, value` or `load_indirect_* t, base,
    /// offset`, then `add_64 x, x, t` (either order; `t` not `x`): a table's element address,
    /// `x = t + s * 2^k`, with the table's address loaded in between (as clang places it).
    /// The constant form is one `lea` from `s` and the constant; if a `load_indirect_* x, x,
    /// offset` follows, the four are one load from `gs:[s32 * 2^k + value + offset]`. Either
    /// way `t` is written last, so `t` may be `s`. The loading form (`t` not `s`, the load's
    /// base not `x`) is the load, then one `lea`: the load can fault before anything is
    /// written, and `jit::run` then performs the `shl` before reporting the fault at the load.
    fn fuse_scaled_around(&mut self, shl: Instruction, middle: Instruction, middle_pc: u32) -> u32 {
        let P::RegRegImm { a: x, b: s, imm: k } = shl.operands else { return 0 };
        let Some(scale) = scale(k) else { return 0 };
        let (t, kind) = match (middle.opcode, middle.operands) {
            (Opcode::LoadImm, P::RegImm { reg, imm }) => (reg, Middle::Constant(imm)),
            (load, P::RegRegImm { a, b, imm }) if load != Opcode::LoadImm => (a, Middle::Load(load, b, imm)),
            _ => return 0,
        };
        if t == x {
            return 0;
        }
        if let Middle::Load(_, base, _) = kind {
            if t == s || base == x {
                return 0;
            }
        }
        let add_pc = middle_pc.wrapping_add(1 + self.view.skip(middle_pc));
        let Some(add) = self.partner_at(add_pc, &[Opcode::Add64]) else { return 0 };
        let P::RegRegReg { d, s1, s2 } = add.operands else { return 0 };
        if d != x || !((s1 == x && s2 == t) || (s1 == t && s2 == x)) {
            return 0;
        }
        let (x, s, t) = (host(x), host(s), host(t));
        match kind {
            Middle::Constant(value) => {
                let loaded = self.sum_then_load(add_pc, x, Mem::index_only(s, scale, value as i32));
                self.asm.mov_imm64(t, isa::sext(value));
                2 + u32::from(loaded)
            }
            Middle::Load(opcode, base, offset) => {
                if !self.load(opcode, t, Some(host(base)), offset) {
                    return 0;
                }
                self.asm.lea(Size::S64, x, Mem::index(t, s, scale, 0));
                2
            }
        }
    }
}
