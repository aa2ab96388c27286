//! Instruction dispatch and control flow: branches, jumps, dynamic jumps, host calls and
//! the instructions the host performs (`sbrk`, `memset`).

use asm::{Cond, Label, Mem, Size, Width};
use isa::{Instruction, Opcode, Operands as P};

use super::stubs::jump_table_slot;
use super::{ctx, extend, host, Compiler, TMP};
use crate::jit::vmctx;

/// The condition under which a conditional branch is taken.
#[inline(always)]
fn branch_cond(opcode: Opcode) -> Option<Cond> {
    use Opcode as O;
    Some(match opcode {
        O::BranchEq | O::BranchEqImm => Cond::E,
        O::BranchNotEq | O::BranchNotEqImm => Cond::Ne,
        O::BranchLessUnsigned | O::BranchLessUnsignedImm => Cond::B,
        O::BranchLessSigned | O::BranchLessSignedImm => Cond::L,
        O::BranchGreaterOrEqualUnsigned | O::BranchGreaterOrEqualUnsignedImm => Cond::Ae,
        O::BranchGreaterOrEqualSigned | O::BranchGreaterOrEqualSignedImm => Cond::Ge,
        O::BranchLessOrEqualUnsignedImm => Cond::Be,
        O::BranchLessOrEqualSignedImm => Cond::Le,
        O::BranchGreaterUnsignedImm => Cond::A,
        O::BranchGreaterSignedImm => Cond::G,
        _ => return None,
    })
}

impl Compiler<'_> {
    /// Emits one valid instruction at `pc` (the next one is at `next`); during the walk,
    /// [`extend::STALE`] if it left its register stale, else 0.
    #[inline(always)]
    pub(super) fn instruction(&mut self, pc: u32, next: u32, inst: Instruction) -> u32 {
        use Opcode as O;
        let opcode = inst.opcode;
        // (During the walk a 32-bit result is extended now or left stale, see `extend`.)
        let mut extended = true;
        let done = match inst.operands {
            P::Argless => self.argless(pc, opcode),
            P::Imm { imm } => {
                self.open.exits();
                // The pc goes straight into the `Cpu` (whose address the stub takes in `TMP`),
                // where the host function reads it: the dispatcher then has nothing to copy.
                self.asm.mov_rm(Size::S64, TMP, ctx(vmctx::CPU));
                self.asm.store_imm(Width::W32, Mem::base(TMP, vmctx::CPU_PC), pc as i32);
                self.asm.store_imm(Width::W32, ctx(vmctx::ARG), imm as i32);
                self.asm.call(self.stubs.host_call);
                true
            }
            P::RegImm64 { reg, imm } => {
                self.asm.mov_imm64(host(reg), imm);
                true
            }
            P::ImmImm { imm1, imm2 } => self.store_imm(opcode, imm2, None, imm1),
            P::Offset { target } => {
                self.end_with_jump(pc, target);
                true
            }
            P::RegImm { reg, imm } => match opcode {
                O::LoadImm => {
                    self.asm.mov_imm64(host(reg), isa::sext(imm));
                    true
                }
                O::JumpIndirect => {
                    self.dynamic_jump(pc, Some(host(reg)), imm);
                    true
                }
                _ => self.load(opcode, host(reg), None, imm) || self.store(opcode, host(reg), None, imm),
            },
            P::RegImmImm { reg, imm1, imm2 } => self.store_imm(opcode, imm2, Some(host(reg)), imm1),
            P::RegImmOffset { reg, imm, target } => {
                if opcode == O::LoadImmAndJump {
                    // The register is written even when the target is invalid (then the
                    // jump traps), as in PolkaVM.
                    self.asm.mov_imm64(host(reg), isa::sext(imm));
                    self.end_with_jump(pc, target);
                } else {
                    // `test r, r` sets the flags every condition reads exactly as `cmp r, 0`.
                    self.branch(pc, next, opcode, target, |asm| match imm {
                        0 => asm.test_rr(Size::S64, host(reg), host(reg)),
                        _ => asm.cmp_ri(Size::S64, host(reg), imm as i32),
                    });
                }
                true
            }
            P::RegReg { d, s } => {
                if opcode == O::Sbrk {
                    self.host_exit(pc, (d.index() as u32) << 8 | s.index() as u32, self.stubs.sbrk);
                    true
                } else {
                    self.alu2(opcode, host(d), host(s))
                }
            }
            P::RegRegImm { a, b, imm } => {
                let (ha, hb) = (host(a), host(b));
                extended = extend::whole_anyway(opcode, imm) || self.extends(opcode, next, a);
                self.alu_imm(opcode, ha, (hb, imm), extended)
                    || self.load(opcode, ha, Some(hb), imm)
                    || self.store(opcode, ha, Some(hb), imm)
            }
            P::RegRegOffset { a, b, target } => {
                self.branch(pc, next, opcode, target, |asm| asm.cmp_rr(Size::S64, host(a), host(b)));
                true
            }
            P::RegRegImmImm { a, b, imm1, imm2 } => {
                // `load_imm_and_jump_indirect`: the target uses `b` before `a` is written.
                self.dynamic_jump_with(pc, Some(host(b)), imm2, Some((host(a), imm1)));
                true
            }
            P::RegRegReg { d, s1, s2 } => {
                let (hd, h1, h2) = (host(d), host(s1), host(s2));
                extended = extend::whole_anyway3(opcode, d, s1, s2) || self.extends(opcode, next, d);
                self.alu3(opcode, hd, (h1, h2), extended)
                    || self.mul_upper(opcode, hd, h1, h2)
                    || self.div_rem(opcode, hd, h1, h2)
            }
        };
        debug_assert!(done, "no code generated for {opcode:?}");
        if !done {
            self.trap(pc);
        }
        if extended || !self.deferring {
            0
        } else {
            extend::STALE
        }
    }

    #[inline(always)]
    fn argless(&mut self, pc: u32, opcode: Opcode) -> bool {
        match opcode {
            Opcode::Trap => self.trap(pc),
            // A block boundary with no code: the next block's charge follows directly.
            Opcode::Fallthrough | Opcode::Unlikely => {}
            Opcode::Memset => self.host_exit(pc, 0, self.stubs.memset),
            _ => return false,
        }
        true
    }

    /// Leaves for the host with the exit `stub`, resuming after this instruction.
    fn host_exit(&mut self, pc: u32, arg: u32, stub: Label) {
        self.open.exits();
        let resume = self.asm.new_label();
        self.asm.store_imm(Width::W32, ctx(vmctx::PC), pc as i32);
        self.asm.store_imm(Width::W32, ctx(vmctx::ARG), arg as i32);
        self.asm.lea(Size::S64, TMP, Mem::label(resume, 0));
        self.asm.jmp(stub);
        self.asm.bind(resume);
    }

    /// An unconditional jump to `target` (a trap if it is not a valid block start).
    pub(super) fn jump(&mut self, pc: u32, target: u32) {
        self.jump_past(pc, target, false);
    }

    /// The jump that ends a block (`jump`, `load_imm_and_jump`): past the target's charge
    /// when this block pays it (see `merge`).
    #[inline(always)]
    fn end_with_jump(&mut self, pc: u32, target: u32) {
        self.jump_past(pc, target, true);
    }

    #[inline(always)]
    fn jump_past(&mut self, pc: u32, target: u32, may_merge: bool) {
        match self.static_target(pc, target, None) {
            StaticTarget::Back(native) => {
                let skip = may_merge && self.merge_jump(target, true);
                self.asm.jmp_to(native + if skip { self.charge_len() } else { 0 });
            }
            StaticTarget::Late => {
                let start = self.asm.offset();
                let field = self.asm.jmp_forward();
                self.forward.push(Forward { target, start, field, pc, skip: false });
            }
            StaticTarget::Forward => {
                let skip = may_merge && self.merge_jump(target, false);
                let start = self.asm.offset();
                let field = self.asm.jmp_forward();
                self.forward.push(Forward { target, start, field, pc, skip });
            }
            StaticTarget::Invalid => self.trap(pc),
        }
    }

    /// A conditional branch (the next instruction is at `next`): `compare` sets the flags,
    /// `opcode` gives the condition.
    #[inline(always)]
    fn branch(
        &mut self,
        pc: u32,
        next: u32,
        opcode: Opcode,
        target: u32,
        compare: impl Fn(&mut asm::Assembler),
    ) {
        let cond = branch_cond(opcode).expect("a conditional branch");
        let to = self.static_target(pc, target, Some(next));
        let select = match to {
            StaticTarget::Back(_) => self.select_back(pc, next, cond, target, &compare),
            StaticTarget::Forward => self.select(pc, next, cond, target, &compare),
            StaticTarget::Late => None,
            StaticTarget::Invalid => return self.trap(pc),
        };
        if let Some(super::select::Slow::None) = select {
            return;
        }
        // (Not after a select's slow path, which falls into the block's own charge.)
        let pays = select.is_none() && self.merge_fall(next, target);
        let start = self.asm.offset();
        compare(&mut self.asm);
        match to {
            StaticTarget::Back(native) if !pays => self.asm.jcc_to(cond, native),
            _ => {
                let field = self.asm.jcc_forward(cond);
                if pays {
                    self.record_fall(pc, target, start, field);
                } else {
                    self.forward.push(Forward { target, start, field, pc, skip: false });
                }
            }
        }
    }

    /// Where a static branch at `pc` to `target` (and, if it can fall through, to `next`)
    /// goes. An invalid branch compiles to a trap, as in the interpreter.
    ///
    /// The valid jump targets are exactly the offsets where the walk opens a block (an
    /// instruction start after a terminator, an invalid position, or nothing). So a target at
    /// or before `pc`, which the walk has passed, is valid if and only if a block starts there
    /// already. A forward target inside the code is taken on trust: the branch is emitted
    /// with an empty rel32 and recorded, and [`Self::emit_forward_branches`] aims it, or turns
    /// it into a trap, once the walk is done. `next` follows a terminator, so it is valid
    /// whenever an instruction starts there, that is whenever it lies inside the code.
    #[inline(always)]
    fn static_target(&self, pc: u32, target: u32, next: Option<u32>) -> StaticTarget {
        let len = self.view.len();
        debug_assert!(next.is_none_or(|n| (n < len) == self.view.is_jump_target_valid(n)));
        if next.is_some_and(|n| n >= len) {
            return StaticTarget::Invalid;
        }
        if target <= pc {
            if self.block_starts[target as usize] & super::merge::FALL != 0 {
                // A block whose charge is emitted after the code.
                return StaticTarget::Late;
            }
            let start = self.block_start(target);
            debug_assert_eq!(start.is_some(), self.view.is_jump_target_valid(target));
            match start {
                None => StaticTarget::Invalid,
                Some(native) => StaticTarget::Back(native),
            }
        } else if target < len {
            StaticTarget::Forward
        } else {
            StaticTarget::Invalid
        }
    }

    /// Aims each forward static branch at its target's block, or, if no block starts there,
    /// overwrites the branch's code with a jump to a trap stub of its own (every such code is
    /// at least the five bytes of that jump: a `jmp rel32`, or a compare and a `jcc rel32`).
    pub(super) fn emit_forward_branches(&mut self) {
        let charge = self.charge_len();
        for n in 0..self.forward.len() {
            let Forward { target, start, field, pc, skip } = self.forward[n];
            let block = self.block_start(target);
            debug_assert_eq!(block.is_some(), self.view.is_jump_target_valid(target));
            if let Some(native) = block {
                self.asm.patch_rel32(field, native + if skip { charge } else { 0 });
            } else {
                let stub = self.asm.offset();
                self.trap(pc);
                self.asm.patch_jmp(start, stub);
            }
        }
    }

    fn dynamic_jump(&mut self, pc: u32, base: Option<asm::Reg>, offset: u32) {
        self.dynamic_jump_with(pc, base, offset, None)
    }

    /// A jump to the jump-table entry for address `base + offset`; `load` is an immediate
    /// to write to a register once the address is taken.
    fn dynamic_jump_with(
        &mut self,
        pc: u32,
        base: Option<asm::Reg>,
        offset: u32,
        load: Option<(asm::Reg, u32)>,
    ) {
        // The exits that follow a miss, or an entry naming no block, report the jump's pc.
        // When every entry names a block, only a miss needs it, and the miss's own stub
        // stores it (`Compiler::emit_cold`), off the path of every jump that hits.
        let store_pc = self.jump_table_has_invalid_entries;
        if store_pc {
            self.asm.store_imm(Width::W32, ctx(vmctx::PC), pc as i32);
        }
        // Entry (address - 2) / 2 for even addresses; odd ones rotate far past any table.
        let adjusted = offset.wrapping_sub(2) as i32;
        match base {
            Some(base) => self.asm.lea(Size::S32, TMP, Mem::base(base, adjusted)),
            None => self.asm.mov_ri(Size::S32, TMP, adjusted),
        }
        self.asm.shift_ri(asm::ShiftOp::Ror, Size::S32, TMP, 1);
        if let Some((reg, value)) = load {
            self.asm.mov_imm64(reg, isa::sext(value));
        }
        let entries = self.jump_table_len;
        self.asm.cmp_ri(Size::S32, TMP, entries.min(i32::MAX as usize) as i32);
        if store_pc {
            self.asm.jcc(Cond::Ae, self.stubs.djump_miss);
        } else {
            let field = self.asm.jcc_forward(Cond::Ae);
            self.djump_misses.push((field, pc));
        }
        self.asm.jmp_mem(jump_table_slot(entries));
    }
}

/// Where a static branch goes (see [`Compiler::static_target`]).
enum StaticTarget {
    /// To the block at this native offset.
    Back(u32),
    /// Forward, to be aimed after the walk.
    Forward,
    /// Back, to a block whose charged entry is emitted after the code (see `fall`): aimed
    /// after the walk.
    Late,
    /// Nowhere: the branch traps.
    Invalid,
}

/// A forward static branch: its target, where its code starts, its rel32 field and its pc,
/// and whether it goes past the target's charge (a merged jump, see `merge`).
#[derive(Copy, Clone)]
pub(super) struct Forward {
    target: u32,
    start: u32,
    field: u32,
    pc: u32,
    skip: bool,
}
