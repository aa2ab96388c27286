//! Code generation: one forward pass over the decoder's instruction stream, emitting x86-64
//! for each instruction as it comes (no IR, no second pass over the program).
//!
//! Work per instruction is bounded (a few dozen bytes of code, O(1) bookkeeping, and a
//! bitmask look-up for each branch target), so compile time is linear in code size whatever
//! the blob. Forward branches are rel32 fixups resolved once at the end.
//!
//! Conventions of the generated code: the 13 guest registers live in host registers
//! ([`host`]); `r15` holds the guest base; `rcx` is the only scratch register; memory
//! operands are `[r15 + 32-bit offset]`. While compiled code runs, the gas counter lives in the
//! low lane of `xmm15` ([`GAS`]; the upper lane is 0). Each basic block starts by charging its
//! cost: `vpsubq xmm15, xmm15, [rip + cost]; vmovmskpd ecx, xmm15; test ecx, ecx; jnz
//! out_of_gas`, the 16-byte constant `(cost, 0)` living in a pool after the code, shared by all
//! blocks of equal cost. A register counter keeps the block-to-block dependency at one cycle,
//! where `sub qword [mem], cost` chained every block through a store and a reload. Within a guest instruction, the memory access (the only
//! thing that can fault) comes before any write to a guest register, so a fault leaves the
//! guest state exactly as before the instruction.

mod alu;
mod flow;
pub(crate) mod mem;
mod muldiv;
mod stubs;

use asm::{Assembler, Cond, Label, Mem, Reg as H, Size, Xmm};
use isa::gas::CostModel;
use isa::{CodeView, DecodedKind, Opcode, Reg};

use super::{Block, Layout};

/// The host register holding each guest register (indexed by [`Reg::index`]).
const HOST: [H; 13] = [
    H::Rbx, // ra
    H::Rsi, // sp
    H::R13, // t0
    H::Rbp, // t1
    H::R12, // t2
    H::R8,  // s0
    H::R9,  // s1
    H::Rdi, // a0
    H::Rax, // a1
    H::Rdx, // a2
    H::R14, // a3
    H::R10, // a4
    H::R11, // a5
];

/// Guest memory base.
const BASE: H = H::R15;
/// Scratch register.
const TMP: H = H::Rcx;
/// The gas counter while compiled code runs (low lane; the high lane stays 0).
const GAS: Xmm = Xmm::new(15);
/// Costs below this share pool entries through a direct-mapped table; larger ones get their own.
const SHARED_COSTS: usize = 256;

/// The host register of guest register `reg`.
#[inline(always)]
pub(crate) fn host(reg: Reg) -> H {
    HOST[reg.index()]
}

/// A context field as a memory operand.
#[inline(always)]
fn ctx(disp: i32) -> Mem {
    Mem::base(BASE, disp)
}

/// Why a program cannot be compiled.
#[derive(Debug, thiserror::Error)]
pub enum CompileError {
    /// A basic block costs more gas than one charge instruction can take.
    #[error("a basic block at offset {0:#x} costs more than 2^31 - 1 gas")]
    BlockTooExpensive(u32),
    /// The generated code is too large.
    #[error(transparent)]
    Asm(#[from] asm::AsmError),
}

/// The single-pass compiler's state.
pub(crate) struct Compiler<'a> {
    asm: Assembler,
    view: CodeView<'a>,
    cost_model: CostModel,
    /// For each code offset: `label index + 1` of the block starting there, or 0.
    block_labels: Vec<u32>,
    /// Per instruction: (native offset, code offset), in code order.
    insts: Vec<(u32, u32)>,
    blocks: Vec<Block>,
    /// The open block: its cost so far (whether it is charged at all is [`Compiler::metered`]).
    open: Option<u64>,
    /// Shared exit stubs.
    stubs: stubs::Stubs,
    /// Each charged block's out-of-gas branch target and the label of its cost's pool entry (in
    /// block order: entry `i` belongs to block `i`).
    charges: Vec<(Label, Label)>,
    /// Number of jump-table entries.
    jump_table_len: usize,
}

/// What compilation produced, before it is mapped executable.
pub(crate) struct Output {
    pub code: Vec<u8>,
    pub layout: Layout,
    pub insts: Vec<(u32, u32)>,
    pub blocks: Vec<Block>,
}

impl<'a> Compiler<'a> {
    /// Compiles `view` (64-bit instruction sets) with a jump table of `jump_table_len` entries.
    pub(crate) fn compile(
        view: CodeView<'a>,
        jump_table_len: usize,
        cost_model: CostModel,
    ) -> Result<Output, CompileError> {
        let len = view.len() as usize;
        let mut asm = Assembler::with_capacity(len * 8 + 1024);
        let stubs = stubs::Stubs::new(&mut asm);
        let mut c = Compiler {
            asm,
            view,
            cost_model,
            block_labels: vec![0; len + 1],
            insts: Vec::with_capacity(len / 3 + 8),
            blocks: Vec::with_capacity(len / 8 + 8),
            open: None,
            stubs,
            charges: Vec::with_capacity(len / 8 + 8),
            jump_table_len,
        };
        let entry = c.stubs.emit_entry_exit(&mut c.asm);
        for d in view.instructions() {
            if c.open.is_none() {
                c.open_block(d.pc);
            }
            let opcode = if d.kind == DecodedKind::Valid { d.inst.opcode } else { Opcode::Trap };
            if let Some(cost) = &mut c.open {
                *cost += u64::from(c.cost_model.cost(opcode));
            }
            c.insts.push((c.asm.offset(), d.pc));
            if d.kind == DecodedKind::Valid {
                c.instruction(d.pc, d.next_pc(), d.inst);
            } else {
                c.trap(d.pc);
            }
            // (Invalid positions decode as `trap`, which ends a block.)
            if d.ends_block() {
                c.close_block()?;
            }
        }
        if c.open.is_some() {
            c.close_block()?;
        }
        let layout = c.emit_cold(entry);
        let code = c.asm.into_code()?;
        Ok(Output { code, layout, insts: c.insts, blocks: c.blocks })
    }

    /// The label of the block starting at `pc` (a valid jump target).
    fn block_label(&mut self, pc: u32) -> Label {
        let slot = &mut self.block_labels[pc as usize];
        if *slot == 0 {
            let label = self.asm.new_label();
            *slot = label.index() + 1;
            label
        } else {
            asm::Label::from_index(*slot - 1)
        }
    }

    /// Whether blocks are charged gas.
    fn metered(&self) -> bool {
        self.cost_model != CostModel::Free
    }

    fn open_block(&mut self, pc: u32) {
        let label = self.block_label(pc);
        self.asm.bind(label);
        let native = self.asm.offset();
        if self.metered() {
            let (out_of_gas, cost) = (self.asm.new_label(), self.asm.new_label());
            self.asm.vpsubq_load(GAS, GAS, Mem::label(cost, 0));
            self.asm.vmovmskpd(TMP, GAS);
            self.asm.test_rr(Size::S32, TMP, TMP);
            self.asm.jcc(Cond::Ne, out_of_gas);
            self.charges.push((out_of_gas, cost));
        }
        self.blocks.push(Block { pc, native, cost: 0 });
        self.open = Some(0);
    }

    fn close_block(&mut self) -> Result<(), CompileError> {
        let Some(cost) = self.open.take() else { return Ok(()) };
        let block = self.blocks.last_mut().expect("an open block was recorded");
        block.cost = i32::try_from(cost).map_err(|_| CompileError::BlockTooExpensive(block.pc))? as u32;
        Ok(())
    }

    /// Emits what follows the code: each block's out-of-gas stub, the shared stubs and the pool
    /// of block costs.
    fn emit_cold(&mut self, entry: u32) -> Layout {
        let charges = core::mem::take(&mut self.charges);
        for (index, &(out_of_gas, _)) in charges.iter().enumerate() {
            self.asm.bind(out_of_gas);
            self.asm.mov_ri(Size::S32, TMP, index as i32);
            self.asm.jmp(self.stubs.out_of_gas);
        }
        let layout = self.stubs.emit_cold(&mut self.asm, entry);
        self.asm.align(16);
        let mut shared = [u32::MAX; SHARED_COSTS];
        for (block, &(_, label)) in self.blocks.iter().zip(&charges) {
            let slot = shared.get_mut(block.cost as usize);
            match slot {
                Some(&mut at) if at != u32::MAX => self.asm.bind_at(label, at),
                _ => {
                    let at = self.asm.offset();
                    self.asm.bind(label);
                    self.asm.data_u64(u64::from(block.cost));
                    self.asm.data_u64(0);
                    if let Some(slot) = slot {
                        *slot = at;
                    }
                }
            }
        }
        layout
    }

    /// Whether a static branch at `pc` to `target` (and, if it can fall through, to `next`)
    /// is valid; an invalid one compiles to a trap, as in the interpreter.
    fn branch_ok(&self, target: u32, next: Option<u32>) -> bool {
        self.view.is_jump_target_valid(target) && next.is_none_or(|n| self.view.is_jump_target_valid(n))
    }

    /// `trap` at `pc`.
    fn trap(&mut self, pc: u32) {
        self.asm.mov_ri(Size::S32, TMP, pc as i32);
        self.asm.jmp(self.stubs.trap);
    }
}
