//! Selects: a conditional branch over a block of one instruction, compiled with `cmov`.
//!
//! Without Zicond, clang writes `x = c ? y : x` for RISC-V as a branch over one instruction,
//! which in PVM code is a block holding that instruction and a `fallthrough`; where the
//! condition depends on the data (the larger of two children in a heap, a random bit) that
//! branch is mispredicted about half the time, a dozen cycles or more each. When a forward branch's target is the end of such a
//! block, the branch compiles instead to straight-line code that does what the block would
//! have done, under the negated condition:
//!
//! ```text
//!     cmp r10, cost          ; enough gas for the block?
//!     jl slow                ; (almost never taken)
//!     lea rcx, [r10 - cost]
//!     <compare>              ; the branch's own
//!     cmov!cc r10, rcx       ; the block's charge, when it would have run
//!     <value into rcx>       ; the block's result (then <compare> again if that set flags)
//!     cmov!cc d, rcx
//!     jmp target
//! slow:
//!     <compare>
//!     jcc target             ; the branch as usual, falling into the block
//! block: ...                 ; the block itself, compiled as always
//! ```
//!
//! The same goes for a branch back to a loop's head followed by a block of one instruction and
//! a `jump` to that head (`if (c) continue; x = y;` at a loop's end): the select ends with the
//! jump back, and the block's charge covers the instruction and the `jump`.
//!
//! The block's code is still emitted as usual, after the select, for everything else that
//! reaches it (other branches, the jump table, a fresh start there). Gas and the guest state
//! come out exactly as from the branch and the block: the charge is the block's own cost,
//! taken only when the block would run, and when the gas cannot pay for it the slow path runs
//! the block's own charge, which stops the program at the block's start as it always does
//! (with either metering). Nothing in a select can fault.
//!
//! The instructions a select can take are those whose result is a register computed from
//! registers and immediates with no fault and no other effect: `move_reg`, `load_imm`,
//! `load_imm_64`, the additions, `negate_and_add_imm_64`, `sub_64` and the bitwise operations.

use asm::{AluOp, Assembler, Cond, Mem, Reg as H, Scale, Size, Width};
use isa::gas::CostModel;
use isa::{DecodedKind, Instruction, Opcode, Operands as P};

use super::{host, Compiler, GAS, TMP};

/// The most code bytes a select's block (its instruction and its `fallthrough`) can span.
const MAX_BLOCK_BYTES: u32 = 32;

/// How a select computes its block's result.
#[derive(Copy, Clone)]
enum Value {
    /// A register's value.
    Reg(H),
    /// A constant.
    Imm(u64),
    /// An address computation: 64-bit `lea`, or 32-bit and sign-extended.
    Lea { mem: Mem, wide: bool },
    /// `op(a, b)`, where `b` is a register or a sign-extended immediate (sets the flags).
    Alu { op: AluOp, a: H, b: Result<H, i32> },
    /// `imm - s` (sets the flags).
    NegAdd { s: H, imm: i32 },
}

impl Value {
    /// Whether a select can do an instruction of `opcode` (what [`Value::of`] accepts).
    fn can_take(opcode: Opcode) -> bool {
        use Opcode as O;
        matches!(
            opcode,
            O::MoveReg
                | O::LoadImm
                | O::LoadImm64
                | O::Add64
                | O::Add32
                | O::AddImm64
                | O::AddImm32
                | O::Sub64
                | O::And
                | O::Or
                | O::Xor
                | O::AndImm
                | O::OrImm
                | O::XorImm
                | O::NegateAndAddImm64
        )
    }

    /// The destination and value of `inst`, if a select can do it.
    fn of(inst: Instruction) -> Option<(H, Value)> {
        use Opcode as O;
        if !Value::can_take(inst.opcode) {
            return None;
        }
        let value = match (inst.opcode, inst.operands) {
            (O::MoveReg, P::RegReg { d, s }) => (host(d), Value::Reg(host(s))),
            (O::LoadImm, P::RegImm { reg, imm }) => (host(reg), Value::Imm(isa::sext(imm))),
            (O::LoadImm64, P::RegImm64 { reg, imm }) => (host(reg), Value::Imm(imm)),
            (O::Add64 | O::Add32, P::RegRegReg { d, s1, s2 }) => {
                let mem = Mem::index(host(s1), host(s2), Scale::S1, 0);
                (host(d), Value::Lea { mem, wide: inst.opcode == O::Add64 })
            }
            (O::AddImm64 | O::AddImm32, P::RegRegImm { a, b, imm }) => {
                let mem = Mem::base(host(b), imm as i32);
                (host(a), Value::Lea { mem, wide: inst.opcode == O::AddImm64 })
            }
            (O::Sub64 | O::And | O::Or | O::Xor, P::RegRegReg { d, s1, s2 }) => {
                let op = match inst.opcode {
                    O::Sub64 => AluOp::Sub,
                    O::And => AluOp::And,
                    O::Or => AluOp::Or,
                    _ => AluOp::Xor,
                };
                (host(d), Value::Alu { op, a: host(s1), b: Ok(host(s2)) })
            }
            (O::AndImm | O::OrImm | O::XorImm, P::RegRegImm { a, b, imm }) => {
                let op = match inst.opcode {
                    O::AndImm => AluOp::And,
                    O::OrImm => AluOp::Or,
                    _ => AluOp::Xor,
                };
                (host(a), Value::Alu { op, a: host(b), b: Err(imm as i32) })
            }
            (O::NegateAndAddImm64, P::RegRegImm { a, b, imm }) => {
                (host(a), Value::NegAdd { s: host(b), imm: imm as i32 })
            }
            _ => return None,
        };
        Some(value)
    }

    /// Puts the value in `TMP` (unless it is a register); whether that changed the flags.
    fn emit(self, asm: &mut Assembler) -> bool {
        match self {
            Value::Reg(_) => false,
            Value::Imm(imm) => {
                asm.mov_imm64(TMP, imm);
                false
            }
            Value::Lea { mem, wide: true } => {
                asm.lea(Size::S64, TMP, mem);
                false
            }
            Value::Lea { mem, wide: false } => {
                asm.lea(Size::S32, TMP, mem);
                asm.movsx(Size::S64, Width::W32, TMP, TMP);
                false
            }
            Value::Alu { op, a, b } => {
                asm.mov_rr(Size::S64, TMP, a);
                match b {
                    Ok(b) => asm.alu_rr(op, Size::S64, TMP, b),
                    Err(imm) => asm.alu_ri(op, Size::S64, TMP, imm),
                }
                true
            }
            Value::NegAdd { s, imm } => {
                asm.mov_ri(Size::S64, TMP, imm);
                asm.alu_rr(AluOp::Sub, Size::S64, TMP, s);
                true
            }
        }
    }
}

impl Compiler<'_> {
    /// Compiles the conditional branch at `pc` (taken to `target` under `cond`, else on to
    /// `next`, both ahead) as a select if the code from `next` to `target` is a block of one
    /// instruction a select can do and a `fallthrough` (see the module note): emits the select
    /// and says whether the branch itself must follow as its slow path (with metered gas).
    /// `None`, with nothing emitted, if the code is not such a block.
    #[inline(always)]
    pub(super) fn select(
        &mut self,
        pc: u32,
        next: u32,
        cond: Cond,
        target: u32,
        compare: &dyn Fn(&mut Assembler),
    ) -> Option<Slow> {
        // Most forward branches are not over such a block: first the tests that cost a few
        // instructions (how far the branch goes, a one-byte `fallthrough` just before the
        // target), inlined into every branch's handler, then the rest out of line.
        if target.wrapping_sub(next) > MAX_BLOCK_BYTES {
            return None;
        }
        let view = &self.view;
        if view.set.opcode(view.code[target as usize - 1]) != Some(Opcode::Fallthrough) {
            return None;
        }
        self.select_block(pc, next, cond, target, compare, Opcode::Fallthrough)
    }

    /// [`Self::select`] for a branch back to `target`, a block the walk has passed: the
    /// block at `next` must end with a `jump` to the same target (a loop's `continue`).
    #[inline(always)]
    pub(super) fn select_back(
        &mut self,
        pc: u32,
        next: u32,
        cond: Cond,
        target: u32,
        compare: &dyn Fn(&mut Assembler),
    ) -> Option<Slow> {
        // First the tests that cost a few instructions: an instruction a select can do, then
        // a `jump`.
        let view = &self.view;
        let first = view.code.get(next as usize).and_then(|&byte| view.set.opcode(byte));
        if !first.is_some_and(Value::can_take) {
            return None;
        }
        let second = next as usize + 1 + view.skip(next) as usize;
        if view.code.get(second).and_then(|&byte| view.set.opcode(byte)) != Some(Opcode::Jump) {
            return None;
        }
        self.select_block(pc, next, cond, target, compare, Opcode::Jump)
    }

    /// [`Self::select`] and [`Self::select_back`] once their cheap tests have passed: the
    /// block at `next` must be an instruction a select can do and `end`, a `fallthrough` to
    /// `target` or a `jump` there.
    #[inline(never)]
    fn select_block(
        &mut self,
        pc: u32,
        next: u32,
        cond: Cond,
        target: u32,
        compare: &dyn Fn(&mut Assembler),
        end: Opcode,
    ) -> Option<Slow> {
        let view = &self.view;
        let first = view.decode(next);
        if first.kind != DecodedKind::Valid {
            return None;
        }
        let (d, value) = Value::of(first.inst)?;
        let last = view.decode(first.next_pc());
        let to_target = match last.inst.operands {
            P::Offset { target: to } => to == target,
            _ => last.next_pc() == target,
        };
        if last.kind != DecodedKind::Valid || last.inst.opcode != end || !to_target {
            return None;
        }
        let cost = self.cost_model.cost(first.inst.opcode) + self.cost_model.cost(end);
        let metered = self.cost_model != CostModel::Free;
        let run = cond.invert();
        let slow = self.asm.new_label();
        if metered {
            self.asm.cmp_ri(Size::S64, GAS, cost as i32);
            self.asm.jcc(Cond::L, slow);
            self.asm.lea(Size::S64, TMP, Mem::base(GAS, -(cost as i32)));
            compare(&mut self.asm);
            self.asm.cmov_rr(run, Size::S64, GAS, TMP);
        } else {
            compare(&mut self.asm);
        }
        let source = match value {
            Value::Reg(s) => s,
            _ => TMP,
        };
        if value.emit(&mut self.asm) {
            compare(&mut self.asm);
        }
        self.asm.cmov_rr(run, Size::S64, d, source);
        self.jump(pc, target);
        if !metered {
            return Some(Slow::None);
        }
        self.asm.bind(slow);
        Some(Slow::Branch)
    }
}

/// What follows a select.
pub(super) enum Slow {
    /// Nothing: it cannot run out of gas.
    None,
    /// The branch as usual, for when the gas cannot pay for the block.
    Branch,
}

#[cfg(test)]
mod tests {
    use isa::{Format, Reg};

    use super::*;

    /// [`Value::can_take`] (the cheap test) and [`Value::of`] accept the same opcodes.
    #[test]
    fn the_cheap_test_accepts_what_a_select_takes() {
        let (d, s, t) = (Reg::A0, Reg::A1, Reg::A2);
        for &opcode in Opcode::ALL.iter() {
            let operands = match opcode.format() {
                Format::RegReg => P::RegReg { d, s },
                Format::RegImm => P::RegImm { reg: d, imm: 5 },
                Format::RegImm64 => P::RegImm64 { reg: d, imm: 5 },
                Format::RegRegReg => P::RegRegReg { d, s1: s, s2: t },
                Format::RegRegImm => P::RegRegImm { a: d, b: s, imm: 5 },
                _ => {
                    assert!(!Value::can_take(opcode), "{opcode:?}");
                    continue;
                }
            };
            let taken = Value::of(Instruction { opcode, operands }).is_some();
            assert_eq!(taken, Value::can_take(opcode), "{opcode:?}");
        }
    }
}
